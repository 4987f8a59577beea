"""Arithmetic over block parameters: `"$filters * 4"`, `"$growth * ($k + 1)"`.

Inside a block, a string argument that holds `$` is a parameter reference: a bare
`"$name"` stands for the parameter's value as it is (any type); anything longer is an
expression. Every parameter in it is written `$name`. Allowed: integer and float
literals, `+ - * / // %`, unary minus and parentheses, with Python's meaning (`/` gives a
float, `//` and `%` floor). Nothing else: no other names, calls, attributes, subscripts,
strings or comparisons. The text is parsed with `ast` after `$name` becomes `_name` (same
length, so every node's column still points into the original text) and checked against
an allow-list before anything reads it; the generated code is rebuilt from the checked tree.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from generator.display import show_value
from generator.errors import did_you_mean
from generator.records import record
from generator.spec.values import MAX_INT, MIN_INT

PARAM = re.compile(r"\$([A-Za-z][A-Za-z0-9_]*)\Z")  # a bare parameter: its value as it is
MAX_LENGTH = 200  # characters of one expression
MAX_NODES = 64  # numbers, parameters and operators
MAX_DEPTH = 32  # operators nested in one another
_PARAM_IN_TEXT = re.compile(r"\$([A-Za-z][A-Za-z0-9_]*)")
# Everything an allowed expression can be written with; the rest is refused before parsing.
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_$.+\-*/%() ]*\Z")

Number = int | float


@record
class _Op:
    symbol: str
    precedence: int  # Python's: + - bind looser than * / // %, unary minus tighter
    apply: Callable[[Any, Any], Any]


_BINARY: dict[type[ast.operator], _Op] = {
    ast.Add: _Op("+", 1, operator.add),
    ast.Sub: _Op("-", 1, operator.sub),
    ast.Mult: _Op("*", 2, operator.mul),
    ast.Div: _Op("/", 2, operator.truediv),
    ast.FloorDiv: _Op("//", 2, operator.floordiv),
    ast.Mod: _Op("%", 2, operator.mod),
}
_UNARY_PRECEDENCE = 3
_ATOM = 4


class ExpressionError(Exception):
    """Why an expression is refused; the message names the expression."""


@record
class Expression:
    """A checked expression: its text, its tree and the parameters it uses."""

    text: str
    tree: ast.expr
    params: tuple[str, ...]

    def evaluate(self, values: Mapping[str, Any]) -> Number:
        """The value for one call's parameters; ExpressionError when it has none."""
        return _evaluate(self, self.tree, values)

    def python(self, name_code: Callable[[str], str], number_code: Callable[[Any], str]) -> str:
        """Python over the parameters: names and numbers written by the given functions."""
        return _python(self.tree, name_code, number_code)


def is_expression(value: Any) -> bool:
    """A string that holds `$` and is more than a bare `$name`."""
    return type(value) is str and "$" in value and not PARAM.match(value)


def parse(text: str, params: Iterable[str]) -> Expression:
    """Check `text` against the allow-list and the block's parameters."""
    known = list(params)
    shown = show_value(text)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression {shown} is longer than {MAX_LENGTH} characters")
    bad = next((char for char in text if not _ALLOWED_CHARS.match(char)), None)
    if bad is not None:
        raise ExpressionError(
            f"{show_value(bad)} is not allowed in an expression ({shown}: numbers, $parameters,"
            " + - * / // %, parentheses)"
        )
    shown = f'"{text}"'  # only the allowed characters: nothing to escape
    dangling = re.search(r"\$(?![A-Za-z])", text)
    if dangling:
        raise ExpressionError(
            f"'$' at column {dangling.start() + 1} of {shown} starts no parameter name"
            ' (write a parameter as "$name")'
        )
    stripped = text.lstrip(" ")
    try:
        tree = ast.parse(stripped.replace("$", "_"), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ExpressionError(f"{shown} is not a valid expression") from None
    if sum(isinstance(node, ast.expr) for node in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"{shown} has more than {MAX_NODES} numbers, names and operators")
    used: list[str] = []
    _check(tree, stripped, known, used, 0)
    return Expression(text, tree, tuple(dict.fromkeys(used)))


def parameters_in(text: str) -> list[str]:
    """The `$name`s written in `text`, valid expression or not."""
    return list(dict.fromkeys(_PARAM_IN_TEXT.findall(text)))


def _check(node: ast.expr, text: str, known: list[str], used: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ExpressionError(f'"{text}" nests operations deeper than {MAX_DEPTH}')
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, text, known, used, depth + 1)
        _check(node.right, text, known, used, depth + 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check(node.operand, text, known, used, depth + 1)
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        _constant(node, f'"{text}"')
    elif isinstance(node, ast.Name):
        used.append(_parameter(node, text, known))
    else:
        raise ExpressionError(f'{_refused(node)} in "{text}" (allowed: {_ALLOWED})')


_ALLOWED = "numbers, $parameters, + - * / // %, unary minus, parentheses"


def _refused(node: ast.expr) -> str:
    if isinstance(node, ast.BinOp):
        symbol = {ast.Pow: "**", ast.MatMult: "@"}.get(type(node.op), "that operator")
        return f"{symbol} is not allowed"
    if isinstance(node, ast.UnaryOp):
        return "only unary minus is allowed"
    if isinstance(node, ast.Constant):
        return f"{show_value(node.value)} is not a number"
    if isinstance(node, ast.Call):
        return "calls are not allowed"
    if isinstance(node, ast.Attribute):
        return "attributes are not allowed"
    return f"{type(node).__name__.lower()} is not allowed"


def _parameter(node: ast.Name, text: str, known: list[str]) -> str:
    """The parameter a name stands for: it must be written `$name` and be declared."""
    start = node.col_offset
    written = text[start : start + len(node.id)]
    name = node.id[1:]
    if not written.startswith("$") or written != f"${name}" or not PARAM.match(written):
        bare = written.lstrip("_")
        hint = f' (write a parameter as "${bare}")' if bare in known else ""
        raise ExpressionError(f'unknown name {show_value(written)} in "{text}"{hint}')
    if name not in known:
        hint = did_you_mean(name, known) or (
            f" (parameters: {', '.join(known)})" if known else " (the block has no parameters)"
        )
        raise ExpressionError(f'unknown parameter {name!r} in "{text}"{hint}')
    return name


def _constant(node: ast.Constant, text: str) -> Number:
    value = node.value
    if type(value) is not int and type(value) is not float:
        raise AssertionError(f"unchecked constant {value!r}")  # _check admits no other
    return bounded(value, f"{value!r} in {text}")


def bounded(value: Number, what: str) -> Number:
    """Refuse ints beyond 32 bits and non-finite floats, as the spec's own numbers."""
    if type(value) is int and not MIN_INT <= value <= MAX_INT:
        raise ExpressionError(
            f"{what} is out of range (integers must lie between {MIN_INT} and {MAX_INT})"
        )
    if type(value) is float and not math.isfinite(value):
        raise ExpressionError(f"{what} is too large for a float")
    return value


def _evaluate(expression: Expression, node: ast.expr, values: Mapping[str, Any]) -> Number:
    text = f'"{expression.text}"'
    if isinstance(node, ast.Constant):
        return _constant(node, text)
    if isinstance(node, ast.Name):
        name = node.id[1:]
        value = values[name]
        if type(value) not in (int, float):
            raise ExpressionError(f"${name} is {show_value(value)}, not a number, in {text}")
        return bounded(value, f"${name} in {text}")
    if isinstance(node, ast.UnaryOp):
        return bounded(-_evaluate(expression, node.operand, values), f"a value in {text}")
    if isinstance(node, ast.BinOp):
        left = _evaluate(expression, node.left, values)
        right = _evaluate(expression, node.right, values)
        op = _BINARY[type(node.op)]
        if op.symbol in ("/", "//", "%") and right == 0:
            raise ExpressionError(f"division by zero in {text} ({_given(expression, values)})")
        try:
            result = op.apply(left, right)
        except OverflowError:
            result = math.inf
        return bounded(result, f"a value in {text} ({_given(expression, values)})")
    raise AssertionError(f"unchecked node {node!r}")  # parse() admits nothing else


def _given(expression: Expression, values: Mapping[str, Any]) -> str:
    """`$filters = 64, $k = 0`: the call's values, for a message."""
    return ", ".join(f"${name} = {show_value(values[name])}" for name in expression.params)


def _python(
    node: ast.expr, name_code: Callable[[str], str], number_code: Callable[[Any], str]
) -> str:
    """Python text from the checked tree, with only the parentheses precedence needs."""
    if isinstance(node, ast.Constant):
        return number_code(node.value)
    if isinstance(node, ast.Name):
        return name_code(node.id[1:])
    if isinstance(node, ast.UnaryOp):
        operand = _python(node.operand, name_code, number_code)
        if _precedence(node.operand) <= _UNARY_PRECEDENCE:
            operand = f"({operand})"
        return f"-{operand}"
    if isinstance(node, ast.BinOp):
        op = _BINARY[type(node.op)]
        left = _python(node.left, name_code, number_code)
        right = _python(node.right, name_code, number_code)
        if _precedence(node.left) < op.precedence:
            left = f"({left})"
        # Left-associative: a right operand of the same rank keeps its parentheses, so the
        # emitted tree is the written one (a - (b - c), and float sums keep their order).
        if _precedence(node.right) <= op.precedence:
            right = f"({right})"
        return f"{left} {op.symbol} {right}"
    raise AssertionError(f"unchecked node {node!r}")


def _precedence(node: ast.expr) -> int:
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)].precedence
    if isinstance(node, ast.UnaryOp):
        return _UNARY_PRECEDENCE
    return _ATOM
