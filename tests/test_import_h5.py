"""`.h5` files and Keras 2 JSON without TensorFlow: files written with h5py here, hostile ones too."""

from __future__ import annotations

import contextlib
import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecError
from generator.importer import h5
from generator.importer.keras2_training import compile_config
from generator.importer.run import import_model

h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).parent / "import_fixtures"
KERAS2_MODEL = (FIXTURES / "keras2_functional.json").read_text()
KERAS2_TRAINING = {  # as tf.keras 2.21 writes it for compile(Adam(0.01), "mse", ["accuracy"])
    "loss": "mse",
    "metrics": [[{"class_name": "MeanMetricWrapper",
                  "config": {"name": "accuracy", "dtype": "float32", "fn": "binary_accuracy"}}]],
    "weighted_metrics": None,
    "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
        "learning_rate": 0.009999999776482582, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}},
}  # fmt: skip


def write_h5(path: Path, **attrs: Any) -> Path:
    """An HDF5 file with these root attributes and a weights group that is never read."""
    with h5py.File(path, "w") as file:
        for name, value in attrs.items():
            file.attrs[name] = value
        file.create_group("model_weights").create_dataset("kernel", data=[1.0, 2.0])
    return path


def keras2_h5(path: Path, **extra: Any) -> Path:
    attrs: dict[str, Any] = {"keras_version": "2.21.0", "backend": "tensorflow",
                             "model_config": KERAS2_MODEL}  # fmt: skip
    return write_h5(path, **{**attrs, **extra})


def refusal(path: Path) -> str:
    with pytest.raises(SpecError) as refused:
        import_model(path)
    (problem,) = refused.value.problems
    assert problem.file in (str(path), f"{path}:model_config", f"{path}:training_config")
    return problem.message


# Files that import -----------------------------------------------------------------------------


def test_a_keras_2_h5_file_imports_with_its_training(tmp_path: Path) -> None:
    path = keras2_h5(tmp_path / "model.h5", training_config=json.dumps(KERAS2_TRAINING))
    spec = yaml.safe_load(import_model(path).text)
    assert spec["inputs"] == [{"name": "image", "shape": [8, 8, 3]}]
    assert [layer["name"] for layer in spec["layers"]] == ["conv", "skip", "sum", "pool", "out"]
    assert spec["training"] == {
        "optimizer": {"Adam": 0.01},
        "loss": "mse",
        "metrics": ["accuracy"],
    }


def test_the_same_model_from_h5_and_from_json(tmp_path: Path) -> None:
    source = tmp_path / "model.json"
    source.write_text(KERAS2_MODEL)
    from_json = yaml.safe_load(import_model(source).text)
    from_h5 = yaml.safe_load(import_model(keras2_h5(tmp_path / "model.h5")).text)
    assert from_h5["layers"] == from_json["layers"]
    assert "training" not in from_h5


def test_old_keras_fixed_length_bytes_attributes_are_read(tmp_path: Path) -> None:
    # Keras 2.0 to 2.3 stored json.dumps(...).encode("utf8"): a fixed-length byte string.
    path = keras2_h5(tmp_path / "old.hdf5", model_config=KERAS2_MODEL.encode(),
                     keras_version=b"2.2.4")  # fmt: skip
    assert import_model(path).checked.spec.layers[0].name == "conv"


def test_a_keras_3_legacy_h5_file_imports(tmp_path: Path) -> None:
    # Keras 3's model.save("m.h5"): Keras 3 configs and nodes, but no module anywhere.
    dense = {"class_name": "Dense", "config": {"name": "hidden", "units": 3}, "name": "hidden",
             "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                          "config": {"keras_history": ["x", 0, 0]}}],
                                "kwargs": {}}]}  # fmt: skip
    inputs = {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
              "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}}  # fmt: skip
    model = {"class_name": "Functional", "config": {
        "name": "k3", "layers": [inputs, dense], "input_layers": [["x", 0, 0]],
        "output_layers": [["hidden", 0, 0]]}}  # fmt: skip
    training = {"loss": "mse", "metrics": ["mae"], "optimizer_config": {
        "class_name": "SGD", "config": {"name": "SGD", "learning_rate": 0.5}}}  # fmt: skip
    path = write_h5(tmp_path / "k3.h5", keras_version="3.15.1", model_config=json.dumps(model),
                    training_config=json.dumps(training))  # fmt: skip
    spec = yaml.safe_load(import_model(path).text)
    assert spec["layers"] == [{"name": "hidden", "type": "Dense", "inputs": "x", "units": 3}]
    assert spec["training"] == {"optimizer": {"SGD": 0.5}, "loss": "mse", "metrics": ["mae"]}


def test_a_custom_layer_in_an_h5_file_is_refused_naming_its_class(tmp_path: Path) -> None:
    model = json.loads(KERAS2_MODEL)
    model["config"]["layers"][3]["class_name"] = "MyPool"
    path = keras2_h5(tmp_path / "model.h5", model_config=json.dumps(model))
    assert "custom class 'MyPool'" in refusal(path)


# Files that are refused, each with one clean line ----------------------------------------------


def test_a_file_that_is_not_hdf5_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(b"GIF89a not a model")
    assert "not an HDF5 file" in refusal(path)


@pytest.mark.parametrize("keep", [8, 100, 0.5])
def test_a_truncated_or_damaged_file_is_refused(tmp_path: Path, keep: float) -> None:
    whole = keras2_h5(tmp_path / "whole.h5").read_bytes()
    path = tmp_path / "cut.h5"
    path.write_bytes(whole[: int(keep * len(whole)) if keep < 1 else int(keep)])
    assert "not a readable HDF5 file" in refusal(path)


def test_garbage_after_the_signature_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.h5"
    path.write_bytes(h5.SIGNATURE + bytes(range(256)) * 64)
    assert "not a readable HDF5 file" in refusal(path)


def test_a_weights_only_file_is_refused(tmp_path: Path) -> None:
    path = write_h5(tmp_path / "weights.h5", keras_version="2.21.0")
    assert "no model_config attribute" in refusal(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (7, "model_config is not a string"),
        ([1.0, 2.0], "model_config is not a string"),
        (["a", "b"], "model_config is not a single string"),
        (b"\xff\xfe{}", "model_config is not UTF-8"),
        ("[1, 2]", "model_config must hold a JSON object"),
        ('{"class_name": NaN}', "NaN is not allowed"),
        ('{"config": 1, "config": 2}', "duplicate key"),
        ("[" * 100 + "]" * 100, "nested deeper"),
    ],
)
def test_hostile_attributes_are_refused(tmp_path: Path, value: Any, message: str) -> None:
    path = keras2_h5(tmp_path / "model.h5", model_config=value)
    assert message in refusal(path)


def test_a_hostile_training_config_goes_through_the_same_parser(tmp_path: Path) -> None:
    path = keras2_h5(tmp_path / "model.h5", training_config='{"loss": Infinity}')
    assert "Infinity is not allowed" in refusal(path)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_an_attribute_over_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_bytes: bool
) -> None:
    monkeypatch.setattr(h5, "MAX_CONFIG_BYTES", 1000)
    padded = KERAS2_MODEL + " " * 1000
    path = keras2_h5(tmp_path / "big.h5", model_config=padded.encode() if as_bytes else padded)
    assert "the attribute model_config is larger than 1000 bytes" in refusal(path)


@pytest.mark.slow
def test_flipped_bytes_give_a_clean_error_or_a_spec(tmp_path: Path) -> None:
    """A corrupted file never crashes the import: HDF5 refuses it, or the JSON checks do."""
    whole = keras2_h5(tmp_path / "whole.h5").read_bytes()
    rng = random.Random(11)
    for attempt in range(20):
        data = bytearray(whole)
        for _ in range(rng.choice([1, 4, 16])):
            data[rng.randrange(min(len(data), 4096))] = rng.randrange(256)
        path = tmp_path / f"flipped{attempt}.h5"
        path.write_bytes(bytes(data))
        with contextlib.suppress(SpecError):  # anything else (a KeyError, a crash) fails
            import_model(path)


def test_without_h5py_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    path = keras2_h5(tmp_path / "model.h5")
    monkeypatch.setattr(h5.importlib.util, "find_spec", lambda name: None)
    result = cli("import", str(path), "-o", "-")
    assert result.exit_code == 2
    assert result.errors == [f"error: {path}: {h5.INSTALL}"]
    assert "Traceback" not in result.stderr


def test_a_reader_that_crashes_costs_only_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing = tmp_path / "crash.py"
    crashing.write_text("import os\nos.abort()\n")
    monkeypatch.setattr(h5, "_CHILD", crashing)
    assert "the HDF5 reader stopped" in refusal(keras2_h5(tmp_path / "model.h5"))


def test_the_h5_file_is_imported_from_the_command_line(tmp_path: Path, cli: Any) -> None:
    path = keras2_h5(tmp_path / "model.h5")
    shutil.copy(path, tmp_path / "copy.h5")
    result = cli("import", "copy.h5", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert "name: k2" in result.stdout


# Keras 2 JSON ----------------------------------------------------------------------------------


def keras2_layer(class_name: str, source: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "name": config["name"],
            "config": {"trainable": True, "dtype": "float32", **config},
            "inbound_nodes": [[[source, 0, 0, {}]]]}  # fmt: skip


def keras2_model(*layers: dict[str, Any], shape: list[Any]) -> dict[str, Any]:
    inputs = {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
              "config": {"batch_input_shape": [None, *shape], "dtype": "float32", "name": "x",
                         "sparse": False, "ragged": False}}  # fmt: skip
    return {"class_name": "Model", "keras_version": "2.21.0", "config": {
        "name": "m", "layers": [inputs, *layers], "input_layers": [["x", 0, 0]],
        "output_layers": [[layers[-1]["name"], 0, 0]]}}  # fmt: skip


def spec_layers(tmp_path: Path, model: dict[str, Any]) -> list[dict[str, Any]]:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    layers: list[dict[str, Any]] = yaml.safe_load(import_model(path).text)["layers"]
    return layers


def test_an_old_keras_sequential_config_is_its_list_of_layers(tmp_path: Path) -> None:
    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                              "batch_input_shape": [None, 3]}}  # fmt: skip
    old = {"class_name": "Sequential", "keras_version": "2.1.6", "config": [dense]}
    assert spec_layers(tmp_path, old) == [
        {"name": "d", "type": "Dense", "inputs": "input_layer", "units": 2}
    ]


def test_keras_2_only_arguments_that_change_nothing_are_dropped(tmp_path: Path) -> None:
    model = keras2_model(
        keras2_layer("LSTM", "x", name="lstm", units=4, time_major=False, implementation=1,
                     return_sequences=True),
        keras2_layer("SeparableConv1D", "lstm", name="sep", filters=2, kernel_size=[3],
                     groups=1, kernel_initializer={"class_name": "GlorotUniform",
                                                   "config": {"seed": None}}),
        keras2_layer("SpatialDropout1D", "sep", name="drop", rate=0.5, noise_shape=None),
        shape=[5, 3],
    )  # fmt: skip
    assert spec_layers(tmp_path, model) == [
        {"name": "lstm", "type": "LSTM", "inputs": "x", "units": 4, "return_sequences": True},
        {"name": "sep", "type": "SeparableConv1D", "filters": 2, "kernel_size": 3},
        {"name": "drop", "type": "SpatialDropout1D", "rate": 0.5},
    ]


def test_a_keras_2_only_argument_that_changes_something_is_refused(tmp_path: Path) -> None:
    model = keras2_model(
        keras2_layer("LSTM", "x", name="lstm", units=4, time_major=True), shape=[5, 3]
    )
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    assert "LSTM with time_major=True is not imported yet" in refusal(path)


def test_float32_held_values_come_back_as_written(tmp_path: Path) -> None:
    l2 = {"class_name": "L2", "config": {"l2": 9.999999747378752e-05}}
    model = keras2_model(
        keras2_layer("LeakyReLU", "x", name="leaky", alpha=0.20000000298023224),
        keras2_layer("Dense", "leaky", name="dense", units=2, kernel_regularizer=l2),
        keras2_layer("BatchNormalization", "dense", name="norm", axis=[1]),
        shape=[4],
    )  # fmt: skip
    assert spec_layers(tmp_path, model) == [
        {"name": "leaky", "type": "LeakyReLU", "inputs": "x", "negative_slope": 0.2},
        {"name": "dense", "type": "Dense", "units": 2, "kernel_regularizer": {"L2": 0.0001}},
        {"name": "norm", "type": "BatchNormalization", "axis": 1},
    ]


def test_old_keras_2_initializer_and_regularizer_forms(tmp_path: Path) -> None:
    # Keras 2.2: he_normal saved as its VarianceScaling, l2() as an L1L2 with l1=0.
    he_normal = {"class_name": "VarianceScaling", "config": {
        "scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": None}}  # fmt: skip
    l2 = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.009999999776482582}}
    model = keras2_model(
        keras2_layer("Dense", "x", name="d", units=2, kernel_initializer=he_normal,
                     kernel_regularizer=l2), shape=[4])  # fmt: skip
    assert spec_layers(tmp_path, model) == [
        {"name": "d", "type": "Dense", "inputs": "x", "units": 2,
         "kernel_initializer": {"VarianceScaling": 2.0},
         "kernel_regularizer": {"L1L2": {"l2": 0.01}}},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["config"]["layers"][0]["config"].pop("dtype"), None),
        (lambda m: m["config"]["layers"][1].update(class_name=["Dense"]), "is not a class name"),
        (lambda m: m["config"]["layers"][1].update(config=[1]), "filters"),
        (lambda m: m["config"].update(layers=True), "no model config with a list of layers"),
        (lambda m: m.update(class_name={"a": 1}), "is a subclassed model"),
        (lambda m: m["config"]["layers"][1]["inbound_nodes"].append(7), "call 2 is not a call"),
        (
            lambda m: m["config"]["layers"][1]["config"].update(
                kernel_initializer={"class_name": [1], "config": {}}
            ),
            "kernel_initializer",
        ),
    ],
)
def test_malformed_keras_2_json_is_one_clean_error(
    tmp_path: Path, change: Callable[[dict[str, Any]], Any], message: str | None
) -> None:
    model = json.loads(KERAS2_MODEL)
    change(model)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    if message is None:
        import_model(path)
        return
    with pytest.raises(SpecError) as refused:
        import_model(path)
    assert message in " ".join(problem.render() for problem in refused.value.problems)


def test_a_keras_2_training_config_becomes_a_keras_3_compile_config() -> None:
    config = compile_config(KERAS2_TRAINING)
    assert config is not None
    assert config["metrics"] == ["accuracy"]
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["optimizer"]["module"] == "keras.optimizers"
    assert set(config["optimizer"]["config"]).isdisjoint({"name", "jit_compile",
                                                          "is_legacy_optimizer"})  # fmt: skip
    legacy = {"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.1, "decay": 0.0}},
              "loss": {"class_name": "CategoricalCrossentropy",
                       "config": {"reduction": "auto", "from_logits": True}}}  # fmt: skip
    config = compile_config(legacy)
    assert config is not None
    assert config["optimizer"]["config"] == {"learning_rate": 0.1}
    assert config["loss"]["config"] == {"from_logits": True}
    assert compile_config(None) is None


def test_a_keras_2_schedule_named_none_is_keras_3s_default_name() -> None:
    # tf.keras 2.21: keras-io's 3D CT-scan Adam(learning_rate=ExponentialDecay(...)) in an .h5
    decay = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
             "config": {"initial_learning_rate": 0.0001, "decay_steps": 100000,
                        "decay_rate": 0.96, "staircase": True, "name": None},
             "registered_name": None}  # fmt: skip
    training = {"optimizer_config": {"class_name": "Custom>Adam",
                                     "config": {"name": "Adam", "learning_rate": decay}},
                "loss": "binary_crossentropy"}  # fmt: skip
    config = compile_config(training)
    assert config is not None
    schedule = config["optimizer"]["config"]["learning_rate"]
    assert schedule["config"] == {key: decay["config"][key] for key in list(decay["config"])[:4]}


def test_keras_2_lists_per_output_become_entries_per_output_name() -> None:
    # tf.keras 2.21, compile(loss=["mse", CategoricalCrossentropy(from_logits=True)],
    # metrics={"a": ["mae"], "b": [AUC()]}) on a model with outputs a and b.
    mae = {
        "class_name": "MeanMetricWrapper",
        "config": {"name": "a_mae", "dtype": "float32", "fn": "mean_absolute_error"},
    }
    auc = {"class_name": "AUC", "config": {"name": "b_auc", "num_thresholds": 200}}
    loss = {"class_name": "CategoricalCrossentropy", "config": {
        "reduction": "auto", "name": "categorical_crossentropy", "from_logits": True,
        "fn": "categorical_crossentropy"}}  # fmt: skip
    training = {"loss": ["mse", loss], "metrics": [[mae], [auc]]}
    config = compile_config(training, ["a", "b"])
    assert config is not None
    assert config["metrics"]["a"] == ["mae"]
    assert config["metrics"]["b"][0]["config"]["name"] == "auc"
    assert config["loss"]["a"] == "mse"
    assert config["loss"]["b"]["config"] == {"name": "categorical_crossentropy",
                                             "from_logits": True}  # fmt: skip
    # Without the output names the lists stay lists, for the spec checks to judge.
    assert compile_config(training)["loss"][0] == "mse"  # type: ignore[index]


def test_tf_keras_arithmetic_on_tensors_becomes_expressions(tmp_path: Path) -> None:
    # tf.keras 2.21: a + b, 2.0 * x, x - 1.0, -x (TFOpLambda layers), then
    # MultiHeadAttention(...)(query, value), which tf.keras records with value= by keyword
    spec = yaml.safe_load(import_model(FIXTURES / "keras2_tf_ops.json").text)
    by_name = {layer["name"]: layer for layer in spec["layers"]}
    assert by_name["tf.__operators__.add"]["compute"] == "x + y"
    assert by_name["tf.__operators__.add"]["inputs"] == {"x": "a", "y": "b"}
    assert by_name["tf.math.multiply"]["compute"] == "2.0 * x"
    assert by_name["tf.math.subtract"]["compute"] == "x - 1.0"
    assert by_name["tf.math.negative"]["compute"] == "-x"
    assert by_name["attention"]["inputs"] == ["tf.math.negative", "a"]
    model = json.loads(KERAS2_TF_OPS)
    model["config"]["layers"][3]["config"]["function"] = "math.reduce_mean"
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    with pytest.raises(SpecError) as refused:
        import_model(path)
    (line,) = [problem.render() for problem in refused.value.problems]
    assert "layer 'tf.__operators__.add': TFOpLambda, tf.keras's record of the TensorFlow" in line
    assert "function 'math.reduce_mean' called on tensors, is imported only for arithmetic" in line


KERAS2_TF_OPS = (FIXTURES / "keras2_tf_ops.json").read_text()
