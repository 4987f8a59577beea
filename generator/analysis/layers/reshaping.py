"""Reshaping: Flatten, Reshape, Permute, RepeatVector, UpSampling, ZeroPadding2D, Cropping2D."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Shape,
    ShapeError,
    as_tuple,
    product,
    require_rank,
    show_shape,
    single,
)
from generator.spec.values import (
    INTERPOLATIONS,
    padding_2d,
    permutation,
    positive_int,
    size,
    target_shape,
)


def flatten(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    return Output((shape[0], product(shape[1:])))


def reshape(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    target = tuple(args["target_shape"])
    if None in shape[1:]:
        return Output((shape[0], *(None if dim == -1 else dim for dim in target)))
    size_in = math.prod(shape[1:])  # type: ignore[arg-type]
    known = math.prod(dim for dim in target if dim != -1)
    if -1 not in target:
        if known != size_in:
            raise ShapeError(
                f"Reshape cannot turn {show_shape(shape)} ({size_in} values) into"
                f" {show_shape((None, *target))} ({known} values)"
            )
        return Output((shape[0], *target))
    if size_in % known:
        raise ShapeError(
            f"Reshape cannot turn {show_shape(shape)} ({size_in} values) into"
            f" {show_shape((None, *target))}: {size_in} is not a multiple of {known}"
        )
    return Output((shape[0], *(size_in // known if dim == -1 else dim for dim in target)))


def permute(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    dims = args["dims"]
    require_rank(shape, len(dims) + 1, "Permute", f"to match dims={dims}")
    return Output((shape[0], *(shape[dim] for dim in dims)))


def repeat_vector(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    require_rank(shape, 2, "RepeatVector", "(batch, features)")
    return Output((shape[0], args["n"], shape[1]))


def up_sampling_1d(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    require_rank(shape, 3, "UpSampling1D", "(batch, steps, features)")
    factor = args.get("size", 2)
    return Output((shape[0], None if shape[1] is None else shape[1] * factor, shape[2]))


def up_sampling_2d(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    require_rank(shape, 4, "UpSampling2D", "(batch, height, width, channels)")
    factors = as_tuple(args.get("size", 2), 2)
    grown = (None if dim is None else dim * f for dim, f in zip(shape[1:3], factors, strict=True))
    return Output((shape[0], *grown, shape[3]))


def sides(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """((top, bottom), (left, right)) from any of the padding_2d forms."""
    if isinstance(value, int):
        return (value, value), (value, value)
    if isinstance(value[0], int):
        return (value[0], value[0]), (value[1], value[1])
    return (value[0][0], value[0][1]), (value[1][0], value[1][1])


def zero_padding_2d(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    require_rank(shape, 4, "ZeroPadding2D", "(batch, height, width, channels)")
    rows, cols = sides(args.get("padding", 1))
    grown = (
        None if dim is None else dim + sum(pad)
        for dim, pad in zip(shape[1:3], (rows, cols), strict=True)
    )
    return Output((shape[0], *grown, shape[3]))


def cropping_2d(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    require_rank(shape, 4, "Cropping2D", "(batch, height, width, channels)")
    rows, cols = sides(args.get("cropping", 0))
    cropped = []
    for axis, (dim, crop) in enumerate(zip(shape[1:3], (rows, cols), strict=True), start=1):
        if dim is not None and sum(crop) >= dim:
            raise ShapeError(
                f"Cropping2D removes {sum(crop)} of {dim} on axis {axis} of {show_shape(shape)}"
                " (crop less than the input size)"
            )
        cropped.append(None if dim is None else dim - sum(crop))
    return Output((shape[0], *cropped, shape[3]))


LAYER_TYPES = [
    LayerType("Flatten", {}, flatten),
    LayerType(
        "Reshape", {"target_shape": Arg(target_shape(), required=True, positional=True)}, reshape
    ),
    LayerType("Permute", {"dims": Arg(permutation(), required=True, positional=True)}, permute),
    LayerType(
        "RepeatVector", {"n": Arg(positive_int(), required=True, positional=True)}, repeat_vector
    ),
    LayerType("UpSampling1D", {"size": Arg(positive_int(), positional=True)}, up_sampling_1d),
    LayerType(
        "UpSampling2D",
        {"size": Arg(size(2), positional=True), "interpolation": Arg(INTERPOLATIONS)},
        up_sampling_2d,
    ),
    LayerType("ZeroPadding2D", {"padding": Arg(padding_2d(), positional=True)}, zero_padding_2d),
    LayerType("Cropping2D", {"cropping": Arg(padding_2d(), positional=True)}, cropping_2d),
]
