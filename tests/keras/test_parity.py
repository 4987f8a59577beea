"""Both merge styles build the same model, and Keras agrees with the static shapes."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path
from tests.conftest import OUTPUT
from tests.keras.scripts import fresh_json, keras_layer
from tests.keras.scripts import load_script as _load
from tests.regen_golden import golden_names

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("preset", preset_names())
def test_both_styles_build_the_same_model(preset: str) -> None:
    class_module = _load(OUTPUT / f"{preset}_class.py")
    function_module = _load(OUTPUT / f"{preset}_function.py")
    # A class the script defines (NormalLike) records the script's module, which differs.
    class_json = json.dumps(fresh_json(class_module)).replace(
        f'"module": "{preset}_class"', '"module": "<script>"'
    )
    function_json = json.dumps(fresh_json(function_module)).replace(
        f'"module": "{preset}_function"', '"module": "<script>"'
    )
    assert class_json == function_json


@pytest.mark.parametrize("preset", preset_names())
def test_static_shapes_match_keras(preset: str) -> None:
    path = preset_path(preset)
    assert path is not None
    graph = check(path).graph
    model = _load(OUTPUT / f"{preset}_class.py").build_model()
    for node in graph.layers:
        layer = keras_layer(model, node)
        if layer is None:
            continue
        if isinstance(layer.output, list | tuple):  # several outputs: the states (seq2seq)
            shapes = tuple(tuple(tensor.shape) for tensor in layer.output)
            assert shapes == node.output_shapes, node.name
        else:
            assert tuple(layer.output.shape) == node.shape, node.name
    for item in graph.inputs:
        assert tuple(model.get_layer(item.name).output.shape) == item.shape


@pytest.mark.parametrize("preset", preset_names())
def test_tensorflow_import_style_runs(preset: str, tmp_path: Path) -> None:
    path = preset_path(preset)
    assert path is not None
    script = tmp_path / f"{preset}_tf.py"
    source = generate(check(path), "function", "tensorflow", script.name)
    assert "from tensorflow import keras" in source
    script.write_text(source)
    with redirect_stdout(io.StringIO()) as out:
        _load(script).main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
    assert "Total params" in out.getvalue()


def _summary_totals(model) -> tuple[int, int, int]:
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)

    def number(label: str) -> int:
        match = re.search(rf"{label}: ([\d,]+)", text)
        assert match, f"{label} not in the summary"
        return int(match.group(1).replace(",", ""))

    return number("Total params"), number("Trainable params"), number("Non-trainable params")


@pytest.mark.parametrize("name", golden_names())
def test_summary_totals_equal_the_static_totals(name: str) -> None:
    script = OUTPUT / name
    preset = script.stem.rsplit("_", 1)[0]
    path = preset_path(preset)
    assert path is not None
    graph = check(path).graph
    model = _load(script).build_model()
    assert _summary_totals(model) == (
        graph.total_params,
        graph.trainable_params,
        graph.non_trainable_params,
    )
    assert f"Total params: {graph.total_params:,}" in script.read_text()
