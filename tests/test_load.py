"""Loading YAML, JSON and TOML with positions; malformed files fail cleanly."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.spec import load
from generator.spec.load import MAX_SPEC_BYTES, Position, load_spec, load_text


def only_message(error: pytest.ExceptionInfo[SpecError]) -> str:
    (problem,) = error.value.problems
    return problem.render()


def test_yaml_positions_point_at_keys() -> None:
    loaded = load_text("name: x\nlayers:\n  - {name: a, units: 3}\n", "f.yaml", "yaml")
    assert loaded.data == {"name": "x", "layers": [{"name": "a", "units": 3}]}
    assert loaded.positions[("layers", 0, "units")] == Position(3, 15)
    assert loaded.positions[("layers",)] == Position(2, 1)


def test_json_positions_point_at_keys() -> None:
    text = '{\n  "name": "x",\n  "layers": [{"name": "a", "units": 3}]\n}'
    loaded = load_text(text, "f.json", "json")
    assert loaded.data["layers"][0]["units"] == 3
    assert loaded.positions[("layers", 0, "units")] == Position(3, 28)
    assert loaded.positions[("name",)] == Position(2, 3)


def test_toml_positions_follow_array_tables() -> None:
    text = 'name = "x"\n[[layers]]\nname = "a"\n[[layers]]\nname = "b"\nunits = 3\n'
    loaded = load_text(text, "f.toml", "toml")
    assert loaded.data["layers"][1] == {"name": "b", "units": 3}
    assert loaded.positions[("layers", 1, "units")] == Position(6, 1)
    assert loaded.positions[("layers", 1)] == Position(4, 1)


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        (
            "name: [x\n",
            "yaml",
            "f.yaml:2:1: malformed YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("a: 1\na: 2\n", "yaml", "f.yaml:2:1: duplicate key 'a'"),
        ("- 1\n- 2\n", "yaml", "f.yaml: a spec must be a mapping of fields at the top level"),
        ("", "yaml", "f.yaml: the spec is empty"),
        (
            '{"a": 1,}',
            "json",
            "f.json:1:9: malformed JSON: Expecting property name enclosed in double quotes",
        ),
        ('{"a": 1, "a": 2}', "json", "f.json:1:10: duplicate key 'a'"),
        ('{"b": {"a": 1,\n "a": 2}}', "json", "f.json:2:2: b: duplicate key 'a'"),
        ('{"a": NaN}', "json", "f.json:1:2: a: NaN is not allowed (write a finite number)"),
        (
            '{"a": [1e999]}',
            "json",
            "f.json:1:8: a[0]: number '1e999' is out of range (write a finite number)",
        ),
        ("a = \n", "toml", "f.toml:1:5: malformed TOML: Invalid value"),
        ("a = nan\n", "toml", "f.toml:1:1: a: NaN is not allowed (write a finite number)"),
        (
            "[t]\nb = -inf\n",
            "toml",
            "f.toml:2:1: t.b: infinity is not allowed (write a finite number)",
        ),
        ("a: .nan\n", "yaml", "f.yaml:1:1: a: NaN is not allowed (write a finite number)"),
        (
            "a: [-.inf]\n",
            "yaml",
            "f.yaml:1:5: a[0]: infinity is not allowed (write a finite number)",
        ),
        ("a: 1\nb: {a: 1, a: 2}\n", "yaml", "f.yaml:2:11: b: duplicate key 'a'"),
        ("a = 1\na = 2\n", "toml", "f.toml:2:6: malformed TOML: Cannot overwrite a value"),
        # Integers: Keras takes 32-bit ones; longer literals never reach int().
        (
            "a: 2147483648\n",
            "yaml",
            "f.yaml:1:1: a: integer 2147483648 is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        (
            "a: " + "9" * 5000 + "\n",
            "yaml",
            "f.yaml:1:4: a: integer 99999999999999999999... is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        (
            "a: 0x" + "f" * 20 + "\n",
            "yaml",
            "f.yaml:1:1: a: integer 12089258196146291747... is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        (
            '{"a": -' + "9" * 5000 + "}",
            "json",
            "f.json:1:2: a: integer -9999999999999999999... is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        (
            "a = " + "9" * 5000 + "\n",
            "toml",
            "f.toml:1: malformed TOML: an integer is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        (
            "a = " + "9" * 50 + "\n",
            "toml",
            "f.toml:1:1: a: integer 99999999999999999999... is out of range"
            " (integers must lie between -2147483648 and 2147483647)",
        ),
        # YAML: only plain scalars construct; PyYAML's constructors never fail raw.
        (
            "a: !!python/object/apply:os.system [touch x]\n",
            "yaml",
            "f.yaml:1:4: a: the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'"
            " is not allowed here",
        ),
        (
            "a: !!binary aGk=\n",
            "yaml",
            "f.yaml:1:4: a: the YAML tag 'tag:yaml.org,2002:binary' is not allowed here",
        ),
        ("a: !custom x\n", "yaml", "f.yaml:1:4: a: the YAML tag '!custom' is not allowed here"),
        ("a: !!bool maybe\n", "yaml", "f.yaml:1:4: a: malformed YAML: 'maybe' is not a valid bool"),
        ("a: !!int ''\n", "yaml", "f.yaml:1:4: a: malformed YAML: '' is not a valid int"),
        ("a: !!float abc\n", "yaml", "f.yaml:1:4: a: malformed YAML: 'abc' is not a valid float"),
        (
            "a: 2024-13-45\n",
            "yaml",
            "f.yaml:1:4: a: dates and times are not allowed here (quote the value to make it a string)",
        ),
        (
            "a: !!timestamp abc\n",
            "yaml",
            "f.yaml:1:4: a: dates and times are not allowed here (quote the value to make it a string)",
        ),
        (
            "a = 1979-05-27T07:32:00Z\n",
            "toml",
            "f.toml:1:1: a: dates and times are not allowed here (quote the value to make it a string)",
        ),
        (
            "base: &b {x: 1}\nc:\n  <<: *b\n",
            "yaml",
            "f.yaml:3:3: c: YAML merge keys (<<) are not supported (write the fields out)",
        ),
        ("? [a]\n: 1\n", "yaml", "f.yaml:1:3: keys must be plain strings"),
        ("1: a\n", "yaml", "f.yaml:1:1: keys must be plain strings"),
        (
            "a: b\x00\n",
            "yaml",
            "f.yaml:1:5: malformed YAML: '\\x00' is not allowed in YAML text (write it as an escape)",
        ),
        (
            '{"a": "\\udc80"}',
            "json",
            "f.json:1:2: a: text holds a lone surrogate '\\udc80', which is not valid Unicode",
        ),
        (
            "a: b\ud800\n",
            "yaml",
            "f.yaml:1:5: malformed YAML: '\\ud800' is not allowed in YAML text (write it as an escape)",
        ),
        (
            'a: "\\ud800"\n',
            "yaml",
            "f.yaml:1:1: a: text holds a lone surrogate '\\ud800', which is not valid Unicode",
        ),
        (
            "a: " + "[" * 5000 + "]" * 5000 + "\n",
            "yaml",
            "f.yaml:1:36: nested deeper than 32 levels",
        ),
        (
            '{"a": ' + "[" * 100 + "]" * 100 + "}",
            "json",
            "f.json:1:39: a" + "[0]" * 32 + ": nested deeper than 32 levels",
        ),
        (
            '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "json",
            "f.json: malformed JSON: nested too deeply",
        ),
        (
            "a = " + "[" * 40 + "]" * 40 + "\n",
            "toml",
            "f.toml:1:1: a" + "[0]" * 32 + ": nested deeper than 32 levels",
        ),
        (
            "a = " + "[" * 5000 + "]" * 5000 + "\n",
            "toml",
            "f.toml: malformed TOML: nested too deeply",
        ),
        (
            "a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n",
            "toml",
            "f.toml: malformed TOML: nested too deeply",
        ),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
def test_malformed_text_is_one_located_problem(text: str, suffix: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        load_text(text, f"f.{suffix}", suffix)
    assert only_message(error) == message


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    """The classic alias bomb: `width ** levels` strings from a few hundred bytes."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)
    ]
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused_in_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs())
    times = []
    for _ in range(5):
        start = time.perf_counter()
        with pytest.raises(SpecError) as error:
            load_spec(path)
        times.append(time.perf_counter() - start)
    assert only_message(error).endswith(
        "bomb.yaml:1:10: aliases copy more than 1000 values"
        " (a YAML alias bomb? write the values out instead)"
    )
    assert statistics.median(times) < 0.25, times  # measured: about 5 ms


def test_a_few_aliases_are_fine() -> None:
    text = "shape: &shape [28, 28, 1]\ninputs:\n  - {name: a, shape: *shape}\n  - {name: b, shape: *shape}\n"
    loaded = load_text(text, "f.yaml", "yaml")
    assert loaded.data["inputs"][1] == {"name": "b", "shape": [28, 28, 1]}
    assert loaded.positions[("inputs", 1, "shape")] == Position(4, 15)


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(SpecError) as error:
        load_text("a: &a [*a]\n", "f.yaml", "yaml")
    assert only_message(error) == "f.yaml:1:4: nested deeper than 32 levels"


def test_too_many_values_are_refused() -> None:
    with pytest.raises(SpecError) as error:
        load_text('{"a": [' + ", ".join(["1"] * 100_001) + "]}", "f.json", "json")
    assert only_message(error) == "f.json:1:300002: a[99998]: more than 100000 values"


@pytest.mark.parametrize("suffix", ["yaml", "json", "toml"])
def test_a_byte_order_mark_is_skipped(suffix: str, tmp_path: Path) -> None:
    text = {"yaml": "name: x\n", "json": '{"name": "x"}', "toml": 'name = "x"\n'}[suffix]
    path = tmp_path / f"spec.{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_spec(path).data == {"name": "x"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert only_message(error).endswith("pipe.yaml: not a regular file (a pipe or a device?)")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(SpecError) as error:
        load_spec(tmp_path / "dir.yaml")
    assert only_message(error).endswith("dir.yaml: is a directory, not a spec file")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as error:
        load_spec(tmp_path / "nope.yaml")
    assert only_message(error).endswith("nope.yaml: no such file")


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "spec.txt"
    path.write_text("name: x\n")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert only_message(error).endswith(
        "spec.txt: unknown spec format '.txt' (use .yaml, .yml, .json, .toml)"
    )


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * MAX_SPEC_BYTES + "\n")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert only_message(error).endswith(f"big.yaml: spec is larger than {MAX_SPEC_BYTES} bytes")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert only_message(error).endswith("latin.yaml: not UTF-8 text (byte 9)")


def test_deep_nesting_is_refused() -> None:
    text = "a: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(SpecError) as error:
        load_text(text, "f.yaml", "yaml")
    assert "nested deeper than 32 levels" in only_message(error)


def test_too_many_yaml_values_stop_the_parser_early(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted while PyYAML composes nodes, so the rest of the file is never composed.
    # (Counted, not timed: a busy machine makes any time limit flaky.)
    monkeypatch.setattr(load, "MAX_NODES", 1000)
    composed = 0
    compose_node = load._Limits.compose_node

    def counted(self: Any, parent: Any, index: Any) -> Any:
        nonlocal composed
        composed += 1
        return compose_node(self, parent, index)

    monkeypatch.setattr(load._Limits, "compose_node", counted)
    text = "a: [" + ",".join(["1"] * 300_000) + "]\n"
    with pytest.raises(SpecError) as error:
        load_text(text, "f.yaml", "yaml")
    assert only_message(error) == "f.yaml:1:1999: more than 1000 values"
    # libyaml's reader and then PyYAML's (whose positions the message gives) each stop at
    # the 1,001st value, of the 300,002 in the file.
    assert composed <= 2 * 1001


@pytest.mark.parametrize(
    "text",
    ["a: !!set {x, y}\n", "a: !!omap [x: 1]\n", "a: !!python/tuple [1, 2]\n", "a: !!map {x: 1}\n"],
)
def test_tagged_lists_and_mappings_are_refused_unless_plain(text: str) -> None:
    if "!!map" in text:
        assert load_text(text, "f.yaml", "yaml").data == {"a": {"x": 1}}
        return
    with pytest.raises(SpecError) as error:
        load_text(text, "f.yaml", "yaml")
    assert "is not allowed here" in only_message(error)


def test_loaded_data_is_plain_json_like() -> None:
    text = "a: [1, 1.5, true, null, x, {b: c}]\n"
    for loaded in (
        load_text(text, "f.yaml", "yaml"),
        load_text('{"a": [1, 1.5, true, null, "x", {"b": "c"}]}', "f.json", "json"),
    ):
        assert loaded.data == {"a": [1, 1.5, True, None, "x", {"b": "c"}]}
        assert [type(v) for v in loaded.data["a"]] == [int, float, bool, type(None), str, dict]


def test_toml_lines_count_only_newlines() -> None:
    # A TOML string may hold U+2028 or U+0085 raw; they do not end a line.
    with pytest.raises(SpecError) as error:
        load_text('a = "x\u2028y\x85z"\nb = nan\n', "f.toml", "toml")
    assert only_message(error) == "f.toml:2:1: b: NaN is not allowed (write a finite number)"


TRICKY_YAML = [
    "a: &x [1, 2]\nb: *x\n",
    "name: 'q''uote'\ndescription: |\n  two\n  lines\nother: >-\n  folded\n  text\n",
    'é: "\\u00e9 \\U0001F600 😀"\nkey with spaces: [a, {b: c}]\n',
    "a:\r\n  - 1\r\n  - 2.5\r\n  - null\r\n  - true\r\n  - 0x1F\r\n",
    "# comment\n---\na: 1  # trailing\n...\n",
    "? complex\n: value\n'quoted key': \"v\"\nempty:\nlist: []\n",
    "a: [1e-6, -2E+5, '1e-6', 1e, e5, 1.5e-3]\n",
]


def _both(text: str) -> tuple[load.LoadedSpec, load.LoadedSpec]:
    quick = load._build_yaml(load._QuickSpecLoader(text, "f.yaml"), "f.yaml")
    plain = load._build_yaml(load._SpecLoader(text, "f.yaml"), "f.yaml")
    return quick, plain


@pytest.mark.skipif(not load._LIBYAML, reason="PyYAML without libyaml")
@pytest.mark.parametrize(
    "text",
    TRICKY_YAML
    + [
        path.read_text(encoding="utf-8")
        for path in sorted(Path(load.__file__).parent.glob("presets/*.yaml"))
    ],
)
def test_libyaml_reads_what_pure_python_pyyaml_reads(text: str) -> None:
    quick, plain = _both(text)
    assert quick.data == plain.data
    assert quick.positions == plain.positions


@pytest.mark.skipif(not load._LIBYAML, reason="PyYAML without libyaml")
def test_yaml_is_read_by_libyaml_when_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("read by pure-Python PyYAML")

    monkeypatch.setattr(load, "_SpecLoader", refuse)
    assert load_text("a: [1, 2]\n", "f.yaml", "yaml").data == {"a": [1, 2]}
    with pytest.raises(AssertionError):  # a file libyaml fails on is read again, for the message
        load_text("a: [1, 2\n", "f.yaml", "yaml")


def test_a_float_written_without_a_dot_is_a_number() -> None:
    # keras-io writes epsilon=1e-6; YAML 1.1 alone would read the text "1e-6"
    data = load_text("a: [1e-6, -2E+5, 1_0e1, '1e-6', 1e, e5]\n", "f.yaml", "yaml").data
    assert data["a"] == [1e-06, -200000.0, 100.0, "1e-6", "1e", "e5"]
    assert [type(item) for item in data["a"][:3]] == [float, float, float]
