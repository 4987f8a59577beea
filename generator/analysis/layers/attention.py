"""Attention layers: MultiHeadAttention, Attention and AdditiveAttention.

Each takes a query, a value and optionally a key (default: the value), all (batch, steps,
features), as `inputs: [query, value]` or `inputs: {query: q, value: v, key: k}`. With the
call argument `return_attention_scores` each has a second output, `scores`. Masks are
(batch, steps) tensors Keras casts to booleans: `mask: [query_mask, value_mask]` for
Attention and AdditiveAttention, `query_mask`, `value_mask`, `key_mask` for
MultiHeadAttention, which with `attention_axes` also takes inputs of higher rank.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    CallArg,
    CallRule,
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
    ValueKind,
    boolean,
    choice,
    is_bounded_int,
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


def _axes() -> ValueKind:
    def check(value: Any) -> bool:
        if is_bounded_int(value):
            return True
        return type(value) is list and 0 < len(value) <= 8 and all(map(is_bounded_int, value))

    return ValueKind("an axis or a list of axes (integers)", check)


def attended(args: Args, rank: int) -> tuple[int, ...]:
    """The query axes attention runs over (Keras: every axis but batch and features)."""
    layer = "MultiHeadAttention"
    given = args.get("attention_axes")
    if given is None:
        return tuple(range(1, rank - 1))
    # Keras counts a negative axis from the end of the projected (…, heads, key_dim) tensor,
    # one axis longer than the query: -2 is the query's last axis before its features.
    axes = tuple(
        axis if axis >= 0 else rank + axis for axis in ([given] if type(given) is int else given)
    )
    if any(not 1 <= axis <= rank - 2 for axis in axes) or list(axes) != sorted(set(axes)):
        raise ShapeError(
            f"{layer}'s attention_axes must be distinct axes in increasing order between 1 and"
            f" {rank - 2} (not the batch or the features) for inputs of rank {rank},"
            f" got {given!r}"
        )
    return axes


def _multi_head_tensors(args: Args, inputs: Sequence[Shape]) -> tuple[Shape, Shape, Shape]:
    """Query, value and key, of one rank: the key has the value's axes, and the query the
    value's except those attention runs over."""
    layer = "MultiHeadAttention"
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) > 2 else value
    if len(query) <= 3:
        _tensors(layer, inputs, exact=True)  # (batch, steps, features)
    if len(query) < 3 or len({len(query), len(value), len(key)}) > 1:
        shapes = ", ".join(show_shape(shape) for shape in inputs)
        raise ShapeError(f"{layer} needs a query, value and key of one rank, 3 or more: {shapes}")
    if key[1:-1] != value[1:-1]:
        raise ShapeError(
            f"{layer} needs a key with every axis of the value but the last: value"
            f" {show_shape(value)}, key {show_shape(key)}"
        )
    axes = attended(args, len(query))
    for axis in range(1, len(query) - 1):
        if axis not in axes and query[axis] != value[axis]:
            raise ShapeError(
                f"{layer} attends over {'axis' if len(axes) == 1 else 'axes'}"
                f" {', '.join(map(str, axes))}: the query's other"
                f" axes must equal the value's, query {show_shape(query)}, value"
                f" {show_shape(value)}"
            )
    return query, value, key


def multi_head(args: Args, inputs: Sequence[Shape]) -> Output:
    """Dense projections per head of query, key and value, then one back to the output size."""
    layer = "MultiHeadAttention"
    query, value, key = _multi_head_tensors(args, inputs)
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
    flagged = [name for name in _ATTENTION_CALLS if args.get(name) is True]
    if len(query) > 3 and flagged:
        # Keras shapes the scores, and makes the causal mask, for (batch, steps, features).
        raise ShapeError(
            f"{layer} takes {flagged[0]} only for (batch, steps, features) inputs, got query"
            f" {show_shape(query)}"
        )
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
        scores = (*query[:-1], key[-2])  # the key's steps, as Keras's compute_output_spec
        extra = (scores,) if args.get("return_attention_scores") is True else ()
        return Output((*query[:-1], value[-1]), weights, extra=extra)

    return rule


def _fits(mask: Shape, wanted: Shape) -> bool:
    return len(mask) == len(wanted) and all(
        a is None or b is None or a == b for a, b in zip(mask, wanted, strict=True)
    )


def _step_mask(layer: str, what: str, mask: Shape, tensor: str, shape: Shape) -> None:
    """A (batch, steps) mask over the steps of one of the layer's tensors."""
    wanted = shape[:2]
    if not _fits(mask, wanted):
        raise ShapeError(
            f"{layer}'s {what} must be (batch, {tensor} steps) = {show_shape(wanted)} for the"
            f" {tensor} {show_shape(shape)}, got {show_shape(mask)}"
        )


def _multi_head_masks(
    args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]
) -> None:
    """attention_mask is (batch, query steps, value steps); query_mask (batch, query steps),
    value_mask and key_mask (batch, value steps); all for (batch, steps, features) inputs."""
    layer = "MultiHeadAttention"
    query, value = inputs[0], inputs[1]
    if "query_mask" in call:
        # Keras replaces the argument with the query's own Keras mask: it would be ignored.
        raise ShapeError(
            f"{layer} ignores a query_mask passed to its call (Keras reads the query's own Keras"
            " mask instead, from Masking or Embedding mask_zero): leave it out"
        )
    given = [name for name in _MULTI_HEAD_MASKS if name in call]
    if given and len(query) > 3:
        raise ShapeError(
            f"{layer} takes {given[0]} only for (batch, steps, features) inputs, got query"
            f" {show_shape(query)}"
        )
    for mask in call.get("attention_mask", ()):
        wanted = (query[0], query[1], value[1])
        if not _fits(mask, wanted):
            raise ShapeError(
                f"{layer}'s attention_mask must be (batch, query steps, value"
                f" steps) = {show_shape(wanted)}, got {show_shape(mask)}"
            )
    for name, tensor, shape in (
        ("query_mask", "query", query),
        ("value_mask", "value", value),
        ("key_mask", "value", value),
    ):
        for mask in call.get(name, ()):
            _step_mask(layer, name, mask, tensor, shape)


def _list_masks(layer: str) -> CallRule:
    """Attention's mask: [query_mask, value_mask], (batch, query steps), (batch, value steps)."""

    def rule(args: Args, inputs: Sequence[Shape], call: Mapping[str, Sequence[Shape]]) -> None:
        masks = call.get("mask")
        if masks is None:
            return
        if len(masks) != 2:
            raise ShapeError(
                f"{layer}'s mask is a list of two, [query_mask, value_mask], got {len(masks)}"
            )
        _step_mask(layer, "query_mask (mask[0])", masks[0], "query", inputs[0])
        _step_mask(layer, "value_mask (mask[1])", masks[1], "value", inputs[1])

    return rule


_ATTENTION_CALLS = {"return_attention_scores": _SCORES, "use_causal_mask": _CAUSAL}
_MULTI_HEAD_MASKS = {  # in the order of MultiHeadAttention.call, as the script writes them
    "query_mask": CallArg(True, doc="a tensor (batch, query steps): false (0) masks a step"),
    "value_mask": CallArg(True, doc="a tensor (batch, value steps)"),
    "key_mask": CallArg(True, doc="a tensor (batch, value steps)"),
    "attention_mask": CallArg(True, doc="a tensor (batch, query steps, value steps)"),
}
_LIST_MASK = CallArg(True, many=True, doc="[query_mask, value_mask], each (batch, steps)")
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
            "attention_axes": Arg(_axes(), default=None),
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
        calls={**_MULTI_HEAD_MASKS, **_ATTENTION_CALLS},
        call_rule=_multi_head_masks,
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
        calls={"mask": _LIST_MASK, **_ATTENTION_CALLS},
        call_rule=_list_masks("Attention"),
        output_names=scored,
    ),
    LayerType(
        "AdditiveAttention",
        {"use_scale": Arg(boolean(), default=True), "dropout": _DROPOUT},
        dot_product("AdditiveAttention", additive=True),
        takes=(2, 3),
        list_inputs=True,
        input_names=ATTENTION_INPUTS,
        calls={"mask": _LIST_MASK, **_ATTENTION_CALLS},
        call_rule=_list_masks("AdditiveAttention"),
        output_names=scored,
    ),
]
