"""keras.applications round trip: to_json() -> mergegen import -> generate -> the same to_json().

CI runs the models in CI_MODELS (the largest included); MERGEGEN_IMPORT_MODELS=all runs all 40.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.importer.run import import_model
from generator.pipeline import generate
from tests.keras.scripts import load_script

pytestmark = pytest.mark.keras

REFUSED = {  # model -> the class its refusal must name
    "ConvNeXtTiny": "LayerScale",
    "ConvNeXtSmall": "LayerScale",
    "ConvNeXtBase": "LayerScale",
    "ConvNeXtLarge": "LayerScale",
    "ConvNeXtXLarge": "LayerScale",
    "InceptionResNetV2": "CustomScaleLayer",
}
ROUND_TRIP = [
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2L", "EfficientNetV2M", "EfficientNetV2S",
    "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "NASNetLarge", "NASNetMobile",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "VGG16", "VGG19", "Xception",
]  # fmt: skip
CI_MODELS = {
    "DenseNet121", "EfficientNetB0", "EfficientNetV2L", "InceptionV3", "MobileNet",
    "MobileNetV3Small", "NASNetLarge", "ResNet50", "ResNet50V2", "VGG16", "Xception",
    "ConvNeXtTiny", "InceptionResNetV2",
}  # fmt: skip


def _selected(names: list[str]) -> list[str]:
    wanted = os.environ.get("MERGEGEN_IMPORT_MODELS", "")
    if wanted == "all":
        return names
    chosen = set(wanted.split(",")) if wanted else CI_MODELS
    return [name for name in names if name in chosen]


def _original(name: str) -> Any:
    import keras

    keras.backend.clear_session()
    return getattr(keras.applications, name)(weights=None)


def _without_name(model_json: Any) -> Any:
    model_json["config"].pop("name")
    return model_json


def _round_trip(source: Path, tmp_path: Path, style: str) -> Any:
    imported = import_model(source)
    script = tmp_path / "imported.py"
    script.write_text(generate(imported.checked, style=style))  # type: ignore[arg-type]
    module = load_script(script)
    import keras

    keras.backend.clear_session()
    return json.loads(module.build_model().to_json())


@pytest.mark.parametrize("name", _selected(ROUND_TRIP))
def test_the_rebuilt_model_has_the_originals_json(name: str, tmp_path: Path) -> None:
    original = json.loads(_original(name).to_json())
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(original))
    style = "class" if ROUND_TRIP.index(name) % 2 == 0 else "function"
    rebuilt = _round_trip(source, tmp_path, style)
    assert _without_name(rebuilt) == _without_name(original)


@pytest.mark.parametrize("name", _selected(sorted(REFUSED)))
def test_models_with_custom_layers_are_refused_naming_the_class(name: str, tmp_path: Path) -> None:
    source = tmp_path / f"{name}.json"
    source.write_text(_original(name).to_json())
    with pytest.raises(SpecError) as refused:
        import_model(source)
    lines = [problem.render() for problem in refused.value.problems]
    assert any(REFUSED[name] in line for line in lines), lines[:3]


def test_a_keras_archive_imports_directly(tmp_path: Path) -> None:
    model = _original("MobileNetV3Small")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    archive = tmp_path / "mobilenet.keras"
    model.save(archive)
    assert "config.json" in zipfile.ZipFile(archive).namelist()
    original = json.loads(model.to_json())
    imported = import_model(archive)
    assert imported.checked.spec.training.loss == "categorical_crossentropy"
    rebuilt = _round_trip(archive, tmp_path, "class")
    original.pop("compile_config", None)
    rebuilt.pop("compile_config", None)
    assert _without_name(rebuilt) == _without_name(original)
