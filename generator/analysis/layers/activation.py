"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from __future__ import annotations

import math
from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Shape,
    ShapeError,
    same_shape,
    show_shape,
    single,
)
from generator.analysis.layers.normalization import distinct_axes
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    axes,
    non_negative_number,
    number,
    positive_axes,
)


def prelu(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    shared = args.get("shared_axes", [])
    shared = [shared] if isinstance(shared, int) else shared
    for axis in shared:
        if axis >= len(shape):
            raise ShapeError(
                f"PReLU shared axis {axis} is out of range for input {show_shape(shape)}"
            )
    alpha = []
    for axis, dim in enumerate(shape[1:], start=1):
        if axis in shared:
            alpha.append(1)
        elif dim is None:
            raise ShapeError(
                f"PReLU needs a known size on axis {axis}, got {show_shape(shape)}"
                f" (or share its weights along it: shared_axes: [{axis}])"
            )
        else:
            alpha.append(dim)
    return Output(shape, math.prod(alpha))


def softmax(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    distinct_axes("Softmax", shape, args.get("axis", -1))
    return Output(shape)


LAYER_TYPES = [
    LayerType(
        "ReLU",
        {
            "max_value": Arg(non_negative_number(), positional=True),
            "negative_slope": Arg(non_negative_number()),
            "threshold": Arg(non_negative_number()),
        },
        same_shape,
    ),
    LayerType("LeakyReLU", {"negative_slope": Arg(non_negative_number())}, same_shape),
    LayerType(
        "PReLU",
        {
            "alpha_initializer": Arg(INITIALIZERS),
            "alpha_regularizer": Arg(REGULARIZERS),
            "alpha_constraint": Arg(CONSTRAINTS),
            "shared_axes": Arg(positive_axes()),
        },
        prelu,
    ),
    LayerType("ELU", {"alpha": Arg(number())}, same_shape),
    LayerType("Softmax", {"axis": Arg(axes())}, softmax),
]
