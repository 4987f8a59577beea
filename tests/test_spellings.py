"""Every spelling Keras accepts for a string option is accepted, kept, and analysed alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.object_catalog import FAMILIES
from generator.spec.objects import CONSTRAINTS, INITIALIZERS, REGULARIZERS
from generator.spec.values import ACTIVATIONS

VARIANCE_SCALING = FAMILIES["initializer"].classes["VarianceScaling"]


def model(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "m",
        "inputs": [{"name": "image", "shape": [9, 9, 2]}],
        "layers": list(layers),
        "training": {"loss": "mse"},
    }


def checked(spec: dict[str, Any]):
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))


def problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        checked(spec)
    return [problem.render() for problem in error.value.problems]


@pytest.mark.parametrize("padding", ["SAME", "Same", "sAmE"])
def test_padding_in_any_case_is_inferred_like_same(padding: str) -> None:
    conv = {"name": "conv", "type": "Conv2D", "filters": 3, "kernel_size": 3, "padding": padding}
    pool = {"name": "pool", "type": "MaxPooling2D", "padding": "same"}
    graph = checked(model(conv, pool)).graph
    assert [node.shape for node in graph.layers] == [(None, 9, 9, 3), (None, 5, 5, 3)]
    assert graph.layers[0].keras_args["padding"] == "same"


@pytest.mark.parametrize("data_format", ["CHANNELS_FIRST", "Channels_First", "channels_FIRST"])
def test_data_format_in_any_case_is_inferred_like_channels_first(data_format: str) -> None:
    conv = {
        "name": "conv",
        "type": "Conv2D",
        "filters": 3,
        "kernel_size": 3,
        "data_format": data_format,
    }
    pool = {"name": "pool", "type": "GlobalMaxPooling2D", "data_format": data_format}
    spec = model(conv, pool)
    spec["inputs"][0]["shape"] = [2, 9, 9]
    graph = checked(spec).graph
    assert [node.shape for node in graph.layers] == [(None, 3, 7, 7), (None, 3)]
    assert graph.layers[0].keras_args["data_format"] == "channels_first"


def test_a_conv_lstm_pads_same_in_any_case() -> None:
    spec = model({"name": "steps", "type": "Reshape", "target_shape": [9, 18, 1]})
    spec["layers"].append(
        {"name": "lstm", "type": "ConvLSTM1D", "filters": 2, "kernel_size": 3, "padding": "Same"}
    )
    assert checked(spec).graph.layers[-1].shape == (None, 18, 2)


def test_a_skip_connection_hint_sees_channels_first_in_any_case() -> None:
    conv = {"type": "Conv2D", "inputs": "image", "filters": 2, "data_format": "Channels_First"}
    spec = model(
        {"name": "a", **conv, "kernel_size": 3},
        {"name": "b", **conv, "kernel_size": 2},
        {"name": "both", "type": "Add", "inputs": ["a", "b"]},
    )
    spec["inputs"][0]["shape"] = [2, 9, 9]
    found = problems(spec)
    assert len(found) == 1 and 'data_format="channels_first")' in found[0], found


def test_the_script_keeps_the_users_spelling() -> None:
    conv = {
        "name": "conv",
        "type": "Conv2D",
        "filters": 3,
        "kernel_size": 3,
        "padding": "VALID",
        "kernel_initializer": "HeNormal",
        "kernel_regularizer": "L2",
        "bias_constraint": "NonNeg",
        "activation": "swish",
    }
    up = {
        "name": "up",
        "type": "UpSampling2D",
        "interpolation": "Bilinear",
        "data_format": "Channels_Last",
    }
    source = generate(checked(model(conv, up)))
    for spelling in ("VALID", "swish", "Bilinear", "Channels_Last"):
        assert f'"{spelling}"' in source
    # A Keras object's class name alone is that class with Keras's defaults: its constructor.
    for constructor in ("initializers.HeNormal()", "regularizers.L2()", "constraints.NonNeg()"):
        assert f"keras.{constructor}" in source


def test_a_merge_diagnosis_sees_valid_in_any_case() -> None:
    conv = {"type": "Conv2D", "inputs": "image", "filters": 2}
    found = problems(
        model(
            {"name": "a", **conv, "kernel_size": 3, "padding": "VALID"},
            {"name": "b", **conv, "kernel_size": 1, "padding": "Valid"},
            {"name": "both", "type": "Add", "inputs": ["a", "b"]},
        )
    )
    assert len(found) == 1 and 'use padding="same" on a;' in found[0], found


@pytest.mark.parametrize(
    ("layer", "argument", "value"),
    [
        ("Dense", "activation", "ReLU"),  # Keras looks activations up case-sensitively
        ("Dense", "activation", "Relu"),
        ("Dense", "kernel_initializer", "glorotUniform"),
        ("Dense", "kernel_initializer", "Glorot_Uniform"),
        ("Dense", "kernel_regularizer", "l1_l2"),
        ("Dense", "kernel_constraint", "maxnorm"),
        ("Conv1D", "padding", "Causal "),
        ("Conv2D", "padding", "causal"),
        ("MaxPooling2D", "padding", "SAME"),  # pooling ops want lowercase, unlike convolutions
        ("Bidirectional", "merge_mode", "Concat"),
    ],
)
def test_spellings_keras_refuses_are_refused(layer: str, argument: str, value: str) -> None:
    kind = CATALOG[layer].args[argument].kind
    assert kind.problem(value) is not None


@pytest.mark.parametrize(
    ("kind", "spelling", "canonical"),
    [
        (ACTIVATIONS, "swish", "silu"),
        (ACTIVATIONS, "hard_swish", "hard_silu"),
        (ACTIVATIONS, "relu", "relu"),
        (INITIALIZERS, "GlorotUniform", "glorot_uniform"),
        (INITIALIZERS, "OrthogonalInitializer", "orthogonal"),
        (INITIALIZERS, "normal", "random_normal"),
        (INITIALIZERS, "zero", "zeros"),
        (REGULARIZERS, "OrthogonalRegularizer", "orthogonal_regularizer"),
        (CONSTRAINTS, "MinMaxNorm", "min_max_norm"),
        (CATALOG["UpSampling2D"].args["interpolation"].kind, "LANCZOS3", "lanczos3"),
        (CATALOG["Conv1D"].args["padding"].kind, "CAUSAL", "causal"),
        (CATALOG["Conv3D"].args["data_format"].kind, "Channels_First", "channels_first"),
        (CATALOG["ConvLSTM2D"].args["padding"].kind, "VALID", "valid"),
        (VARIANCE_SCALING.params["distribution"].kind, "Normal", "truncated_normal"),
        (VARIANCE_SCALING.params["distribution"].kind, "UNIFORM", "uniform"),
    ],
)
def test_each_spelling_means_one_keras_value(kind: Any, spelling: str, canonical: str) -> None:
    assert kind.problem(spelling) is None
    assert kind.canonical(spelling) == canonical
    assert kind.canonical(7) == 7  # not a string: left for the check to refuse


def test_a_nested_layer_is_read_as_keras_reads_it() -> None:
    args = {"layer": {"type": "LSTM", "units": 4, "activation": "swish"}, "merge_mode": "sum"}
    keras_args = CATALOG["Bidirectional"].keras_args(args)
    assert keras_args == {
        "layer": {"type": "LSTM", "units": 4, "activation": "silu"},
        "merge_mode": "sum",
    }


@pytest.mark.parametrize(
    ("layer", "argument", "value", "hint"),
    [
        ("Dense", "activation", "ReLU", " (did you mean 'relu'?)"),
        ("Dense", "kernel_initializer", "glorotUniform", " (did you mean 'GlorotUniform'?)"),
        ("MaxPooling2D", "padding", "SAME", " (did you mean 'same'?)"),
        ("Dense", "activation", "Sampling", ""),
    ],
)
def test_a_refused_spelling_gets_the_one_keras_takes(
    layer: str, argument: str, value: str, hint: str
) -> None:
    problem = CATALOG[layer].args[argument].kind.problem(value)
    assert problem is not None and problem.endswith(f"{value!r}{hint}")
