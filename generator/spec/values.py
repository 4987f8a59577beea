"""Value kinds for layer arguments: how each is checked and described."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.display import show

Check = Callable[[Any], bool]

# Keras and TensorFlow index sizes, axes and seeds with 32-bit integers: a larger value gives
# a script that parses but cannot run, and a 5000-digit one cannot even be printed.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)


@dataclass(frozen=True)
class ValueKind:
    """A named kind of argument value with its check."""

    description: str
    check: Check

    def problem(self, value: Any) -> str | None:
        """Why `value` is not of this kind, or None when it is."""
        if self.check(value):
            return None
        if is_int(value) and value > MAX_INT:
            return f"expected {self.description} of at most {MAX_INT}, got {show(value)}"
        if is_int(value) and value < MIN_INT:
            return f"expected {self.description} of at least {MIN_INT}, got {show(value)}"
        return f"expected {self.description}, got {show(value)}"


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


def choice(*options: str) -> ValueKind:
    """One string out of a fixed list."""
    allowed = frozenset(options)
    listed = ", ".join(options)
    return ValueKind(f"one of {listed}", lambda v: type(v) is str and v in allowed)


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


ACTIVATIONS = choice(
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
    "mish", "sigmoid", "hard_sigmoid", "hard_silu", "softmax", "log_softmax",
    "softplus", "softsign", "tanh", "exponential",
)  # fmt: skip
INITIALIZERS = choice(
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "random_normal", "random_uniform",
    "truncated_normal", "variance_scaling", "zeros", "ones",
)  # fmt: skip
REGULARIZERS = choice("l1", "l2", "orthogonal_regularizer")  # Keras 3 has no "l1_l2" by name
CONSTRAINTS = choice("max_norm", "min_max_norm", "non_neg", "unit_norm")


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


DATA_FORMATS = choice("channels_last", "channels_first")
INTERPOLATIONS = choice("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")
