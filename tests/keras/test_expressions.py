"""Compute layers in Keras: plain keras.ops in the Functional graph, on TensorFlow and JAX.

The generated script's model must match static inference, survive `to_json()` ->
`model_from_json` with no custom objects beyond the registered NormalLike, give the same
numbers as the independent builder (which evaluates the expression with Python itself over
keras.ops), and run on the JAX backend as well (in a subprocess: the backend is chosen at
import time).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.conftest import keras_env
from tests.keras.keras_builder import build
from tests.keras.scripts import load_script
from tests.test_expressions import SIAMESE

pytestmark = pytest.mark.keras

VAE: dict[str, Any] = {
    "name": "vae_sampling",
    "inputs": [{"name": "image", "shape": [16]}],
    "layers": [
        {"name": "hidden", "type": "Dense", "units": 8, "activation": "relu"},
        {"name": "z_mean", "type": "Dense", "units": 2, "inputs": "hidden"},
        {"name": "z_log_var", "type": "Dense", "units": 2, "inputs": "hidden"},
        {
            "name": "z",
            "compute": "mean + exp(0.5 * log_var) * normal_like(mean)",
            "inputs": {"mean": "z_mean", "log_var": "z_log_var"},
        },
        {"name": "decoded", "type": "Dense", "units": 16, "activation": "sigmoid"},
    ],
}
# Every allowed function and operator, in one deterministic model.
EVERY_OP: dict[str, Any] = {
    "name": "every_op",
    "inputs": [{"name": "left", "shape": [3, 4]}, {"name": "right", "shape": [1, 4]}],
    "layers": [
        {
            "name": "part1",
            "compute": "abs(a - b) * 2 + square(b) / 3 - sqrt(abs(a)) ** 1.5 + exp(-a)"
            " + log(1 + square(a))",
            "inputs": {"a": "left", "b": "right"},
        },
        {
            "name": "part2",
            "compute": "tanh(a) * sigmoid(b) + relu6(a * 10) + clip(a, -0.5, 0.5)"
            " + minimum(a, b) - maximum(a, 0.25) + l2_normalize(a, axis=-1)",
            "inputs": {"a": "left", "b": "right"},
        },
        {"name": "mixed", "compute": "part1 - part2 / 2", "inputs": ["part1", "part2"]},
        {
            "name": "reduced",
            "compute": "sum(m, axis=1, keepdims=True) + mean(m, axis=1, keepdims=True)"
            " - max(m, 1, keepdims=True) + min(m, axis=(1,), keepdims=True)",
            "inputs": {"m": "mixed"},
        },
        {
            "name": "flat",
            "compute": "squeeze(r, 1) * sum(r, -1) - squeeze(expand_dims(squeeze(r, 1), -1), 2)",
            "inputs": {"r": "reduced"},
        },  # fmt: skip
        {"name": "out", "type": "Dense", "units": 2},
    ],
}


def _script(spec: dict[str, Any], folder: Path) -> Path:
    checked = check_loaded(LoadedSpec("s.yaml", spec), Path("s.yaml"))
    path = folder / f"{spec['name']}.py"
    path.write_text(generate(checked, script_name=path.name), encoding="utf-8")
    return path


def _batch(model: Any, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(2, *item.shape[1:])).astype("float32") for item in model.inputs]


@pytest.mark.parametrize("spec", [SIAMESE, EVERY_OP], ids=["siamese", "every_op"])
def test_expressions_save_load_and_match_the_builder(spec: dict[str, Any], tmp_path: Path) -> None:
    import keras

    module = load_script(_script(spec, tmp_path))
    keras.utils.set_random_seed(0)
    model = module.build_model()
    graph = check_loaded(LoadedSpec("s.yaml", spec), Path("s.yaml")).graph
    assert model.count_params() == graph.total_params
    assert not any(type(layer).__name__ == "Lambda" for layer in model.layers)
    batch = _batch(model)
    ours = keras.ops.convert_to_numpy(model(batch))
    again = keras.models.model_from_json(model.to_json())
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(again(batch)), ours, rtol=1e-6)
    keras.utils.set_random_seed(0)
    theirs = build(spec)
    theirs.set_weights(model.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(batch)), ours, rtol=1e-5)


def test_the_vae_sampling_layer_saves_loads_and_samples(tmp_path: Path) -> None:
    import keras

    module = load_script(_script(VAE, tmp_path))
    model = module.build_model()
    graph = check_loaded(LoadedSpec("s.yaml", VAE), Path("s.yaml")).graph
    assert model.count_params() == graph.total_params == build(VAE).count_params()
    assert [type(layer).__name__ for layer in model.layers].count("NormalLike") == 1
    loaded = keras.models.model_from_json(model.to_json())  # NormalLike is registered
    assert (
        json.loads(loaded.to_json())["config"]["layers"]
        == json.loads(model.to_json())["config"]["layers"]
    )
    saved = tmp_path / "vae.keras"
    model.save(saved)
    restored = keras.models.load_model(saved)
    batch = _batch(model)
    first, second = (keras.ops.convert_to_numpy(restored(batch)) for _ in range(2))
    assert first.shape == (2, 16) and not np.allclose(first, second)  # a fresh sample each call


JAX_CHECK = """
import sys, numpy as np, keras, importlib.util
assert keras.backend.backend() == "jax"
spec = importlib.util.spec_from_file_location("s", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.build_model()
rng = np.random.default_rng(0)
batch = [rng.normal(size=(2, *t.shape[1:])).astype("float32") for t in model.inputs]
again = keras.models.model_from_json(model.to_json())
again.set_weights(model.get_weights())
print(again(batch).shape)
module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
"""


@pytest.mark.parametrize("spec", [SIAMESE, VAE, EVERY_OP], ids=["siamese", "vae", "every_op"])
def test_expressions_run_and_train_on_jax(spec: dict[str, Any], tmp_path: Path) -> None:
    path = _script(spec, tmp_path)
    env = {**keras_env(), "KERAS_BACKEND": "jax"}
    done = subprocess.run(
        [sys.executable, "-c", JAX_CHECK, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "(2, " in done.stdout
