"""Attention layers: MultiHeadAttention, Attention and AdditiveAttention.

Each takes a query, a value and optionally a key (default: the value), all (batch, steps,
features), as `inputs: [query, value]` or `inputs: {query: q, value: v, key: k}`. With the
call argument `return_attention_scores` each has a second output, `scores`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from generator.analysis.layers.base import (
    Arg,
    Args,
    CallArg,
    LayerType,
    Output,
    Shape,
    ShapeError,
    known_last,
    require_rank,
    show_shape,
)
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import (
    boolean,
    choice,
    non_negative_int,
    number_between,
    positive_int,
)

ATTENTION_INPUTS = ("query", "value", "key")
_SCORES = CallArg(False, doc="also return the attention scores, as the output `scores`")
_CAUSAL = CallArg(False, doc="mask each step from attending to later steps")


def scored(args: Args) -> tuple[str, ...]:
    """An attention layer's outputs: the scores too when the call asks for them."""
    return ("output", "scores") if args.get("return_attention_scores") is True else ("output",)


def _tensors(
    layer: str, inputs: Sequence[Shape], exact: bool = False
) -> tuple[Shape, Shape, Shape]:
    """Query, value and key (the value when left out), each (batch, steps, features).

    The key has the value's steps: MultiHeadAttention checks it while building (`exact`:
    an unknown length differs from a known one); the others only when they run, where an
    unknown length may turn out equal (the synthetic data's length is chosen to fit).
    """
    for shape in inputs:
        require_rank(shape, 3, layer, "(batch, steps, features)")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    differ = key[1] != value[1] and (exact or None not in (key[1], value[1]))
    if differ and len(inputs) > 2:
        raise ShapeError(
            f"{layer} needs a key with the value's steps: value {show_shape(value)},"
            f" key {show_shape(key)}"
        )
    return query, value, key


def multi_head(args: Args, inputs: Sequence[Shape]) -> Output:
    """Dense projections per head of query, key and value, then one back to the output size."""
    layer = "MultiHeadAttention"
    query, value, key = _tensors(layer, inputs, exact=True)
    dims = [known_last(shape, layer, "feature dimension") for shape in (query, value, key)]
    heads, key_dim = args["num_heads"], args["key_dim"]
    value_dim = args.get("value_dim") or key_dim
    out_dim = args.get("output_shape") or dims[0]
    bias = args.get("use_bias", True)
    weights = sum(
        heads * size * (dim + (1 if bias else 0))
        for dim, size in ((dims[0], key_dim), (dims[2], key_dim), (dims[1], value_dim))
    )
    weights += heads * value_dim * out_dim + (out_dim if bias else 0)
    scores = (query[0], heads, query[1], value[1])
    extra = (scores,) if args.get("return_attention_scores") is True else ()
    if extra and query[1] != value[1]:
        # Keras's compute_output_spec shapes the scores (batch, heads, T, T): the model would
        # be built for that shape and fail, or be wrong, on the real (batch, heads, T, S).
        raise ShapeError(
            f"{layer} returns its scores only for a query and a value of the same length"
            f" (Keras builds them as (batch, heads, query steps, query steps)): query"
            f" {show_shape(query)}, value {show_shape(value)}"
        )
    return Output((*query[:-1], out_dim), weights, extra=extra)


def dot_product(layer: str, additive: bool) -> Callable[[Args, Sequence[Shape]], Output]:
    """Attention and AdditiveAttention: query and key compared feature by feature."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        query, value, key = _tensors(layer, inputs)
        # Dot scores multiply query and key; additive and concat scores add them, which
        # broadcasts a size of 1 as Keras's ops do.
        added = additive or args.get("score_mode", "dot") == "concat"
        dims = (query[-1], key[-1])
        if None not in dims and dims[0] != dims[1] and not (added and 1 in dims):
            sizes = "match (or one be 1)" if added else "match"
            raise ShapeError(
                f"{layer} compares the query with the key, so their last dimensions must"
                f" {sizes}: query {show_shape(query)}, key {show_shape(key)}"
            )
        if additive:
            weights = known_last(query, layer) if args.get("use_scale", True) else 0
        else:
            weights = int(args.get("use_scale", False) is True)
            weights += int(args.get("score_mode", "dot") == "concat")
        scores = (query[0], query[1], value[1])
        extra = (scores,) if args.get("return_attention_scores") is True else ()
        return Output((*query[:-1], value[-1]), weights, extra=extra)

    return rule


def _mask_rule(args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]) -> None:
    """An attention_mask is (batch, query steps, value steps)."""
    for mask in call.get("attention_mask", ()):
        query, value = inputs[0], inputs[1]
        wanted = (query[0], query[1], value[1])
        fits = len(mask) == 3 and all(
            a is None or b is None or a == b for a, b in zip(mask, wanted, strict=True)
        )
        if not fits:
            raise ShapeError(
                f"MultiHeadAttention's attention_mask must be (batch, query steps, value"
                f" steps) = {show_shape(wanted)}, got {show_shape(mask)}"
            )


_ATTENTION_CALLS = {"return_attention_scores": _SCORES, "use_causal_mask": _CAUSAL}
_DROPOUT = Arg(number_between(0, 1), default=0.0)

LAYER_TYPES = [
    LayerType(
        "MultiHeadAttention",
        {
            "num_heads": Arg(positive_int(), required=True, positional=True),
            "key_dim": Arg(positive_int(), required=True, positional=True),
            "value_dim": Arg(positive_int()),
            "dropout": _DROPOUT,
            "use_bias": Arg(boolean(), default=True),
            "output_shape": Arg(positive_int()),
            "kernel_initializer": Arg(INITIALIZERS),
            "bias_initializer": Arg(INITIALIZERS),
            "kernel_regularizer": Arg(REGULARIZERS),
            "bias_regularizer": Arg(REGULARIZERS),
            "activity_regularizer": Arg(REGULARIZERS),
            "kernel_constraint": Arg(CONSTRAINTS),
            "bias_constraint": Arg(CONSTRAINTS),
            "seed": Arg(non_negative_int()),
        },
        multi_head,
        takes=(2, 3),
        input_names=ATTENTION_INPUTS,
        calls={
            **_ATTENTION_CALLS,
            "attention_mask": CallArg(True, doc="a tensor (batch, query steps, value steps)"),
        },
        call_rule=_mask_rule,
        output_names=scored,
    ),
    LayerType(
        "Attention",
        {
            "use_scale": Arg(boolean(), default=False),
            "score_mode": Arg(choice("dot", "concat"), default="dot"),
            "dropout": _DROPOUT,
            "seed": Arg(non_negative_int()),
        },
        dot_product("Attention", additive=False),
        takes=(2, 3),
        list_inputs=True,
        input_names=ATTENTION_INPUTS,
        calls=_ATTENTION_CALLS,
        output_names=scored,
    ),
    LayerType(
        "AdditiveAttention",
        {"use_scale": Arg(boolean(), default=True), "dropout": _DROPOUT},
        dot_product("AdditiveAttention", additive=True),
        takes=(2, 3),
        list_inputs=True,
        input_names=ATTENTION_INPUTS,
        calls=_ATTENTION_CALLS,
        output_names=scored,
    ),
]
