"""Small Keras 3 model documents, written by hand in the shape model.to_json() gives."""

from __future__ import annotations

from typing import Any

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}  # fmt: skip


def tensor(
    source: str, shape: list[Any] | None = None, node: int = 0, index: int = 0
) -> dict[str, Any]:
    """A serialized symbolic tensor: output `index` of call `node` of `source`."""
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": shape or [None, 4],
            "dtype": "float32",
            "keras_history": [source, node, index],
        },
    }


def input_layer(name: str, shape: list[Any]) -> dict[str, Any]:
    return {
        "module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
        "config": {"batch_shape": [None, *shape], "dtype": "float32", "sparse": False,
                   "ragged": False, "name": name, "optional": False},
        "name": name, "inbound_nodes": [],
    }  # fmt: skip


def layer(
    class_name: str,
    name: str,
    args: list[Any],
    config: dict[str, Any] | None = None,
    module: str = "keras.layers",
    registered: str | None = None,
) -> dict[str, Any]:
    """A layer (or an operation, with its module) called once on `args`."""
    own = {"name": name, "trainable": True, "dtype": POLICY, **(config or {})}
    if module.startswith("keras.src.ops"):
        own = {"name": name}
    return {
        "module": module, "class_name": class_name, "config": own,
        "registered_name": registered, "name": name,
        "inbound_nodes": [{"args": args, "kwargs": {}}],
    }  # fmt: skip


def functional(name: str, layers: list[dict[str, Any]], inputs: list[str], outputs: list[str],
               compile_config: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """model.to_json() of a Functional model."""
    document = {
        "module": "keras.src.models.functional", "class_name": "Functional",
        "config": {"name": name, "trainable": True, "layers": layers,
                   "input_layers": _io(inputs), "output_layers": _io(outputs)},
        "registered_name": "Functional", "build_config": {"input_shape": None},
    }  # fmt: skip
    if compile_config is not None:
        document["compile_config"] = compile_config
    return document


def _io(names: list[str]) -> Any:
    """Inputs or outputs as the script's keras.Model makes them: one, or a dict by name."""
    if len(names) == 1:
        return [names[0], 0, 0]
    return {name: [name, 0, 0] for name in names}


def dense_chain(**dense_config: Any) -> dict[str, Any]:
    """features -> Dense(3, **dense_config) named `hidden`."""
    return functional(
        "chain",
        [
            input_layer("features", [4]),
            layer("Dense", "hidden", [tensor("features")], {"units": 3, **dense_config}),
        ],
        ["features"],
        ["hidden"],
    )
