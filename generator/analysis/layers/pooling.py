"""Pooling: Max/Average in 1-D, 2-D and 3-D, and the global poolings."""

from __future__ import annotations

from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    as_tuple,
)
from generator.analysis.layers.spatial import DATA_FORMAT, join, spatial_input, windowed
from generator.spec.values import boolean, choice, size

SPATIAL = (1, 2, 3)


def pooling(layer: str, spatial: int) -> Rule:
    """MaxPooling / AveragePooling: strides default to the pool size."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, _, channels, first = spatial_input(args, inputs, layer, spatial)
        pool = as_tuple(args.get("pool_size", 2), spatial)
        strides_arg = args.get("strides")
        strides = pool if strides_arg is None else as_tuple(strides_arg, spatial)
        padding = args.get("padding", "valid")
        dims = windowed(shape, first, layer, pool, strides, padding, (1,) * spatial)
        return Output(join(shape[0], dims, channels, first))

    return rule


def global_pooling(layer: str, spatial: int) -> Rule:
    """Global pooling: one value per channel."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape, _, channels, first = spatial_input(args, inputs, layer, spatial)
        if args.get("keepdims", False):
            return Output(join(shape[0], (1,) * spatial, channels, first))
        return Output((shape[0], channels))

    return rule


def _pooling_type(kind: str, spatial: int) -> LayerType:
    name = f"{kind}Pooling{spatial}D"
    return LayerType(
        name,
        {
            # keras.layers.AveragePooling*D has no default pool_size; MaxPooling*D has 2.
            "pool_size": Arg(size(spatial), required=kind == "Average", positional=True),
            "strides": Arg(size(spatial)),
            # Lowercase only: Keras's pooling ops refuse "SAME", unlike its convolutions.
            "padding": Arg(choice("valid", "same"), default="valid"),
            "data_format": DATA_FORMAT,
        },
        pooling(name, spatial),
    )


def _global_type(kind: str, spatial: int) -> LayerType:
    name = f"Global{kind}Pooling{spatial}D"
    return LayerType(
        name,
        {"data_format": DATA_FORMAT, "keepdims": Arg(boolean())},
        global_pooling(name, spatial),
    )


LAYER_TYPES = [
    _pooling_type(kind, spatial) for kind in ("Max", "Average") for spatial in SPATIAL
] + [_global_type(kind, spatial) for kind in ("Average", "Max") for spatial in SPATIAL]
