"""The importer's table of Keras's serialized defaults is Keras's own, key for key."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from generator.importer.keras_defaults import COMMON, LAYER_DEFAULTS

pytestmark = pytest.mark.keras

# A value for each required argument, to construct the layer.
SAMPLE = {
    "units": 2, "filters": 2, "kernel_size": 1, "rate": 0.5, "activation": "relu",
    "input_dim": 2, "output_dim": 2, "target_shape": [1], "dims": [1], "n": 2, "stddev": 0.1,
    "height": 2, "width": 2, "scale": 1.0, "pool_size": 2, "axes": 1, "groups": 1,
    "layer": None, "size": 2, "padding": 1, "cropping": 1, "axis": -1, "num_heads": 2,
    "key_dim": 2,
}  # fmt: skip


def _default_config(name: str) -> tuple[dict[str, Any], set[str]]:
    import keras

    cls = getattr(keras.layers, name)
    parameters = inspect.signature(cls.__init__).parameters
    required = {
        key
        for key, parameter in parameters.items()
        if parameter.default is inspect.Parameter.empty and key not in ("self", "kwargs")
    }
    given = {key: SAMPLE[key] for key in required}
    if "layer" in given:
        given["layer"] = keras.layers.LSTM(2)  # a wrapper's layer: an object
    config = json.loads(json.dumps(cls(**given).get_config()))
    return config, required


@pytest.mark.parametrize("name", sorted(LAYER_DEFAULTS))
def test_each_recorded_default_is_what_keras_serializes(name: str) -> None:
    config, required = _default_config(name)
    expected = {
        key: value
        for key, value in config.items()
        if key not in required and key != "name" and COMMON.get(key, object()) != value
    }
    if "Pooling" in name and "Global" not in name:
        expected.pop("strides")  # follows pool_size: decided in keras3.py
    if name == "MultiHeadAttention":
        expected.pop("value_dim")  # follows key_dim: decided in keras3.py
    if name.endswith("Lookup"):
        expected.pop("vocabulary_size")  # follows the vocabulary: decided in keras3.py
    if name == "Bidirectional":
        expected.pop("backward_layer")  # the forward layer's copy: decided in wrapped.py
    assert expected == LAYER_DEFAULTS[name]
