"""`mergegen import`: a saved model's spec, written with the same rules as `generate`."""

from __future__ import annotations

from pathlib import Path

from generator.cli.commands import STDOUT, Echo, write_one
from generator.spec.load import SPEC_FORMATS
from generator.spec.names import file_stem


def run_import(
    source: Path,
    output: str | None,
    force: bool,
    spec_format: str | None,
    *,
    echo: Echo,
    note: Echo,
    error: Echo,
) -> None:
    """Import `source`; write the spec to `output` (a file, a folder or -), or nothing on error."""
    from generator.importer.run import import_model

    chosen = spec_format or _format_of(output) or "yaml"
    imported = import_model(source, chosen)
    if output == STDOUT:
        echo(imported.text.rstrip("\n"))
        return
    default_name = f"{file_stem(imported.checked.spec.name)}.{chosen}"
    if output is None:
        target = Path(default_name)
    elif output.endswith(("/", "\\")) or Path(output).is_dir():
        target = Path(output) / default_name
    else:
        target = Path(output)
    write_one(target, imported.text, force, note=note, error=error)


def _format_of(output: str | None) -> str | None:
    """yaml, json or toml from -o's suffix."""
    if output is None or output == STDOUT:
        return None
    return SPEC_FORMATS.get(Path(output).suffix.lower())
