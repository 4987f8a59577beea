"""Errors show the spec line with a caret; colour only on a terminal and never under NO_COLOR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from generator.cli.messages import print_problems, problem_lines, use_colour
from generator.errors import Problem


def test_the_offending_line_with_a_caret_under_the_column(cli, spec_file) -> None:
    from tests.conftest import VALID_SPEC

    name = spec_file(VALID_SPEC.replace("inputs: [left, right]", "inputs: [left, rigth]"))
    result = cli("validate", name)
    assert result.stderr.splitlines() == [
        "error: spec.yaml:9:39: layers[2].inputs: unknown layer 'rigth' (did you mean 'right'?)",
        "    9 |   - {name: merged, type: Concatenate, inputs: [left, rigth]}",
        "      |                                       ^",
    ]
    assert "\033[" not in result.stderr  # piped: no colour


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_unless_no_color(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: x\nlayers: 3\n")
    problem = Problem("expected a list", ("layers",), str(spec), 2, 9)
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = Terminal()
    assert use_colour(terminal)
    print_problems((problem,), terminal)
    assert "\033[1;31merror:\033[0m" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())
    assert not use_colour(io.StringIO())


def test_excerpts_are_printable_and_aligned(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_bytes(b"name: x\n\tlayers: \x1b[31mred\x07 [\n")
    lines = problem_lines(Problem("bad", (), str(spec), 2, 10), colour=False)
    assert (
        lines[1]
        == "    2 |     layers: \N{REPLACEMENT CHARACTER}[31mred\N{REPLACEMENT CHARACTER} ["
    )
    assert lines[2].index("^") - lines[2].index("|") - 2 == len("    layers: ")
    assert all(char.isprintable() for line in lines for char in line)


def test_long_lines_are_cut_around_the_column(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    spec.write_text('{"name": "' + "x" * 500 + '", "oops": 1}\n')
    lines = problem_lines(Problem("unknown field", ("oops",), str(spec), 1, 514), colour=False)
    assert len(lines[1]) <= 110
    assert lines[1][lines[2].index("^")] == '"'


def test_no_excerpt_without_a_line(tmp_path: Path) -> None:
    assert problem_lines(Problem("no such file", (), "missing.yaml"), colour=False) == [
        "error: missing.yaml: no such file"
    ]


# (word, candidates, expected suggestions): real typos get one, lookalikes none.
_CLOSE_PAIRS = [
    ("Conv2d", "catalog", ["Conv2D"]),
    ("lstm", "catalog", ["LSTM"]),
    ("Concatinate", "catalog", ["Concatenate"]),
    ("Dropuot", "catalog", ["Dropout"]),
    ("Dens", "catalog", ["Dense"]),
    ("Sampling", "catalog", []),
    ("Pooling2D", "catalog", []),
    ("BatchNorm", "catalog", []),
    ("filter", "Conv2D", ["filters"]),
    ("kernal_size", "Conv2D", ["kernel_size"]),
    ("kernal_sise", "Conv2D", ["kernel_size"]),
    ("stride", "Conv2D", ["strides"]),
    ("activaton", "Dense", ["activation"]),
    ("unit", "Dense", ["units"]),
    ("stateful", "LSTM", []),  # Keras has it; the catalog does not
    ("recurent_dropuot", "LSTM", ["recurrent_dropout"]),
    ("kernel", "Conv2D", ["kernel_size", "kernel_constraint", "kernel_initializer"]),
]


@pytest.mark.parametrize(("word", "among", "expected"), _CLOSE_PAIRS)
def test_did_you_mean_only_when_genuinely_close(word: str, among: str, expected: list[str]) -> None:
    from generator.analysis.catalog import CATALOG
    from generator.errors import close_matches

    candidates = list(CATALOG) if among == "catalog" else list(CATALOG[among].args)
    assert close_matches(word, candidates) == expected


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        (
            "inception",
            ["resnet_block", "inception_v1", "inception_cnn"],
            ["inception_v1", "inception_cnn"],
        ),
        ("lable", ["label", "value"], ["label"]),
        ("x", ["y", "z"], []),
        ("", ["a_b"], []),
        ("Dense", ["dense", "Dense2"], ["dense"]),
    ],
)
def test_close_matches_rules(word: str, candidates: list[str], expected: list[str]) -> None:
    from generator.errors import close_matches

    assert close_matches(word, candidates) == expected


def test_edit_distance_counts_a_swap_as_one() -> None:
    from generator.errors import edit_distance

    assert [
        edit_distance(*pair) for pair in [("ab", "ba"), ("", "abc"), ("kitten", "sitting")]
    ] == [1, 3, 3]
