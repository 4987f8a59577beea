"""Scripts generated from hostile specs run, and no payload ever runs with them.

Every payload of the hostile corpus tries to create a marker file in the working folder;
the scripts are run there with --summary-only and the marker must never appear.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.names import keras_name_problem
from tests.conftest import REPO, keras_env
from tests.hostile import (
    BENIGN,
    BENIGN_BLOCKS,
    HOSTILE,
    MARKER,
    PAYLOADS,
    benign,
    block_slots,
    string_slots,
)

pytestmark = pytest.mark.keras

# Accepted hostile specs: the payloads go where free text goes (the description and the file
# names, which reach the docstring and the --help text).
REPRESENTATIVE = {
    "triple-quote break-out": (
        f'"""\n{PAYLOADS[0]}\n"""; {PAYLOADS[1]}; """',
        f'x"""; {PAYLOADS[4]}; """',
    ),
    "line breaks of every kind": (
        "x\r" + PAYLOADS[0] + "\u2028" + PAYLOADS[1] + "\x85" + PAYLOADS[2] + "\x0b#",
        "x\r" + PAYLOADS[1],
    ),
    "backslashes, braces and templates": (
        "{" + PAYLOADS[0] + "} {{ 7*7 }} {% raw %} %(prog)s %(x)s %d \\N{BULLET} \\x41 \\",
        "\\'{" + PAYLOADS[1] + "}\\",
    ),
}


def _env() -> dict[str, str]:
    return dict(keras_env(), PYTHONPATH=str(REPO))


@pytest.mark.parametrize("case", list(REPRESENTATIVE))
def test_hostile_description_and_file_names_never_run(case: str, tmp_path: Path) -> None:
    description, name = REPRESENTATIVE[case]
    data = benign()
    data["description"] = description
    spec = tmp_path / f"{name}.json"
    spec.write_text(json.dumps(data))
    script = f"{name}.py"
    generated = subprocess.run(
        [sys.executable, "-m", "generator", "generate", spec.name, "-o", script],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    result = subprocess.run(
        [sys.executable, script, "--summary-only"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Total params:" in result.stdout
    assert not (tmp_path / MARKER).exists()
    if case == "line breaks of every kind":
        return  # --help prints the description: twice is enough (a Keras import each)
    help_text = subprocess.run(
        [sys.executable, script, "--help"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert help_text.returncode == 0, help_text.stderr[-3000:]
    assert "usage:" in help_text.stdout
    assert not (tmp_path / MARKER).exists()


RUN_ALL = """
import contextlib, io, runpy, sys
scripts = sys.argv[1:]
for script in scripts:
    sys.argv = [script, "--summary-only"]
    with contextlib.redirect_stdout(io.StringIO()):
        runpy.run_path(script, run_name="__main__")
print("ran", len(scripts))
"""


def test_scripts_from_a_quarter_of_the_corpus_never_run_a_payload(tmp_path: Path) -> None:
    """One process, one Keras import: every fourth hostile value as the description."""
    scripts = []
    minimal = {
        "name": "probe",
        "inputs": [{"name": "features", "shape": [4]}],
        "layers": [{"name": "out", "type": "Dense", "units": 1, "activation": "sigmoid"}],
    }
    for index, value in enumerate(HOSTILE[::4]):
        data = {**minimal, "description": value}
        checked = check_loaded(LoadedSpec("h.json", data), Path("h.json"))
        script = tmp_path / f"hostile_{index}.py"
        script.write_text(generate(checked, script_name=script.name), encoding="utf-8")
        scripts.append(script.name)
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *scripts],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == f"ran {len(scripts)}"
    assert not (tmp_path / MARKER).exists()


def test_scripts_with_hostile_keras_names_in_every_name_position_never_run_a_payload(
    tmp_path: Path,
) -> None:
    """Every corpus value Keras takes as a name, each in a name position (round robin): model,
    inputs, layers, block layers, block calls, shared layers and towers; one process."""
    slots = [
        (BENIGN, put)
        for label, put in string_slots().items()
        if label == "name" or label.endswith("].name")
    ]
    slots += [(BENIGN_BLOCKS, put) for put, _ in block_slots().values()]
    values = [value for value in HOSTILE if keras_name_problem(value, model=True) is None]
    scripts = []
    for index, value in enumerate(values):
        base, put = slots[index % len(slots)]
        data = json.loads(json.dumps(base))
        put(data, value)
        try:
            checked = check_loaded(LoadedSpec("h.json", data), Path("h.json"))
        except SpecError:
            continue  # a block's own names are Python names: refused, as test_injection shows
        script = tmp_path / f"named_{index}.py"
        script.write_text(generate(checked, script_name=script.name), encoding="utf-8")
        scripts.append(script.name)
    assert len(scripts) >= 40
    result = subprocess.run(
        [sys.executable, "-c", RUN_ALL, *scripts],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == f"ran {len(scripts)}"
    assert not (tmp_path / MARKER).exists()
