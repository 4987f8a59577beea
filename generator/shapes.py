"""Static output shapes, following Keras 3's own rules (channels_last)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Dim = int | None
Shape = tuple[Dim, ...]
Args = Mapping[str, Any]


class ShapeError(ValueError):
    """A layer cannot be applied to the shapes it receives."""


def show(shape: Shape) -> str:
    """Render a shape the way Keras prints it: (None, 28, 28, 1)."""
    inner = ", ".join("None" if dim is None else str(dim) for dim in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _single(inputs: Sequence[Shape]) -> Shape:
    (shape,) = inputs
    return shape


def _tuple(value: Any, dims: int) -> tuple[int, ...]:
    return (value,) * dims if isinstance(value, int) else tuple(value)


def _require_rank(shape: Shape, rank: int, layer: str, what: str) -> None:
    if len(shape) != rank:
        raise ShapeError(f"{layer} expects a {rank}-D input {what}, got {show(shape)}")


def _window_output(length: Dim, window: int, stride: int, padding: str, dilation: int = 1) -> Dim:
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length - 1) // stride + 1
    return (length - dilation * (window - 1) - 1) // stride + 1


def _windowed(
    shape: Shape,
    layer: str,
    spatial: int,
    window: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    dilation: tuple[int, ...],
    channels: Dim,
) -> Shape:
    lengths = tuple(
        _window_output(shape[1 + i], window[i], strides[i], padding, dilation[i])
        for i in range(spatial)
    )
    for i, length in enumerate(lengths):
        if length is not None and length <= 0:
            effective = dilation[i] * (window[i] - 1) + 1
            raise ShapeError(
                f"{layer} window of {effective} is larger than its input"
                f" {show(shape)} along axis {i + 1} with padding='valid'"
                " (use padding='same' or a smaller window)"
            )
    return (shape[0], *lengths, channels)


def dense(args: Args, inputs: Sequence[Shape]) -> Shape:
    shape = _single(inputs)
    if len(shape) < 2:
        raise ShapeError(f"Dense needs an input of rank 2 or more, got {show(shape)}")
    if shape[-1] is None:
        raise ShapeError(f"Dense needs a known last dimension, got {show(shape)}")
    return (*shape[:-1], args["units"])


def conv(spatial: int) -> Any:
    """Shape rule of Conv1D / Conv2D."""
    layer = f"Conv{spatial}D"

    def rule(args: Args, inputs: Sequence[Shape]) -> Shape:
        shape = _single(inputs)
        _require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        if shape[-1] is None:
            raise ShapeError(f"{layer} needs a known channel dimension, got {show(shape)}")
        strides = _tuple(args.get("strides", 1), spatial)
        dilation = _tuple(args.get("dilation_rate", 1), spatial)
        if max(strides) > 1 and max(dilation) > 1:
            raise ShapeError(f"{layer} cannot combine strides > 1 with dilation_rate > 1")
        return _windowed(
            shape,
            layer,
            spatial,
            _tuple(args["kernel_size"], spatial),
            strides,
            args.get("padding", "valid"),
            dilation,
            args["filters"],
        )

    return rule


def pooling(layer: str, spatial: int) -> Any:
    """Shape rule of MaxPooling / AveragePooling in 1-D or 2-D."""
    default_pool = 2

    def rule(args: Args, inputs: Sequence[Shape]) -> Shape:
        shape = _single(inputs)
        _require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        pool = _tuple(args.get("pool_size", default_pool), spatial)
        strides_arg = args.get("strides")
        strides = pool if strides_arg is None else _tuple(strides_arg, spatial)
        return _windowed(
            shape,
            layer,
            spatial,
            pool,
            strides,
            args.get("padding", "valid"),
            (1,) * spatial,
            shape[-1],
        )

    return rule


def global_pooling(layer: str, spatial: int) -> Any:
    """Shape rule of the global pooling layers."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Shape:
        shape = _single(inputs)
        _require_rank(shape, spatial + 2, layer, "(batch, ..., channels)")
        if args.get("keepdims", False):
            return (shape[0], *(1,) * spatial, shape[-1])
        return (shape[0], shape[-1])

    return rule


def flatten(args: Args, inputs: Sequence[Shape]) -> Shape:
    shape = _single(inputs)
    if len(shape) < 2:
        raise ShapeError(f"Flatten needs an input of rank 2 or more, got {show(shape)}")
    size: Dim = 1
    for dim in shape[1:]:
        size = None if dim is None or size is None else size * dim
    return (shape[0], size)


def same_shape(args: Args, inputs: Sequence[Shape]) -> Shape:
    return _single(inputs)


def batch_normalization(args: Args, inputs: Sequence[Shape]) -> Shape:
    shape = _single(inputs)
    axis = args.get("axis", -1)
    if not -len(shape) <= axis < len(shape):
        raise ShapeError(f"axis {axis} is out of range for input {show(shape)}")
    if shape[axis] is None:
        raise ShapeError(f"BatchNormalization needs a known size on axis {axis}, got {show(shape)}")
    return shape


def embedding(args: Args, inputs: Sequence[Shape]) -> Shape:
    shape = _single(inputs)
    return (*shape, args["output_dim"])


def concatenate(args: Args, inputs: Sequence[Shape]) -> Shape:
    axis = args.get("axis", -1)
    ranks = {len(shape) for shape in inputs}
    listed = ", ".join(show(shape) for shape in inputs)
    if len(ranks) != 1:
        raise ShapeError(
            f"Concatenate needs inputs of the same rank, got {listed}"
            " (Flatten or GlobalAveragePooling the higher-rank inputs first)"
        )
    rank = ranks.pop()
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for inputs of rank {rank}")
    positive = axis % rank
    if positive == 0:
        raise ShapeError("Concatenate cannot join along the batch axis 0 (use axis=-1)")
    for dim in range(1, rank):
        if dim == positive:
            continue
        sizes = {shape[dim] for shape in inputs if shape[dim] is not None}
        if len(sizes) > 1:
            raise ShapeError(
                f"Concatenate on axis {axis} needs every other axis to match,"
                f" but axis {dim} differs: {listed}"
            )
    joined: Dim = 0
    for shape in inputs:
        joined = None if shape[positive] is None or joined is None else joined + shape[positive]
    result = list(inputs[0])
    for dim in range(1, rank):
        known = [shape[dim] for shape in inputs if shape[dim] is not None]
        result[dim] = known[0] if known else None
    result[positive] = joined
    return tuple(result)
