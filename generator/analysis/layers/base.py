"""What a layer type is: its arguments, and how its output shape and weights follow."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any

from generator.records import field, record
from generator.spec.values import ValueKind

Dim = int | None
Shape = tuple[Dim, ...]
Args = Mapping[str, Any]


class ShapeError(ValueError):
    """A layer cannot be applied to the shapes it receives."""


@record
class Output:
    """A layer's output shape and weight counts, as Keras computes them."""

    shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    extra: tuple[Shape, ...] = ()  # the shapes of a multi-output layer's other outputs

    @property
    def shapes(self) -> tuple[Shape, ...]:
        """Every output's shape, the main one first."""
        return (self.shape, *self.extra)


Rule = Callable[[Args, Sequence[Shape]], Output]
# Checks the tensors a layer's call takes by keyword (initial_state, attention_mask), by name.
CallRule = Callable[[Args, Sequence[Shape], Mapping[str, Sequence[Shape]]], None]
OutputNames = Callable[[Args], tuple[str, ...]]


def one_output(args: Args) -> tuple[str, ...]:
    """Most layers return one tensor."""
    return ("output",)


@record
class CallArg:
    """A keyword argument of a layer's call (not of its constructor)."""

    tensors: bool  # references to tensors (one, or a list), else a flag (true/false)
    many: bool = False  # a list of references, such as initial_state
    doc: str = ""


class Unset(Enum):
    """No Keras default recorded for an argument: its value is always written out."""

    UNSET = "unset"


UNSET = Unset.UNSET


@record
class Arg:
    """One keyword argument of a layer."""

    kind: ValueKind
    required: bool = False
    positional: bool = False  # printed without its keyword, as people write Dense(32)
    wraps: tuple[str, ...] = ()  # a nested layer of one of these types (Bidirectional)
    default: Any = UNSET  # Keras's default, as its signature writes it; the script omits it

    def is_default(self, value: Any) -> bool:
        """Whether `value` is exactly Keras's default (True is not 1, [1, 2] is (1, 2))."""
        if self.default is UNSET:
            return False
        if isinstance(value, list):
            value = tuple(value)
        return type(value) is type(self.default) and bool(value == self.default)


@record
class LayerType:
    """A Keras layer class as the generator knows it."""

    name: str
    args: Mapping[str, Arg]
    infer: Rule
    merge_function: str | None = None  # layers.<function> of a merging layer
    max_inputs: int | None = None  # merging layers that take a fixed number
    takes: tuple[int, int] | None = None  # several tensors, not merged: attention (2, 3)
    list_inputs: bool = False  # called on a list ([query, value]), not on positionals
    input_names: tuple[str, ...] = ()  # what `inputs: {query: a, value: b}` may name
    calls: Mapping[str, CallArg] = field(default_factory=dict)  # call keyword arguments
    call_rule: CallRule | None = None
    output_names: OutputNames = one_output  # the names of its outputs, given its arguments

    @property
    def is_merge(self) -> bool:
        """Merging layers take a list of two or more tensors."""
        return self.merge_function is not None

    def keras_args(self, given: Args) -> dict[str, Any]:
        """The arguments in catalog order, each spelled as Keras resolves it."""
        return {
            name: arg.kind.canonical(given[name])
            for name, arg in self.args.items()
            if name in given
        }

    @property
    def activation_arg(self) -> str | None:
        """The argument that holds the layer's output activation, if any."""
        return "activation" if "activation" in self.args else None


NESTED_KEYS = ("type", "name")  # a wrapped layer's own keys beside its arguments


def nested_args(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A wrapped layer's arguments: its mapping less `type` and its Keras `name`."""
    return {key: value for key, value in layer.items() if key not in NESTED_KEYS}


def nested_keys(layer: Mapping[str, Any]) -> dict[str, Any]:
    """A wrapped layer's `type`, and its `name` where it has one."""
    return {key: layer[key] for key in NESTED_KEYS if key in layer}


def show_shape(shape: Shape) -> str:
    """Render a shape the way Keras prints it: (None, 28, 28, 1)."""
    inner = ", ".join("None" if dim is None else str(dim) for dim in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def single(inputs: Sequence[Shape]) -> Shape:
    """The one input of a non-merging layer."""
    (shape,) = inputs
    return shape


def as_tuple(value: Any, dims: int) -> tuple[int, ...]:
    """An int or a list of ints as a tuple of `dims` ints."""
    return (value,) * dims if isinstance(value, int) else tuple(value)


def require_rank(shape: Shape, rank: int, layer: str, layout: str) -> None:
    """Fail unless `shape` has exactly `rank` dimensions, batch included."""
    if len(shape) != rank:
        raise ShapeError(
            f"{layer} expects a {rank}-D input {layout}, got {show_shape(shape)}"
            f"{flatten_hint(shape, rank)}"
        )


def flatten_hint(shape: Shape, rank: int) -> str:
    """Suggest how to reach a lower rank, or a Reshape for a higher one."""
    if len(shape) > rank == 2:
        return " (Flatten or a global pooling layer first)"
    if len(shape) < rank:
        return " (Reshape it first)"
    return ""


def known_last(shape: Shape, layer: str, what: str = "last dimension") -> int:
    """The size of the last axis, which weights depend on."""
    last = shape[-1]
    if last is None:
        raise ShapeError(f"{layer} needs a known {what}, got {show_shape(shape)}")
    return last


def product(dims: Sequence[Dim]) -> Dim:
    """The product of dims, None if any is unknown."""
    total: Dim = 1
    for dim in dims:
        total = None if dim is None or total is None else total * dim
    return total


def same_shape(args: Args, inputs: Sequence[Shape]) -> Output:
    """Layers that change values, not shapes, and have no weights."""
    return Output(single(inputs))
