"""Hypothesis strategies: random specs over the whole layer catalog.

Specs are well-typed (every value passes its argument's value check) but their
shapes are anything: many fit, many do not, which is what the differential
test against Keras needs.
"""

from __future__ import annotations

import math
import re
from typing import Any

from hypothesis import strategies as st

from generator.analysis.catalog import CATALOG

ACTIVATION = st.sampled_from(["relu", "tanh", "linear", "sigmoid"])
SMALL = st.integers(1, 4)

BY_RANK: dict[int, list[str]] = {
    2: ["Dense", "Activation", "Dropout", "LayerNormalization", "BatchNormalization", "Flatten",
        "Reshape", "RepeatVector", "Embedding"],
    3: ["Dense", "Conv1D", "MaxPooling1D", "AveragePooling1D", "GlobalAveragePooling1D",
        "GlobalMaxPooling1D", "UpSampling1D", "SimpleRNN", "LSTM", "GRU", "Bidirectional",
        "Permute", "Reshape", "Flatten", "LayerNormalization", "BatchNormalization", "Dropout"],
    4: ["Conv2D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling2D",
        "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "UpSampling2D",
        "ZeroPadding2D", "Cropping2D", "Permute", "Reshape", "Flatten", "Dense",
        "BatchNormalization", "LayerNormalization"],
}  # fmt: skip
# Activations, normalization, noise and in-model preprocessing: every rank they take.
_ANY_RANK = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "UnitNormalization",
             "GroupNormalization", "GaussianNoise", "GaussianDropout", "AlphaDropout",
             "ActivityRegularization", "Masking", "Rescaling", "Normalization"]  # fmt: skip
for _rank, _names in {2: _ANY_RANK, 3: ["SpatialDropout1D", *_ANY_RANK],
                      4: ["SpatialDropout2D", "Resizing", "CenterCrop", *_ANY_RANK],
                      5: ["SpatialDropout3D", *_ANY_RANK]}.items():  # fmt: skip
    BY_RANK.setdefault(_rank, []).extend(_names)
# The 1-D and 3-D convolution family, ConvLSTM (rank 4 and 5), and rank 5 volumes.
BY_RANK[3] += ["Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D", "ZeroPadding1D",
               "Cropping1D"]  # fmt: skip
BY_RANK[4] += ["ConvLSTM1D"]
BY_RANK[5] = [*BY_RANK.get(5, []), "Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D",
              "GlobalAveragePooling3D", "GlobalMaxPooling3D", "UpSampling3D", "ZeroPadding3D",
              "Cropping3D", "ConvLSTM2D", "Flatten", "Reshape", "Dense", "Permute"]  # fmt: skip
# Lookups, hashing and binning on 1-D to 3-D inputs; TimeDistributed around other layers.
LOOKUPS = ["StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing", "Discretization"]
BY_RANK[1] = [*LOOKUPS, "Reshape"]
BY_RANK[2] += LOOKUPS
BY_RANK[3] += [*LOOKUPS, "TimeDistributed"]
BY_RANK[4] += ["TimeDistributed"]
BY_RANK[5] += ["TimeDistributed"]
LOOKUP_TYPES = frozenset({*LOOKUPS, "TimeDistributed"})
# What TimeDistributed wraps in the random specs, by the rank of one step (batch included).
WRAPPED_BY_RANK: dict[int, list[str]] = {
    2: ["Dense", "Dropout", "BatchNormalization", "Activation", "ReLU", "RepeatVector",
        "LayerNormalization", "Embedding", "Reshape"],
    3: ["Dense", "Conv1D", "MaxPooling1D", "GlobalAveragePooling1D", "LSTM", "GRU", "Flatten",
        "UpSampling1D", "Cropping1D", "BatchNormalization"],
    4: ["Conv2D", "MaxPooling2D", "GlobalMaxPooling2D", "Flatten", "ZeroPadding2D", "Dense"],
}  # fmt: skip
WORDS = ["red", "green", "blue", "cyan", "pink"]
MERGES = [name for name, layer in CATALOG.items() if layer.is_merge]
SINGLE = [name for name, layer in CATALOG.items() if not layer.is_merge]


def _sides(high: int, spatial: int = 2) -> st.SearchStrategy[Any]:
    """ZeroPadding*D / Cropping*D amounts: n, one per axis, or (before, after) per axis."""
    pair = st.lists(st.integers(0, high), min_size=2, max_size=2)
    if spatial == 1:
        return st.integers(0, high) | pair
    each = st.lists(st.integers(0, high), min_size=spatial, max_size=spatial)
    return st.integers(0, high) | each | st.lists(pair, min_size=spatial, max_size=spatial)


def _spatial(type_name: str) -> int:
    """1, 2 or 3 from the type name (ConvLSTM1D, Conv3DTranspose, ...); 2 otherwise."""
    for spatial in (1, 3):
        if f"{spatial}D" in type_name:
            return spatial
    return 2


def _pair_or_n(low: int, high: int, spatial: int) -> st.SearchStrategy[Any]:
    if spatial == 1:
        return st.integers(low, high)
    return st.integers(low, high) | st.lists(
        st.integers(low, high), min_size=spatial, max_size=spatial
    )


@st.composite
def _reshape_target(draw: st.DrawFn, shape: tuple[int | None, ...]) -> list[int]:
    size = math.prod(shape[1:]) if None not in shape[1:] else None
    if size and draw(st.booleans()):
        divisors = [d for d in range(1, size + 1) if size % d == 0]
        first = draw(st.sampled_from(divisors))
        return draw(st.sampled_from([[size], [first, size // first], [first, -1], [-1]]))
    dims = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return dims


@st.composite
def _args(draw: st.DrawFn, type_name: str, shape: tuple[int | None, ...]) -> dict[str, Any]:
    rank = len(shape)
    spatial = _spatial(type_name)
    size = _pair_or_n(1, 4 if spatial < 3 else 3, spatial)
    optional = {
        "activation": ACTIVATION,
        "use_bias": st.booleans(),
        "strides": _pair_or_n(1, 3, spatial),
        "padding": st.sampled_from(["valid", "same"]),
        "dilation_rate": st.integers(1, 2),
        "depth_multiplier": st.integers(1, 3),
        "pool_size": size,
        "keepdims": st.booleans(),
        "rate": st.sampled_from([0.0, 0.3]),
        "center": st.booleans(),
        "scale": st.booleans(),
        "return_sequences": st.booleans(),
        "reset_after": st.booleans(),
        "merge_mode": st.sampled_from(["concat", "sum", "mul", "ave"]),
        "size": size,
        "output_padding": _pair_or_n(0, 1, spatial),
        "data_format": st.sampled_from(["channels_last", "channels_first"]),
    }
    required = {
        "units": st.integers(1, 6),
        "filters": st.integers(1, 5),
        "kernel_size": size,
        "pool_size": size,
        "rate": st.sampled_from([0.0, 0.3]),
        "activation": ACTIVATION,
        "input_dim": st.integers(2, 20),
        "output_dim": st.integers(1, 5),
        "n": st.integers(1, 3),
        "num_heads": st.integers(1, 3),
        "key_dim": st.integers(1, 4),
        "target_shape": _reshape_target(shape),
        "dims": st.permutations(list(range(1, max(rank, 2)))),
        "layer": st.fixed_dictionaries(
            {"type": st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), "units": st.integers(1, 4)},
            optional={"return_sequences": st.booleans(), "use_bias": st.booleans()},
        ),
    }
    special = {
        "axis": st.integers(-rank, rank - 1),
        "padding": (
            _sides(2, spatial) if type_name.startswith("ZeroPadding") else optional["padding"]
        ),
        "cropping": _sides(3 if spatial < 3 else 1, spatial),
    }
    if type_name == "LayerNormalization":
        special["axis"] = st.integers(-rank, rank - 1) | st.lists(
            st.integers(1, rank - 1), min_size=1, max_size=2, unique=True
        )
    if type_name == "Conv1D":
        special["padding"] = st.sampled_from(["valid", "same", "causal"])
    special |= _catalog_args(type_name, shape)
    if type_name == "UpSampling1D":
        special["size"] = SMALL
    special |= _lookup_args(type_name, shape)
    args: dict[str, Any] = {}
    for name, arg in CATALOG[type_name].args.items():
        source = (
            special[name] if name in special else (required if arg.required else optional).get(name)
        )
        if source is None:
            continue
        if arg.required or draw(st.integers(0, 2)) == 0:
            args[name] = draw(source)
    given = {"StringLookup": "vocabulary", "IntegerLookup": "vocabulary",
             "CategoryEncoding": "num_tokens", "Discretization": "bin_boundaries"}  # fmt: skip
    if type_name in given and draw(st.integers(0, 5)):
        args[given[type_name]] = draw(special[given[type_name]])
    if type_name == "GroupNormalization" and draw(st.integers(0, 4)):
        args["groups"] = draw(special["groups"])  # the default, 32, rarely fits
    if type_name == "Normalization" and draw(st.integers(0, 4)):
        count = draw(st.none() | _per_channel(shape))
        for name in ("mean", "variance"):
            value = st.lists(FACTOR, min_size=count, max_size=count) if count else FACTOR
            args[name] = draw(value)
    if args.get("output_mode") == "tf_idf" and "vocabulary" in args and draw(st.integers(0, 4)):
        count = len(args["vocabulary"])  # mostly one weight per entry, as Keras needs
        args["idf_weights"] = draw(st.lists(FACTOR, min_size=count, max_size=count))
    if args.get("invert") and draw(st.integers(0, 3)):
        args.pop("output_mode", None)  # invert takes int mode only
    return args


def _lookup_args(type_name: str, shape: tuple[int | None, ...]) -> dict[str, Any]:
    """Vocabularies, ranges and output modes of the lookups; TimeDistributed's wrapped layer."""
    if type_name == "TimeDistributed":
        step = (shape[0], *shape[2:])
        inner = st.sampled_from(WRAPPED_BY_RANK.get(len(step), ["Dense", "Flatten"]))
        return {"layer": inner.flatmap(lambda name: _args(name, step).map(
            lambda args: {"type": name, **args}))}  # fmt: skip
    if type_name not in LOOKUPS:
        return {}
    words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4, unique=True)
    ids = st.lists(st.integers(0, 9), min_size=1, max_size=4, unique=True)
    string = type_name == "StringLookup"
    return {
        "vocabulary": words if string else ids,
        "num_oov_indices": st.integers(0, 2),
        "mask_token": st.sampled_from(["pad", "red"] if string else [0, 3]),
        "oov_token": st.sampled_from(["[UNK]", "blue"] if string else [-1, 7]),
        "output_mode": st.sampled_from(
            ["int", "one_hot", "multi_hot", "count"]
            + (["tf_idf"] if type_name in ("StringLookup", "IntegerLookup") else [])
        ),
        "invert": st.booleans(),
        "max_tokens": st.integers(2, 9),
        "pad_to_max_tokens": st.booleans(),
        "idf_weights": st.lists(FACTOR, min_size=1, max_size=3),
        "num_tokens": st.integers(1, 10),
        "num_bins": st.integers(1, 5),
        "salt": st.integers(0, 5) | st.lists(st.integers(0, 5), min_size=2, max_size=2),
        "bin_boundaries": st.lists(FACTOR, min_size=1, max_size=3, unique=True).map(sorted),
    }


# Arguments of the activation, normalization, noise and preprocessing layers.
CATALOG_TYPES = frozenset({*_ANY_RANK, "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                 "Resizing", "CenterCrop"})  # fmt: skip
FACTOR = st.sampled_from([0.0, 0.5, 1.0, 6.0])


def _per_channel(shape: tuple[int | None, ...]) -> st.SearchStrategy[int]:
    return st.sampled_from([1, 2, 3] + ([shape[-1]] if shape[-1] else []))


def _catalog_args(type_name: str, shape: tuple[int | None, ...]) -> dict[str, Any]:
    if type_name not in CATALOG_TYPES:
        return {}
    rank = len(shape)
    axis = st.integers(-rank, rank - 1)
    some = FACTOR | _per_channel(shape).flatmap(lambda n: st.lists(FACTOR, min_size=n, max_size=n))
    mask_entry = st.sampled_from([None, 1, *(dim for dim in shape[1:] if dim)])
    return {
        "max_value": FACTOR,
        "negative_slope": FACTOR,
        "threshold": FACTOR,
        "alpha": st.sampled_from([-1.0, 0.5, 1.0]),
        "shared_axes": st.integers(1, rank)
        | st.lists(st.integers(1, rank), min_size=1, max_size=2, unique=True),
        "axis": axis | st.lists(axis, min_size=1, max_size=2, unique=True)
        if type_name in ("Softmax", "UnitNormalization", "Normalization")
        else axis,
        "groups": st.sampled_from([-1, 1, 2, 3, 4]),
        "stddev": st.sampled_from([0.0, 0.3]),
        "noise_shape": st.lists(mask_entry, min_size=rank - 1, max_size=rank + 1),
        "l1": st.sampled_from([0.0, 0.01]),
        "l2": st.sampled_from([0.0, 0.01]),
        "mask_value": st.sampled_from([0.0, 1.0]),
        **({"scale": some, "offset": some} if type_name == "Rescaling" else {}),
        "height": st.integers(1, 6),
        "width": st.integers(1, 6),
        "interpolation": st.sampled_from(["nearest", "bilinear", "bicubic"]),
        "crop_to_aspect_ratio": st.booleans(),
        "pad_to_aspect_ratio": st.booleans(),
        "data_format": st.sampled_from(["channels_last", "channels_first"]),
        "mean": some,
        "variance": some,
        "invert": st.booleans(),
    }


@st.composite
def _merge_args(draw: st.DrawFn, type_name: str, rank: int) -> dict[str, Any]:
    if type_name == "Concatenate" and draw(st.booleans()):
        return {"axis": draw(st.integers(-rank, rank - 1))}
    if type_name == "Dot":
        axis = st.integers(-rank, rank - 1).filter(lambda a: a != 0)
        return {"axes": draw(axis | st.lists(axis, min_size=2, max_size=2))}
    return {}


@st.composite
def _input(draw: st.DrawFn, index: int, lookups: bool = False) -> dict[str, Any]:
    kinds = ["vector", "sequence", "image", "tokens", "volume"]
    kind = draw(st.sampled_from(kinds + (["words", "scalar", "ids"] if lookups else [])))
    name = f"in{index}"
    columns = st.sampled_from([[], [1], [3], [2, 1], [2, 3]])
    if kind == "words":
        return {"name": name, "shape": draw(columns), "dtype": "string"}
    if kind == "scalar":
        return {"name": name, "shape": draw(columns)}
    if kind == "ids":
        return {"name": name, "shape": draw(columns), "dtype": "int32"}
    if kind == "vector":
        return {"name": name, "shape": [draw(st.integers(1, 12))]}
    if kind == "sequence":
        return {"name": name, "shape": [draw(st.sampled_from([None, 3, 6, 9])), draw(SMALL)]}
    if kind == "image":
        side = st.integers(3, 10)
        height = draw(side | st.none()) if draw(st.integers(0, 5)) == 0 else draw(side)
        return {"name": name, "shape": [height, draw(side), draw(st.integers(1, 3))]}
    if kind == "volume":  # Conv3D and friends; ConvLSTM2D reads it as (time, height, width)
        side = st.integers(2, 6)
        depth = draw(side | st.none()) if draw(st.integers(0, 5)) == 0 else draw(side)
        return {"name": name, "shape": [depth, draw(side), draw(side), draw(st.integers(1, 3))]}
    return {"name": name, "shape": [draw(st.sampled_from([None, 5]))], "dtype": "int32"}


BLOCKS: dict[str, dict[str, Any]] = {
    "dense_unit": {
        "inputs": ["x"],
        "params": ["units"],
        "layers": [
            {"name": "dense", "type": "Dense", "inputs": "x", "units": "$units", "activation": "relu"},
            {"name": "act", "type": "Activation", "activation": "tanh"},
        ],
    },
    "residual": {
        "inputs": ["x"],
        "params": ["units"],
        "layers": [
            {"name": "dense", "type": "Dense", "inputs": "x", "units": "$units"},
            {"name": "added", "type": "Add", "inputs": ["dense", "x"]},
        ],
    },
    "conv_unit": {
        "inputs": ["x"],
        "params": ["filters", "kernel"],
        "defaults": {"kernel": 3},
        "layers": [
            {"name": "conv", "type": "Conv2D", "inputs": "x", "filters": "$filters", "kernel_size": "$kernel", "padding": "same"},
            {"name": "norm", "type": "BatchNormalization"},
        ],
    },
    "widen": {  # arithmetic over parameters, also passed on to a nested block
        "inputs": ["x"],
        "params": ["units", "factor"],
        "defaults": {"factor": 2},
        "layers": [
            {"name": "wide", "type": "Dense", "inputs": "x", "units": "$units * $factor"},
            {"name": "drop", "type": "Dropout", "rate": "$factor / 10"},
            {"name": "narrow", "type": "Dense", "units": "($units + 1) // 2 + $factor % 2"},
            {"name": "inner", "block": "dense_unit", "units": "$units - $factor + 6"},
        ],
    },
    "pair": {
        "inputs": ["a", "b"],
        "params": ["units"],
        "layers": [
            {"name": "joined", "type": "Concatenate", "inputs": ["a", "b"]},
            {"name": "inner", "block": "dense_unit", "units": "$units"},
        ],
    },
}  # fmt: skip


@st.composite
def _block_call(draw: st.DrawFn, name: str, shapes: dict[str, Any], block: str) -> dict[str, Any]:
    definition = BLOCKS[block]
    count = len(definition["inputs"])
    sources = draw(
        st.lists(st.sampled_from(list(shapes)), min_size=count, max_size=count, unique=True)
    )
    call: dict[str, Any] = {
        "name": name,
        "block": block,
        "inputs": sources if count > 1 else sources[0],
    }
    for param in definition["params"]:
        if param not in definition.get("defaults", {}) or draw(st.booleans()):
            call[param] = draw(st.integers(1, 5)) if param != "kernel" else draw(st.integers(1, 3))
    return call


UNARY = ["abs", "square", "sqrt", "exp", "log", "tanh", "sigmoid", "relu6", "l2_normalize",
         "normal_like"]  # fmt: skip
REDUCTIONS = ["sum", "mean", "max", "min"]
NUMBER = st.sampled_from([0.5, 2, 3.0, -1, 1e-3])


@st.composite
def _expression(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    """A compute expression over `names`: every allowed operation, shapes left to chance."""
    choice = draw(st.integers(0, 9 if depth < 3 else 0))
    if choice == 0:
        return draw(st.sampled_from(names))
    inner = draw(_expression(names, depth + 1))
    if choice == 1:
        return f"{draw(st.sampled_from(UNARY))}({inner})"
    if choice in (2, 3):
        other = draw(_expression(names, depth + 1) | NUMBER.map(repr))
        return f"({inner} {draw(st.sampled_from(['+', '-', '*', '/']))} {other})"
    if choice == 4:
        return f"({inner}) ** {draw(st.sampled_from([2, 0.5, 3]))}"
    if choice == 5:
        return f"clip({inner}, -1, {draw(NUMBER)!r})" if draw(st.booleans()) else f"-{inner}"
    if choice == 6:
        other = draw(_expression(names, depth + 1) | NUMBER.map(repr))
        return f"{draw(st.sampled_from(['minimum', 'maximum']))}({inner}, {other})"
    if choice == 7:
        axis = draw(st.integers(-3, 3) | st.lists(st.integers(1, 3), min_size=1, max_size=2))
        axis_text = f"({', '.join(map(str, axis))},)" if isinstance(axis, list) else str(axis)
        keepdims = ", keepdims=True" if draw(st.booleans()) else ""
        return f"{draw(st.sampled_from(REDUCTIONS))}({inner}, axis={axis_text}{keepdims})"
    if choice == 8:
        return f"expand_dims({inner}, {draw(st.integers(-3, 3))})"
    return f"squeeze({inner}, {draw(st.integers(-3, 3))})"


@st.composite
def _compute(draw: st.DrawFn, name: str, shapes: dict[str, Any]) -> dict[str, Any]:
    sources = draw(
        st.lists(
            st.sampled_from(list(shapes)), min_size=1, max_size=min(2, len(shapes)), unique=True
        )
    )
    names = ["a", "b"][: len(sources)]
    text = draw(_expression(names))
    for local in names:
        if not re.search(rf"\b{local}\b", text):
            text = f"{text} + {local}"
    return {"name": name, "compute": text, "inputs": dict(zip(names, sources, strict=True))}


def _probe_layers(layers: list[dict[str, Any]], name: str) -> tuple[list[dict[str, Any]], str]:
    """An expression cannot be a model output: a linear Activation follows it."""
    if "compute" not in layers[-1]:
        return layers, name
    out = f"{name}_out"
    return [
        *layers,
        {"name": out, "type": "Activation", "activation": "linear", "inputs": name},
    ], out


@st.composite
def specs(
    draw: st.DrawFn, max_layers: int = 7, focus: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A random spec: several inputs, branches, merges of 2 to 4 tensors.

    With `focus`, single layers that fit are drawn from those types only.
    """
    from generator.analysis.plan import build_graph
    from generator.spec.model import parse_spec

    lookups = bool(focus & LOOKUP_TYPES)
    inputs = [draw(_input(i, lookups)) for i in range(draw(st.integers(1, 3)))]
    layers: list[dict[str, Any]] = []
    shapes: dict[str, tuple[int | None, ...]] = {
        item["name"]: (None, *item["shape"]) for item in inputs
    }
    blocks: dict[str, Any] = {}
    for index in range(draw(st.integers(1, max_layers))):
        name = f"l{index}"
        choice = draw(st.integers(0, 9))
        shareable = [
            layer["name"]
            for layer in layers
            if layer.get("block") or layer.get("type", "Add") not in MERGES
        ]
        if choice == 0 and len(shapes) >= (1 if len(inputs) == 1 else 2):
            block = draw(st.sampled_from(sorted(BLOCKS)))
            if len(BLOCKS[block]["inputs"]) > len(shapes):
                continue
            blocks[block] = BLOCKS[block]
            if block in ("pair", "widen"):
                blocks["dense_unit"] = BLOCKS["dense_unit"]
            layer = draw(_block_call(name, shapes, block))
        elif choice in (1, 4) and shareable:
            layer = {
                "name": name,
                "share": draw(st.sampled_from(shareable)),
                "inputs": draw(st.sampled_from(list(shapes))),
            }
        elif choice in (5, 6):
            layer = draw(_compute(name, shapes))
        elif len(shapes) >= 2 and choice in (2, 3):
            type_name = draw(st.sampled_from(MERGES))
            count = (
                2
                if CATALOG[type_name].max_inputs == 2
                else draw(st.integers(2, min(4, len(shapes))))
            )
            same_rank = draw(st.integers(0, 3)) > 0
            pool = list(shapes)
            if same_rank:
                rank = len(shapes[draw(st.sampled_from(pool))])
                pool = [key for key in pool if len(shapes[key]) == rank] or pool
            chosen = draw(
                st.lists(
                    st.sampled_from(pool),
                    min_size=min(count, len(pool)),
                    max_size=count,
                    unique=True,
                )
            )
            if len(chosen) < 2:
                continue
            layer = {"name": name, "type": type_name, "inputs": chosen}
            layer |= draw(_merge_args(type_name, len(shapes[chosen[0]])))
        else:
            source = draw(st.sampled_from(list(shapes)))
            rank = len(shapes[source])
            fitting = BY_RANK.get(rank, SINGLE)
            fitting = [name for name in fitting if name in focus] or fitting
            type_name = draw(st.sampled_from(fitting if draw(st.integers(0, 4)) else SINGLE))
            layer = {"name": name, "type": type_name, "inputs": source}
            layer |= draw(_args(type_name, shapes[source]))
        layers.append(layer)
        probe_layers, probe_output = _probe_layers(layers, name)
        trial = {
            "name": "probe",
            "inputs": inputs,
            "blocks": blocks,
            "layers": probe_layers,
            "outputs": [probe_output],
        }
        try:
            graph = build_graph(parse_spec(trial))
            shapes[name] = graph.layer(name).shape
        except Exception:  # noqa: BLE001 - an invalid layer: keep it, stop growing here
            break
    used = {
        ref
        for layer in layers
        for ref in (
            [layer["inputs"]]
            if isinstance(layer["inputs"], str)
            else list(layer["inputs"].values())
            if isinstance(layer["inputs"], dict)
            else layer["inputs"]
        )
    }
    for layer in list(layers):
        if "compute" in layer and layer["name"] not in used:
            layers += _probe_layers([layer], layer["name"])[0][1:]
    outputs = [
        layer["name"] for layer in layers if layer["name"] not in used and "compute" not in layer
    ]
    used_inputs = [item for item in inputs if item["name"] in used]
    return {
        "name": "random_model",
        "inputs": used_inputs or inputs[:1],
        "blocks": blocks,
        "layers": layers,
        "outputs": outputs,
        "training": {"loss": "mse"},
    }


# Spatial models: one input of rank 3 to 5 in one data format, then a chain and branches of
# the convolution, pooling, padding, cropping, upsampling and ConvLSTM layers that fit.
SPATIAL_BY_RANK: dict[int, list[str]] = {
    rank: [
        name
        for name, layer in CATALOG.items()
        if name != "Flatten"
        and ("data_format" in layer.args or name in ("UpSampling1D", "Cropping1D"))
        and _spatial(name) + (3 if name.startswith("ConvLSTM") else 2) == rank
    ]
    for rank in (3, 4, 5)
}


@st.composite
def spatial_specs(draw: st.DrawFn, max_layers: int = 4) -> dict[str, Any]:
    """A random model over the spatial layers, mostly in one data format."""
    from generator.analysis.plan import build_graph
    from generator.spec.model import parse_spec

    rank = draw(st.sampled_from(sorted(SPATIAL_BY_RANK)))
    first = draw(st.booleans())
    dims: list[int | None] = [draw(st.integers(2, 8)) for _ in range(rank - 2)]
    if draw(st.integers(0, 5)) == 0:
        dims[0] = None
    channels = draw(st.integers(1, 3))
    inputs = [{"name": "in0", "shape": [channels, *dims] if first else [*dims, channels]}]
    shapes: dict[str, tuple[int | None, ...]] = {"in0": (None, *inputs[0]["shape"])}
    layers: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, max_layers))):
        name = f"l{index}"
        if len(shapes) >= 3 and draw(st.integers(0, 3)) == 0:
            chosen = draw(
                st.lists(st.sampled_from(sorted(shapes)), min_size=2, max_size=2, unique=True)
            )
            merge = draw(st.sampled_from(["Concatenate", "Add"]))
            layer: dict[str, Any] = {"name": name, "type": merge, "inputs": chosen}
            if merge == "Concatenate" and first:
                layer["axis"] = 1
        else:
            source = draw(st.sampled_from(sorted(shapes)))
            fitting = SPATIAL_BY_RANK.get(len(shapes[source]))
            if not fitting:
                break
            type_name = draw(st.sampled_from(fitting))
            layer = {"name": name, "type": type_name, "inputs": source}
            layer |= draw(_args(type_name, shapes[source]))
            if "data_format" in CATALOG[type_name].args and draw(st.integers(0, 5)):
                layer.pop("data_format", None)
                if first:
                    layer["data_format"] = "channels_first"
        layers.append(layer)
        trial = {"name": "probe", "inputs": inputs, "layers": layers, "outputs": [name]}
        try:
            shapes[name] = build_graph(parse_spec(trial)).layer(name).shape
        except Exception:  # noqa: BLE001 - an invalid layer: keep it, stop growing here
            break
    used = {ref for layer in layers for ref in _refs(layer)}
    return {
        "name": "spatial_model",
        "inputs": inputs,
        "layers": layers,
        "outputs": [layer["name"] for layer in layers if layer["name"] not in used],
        "training": {"loss": "mse"},
    }


def _refs(layer: dict[str, Any]) -> list[str]:
    refs = layer["inputs"]
    return [refs] if isinstance(refs, str) else list(refs)


# Layers with several outputs and call arguments: recurrent layers returning their states,
# states fed back as initial_state, the attention layers with their call flags, and the
# references to one output (`l0:state_h`) that feed later layers.
RECURRENT_STATES = {"SimpleRNN": ("state",), "LSTM": ("state_h", "state_c"), "GRU": ("state",)}
ATTENTION = ("MultiHeadAttention", "Attention", "AdditiveAttention")


def _several(layer: dict[str, Any]) -> tuple[str, ...]:
    """The outputs a drawn layer has, as the spec names them (one: itself)."""
    call = layer.get("call", {})
    if layer.get("type") in RECURRENT_STATES and layer.get("return_state"):
        return ("output", *RECURRENT_STATES[layer["type"]])
    if layer.get("type") in ("ConvLSTM1D", "ConvLSTM2D") and layer.get("return_state"):
        return ("output", "state_h", "state_c")
    inner = layer.get("layer", {})
    if layer.get("type") == "Bidirectional" and inner.get("return_state"):
        states = RECURRENT_STATES[inner["type"]]
        return (
            "output",
            *(f"forward_{state}" for state in states),
            *(f"backward_{state}" for state in states),
        )
    if layer.get("type") in ATTENTION and call.get("return_attention_scores"):
        return ("output", "scores")
    return ()


def _step_masks(masks: dict[str, Any]) -> list[str]:
    """The (batch, steps) masks drawn for a model."""
    return [ref for ref, shape in masks.items() if len(shape) == 2]


@st.composite
def _recurrent(
    draw: st.DrawFn, name: str, shapes: dict[str, Any], masks: dict[str, Any] | None = None
) -> dict[str, Any]:
    sequences = [ref for ref, shape in shapes.items() if len(shape) == 3] or list(shapes)
    type_name = draw(st.sampled_from(sorted(RECURRENT_STATES)))
    # Often the units of a state already there, so that it can start this layer.
    sizes = sorted({shape[-1] for shape in shapes.values() if len(shape) == 2 and shape[-1]})
    units = draw(st.sampled_from(sizes) if sizes and draw(st.booleans()) else st.integers(1, 4))
    layer: dict[str, Any] = {
        "name": name,
        "type": type_name,
        "inputs": draw(st.sampled_from(sequences)),
        "units": units,
    }
    if draw(st.booleans()):
        layer["return_sequences"] = True
    if draw(st.integers(0, 3)):
        layer["return_state"] = True
    step_masks = _step_masks(masks or {})
    if draw(st.integers(0, 3)) == 0:  # Bidirectional around it: states forward, then backward
        inner = {
            key: layer.pop(key) for key in ("return_sequences", "return_state") if key in layer
        }
        layer["layer"] = {"type": layer.pop("type"), "units": layer.pop("units"), **inner}
        layer = {"name": name, "type": "Bidirectional", **layer}
        if draw(st.booleans()):
            layer["merge_mode"] = draw(st.sampled_from(["concat", "sum", "mul", "ave"]))
        states = draw(_initial_states(shapes, units, 2 * len(RECURRENT_STATES[type_name])))
        if step_masks and draw(st.booleans()):
            states["mask"] = draw(st.sampled_from(step_masks))
        return layer | ({"call": states} if states else {})
    states = draw(_initial_states(shapes, units, len(RECURRENT_STATES[type_name])))
    if states:
        layer["call"] = states
    if step_masks and draw(st.integers(0, 2)) == 0:
        layer.setdefault("call", {})["mask"] = draw(st.sampled_from(step_masks))
    return layer


MOSTLY = (True,) * 5 + (False,)  # sampled: Hypothesis draws small integers, 0, often


@st.composite
def _initial_states(
    draw: st.DrawFn, shapes: dict[str, Any], units: int, count: int
) -> dict[str, Any]:
    """`{initial_state: [...]}` of (batch, units) states, mostly `count` that fit."""
    states = [ref for ref, shape in shapes.items() if len(shape) == 2]
    if not states or not draw(st.integers(0, 2)):
        return {}
    if draw(st.sampled_from(MOSTLY)):  # mostly the right number, sometimes not
        wanted = [ref for ref in states if shapes[ref][-1] == units] or states
    else:
        wanted, count = states, draw(st.integers(1, count + 2))
    return {
        "initial_state": draw(st.lists(st.sampled_from(wanted), min_size=count, max_size=count))
    }


def _conv_out(length: int, kernel: int, stride: int, same: bool) -> int:
    """A ConvLSTM's output length along one spatial axis."""
    return -(-length // stride) if same else -(-(length - kernel + 1) // stride)


@st.composite
def _conv_lstm(
    draw: st.DrawFn, name: str, clips: list[str], masks: dict[str, Any], shapes: dict[str, Any]
) -> dict[str, Any]:
    """ConvLSTM1D/2D over (batch, steps, *spatial, channels): its states are one step of
    its output, which other layers' outputs or inputs may feed as its initial_state."""
    clip = draw(st.sampled_from(clips))
    spatial = len(shapes[clip]) - 3
    # A state first, then the geometry that fits it where one does: most states fit.
    geometries = [
        (kernel, stride, same)
        for kernel in (1, 2)
        for stride in (1, 2)
        for same in (False, True)
        if all(length - kernel + 1 > 0 for length in shapes[clip][2:-1])
    ]

    def fitting(ref: str) -> list[tuple[int, int, bool]]:
        return [
            geometry
            for geometry in geometries
            if [_conv_out(length, *geometry) for length in shapes[clip][2:-1]]
            == list(shapes[ref][1:-1])
        ]

    candidates = [ref for ref, shape in shapes.items() if len(shape) == spatial + 2]
    fit = [ref for ref in candidates if fitting(ref)]
    use = fit if fit and draw(st.sampled_from(MOSTLY)) else candidates
    state = draw(st.sampled_from(use)) if use and draw(st.booleans()) else None
    filters = shapes[state][-1] if state and shapes[state][-1] else draw(st.integers(1, 3))
    chosen = (fitting(state) if state else []) or geometries or [(1, 1, False)]
    kernel, stride, same = draw(st.sampled_from(chosen))
    layer: dict[str, Any] = {
        "name": name,
        "type": f"ConvLSTM{spatial}D",
        "inputs": clip,
        "filters": filters,
        "kernel_size": kernel,
    }
    if stride > 1:
        layer["strides"] = stride
    for arg in ("return_sequences", "return_state"):
        if draw(st.booleans()):
            layer[arg] = True
    if same:
        layer["padding"] = "same"
    call: dict[str, Any] = {}
    if state is not None:
        alike = [ref for ref in candidates if shapes[ref] == shapes[state]]  # h, c apart
        other = draw(st.sampled_from(alike if draw(st.integers(0, 3)) else candidates))
        count = 2 if draw(st.sampled_from(MOSTLY)) else draw(st.integers(1, 3))
        call["initial_state"] = [state, other, state][:count]
    if _step_masks(masks) and draw(st.booleans()):
        call["mask"] = draw(st.sampled_from(_step_masks(masks)))
    if call:
        layer["call"] = call
    return layer


@st.composite
def _attention(
    draw: st.DrawFn, name: str, shapes: dict[str, Any], masks: dict[str, Any] | None = None
) -> dict[str, Any]:
    sequences = [ref for ref, shape in shapes.items() if len(shape) == 3] or list(shapes)
    type_name = draw(st.sampled_from(ATTENTION))
    grids = [ref for ref, shape in shapes.items() if len(shape) == 4]
    axes = None
    if type_name == "MultiHeadAttention" and grids and draw(st.integers(0, 2)) == 0:
        sequences = grids  # attention over other axes of (batch, steps, width, features)
        axes = draw(st.sampled_from([None, [1], [2], [1, 2], -2]))
    query = draw(st.sampled_from(sequences))
    value = draw(st.sampled_from(sequences))
    key = draw(st.none() | st.sampled_from(sequences))
    layer: dict[str, Any] = {"name": name, "type": type_name}
    if draw(st.booleans()):
        named = {"query": query, "value": value, **({"key": key} if key else {})}
        layer["inputs"] = dict(draw(st.permutations(list(named.items()))))
    else:
        layer["inputs"] = [query, value, *([key] if key else [])]
    if type_name == "MultiHeadAttention":
        layer |= {"num_heads": draw(st.integers(1, 3)), "key_dim": draw(st.integers(1, 4))}
        optional = {
            "value_dim": st.integers(1, 4),
            "output_shape": st.integers(1, 4),
            "use_bias": st.booleans(),
            "dropout": st.sampled_from([0.0, 0.2]),
        }
    elif type_name == "Attention":
        optional = {
            "use_scale": st.booleans(),
            "score_mode": st.sampled_from(["dot", "concat"]),
            "dropout": st.sampled_from([0.0, 0.2]),
        }
    else:
        optional = {"use_scale": st.booleans(), "dropout": st.sampled_from([0.0, 0.2])}
    for arg, source in optional.items():
        if draw(st.integers(0, 2)) == 0:
            layer[arg] = draw(source)
    call: dict[str, Any] = {}
    flat = sequences is not grids or draw(st.integers(0, 5)) == 0  # flags: 3-D inputs only
    if flat and draw(st.booleans()):
        call["return_attention_scores"] = True
    if flat and draw(st.integers(0, 2)) == 0:
        call["use_causal_mask"] = True
    if axes is not None:
        layer["attention_axes"] = axes
    found = masks or {}
    pairs = [ref for ref, shape in found.items() if len(shape) == 3]
    if type_name == "MultiHeadAttention" and pairs and draw(st.booleans()):
        call["attention_mask"] = draw(st.sampled_from(pairs))
    step_masks = _step_masks(found)
    if step_masks and flat and draw(st.integers(0, 2)):
        if type_name == "MultiHeadAttention":
            for arg in ("query_mask", "value_mask", "key_mask"):
                if draw(st.booleans()):
                    call[arg] = draw(st.sampled_from(step_masks))
        else:
            call["mask"] = draw(st.lists(st.sampled_from(step_masks), min_size=2, max_size=2))
    if call:
        layer["call"] = call
    return layer


@st.composite
def call_specs(draw: st.DrawFn, max_layers: int = 8) -> dict[str, Any]:
    """A random model of attention and recurrent layers, their states and scores."""
    from generator.analysis.plan import build_graph
    from generator.spec.model import parse_spec

    steps = st.sampled_from([None, 3, 5])
    inputs: list[dict[str, Any]] = [
        {"name": f"in{i}", "shape": [draw(steps), draw(st.integers(1, 4))]}
        for i in range(draw(st.integers(1, 3)))
    ]
    if draw(st.integers(0, 3)) == 0:
        inputs.append({"name": "mask0", "shape": [draw(steps), draw(steps)]})
    for index in range(1, 1 + draw(st.integers(0, 2))):  # (batch, steps) masks
        inputs.append({"name": f"mask{index}", "shape": [draw(steps)]})
    if draw(st.integers(0, 3)) == 0:  # (batch, steps, width, channels): ConvLSTM1D, axes
        clip = [draw(steps), draw(st.integers(2, 4)), draw(st.integers(1, 3))]
        inputs.append({"name": "clip", "shape": clip})
    if draw(st.integers(0, 5)) == 0:  # (batch, steps, height, width, channels): ConvLSTM2D
        clip = [draw(steps), *draw(st.lists(st.integers(1, 3), min_size=3, max_size=3))]
        inputs.append({"name": "clip2", "shape": clip})
    shapes: dict[str, tuple[int | None, ...]] = {
        item["name"]: (None, *item["shape"]) for item in inputs
    }
    layers: list[dict[str, Any]] = []
    for index in range(draw(st.integers(3, max_layers))):
        name = f"l{index}"
        refs = {ref: shape for ref, shape in shapes.items() if not ref.startswith("mask")}
        masks = {ref: shape for ref, shape in shapes.items() if ref.startswith("mask")}
        clips = [  # ConvLSTM1D/2D inputs: known spatial dimensions and channels
            ref for ref, shape in refs.items() if len(shape) in (4, 5) and None not in shape[2:]
        ]
        choice = draw(st.integers(0, 6 if clips else 5))
        if choice in (0, 1):
            layer = draw(_recurrent(name, refs, masks))
        elif choice in (2, 3):
            layer = draw(_attention(name, refs, masks))
        elif choice == 6:
            layer = draw(_conv_lstm(name, clips, masks, refs))
        elif choice == 4:
            layer = {"name": name, "type": "Dense", "inputs": draw(st.sampled_from(list(refs))),
                     "units": draw(st.integers(1, 4))}  # fmt: skip
        else:
            shareable = [item for item in layers if item.get("type") in RECURRENT_STATES]
            if not shareable:
                continue
            target = draw(st.sampled_from(shareable))
            layer = {
                "name": name,
                "share": target["name"],
                "inputs": draw(st.sampled_from(list(refs))),
            }
            if "call" in target:
                layer["call"] = target["call"]
        layers.append(layer)
        extra, ends = _ends(layers)
        trial = {
            "name": "probe",
            "inputs": _used_inputs(inputs, layers),  # an unused input is an error
            "layers": [*layers, *extra],
            "outputs": ends,
        }
        try:
            graph = build_graph(parse_spec(trial))
        except Exception:  # noqa: BLE001 - an invalid layer: keep it, stop growing here
            break
        for output in _several(_resolved(layers, layer)) or ("",):
            ref = f"{name}:{output}" if output else name
            shapes[ref] = graph.shape_of(ref)
    if not layers:
        layers.append({"name": "l0", "type": "Dense", "inputs": "in0", "units": 2})
    extra, ends = _ends(layers)
    layers += extra
    return {
        "name": "call_model",
        "inputs": _used_inputs(inputs, layers),
        "layers": layers,
        "outputs": ends,
        "training": {"loss": "mse"},
    }


def _used_inputs(inputs: list[dict[str, Any]], layers: list[dict[str, Any]]) -> list[Any]:
    """The inputs some layer takes, as tensors or as call arguments."""
    used = {
        ref.partition(":")[0] for layer in layers for ref in [*refs_of(layer), *call_refs(layer)]
    }
    return [item for item in inputs if item["name"] in used] or inputs[:1]


def _resolved(layers: list[dict[str, Any]], layer: dict[str, Any]) -> dict[str, Any]:
    """A shared layer's entry with the type and arguments of the layer it shares."""
    if "share" not in layer:
        return layer
    return {**next(item for item in layers if item["name"] == layer["share"]), **layer}


def _ends(layers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The model outputs: every layer nothing takes; one with several outputs through a
    linear Activation of its main output."""
    used = {
        ref.partition(":")[0] for layer in layers for ref in [*refs_of(layer), *call_refs(layer)]
    }
    extra, ends = [], []
    for layer in layers:
        if layer["name"] in used:
            continue
        if _several(_resolved(layers, layer)):
            out = f"{layer['name']}_out"
            extra.append({"name": out, "type": "Activation", "activation": "linear",
                          "inputs": f"{layer['name']}:output"})  # fmt: skip
            ends.append(out)
        else:
            ends.append(layer["name"])
    return extra, ends


def refs_of(layer: dict[str, Any]) -> list[str]:
    refs = layer.get("inputs", [])
    if isinstance(refs, dict):
        return list(refs.values())
    return [refs] if isinstance(refs, str) else list(refs)


def call_refs(layer: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for value in layer.get("call", {}).values():
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(value)
    return found
