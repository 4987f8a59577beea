"""Reshaping: Flatten, Reshape, Permute, RepeatVector, UpSampling, ZeroPadding, Cropping."""

from __future__ import annotations

import math
from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    as_tuple,
    product,
    require_rank,
    show_shape,
    single,
)
from generator.analysis.layers.spatial import DATA_FORMAT, join, sides, spatial_input
from generator.spec.values import (
    INTERPOLATIONS,
    ValueKind,
    padding_sides,
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


def up_sampling(spatial: int) -> Rule:
    """UpSampling*D: each spatial axis repeated `size` times."""
    layer = f"UpSampling{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, dims, channels, first = spatial_input(args, inputs, layer, spatial)
        factors = as_tuple(args.get("size", 2), spatial)
        grown = (None if dim is None else dim * f for dim, f in zip(dims, factors, strict=True))
        return Output(join(shape[0], tuple(grown), channels, first))

    return rule


def zero_padding(spatial: int) -> Rule:
    """ZeroPadding*D: each spatial axis grows by its (before, after) padding."""
    layer = f"ZeroPadding{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, dims, channels, first = spatial_input(args, inputs, layer, spatial)
        pads = sides(args.get("padding", 1), spatial)
        grown = (
            None if dim is None else dim + sum(pad) for dim, pad in zip(dims, pads, strict=True)
        )
        return Output(join(shape[0], tuple(grown), channels, first))

    return rule


# Keras crops one step off each side by default in 1-D and 3-D, nothing in 2-D.
CROPPING_DEFAULT = {1: 1, 2: 0, 3: 1}


def cropping(spatial: int) -> Rule:
    """Cropping*D: each spatial axis shrinks by its (before, after) cropping."""
    layer = f"Cropping{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, dims, channels, first = spatial_input(args, inputs, layer, spatial)
        crops = sides(args.get("cropping", CROPPING_DEFAULT[spatial]), spatial)
        offset = 2 if first else 1
        cropped = []
        for axis, (dim, crop) in enumerate(zip(dims, crops, strict=True), start=offset):
            if dim is not None and sum(crop) >= dim:
                raise ShapeError(
                    f"{layer} removes {sum(crop)} of {dim} on axis {axis} of {show_shape(shape)}"
                    " (crop less than the input size)"
                )
            cropped.append(None if dim is None else dim - sum(crop))
        return Output(join(shape[0], cropped, channels, first))

    return rule


NO_DATA_FORMAT = {("size", 1), ("cropping", 1)}  # UpSampling1D, Cropping1D


def _spatial_args(spatial: int, name: str, kind: ValueKind) -> dict[str, Arg]:
    """The one positional argument, then data_format where Keras takes it."""
    args = {name: Arg(kind, positional=True)}
    if (name, spatial) not in NO_DATA_FORMAT:
        args["data_format"] = DATA_FORMAT
    return args


LAYER_TYPES = [
    LayerType("Flatten", {"data_format": DATA_FORMAT}, flatten),
    LayerType(
        "Reshape", {"target_shape": Arg(target_shape(), required=True, positional=True)}, reshape
    ),
    LayerType("Permute", {"dims": Arg(permutation(), required=True, positional=True)}, permute),
    LayerType(
        "RepeatVector", {"n": Arg(positive_int(), required=True, positional=True)}, repeat_vector
    ),
    LayerType("UpSampling1D", _spatial_args(1, "size", positive_int()), up_sampling(1)),
    LayerType(
        "UpSampling2D",
        {**_spatial_args(2, "size", size(2)), "interpolation": Arg(INTERPOLATIONS)},
        up_sampling(2),
    ),
    LayerType("UpSampling3D", _spatial_args(3, "size", size(3)), up_sampling(3)),
    *(
        LayerType(
            f"ZeroPadding{spatial}D",
            _spatial_args(spatial, "padding", padding_sides(spatial)),
            zero_padding(spatial),
        )
        for spatial in (1, 2, 3)
    ),
    *(
        LayerType(
            f"Cropping{spatial}D",
            _spatial_args(spatial, "cropping", padding_sides(spatial)),
            cropping(spatial),
        )
        for spatial in (1, 2, 3)
    ),
]
