"""Keras objects with arguments: the three forms, their checks, the constructors written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.codegen.object_code import object_code
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec, load_text
from generator.spec.object_catalog import FAMILIES, REQUIRED
from generator.spec.objects import object_problems, resolve


def model(**dense: Any) -> dict[str, Any]:
    return {
        "name": "m",
        "inputs": [{"name": "features", "shape": [4]}],
        "layers": [{"name": "hidden", "type": "Dense", "units": 2, **dense}],
    }


def trained(**training: Any) -> dict[str, Any]:
    data = model()
    data["layers"].append({"name": "score", "type": "Dense", "units": 1})
    data["layers"].append(
        {"name": "probs", "type": "Dense", "inputs": "hidden", "units": 3, "activation": "softmax"}
    )
    data["outputs"] = ["score", "probs"]
    data["training"] = training
    return data


def source(data: dict[str, Any]) -> str:
    return generate(check_loaded(LoadedSpec("m.yaml", data), Path("m.yaml")))


def messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        check_loaded(LoadedSpec("m.yaml", data), Path("m.yaml"))
    return [problem.render() for problem in error.value.problems]


# The three forms write the same constructor ---------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        {"L2": 0.0002},
        {"L2": {"l2": 0.0002}},
        {"class_name": "L2", "config": {"l2": 0.0002}},
        {
            "module": "keras.regularizers",
            "class_name": "L2",
            "config": {"l2": 0.0002},
            "registered_name": None,
        },
    ],
)
def test_every_form_writes_the_constructor(value: Any) -> None:
    assert object_problems("regularizer", value) == []
    assert object_code("regularizer", value) == "keras.regularizers.L2(0.0002)"
    assert "kernel_regularizer=keras.regularizers.L2(0.0002)" in source(
        model(kernel_regularizer=value)
    )


def test_a_plain_name_keeps_its_keras_meaning() -> None:
    # "l2" is Keras's L2(0.01): printed as the name, as before.
    assert 'kernel_regularizer="l2"' in source(model(kernel_regularizer="l2"))
    assert object_code("regularizer", "L1L2") == "keras.regularizers.L1L2()"


def test_the_serialized_form_leaves_keras_defaults_out() -> None:
    value = {
        "class_name": "RandomNormal",
        "config": {"seed": None, "mean": 0.0, "stddev": 0.02},
    }
    assert object_code("initializer", value) == "keras.initializers.RandomNormal(stddev=0.02)"
    # True is not 1: a boolean default is left out only when it is the same boolean.
    loss = {"class_name": "BinaryCrossentropy", "config": {"from_logits": True, "axis": -1}}
    assert object_code("loss", loss) == "keras.losses.BinaryCrossentropy(from_logits=True)"


def test_a_serialized_optimizer_with_a_serialized_schedule() -> None:
    schedule = {
        "module": "keras.optimizers.schedules",
        "class_name": "CosineDecay",
        "config": {
            "initial_learning_rate": 0.001,
            "decay_steps": 1000,
            "alpha": 0.0,
            "name": "CosineDecay",
            "warmup_target": None,
            "warmup_steps": 0,
        },
        "registered_name": None,
    }
    adam = {
        "module": "keras.optimizers",
        "class_name": "Adam",
        "config": {"name": "adam", "learning_rate": schedule, "clipnorm": 1.0, "beta_1": 0.9},
        "registered_name": None,
    }
    assert object_problems("optimizer", adam) == []
    assert object_code("optimizer", adam) == (
        "keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.CosineDecay(0.001, 1000),"
        " clipnorm=1.0)"
    )
    schedule["module"] = "keras.optimizers"
    assert object_problems("optimizer", adam) == [
        (
            ("config", "learning_rate", "module"),
            "expected 'keras.optimizers.schedules' (Keras's own learning-rate schedules),"
            " got 'keras.optimizers'",
        )
    ]


def test_keyword_arguments_follow_a_gap_in_the_positional_ones() -> None:
    value = {"PiecewiseConstantDecay": {"values": [0.1, 0.01], "boundaries": [100]}}
    assert object_code("schedule", value) == (
        "keras.optimizers.schedules.PiecewiseConstantDecay((100,), (0.1, 0.01))"
    )
    constraint = {"MaxNorm": {"axis": [0, 1]}}
    assert object_code("constraint", constraint) == "keras.constraints.MaxNorm(axis=(0, 1))"


# Problems point inside the object -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"L2": {"l_2": 0.1}},
            "kernel_regularizer.L2.l_2: unknown argument 'l_2' for L2 (did you mean 'l2'?)"
            " (arguments: l2)",
        ),
        ({"L2": -1}, "kernel_regularizer.L2.l2: expected a non-negative number, got -1"),
        ({"l2": 0.1}, "kernel_regularizer.l2: unknown regularizer class 'l2' (did you mean 'L2'?)"),
        ("L3", "kernel_regularizer: unknown regularizer name 'L3' (did you mean 'l1', 'l2' or 'L1'?)"),
        ("L7x", "kernel_regularizer: unknown regularizer name 'L7x' (classes: L1, L2, L1L2,"),
        ({"L1L2": 0.1}, "kernel_regularizer.L1L2: L1L2 takes its arguments by name"),
        ({"L2": 0.1, "L1": 0.1}, "kernel_regularizer: expected one class as the only key"),
        (
            {"class_name": "L2", "module": "my.module"},
            "kernel_regularizer.module: expected 'keras.regularizers'",
        ),
        (
            {"class_name": "L2", "registered_name": "Custom>L2"},
            "kernel_regularizer.registered_name: only Keras's built-in regularizers",
        ),
        (
            {"class_name": "L2", "confg": {}},
            "kernel_regularizer.confg: unknown key 'confg' in a serialized regularizer"
            " (did you mean 'config'?)",
        ),
        (
            {"class_name": "L2", "config": {"l2": 0.1, "l1": 0.1}},
            "kernel_regularizer.config.l1: unknown argument 'l1' for L2",
        ),
        (3, "kernel_regularizer: expected a Keras regularizer: a name (l1, l2,"),
    ],
)
def test_problems_are_located_inside_the_object(value: Any, expected: str) -> None:
    (line,) = messages(model(kernel_regularizer=value))
    assert line.startswith(f"m.yaml: layers[0].{expected}"), line


def test_problems_carry_the_line_and_column_of_the_argument() -> None:
    text = """\
name: m
inputs: [{name: features, shape: [4]}]
layers:
  - name: hidden
    type: Dense
    units: 2
    kernel_initializer:
      VarianceScaling: {scale: 2.0, mode: fan_on}
"""
    loaded = load_text(text, "m.yaml", "yaml")
    with pytest.raises(SpecError) as error:
        check_loaded(loaded, Path("m.yaml"))
    (line,) = [problem.render() for problem in error.value.problems]
    assert line.startswith(
        "m.yaml:8:37: layers[0].kernel_initializer.VarianceScaling.mode: expected one of fan_in,"
    ), line


def test_rules_between_arguments() -> None:
    (line,) = messages(model(kernel_constraint={"MinMaxNorm": {"min_value": 2, "max_value": 1}}))
    assert "MinMaxNorm: min_value must not exceed max_value" in line
    data = trained(optimizer={"SGD": {"clipnorm": 1.0, "clipvalue": 0.5}})
    assert messages(data) == [
        "m.yaml: training.optimizer.SGD: SGD: set only one of clipnorm, clipvalue and"
        " global_clipnorm, got clipnorm and clipvalue"
    ]
    schedule = {"PiecewiseConstantDecay": {"boundaries": [10, 20], "values": [0.1, 0.01]}}
    (line,) = messages(trained(optimizer={"Adam": {"learning_rate": schedule}}))
    assert "values needs one more item than boundaries (3), got 2" in line


def test_required_arguments_are_named() -> None:
    (line,) = messages(trained(optimizer={"Adam": {"learning_rate": {"CosineDecay": 0.001}}}))
    assert line == (
        "m.yaml: training.optimizer.Adam.learning_rate.CosineDecay: CosineDecay needs 'decay_steps'"
    )


# Inside blocks --------------------------------------------------------------------------------


def test_block_parameters_reach_inside_objects() -> None:
    data = model()
    data["blocks"] = {
        "regularized": {
            "params": ["units", "wd"],
            "layers": [
                {
                    "name": "d",
                    "type": "Dense",
                    "units": "$units",
                    "kernel_regularizer": {"L2": "$wd"},
                }
            ],
        }
    }
    data["layers"] = [{"name": "a", "block": "regularized", "units": 2, "wd": 0.0002}]
    text = source(data)
    assert "kernel_regularizer=keras.regularizers.L2(wd)" in text
    data["layers"][0]["wd"] = -1.0
    (line,) = messages(data)
    assert "kernel_regularizer.L2.l2: expected a non-negative number, got -1.0" in line


def test_a_block_argument_cannot_be_an_object() -> None:
    data = model()
    data["blocks"] = {
        "regularized": {
            "params": ["reg"],
            "layers": [{"name": "d", "type": "Dense", "units": 2, "kernel_regularizer": "$reg"}],
        }
    }
    data["layers"] = [{"name": "a", "block": "regularized", "reg": {"L2": 0.1}}]
    (line,) = messages(data)
    assert line.startswith("m.yaml: layers[0].reg: a block argument cannot be a mapping"), line
    data["layers"][0]["reg"] = "l2"
    assert 'kernel_regularizer="l2"' not in source(data)  # a parameter: kernel_regularizer=reg
    data["blocks"]["regularized"]["defaults"] = {"reg": {"L2": 0.1}}
    (line,) = messages(data)
    assert line.startswith("m.yaml: blocks.regularized.defaults.reg: a block argument"), line


# Training -------------------------------------------------------------------------------------


def test_optimizer_objects_with_a_schedule() -> None:
    schedule = {"CosineDecay": {"initial_learning_rate": 0.001, "decay_steps": 1000}}
    text = source(trained(optimizer={"Adam": {"learning_rate": schedule, "clipnorm": 1.0}}))
    assert (
        "optimizer=keras.optimizers.Adam(\n"
        "            learning_rate=keras.optimizers.schedules.CosineDecay(0.001, 1000),\n"
        "            clipnorm=1.0,\n"
    ) in text


def test_learning_rate_folds_into_the_optimizer() -> None:
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.1)," in source(
        trained(optimizer="sgd", learning_rate=0.1)
    )
    text = source(trained(optimizer={"SGD": {"momentum": 0.9}}, learning_rate=0.1))
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)," in text
    assert messages(trained(optimizer={"SGD": 0.01}, learning_rate=0.1)) == [
        "m.yaml: training.learning_rate: the optimizer sets learning_rate already;"
        " give it in one place"
    ]
    assert 'optimizer="adam"' in source(trained())


def test_one_loss_object_for_every_output() -> None:
    data = trained(loss={"Huber": 2.0})
    data["layers"][-1]["activation"] = "linear"
    text = source(data)
    assert 'loss={"score": keras.losses.Huber(2.0), "probs": keras.losses.Huber(2.0)},' in text
    assert "rng.random((samples, 3), dtype=np.float32)" in text


def test_from_logits_keeps_binary_labels_and_a_logit_threshold() -> None:
    text = source(trained(loss={"score": {"BinaryCrossentropy": {"from_logits": True}}}))
    assert '"score": keras.losses.BinaryCrossentropy(from_logits=True)' in text
    assert '"score": [keras.metrics.BinaryAccuracy(threshold=0.0)]' in text
    assert '"score": rng.integers(0, 2, size=(samples, 1)).astype(np.float32)' in text
    # Without a loss for it, the softmax output keeps the default loss and labels.
    assert '"probs": "sparse_categorical_crossentropy"' in text


def test_a_binary_loss_without_from_logits() -> None:
    text = source(trained(loss={"score": {"Hinge": None}}))
    assert '"score": keras.losses.Hinge()' in text
    assert '"score": ["accuracy"]' in text


def test_loss_objects_choose_the_labels() -> None:
    loss = {"probs": {"class_name": "CategoricalCrossentropy", "config": {"label_smoothing": 0.1}}}
    text = source(trained(loss=loss))
    assert '"probs": keras.losses.CategoricalCrossentropy(label_smoothing=0.1)' in text
    assert "np.eye(3, dtype=np.float32)" in text
    (line,) = messages(trained(loss={"score": {"SparseCategoricalCrossentropy": None}}))
    assert "output 'score': SparseCategoricalCrossentropy needs two or more classes" in line


def test_metric_objects_in_lists() -> None:
    text = source(trained(metrics={"score": ["mae", {"AUC": {"curve": "PR", "name": "auc_pr"}}]}))
    assert '"score": ["mae", keras.metrics.AUC(curve="PR", name="auc_pr")]' in text
    (line,) = messages(trained(metrics={"AUC": ["auc"]}))
    assert "metric objects go in a list: metrics: [{AUC: ...}]" in line
    (line,) = messages(trained(metrics=[{"AUC": {"curve": "Roc"}}]))  # Keras: ROC or roc only
    assert line.startswith("m.yaml: training.metrics[0].AUC.curve: expected one of ROC, PR"), line
    assert line.endswith("got 'Roc' (did you mean 'ROC' or 'roc'?)"), line
    text = source(trained(metrics=[{"AUC": {"curve": "prgain"}}]))
    assert 'keras.metrics.AUC(curve="prgain")' in text


def test_training_names_get_hints() -> None:
    assert messages(trained(optimizer="adma")) == [
        "m.yaml: training.optimizer: unknown optimizer name 'adma' (did you mean 'adam' or 'Adam'?)"
    ]
    (line,) = messages(trained(loss="binary_crossentropi"))
    assert "(did you mean 'binary_crossentropy' or 'BinaryCrossentropy'?)" in line


def test_an_output_named_like_a_loss_class_is_an_output() -> None:
    data = trained(loss={"probs": "categorical_crossentropy"})
    data["layers"][-1]["name"] = "Huber"
    data["outputs"] = ["score", "Huber"]
    data["training"]["loss"] = {"Huber": "categorical_crossentropy"}
    assert '"Huber": "categorical_crossentropy"' in source(data)


# The catalog is consistent --------------------------------------------------------------------


def test_catalog_names_and_short_forms() -> None:
    for family in FAMILIES.values():
        for name, class_name in family.names.items():
            assert class_name in family.classes, (family.key, name)
        for keras_class in family.classes.values():
            params = list(keras_class.params.values())
            positional = [p.positional for p in params]
            # Positional arguments come first, as Python requires them to be printed.
            assert positional == sorted(positional, reverse=True), keras_class.name
            for param in params:
                if param.default is not REQUIRED and param.default is not None:
                    assert param.kind.check(param.default), (keras_class.name, param)
            short = keras_class.short_argument
            assert short is None or short in keras_class.params


def test_resolve_reads_checked_values() -> None:
    schedule = {"ExponentialDecay": [0.1]}
    assert object_problems("schedule", schedule) != []
    obj = resolve("optimizer", {"Adam": 0.01})
    assert not isinstance(obj, str) and obj.args == (("learning_rate", 0.01),)


def test_keras_full_names_and_acc_as_keras_io_writes_them() -> None:
    # keras-io: loss="mean_squared_error"; the 3D CT-scan example: metrics=["acc"]
    text = source(
        trained(
            loss={"score": "mean_squared_error", "probs": "sparse_categorical_crossentropy"},
            metrics={"score": ["root_mean_squared_error"], "probs": ["acc"]},
        )
    )
    assert '"score": "mean_squared_error"' in text
    assert '"score": ["root_mean_squared_error"], "probs": ["acc"]' in text
    assert "rng.integers(0, 3, size=(samples,))" in text  # labels follow the class of the name


def test_no_metrics_leaves_the_keyword_out() -> None:
    # an imported model compiled without metrics: compile() gets none, as the original did
    text = source(trained(metrics=[]))
    assert '        loss={"score": "mse", "probs": "sparse_categorical_crossentropy"},\n    )' in text
    assert "metrics=" not in text
    text = source(trained(metrics=[], loss_weights={"score": 0.5}))
    assert "loss_weights=" in text and "metrics=" not in text
    assert "metrics=" in source(trained(metrics={"score": ["mae"]}))
