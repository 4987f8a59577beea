"""Convolutions in 1-D, 2-D and 3-D: plain, transposed, separable and depthwise."""

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
)
from generator.analysis.layers.core import bias, weight_args
from generator.analysis.layers.spatial import (
    DATA_FORMAT,
    geometry,
    join,
    known_channels,
    spatial_input,
    windowed,
)
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    ACTIVATIONS,
    choice,
    non_negative_size,
    positive_int,
    size,
)


def conv(spatial: int) -> Rule:
    """Conv1D / Conv2D / Conv3D: kernel (*k, in, filters) and a bias."""
    layer = f"Conv{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, _, channels, first = spatial_input(args, inputs, layer, spatial)
        channels = known_channels(shape, channels, layer)
        kernel, strides, dilation = geometry(args, spatial, layer)
        filters = args["filters"]
        padding = args.get("padding", "valid")
        dims = windowed(shape, first, layer, kernel, strides, padding, dilation)
        return Output(
            join(shape[0], dims, filters, first),
            math.prod(kernel) * channels * filters + bias(args, filters),
        )

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


def conv_transpose(spatial: int) -> Rule:
    """Conv*DTranspose: kernel (*k, filters, in) and a bias; lengths grow by the strides."""
    layer = f"Conv{spatial}DTranspose"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, dims, channels, first = spatial_input(args, inputs, layer, spatial)
        channels = known_channels(shape, channels, layer)
        kernel, strides, dilation = geometry(args, spatial, layer)
        padding = args.get("padding", "valid")
        extra = args.get("output_padding")
        extras = (None,) * spatial if extra is None else as_tuple(extra, spatial)
        if any(e is not None and e >= s for e, s in zip(extras, strides, strict=True)):
            raise ShapeError(f"{layer} output_padding must be smaller than strides on every axis")
        if padding == "same" and any(
            e == 0 and ((k - 1) * d + 1) % 2 == 0
            for e, k, d in zip(extras, kernel, dilation, strict=True)
        ):
            # Keras then computes a length one short of what TensorFlow's kernel makes.
            raise ShapeError(
                f"{layer} with padding='same', an even kernel_size and output_padding 0 fails"
                " when it runs (Keras computes one step less than TensorFlow makes): leave"
                " output_padding out or make the kernel odd"
            )
        lengths = tuple(
            _transpose_length(dims[i], kernel[i], strides[i], padding, extras[i], dilation[i])
            for i in range(spatial)
        )
        filters = args["filters"]
        return Output(
            join(shape[0], lengths, filters, first),
            math.prod(kernel) * filters * channels + bias(args, filters),
        )

    return rule


def _depthwise_window(
    args: Args, inputs: Sequence[Shape], layer: str, spatial: int
) -> tuple[Shape, int, bool, tuple[int, ...], tuple[Dim, ...]]:
    """Input, known channels, layout, kernel and output sizes of a depthwise kernel.

    TensorFlow's depthwise kernel runs only equal strides; Keras builds others, then fails.
    """
    shape, _, channels, first = spatial_input(args, inputs, layer, spatial)
    channels = known_channels(shape, channels, layer)
    kernel, strides, dilation = geometry(args, spatial, layer, strided_dilation=True)
    if len(set(strides)) > 1:
        raise ShapeError(
            f"{layer} strides {strides} differ between the spatial axes, which TensorFlow's"
            " depthwise convolution cannot run (use equal strides)"
        )
    padding = args.get("padding", "valid")
    dims = windowed(shape, first, layer, kernel, strides, padding, dilation)
    return shape, channels, first, kernel, tuple(dims)


def separable_conv(spatial: int) -> Rule:
    """SeparableConv*D: a depthwise kernel, then a 1x1 pointwise kernel, and a bias."""
    layer = f"SeparableConv{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, channels, first, kernel, dims = _depthwise_window(args, inputs, layer, spatial)
        multiplier, filters = args.get("depth_multiplier", 1), args["filters"]
        depthwise = math.prod(kernel) * channels * multiplier
        pointwise = channels * multiplier * filters
        return Output(
            join(shape[0], dims, filters, first), depthwise + pointwise + bias(args, filters)
        )

    return rule


def depthwise_conv(spatial: int) -> Rule:
    """DepthwiseConv*D: depth_multiplier filters per input channel, and a bias."""
    layer = f"DepthwiseConv{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, channels, first, kernel, dims = _depthwise_window(args, inputs, layer, spatial)
        out_channels = channels * args.get("depth_multiplier", 1)
        return Output(
            join(shape[0], dims, out_channels, first),
            math.prod(kernel) * out_channels + bias(args, out_channels),
        )

    return rule


def _window_args(spatial: int, *, causal: bool = False) -> dict[str, Arg]:
    paddings = ("valid", "same", "causal") if causal else ("valid", "same")
    return {
        "strides": Arg(size(spatial)),
        "padding": Arg(choice(*paddings, any_case=True), default="valid"),
        "data_format": DATA_FORMAT,
        "dilation_rate": Arg(size(spatial)),
    }


def _filters(spatial: int) -> dict[str, Arg]:
    return {
        "filters": Arg(positive_int(), required=True, positional=True),
        "kernel_size": Arg(size(spatial), required=True, positional=True),
    }


def _conv_type(spatial: int) -> LayerType:
    return LayerType(
        f"Conv{spatial}D",
        {
            **_filters(spatial),
            **_window_args(spatial, causal=spatial == 1),
            "activation": Arg(ACTIVATIONS),
            **weight_args(),
        },
        conv(spatial),
    )


def _transpose_type(spatial: int) -> LayerType:
    return LayerType(
        f"Conv{spatial}DTranspose",
        {
            **_filters(spatial),
            **_window_args(spatial),
            "output_padding": Arg(non_negative_size(spatial)),
            "activation": Arg(ACTIVATIONS),
            **weight_args(),
        },
        conv_transpose(spatial),
    )


def _depthwise_args() -> dict[str, Arg]:
    return {
        "depth_multiplier": Arg(positive_int()),
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


def _separable_type(spatial: int) -> LayerType:
    return LayerType(
        f"SeparableConv{spatial}D",
        {
            **_filters(spatial),
            **_window_args(spatial),
            **_depthwise_args(),
            "pointwise_initializer": Arg(INITIALIZERS),
            "pointwise_regularizer": Arg(REGULARIZERS),
            "pointwise_constraint": Arg(CONSTRAINTS),
        },
        separable_conv(spatial),
    )


def _depthwise_type(spatial: int) -> LayerType:
    return LayerType(
        f"DepthwiseConv{spatial}D",
        {
            "kernel_size": Arg(size(spatial), required=True, positional=True),
            **_window_args(spatial),
            **_depthwise_args(),
        },
        depthwise_conv(spatial),
    )


LAYER_TYPES = [
    *(_conv_type(spatial) for spatial in (1, 2, 3)),
    *(_transpose_type(spatial) for spatial in (1, 2, 3)),
    *(_separable_type(spatial) for spatial in (1, 2)),
    *(_depthwise_type(spatial) for spatial in (1, 2)),
]
