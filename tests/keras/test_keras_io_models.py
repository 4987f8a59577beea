"""keras-io examples nobody here wrote: a spec by hand, and an import of the model, each
compared with the model built in Keras directly.

The reference models below are written from knowledge of the keras-io examples (nothing is
downloaded): their model-building code, with the examples' own sizes, built with Keras 3 and,
as users of the examples' tf.keras days saved them, with tf_keras (Keras 2). Each spec under
tests/data/keras_io/ is written as a user would write it from the example. Checked: the
parameter totals (trainable, non-trainable) and every layer's class, output shape and weights
against the Keras model, in both merge styles; the Keras model's `.keras` archive and
`to_json()` imported, generated and rebuilt to the same `to_json()`; the scripts' own synthetic
data through the model (one batch, inference: the sizes are the examples' own, too large to
train here on one core), and one epoch of training for the three small models. The Keras 2
models, saved as `.h5` and as JSON, import into Keras 3 models with the same layers (classes,
shapes, weights; tf.keras's `x + y` layers are Keras 3's `x + y` operations).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator.importer.run import import_model
from generator.pipeline import check, generate
from generator.spec.model import LAYER_ALIASES
from tests.conftest import REPO
from tests.keras.keras_builder import weight_counts
from tests.keras.scripts import load_script, saved_by_keras2
from tests.keras.test_differential import REGRESSIONS, assert_agrees, call_refs, refs_of

pytestmark = pytest.mark.keras

SPECS = REPO / "tests" / "data" / "keras_io"


# The models as the examples build them --------------------------------------------------------


def conv_lstm(keras: Any) -> Any:
    """examples/vision/conv_lstm.py: next-frame prediction on (frames, 64, 64, 1)."""
    layers = keras.layers
    inp = layers.Input(shape=(None, 64, 64, 1))
    x = layers.ConvLSTM2D(
        filters=64, kernel_size=(5, 5), padding="same", return_sequences=True, activation="relu"
    )(inp)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=64, kernel_size=(3, 3), padding="same", return_sequences=True, activation="relu"
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(
        filters=64, kernel_size=(1, 1), padding="same", return_sequences=True, activation="relu"
    )(x)
    x = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same")(x)
    model = keras.models.Model(inp, x)
    model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())
    return model


def ct_scan_3d(keras: Any) -> Any:
    """examples/vision/3D_image_classification.py: get_model(width=128, height=128, depth=64)."""
    layers = keras.layers
    inputs = keras.Input((128, 128, 64, 1))
    x = inputs
    for filters in (64, 64, 128, 256):
        x = layers.Conv3D(filters=filters, kernel_size=3, activation="relu")(x)
        x = layers.MaxPool3D(pool_size=2)(x)
        x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling3D()(x)
    x = layers.Dense(units=512, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(units=1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="3dcnn")
    schedule = keras.optimizers.schedules.ExponentialDecay(
        0.0001, decay_steps=100000, decay_rate=0.96, staircase=True
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        metrics=["acc"],
    )
    return model


def pets_unet(keras: Any) -> Any:
    """examples/vision/oxford_pets_image_segmentation.py: get_model((160, 160), 3)."""
    layers = keras.layers
    inputs = keras.Input(shape=(160, 160, 3))
    x = layers.Conv2D(32, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for filters in [64, 128, 256]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    for filters in [256, 128, 64, 32]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.UpSampling2D(2)(x)
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])
        previous_block_activation = x
    outputs = layers.Conv2D(3, 3, activation="softmax", padding="same")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    return model


def text_cnn(keras: Any) -> Any:
    """examples/nlp/text_classification_from_scratch.py: the model after TextVectorization."""
    layers = keras.layers
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def weather_lstm(keras: Any) -> Any:
    """examples/timeseries/timeseries_weather_forecasting.py: 120 steps of 7 features."""
    inputs = keras.layers.Input(shape=(120, 7))
    lstm_out = keras.layers.LSTM(32)(inputs)
    outputs = keras.layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    return model


def text_transformer(keras: Any) -> Any:
    """examples/nlp/text_classification_with_transformer.py, its two custom layers inlined
    into a Functional model: the positions (ops.arange there) are a second input."""
    layers = keras.layers
    tokens = layers.Input(shape=(200,))
    positions = layers.Input(shape=(200,))
    x = layers.Embedding(input_dim=20000, output_dim=32)(tokens)
    x = x + layers.Embedding(input_dim=200, output_dim=32)(positions)
    attn_output = layers.MultiHeadAttention(num_heads=2, key_dim=32)(x, x)
    attn_output = layers.Dropout(0.1)(attn_output)
    out1 = layers.LayerNormalization(epsilon=1e-6)(x + attn_output)
    ffn_output = layers.Dense(32, activation="relu")(out1)
    ffn_output = layers.Dense(32)(ffn_output)
    ffn_output = layers.Dropout(0.1)(ffn_output)
    x = layers.LayerNormalization(epsilon=1e-6)(out1 + ffn_output)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=[tokens, positions], outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


MODELS = {
    "conv_lstm": (conv_lstm, 746_689),
    "ct_scan_3d": (ct_scan_3d, 1_352_897),
    "pets_unet": (pets_unet, 2_058_979),
    "text_cnn": (text_cnn, 2_806_273),
    "weather_lstm": (weather_lstm, 5_153),
    "text_transformer": (text_transformer, 657_758),
}
SMALL = ("text_cnn", "weather_lstm", "text_transformer")  # these train an epoch here


def _built(name: str) -> Any:
    import keras

    keras.backend.clear_session()
    model = MODELS[name][0](keras)
    assert model.count_params() == MODELS[name][1]  # the example's own summary total
    return model


def _layers(model: Any) -> Counter[tuple[str, str, tuple[int, int]]]:
    """Every layer's class, output shape and weights; the Keras names differ (ours are the
    spec's, the example's Keras's counters)."""
    return Counter(
        (type(layer).__name__, str(layer.output.shape), weight_counts(layer))
        for layer in model.layers
    )


def _script(name: str, style: str, tmp_path: Path) -> Any:
    path = tmp_path / f"{name}_{style}.py"
    path.write_text(generate(check(SPECS / f"{name}.yaml"), style=style))  # type: ignore[arg-type]
    return load_script(path)


@pytest.mark.parametrize("style", ["class", "function"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_hand_written_spec_builds_the_examples_model(
    name: str, style: str, tmp_path: Path
) -> None:
    import keras

    original = _built(name)
    checked = check(SPECS / f"{name}.yaml")
    ours = (checked.graph.trainable_params, checked.graph.non_trainable_params)
    totals = weight_counts(original)
    assert ours == totals
    module = _script(name, style, tmp_path)
    keras.backend.clear_session()
    rebuilt = module.build_model()
    assert weight_counts(rebuilt) == totals
    assert _layers(rebuilt) == _layers(original)
    # the script's own synthetic data fits the model: one example through it
    x, _ = module.make_synthetic_data(1, 0)
    predicted = rebuilt.predict(x, verbose=0)
    expected = original.output.shape
    assert len(predicted.shape) == len(expected)
    sizes = zip(predicted.shape[1:], expected[1:], strict=True)
    assert all(size is None or got == size for got, size in sizes)


@pytest.mark.parametrize("name", SMALL)
def test_the_small_scripts_train_an_epoch(name: str, tmp_path: Path) -> None:
    module = _script(name, "class", tmp_path)
    module.main(["--epochs", "1", "--samples", "4", "--batch-size", "2"])


def _without_name(model_json: Any) -> Any:
    model_json["config"].pop("name")
    model_json.pop("compile_config", None)
    return model_json


@pytest.mark.parametrize("source", ["keras", "json"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_examples_model_imports_and_round_trips(name: str, source: str, tmp_path: Path) -> None:
    import keras

    original = _built(name)
    path = tmp_path / f"{name}.{source}"
    if source == "keras":
        original.save(path)
    else:
        path.write_text(original.to_json())
    imported = import_model(path)
    style = "class" if source == "keras" else "function"
    script = tmp_path / "imported.py"
    script.write_text(generate(imported.checked, style=style))  # type: ignore[arg-type]
    keras.backend.clear_session()
    rebuilt = load_script(script).build_model()
    assert _without_name(json.loads(rebuilt.to_json())) == _without_name(
        json.loads(original.to_json())
    )
    assert rebuilt.count_params() == MODELS[name][1]


def test_the_imported_training_sections_are_the_examples(tmp_path: Path) -> None:
    """What the examples compile with, in the spec's forms (the bugs these models found)."""
    expected = {
        "conv_lstm": {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": []},
        "ct_scan_3d": {"loss": "binary_crossentropy", "metrics": ["acc"]},
        "text_cnn": {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"]},
    }
    for name, fields in expected.items():
        path = tmp_path / f"{name}.json"
        path.write_text(_built(name).to_json())
        training = import_model(path).checked.spec.training
        for field_name, value in fields.items():
            assert getattr(training, field_name) == value, (name, field_name)


@pytest.mark.parametrize("kind", ["h5", "json"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_examples_keras_2_model_imports_as_the_same_keras_3_model(
    name: str, kind: str, tmp_path: Path
) -> None:
    import keras

    tf_keras = pytest.importorskip("tf_keras")
    tf_keras.backend.clear_session()
    original = MODELS[name][0](tf_keras)
    assert original.count_params() == MODELS[name][1]
    imported = import_model(saved_by_keras2(original, tmp_path, kind))
    script = tmp_path / "imported.py"
    script.write_text(generate(imported.checked, style="class"))  # type: ignore[arg-type]
    keras.backend.clear_session()
    rebuilt = load_script(script).build_model()
    # tf.keras records `x + y` as a TFOpLambda layer, Keras 3 as an operation (no layer)
    kept = [layer for layer in original.layers if type(layer).__name__ != "TFOpLambda"]
    assert _layers(rebuilt) == Counter(
        (type(layer).__name__, str(tuple(layer.output.shape)), weight_counts(layer))
        for layer in kept
    )
    if name == "ct_scan_3d" and kind == "h5":  # tf.keras saved its schedule named None
        optimizer = imported.checked.spec.training.optimizer
        assert optimizer == {"Adam": {"learning_rate": {"ExponentialDecay": {
            "initial_learning_rate": 0.0001, "decay_steps": 100000, "decay_rate": 0.96,
            "staircase": True}}}}  # fmt: skip


def test_kerass_layer_aliases_are_its_classes() -> None:
    import keras

    for alias, class_name in LAYER_ALIASES.items():
        assert getattr(keras.layers, alias) is getattr(keras.layers, class_name), alias


_INT32_CASES = sorted(case for case, spec in REGRESSIONS.items() if '"int32"' in json.dumps(spec))


@pytest.mark.parametrize("case", _INT32_CASES)
def test_int64_ids_follow_keras_as_int32_ids_do(case: str) -> None:
    """Every int32 regression example of the differential test, with int64 ids."""
    spec = json.loads(json.dumps(REGRESSIONS[case]).replace('"int32"', '"int64"'))
    spec = {"name": "regression", "training": {"loss": "mse"}, **spec}
    used = {
        ref.partition(":")[0]
        for layer in spec["layers"]
        for ref in [*refs_of(layer), *call_refs(layer)]
    }
    spec["outputs"] = [layer["name"] for layer in spec["layers"] if layer["name"] not in used]
    assert_agrees(spec)
