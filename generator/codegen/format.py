"""Format: black, in-process, in one fixed mode."""

from __future__ import annotations

import black

from generator.codegen.code import LINE_LENGTH, InternalError

MODE = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=LINE_LENGTH)


def format_source(source: str) -> str:
    """Black-format generated source; a failure here is a generator bug."""
    try:
        return str(black.format_str(source, mode=MODE))
    except black.InvalidInput as error:  # pragma: no cover - would be a template bug
        raise InternalError(f"generated code does not parse: {error}") from error
