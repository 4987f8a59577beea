"""Pooling: Max/Average in 1-D and 2-D, and the global poolings."""

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
    require_rank,
    single,
)
from generator.analysis.layers.conv import windowed
from generator.spec.values import boolean, choice, size


def pooling(layer: str, spatial: int) -> Rule:
    """MaxPooling / AveragePooling: strides default to the pool size."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        pool = as_tuple(args.get("pool_size", 2), spatial)
        strides_arg = args.get("strides")
        strides = pool if strides_arg is None else as_tuple(strides_arg, spatial)
        padding = args.get("padding", "valid")
        return Output(windowed(shape, layer, pool, strides, padding, (1,) * spatial, shape[-1]))

    return rule


def global_pooling(layer: str, spatial: int) -> Rule:
    """Global pooling: one value per channel."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        if args.get("keepdims", False):
            return Output((shape[0], *(1,) * spatial, shape[-1]))
        return Output((shape[0], shape[-1]))

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
        },
        pooling(name, spatial),
    )


def _global_type(kind: str, spatial: int) -> LayerType:
    name = f"Global{kind}Pooling{spatial}D"
    return LayerType(name, {"keepdims": Arg(boolean())}, global_pooling(name, spatial))


LAYER_TYPES = [
    _pooling_type(kind, spatial) for kind in ("Max", "Average") for spatial in (1, 2)
] + [_global_type(kind, spatial) for kind in ("Average", "Max") for spatial in (1, 2)]
