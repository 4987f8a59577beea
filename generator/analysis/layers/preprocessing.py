"""Preprocessing inside the model, all values given in the spec:
Rescaling, Resizing, CenterCrop, Normalization (mean and variance given)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    show_shape,
    single,
)
from generator.analysis.layers.normalization import distinct_axes
from generator.spec.values import (
    DATA_FORMATS,
    RESIZE_INTERPOLATIONS,
    axes,
    boolean,
    choice,
    number,
    numbers,
    positive_int,
)


def _length(value: Any) -> int | None:
    """A list's length; None for a scalar."""
    return len(value) if isinstance(value, list) else None


def _fits(layer: str, what: str, length: int | None, size: int | None, where: str) -> None:
    """A list of `length` values must broadcast against an axis of `size`, unchanged."""
    if length is None or length == 1 or length == size:
        return
    known = "an unknown size" if size is None else f"size {size}"
    raise ShapeError(
        f"{layer} {what} has {length} values but {where} has {known}"
        " (give one value, or one per entry of that axis)"
    )


def rescaling(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    for what in ("scale", "offset"):
        where = f"the last axis of {show_shape(shape)}"
        _fits("Rescaling", what, _length(args.get(what)), shape[-1], where)
    return Output(shape)


def image(layer: str) -> Rule:
    """Resizing and CenterCrop: (batch, height, width, channels) to the given height and width."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        if len(shape) != 4:
            # Keras takes a 3-D input as one unbatched image: its height axis is the batch axis.
            hint = " (its height axis is the batch axis)" if len(shape) == 3 else ""
            raise ShapeError(
                f"{layer} expects a 4-D input (batch, height, width, channels),"
                f" got {show_shape(shape)}{hint}"
            )
        if args.get("crop_to_aspect_ratio") and args.get("pad_to_aspect_ratio"):
            raise ShapeError(f"{layer} can crop_to_aspect_ratio or pad_to_aspect_ratio, not both")
        size = (args["height"], args["width"])
        if args.get("data_format", "channels_last") == "channels_first":
            return Output((*shape[:2], *size))
        return Output((shape[0], *size, shape[3]))

    return rule


def normalization(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    mean, variance = args.get("mean"), args.get("variance")
    if (mean is None) != (variance is None):
        raise ShapeError(
            "Normalization needs both mean and variance, or neither (statistics that adapt()"
            " or saved weights set)"
        )
    if mean is None:
        return _adaptable(args, shape)
    if _length(mean) != _length(variance):
        raise ShapeError("Normalization mean and variance need the same number of values")
    kept = sorted(distinct_axes("Normalization", shape, args.get("axis", -1)))
    for axis in kept:
        if shape[axis] is None:
            what = "the batch axis" if axis == 0 else f"axis {axis}"
            raise ShapeError(
                f"Normalization keeps {what} of {show_shape(shape)}, which needs a known size"
            )
    _fits("Normalization", "mean", _length(mean), shape[kept[-1]], f"axis {kept[-1]}")
    # mean and variance are constants, not weights: Keras counts no parameters.
    return Output(shape)


def _adaptable(args: Args, shape: Shape) -> Output:
    """Without mean and variance: a mean and a variance per kept entry and a count, as weights."""
    kept = sorted(distinct_axes("Normalization", shape, args.get("axis", -1)))
    sizes = [shape[axis] for axis in kept]
    if any(size is None for size in sizes):
        raise ShapeError(
            f"Normalization keeps axes {kept} of {show_shape(shape)}, which need known sizes"
        )
    entries = math.prod(size for size in sizes if size is not None)
    return Output(shape, non_trainable=2 * entries + 1)


LAYER_TYPES = [
    LayerType(
        "Rescaling",
        {
            "scale": Arg(numbers(), required=True, positional=True),
            "offset": Arg(numbers()),
        },
        rescaling,
    ),
    LayerType(
        "Resizing",
        {
            "height": Arg(positive_int(), required=True, positional=True),
            "width": Arg(positive_int(), required=True, positional=True),
            "interpolation": Arg(RESIZE_INTERPOLATIONS),
            "crop_to_aspect_ratio": Arg(boolean()),
            "pad_to_aspect_ratio": Arg(boolean()),
            "fill_mode": Arg(choice("constant")),
            "fill_value": Arg(number()),
            "antialias": Arg(boolean()),
            "data_format": Arg(DATA_FORMATS),
        },
        image("Resizing"),
    ),
    LayerType(
        "CenterCrop",
        {
            "height": Arg(positive_int(), required=True, positional=True),
            "width": Arg(positive_int(), required=True, positional=True),
            "data_format": Arg(DATA_FORMATS),
        },
        image("CenterCrop"),
    ),
    LayerType(
        "Normalization",
        {
            "axis": Arg(axes()),
            "mean": Arg(numbers()),
            "variance": Arg(numbers(non_negative=True)),
            "invert": Arg(boolean()),
        },
        normalization,
    ),
]
