"""The classic merge mistakes: each error names the branches and says how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.pipeline import check_loaded
from generator.spec.load import LoadedSpec


def problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))
    return [problem.message for problem in error.value.problems]


def model(inputs: list[dict[str, Any]], layers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": "m", "inputs": inputs, "layers": layers, "training": {"loss": "mse"}}


IMAGE = [{"name": "image", "shape": [28, 28, 1]}]


def test_valid_padding_convolutions_of_different_sizes() -> None:
    spec = model(
        IMAGE,
        [
            {
                "name": "conv3x3",
                "type": "Conv2D",
                "inputs": "image",
                "filters": 8,
                "kernel_size": 3,
            },
            {
                "name": "conv5x5",
                "type": "Conv2D",
                "inputs": "image",
                "filters": 8,
                "kernel_size": 5,
            },
            {"name": "merged", "type": "Concatenate", "inputs": ["conv3x3", "conv5x5"]},
        ],
    )
    assert problems(spec) == [
        "merged: Concatenate on axis -1 needs the other axes to match, but axis 1 differs:"
        " conv3x3 (None, 26, 26, 8), conv5x5 (None, 24, 24, 8)"
        ' (use padding="same" on conv3x3 and conv5x5;'
        " or crop conv3x3 with layers.Cropping2D(((1, 1), (1, 1)))"
        " or pad conv5x5 with layers.ZeroPadding2D(((1, 1), (1, 1))))"
    ]


def test_unet_skip_connection_at_an_odd_size() -> None:
    spec = model(
        [{"name": "image", "shape": [89, 89, 1]}],
        [
            {"name": "enc", "type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
            {"name": "down", "type": "MaxPooling2D", "pool_size": 2},
            {"name": "bottom", "type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
            {"name": "up", "type": "Conv2DTranspose", "filters": 4, "kernel_size": 2, "strides": 2},
            {"name": "skip", "type": "Concatenate", "inputs": ["up", "enc"]},
        ],
    )
    assert problems(spec) == [
        "skip: Concatenate on axis -1 needs the other axes to match, but axis 1 differs:"
        " up (None, 88, 88, 4), enc (None, 89, 89, 4)"
        " (crop enc with layers.Cropping2D(((0, 1), (0, 1)))"
        " or pad up with layers.ZeroPadding2D(((0, 1), (0, 1))))"
    ]


def test_merging_a_2d_and_a_4d_tensor() -> None:
    spec = model(
        [*IMAGE, {"name": "meta", "shape": [5]}],
        [
            {"name": "conv", "type": "Conv2D", "inputs": "image", "filters": 4, "kernel_size": 3},
            {"name": "merged", "type": "Concatenate", "inputs": ["conv", "meta"]},
        ],
    )
    assert problems(spec) == [
        "merged: Concatenate needs inputs of the same rank: conv (None, 26, 26, 4), meta (None, 5)"
        " (bring conv down to 2-D first with Flatten or GlobalAveragePooling2D)"
    ]


def test_concatenating_on_the_batch_axis() -> None:
    spec = model(
        [{"name": "a", "shape": [4]}, {"name": "b", "shape": [4]}],
        [{"name": "merged", "type": "Concatenate", "inputs": ["a", "b"], "axis": 0}],
    )
    assert problems(spec) == [
        "merged: Concatenate axis 0 is the batch axis: a (None, 4), b (None, 4)"
        " (axis 0 stacks examples, not features: use axis=-1; or axis=-1 would fit these shapes)"
    ]


def test_subtract_with_three_inputs() -> None:
    spec = model(
        [{"name": "a", "shape": [4]}, {"name": "b", "shape": [4]}, {"name": "c", "shape": [4]}],
        [{"name": "diff", "type": "Subtract", "inputs": ["a", "b", "c"]}],
    )
    assert problems(spec) == [
        "Subtract takes exactly 2 inputs, got 3"
        " (subtract in two steps, or Add the branches you want to sum first)"
    ]


def test_elementwise_shapes_that_do_not_broadcast() -> None:
    spec = model(
        [{"name": "a", "shape": [4]}, {"name": "b", "shape": [3]}],
        [{"name": "total", "type": "Add", "inputs": ["a", "b"]}],
    )
    assert problems(spec) == [
        "total: Add: the shapes do not broadcast: sizes must be equal or 1: a (None, 4), b (None, 3)"
        " (bring the branches to one shape first, e.g. with a Dense or a 1x1 Conv2D,"
        " or join them with Concatenate)"
    ]


def test_a_concat_axis_that_would_work_is_suggested() -> None:
    spec = model(
        [{"name": "a", "shape": [4, 6]}, {"name": "b", "shape": [2, 6]}],
        [{"name": "merged", "type": "Concatenate", "inputs": ["a", "b"]}],
    )
    assert problems(spec) == [
        "merged: Concatenate on axis -1 needs the other axes to match, but axis 1 differs:"
        " a (None, 4, 6), b (None, 2, 6) (axis=1 would fit these shapes)"
    ]


def test_pooling_window_larger_than_its_input() -> None:
    spec = model(
        [{"name": "image", "shape": [3, 3, 1]}],
        [{"name": "pool", "type": "MaxPooling2D", "pool_size": 4}],
    )
    assert problems(spec) == [
        "pool: MaxPooling2D window of 4 does not fit its input (None, 3, 3, 1) on axis 1"
        " with padding='valid' (use padding='same', a smaller window, or a larger input)"
    ]


def test_dense_on_a_4d_tensor_is_legal() -> None:
    spec = model(IMAGE, [{"name": "dense", "type": "Dense", "units": 3}])
    graph = check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml")).graph
    assert graph.layer("dense").shape == (None, 28, 28, 3)
    assert graph.total_params == 6


def test_token_ids_need_an_embedding_before_a_convolution() -> None:
    spec = model(
        [{"name": "tokens", "shape": [12], "dtype": "int32"}],
        [
            {"name": "steps", "type": "Reshape", "target_shape": [12, 1]},
            {"name": "conv", "type": "Conv1D", "filters": 4, "kernel_size": 3},
        ],
    )
    assert problems(spec) == [
        "conv: Conv1D cannot take int32 values"
        " (feed token ids to an Embedding, or cast them with a Dense layer, first)"
    ]
