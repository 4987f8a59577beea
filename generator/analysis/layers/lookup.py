"""Categorical preprocessing with everything given in the spec: StringLookup,
IntegerLookup, CategoryEncoding, Hashing, Discretization.

Keras counts no parameters for any of them (a vocabulary is a lookup table, not a
weight). Their symbolic output shape disagrees with the tensor they compute for some
input ranks (multi_hot of a 1-D input, one_hot of Hashing over a last axis that is not
1): the rules refuse exactly those, so that what the script builds is what it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.analysis.layers.base import (
    Arg,
    Args,
    LayerType,
    Output,
    Rule,
    Shape,
    ShapeError,
    show_shape,
    single,
)
from generator.spec.values import (
    MAX_INT,
    ValueKind,
    boolean,
    choice,
    integer,
    is_bounded_int,
    is_number,
    non_negative_int,
    positive_int,
)

# Keras still accepts "binary", its old name for multi_hot.
MODES = choice("int", "one_hot", "multi_hot", "count", spellings={"binary": "multi_hot"})
LOOKUP_MODES = choice(
    "int", "one_hot", "multi_hot", "count", "tf_idf", spellings={"binary": "multi_hot"}
)
ENCODINGS = choice("one_hot", "multi_hot", "count", spellings={"binary": "multi_hot"})
# Types whose int output mode gives integer indices (the others give floats).
INDEXING = ("StringLookup", "IntegerLookup", "Hashing", "Discretization")
# Types Keras runs through TensorFlow ops whatever the backend: TensorFlow-only scripts.
TENSORFLOW_ONLY = frozenset({"StringLookup", "IntegerLookup", "Hashing"})
MAX_VOCABULARY = 100_000
# Optional in Keras, which can learn them with adapt(); here they must be given.
GIVEN = {
    "StringLookup": "vocabulary",
    "IntegerLookup": "vocabulary",
    "CategoryEncoding": "num_tokens",
    "Discretization": "bin_boundaries",
}  # the script writes the vocabulary out as a literal


def _distinct(kind: str, item: Any) -> ValueKind:
    """A non-empty list of distinct values of one kind (a vocabulary)."""

    def check(value: Any) -> bool:
        return (
            type(value) is list
            and 0 < len(value) <= MAX_VOCABULARY
            and all(item(entry) for entry in value)
            and len(set(value)) == len(value)
        )

    return ValueKind(f"a non-empty list of distinct {kind}", check)


def _token(value: Any) -> bool:
    return type(value) is str and value != ""


def _index(value: Any) -> bool:
    return is_bounded_int(value) and value >= 0


def _optional(kind: str, item: Any) -> ValueKind:
    return ValueKind(f"{kind} or null", lambda value: value is None or item(value))


def _salt() -> ValueKind:
    def check(value: Any) -> bool:
        if _index(value):
            return True
        return type(value) is list and len(value) == 2 and all(_index(item) for item in value)

    return ValueKind("a non-negative integer or a list of two", check)


def _increasing() -> ValueKind:
    def check(value: Any) -> bool:
        return (
            type(value) is list
            and bool(value)
            and all(is_number(item) for item in value)
            and all(a < b for a, b in zip(value, value[1:], strict=False))
        )

    return ValueKind("a non-empty list of increasing numbers", check)


def depth(layer: str, args: Args) -> int:
    """The size of the axis a non-int output mode encodes into."""
    if layer == "CategoryEncoding":
        return int(args["num_tokens"])
    if layer == "Hashing":
        return int(args["num_bins"])
    if layer == "Discretization":
        return len(args["bin_boundaries"]) + 1
    if args.get("pad_to_max_tokens") is True:
        return int(args["max_tokens"])
    return vocabulary_size(layer, args, args.get("output_mode", "int"))


def vocabulary_size(layer: str, args: Args, mode: str) -> int:
    """A lookup's indices: its tokens and OOV indices, and in int mode the mask."""
    size = len(tokens(layer, args, mode)) + args.get("num_oov_indices", 1)
    return int(size) + (1 if mode == "int" and args.get("mask_token") is not None else 0)


def oov_token(layer: str, args: Args) -> Any:
    """The out-of-vocabulary token, Keras's default where not given."""
    token = args.get("oov_token")
    if token is None:
        return "[UNK]" if layer == "StringLookup" else -1
    return token


def tokens(layer: str, args: Args, mode: str) -> list[Any]:
    """The vocabulary without the special tokens it may start with, in Keras's order (the
    mask token in int mode, then the OOV token once per OOV index): Keras drops those."""
    vocabulary = list(args["vocabulary"])
    mask = [args.get("mask_token")] if mode == "int" and args.get("mask_token") is not None else []
    special = mask + [oov_token(layer, args)] * args.get("num_oov_indices", 1)
    return vocabulary[len(special) :] if vocabulary[: len(special)] == special else vocabulary


def _encoded(layer: str, mode: str, shape: Shape, size: int) -> Shape:
    """The shape of a one_hot, multi_hot or count encoding, where Keras computes it as built."""
    if mode == "one_hot":
        last_is_one = len(shape) > 1 and shape[-1] == 1
        if layer == "Hashing" and not last_is_one:
            raise ShapeError(
                f"Hashing one_hot needs a last axis of size 1, got {show_shape(shape)}"
                " (Keras builds another shape than it computes; Reshape it first)"
            )
        return (*shape[:-1], size) if last_is_one else (*shape, size)
    if len(shape) != 2:
        hint = (
            " (one value per example: use one_hot, or Reshape it to [1] first)"
            if len(shape) == 1
            else " (Keras builds another shape than it computes for more axes)"
        )
        raise ShapeError(
            f"{layer} {mode} counts the values of a 2-D input (batch, values),"
            f" got {show_shape(shape)}{hint}"
        )
    return (shape[0], size)


def encoding(layer: str, default_mode: str) -> Rule:
    """A lookup, hashing or binning layer: indices of the input's shape, or an encoding."""

    def rule(args: Args, inputs: Sequence[Shape]) -> Output:
        shape = single(inputs)
        given = GIVEN.get(layer)
        if given is not None and given not in args:
            # Keras would learn it from data with adapt(); the script never adapts.
            raise ShapeError(
                f"{layer} needs {given!r} given in the spec (the script cannot adapt() it to data)"
            )
        mode = args.get("output_mode", default_mode)
        if layer in ("StringLookup", "IntegerLookup"):
            _check_reserved(layer, args, mode)
            _check_options(layer, args, mode)
        if mode == "int":
            return Output(shape)
        size = depth(layer, args)
        if size > MAX_INT:
            raise ShapeError(f"{layer} encodes into {size} values, more than Keras can build")
        return Output(_encoded(layer, mode, shape, size))

    return rule


def _check_reserved(layer: str, args: Args, mode: str) -> None:
    """Keras refuses a vocabulary that holds its mask token, or with invert its OOV token,
    past the special tokens it may start with."""
    found = tokens(layer, args, mode)
    if not found:
        raise ShapeError(
            f"{layer} vocabulary holds only its special tokens, which Keras drops: it would be"
            " empty (add the tokens to look up)"
        )
    mask = args.get("mask_token")
    if mask is not None and mask in found:
        raise ShapeError(
            f"{layer} vocabulary holds its mask_token {mask!r} (Keras reserves it; remove it)"
        )
    oov = oov_token(layer, args)
    if args.get("invert") is True and oov in found:  # unused, and unchecked, otherwise
        raise ShapeError(
            f"{layer} vocabulary holds its oov_token {oov!r}, which invert: true gives back"
            " (Keras reserves it; remove it)"
        )


def _check_options(layer: str, args: Args, mode: str) -> None:
    """invert, tf_idf's idf_weights, max_tokens and its padding, sparse: as Keras checks
    them, and what the script cannot run."""
    if args.get("sparse") is True:
        raise ShapeError(
            f"{layer} with sparse: true gives a SparseTensor, which the script's layers and"
            " synthetic training do not take (leave sparse out)"
        )
    if args.get("invert") is True and mode != "int":
        raise ShapeError(
            f"{layer} with invert: true turns indices back into tokens: its output_mode must"
            f" be 'int', got {mode!r}"
        )
    weights = args.get("idf_weights")
    if mode == "tf_idf" and weights is None:
        raise ShapeError(f"{layer} tf_idf needs idf_weights, one per vocabulary entry")
    if mode != "tf_idf" and weights is not None:
        raise ShapeError(f"{layer} takes idf_weights only with output_mode: tf_idf")
    if weights is not None and len(weights) != len(args["vocabulary"]):
        raise ShapeError(
            f"{layer} needs one idf_weight per vocabulary entry: {len(args['vocabulary'])}"
            f" entries, {len(weights)} idf_weights"
        )
    limit = args.get("max_tokens")
    if args.get("pad_to_max_tokens") is True and limit is None:
        raise ShapeError(f"{layer} with pad_to_max_tokens: true needs max_tokens")
    size = vocabulary_size(layer, args, mode)
    if limit is not None and size > limit:
        raise ShapeError(
            f"{layer} has {size} indices (vocabulary, OOV indices and, in int mode, the mask"
            f" token), more than its max_tokens {limit}"
        )


def _max_tokens() -> ValueKind:
    return ValueKind(
        "an integer greater than 1, or null",
        lambda value: value is None or (is_bounded_int(value) and value > 1),
    )


def _weights() -> ValueKind:
    def check(value: Any) -> bool:
        return (
            type(value) is list
            and 0 < len(value) <= MAX_VOCABULARY
            and all(is_number(item) for item in value)
        )

    return ValueKind("a non-empty list of numbers", check)


def _lookup(layer: str, items: str, is_item: Any, oov: ValueKind) -> LayerType:
    singular = "a non-empty string" if layer == "StringLookup" else "a non-negative integer"
    return LayerType(
        layer,
        {
            "vocabulary": Arg(_distinct(items, is_item)),
            "num_oov_indices": Arg(non_negative_int(), default=1),
            "mask_token": Arg(_optional(singular, is_item), default=None),
            "oov_token": Arg(oov),
            "output_mode": Arg(LOOKUP_MODES, default="int"),
            "invert": Arg(boolean(), default=False),
            "max_tokens": Arg(_max_tokens(), default=None),
            "pad_to_max_tokens": Arg(boolean(), default=False),
            "idf_weights": Arg(_weights(), default=None),
            "sparse": Arg(boolean(), default=False),
        },
        encoding(layer, "int"),
    )


LAYER_TYPES = [
    _lookup("StringLookup", "strings", _token, ValueKind("a non-empty string", _token)),
    _lookup("IntegerLookup", "non-negative integers", _index, integer()),
    LayerType(
        "CategoryEncoding",
        {
            "num_tokens": Arg(positive_int()),
            "output_mode": Arg(ENCODINGS, default="multi_hot"),
        },
        encoding("CategoryEncoding", "multi_hot"),
    ),
    LayerType(
        "Hashing",
        {
            "num_bins": Arg(positive_int(), required=True, positional=True),
            "salt": Arg(_salt()),
            "output_mode": Arg(MODES, default="int"),
        },
        encoding("Hashing", "int"),
    ),
    LayerType(
        "Discretization",
        {
            "bin_boundaries": Arg(_increasing()),
            "output_mode": Arg(MODES, default="int"),
        },
        encoding("Discretization", "int"),
    ),
]
