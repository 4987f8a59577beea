"""Format: black, in-process, in one fixed mode per line length."""

from __future__ import annotations

import functools

import black

from generator.codegen.code import LINE_LENGTH, InternalError


@functools.cache
def mode(line_length: int = LINE_LENGTH) -> black.Mode:
    """Black's mode: Python 3.11 and the script's line length, nothing else."""
    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=line_length)


MODE = mode()  # at black's default line length


def format_source(source: str, line_length: int = LINE_LENGTH) -> str:
    """Black-format generated source; a failure here is a generator bug."""
    try:
        return black_pass(source, mode(line_length))
    except black.InvalidInput as error:  # pragma: no cover - would be a template bug
        raise InternalError(f"generated code does not parse: {error}") from error


def black_pass(source: str, black_mode: black.Mode) -> str:
    """One pass of black over `source`.

    `black.format_str` formats twice whenever the first pass changed anything, for
    trailing commas that a second pass treats differently (black's "forced second pass").
    Generated code never meets that case: one pass is stable, which the goldens and the
    property tests check with `format_str` itself, and it halves the time of a large
    script (NASNetLarge: 4,280 lines, 2.4 s to 1.2 s).
    """
    return str(black._format_str_once(source, mode=black_mode))
