"""A block called N times has N sets of weights; a shared layer or tower has one."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.presets import preset_path
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras


def _model_and_graph(spec: dict[str, Any], tmp_path: Path, name: str) -> tuple[Any, Any]:
    checked = check_loaded(LoadedSpec(f"{name}.yaml", spec), Path(f"{name}.yaml"))
    script = tmp_path / f"{name}.py"
    script.write_text(generate(checked, script_name=script.name))
    return load_script(script).build_model(), checked.graph


BLOCK = {
    "inputs": ["x"],
    "params": ["units"],
    "layers": [{"name": "dense", "type": "Dense", "inputs": "x", "units": "$units"}],
}


def test_a_block_called_three_times_has_three_sets_of_weights(tmp_path: Path) -> None:
    spec = {
        "name": "thrice",
        "inputs": [{"name": "features", "shape": [4]}],
        "blocks": {"unit": BLOCK},
        "layers": [
            {"name": "first", "block": "unit", "units": 4},
            {"name": "second", "block": "unit", "units": 4},
            {"name": "third", "block": "unit", "units": 4},
        ],
        "training": {"loss": "mse"},
    }
    model, graph = _model_and_graph(spec, tmp_path, "thrice")
    assert len(model.weights) == 3 * 2
    kernels = [model.get_layer(f"{call}_dense").kernel for call in ("first", "second", "third")]
    assert len({id(kernel) for kernel in kernels}) == 3
    assert model.count_params() == graph.total_params == 3 * (4 * 4 + 4)


def test_a_layer_shared_three_times_has_one_set_of_weights(tmp_path: Path) -> None:
    spec = {
        "name": "shared",
        "inputs": [{"name": name, "shape": [4]} for name in ("a", "b", "c")],
        "layers": [
            {"name": "encode", "type": "Dense", "inputs": "a", "units": 4},
            {"name": "encode_b", "share": "encode", "inputs": "b"},
            {"name": "encode_c", "share": "encode", "inputs": "c"},
            {"name": "total", "type": "Add", "inputs": ["encode", "encode_b", "encode_c"]},
        ],
        "training": {"loss": "mse"},
    }
    model, graph = _model_and_graph(spec, tmp_path, "shared")
    assert len(model.weights) == 2
    assert model.count_params() == graph.total_params == 4 * 4 + 4


def test_a_shared_tower_is_counted_once_and_a_second_call_twice(tmp_path: Path) -> None:
    path = preset_path("siamese")
    assert path is not None
    shared_spec = yaml.safe_load(path.read_text())
    separate_spec = copy.deepcopy(shared_spec)
    separate_spec["layers"][1] = {
        "name": "right_embedding",
        "block": "tower",
        "inputs": "right_image",
        "units": 32,
    }
    shared, shared_graph = _model_and_graph(shared_spec, tmp_path, "siamese")
    separate, separate_graph = _model_and_graph(separate_spec, tmp_path, "separate")
    tower = shared.get_layer("left_embedding")
    tower_weights = len(tower.weights)
    assert len(separate.weights) - len(shared.weights) == tower_weights
    assert separate.count_params() - shared.count_params() == tower.count_params()
    assert shared.count_params() == shared_graph.total_params
    assert separate.count_params() == separate_graph.total_params
