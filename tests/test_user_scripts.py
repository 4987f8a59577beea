"""A user's own scripts in output/ break no test and are never touched by the regenerator.

The README's first command writes `output/inception_cnn.py` next to the goldens. This runs
that command in a copy of the repository, then the golden tests, the collection of the Keras
tests that run the goldens, and the regenerator, all in the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.regen_golden import golden_names

pytestmark = pytest.mark.slow

README_COMMAND = "mergegen new inception_cnn -o my.yaml && mergegen generate my.yaml --style function"
COPIED = ("generator", "templates", "tests", "output", "pyproject.toml")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository after the README's first command, without git."""
    root = tmp_path_factory.mktemp("checkout") / "repo"
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    for script in (root / "output").glob("*.py"):
        if script.name not in golden_names():
            script.unlink()  # the real checkout may hold a user's scripts too
    assert README_COMMAND in (REPO / "README.md").read_text(encoding="utf-8")
    _run(root, "-m", "generator", "new", "inception_cnn", "-o", "my.yaml")
    _run(root, "-m", "generator", "generate", "my.yaml", "--style", "function")
    return root


def _run(root: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(root), NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_readme_command_writes_a_script_beside_the_goldens(checkout: Path) -> None:
    scripts = sorted(path.name for path in (checkout / "output").glob("*.py"))
    assert scripts == sorted([*golden_names(), "inception_cnn.py"])


def test_golden_tests_pass_and_keras_tests_list_only_goldens(checkout: Path) -> None:
    pytest_args = ("-m", "pytest", "-p", "no:cacheprovider", "-q")
    _run(checkout, *pytest_args, "tests/test_golden.py", "-k", "not hash_seed")
    collected = _run(
        checkout,
        *pytest_args,
        "--collect-only",
        "tests/keras/test_execute.py",
        "tests/keras/test_parity.py",
    )
    ids = [line for line in collected.splitlines() if "::" in line]
    executed = [line.split("[", 1)[1].rstrip("]") for line in ids if "test_execute.py" in line]
    assert executed == golden_names()
    assert not any("inception_cnn.py" in line for line in ids)


def test_the_regenerator_leaves_the_user_script_alone(checkout: Path) -> None:
    mine = (checkout / "output" / "inception_cnn.py").read_bytes()
    printed = _run(checkout, "-m", "tests.regen_golden", "output")
    assert printed == "left alone (not a golden): inception_cnn.py\n"
    assert (checkout / "output" / "inception_cnn.py").read_bytes() == mine
