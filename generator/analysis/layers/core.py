"""Dense, Activation, Dropout, Embedding, Masking."""

from __future__ import annotations

from collections.abc import Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Shape,
    ShapeError,
    known_last,
    same_shape,
    show_shape,
    single,
)
from generator.analysis.layers.regularization import masked_dropout
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    ACTIVATIONS,
    boolean,
    noise_shape,
    non_negative_int,
    number,
    number_between,
    positive_int,
)


def weight_args(kernel: str = "kernel") -> dict[str, Arg]:
    """use_bias and the initializer/regularizer/constraint of a kernel and a bias."""
    return {
        "use_bias": Arg(boolean(), default=True),
        f"{kernel}_initializer": Arg(INITIALIZERS),
        "bias_initializer": Arg(INITIALIZERS),
        f"{kernel}_regularizer": Arg(REGULARIZERS),
        "bias_regularizer": Arg(REGULARIZERS),
        "activity_regularizer": Arg(REGULARIZERS),
        f"{kernel}_constraint": Arg(CONSTRAINTS),
        "bias_constraint": Arg(CONSTRAINTS),
    }


def bias(args: Args, size: int) -> int:
    """Bias weights: `size` unless use_bias is false."""
    return size if args.get("use_bias", True) else 0


def dense(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    if len(shape) < 2:
        raise ShapeError(f"Dense needs an input of rank 2 or more, got {show_shape(shape)}")
    last = known_last(shape, "Dense")
    units = args["units"]
    return Output((*shape[:-1], units), last * units + bias(args, units))


def embedding(args: Args, inputs: Sequence[Shape]) -> Output:
    shape = single(inputs)
    return Output((*shape, args["output_dim"]), args["input_dim"] * args["output_dim"])


LAYER_TYPES = [
    LayerType(
        "Dense",
        {
            "units": Arg(positive_int(), required=True, positional=True),
            "activation": Arg(ACTIVATIONS),
            **weight_args(),
        },
        dense,
    ),
    LayerType(
        "Activation",
        {"activation": Arg(ACTIVATIONS, required=True, positional=True)},
        same_shape,
    ),
    LayerType(
        "Dropout",
        {
            "rate": Arg(number_between(0, 1), required=True, positional=True),
            "noise_shape": Arg(noise_shape()),
            "seed": Arg(non_negative_int()),
        },
        masked_dropout("Dropout"),
    ),
    LayerType(
        "Embedding",
        {
            "input_dim": Arg(positive_int(), required=True, positional=True),
            "output_dim": Arg(positive_int(), required=True, positional=True),
            "embeddings_initializer": Arg(INITIALIZERS),
            "embeddings_regularizer": Arg(REGULARIZERS),
            "embeddings_constraint": Arg(CONSTRAINTS),
            "mask_zero": Arg(boolean()),
        },
        embedding,
    ),
    LayerType("Masking", {"mask_value": Arg(number())}, same_shape),
]
