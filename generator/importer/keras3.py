"""A Keras 3 Functional model's config as a flat spec document (plain data, not yet checked).

The converter (converter.py) turns each layer call into an entry. The document then goes
through the same load and checks as any spec (see importer/run.py), so hostile values are
refused there.
"""

from __future__ import annotations

from typing import Any

from generator.errors import Problem, SpecError
from generator.importer.converter import Converter, mapping
from generator.importer.keras2 import is_legacy, upgrade
from generator.importer.nodes import TENSOR, call_order
from generator.importer.refuse import layer_problem, model_problem
from generator.importer.training import training_section

Document = dict[str, Any]


def model_document(
    model: dict[str, Any], compile_config: dict[str, Any] | None, file: str
) -> Document:
    """The spec document of a saved Functional model; SpecError naming every refusal."""
    keras2 = is_legacy(model)
    if keras2:
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
    exact = not keras2 and model.get("class_name") != "Sequential"
    converter = Converter(file, layers, config.get("output_layers"), exact=exact)
    for layer, index in call_order(layers):
        converter.add(layer, index)
    document: Document = {"name": config.get("name", "imported")}
    document["inputs"] = converter.model_inputs(config.get("input_layers"))
    if "inputs" in converter.list_forms:
        document["inputs_as"] = "list"
    if converter.blocks:
        document["blocks"] = converter.blocks
    document["layers"] = converter.layers
    outputs = converter.outputs(config.get("output_layers"))
    last = converter.layers[-1]["name"] if converter.layers else None
    if outputs != [last]:
        document["outputs"] = outputs
    if "outputs" in converter.list_forms:
        document["outputs_as"] = "list"
    listed = outputs if "outputs" in converter.list_forms else None
    training = training_section(compile_config or model.get("compile_config"), listed)
    if training:
        document["training"] = training
    if converter.problems:
        raise SpecError(converter.problems)
    return document


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
        name = mapping(layer.get("config")).get("name")
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
