"""The import test bed: every preset and the keras-io originals, built in Keras, to_json(),
imported, generated and built again: the same to_json() but for the model's name, or a
refusal that says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.importer.run import import_model
from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path
from tests.keras.scripts import fresh_json, load_script
from tests.keras.test_calls_keras import _keras_io_seq2seq, _keras_io_transformer
from tests.keras.test_model_blocks import keras_io_vae
from tests.keras.test_wide_deep import _original as _keras_io_wide_deep

pytestmark = pytest.mark.keras

# preset or model -> what its refusal names; not listed: it round-trips exactly.
REFUSED = {
    "keras_io_vae": "custom class 'Sampling'",
    "keras_io_siamese": "Lambda holds Python bytecode",
    # keras.ops.expand_dims on a string input: a spec expression takes no strings.
    "keras_io_wide_deep": "an expression cannot take string values",
}


def _round_trip(original: dict[str, Any], tmp_path: Path, style: str) -> dict[str, Any] | str:
    """The rebuilt model's to_json(), or the first line of the refusal."""
    source = tmp_path / "original.json"
    source.write_text(json.dumps(original))
    try:
        imported = import_model(source)
    except SpecError as refused:
        return "\n".join(problem.render() for problem in refused.problems)
    script = tmp_path / "imported.py"
    script.write_text(generate(imported.checked, style=style))  # type: ignore[arg-type]
    rebuilt: dict[str, Any] = fresh_json(load_script(script))
    return rebuilt


def _check(name: str, original: dict[str, Any], tmp_path: Path, style: str) -> None:
    rebuilt = _round_trip(original, tmp_path, style)
    if name in REFUSED:
        assert isinstance(rebuilt, str), f"{name} imported, but a refusal was expected"
        assert REFUSED[name] in rebuilt, rebuilt
        return
    assert not isinstance(rebuilt, str), rebuilt
    original["config"].pop("name")
    rebuilt["config"].pop("name")
    assert rebuilt == original


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_round_trips_or_is_refused_saying_why(preset: str, tmp_path: Path) -> None:
    path = preset_path(preset)
    assert path is not None
    # Loaded under the rebuilt script's module name: mergegen's own NormalLike layer records
    # its script's module (`__main__` for either script when run).
    script = tmp_path / "original" / "imported.py"
    script.parent.mkdir()
    script.write_text(generate(check(path), style="class"))
    _check(preset, fresh_json(load_script(script)), tmp_path, "function")


def _keras_io_vae_model() -> Any:
    import keras

    encoder, decoder = keras_io_vae()
    image = keras.Input((28, 28, 1), name="image")
    return keras.Model(image, decoder(encoder(image)[2]))


def _keras_io_siamese() -> Any:
    """keras-io examples/vision/siamese_contrastive.py: one tower model called twice, the
    Euclidean distance as a Lambda."""
    import keras
    from keras import layers, ops

    def euclidean_distance(vects: Any) -> Any:
        x, y = vects
        sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))

    image = keras.Input((28, 28, 1))
    x = layers.BatchNormalization()(image)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(10, activation="tanh")(x)
    tower = keras.Model(image, x)
    left = keras.Input((28, 28, 1), name="left")
    right = keras.Input((28, 28, 1), name="right")
    distance = layers.Lambda(euclidean_distance)([tower(left), tower(right)])
    output = layers.Dense(1, activation="sigmoid")(layers.BatchNormalization()(distance))
    return keras.Model({"left": left, "right": right}, output)


def _siamese_with_ops() -> Any:
    """The same Siamese network with its distance written as keras.ops on the towers."""
    import keras
    from keras import layers, ops

    image = keras.Input((28, 28, 1))
    x = layers.Conv2D(4, (5, 5), activation="tanh")(image)
    x = layers.GlobalAveragePooling2D()(x)
    tower = keras.Model(image, layers.Dense(10, activation="tanh")(x))
    left = keras.Input((28, 28, 1), name="left")
    right = keras.Input((28, 28, 1), name="right")
    square = ops.sum(ops.square(tower(left) - tower(right)), axis=1, keepdims=True)
    output = layers.Dense(1, activation="sigmoid")(ops.sqrt(square))
    return keras.Model({"left": left, "right": right}, output)


def _shared_attention() -> Any:
    """One MultiHeadAttention called twice (a mask, scores, a causal call), a shared Dense."""
    import keras
    from keras import layers

    x = keras.Input((5, 8), name="x")
    mask = keras.Input((5, 5), name="mask")
    attention = layers.MultiHeadAttention(2, 4, name="attention")
    attended, scores = attention(x, x, attention_mask=mask, return_attention_scores=True)
    again = attention(attended, x, x, use_causal_mask=True)
    attended = layers.Attention(name="dot")([again, x], use_causal_mask=True)
    dense = layers.Dense(8, name="dense")
    twice = dense(dense(attended))
    flat = layers.Flatten(name="flat")(scores)
    return keras.Model({"x": x, "mask": mask}, {"dense_call_2": twice, "flat": flat})


def _shared_lstm() -> Any:
    """An LSTM whose second call starts from the states of its first."""
    import keras
    from keras import layers

    x = keras.Input((None, 3), name="x")
    y = keras.Input((None, 3), name="y")
    encoder = layers.LSTM(4, return_state=True, name="encoder")
    first, state_h, state_c = encoder(x)
    second, state_h2, _ = encoder(y, initial_state=[state_h, state_c])
    return keras.Model({"x": x, "y": y}, layers.Add(name="sum")([first, second, state_h2]))


def _keyed_expression() -> Any:
    """A second output that is an expression, keyed by its own name (the vae's kl_loss)."""
    import keras
    from keras import layers, ops

    x = keras.Input((4,), name="x")
    dense = layers.Dense(3, name="dense")(x)
    total = ops.sum(ops.square(dense), axis=1, keepdims=True)
    return keras.Model(x, {"dense": dense, "total": total})


def _lists_of_one() -> Any:
    """keras.Model([x], [out]): one input and one output, each in a list."""
    import keras
    from keras import layers

    x = keras.Input((4,), name="x")
    return keras.Model([x], [layers.Dense(3, activation="softmax", name="out")(x)])


def _list_outputs() -> Any:
    """Two inputs and two outputs, each side a list (the order is not the names')."""
    import keras
    from keras import layers

    b = keras.Input((4,), name="b")
    a = keras.Input((2,), name="a")
    joined = layers.Concatenate(name="joined")([b, a])
    scores = layers.Dense(3, activation="softmax", name="scores")(joined)
    value = layers.Dense(1, name="value")(joined)
    return keras.Model([b, a], [value, scores])


MODELS: dict[str, Callable[[], Any]] = {
    "lists_of_one": _lists_of_one,
    "list_outputs": _list_outputs,
    "keras_io_seq2seq": _keras_io_seq2seq,
    "keras_io_transformer": _keras_io_transformer,
    "keras_io_vae": _keras_io_vae_model,
    "keras_io_wide_deep": _keras_io_wide_deep,
    "keras_io_siamese": _keras_io_siamese,
    "siamese_with_ops": _siamese_with_ops,
    "shared_attention": _shared_attention,
    "shared_lstm": _shared_lstm,
    "keyed_expression": _keyed_expression,
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_io_originals_and_shared_calls(name: str, tmp_path: Path) -> None:
    import keras

    keras.backend.clear_session()
    original = json.loads(MODELS[name]().to_json())
    _check(name, original, tmp_path, "class")


@pytest.mark.parametrize("name", ["lists_of_one", "list_outputs"])
def test_a_model_with_list_inputs_and_outputs_trains_on_its_lists(
    name: str, tmp_path: Path
) -> None:
    import keras

    keras.backend.clear_session()
    source = tmp_path / "original.json"
    source.write_text(MODELS[name]().to_json())
    script = tmp_path / "imported.py"
    script.write_text(generate(import_model(source).checked))
    module = load_script(script)
    x, y = module.make_synthetic_data(8, 0)
    assert isinstance(x, list) and isinstance(y, list)
    module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])


def test_a_compiled_archive_with_list_outputs_compiles_with_lists_again(tmp_path: Path) -> None:
    import keras

    keras.backend.clear_session()
    model = _list_outputs()
    model.compile(
        loss=["mse", "sparse_categorical_crossentropy"],
        metrics=[["mae"], ["accuracy"]],
        loss_weights=[0.5, 1.0],
    )
    model.save(tmp_path / "model.keras")
    original = json.loads(model.to_json())
    source = generate(import_model(tmp_path / "model.keras").checked)
    assert 'loss=["mse", "sparse_categorical_crossentropy"]' in source
    assert "loss_weights=[0.5, 1.0]" in source
    assert 'metrics=[["mae"], ["accuracy"]]' in source
    script = tmp_path / "imported.py"
    script.write_text(source)
    module = load_script(script)
    rebuilt = fresh_json(module)
    for built in (original, rebuilt):  # build_model() does not compile
        built["config"].pop("name")
        built.pop("compile_config", None)
    assert rebuilt == original
    module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
