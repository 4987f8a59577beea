"""The CLI as a user drives it: outputs, overwrite rules, --check, presets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, VALID_SPEC, files_under


def test_generate_writes_output_name_py(cli, spec_file, tmp_path: Path) -> None:
    result = cli("generate", spec_file())
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "created: output/small.py\n"
    script = (tmp_path / "output" / "small.py").read_text()
    compile(script, "small.py", "exec")
    assert 'layers.Concatenate(name="merged")([left, right])' in script


def test_style_option_overrides_the_spec(cli, spec_file, tmp_path: Path) -> None:
    cli("generate", spec_file(), "--style", "function")
    script = (tmp_path / "output" / "small.py").read_text()
    assert 'layers.concatenate([left, right], name="merged")' in script
    assert "merge style: function" in script


def test_tensorflow_imports(cli, spec_file) -> None:
    result = cli("generate", spec_file(), "--imports", "tensorflow", "-o", "-")
    assert "from tensorflow import keras\nfrom tensorflow.keras import layers\n" in result.stdout
    assert "import keras\n" not in result.stdout.replace("from tensorflow import keras\n", "")


def test_output_to_file_folder_and_stdout(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    assert cli("generate", name, "-o", "model.py").exit_code == 0
    assert (tmp_path / "model.py").is_file()
    assert cli("generate", name, "-o", "scripts/").exit_code == 0
    assert (tmp_path / "scripts" / "small.py").is_file()
    result = cli("generate", name, "-o", "-")
    assert result.exit_code == 0
    assert result.stdout == (tmp_path / "scripts" / "small.py").read_text().replace(
        "python small.py", "python small.py"
    )
    assert "python model.py --epochs 1" in (tmp_path / "model.py").read_text()


def test_line_length_sets_blacks_columns_and_the_fit(cli, tmp_path: Path) -> None:
    assert cli("new", "inception_v1", "-o", "spec.yaml").exit_code == 0
    assert cli("generate", "spec.yaml", "-o", "narrow.py").exit_code == 0
    result = cli("generate", "spec.yaml", "-o", "wide.py", "--line-length", "120")
    assert result.exit_code == 0, result.stderr
    narrow = (tmp_path / "narrow.py").read_text().splitlines()
    wide = (tmp_path / "wide.py").read_text().splitlines()
    assert max(map(len, narrow)) <= 88 < max(map(len, wide)) <= 120
    assert len(wide) < len(narrow)
    compile("\n".join(wide), "wide.py", "exec")


def test_shape_comments_can_be_left_out(cli, tmp_path: Path) -> None:
    assert cli("new", "inception_v1", "-o", "spec.yaml").exit_code == 0
    assert cli("generate", "spec.yaml", "-o", "with.py").exit_code == 0
    result = cli("generate", "spec.yaml", "-o", "without.py", "--no-shape-comments")
    assert result.exit_code == 0, result.stderr
    assert "# (None, 8, 8, 256)" in (tmp_path / "with.py").read_text()
    without = (tmp_path / "without.py").read_text()
    assert "# (" not in without and ")(\n" not in without
    assert cli("generate", "spec.yaml", "-o", "with.py", "--shape-comments").exit_code == 0


@pytest.mark.parametrize("value", ["39", "201", "0", "-88"])
def test_a_line_length_out_of_range_is_a_usage_error(
    cli, spec_file, tmp_path: Path, value: str
) -> None:
    result = cli("generate", spec_file(), "--line-length", value)
    assert result.exit_code == 2
    expected = f"error: --line-length: {value} is outside 40..200 (black's default is 88)\n"
    assert result.stderr == expected
    assert not (tmp_path / "output").exists()


def test_same_content_is_left_alone(cli, spec_file) -> None:
    name = spec_file()
    cli("generate", name)
    result = cli("generate", name)
    assert result.exit_code == 0
    assert result.stderr == "unchanged: output/small.py\n"


def test_different_content_needs_force(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    target = tmp_path / "output" / "small.py"
    target.parent.mkdir()
    target.write_text("# my own edits\n")
    result = cli("generate", name)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: output/small.py: exists with different content"
        " (use --force to overwrite; nothing written)\n"
    )
    assert target.read_text() == "# my own edits\n"
    assert cli("generate", name, "--force").exit_code == 0
    assert target.read_text().startswith('"""Two branches merged.')


def test_symlink_is_never_written_through(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "small.py").symlink_to(victim)
    result = cli("generate", name, "--force")
    assert result.exit_code == 2
    assert "is a symlink or not a regular file" in result.stderr
    assert victim.read_text() == "keep me"


def test_check_reports_drift_and_writes_nothing(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    result = cli("generate", name, "--check")
    assert (result.exit_code, result.stderr) == (1, "would create: output/small.py\n")
    assert not (tmp_path / "output").exists()
    cli("generate", name)
    result = cli("generate", name, "--check")
    assert (result.exit_code, result.stderr) == (0, "up to date: output/small.py\n")
    (tmp_path / "output" / "small.py").write_text("changed\n")
    result = cli("generate", name, "--check")
    assert (result.exit_code, result.stderr) == (1, "would change: output/small.py\n")
    assert (tmp_path / "output" / "small.py").read_text() == "changed\n"


def test_several_specs_need_a_folder(cli, spec_file) -> None:
    first = spec_file(name="a.yaml")
    second = spec_file(VALID_SPEC.replace("name: small", "name: other"), name="b.yaml")
    result = cli("generate", first, second, "-o", "one.py")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: --output: one.py: with several specs, -o must be a folder (end it with /)\n"
    )
    assert cli("generate", first, second, "-o", "many/").exit_code == 0


def test_two_specs_writing_one_file_are_refused(cli, spec_file, tmp_path: Path) -> None:
    first = spec_file(name="a.yaml")
    second = spec_file(name="b.yaml")
    result = cli("generate", first, second)
    assert result.exit_code == 2
    assert (
        result.stderr == "error: b.yaml: writes output/small.py too (already written for a.yaml)\n"
    )
    assert not (tmp_path / "output").exists()


def test_validate_writes_nothing(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    before = files_under(tmp_path)
    result = cli("validate", name)
    assert result.exit_code == 0
    assert result.stdout == (
        "spec.yaml: small\n"
        "layer        type         inputs       output shape  params\n"
        "-----------------------------------------------------------\n"
        "features     InputLayer   -            (None, 10)         0\n"
        "left         Dense        features     (None, 8)         88\n"
        "right        Dense        features     (None, 8)         88\n"
        "merged       Concatenate  left, right  (None, 16)         0\n"
        "probability  Dense        merged       (None, 1)         17\n"
        "-----------------------------------------------------------\n"
        "Total params: 193\n"
        "Trainable params: 193\n"
        "Non-trainable params: 0\n"
    )
    assert files_under(tmp_path) == before


def test_validate_json(cli, spec_file) -> None:
    result = cli("validate", spec_file(), "--format", "json")
    report = json.loads(result.stdout)
    assert report["total_params"] == 193
    assert (report["trainable_params"], report["non_trainable_params"]) == (193, 0)
    assert report["layers"][3] == {
        "name": "merged",
        "type": "Concatenate",
        "inputs": ["left", "right"],
        "output_shape": [None, 16],
        "params": 0,
        "trainable_params": 0,
    }
    assert [row["name"] for row in report["layers"]] == [
        "features",
        "left",
        "right",
        "merged",
        "probability",
    ]


def test_presets_lists_one_line_each(cli) -> None:
    result = cli("presets")
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == [
        "cnn_two_kernels", "feature_fusion", "image_text", "inception_cnn", "inception_v1",
        "multi_input", "multi_task", "resnet_block", "seq2seq", "siamese", "transformer_encoder",
        "two_dense", "unet_small", "vae", "wide_deep",
    ]  # fmt: skip


def test_new_copies_a_preset_and_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    assert cli("new", "inception_cnn").exit_code == 0
    text = (tmp_path / "inception_cnn.yaml").read_text()
    assert text.startswith(
        "# yaml-language-server: $schema=./mergegen.schema.json\n# Three parallel"
    )
    assert cli("new", "inception_cnn").stderr == "unchanged: inception_cnn.yaml\n"
    (tmp_path / "inception_cnn.yaml").write_text("name: mine\n")
    result = cli("new", "inception_cnn")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: inception_cnn.yaml: already exists with different content (use --force to overwrite)\n",
    )
    assert cli("new", "two_dense", "-o", "my.yaml").exit_code == 0
    assert (
        cli("new", "two_dense", "-o", "-").stdout.splitlines()[1].startswith("# Two Dense branches")
    )
    result = cli("new", "inception")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown preset 'inception' (did you mean 'inception_v1' or 'inception_cnn'?)\n"
    )


def test_new_then_generate_round_trip(cli, tmp_path: Path) -> None:
    for preset in ("inception_cnn", "image_text"):
        assert cli("new", preset, "-o", f"{preset}.yaml").exit_code == 0
        result = cli("generate", f"{preset}.yaml", "--style", "function")
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / "output" / f"{preset}.py").is_file()


def test_version(cli) -> None:
    from generator import __version__

    assert cli("--version").stdout == f"mergegen {__version__}\n"


@pytest.mark.parametrize(
    "command", ["generate", "validate", "diagram", "presets", "new", "check", "schema"]
)
def test_every_command_help_has_an_example(cli, command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example: mergegen " + command in result.stdout


def test_python_dash_m_is_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("mergegen ")


@pytest.mark.slow
def test_generate_and_validate_never_import_tensorflow(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(VALID_SPEC)
    probe = (
        "import sys\n"
        "from generator.cli.app import app\n"
        "for args in (['validate', SPEC], ['generate', SPEC, '-o', OUT]):\n"
        "    try:\n"
        "        app(args, prog_name='mergegen')\n"
        "    except SystemExit as stop:\n"
        "        assert stop.code == 0, stop.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'numpy'))\n"
        "print(heavy)\n"
    )
    code = f"SPEC = {str(spec)!r}\nOUT = {str(tmp_path / 'out.py')!r}\n" + probe
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
    assert (tmp_path / "out.py").is_file()


@pytest.mark.parametrize(
    ("words", "expected"),
    [("mergegen gen", ["generate"]), ("mergegen new incep", ["inception_cnn", "inception_v1"])],
)
def test_shell_completion(words: str, expected: list[str]) -> None:
    import os

    env = dict(os.environ, _MERGEGEN_COMPLETE="complete_bash", COMP_WORDS=words)
    env["COMP_CWORD"] = str(len(words.split()) - 1)
    result = subprocess.run(
        [sys.executable, "-c", "from generator.cli.app import main; main()"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.stdout.split() == expected
