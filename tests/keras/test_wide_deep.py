"""The wide_deep preset against the keras-io original, built here as the example writes it.

keras-io examples/structured_data/wide_deep_cross_networks.py, create_wide_and_deep_model():
ten float scalar inputs, two string inputs (40 soil types, 4 wilderness areas), lookups inside
the model, hidden_units [32, 32], dropout 0.1, seven classes.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from generator.pipeline import check
from generator.spec.presets import preset_path
from tests.conftest import OUTPUT
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras

NUMERIC = [
    "Aspect", "Elevation", "Hillshade_3pm", "Hillshade_9am", "Hillshade_Noon",
    "Horizontal_Distance_To_Fire_Points", "Horizontal_Distance_To_Hydrology",
    "Horizontal_Distance_To_Roadways", "Slope", "Vertical_Distance_To_Hydrology",
]  # fmt: skip
VOCABULARIES = {
    "Soil_Type": [f"soil_type_{i + 1}" for i in range(40)],
    "Wilderness_Area": [f"area_type_{i + 1}" for i in range(4)],
}


def _original() -> Any:
    """create_wide_and_deep_model() of the example."""
    import keras
    from keras import layers

    inputs = {name: layers.Input(name=name, shape=(), dtype="float32") for name in NUMERIC}
    inputs |= {name: layers.Input(name=name, shape=(), dtype="string") for name in VOCABULARIES}

    def encode(use_embedding: bool) -> Any:
        encoded = []
        for name, tensor in inputs.items():
            if name not in VOCABULARIES:
                encoded.append(keras.ops.expand_dims(tensor, -1))
                continue
            vocabulary = VOCABULARIES[name]
            lookup = layers.StringLookup(
                vocabulary=vocabulary,
                mask_token=None,
                num_oov_indices=0,
                output_mode="int" if use_embedding else "binary",
            )
            if use_embedding:
                dims = int(math.sqrt(len(vocabulary)))
                encoded.append(layers.Embedding(len(vocabulary), dims)(lookup(tensor)))
            else:
                encoded.append(lookup(keras.ops.expand_dims(tensor, -1)))
        return layers.concatenate(encoded)

    wide = layers.BatchNormalization()(encode(False))
    deep = encode(True)
    for units in [32, 32]:
        deep = layers.Dense(units)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
        deep = layers.Dropout(0.1)(deep)
    merged = layers.concatenate([wide, deep])
    outputs = layers.Dense(units=7, activation="softmax")(merged)
    return keras.Model(inputs=inputs, outputs=outputs)


def _inputs(model: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Each input's shape and dtype (the preset gives the columns shorter names)."""
    return sorted((tuple(tensor.shape), str(tensor.dtype)) for tensor in model.inputs)


def _totals(model: Any) -> tuple[int, int, int]:
    trainable = sum(int(math.prod(w.shape)) for w in model.trainable_weights)
    frozen = sum(int(math.prod(w.shape)) for w in model.non_trainable_weights)
    return trainable + frozen, trainable, frozen


@pytest.mark.parametrize("style", ["class", "function"])
def test_wide_deep_has_the_originals_parameters(style: str) -> None:
    original = _original()
    assert _totals(original) == (2993, 2757, 236)
    path = preset_path("wide_deep")
    assert path is not None
    graph = check(path).graph
    assert (graph.total_params, graph.trainable_params, graph.non_trainable_params) == (
        _totals(original)
    )
    generated = load_script(OUTPUT / f"wide_deep_{style}.py").build_model()
    assert _totals(generated) == _totals(original)
    assert _inputs(generated) == _inputs(original)
    assert _inputs(original) == [((None,), "float32")] * 10 + [((None,), "string")] * 2
    assert {type(layer).__name__ for layer in generated.layers} >= {
        "StringLookup", "Embedding", "BatchNormalization", "ReLU", "Dropout", "Concatenate",
    }  # fmt: skip
