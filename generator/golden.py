"""The golden record: every preset in both merge styles, as committed in output/.

Regenerate with `python -m generator.golden` from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.pipeline import check, generate
from generator.presets import preset_names, preset_path
from generator.spec import Style
from generator.write import write_atomic

STYLES: tuple[Style, ...] = ("class", "function")
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "output"


def golden_files() -> dict[str, str]:
    """File name -> script, for every preset and merge style."""
    files = {}
    for name in preset_names():
        path = preset_path(name)
        assert path is not None
        checked = check(path)
        for style in STYLES:
            script = f"{name}_{style}.py"
            files[script] = generate(checked, style, "keras", script)
    return files


def regenerate(folder: Path = OUTPUT_DIR) -> list[str]:
    """Write the golden files, remove stale ones, and return what changed."""
    files = golden_files()
    changed = []
    folder.mkdir(parents=True, exist_ok=True)
    for stale in sorted(folder.glob("*.py")):
        if stale.name not in files:
            stale.unlink()
            changed.append(f"removed: {stale.name}")
    for name, content in files.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            write_atomic(target, content)
            changed.append(f"wrote: {name}")
    return changed


if __name__ == "__main__":
    for line in regenerate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR):
        print(line)
