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
