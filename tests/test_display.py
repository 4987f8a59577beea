"""Messages quote spec values short, on one printable line, whatever the spec holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.display import show_value
from generator.errors import Problem, SpecError
from generator.pipeline import check_loaded
from generator.spec.fields import format_path
from generator.spec.load import LoadedSpec


def test_plain_keys_read_as_dotted_paths() -> None:
    assert format_path(("layers", 3, "inputs")) == "layers[3].inputs"
    assert format_path(("training", "loss", "probs")) == "training.loss.probs"


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("a\nb", "['a\\nb']"),
        ("1", "['1']"),
        ("two words", "['two words']"),
        ("\u2028", "['\\u2028']"),
        ("k" * 200, "['" + "k" * 76 + "...]"),
    ],
)
def test_other_keys_are_quoted_and_short(key: str, shown: str) -> None:
    assert format_path(("layers", 0, key)) == f"layers[0]{shown}"


def test_show_never_fails_and_never_spans_lines() -> None:
    assert show_value("x" * 100) == "'" + "x" * 36 + "..."
    assert show_value(10**5000) == "an integer of more than 38 digits"
    assert show_value([10**5000]) == "a list too large to show"
    assert show_value("a\rb\x85c\u2029") == "'a\\rb\\x85c\\u2029'"


def test_render_escapes_anything_unprintable() -> None:
    line = Problem("bad \x1b[31mred\x1b[0m", ("a\nb",), "spec\n.yaml", 1, 2).render()
    assert line == "spec\\n.yaml:1:2: ['a\\nb']: bad \\x1b[31mred\\x1b[0m"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"name": "m1", "\n": 1},
            "f.json: ['\\n']: unknown field '\\n' (allowed: blocks, description, inputs,"
            " inputs_as, layers, merge_style, name, outputs, outputs_as, training)",
        ),
        (
            {"name": "m1", "layers": [{"name": "a", "type": "T" * 1000}]},
            "f.json: layers[0].type: unknown layer type '"
            + "T" * 76
            + "... (see the README's layer table)",
        ),
        (
            {"name": "m1", "layers": [{"name": "a", "type": "Flatten", "\u2028": 1}]},
            "f.json: layers[0]['\\u2028']: unknown argument '\\u2028' for Flatten"
            " (allowed: name, type, inputs, data_format)",
        ),
    ],
)
def test_hostile_keys_and_values_give_one_short_line(data: dict, expected: str) -> None:
    data = {"inputs": [{"name": "features", "shape": [3]}], "layers": [], **data}
    with pytest.raises(SpecError) as error:
        check_loaded(LoadedSpec("f.json", data), Path("f.json"))
    lines = [problem.render() for problem in error.value.problems]
    assert expected in lines
    for line in lines:
        assert len(line.splitlines()) == 1 and line.isprintable()


def test_cli_errors_are_printable_even_for_odd_output_paths(cli, spec_file) -> None:
    name = spec_file()
    (Path.cwd() / "a\nfile").write_text("x")
    result = cli("generate", name, "-o", "a\nfile/")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: a\\nfile/small.py: cannot write: Not a directory (nothing written)\n"
    )
