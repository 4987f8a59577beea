"""Many specs at once (folders, globs, a summary) and `mergegen check`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import VALID_SPEC


def _specs(tmp_path: Path, count: int) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    for index in range(count):
        text = VALID_SPEC.replace("name: small", f"name: model_{index}")
        (folder / f"model_{index}.yaml").write_text(text)
    (folder / "mergegen.schema.json").write_text("{}")  # written by `new`: not a spec
    (folder / "notes.txt").write_text("not a spec")


def test_a_folder_of_specs_generates_with_a_summary(cli, tmp_path: Path) -> None:
    _specs(tmp_path, 3)
    result = cli("generate", "specs", "-o", "out/")
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "model_0.py", "model_1.py", "model_2.py",
    ]  # fmt: skip
    assert result.stderr.splitlines()[-1] == "3 scripts: 3 created, 0 updated, 0 unchanged"
    again = cli("generate", "specs/model_*.yaml", "-o", "out/")
    assert again.stderr.splitlines()[-1] == "3 scripts: 0 created, 0 updated, 3 unchanged"


def test_a_failing_spec_in_a_batch_writes_nothing_and_says_so(cli, tmp_path: Path) -> None:
    _specs(tmp_path, 3)
    (tmp_path / "specs" / "model_1.yaml").write_text("name: [\n")
    result = cli("generate", "specs", "-o", "out/")
    assert result.exit_code == 2
    assert result.errors[0].startswith("error: specs/model_1.yaml:2:1: malformed YAML")
    assert result.stderr.splitlines()[-1] == "1 of 3 specs have problems; nothing was written"
    assert not (tmp_path / "out").exists()


def test_patterns_and_folders_that_match_nothing_are_errors(cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("validate", "missing/*.yaml", "empty")
    assert result.exit_code == 2
    assert result.errors == [
        "error: missing/*.yaml: no .yaml, .yml, .json, .toml files match",
        "error: empty: the folder holds no .yaml, .yml, .json, .toml files",
    ]


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    """Stand-ins for generated scripts: one passes, one fails, without TensorFlow."""
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "good.py").write_text("import sys\nassert sys.argv[1:3] == ['--epochs', '1']\n")
    (folder / "bad.py").write_text("raise SystemExit('error: the model did not build')\n")
    return folder


def test_check_reports_each_script_and_fails_if_one_fails(cli, scripts: Path) -> None:
    result = cli("check", "scripts/good.py", "scripts/bad.py", "--python", sys.executable)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pass") and lines[0].endswith("s  scripts/good.py")
    assert lines[1].startswith("FAIL") and lines[1].endswith(
        "scripts/bad.py: error: the model did not build"
    )
    assert lines[2] == "1 passed, 1 failed"


def test_check_passes_when_every_script_runs(cli, scripts: Path) -> None:
    (scripts / "bad.py").unlink()
    result = cli("check", "scripts")
    assert (result.exit_code, result.stdout.splitlines()[-1]) == (0, "1 passed, 0 failed")


def test_check_times_out(cli, scripts: Path) -> None:
    (scripts / "slow.py").write_text("import time\ntime.sleep(30)\n")
    result = cli("check", "scripts/slow.py", "--timeout", "1")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith("scripts/slow.py: timed out after 1s")
