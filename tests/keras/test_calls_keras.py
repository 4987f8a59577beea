"""The seq2seq and transformer_encoder presets against the keras-io originals built in Keras,
and the attention and recurrent rules against Keras layers called directly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import ShapeError
from generator.pipeline import check, check_loaded, generate
from generator.spec.load import LoadedSpec
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


LSTM3 = {"layer": {"type": "LSTM", "units": 3}}
GRU3 = {"layer": {"type": "GRU", "units": 3}}
CONV = {"filters": 3, "kernel_size": 2}
# (layer, arguments, input shape, initial state shapes, Keras runs it: eagerly, in predict)
INITIAL_STATE_CASES = [
    ("Bidirectional", LSTM3, (4, 2), [(3,)] * 4, True, True),
    ("Bidirectional", LSTM3, (None, 2), [(3,)] * 2, False, False),
    ("Bidirectional", LSTM3, (4, 2), [(3,)] * 6, False, False),
    ("Bidirectional", LSTM3, (4, 2), [(3,), (3,), (3,), (2,)], False, False),
    ("Bidirectional", LSTM3, (4, 2), [(3,), (3,), (3,), (1,)], True, False),  # c broadcasts
    ("Bidirectional", LSTM3, (4, 2), [(1,), (3,), (3,), (3,)], False, False),
    ("Bidirectional", {"layer": {**GRU3["layer"], "return_state": True}}, (4, 2), [(3,)] * 2,
     True, True),
    ("Bidirectional", GRU3, (4, 2), [(3,)] * 3, True, True),  # GRU drops the extra state
    ("Bidirectional", GRU3, (4, 2), [(3,)], False, False),
    ("Bidirectional", {"layer": {"type": "SimpleRNN", "units": 2}, "merge_mode": "sum"},
     (None, 2), [(2,)] * 2, True, True),
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5, 3)] * 2, True, True),
    ("ConvLSTM1D", CONV, (None, 6, 2), [(6, 3)] * 2, False, False),
    ("ConvLSTM1D", CONV, (4, 6, 2), [(1, 3), (5, 3)], True, False),  # h broadcasts in width
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5, 3), (1, 1)], True, False),  # so does c, everywhere
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5, 1), (5, 3)], False, False),  # h meets the kernel
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5, 3)], False, False),
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5, 3)] * 3, False, False),
    ("ConvLSTM1D", CONV, (4, 6, 2), [(5,)] * 2, False, False),
    ("ConvLSTM1D", {**CONV, "strides": 2, "padding": "same"}, (4, 7, 2), [(4, 3)] * 2,
     True, True),
    ("ConvLSTM1D", {**CONV, "strides": 2}, (4, 7, 2), [(4, 3)] * 2, False, False),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": (2, 1), "strides": (2, 1), "padding": "same",
                    "return_state": True}, (3, 5, 4, 1), [(3, 4, 2)] * 2, True, True),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (None, 6, 5, 1),
     [(4, 3, 2)] * 2, True, True),
    ("ConvLSTM2D", {"filters": 2, "kernel_size": 2, "dilation_rate": 2}, (3, 6, 5, 1),
     [(5, 4, 2)] * 2, False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "args", "shape", "states", "eager", "compiled"), INITIAL_STATE_CASES
)
def test_initial_states_run_in_keras_where_the_rules_accept_them(
    name: str,
    args: dict[str, Any],
    shape: tuple[int | None, ...],
    states: list[tuple[int, ...]],
    eager: bool,
    compiled: bool,
) -> None:
    """Keras builds every case; what runs eagerly and in predict is what the rules say:
    refused where predict fails, with the reason where an eager call still runs."""
    import keras

    keras_args = dict(args)
    if name == "Bidirectional":
        inner = dict(args["layer"])
        keras_args["layer"] = getattr(keras.layers, inner.pop("type"))(**inner)
    source = keras.Input(shape=shape)
    given = [keras.Input(shape=state) for state in states]
    outputs = getattr(keras.layers, name)(**keras_args)(source, initial_state=given)
    model = keras.Model([source, *given], outputs)
    steps = shape[0] or 4
    data = [np.ones((2, steps, *shape[1:]), "float32")]
    data += [np.ones((2, *state), "float32") for state in states]
    assert _runs(lambda: model(data)) == eager
    assert _runs(lambda: model.predict(data, verbose=0)) == compiled
    rule = CATALOG[name].call_rule
    assert rule is not None
    call = {"initial_state": [(None, *state) for state in states]}
    if compiled and not (name == "Bidirectional" and len(states) == 3):
        rule(args, [(None, *shape)], call)
        inferred = CATALOG[name].infer(args, [(None, *shape)])
        assert [tuple(t.shape) for t in tree_list(outputs)] == list(inferred.shapes)
        return
    with pytest.raises(ShapeError) as error:
        rule(args, [(None, *shape)], call)
    message = str(error.value)
    assert message.endswith("(Keras broadcasts a size of 1 in an eager call only)") == (
        eager and not compiled
    )
    if compiled:  # refused on purpose: Keras gives GRU's extra state to nothing
        assert "(the forward GRU's 1, then the backward's 1), got 3" in message


def _runs(call: Any) -> bool:
    try:
        call()
    except Exception:  # noqa: BLE001 - any failure of the forward pass
        return False
    return True


def tree_list(outputs: Any) -> list[Any]:
    return list(outputs) if isinstance(outputs, list | tuple) else [outputs]


def test_bidirectional_and_conv_lstm_states_in_a_generated_script_train(tmp_path: Path) -> None:
    """States from a Bidirectional and a ConvLSTM2D start others; the script trains a step."""
    spec = {
        "name": "state_paths",
        "inputs": [{"name": "source", "shape": [None, 3]}, {"name": "clip", "shape": [3, 6, 4, 1]}],
        "layers": [
            {"name": "encoder", "type": "Bidirectional", "inputs": "source",
             "layer": {"type": "GRU", "units": 4, "return_state": True}},
            {"name": "decoder", "type": "Bidirectional", "inputs": "source", "merge_mode": "sum",
             "layer": {"type": "GRU", "units": 4},
             "call": {"initial_state": ["encoder:backward_state", "encoder:forward_state"]}},
            {"name": "first", "type": "ConvLSTM2D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "strides": 2, "return_state": True},
            {"name": "second", "type": "ConvLSTM2D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "strides": 2, "padding": "same",
             "call": {"initial_state": ["first:state_c", "first:state_h"]}},
            {"name": "flat", "type": "Flatten", "inputs": "second"},
            {"name": "joined", "type": "Concatenate", "inputs": ["decoder", "flat"]},
            {"name": "out", "type": "Dense", "units": 1},
        ],
    }  # fmt: skip
    checked = check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))
    assert checked.graph.shape_of("first:state_h") == (None, 3, 2, 2)
    path = tmp_path / "state_paths.py"
    path.write_text(generate(checked), encoding="utf-8")
    module = load_script(path)
    model = module.build_model()
    assert model.count_params() == checked.graph.total_params
    model.compile(optimizer="adam", loss="mse")
    x, y = module.make_synthetic_data(4, 0)
    model.fit(x, y, epochs=1, batch_size=2, verbose=0)
