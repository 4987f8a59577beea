"""Recurrent layers: SimpleRNN, LSTM, GRU, and Bidirectional around one of them."""

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
    known_last,
    require_rank,
    single,
)
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    ACTIVATIONS,
    ValueKind,
    boolean,
    choice,
    non_negative_int,
    number_between,
    positive_int,
)

GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent(layer: str) -> Rule:
    """Weights: kernel (in, gates*units), recurrent kernel (units, gates*units), bias."""
    gates = GATES[layer]

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        require_rank(shape, 3, layer, "(batch, steps, features)")
        features = known_last(shape, layer, "feature dimension")
        units = args["units"]
        weights = gates * units * (features + units)
        if args.get("use_bias", True):
            # GRU's default reset_after=True keeps separate input and recurrent biases.
            doubled = layer == "GRU" and args.get("reset_after", True)
            weights += gates * units * (2 if doubled else 1)
        out = (
            (shape[0], shape[1], units)
            if args.get("return_sequences", False)
            else (shape[0], units)
        )
        return Output(out, weights)

    return rule


def _recurrent_type(layer: str) -> LayerType:
    args: dict[str, Arg] = {
        "units": Arg(positive_int(), required=True, positional=True),
        "activation": Arg(ACTIVATIONS),
    }
    if layer != "SimpleRNN":
        args["recurrent_activation"] = Arg(ACTIVATIONS)
    args |= {
        "use_bias": Arg(boolean(), default=True),
        "kernel_initializer": Arg(INITIALIZERS),
        "recurrent_initializer": Arg(INITIALIZERS),
        "bias_initializer": Arg(INITIALIZERS),
        "kernel_regularizer": Arg(REGULARIZERS),
        "recurrent_regularizer": Arg(REGULARIZERS),
        "bias_regularizer": Arg(REGULARIZERS),
        "activity_regularizer": Arg(REGULARIZERS),
        "kernel_constraint": Arg(CONSTRAINTS),
        "recurrent_constraint": Arg(CONSTRAINTS),
        "bias_constraint": Arg(CONSTRAINTS),
        "dropout": Arg(number_between(0, 1)),
        "recurrent_dropout": Arg(number_between(0, 1)),
        "seed": Arg(non_negative_int()),
        "return_sequences": Arg(boolean()),
        "go_backwards": Arg(boolean()),
    }
    if layer == "LSTM":
        args["unit_forget_bias"] = Arg(boolean())
    if layer == "GRU":
        args["reset_after"] = Arg(boolean())
    return LayerType(layer, args, recurrent(layer))


RECURRENT = {name: _recurrent_type(name) for name in GATES}


def split_nested(layer: Mapping[str, Any]) -> tuple[LayerType, dict[str, Any]]:
    """The type and the arguments of a nested layer mapping that passed its checks."""
    return RECURRENT[layer["type"]], {key: value for key, value in layer.items() if key != "type"}


def bidirectional(args: Args, inputs: Sequence[Shape]) -> Output:
    inner_type, inner_args = split_nested(args["layer"])
    inner = inner_type.infer(inner_args, inputs)
    merge_mode = args.get("merge_mode", "concat")
    shape = inner.shape
    if merge_mode == "concat":
        shape = (*shape[:-1], 2 * shape[-1])  # type: ignore[operator]
    return Output(shape, 2 * inner.trainable, 2 * inner.non_trainable)


def _nested_layer() -> ValueKind:
    names = ", ".join(RECURRENT)

    def check(value: Any) -> bool:
        return type(value) is dict and value.get("type") in RECURRENT

    def canonical(value: Any) -> Any:
        inner_type, inner_args = split_nested(value)
        return {"type": value["type"], **inner_type.keras_args(inner_args)}

    return ValueKind(
        f"a mapping with `type` ({names}) and that layer's arguments", check, canonical
    )


LAYER_TYPES = [
    *RECURRENT.values(),
    LayerType(
        "Bidirectional",
        {
            "layer": Arg(_nested_layer(), required=True, positional=True, wraps=tuple(RECURRENT)),
            "merge_mode": Arg(choice("concat", "sum", "mul", "ave")),
        },
        bidirectional,
    ),
]
