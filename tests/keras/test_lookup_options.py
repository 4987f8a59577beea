"""The lookups' options (tf_idf, invert, max_tokens, pad_to_max_tokens, the mask token)
against StringLookup and IntegerLookup themselves: shapes built and computed, weights."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.dtypes import FLOAT, INT, STRING, output_kind

pytestmark = pytest.mark.keras

WORDS = ["red", "green", "blue"]


@pytest.mark.parametrize(
    ("name", "args", "columns"),
    [
        ("StringLookup", {"vocabulary": WORDS, "output_mode": "tf_idf",
                          "idf_weights": [0.5, 1.0, 2.0]}, 3),
        ("StringLookup", {"vocabulary": WORDS, "output_mode": "tf_idf", "idf_weights": [1, 2, 3],
                          "mask_token": "pad", "num_oov_indices": 2}, 3),
        ("StringLookup", {"vocabulary": WORDS, "output_mode": "multi_hot", "mask_token": "pad"}, 2),
        ("StringLookup", {"vocabulary": WORDS, "output_mode": "count", "max_tokens": 9,
                          "pad_to_max_tokens": True}, 3),
        ("StringLookup", {"vocabulary": WORDS, "output_mode": "one_hot", "max_tokens": 6,
                          "pad_to_max_tokens": True}, 1),
        ("StringLookup", {"vocabulary": WORDS, "mask_token": "pad", "max_tokens": 5}, 3),
        ("StringLookup", {"vocabulary": WORDS, "invert": True}, 3),
        ("StringLookup", {"vocabulary": WORDS, "invert": True, "num_oov_indices": 0,
                          "mask_token": "pad"}, 2),
        ("IntegerLookup", {"vocabulary": [4, 8], "invert": True, "mask_token": 0}, 3),
        ("StringLookup", {"vocabulary": ["[UNK]", "red"], "output_mode": "multi_hot"}, 3),
        ("StringLookup", {"vocabulary": ["pad", "[UNK]", "red"], "mask_token": "pad"}, 3),
        ("IntegerLookup", {"vocabulary": [7], "num_oov_indices": 2, "oov_token": 7,
                           "output_mode": "multi_hot"}, 3),
        ("IntegerLookup", {"vocabulary": [4, 8], "output_mode": "tf_idf",
                           "idf_weights": [0.0, 6.0], "max_tokens": 3}, 2),
        ("IntegerLookup", {"vocabulary": [4, 8, 9], "output_mode": "multi_hot", "max_tokens": 7,
                           "pad_to_max_tokens": True, "num_oov_indices": 0}, 2),
    ],
)  # fmt: skip
def test_lookup_options_match_keras(name: str, args: dict[str, Any], columns: int) -> None:
    import keras
    import tensorflow as tf

    layer = getattr(keras.layers, name)(**args)
    inverted = args.get("invert") is True
    strings = name == "StringLookup" and not inverted
    source = keras.Input(shape=(columns,), dtype="string" if strings else "int32")
    output = layer(source)
    inferred = CATALOG[name].infer(args, [(None, columns)])
    assert tuple(output.shape) == inferred.shape
    assert layer.count_params() == inferred.trainable + inferred.non_trainable == 0
    if strings:
        batch = tf.constant(np.array([["red", "pad", "gold"][:columns]] * 2, dtype=object))
    else:
        ids = [0, 1, 9] if inverted else [*args["vocabulary"], 8, 8][:3]  # none out of it
        batch = np.array([ids[:columns]] * 2, dtype="int32")
    result = keras.Model(source, output)(batch)
    assert tuple(result.shape) == (2, *inferred.shape[1:])
    kind = output_kind(name, args, [INT if not strings else STRING])
    if inverted:  # Keras's symbolic dtype says int64; the tensor it computes holds tokens
        assert (result.dtype == tf.string) == (kind == STRING)
    else:
        assert kind == (INT if args.get("output_mode", "int") == "int" else FLOAT)
