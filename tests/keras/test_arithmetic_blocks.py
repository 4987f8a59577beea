"""Block arithmetic against Keras: ResNet50 with `"$filters * 4"`, and a DenseNet-like spec.

The generated script, the independent builder (tests/keras/keras_builder.py, which evaluates
expressions with a parser of its own) and static inference must give the same model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import check, check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.keras.keras_builder import build, weight_counts
from tests.keras.scripts import fresh_json, keras_layer, load_script

RESNET50 = Path(__file__).resolve().parent.parent / "specs" / "resnet50.yaml"
RESNET50_PARAMS = 25_636_712  # keras.applications.ResNet50(weights=None).count_params()

DENSE_NET: dict[str, Any] = {
    "name": "dense_net",
    "inputs": [{"name": "image", "shape": [16, 16, 3]}],
    "blocks": {
        "dense_layer": {
            "description": "BN-ReLU-Conv 1x1 to 4 x growth, BN-ReLU-Conv 3x3 to growth, concat.",
            "params": ["growth"],
            "layers": [
                {"name": "bn1", "type": "BatchNormalization", "epsilon": 1.001e-5},
                {"name": "relu1", "type": "Activation", "activation": "relu"},
                {"name": "conv1", "type": "Conv2D", "filters": "$growth * 4", "kernel_size": 1, "use_bias": False},
                {"name": "bn2", "type": "BatchNormalization", "epsilon": 1.001e-5},
                {"name": "relu2", "type": "Activation", "activation": "relu"},
                {"name": "conv2", "type": "Conv2D", "filters": "$growth", "kernel_size": 3, "padding": "same", "use_bias": False},
                {"name": "concat", "type": "Concatenate", "inputs": ["x", "conv2"]},
            ],
        },
        "dense_block": {
            "params": ["growth", "channels"],
            "layers": [
                {"name": "layer1", "block": "dense_layer", "growth": "$growth"},
                {"name": "layer2", "block": "dense_layer", "growth": "$growth"},
                {"name": "transition", "type": "Conv2D", "kernel_size": 1,
                 "filters": "($channels + 2 * $growth) // 2", "use_bias": False},
                {"name": "pool", "type": "AveragePooling2D", "pool_size": 2, "strides": 2},
                {"name": "drop", "type": "Dropout", "rate": "$growth / 100"},
            ],
        },
    },
    "layers": [
        {"name": "stem", "type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same"},
        {"name": "block1", "block": "dense_block", "growth": 8, "channels": 16},
        {"name": "block2", "block": "dense_block", "growth": 12, "channels": 16},
        {"name": "pool", "type": "GlobalAveragePooling2D"},
        {"name": "out", "type": "Dense", "units": 3, "activation": "softmax"},
    ],
}  # fmt: skip


def _agree(checked: Any, spec: dict[str, Any], tmp_path: Path) -> int:
    """Both styles, the builder and static inference agree layer by layer; the total."""
    import keras

    models = []
    for style in ("class", "function"):
        script = tmp_path / f"{checked.spec.name}_{style}.py"
        script.write_text(generate(checked, style, script_name=script.name))
        models.append(load_script(script))
    assert fresh_json(models[0]) == fresh_json(models[1])
    keras.backend.clear_session()
    model = models[0].build_model()
    graph = checked.graph
    for node in graph.layers:
        layer = keras_layer(model, node)
        assert layer is not None
        assert tuple(layer.output.shape) == node.shape, node.name
        assert weight_counts(layer) == (node.trainable, node.non_trainable), node.name
    built = build(spec)
    assert built.count_params() == model.count_params() == graph.total_params
    assert [layer.name for layer in built.layers] == [layer.name for layer in model.layers]
    return int(model.count_params())


def test_resnet50_with_block_arithmetic_is_keras_applications_resnet50(tmp_path: Path) -> None:
    import keras

    spec = yaml.safe_load(RESNET50.read_text())
    assert _agree(check(RESNET50), spec, tmp_path) == RESNET50_PARAMS
    keras.backend.clear_session()
    assert keras.applications.ResNet50(weights=None).count_params() == RESNET50_PARAMS


def test_a_dense_net_with_nested_arithmetic_builds_as_keras_does(tmp_path: Path) -> None:
    checked = check_loaded(LoadedSpec("dense_net.yaml", DENSE_NET), Path("dense_net.yaml"))
    assert checked.graph.layer("block2_transition").args["filters"] == (16 + 2 * 12) // 2
    assert checked.graph.layer("block1_drop").args["rate"] == 0.08
    _agree(checked, DENSE_NET, tmp_path)


@pytest.mark.parametrize("style", ["class", "function"])
def test_the_generated_dense_net_trains(style: str, tmp_path: Path) -> None:
    checked = check_loaded(LoadedSpec("dense_net.yaml", DENSE_NET), Path("dense_net.yaml"))
    script = tmp_path / "dense_net.py"
    script.write_text(generate(checked, style, script_name=script.name))
    load_script(script).main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
