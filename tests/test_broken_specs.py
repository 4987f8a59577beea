"""Structurally broken specs: each one exits 2 with one line per problem naming the file.

No traceback, nothing on stdout, nothing written. The cases are built below: wrong types at
every level of a valid spec, missing and extra keys, lists for mappings and the reverse,
empty documents, binary garbage, deep nesting, huge files, duplicate keys, byte order marks,
one format's text under another's extension, wrong extensions and syntax errors.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from generator.errors import SpecError
from generator.pipeline import check_loaded
from generator.spec.load import MAX_SPEC_BYTES, LoadedSpec
from tests.conftest import files_under, message_lines
from tests.hostile import BENIGN, benign

FORMATS = ("yaml", "json", "toml")


def _dump(data: Any, spec_format: str) -> bytes:
    if spec_format == "json":
        return json.dumps(data, indent=1).encode()
    if spec_format == "yaml":
        return yaml.safe_dump(data, sort_keys=False).encode()
    return tomli_w.dumps(data).encode()


def _walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _replaced(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = benign()
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


# Values of the wrong kind for each kind of value the benign spec holds; every one is wrong
# wherever that kind appears (None is left out: it is a valid "not given" in some places).
WRONG = {
    str: [1, 1.5, True, {"x": 1}, ["no_such_layer"]],
    int: ["8", 1.5, True, [1], {"a": 1}, -1, 0],
    float: ["0.1", True, [0.1], {"a": 1}, -0.5, 1.5],
    list: ["x", 1, {"a": 1}, True],
    dict: ["x", 1, [1], True, []],
}


# Replacements that turn out valid where they land: a length for the "None" placeholder,
# a one-item kernel_size for Conv1D, no metrics at all, the short form {VarianceScaling: 1}
# (scale 1) and an L2 factor of 1.5.
VALID_ANYWAY = {
    "inputs/1/shape/0 = 1",
    "layers/4/kernel_size = [1]",
    "training/metrics = []",
    "layers/0/kernel_initializer/VarianceScaling = 1",
    "layers/0/kernel_regularizer/config/l2 = 1.5",
}


def wrong_type_specs() -> list[tuple[str, dict[str, Any]]]:
    """Each place of the benign spec, given each value of a wrong kind."""
    cases = []
    for path, value in _walk(BENIGN):
        if not path:
            continue
        for wrong in WRONG[type(value)]:
            label = f"{'/'.join(map(str, path))} = {json.dumps(wrong)}"
            if label not in VALID_ANYWAY:
                cases.append((label, _replaced(path, wrong)))
    return cases


WRONG_TYPES = wrong_type_specs()


def test_every_wrong_type_is_refused_in_process() -> None:
    """All of them, cheaply; the CLI test below runs a share of them end to end."""
    assert len(WRONG_TYPES) >= 400
    for label, data in WRONG_TYPES:
        with pytest.raises(SpecError) as error:
            check_loaded(LoadedSpec("f.json", data), Path("f.json"))
        lines = [problem.render() for problem in error.value.problems]
        assert all(line.startswith("f.json") and len(line.splitlines()) == 1 for line in lines)
        assert lines, label


def _without(path: tuple[Any, ...]) -> dict[str, Any]:
    data = benign()
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return data


def _with_extra(path: tuple[Any, ...], key: str) -> dict[str, Any]:
    data = benign()
    node: Any = data
    for part in path:
        node = node[part]
    node[key] = 1
    return data


def broken_specs() -> list[tuple[str, str, bytes]]:
    """(label, file name, content) of every structurally broken spec."""
    cases: list[tuple[str, str, bytes]] = []

    def add(label: str, name: str, content: bytes | str) -> None:
        cases.append((label, name, content.encode() if isinstance(content, str) else content))

    # Wrong types, in turn in each format (JSON where the format cannot hold the value).
    for index, (label, data) in enumerate(WRONG_TYPES[::20]):
        spec_format = FORMATS[index % 3]
        try:
            add(f"wrong type: {label}", f"spec.{spec_format}", _dump(data, spec_format))
        except (TypeError, ValueError):
            add(f"wrong type: {label}", "spec.json", _dump(data, "json"))
    # Missing required fields at every level.
    for path in [
        ("name",), ("inputs",), ("layers",), ("inputs", 0, "name"), ("inputs", 0, "shape"),
        ("layers", 0, "name"), ("layers", 0, "type"), ("layers", 0, "filters"),
        ("layers", 0, "kernel_size"), ("layers", 3, "input_dim"), ("layers", 3, "output_dim"),
        ("layers", 6, "inputs"), ("layers", 8, "activation"), ("layers", 9, "rate"),
        ("layers", 10, "units"),
    ]:  # fmt: skip
        for spec_format in FORMATS:
            add(f"missing {path}", f"spec.{spec_format}", _dump(_without(path), spec_format))
    # Unknown fields at every level.
    for path in [(), ("inputs", 0), ("layers", 0), ("layers", 6), ("training",)]:
        for spec_format in FORMATS:
            data = _with_extra(path, "bogus_field")
            add(f"extra key in {path}", f"spec.{spec_format}", _dump(data, spec_format))
    add("loss for no output", "spec.json", _dump(_with_extra(("training", "loss"), "x"), "json"))
    # Lists where mappings belong, and the reverse.
    for path, value in [
        (("inputs",), {"name": "image"}), (("layers",), {"a": 1}), (("inputs", 0), ["image"]),
        (("layers", 0), ["conv"]), (("training",), ["adam"]), (("inputs", 0, "shape"), {"a": 8}),
        (("outputs",), {"probs": 1}), (("training", "metrics"), "accuracy"),
    ]:  # fmt: skip
        for spec_format in FORMATS:
            add(f"{path} as {type(value).__name__}", f"spec.{spec_format}",
                _dump(_replaced(path, value), spec_format))  # fmt: skip
    for spec_format in ("yaml", "json"):
        add("top level is a list", f"spec.{spec_format}", _dump([benign()], spec_format))
    # Empty documents.
    for text in ["", " ", "\n\n", "# only a comment\n", "---\n", "--- \n...\n", "{}", "[]",
                 "null", "~", "''", "0", "true", "- a\n"]:  # fmt: skip
        add(f"empty yaml {text!r}", "spec.yaml", text)
    for text in ["", " ", "{}", "[]", "null", '""', "0", "true"]:
        add(f"empty json {text!r}", "spec.json", text)
    for text in ["", "# only a comment\n", "   \n", "[training]\n"]:
        add(f"empty toml {text!r}", "spec.toml", text)
    # Binary garbage.
    chance = random.Random(7)
    for spec_format in FORMATS:
        for size in (16, 4096):
            garbage = bytes(chance.randrange(256) for _ in range(size))
            add(f"random bytes {size}", f"spec.{spec_format}", garbage)
        for label, blob in [
            ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ("gzip", b"\x1f\x8b\x08\x00\x00"),
            ("zip", b"PK\x03\x04\x14\x00"), ("elf", b"\x7fELF\x02\x01\x01"),
            ("nul bytes", b"\x00" * 64), ("utf-16", "name: x\n".encode("utf-16")),
            ("latin-1", "name: caf\xe9\n".encode("latin-1")),
        ]:  # fmt: skip
            add(label, f"spec.{spec_format}", blob)
    # Nested too deeply.
    for depth in (33, 200, 100_000):
        add(f"yaml depth {depth}", "spec.yaml", "a: " + "[" * depth + "]" * depth + "\n")
        add(f"json depth {depth}", "spec.json", '{"a": ' + "[" * depth + "]" * depth + "}")
        add(f"toml depth {depth}", "spec.toml", "a = " + "[" * depth + "]" * depth + "\n")
    add("yaml deep mappings", "spec.yaml", "a: " + "{b: " * 40 + "1" + "}" * 40 + "\n")
    add("toml deep tables", "spec.toml", "[" + ".".join(["t"] * 40) + "]\nx = 1\n")
    add("yaml recursive alias", "spec.yaml", "name: &a [*a]\n")
    laughs = ["a0: &a0 [" + ", ".join(['"lol"'] * 10) + "]"]
    laughs += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    add("billion laughs", "spec.yaml", "\n".join(laughs) + "\n")
    # Huge files.
    padding = "x" * MAX_SPEC_BYTES
    add("huge yaml", "spec.yaml", _dump(benign(), "yaml") + f"# {padding}\n".encode())
    add("huge json", "spec.json", json.dumps(dict(benign(), description=padding)))
    add("huge toml", "spec.toml", _dump(benign(), "toml") + f"# {padding}\n".encode())
    add("too many values", "spec.json", json.dumps(dict(benign(), extra=[0] * 100_001)))
    add("huge integer yaml", "spec.yaml", "name: x\nlayers: " + "9" * 5000 + "\n")
    add("huge integer json", "spec.json", '{"name": ' + "9" * 5000 + "}")
    add("huge integer toml", "spec.toml", "name = " + "9" * 5000 + "\n")
    # Duplicate keys, at each level, in each format.
    for text in [
        "name: a\nname: b\n",
        "inputs:\n  - {name: a, name: b}\n",
        "layers:\n  - name: a\n    type: Dense\n    type: Flatten\n",
        "training:\n  epochs: 1\n  epochs: 2\n",
    ]:
        add(f"duplicate yaml {text[:12]!r}", "spec.yaml", text)
    for text in [
        '{"name": "a", "name": "b"}',
        '{"inputs": [{"name": "a", "name": "b"}]}',
        '{"layers": [{"type": "Dense", "type": "Flatten"}]}',
        '{"training": {"epochs": 1, "epochs": 2}}',
    ]:
        add(f"duplicate json {text[:14]!r}", "spec.json", text)
    for text in [
        'name = "a"\nname = "b"\n',
        '[[inputs]]\nname = "a"\nname = "b"\n',
        "[training]\nepochs = 1\n[training]\nepochs = 2\n",
        '[[layers]]\ntype = "Dense"\ntype = "Flatten"\n',
    ]:
        add(f"duplicate toml {text[:14]!r}", "spec.toml", text)
    # Byte order marks: skipped once at the start, an error anywhere else.
    bom = b"\xef\xbb\xbf"
    for spec_format in FORMATS:
        add("bom, then garbage", f"spec.{spec_format}", bom + b"[1, \x00]")
        if spec_format != "yaml":  # YAML skips a byte order mark at any document start
            add("two boms", f"spec.{spec_format}", bom + bom + _dump(benign(), spec_format))
        add(
            "utf-16 bom",
            f"spec.{spec_format}",
            _dump(benign(), spec_format).decode().encode("utf-16"),
        )
        add("utf-32", f"spec.{spec_format}", _dump(benign(), spec_format).decode().encode("utf-32"))
    add("bom mid-file", "spec.json", b'{"name": ' + bom + b'"x"}')
    add("bom mid-file", "spec.toml", b'name = "x"\n' + bom + b"a = 1\n")
    # One format's text under another's extension (JSON is YAML, so that pair is valid).
    add("toml as yaml", "spec.yaml", _dump(benign(), "toml"))
    add("toml as json", "spec.json", _dump(benign(), "toml"))
    add("yaml as json", "spec.json", _dump(benign(), "yaml"))
    add("yaml as toml", "spec.toml", _dump(benign(), "yaml"))
    add("json as toml", "spec.toml", _dump(benign(), "json"))
    # Wrong extensions.
    for name in ["spec.txt", "spec.yml.bak", "spec.py", "spec", "spec.tml", "spec.json5",
                 "spec.yaml~", ".yaml"]:  # fmt: skip
        add(f"extension of {name}", name, _dump(benign(), "yaml"))
    # Syntax errors.
    for text in [
        "name: [x\n", "name: {x\n", "a:\n  - b\n - c\n", "a:\tb\n\tc: d\n", "a: 'x\n",
        'a: "x\n', "a: *undefined\n", "a: &x 1\nb: &x 2\nc: *x\n", "--- a\n--- b\n",
        "a: !!python/object/apply:os.system ['touch x']\n", "a: b: c\n", "[a\n", "? a\n? a\n",
        "a: @b\n", "a: `b`\n", "%TAG ! tag:x,2000:\n%TAG ! tag:y,2000:\n---\na: 1\n",
    ]:  # fmt: skip
        add(f"yaml syntax {text[:12]!r}", "spec.yaml", text)
    for text in [
        '{"a": 1,}', "{'a': 1}", '{"a": 1 // c\n}', '{"a": 01}', '{"a": .5}', '{"a": +1}',
        '{"a": 0x10}', '{"a" 1}', '{"a": [1, 2}', '{"a": "x\ny"}', '{"a": "\\q"}',
        '{"a": undefined}', '{"a": 1} {"b": 2}',
    ]:  # fmt: skip
        add(f"json syntax {text[:12]!r}", "spec.json", text)
    for text in [
        "a = \n", "a = x\n", "[a\n", "a = [1,\n", "a = 'x\n", 'a = """x\n', "a.b = 1\na = 2\n",
        "a = 1979-13-99\n", "= 1\n", "[[a]]\n[a]\n", "a = {b = 1,}\n", "a = 0x\n",
    ]:  # fmt: skip
        add(f"toml syntax {text[:12]!r}", "spec.toml", text)
    return cases


BROKEN = broken_specs()


def test_there_are_enough_broken_specs() -> None:
    assert len(BROKEN) >= 150


CHUNK = 25  # cases per test: one CLI run is a few ms, a pytest test with tmp_path more


@pytest.mark.slow
@pytest.mark.parametrize("first", range(0, len(BROKEN), CHUNK))
def test_broken_spec_exits_2_with_one_line_per_problem(first: int, cli, tmp_path: Path) -> None:
    for index, (label, name, content) in enumerate(BROKEN[first : first + CHUNK], first):
        path = tmp_path / name
        path.write_bytes(content)
        before = files_under(tmp_path)
        for command in ["generate", "validate"] if index % 8 == 0 else ["generate"]:
            result = cli(command, name, "--force") if command == "generate" else cli(command, name)
            assert result.exit_code == 2, (label, result.stdout, result.stderr)
            assert result.stdout == "", label
            lines = message_lines(result.stderr)
            assert lines and "Traceback" not in result.stderr, label
            for line in lines:
                assert line.startswith(f"error: {name}"), (label, line)
                assert line.isprintable() and len(line) < 600, (label, line)
            assert files_under(tmp_path) == before, label
        path.unlink()


@pytest.mark.slow
def test_syntax_errors_say_where(cli, tmp_path: Path) -> None:
    located = [case for case in BROKEN if " syntax " in case[0]]
    assert len(located) >= 40
    for label, name, content in located:
        (tmp_path / name).write_bytes(content)
        result = cli("validate", name)
        first = message_lines(result.stderr)[0]
        assert first.split(":")[2].isdigit(), (label, first)


@pytest.mark.parametrize("name", ["missing.yaml", "folder.yaml", "pipe.yaml"])
def test_spec_paths_that_are_not_files(name: str, cli, tmp_path: Path) -> None:
    import os

    if name == "folder.yaml":
        (tmp_path / name).mkdir()
    elif name == "pipe.yaml":
        os.mkfifo(tmp_path / name)
    result = cli("generate", name)
    assert result.exit_code == 2
    assert len(message_lines(result.stderr)) == 1
    assert result.stderr.startswith(f"error: {name}: ")
