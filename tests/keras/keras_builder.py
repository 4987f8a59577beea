"""Build a spec's model straight from keras.layers, independently of the generator."""

from __future__ import annotations

from typing import Any

import numpy as np


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def _construct(keras: Any, layer: dict[str, Any], name: str | None) -> Any:
    args = {key: value for key, value in layer.items() if key not in ("name", "type", "inputs")}
    if "layer" in args:
        args["layer"] = _construct(keras, args["layer"], None)
    args = {key: value if key == "layer" else _tuples(value) for key, value in args.items()}
    if name is not None:
        args["name"] = name
    return getattr(keras.layers, layer["type"])(**args)


def build(spec: dict[str, Any]) -> Any:
    """The Keras model a spec describes; raises whatever Keras raises."""
    import keras

    tensors: dict[str, Any] = {}
    for item in spec["inputs"]:
        shape = tuple(item["shape"])
        tensors[item["name"]] = keras.Input(
            shape=shape, dtype=item.get("dtype", "float32"), name=item["name"]
        )
    previous = spec["inputs"][0]["name"]
    for layer in spec["layers"]:
        refs = layer.get("inputs", previous)
        layer_object = _construct(keras, layer, layer["name"])
        argument = [tensors[ref] for ref in refs] if isinstance(refs, list) else tensors[refs]
        tensors[layer["name"]] = layer_object(argument)
        previous = layer["name"]
    outputs = [tensors[name] for name in spec.get("outputs") or [spec["layers"][-1]["name"]]]
    inputs = [tensors[item["name"]] for item in spec["inputs"]]
    return keras.Model(inputs=inputs, outputs=outputs, name=spec["name"])


def weight_counts(layer: Any) -> tuple[int, int]:
    """(trainable, non-trainable) weight counts of one Keras layer."""
    trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return trainable, frozen
