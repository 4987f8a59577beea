"""Every name the catalog and the spec accept is one Keras resolves."""

from __future__ import annotations

import pytest

from generator.spec import values
from generator.spec.model import LOSSES, METRICS, OPTIMIZERS

pytestmark = pytest.mark.keras


def _options(kind: values.ValueKind) -> list[str]:
    return kind.description.removeprefix("one of ").split(", ")


@pytest.mark.parametrize(
    ("getter", "names"),
    [
        ("activations", _options(values.ACTIVATIONS)),
        ("initializers", _options(values.INITIALIZERS)),
        ("regularizers", _options(values.REGULARIZERS)),
        ("constraints", _options(values.CONSTRAINTS)),
        ("losses", list(LOSSES)),
        ("metrics", list(METRICS)),
        ("optimizers", list(OPTIMIZERS)),
    ],
)
def test_keras_resolves_every_name(getter: str, names: list[str]) -> None:
    import keras

    module = getattr(keras, getter)
    for name in names:
        assert module.get(name) is not None, name
