"""keras_name templates on block layers: checks, expansion, the f-string, hostile text."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.arithmetic import ExpressionError
from generator.analysis.name_template import parse_template
from generator.codegen.code import Code, InternalError, formatted
from generator.errors import SpecError
from generator.pipeline import CheckedSpec, check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.names import keras_name_problem
from tests.hostile import HOSTILE

SPEC: dict[str, Any] = {
    "name": "cells",
    "inputs": [{"name": "image", "shape": [8]}],
    "blocks": {
        "cell": {
            "inputs": ["x"],
            "params": ["act", "n"],
            "layers": [
                {"name": "dense", "type": "Dense", "units": 4, "keras_name": "dense_{$n}"},
                {"name": "relu", "type": "Activation", "activation": "relu",
                 "keras_name": "activation_{$act + 1}"},
                {"name": "plain", "type": "Dense", "units": 4},
            ],
        }
    },
    "layers": [
        {"name": "c1", "block": "cell", "act": 3, "n": 1},
        {"name": "c2", "block": "cell", "act": 5, "n": 2},
    ],
}  # fmt: skip


def _check(data: dict[str, Any]) -> CheckedSpec:
    return check_loaded(LoadedSpec("t.json", data), Path("t.json"))


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        _check(data)
    return [problem.render() for problem in caught.value.problems]


def _spec(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SPEC)
    for key, value in changes.items():
        data["blocks"]["cell"]["layers"][1][key] = value
    return data


def test_templates_expand_per_call_and_others_keep_call_prefixes() -> None:
    names = [layer.name for layer in _check(SPEC).graph.layers]
    assert names == ["dense_1", "activation_4", "c1_plain", "dense_2", "activation_6", "c2_plain"]


def test_the_block_function_writes_an_f_string_over_its_parameters() -> None:
    source = generate(_check(SPEC), script_name="p.py")
    assert 'name=f"dense_{n}"' in source
    assert 'name=f"activation_{act + 1}"' in source
    assert 'name=f"{name}_plain"' in source
    assert "def cell(x, act, n, *, name):" in source
    assert 'c1 = cell(image, act=3, n=1, name="c1")' in source


def test_a_block_whose_every_layer_is_templated_takes_no_name() -> None:
    data = copy.deepcopy(SPEC)
    data["blocks"]["cell"]["layers"][2]["keras_name"] = "plain_{$n}"
    source = generate(_check(data), script_name="p.py")
    assert "def cell(x, act, n):" in source
    assert "c1 = cell(image, act=3, n=1)" in source
    assert [layer.name for layer in _check(data).graph.layers][:3] == [
        "dense_1", "activation_4", "plain_1"
    ]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("activation_{$act / 2}", "must give integers"),
        ("activation_{$nope}", "unknown parameter 'nope'"),
        ("activation", "holds no {...} part"),
        ("act{ivation_{$act}", "outside a {...} part"),
        ("act}_{$act}", "outside a {...} part"),
        ("act ion_{$act}", "outside a {...} part"),
        ("a_{$act ** 2}", "is not allowed"),
        ("a_{__import__('os')}", "is not allowed"),
    ],
)
def test_a_bad_template_is_refused_at_the_field(template: str, message: str) -> None:
    lines = _problems(_spec(keras_name=template))
    at_field = [line for line in lines if "blocks.cell.layers[1].keras_name" in line]
    assert at_field and all(message in line for line in at_field), lines
    # Besides: one line per call for a value, or $act left unused by the template.
    assert len(lines) <= 2, lines


def test_a_name_two_calls_give_alike_is_taken_once() -> None:
    data = copy.deepcopy(SPEC)
    data["layers"][1]["n"] = 1
    lines = _problems(data)
    assert len(lines) == 1 and "'dense_1' is already taken" in lines[0], lines


def test_a_too_long_expanded_name_is_refused() -> None:
    lines = _problems(_spec(keras_name="a" * 62 + "_{$act * 1000}"))
    assert "longer than 64" in lines[0], lines


def test_keras_name_is_refused_at_the_top_level_in_model_blocks_and_in_shared_calls() -> None:
    top = copy.deepcopy(SPEC)
    top["layers"].append({"name": "d", "type": "Dense", "units": 1, "keras_name": "d_{$n}"})
    assert "layers[2].keras_name" in _problems(top)[0]
    model = copy.deepcopy(SPEC)
    model["blocks"]["cell"]["model"] = True
    assert any("keras_name is for plain blocks" in line for line in _problems(model))
    shared = copy.deepcopy(SPEC)
    shared["layers"].append({"name": "c3", "share": "c2"})
    lines = _problems(shared)
    assert len(lines) == 1 and "layers[2].share" in lines[0] and "keras_name" in lines[0]


def test_a_parameter_used_only_in_a_template_is_used() -> None:
    assert _check(SPEC).spec.blocks["cell"].param_names == ["act", "n"]


def test_parse_template_splits_texts_and_expressions() -> None:
    template = parse_template("a_{$n}_b{$n * 2 + 1}", ["n"])
    assert template.texts == ("a_", "_b", "")
    assert template.expand({"n": 3}) == "a_3_b7"
    with pytest.raises(ExpressionError):
        parse_template("{" * 300, ["n"])


def test_formatted_doubles_braces_and_quotes_literal_text_and_refuses_code_fields() -> None:
    code = formatted(["a{b}'\"\\", "\n"], [Code("n + 1")])
    assert eval(code, {"n": 2}) == "a{b}'\"\\3\n"  # noqa: S307 - made here, checked literal
    for field in ["n}", "n!r", "n:>9", "'x'", "n\\", "f(n)[0]"]:
        with pytest.raises(InternalError):
            formatted(["a", ""], [Code(field)])
    with pytest.raises(InternalError):
        formatted(["a", ""], ["n"])  # type: ignore[list-item]


def _template_nodes(source: str) -> list[ast.JoinedStr]:
    tree = ast.parse(source)
    return [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]


@pytest.mark.slow
def test_every_hostile_value_in_a_template_is_refused_or_a_plain_f_string() -> None:
    accepted = 0
    for value in HOSTILE:
        for form in [f"a_{{$act}}{value}", f"{value}_{{$act}}", f"a_{{{value}}}_{{$act}}",
                     f"a_{{$act + {value}}}"]:  # fmt: skip
            try:
                checked = _check(_spec(keras_name=form))
            except SpecError as error:
                for problem in error.problems:
                    line = problem.render()
                    assert len(line.splitlines()) == 1 and line.isprintable(), line
                continue
            accepted += 1
            source = generate(checked, script_name="p.py")
            for node in _template_nodes(source):
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        assert part.conversion == -1 and part.format_spec is None
                        for inner in ast.walk(part.value):
                            assert isinstance(
                                inner,
                                ast.BinOp
                                | ast.UnaryOp
                                | ast.Name
                                | ast.Constant
                                | ast.Load
                                | ast.operator
                                | ast.unaryop,
                            ), ast.dump(part.value)
                            assert not isinstance(inner, ast.Name) or inner.id in (
                                "act", "n", "name",
                            )  # fmt: skip
                    else:
                        assert isinstance(part, ast.Constant)
                        assert keras_name_problem(part.value.strip("_") or "x") is None
    assert accepted > 0


def test_a_template_may_not_give_a_block_calls_name() -> None:
    own = copy.deepcopy(SPEC)
    own["layers"][0]["name"] = "activation_4"  # its own relu's name: the call's output
    own["layers"][1]["inputs"] = "activation_4"
    lines = _problems(own)
    assert len(lines) == 1 and "keras_name" in lines[0] and "a block call" in lines[0], lines
    later = copy.deepcopy(SPEC)
    later["layers"][1]["name"] = "dense_1"  # the first call's dense layer
    lines = _problems(later)
    assert len(lines) == 1 and "'dense_1' is already taken" in lines[0], lines
