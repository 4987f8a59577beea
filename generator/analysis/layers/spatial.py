"""What the spatial layers share: the data_format layout, sliding windows, padding sides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    Dim,
    Shape,
    ShapeError,
    as_tuple,
    require_rank,
    show_shape,
    single,
)
from generator.spec.values import DATA_FORMATS

DATA_FORMAT = Arg(DATA_FORMATS)
AXES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def channels_first(args: Args) -> bool:
    """Keras's default layout is channels_last."""
    return bool(args.get("data_format") == "channels_first")


def layout(spatial: int, first: bool, *, time: bool = False) -> str:
    """`(batch, height, width, channels)`, channels after the batch for channels_first."""
    named = list(AXES[spatial])
    axes = ["channels", *named] if first else [*named, "channels"]
    lead = ["batch", "time"] if time else ["batch"]
    return f"({', '.join([*lead, *axes])})"


def split(shape: Shape, first: bool) -> tuple[Shape, Dim]:
    """The spatial dims and the channels of (batch, *spatial, channels) or its transpose."""
    return (shape[2:], shape[1]) if first else (shape[1:-1], shape[-1])


def join(batch: Dim, dims: Sequence[Dim], channels: Dim, first: bool) -> Shape:
    """The inverse of split()."""
    return (batch, channels, *dims) if first else (batch, *dims, channels)


def spatial_input(
    args: Args, inputs: Sequence[Shape], layer: str, spatial: int
) -> tuple[Shape, Shape, Dim, bool]:
    """The input, its spatial dims, its channels, and whether channels come first."""
    shape = single(inputs)
    first = channels_first(args)
    require_rank(shape, spatial + 2, layer, layout(spatial, first))
    dims, channels = split(shape, first)
    return shape, dims, channels, first


def known_channels(shape: Shape, channels: Dim, layer: str) -> int:
    """The channel count, which weights depend on."""
    if channels is None:
        raise ShapeError(f"{layer} needs a known channel dimension, got {show_shape(shape)}")
    return channels


def window_length(length: Dim, window: int, stride: int, padding: str, dilation: int = 1) -> Dim:
    """Output length of a sliding window, as keras.src.ops.operation_utils computes it."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return (length - dilation * (window - 1) - 1) // stride + 1


def windowed(
    shape: Shape,
    first: bool,
    layer: str,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    dilation: tuple[int, ...],
) -> tuple[Dim, ...]:
    """The spatial dims of `shape` after a window slides over each of them."""
    offset = 2 if first else 1
    dims, _ = split(shape, first)
    lengths = []
    for axis, length in enumerate(dims):
        out = window_length(length, window[axis], strides[axis], padding, dilation[axis])
        if out is not None and out <= 0:
            effective = dilation[axis] * (window[axis] - 1) + 1
            raise ShapeError(
                f"{layer} window of {effective} does not fit its input {show_shape(shape)}"
                f" on axis {axis + offset} with padding='valid'"
                " (use padding='same', a smaller window, or a larger input)"
            )
        lengths.append(out)
    return tuple(lengths)


def sides(value: Any, spatial: int) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis from any padding_sides form."""
    if isinstance(value, int):
        return ((value, value),) * spatial
    if spatial == 1:
        return ((value[0], value[1]),)
    if isinstance(value[0], int):
        return tuple((amount, amount) for amount in value)
    return tuple((pair[0], pair[1]) for pair in value)


def geometry(
    args: Args, spatial: int, layer: str, *, strided_dilation: bool = False
) -> tuple[tuple[int, ...], ...]:
    """Kernel, strides and dilation; most convolutions refuse strided dilation."""
    strides = as_tuple(args.get("strides", 1), spatial)
    dilation = as_tuple(args.get("dilation_rate", 1), spatial)
    if not strided_dilation and max(strides) > 1 and max(dilation) > 1:
        raise ShapeError(f"{layer} cannot combine strides > 1 with dilation_rate > 1")
    return as_tuple(args["kernel_size"], spatial), strides, dilation
