"""The import pipeline: read -> refuse -> convert -> find blocks -> write text -> check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.codegen.code import InternalError
from generator.importer.archive import read_saved_model
from generator.importer.blocks import search_blocks
from generator.importer.document import document_text
from generator.importer.keras3 import Document, model_document
from generator.importer.keras_defaults import LAYER_DEFAULTS
from generator.pipeline import CheckedSpec, check_loaded
from generator.spec.load import load_text


@dataclass(frozen=True)
class ImportedSpec:
    """The spec text as it will be written, and the spec checked as `generate` checks it."""

    text: str
    checked: CheckedSpec


def import_model(
    source: Path, spec_format: str = "yaml", spec_path: Path | None = None
) -> ImportedSpec:
    """Read a saved model and give its spec; SpecError with every problem, nothing written.

    `spec_path` is where the spec will be written: the checked spec's file name.
    """
    saved = read_saved_model(source)
    document = model_document(saved.model, saved.compile_config, saved.file)
    document = {
        "name": document["name"],
        "description": f"Imported from {source.name} by mergegen import.",
        **{key: value for key, value in document.items() if key != "name"},
    }
    expanded = None
    if "blocks" not in document:  # sub-models are model blocks already
        found = search_blocks(document, LAYER_DEFAULTS)
        document, expanded = found.spec, found.expanded
    # The same load and checks as any spec file (JSON, the fastest parser for a large
    # model): a hostile name, string or number is refused here, as in a spec. The blocks'
    # check expanded this very data already: the plan takes that expansion.
    shown = f"{saved.file} (imported spec)"
    loaded = load_text(json.dumps(document), shown, "json")
    same = loaded.data == document
    path = spec_path or Path(f"{document['name']}.{spec_format}")
    checked = check_loaded(loaded, path, expanded if same else None)
    text = document_text(document, spec_format)
    if _read_back(text, spec_format) != _as_written(document, spec_format):
        raise InternalError(f"the {spec_format} text of the imported spec reads back differently")
    return ImportedSpec(text, checked)


def _read_back(text: str, spec_format: str) -> Any:
    """The text parsed again, by the fastest parser of its format."""
    if spec_format == "json":
        return json.loads(text)
    if spec_format == "toml":
        import tomllib

        return tomllib.loads(text)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def _as_written(document: Document, spec_format: str) -> Document:
    """TOML has no null: a variable length reads back as "None" (the spec takes both)."""
    if spec_format != "toml":
        return document
    inputs = [
        {**item, "shape": ["None" if dim is None else dim for dim in item["shape"]]}
        for item in document["inputs"]
    ]
    return {**document, "inputs": inputs}
