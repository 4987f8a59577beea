"""Loading YAML, JSON and TOML with positions; malformed files fail cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.load import MAX_SPEC_BYTES, Position, load_spec, load_text


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
        ('{"a": 1, "a": 2}', "json", "f.json: malformed JSON: duplicate key 'a'"),
        ('{"a": NaN}', "json", "f.json: malformed JSON: NaN is not allowed"),
        ('{"a": 1e999}', "json", "f.json: malformed JSON: number 1e999 is out of range"),
        ("a = \n", "toml", "f.toml:1:5: malformed TOML: Invalid value"),
        ("a = nan\n", "toml", "f.toml: malformed TOML: number nan is not allowed"),
    ],
)
def test_malformed_text_is_one_located_problem(text: str, suffix: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        load_text(text, f"f.{suffix}", suffix)
    assert only_message(error) == message


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert "more than 100000 values (are aliases expanding?)" in only_message(error)


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
