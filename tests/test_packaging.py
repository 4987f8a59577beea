"""The wheel carries the templates and presets, and works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_wheel_includes_templates_and_presets(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("mergegen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "generator/templates/script.py.jinja" in names
    assert {
        f"generator/spec/presets/{p.name}"
        for p in (REPO / "generator" / "spec" / "presets").glob("*.yaml")
    } <= names
    assert not any(name.startswith(("tests/", "output/")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "mergegen = generator.cli.app:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    # Unpacked and imported from elsewhere, it finds its own templates.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from generator.codegen.render import environment;"
        "print(environment().loader.searchpath[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert result.stdout.strip() == str(site / "generator" / "templates")
