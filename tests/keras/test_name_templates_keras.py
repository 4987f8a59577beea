"""keras_name templates against Keras: the script, the independent builder and the static
graph name every layer alike, a nested block's templates included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.keras.keras_builder import build
from tests.keras.scripts import load_script

SPEC: dict[str, Any] = {
    "name": "cells",
    "inputs": [{"name": "image", "shape": [8]}],
    "blocks": {
        "cell": {
            "params": ["act", "n"],
            "layers": [
                {"name": "dense", "type": "Dense", "units": 4, "keras_name": "dense_{$n}"},
                {"name": "relu", "type": "Activation", "activation": "relu",
                 "keras_name": "activation_{$act + 1}"},
                {"name": "plain", "type": "Dense", "units": 4},
            ],
        },
        "outer": {
            "params": ["k"],
            "layers": [
                {"name": "inner", "block": "cell", "act": "$k * 10", "n": "$k"},
                {"name": "out", "type": "Dense", "units": 2},
            ],
        },
    },
    "layers": [
        {"name": "c1", "block": "cell", "act": 3, "n": 7},
        {"name": "o1", "block": "outer", "k": 1},
        {"name": "o2", "block": "outer", "k": 2},
    ],
}  # fmt: skip


def test_script_builder_and_graph_name_the_layers_alike(tmp_path: Path) -> None:
    checked = check_loaded(LoadedSpec("cells.yaml", SPEC), Path("cells.yaml"))
    script = tmp_path / "cells.py"
    script.write_text(generate(checked, script_name="cells.py"), encoding="utf-8")
    names = [layer.name for layer in load_script(script).build_model().layers[1:]]
    assert names == [layer.name for layer in checked.graph.layers]
    assert names == [layer.name for layer in build(SPEC).layers[1:]]
    assert names[:3] == ["dense_7", "activation_4", "c1_plain"]
    assert names[3:6] == ["dense_1", "activation_11", "o1_inner_plain"]
