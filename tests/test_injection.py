"""No spec value changes the generated program's structure.

Every value of the hostile corpus (tests/hostile.py) goes into every string field of a valid
spec. Each spec is either refused with clean one-line messages, or gives a script whose AST,
with literal values blanked, is the benign spec's.

The fast tier checks every value in every place, renders every accepted spec and compares
its AST; it black-formats one value in CORPUS_STRIDE and compares that too, and sends a share
of the values through the YAML and TOML parsers. `MERGEGEN_CORPUS=all` (the long run, see the
README) black-formats every one and sends every value through every format.
"""

from __future__ import annotations

import ast
import json
import marshal
import os
import re
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from generator.codegen.code import prose
from generator.codegen.render import RenderOptions, render_script
from generator.errors import SpecError
from generator.pipeline import CheckedSpec, check_loaded, generate
from generator.spec.load import LoadedSpec, load_text
from generator.spec.names import identifier_problem, keras_name_problem
from tests.conftest import files_under, message_lines
from tests.hostile import (
    ARITHMETIC,
    ARITHMETIC_SLOTS,
    BENIGN,
    BENIGN_BLOCKS,
    COMPUTE_SLOT,
    HOSTILE,
    blank_arithmetic,
    blank_compute,
    block_slots,
    comments,
    compute_forms,
    expression_forms,
    skeleton,
    string_slots,
)

pytestmark = pytest.mark.slow  # the whole hostile corpus

FILE = "hostile.json"
SLOTS = string_slots()
LONG_RUN = os.environ.get("MERGEGEN_CORPUS") == "all"
CORPUS_STRIDE = 1 if LONG_RUN else 40
MINIMAL: dict[str, Any] = {
    "name": "probe",
    "description": "A benign model.",
    "inputs": [{"name": "features", "shape": [4]}],
    "layers": [{"name": "out", "type": "Dense", "units": 1, "activation": "sigmoid"}],
}


def _copy(value: Any) -> Any:
    return marshal.loads(marshal.dumps(value))  # a deep copy, fast enough for 50,000 specs


def _check(data: dict[str, Any], file: str = FILE) -> CheckedSpec | None:
    """The checked spec, or None after asserting that every problem is one clean line."""
    try:
        return check_loaded(LoadedSpec(file, data), Path(file))
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            line = problem.render()
            assert line.startswith(file), line
            assert len(line.splitlines()) == 1 and line.isprintable(), line
            assert len(line) < 600, line
        return None


def _rendered(checked: CheckedSpec, source_name: str = FILE, script_name: str = "p.py") -> str:
    """The script before black: cheap enough for every value in the fast tier."""
    options = RenderOptions(checked.spec.merge_style, "keras", source_name, script_name)
    return render_script(checked.spec, checked.graph, checked.training, options)


def _assert_inert(source: str, expected: tuple[Any, Any]) -> None:
    """Same AST as the benign script (literals blanked), and the same comments (none today)."""
    assert (skeleton(source), comments(source)) == expected


def _structure(source: str) -> tuple[Any, Any]:
    return skeleton(source), comments(source)


def _renamed_structure(source: str) -> tuple[Any, Any]:
    """As _structure, variables numbered: a derived variable may differ from the benign one."""
    return skeleton(source, rename=True), comments(source)


def _assert_kept(source: str, name: str) -> None:
    """The Keras name is in the script exactly, as (part of) a string literal."""
    strings = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert any(name == text or text.endswith(f"_{name}") for text in strings), name


KERAS_NAME_SLOTS = {"name", *(f"inputs[{i}].name" for i in range(2))} | {
    f"layers[{i}].name" for i in range(len(BENIGN["layers"]))
}


# A compute layer's name is only its variable: keras.ops calls take no Keras name.
VARIABLE_ONLY_SLOTS = {
    f"layers[{i}].name" for i, layer in enumerate(BENIGN["layers"]) if "compute" in layer
}
BENIGN_CHECKED = _check(_copy(BENIGN))
assert BENIGN_CHECKED is not None
BENIGN_STRUCTURE = _structure(_rendered(BENIGN_CHECKED))
BENIGN_RENAMED = _renamed_structure(_rendered(BENIGN_CHECKED))
BLOCKS_CHECKED = _check(_copy(BENIGN_BLOCKS))
assert BLOCKS_CHECKED is not None
BLOCKS_RENAMED = _renamed_structure(_rendered(BLOCKS_CHECKED))
MINIMAL_CHECKED = _check(_copy(MINIMAL))
assert MINIMAL_CHECKED is not None
MINIMAL_STRUCTURE = _structure(_rendered(MINIMAL_CHECKED))
MINIMAL_RENAMED = _renamed_structure(_rendered(MINIMAL_CHECKED))


def test_the_corpus_is_big_and_the_slots_cover_every_string_field() -> None:
    assert len(HOSTILE) >= 500
    assert len(SLOTS) >= 60
    assert _structure(generate(BENIGN_CHECKED, script_name="p.py")) == BENIGN_STRUCTURE


@pytest.mark.parametrize("slot", list(SLOTS))
def test_every_hostile_value_in_every_field_is_refused_or_inert(slot: str) -> None:
    accepted = 0
    keras_name = slot in KERAS_NAME_SLOTS
    for index, value in enumerate(HOSTILE):
        data = _copy(BENIGN)
        SLOTS[slot](data, value)
        checked = _check(data)
        if checked is None:
            continue
        accepted += 1
        source = _rendered(checked)
        if keras_name:
            assert _renamed_structure(source) == BENIGN_RENAMED
            if slot not in VARIABLE_ONLY_SLOTS:
                _assert_kept(source, value)
        else:
            _assert_inert(source, BENIGN_STRUCTURE)
        if index % CORPUS_STRIDE == 0:
            source = generate(checked, script_name="p.py")
            if keras_name:
                assert _renamed_structure(source) == BENIGN_RENAMED
            else:
                _assert_inert(source, BENIGN_STRUCTURE)
            compile(source, "p.py", "exec")
    # Free text is accepted: the description, and as Keras names every corpus value that
    # Keras takes (renamed wherever the spec uses it). Elsewhere only a corpus value that
    # happens to be a valid choice: "class" as merge_style, "None" as a variable length.
    expected = {"description": len(HOSTILE), "merge_style": 1, "inputs[1].shape[0]": 1}
    if keras_name:
        expected[slot] = sum(keras_name_problem(v, model=slot == "name") is None for v in HOSTILE)
        assert expected[slot] >= 10
    assert accepted == expected.get(slot, 0), accepted


ARITHMETIC_NAMES = {"unit": "units", "outer": "width"}


@pytest.mark.parametrize("slot", list(ARITHMETIC_SLOTS))
def test_every_hostile_value_in_an_expression_is_refused_or_plain_arithmetic(slot: str) -> None:
    block, index, argument = ARITHMETIC_SLOTS[slot]
    checked = _check(_copy(ARITHMETIC))
    assert checked is not None
    benign = blank_arithmetic(_rendered(checked), ARITHMETIC_NAMES)
    accepted = 0
    for number, value in enumerate(HOSTILE):
        for form in expression_forms(value):
            data = _copy(ARITHMETIC)
            data["blocks"][block]["layers"][index][argument] = form
            checked = _check(data)
            if checked is None:
                continue
            accepted += 1
            assert blank_arithmetic(_rendered(checked), ARITHMETIC_NAMES) == benign, form
            if number % CORPUS_STRIDE == 0:
                source = generate(checked, script_name="p.py")
                assert blank_arithmetic(source, ARITHMETIC_NAMES) == benign, form
                assert comments(source) == []
    # Numbers the corpus holds as text ("0x10", "1_000", "-0") make valid arithmetic.
    assert 0 < accepted < 40, accepted


@pytest.mark.parametrize("slot", list(block_slots()))
def test_every_hostile_value_in_every_block_name_position_is_refused_or_inert(
    slot: str,
) -> None:
    put, kind = block_slots()[slot]
    accepted = 0
    for index, value in enumerate(HOSTILE):
        data = _copy(BENIGN_BLOCKS)
        put(data, value)
        checked = _check(data)
        if checked is None:
            continue
        accepted += 1
        source = _rendered(checked)
        assert _renamed_structure(source) == BLOCKS_RENAMED
        if kind == "keras":
            _assert_kept(source, value)
        if index % CORPUS_STRIDE == 0:
            source = generate(checked, script_name="p.py")
            assert _renamed_structure(source) == BLOCKS_RENAMED
    # Blocks, their inputs and parameters are Python names: the corpus holds a few that
    # only the script's top level uses (`model`, `x`, ...), fine inside a block function.
    if kind in ("keras", "variable"):
        valid = sum(keras_name_problem(value) is None for value in HOSTILE)
    else:
        local = slot != "block name"
        valid = sum(identifier_problem(value, local=local) is None for value in HOSTILE)
    assert accepted == valid, accepted


def test_every_hostile_value_in_a_compute_expression_is_refused_or_plain() -> None:
    benign = blank_compute(_rendered(BENIGN_CHECKED))
    accepted = 0
    for number, value in enumerate(HOSTILE):
        for form in compute_forms(value):
            data = _copy(BENIGN)
            data[COMPUTE_SLOT[0]][COMPUTE_SLOT[1]]["compute"] = form
            checked = _check(data)
            if checked is None:
                continue
            accepted += 1
            assert blank_compute(_rendered(checked)) == benign, form
            if number % CORPUS_STRIDE == 0:
                source = generate(checked, script_name="p.py")
                assert blank_compute(source) == benign, form
                assert comments(source) == []
    # Numbers the corpus holds as text ("0x10", "1_000", "-0") make valid expressions.
    assert 0 < accepted < 60, accepted


def test_hostile_local_names_in_a_compute_layer_are_refused() -> None:
    for value in HOSTILE:
        data = _copy(BENIGN)
        layer = data[COMPUTE_SLOT[0]][COMPUTE_SLOT[1]]
        layer["inputs"] = {value: "drop"}
        layer["compute"] = f"abs({value} - 0.5)"
        checked = _check(data)
        if checked is not None:
            assert blank_compute(_rendered(checked)) == blank_compute(_rendered(BENIGN_CHECKED))


def test_hostile_spec_and_script_file_names_are_inert() -> None:
    """The file names reach the docstring; they go through prose() like the description."""
    for value in HOSTILE[:: max(1, CORPUS_STRIDE // 2)]:
        spec_name, script_name = f"{value}.yaml", f"{value}.py"
        _assert_inert(_rendered(MINIMAL_CHECKED, spec_name, script_name), MINIMAL_STRUCTURE)
        checked = CheckedSpec(Path(spec_name), *_fields(MINIMAL_CHECKED))
        source = generate(checked, script_name=script_name)
        _assert_inert(source, MINIMAL_STRUCTURE)


def _fields(checked: CheckedSpec) -> tuple[Any, ...]:
    return checked.spec, checked.graph, checked.training


def test_every_hostile_file_name_renders_inert() -> None:
    for value in HOSTILE:
        source = _rendered(MINIMAL_CHECKED, f"{value}.json", f"{value}.py")
        _assert_inert(source, MINIMAL_STRUCTURE)


@pytest.mark.parametrize("value", HOSTILE[::10], ids=range(len(HOSTILE[::10])))
def test_prose_keeps_every_hostile_value_inside_a_docstring_and_a_comment(value: str) -> None:
    text = prose(value)
    tree = ast.parse(f'"""{text}\n"""\nx = 1  # {text}\n')
    assert len(tree.body) == 2
    assert "\n" not in text and "\r" not in text
    assert len(text.splitlines()) <= 1


def test_prose_of_the_whole_corpus() -> None:
    for value in HOSTILE:
        text = prose(value)
        assert len(ast.parse(f'"""{text}\n"""\nx = 1  # {text}\n').body) == 2
        assert text.isprintable(), repr(text[:80])


def _dump(data: dict[str, Any], spec_format: str) -> str | None:
    """The spec as text in one format, or None when the format cannot hold the value."""
    try:
        if spec_format == "json":
            return json.dumps(data)
        if spec_format == "yaml":
            return yaml.safe_dump(data, allow_unicode=True)
        return tomli_w.dumps(data)
    except (ValueError, TypeError, yaml.YAMLError):
        return None


@pytest.mark.parametrize("spec_format", ["yaml", "json", "toml"])
def test_hostile_values_survive_each_file_format(spec_format: str) -> None:
    """Through the real parsers: a description, a name and a choice field."""
    file = f"hostile.{spec_format}"
    for index, value in enumerate(HOSTILE):
        if spec_format != "json" and not LONG_RUN and (len(value) > 2000 or index % 3):
            continue  # pure-Python YAML is slow: a third of the values; JSON takes them all
        for slot in ("description", "name", "activation")[
            : 3 if LONG_RUN or index % 10 == 0 else 1
        ]:
            data = _copy(MINIMAL)
            if slot == "description":
                data["description"] = value
            else:
                data["layers"][0][slot] = value
            text = _dump(data, spec_format)
            if text is None:
                continue
            try:
                loaded = load_text(text, file, spec_format)
            except SpecError as error:
                assert all(len(p.render().splitlines()) == 1 for p in error.problems)
                continue
            checked = _check(loaded.data, file)
            if checked is None:
                continue
            if slot == "name":  # a layer's Keras name: kept, its variable derived
                assert keras_name_problem(value) is None, value
                source = _rendered(checked, file)
                assert _renamed_structure(source) == MINIMAL_RENAMED
                _assert_kept(source, value)
                continue
            assert slot == "description", (slot, value)
            _assert_inert(_rendered(checked, file), MINIMAL_STRUCTURE)
            if index % CORPUS_STRIDE == 0:
                _assert_inert(generate(checked), MINIMAL_STRUCTURE)


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


CLI_VALUES = [v for v in HOSTILE if len(v) < 200 and "\x00" not in v and not _has_surrogate(v)]


@pytest.mark.parametrize("slot", ["name", "inputs[0].name", "layers[0].type", "layers[0].padding",
                                  "outputs[0]", "training.optimizer", "description"])  # fmt: skip
def test_through_the_cli_refused_means_exit_2_and_nothing_written(
    slot: str, cli, tmp_path: Path
) -> None:
    for value in CLI_VALUES[:: 60 if slot != "description" else 120]:
        data = _copy(BENIGN)
        SLOTS[slot](data, value)
        (tmp_path / "spec.json").write_text(json.dumps(data))
        before = files_under(tmp_path)
        result = cli("generate", "spec.json", "-o", "out/", "--force")
        assert "Traceback" not in result.stderr
        if slot in KERAS_NAME_SLOTS and result.exit_code == 0:
            assert keras_name_problem(value, model=slot == "name") is None, value
            (script,) = (tmp_path / "out").iterdir()
            assert re.fullmatch(r"\w+\.py", script.name), script.name
            assert _renamed_structure(script.read_text(encoding="utf-8")) == BENIGN_RENAMED
            script.unlink()
        elif slot != "description":
            assert result.exit_code == 2, (value, result.stderr)
            assert all(line.startswith("error: spec.json") for line in message_lines(result.stderr))
            assert files_under(tmp_path) == before
        else:
            assert result.exit_code == 0, result.stderr
            script = (tmp_path / "out" / "probe.py").read_text(encoding="utf-8")
            assert _structure(script) == BENIGN_STRUCTURE


def test_output_names_cannot_leave_the_output_folder(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    for name in ["../../etc/x", "../../x", "/etc/x", "x/../../y", "C:\\x", "~/x", "a\\..\\b"]:
        data = _copy(MINIMAL)
        data["name"] = name
        (deep / "spec.json").write_text(json.dumps(data))
        before = files_under(tmp_path)
        for args in (["spec.json"], ["spec.json", "-o", "out/"]):
            result = cli("generate", *args)
            assert result.exit_code == 2
            assert result.stderr.startswith("error: spec.json:1:2: name: ")
            assert "Keras names take ASCII letters, digits and _ . - >" in result.stderr
            assert files_under(tmp_path) == before
    assert not Path("/etc/x").exists()


def test_keras_names_that_are_no_file_names_get_a_safe_file_stem(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, stem in [("..", "model"), (".", "model"), ("con", "con_"), ("a..b", "a_b"),
                       ("x.py", "x_py"), ("..-.>", "model"), ("Nul.txt", "Nul_txt")]:  # fmt: skip
        data = _copy(MINIMAL)
        data["name"] = name
        (tmp_path / "spec.json").write_text(json.dumps(data))
        result = cli("generate", "spec.json", "-o", "out/")
        assert result.exit_code == 0, result.stderr
        assert [path.name for path in (tmp_path / "out").iterdir()] == [f"{stem}.py"]
        script = (tmp_path / "out" / f"{stem}.py").read_text(encoding="utf-8")
        assert f"name={name!r})".replace("'", '"') in script
        assert f"python {stem}.py --epochs 1" in script
        (tmp_path / "out" / f"{stem}.py").unlink()
    assert files_under(tmp_path).keys() == {"spec.json"}
