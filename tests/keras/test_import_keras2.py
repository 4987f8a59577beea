"""Keras 2 files written by tf-keras itself: `.h5` and `to_json()` -> import -> a Keras 3 model.

What is compared, layer by layer, between the tf-keras model and the Keras 3 model the
generated script builds:
- the layer names in order, their classes and their connections (the layers each one takes);
- the parameter count of every layer (the weights have the same shapes);
- every config key both Keras versions write, with equal values. Left out, and why:
  `dtype` (Keras 2 writes "float32", Keras 3 a DTypePolicy object), keys only one version has
  (Keras 2's `time_major`, `implementation`, `batch_input_shape`; Keras 3's `seed`,
  `quantization_config`...), and floats Keras 2 keeps in float32 (an l2 of 1e-4 is
  9.999999747378752e-05 there) are compared as float32. Serialized objects (initializers,
  regularizers) are compared by class name and their shared keys: Keras 2 writes no
  `input_axes`. A BatchNormalization axis Keras 2 writes as [3] is Keras 3's 3.
- for a compiled model, the training section: optimizer class and learning rate, loss, metrics;
  the generated compile call runs in Keras 3.
The weights in a `.h5` file are never read: only the architecture is compared.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.importer.run import import_model
from generator.pipeline import generate
from tests.keras.scripts import load_script, saved_by_keras2

pytestmark = pytest.mark.keras
tf_keras = pytest.importorskip("tf_keras")
pytest.importorskip("h5py")

DIFFERENT_FORMS = {"dtype"}


def branches() -> Any:
    """A small multi-branch CNN: three convolutions of one image, concatenated."""
    from tf_keras import layers

    image = tf_keras.Input((16, 16, 3), name="image")
    wide = layers.Conv2D(8, 5, padding="same", activation="relu", name="wide")(image)
    narrow = layers.Conv2D(8, 3, padding="same", activation="relu", name="narrow")(image)
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name="pooled")(image)
    merged = layers.Concatenate(name="merged")([wide, narrow, pooled])
    flat = layers.GlobalAveragePooling2D(name="flat")(merged)
    out = layers.Dense(4, activation="softmax", name="classes")(flat)
    return tf_keras.Model(image, out, name="branches")


def residual() -> Any:
    """A ResNet-style block: conv-BN-ReLU twice, a 1x1 projection, Add, ReLU."""
    from tf_keras import layers

    image = tf_keras.Input((16, 16, 3), name="image")
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="conv1")(image)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Activation("relu", name="relu1")(x)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    shortcut = layers.Conv2D(16, 1, kernel_initializer="he_normal", name="project")(image)
    x = layers.Add(name="add")([x, shortcut])
    x = layers.LeakyReLU(0.2, name="leaky")(x)
    x = layers.GlobalMaxPooling2D(name="pool")(x)
    return tf_keras.Model(image, layers.Dense(1, name="score")(x), name="residual")


def recurrent() -> Any:
    """A Sequential LSTM model (Keras 2 writes its input shape on the first layer)."""
    from tf_keras import layers

    return tf_keras.Sequential(
        [
            layers.LSTM(8, return_sequences=True, input_shape=(10, 4), name="lstm"),
            layers.GRU(4, name="gru"),
            layers.Dropout(0.25, name="drop"),
            layers.Dense(2, activation="sigmoid", name="out"),
        ],
        name="recurrent",
    )


def regularized() -> Any:
    """l2 and l1_l2 regularizers, initializers with arguments, compiled with Adam(3e-4)."""
    from tf_keras import initializers, layers, regularizers

    features = tf_keras.Input((12,), name="features")
    left = layers.Dense(
        16, activation="relu", kernel_regularizer=regularizers.l2(1e-4), name="left"
    )(features)
    right = layers.Dense(
        16,
        activation="tanh",
        kernel_initializer=initializers.RandomNormal(stddev=0.02),
        bias_regularizer=regularizers.l1_l2(l1=0.01, l2=0.001),
        name="right",
    )(features)
    merged = layers.concatenate([left, right], name="merged")
    out = layers.Dense(3, activation="softmax", name="out")(merged)
    model = tf_keras.Model(features, out, name="regularized")
    model.compile(
        optimizer=tf_keras.optimizers.Adam(learning_rate=3e-4),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


MODELS: dict[str, Callable[[], Any]] = {
    "branches": branches,
    "residual": residual,
    "recurrent": recurrent,
    "regularized": regularized,
}


def rebuilt(source: Path, tmp_path: Path, style: str) -> tuple[Any, Any, Any]:
    """The imported spec, the generated module and the Keras 3 model it builds."""
    import keras

    imported = import_model(source)
    script = tmp_path / f"{source.stem}_{style}.py"
    script.write_text(generate(imported.checked, style=style))  # type: ignore[arg-type]
    module = load_script(script)
    keras.backend.clear_session()
    return imported, module, module.build_model()


def connections(model_json: dict[str, Any]) -> dict[str, list[str]]:
    """Each layer's source layers, from Keras 2's nested lists or Keras 3's nodes."""
    layers = model_json["config"]["layers"]
    if model_json["class_name"] == "Sequential":
        names = [layer["config"]["name"] for layer in layers]
        return {name: names[index - 1 : index] for index, name in enumerate(names)}
    found: dict[str, list[str]] = {}
    for layer in layers:
        text = json.dumps(layer.get("inbound_nodes", []))
        # Keras 2: ["conv", 0, 0, {}]; Keras 3: "keras_history": ["conv", 0, 0]
        found[layer["name"]] = re.findall(r'\["([^"]+)", 0, 0', text)
    return found


def f32(value: float) -> float:
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def equal(old: Any, new: Any) -> bool:
    """Equal as both Keras versions mean it (see the module docstring)."""
    if isinstance(old, dict) and isinstance(new, dict):
        if "class_name" in old:
            shared = set(old.get("config", {})) & set(new.get("config", {}))
            return old["class_name"] == new["class_name"] and all(
                equal(old["config"][key], new["config"][key]) for key in shared
            )
        return all(equal(old[key], new[key]) for key in set(old) & set(new))
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return len(old) == len(new) and all(map(equal, old, new))
    if isinstance(old, float) and isinstance(new, float):
        return old == new or f32(old) == f32(new)
    return bool(old == new)


def shared_config_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    renamed = {"alpha": "negative_slope"}  # LeakyReLU
    differences = []
    for key, value in old.items():
        key3 = renamed.get(key, key)
        if key == "axis" and isinstance(value, list) and len(value) == 1:
            value = value[0]  # BatchNormalization: Keras 2 writes [3], Keras 3 takes 3
        if key3 in new and key not in DIFFERENT_FORMS and not equal(value, new[key3]):
            differences.append(f"{key}: {value!r} != {new[key3]!r}")
    return differences


def same_architecture(original: Any, model: Any) -> None:
    """Layers paired by name: Keras 2 and 3 may list independent branches in either order, and
    a Keras 2 Sequential model lists no InputLayer (its connections still name it)."""
    old_json, new_json = json.loads(original.to_json()), json.loads(model.to_json())
    old_layers = {layer.name: layer for layer in original.layers if not is_input(layer)}
    new_layers = {layer.name: layer for layer in model.layers if not is_input(layer)}
    assert sorted(new_layers) == sorted(old_layers)
    old_edges, new_edges = connections(old_json), connections(new_json)
    for name, old in old_layers.items():
        new = new_layers[name]
        assert type(new).__name__ == type(old).__name__, name
        assert new.count_params() == old.count_params(), name
        assert new_edges[name] == old_edges[name], name
        assert shared_config_differences(old.get_config(), new.get_config()) == [], name
    # Several outputs are built as a dict ({"value": ..., "kind": ...}): Keras 3 sorts its keys.
    assert sorted(model.output_names) == sorted(original.output_names)
    assert model.count_params() == original.count_params()


def is_input(layer: Any) -> bool:
    return type(layer).__name__ == "InputLayer"


@pytest.mark.parametrize("kind", ["h5", "json"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_keras_2_model_becomes_the_same_keras_3_model(
    name: str, kind: str, tmp_path: Path
) -> None:
    tf_keras.backend.clear_session()
    original = MODELS[name]()
    source = saved_by_keras2(original, tmp_path, kind)
    style = "class" if kind == "h5" else "function"
    _, _, model = rebuilt(source, tmp_path, style)
    same_architecture(original, model)


def test_the_compile_config_of_an_h5_file_becomes_the_training_section(tmp_path: Path) -> None:
    tf_keras.backend.clear_session()
    original = regularized()
    imported, module, model = rebuilt(saved_by_keras2(original, tmp_path, "h5"), tmp_path, "class")
    training = imported.checked.spec.training
    assert training.optimizer == {"Adam": 0.0003}
    assert training.loss == "categorical_crossentropy"
    assert training.metrics == ["accuracy"]
    script = Path(module.__file__).read_text()
    (call,) = re.findall(r"^ *(model\.compile\(.*?\))$", script, re.MULTILINE | re.DOTALL)
    exec(call.strip(), {**vars(module), "model": model})  # noqa: S102 - our generated code
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-4)
    assert model.loss == "categorical_crossentropy"


def test_per_output_losses_and_metrics_of_an_h5_file(tmp_path: Path) -> None:
    from tf_keras import layers

    tf_keras.backend.clear_session()
    features = tf_keras.Input((4,), name="features")
    value = layers.Dense(1, name="value")(features)
    kind = layers.Dense(3, activation="softmax", name="kind")(features)
    original = tf_keras.Model(features, [value, kind], name="two_outputs")
    original.compile(
        optimizer=tf_keras.optimizers.SGD(0.1, momentum=0.9),
        loss=["mse", tf_keras.losses.CategoricalCrossentropy(label_smoothing=0.1)],
        metrics={"value": ["mae"], "kind": ["accuracy", tf_keras.metrics.AUC()]},
        loss_weights={"value": 1.0, "kind": 0.5},
    )
    imported, module, model = rebuilt(
        saved_by_keras2(original, tmp_path, "h5"), tmp_path, "function"
    )
    same_architecture(original, model)
    training = imported.checked.spec.training
    assert training.optimizer == {"SGD": {"learning_rate": 0.1, "momentum": 0.9}}
    assert training.loss == {
        "value": "mse",
        "kind": {"CategoricalCrossentropy": {"label_smoothing": 0.1}},
    }
    assert training.metrics == {"value": ["mae"], "kind": ["accuracy", "auc"]}
    assert training.loss_weights == {"value": 1.0, "kind": 0.5}
    script = Path(module.__file__).read_text()
    (call,) = re.findall(r"^ *(model\.compile\(.*?\n    \))$", script, re.MULTILINE | re.DOTALL)
    exec(call.strip(), {**vars(module), "model": model})  # noqa: S102 - our generated code
    assert float(model.optimizer.momentum) == pytest.approx(0.9)


def test_a_keras_3_legacy_h5_file_round_trips_exactly(tmp_path: Path) -> None:
    import keras

    keras.backend.clear_session()
    image = keras.Input((16, 16, 3), name="image")
    a = keras.layers.Conv2D(8, 3, padding="same", name="a", kernel_regularizer="l2")(image)
    b = keras.layers.DepthwiseConv2D(3, padding="same", name="b")(image)
    merged = keras.layers.Add(name="merged")([a, keras.layers.Conv2D(8, 1, name="c")(b)])
    out = keras.layers.Dense(2, name="out")(keras.layers.GlobalAveragePooling2D(name="g")(merged))
    original = keras.Model(image, out, name="k3")
    original.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    source = tmp_path / "k3.h5"
    original.save(source)
    imported, _, model = rebuilt(source, tmp_path, "function")
    assert imported.checked.spec.training.optimizer == "rmsprop"
    expected, got = json.loads(original.to_json()), json.loads(model.to_json())
    for document in (expected, got):
        document["config"].pop("name")
        document.pop("compile_config", None)
    assert got == expected
