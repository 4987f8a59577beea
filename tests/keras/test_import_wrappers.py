"""Bidirectional and TimeDistributed: to_json() -> mergegen import -> generate -> the same to_json().

The wrapped layer keeps its Keras name (Bidirectional names its copies forward_<name> and
backward_<name>; TimeDistributed keeps the name), so the models are built after other
layers of the same class, whose auto names the script would not make again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.importer.run import import_model
from generator.pipeline import generate
from tests.keras.scripts import fresh_json, load_script

pytestmark = pytest.mark.keras


def _used_names() -> None:
    """Take the first auto names, so the models below hold lstm_1, dense_1 and such."""
    from keras import layers

    layers.LSTM(2), layers.GRU(2), layers.SimpleRNN(2), layers.Dense(2), layers.Conv2D(2, 3)


def bidirectional_lstm() -> Any:
    import keras
    from keras import layers

    x = keras.Input((6, 3), name="x")
    seq = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="seq")(x)
    summed = layers.Bidirectional(
        layers.LSTM(4, return_sequences=True, dropout=0.1, name="forward_keep"),
        merge_mode="sum",
        name="summed",
    )(seq)
    ave = layers.Bidirectional(layers.SimpleRNN(3), merge_mode="ave", name="ave")(summed)
    return keras.Model(x, ave)


def bidirectional_gru_states() -> Any:
    import keras
    from keras import layers

    x = keras.Input((5, 3), name="x")
    h = keras.Input((4,), name="h")
    back = keras.Input((4,), name="back")
    encoded = layers.Bidirectional(
        layers.GRU(4, return_sequences=True, name="backward_gru"), merge_mode="mul", name="enc"
    )(x, initial_state=[h, back])
    last = layers.Bidirectional(layers.GRU(4), name="last")(encoded)
    return keras.Model({"x": x, "h": h, "back": back}, last)


def shared_bidirectional() -> Any:
    import keras
    from keras import layers

    a = keras.Input((5, 3), name="a")
    b = keras.Input((5, 3), name="b")
    shared = layers.Bidirectional(layers.LSTM(3), name="shared")
    merged = layers.Concatenate(name="merged")([shared(a), shared(b)])
    return keras.Model({"a": a, "b": b}, merged)


def time_distributed() -> Any:
    import keras
    from keras import layers

    frames = keras.Input((4, 8, 8, 3), name="frames")
    conv = layers.TimeDistributed(
        layers.Conv2D(5, 3, padding="same", activation="relu"), name="conv"
    )(frames)
    flat = layers.TimeDistributed(layers.Flatten(), name="flat")(conv)
    dense = layers.TimeDistributed(layers.Dense(6, use_bias=False), name="dense_steps")(flat)
    return keras.Model(frames, dense)


def imdb() -> Any:
    """keras-io's bidirectional LSTM on IMDB (examples/nlp/bidirectional_lstm_imdb.py)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(20000, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


MODELS: dict[str, Callable[[], Any]] = {
    "bidirectional_lstm": bidirectional_lstm,
    "bidirectional_gru_states": bidirectional_gru_states,
    "shared_bidirectional": shared_bidirectional,
    "time_distributed": time_distributed,
    "imdb": imdb,
}


def _without_name(model_json: Any) -> Any:
    model_json["config"].pop("name")
    return model_json


@pytest.mark.parametrize("style", ["class", "function"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_wrapped_layers_round_trip_exactly(name: str, style: str, tmp_path: Path) -> None:
    import keras

    keras.backend.clear_session()
    _used_names()
    original = json.loads(MODELS[name]().to_json())
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(original))
    script = tmp_path / "imported.py"
    script.write_text(generate(import_model(source).checked, style=style))  # type: ignore[arg-type]
    rebuilt = fresh_json(load_script(script))
    assert _without_name(rebuilt) == _without_name(original)


def test_a_custom_backward_layer_is_refused(tmp_path: Path) -> None:
    import keras
    from keras import layers

    from generator.errors import SpecError

    x = keras.Input((5, 3), name="x")
    own = layers.LSTM(4, go_backwards=True, name="mine")
    y = layers.Bidirectional(layers.LSTM(4), backward_layer=own, name="bi")(x)
    source = tmp_path / "custom_backward.json"
    source.write_text(keras.Model(x, y).to_json())
    with pytest.raises(SpecError) as refused:
        import_model(source)
    lines = [problem.render() for problem in refused.value.problems]
    assert any("'bi'" in line and "backward_layer" in line for line in lines), lines


def test_keras_2_wrappers_become_kerass_3_ones(tmp_path: Path) -> None:
    tf_keras = pytest.importorskip("tf_keras")
    from tf_keras import layers

    tf_keras.backend.clear_session()
    x = tf_keras.Input((5, 3), name="x")
    seq = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="seq")(x)
    steps = layers.TimeDistributed(layers.Dense(2, name="per_step"), name="steps")(seq)
    last = layers.Bidirectional(layers.GRU(3), merge_mode="sum", name="last")(steps)
    original = tf_keras.Model(x, last)
    source = tmp_path / "keras2.json"
    source.write_text(original.to_json())
    script = tmp_path / "imported.py"
    script.write_text(generate(import_model(source).checked))
    model = load_script(script).build_model()
    assert model.count_params() == original.count_params()
    assert model.get_layer("seq").forward_layer.name == "forward_lstm"
    assert model.get_layer("seq").backward_layer.name == "backward_lstm"
    assert model.get_layer("last").merge_mode == "sum"
    assert model.get_layer("steps").layer.name == "per_step"
