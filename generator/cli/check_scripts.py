"""`mergegen check`: run generated scripts (or specs, generated first) with tiny settings."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.cli.batch import expand_paths, progress
from generator.spec.load import SPEC_FORMATS
from generator.spec.names import file_stem

TINY = ("--epochs", "1", "--samples", "16", "--batch-size", "8")
SCRIPT_SUFFIXES = (".py", *SPEC_FORMATS)


@dataclass(frozen=True)
class ScriptRun:
    """How one script ran."""

    label: str
    passed: bool
    seconds: float
    detail: str = ""  # the last line of stderr when it failed


def run_checks(
    arguments: Sequence[Path],
    *,
    python: str,
    timeout: float,
    echo: Callable[[str], None],
) -> list[ScriptRun]:
    """Run every script; generate specs into a temporary folder first."""
    from generator.cli.commands import check_all
    from generator.pipeline import generate

    paths = expand_paths(arguments, SCRIPT_SUFFIXES)
    specs = [path for path in paths if path.suffix.lower() != ".py"]
    checked = {item.path: item for item in check_all(specs)} if specs else {}
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="mergegen-check-") as folder:
        scripts: list[tuple[str, Path]] = []
        for path in paths:
            if path in checked:
                script = Path(folder) / f"{file_stem(checked[path].spec.name)}.py"
                script.write_text(
                    generate(checked[path], script_name=script.name), encoding="utf-8"
                )
                scripts.append((str(path), script))
            else:
                scripts.append((str(path), path))
        with progress(len(scripts), "running", sys.stderr.isatty()) as step:
            for label, script in scripts:
                outcome = _run(label, script, python, timeout)
                step(label)
                status = "pass" if outcome.passed else "FAIL"
                line = f"{status}  {outcome.seconds:6.1f}s  {label}"
                echo(line + (f": {outcome.detail}" if outcome.detail else ""))
                outcomes.append(outcome)
    return outcomes


def _run(label: str, script: Path, python: str, timeout: float) -> ScriptRun:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [python, str(script), *TINY],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ScriptRun(label, False, time.perf_counter() - start, f"timed out after {timeout:g}s")
    except OSError as error:
        return ScriptRun(label, False, time.perf_counter() - start, f"cannot run {python}: {error}")
    seconds = time.perf_counter() - start
    if result.returncode == 0:
        return ScriptRun(label, True, seconds)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else f"exit status {result.returncode}"
    return ScriptRun(
        label, False, seconds, "".join(c if c.isprintable() else "?" for c in last)[:200]
    )
