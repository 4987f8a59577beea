"""A quick start: each command loads only the modules it uses (tests/benchmarks/bench.py times it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, VALID_SPEC

# Runs the CLI in a new process, then prints every module it loaded.
RUN_AND_LIST = """
import sys
from generator.cli.app import app
try:
    app(sys.argv[1:], prog_name="mergegen")
except SystemExit as stop:
    assert not stop.code, stop.code
# A module made in place (the CLI's stand-in for pydantic's plugin loader) has no spec: not loaded.
print("MODULES", " ".join(sorted(n for n, m in sys.modules.items() if getattr(m, "__spec__", 1) is not None)))
"""
# importlib.metadata (and email): pydantic's plugin search, skipped by the command line.
NEVER = ("tensorflow", "keras", "jax", "torch", "rich", "importlib.metadata", "email")
GENERATE_ONLY = ("black", "jinja2", "generator.codegen.render", "generator.codegen.format")
DIAGRAM_ONLY = ("generator.views.diagram",)
TOML_ONLY = ("tomllib",)
CHECK_ONLY = ("pydantic", "yaml", "generator.pipeline")  # Typer's own help needs none of them


def loaded(tmp_path: Path, *args: str) -> set[str]:
    spec = tmp_path / "spec.yaml"
    spec.write_text(VALID_SPEC, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args, str(spec)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("MODULES "))
    return set(line.split()[1:])


def _roots(modules: set[str]) -> set[str]:
    return modules | {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    ("command", "absent"),
    [
        (["validate"], NEVER + GENERATE_ONLY + DIAGRAM_ONLY + TOML_ONLY),
        (["generate", "-o", "out.py"], NEVER + DIAGRAM_ONLY),  # black loads tomllib itself
        (["--help"], NEVER + GENERATE_ONLY + DIAGRAM_ONLY + TOML_ONLY + CHECK_ONLY),
    ],
    ids=["validate", "generate", "help"],
)
def test_a_command_loads_only_what_it_uses(tmp_path: Path, command: list[str], absent) -> None:
    modules = _roots(loaded(tmp_path, *command))
    assert not modules & set(absent), sorted(modules & set(absent))
    if command[0] == "generate":
        assert {"black", "jinja2"} <= modules  # the check can see what it looks for


def test_building_the_spec_models_compiles_no_tokenizer() -> None:
    """pydantic reads each default factory's signature; a builtin's (list) goes through tokenize,
    whose large regex costs about 3% of `validate`."""
    code = "import tokenize, generator.spec.model; print(tokenize._compile.cache_info().currsize)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["0"]


def test_the_spec_models_are_built_without_the_plugin_search() -> None:
    """pydantic's plugin search reads every installed package's entry points: the models are
    built at import without it, and the environment is left as it was."""
    code = """
import os, sys
import generator.spec.model as model
import pydantic.plugin._loader as loader
from pydantic_core import SchemaValidator
from pydantic import BaseModel
classes = [value for value in vars(model).values() if isinstance(value, type)
           and issubclass(value, BaseModel) and value.__module__ == model.__name__]
assert model.Spec in classes and model.InputSpec in classes
classes.remove(model._Strict)
assert all(type(cls.__pydantic_validator__) is SchemaValidator for cls in classes)
assert loader._plugins is None, loader._plugins
assert os.environ.get("PYDANTIC_DISABLE_PLUGINS") == (sys.argv[1] or None)
"""
    for setting in ("", "x"):
        env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
        if setting:
            env["PYDANTIC_DISABLE_PLUGINS"] = setting
        subprocess.run([sys.executable, "-c", code, setting], env=env, timeout=120, check=True)


def test_the_commands_annotations_are_objects_not_strings() -> None:
    """Typer reads each command's annotations at every start: strings would be compiled first."""
    import typer.main

    from generator.cli.app import app

    group = typer.main.get_command(app)
    assert len(group.commands) >= 8  # type: ignore[attr-defined]
    for info in app.registered_commands:
        assert info.callback is not None
        hints = info.callback.__annotations__
        assert hints and not [name for name, hint in hints.items() if isinstance(hint, str)]


def test_pyyaml_gets_the_seeded_non_printable_pattern_which_matches_the_same_characters() -> None:
    """generator/spec/yaml_seed.py: PyYAML's slowest pattern to compile, written the cheap way."""
    import re

    from generator.spec.yaml_seed import NON_PRINTABLE, SAME_CHARACTERS

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    pyyaml = re.compile(NON_PRINTABLE, re.UNICODE)  # another cache key than the seeded one
    assert pyyaml.pattern == NON_PRINTABLE
    found = pyyaml.findall(everything)
    assert (
        found == re.findall(SAME_CHARACTERS, everything)
        and len(found) == 9 + 2 + 18 + 6 + 26 + 2048 + 2
    )
    code = """
import generator.spec.load, yaml.reader
from generator.spec.yaml_seed import SAME_CHARACTERS
print(yaml.reader.Reader.NON_PRINTABLE.pattern == SAME_CHARACTERS)
"""
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.stdout.split() == ["True"], result.stderr[-2000:]


def test_validate_makes_no_dataclass() -> None:
    """A dataclass costs 3 M instructions to make: the modules `validate` loads use @record
    (generator/records.py)."""
    code = RUN_AND_LIST.split("# A module")[0] + (
        "import dataclasses\n"
        "print('DATACLASSES', *sorted(f'{name}.{key}' for name, module in list(sys.modules.items())"
        " if name.startswith('generator') for key, value in vars(module).items()"
        " if isinstance(value, type) and value.__module__ == name"
        " and dataclasses.is_dataclass(value)))\n"
    )
    spec = REPO / "generator" / "spec" / "presets" / "wide_deep.yaml"
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code, "validate", str(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("DATACLASSES"))
    assert line.split()[1:] == []
