"""Keras's own limits on names, checked against Keras: what we accept trains, what we refuse fails.

The rules live in generator/spec/names.py (keras_name_problem); generated scripts train on
the TensorFlow backend, whose name scopes are the strictest limit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import generate
from generator.spec.names import MAX_NAME_LENGTH, keras_name_problem
from tests.keras.scripts import load_script
from tests.test_names import KERAS_NAMES, KERAS_NAMES_SPEC, _graph

pytestmark = pytest.mark.keras

# Each character class and position we accept, for a layer, an input and the model.
ACCEPTED_LAYERS = ["x", "class", "model", "1_conv", "_x", "-x", ">x", ".", "..", "a.b-c>d_E"]
ACCEPTED_MODELS = ["model", "1", ".x", "A.b-c>d_e", "class"]
# Refused by Keras itself, by TensorFlow when the model trains, or by a rule of ours.
REFUSED_BY_KERAS = ["a/b", "a b", "é", "a\\b", "a:b", "a'b", "{x}", "a,b", "a\tb", "模型"]
REFUSED_MODELS_BY_KERAS = ["_x", "-x", ">x"]
REFUSED_BY_US = ["", "a" * (MAX_NAME_LENGTH + 1)]  # Keras takes both: documented rules of ours


def _tensorflow() -> Any:
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the limits on names come from the TensorFlow backend")
    return keras


def _train(keras: Any, layer: str = "dense", input_name: str = "features", model: str = "m") -> Any:
    """A tiny model with these names, trained one step: TensorFlow checks names when it traces."""
    import numpy as np

    keras.backend.clear_session()
    inputs = keras.Input(shape=(3,), name=input_name)
    hidden = keras.layers.Dense(2, name=layer)(inputs)
    outputs = keras.layers.Dense(1, name="out")(hidden)
    built = keras.Model(inputs, outputs, name=model)
    built.compile(optimizer="adam", loss="mse")
    built.train_on_batch(np.zeros((2, 3), "float32"), np.zeros((2, 1), "float32"))
    return built


def test_names_we_accept_train_and_are_kept_exactly() -> None:
    keras = _tensorflow()
    for name in ACCEPTED_LAYERS:
        assert keras_name_problem(name) is None, name
        built = _train(keras, layer=name, input_name=f"in{name}")
        config = json.loads(built.to_json())["config"]
        assert [layer["name"] for layer in config["layers"]] == [f"in{name}", name, "out"]
    for name in ACCEPTED_MODELS:
        assert keras_name_problem(name, model=True) is None, name
        assert json.loads(_train(keras, model=name).to_json())["config"]["name"] == name


def _fails(train: Any) -> bool:
    try:
        train()
    except Exception:  # noqa: BLE001 - Keras and TensorFlow raise ValueError and their own errors
        return True
    return False


def test_names_we_refuse_fail_in_keras_or_break_a_documented_rule() -> None:
    keras = _tensorflow()
    for name in REFUSED_BY_KERAS:
        assert keras_name_problem(name) is not None, name
        assert _fails(lambda name=name: _train(keras, layer=name)), name
    for name in REFUSED_MODELS_BY_KERAS:
        assert keras_name_problem(name, model=True) is not None, name
        assert _fails(lambda name=name: _train(keras, model=name)), name
    for name in REFUSED_BY_US:
        assert keras_name_problem(name) is not None
        assert not _fails(lambda name=name: _train(keras, layer=name))


def test_a_spec_with_the_scripts_own_names_builds_and_trains(tmp_path: Path) -> None:
    keras = _tensorflow()
    script = tmp_path / "resnet_like_1.py"
    script.write_text(generate(_graph(KERAS_NAMES_SPEC)), encoding="utf-8")
    module = load_script(script)
    keras.backend.clear_session()
    model = module.build_model()
    config = json.loads(model.to_json())["config"]
    names = {layer["name"] for layer in config["layers"]}
    assert config["name"] == "resnet.like-1"
    assert set(KERAS_NAMES) - {"conv2_block3"} <= names  # a block call is no layer of its own
    tower = model.get_layer("conv2_block1")
    assert {layer.name for layer in tower.layers} >= {"conv2_block1_1_conv", "conv2_block1_class"}
    assert {"conv2_block3_1_conv", "conv2_block3_2_conv", "conv2_block3_class"} <= names
    argv = sys.argv
    try:
        module.main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
    finally:
        sys.argv = argv
