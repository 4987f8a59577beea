"""Convolutions: Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, DepthwiseConv2D."""

from __future__ import annotations

import math
from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    Dim,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    as_tuple,
    known_last,
    require_rank,
    show_shape,
    single,
)
from generator.analysis.layers.core import bias, weight_args
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    ACTIVATIONS,
    choice,
    non_negative_int,
    positive_int,
    size,
)


def window_length(length: Dim, window: int, stride: int, padding: str, dilation: int = 1) -> Dim:
    """Output length of a sliding window, as keras.src.ops.operation_utils computes it."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return (length - dilation * (window - 1) - 1) // stride + 1


def windowed(
    shape: Shape,
    layer: str,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    dilation: tuple[int, ...],
    channels: Dim,
) -> Shape:
    """(batch, *spatial, channels) after a window slides over each spatial axis."""
    lengths = []
    for axis, length in enumerate(shape[1:-1]):
        out = window_length(length, window[axis], strides[axis], padding, dilation[axis])
        if out is not None and out <= 0:
            effective = dilation[axis] * (window[axis] - 1) + 1
            raise ShapeError(
                f"{layer} window of {effective} does not fit its input {show_shape(shape)}"
                f" on axis {axis + 1} with padding='valid'"
                " (use padding='same', a smaller window, or a larger input)"
            )
        lengths.append(out)
    return (shape[0], *lengths, channels)


def _geometry(
    args: Args, spatial: int, layer: str, *, strided_dilation: bool = False
) -> tuple[tuple[int, ...], ...]:
    """Kernel, strides and dilation; Conv and Conv2DTranspose refuse strided dilation."""
    strides = as_tuple(args.get("strides", 1), spatial)
    dilation = as_tuple(args.get("dilation_rate", 1), spatial)
    if not strided_dilation and max(strides) > 1 and max(dilation) > 1:
        raise ShapeError(f"{layer} cannot combine strides > 1 with dilation_rate > 1")
    return as_tuple(args["kernel_size"], spatial), strides, dilation


def conv(spatial: int) -> Rule:
    """Conv1D / Conv2D: kernel (*k, in, filters) and a bias."""
    layer = f"Conv{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        channels = known_last(shape, layer, "channel dimension")
        kernel, strides, dilation = _geometry(args, spatial, layer)
        filters = args["filters"]
        out = windowed(
            shape, layer, kernel, strides, args.get("padding", "valid"), dilation, filters
        )
        return Output(out, math.prod(kernel) * channels * filters + bias(args, filters))

    return rule


def _transpose_length(
    length: Dim, kernel: int, stride: int, padding: str, extra: int | None, dilation: int
) -> Dim:
    if length is None:
        return None
    dilated = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (
            (length - 1) * stride
            + dilated
            + (max(dilated, stride) - dilated if extra is None else extra)
        )
    if extra is None:
        return length * stride
    return (length - 1) * stride + dilated % 2 + extra


def conv_transpose(args: Args, inputs: Sequence[Shape]) -> Output:
    layer = "Conv2DTranspose"
    shape = single(inputs)
    require_rank(shape, 4, layer, "(batch, height, width, channels)")
    channels = known_last(shape, layer, "channel dimension")
    kernel, strides, dilation = _geometry(args, 2, layer)
    padding = args.get("padding", "valid")
    extra = args.get("output_padding")
    extras = (None, None) if extra is None else as_tuple(extra, 2)
    for axis in range(2):
        if extras[axis] is not None and extras[axis] >= strides[axis]:  # type: ignore[operator]
            raise ShapeError(f"{layer} output_padding must be smaller than strides on every axis")
    lengths = tuple(
        _transpose_length(shape[1 + i], kernel[i], strides[i], padding, extras[i], dilation[i])
        for i in range(2)
    )
    filters = args["filters"]
    return Output(
        (shape[0], *lengths, filters),
        math.prod(kernel) * filters * channels + bias(args, filters),
    )


def _depthwise_geometry(args: Args, layer: str) -> tuple[tuple[int, ...], ...]:
    """TensorFlow's depthwise kernel runs only equal strides; Keras builds others, then fails."""
    kernel, strides, dilation = _geometry(args, 2, layer, strided_dilation=True)
    if len(set(strides)) > 1:
        raise ShapeError(
            f"{layer} strides {strides} differ between height and width, which TensorFlow's"
            " depthwise convolution cannot run (use equal strides)"
        )
    return kernel, strides, dilation


def separable_conv(args: Args, inputs: Sequence[Shape]) -> Output:
    layer = "SeparableConv2D"
    shape = single(inputs)
    require_rank(shape, 4, layer, "(batch, height, width, channels)")
    channels = known_last(shape, layer, "channel dimension")
    kernel, strides, dilation = _depthwise_geometry(args, layer)
    multiplier, filters = args.get("depth_multiplier", 1), args["filters"]
    out = windowed(shape, layer, kernel, strides, args.get("padding", "valid"), dilation, filters)
    depthwise = math.prod(kernel) * channels * multiplier
    pointwise = channels * multiplier * filters
    return Output(out, depthwise + pointwise + bias(args, filters))


def depthwise_conv(args: Args, inputs: Sequence[Shape]) -> Output:
    layer = "DepthwiseConv2D"
    shape = single(inputs)
    require_rank(shape, 4, layer, "(batch, height, width, channels)")
    channels = known_last(shape, layer, "channel dimension")
    kernel, strides, dilation = _depthwise_geometry(args, layer)
    out_channels = channels * args.get("depth_multiplier", 1)
    out = windowed(
        shape, layer, kernel, strides, args.get("padding", "valid"), dilation, out_channels
    )
    return Output(out, math.prod(kernel) * out_channels + bias(args, out_channels))


def _conv_type(spatial: int) -> LayerType:
    paddings = ("valid", "same", "causal") if spatial == 1 else ("valid", "same")
    return LayerType(
        f"Conv{spatial}D",
        {
            "filters": Arg(positive_int(), required=True, positional=True),
            "kernel_size": Arg(size(spatial), required=True, positional=True),
            "strides": Arg(size(spatial)),
            "padding": Arg(choice(*paddings, any_case=True), default="valid"),
            "dilation_rate": Arg(size(spatial)),
            "activation": Arg(ACTIVATIONS),
            **weight_args(),
        },
        conv(spatial),
    )


def _depthwise_args() -> dict[str, Arg]:
    return {
        "depth_multiplier": Arg(positive_int()),
        "dilation_rate": Arg(size(2)),
        "activation": Arg(ACTIVATIONS),
        "use_bias": weight_args()["use_bias"],
        "depthwise_initializer": Arg(INITIALIZERS),
        "bias_initializer": Arg(INITIALIZERS),
        "depthwise_regularizer": Arg(REGULARIZERS),
        "bias_regularizer": Arg(REGULARIZERS),
        "activity_regularizer": Arg(REGULARIZERS),
        "depthwise_constraint": Arg(CONSTRAINTS),
        "bias_constraint": Arg(CONSTRAINTS),
    }


LAYER_TYPES = [
    _conv_type(1),
    _conv_type(2),
    LayerType(
        "Conv2DTranspose",
        {
            "filters": Arg(positive_int(), required=True, positional=True),
            "kernel_size": Arg(size(2), required=True, positional=True),
            "strides": Arg(size(2)),
            "padding": Arg(choice("valid", "same", any_case=True), default="valid"),
            "output_padding": Arg(non_negative_int()),
            "dilation_rate": Arg(size(2)),
            "activation": Arg(ACTIVATIONS),
            **weight_args(),
        },
        conv_transpose,
    ),
    LayerType(
        "SeparableConv2D",
        {
            "filters": Arg(positive_int(), required=True, positional=True),
            "kernel_size": Arg(size(2), required=True, positional=True),
            "strides": Arg(size(2)),
            "padding": Arg(choice("valid", "same", any_case=True), default="valid"),
            **_depthwise_args(),
            "pointwise_initializer": Arg(INITIALIZERS),
            "pointwise_regularizer": Arg(REGULARIZERS),
            "pointwise_constraint": Arg(CONSTRAINTS),
        },
        separable_conv,
    ),
    LayerType(
        "DepthwiseConv2D",
        {
            "kernel_size": Arg(size(2), required=True, positional=True),
            "strides": Arg(size(2)),
            "padding": Arg(choice("valid", "same", any_case=True), default="valid"),
            **_depthwise_args(),
        },
        depthwise_conv,
    ),
]
