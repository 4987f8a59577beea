"""Every name the catalog and the spec accept is one Keras resolves."""

from __future__ import annotations

import pytest

from generator.spec import values
from generator.spec.object_catalog import FAMILIES

pytestmark = pytest.mark.keras


def _options(kind: values.ValueKind) -> list[str]:
    return kind.description.removeprefix("one of ").split(", ")


@pytest.mark.parametrize(
    ("getter", "names"),
    [
        ("activations", _options(values.ACTIVATIONS)),
        ("initializers", list(FAMILIES["initializer"].names)),
        ("regularizers", list(FAMILIES["regularizer"].names)),
        ("constraints", list(FAMILIES["constraint"].names)),
        ("losses", list(FAMILIES["loss"].names)),
        ("metrics", list(FAMILIES["metric"].names)),
        ("optimizers", list(FAMILIES["optimizer"].names)),
    ],
)
def test_keras_resolves_every_name(getter: str, names: list[str]) -> None:
    import keras

    module = getattr(keras, getter)
    for name in names:
        assert module.get(name) is not None, name
