"""The README documents what the code does."""

from __future__ import annotations

from generator.catalog import CATALOG
from generator.presets import preset_names
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_layer_type_is_documented() -> None:
    missing = [name for name in CATALOG if f"`{name}`" not in README]
    assert missing == []


def test_every_preset_is_documented() -> None:
    missing = [name for name in preset_names() if f"| `{name}` |" not in README]
    assert missing == []


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[dev]" && python -m pytest' in README
    assert 'pip install --quiet -e ".[dev]"' in ci and "python -m pytest" in ci


def test_readme_excerpts_are_in_the_golden_files() -> None:
    class_script = (REPO / "output" / "two_dense_class.py").read_text()
    function_script = (REPO / "output" / "two_dense_function.py").read_text()
    start = class_script.index("def build_model():")
    end = class_script.index("\n\n\n", start)
    assert class_script[start:end] in README
    assert '    merged = layers.concatenate([branch_a, branch_b], name="merged")' in function_script


def test_security_section_counts_are_current() -> None:
    from tests.hostile import HOSTILE, string_slots
    from tests.test_broken_specs import BROKEN

    assert (
        f"puts each of {len(HOSTILE)} hostile strings in\neach of {len(string_slots())} places"
        in README
    )
    assert f"runs {len(BROKEN)} broken specs through" in README
