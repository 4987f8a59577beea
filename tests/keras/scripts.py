"""Load generated scripts as modules and build their models reproducibly."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.spec.presets import preset_names
from tests.conftest import OUTPUT
from tests.regen_golden import STYLES


def golden_scripts() -> list[Path]:
    """Every golden script, listed by preset and style (never by globbing output/)."""
    return [OUTPUT / f"{name}_{style}.py" for name in preset_names() for style in STYLES]


def load_script(path: Path) -> ModuleType:
    """Import a generated script without running its main()."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_json(module: ModuleType) -> Any:
    """`build_model().to_json()` in a fresh Keras session, so auto-named ops compare equal."""
    import keras

    keras.backend.clear_session()
    return json.loads(module.build_model().to_json())


def keras_layer(model: Any, node: Any) -> Any | None:
    """The Keras layer a static graph node stands for; None for a shared call of another layer.

    Inside a shared tower, layers live in the sub-model named after the tower's first call;
    inside a model block's call, in that call's own model, under their block-local names.
    """
    if node.shares is not None or node.layer_type.name == "compute":
        return None  # an expression is keras.ops calls, not one layer
    names = {layer.name for layer in model.layers}
    if node.origin.model is not None:  # inside a model block: its block-local Keras name
        return model.get_layer(node.origin.model).get_layer(node.name.split("/", 1)[1])
    if node.name in names:
        return model.get_layer(node.name)
    for outer in node.origin.chain[:1]:
        if outer in names:
            return model.get_layer(outer).get_layer(node.name)
    raise AssertionError(f"no Keras layer for {node.name}")


def saved_by_keras2(model: Any, tmp_path: Path, kind: str) -> Path:
    """A tf_keras model as `model.save("<name>.h5")` (kind "h5") or its `to_json()`."""
    if kind == "h5":
        path = tmp_path / f"{model.name}.h5"
        model.save(path, save_format="h5")
    else:
        path = tmp_path / f"{model.name}.json"
        path.write_text(model.to_json())
    return path
