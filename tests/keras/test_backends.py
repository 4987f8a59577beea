"""Every golden script on JAX (and PyTorch on request), pinned backends, data-parallel on JAX.

The goldens run on TensorFlow in test_execute.py. PyTorch is a long, opt-in run:
    MERGEGEN_BACKENDS=torch MERGEGEN_TORCH_PYTHON=/path/to/venv/bin/python \\
        python -m pytest tests/keras/test_backends.py -k torch
where that Python has torch, keras and numpy; skipped when it cannot import torch.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.conftest import keras_env
from tests.keras.scripts import golden_scripts
from tests.keras.test_data_and_devices import SPEC, _save

pytestmark = pytest.mark.keras

# Runs a script as __main__ (with TensorFlow hidden, as if it were not installed),
# then says which backend ran it and how training was distributed.
HIDE_TENSORFLOW = "sys.modules['tensorflow'] = None\n"
RUN_AND_REPORT = (
    "import runpy, sys\n"
    "{hide}"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "import keras\n"
    "print('backend:', keras.backend.backend())\n"
    "distribution = keras.distribution.distribution()\n"
    "if distribution is not None:\n"
    "    print('distribution:', type(distribution).__name__, distribution.device_mesh.shape)\n"
)
OPT_IN = set(os.environ.get("MERGEGEN_BACKENDS", "").split(","))


def _python(backend: str) -> str:
    if backend == "torch":
        return os.environ.get("MERGEGEN_TORCH_PYTHON", sys.executable)
    return sys.executable


@functools.cache
def _has_torch(python: str) -> bool:
    found = subprocess.run([python, "-c", "import torch"], capture_output=True, check=False)
    return found.returncode == 0


@functools.cache
def _has_tensorflow(python: str) -> bool:
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
    return subprocess.run([python, "-c", probe], check=False).returncode == 0


def _env(backend: str | None, **extra: str) -> dict[str, str]:
    env = keras_env()
    env.pop("KERAS_BACKEND", None)
    if backend:
        env["KERAS_BACKEND"] = backend
    env.update(extra)
    return env


def _run(
    python: str, script: Path, args: list[str], env: dict[str, str], hide_tf: bool = True
) -> subprocess.CompletedProcess[str]:
    wrapper = RUN_AND_REPORT.format(hide=HIDE_TENSORFLOW if hide_tf else "")
    return subprocess.run(
        [python, "-c", wrapper, str(script), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=script.parent,
        timeout=600,
        check=False,
    )


# Goldens of models Keras runs on TensorFlow alone (string inputs, lookups) pin it this way.
TENSORFLOW_PIN = 'os.environ.setdefault("KERAS_BACKEND", "tensorflow")'


def _tensorflow_only(script: Path) -> bool:
    return TENSORFLOW_PIN in script.read_text(encoding="utf-8")


CASES = [("jax", script) for script in golden_scripts()]
CASES += [("torch", script) for script in golden_scripts()]


@pytest.mark.parametrize(
    ("backend", "script"), CASES, ids=[f"{case[0]}-{case[1].name}" for case in CASES]
)
def test_golden_script_trains_on_backend_without_tensorflow(backend: str, script: Path) -> None:
    python = _python(backend)
    if backend not in OPT_IN and backend != "jax":
        pytest.skip(f"long run: set MERGEGEN_BACKENDS={backend} to run the goldens on it")
    if backend == "torch" and not _has_torch(python):
        pytest.skip(f"{python} cannot import torch (set MERGEGEN_TORCH_PYTHON)")
    if _tensorflow_only(script):
        # Written for TensorFlow: on another backend it stops at once, saying why.
        result = _run(python, script, ["--summary-only"], _env(backend), hide_tf=False)
        assert result.returncode == 1, result.stderr[-3000:]
        last = result.stderr.strip().splitlines()[-1]
        if not _has_tensorflow(python):
            # A Python without TensorFlow (the torch long run's) stops at the script's own
            # `import tensorflow as tf`, before its check of the backend can speak.
            assert last == "ModuleNotFoundError: No module named 'tensorflow'", last
            return
        assert last.endswith(
            f"runs on the TensorFlow backend only, not {backend} (set KERAS_BACKEND=tensorflow)"
        )
        return
    result = _run(python, script, ["--epochs", "1", "--samples", "16"], _env(backend))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"backend: {backend}" in result.stdout
    assert "Total params:" in result.stdout and "loss:" in result.stdout


def _script(tmp_path: Path, backend: str | None = None, **training: object) -> Path:
    """The two-headed model of test_data_and_devices.py, with other training settings."""
    data = {**SPEC, "training": {**SPEC["training"], **training}}
    checked = check_loaded(LoadedSpec("two_heads.yaml", data), Path("two_heads.yaml"))
    script = tmp_path / "two_heads.py"
    script.write_text(generate(checked, script_name=script.name, backend=backend))
    return script


def test_a_pinned_backend_runs_and_the_users_own_setting_wins(tmp_path: Path) -> None:
    script = _script(tmp_path, "jax", distribute=None)
    pinned = _run(sys.executable, script, ["--summary-only"], _env(None))
    assert pinned.returncode == 0, pinned.stderr[-2000:]
    assert "backend: jax" in pinned.stdout and "Total params:" in pinned.stdout
    users = _run(sys.executable, script, ["--summary-only"], _env("tensorflow"), hide_tf=False)
    assert users.returncode == 0, users.stderr[-2000:]
    assert "backend: tensorflow" in users.stdout and "Total params:" in users.stdout


def test_data_parallel_trains_on_two_virtual_jax_devices(tmp_path: Path) -> None:
    script = _script(tmp_path, distribute="data_parallel")  # pins jax itself
    _save(tmp_path / "train.npz")
    two_devices = _env(None, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    result = _run(sys.executable, script, ["--epochs", "1"], two_devices)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "backend: jax" in result.stdout
    assert "replicas: 2" in result.stdout
    assert "distribution: DataParallel (2,)" in result.stdout
    assert "score_loss" in result.stdout  # both heads trained, on the .npz data


def test_data_parallel_on_another_backend_stops_with_a_clear_message(tmp_path: Path) -> None:
    script = _script(tmp_path, distribute="data_parallel")
    result = _run(sys.executable, script, ["--summary-only"], _env("tensorflow"), hide_tf=False)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "error: data_parallel training runs on the JAX backend, not tensorflow"
        " (set KERAS_BACKEND=jax)"
    )


def test_the_goldens_pinned_to_tensorflow_are_the_models_keras_runs_there_alone() -> None:
    from generator.analysis.backends import tensorflow_only
    from generator.pipeline import check
    from generator.spec.presets import preset_path

    pinned = []
    for script in golden_scripts():
        path = preset_path(script.stem.rsplit("_", 1)[0])
        assert path is not None
        needs = tensorflow_only(check(path).graph)
        assert _tensorflow_only(script) == (needs is not None), script.name
        pinned += [script.name] if needs else []
    assert "wide_deep_class.py" in pinned
