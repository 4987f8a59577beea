"""Real data from an .npz file, and training mirrored over two devices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.conftest import keras_env
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras

SPEC: dict[str, Any] = {
    "name": "two_heads",
    "inputs": [
        {"name": "features", "shape": [6]},
        {"name": "tokens", "shape": [None], "dtype": "int32"},
    ],
    "layers": [
        {
            "name": "embed",
            "type": "Embedding",
            "inputs": "tokens",
            "input_dim": 20,
            "output_dim": 4,
        },
        {"name": "pooled", "type": "GlobalAveragePooling1D"},
        {"name": "joined", "type": "Concatenate", "inputs": ["features", "pooled"]},
        {"name": "category", "type": "Dense", "units": 3, "activation": "softmax"},
        {"name": "score", "type": "Dense", "inputs": "joined", "units": 1},
    ],
    "outputs": ["category", "score"],
    "training": {"data": "train.npz", "distribute": "mirrored", "batch_size": 4},
}


def _write_script(tmp_path: Path) -> Path:
    checked = check_loaded(LoadedSpec("two_heads.yaml", SPEC), Path("two_heads.yaml"))
    script = tmp_path / "two_heads.py"
    script.write_text(generate(checked, script_name=script.name))
    return script


def _save(path: Path, features_width: int = 6, drop: str | None = None) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "features": rng.random((12, features_width), dtype=np.float32),
        "tokens": rng.integers(0, 20, (12, 5)).astype("int32"),
        "category": rng.integers(0, 3, 12),
        "score": rng.random((12, 1), dtype=np.float32),
    }
    arrays.pop(drop or "", None)
    np.savez(path, **arrays)


def test_the_script_trains_on_the_npz_file_and_checks_its_shapes(tmp_path: Path) -> None:
    module = load_script(_write_script(tmp_path))
    _save(tmp_path / "good.npz")
    x, y = module.load_data(str(tmp_path / "good.npz"))
    assert set(x) == {"features", "tokens"} and set(y) == {"category", "score"}
    _save(tmp_path / "wide.npz", features_width=7)
    with pytest.raises(
        SystemExit,
        match=r"array 'features' holds examples of shape \(7,\), but the model needs \(6,\)",
    ):
        module.load_data(str(tmp_path / "wide.npz"))
    _save(tmp_path / "short.npz", drop="score")
    with pytest.raises(SystemExit, match="no array named score"):
        module.load_data(str(tmp_path / "short.npz"))


def test_mirrored_training_runs_on_two_logical_cpus(tmp_path: Path) -> None:
    script = _write_script(tmp_path)
    _save(tmp_path / "train.npz")
    two_devices = (
        "import runpy, sys\n"
        "import tensorflow as tf\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)\n"
        "sys.argv = sys.argv[1:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", two_devices, str(script), "--epochs", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=keras_env(),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "replicas: 2" in result.stdout
    assert "score_loss" in result.stdout  # both heads trained, on the .npz data
