"""Flat spec documents, as `mergegen import` writes them before blocks are found."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from generator.analysis.catalog import CATALOG
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


def same_layers(
    data: dict[str, Any], defaults: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The flat layers with their inputs listed and Keras's defaults left out, to compare.

    Defaults are the catalog's, and those of `defaults` (by layer type).
    """
    layers = flatten(data)["layers"]
    for layer in layers:
        kind = str(layer.get("type", ""))
        for key in [key for key in layer if _is_default(kind, key, layer[key], defaults or {})]:
            del layer[key]
    return layers


def _is_default(kind: str, key: str, value: Any, defaults: Mapping[str, Mapping[str, Any]]) -> bool:
    known = CATALOG.get(kind)
    if known is not None and key in known.args and known.args[key].is_default(value):
        return True
    table = defaults.get(kind, {})
    return key in table and _text(table[key]) == _text(value)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
