"""Spatial layers with Keras's own answers: (type, args, input shape, output shape, weights).

Each row was read off Keras 3 (build, then count_params); tests/test_spatial_layers.py
checks the catalog against it without TensorFlow, tests/keras/test_spatial_table.py
checks Keras still gives it.
"""

from __future__ import annotations

from typing import Any

CASES: list[tuple[str, dict[str, Any], list[int | None], list[int | None], int]] = [
    (
        "Conv1D",
        {"filters": 4, "kernel_size": 3, "data_format": "channels_first"},
        [2, 9],
        [None, 4, 7],
        28,
    ),
    ("Conv3D", {"filters": 4, "kernel_size": [1, 2, 3]}, [5, 6, 7, 2], [None, 5, 5, 5, 4], 52),
    (
        "Conv3D",
        {
            "filters": 4,
            "kernel_size": 3,
            "strides": 2,
            "padding": "same",
            "data_format": "channels_first",
        },
        [2, 5, 6, 7],
        [None, 4, 3, 3, 4],
        220,
    ),
    ("Conv1DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, [5, 2], [None, 11, 3], 21),
    (
        "Conv1DTranspose",
        {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same", "output_padding": 1},
        [5, 2],
        [None, 13, 3],
        27,
    ),
    (
        "Conv3DTranspose",
        {
            "filters": 2,
            "kernel_size": 2,
            "strides": [1, 2, 3],
            "output_padding": [0, 1, 2],
            "data_format": "channels_first",
        },
        [3, 4, 4, 4],
        [None, 2, 5, 9, 13],
        50,
    ),
    (
        "SeparableConv1D",
        {"filters": 5, "kernel_size": 3, "depth_multiplier": 2, "use_bias": False},
        [8, 3],
        [None, 6, 5],
        48,
    ),
    (
        "DepthwiseConv1D",
        {"kernel_size": 2, "depth_multiplier": 3, "strides": 2, "data_format": "channels_first"},
        [3, 9],
        [None, 9, 4],
        27,
    ),
    (
        "MaxPooling3D",
        {"pool_size": [2, 1, 3], "padding": "same"},
        [5, 5, 5, 2],
        [None, 3, 5, 2, 2],
        0,
    ),
    (
        "AveragePooling3D",
        {"pool_size": 2, "strides": 1, "data_format": "channels_first"},
        [2, 3, 4, 5],
        [None, 2, 2, 3, 4],
        0,
    ),
    (
        "AveragePooling1D",
        {"pool_size": 2, "data_format": "channels_first"},
        [3, 8],
        [None, 3, 4],
        0,
    ),
    ("GlobalAveragePooling3D", {}, [3, 4, 5, 2], [None, 2], 0),
    (
        "GlobalMaxPooling3D",
        {"keepdims": True, "data_format": "channels_first"},
        [2, 3, 4, 5],
        [None, 2, 1, 1, 1],
        0,
    ),
    ("GlobalAveragePooling2D", {"data_format": "channels_first"}, [3, 4, 5], [None, 3], 0),
    (
        "UpSampling3D",
        {"size": [1, 2, 3], "data_format": "channels_first"},
        [2, 3, 4, 5],
        [None, 2, 3, 8, 15],
        0,
    ),
    ("UpSampling2D", {"data_format": "channels_first"}, [2, 3, 4], [None, 2, 6, 8], 0),
    ("ZeroPadding1D", {}, [4, 2], [None, 6, 2], 0),
    (
        "ZeroPadding1D",
        {"padding": [0, 3], "data_format": "channels_first"},
        [2, 4],
        [None, 2, 7],
        0,
    ),
    ("ZeroPadding3D", {"padding": [[1, 0], [0, 2], [3, 3]]}, [2, 3, 4, 1], [None, 3, 5, 10, 1], 0),
    (
        "ZeroPadding2D",
        {"padding": [1, 2], "data_format": "channels_first"},
        [1, 3, 4],
        [None, 1, 5, 8],
        0,
    ),
    ("Cropping1D", {}, [5, 2], [None, 3, 2], 0),
    ("Cropping1D", {"cropping": [0, 2]}, [5, 2], [None, 3, 2], 0),
    ("Cropping3D", {}, [3, 4, 5, 2], [None, 1, 2, 3, 2], 0),
    (
        "Cropping3D",
        {"cropping": [0, 1, 2], "data_format": "channels_first"},
        [2, 3, 4, 5],
        [None, 2, 3, 2, 1],
        0,
    ),
    ("Cropping2D", {"cropping": 1, "data_format": "channels_first"}, [2, 3, 4], [None, 2, 1, 2], 0),
    ("ConvLSTM1D", {"filters": 3, "kernel_size": 2}, [None, 6, 2], [None, 5, 3], 132),
    (
        "ConvLSTM1D",
        {
            "filters": 3,
            "kernel_size": 2,
            "return_sequences": True,
            "use_bias": False,
            "data_format": "channels_first",
        },
        [4, 2, 6],
        [None, 4, 3, 5],
        120,
    ),
    (
        "ConvLSTM2D",
        {"filters": 2, "kernel_size": [2, 3], "strides": 2, "padding": "same"},
        [3, 5, 6, 1],
        [None, 3, 3, 2],
        152,
    ),
    (
        "ConvLSTM2D",
        {
            "filters": 2,
            "kernel_size": 3,
            "dilation_rate": 2,
            "return_sequences": True,
            "data_format": "channels_first",
        },
        [None, 1, 6, 7],
        [None, None, 2, 2, 3],
        224,
    ),
]
