"""Activations, normalization, noise and in-model preprocessing: shapes, weights, int32, errors.

The expected numbers are Keras's (tests/keras/test_differential.py checks the same rules
against Keras itself on random specs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.analysis.dtypes import INT, output_kind
from generator.analysis.graph import Graph
from generator.errors import SpecError
from generator.pipeline import check_loaded
from generator.spec.load import LoadedSpec


def _spec(shape: list[Any], layer: dict[str, Any], dtype: str = "float32") -> dict[str, Any]:
    return {
        "name": "m",
        "inputs": [{"name": "data", "shape": shape, "dtype": dtype}],
        "layers": [{"name": "l", "inputs": "data", **layer}],
        "training": {"loss": "mse"},
    }


def graph(shape: list[Any], layer: dict[str, Any], dtype: str = "float32") -> Graph:
    spec = _spec(shape, layer, dtype)
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml")).graph


def problems(shape: list[Any], layer: dict[str, Any], dtype: str = "float32") -> list[str]:
    with pytest.raises(SpecError) as error:
        graph(shape, layer, dtype)
    return [problem.message for problem in error.value.problems]


@pytest.mark.parametrize(
    ("shape", "layer", "out", "trainable"),
    [
        ([4], {"type": "ReLU", "max_value": 6.0}, (None, 4), 0),
        ([3, 4], {"type": "LeakyReLU", "negative_slope": 0.1}, (None, 3, 4), 0),
        ([3, 4], {"type": "PReLU"}, (None, 3, 4), 12),
        ([5, 5, 3], {"type": "PReLU", "shared_axes": [1, 2]}, (None, 5, 5, 3), 3),
        ([None, 4], {"type": "PReLU", "shared_axes": 1}, (None, None, 4), 4),
        ([4], {"type": "ELU", "alpha": 0.5}, (None, 4), 0),
        ([3, 4], {"type": "Softmax", "axis": [1, 2]}, (None, 3, 4), 0),
        ([6, 6, 8], {"type": "GroupNormalization", "groups": 4}, (None, 6, 6, 8), 16),
        ([6, 8], {"type": "GroupNormalization", "groups": -1, "scale": False}, (None, 6, 8), 8),
        ([6, 8], {"type": "GroupNormalization", "groups": 2, "axis": 1}, (None, 6, 8), 12),
        ([6, 8], {"type": "UnitNormalization", "axis": [-2, -1]}, (None, 6, 8), 0),
        ([None, 4], {"type": "SpatialDropout1D", "rate": 0.2}, (None, None, 4), 0),
        ([5, 5, 3], {"type": "SpatialDropout2D", "rate": 0.2}, (None, 5, 5, 3), 0),
        ([2, 5, 5, 3], {"type": "SpatialDropout3D", "rate": 0.2}, (None, 2, 5, 5, 3), 0),
        ([4], {"type": "GaussianNoise", "stddev": 0.1}, (None, 4), 0),
        ([4], {"type": "GaussianDropout", "rate": 0.1}, (None, 4), 0),
        ([3, 4], {"type": "AlphaDropout", "rate": 0.1, "noise_shape": [None, 1, 4]}, (None, 3, 4), 0),
        ([4], {"type": "ActivityRegularization", "l1": 0.01}, (None, 4), 0),
        ([None, 4], {"type": "Masking", "mask_value": -1.0}, (None, None, 4), 0),
        ([5, 5, 3], {"type": "Rescaling", "scale": [0.5, 1.0, 2.0], "offset": -1}, (None, 5, 5, 3), 0),
        ([9, 7, 3], {"type": "Resizing", "height": 4, "width": 5}, (None, 4, 5, 3), 0),
        (
            [3, 9, 7],
            {"type": "Resizing", "height": 4, "width": 5, "data_format": "channels_first"},
            (None, 3, 4, 5),
            0,
        ),
        ([9, 7, 3], {"type": "CenterCrop", "height": 4, "width": 8}, (None, 4, 8, 3), 0),
        ([3], {"type": "Normalization", "mean": [1, 2, 3], "variance": [1, 1, 4]}, (None, 3), 0),
        ([5, 3], {"type": "Normalization", "axis": [1, 2], "mean": 0.5, "variance": 2}, (None, 5, 3), 0),
    ],
)  # fmt: skip
def test_shapes_and_weights(
    shape: list[Any], layer: dict[str, Any], out: tuple[Any, ...], trainable: int
) -> None:
    node = graph(shape, layer).layer("l")
    assert node.shape == out
    assert (node.trainable, node.non_trainable) == (trainable, 0)


@pytest.mark.parametrize(
    ("shape", "layer", "message"),
    [
        ([None, 4], {"type": "PReLU"}, "PReLU needs a known size on axis 1, got (None, None, 4) (or share its weights along it: shared_axes: [1])"),
        ([4], {"type": "PReLU", "shared_axes": 2}, "PReLU shared axis 2 is out of range for input (None, 4)"),
        ([4], {"type": "Softmax", "axis": [1, -1]}, "Softmax names axis 1 twice for input (None, 4)"),
        ([4], {"type": "UnitNormalization", "axis": 2}, "UnitNormalization axis 2 is out of range for input (None, 4)"),
        ([6], {"type": "GroupNormalization", "groups": 4}, "GroupNormalization cannot split the 6 channels on axis -1 of (None, 6) into 4 groups (choose a divisor of 6)"),
        ([6], {"type": "GroupNormalization"}, "GroupNormalization cannot split the 6 channels on axis -1 of (None, 6) into 32 groups (choose a divisor of 6)"),
        ([None], {"type": "GroupNormalization", "groups": 1}, "GroupNormalization needs a known size on axis -1, got (None, None)"),
        ([4], {"type": "SpatialDropout1D", "rate": 0.1}, "SpatialDropout1D expects a 3-D input (batch, ..., channels), got (None, 4) (Reshape it first)"),
        ([3, 4], {"type": "AlphaDropout", "rate": 0.1, "noise_shape": [None, 4]}, "AlphaDropout noise_shape (None, 4) needs 3 entries, one per axis of (None, 3, 4) (the batch first)"),
        ([3, 4], {"type": "AlphaDropout", "rate": 0.1, "noise_shape": [2, 1, 4]}, "AlphaDropout noise_shape (2, 1, 4) does not fit (None, 3, 4) on axis 0 (use null for the input's size, or 1)"),
        ([5, 5, 3], {"type": "Rescaling", "scale": [1.0, 2.0]}, "Rescaling scale has 2 values but the last axis of (None, 5, 5, 3) has size 3 (give one value, or one per entry of that axis)"),
        ([9, 3], {"type": "Resizing", "height": 4, "width": 5}, "Resizing expects a 4-D input (batch, height, width, channels), got (None, 9, 3) (its height axis is the batch axis)"),
        ([9, 7, 3], {"type": "Resizing", "height": 4, "width": 5, "crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "Resizing can crop_to_aspect_ratio or pad_to_aspect_ratio, not both"),
        ([3], {"type": "Normalization", "mean": 1}, "Normalization needs both mean and variance, or neither (statistics that adapt() or saved weights set)"),
        ([None], {"type": "Normalization"}, "Normalization keeps axes [1] of (None, None), which need known sizes"),
        ([3], {"type": "Normalization", "mean": [1, 2], "variance": 1}, "Normalization mean and variance need the same number of values"),
        ([3], {"type": "Normalization", "mean": [1, 2], "variance": [1, 1]}, "Normalization mean has 2 values but axis 1 has size 3 (give one value, or one per entry of that axis)"),
        ([None, 3], {"type": "Normalization", "axis": 1, "mean": 0, "variance": 1}, "Normalization keeps axis 1 of (None, None, 3), which needs a known size"),
    ],
)  # fmt: skip
def test_shape_problems(shape: list[Any], layer: dict[str, Any], message: str) -> None:
    assert problems(shape, layer) == [f"l: {message}"]


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"type": "ReLU", "max_value": -1}, "expected a non-negative number, got -1"),
        ({"type": "GroupNormalization", "groups": 0}, "expected a positive integer or -1, got 0"),
        ({"type": "GaussianDropout", "rate": 1}, "expected a number in [0, 1), got 1"),
        ({"type": "GaussianNoise", "stddev": 1.5}, "expected a number in [0, 1], got 1.5"),
        (
            {"type": "Normalization", "mean": 0, "variance": [1, -1]},
            "a non-negative number or a list of them",
        ),
        ({"type": "Resizing", "height": 2, "width": 2, "interpolation": "area"}, "one of bilinear"),
        ({"type": "PReLU", "shared_axes": [0]}, "expected a positive integer or a list of them"),
        ({"type": "AlphaDropout", "rate": 0.1, "noise_shape": [0]}, "positive integers or nulls"),
    ],
)
def test_value_problems(layer: dict[str, Any], message: str) -> None:
    (found,) = problems([4], layer)
    assert message in found


@pytest.mark.parametrize(
    ("layer", "kind"),
    [
        ({"type": "ReLU"}, "int"),
        ({"type": "ReLU", "max_value": 6}, "int"),
        ({"type": "ReLU", "negative_slope": 0.1}, "float"),
        ({"type": "LeakyReLU"}, "float"),
        ({"type": "Masking"}, "int"),
        ({"type": "ActivityRegularization", "l2": 0.1}, "int"),
        ({"type": "Rescaling", "scale": 0.5}, "float"),
        ({"type": "Normalization", "mean": 0, "variance": 1}, "float"),
        ({"type": "Dropout", "rate": 0.0}, "int"),
        ({"type": "GaussianNoise", "stddev": 0}, "int"),
    ],
)
def test_int32_inputs_pass_or_cast(layer: dict[str, Any], kind: str) -> None:
    graph([6], layer, "int32")  # accepted
    args = {key: value for key, value in layer.items() if key != "type"}
    assert output_kind(layer["type"], args, [INT]) == kind


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"type": "PReLU"}, "PReLU cannot take int32 values"),
        ({"type": "Softmax"}, "Softmax cannot take int32 values"),
        ({"type": "Dropout", "rate": 0.3}, "Dropout cannot take int32 values in training"),
        ({"type": "SpatialDropout1D", "rate": 0.3}, "SpatialDropout1D cannot take int32 values in training"),
        ({"type": "GaussianNoise", "stddev": 0.3}, "set stddev: 0"),
        ({"type": "ReLU", "negative_slope": 0.1, "max_value": 6}, "ReLU with a negative_slope and a max_value or threshold cannot take int32 values"),
    ],
)  # fmt: skip
def test_int32_refused(layer: dict[str, Any], message: str) -> None:
    shape = [3, 2] if layer["type"] == "SpatialDropout1D" else [6]
    (found,) = problems(shape, layer, "int32")
    assert message in found


def test_keras_aliases_of_layer_classes_are_the_classes() -> None:
    # keras-io's 3D CT-scan example writes layers.MaxPool3D
    from generator.analysis.catalog import CATALOG
    from generator.spec.model import LAYER_ALIASES

    assert set(LAYER_ALIASES.values()) <= set(CATALOG)
    (node,) = graph([8, 8, 8, 2], {"type": "MaxPool3D", "pool_size": 2}).layers
    assert node.layer_type.name == "MaxPooling3D"
    assert node.shape == (None, 4, 4, 4, 2)
    wrapped = {"type": "TimeDistributed", "layer": {"type": "GlobalAvgPool1D"}}
    (message,) = problems([3, 4, 5], wrapped)
    assert message.endswith(
        "(write GlobalAveragePooling1D, the class Keras's GlobalAvgPool1D names)"
    )
