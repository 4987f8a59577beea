"""The spec's JSON Schema, for editors: made from the spec models and the layer catalog."""

from __future__ import annotations

import json
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.spec.model import LAYER_ALIASES, Spec

SCHEMA_FILE = "mergegen.schema.json"
MODELINE = f"# yaml-language-server: $schema=./{SCHEMA_FILE}\n"


def spec_schema() -> dict[str, Any]:
    """JSON Schema of a spec, with layer types as an enum and each type's arguments."""
    schema = Spec.model_json_schema()
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "mergegen spec"
    layer = schema["$defs"]["LayerSpec"]
    layer["properties"]["type"] = {
        "description": layer["properties"]["type"]["description"],
        "enum": sorted([*CATALOG, *LAYER_ALIASES]),
    }
    layer["allOf"] = [_arguments_of(name) for name in sorted([*CATALOG, *LAYER_ALIASES])]
    return schema


def _arguments_of(type_name: str) -> dict[str, Any]:
    """`if type is X then` X's arguments (an alias: its class's), for completion."""
    layer_type = CATALOG[LAYER_ALIASES.get(type_name, type_name)]
    properties = {
        name: {"description": f"{type_name} {name}: {arg.kind.description}."}
        for name, arg in layer_type.args.items()
    }
    required = [name for name, arg in layer_type.args.items() if arg.required]
    return {
        "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
        "then": {"properties": properties, "required": required},
    }


def schema_text() -> str:
    """The schema as stable, indented JSON."""
    return json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"
