"""Black's grammar tables, kept beside its grammar files so that importing black reads them.

On import, black builds its parser's tables from blib2to3's Grammar.txt, unless a pickle of them
made by this Python (Grammar3.11.7.final.0.pickle) sits beside it and is newer: black never writes
one there itself, so every run builds them again, a tenth of `generate`. Here they are written
there once, as blib2to3's own driver writes them (load_grammar with save=True), where that folder
is writable; where it is not, black builds them as before. Nothing here imports black.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

GRAMMARS = ("Grammar.txt", "PatternGrammar.txt")


def pickle_path(grammar: Path) -> Path:
    """Where blib2to3 looks for the tables of `grammar` (its driver's _generate_pickle_name)."""
    version = ".".join(map(str, sys.version_info))
    return grammar.with_name(f"{grammar.stem}{version}.pickle")


def stale(grammar: Path) -> bool:
    """True where blib2to3 would build the tables again: no pickle, or one older than the text."""
    try:
        return pickle_path(grammar).stat().st_mtime < grammar.stat().st_mtime
    except OSError:
        return True


def keep_grammar_tables(folder: Path | None = None) -> list[Path]:
    """Write the missing or stale tables beside blib2to3's grammars; the pickles written."""
    if folder is None:
        spec = importlib.util.find_spec("blib2to3")
        if spec is None or not spec.submodule_search_locations:
            return []
        folder = Path(spec.submodule_search_locations[0])
    todo = [folder / name for name in GRAMMARS if stale(folder / name)]
    if not todo or not os.access(folder, os.W_OK):
        return []
    from blib2to3.pgen2 import driver  # type: ignore[import-untyped]

    written = []
    for grammar in todo:
        if grammar.is_file():
            gp = pickle_path(grammar)
            driver.load_grammar(str(grammar), gp=str(gp), save=True, force=True)
            written += [gp] if not stale(grammar) else []
    return written
