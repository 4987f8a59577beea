"""Field paths such as `layers[3].inputs`, shared by the loader and the checks."""

from __future__ import annotations

FieldPath = tuple[str | int, ...]


def format_path(path: FieldPath) -> str:
    """Render ('layers', 3, 'inputs') as 'layers[3].inputs'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
