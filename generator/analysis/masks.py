"""Which tensors may carry a Keras mask: the one Masking, Embedding(mask_zero=True) and a
`mask` or `query_mask` call argument attach to a layer's output, and that later layers
pass on. Followed generously (any input with one gives one), for the one rule that needs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.analysis.layers.base import Shape, ShapeError, show_shape

# Call arguments whose mask Keras attaches to the output (recurrent layers with
# return_sequences, attention layers: the query's).
ATTACHED = ("mask", "query_mask")


def gives_mask(
    layer_type: str, args: Mapping[str, Any], call_keys: Sequence[str], masked_input: bool
) -> bool:
    """Whether the output of this layer may carry a Keras mask."""
    if masked_input or layer_type == "Masking" or any(key in ATTACHED for key in call_keys):
        return True
    return layer_type == "Embedding" and args.get("mask_zero") is True


def check_masked_query(layer_type: str, query: Shape, masked: bool) -> None:
    """MultiHeadAttention reads its query's Keras mask as (batch, steps): with inputs of
    higher rank (attention_axes) the mask does not fit and the forward pass fails."""
    if layer_type == "MultiHeadAttention" and masked and len(query) > 3:
        raise ShapeError(
            f"MultiHeadAttention over inputs of rank {len(query)} cannot take a query that may"
            f" carry a Keras mask (from Masking, Embedding mask_zero or a mask call argument"
            f" before it), got query {show_shape(query)}"
        )


# Layers that read their input's Keras mask as (batch, steps).
STEP_MASKED = frozenset(
    {"SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "Bidirectional", "MultiHeadAttention"}
)
_MULTI_HEAD_MASKS = ("use_causal_mask", "attention_mask", "query_mask", "value_mask", "key_mask")


def scores_mask(layer_type: str, call: Mapping[str, Any] | None, masked_query: bool) -> bool:
    """Whether MultiHeadAttention's scores may carry the attention mask (batch, heads, T, S)
    as their Keras mask: its softmax attaches it when any mask applies."""
    given = any((call or {}).get(key) for key in _MULTI_HEAD_MASKS)
    return layer_type == "MultiHeadAttention" and (given or masked_query)


def check_step_mask(layer_type: str, source: str, odd: bool) -> None:
    """Refuse a layer that reads a (batch, steps) mask on a tensor whose mask is another."""
    if layer_type in STEP_MASKED and odd:
        raise ShapeError(
            f"{layer_type} reads its input's Keras mask as (batch, steps), but {source!r} may"
            " carry MultiHeadAttention's attention mask (batch, heads, query steps, value"
            " steps) from the scores before it (leave its masks and use_causal_mask out, or"
            " do not feed it the scores)"
        )
