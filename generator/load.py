"""Load: read a spec file safely and remember where every field sits."""

from __future__ import annotations

import bisect
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.errors import Problem, SpecError
from generator.paths import FieldPath

MAX_SPEC_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in the spec text."""

    line: int
    column: int


@dataclass
class LoadedSpec:
    """Parsed spec data with the position of every field path."""

    file: str
    data: Any
    positions: dict[FieldPath, Position] = field(default_factory=dict)

    def locate(self, problem: Problem) -> Problem:
        """Attach the file and the closest known position to a problem."""
        path = problem.path
        while path not in self.positions and path:
            path = path[:-1]
        where = self.positions.get(path)
        return Problem(
            problem.message,
            problem.path,
            self.file,
            where.line if where else None,
            where.column if where else None,
            problem.context,
        )


def load_spec(path: Path) -> LoadedSpec:
    """Read and parse a YAML, JSON or TOML spec file."""
    display = str(path)
    spec_format = FORMATS.get(path.suffix.lower())
    if spec_format is None:
        known = ", ".join(FORMATS)
        raise _file_error(display, f"unknown spec format {path.suffix!r} (use {known})")
    try:
        raw = _read_limited(path)
    except FileNotFoundError:
        raise _file_error(display, "no such file") from None
    except IsADirectoryError:
        raise _file_error(display, "is a directory, not a spec file") from None
    except OSError as error:
        raise _file_error(display, f"cannot read: {error.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise _file_error(display, f"spec is larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _file_error(display, f"not UTF-8 text (byte {error.start})") from None
    return load_text(text, display, spec_format)


def load_text(text: str, file: str, spec_format: str) -> LoadedSpec:
    """Parse spec text already read from `file`."""
    parse = {"yaml": _parse_yaml, "json": _parse_json, "toml": _parse_toml}[spec_format]
    loaded = parse(text, file)
    if not isinstance(loaded.data, dict):
        raise _file_error(file, "a spec must be a mapping of fields at the top level")
    return loaded


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(MAX_SPEC_BYTES + 1)


def _file_error(
    file: str, message: str, line: int | None = None, column: int | None = None
) -> SpecError:
    return SpecError([Problem(message, (), file, line, column)])


# YAML ---------------------------------------------------------------------


def _parse_yaml(text: str, file: str) -> LoadedSpec:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _file_error(file, "the spec is empty")
        loaded = LoadedSpec(file, None)
        loaded.data = _YamlBuilder(loader, loaded, file).build(node, (), 0)
        return loaded
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = error.problem or error.context or "malformed YAML"
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise _file_error(file, f"malformed YAML: {detail}", line, column) from None
    except yaml.YAMLError as error:
        raise _file_error(file, f"malformed YAML: {error}") from None
    finally:
        loader.dispose()


class _YamlBuilder:
    """Turn composed YAML nodes into plain data, recording positions."""

    def __init__(self, loader: yaml.SafeLoader, loaded: LoadedSpec, file: str) -> None:
        self.loader = loader
        self.loaded = loaded
        self.file = file
        self.nodes_seen = 0

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        self.nodes_seen += 1
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if depth > MAX_DEPTH:
            raise _file_error(self.file, f"nested deeper than {MAX_DEPTH} levels", line, column)
        if self.nodes_seen > MAX_NODES:
            raise _file_error(
                self.file, f"more than {MAX_NODES} values (are aliases expanding?)", line, column
            )
        self.loaded.positions.setdefault(path, Position(line, column))
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            key = (
                self.loader.construct_object(key_node) if isinstance(key_node, ScalarNode) else None
            )
            if not isinstance(key, str):
                raise _file_error(self.file, "keys must be plain strings", line, column)
            if key in result:
                raise _file_error(self.file, f"duplicate key {key!r}", line, column)
            self.loaded.positions[(*path, key)] = Position(line, column)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


# JSON ---------------------------------------------------------------------


def _parse_json(text: str, file: str) -> LoadedSpec:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _JsonValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def no_constants(name: str) -> Any:
        raise _JsonValueError(f"{name} is not allowed")

    def finite_float(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise _JsonValueError(f"number {literal[:20]} is out of range")
        return value

    try:
        data = json.loads(
            text,
            object_pairs_hook=no_duplicates,
            parse_constant=no_constants,
            parse_float=finite_float,
        )
    except json.JSONDecodeError as error:
        raise _file_error(file, f"malformed JSON: {error.msg}", error.lineno, error.colno) from None
    except (_JsonValueError, ValueError) as error:
        raise _file_error(file, f"malformed JSON: {error}") from None
    except RecursionError:
        raise _file_error(file, "malformed JSON: nested too deeply") from None
    loaded = LoadedSpec(file, data)
    _JsonScanner(text, file, loaded.positions).scan(0, (), 0)
    return loaded


class _JsonValueError(ValueError):
    pass


class _JsonScanner:
    """Record the position of every value in JSON text that json.loads accepted."""

    def __init__(self, text: str, file: str, positions: dict[FieldPath, Position]) -> None:
        self.text = text
        self.file = file
        self.positions = positions
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.decoder = json.JSONDecoder()

    def _position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 1)

    def _skip(self, offset: int) -> int:
        while offset < len(self.text) and self.text[offset] in " \t\r\n":
            offset += 1
        return offset

    def scan(self, offset: int, path: FieldPath, depth: int) -> int:
        offset = self._skip(offset)
        self.positions.setdefault(path, self._position(offset))
        if depth > MAX_DEPTH:
            where = self._position(offset)
            raise _file_error(
                self.file, f"nested deeper than {MAX_DEPTH} levels", where.line, where.column
            )
        char = self.text[offset]
        if char == "{":
            offset = self._skip(offset + 1)
            while self.text[offset] != "}":
                key_start = offset
                key, offset = self.decoder.raw_decode(self.text, offset)
                self.positions[(*path, key)] = self._position(key_start)
                offset = self._skip(offset) + 1  # the colon
                offset = self._skip(self.scan(offset, (*path, key), depth + 1))
                if self.text[offset] == ",":
                    offset = self._skip(offset + 1)
            return offset + 1
        if char == "[":
            offset = self._skip(offset + 1)
            index = 0
            while self.text[offset] != "]":
                offset = self._skip(self.scan(offset, (*path, index), depth + 1))
                index += 1
                if self.text[offset] == ",":
                    offset = self._skip(offset + 1)
            return offset + 1
        _, end = self.decoder.raw_decode(self.text, offset)
        return int(end)


# TOML ---------------------------------------------------------------------

_TOML_ERROR_AT = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\s\"']+?)\s*\]\]?\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=")


def _parse_toml(text: str, file: str) -> LoadedSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_ERROR_AT.match(str(error))
        if found:
            raise _file_error(
                file,
                f"malformed TOML: {found['msg']}",
                int(found["line"]),
                int(found["col"]),
            ) from None
        raise _file_error(file, f"malformed TOML: {error}") from None
    _reject_non_finite(data, file)
    return LoadedSpec(file, data, _toml_positions(text))


def _reject_non_finite(value: Any, file: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise _file_error(file, f"malformed TOML: number {value} is not allowed")
    if isinstance(value, dict):
        for item in value.values():
            _reject_non_finite(item, file)
    elif isinstance(value, list):
        for item in value:
            _reject_non_finite(item, file)


def _toml_positions(text: str) -> dict[FieldPath, Position]:
    """Positions of table headers and `key =` lines; inline values map to their key."""
    positions: dict[FieldPath, Position] = {(): Position(1, 1)}
    table: FieldPath = ()
    array_counts: dict[FieldPath, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header:
            names = tuple(part.strip().strip("\"'") for part in header[2].split("."))
            if header[1] == "[[":
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                table = (*names, index)
            else:
                table = names
            positions.setdefault(table, Position(number, 1))
            continue
        key = _TOML_KEY.match(line)
        if key:
            names = tuple(part.strip() for part in key[1].split("."))
            column = len(line) - len(line.lstrip()) + 1
            positions.setdefault((*table, *names), Position(number, column))
    return positions
