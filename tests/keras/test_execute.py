"""Every script in output/ runs in its own process on tiny synthetic data."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from generator.presets import preset_path
from tests.conftest import OUTPUT, keras_env

pytestmark = pytest.mark.keras

SCRIPTS = sorted(OUTPUT.glob("*.py"))


def _layer_names(script_name: str) -> list[str]:
    preset = script_name.rsplit("_", 1)[0]
    path = preset_path(preset)
    assert path is not None
    data = yaml.safe_load(path.read_text())
    return [item["name"] for item in data["inputs"]] + [layer["name"] for layer in data["layers"]]


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
