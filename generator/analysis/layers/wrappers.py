"""TimeDistributed: any one-input catalog layer applied to every step of a sequence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    nested_args,
    nested_keys,
    show_shape,
    single,
)
from generator.analysis.layers.lookup import LAYER_TYPES as LOOKUPS
from generator.spec.model import LAYER_ALIASES
from generator.spec.values import ValueKind

# Not wrapped: merges take several tensors, wrappers nest, lookups are tables on their own.
NOT_WRAPPED = frozenset({"Bidirectional", "TimeDistributed", *(item.name for item in LOOKUPS)})


def wrappable(catalog: Mapping[str, LayerType]) -> dict[str, LayerType]:
    """The catalog's types TimeDistributed can wrap, by name."""
    return {
        name: item
        for name, item in catalog.items()
        if not item.is_merge and name not in NOT_WRAPPED
    }


def _split(wrapped: Mapping[str, LayerType], layer: Mapping[str, Any]) -> tuple[LayerType, Args]:
    return wrapped[layer["type"]], nested_args(layer)


def _nested_layer(wrapped: Mapping[str, LayerType]) -> ValueKind:
    def check(value: Any) -> bool:
        return type(value) is dict and value.get("type") in wrapped

    def canonical(value: Any) -> Any:
        inner_type, inner_args = _split(wrapped, value)
        return {**nested_keys(value), **inner_type.keras_args(inner_args)}

    def hint(value: Any) -> str:
        kind = value.get("type") if type(value) is dict else None
        if kind in NOT_WRAPPED:
            return f" ({kind} cannot be wrapped)"
        if kind in LAYER_ALIASES:  # aliases are read at the top level; here, say the class
            return f" (write {LAYER_ALIASES[kind]}, the class Keras's {kind} names)"
        return ""

    return ValueKind(
        "a mapping with `type` (a one-input catalog layer), that layer's arguments and,"
        " if wanted, its Keras `name`",
        check,
        canonical,
        hint,
    )


def time_distributed(wrapped: Mapping[str, LayerType]) -> Rule:
    """The wrapped layer's rule on one step, (batch, *rest); the steps axis put back."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        if len(shape) < 3:
            raise ShapeError(
                f"TimeDistributed expects an input of rank 3 or more (batch, steps, ...),"
                f" got {show_shape(shape)}"
            )
        inner_type, inner_args = _split(wrapped, args["layer"])
        try:
            inner = inner_type.infer(inner_args, [(shape[0], *shape[2:])])
        except ShapeError as error:
            message = f"TimeDistributed applies {inner_type.name} to each step: {error}"
            raise ShapeError(message) from None
        if inner.extra:  # Keras fails on it: TimeDistributed maps one tensor per step
            raise ShapeError(
                f"TimeDistributed cannot wrap {inner_type.name} with several outputs"
                " (leave return_state out)"
            )
        out = (inner.shape[0], shape[1], *inner.shape[1:])
        return Output(out, inner.trainable, inner.non_trainable)

    return rule


def time_distributed_type(catalog: Mapping[str, LayerType]) -> LayerType:
    """TimeDistributed over the layers of `catalog` it can wrap."""
    wrapped = wrappable(catalog)
    return LayerType(
        "TimeDistributed",
        {
            "layer": Arg(
                _nested_layer(wrapped), required=True, positional=True, wraps=tuple(wrapped)
            )
        },
        time_distributed(wrapped),
    )
