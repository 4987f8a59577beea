"""Keras 2 (tf.keras) model JSON in Keras 3's form, so keras3.py reads both.

Keras 2 lists a layer's inputs as `[[["conv", 0, 0, {}], ...]]`, writes no module for layers,
a dtype as a plain name and an input's shape as `batch_input_shape`; the layers themselves are
the same built-ins, and any other class (a Lambda, a TFOpLambda, a custom class) stays as it
is, for refuse.py to refuse.
"""

from __future__ import annotations

from typing import Any

from generator.analysis.catalog import CATALOG
from generator.importer.keras_defaults import COMMON

TENSOR = "__keras_tensor__"
_MODELS = {
    "Functional": "keras.src.models.functional",
    "Model": "keras.src.models.functional",
    "Sequential": "keras.src.models.sequential",
}


def is_keras2(model: dict[str, Any]) -> bool:
    """Saved by Keras 2: its version says so, or a layer lists its inputs the Keras 2 way."""
    version = model.get("keras_version")
    if isinstance(version, str) and version.startswith("2."):
        return True
    config = model.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    for layer in layers if isinstance(layers, list) else []:
        nodes = layer.get("inbound_nodes") if isinstance(layer, dict) else None
        if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
            return True
    return False


def upgrade(model: dict[str, Any]) -> dict[str, Any]:
    """The Keras 3 form of a Keras 2 model's JSON."""
    class_name = model.get("class_name")
    config = model.get("config")
    if class_name not in _MODELS or not isinstance(config, dict):
        return model  # a subclassed model: refuse.py names it
    layers = [_layer(item) for item in config.get("layers") or [] if isinstance(item, dict)]
    if class_name == "Sequential":
        layers = _with_input(layers)
    return {
        "module": _MODELS[class_name],
        "class_name": "Functional" if class_name == "Model" else class_name,
        "registered_name": None,
        "config": {**config, "layers": layers},
        "compile_config": model.get("compile_config"),
    }


def _layer(layer: dict[str, Any]) -> dict[str, Any]:
    class_name = layer.get("class_name")
    config = dict(layer.get("config") or {})
    builtin = class_name == "InputLayer" or class_name in CATALOG
    if builtin and "module" not in layer:
        layer = {**layer, "module": "keras.layers", "registered_name": None}
    if config.get("dtype") in ("float32", {"class_name": "Policy", "config": {"name": "float32"}}):
        config["dtype"] = COMMON["dtype"]
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape", config.get("batch_shape"))
        config["dtype"] = "float32" if config["dtype"] == COMMON["dtype"] else config["dtype"]
    nodes = layer.get("inbound_nodes")
    if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
        merge = (
            isinstance(class_name, str) and class_name in CATALOG and CATALOG[class_name].is_merge
        )
        layer = {**layer, "inbound_nodes": [_node(node, merge) for node in nodes]}
    return {**layer, "config": config}


def _node(node: list[Any], merge: bool) -> dict[str, Any]:
    """[["conv", 0, 0, {kwargs}], ...] as Keras 3's {"args": [...], "kwargs": {...}}."""
    tensors = []
    kwargs: dict[str, Any] = {}
    for item in node:
        if isinstance(item, list) and len(item) >= 3:
            history = [item[0], item[1], item[2]]
            tensors.append({"class_name": TENSOR, "config": {"keras_history": history}})
            if len(item) > 3 and isinstance(item[3], dict):
                kwargs = item[3]
    args: list[Any] = [tensors] if merge else tensors
    return {"args": args, "kwargs": kwargs}


def _with_input(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Keras 2 Sequential model keeps its input shape on the first layer."""
    if not layers or layers[0].get("class_name") == "InputLayer":
        return layers
    first = dict(layers[0].get("config") or {})
    shape = first.pop("batch_input_shape", None)
    if shape is None:
        return layers
    name = "input_layer"
    entry = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "config": {"batch_shape": shape, "dtype": "float32", "name": name}}  # fmt: skip
    return [entry, {**layers[0], "config": first}, *layers[1:]]
