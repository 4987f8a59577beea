"""Merging layers: Concatenate, the element-wise merges, and Dot.

Their rules follow keras/src/layers/merging/: Concatenate compares every
non-axis dimension that is known; the element-wise merges broadcast
right-aligned, a 1 against any size; Dot contracts one axis of each input.
Errors here name shapes only; the graph adds the branch names and a fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    Dim,
    LayerType,
    Output,
    Shape,
    ShapeError,
    show_shape,
)
from generator.spec.values import boolean, dot_axes, integer


class MergeError(ShapeError):
    """Merge inputs that do not fit; `axis` is the first axis that disagrees, if any."""

    def __init__(self, message: str, axis: int | None = None) -> None:
        super().__init__(message)
        self.axis = axis


def concatenate(args: Args, inputs: Sequence[Shape]) -> Output:
    axis = args.get("axis", -1)
    ranks = {len(shape) for shape in inputs}
    if len(ranks) != 1:
        raise MergeError("Concatenate needs inputs of the same rank")
    rank = ranks.pop()
    if not -rank <= axis < rank:
        raise MergeError(f"Concatenate axis {axis} is out of range for inputs of rank {rank}")
    joined_axis = axis % rank
    if joined_axis == 0:
        raise MergeError(f"Concatenate axis {axis} is the batch axis")
    for dim in range(1, rank):
        sizes = {shape[dim] for shape in inputs if shape[dim] is not None}
        if dim != joined_axis and len(sizes) > 1:
            raise MergeError(
                f"Concatenate on axis {axis} needs the other axes to match, but axis {dim} differs",
                dim,
            )
    joined: Dim = 0
    for shape in inputs:
        joined = (
            None if shape[joined_axis] is None or joined is None else joined + shape[joined_axis]
        )
    # Keras keeps the first input's sizes on the other axes.
    result = list(inputs[0])
    result[joined_axis] = joined
    return Output(tuple(result))


def broadcast(left: Shape, right: Shape) -> Shape:
    """Keras's Merge._compute_elemwise_op_output_shape, on shapes without the batch axis."""
    if len(left) < len(right):
        left, right = right, left
    if not right:
        return left
    result = list(left[: len(left) - len(right)])
    offset = len(left) - len(right)
    for index, (a, b) in enumerate(zip(left[offset:], right, strict=True)):
        if a is None or b is None:
            result.append(None)
        elif a == 1 or b == 1:
            result.append(b if a == 1 else a)
        elif a != b:
            raise MergeError(
                "the shapes do not broadcast: sizes must be equal or 1",
                index + offset + 1,
            )
        else:
            result.append(a)
    return tuple(result)


def elementwise(layer: str) -> object:
    """Add, Subtract, Multiply, Average, Maximum, Minimum."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = inputs[0][1:]
        try:
            for other in inputs[1:]:
                shape = broadcast(shape, other[1:])
        except MergeError as error:
            raise MergeError(f"{layer}: {error}", error.axis) from None
        return Output((None, *shape))

    return rule


def dot(args: Args, inputs: Sequence[Shape]) -> Output:
    first, second = inputs
    axes_arg = args.get("axes", -1)
    if isinstance(axes_arg, int):
        axes = [axes_arg % len(first), axes_arg % len(second)] if axes_arg < 0 else [axes_arg] * 2
    else:
        axes = list(axes_arg)
    for axis, shape in zip(axes, inputs, strict=True):
        if not -len(shape) <= axis < len(shape):
            raise MergeError(f"Dot axis {axis} is out of range for {show_shape(shape)}")
        if axis % len(shape) == 0:
            raise MergeError(f"Dot axes {axes_arg} reach the batch axis")
    if first[axes[0]] != second[axes[1]]:
        raise MergeError(
            f"Dot contracts axis {axes[0] % len(first)} ({first[axes[0]]})"
            f" with axis {axes[1] % len(second)} ({second[axes[1]]}); their sizes must be equal"
        )
    left, right = list(first), list(second)
    left.pop(axes[0])
    right.pop(axes[1])
    right.pop(0)
    result = left + right
    if len(result) == 1:
        result.append(1)
    return Output(tuple(result))


def _elementwise_type(name: str, max_inputs: int | None = None) -> LayerType:
    return LayerType(name, {}, elementwise(name), name.lower(), max_inputs)  # type: ignore[arg-type]


LAYER_TYPES = [
    LayerType("Concatenate", {"axis": Arg(integer(), default=-1)}, concatenate, "concatenate"),
    _elementwise_type("Add"),
    _elementwise_type("Subtract", max_inputs=2),
    _elementwise_type("Multiply"),
    _elementwise_type("Average"),
    _elementwise_type("Maximum"),
    _elementwise_type("Minimum"),
    LayerType(
        "Dot",
        # layers.Dot has no default for axes (layers.dot does: -1), so both styles need it.
        {"axes": Arg(dot_axes(), required=True, positional=True), "normalize": Arg(boolean())},
        dot,
        "dot",
        max_inputs=2,
    ),
]
