"""Load: read a spec file safely and remember where every field sits."""

from __future__ import annotations

import bisect
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from generator.display import quoted, show_value
from generator.errors import Problem, SpecError
from generator.records import field, record
from generator.spec.fields import FieldPath
from generator.spec.values import MAX_INT, MIN_INT

MAX_SPEC_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000  # values in one spec, after YAML aliases are expanded
MAX_ALIAS_VALUES = 1_000  # values that YAML aliases may copy, all together
_MAX_INT_DIGITS = 30  # longer integer literals are refused before int() reads them
SPEC_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


@record
class Position:
    """A 1-based line and column in the spec text."""

    line: int
    column: int


@record
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
    spec_format = SPEC_FORMATS.get(path.suffix.lower())
    if spec_format is None:
        known = ", ".join(SPEC_FORMATS)
        raise _file_error(display, f"unknown spec format {quoted(path.suffix)} (use {known})")
    try:
        raw = _read_limited(path)
    except FileNotFoundError:
        raise _file_error(display, "no such file") from None
    except IsADirectoryError:
        raise _file_error(display, "is a directory, not a spec file") from None
    except OSError as error:
        raise _file_error(display, f"cannot read: {error.strerror}") from None
    if raw is None:
        raise _file_error(display, "not a regular file (a pipe or a device?)")
    if len(raw) > MAX_SPEC_BYTES:
        raise _file_error(display, f"spec is larger than {MAX_SPEC_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _file_error(display, f"not UTF-8 text (byte {error.start})") from None
    return load_text(text, display, spec_format)


def load_text(text: str, file: str, spec_format: str) -> LoadedSpec:
    """Parse spec text already read from `file`.

    The data that comes back is plain JSON-like data: dicts with str keys, lists, str, int,
    float, bool and None, with finite floats, bounded ints, no lone surrogates, at most
    MAX_DEPTH levels and MAX_NODES values.
    """
    if len(text) > MAX_SPEC_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise _file_error(file, f"spec is larger than {MAX_SPEC_BYTES} bytes")
    text = text.removeprefix("\ufeff")  # a byte order mark, as some editors write
    parse = {"yaml": _parse_yaml, "json": _parse_json, "toml": _parse_toml}[spec_format]
    loaded = parse(text, file)
    if not isinstance(loaded.data, dict):
        raise _file_error(file, "a spec must be a mapping of fields at the top level")
    _check_values(loaded)
    return loaded


def _read_limited(path: Path) -> bytes | None:
    """The file's first MAX_SPEC_BYTES + 1 bytes; None when it is not a regular file."""
    # O_NONBLOCK: opening a named pipe must not wait for a writer.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as stream:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            return None
        return stream.read(MAX_SPEC_BYTES + 1)


def _file_error(
    file: str,
    message: str,
    line: int | None = None,
    column: int | None = None,
    path: FieldPath = (),
) -> SpecError:
    return SpecError([Problem(message, path, file, line, column)])


class _Refused:
    """A value a parser read but mergegen refuses; `_check_values` reports it with its place."""

    def __init__(self, message: str) -> None:
        self.message = message


def _check_values(loaded: LoadedSpec) -> None:
    """Refuse anything that is not plain, bounded JSON-like data, naming its field."""
    count = 0
    pending: list[tuple[Any, FieldPath]] = [(loaded.data, ())]
    while pending:
        value, path = pending.pop()
        count += 1
        problem = None
        if len(path) > MAX_DEPTH:
            problem = f"nested deeper than {MAX_DEPTH} levels"
        elif count > MAX_NODES:
            problem = f"more than {MAX_NODES} values"
        else:
            problem = _value_problem(value)
        if problem:
            raise SpecError([loaded.locate(Problem(problem, path))])
        children: list[tuple[Any, FieldPath]] = []
        if type(value) is dict:
            for key, item in value.items():
                key_problem = _value_problem(key) if type(key) is str else "keys must be strings"
                if key_problem:
                    raise SpecError([loaded.locate(Problem(key_problem, (*path, str(key))))])
                children.append((item, (*path, key)))
        elif type(value) is list:
            children = [(item, (*path, i)) for i, item in enumerate(value)]
        pending.extend(reversed(children))  # depth first, in document order


def _int_out_of_range(literal: str) -> str:
    """Keras and TensorFlow take sizes, axes and seeds as 32-bit integers."""
    if not literal:
        shown = "an integer"
    else:
        shown = f"integer {literal if len(literal) <= 23 else literal[:20] + '...'}"
    return f"{shown} is out of range (integers must lie between {MIN_INT} and {MAX_INT})"


_NO_DATES = "dates and times are not allowed here (quote the value to make it a string)"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _value_problem(value: Any) -> str | None:
    kind = type(value)
    if kind is _Refused:
        return str(value.message)
    if kind is str:
        found = _SURROGATE.search(value)
        if found:
            return f"text holds a lone surrogate {show_value(found[0])}, which is not valid Unicode"
        return None
    if kind is float:
        if math.isnan(value):
            return "NaN is not allowed (write a finite number)"
        if math.isinf(value):
            return "infinity is not allowed (write a finite number)"
        return None
    if kind is int:
        if MIN_INT <= value <= MAX_INT:
            return None
        return _int_out_of_range(str(value) if value.bit_length() < 10_000 else "")
    if kind in (bool, type(None), dict, list):
        return None
    if kind.__name__ in ("date", "datetime", "time"):
        return _NO_DATES
    return f"a {kind.__name__} value is not allowed here"


# YAML ---------------------------------------------------------------------

_YAML_TAG = "tag:yaml.org,2002:"
_YAML_SCALARS = {f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}


class _Limits:
    """Counts nodes and depth while a loader composes them, and stops past the limits."""

    file: str
    composed: int
    depth: int

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        mark = self.peek_event().start_mark  # type: ignore[attr-defined]
        self.composed += 1
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise _at_mark(self.file, f"nested deeper than {MAX_DEPTH} levels", mark)
            if self.composed > MAX_NODES:
                raise _at_mark(self.file, f"more than {MAX_NODES} values", mark)
            return super().compose_node(parent, index)  # type: ignore[misc, no-any-return]
        finally:
            self.depth -= 1


class _SpecLoader(_Limits, yaml.SafeLoader):
    """PyYAML's safe loader, counting nodes and depth while it composes them."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.composed = 0
        self.depth = 0


_LIBYAML = yaml.__with_libyaml__  # PyYAML was built with libyaml's C parser
_CParser: Any = yaml.cyaml.CParser if _LIBYAML else object  # type: ignore[attr-defined]


class _QuickSpecLoader(_Limits, Composer, SafeConstructor, Resolver, _CParser):  # type: ignore[misc]
    """The same, its text read by libyaml's parser (a third of `validate` in Python): nodes are
    still composed here, with the limits, and a file it fails on is read again by _SpecLoader,
    whose messages and positions are the ones users see."""

    def __init__(self, text: str, file: str) -> None:
        _CParser.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.file = file
        self.composed = 0
        self.depth = 0


# YAML 1.1 (PyYAML) reads 1e-6 as text; YAML 1.2, JSON, TOML and Python read a number, as
# whoever writes `epsilon: 1e-6` means. Both loaders read it so (1.0e-6 was always a number).
_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")
for _loader in (_SpecLoader, _QuickSpecLoader):
    _loader.add_implicit_resolver(f"{_YAML_TAG}float", _EXPONENT_FLOAT, list("-+0123456789"))


def _at_mark(file: str, message: str, mark: Any, path: FieldPath = ()) -> SpecError:
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    return _file_error(file, message, line, column, path)


def _parse_yaml(text: str, file: str) -> LoadedSpec:
    if _LIBYAML:
        try:
            return _build_yaml(_QuickSpecLoader(text, file), file)
        except (SpecError, yaml.YAMLError, UnicodeEncodeError):  # a lone surrogate: libyaml
            pass  # read it again below, for the message
    try:
        loader = _SpecLoader(text, file)
    except yaml.reader.ReaderError as error:
        # A character YAML does not allow in a file, such as NUL or a lone surrogate.
        prefix = text[: error.position]
        line = prefix.count("\n") + 1
        column = error.position - (prefix.rfind("\n") + 1) + 1
        shown = (
            show_value(chr(error.character)) if isinstance(error.character, int) else "a character"
        )
        message = f"malformed YAML: {shown} is not allowed in YAML text (write it as an escape)"
        raise _file_error(file, message, line, column) from None
    return _build_yaml(loader, file)


def _build_yaml(loader: _SpecLoader | _QuickSpecLoader, file: str) -> LoadedSpec:
    """Compose the document with `loader`, then build plain data with positions."""
    try:
        node = loader.get_single_node()
        if node is None:
            raise _file_error(file, "the spec is empty")
        positions: dict[FieldPath, Position] = {}
        data = _YamlBuilder(loader, positions, file).build(node, (), 0)
        return LoadedSpec(file, data, positions)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = error.problem or error.context or "malformed YAML"
        raise _at_mark(file, f"malformed YAML: {detail}", mark) from None
    except yaml.YAMLError as error:
        raise _file_error(file, f"malformed YAML: {error}") from None
    finally:
        loader.dispose()


class _YamlBuilder:
    """Turn composed YAML nodes into plain data, recording positions."""

    def __init__(
        self,
        loader: _SpecLoader | _QuickSpecLoader,
        positions: dict[FieldPath, Position],
        file: str,
    ) -> None:
        self.loader = loader
        self.positions = positions
        self.file = file
        self.built: set[int] = set()
        self.alias_values = 0

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if depth > MAX_DEPTH:
            raise _file_error(self.file, f"nested deeper than {MAX_DEPTH} levels", line, column)
        if id(node) in self.built:
            # An alias: a node composed once and used again, here or inside another alias.
            self.alias_values += 1
            if self.alias_values > MAX_ALIAS_VALUES:
                raise _file_error(
                    self.file,
                    f"aliases copy more than {MAX_ALIAS_VALUES} values"
                    " (a YAML alias bomb? write the values out instead)",
                    line,
                    column,
                )
        self.built.add(id(node))
        self.positions.setdefault(path, Position(line, column))
        if isinstance(node, MappingNode):
            self._plain_tag(node, "map", path)
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            self._plain_tag(node, "seq", path)
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _plain_tag(self, node: Node, kind: str, path: FieldPath) -> None:
        """A list or mapping with a tag (!!set, !!omap, !!python/...) is refused, not read."""
        if node.tag != f"{_YAML_TAG}{kind}":
            message = f"the YAML tag {quoted(node.tag)} is not allowed here"
            raise _at_mark(self.file, message, node.start_mark, path)

    def _scalar(self, node: ScalarNode, path: FieldPath) -> Any:
        """Only the JSON-like scalars; a tag such as !!python/object never constructs."""
        if node.tag not in _YAML_SCALARS:
            if node.tag == f"{_YAML_TAG}merge":
                message = "YAML merge keys (<<) are not supported (write the fields out)"
            elif node.tag == f"{_YAML_TAG}timestamp":
                message = _NO_DATES
            else:
                message = f"the YAML tag {quoted(node.tag)} is not allowed here"
            raise _at_mark(self.file, message, node.start_mark, path)
        if node.tag == f"{_YAML_TAG}int" and len(node.value) > _MAX_INT_DIGITS:
            message = _int_out_of_range(node.value)
            raise _at_mark(self.file, message, node.start_mark, path)
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            # PyYAML's constructors fail this way on text such as `!!int ''` or `!!bool maybe`.
            name = node.tag.removeprefix(_YAML_TAG)
            raise _at_mark(
                self.file,
                f"malformed YAML: {show_value(node.value)} is not a valid {name}",
                node.start_mark,
                path,
            ) from None

    def _mapping(self, node: MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, ScalarNode):
                raise _file_error(self.file, "keys must be plain strings", line, column, path)
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                raise _file_error(self.file, "keys must be plain strings", line, column, path)
            if key in result:
                raise _file_error(self.file, f"duplicate key {quoted(key)}", line, column, path)
            self.positions[(*path, key)] = Position(line, column)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result


# JSON ---------------------------------------------------------------------


def _json_int(literal: str) -> int | _Refused:
    if len(literal) > _MAX_INT_DIGITS:
        return _Refused(_int_out_of_range(literal))
    return int(literal)


def _json_float(literal: str) -> float | _Refused:
    value = float(literal)
    if not math.isfinite(value):
        return _Refused(f"number {show_value(literal, 23)} is out of range (write a finite number)")
    return value


def _json_constant(name: str) -> float | _Refused:
    """NaN, Infinity and -Infinity, which Python's json reads although JSON has none."""
    return _finite_float(name.lower().removesuffix("inity"))


def _json_decoder() -> json.JSONDecoder:
    """The JSON decoder for specs: every number checked, duplicates kept for the scanner."""
    return json.JSONDecoder(
        object_pairs_hook=dict,
        parse_int=_json_int,
        parse_float=_json_float,
        parse_constant=_json_constant,
    )


def _parse_json(text: str, file: str) -> LoadedSpec:
    try:
        data = _json_decoder().decode(text)
    except json.JSONDecodeError as error:
        raise _file_error(file, f"malformed JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise _file_error(file, "malformed JSON: nested too deeply") from None
    loaded = LoadedSpec(file, data)
    _JsonScanner(text, file, loaded.positions).scan(0, (), 0)
    return loaded


class _JsonScanner:
    """Record the position of every value in JSON text that the decoder accepted.

    It also finds duplicate keys, which the decoder keeps quietly, and says where they are.
    """

    def __init__(self, text: str, file: str, positions: dict[FieldPath, Position]) -> None:
        self.text = text
        self.file = file
        self.positions = positions
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.decoder = _json_decoder()
        self.count = 0

    def _position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.line_starts, offset)
        return Position(line, offset - self.line_starts[line - 1] + 1)

    def _skip(self, offset: int) -> int:
        while offset < len(self.text) and self.text[offset] in " \t\r\n":
            offset += 1
        return offset

    def _error(self, message: str, offset: int, path: FieldPath) -> SpecError:
        where = self._position(offset)
        return _file_error(self.file, message, where.line, where.column, path)

    def scan(self, offset: int, path: FieldPath, depth: int) -> int:
        offset = self._skip(offset)
        self.positions.setdefault(path, self._position(offset))
        if depth > MAX_DEPTH:
            raise self._error(f"nested deeper than {MAX_DEPTH} levels", offset, path)
        self.count += 1
        if self.count > MAX_NODES:  # stop early: scanning is slower than json's own parser
            raise self._error(f"more than {MAX_NODES} values", offset, path)
        char = self.text[offset]
        if char == "{":
            seen: set[str] = set()
            offset = self._skip(offset + 1)
            while self.text[offset] != "}":
                key_start = offset
                key, offset = self.decoder.raw_decode(self.text, offset)
                if key in seen:
                    raise self._error(f"duplicate key {quoted(key)}", key_start, path)
                seen.add(key)
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

# Patterns compiled at first use (re keeps them): 4 M instructions that YAML and JSON specs skip.
_TOML_ERROR_AT = r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$"
_TOML_HEADER = r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\s\"']+?)\s*\]\]?\s*(#.*)?$"
_TOML_KEY = r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*="
# Python's int() reads at most 4300 digits; tomllib fails with a plain ValueError beyond.
_TOML_LONG_NUMBER = r"[=\[,]\s*[+-]?[0-9_]{4000,}"


def _parse_toml(text: str, file: str) -> LoadedSpec:
    import tomllib  # only for TOML specs: every command pays for what loads at start

    try:
        data = tomllib.loads(text, parse_float=_finite_float)
    except tomllib.TOMLDecodeError as error:
        found = re.match(_TOML_ERROR_AT, str(error))
        if found:
            raise _file_error(
                file,
                f"malformed TOML: {found['msg']}",
                int(found["line"]),
                int(found["col"]),
            ) from None
        message = str(error).removesuffix(" (at end of document)")
        if message != str(error):
            lines = text.split("\n")
            end = _file_error(file, f"malformed TOML: {message} at the end", len(lines))
            raise end from None
        raise _file_error(file, f"malformed TOML: {error}") from None
    except RecursionError:
        raise _file_error(file, "malformed TOML: nested too deeply") from None
    except ValueError:
        # tomllib lets int() fail on a number with more digits than Python converts.
        long_number = re.search(_TOML_LONG_NUMBER, text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else None
        message = f"malformed TOML: {_int_out_of_range('')}"
        raise _file_error(file, message, line) from None
    return LoadedSpec(file, data, _toml_positions(text))


def _finite_float(literal: str) -> float | _Refused:
    """Also refuses TOML's inf and nan (which tomllib passes here as text)."""
    value = float(literal)
    if math.isnan(value):
        return _Refused("NaN is not allowed (write a finite number)")
    if math.isinf(value):
        return _Refused("infinity is not allowed (write a finite number)")
    return value


def _toml_positions(text: str) -> dict[FieldPath, Position]:
    """Positions of table headers and `key =` lines; inline values map to their key."""
    positions: dict[FieldPath, Position] = {(): Position(1, 1)}
    table: FieldPath = ()
    array_counts: dict[FieldPath, int] = {}
    # TOML ends lines only at \n; str.splitlines() would also split at \x85 or \u2028.
    for number, line in enumerate(text.split("\n"), start=1):
        header = re.match(_TOML_HEADER, line)
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
        key = re.match(_TOML_KEY, line)
        if key:
            names = tuple(part.strip() for part in key[1].split("."))
            column = len(line) - len(line.lstrip()) + 1
            positions.setdefault((*table, *names), Position(number, column))
    return positions
