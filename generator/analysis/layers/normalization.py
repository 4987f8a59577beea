"""BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization."""

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
    show_shape,
    single,
)
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    axes,
    boolean,
    groups,
    integer,
    number_between,
    positive_number,
)


def _normalized_sizes(
    layer: str, shape: Shape, axis_arg: int | list[int], *, weights: bool = True
) -> list[int]:
    """The sizes of the normalized axes, which the weights take (known if there are weights)."""
    chosen = [axis_arg] if isinstance(axis_arg, int) else sorted(axis_arg)
    sizes = []
    for axis in chosen:
        if not -len(shape) <= axis < len(shape):
            raise ShapeError(f"{layer} axis {axis} is out of range for input {show_shape(shape)}")
        size = shape[axis]
        if size is None:
            if not weights:
                continue
            raise ShapeError(f"{layer} needs a known size on axis {axis}, got {show_shape(shape)}")
        sizes.append(size)
    return sizes


def distinct_axes(layer: str, shape: Shape, axis_arg: int | list[int]) -> list[int]:
    """The axes as non-negative indices, each in range and named once."""
    chosen = [axis_arg] if isinstance(axis_arg, int) else list(axis_arg)
    found: list[int] = []
    for axis in chosen:
        if not -len(shape) <= axis < len(shape):
            raise ShapeError(f"{layer} axis {axis} is out of range for input {show_shape(shape)}")
        index = axis % len(shape)
        if index in found:
            raise ShapeError(f"{layer} names axis {index} twice for input {show_shape(shape)}")
        found.append(index)
    return found


def _scale_and_center(args: Args) -> int:
    return int(args.get("scale", True)) + int(args.get("center", True))


def batch_normalization(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    (channels,) = _normalized_sizes("BatchNormalization", shape, args.get("axis", -1))
    # gamma and beta train; the moving mean and variance do not.
    return Output(shape, _scale_and_center(args) * channels, 2 * channels)


def layer_normalization(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    weighted = _scale_and_center(args)
    axis = args.get("axis", -1)
    sizes = _normalized_sizes("LayerNormalization", shape, axis, weights=weighted > 0)
    return Output(shape, weighted * math.prod(sizes))


def group_normalization(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    axis = args.get("axis", -1)
    (channels,) = _normalized_sizes("GroupNormalization", shape, axis)
    count = args.get("groups", 32)
    count = channels if count == -1 else count
    if channels % count:
        raise ShapeError(
            f"GroupNormalization cannot split the {channels} channels on axis {axis} of"
            f" {show_shape(shape)} into {count} groups (choose a divisor of {channels})"
        )
    return Output(shape, _scale_and_center(args) * channels)


def unit_normalization(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    distinct_axes("UnitNormalization", shape, args.get("axis", -1))
    return Output(shape)


def _common() -> dict[str, Arg]:
    return {
        "epsilon": Arg(positive_number()),
        "center": Arg(boolean()),
        "scale": Arg(boolean()),
        "beta_initializer": Arg(INITIALIZERS),
        "gamma_initializer": Arg(INITIALIZERS),
        "beta_regularizer": Arg(REGULARIZERS),
        "gamma_regularizer": Arg(REGULARIZERS),
    }


LAYER_TYPES = [
    LayerType(
        "BatchNormalization",
        {
            "axis": Arg(integer(), default=-1),
            "momentum": Arg(number_between(0, 1)),
            **_common(),
            "moving_mean_initializer": Arg(INITIALIZERS),
            "moving_variance_initializer": Arg(INITIALIZERS),
        },
        batch_normalization,
    ),
    LayerType(
        "LayerNormalization",
        {"axis": Arg(axes(), default=-1), **_common()},
        layer_normalization,
    ),
    LayerType(
        "GroupNormalization",
        {
            "groups": Arg(groups()),
            "axis": Arg(integer()),
            **_common(),
            "beta_constraint": Arg(CONSTRAINTS),
            "gamma_constraint": Arg(CONSTRAINTS),
        },
        group_normalization,
    ),
    LayerType("UnitNormalization", {"axis": Arg(axes())}, unit_normalization),
]
