"""Safe expressions: a layer computed with `keras.ops` from its named inputs and constants.

`compute: "abs(a - b)"` with `inputs: {a: left, b: right}` becomes
`keras.ops.abs(left - right)` in build_model(). The text is parsed with `ast` and checked
against a closed allow-list before anything reads it (as block arithmetic is, see
arithmetic.py): names are the layer's local input names, calls are the functions below,
numbers are finite; no attributes, subscripts, strings or other names. The script is
rebuilt from the checked tree, never pasted. Shapes follow Keras's broadcasting rules.
"""

from __future__ import annotations

import ast
import keyword
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.arithmetic import ExpressionError, bounded
from generator.analysis.layers.base import Args, LayerType, Output, Shape, ShapeError, show_shape
from generator.display import show_value
from generator.errors import did_you_mean
from generator.records import record

MAX_LENGTH = 400  # characters of one expression
MAX_NODES = 64  # numbers, names, operators and calls
MAX_DEPTH = 16  # operations nested in one another
LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Everything an allowed expression can be written with; the rest is refused before parsing.
_ALLOWED_CHARS = re.compile(r"[A-Za-z0-9_.+\-*/(), =]*\Z")

Number = int | float

UNARY = ("abs", "square", "sqrt", "exp", "log", "tanh", "sigmoid", "relu6")
REDUCTIONS = ("sum", "mean", "max", "min")
FUNCTIONS = (
    *UNARY, "clip", "minimum", "maximum", *REDUCTIONS, "expand_dims", "squeeze",
    "l2_normalize", "normal_like",
)  # fmt: skip
# keras.ops names where they differ from the expression's own.
KERAS_OPS = {"l2_normalize": "normalize"}
_SIGNATURES = {
    **{name: "(x)" for name in UNARY},
    "clip": "(x, low, high)",
    "minimum": "(a, b)",
    "maximum": "(a, b)",
    **{name: "(x, axis, keepdims=False)" for name in REDUCTIONS},
    "expand_dims": "(x, axis)",
    "squeeze": "(x, axis)",
    "l2_normalize": "(x, axis=-1)",
    "normal_like": "(x)",
}
ALLOWED = (
    "local input names, numbers, + - * / and ** with a constant exponent, unary minus,"
    f" parentheses, {', '.join(FUNCTIONS)}"
)

_BINARY: dict[type[ast.operator], tuple[str, int, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", 1, operator.add),
    ast.Sub: ("-", 1, operator.sub),
    ast.Mult: ("*", 2, operator.mul),
    ast.Div: ("/", 2, operator.truediv),
    ast.Pow: ("**", 4, operator.pow),
}
_UNARY_RANK = 3  # -x binds tighter than * but looser than **
_ATOM = 5
_MAX_POWER = 64  # an integer exponent beyond this only overflows, slowly


@record
class Node:
    """A checked expression node; `text` is its source, for messages."""

    text: str


@record
class Constant(Node):
    """A finite number (constant subexpressions are folded into one)."""

    value: Number


@record
class Local(Node):
    """One of the layer's inputs, by its local name."""

    name: str


@record
class Param(Node):
    """A block parameter, `$scale`: a number that each call of the block passes in."""

    name: str


@record
class Binary(Node):
    """`left op right`: + - * / between tensors and numbers, or ** with a number."""

    op: str
    left: Node
    right: Node


@record
class Negative(Node):
    """`-x`."""

    operand: Node


@record
class Call(Node):
    """An allowed function: tensor arguments, then the constant ones it takes."""

    function: str
    tensors: tuple[Node, ...]
    numbers: tuple[Number, ...] = ()  # clip's bounds
    axis: int | tuple[int, ...] | None = None
    keepdims: bool = False


@record
class TensorExpression:
    """A checked `compute` expression over the layer's local input names."""

    text: str
    tree: Node
    locals: tuple[str, ...]  # in the order of the layer's inputs

    @property
    def uses_normal_like(self) -> bool:
        """Whether the script needs its NormalLike layer class."""
        return any(
            isinstance(node, Call) and node.function == "normal_like" for node in _walk(self.tree)
        )

    def infer(self, shapes: Sequence[Shape]) -> Output:
        """The output shape for the inputs' shapes (in `locals` order); ShapeError if none."""
        bound = dict(zip(self.locals, shapes, strict=True))
        shape = _shape(self.tree, bound)
        if shape is None:
            raise AssertionError("a checked expression uses a tensor")
        return Output(shape)

    def python(
        self,
        tensor_code: Callable[[str], str],
        number_code: Callable[[Any], str],
        param_code: Callable[[str], str] | None = None,
    ) -> str:
        """Python over keras.ops: locals by `tensor_code`, numbers by `number_code`, and
        block parameters by `param_code`."""
        return _python(self.tree, tensor_code, number_code, param_code)


COMPUTE = "compute"  # the type a compute layer shows in tables and diagrams


@record
class ComputeType(LayerType):
    """A compute layer's expression, standing where a catalog layer type would."""

    expression: TensorExpression | None = None


def compute_type(expression: TensorExpression) -> ComputeType:
    """The layer type of one compute layer: no arguments, no weights, its expression's shape."""

    def infer(args: Args, shapes: Sequence[Shape]) -> Output:
        return expression.infer(shapes)

    return ComputeType(COMPUTE, {}, infer, expression=expression)


Params = Sequence[str] | Mapping[str, Any] | None  # a block's parameters, or a call's values
PARAM_TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
PARAM_PREFIX = "__param_"  # `$scale` is parsed as the name __param_scale


def parse(text: str, names: Sequence[str], params: Params = None) -> TensorExpression:
    """Check `text` against the allow-list with the local input `names`; ExpressionError.

    Inside a block, `params` are its parameters: `$scale` stays a Param for the block
    function's code; given a call's values instead, it becomes that call's number.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    stripped = text.strip(" ")
    substituted = stripped
    if params is not None:
        substituted = PARAM_TOKEN.sub(lambda found: PARAM_PREFIX + found.group(1), stripped)
    bad = next((char for char in substituted if not _ALLOWED_CHARS.match(char)), None)
    if bad is not None:
        raise ExpressionError(f"{show_value(bad)} is not allowed in an expression")
    try:
        tree = ast.parse(substituted, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ExpressionError(f'"{stripped}" is not a valid expression') from None
    if sum(isinstance(node, ast.expr) for node in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the expression has more than {MAX_NODES} names, numbers and calls")
    checked = _Checker(substituted, list(names), params).check(tree, 0)
    if _numeric(checked):
        raise ExpressionError(f'"{stripped}" uses none of the inputs')
    used = {node.name for node in _walk(checked) if isinstance(node, Local)}
    unused = [name for name in names if name not in used]
    if unused:
        raise ExpressionError(
            f'input {unused[0]!r} is not used in "{stripped}" (use it or remove it from inputs)'
        )
    return TensorExpression(stripped, checked, tuple(names))


def _numeric(node: Node) -> bool:
    """Whether a node is a number (constants and parameters only, no tensor)."""
    return not any(isinstance(item, Local) for item in _walk(node))


def _walk(node: Node) -> list[Node]:
    found = [node]
    if isinstance(node, Binary):
        found += _walk(node.left) + _walk(node.right)
    elif isinstance(node, Negative):
        found += _walk(node.operand)
    elif isinstance(node, Call):
        for item in node.tensors:
            found += _walk(item)
    return found


class _Checker:
    """The allow-list: turns a parsed tree into checked nodes, or raises ExpressionError."""

    def __init__(self, text: str, names: list[str], params: Params = None) -> None:
        self.text = text
        self.names = names
        self.params = params

    def source(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node)
        return _shown(segment if segment is not None else self.text)

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(_shown(f'{message} in "{self.text}"'))

    def param(self, name: str, text: str) -> Node:
        """`$name`: a Param of the block, or the number a call passes for it."""
        if self.params is None or name not in self.params:
            known = ", ".join(f"${item}" for item in self.params or ())
            raise self.fail(
                f"${name} is not a parameter of the block (parameters: {known or 'none'})"
            )
        if not isinstance(self.params, Mapping):
            return Param(text, name)
        value = self.params[name]
        if type(value) not in (int, float):
            raise self.fail(f"${name} is {show_value(value)}, not a number")
        return Constant(text, self.number(value, text))

    def check(self, node: ast.expr, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"operations nest deeper than {MAX_DEPTH}")
        text = self.source(node)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Constant(text, self.number(node.value, text))
        if isinstance(node, ast.Name) and node.id.startswith(PARAM_PREFIX):
            return self.param(node.id.removeprefix(PARAM_PREFIX), text)
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                hint = did_you_mean(node.id, self.names) or (f" (inputs: {', '.join(self.names)})")
                if node.id in FUNCTIONS:
                    hint = f" (call it: {node.id}{_SIGNATURES[node.id]})"
                raise self.fail(f"unknown name {node.id!r}{hint}")
            return Local(text, node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self.check(node.operand, depth + 1)
            if isinstance(operand, Constant):
                return Constant(text, self.number(-operand.value, text))
            return Negative(text, operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node, text, depth)
        if isinstance(node, ast.Call):
            return self.call(node, text, depth)
        raise self.fail(f"{_refused(node)} (allowed: {ALLOWED})")

    def number(self, value: Any, text: str) -> Number:
        if type(value) not in (int, float):
            raise self.fail(f"{text} is not a real number")
        try:
            return bounded(value, text)
        except ExpressionError as error:
            raise self.fail(str(error)) from None

    def binary(self, node: ast.BinOp, text: str, depth: int) -> Node:
        symbol, _, apply = _BINARY[type(node.op)]
        left = self.check(node.left, depth + 1)
        right = self.check(node.right, depth + 1)
        if symbol == "**" and not isinstance(right, Constant | Param):
            raise self.fail(f"{text}: ** takes a constant exponent")
        if symbol == "/" and isinstance(right, Constant) and right.value == 0:
            raise self.fail(f"{text} divides by zero")
        if isinstance(left, Constant) and isinstance(right, Constant):
            return Constant(text, self.fold(apply, left.value, right.value, text))
        return Binary(text, symbol, left, right)

    def fold(
        self, apply: Callable[[Any, Any], Any], left: Number, right: Number, text: str
    ) -> Number:
        if apply is operator.pow and type(right) is int and abs(left) > 1 and right > _MAX_POWER:
            raise self.fail(f"{text} is out of range")
        try:
            value = apply(left, right)
        except (ZeroDivisionError, OverflowError, ValueError):
            raise self.fail(f"{text} has no finite value") from None
        return self.number(value, text)

    def call(self, node: ast.Call, text: str, depth: int) -> Node:
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function not in FUNCTIONS:
            if function is None:
                raise self.fail("only the allowed functions can be called, by name")
            hint = did_you_mean(function, list(FUNCTIONS)) or f" (allowed: {', '.join(FUNCTIONS)})"
            raise self.fail(f"unknown function {function!r}{hint}")
        signature = f"{function}{_SIGNATURES[function]}"
        keywords = {item.arg: item.value for item in node.keywords}
        if any(name is None for name in keywords) or len(keywords) != len(node.keywords):
            raise self.fail(f"{text}: write the arguments of {signature} once each, by name")
        allowed = {"keepdims", "axis"} if function in REDUCTIONS else set()
        if function in ("expand_dims", "squeeze", "l2_normalize"):
            allowed = {"axis"}
        unknown = [name for name in keywords if name not in allowed]
        if unknown:
            raise self.fail(f"{text}: {function} takes no argument {unknown[0]!r} ({signature})")
        args = list(node.args)
        if "axis" in keywords:
            args.append(keywords["axis"])  # axis comes right after x in every signature
        count = {"clip": 3, "minimum": 2, "maximum": 2}.get(function, 1)
        takes_axis = function in (*REDUCTIONS, "expand_dims", "squeeze", "l2_normalize")
        if takes_axis:
            count = 2
        if function == "l2_normalize" and len(args) == 1:
            args.append(ast.Constant(-1))
        if len(args) != count:
            raise self.fail(f"{text}: expected {signature}, got {len(args)} argument(s)")
        first = self.check(args[0], depth + 1)
        if function in ("minimum", "maximum"):
            second = self.check(args[1], depth + 1)
            if _numeric(first) and _numeric(second):
                raise self.fail(f"{text}: {function} needs a tensor")
            return Call(text, function, (first, second))
        if _numeric(first):
            raise self.fail(f"{text}: the first argument of {signature} must use an input")
        if function == "clip":
            low, high = (self.constant(arg, depth) for arg in args[1:])
            if low > high:
                raise self.fail(f"{text}: the low bound {low!r} is above the high bound {high!r}")
            return Call(text, function, (first,), (low, high))
        if takes_axis:
            axis = self.axis(args[1], function, signature)
            keepdims = self.keepdims(keywords.get("keepdims"), signature)
            return Call(text, function, (first,), axis=axis, keepdims=keepdims)
        return Call(text, function, (first,))

    def constant(self, node: ast.expr, depth: int) -> Number:
        checked = self.check(node, depth + 1)
        if not isinstance(checked, Constant):
            raise self.fail(f"{checked.text} must be a number")
        return checked.value

    def axis(self, node: ast.expr, function: str, signature: str) -> int | tuple[int, ...]:
        items = node.elts if isinstance(node, ast.Tuple) and function in REDUCTIONS else [node]
        axes: list[int] = []
        for item in items:
            value = self.check(item, 0)
            if not isinstance(value, Constant) or type(value.value) is not int:
                raise self.fail(f"the axis of {signature} must be an integer, got {value.text}")
            axes.append(value.value)
        if not axes:
            raise self.fail(f"{signature} needs at least one axis")
        return tuple(axes) if isinstance(node, ast.Tuple) else axes[0]

    def keepdims(self, node: ast.expr | None, signature: str) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            return node.value
        raise self.fail(f"keepdims of {signature} must be True or False")


def _refused(node: ast.expr) -> str:
    if isinstance(node, ast.BinOp):
        symbol = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@"}.get(type(node.op), "that")
        return f"the operator {symbol} is not allowed"
    if isinstance(node, ast.UnaryOp):
        return "only unary minus is allowed"
    if isinstance(node, ast.Constant):
        return f"{show_value(node.value)} is not a number"
    if isinstance(node, ast.Attribute):
        return "attributes are not allowed"
    if isinstance(node, ast.Compare):
        return "comparisons are not allowed"
    return f"{type(node).__name__.lower()} is not allowed"


# Shapes ------------------------------------------------------------------------------------


def _shape(node: Node, bound: Mapping[str, Shape]) -> Shape | None:
    """The node's shape, batch axis first; None for a number."""
    if isinstance(node, Constant | Param):
        return None
    if isinstance(node, Local):
        return bound[node.name]
    if isinstance(node, Negative):
        return _shape(node.operand, bound)
    if isinstance(node, Binary):
        return _broadcast(node.left, node.right, bound, node.text)
    if isinstance(node, Call):
        return _call_shape(node, bound)
    raise AssertionError(f"unchecked node {node!r}")


def _broadcast(left: Node, right: Node, bound: Mapping[str, Shape], where: str) -> Shape | None:
    """NumPy broadcasting as Keras computes it statically; ranks must match (batch axes)."""
    a, b = _shape(left, bound), _shape(right, bound)
    if a is None or b is None:
        return a if b is None else b
    if len(a) != len(b):
        raise ShapeError(
            f'in "{where}", {left.text} {show_shape(a)} and {right.text} {show_shape(b)}'
            " do not broadcast:"
            " their ranks differ, so the batch axes would not line up"
            " (expand_dims or squeeze one of them first)"
        )
    dims: list[int | None] = []
    for axis, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == 1:
            dims.append(y)
        elif x is None:
            dims.append(None if y == 1 else y)
        elif y in (1, None, x):
            dims.append(x)
        else:
            raise ShapeError(
                f'in "{where}", {left.text} {show_shape(a)} and {right.text} {show_shape(b)} do not'
                f" broadcast (sizes {x} and {y} at axis {axis})"
            )
    return tuple(dims)


def _call_shape(node: Call, bound: Mapping[str, Shape]) -> Shape | None:
    if node.function in ("minimum", "maximum"):
        return _broadcast(node.tensors[0], node.tensors[1], bound, node.text)
    shape = _shape(node.tensors[0], bound)
    if shape is None:
        raise AssertionError("checked calls take a tensor first")
    if node.function in REDUCTIONS:
        axes = _axes(node, shape, len(shape))
        if node.keepdims:
            return tuple(1 if i in axes else dim for i, dim in enumerate(shape))
        return tuple(dim for i, dim in enumerate(shape) if i not in axes)
    if node.function == "expand_dims":
        (axis,) = _axes(node, shape, len(shape) + 1)
        return (*shape[:axis], 1, *shape[axis:])
    if node.function == "squeeze":
        (axis,) = _axes(node, shape, len(shape))
        if shape[axis] != 1:
            raise ShapeError(
                f'in "{node.text}", axis {axis} of {node.tensors[0].text} {show_shape(shape)}'
                f" has size {shape[axis]}, not 1, so it cannot be squeezed"
            )
        return (*shape[:axis], *shape[axis + 1 :])
    if node.function == "l2_normalize":
        _axes(node, shape, len(shape))
    return shape


def _axes(node: Call, shape: Shape, rank: int) -> list[int]:
    """The call's axes, made non-negative; the batch axis and repeats refused."""
    given = node.axis if isinstance(node.axis, tuple) else (node.axis,)
    axes: list[int] = []
    for axis in given:
        if axis is None or not -rank <= axis < rank:
            raise ShapeError(
                f'in "{node.text}", axis {axis} is out of range for {node.tensors[0].text}'
                f" {show_shape(shape)} (axes 1 to {rank - 1}, or -1 to -{rank - 1})"
            )
        positive = axis % rank
        if positive == 0:
            raise ShapeError(
                f'in "{node.text}", axis {axis} is the batch axis; an expression works on'
                " each example alone (axes 1 and up, or negative ones)"
            )
        if positive in axes:
            raise ShapeError(f'in "{node.text}", axis {axis} is given twice')
        axes.append(positive)
    return axes


# Code --------------------------------------------------------------------------------------

NORMAL_LIKE_CLASS = "NormalLike"
# Keras names NormalLike layers normal_like, normal_like_1, ...: no other layer may be.
NOISE_NAME = re.compile(r"normal_like(_[0-9]+)?\Z")


def _python(
    node: Node,
    tensor_code: Callable[[str], str],
    number_code: Callable[[Any], str],
    param_code: Callable[[str], str] | None = None,
) -> str:
    if isinstance(node, Param):
        if param_code is None:
            raise AssertionError("a block parameter outside its block function")
        return param_code(node.name)
    if isinstance(node, Constant):
        code = number_code(node.value)
        return f"({code})" if node.value < 0 else code
    if isinstance(node, Local):
        return tensor_code(node.name)
    if isinstance(node, Negative):
        operand = _python(node.operand, tensor_code, number_code, param_code)
        return f"-({operand})" if _rank(node.operand) <= _UNARY_RANK else f"-{operand}"
    if isinstance(node, Binary):
        rank = _rank(node)
        left = _python(node.left, tensor_code, number_code, param_code)
        right = _python(node.right, tensor_code, number_code, param_code)
        if node.op == "**":  # right-associative, and binds tighter than unary minus on its left
            left = f"({left})" if _rank(node.left) <= rank else left
            right = f"({right})" if _rank(node.right) < rank else right
        else:
            left = f"({left})" if _rank(node.left) < rank else left
            right = f"({right})" if _rank(node.right) <= rank else right
        return f"{left} {node.op} {right}"
    if isinstance(node, Call):
        tensors = [_python(item, tensor_code, number_code, param_code) for item in node.tensors]
        if node.function == "normal_like":
            return f"{NORMAL_LIKE_CLASS}()({tensors[0]})"
        numbers = [number_code(value) for value in node.numbers]
        arguments = [*tensors, *numbers]
        if node.axis is not None:
            axis = node.axis
            arguments.append(f"axis={number_code(axis)}")
        if node.keepdims:
            arguments.append("keepdims=True")
        function = KERAS_OPS.get(node.function, node.function)
        return f"keras.ops.{function}({', '.join(arguments)})"
    raise AssertionError(f"unchecked node {node!r}")


def _rank(node: Node) -> int:
    if isinstance(node, Binary):
        return _BINARY_RANKS[node.op]
    if isinstance(node, Negative):
        return _UNARY_RANK
    if isinstance(node, Constant) and node.value < 0:
        return _UNARY_RANK  # printed in parentheses anyway
    return _ATOM


_BINARY_RANKS = {symbol: rank for symbol, rank, _ in _BINARY.values()}


def _shown(text: str) -> str:
    """Text for messages: a parameter as the spec writes it, `$scale`."""
    return text.replace(PARAM_PREFIX, "$")


def parameters_of(text: str) -> list[str]:
    """The block parameters an expression names, `$scale` -> scale."""
    return PARAM_TOKEN.findall(text)


def bound_names(inputs: Any) -> list[tuple[str, str]] | None:
    """(local name, layer) pairs of a compute layer's `inputs`; None when left out."""
    if inputs is None:
        return None
    if isinstance(inputs, dict):
        return list(inputs.items())
    names = [inputs] if isinstance(inputs, str) else list(inputs)
    return [(name, name) for name in names]


def local_name_problem(name: str) -> str | None:
    """Why `name` cannot name an input inside an expression, or None."""
    if not LOCAL_NAME.match(name):
        return (
            f"{show_value(name)} cannot be named in an expression (use a mapping such as"
            " {a: " + "layer_name} to give it a short local name of letters, digits and _)"
        )
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword (give it another local name in inputs)"
    if name.startswith(PARAM_PREFIX):
        return f"{name!r} starts like the names kept for block parameters (rename it)"
    return None
