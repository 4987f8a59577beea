"""Where a problem of the flat model is reported: at the call, or once in a block."""

from __future__ import annotations

from generator.analysis.expand import FlatLayer
from generator.errors import Problem
from generator.spec.fields import FieldPath, format_path
from generator.spec.model import Spec


def located(layer: FlatLayer, message: str, field: str | FieldPath | None = None) -> Problem:
    """A problem at a flat layer: at its spec field, or inside a block with the chain of calls."""
    origin = layer.origin
    inner = _field_path(field)
    if origin.chain:
        detail = f"{format_path(inner)}: {message}" if inner else message
        return Problem(detail, origin.path, context=origin.context)
    return Problem(message, (*origin.path, *inner))


def in_block(
    block: str, index: int, message: str, calls: int, field: str | FieldPath | None = None
) -> Problem:
    """A problem of a block's own layer, reported once at that layer, with how often it is used."""
    path: FieldPath = ("blocks", block, "layers", index)
    if calls:
        uses = "1 call uses" if calls == 1 else f"{calls} calls use"
        message += f" ({uses} block {block!r})"
    return Problem(message, (*path, *_field_path(field)))


def _field_path(field: str | FieldPath | None) -> FieldPath:
    return (field,) if isinstance(field, str) else field or ()


def block_layer_index(spec: Spec, block: str, layer: str) -> int:
    """The position of `layer` in the definition of `block`."""
    return next(j for j, inner in enumerate(spec.blocks[block].layers) if inner.name == layer)
