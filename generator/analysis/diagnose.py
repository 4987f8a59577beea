"""Explain a failed merge: name each branch with its shape, and suggest the fix when it is clear."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.analysis.graph import LayerNode
from generator.analysis.layers.base import Shape, ShapeError, show_shape
from generator.analysis.layers.merging import MergeError

Branch = tuple[str, Shape, LayerNode | None]  # input name, its shape, the layer that made it
PADDED_TYPES = frozenset(
    {
        "Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D",
        "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    }
)  # fmt: skip


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
        pooling = " or ".join(f"GlobalAveragePooling{n}D" for n in sorted(pools) if n in (1, 2))
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
    """Skip connections off by a few pixels: the exact Cropping2D or ZeroPadding2D."""
    if axis not in (1, 2) or any(len(shape) != 4 for _, shape, _ in branches):
        return ""
    sizes = {shape[1:3] for _, shape, _ in branches}
    if len(sizes) != 2 or any(None in size for size in sizes):
        return ""
    small, big = sorted(sizes, key=lambda size: (size[0] or 0) * (size[1] or 0))
    if not (big[0] >= small[0] and big[1] >= small[1]):  # type: ignore[operator]
        return ""
    rows = big[0] - small[0]  # type: ignore[operator]
    cols = big[1] - small[1]  # type: ignore[operator]
    amounts = f"(({rows // 2}, {rows - rows // 2}), ({cols // 2}, {cols - cols // 2}))"
    larger = [name for name, shape, _ in branches if shape[1:3] == big]
    smaller = [name for name, shape, _ in branches if shape[1:3] == small]
    return (
        f"crop {_names(larger)} with layers.Cropping2D({amounts})"
        f" or pad {_names(smaller)} with layers.ZeroPadding2D({amounts})"
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
