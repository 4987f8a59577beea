"""Integer and string tensors: which layers take them, and what they give back.

Keras casts integer inputs for some layers and passes them through others, but
convolutions, average pooling and most activations fail on them at run time.
The table follows Keras 3 on the TensorFlow backend, checked by the
differential test with a forward pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.analysis.expressions import COMPUTE
from generator.analysis.layers.base import ShapeError, nested_args

INT, FLOAT, STRING = "int", "float", "string"
STRING_HINT = "turn them into token ids first with a StringLookup or Hashing layer"

# Layers that compute in floats whatever they get.
CASTS = frozenset(
    {
        "Dense", "Embedding", "BatchNormalization", "LayerNormalization",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "SimpleRNN", "LSTM", "GRU", "Bidirectional",
        "LeakyReLU", "GroupNormalization", "Rescaling", "CenterCrop", "Normalization",
    }
)  # fmt: skip
# Layers that move values around without arithmetic: integers stay integers.
KEEPS = frozenset(
    {
        "Flatten", "Reshape", "Permute", "RepeatVector",
        "MaxPooling1D", "MaxPooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
        "UpSampling1D", "UpSampling2D", "ZeroPadding2D", "Cropping2D",
        # MaxPooling3D is not here: TensorFlow has no int32 kernel for it.
        "GlobalMaxPooling3D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding3D",
        "Cropping1D", "Cropping3D",
        "Concatenate", "Add", "Subtract", "Multiply", "Maximum", "Minimum", "Dot",
        "ActivityRegularization", "Masking",
        "Resizing",  # rounds back to integers
    }
)  # fmt: skip
# Random layers, by the argument that sets their strength: in training they add or multiply
# float noise, which int32 values cannot take; at strength 0 they pass values through.
NOISE = {
    "Dropout": "rate", "SpatialDropout1D": "rate", "SpatialDropout2D": "rate",
    "SpatialDropout3D": "rate", "GaussianDropout": "rate", "AlphaDropout": "rate",
    "GaussianNoise": "stddev",
}  # fmt: skip
ACTIVATIONS_KEEPING_INTS = frozenset({"linear", "relu", "relu6"})
ACTIVATIONS_CASTING_INTS = frozenset({"leaky_relu", "tanh", "exponential"})


def _relu_kind(args: Mapping[str, Any]) -> str:
    """ReLU keeps integers; a negative slope makes it leaky (float), or fails with a clip."""
    if args.get("negative_slope", 0) == 0:
        return INT
    if args.get("max_value") is None and args.get("threshold", 0) == 0:
        return FLOAT
    raise ShapeError(
        "ReLU with a negative_slope and a max_value or threshold cannot take int32 values"
        " (feed token ids to an Embedding, or cast them with a Dense layer, first)"
    )


def dtype_kind(dtype: str) -> str:
    """int for int32 inputs, string for strings, float otherwise."""
    if dtype == "string":
        return STRING
    return INT if dtype.startswith("int") else FLOAT


def output_kind(
    layer_type: str, args: Mapping[str, Any], kinds: Sequence[str], sources: Sequence[str] = ()
) -> str:
    """The kind of a layer's output, or ShapeError when it cannot take its inputs' kinds.

    `sources` names the inputs, for messages.
    """
    if layer_type == "TimeDistributed":
        inner = args["layer"]
        inner_args = nested_args(inner)
        return output_kind(inner["type"], inner_args, kinds, sources)
    if layer_type in LOOKUP_INPUTS:
        return _lookup_kind(layer_type, args, kinds[0], sources[:1])
    if STRING in kinds:
        named = [name for name, kind in zip(sources, kinds, strict=False) if kind == STRING]
        where = f" ({', '.join(repr(name) for name in named)})" if named else ""
        what = "an expression" if layer_type == COMPUTE else layer_type
        raise ShapeError(f"{what} cannot take string values{where}; {STRING_HINT}")
    if INT not in kinds:
        return FLOAT
    if layer_type == COMPUTE:
        raise ShapeError(
            "an expression computes in floats and cannot take int32 values"
            " (feed token ids to an Embedding, or cast them with a Dense layer, first)"
        )
    if layer_type in CASTS:
        return FLOAT
    if layer_type == "Average":
        return FLOAT
    if layer_type in KEEPS:
        return INT if all(kind == INT for kind in kinds) else FLOAT
    if layer_type in NOISE:
        if args[NOISE[layer_type]] == 0:
            return INT
        raise ShapeError(
            f"{layer_type} cannot take int32 values in training (its noise is float;"
            f" feed token ids to an Embedding first, or set {NOISE[layer_type]}: 0)"
        )
    if layer_type == "ReLU":
        return _relu_kind(args)
    if layer_type == "Activation":
        activation = args.get("activation")
        if activation in ACTIVATIONS_KEEPING_INTS:
            return INT
        if activation in ACTIVATIONS_CASTING_INTS:
            return FLOAT
        raise ShapeError(
            f"the {activation!r} activation cannot take int32 values"
            " (feed token ids to an Embedding, or cast them with a Dense layer, first)"
        )
    raise ShapeError(
        f"{layer_type} cannot take int32 values"
        " (feed token ids to an Embedding, or cast them with a Dense layer, first)"
    )


# What each lookup layer takes, in words, and where the values it refuses go instead.
LOOKUP_INPUTS: dict[str, tuple[frozenset[str], str, str]] = {
    "StringLookup": (
        frozenset({STRING}),
        "strings",
        "IntegerLookup looks up int32 ids; Discretization bins numbers",
    ),
    "IntegerLookup": (
        frozenset({INT}),
        "int32 token ids",
        "StringLookup looks up strings; Discretization bins numbers",
    ),
    "Hashing": (frozenset({STRING, INT}), "strings or int32 ids", "Discretization bins numbers"),
    "CategoryEncoding": (
        frozenset({INT}),
        "int32 token ids",
        "Discretization bins numbers into ids first; StringLookup turns strings into them",
    ),
    "Discretization": (frozenset({INT, FLOAT}), "numbers", STRING_HINT),
}
_KIND_NAMES = {INT: "int32", FLOAT: "float", STRING: "string"}


def _lookup_kind(layer_type: str, args: Mapping[str, Any], kind: str, source: Sequence[str]) -> str:
    """Lookups give integer indices in int mode and float encodings otherwise."""
    takes, what, hint = LOOKUP_INPUTS[layer_type]
    if args.get("invert") is True:  # indices in, tokens out
        takes, what = frozenset({INT}), "int32 indices (invert: true)"
        hint = "invert: true turns int32 indices back into tokens"
    if kind not in takes:
        where = f" from {source[0]!r}" if source else ""
        raise ShapeError(
            f"{layer_type} takes {what}, not {_KIND_NAMES[kind]} values{where} ({hint})"
        )
    default = "multi_hot" if layer_type == "CategoryEncoding" else "int"
    if args.get("invert") is True and layer_type == "StringLookup":
        return STRING
    return INT if args.get("output_mode", default) == "int" else FLOAT
