"""String options: a spelling builds in Keras exactly when mergegen accepts it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.errors import SpecError
from generator.pipeline import check_loaded
from generator.spec.load import LoadedSpec
from generator.spec.values import ValueKind

pytestmark = pytest.mark.keras

# Each layer with a string option: its other arguments, and its inputs' shapes (without the
# batch) and dtypes. The shapes fit channels first and last alike.
Inputs = list[tuple[tuple[int, ...], str]]
SETUPS: dict[str, tuple[dict[str, Any], Inputs]] = {
    **{
        name.format(dims): ({"filters": 2, "kernel_size": 3}, [((5,) * dims + (4,), "float32")])
        for name in ("Conv{}D", "Conv{}DTranspose")
        for dims in (1, 2, 3)
    },
    **{
        f"{name}{dims}D": ({"kernel_size": 3, **extra}, [((5,) * dims + (4,), "float32")])
        for name, extra in (("SeparableConv", {"filters": 2}), ("DepthwiseConv", {}))
        for dims in (1, 2)
    },
    **{
        f"{name}{dims}D": (
            {"pool_size": 2} if name == "AveragePooling" else {},
            [((4,) * dims + (4,), "float32")],
        )
        for name in (
            "MaxPooling",
            "AveragePooling",
            "GlobalMaxPooling",
            "GlobalAveragePooling",
            "ZeroPadding",
            "UpSampling",
            "Cropping",
        )
        for dims in (1, 2, 3)
    },
    "Flatten": ({}, [((2, 2, 2), "float32")]),
    "SpatialDropout2D": ({"rate": 0.5}, [((4, 4, 4), "float32")]),
    "SpatialDropout3D": ({"rate": 0.5}, [((4, 4, 4, 4), "float32")]),
    "ConvLSTM1D": ({"filters": 2, "kernel_size": 3}, [((3, 5, 4), "float32")]),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": 3}, [((3, 5, 5, 4), "float32")]),
    "Bidirectional": ({"layer": {"type": "LSTM", "units": 2}}, [((3, 2), "float32")]),
    "Resizing": ({"height": 2, "width": 2}, [((4, 4, 4), "float32")]),
    "CenterCrop": ({"height": 2, "width": 2}, [((4, 4, 4), "float32")]),
    "StringLookup": ({"vocabulary": ["a", "b"]}, [((3,), "string")]),
    "IntegerLookup": ({"vocabulary": [1, 2]}, [((3,), "int32")]),
    "CategoryEncoding": ({"num_tokens": 4}, [((3,), "int32")]),
    "Hashing": ({"num_bins": 3}, [((1,), "string")]),
    "Discretization": ({"bin_boundaries": [0.5]}, [((3,), "float32")]),
    "Attention": ({}, [((3, 4), "float32"), ((5, 4), "float32")]),
}
# What one value needs beside it: tf_idf its weights (a vocabulary of 2, plus the OOV index).
COMPANIONS: dict[str, dict[str, Any]] = {"tf_idf": {"idf_weights": [0.5, 0.5]}}
# Keras's object names, the same kinds on every layer: checked once, on Dense.
OBJECT_NAMES = ["activation", "kernel_initializer", "kernel_regularizer", "kernel_constraint"]
ACTIVATION_KINDS = {"recurrent_activation"}  # the activation's kind again
OPTIONS = [("Dense", name, {"units": 2}, [((3,), "float32")]) for name in OBJECT_NAMES] + [
    (layer, name, others, inputs)
    for layer, (others, inputs) in SETUPS.items()
    if layer in CATALOG
    for name, arg in CATALOG[layer].args.items()
    if arg.kind.description.startswith("one of ") and name not in {*OBJECT_NAMES, *ACTIVATION_KINDS}
]


def spellings(kind: ValueKind, layer: str, argument: str) -> list[str]:
    """Each option in the usual ways of writing it, and near misses."""
    options = kind.description.removeprefix("one of ").split(", ")
    found: set[str] = set()
    for option in options:
        parts = option.split("_")
        found |= {
            option,
            option.upper(),
            option.capitalize(),
            option.swapcase(),
            "".join(part.capitalize() for part in parts),
            "".join(parts),
            option.replace("_", "-"),
            f"{option} ",
        }
    found |= {"", "none", "None", "l1l2", "L1L2", "causal", "hard_swish", "swish", "Swish"}
    found |= {"normal", "uniform", "one", "zero", "OrthogonalInitializer", "identity"}
    return sorted(found)


def keras_builds(layer: str, args: dict[str, Any], inputs: Inputs) -> tuple[int | None, ...] | None:
    """The output shape Keras gives the layer on symbolic inputs, after a run on real data
    (symbolic only for channels_first: TensorFlow's CPU kernels lack it); None if it fails."""
    import keras
    import numpy as np

    def build(name: str, args: dict[str, Any]) -> Any:
        nested = {key: build(item.pop("type"), item) for key, item in _nested(args)}
        return getattr(keras.layers, name)(**{**args, **nested})

    def data(shape: tuple[int, ...], dtype: str) -> Any:
        return np.full((1, *shape), "a") if dtype == "string" else np.ones((1, *shape), dtype)

    def called(values: list[Any]) -> Any:
        return built(values if len(values) > 1 else values[0])

    try:
        built = build(layer, dict(args))
        output = called([keras.Input(shape, dtype=dtype) for shape, dtype in inputs])
        if "channels_first" not in str(args.get("data_format", "")).lower():
            called([data(shape, dtype) for shape, dtype in inputs])
    except (ValueError, TypeError, KeyError, NotImplementedError):
        return None
    return tuple(output.shape)


def our_shape(layer: str, args: dict[str, Any], inputs: Inputs) -> tuple[int | None, ...] | None:
    """The output shape mergegen infers for the layer; None if it refuses the spec."""
    names = [f"x{i}" for i in range(len(inputs))]
    spec = {
        "name": "one",
        "inputs": [
            {"name": name, "shape": list(shape), "dtype": dtype}
            for name, (shape, dtype) in zip(names, inputs, strict=True)
        ],
        "layers": [{"name": "layer", "type": layer, "inputs": names, **args}],
    }
    try:
        checked = check_loaded(LoadedSpec("s.json", spec), Path("s.json"))
    except SpecError:
        return None
    return checked.graph.layers[-1].shape


def _nested(args: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(key, dict(value)) for key, value in args.items() if isinstance(value, dict)]


@pytest.mark.parametrize(
    ("layer", "argument", "others", "inputs"),
    [pytest.param(*option, id=f"{option[0]}-{option[1]}") for option in OPTIONS],
)
def test_a_spelling_is_accepted_exactly_when_keras_builds_it(
    layer: str, argument: str, others: dict[str, Any], inputs: Inputs
) -> None:
    """And mergegen infers the shape Keras builds from it."""
    kind = CATALOG[layer].args[argument].kind
    options = kind.description.removeprefix("one of ").split(", ")
    for option in options if argument not in OBJECT_NAMES else []:  # the setup is sound
        args = {**others, argument: option, **COMPANIONS.get(option, {})}
        assert our_shape(layer, args, inputs) is not None, (layer, argument, option)
    for value in spellings(kind, layer, argument):
        args = {**others, argument: value, **COMPANIONS.get(kind.canonical(value), {})}
        ours, keras_shape = our_shape(layer, args, inputs), keras_builds(layer, args, inputs)
        if ours is not None:
            assert keras_shape is not None, (
                f"{layer}({argument}={value!r}) is accepted; Keras refuses"
            )
            assert ours == keras_shape, (layer, argument, value)
        elif keras_shape is not None and not _outside_the_catalog(kind, value):
            pytest.fail(f"{layer}({argument}={value!r}) builds in Keras but is refused")


def test_every_string_option_of_the_catalog_is_checked_against_keras() -> None:
    checked = {(layer, argument) for layer, argument, _, _ in OPTIONS}
    for layer, layer_type in CATALOG.items():
        for argument, arg in layer_type.args.items():
            if arg.kind.description.startswith("one of ") and argument not in {
                *OBJECT_NAMES,
                *ACTIVATION_KINDS,
            }:
                assert (layer, argument) in checked, (layer, argument)


def _outside_the_catalog(kind: ValueKind, value: str) -> bool:
    """Keras values the catalog leaves out on purpose (not other spellings of its own)."""
    return value.lower() in {"l1l2", "identity", "none"}


def test_a_script_with_other_spellings_builds_the_shapes_we_inferred(tmp_path) -> None:
    from pathlib import Path

    from generator.pipeline import check_loaded, generate
    from generator.spec.load import LoadedSpec
    from tests.keras.scripts import load_script

    conv = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
    spec = {
        "name": "spellings",
        "inputs": [{"name": "image", "shape": [9, 9, 2]}],
        "blocks": {
            "unit": {
                "params": ["pad"],
                "layers": [{"name": "conv", **conv, "padding": "$pad"}],
            }
        },
        "layers": [
            {"name": "a", **conv, "padding": "SAME", "kernel_initializer": "HeNormal"},
            {
                "name": "b",
                **conv,
                "inputs": "image",
                "padding": "Same",
                "bias_constraint": "NonNeg",
            },
            {"name": "c", "block": "unit", "inputs": "image", "pad": "sAmE"},
            {"name": "m", "type": "Concatenate", "inputs": ["a", "b", "c"]},
            {"name": "up", "type": "UpSampling2D", "interpolation": "BILINEAR"},
            {"name": "d", **conv, "padding": "VALID", "activation": "swish"},
            {"name": "out", "type": "Dense", "units": 2, "kernel_regularizer": "L2"},
        ],
        "training": {"loss": "mse"},
    }
    checked = check_loaded(LoadedSpec("s.json", spec), Path("s.json"))
    script = tmp_path / "spellings.py"
    script.write_text(generate(checked))
    model = load_script(script).build_model()
    for node in checked.graph.layers:
        assert tuple(model.get_layer(node.name).output.shape) == node.shape
