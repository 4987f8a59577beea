"""Code fragments: the only values a template may print."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.spec.names import identifier_problem

LINE_LENGTH = 88  # black's default: the script's line length unless the user picks another
LINE_LENGTHS = range(40, 201)  # what --line-length accepts


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


def fragment(value: Any) -> Code:
    """`value` itself when it is code already made here; a plain str is a bug."""
    if type(value) is not Code:
        raise InternalError(f"a {type(value).__name__} was composed into code unprepared")
    return value


_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def call(
    function: str,
    positional: Iterable[Code] = (),
    keywords: Mapping[str, Code] = {},
    *,
    stacked: bool = False,
    comment: Code | None = None,
) -> Code:
    """`function(a, b, key=value)` from code fragments.

    `function` and the keyword names come from the generator (the catalog), never from a
    spec; the values must be fragments. `stacked` adds black's magic trailing comma, so
    black puts the arguments one per line; `comment` follows the opening bracket.
    """
    if not _DOTTED_NAME.match(function):
        raise InternalError(f"{function!r} is not a dotted name")
    for key in keywords:
        if not key.isidentifier() or keyword.iskeyword(key):
            raise InternalError(f"{key!r} is not a keyword argument name")
    parts = [
        *(fragment(value) for value in positional),
        *(f"{key}={fragment(value)}" for key, value in keywords.items()),
    ]
    comma = "," if stacked and parts else ""
    opening = f"(  {fragment(comment)}\n" if comment is not None else "("
    return Code(f"{function}{opening}{', '.join(parts)}{comma})")


_FIELD_CODE = re.compile(r"[A-Za-z0-9_.+\-*/%() ]+\Z")  # names, numbers, arithmetic


def formatted(texts: Sequence[str], fields: Sequence[Code]) -> Code:
    """`f"text{field}text"`: literal texts (braces doubled, then repr()) around fields.

    A field must be code made here holding only names, numbers and arithmetic: nothing
    that could close the replacement field, the string, or add a conversion or format.
    """
    if len(texts) != len(fields) + 1 or any(type(text) is not str for text in texts):
        raise InternalError("a formatted string needs plain texts, one more than fields")
    parts = [_braces_doubled(texts[0])]
    for field, text in zip(fields, texts[1:], strict=True):
        if not _FIELD_CODE.match(fragment(field)):
            raise InternalError(f"{field!r} cannot stand in a formatted string")
        parts += ["{" + field + "}", _braces_doubled(text)]
    return Code("f" + repr("".join(parts)))


def _braces_doubled(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def list_of(items: Iterable[Code]) -> Code:
    """`[a, b, c]` from code fragments."""
    return Code(f"[{', '.join(fragment(item) for item in items)}]")


def dict_of(items: Mapping[str, Code]) -> Code:
    """`{"key": value}` with plain string keys, from code fragments."""
    pairs = (f"{literal(key)}: {fragment(value)}" for key, value in items.items())
    return Code("{" + ", ".join(pairs) + "}")


def one_line(text: str) -> str:
    """Spec text on one line of printable characters, single-spaced.

    Line breaks of every kind, control characters, lone surrogates and the invisible format
    characters (bidirectional overrides, as in "Trojan Source", CVE-2021-42574) become spaces.
    """
    if not text.isprintable():
        text = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(text.split())


def prose(text: str) -> str:
    """Spec text made safe inside a docstring or comment: one line, nothing to escape from."""
    return one_line(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def shape_comment(shape: tuple[int | str | None, ...], *more: tuple[int | str | None, ...]) -> Code:
    """`# (None, 28, 28, 32)`: numbers, None, and `*` for a size that differs between calls.

    A layer with several outputs lists each: `# (None, 256), (None, 256), (None, 256)`.
    """
    shown = []
    for one in (shape, *more):
        if any(dim is not None and dim != "*" and type(dim) is not int for dim in one):
            raise InternalError(f"shape {one!r} reached code generation")
        dims = ", ".join("None" if dim is None else str(dim) for dim in one)
        shown.append(f"({dims},)" if len(one) == 1 else f"({dims})")
    return Code("# " + ", ".join(shown))
