"""Code fragments: the only values a template may print."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from generator.names import identifier_problem

LINE_LENGTH = 88  # black's default, used by format.py too


class Code(str):
    """Text that is already valid Python, made by one of the functions below."""

    __slots__ = ()


class InternalError(Exception):
    """A value reached code generation unchecked: a bug in mergegen, not in the spec."""


def literal(value: Any) -> Code:
    """A Python literal for a plain str, int, float, bool, None, or a tuple/list of them."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return Code(repr(value))
    if kind is float:
        if not math.isfinite(value):
            raise InternalError(f"non-finite float {value!r} reached code generation")
        return Code(repr(value))
    if kind is tuple or kind is list:
        items = [literal(item) for item in value]
        if len(items) == 1:
            return Code(f"({items[0]},)")
        return Code(f"({', '.join(items)})")
    raise InternalError(f"{kind.__name__} value reached code generation")


def identifier(name: str) -> Code:
    """A name from the spec that passed the identifier check."""
    if type(name) is not str or identifier_problem(name, local=True) is not None:
        raise InternalError(f"unchecked identifier {name!r} reached code generation")
    return Code(name)


def call(
    function: str,
    positional: Iterable[str] = (),
    keywords: Mapping[str, str] = {},
    *,
    one_per_line: bool = False,
    last_comment: Code | None = None,
) -> Code:
    """`function(a, b, key=value)` from code fragments.

    `one_per_line` adds black's magic trailing comma, so the arguments stack one per line;
    `last_comment` then sits after the last argument, where black keeps it.
    """
    parts = [*positional, *(f"{key}={value}" for key, value in keywords.items())]
    if not (one_per_line and parts):
        return Code(f"{function}({', '.join(parts)})")
    comment = f"  {last_comment}\n" if last_comment else ""
    return Code(f"{function}({', '.join(parts)},{comment})")


def list_of(items: Iterable[str]) -> Code:
    """`[a, b, c]` from code fragments."""
    return Code(f"[{', '.join(items)}]")


def dict_of(items: Mapping[str, str]) -> Code:
    """`{"key": value}` with string keys, from code fragments."""
    return Code("{" + ", ".join(f"{literal(key)}: {value}" for key, value in items.items()) + "}")


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Spec text on one line: line breaks and control characters become single spaces."""
    text = _LINE_BREAKS.sub(" ", text)
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cs") else char for char in text)
    return " ".join(text.split())


def prose(text: str) -> str:
    """Spec text made safe inside a docstring or comment: one line, nothing to escape from."""
    return one_line(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def shape_comment(shape: tuple[int | str | None, ...]) -> Code:
    """`# (None, 28, 28, 32)`: numbers, None, and `*` for a size that differs between calls."""
    if any(dim is not None and dim != "*" and type(dim) is not int for dim in shape):
        raise InternalError(f"shape {shape!r} reached code generation")
    dims = ", ".join("None" if dim is None else str(dim) for dim in shape)
    return Code(f"# ({dims},)" if len(shape) == 1 else f"# ({dims})")
