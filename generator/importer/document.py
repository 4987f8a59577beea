"""A spec document as YAML, JSON or TOML text: one layer per line, as people write specs."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from generator.errors import Problem, SpecError

_WIDE = 1 << 30  # never wrap: one layer stays on one line
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def document_text(document: dict[str, Any], spec_format: str) -> str:
    """The document in `spec_format` (yaml, json or toml)."""
    writer = {"yaml": _yaml, "json": _json, "toml": _toml}[spec_format]
    return writer(document)


# YAML -----------------------------------------------------------------------------------------


def _yaml(document: dict[str, Any]) -> str:
    return "".join(_yaml_field(key, value, 0) for key, value in document.items())


def _yaml_field(key: str, value: Any, depth: int) -> str:
    indent = "  " * depth
    head = f"{indent}{_yaml_flow(key)}:"
    if isinstance(value, dict) and value and not _leaf(value):
        return head + "\n" + "".join(_yaml_field(k, v, depth + 1) for k, v in value.items())
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return head + "\n" + "".join(f"{indent}  - {_yaml_flow(item)}\n" for item in value)
    return f"{head} {_yaml_flow(value)}\n"


def _leaf(value: dict[str, Any]) -> bool:
    """A mapping short enough to stay inline (an object such as {L2: 0.0001})."""
    return len(value) == 1 and not isinstance(next(iter(value.values())), dict | list)


def _yaml_flow(value: Any) -> str:
    """YAML flow text of plain data; a string is left plain only where YAML reads it back."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        # YAML 1.1 floats need a dot: 1e-05 would read back as a string.
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    if isinstance(value, str):
        return _yaml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_yaml_string(k)}: {_yaml_flow(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(f"not spec data: {type(value).__name__}")


_PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_.$>-]*\Z")
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def _yaml_string(text: str) -> str:
    if _PLAIN.match(text) and _plain_is_text(text):
        return text
    return _quoted(text, "\\U{:08x}")


def _plain_is_text(text: str) -> bool:
    """YAML reads the plain word back as this string (not as true, null or a number)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


def _quoted(text: str, wide: str) -> str:
    """A double-quoted string with only printable ASCII inside, the rest as escapes."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(wide.format(code))
    return '"' + "".join(out) + '"'


# JSON -----------------------------------------------------------------------------------------


def _json(document: dict[str, Any]) -> str:
    lines = ["{"]
    items = list(document.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            inner = ",\n".join(f"    {json.dumps(item)}" for item in value)
            lines.append(f"  {json.dumps(key)}: [\n{inner}\n  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    return "\n".join([*lines, "}"]) + "\n"


# TOML -----------------------------------------------------------------------------------------


def _toml(document: dict[str, Any]) -> str:
    return _toml_table(document, ()).lstrip("\n")


def _toml_table(table: dict[str, Any], path: tuple[str, ...]) -> str:
    plain, tables = [], []
    for key, value in table.items():
        if _is_table(value) or _is_table_array(value):
            tables.append((key, value))
        else:
            plain.append(f"{_toml_key(key)} = {_toml_value(value, (*path, key))}\n")
    text = "".join(plain)
    for key, value in tables:
        inner = (*path, key)
        header = ".".join(_toml_key(part) for part in inner)
        if isinstance(value, dict):
            text += f"\n[{header}]\n" + _toml_table(value, inner).lstrip("\n")
        else:
            for item in value:
                text += f"\n[[{header}]]\n" + _toml_table(item, inner).lstrip("\n")
    return text


def _is_table(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and any(
            _is_table(item) or _is_table_array(item) or isinstance(item, dict)
            for item in value.values()
        )
        and not _leaf(value)
    )


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) for i in value)


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_value(value: Any, path: tuple[str, ...]) -> str:
    if value is None:
        if len(path) >= 2 and path[-1] == "shape":
            return '"None"'  # the spec reads "None" as a variable length
        raise SpecError([Problem("TOML has no null for this value; import as yaml or json", path)])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item, path) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(
            f"{_toml_key(k)} = {_toml_value(v, (*path, k))}" for k, v in value.items()
        )
        return "{" + inner + "}"
    raise TypeError(f"not spec data: {type(value).__name__}")


def _toml_string(text: str) -> str:
    return _quoted(text, "\\U{:08x}")
