"""Build a spec's model straight from keras.layers, independently of the generator.

Blocks are called by substituting "$param" values and prefixing layer names with
the call's name; `share` reuses a layer object, or, for a block call, a sub-model
built once on inputs of the first call's shapes.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

PARAM = re.compile(r"\$([A-Za-z][A-Za-z0-9_]*)\Z")


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def _fill(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str) and PARAM.match(value):
        return params[value[1:]]
    if isinstance(value, list):
        return [_fill(item, params) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, params) for key, item in value.items()}
    return value


def _construct(keras: Any, layer: dict[str, Any], name: str | None, params: dict[str, Any]) -> Any:
    reserved = ("name", "type", "inputs", "block", "share")
    args = {key: _fill(value, params) for key, value in layer.items() if key not in reserved}
    if "layer" in args:
        args["layer"] = _construct(keras, args["layer"], None, {})
    args = {key: value if key == "layer" else _tuples(value) for key, value in args.items()}
    if name is not None:
        args["name"] = name
    return getattr(keras.layers, layer["type"])(**args)


def _call_block(
    keras: Any,
    spec: dict[str, Any],
    block_name: str,
    prefix: str,
    inputs: list[Any],
    args: dict[str, Any],
) -> Any:
    block = spec["blocks"][block_name]
    params = {**block.get("defaults", {}), **args}
    local = dict(zip(block.get("inputs", ["x"]), inputs, strict=True))
    previous = block.get("inputs", ["x"])[0]
    for layer in block["layers"]:
        refs = layer.get("inputs", previous)
        refs = refs if isinstance(refs, list) else [refs]
        tensors = [local[ref] for ref in refs]
        name = f"{prefix}_{layer['name']}"
        if "block" in layer:
            inner_args = {
                key: _fill(value, params)
                for key, value in layer.items()
                if key not in ("name", "block", "inputs")
            }
            local[layer["name"]] = _call_block(
                keras, spec, layer["block"], name, tensors, inner_args
            )
        else:
            layer_object = _construct(keras, layer, name, params)
            argument = tensors if len(tensors) > 1 or _is_merge(keras, layer) else tensors[0]
            local[layer["name"]] = layer_object(argument)
        previous = layer["name"]
    return local[block.get("output") or block["layers"][-1]["name"]]


MERGING = {"Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot"}


def _is_merge(keras: Any, layer: dict[str, Any]) -> bool:
    return layer["type"] in MERGING


def build(spec: dict[str, Any]) -> Any:
    """The Keras model a spec describes; raises whatever Keras raises."""
    import keras

    tensors: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    shared = {layer["share"] for layer in spec["layers"] if "share" in layer}
    for item in spec["inputs"]:
        shape = tuple(item["shape"])
        tensors[item["name"]] = keras.Input(
            shape=shape, dtype=item.get("dtype", "float32"), name=item["name"]
        )
    previous = spec["inputs"][0]["name"]
    for layer in spec["layers"]:
        refs = layer.get("inputs", previous)
        arguments = [tensors[ref] for ref in refs] if isinstance(refs, list) else [tensors[refs]]
        name = layer["name"]
        if "share" in layer:
            target = objects[layer["share"]]
            tensors[name] = target(arguments if len(arguments) > 1 else arguments[0])
        elif "block" in layer:
            args = {
                key: value for key, value in layer.items() if key not in ("name", "block", "inputs")
            }
            if name in shared:
                tower_inputs = [keras.Input(shape=tuple(t.shape[1:])) for t in arguments]
                output = _call_block(keras, spec, layer["block"], name, tower_inputs, args)
                objects[name] = keras.Model(
                    tower_inputs if len(tower_inputs) > 1 else tower_inputs[0], output, name=name
                )
                tensors[name] = objects[name](arguments if len(arguments) > 1 else arguments[0])
            else:
                tensors[name] = _call_block(keras, spec, layer["block"], name, arguments, args)
        else:
            layer_object = _construct(keras, layer, name, {})
            objects[name] = layer_object
            merge = isinstance(refs, list) and _is_merge(keras, layer)
            tensors[name] = layer_object(arguments if merge else arguments[0])
        previous = name
    outputs = [tensors[name] for name in spec.get("outputs") or [spec["layers"][-1]["name"]]]
    inputs = [tensors[item["name"]] for item in spec["inputs"]]
    return keras.Model(inputs=inputs, outputs=outputs, name=spec["name"])


def weight_counts(layer: Any) -> tuple[int, int]:
    """(trainable, non-trainable) weight counts of one Keras layer."""
    trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return trainable, frozen


def forward_batch(spec: dict[str, Any], length: int) -> list[Any]:
    """Two zero examples per input, variable lengths set to `length`."""
    return [
        np.zeros(
            (2, *(length if dim is None else dim for dim in item["shape"])),
            dtype=item.get("dtype", "float32"),
        )
        for item in spec["inputs"]
    ]
