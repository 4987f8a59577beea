"""The layer catalog: every supported Keras layer, its arguments and its shape rule.

Adding a layer type is one entry here (and a shape rule in shapes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import shapes
from generator.values import (
    ACTIVATIONS,
    CONSTRAINTS,
    INITIALIZERS,
    REGULARIZERS,
    ValueKind,
    boolean,
    choice,
    integer,
    non_negative_int,
    number_between,
    positive_int,
    positive_number,
    size,
)

ShapeRule = Callable[[Mapping[str, Any], Sequence[shapes.Shape]], shapes.Shape]


@dataclass(frozen=True)
class Arg:
    """One keyword argument of a layer."""

    kind: ValueKind
    required: bool = False
    positional: bool = False  # printed without its keyword, as people write Dense(32)


@dataclass(frozen=True)
class LayerType:
    """A Keras layer class as the generator knows it."""

    name: str
    args: Mapping[str, Arg]
    infer_shape: ShapeRule
    merge_function: str | None = None  # layers.<function> of a merging layer

    @property
    def is_merge(self) -> bool:
        """Merging layers take a list of two or more tensors."""
        return self.merge_function is not None

    @property
    def activation_arg(self) -> str | None:
        """The argument that holds the layer's output activation, if any."""
        return "activation" if "activation" in self.args else None


def _weights(kernel: str = "kernel") -> dict[str, Arg]:
    return {
        "use_bias": Arg(boolean()),
        f"{kernel}_initializer": Arg(INITIALIZERS),
        "bias_initializer": Arg(INITIALIZERS),
        f"{kernel}_regularizer": Arg(REGULARIZERS),
        "bias_regularizer": Arg(REGULARIZERS),
        "activity_regularizer": Arg(REGULARIZERS),
        f"{kernel}_constraint": Arg(CONSTRAINTS),
        "bias_constraint": Arg(CONSTRAINTS),
    }


def _conv(spatial: int) -> LayerType:
    paddings = ("valid", "same", "causal") if spatial == 1 else ("valid", "same")
    return LayerType(
        f"Conv{spatial}D",
        {
            "filters": Arg(positive_int(), required=True, positional=True),
            "kernel_size": Arg(size(spatial), required=True, positional=True),
            "strides": Arg(size(spatial)),
            "padding": Arg(choice(*paddings)),
            "dilation_rate": Arg(size(spatial)),
            "activation": Arg(ACTIVATIONS),
            **_weights(),
        },
        shapes.conv(spatial),
    )


def _pooling(kind: str, spatial: int) -> LayerType:
    name = f"{kind}Pooling{spatial}D"
    return LayerType(
        name,
        {
            "pool_size": Arg(size(spatial), positional=True),
            "strides": Arg(size(spatial)),
            "padding": Arg(choice("valid", "same")),
        },
        shapes.pooling(name, spatial),
    )


def _global_pooling(kind: str, spatial: int) -> LayerType:
    name = f"Global{kind}Pooling{spatial}D"
    return LayerType(name, {"keepdims": Arg(boolean())}, shapes.global_pooling(name, spatial))


_LAYER_TYPES = [
    LayerType(
        "Dense",
        {
            "units": Arg(positive_int(), required=True, positional=True),
            "activation": Arg(ACTIVATIONS),
            **_weights(),
        },
        shapes.dense,
    ),
    _conv(1),
    _conv(2),
    _pooling("Max", 1),
    _pooling("Max", 2),
    _pooling("Average", 1),
    _pooling("Average", 2),
    _global_pooling("Average", 1),
    _global_pooling("Average", 2),
    _global_pooling("Max", 1),
    _global_pooling("Max", 2),
    LayerType("Flatten", {}, shapes.flatten),
    LayerType(
        "Dropout",
        {
            "rate": Arg(number_between(0, 1), required=True, positional=True),
            "seed": Arg(non_negative_int()),
        },
        shapes.same_shape,
    ),
    LayerType(
        "BatchNormalization",
        {
            "axis": Arg(integer()),
            "momentum": Arg(number_between(0, 1)),
            "epsilon": Arg(positive_number()),
            "center": Arg(boolean()),
            "scale": Arg(boolean()),
            "beta_initializer": Arg(INITIALIZERS),
            "gamma_initializer": Arg(INITIALIZERS),
            "moving_mean_initializer": Arg(INITIALIZERS),
            "moving_variance_initializer": Arg(INITIALIZERS),
            "beta_regularizer": Arg(REGULARIZERS),
            "gamma_regularizer": Arg(REGULARIZERS),
        },
        shapes.batch_normalization,
    ),
    LayerType(
        "Activation",
        {"activation": Arg(ACTIVATIONS, required=True, positional=True)},
        shapes.same_shape,
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
        shapes.embedding,
    ),
    LayerType(
        "Concatenate",
        {"axis": Arg(integer())},
        shapes.concatenate,
        merge_function="concatenate",
    ),
]

CATALOG: Mapping[str, LayerType] = {layer.name: layer for layer in _LAYER_TYPES}
