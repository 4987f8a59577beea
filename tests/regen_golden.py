"""The golden record: every preset in both merge styles, as committed in output/.

Regenerate with `python -m tests.regen_golden` from the repository root. It also draws the
diagrams the README shows (docs/<preset>.png) when Graphviz's `dot` is installed; they are
not compared byte for byte, as Graphviz versions draw differently.
`python -m tests.regen_golden FOLDER` writes only the scripts, into FOLDER.

The goldens are named by preset and style (`golden_names()`), never found by listing output/:
a user's own scripts there (the README's first command writes `output/inception_cnn.py`) are
neither tested nor touched. The regenerator never deletes a file. By name and content a stale
golden of a removed preset cannot be told from a user's script (both are mergegen output), so it
lists every other script as "left alone" and whoever removes a preset runs `git rm` on its two
goldens; tests/test_golden.py fails while git still tracks them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.cli.write import write_atomic
from generator.pipeline import check, generate
from generator.spec.model import Style
from generator.spec.presets import preset_names, preset_path
from generator.views.diagram import graphviz, render, to_dot

STYLES: tuple[Style, ...] = ("class", "function")
REPO = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO / "output"
DOCS_DIR = REPO / "docs"
DIAGRAM_PRESETS = ("inception_v1",)  # drawn into docs/ for the README


def golden_name(preset: str, style: Style) -> str:
    """The golden file of one preset in one merge style."""
    return f"{preset}_{style}.py"


def golden_names() -> list[str]:
    """Every golden file name, sorted: each preset in each merge style."""
    return sorted(golden_name(preset, style) for preset in preset_names() for style in STYLES)


def golden_files() -> dict[str, str]:
    """File name -> script, for every preset and merge style."""
    files = {}
    for name in preset_names():
        checked = check(_preset(name))
        for style in STYLES:
            script = golden_name(name, style)
            files[script] = generate(checked, style, "keras", script)
    return files


def regenerate(folder: Path = OUTPUT_DIR, files: dict[str, str] | None = None) -> list[str]:
    """Write the golden files that differ and say what changed; never delete anything."""
    files = golden_files() if files is None else files
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, content in files.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            write_atomic(target, content)
            changed.append(f"wrote: {name}")
    others = sorted(path.name for path in folder.glob("*.py") if path.name not in files)
    return changed + [f"left alone (not a golden): {name}" for name in others]


def regenerate_diagrams(folder: Path = DOCS_DIR) -> list[str]:
    """Draw docs/<preset>.png with Graphviz; a note instead when `dot` is not installed."""
    if graphviz() is None:
        return [
            f"skipped: {folder.name}/*.png (Graphviz's dot is not installed;"
            " apt-get install graphviz, then run this again)"
        ]
    changed = []
    for name in DIAGRAM_PRESETS:
        image = render(to_dot(check(_preset(name)).graph), "png")
        target = folder / f"{name}.png"
        if not target.exists() or target.read_bytes() != image:
            write_atomic(target, image)
            changed.append(f"wrote: {folder.name}/{target.name}")
    return changed


def _preset(name: str) -> Path:
    path = preset_path(name)
    assert path is not None, name
    return path


if __name__ == "__main__":
    if len(sys.argv) > 1:
        lines = regenerate(Path(sys.argv[1]))
    else:
        lines = regenerate() + regenerate_diagrams()
    for line in lines:
        print(line)
