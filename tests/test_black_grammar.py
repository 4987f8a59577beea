"""Black's grammar tables are written once beside its grammar files, where black looks for them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from blib2to3.pgen2 import driver, pgen

from generator.codegen import black_grammar
from generator.codegen.black_grammar import GRAMMARS, keep_grammar_tables, pickle_path, stale
from tests.conftest import REPO

BLIB2TO3 = Path(driver.__file__).parent.parent


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in GRAMMARS:
        shutil.copy(BLIB2TO3 / name, tmp_path / name)
    return tmp_path


def test_the_pickle_is_where_blib2to3_looks() -> None:
    grammar = BLIB2TO3 / "Grammar.txt"
    assert str(pickle_path(grammar)) == driver._generate_pickle_name(str(grammar))


def test_tables_are_written_once_and_read_back_alike(folder: Path) -> None:
    assert keep_grammar_tables(folder) == [pickle_path(folder / name) for name in GRAMMARS]
    assert keep_grammar_tables(folder) == []
    grammar = folder / "Grammar.txt"
    loaded = driver.load_grammar(str(grammar), gp=str(pickle_path(grammar)), save=False)
    built = pgen.generate_grammar(str(grammar))
    assert (loaded.symbol2number, loaded.dfas, loaded.labels) == (
        built.symbol2number,
        built.dfas,
        built.labels,
    )


def test_a_newer_grammar_is_written_again(folder: Path) -> None:
    keep_grammar_tables(folder)
    grammar = folder / "Grammar.txt"
    earlier = grammar.stat().st_mtime - 10
    os.utime(pickle_path(grammar), (earlier, earlier))
    assert stale(grammar)
    assert keep_grammar_tables(folder) == [pickle_path(grammar)]
    assert not stale(grammar)


def test_a_read_only_folder_is_left_alone(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(black_grammar.os, "access", lambda path, mode: False)
    assert keep_grammar_tables(folder) == []
    assert sorted(path.name for path in folder.iterdir()) == sorted(GRAMMARS)


def test_formatting_keeps_black_s_tables() -> None:
    """Loading the formatter writes them beside black's own grammar, where that is writable."""
    code = (
        "import generator.codegen.format, sys; from pathlib import Path;"
        "from generator.codegen.black_grammar import stale;"
        f"print([stale(Path({str(BLIB2TO3)!r}) / name) for name in {GRAMMARS!r}])"
    )
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    if not os.access(BLIB2TO3, os.W_OK):
        pytest.skip("black's folder is read-only here")
    assert result.stdout.split() == ["[False,", "False]"]
