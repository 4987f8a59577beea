"""Noise and regularization: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization. None has weights; all keep the shape."""

from __future__ import annotations

from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    require_rank,
    same_shape,
    show_shape,
    single,
)
from generator.spec.values import (
    DATA_FORMATS,
    noise_shape,
    non_negative_int,
    non_negative_number,
    number_between,
)

# rate = 1 divides by zero in training: these layers scale by 1 / (1 - rate).
RATE = Arg(number_between(0, 1), required=True, positional=True)
SEED = Arg(non_negative_int())


def spatial_dropout(spatial: int) -> Rule:
    """Drops whole feature maps: needs (batch, ..., channels) of the right rank."""
    name = f"SpatialDropout{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        require_rank(shape, spatial + 2, name, "(batch, ..., channels)")
        return Output(shape)

    return rule


def masked_dropout(layer: str) -> Rule:
    """Dropout and AlphaDropout: a noise_shape, if any, has one size (None or 1) per axis."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        return _masked(layer, args, inputs)

    return rule


def _masked(layer: str, args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    mask = args.get("noise_shape")
    if mask is None:
        return Output(shape)
    if len(mask) != len(shape):
        raise ShapeError(
            f"{layer} noise_shape {show_shape(tuple(mask))} needs {len(shape)} entries,"
            f" one per axis of {show_shape(shape)} (the batch first)"
        )
    for axis, (size, dim) in enumerate(zip(mask, shape, strict=True)):
        if size not in (None, 1, dim) or (axis == 0 and size not in (None, 1)):
            raise ShapeError(
                f"{layer} noise_shape {show_shape(tuple(mask))}"
                f" does not fit {show_shape(shape)}"
                f" on axis {axis} (use null for the input's size, or 1)"
            )
    return Output(shape)


LAYER_TYPES = [
    *(
        LayerType(
            f"SpatialDropout{spatial}D",
            {
                "rate": RATE,
                **({"data_format": Arg(DATA_FORMATS)} if spatial > 1 else {}),
                "seed": SEED,
            },
            spatial_dropout(spatial),
        )
        for spatial in (1, 2, 3)
    ),
    LayerType(
        "GaussianNoise",
        {
            "stddev": Arg(number_between(0, 1, high_open=False), required=True, positional=True),
            "seed": SEED,
        },
        same_shape,
    ),
    LayerType("GaussianDropout", {"rate": RATE, "seed": SEED}, same_shape),
    LayerType(
        "AlphaDropout",
        {"rate": RATE, "noise_shape": Arg(noise_shape()), "seed": SEED},
        masked_dropout("AlphaDropout"),
    ),
    LayerType(
        "ActivityRegularization",
        {"l1": Arg(non_negative_number()), "l2": Arg(non_negative_number())},
        same_shape,
    ),
]
