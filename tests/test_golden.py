"""The golden record: output/ is exactly what the generator makes today."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import black
import pytest

from generator.codegen.format import MODE
from generator.pipeline import check
from generator.spec.presets import preset_names, preset_path
from tests.conftest import OUTPUT, REPO
from tests.formatted import black_outputs
from tests.regen_golden import STYLES, golden_files, golden_names, regenerate

with black_outputs() as BLACK_OUTPUTS:
    GOLDEN = golden_files()
REGENERATE = "run `python -m tests.regen_golden`"


def test_goldens_are_each_preset_in_each_style() -> None:
    assert golden_names() == sorted(GOLDEN)
    assert len(GOLDEN) == len(preset_names()) * len(STYLES) >= 20
    assert "two_dense_class.py" in GOLDEN and "inception_cnn_function.py" in GOLDEN


@pytest.mark.parametrize("name", golden_names())
def test_one_black_pass_is_enough(name: str) -> None:
    """format_source runs black once: a second pass (black.format_str's) must change nothing."""
    assert black.format_str(GOLDEN[name], mode=MODE) == GOLDEN[name]


def test_output_folder_matches_the_generator_byte_for_byte() -> None:
    for name, content in GOLDEN.items():
        path = OUTPUT / name
        assert path.is_file(), f"{name} is missing: {REGENERATE}"
        assert path.read_text(encoding="utf-8") == content, f"{name} drifted: {REGENERATE}"


def test_git_tracks_only_goldens_in_output() -> None:
    """A golden of a removed preset stays committed until someone runs `git rm` on it."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        [git, "-C", str(REPO), "ls-files", "-z", "--", "output"],
        capture_output=True,
        text=True,
        check=True,
    )
    tracked = {name.removeprefix("output/") for name in listed.stdout.split("\0") if name}
    stale = sorted(tracked - set(golden_names()))
    assert stale == [], "no preset makes these: `git rm` them"


def test_regenerate_into_an_empty_folder_gives_the_same_files(tmp_path: Path) -> None:
    assert regenerate(tmp_path, GOLDEN) == [f"wrote: {name}" for name in GOLDEN]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        name: (OUTPUT / name).read_bytes() for name in golden_names()
    }
    assert regenerate(tmp_path, GOLDEN) == []


def test_regenerate_rewrites_a_drifted_golden_and_leaves_other_scripts_alone(
    tmp_path: Path,
) -> None:
    regenerate(tmp_path, GOLDEN)
    drifted = tmp_path / "two_dense_class.py"
    drifted.write_text("# edited by hand\n", encoding="utf-8")
    # The README's first command writes inception_cnn.py; the other could be a removed preset's.
    mine = {"inception_cnn.py": b"print('mine')\n", "old_preset_class.py": b"\xff not text"}
    for name, content in mine.items():
        (tmp_path / name).write_bytes(content)
    assert regenerate(tmp_path, GOLDEN) == [
        "wrote: two_dense_class.py",
        "left alone (not a golden): inception_cnn.py",
        "left alone (not a golden): old_preset_class.py",
    ]
    assert drifted.read_text(encoding="utf-8") == GOLDEN["two_dense_class.py"]
    for name, content in mine.items():
        assert (tmp_path / name).read_bytes() == content


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_script_is_what_black_returned(name: str) -> None:
    assert GOLDEN[name] in BLACK_OUTPUTS, "the script was changed after black formatted it"


def test_golden_scripts_pass_ruff() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is part of the dev extra; install with pip install -e '.[dev]'")
    scripts = [str(OUTPUT / name) for name in golden_names()]
    result = subprocess.run(
        [ruff, "check", "--isolated", "--select", "F,E,W,I,B", "--no-cache", *scripts],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def _merge_call(statement: ast.stmt, style: str) -> bool:
    """`x = layers.Add(...)([a, b])` in class style, `x = layers.add([a, b], ...)` in function style
    (or a variable holding that list, where it is too long for one line)."""
    if not isinstance(statement, ast.Assign) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    if style == "class":
        inner = call.func
        return (
            isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Attribute)
            and inner.func.attr[0].isupper()
            and isinstance(call.args[0], ast.List | ast.Name)
        )
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr[0].islower()
        and isinstance(call.args[0], ast.List | ast.Name)
    )


def test_styles_differ_only_in_merge_calls_and_docstring() -> None:
    total_merges = 0
    for name in sorted({key.rsplit("_", 1)[0] for key in GOLDEN}):
        class_tree = ast.parse(GOLDEN[f"{name}_class.py"])
        function_tree = ast.parse(GOLDEN[f"{name}_function.py"])
        merges = 0
        for class_node, function_node in zip(
            class_tree.body[1:], function_tree.body[1:], strict=True
        ):
            if isinstance(class_node, ast.FunctionDef) and class_node.name != "main":
                assert isinstance(function_node, ast.FunctionDef)
                pairs = zip(class_node.body, function_node.body, strict=True)
                for left, right in pairs:
                    if ast.dump(left) != ast.dump(right):
                        assert _merge_call(left, "class") and _merge_call(right, "function")
                        merges += 1
            else:
                assert ast.dump(class_node) == ast.dump(function_node)
        total_merges += merges
        path = preset_path(name)
        assert path is not None
        has_merges = any(node.layer_type.is_merge for node in check(path).graph.layers)
        assert (merges >= 1) == has_merges, name
    assert total_merges >= 10


@pytest.mark.slow
@pytest.mark.parametrize("seed", ["0", "1", "42", "1234", "random"])
def test_generation_is_independent_of_hash_seed(seed: str, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    subprocess.run(
        [sys.executable, "-m", "tests.regen_golden", str(tmp_path)], env=env, cwd=REPO, check=True
    )
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == GOLDEN


NOT_MODEL = ("make_synthetic_data", "load_data", "make_strategy", "main")


def _call_statements(script: str) -> list[tuple[str, ast.Assign]]:
    """(function, statement) for the assignments of a call or a compute expression
    (`z = z_mean + ...`) in build_model() and the blocks."""
    found = []
    for function in ast.parse(script).body:
        if isinstance(function, ast.FunctionDef) and function.name not in NOT_MODEL:
            found += [
                (function.name, node)
                for node in ast.walk(function)
                if isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call | ast.BinOp | ast.UnaryOp)
            ]
    return found


def test_golden_scripts_take_at_most_2_3_lines_per_statement() -> None:
    statements = [node for script in GOLDEN.values() for _, node in _call_statements(script)]
    lines = sum((node.end_lineno or node.lineno) - node.lineno + 1 for node in statements)
    assert len(statements) >= 200
    assert lines / len(statements) <= 2.3, f"{lines / len(statements):.2f} lines per statement"


DANGLING = re.compile(r"\)\(\s*(#.*)?$", re.MULTILINE)  # `...name="x")(`, tensor below


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_no_golden_call_wraps_in_the_dangling_form(name: str) -> None:
    assert DANGLING.search(GOLDEN[name]) is None


def _is_layer_statement(node: ast.Assign) -> bool:
    """A layer applied to tensors: neither keras.Input/keras.Model nor a shared layer's object."""
    function = node.value.func if isinstance(node.value, ast.Call) else None
    if isinstance(function, ast.Name) and function.id.startswith("build_"):
        return False  # `encoder = build_encoder(...)`: a model block's keras.Model, applied below
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        if function.value.id == "keras":
            return False
        if function.value.id == "layers" and function.attr[0].isupper():
            return False  # `dense_layer = layers.Dense(...)`, applied on the next lines
    return True


def _has_shape_comment(lines: list[str], node: ast.Assign) -> bool:
    """A `# (...)` comment on the line above the statement, or ending its first or last line."""
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    above = lines[first - 1].lstrip().startswith("# (")
    return above or "  # (" in lines[first] or "  # (" in lines[last]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_every_layer_statement_carries_its_shape_comment(name: str) -> None:
    lines = GOLDEN[name].splitlines()
    commented = 0
    for function, node in _call_statements(GOLDEN[name]):
        if not _is_layer_statement(node):
            continue
        if _has_shape_comment(lines, node):
            commented += 1
        else:  # only a block's layer whose calls share no shape may go without
            assert function != "build_model", lines[node.lineno - 1]
    assert commented >= 3
    shape_comments = sum(line.lstrip().startswith("# (") or "  # (" in line for line in lines)
    assert shape_comments == commented  # one per statement, none left over
