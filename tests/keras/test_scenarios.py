"""Specs beyond the presets: several outputs, other losses, variable lengths, every layer type."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.keras.scripts import fresh_json
from tests.keras.scripts import load_script as _load

pytestmark = pytest.mark.keras

SCENARIOS: dict[str, dict[str, Any]] = {
    "multi_task": {
        "name": "multi_task",
        "inputs": [{"name": "features", "shape": [12]}],
        "layers": [
            {"name": "trunk", "type": "Dense", "units": 16, "activation": "relu"},
            {"name": "norm", "type": "BatchNormalization", "momentum": 0.9},
            {
                "name": "label",
                "type": "Dense",
                "inputs": "norm",
                "units": 4,
                "activation": "softmax",
            },
            {"name": "score", "type": "Dense", "inputs": "norm", "units": 1},
        ],
        "outputs": ["label", "score"],
        "training": {"optimizer": "sgd", "learning_rate": 0.01, "metrics": {"label": ["accuracy"]}},
    },
    "one_hot_sequences": {
        "name": "one_hot_sequences",
        "inputs": [{"name": "signal", "shape": [None, 3]}],
        "layers": [
            {
                "name": "causal",
                "type": "Conv1D",
                "filters": 4,
                "kernel_size": 3,
                "padding": "causal",
            },
            {
                "name": "wide",
                "type": "Conv1D",
                "inputs": "signal",
                "filters": 4,
                "kernel_size": 5,
                "padding": "same",
                "dilation_rate": 2,
            },
            {"name": "joined", "type": "Concatenate", "inputs": ["causal", "wide"]},
            {"name": "pooled", "type": "AveragePooling1D", "pool_size": 2, "padding": "same"},
            {"name": "maxed", "type": "MaxPooling1D", "pool_size": 2, "strides": 1},
            {"name": "summary", "type": "GlobalMaxPooling1D"},
            {"name": "drop", "type": "Dropout", "rate": 0.1, "seed": 3},
            {"name": "logits", "type": "Dense", "units": 3},
            {"name": "probs", "type": "Activation", "activation": "softmax"},
        ],
        "training": {"loss": "categorical_crossentropy", "metrics": ["categorical_accuracy"]},
    },
    "channels_and_axes": {
        "name": "channels_and_axes",
        "inputs": [
            {"name": "image", "shape": [9, 9, 2]},
            {"name": "tokens", "shape": [6], "dtype": "int32"},
        ],
        "layers": [
            {
                "name": "conv",
                "type": "Conv2D",
                "inputs": "image",
                "filters": 3,
                "kernel_size": [3, 2],
                "strides": 2,
            },
            {"name": "pool", "type": "MaxPooling2D", "pool_size": [2, 1], "strides": 1},
            {"name": "avg", "type": "AveragePooling2D", "inputs": "image", "pool_size": 3},
            {"name": "g_max", "type": "GlobalMaxPooling2D", "inputs": "pool", "keepdims": True},
            {"name": "avg_conv", "type": "Conv2D", "inputs": "avg", "filters": 3, "kernel_size": 1},
            {
                "name": "g_avg",
                "type": "GlobalAveragePooling2D",
                "inputs": "avg_conv",
                "keepdims": True,
            },
            {"name": "stacked", "type": "Concatenate", "inputs": ["g_max", "g_avg"], "axis": 2},
            {"name": "flat", "type": "Flatten"},
            {
                "name": "embed",
                "type": "Embedding",
                "inputs": "tokens",
                "input_dim": 20,
                "output_dim": 5,
                "mask_zero": True,
            },
            {"name": "text", "type": "GlobalAveragePooling1D"},
            {"name": "both", "type": "Concatenate", "inputs": ["flat", "text"], "axis": 1},
            {"name": "out", "type": "Dense", "units": 2, "activation": "sigmoid"},
        ],
    },
    "recurrent": {
        "name": "recurrent",
        "inputs": [
            {"name": "tokens", "shape": [None], "dtype": "int32"},
            {"name": "profile", "shape": [6]},
        ],
        "layers": [
            {
                "name": "embed",
                "type": "Embedding",
                "inputs": "tokens",
                "input_dim": 50,
                "output_dim": 8,
            },
            {
                "name": "bi",
                "type": "Bidirectional",
                "layer": {"type": "LSTM", "units": 4, "return_sequences": True},
            },
            {
                "name": "gru",
                "type": "GRU",
                "units": 5,
                "return_sequences": True,
                "reset_after": False,
            },
            {"name": "norm", "type": "LayerNormalization", "axis": -1},
            {"name": "rnn", "type": "SimpleRNN", "units": 3},
            {
                "name": "sums",
                "type": "Bidirectional",
                "inputs": "embed",
                "layer": {"type": "GRU", "units": 3},
                "merge_mode": "sum",
            },
            {"name": "repeated", "type": "RepeatVector", "inputs": "profile", "n": 4},
            {"name": "swapped", "type": "Permute", "dims": [2, 1]},
            {"name": "upsampled", "type": "UpSampling1D", "size": 2},
            {"name": "flat", "type": "Reshape", "target_shape": [-1]},
            {"name": "squeeze", "type": "Dense", "units": 3},
            {"name": "total", "type": "Add", "inputs": ["rnn", "sums", "squeeze"]},
            {
                "name": "similarity",
                "type": "Dot",
                "inputs": ["rnn", "sums"],
                "axes": 1,
                "normalize": True,
            },
            {"name": "joined", "type": "Concatenate", "inputs": ["total", "similarity"]},
            {"name": "out", "type": "Dense", "units": 1, "activation": "sigmoid"},
        ],
    },
    "decoder": {
        "name": "decoder",
        "inputs": [{"name": "image", "shape": [12, 12, 3]}],
        "layers": [
            {
                "name": "sep",
                "type": "SeparableConv2D",
                "filters": 4,
                "kernel_size": 3,
                "padding": "same",
                "depth_multiplier": 2,
            },
            {
                "name": "depth",
                "type": "DepthwiseConv2D",
                "inputs": "image",
                "kernel_size": [3, 3],
                "padding": "same",
                "depth_multiplier": 2,
            },
            {"name": "depth_proj", "type": "Conv2D", "filters": 4, "kernel_size": 1},
            {"name": "down", "type": "MaxPooling2D", "inputs": "sep"},
            {
                "name": "up",
                "type": "Conv2DTranspose",
                "filters": 4,
                "kernel_size": 3,
                "strides": 2,
                "padding": "same",
            },
            {
                "name": "bigger",
                "type": "UpSampling2D",
                "inputs": "down",
                "size": 2,
                "interpolation": "bilinear",
            },
            {"name": "bigger_proj", "type": "Conv2D", "filters": 4, "kernel_size": 1},
            {
                "name": "padded",
                "type": "ZeroPadding2D",
                "inputs": "depth_proj",
                "padding": [[1, 1], [2, 2]],
            },
            {"name": "cropped", "type": "Cropping2D", "cropping": [1, 2]},
            {"name": "difference", "type": "Subtract", "inputs": ["up", "cropped"]},
            {"name": "product", "type": "Multiply", "inputs": ["up", "bigger_proj"]},
            {"name": "mean", "type": "Average", "inputs": ["difference", "product", "sep"]},
            {"name": "high", "type": "Maximum", "inputs": ["mean", "up"]},
            {"name": "low", "type": "Minimum", "inputs": ["high", "product"]},
            {
                "name": "pixels",
                "type": "Conv2D",
                "filters": 1,
                "kernel_size": 1,
                "activation": "sigmoid",
            },
        ],
    },
    "activations_noise_preprocessing": {
        "name": "activations_noise_preprocessing",
        "inputs": [
            {"name": "image", "shape": [12, 10, 3]},
            {"name": "seq", "shape": [None, 4]},
            {"name": "volume", "shape": [2, 4, 4, 2]},
        ],
        "layers": [
            {
                "name": "scaled",
                "type": "Rescaling",
                "inputs": "image",
                "scale": 0.0039,
                "offset": [0.0, 0.1, 0.2],
            },
            {
                "name": "norm",
                "type": "Normalization",
                "mean": [0.5, 0.4, 0.3],
                "variance": [0.25, 0.2, 0.1],
            },
            {
                "name": "resized",
                "type": "Resizing",
                "height": 8,
                "width": 8,
                "interpolation": "nearest",
            },
            {"name": "cropped", "type": "CenterCrop", "height": 6, "width": 6},
            {"name": "groups", "type": "GroupNormalization", "groups": 3},
            {"name": "prelu", "type": "PReLU", "shared_axes": [1, 2]},
            {"name": "maps", "type": "SpatialDropout2D", "rate": 0.2},
            {"name": "flat", "type": "Flatten"},
            {"name": "relu6", "type": "ReLU", "max_value": 6.0},
            {"name": "masked", "type": "Masking", "inputs": "seq", "mask_value": 0.0},
            {"name": "noisy", "type": "GaussianNoise", "stddev": 0.1},
            {"name": "frames", "type": "SpatialDropout1D", "rate": 0.1},
            {"name": "lstm", "type": "LSTM", "units": 5},
            {"name": "leaky", "type": "LeakyReLU", "negative_slope": 0.2},
            {"name": "cubes", "type": "SpatialDropout3D", "inputs": "volume", "rate": 0.1},
            {"name": "cubes_flat", "type": "Flatten"},
            {"name": "joined", "type": "Concatenate", "inputs": ["relu6", "leaky", "cubes_flat"]},
            {"name": "elu", "type": "ELU", "alpha": 0.5},
            {"name": "multiplied", "type": "GaussianDropout", "rate": 0.1},
            {"name": "alpha", "type": "AlphaDropout", "rate": 0.1, "noise_shape": [None, 1]},
            {"name": "penalty", "type": "ActivityRegularization", "l1": 0.01},
            {"name": "unit", "type": "UnitNormalization"},
            {"name": "logits", "type": "Dense", "units": 3},
            {"name": "probs", "type": "Softmax"},
        ],
        "training": {"loss": "categorical_crossentropy"},
    },
}
# The 1-D and 3-D convolution family and ConvLSTM; channels_first only where TensorFlow's CPU
# kernels run it forwards and backwards (see the README's data_format note).
SCENARIOS["volumes_and_sequences"] = {
    "name": "volumes_and_sequences",
    "inputs": [
        {"name": "volume", "shape": [6, 6, 6, 2]},
        {"name": "signal", "shape": [12, 3]},
        {"name": "clip", "shape": [4, 6, 6, 1]},
        {"name": "strip", "shape": [4, 8, 2]},
    ],
    "layers": [
        {"name": "v1", "type": "Conv3D", "inputs": "volume", "filters": 4, "kernel_size": 3,
         "padding": "same"},
        {"name": "v2", "type": "MaxPooling3D", "pool_size": 2},
        {"name": "v3", "type": "UpSampling3D", "size": 2},
        {"name": "vt", "type": "Conv3DTranspose", "inputs": "v2", "filters": 4,
         "kernel_size": 2, "strides": 2},
        {"name": "vpad", "type": "ZeroPadding3D", "padding": 1},
        {"name": "vcrop", "type": "Cropping3D", "cropping": [[1, 1], [1, 1], [1, 1]]},
        {"name": "vavg", "type": "AveragePooling3D", "inputs": "v3", "pool_size": 1},
        {"name": "vsum", "type": "Add", "inputs": ["vavg", "vcrop"]},
        {"name": "vg", "type": "GlobalAveragePooling3D"},
        {"name": "vm", "type": "GlobalMaxPooling3D", "inputs": "v1",
         "data_format": "channels_first"},
        {"name": "s1", "type": "Conv1DTranspose", "inputs": "signal", "filters": 4,
         "kernel_size": 3},
        {"name": "s2", "type": "Cropping1D"},
        {"name": "s3", "type": "SeparableConv1D", "inputs": "signal", "filters": 4,
         "kernel_size": 3, "padding": "same"},
        {"name": "s4", "type": "DepthwiseConv1D", "inputs": "signal", "kernel_size": 3,
         "padding": "same"},
        {"name": "s5", "type": "Concatenate", "inputs": ["s2", "s3", "s4"]},
        {"name": "s6", "type": "ZeroPadding1D", "padding": [0, 2]},
        {"name": "s7", "type": "GlobalMaxPooling1D"},
        {"name": "c1", "type": "ConvLSTM2D", "inputs": "clip", "filters": 2, "kernel_size": 3},
        {"name": "c2", "type": "Flatten"},
        {"name": "t1", "type": "ConvLSTM1D", "inputs": "strip", "filters": 2, "kernel_size": 3,
         "return_sequences": True},
        {"name": "t2", "type": "Flatten"},
        {"name": "joined", "type": "Concatenate", "inputs": ["vg", "vm", "s7", "c2", "t2"]},
        {"name": "out", "type": "Dense", "units": 1},
    ],
}  # fmt: skip


SCENARIOS["attention_and_states"] = {
    "name": "attention_and_states",
    "inputs": [
        {"name": "query", "shape": [5, 8]},
        {"name": "memory", "shape": [5, 8]},
        {"name": "mask", "shape": [5, 5]},
    ],
    "layers": [
        {"name": "enc", "type": "LSTM", "inputs": "memory", "units": 8,
         "return_sequences": True, "return_state": True},
        {"name": "dec", "type": "GRU", "inputs": "query", "units": 8, "return_sequences": True,
         "call": {"initial_state": ["enc:state_h"]}},
        {"name": "mha", "type": "MultiHeadAttention", "inputs": {"query": "dec", "value": "enc:output"},
         "num_heads": 2, "key_dim": 4, "value_dim": 3,
         "call": {"attention_mask": "mask", "return_attention_scores": True}},
        {"name": "dot", "type": "Attention", "inputs": ["dec", "enc:output"], "use_scale": True,
         "score_mode": "concat", "call": {"use_causal_mask": True}},
        {"name": "add_att", "type": "AdditiveAttention", "inputs": ["dec", "enc:output", "enc:output"],
         "call": {"return_attention_scores": True}},
        {"name": "scores_flat", "type": "Flatten", "inputs": "mha:scores"},
        {"name": "add_scores", "type": "Flatten", "inputs": "add_att:scores"},
        {"name": "seqs", "type": "Concatenate", "inputs": ["mha:output", "dot", "add_att:output"]},
        {"name": "pooled", "type": "GlobalAveragePooling1D"},
        {"name": "joined", "type": "Concatenate", "inputs": ["pooled", "scores_flat", "add_scores"]},
        {"name": "out", "type": "Dense", "units": 1},
    ],
}  # fmt: skip

SCENARIOS["lookups_and_steps"] = {
    "name": "lookups_and_steps",
    "inputs": [
        {"name": "city", "shape": [], "dtype": "string"},
        {"name": "tag", "shape": [], "dtype": "string"},
        {"name": "code", "shape": [], "dtype": "int32"},
        {"name": "age", "shape": []},
        {"name": "series", "shape": [4, 3]},
    ],
    "layers": [
        {"name": "city_id", "type": "StringLookup", "inputs": "city",
         "vocabulary": ["paris", "rome", "oslo"], "output_mode": "one_hot"},
        {"name": "tag_bin", "type": "Hashing", "inputs": "tag", "num_bins": 4},
        {"name": "tag_hot", "type": "CategoryEncoding", "inputs": "tag_bin", "num_tokens": 4,
         "output_mode": "one_hot"},
        {"name": "code_id", "type": "IntegerLookup", "inputs": "code", "vocabulary": [3, 5, 7],
         "output_mode": "one_hot"},
        {"name": "age_bucket", "type": "Discretization", "inputs": "age",
         "bin_boundaries": [18.0, 40.0, 65.0], "output_mode": "one_hot"},
        {"name": "per_step", "type": "TimeDistributed", "inputs": "series",
         "layer": {"type": "Dense", "units": 2}},
        {"name": "steps_flat", "type": "Flatten"},
        {"name": "joined", "type": "Concatenate",
         "inputs": ["city_id", "tag_hot", "code_id", "age_bucket", "steps_flat"]},
        {"name": "out", "type": "Dense", "units": 1},
    ],
}  # fmt: skip


def test_scenarios_cover_the_catalog() -> None:
    layers = [layer for spec in SCENARIOS.values() for layer in spec["layers"]]
    used = {layer["type"] for layer in layers} | {
        layer["layer"]["type"] for layer in layers if "layer" in layer
    }
    assert used == set(CATALOG)


def _checked(data: dict[str, Any]):
    return check_loaded(LoadedSpec("scenario.yaml", data), Path("scenario.yaml"))


def _write(tmp_path: Path, data: dict[str, Any], style: str) -> Path:
    checked = _checked(data)
    path = tmp_path / f"{data['name']}_{style}.py"
    path.write_text(generate(checked, style, "keras", path.name))  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_trains_and_styles_agree(name: str, tmp_path: Path) -> None:
    class_module = _load(_write(tmp_path, SCENARIOS[name], "class"))
    function_module = _load(_write(tmp_path, SCENARIOS[name], "function"))
    assert fresh_json(class_module) == fresh_json(function_module)
    model = class_module.build_model()
    for node in _checked(SCENARIOS[name]).graph.layers:
        output = model.get_layer(node.name).output
        if isinstance(output, list | tuple):  # a layer with several outputs
            shapes = tuple(tuple(tensor.shape) for tensor in output)
            assert shapes == node.output_shapes, node.name
        else:
            assert tuple(output.shape) == node.shape, node.name
    with redirect_stdout(io.StringIO()) as out:
        class_module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
    assert "loss" in out.getvalue()


@pytest.mark.parametrize("preset", ["two_dense", "inception_v1", "siamese", "unet_small"])
def test_the_snippet_runs_on_its_own(preset: str) -> None:
    from generator.pipeline import check
    from generator.spec.presets import preset_path

    path = preset_path(preset)
    assert path is not None
    checked_spec = check(path)
    namespace: dict[str, object] = {}
    exec(compile(generate(checked_spec, snippet=True), f"{preset}_snippet.py", "exec"), namespace)
    model = namespace["build_model"]()  # type: ignore[operator]
    assert model.count_params() == checked_spec.graph.total_params


def test_check_generates_and_runs_a_spec_end_to_end(cli) -> None:
    from generator.spec.presets import preset_path

    path = preset_path("two_dense")
    assert path is not None
    result = cli("check", str(path), "--timeout", "300")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed"
