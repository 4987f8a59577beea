"""The README documents what the code does."""

from __future__ import annotations

import re
import tomllib

from generator.analysis.catalog import CATALOG
from generator.spec.presets import preset_names
from tests.conftest import REPO
from tests.regen_golden import DIAGRAM_PRESETS

README = (REPO / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = README[README.index("## Contributing\n") :]


def test_every_layer_type_is_documented() -> None:
    missing = [name for name in CATALOG if f"`{name}`" not in README]
    assert missing == []


def test_every_preset_is_documented() -> None:
    missing = [name for name in preset_names() if f"| `{name}` |" not in README]
    assert missing == []


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[dev]" && python -m pytest -n auto\n' in README
    assert 'pip install --quiet -e ".[dev]"' in ci and "\npython -m pytest -n auto\n" in ci


def _statement_start(script: str, marker: str) -> int:
    """Where the statement starting with `marker` begins, its shape comment above included."""
    at = script.index(marker)
    above = script.rindex("\n", 0, at - 1) + 1
    return above if script[above:at].lstrip().startswith("# (") else at


def test_readme_excerpts_are_in_the_golden_files() -> None:
    class_script = (REPO / "output" / "two_dense_class.py").read_text()
    function_script = (REPO / "output" / "two_dense_function.py").read_text()
    start = class_script.index("def build_model():")
    end = _statement_start(class_script, "    probability =")
    assert class_script[start:end] in README
    merge_line = (
        '    merged = layers.concatenate([branch_a, branch_b], name="merged")  # (None, 64)\n'
    )
    assert merge_line in function_script and merge_line in README


def test_block_and_share_excerpts_are_in_the_golden_files() -> None:
    inception = (REPO / "output" / "inception_v1_class.py").read_text()
    start = inception.index("def inception_module(")
    end = inception.index("    return merged\n", start)
    assert inception[start:end] in README
    siamese = (REPO / "output" / "siamese_class.py").read_text()
    start = siamese.index("    left_embedding_image = keras.Input(")
    end = _statement_start(siamese, "    left_minus_right = ")
    assert siamese[start:end].rstrip("\n") in README


def test_readme_diagram_is_what_mergegen_diagram_writes(cli, tmp_path) -> None:
    command = "mergegen new two_dense -o two_dense.yaml && mergegen diagram two_dense.yaml -o two_dense.md"
    assert f"```\n{command}\n```" in README
    assert cli("new", "two_dense", "-o", "two_dense.yaml").exit_code == 0
    assert cli("diagram", "two_dense.yaml", "-o", "two_dense.md").exit_code == 0
    fenced = (tmp_path / "two_dense.md").read_text()
    assert fenced.startswith("```mermaid\nflowchart TB\n")
    assert f"\n{fenced}" in README


def test_readme_shows_the_committed_diagram() -> None:
    for name in DIAGRAM_PRESETS:
        assert f"](docs/{name}.png)" in README
        assert (REPO / "docs" / f"{name}.png").is_file()
    assert "mergegen diagram inception_v1.yaml -o inception_v1.png" in README


def test_ci_installs_graphviz_before_the_tests() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y -qq graphviz" in ci
    assert ci.index("graphviz") < ci.index("python -m pytest")


def test_security_section_counts_are_current() -> None:
    from tests.hostile import HOSTILE, string_slots
    from tests.test_broken_specs import BROKEN

    assert (
        f"puts each of {len(HOSTILE)} hostile strings in\neach of {len(string_slots())} places"
        in README
    )
    assert f"runs {len(BROKEN)} broken specs through" in README


def test_contributing_gives_each_tier_and_ci_runs_them_all() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    markers = pyproject["tool"]["pytest"]["ini_options"]["markers"]
    assert sorted(marker.split(":")[0] for marker in markers) == ["keras", "slow"]
    for command in [
        'python -m pytest -m "not keras and not slow"',
        'python -m pytest -m "not keras"',
        "python -m pytest -n auto",
    ]:
        assert f"- `{command}`: " in CONTRIBUTING, command
    assert "\npython -m tests.regen_golden\n" in CONTRIBUTING
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if "pytest" in line] == ["python -m pytest -n auto"]


def test_contributing_names_files_that_exist() -> None:
    """The layout it describes is the layout: every module and folder it names exists."""
    modules = {path.name for path in REPO.glob("generator/**/*.py")}
    named = re.findall(r"`((?:generator/|tests/)?\w+\.py)`", CONTRIBUTING)
    assert len(named) >= 20
    for name in named:
        assert (REPO / name).is_file() if "/" in name else name in modules, name
    for folder in re.findall(r"`((?:generator/)?\w+/)`", CONTRIBUTING):
        assert (REPO / folder).is_dir() or any(REPO.glob(f"generator/**/{folder}")), folder
