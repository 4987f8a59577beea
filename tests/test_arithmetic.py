"""Arithmetic over block parameters: the evaluator, its code, and the specs that use it."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.analysis.arithmetic import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    is_expression,
    parse,
)
from generator.codegen.code import identifier, literal
from generator.errors import SpecError
from generator.pipeline import check, check_loaded, generate
from generator.spec.load import load_text
from generator.spec.values import MAX_INT, MIN_INT
from tests.keras.keras_builder import evaluate

RESNET50 = Path(__file__).resolve().parent / "specs" / "resnet50.yaml"

PARAMS = ["filters", "growth", "k", "rate"]
VALUES: dict[str, Any] = {"filters": 64, "growth": 32, "k": 3, "rate": 0.5}


@pytest.mark.parametrize(
    ("text", "value", "python"),
    [
        ("$filters * 4", 256, "filters * 4"),
        ("$growth * ($k + 1)", 128, "growth * (k + 1)"),
        ("($k + 1) * $growth", 128, "(k + 1) * growth"),
        ("$filters // 3", 21, "filters // 3"),
        ("$filters % 10", 4, "filters % 10"),
        ("$filters / 2", 32.0, "filters / 2"),
        ("$filters - $k - 1", 60, "filters - k - 1"),
        ("$filters - ($k - 1)", 62, "filters - (k - 1)"),
        ("-$k * 2", -6, "-k * 2"),
        ("-($k * 2)", -6, "-(k * 2)"),
        ("--$k", 3, "-(-k)"),
        ("$k * -2", -6, "k * -2"),
        ("$rate * 0.2", 0.1, "rate * 0.2"),
        ("$k * 1e-3", 0.003, "k * 0.001"),
        ("$k * 0x10", 48, "k * 16"),
        ("  $k  +  1  ", 4, "k + 1"),
        ("(((($k))))", 3, "k"),
        ("-7 // $k", -3, "-7 // k"),
        ("-7 % $k", 2, "-7 % k"),
    ],
)
def test_allowed_forms_evaluate_as_python_does(text: str, value: Any, python: str) -> None:
    expression = parse(text, PARAMS)
    result = expression.evaluate(VALUES)
    assert result == value and type(result) is type(value)
    assert expression.python(identifier, literal) == python


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$filter * 4", "unknown parameter 'filter' in \"$filter * 4\" (did you mean 'filters'?)"),
        ("$width * 4", "unknown parameter 'width' in \"$width * 4\" (parameters: filters, growth"),
        (
            "filters * 4",
            'unknown name \'filters\' in "filters * 4" (write a parameter as "$filters")',
        ),
        ("$k + _k", 'unknown name \'_k\' in "$k + _k" (write a parameter as "$k")'),
        ("$k$k", "unknown name '$k$k'"),
        ("$k ** 2", '** is not allowed in "$k ** 2"'),
        ("$k @ 2", "'@' is not allowed in an expression"),
        ("$k()", 'calls are not allowed in "$k()"'),
        ("abs($k)", 'calls are not allowed in "abs($k)"'),
        ("$k.real", 'attributes are not allowed in "$k.real"'),
        ("$k[0]", "'[' is not allowed in an expression"),
        ("'a' * $k", '"\'" is not allowed in an expression'),
        ("$k if $k else 1", "ifexp is not allowed"),
        ("$k and 1", "boolop is not allowed"),
        ("not $k", 'only unary minus is allowed in "not $k"'),
        ("+$k", 'only unary minus is allowed in "+$k"'),
        ("~$k", "'~' is not allowed in an expression"),
        ("$k < 1", "'<' is not allowed in an expression"),
        ("$k * 1j", '1j is not a number in "$k * 1j"'),
        ("True * $k", 'True is not a number in "True * $k"'),
        ("None * $k", 'None is not a number in "None * $k"'),
        ("$k * 1e999", 'inf in "$k * 1e999" is too large for a float'),
        ("$k * 2147483648", '2147483648 in "$k * 2147483648" is out of range'),
        ("$1 + 1", "'$' at column 1 of \"$1 + 1\" starts no parameter name"),
        ("$k + $", "'$' at column 6 of \"$k + $\" starts no parameter name"),
        ("$k +", '"$k +" is not a valid expression'),
        ("$k\n+ 1", "'\\n' is not allowed in an expression"),
        ("$k; import os", "';' is not allowed in an expression"),
        ("$k # comment", "'#' is not allowed in an expression"),
        ("lambda: $k", "':' is not allowed in an expression"),
        ("$k * " + "1 + " * 60 + "1", f"longer than {MAX_LENGTH} characters"),
        ("$k+" * 40 + "1", "more than 64 numbers, names and operators"),
        ("-" * 40 + "$k", f"nests operations deeper than {MAX_DEPTH}"),
    ],
)
def test_refused_forms_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        parse(text, PARAMS)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        (
            "$filters // $k",
            {"k": 0},
            'division by zero in "$filters // $k" ($filters = 64, $k = 0)',
        ),
        ("$filters / ($k - 3)", {}, "division by zero"),
        ("$filters % $rate", {"rate": 0.0}, "division by zero"),
        ("$filters * $growth", {"growth": 2**30}, "is out of range (integers must lie between"),
        ("-$k", {"k": MIN_INT}, "is out of range"),
        ("$rate * $rate", {"rate": 1e200}, "too large for a float"),
        ("$rate // 1e-300", {"rate": 1e300}, "too large for a float"),
        ("$k * 2", {"k": "wide"}, "$k is 'wide', not a number, in \"$k * 2\""),
        ("$k * 2", {"k": True}, "$k is True, not a number"),
        ("$k * 2", {"k": [1, 2]}, "$k is [1, 2], not a number"),
    ],
)
def test_evaluation_refuses_what_no_32_bit_keras_argument_can_be(
    text: str, values: dict[str, Any], message: str
) -> None:
    expression = parse(text, PARAMS)
    with pytest.raises(ExpressionError) as error:
        expression.evaluate({**VALUES, **values})
    assert message in str(error.value)


def test_only_strings_with_a_dollar_beyond_a_bare_name_are_expressions() -> None:
    assert is_expression("$k * 2") and is_expression("(1 + $k)") and is_expression("$k ")
    assert not any(is_expression(value) for value in ["$k", "same", "4 * 2", 4, None, ["$k*2"]])


# Random well-formed expressions: the evaluator and the emitted code agree with Python -------

NAMES = st.sampled_from(PARAMS[:3])
NUMBERS = st.one_of(st.integers(0, 1000), st.floats(0, 1e6, allow_nan=False, allow_infinity=False))
OPERATORS = st.sampled_from(["+", "-", "*", "/", "//", "%"])


def _tree(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.one_of(NAMES.map(lambda name: ("name", name)), NUMBERS.map(lambda n: ("num", n)))
    if depth == 0:
        return leaf
    smaller = _tree(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.just("neg"), smaller),
        st.tuples(st.just("bin"), OPERATORS, smaller, smaller),
    )


def _text(tree: Any) -> str:
    """Fully parenthesised spec text; random spacing is not the point here."""
    kind = tree[0]
    if kind == "name":
        return f"${tree[1]}"
    if kind == "num":
        return repr(tree[1])
    if kind == "neg":
        return f"-({_text(tree[1])})"
    return f"({_text(tree[2])} {tree[1]} {_text(tree[3])})"


def _reference(tree: Any, values: dict[str, Any]) -> Any:
    """Python's own value, or None where a step leaves what the evaluator allows."""
    kind = tree[0]
    if kind == "name":
        return values[tree[1]]
    if kind == "num":
        return tree[1]
    parts = [_reference(part, values) for part in tree[1 if kind == "neg" else 2 :]]
    if any(part is None for part in parts):
        return None
    try:
        result = (
            -parts[0] if kind == "neg" else eval(f"a {tree[1]} b", {"a": parts[0], "b": parts[1]})
        )
    except (ZeroDivisionError, OverflowError):
        return None
    if type(result) is int and not MIN_INT <= result <= MAX_INT:
        return None
    if type(result) is float and not math.isfinite(result):
        return None
    return result


@settings(max_examples=300, deadline=None)
@given(_tree(4), st.fixed_dictionaries({name: st.integers(-50, 50) for name in PARAMS[:3]}))
def test_evaluation_and_emitted_code_equal_python(tree: Any, values: dict[str, int]) -> None:
    text = _text(tree)
    if "$" not in text or len(text) > MAX_LENGTH:
        return
    expression = parse(text, PARAMS)
    expected = _reference(tree, values)
    if expected is None:
        with pytest.raises(ExpressionError):
            expression.evaluate(values)
        return
    result = expression.evaluate(values)
    assert type(result) is type(expected)
    assert result == expected
    code = expression.python(identifier, literal)
    assert {type(node) for node in ast.walk(ast.parse(code, mode="eval"))} <= {
        ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    }  # fmt: skip
    emitted = eval(code, {"__builtins__": {}}, dict(values))
    assert type(emitted) is type(result) and emitted == result


@settings(max_examples=200, deadline=None)
@given(_tree(4), st.fixed_dictionaries({name: st.integers(-50, 50) for name in PARAMS[:3]}))
def test_the_keras_builder_evaluates_as_the_generator_does(
    tree: Any, values: dict[str, int]
) -> None:
    """tests/keras/keras_builder.py has its own parser; the differential tests rely on it."""
    text = _text(tree)
    if "$" not in text or len(text) > MAX_LENGTH or _reference(tree, values) is None:
        return
    ours = parse(text, PARAMS).evaluate(values)
    theirs = evaluate(text, values)
    assert type(theirs) is type(ours) and theirs == ours


# Specs that use expressions -------------------------------------------------------------------

BOTTLENECK = """\
name: bottleneck_net
inputs:
  - {name: image, shape: [8, 8, 3]}
blocks:
  bottleneck:
    params: [filters, stride]
    defaults: {stride: 1}
    layers:
      - {name: reduce, type: Conv2D, filters: $filters, kernel_size: 1, strides: $stride}
      - {name: conv, type: Conv2D, filters: $filters, kernel_size: [3, "$stride + 2"], padding: same}
      - {name: expand, type: Conv2D, filters: "$filters * 4", kernel_size: 1}
      - {name: shortcut, type: Conv2D, inputs: x, filters: "$filters * 4", kernel_size: 1, strides: $stride}
      - {name: add, type: Add, inputs: [expand, shortcut]}
  stage:
    params: [width]
    layers:
      - {name: first, block: bottleneck, filters: "$width // 2", stride: 2}
      - {name: second, block: bottleneck, filters: "$width // 2"}
layers:
  - {name: conv2, block: bottleneck, inputs: image, filters: 4}
  - {name: conv3, block: stage, width: 16}
  - {name: pool, type: GlobalAveragePooling2D}
  - {name: out, type: Dense, units: 2, activation: softmax}
"""


def _checked(text: str):
    loaded = load_text(text, "net.yaml", "yaml")
    return check_loaded(loaded, Path("net.yaml"))


def _errors(text: str) -> list[str]:
    with pytest.raises(SpecError) as error:
        _checked(text)
    return [problem.render() for problem in error.value.problems]


def _conv(inputs: int, filters: int, kernel: int) -> int:
    return inputs * kernel * filters + filters


def test_expressions_give_each_call_its_own_sizes_and_keras_counts() -> None:
    graph = _checked(BOTTLENECK).graph
    assert graph.layer("conv2_expand").shape == (None, 8, 8, 16)
    assert graph.layer("conv3_first_expand").shape == (None, 4, 4, 32)
    assert graph.layer("conv3_second_conv").args["kernel_size"] == [3, 3]
    assert graph.layer("conv3_first_conv").args["kernel_size"] == [3, 4]
    first = (
        _conv(3, 4, 1) + _conv(4, 4, 3 * 3) + _conv(4, 16, 1) + _conv(3, 16, 1)
    )  # conv2: filters 4
    second = _conv(16, 8, 1) + _conv(8, 8, 3 * 4) + _conv(8, 32, 1) + _conv(16, 32, 1)
    third = _conv(32, 8, 1) + _conv(8, 8, 3 * 3) + _conv(8, 32, 1) + _conv(32, 32, 1)
    assert graph.total_params == first + second + third + (32 * 2 + 2)


def test_the_block_function_writes_the_expression_as_python() -> None:
    source = generate(_checked(BOTTLENECK))
    assert 'expand = layers.Conv2D(filters * 4, 1, name=f"{name}_expand")(conv)' in source
    assert "(3, stride + 2)," in source
    assert 'first = bottleneck(x, filters=width // 2, stride=2, name=f"{name}_first")' in source
    assert "$" not in source
    compile(source, "net.py", "exec")


def test_an_unknown_parameter_points_at_the_expression() -> None:
    text = BOTTLENECK.replace(
        'filters: "$filters * 4", kernel_size: 1}', 'filters: "$filter * 4", kernel_size: 1}'
    )
    line = text.splitlines().index(next(r for r in text.splitlines() if "$filter *" in r)) + 1
    column = text.splitlines()[line - 1].index('filters: "$filter') + 1  # the loader marks keys
    assert _errors(text) == [
        f"net.yaml:{line}:{column}: blocks.bottleneck.layers[2].filters: unknown parameter"
        " 'filter' in \"$filter * 4\" (did you mean 'filters'?)"
    ]


def test_a_syntax_error_inside_a_list_points_at_the_item() -> None:
    text = BOTTLENECK.replace('"$stride + 2"', '"$stride +"')
    (error,) = _errors(text)
    assert (
        'blocks.bottleneck.layers[1].kernel_size[1]: "$stride +" is not a valid expression' in error
    )


def test_a_division_by_zero_names_the_call_and_the_values() -> None:
    text = BOTTLENECK.replace(
        'filters: "$width // 2", stride: 2', 'filters: "$width // ($width - 16)", stride: 2'
    )
    (error,) = _errors(text)
    assert error.startswith("net.yaml:17:")
    assert error.endswith(
        'blocks.stage.layers[0].filters (conv3): division by zero in "$width // ($width - 16)"'
        " ($width = 16)"
    )


def test_a_float_where_keras_takes_an_int_is_the_usual_type_error() -> None:
    errors = _errors(BOTTLENECK.replace('"$filters * 4"', '"$filters / 2"'))
    assert "layers[0] (conv2) -> expand: filters: expected a positive integer, got 2.0" in errors[0]


def test_an_expression_counts_as_a_use_and_is_not_reported_twice() -> None:
    text = BOTTLENECK.replace(
        "filters: $filters, kernel_size: 1, strides: $stride}",
        'filters: "$filters + $nope", kernel_size: 1, strides: 1}',
    ).replace('kernel_size: [3, "$stride + 2"]', "kernel_size: 3")
    errors = _errors(text)
    assert len(errors) == 1 and "unknown parameter 'nope'" in errors[0], errors
    # stride is still used (by shortcut); a parameter used only in an expression counts too
    text = BOTTLENECK.replace("strides: $stride}", "strides: 1}")
    assert _checked(text).graph.layer("conv3_first_conv").args["kernel_size"] == [3, 4]


def test_a_string_parameter_in_arithmetic_is_refused_for_that_call() -> None:
    text = BOTTLENECK.replace(
        "{name: conv3, block: stage, width: 16}", "{name: conv3, block: stage, width: wide}"
    )
    assert _errors(text) == [
        "net.yaml:17:42: blocks.stage.layers[0].filters (conv3): $width is 'wide', not a number,"
        ' in "$width // 2"',
        "net.yaml:18:43: blocks.stage.layers[1].filters (conv3): $width is 'wide', not a number,"
        ' in "$width // 2"',
    ]


def test_expressions_inside_a_wrapped_layer() -> None:
    text = """\
name: wrapped
inputs: [{name: tokens, shape: [5, 3]}]
blocks:
  encoder:
    params: [units]
    layers:
      - {name: rnn, type: Bidirectional, layer: {type: LSTM, units: "$units * 2"}}
layers:
  - {name: enc, block: encoder, units: 3}
"""
    checked = _checked(text)
    assert checked.graph.layer("enc_rnn").shape == (None, 12)
    assert "layers.LSTM(units * 2)" in generate(checked)


def test_resnet50_written_with_arithmetic_has_keras_applications_total() -> None:
    """keras.applications.ResNet50(weights=None).count_params(); the keras tier builds both."""
    graph = check(RESNET50).graph
    assert graph.total_params == 25_636_712
    assert graph.layer("conv5_block3_expand_conv").shape == (None, 7, 7, 2048)


def test_an_expression_that_fails_for_one_call_is_one_error() -> None:
    text = """name: net
inputs: [{name: image, shape: [8, 8, 3]}]
blocks:
  unit:
    params: [width]
    layers:
      - {name: conv, type: Conv2D, filters: "$width // ($width - 16)", kernel_size: 1}
layers:
  - {name: ok, block: unit, width: 32}
  - {name: conv2, block: unit, width: 16}
"""
    assert _errors(text) == [
        "net.yaml:7:36: blocks.unit.layers[0].filters (conv2): division by zero in"
        ' "$width // ($width - 16)" ($width = 16)'
    ]
