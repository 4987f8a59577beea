"""The seq2seq and transformer_encoder presets against the keras-io originals built in Keras,
and the attention and recurrent rules against Keras layers called directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import ShapeError
from generator.pipeline import check
from generator.spec.presets import preset_path
from tests.conftest import OUTPUT
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras


def _keras_io_seq2seq() -> Any:
    """examples/nlp/lstm_seq2seq.py: 71 input tokens, 93 target tokens, latent_dim 256."""
    import keras

    encoder_inputs = keras.Input(shape=(None, 71))
    _, state_h, state_c = keras.layers.LSTM(256, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 93))
    decoder_outputs, _, _ = keras.layers.LSTM(256, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c]
    )
    outputs = keras.layers.Dense(93, activation="softmax")(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], outputs)


def _keras_io_transformer() -> Any:
    """examples/timeseries/timeseries_classification_transformer.py, 4 blocks."""
    import keras
    from keras import layers

    def transformer_encoder(inputs: Any) -> Any:
        x = layers.MultiHeadAttention(key_dim=256, num_heads=4, dropout=0.25)(inputs, inputs)
        x = layers.Dropout(0.25)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        res = x + inputs
        x = layers.Conv1D(filters=4, kernel_size=1, activation="relu")(res)
        x = layers.Dropout(0.25)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
        return x + res

    inputs = keras.Input(shape=(500, 1))
    x = inputs
    for _ in range(4):
        x = transformer_encoder(x)
    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    ("preset", "original", "total"),
    [
        ("seq2seq", _keras_io_seq2seq, 718_173),
        ("transformer_encoder", _keras_io_transformer, 93_130),
    ],
)
def test_preset_totals_match_the_keras_io_original(preset: str, original: Any, total: int) -> None:
    path = preset_path(preset)
    assert path is not None
    assert check(path).graph.total_params == total
    assert original().count_params() == total
    for style in ("class", "function"):
        model = load_script(OUTPUT / f"{preset}_{style}.py").build_model()
        assert model.count_params() == total


ATTENTION_CASES = [
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [(5, 6), (7, 4)], {}),
    (
        "MultiHeadAttention",
        {"num_heads": 3, "key_dim": 2, "value_dim": 5, "output_shape": 9, "use_bias": False},
        [(7, 6), (7, 4), (7, 8)],
        {"return_attention_scores": True},
    ),
    ("Attention", {}, [(5, 4), (7, 4)], {"return_attention_scores": True}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}, [(5, 4), (7, 3), (7, 4)], {}),
    ("AdditiveAttention", {}, [(5, 4), (7, 2), (7, 4)], {"return_attention_scores": True}),
    ("AdditiveAttention", {"use_scale": False}, [(5, 4), (7, 4)], {}),
]


@pytest.mark.parametrize(("name", "args", "shapes", "call"), ATTENTION_CASES)
def test_attention_rules_match_keras(
    name: str, args: dict[str, Any], shapes: list[tuple[int, ...]], call: dict[str, Any]
) -> None:
    import keras

    tensors = [keras.Input(shape=shape) for shape in shapes]
    layer = getattr(keras.layers, name)(**args)
    result = layer(tensors, **call) if CATALOG[name].list_inputs else layer(*tensors, **call)
    outputs = list(result) if isinstance(result, list | tuple) else [result]
    inferred = CATALOG[name].infer({**args, **call}, [(None, *shape) for shape in shapes])
    assert [tuple(tensor.shape) for tensor in outputs] == list(inferred.shapes)
    assert layer.count_params() == inferred.trainable


def test_keras_shapes_multi_head_scores_by_the_query_alone() -> None:
    """Why the generator refuses MultiHeadAttention's scores for a query and value of
    different lengths: Keras builds the model with the wrong shape."""
    import keras

    query, value = keras.Input(shape=(5, 4)), keras.Input(shape=(7, 4))
    layer = keras.layers.MultiHeadAttention(2, 3)
    _, scores = layer(query, value, return_attention_scores=True)
    assert tuple(scores.shape) == (None, 2, 5, 5)  # the real scores are (None, 2, 5, 7)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_return_state_outputs_match_keras(name: str) -> None:
    import keras

    layer_type = CATALOG[name]
    args = {"units": 5, "return_state": True, "return_sequences": True}
    source = keras.Input(shape=(None, 3))
    outputs = getattr(keras.layers, name)(**args)(source)
    inferred = layer_type.infer(args, [(None, None, 3)])
    assert [tuple(tensor.shape) for tensor in outputs] == list(inferred.shapes)
    assert len(layer_type.output_names(args)) == len(outputs)


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("Bidirectional", {"layer": {"type": "LSTM", "units": 4, "return_state": True}}, (5, 3)),
        (
            "Bidirectional",
            {
                "layer": {
                    "type": "GRU",
                    "units": 2,
                    "return_state": True,
                    "return_sequences": True,
                },
                "merge_mode": "ave",
            },
            (None, 3),
        ),
        ("ConvLSTM1D", {"filters": 3, "kernel_size": 2, "return_state": True}, (4, 6, 2)),
        (
            "ConvLSTM2D",
            {"filters": 2, "kernel_size": 3, "return_state": True, "padding": "same"},
            (None, 5, 5, 1),
        ),
    ],
)
def test_states_of_bidirectional_and_conv_lstm_match_keras(
    name: str, args: dict[str, Any], shape: tuple[int | None, ...]
) -> None:
    """Shapes, order and count of the outputs, with a mask given; weights."""
    import keras

    layer_type = CATALOG[name]
    keras_args = dict(args)
    if name == "Bidirectional":
        inner = dict(args["layer"])
        keras_args["layer"] = getattr(keras.layers, inner.pop("type"))(**inner)
    layer = getattr(keras.layers, name)(**keras_args)
    source, mask = keras.Input(shape=shape), keras.Input(shape=(shape[0],))
    outputs = layer(source, mask=mask)
    inferred = layer_type.infer(args, [(None, *shape)])
    assert layer_type.call_rule is not None
    layer_type.call_rule(args, [(None, *shape)], {"mask": [(None, shape[0])]})
    assert [tuple(tensor.shape) for tensor in outputs] == list(inferred.shapes)
    assert len(layer_type.output_names(args)) == len(outputs)
    assert layer.count_params() == inferred.trainable
    model = keras.Model([source, mask], outputs)
    steps = shape[0] or 4
    data = [np.ones((2, steps, *shape[1:]), "float32"), np.ones((2, steps), "float32")]
    assert [tuple(tensor.shape[1:]) for tensor in model(data)] == [
        tuple(steps if dim is None else dim for dim in out[1:]) for out in inferred.shapes
    ]


@pytest.mark.parametrize(
    ("axes", "query", "value"),
    [
        (None, (3, 4, 5), (3, 4, 5)),
        ([1], (3, 4, 5), (5, 4, 2)),
        ([2], (3, 4, 5), (3, 6, 2)),
        (-2, (3, 4, 5), (3, 6, 2)),
        ([1, 2], (2, 3, 4, 5), (4, 2, 4, 3)),
        ([1, 3], (2, 3, 4, 5), (5, 3, 1, 2)),
    ],
)
def test_attention_axes_follow_keras(
    axes: Any, query: tuple[int, ...], value: tuple[int, ...]
) -> None:
    """Output shape and weights as Keras builds them, and a forward pass that runs."""
    import keras

    args = {"num_heads": 2, "key_dim": 3, "attention_axes": axes}
    layer = keras.layers.MultiHeadAttention(**args)
    inputs = [keras.Input(shape=query), keras.Input(shape=value)]
    output = layer(*inputs)
    inferred = CATALOG["MultiHeadAttention"].infer(args, [(None, *query), (None, *value)])
    assert tuple(output.shape) == inferred.shape
    assert layer.count_params() == inferred.trainable
    model = keras.Model(inputs, output)
    result = model([np.ones((2, *query), "float32"), np.ones((2, *value), "float32")])
    assert tuple(result.shape) == (2, *inferred.shape[1:])


def test_attention_masks_run_as_the_rules_say() -> None:
    """Masks of the shapes the rules accept run; Keras fails on the ones they refuse."""
    import keras

    query, value = keras.Input(shape=(4, 3)), keras.Input(shape=(5, 3))
    short, long = keras.Input(shape=(4,)), keras.Input(shape=(5,))
    data = [np.ones((2, 4, 3), "float32"), np.ones((2, 5, 3), "float32")]
    masks = [np.ones((2, 4), "float32"), np.ones((2, 5), "float32")]
    for name in ("Attention", "AdditiveAttention"):
        rule = CATALOG[name].call_rule
        assert rule is not None
        rule({}, [(None, 4, 3), (None, 5, 3)], {"mask": [(None, 4), (None, 5)]})
        with pytest.raises(ShapeError):
            rule({}, [(None, 4, 3), (None, 5, 3)], {"mask": [(None, 5), (None, 4)]})
        out = getattr(keras.layers, name)()([query, value], mask=[short, long])
        keras.Model([query, value, short, long], out)([*data, *masks])
        wrong = getattr(keras.layers, name)()([query, value], mask=[long, short])
        with pytest.raises(Exception):  # noqa: B017 - any failure of the forward pass
            keras.Model([query, value, short, long], wrong)([*data, *masks])
    layer = keras.layers.MultiHeadAttention(2, 3)
    out = layer(query, value, query_mask=short, value_mask=long, key_mask=long)
    keras.Model([query, value, short, long], out)([*data, *masks])
    wrong = keras.layers.MultiHeadAttention(2, 3)(query, value, query_mask=long, value_mask=short)
    with pytest.raises(Exception):  # noqa: B017
        keras.Model([query, value, short, long], wrong)([*data, *masks])
