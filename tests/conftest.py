"""Shared helpers: write specs, run the CLI the way a user does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli.app import app

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "output"

VALID_SPEC = """\
name: small
description: Two branches merged.
inputs:
  - name: features
    shape: [10]
layers:
  - {name: left, type: Dense, inputs: features, units: 8, activation: relu}
  - {name: right, type: Dense, inputs: features, units: 8, activation: tanh}
  - {name: merged, type: Concatenate, inputs: [left, right]}
  - {name: probability, type: Dense, units: 1, activation: sigmoid}
"""


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        """The one-line messages, without the spec excerpts printed under them."""
        return [line for line in self.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `mergegen ARGS` in a fresh working folder and capture both streams."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def run(*args: str) -> CliResult:
        result = runner.invoke(app, list(args), prog_name="mergegen")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def spec_file(tmp_path: Path):
    """Write spec text to a file in the working folder and return its name."""

    def write(text: str = VALID_SPEC, name: str = "spec.yaml") -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return write


def message_lines(stderr: str) -> list[str]:
    """stderr without the spec excerpts (indented) printed under each error line."""
    return [line for line in stderr.splitlines() if not line.startswith(" ")]


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by relative path."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def keras_env() -> dict[str, str]:
    """Environment for running generated scripts quietly and with a wide summary."""
    env = dict(os.environ)
    env.update(TF_CPP_MIN_LOG_LEVEL="3", COLUMNS="200", NO_COLOR="1", PYTHONHASHSEED="0")
    return env
