"""Hypothesis strategies: random specs over the whole layer catalog.

Specs are well-typed (every value passes its argument's value check) but their
shapes are anything: many fit, many do not, which is what the differential
test against Keras needs.
"""

from __future__ import annotations

import math
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
# The 1-D and 3-D convolution family, ConvLSTM (rank 4 and 5), and rank 5 volumes.
BY_RANK[3] += ["Conv1DTranspose", "SeparableConv1D", "DepthwiseConv1D", "ZeroPadding1D",
               "Cropping1D"]  # fmt: skip
BY_RANK[4] += ["ConvLSTM1D"]
BY_RANK[5] = ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D",
              "GlobalAveragePooling3D", "GlobalMaxPooling3D", "UpSampling3D", "ZeroPadding3D",
              "Cropping3D", "ConvLSTM2D", "Flatten", "Reshape", "Dense", "Permute"]  # fmt: skip
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
    if type_name == "UpSampling1D":
        special["size"] = SMALL
    args: dict[str, Any] = {}
    for name, arg in CATALOG[type_name].args.items():
        source = (
            special[name] if name in special else (required if arg.required else optional).get(name)
        )
        if source is None:
            continue
        if arg.required or draw(st.integers(0, 2)) == 0:
            args[name] = draw(source)
    return args


@st.composite
def _merge_args(draw: st.DrawFn, type_name: str, rank: int) -> dict[str, Any]:
    if type_name == "Concatenate" and draw(st.booleans()):
        return {"axis": draw(st.integers(-rank, rank - 1))}
    if type_name == "Dot":
        axis = st.integers(-rank, rank - 1).filter(lambda a: a != 0)
        return {"axes": draw(axis | st.lists(axis, min_size=2, max_size=2))}
    return {}


@st.composite
def _input(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["vector", "sequence", "image", "tokens", "volume"]))
    name = f"in{index}"
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


@st.composite
def specs(draw: st.DrawFn, max_layers: int = 7) -> dict[str, Any]:
    """A random spec: several inputs, branches, merges of 2 to 4 tensors."""
    from generator.analysis.plan import build_graph
    from generator.spec.model import parse_spec

    inputs = [draw(_input(i)) for i in range(draw(st.integers(1, 3)))]
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
            if block == "pair":
                blocks["dense_unit"] = BLOCKS["dense_unit"]
            layer = draw(_block_call(name, shapes, block))
        elif choice in (1, 4) and shareable:
            layer = {
                "name": name,
                "share": draw(st.sampled_from(shareable)),
                "inputs": draw(st.sampled_from(list(shapes))),
            }
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
            type_name = draw(st.sampled_from(fitting if draw(st.integers(0, 4)) else SINGLE))
            layer = {"name": name, "type": type_name, "inputs": source}
            layer |= draw(_args(type_name, shapes[source]))
        layers.append(layer)
        trial = {
            "name": "probe",
            "inputs": inputs,
            "blocks": blocks,
            "layers": layers,
            "outputs": [name],
        }
        try:
            graph = build_graph(parse_spec(trial))
            shapes[name] = graph.layer(name).shape
        except Exception:  # noqa: BLE001 - an invalid layer: keep it, stop growing here
            break
    used = {
        ref
        for layer in layers
        for ref in ([layer["inputs"]] if isinstance(layer["inputs"], str) else layer["inputs"])
    }
    outputs = [layer["name"] for layer in layers if layer["name"] not in used]
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
