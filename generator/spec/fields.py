"""Field paths such as `layers[3].inputs`, shared by the loader and the checks."""

from __future__ import annotations

from generator.display import show_name

FieldPath = tuple[str | int, ...]


def format_path(path: FieldPath) -> str:
    """Render ('layers', 3, 'inputs') as 'layers[3].inputs'; other keys as ['a b']."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif show_name(part) == part:
            text += f".{part}" if text else part
        else:
            # A key from the spec that is not a plain name: quoted, short, one line.
            text += f"[{show_name(part)}]"
    return text
