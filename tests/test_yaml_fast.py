"""YAML read by libyaml where it can: the same data and positions as PyYAML's own loader,
and every refusal left to that loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.spec import load
from generator.spec.presets import preset_names, preset_path
from tests.conftest import REPO, VALID_SPEC

pytestmark = pytest.mark.skipif(load._C_LOADER is None, reason="PyYAML without libyaml")

SPECS = [preset_path(name) for name in preset_names()] + [
    REPO / "tests" / "specs" / "resnet50.yaml"
]


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.stem)
def test_libyaml_gives_the_data_and_positions_of_the_checked_loader(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = load._parse_yaml_fast(text, path.name)
    checked = load._parse_yaml_checked(text, path.name)
    assert fast is not None
    assert fast.data == checked.data
    assert fast.positions == checked.positions


def test_a_spec_file_is_read_by_libyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, file: str) -> load.LoadedSpec:
        raise AssertionError("the pure loader ran")

    monkeypatch.setattr(load, "_parse_yaml_checked", refuse)
    spec = tmp_path / "small.yaml"
    spec.write_text(VALID_SPEC, encoding="utf-8")
    assert load.load_spec(spec).data["name"] == "small"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # libyaml's composer recurses: never reached
        "a: " + "[" * (load.MAX_DEPTH + 1) + "]" * (load.MAX_DEPTH + 1),
        "a: [" + ", ".join(["1"] * (load.MAX_NODES + 1)) + "]",
        "a: 1\na: 2\n",  # a duplicate key
        "a: !!python/object:os.system ls\n",
        "a: [1, 2\n",  # malformed
        "a: \x00\n",  # a character YAML does not allow
        "a: &x [1]\nb: *x\n" + "".join(f"c{i}: *x\n" for i in range(1_000)),  # aliases
    ],
    ids=["deep", "depth", "count", "duplicate", "tag", "malformed", "nul", "aliases"],
)
def test_what_breaks_a_rule_is_left_to_the_checked_loader(text: str) -> None:
    assert load._parse_yaml_fast(text, "x.yaml") is None
    with pytest.raises(load.SpecError):
        load._parse_yaml_checked(text, "x.yaml")


def test_the_limits_are_exact_at_the_edge() -> None:
    """Just within the depth limit, libyaml reads it, as the checked loader does."""
    nested = "[" * (load.MAX_DEPTH - 1) + "1" + "]" * (load.MAX_DEPTH - 1)
    text = f"a: {nested}\n"
    fast = load._parse_yaml_fast(text, "x.yaml")
    assert fast is not None and fast.data == load._parse_yaml_checked(text, "x.yaml").data
    assert yaml.safe_load(text) == fast.data
