"""String and scalar inputs, the lookup layers and TimeDistributed: shapes, kinds, data, errors.

The shapes are Keras's where what it builds is what it computes (tests/keras/test_differential.py
checks them against Keras); the cases where the two differ are refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.dtypes import FLOAT, INT, output_kind
from generator.errors import SpecError
from generator.pipeline import CheckedSpec, check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.test_catalog_layers import graph, problems

WORDS = ["red", "green", "blue"]


def _checked(spec: dict[str, Any]) -> CheckedSpec:
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))


@pytest.mark.parametrize(
    ("shape", "dtype", "layer", "out"),
    [
        ([], "string", {"type": "StringLookup", "vocabulary": WORDS}, (None,)),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS}, (None, 3)),
        ([], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "one_hot"},
         (None, 4)),
        ([1], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "one_hot",
                         "num_oov_indices": 0}, (None, 3)),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "count",
                         "mask_token": "pad", "num_oov_indices": 2}, (None, 5)),  # no mask index
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "tf_idf",
                         "idf_weights": [0.5, 1, 2], "mask_token": "pad"}, (None, 4)),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "multi_hot",
                         "max_tokens": 9, "pad_to_max_tokens": True}, (None, 9)),
        ([3, 1], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "one_hot",
                            "max_tokens": 4}, (None, 3, 4)),
        ([2, 3], "int32", {"type": "StringLookup", "vocabulary": WORDS, "invert": True},
         (None, 2, 3)),
        ([3], "int32", {"type": "IntegerLookup", "vocabulary": [4, 8], "invert": True,
                        "mask_token": 0, "max_tokens": 4}, (None, 3)),
        ([2, 3], "int32", {"type": "IntegerLookup", "vocabulary": [4, 8]}, (None, 2, 3)),
        ([2, 3], "int32", {"type": "IntegerLookup", "vocabulary": [4, 8], "output_mode": "one_hot"},
         (None, 2, 3, 3)),
        ([2, 1], "int32", {"type": "IntegerLookup", "vocabulary": [4, 8], "output_mode": "one_hot"},
         (None, 2, 3)),
        ([5], "int32", {"type": "CategoryEncoding", "num_tokens": 7}, (None, 7)),
        ([], "int32", {"type": "CategoryEncoding", "num_tokens": 7, "output_mode": "one_hot"},
         (None, 7)),
        ([5], "int32", {"type": "CategoryEncoding", "num_tokens": 7, "output_mode": "binary"},
         (None, 7)),
        ([4], "int32", {"type": "Hashing", "num_bins": 5}, (None, 4)),
        ([4, 1], "string", {"type": "Hashing", "num_bins": 5, "output_mode": "one_hot"},
         (None, 4, 5)),
        ([4], "string", {"type": "Hashing", "num_bins": 5, "output_mode": "count", "salt": [1, 2]},
         (None, 5)),
        ([], "float32", {"type": "Discretization", "bin_boundaries": [0.0, 1.5]}, (None,)),
        ([3], "float32", {"type": "Discretization", "bin_boundaries": [0.0, 1.5],
                          "output_mode": "one_hot"}, (None, 3, 3)),
    ],
)  # fmt: skip
def test_lookup_shapes_have_no_weights(
    shape: list[Any], dtype: str, layer: dict[str, Any], out: tuple[Any, ...]
) -> None:
    node = graph(shape, layer, dtype).layer("l")
    assert node.shape == out
    assert node.params == 0  # Keras's summary counts no parameter for a vocabulary


@pytest.mark.parametrize(
    ("shape", "dtype", "layer", "expected"),
    [
        ([], "int32", {"type": "CategoryEncoding", "num_tokens": 4},
         "CategoryEncoding multi_hot counts the values of a 2-D input (batch, values), got"
         " (None,) (one value per example: use one_hot, or Reshape it to [1] first)"),
        ([2, 3], "int32", {"type": "IntegerLookup", "vocabulary": [1], "output_mode": "count"},
         "IntegerLookup count counts the values of a 2-D input (batch, values), got"
         " (None, 2, 3) (Keras builds another shape than it computes for more axes)"),
        ([3], "int32", {"type": "Hashing", "num_bins": 3, "output_mode": "one_hot"},
         "Hashing one_hot needs a last axis of size 1, got (None, 3)"
         " (Keras builds another shape than it computes; Reshape it first)"),
        ([3], "string", {"type": "StringLookup"},
         "StringLookup needs 'vocabulary' given in the spec (the script cannot adapt() it to"
         " data)"),
        ([3], "float32", {"type": "Discretization", "output_mode": "one_hot"},
         "Discretization needs 'bin_boundaries' given in the spec (the script cannot adapt() it"
         " to data)"),
        ([3], "int32", {"type": "StringLookup", "vocabulary": ["a", "[UNK]"], "invert": True},
         "StringLookup vocabulary holds its oov_token '[UNK]', which invert: true gives back"
         " (Keras reserves it; remove it)"),
        ([3], "int32", {"type": "IntegerLookup", "vocabulary": [0, 1], "mask_token": 0},
         "IntegerLookup vocabulary holds its mask_token 0 (Keras reserves it; remove it)"),
    ],
)  # fmt: skip
def test_shapes_keras_builds_wrong_are_refused(
    shape: list[Any], dtype: str, layer: dict[str, Any], expected: str
) -> None:
    assert problems(shape, layer, dtype) == [f"l: {expected}"]


@pytest.mark.parametrize(
    ("shape", "dtype", "layer", "expected"),
    [
        ([3], "int32", {"type": "StringLookup", "vocabulary": WORDS, "invert": True,
                        "output_mode": "one_hot"},
         "StringLookup with invert: true turns indices back into tokens: its output_mode must"
         " be 'int', got 'one_hot'"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "invert": True},
         "StringLookup takes int32 indices (invert: true), not string values from 'data' (invert:"
         " true turns int32 indices back into tokens)"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "tf_idf"},
         "StringLookup tf_idf needs idf_weights, one per vocabulary entry"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "idf_weights": [1, 2, 3]},
         "StringLookup takes idf_weights only with output_mode: tf_idf"),
        ([3], "int32", {"type": "IntegerLookup", "vocabulary": [1, 2], "output_mode": "tf_idf",
                        "idf_weights": [1.0]},
         "IntegerLookup needs one idf_weight per vocabulary entry: 2 entries, 1 idf_weights"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "max_tokens": 4,
                         "mask_token": "pad"},
         "StringLookup has 5 indices (vocabulary, OOV indices and, in int mode, the mask"
         " token), more than its max_tokens 4"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "count",
                         "pad_to_max_tokens": True},
         "StringLookup with pad_to_max_tokens: true needs max_tokens"),
        ([3], "string", {"type": "StringLookup", "vocabulary": WORDS, "output_mode": "count",
                         "sparse": True},
         "StringLookup with sparse: true gives a SparseTensor, which the script's layers and"
         " synthetic training do not take (leave sparse out)"),
    ],
)  # fmt: skip
def test_lookup_options_keras_refuses_or_the_script_cannot_run(
    shape: list[Any], dtype: str, layer: dict[str, Any], expected: str
) -> None:
    assert problems(shape, layer, dtype) == [f"l: {expected}"]


@pytest.mark.parametrize(
    ("layer", "out"),
    [
        # Keras drops the special tokens a vocabulary starts with, in its order.
        ({"type": "StringLookup", "vocabulary": ["[UNK]", "a"], "output_mode": "multi_hot"}, 2),
        ({"type": "StringLookup", "vocabulary": ["pad", "[UNK]", "a"], "mask_token": "pad"}, 3),
        # Outside invert, an OOV token in the vocabulary is one more token (found by the
        # differential test: IntegerLookup([7], oov_token=7, num_oov_indices=2)).
        ({"type": "IntegerLookup", "vocabulary": [7], "num_oov_indices": 2, "oov_token": 7,
          "output_mode": "multi_hot"}, 3),
    ],
)  # fmt: skip
def test_special_tokens_at_the_start_of_a_vocabulary_follow_keras(
    layer: dict[str, Any], out: int
) -> None:
    dtype = "string" if layer["type"] == "StringLookup" else "int32"
    assert graph([3], layer, dtype).layer("l").shape == (None, out)
    if layer.get("mask_token") == "pad":  # outside int mode the mask token is no special one
        refused = problems([3], {**layer, "output_mode": "count"}, dtype)
        assert "holds its mask_token 'pad'" in refused[0]


def test_an_inverted_string_lookup_gives_strings_and_max_tokens_is_above_one() -> None:
    inverted = {"type": "StringLookup", "vocabulary": WORDS, "invert": True}
    spec = {
        "name": "m",
        "inputs": [{"name": "x", "shape": [3], "dtype": "int32"}],
        "layers": [
            {"name": "l", **inverted},
            {"name": "ids", "type": "StringLookup", "vocabulary": WORDS},
            {"name": "d", "type": "Dense", "inputs": "l", "units": 2},
            {"name": "j", "type": "Concatenate", "inputs": ["d", "ids"]},
        ],
    }
    with pytest.raises(SpecError, match="Dense cannot take string values"):
        _checked(spec)
    spec["layers"][2] = {"name": "d", "type": "Embedding", "inputs": "ids", "input_dim": 5,
                         "output_dim": 2}  # fmt: skip
    spec["layers"][3] = {"name": "j", "type": "Flatten", "inputs": "d"}
    code = generate(_checked(spec))
    assert 'layers.StringLookup(vocabulary=X_VOCABULARY, invert=True, name="l")(x_)' in code
    with pytest.raises(SpecError, match="an integer greater than 1, or null"):
        _checked({**spec, "layers": [{"name": "l", **inverted, "max_tokens": 1}]})


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"type": "StringLookup", "vocabulary": ["a", "a"]},
         "expected a non-empty list of distinct strings, got ['a', 'a']"),
        ({"type": "IntegerLookup", "vocabulary": [-1, 2]},
         "expected a non-empty list of distinct non-negative integers, got [-1, 2]"),
        ({"type": "Discretization", "bin_boundaries": [1.0, 0.5]},
         "expected a non-empty list of increasing numbers, got [1.0, 0.5]"),
        ({"type": "Hashing", "num_bins": 3, "salt": [1, 2, 3]},
         "expected a non-negative integer or a list of two, got [1, 2, 3]"),
        ({"type": "StringLookup", "vocabulary": ["a"], "mask_token": ""},
         "expected a non-empty string or null, got ''"),
        ({"type": "CategoryEncoding", "num_tokens": 3, "output_mode": "int"},
         "expected one of one_hot, multi_hot, count, got 'int'"),
    ],
)  # fmt: skip
def test_bad_arguments(layer: dict[str, Any], expected: str) -> None:
    found = problems([2], layer, "int32")
    assert len(found) == 1 and found[0].endswith(expected), found


def test_kinds_follow_the_output_mode() -> None:
    assert output_kind("StringLookup", {}, ["string"]) == INT
    assert output_kind("StringLookup", {"output_mode": "one_hot"}, ["string"]) == FLOAT
    assert output_kind("Discretization", {}, [FLOAT]) == INT
    assert output_kind("CategoryEncoding", {}, [INT]) == FLOAT
    assert output_kind("Hashing", {}, ["string"]) == INT


def test_a_string_into_dense_names_the_input_and_the_fix() -> None:
    assert problems([], {"type": "Dense", "units": 2}, "string") == [
        "l: Dense cannot take string values ('data'); turn them into token ids first with a"
        " StringLookup or Hashing layer"
    ]


@pytest.mark.parametrize(
    ("dtype", "layer", "expected"),
    [
        ("int32", {"type": "StringLookup", "vocabulary": ["a"]},
         "StringLookup takes strings, not int32 values from 'data' (IntegerLookup looks up"
         " int32 ids; Discretization bins numbers)"),
        ("string", {"type": "IntegerLookup", "vocabulary": [1]},
         "IntegerLookup takes int32 token ids, not string values from 'data' (StringLookup"
         " looks up strings; Discretization bins numbers)"),
        ("float32", {"type": "Hashing", "num_bins": 2},
         "Hashing takes strings or int32 ids, not float values from 'data' (Discretization"
         " bins numbers)"),
        ("float32", {"type": "CategoryEncoding", "num_tokens": 2},
         "CategoryEncoding takes int32 token ids, not float values from 'data' (Discretization"
         " bins numbers into ids first; StringLookup turns strings into them)"),
        ("string", {"type": "Discretization", "bin_boundaries": [0]},
         "Discretization takes numbers, not string values from 'data' (turn them into token"
         " ids first with a StringLookup or Hashing layer)"),
    ],
)  # fmt: skip
def test_lookups_refuse_the_wrong_kind(dtype: str, layer: dict[str, Any], expected: str) -> None:
    assert problems([2], layer, dtype) == [f"l: {expected}"]


def test_a_string_into_dense_is_located_in_the_file(cli: Any, spec_file: Any) -> None:
    text = (
        "name: m\n"
        "inputs:\n"
        "  - {name: city, shape: [], dtype: string}\n"
        "layers:\n"
        "  - {name: out, type: Dense, units: 1}\n"
    )
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:5:5: layers[0]: out: Dense cannot take string values ('city');"
        " turn them into token ids first with a StringLookup or Hashing layer"
    ]


@pytest.mark.parametrize(
    ("shape", "inner", "out", "weights"),
    [
        ([5, 4], {"type": "Dense", "units": 3}, (None, 5, 3), (15, 0)),
        ([None, 4], {"type": "BatchNormalization"}, (None, None, 4), (8, 8)),
        ([5, 8, 3], {"type": "Conv1D", "filters": 2, "kernel_size": 3}, (None, 5, 6, 2), (20, 0)),
        ([5, 6, 6, 1], {"type": "Flatten"}, (None, 5, 36), (0, 0)),
        ([5, 4], {"type": "Dropout", "rate": 0.5}, (None, 5, 4), (0, 0)),
    ],
)  # fmt: skip
def test_time_distributed_applies_the_rule_per_step(
    shape: list[Any], inner: dict[str, Any], out: tuple[Any, ...], weights: tuple[int, int]
) -> None:
    node = graph(shape, {"type": "TimeDistributed", "layer": inner}).layer("l")
    assert node.shape == out
    assert (node.trainable, node.non_trainable) == weights


def test_time_distributed_errors() -> None:
    assert problems([4], {"type": "TimeDistributed", "layer": {"type": "Dense", "units": 2}}) == [
        "l: TimeDistributed expects an input of rank 3 or more (batch, steps, ...), got (None, 4)"
    ]
    nested = {"type": "TimeDistributed", "layer": {"type": "Conv1D", "filters": 2}}
    assert problems([3, 4, 2], nested) == ["Conv1D needs 'kernel_size'"]
    wrapped = problems([3, 4], {"type": "TimeDistributed", "layer": {"type": "Add"}})
    assert len(wrapped) == 1 and "a one-input catalog layer" in wrapped[0]
    lookup = {"type": "TimeDistributed", "layer": {"type": "Hashing", "num_bins": 2}}
    assert problems([3, 4], lookup, "int32")[0].endswith("(Hashing cannot be wrapped)")
    conv = {"type": "TimeDistributed", "layer": {"type": "Conv1D", "filters": 2, "kernel_size": 3}}
    assert problems([3, 2, 4], conv) == [
        "l: TimeDistributed applies Conv1D to each step: Conv1D window of 3 does not fit its"
        " input (None, 2, 4) on axis 1 with padding='valid' (use padding='same', a smaller"
        " window, or a larger input)"
    ]


def _strings_spec(**lookup: Any) -> dict[str, Any]:
    return {
        "name": "m",
        "inputs": [{"name": "city", "shape": [], "dtype": "string"}, {"name": "n", "shape": []}],
        "layers": [
            {"name": "ids", "type": "StringLookup", "inputs": "city", **lookup},
            {"name": "emb", "type": "Embedding", "input_dim": 9, "output_dim": 2, "inputs": "ids"},
            {"name": "n1", "compute": "expand_dims(n, -1)", "inputs": "n"},
            {"name": "cat", "type": "Concatenate", "inputs": ["emb", "n1"]},
            {"name": "out", "type": "Dense", "units": 1},
        ],
    }


def test_strings_are_drawn_from_a_strict_vocabulary() -> None:
    checked = _checked(_strings_spec(vocabulary=["a", "b"], num_oov_indices=0))
    city, n = checked.training.inputs
    assert (city.dtype, city.shape, city.values) == ("string", (), ("a", "b"))
    assert (n.dtype, n.shape) == ("float32", ())
    script = generate(checked)
    assert "import tensorflow as tf" in script
    assert 'CITY_VOCABULARY = ("a", "b")\n' in script
    assert '"city": tf.constant(rng.choice(CITY_VOCABULARY, size=(samples,)))' in script
    assert '"n": rng.random((samples,), dtype=np.float32)' in script
    assert 'os.environ.setdefault("KERAS_BACKEND", "tensorflow")' in script
    assert '"error: the string input \'city\'"\n' in script
    assert '" runs on the TensorFlow backend only,"\n' in script


def test_strings_without_a_vocabulary_come_from_a_word_list() -> None:
    spec = _strings_spec(vocabulary=["a"])
    spec["layers"][0] = {"name": "ids", "type": "Hashing", "num_bins": 9, "inputs": "city"}
    (city, _) = _checked(spec).training.inputs
    assert city.values[:3] == ("red", "green", "blue")


def test_int_ids_are_drawn_from_the_vocabulary_below_every_range() -> None:
    spec = {
        "name": "m",
        "inputs": [{"name": "ids", "shape": [3], "dtype": "int32"}],
        "layers": [
            {"name": "look", "type": "IntegerLookup", "vocabulary": [2, 7, 40],
             "num_oov_indices": 0, "output_mode": "multi_hot"},
            {"name": "enc", "type": "CategoryEncoding", "num_tokens": 10, "inputs": "ids"},
            {"name": "cat", "type": "Concatenate", "inputs": ["look", "enc"]},
        ],
    }  # fmt: skip
    checked = _checked(spec)
    (ids,) = checked.training.inputs
    assert ids.values == (2, 7) and ids.high is None
    script = generate(checked)
    assert "rng.choice(np.array((2, 7), dtype=np.int32), size=(samples, 3))" in script
    assert "IDS_VOCABULARY = (2, 7, 40)\n" in script


def test_vocabularies_with_nothing_in_common_are_refused() -> None:
    spec = _strings_spec(vocabulary=["a"], num_oov_indices=0)
    spec["layers"].insert(
        1,
        {"name": "other", "type": "StringLookup", "inputs": "city", "vocabulary": ["b"],
         "num_oov_indices": 0, "output_mode": "one_hot"},
    )  # fmt: skip
    spec["layers"][4]["inputs"] = ["emb", "n1", "other"]
    with pytest.raises(SpecError) as error:
        _checked(spec)
    assert error.value.problems[0].path == ("inputs", 0, "name")
    assert "no value of 'city' fits every layer that takes it" in error.value.problems[0].message


def test_tensorflow_only_layers_refuse_other_backends() -> None:
    checked = _checked(_strings_spec(vocabulary=["a"]))
    with pytest.raises(SpecError) as error:
        generate(checked, backend="jax")
    assert [problem.message for problem in error.value.problems] == [
        "the string input 'city' runs on the TensorFlow backend only, not on --backend jax"
        " (Keras builds it on TensorFlow ops; leave --backend out)"
    ]
    spec = {
        "name": "m",
        "inputs": [{"name": "ids", "shape": [2], "dtype": "int32"}],
        "layers": [{"name": "look", "type": "IntegerLookup", "vocabulary": [1],
                    "output_mode": "multi_hot"}],
        "training": {"distribute": "data_parallel"},
    }  # fmt: skip
    with pytest.raises(SpecError) as error:
        generate(_checked(spec))
    assert [problem.message for problem in error.value.problems] == [
        "data_parallel runs on the JAX backend, but the IntegerLookup layer 'look' runs on"
        " TensorFlow only (use distribute: mirrored)"
    ]


def test_numeric_encodings_run_on_any_backend() -> None:
    spec = {
        "name": "m",
        "inputs": [{"name": "x", "shape": [1]}],
        "layers": [{"name": "bins", "type": "Discretization", "bin_boundaries": [0.5],
                    "output_mode": "one_hot"}],
    }  # fmt: skip
    script = generate(_checked(spec), backend="jax")
    assert 'os.environ.setdefault("KERAS_BACKEND", "jax")' in script
    assert "TensorFlow backend only" not in script and "import tensorflow" not in script


def test_string_arrays_of_an_npz_file_become_tensors() -> None:
    spec = _strings_spec(vocabulary=["a"])
    spec["training"] = {"data": "train.npz"}
    script = generate(_checked(spec))
    assert '"city": tf.constant(data["city"])' in script
    assert '"n": data["n"]' in script


def test_a_vocabulary_is_written_once_per_input_and_shared() -> None:
    spec = _strings_spec(vocabulary=["a", "b"], num_oov_indices=0)
    spec["layers"].insert(
        1,
        {"name": "hot", "type": "StringLookup", "inputs": "city", "vocabulary": ["a", "b"],
         "num_oov_indices": 0, "output_mode": "one_hot"},
    )  # fmt: skip
    spec["layers"][4]["inputs"] = ["emb", "n1", "hot"]
    script = generate(_checked(spec))
    assert script.count('("a", "b")') == 1
    assert 'from keras import layers\n\nCITY_VOCABULARY = ("a", "b")\n\n\n' in script
    assert script.count("vocabulary=CITY_VOCABULARY") == 2
    assert "rng.choice(CITY_VOCABULARY, size=(samples,))" in script


def test_a_vocabulary_constant_never_collides_with_a_layer_variable() -> None:
    spec = _strings_spec(vocabulary=["a", "b"], num_oov_indices=0)
    spec["layers"][3]["name"] = "CITY_VOCABULARY"
    spec["layers"][4]["inputs"] = "CITY_VOCABULARY"
    script = generate(_checked(spec))
    assert 'CITY_VOCABULARY_2 = ("a", "b")\n' in script
    assert "vocabulary=CITY_VOCABULARY_2" in script
    assert "rng.choice(CITY_VOCABULARY_2, size=(samples,))" in script
    assert "CITY_VOCABULARY = layers.Concatenate(" in script


def test_the_snippet_keeps_the_vocabulary_constant() -> None:
    script = generate(_checked(_strings_spec(vocabulary=["a"])), snippet=True)
    assert 'CITY_VOCABULARY = ("a",)\n' in script and "vocabulary=CITY_VOCABULARY" in script


@pytest.mark.parametrize("style", ["class", "function"])
def test_a_merge_of_a_long_list_names_the_list_instead_of_dangling(style: str) -> None:
    inputs = [{"name": f"column_number_{i}", "shape": [1]} for i in range(8)]
    spec = {
        "name": "m",
        "inputs": inputs,
        "layers": [{"name": "all", "type": "Concatenate", "inputs": [i["name"] for i in inputs]}],
    }
    script = generate(_checked(spec), style=style)  # type: ignore[arg-type]
    assert "    all_inputs = [\n        column_number_0,\n" in script
    merge = {"class": "layers.Concatenate(name=\"all\")(all_inputs)",
             "function": "layers.concatenate(all_inputs, name=\"all\")"}  # fmt: skip
    assert f"all_ = {merge[style]}" in script  # `all` is Python's: the layer's variable is all_
    assert ")(\n" not in script


def test_a_vocabulary_of_special_tokens_only_is_refused() -> None:
    layer = {"name": "look", "type": "IntegerLookup", "oov_token": 7, "vocabulary": [7]}
    spec = {"name": "m", "inputs": [{"name": "ids", "shape": [None], "dtype": "int32"}],
            "layers": [{**layer, "inputs": "ids"}]}  # fmt: skip
    with pytest.raises(SpecError) as error:
        _checked(spec)
    assert "holds only its special tokens, which Keras drops" in error.value.problems[0].message


def test_int64_ids_as_text_vectorization_gives_them() -> None:
    # keras-io's text_classification_from_scratch: keras.Input(shape=(None,), dtype="int64")
    spec = {
        "name": "m",
        "inputs": [
            {"name": "tokens", "shape": [None], "dtype": "int64"},
            {"name": "ids", "shape": [3], "dtype": "int64"},
        ],
        "layers": [
            {"name": "embedded", "type": "Embedding", "inputs": "tokens", "input_dim": 50,
             "output_dim": 4},
            {"name": "pooled", "type": "GlobalMaxPooling1D"},
            {"name": "look", "type": "IntegerLookup", "inputs": "ids", "vocabulary": [2, 7],
             "num_oov_indices": 0, "output_mode": "multi_hot"},
            {"name": "both", "type": "Concatenate", "inputs": ["pooled", "look"]},
        ],
    }  # fmt: skip
    script = generate(_checked(spec))
    assert 'keras.Input(shape=(None,), dtype="int64", name="tokens")' in script
    assert re.search(r"rng.integers\(0, 50, size=\(samples, \d+\), dtype=np.int64\)", script)
    assert "rng.choice(np.array(IDS_VOCABULARY, dtype=np.int64), size=(samples, 3))" in script
    # the same kind rules as int32 (tests/keras/test_keras_io_models.py checks them in Keras)
    (message,) = problems([4, 1], {"type": "Conv1D", "filters": 2, "kernel_size": 1}, "int64")
    assert "Conv1D cannot take int32 values" in message, message
