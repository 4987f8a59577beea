"""`generate --snippet`: the part a user pastes into a project, clean on its own."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path
from tests.formatted import black_outputs


def snippets() -> dict[str, str]:
    found = {}
    for name in preset_names():
        path = preset_path(name)
        assert path is not None
        for style in ("class", "function"):
            with black_outputs() as formatted:
                snippet = generate(check(path), style, "keras", snippet=True)
            assert formatted[-1:] == [snippet], "the snippet was changed after black formatted it"
            found[f"{name}_{style}.py"] = snippet
    return found


@pytest.mark.slow
def test_snippets_hold_only_imports_blocks_and_build_model(tmp_path: Path) -> None:
    for name, source in snippets().items():
        tree = ast.parse(source)
        kinds = {type(node).__name__ for node in tree.body}
        assert kinds <= {"Import", "ImportFrom", "Assign", "FunctionDef", "ClassDef"}, name
        constants = [
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        assert all(constant.endswith("_VOCABULARY") for constant in constants), name
        classes = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
        assert classes in ([], ["NormalLike"]), name  # the layer normal_like needs
        functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        assert functions[-1] == "build_model" and "main" not in functions, name
        assert "numpy" not in source and "argparse" not in source, name
        (tmp_path / name).write_text(source)
    ruff = shutil.which("ruff")
    assert ruff is not None
    result = subprocess.run(
        [ruff, "check", "--isolated", "--select", "F,E,W,I,B", "--no-cache", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_snippet_goes_to_stdout_by_default(cli, spec_file, tmp_path: Path) -> None:
    result = cli("generate", spec_file(), "--snippet")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "import keras\nfrom keras import layers\n\n\ndef build_model():"
    )
    assert not (tmp_path / "output").exists()
    assert cli("generate", spec_file(), "--snippet", "-o", "model_part.py").exit_code == 0
    assert (tmp_path / "model_part.py").read_text() + "" == result.stdout
