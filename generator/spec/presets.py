"""The shipped example specs."""

from __future__ import annotations

from pathlib import Path

import yaml

PRESET_DIR = Path(__file__).parent / "presets"


def preset_names() -> list[str]:
    """Every preset, sorted by name."""
    return sorted(path.stem for path in PRESET_DIR.glob("*.yaml"))


def preset_path(name: str) -> Path | None:
    """The file of preset `name`, or None when there is no such preset."""
    path = PRESET_DIR / f"{name}.yaml"
    return path if name in preset_names() else None


def preset_description(name: str) -> str:
    """The first sentence of a preset's description."""
    path = PRESET_DIR / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data.get("description", "")).strip()
