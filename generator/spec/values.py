"""Value kinds for layer arguments: how each is checked and described."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from generator.display import show_value
from generator.errors import did_you_mean
from generator.records import record
from generator.spec.fields import FieldPath

Check = Callable[[Any], bool]
Details = Callable[[Any], list[tuple[FieldPath, str]]]

# Keras and TensorFlow index sizes, axes and seeds with 32-bit integers: a larger value gives
# a script that parses but cannot run, and a 5000-digit one cannot even be printed.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)


def _as_given(value: Any) -> Any:
    return value


def _no_hint(value: Any) -> str:
    return ""


@record
class ValueKind:
    """A named kind of argument value with its check."""

    description: str
    check: Check
    # The value spelled one way, as Keras resolves it (padding "SAME" -> "same"): the
    # analysis compares these; the script keeps the user's spelling, which Keras accepts.
    canonical: Callable[[Any], Any] = _as_given
    hint: Callable[[Any], str] = _no_hint  # e.g. " (did you mean 'relu'?)"
    family: str | None = None  # a Keras object family (generator/spec/object_catalog.py)
    details: Details | None = None  # problems inside a structured value, at their sub-paths

    def problems(self, value: Any) -> list[tuple[FieldPath, str]]:
        """Each problem with `value`, at its path inside the value."""
        if self.details is not None:
            return self.details(value)
        problem = self.problem(value)
        return [] if problem is None else [((), problem)]

    def problem(self, value: Any) -> str | None:
        """Why `value` is not of this kind, or None when it is."""
        if self.details is not None:
            found = self.details(value)
            return found[0][1] if found else None
        if self.check(value):
            return None
        if is_int(value) and value > MAX_INT:
            return f"expected {self.description} of at most {MAX_INT}, got {show_value(value)}"
        if is_int(value) and value < MIN_INT:
            return f"expected {self.description} of at least {MIN_INT}, got {show_value(value)}"
        return f"expected {self.description}, got {show_value(value)}{self.hint(value)}"


def is_int(value: Any) -> bool:
    """An exact int (bool is not a number here)."""
    return type(value) is int


def is_bounded_int(value: Any) -> bool:
    """An exact int that fits in 32 bits, as Keras and TensorFlow need."""
    return type(value) is int and MIN_INT <= value <= MAX_INT


def is_number(value: Any) -> bool:
    """A finite float, or an int that fits in 32 bits."""
    return is_bounded_int(value) or (type(value) is float and math.isfinite(value))


def positive_int() -> ValueKind:
    return ValueKind("a positive integer", lambda v: is_bounded_int(v) and v > 0)


def non_negative_int() -> ValueKind:
    return ValueKind("a non-negative integer", lambda v: is_bounded_int(v) and v >= 0)


def integer() -> ValueKind:
    return ValueKind("an integer", is_bounded_int)


def boolean() -> ValueKind:
    return ValueKind("true or false", lambda v: type(v) is bool)


def number_between(low: float, high: float, *, high_open: bool = True) -> ValueKind:
    """A finite number in [low, high) or [low, high]."""
    bracket = ")" if high_open else "]"

    def check(value: Any) -> bool:
        if not is_number(value) or value < low:
            return False
        return bool(value < high if high_open else value <= high)

    return ValueKind(f"a number in [{low:g}, {high:g}{bracket}", check)


def positive_number() -> ValueKind:
    return ValueKind("a positive number", lambda v: is_number(v) and v > 0)


def choice(
    *options: str, spellings: Mapping[str, str] | None = None, any_case: bool = False
) -> ValueKind:
    """One string out of a fixed list, in every spelling Keras accepts for it.

    `spellings` maps other names Keras resolves to the same thing (a class name, an
    alias) to the option; `any_case` where Keras lowercases the value itself.
    """
    names = {option: option for option in options} | dict(spellings or {})

    def key(value: str) -> str:
        return value.lower() if any_case else value

    def canonical(value: Any) -> Any:
        return names.get(key(value), value) if type(value) is str else value

    def hint(value: Any) -> str:
        return did_you_mean(value, list(names)) if type(value) is str else ""

    description = f"one of {', '.join(options)}"
    return ValueKind(description, lambda v: type(v) is str and key(v) in names, canonical, hint)


def class_names(*options: str) -> dict[str, str]:
    """Keras's class name for each snake_case name it also accepts: he_normal -> HeNormal."""
    return {"".join(part.capitalize() for part in name.split("_")): name for name in options}


def number() -> ValueKind:
    return ValueKind("a number", is_number)


def non_negative_number() -> ValueKind:
    return ValueKind("a non-negative number", lambda v: is_number(v) and v >= 0)


def numbers(*, non_negative: bool = False) -> ValueKind:
    """A number or a non-empty list of numbers (Rescaling's scale, Normalization's mean)."""
    low = 0 if non_negative else -math.inf

    def one(value: Any) -> bool:
        return is_number(value) and value >= low

    def check(value: Any) -> bool:
        return one(value) or (type(value) is list and bool(value) and all(map(one, value)))

    if non_negative:
        return ValueKind("a non-negative number or a list of them", check)
    return ValueKind("a number or a list of numbers", check)


def groups() -> ValueKind:
    """GroupNormalization's groups: a positive int, or -1 for one group per channel."""
    return ValueKind("a positive integer or -1", lambda v: is_bounded_int(v) and (v > 0 or v == -1))


def positive_axes() -> ValueKind:
    """PReLU's shared_axes: a non-batch axis or a list of them, counted from 1."""

    def check(value: Any) -> bool:
        if is_int(value):
            return bool(is_bounded_int(value) and value > 0)
        return (
            type(value) is list and bool(value) and all(is_bounded_int(i) and i > 0 for i in value)
        )

    return ValueKind(
        "a positive integer or a list of them (axis 1 is the first after the batch)", check
    )


def noise_shape() -> ValueKind:
    """A dropout mask's shape, batch included: null keeps the input's size, 1 shares the mask."""
    return ValueKind(
        "a list of positive integers or nulls, one per axis with the batch",
        lambda v: (
            type(v) is list
            and bool(v)
            and all(i is None or (is_bounded_int(i) and i > 0) for i in v)
        ),
    )


def size(dims: int) -> ValueKind:
    """A positive int, or a list of `dims` positive ints (kernel sizes, strides)."""

    def check(value: Any) -> bool:
        if is_int(value):
            return bool(is_bounded_int(value) and value > 0)
        return (
            type(value) is list
            and len(value) == dims
            and all(is_bounded_int(item) and item > 0 for item in value)
        )

    if dims == 1:
        return ValueKind("a positive integer", check)
    return ValueKind(f"a positive integer or a list of {dims} positive integers", check)


def non_negative_size(dims: int) -> ValueKind:
    """A non-negative int, or a list of `dims` of them (output_padding)."""

    def check(value: Any) -> bool:
        if is_int(value):
            return bool(is_bounded_int(value) and value >= 0)
        return (
            type(value) is list
            and len(value) == dims
            and all(is_bounded_int(item) and item >= 0 for item in value)
        )

    if dims == 1:
        return ValueKind("a non-negative integer", check)
    return ValueKind(f"a non-negative integer or a list of {dims} non-negative integers", check)


# Activation names are case-sensitive in Keras (keras.activations.get): "ReLU" is refused.
ACTIVATIONS = choice(
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu",
    "mish", "sigmoid", "hard_sigmoid", "hard_silu", "softmax", "log_softmax",
    "softplus", "softsign", "tanh", "exponential",
    spellings={"swish": "silu", "hard_swish": "hard_silu"},
)  # fmt: skip


def int_list(description: str, check: Check) -> ValueKind:
    """A list of ints with a custom check of the whole list."""

    def whole(value: Any) -> bool:
        return type(value) is list and all(is_int(item) for item in value) and check(value)

    return ValueKind(description, whole)


def target_shape() -> ValueKind:
    """Reshape's target: positive ints, at most one -1."""
    return int_list(
        "a non-empty list of positive integers with at most one -1",
        lambda v: bool(v) and all(i > 0 or i == -1 for i in v) and v.count(-1) <= 1,
    )


def permutation() -> ValueKind:
    """Permute's dims: 1..n in some order."""
    return int_list(
        "a permutation of 1..n, e.g. [2, 1]",
        lambda v: bool(v) and sorted(v) == list(range(1, len(v) + 1)),
    )


def axes() -> ValueKind:
    """An axis or a non-empty list of distinct axes."""

    def check(value: Any) -> bool:
        if is_int(value):
            return True
        return (
            type(value) is list
            and bool(value)
            and all(is_int(i) for i in value)
            and len(set(value)) == len(value)
        )

    return ValueKind("an integer or a list of distinct integers", check)


def dot_axes() -> ValueKind:
    """Dot's axes: one non-batch axis, or one per input."""

    def nonzero(value: Any) -> bool:
        return is_int(value) and value != 0

    def check(value: Any) -> bool:
        if nonzero(value):
            return True
        return type(value) is list and len(value) == 2 and all(nonzero(i) for i in value)

    return ValueKind("a non-zero integer or a list of two (axis 0 is the batch)", check)


SIDES = {
    1: "a non-negative integer or [left, right]",
    2: "a non-negative integer, [rows, cols], or [[top, bottom], [left, right]]",
    3: "a non-negative integer, [depth, rows, cols],"
    " or [[front, back], [top, bottom], [left, right]]",
}


def padding_sides(dims: int) -> ValueKind:
    """ZeroPadding*D/Cropping*D: n, one n per axis, or a (before, after) pair per axis."""

    def amount(value: Any) -> bool:
        return is_bounded_int(value) and value >= 0

    def pair(value: Any) -> bool:
        return type(value) is list and len(value) == 2 and all(amount(i) for i in value)

    def check(value: Any) -> bool:
        if amount(value):
            return True
        if dims == 1:
            return pair(value)
        return (
            type(value) is list
            and len(value) == dims
            and (all(amount(i) for i in value) or all(pair(i) for i in value))
        )

    return ValueKind(SIDES[dims], check)


# UpSampling2D lowercases its interpolation.
INTERPOLATIONS = choice(
    "nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", any_case=True
)
# The image.resize interpolations of every backend ("area" is TensorFlow's alone).
RESIZE_INTERPOLATIONS = choice("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")
# Keras lowercases data_format (backend.standardize_data_format).
DATA_FORMATS = choice("channels_last", "channels_first", any_case=True)
