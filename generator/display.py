"""How spec values appear in messages: short, on one line, printable."""

from __future__ import annotations

import re
from typing import Any

VALUE_LIMIT = 40
NAME_LIMIT = 80  # room for any valid name (64 characters) and its quotes
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def show_value(value: Any, limit: int = VALUE_LIMIT) -> str:
    """`repr(value)` cut to `limit` characters; never fails, never spans lines."""
    if type(value) is int and value.bit_length() > 128:
        return "an integer of more than 38 digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int with more digits than str() allows
        return f"a {type(value).__name__} too large to show"
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable(text: str) -> str:
    """`text` with every non-printable character (line breaks included) escaped."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def quoted(name: Any) -> str:
    """A name from the spec in quotes, as `show_value` with room for any valid name."""
    return show_value(name, NAME_LIMIT)


def show_name(name: str) -> str:
    """A plain name as it is, anything else quoted like `show_value`."""
    if _PLAIN_NAME.match(name) and len(name) <= NAME_LIMIT:
        return name
    return show_value(name, NAME_LIMIT)
