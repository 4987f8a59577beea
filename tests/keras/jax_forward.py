"""Run a spec's forward pass on the JAX backend, in a worker process started once.

TensorFlow's CPU kernels cannot run some layers it builds: channels_first Conv1D/2D,
transposed convolutions and ConvLSTM ("only supports NHWC"), and transposed
convolutions with dilation_rate > 1. The differential test then asks this worker,
whose Keras runs on JAX, whether the same model runs there.

Protocol: one JSON line per request, {"spec": ..., "length": n}, answered by one
JSON line, {"error": null} or {"error": "what Keras raised"}.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from typing import Any

from tests.conftest import REPO

_worker: subprocess.Popen[str] | None = None


def forward_on_jax(spec: dict[str, Any], length: int) -> str | None:
    """None when the model runs on JAX, else the error Keras raised there."""
    global _worker
    if _worker is None or _worker.poll() is not None:
        env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
        _worker = subprocess.Popen(
            [sys.executable, "-m", "tests.keras.jax_forward"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        atexit.register(_worker.kill)
    assert _worker.stdin is not None and _worker.stdout is not None
    _worker.stdin.write(json.dumps({"spec": spec, "length": length}) + "\n")
    _worker.stdin.flush()
    answer = _worker.stdout.readline()
    if not answer:
        raise RuntimeError("the JAX worker died")
    error: str | None = json.loads(answer)["error"]
    return error


def _serve() -> None:
    import keras

    from tests.keras.keras_builder import build, forward_batch

    assert keras.backend.backend() == "jax", keras.backend.backend()
    for line in sys.stdin:
        request = json.loads(line)
        keras.backend.clear_session()
        try:
            model = build(request["spec"])
            model(forward_batch(request["spec"], request["length"]), training=False)
            error = None
        except Exception as failure:  # noqa: BLE001 - any failure is the answer
            error = f"{type(failure).__name__}: {failure}"
        sys.stdout.write(json.dumps({"error": error}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
