"""Keras operations recorded in a model (`x + 3.0`, `keras.ops.abs(x)`) as `compute:` text.

Keras 3 records a keras.ops call on symbolic tensors as a node whose module is one of
keras.src.ops; the expression written here calls the same operation on the same arguments,
so the rebuilt graph holds the same node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

OPS_MODULE = "keras.src.ops."
# class -> Python operator (tensor <op> tensor-or-number)
OPERATORS = {"Add": "+", "Subtract": "-", "Multiply": "*", "TrueDivide": "/"}
# class -> expression function of one tensor
FUNCTIONS = {
    "Absolute": "abs", "Square": "square", "Sqrt": "sqrt", "Exp": "exp", "Log": "log",
    "Tanh": "tanh", "Sigmoid": "sigmoid", "Relu6": "relu6",
}  # fmt: skip
PAIRS = {"Minimum": "minimum", "Maximum": "maximum"}
# class -> expression function of one tensor over an axis (keras.ops.sum(x, axis, keepdims))
REDUCTIONS = {"Sum": "sum", "Mean": "mean", "Max": "max", "Min": "min"}
# class -> expression function of one tensor and one axis (keras.ops.expand_dims(x, axis))
AXIS_FUNCTIONS = {"ExpandDims": "expand_dims", "Squeeze": "squeeze"}
OPERATIONS = {*OPERATORS, *FUNCTIONS, *PAIRS, *REDUCTIONS, *AXIS_FUNCTIONS, "Negative"}
# Operations Keras adds by itself (Embedding(mask_zero=True)'s mask): left to Keras again.
IMPLICIT = {"NotEqual"}
LOCALS = ("x", "y")


class OperationError(ValueError):
    """An operation node the importer cannot write as an expression."""


def is_operation(layer: dict[str, Any]) -> bool:
    """A node recorded from a keras.ops call, not a layer."""
    module = layer.get("module")
    registered = layer.get("registered_name")
    return (
        isinstance(module, str)
        and module.startswith(OPS_MODULE)
        and registered == layer.get("class_name")
    )


def expression(
    class_name: str, args: Sequence[Any], config: dict[str, Any], is_tensor: Callable[[Any], bool]
) -> tuple[str, list[Any]]:
    """The expression text over local names, and the tensors bound to LOCALS in order."""
    if class_name in REDUCTIONS or class_name in AXIS_FUNCTIONS:
        return _over_axis(class_name, args, config, is_tensor)
    if set(config) - {"name"}:
        extra = ", ".join(sorted(set(config) - {"name"}))
        raise OperationError(f"{class_name} with arguments ({extra}) is not written yet")
    tensors = [arg for arg in args if is_tensor(arg)]
    names = _locals(args, is_tensor)
    if class_name in OPERATORS and len(args) == 2:
        return f"{names[0]} {OPERATORS[class_name]} {names[1]}", tensors
    if class_name in FUNCTIONS and len(args) == 1 and tensors:
        return f"{FUNCTIONS[class_name]}({names[0]})", tensors
    if class_name in PAIRS and len(args) == 2:
        return f"{PAIRS[class_name]}({names[0]}, {names[1]})", tensors
    if class_name == "Negative" and len(args) == 1 and tensors:
        return f"-{names[0]}", tensors
    raise OperationError(f"{class_name} called on {len(args)} arguments is not written yet")


def _over_axis(
    class_name: str, args: Sequence[Any], config: dict[str, Any], is_tensor: Callable[[Any], bool]
) -> tuple[str, list[Any]]:
    """sum(x, axis=1, keepdims=True), expand_dims(x, axis=-1): one tensor, one int axis."""
    axis, keepdims = config.get("axis"), config.get("keepdims", False)
    known = {"name", "axis", "keepdims"} if class_name in REDUCTIONS else {"name", "axis"}
    if set(config) - known or len(args) != 1 or not is_tensor(args[0]):
        raise OperationError(f"{class_name} with other than one tensor and {', '.join(known)}")
    if type(axis) is not int or type(keepdims) is not bool:
        raise OperationError(f"{class_name} over axis {axis!r:.40}: only one axis is written")
    function = REDUCTIONS.get(class_name) or AXIS_FUNCTIONS[class_name]
    flag = ", keepdims=True" if keepdims else ""
    return f"{function}({LOCALS[0]}, axis={axis}{flag})", [args[0]]


def _locals(args: Sequence[Any], is_tensor: Callable[[Any], bool]) -> list[str]:
    """Each argument as text: a tensor as its local name, a number as its repr."""
    texts: list[str] = []
    count = 0
    for arg in args:
        if is_tensor(arg):
            texts.append(LOCALS[count] if count < len(LOCALS) else f"t{count}")
            count += 1
        elif type(arg) in (int, float):
            texts.append(repr(arg))
        else:
            raise OperationError(f"an argument {arg!r:.40} that is neither a tensor nor a number")
    return texts
