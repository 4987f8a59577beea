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
        if getter == "metrics" and name in COMPILE_READS:
            continue  # not a registered name: test_compile_reads_acc_as_accuracy
        assert module.get(name) is not None, name


# Metric names that Keras's compile() reads itself rather than looking them up.
COMPILE_READS = ("acc",)


def test_compile_reads_acc_as_accuracy() -> None:
    import keras
    import numpy as np

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    for name in COMPILE_READS:
        model.compile(loss="binary_crossentropy", metrics=[name])
        scores = model.evaluate(np.zeros((2, 2)), np.ones((2, 1)), verbose=0, return_dict=True)
        assert scores[name] == 0.0, scores  # accuracy: an output of 0.5 is below its threshold
