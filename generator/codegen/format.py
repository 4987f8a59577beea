"""Format: black, in-process, in one fixed mode per line length."""

from __future__ import annotations

import functools

from generator.codegen.black_grammar import keep_grammar_tables

keep_grammar_tables()  # before black is first imported: its import reads them
import black  # noqa: E402
from black.strings import str_width  # noqa: E402 - black is imported here only

from generator.codegen.code import LINE_LENGTH, InternalError  # noqa: E402

__all__ = ["MODE", "format_source", "mode", "str_width"]


@functools.cache
def mode(line_length: int = LINE_LENGTH) -> black.Mode:
    """Black's mode: Python 3.11 and the script's line length, nothing else."""
    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=line_length)


MODE = mode()  # at black's default line length
# black's one formatting pass; a black without it (the name is private) formats as format_str.
_FORMAT_ONCE = getattr(black, "_format_str_once", black.format_str)


def format_source(source: str, line_length: int = LINE_LENGTH) -> str:
    """Black-format generated source, in one pass; a failure here is a generator bug.

    `black.format_str` formats twice when the first pass changes anything, for the rare
    source whose new trailing commas change the second pass's result. Generated scripts are not
    such source (tests/test_golden.py checks that black leaves every golden script as it is), so
    the second pass (5% of `generate`'s instructions) is skipped.
    """
    try:
        return str(_FORMAT_ONCE(source, mode=mode(line_length)))
    except black.InvalidInput as error:  # pragma: no cover - would be a template bug
        raise InternalError(f"generated code does not parse: {error}") from error
