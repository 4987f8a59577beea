"""A Keras 3 Functional model's config as a flat spec document (plain data, not yet checked).

Layers keep their Keras names, classes and connections; an argument is written only where
it differs from Keras's default (keras_defaults.py). The document then goes through the
same load and checks as any spec (see importer/run.py), so hostile values are refused there.
"""

from __future__ import annotations

from typing import Any

from generator.analysis.catalog import CATALOG
from generator.display import show_value
from generator.errors import Problem, SpecError
from generator.importer import ops
from generator.importer.keras2 import is_legacy, upgrade
from generator.importer.keras_defaults import COMMON, LAYER_DEFAULTS
from generator.importer.refuse import layer_problem, model_problem
from generator.importer.training import training_section
from generator.importer.values import compact_size, same, spec_object

TENSOR = "__keras_tensor__"
Document = dict[str, Any]


def model_document(
    model: dict[str, Any], compile_config: dict[str, Any] | None, file: str
) -> Document:
    """The spec document of a saved Functional model; SpecError naming every refusal."""
    if is_legacy(model):
        model = upgrade(model)
    refused = model_problem(model, file)
    if refused:
        raise SpecError([refused])
    config = model.get("config", model) if "class_name" in model else model
    if model.get("class_name") == "Sequential" and isinstance(config, dict):
        config = as_functional(config, file)
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise SpecError([Problem("no model config with a list of layers", (), file)])
    layers = [layer for layer in config["layers"] if isinstance(layer, dict)]
    problems = [
        Problem(message, (), file)
        for message in (layer_problem(layer) for layer in layers)
        if message
    ]
    if problems:
        raise SpecError(problems)
    converter = _Converter(file)
    for layer in layers:
        converter.add(layer)
    document: Document = {"name": config.get("name", "imported")}
    document["inputs"] = _in_order(converter.inputs, config.get("input_layers"))
    document["layers"] = converter.layers
    outputs = converter.outputs(config.get("output_layers"))
    last = converter.layers[-1]["name"] if converter.layers else None
    if outputs != [last]:
        document["outputs"] = outputs
    training = training_section(compile_config or model.get("compile_config"))
    if training:
        document["training"] = training
    if converter.problems:
        raise SpecError(converter.problems)
    return document


class _Converter:
    """Turns layer entries, in the model's (topological) order, into spec entries."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.inputs: list[dict[str, Any]] = []
        self.layers: list[dict[str, Any]] = []
        self.problems: list[Problem] = []
        self.implicit: set[str] = set()  # nodes Keras adds by itself (a mask)
        self.masking: set[str] = set()  # Embedding layers with mask_zero=True

    def fail(self, name: Any, message: str) -> None:
        self.problems.append(Problem(f"layer {show_value(name)}: {message}", (), self.file))

    def add(self, layer: dict[str, Any]) -> None:
        name = layer.get("name")
        config = _mapping(layer.get("config"))
        class_name = layer.get("class_name")
        if class_name == "InputLayer" and layer.get("module") == "keras.layers":
            self._input(name, config)
            return
        nodes = layer.get("inbound_nodes")
        if not isinstance(nodes, list) or len(nodes) != 1 or not isinstance(nodes[0], dict):
            count = len(nodes) if isinstance(nodes, list) else 0
            self.fail(name, f"called {count} times; shared layers are not imported yet")
            return
        node = nodes[0]
        given = node.get("args")
        args: list[Any] = given if isinstance(given, list) else []
        kwargs = _mapping(node.get("kwargs"))
        if self._tensor_kwargs(name, kwargs):
            return
        if ops.is_operation(layer):
            self._operation(name, str(class_name), args, config)
        else:
            self._layer(name, str(class_name), args, config)

    def _input(self, name: Any, config: dict[str, Any]) -> None:
        shape = config.get("batch_shape")
        entry: dict[str, Any] = {"name": name}
        if not isinstance(shape, list) or not shape:
            self.fail(name, f"an input without a batch_shape, got {show_value(shape)}")
            return
        if shape[0] is not None:
            self.fail(name, f"a fixed batch size {show_value(shape[0])} is not imported yet")
        entry["shape"] = shape[1:]
        if config.get("dtype", "float32") != "float32":
            entry["dtype"] = config.get("dtype")
        for flag in ("sparse", "ragged", "optional"):
            if config.get(flag, False) is not False:
                self.fail(name, f"a {flag} input is not imported yet")
        self.inputs.append(entry)

    def _tensor_kwargs(self, name: Any, kwargs: dict[str, Any]) -> bool:
        """Call arguments: only those Keras records by itself (training=False, a mask)."""
        for key, value in kwargs.items():
            for tensor in _tensors(value):
                source = _source(tensor)
                if key == "mask" and source in self.implicit:
                    continue
                self.fail(name, f"the call argument {key}= takes a tensor; not imported yet")
                return True
            if not _tensors(value) and value is not None and (key, value) != ("training", False):
                shown = show_value(value)
                self.fail(name, f"the call argument {key}={shown} is not imported yet")
                return True
        return False

    def _sources(self, name: Any, args: list[Any]) -> list[str] | None:
        found = [_source(tensor) for tensor in _tensors(args)]
        if any(source is None for source in found):
            self.fail(
                name,
                "takes the second output of a layer or a shared layer's call; not imported yet",
            )
            return None
        return [source for source in found if source is not None]

    def _operation(
        self, name: Any, class_name: str, args: list[Any], config: dict[str, Any]
    ) -> None:
        if class_name in ops.IMPLICIT:
            if self._is_mask(args):
                self.implicit.add(str(name))
            else:
                self.fail(name, f"{class_name} is written only as the mask an Embedding adds")
            return
        sources = self._sources(name, args)
        if sources is None:
            return
        try:
            text, tensors = ops.expression(class_name, args, config, _is_tensor)
        except ops.OperationError as error:
            self.fail(name, str(error))
            return
        bound = {local: _source(tensor) for local, tensor in zip(ops.LOCALS, tensors, strict=False)}
        self.layers.append({"name": name, "compute": text, "inputs": bound})

    def _is_mask(self, args: list[Any]) -> bool:
        """not_equal(embedding, 0): the mask Embedding(mask_zero=True) computes."""
        return (
            len(args) == 2
            and _is_tensor(args[0])
            and _source(args[0]) in self.masking
            and type(args[1]) is int
            and args[1] == 0
        )

    def _layer(self, name: Any, class_name: str, args: list[Any], config: dict[str, Any]) -> None:
        layer_type = CATALOG[class_name]
        sources = self._sources(name, args)
        if sources is None:
            return
        entry: dict[str, Any] = {"name": name, "type": class_name}
        previous = self.layers[-1]["name"] if self.layers else None
        if layer_type.is_merge:
            entry["inputs"] = sources
        elif len(sources) != 1:
            self.fail(name, f"takes {len(sources)} tensors; expected one")
            return
        elif sources[0] != previous:
            entry["inputs"] = sources[0]
        defaults = LAYER_DEFAULTS.get(class_name, {})
        for key, value in config.items():
            if key == "name":
                continue
            default = COMMON.get(key, defaults.get(key, _NO_DEFAULT))
            if default is not _NO_DEFAULT and same(value, default):
                continue
            family = layer_type.args[key].kind.family if key in layer_type.args else None
            if (
                family
                and default is not _NO_DEFAULT
                and spec_object(family, value) == spec_object(family, default)
            ):
                continue  # the same object in another form (Keras 2 writes no module)
            if key in ("strides",) and "pool_size" in config and same(value, config["pool_size"]):
                continue  # a pooling layer's strides default to its pool size
            if value is None and key in layer_type.args and layer_type.args[key].kind.family:
                continue  # no regularizer (Keras 2 writes activity_regularizer: null too)
            if key not in layer_type.args:
                self.fail(
                    name,
                    f"{class_name} with {key}={show_value(value)} is not imported"
                    " yet (mergegen writes only Keras's default there)",
                )
                continue
            entry[key] = _argument(layer_type.args[key].kind.family, key, value)
        if class_name == "Embedding" and config.get("mask_zero") is True:
            self.masking.add(str(name))
        self.layers.append(entry)

    def outputs(self, output_layers: Any) -> list[Any]:
        if isinstance(output_layers, list) and output_layers and isinstance(output_layers[0], str):
            output_layers = [output_layers]
        names = []
        for item in output_layers if isinstance(output_layers, list) else []:
            if isinstance(item, list) and len(item) == 3 and item[1:] == [0, 0]:
                names.append(item[0])
            else:
                self.problems.append(
                    Problem(f"output {show_value(item)} is not imported yet", (), self.file)
                )
        return names


_NO_DEFAULT = object()


def as_functional(config: dict[str, Any], file: str) -> dict[str, Any]:
    """A Sequential model's config as the Functional config of the same chain of layers."""
    layers = [item for item in config.get("layers") or [] if isinstance(item, dict)]
    if not layers or layers[0].get("class_name") != "InputLayer":
        shape = config.get("build_input_shape")
        if not isinstance(shape, list):
            raise SpecError([Problem("a Sequential model without an input shape", (), file)])
        config_in = {"batch_shape": shape, "dtype": "float32", "name": "input_layer"}
        layers.insert(0, {"module": "keras.layers", "class_name": "InputLayer",
                          "registered_name": None, "config": config_in})  # fmt: skip
    chained = []
    previous: Any = None
    for layer in layers:
        name = _mapping(layer.get("config")).get("name")
        tensor = {"class_name": TENSOR, "config": {"keras_history": [previous, 0, 0]}}
        nodes: list[Any] = [] if previous is None else [{"args": [tensor], "kwargs": {}}]
        chained.append({**layer, "name": name, "inbound_nodes": nodes})
        previous = name
    return {
        "name": config.get("name", "sequential"),
        "layers": chained,
        "input_layers": [[chained[0]["name"], 0, 0]],
        "output_layers": [[previous, 0, 0]],
    }


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _in_order(inputs: list[dict[str, Any]], input_layers: Any) -> list[dict[str, Any]]:
    """The model's inputs in the order of its input_layers (the layer list may differ)."""
    if isinstance(input_layers, list) and input_layers and isinstance(input_layers[0], str):
        input_layers = [input_layers]
    order = (
        [item[0] for item in input_layers if isinstance(item, list) and item]
        if isinstance(input_layers, list)
        else []
    )
    rank = {name: index for index, name in enumerate(order)}
    return sorted(inputs, key=lambda item: rank.get(item["name"], len(rank)))


def _argument(family: str | None, key: str, value: Any) -> Any:
    if family is not None:
        return spec_object(family, value)
    return compact_size(key, value)


def _is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == TENSOR


def _tensors(value: Any) -> list[Any]:
    """Every serialized tensor in a call argument (a tensor, or a list of them)."""
    if _is_tensor(value):
        return [value]
    if isinstance(value, list | tuple):
        return [tensor for item in value for tensor in _tensors(item)]
    if isinstance(value, dict):
        return [tensor for item in value.values() for tensor in _tensors(item)]
    return []


def _source(tensor: Any) -> str | None:
    """The layer a tensor comes from; None for a second call or a second output."""
    config = tensor.get("config") if isinstance(tensor, dict) else None
    history = config.get("keras_history") if isinstance(config, dict) else None
    if (
        isinstance(history, list)
        and len(history) == 3
        and history[1:] == [0, 0]
        and isinstance(history[0], str)
    ):
        return history[0]
    return None
