"""Recurrent layers: SimpleRNN, LSTM, GRU, ConvLSTM1D/2D, and Bidirectional around one.

Each takes the call arguments `initial_state` and `mask`, a (batch, steps) tensor Keras
casts to booleans (false: skip that step). With return_state the states follow the output:
Bidirectional's forward ones, then its backward ones; its initial_state is split the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    CallArg,
    CallRule,
    Dim,
    LayerType,
    Output,
    OutputNames,
    Rule,
    Shape,
    ShapeError,
    known_last,
    nested_args,
    nested_keys,
    require_rank,
    show_shape,
    single,
)
from generator.analysis.layers.spatial import (
    DATA_FORMAT,
    channels_first,
    geometry,
    join,
    known_channels,
    layout,
    split,
    windowed,
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
    size,
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
        states = (shape[0], units)
        extra = (states,) * (len(STATES[layer]) - 1) if args.get("return_state") is True else ()
        return Output(out, weights, extra=extra)

    return rule


# A recurrent layer's outputs with return_state: the output, then its states.
STATES = {
    "SimpleRNN": ("output", "state"),
    "LSTM": ("output", "state_h", "state_c"),
    "GRU": ("output", "state"),
}


def _outputs(layer: str) -> OutputNames:
    def names(args: Args) -> tuple[str, ...]:
        return STATES[layer] if args.get("return_state") is True else ("output",)

    return names


_MASK = CallArg(True, doc="a (batch, steps) tensor: false (0) skips that step")


def check_mask(layer: str, sequence: Shape, call: Mapping[str, Sequence[Shape]]) -> None:
    """A recurrent layer's mask is (batch, steps), with the steps of its input."""
    for mask in call.get("mask", ()):
        wanted = sequence[:2]
        if len(mask) != 2 or (None not in (mask[1], wanted[1]) and mask[1] != wanted[1]):
            raise ShapeError(
                f"{layer}'s mask must be (batch, steps) = {show_shape(wanted)} for its input"
                f" {show_shape(sequence)}, got {show_shape(mask)}"
            )


# Whether a size of 1 in state `index` on `axis` broadcasts in Keras's cell arithmetic: a
# carry state c (f * c) on any axis, a ConvLSTM's h (a "same" convolution) off its channels.
Broadcasts = Callable[[int, int], bool]


def _never(index: int, axis: int) -> bool:
    return False


def check_states(
    owner: str,
    wanted: Sequence[Shape],
    given: Sequence[Shape],
    why: str,
    split: str = "",
    broadcasts: Broadcasts = _never,
) -> None:
    """`len(wanted)` initial states, each of its shape (known but for the batch: a state of
    an unknown size may not fit, so it is refused)."""
    count = len(wanted)
    states = "state" if count == 1 else "states"
    shapes = " and ".join(dict.fromkeys(show_shape(shape) for shape in wanted))
    takes = f"{owner}'s initial_state takes {count} {states} of {shapes}"
    got = ", ".join(show_shape(shape) for shape in given)
    if len(given) != count:
        raise ShapeError(f"{takes}{split}, got {len(given)}: {got}")
    wrong = [
        (index, axis, size)
        for index, (shape, want) in enumerate(zip(given, wanted, strict=True))
        for axis, (size, known) in enumerate(zip(shape, want, strict=False))
        if axis > 0 and size != known
    ]
    ranks = all(len(shape) == len(want) for shape, want in zip(given, wanted, strict=True))
    if wrong or not ranks:
        raise ShapeError(f"{takes} ({why}), got {got}{_loose(wanted, wrong, broadcasts)}")


def _loose(
    wanted: Sequence[Shape], wrong: Sequence[tuple[int, int, Dim]], broadcasts: Broadcasts
) -> str:
    """Why Keras, which checks no state, may still run some of these: a note, or nothing."""
    if not wrong:
        return ""  # a state of another rank
    if all(size == 1 and broadcasts(index, axis) for index, axis, size in wrong):
        # Keras's eager loop broadcasts it; the compiled loop of predict and fit fails.
        return " (Keras broadcasts a size of 1 in an eager call only)"
    if all(
        size is None or (broadcasts(index, axis) and 1 in (size, wanted[index][axis]))
        for index, axis, size in wrong
    ):
        return " (Keras builds it; it runs only where a size happens to fit or broadcast)"
    return ""


def _carry(index: int, axis: int) -> bool:
    return index == 1


def _initial_state(layer: str) -> CallRule:
    """initial_state: one (batch, units) tensor per state, LSTM two (h and c); the mask."""

    def rule(args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]) -> None:
        check_mask(layer, inputs[0], call)
        given = call.get("initial_state")
        if given is not None:
            wanted = ((inputs[0][0], args["units"]),) * (len(STATES[layer]) - 1)
            carry = _carry if layer == "LSTM" else _never
            check_states(layer, wanted, given, "its units", broadcasts=carry)

    return rule


def _bidirectional_states(
    args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]
) -> None:
    """Keras gives the first half of initial_state to the forward layer, the rest backward."""
    check_mask("Bidirectional", inputs[0], call)
    given = call.get("initial_state")
    if given is None:
        return
    inner = args["layer"]["type"]
    count = len(STATES[inner]) - 1
    wanted = ((inputs[0][0], args["layer"]["units"]),) * (2 * count)
    split = f" (the forward {inner}'s {count}, then the backward's {count})"

    def carry(index: int, axis: int) -> bool:
        return inner == "LSTM" and index % 2 == 1

    check_states("Bidirectional", wanted, given, f"its {inner}'s units", split, carry)


def _conv_states(spatial: int) -> CallRule:
    """initial_state: h and c, each shaped like one step of the output; the mask."""
    layer = f"ConvLSTM{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]) -> None:
        check_mask(layer, inputs[0], call)
        given = call.get("initial_state")
        if given is None:
            return
        channels = 1 if channels_first(args) else spatial + 1

        def broadcasts(index: int, axis: int) -> bool:
            return index == 1 or axis != channels

        wanted = (conv_state(spatial, args, inputs[0]),) * 2
        check_states(layer, wanted, given, "one step of its output", broadcasts=broadcasts)

    return rule


def conv_lstm(spatial: int) -> Rule:
    """ConvLSTM*D: an LSTM whose gates are convolutions over (time, *spatial, channels)."""
    layer = f"ConvLSTM{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        first = channels_first(args)
        require_rank(shape, spatial + 3, layer, layout(spatial, first, time=True))
        step = (shape[0], *shape[2:])
        dims, channels = split(step, first)
        if None in dims:
            raise ShapeError(f"{layer} needs known spatial dimensions, got {show_shape(shape)}")
        channels = known_channels(shape, channels, layer)
        kernel = geometry(args, spatial, layer)[0]
        filters = args["filters"]
        state = conv_state(spatial, args, shape)
        cells = math.prod(kernel) * 4 * filters
        weights = cells * (channels + filters) + (4 * filters if args.get("use_bias", True) else 0)
        sequences = args.get("return_sequences", False)
        # return_state: state_h and state_c, each shaped like one step of the output.
        extra = (state,) * 2 if args.get("return_state") is True else ()
        out = (shape[0], shape[1], *state[1:]) if sequences else state
        return Output(out, weights, extra=extra)

    return rule


def conv_state(spatial: int, args: Args, shape: Shape) -> Shape:
    """One step of a ConvLSTM's output, (batch, *out dims, filters): its h and c states."""
    layer = f"ConvLSTM{spatial}D"
    first = channels_first(args)
    step = (shape[0], *shape[2:])
    kernel, strides, dilation = geometry(args, spatial, layer)
    out = windowed(step, first, layer, kernel, strides, args.get("padding", "valid"), dilation)
    return join(shape[0], out, args["filters"], first)


def _state_args(layer: str) -> dict[str, Arg]:
    """The arguments every recurrent layer shares after its activations."""
    args = {
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
    args["return_state"] = Arg(boolean(), default=False)
    if "LSTM" in layer:
        args["unit_forget_bias"] = Arg(boolean())
    return args


def _recurrent_type(layer: str) -> LayerType:
    args: dict[str, Arg] = {
        "units": Arg(positive_int(), required=True, positional=True),
        "activation": Arg(ACTIVATIONS),
    }
    if layer != "SimpleRNN":
        args["recurrent_activation"] = Arg(ACTIVATIONS)
    args |= _state_args(layer)
    if layer == "GRU":
        args["reset_after"] = Arg(boolean())
    return LayerType(
        layer,
        args,
        recurrent(layer),
        calls={
            "initial_state": CallArg(True, many=True, doc="the states to start from"),
            "mask": _MASK,
        },
        call_rule=_initial_state(layer),
        output_names=_outputs(layer),
    )


def _conv_lstm_type(spatial: int) -> LayerType:
    layer = f"ConvLSTM{spatial}D"
    args = {
        "filters": Arg(positive_int(), required=True, positional=True),
        "kernel_size": Arg(size(spatial), required=True, positional=True),
        "strides": Arg(size(spatial)),
        "padding": Arg(choice("valid", "same", any_case=True)),  # standardize_padding lowercases
        "data_format": DATA_FORMAT,
        "dilation_rate": Arg(size(spatial)),
        "activation": Arg(ACTIVATIONS),
        "recurrent_activation": Arg(ACTIVATIONS),
        **_state_args(layer),
    }
    return LayerType(
        layer,
        args,
        conv_lstm(spatial),
        calls={
            "initial_state": CallArg(True, many=True, doc="h and c, each one step of the output"),
            "mask": _MASK,
        },
        call_rule=_conv_states(spatial),
        output_names=_outputs("LSTM"),
    )


RECURRENT = {name: _recurrent_type(name) for name in GATES}


def split_nested(layer: Mapping[str, Any]) -> tuple[LayerType, dict[str, Any]]:
    """The type and the arguments of a nested layer mapping that passed its checks."""
    return RECURRENT[layer["type"]], nested_args(layer)


def bidirectional(args: Args, inputs: Sequence[Shape]) -> Output:
    inner_type, inner_args = split_nested(args["layer"])
    inner = inner_type.infer(inner_args, inputs)
    merge_mode = args.get("merge_mode", "concat")
    shape = inner.shape
    if merge_mode == "concat":
        shape = (*shape[:-1], 2 * shape[-1])  # type: ignore[operator]
    # Keras returns the merged output, then the forward layer's states, then the backward's.
    extra = inner.extra * 2
    return Output(shape, 2 * inner.trainable, 2 * inner.non_trainable, extra=extra)


def _bidirectional_outputs(args: Args) -> tuple[str, ...]:
    """output, then forward_<state>... and backward_<state>... with return_state."""
    inner_type, inner_args = split_nested(args["layer"])
    _, *states = inner_type.output_names(inner_args)
    return (
        "output",
        *(f"forward_{state}" for state in states),
        *(f"backward_{state}" for state in states),
    )


def _nested_layer() -> ValueKind:
    names = ", ".join(RECURRENT)

    def check(value: Any) -> bool:
        return type(value) is dict and value.get("type") in RECURRENT

    def canonical(value: Any) -> Any:
        inner_type, inner_args = split_nested(value)
        return {**nested_keys(value), **inner_type.keras_args(inner_args)}

    return ValueKind(
        f"a mapping with `type` ({names}), that layer's arguments and, if wanted, its Keras `name`",
        check,
        canonical,
    )


LAYER_TYPES = [
    *RECURRENT.values(),
    _conv_lstm_type(1),
    _conv_lstm_type(2),
    LayerType(
        "Bidirectional",
        {
            "layer": Arg(_nested_layer(), required=True, positional=True, wraps=tuple(RECURRENT)),
            "merge_mode": Arg(choice("concat", "sum", "mul", "ave")),
        },
        bidirectional,
        calls={
            "initial_state": CallArg(True, many=True, doc="the forward states, then the backward"),
            "mask": _MASK,
        },
        call_rule=_bidirectional_states,
        output_names=_bidirectional_outputs,
    ),
]
