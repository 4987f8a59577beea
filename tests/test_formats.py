"""YAML, JSON and TOML specs with the same content generate the same script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w
import yaml

from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path


def _script(path: Path) -> str:
    return generate(check(path), script_name="model.py").replace(path.name, "SPEC")


@pytest.mark.slow
def test_every_preset_is_the_same_in_each_format(tmp_path: Path) -> None:
    for name in preset_names():
        source = preset_path(name)
        assert source is not None
        data = yaml.safe_load(source.read_text())
        (tmp_path / f"{name}.json").write_text(json.dumps(data, indent=2))
        toml_data = json.loads(json.dumps(data).replace("null", '"None"'))
        (tmp_path / f"{name}.toml").write_bytes(tomli_w.dumps(toml_data).encode())
        expected = _script(source)
        assert _script(tmp_path / f"{name}.json") == expected
        assert _script(tmp_path / f"{name}.toml") == expected


def test_toml_errors_carry_lines(tmp_path: Path) -> None:
    from generator.errors import SpecError

    path = tmp_path / "spec.toml"
    path.write_text(
        'name = "small"\n[[inputs]]\nname = "features"\nshape = [10]\n'
        '[[layers]]\nname = "out"\ntype = "Dense"\nunits = 0\n'
    )
    try:
        check(path)
    except SpecError as error:
        assert [p.render() for p in error.problems] == [
            f"{path}:8:1: layers[0].units: expected a positive integer, got 0"
        ]
    else:
        raise AssertionError("expected a SpecError")
