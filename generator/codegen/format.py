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
        return str(black.format_str(source, mode=mode(line_length)))
    except black.InvalidInput as error:  # pragma: no cover - would be a template bug
        raise InternalError(f"generated code does not parse: {error}") from error
