"""The catalog's arguments are the Keras layer classes' own."""

from __future__ import annotations

import inspect

import pytest

from generator.analysis.catalog import CATALOG

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_arguments_match_the_keras_signature(name: str) -> None:
    import keras

    parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    named = {key: value for key, value in parameters.items() if key not in ("self", "kwargs")}
    required = {key for key, value in named.items() if value.default is inspect.Parameter.empty}
    layer_type = CATALOG[name]
    assert set(layer_type.args) <= set(named), set(layer_type.args) - set(named)
    assert {key for key, arg in layer_type.args.items() if arg.required} == required
    positional = [key for key, arg in layer_type.args.items() if arg.positional]
    assert positional == list(named)[: len(positional)], "positional args must lead, in Keras order"
