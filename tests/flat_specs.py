"""Flat spec documents, as `mergegen import` writes them before blocks are found."""

from __future__ import annotations

import copy
from typing import Any

from generator.analysis.expand import expand
from generator.analysis.inputs import layer_inputs
from generator.spec.model import parse_spec


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """The spec with every block call expanded: plain layers with their inputs listed."""
    spec = parse_spec(data)
    expanded = expand(spec, layer_inputs(spec))
    assert not expanded.problems, expanded.problems
    layers: list[dict[str, Any]] = []
    for layer in expanded.layers:
        if not layer.origin.chain:
            entry = copy.deepcopy(data["layers"][layer.origin.path[1]])
            if entry.get("compute") is None:
                entry["inputs"] = list(layer.inputs)
        elif layer.shares is not None:
            entry = {"name": layer.name, "share": layer.shares, "inputs": list(layer.inputs)}
        else:
            entry = {"name": layer.name, "type": layer.type, "inputs": list(layer.inputs)}
            entry.update(copy.deepcopy(dict(layer.arguments)))
        layers.append(entry)
    flat = {key: copy.deepcopy(value) for key, value in data.items() if key != "blocks"}
    flat["layers"] = layers
    if "outputs" in flat:
        flat["outputs"] = [expanded.resolve(name) for name in flat["outputs"]]
    return flat


def layer_entries(data: dict[str, Any]) -> int:
    """Entries under `layers`."""
    return len(data["layers"])
