"""Both merge styles build the same model, and Keras agrees with the static shapes."""

from __future__ import annotations

import importlib.util
import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType

import pytest

from generator.pipeline import check, generate
from generator.presets import preset_names, preset_path
from tests.conftest import OUTPUT

pytestmark = pytest.mark.keras


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _canonical_json(model) -> dict:
    return json.loads(model.to_json())


@pytest.mark.parametrize("preset", preset_names())
def test_both_styles_build_the_same_model(preset: str) -> None:
    class_model = _load(OUTPUT / f"{preset}_class.py").build_model()
    function_model = _load(OUTPUT / f"{preset}_function.py").build_model()
    assert _canonical_json(class_model) == _canonical_json(function_model)


@pytest.mark.parametrize("preset", preset_names())
def test_static_shapes_match_keras(preset: str) -> None:
    path = preset_path(preset)
    assert path is not None
    graph = check(path).graph
    model = _load(OUTPUT / f"{preset}_class.py").build_model()
    for node in graph.layers:
        assert tuple(model.get_layer(node.name).output.shape) == node.shape, node.name
    for item in graph.inputs:
        assert tuple(model.get_layer(item.name).output.shape) == item.shape


@pytest.mark.parametrize("preset", preset_names())
def test_tensorflow_import_style_runs(preset: str, tmp_path: Path) -> None:
    path = preset_path(preset)
    assert path is not None
    script = tmp_path / f"{preset}_tf.py"
    source = generate(check(path), "function", "tensorflow", script.name)
    assert "from tensorflow import keras" in source
    script.write_text(source)
    with redirect_stdout(io.StringIO()) as out:
        _load(script).main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
    assert "Total params" in out.getvalue()
