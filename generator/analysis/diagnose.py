"""Explain a failed merge: name each branch with its shape, and suggest the fix when it is clear."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.analysis.graph import LayerNode
from generator.analysis.layers.base import Shape, ShapeError, show_shape
from generator.analysis.layers.merging import MergeError

Branch = tuple[str, Shape, LayerNode | None]  # input name, its shape, the layer that made it
# Windowed layers whose output would change with padding="same".
PADDED_TYPES = frozenset(
    name
    for name, layer_type in CATALOG.items()
    if "padding" in layer_type.args and layer_type.args["padding"].kind.check("same")
)


def merge_problem(
    layer: str,
    merge_type: str,
    args: Mapping[str, Any],
    error: MergeError,
    branches: Sequence[Branch],
    shape_of: Callable[[str], Shape],
) -> str:
    """`merged: what is wrong: a (None, 26, 26, 32), b (None, 24, 24, 32) (how to fix it)`."""
    rule = CATALOG[merge_type].infer
    listed = ", ".join(f"{name} {show_shape(shape)}" for name, shape, _ in branches)
    hints = [
        hint
        for hint in (
            _rank_hint(branches),
            _batch_axis_hint(merge_type, args, branches),
            _padding_hint(rule, args, branches, shape_of),
            _crop_hint(branches, error.axis),
            _axis_hint(merge_type, args, rule, branches),
        )
        if hint
    ]
    if not hints and merge_type != "Concatenate" and merge_type != "Dot":
        hints.append(
            "bring the branches to one shape first, e.g. with a Dense or a 1x1 Conv2D,"
            " or join them with Concatenate"
        )
    suffix = f" ({'; or '.join(hints)})" if hints else ""
    return f"{layer}: {error}: {listed}{suffix}"


def _fits(rule: Callable[..., Any], args: Mapping[str, Any], shapes: Sequence[Shape]) -> bool:
    try:
        rule(args, shapes)
    except ShapeError:
        return False
    return True


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _rank_hint(branches: Sequence[Branch]) -> str:
    ranks = {len(shape) for _, shape, _ in branches}
    if len(ranks) == 1:
        return ""
    lowest = min(ranks)
    higher = [name for name, shape, _ in branches if len(shape) > lowest]
    if lowest == 2:
        pools = {len(shape) - 2 for _, shape, _ in branches if len(shape) > 2}
        pooling = " or ".join(f"GlobalAveragePooling{n}D" for n in sorted(pools) if n in (1, 2, 3))
        via = f"Flatten or {pooling}" if pooling else "Flatten"
        return f"bring {_names(higher)} down to 2-D first with {via}"
    return f"Reshape {_names(higher)} to rank {lowest} first"


def _batch_axis_hint(merge_type: str, args: Mapping[str, Any], branches: Sequence[Branch]) -> str:
    if merge_type != "Concatenate":
        return ""
    rank = len(branches[0][1])
    axis = args.get("axis", -1)
    if -rank <= axis < rank and axis % rank == 0:
        return "axis 0 stacks examples, not features: use axis=-1"
    return ""


def _padding_hint(
    rule: Callable[..., Any],
    args: Mapping[str, Any],
    branches: Sequence[Branch],
    shape_of: Callable[[str], Shape],
) -> str:
    """Would padding='same' on the valid-padded windows make the merge fit?"""
    fixed: list[str] = []
    shapes: list[Shape] = []
    for name, shape, source in branches:
        if (
            source is not None
            and source.layer_type.name in PADDED_TYPES
            and source.keras_args.get("padding", "valid") == "valid"
        ):
            try:
                same = {**source.keras_args, "padding": "same"}
                shape = source.layer_type.infer(
                    same, [shape_of(ref) for ref in source.inputs]
                ).shape
            except ShapeError:
                return ""
            if shape != branches[len(shapes)][1]:
                fixed.append(name)
        shapes.append(shape)
    if fixed and _fits(rule, args, shapes):
        return f'use padding="same" on {_names(fixed)}'
    return ""


def _crop_hint(branches: Sequence[Branch], axis: int | None) -> str:
    """Skip connections off by a few steps or pixels: the exact Cropping*D or ZeroPadding*D."""
    rank = len(branches[0][1])
    if not 3 <= rank <= 5 or any(len(shape) != rank for _, shape, _ in branches):
        return ""
    layouts = {
        source.keras_args.get("data_format", "channels_last")
        for _, _, source in branches
        if source is not None and "data_format" in source.layer_type.args
    }
    if len(layouts) > 1 or (rank == 3 and not layouts):
        return ""  # mixed layouts; or sequences no 1-D convolution or pooling has made
    first = layouts == {"channels_first"}
    spatial = slice(2, rank) if first else slice(1, rank - 1)
    if axis is None or axis not in range(rank)[spatial]:
        return ""
    sizes = {shape[spatial] for _, shape, _ in branches}
    if len(sizes) != 2 or any(None in size for size in sizes):
        return ""
    small, big = sorted(sizes, key=lambda size: math.prod(size))  # type: ignore[arg-type]
    if any(b < s for b, s in zip(big, small, strict=True)):  # type: ignore[operator]
        return ""
    pairs = [(d // 2, d - d // 2) for d in (b - s for b, s in zip(big, small, strict=True))]  # type: ignore[operator]
    amounts = repr(pairs[0]) if len(pairs) == 1 else repr(tuple(pairs))
    if first:
        amounts += ', data_format="channels_first"'
    larger = [name for name, shape, _ in branches if shape[spatial] == big]
    smaller = [name for name, shape, _ in branches if shape[spatial] == small]
    dims = rank - 2
    return (
        f"crop {_names(larger)} with layers.Cropping{dims}D({amounts})"
        f" or pad {_names(smaller)} with layers.ZeroPadding{dims}D({amounts})"
    )


def _axis_hint(
    merge_type: str, args: Mapping[str, Any], rule: Callable[..., Any], branches: Sequence[Branch]
) -> str:
    if merge_type != "Concatenate":
        return ""
    shapes = [shape for _, shape, _ in branches]
    rank = len(shapes[0])
    if any(len(shape) != rank for shape in shapes):
        return ""
    working = [
        axis - rank if axis == rank - 1 else axis
        for axis in range(1, rank)
        if _fits(rule, {**args, "axis": axis}, shapes)
    ]
    if not working:
        return ""
    return " or ".join(f"axis={axis}" for axis in working) + " would fit these shapes"
