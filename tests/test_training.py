"""Training options: losses per output, loss weights, real data, distribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec


def spec(**training: Any) -> dict[str, Any]:
    return {
        "name": "m",
        "inputs": [{"name": "features", "shape": [4]}],
        "layers": [
            {
                "name": "label",
                "type": "Dense",
                "inputs": "features",
                "units": 3,
                "activation": "softmax",
            },
            {"name": "value", "type": "Dense", "inputs": "features", "units": 1},
        ],
        "outputs": ["label", "value"],
        "training": training,
    }


def source(data: dict[str, Any]) -> str:
    return generate(check_loaded(LoadedSpec("m.yaml", data), Path("m.yaml")))


def messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        check_loaded(LoadedSpec("m.yaml", data), Path("m.yaml"))
    return [problem.render() for problem in error.value.problems]


def test_defaults_follow_each_output_activation() -> None:
    text = source(spec())
    assert 'loss={"label": "sparse_categorical_crossentropy", "value": "mse"}' in text
    assert 'metrics={"label": ["accuracy"], "value": ["mae"]}' in text
    assert "loss_weights" not in text
    assert "y = {" in text and '"label": rng.integers(0, 3, size=(samples,))' in text


def test_loss_weights_per_output() -> None:
    text = source(spec(loss_weights={"label": 1.0, "value": 0.25}))
    assert 'loss_weights={"label": 1.0, "value": 0.25}' in text


def test_loss_weights_name_outputs() -> None:
    assert messages(spec(loss_weights={"lable": 1.0})) == [
        "m.yaml: training.loss_weights.lable: 'lable' is not an output"
        " (did you mean 'label'?) (outputs: label, value)"
    ]


def test_data_and_distribute_are_checked() -> None:
    found = messages(spec(data="train.csv", distribute="tpu"))
    assert any("training.data: string should match pattern" in line for line in found), found
    assert any(
        "training.distribute: expected one of mirrored, multi_worker or data_parallel; got 'tpu'"
        in line
        for line in found
    ), found


def test_real_data_and_strategy_appear_only_when_asked() -> None:
    plain = source(spec())
    assert (
        "load_data" not in plain
        and "make_strategy" not in plain
        and "import tensorflow" not in plain
    )
    text = source(spec(data="train.npz", distribute="multi_worker"))
    assert '"--data",' in text and 'default="train.npz",' in text
    assert "tf.distribute.MultiWorkerMirroredStrategy()" in text
    assert "import tensorflow as tf\n" in text
    assert "batch_size = args.batch_size * replicas" in text
