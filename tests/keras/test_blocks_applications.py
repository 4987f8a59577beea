"""Blocks found in keras.applications models: ResNet50, DenseNet121, InceptionV3, EfficientNetB0.

A small converter turns `model.get_config()` into a flat spec (only as much as these four
need; `mergegen import` does it for real), then `find_blocks` factors it; the figures are
printed (run with -s) and ResNet50's held to issue 11's targets.
"""

from __future__ import annotations

import copy
import inspect
import json
import time
from pathlib import Path
from typing import Any

import keras
import pytest

from generator.analysis.catalog import CATALOG
from generator.importer.blocks import find_blocks
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.flat_specs import same_layers

_DROPPED = {"name", "trainable", "dtype"}


def flat_spec(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A functional model's config as a flat spec (one entry per layer, inputs listed),
    and the defaults of its layer types as the spec writes them."""
    config = _plain(config)
    inputs, layers = [], []
    defaults: dict[str, dict[str, Any]] = {}
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer":
            inputs.append({"name": layer["name"], "shape": layer["config"]["batch_shape"][1:]})
            continue
        refs = [_history(tensor) for tensor in _tensors(layer["inbound_nodes"][0]["args"])]
        entry = {"name": layer["name"], "type": layer["class_name"]}
        entry["inputs"] = refs[0] if len(refs) == 1 else refs
        arguments, fresh = _arguments(layer["class_name"], layer["config"])
        entry.update(arguments)
        defaults.setdefault(layer["class_name"], fresh)
        layers.append(entry)
    found = config["output_layers"]
    outputs = [item[0] for item in ([found] if isinstance(found[0], str) else found)]
    spec = {"name": config["name"], "inputs": inputs, "layers": layers, "outputs": outputs}
    return spec, defaults


def _tensors(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [tensor for item in value for tensor in _tensors(item)]
    return [value] if isinstance(value, dict) else []


def _history(tensor: dict[str, Any]) -> str:
    return str(tensor["config"]["keras_history"][0])


def _arguments(class_name: str, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config's arguments that differ from a fresh layer's, as a spec writes them, and
    the fresh layer's others (a pooling layer's strides follow its pool_size: not those)."""
    cls = getattr(keras.layers, class_name)
    tied = {"pool_size"} if "Pooling" in class_name else set()
    required = {
        name: config[name]
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if (parameter.default is inspect.Parameter.empty or name in tied) and name in config
    }
    fresh = _plain(cls(**required).get_config())
    arguments = {
        key: _value(value)
        for key, value in _plain(config).items()
        if key not in _DROPPED and (key in required or value != fresh.get(key))
    }
    untied = {"strides", *tied, *required, *_DROPPED} if tied else {*required, *_DROPPED}
    return arguments, {k: _value(v) for k, v in fresh.items() if k not in untied}


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(config)))


def _value(value: Any) -> Any:
    """A serialized Keras object {class_name, config} as the spec's {Class: {arguments}}."""
    if isinstance(value, dict) and "class_name" in value:
        arguments = {k: v for k, v in value.get("config", {}).items() if v is not None}
        return {value["class_name"]: arguments}
    return value


def figures(name: str, spec: dict[str, Any], tmp_path: Path) -> tuple[int, int, int]:
    """Block definitions, entries under `layers`, lines of the generated script."""
    path = tmp_path / f"{name}.yaml"
    script = generate(check_loaded(LoadedSpec(str(path), writable(spec)), path))
    return len(spec.get("blocks", {})), len(spec["layers"]), len(script.splitlines())


def writable(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without the arguments the catalog does not take yet (Dropout's noise_shape
    in EfficientNet), and with a mean and variance for a Normalization that has none (to be
    adapted; the generator wants them): the same lines, a few arguments more or fewer."""
    spec = copy.deepcopy(spec)
    every = [
        *spec["layers"],
        *(inner for b in spec.get("blocks", {}).values() for inner in b["layers"]),
    ]
    for layer in every:
        known = CATALOG.get(layer.get("type", ""))
        for key in [key for key in layer if key not in _SPEC_KEYS]:
            if known is not None and key not in known.args:
                del layer[key]
        if layer.get("type") == "Normalization" and "mean" not in layer:
            layer.update(mean=0.0, variance=1.0)
    return spec


_SPEC_KEYS = {"name", "type", "inputs", "block", "keras_name"}
APPLICATIONS = ["ResNet50", "DenseNet121", "InceptionV3", "EfficientNetB0"]


@pytest.mark.parametrize("application", APPLICATIONS)
def test_blocks_of_an_application(application: str, tmp_path: Path) -> None:
    model = getattr(keras.applications, application)(weights=None)
    flat, defaults = flat_spec(model.get_config())
    start = time.process_time()  # CPU seconds: the machine may be shared
    found = find_blocks(flat, defaults)
    seconds = time.process_time() - start
    assert same_layers(found, defaults) == same_layers(flat, defaults)
    blocks, entries, lines = figures(application, found, tmp_path)
    flat_lines = figures(application, flat, tmp_path)[2]
    print(
        f"\n{application}: {len(flat['layers'])} layers, {flat_lines} script lines flat;"
        f" {blocks} block definitions, {entries} entries under layers, {lines} script lines"
        f" ({seconds:.3f} s CPU)"
    )
    assert seconds < 0.5
    if application == "ResNet50":
        assert 1 <= blocks <= 3 and entries <= 30 and lines < 300
        assert "conv2_block1" in [layer["name"] for layer in found["layers"]]
    if application in ("DenseNet121", "EfficientNetB0"):
        assert blocks >= 2 and entries < len(flat["layers"]) // 5
