"""Keras still gives the spatial table's answers, and data_format is offered wherever Keras takes it."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from tests.spatial_cases import CASES

pytestmark = pytest.mark.keras


def _tuples(value: Any) -> Any:
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value


@pytest.mark.parametrize(("type_name", "args", "shape", "expected", "weights"), CASES)
def test_keras_gives_the_table(
    type_name: str, args: dict[str, Any], shape: list[int | None], expected: list[int | None],
    weights: int,
) -> None:  # fmt: skip
    import keras

    layer = getattr(keras.layers, type_name)(**{key: _tuples(v) for key, v in args.items()})
    output = layer(keras.Input(tuple(shape)))
    assert (list(output.shape), layer.count_params()) == (expected, weights)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_data_format_wherever_keras_takes_it(name: str) -> None:
    import keras

    parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    assert ("data_format" in parameters) == ("data_format" in CATALOG[name].args)
