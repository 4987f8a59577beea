"""The JSON Schema for editors: valid, complete, and true to the presets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.analysis.catalog import CATALOG
from generator.spec.model import LAYER_ALIASES
from generator.spec.presets import preset_names, preset_path
from generator.spec.schema import SCHEMA_FILE, schema_text, spec_schema

VALIDATOR = jsonschema.Draft7Validator(spec_schema())


def test_the_schema_is_a_valid_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(spec_schema())


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_validates(preset: str) -> None:
    path = preset_path(preset)
    assert path is not None
    assert list(VALIDATOR.iter_errors(yaml.safe_load(path.read_text()))) == []


def _properties(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            found.append((f"{path}.{name}", value))
        for key, value in node.items():
            found += _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for item in node:
            found += _properties(item, path)
    return found


def test_every_field_has_a_description() -> None:
    missing = [
        path
        for path, value in _properties(spec_schema())
        if "description" not in value and "const" not in value
    ]
    assert missing == []


def test_layer_types_are_an_enum_of_the_catalog() -> None:
    layer = spec_schema()["$defs"]["LayerSpec"]
    assert layer["properties"]["type"]["enum"] == sorted([*CATALOG, *LAYER_ALIASES])


@pytest.mark.parametrize(
    ("layer", "fragment"),
    [
        ({"name": "d", "type": "Dnse", "units": 3}, "'Dnse' is not one of"),
        ({"name": "d", "type": "Dense"}, "'units' is a required property"),
        ({"name": "c", "type": "Convolution2D", "kernel_size": 3}, "'filters' is a required"),
    ],
)
def test_the_schema_catches_what_an_editor_should_flag(
    layer: dict[str, Any], fragment: str
) -> None:
    spec = {"name": "m", "inputs": [{"name": "x_in", "shape": [3]}], "layers": [layer]}
    messages = [error.message for error in VALIDATOR.iter_errors(spec)]
    assert any(fragment in message for message in messages), messages


def test_schema_command_prints_and_writes_the_schema(cli, tmp_path: Path) -> None:
    assert json.loads(cli("schema").stdout) == json.loads(schema_text())
    assert cli("schema", "-o", "s.json").exit_code == 0
    assert (tmp_path / "s.json").read_text() == schema_text()


def test_new_writes_a_modeline_and_the_schema_beside_it(cli, tmp_path: Path) -> None:
    result = cli("new", "siamese", "-o", "specs/")
    assert result.exit_code == 0
    assert result.stderr == "created: specs/siamese.yaml\ncreated: specs/mergegen.schema.json\n"
    first = (tmp_path / "specs" / "siamese.yaml").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema=./{SCHEMA_FILE}"
    (tmp_path / "specs" / SCHEMA_FILE).write_text("{}\n")  # the user's own: left alone
    assert cli("new", "two_dense", "-o", "specs/").stderr == "created: specs/two_dense.yaml\n"
    assert (tmp_path / "specs" / SCHEMA_FILE).read_text() == "{}\n"
