"""Every golden script in output/ runs in its own process on tiny synthetic data."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator.pipeline import check
from generator.spec.presets import preset_path
from tests.conftest import OUTPUT, keras_env
from tests.regen_golden import golden_names

pytestmark = pytest.mark.keras

# By preset and style, not by listing output/: a user's own scripts there are not goldens.
SCRIPTS = [OUTPUT / name for name in golden_names()]


def _layer_names(script_name: str) -> list[str]:
    """The names model.summary() shows: inputs, layers, and shared towers and model blocks'
    calls as one sub-model each (an expression's keras.ops are named by Keras)."""
    preset = script_name.rsplit("_", 1)[0]
    path = preset_path(preset)
    assert path is not None
    checked = check(path)
    shared = {layer.share for layer in checked.spec.layers if layer.share}
    towers = {layer.name for layer in checked.spec.layers if layer.block and layer.name in shared}
    models = {
        layer.name
        for layer in checked.spec.layers
        if layer.block and checked.spec.blocks[layer.block].model
    }
    names = [item.name for item in checked.graph.inputs] + sorted(towers | models)
    for node in checked.graph.layers:
        inside = node.origin.model is not None or (
            node.origin.chain and node.origin.chain[0] in towers
        )
        if node.shares is None and not inside and node.layer_type.name != "compute":
            names.append(node.name)
    return names


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_script_runs_and_summarises_every_layer(script) -> None:
    result = subprocess.run(
        [sys.executable, str(script), "--epochs", "1", "--samples", "16"],
        capture_output=True,
        text=True,
        env=keras_env(),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = result.stdout
    first_cells = {
        line.split("│")[1].strip().split(" (")[0]
        for line in summary.splitlines()
        if line.startswith("│")
    }
    for name in _layer_names(script.name):
        assert name in first_cells, f"{name} missing from the summary"
    assert "Total params:" in summary
    assert "loss:" in summary  # it trained
