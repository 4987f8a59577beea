"""--backend pins the script's Keras backend; combinations that cannot run are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.analysis.backends import STRATEGY_BACKENDS, script_backend
from generator.errors import SpecError
from tests.conftest import VALID_SPEC

PIN = 'os.environ.setdefault("KERAS_BACKEND", "{}")'


def with_strategy(value: str) -> str:
    return VALID_SPEC + f"training:\n  distribute: {value}\n"


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_backend_is_pinned_before_keras_is_imported(cli, spec_file, backend: str) -> None:
    result = cli("generate", spec_file(), "--backend", backend, "-o", "-")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert PIN.format(backend) in text
    assert text.index("import os\n") < text.index(PIN.format(backend)) < text.index("import keras")
    compile(text, "small.py", "exec")


def test_without_backend_the_script_runs_on_any(cli, spec_file) -> None:
    result = cli("generate", spec_file(), "-o", "-")
    assert result.exit_code == 0
    assert "KERAS_BACKEND" not in result.stdout and "import os" not in result.stdout


def test_a_snippet_never_sets_the_environment(cli, spec_file) -> None:
    result = cli("generate", spec_file(), "--snippet", "--backend", "jax")
    assert result.exit_code == 0
    assert "KERAS_BACKEND" not in result.stdout


def test_each_strategy_pins_the_backend_it_runs_on(cli, spec_file) -> None:
    for strategy, backend in STRATEGY_BACKENDS.items():
        result = cli("generate", spec_file(with_strategy(strategy)), "-o", "-")
        assert result.exit_code == 0, result.stderr
        assert PIN.format(backend) in result.stdout
        assert ("import tensorflow as tf" in result.stdout) == (backend == "tensorflow")


def test_data_parallel_uses_keras_distribution(cli, spec_file) -> None:
    result = cli(
        "generate", spec_file(with_strategy("data_parallel")), "--backend", "jax", "-o", "-"
    )
    text = result.stdout
    assert "keras.distribution.DataParallel(devices=devices)" in text
    assert "replicas = use_every_device()" in text
    assert "batch_size = args.batch_size * replicas" in text
    assert "strategy.scope()" not in text and "tf." not in text


def test_imports_tensorflow_with_another_backend_is_refused(cli, spec_file, tmp_path: Path) -> None:
    result = cli("generate", spec_file(), "--imports", "tensorflow", "--backend", "jax")
    assert result.exit_code == 2
    assert result.errors == [
        "error: --backend jax: --imports tensorflow ties the script to the TensorFlow backend"
        " (use --imports keras with --backend jax)"
    ]
    assert not (tmp_path / "output").exists()


def test_imports_tensorflow_with_its_own_backend_is_fine(cli, spec_file) -> None:
    result = cli(
        "generate", spec_file(), "--imports", "tensorflow", "--backend", "tensorflow", "-o", "-"
    )
    assert result.exit_code == 0
    assert PIN.format("tensorflow") in result.stdout


def test_a_strategy_on_another_backend_is_refused_at_its_line(
    cli, spec_file, tmp_path: Path
) -> None:
    name = spec_file(with_strategy("mirrored"))
    result = cli("generate", name, "--backend", "jax")
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:12:3: training.distribute: mirrored runs on the TensorFlow backend"
        " only, not on --backend jax (for JAX, use distribute: data_parallel)"
    ]
    assert not (tmp_path / "output").exists()
    torch = cli("generate", name, "--backend", "torch")
    assert torch.errors == [
        "error: spec.yaml:12:3: training.distribute: mirrored runs on the TensorFlow backend"
        " only, not on --backend torch (PyTorch has no strategy here: leave"
        " training.distribute out)"
    ]


def test_data_parallel_with_tensorflow_imports_is_refused(cli, spec_file) -> None:
    result = cli("generate", spec_file(with_strategy("data_parallel")), "--imports", "tensorflow")
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:12:3: training.distribute: data_parallel runs on the JAX backend,"
        " but --imports tensorflow ties the script to TensorFlow (use --imports keras)"
    ]


def test_one_refused_spec_of_several_writes_nothing(cli, spec_file, tmp_path: Path) -> None:
    good = spec_file(name="good.yaml")
    bad = spec_file(with_strategy("multi_worker").replace("name: small", "name: other"), "bad.yaml")
    result = cli("generate", good, bad, "--backend", "jax", "-o", "out/")
    assert result.exit_code == 2
    assert len(result.errors) == 1 and "bad.yaml" in result.errors[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("distribute", "imports", "backend", "pinned"),
    [
        (None, "keras", None, None),
        (None, "tensorflow", None, None),
        (None, "keras", "torch", "torch"),
        ("data_parallel", "keras", None, "jax"),
        ("data_parallel", "keras", "jax", "jax"),
        ("mirrored", "tensorflow", None, "tensorflow"),
        ("multi_worker", "keras", "tensorflow", "tensorflow"),
    ],
)
def test_the_pinned_backend(distribute, imports, backend, pinned) -> None:
    assert script_backend(distribute, imports, backend) == pinned


@pytest.mark.parametrize(
    ("distribute", "imports", "backend", "count"),
    [
        (None, "tensorflow", "torch", 1),
        ("data_parallel", "keras", "tensorflow", 1),
        ("data_parallel", "tensorflow", None, 1),
        ("data_parallel", "tensorflow", "torch", 3),
        ("mirrored", "tensorflow", "jax", 2),
    ],
)
def test_every_conflict_is_reported(distribute, imports, backend, count) -> None:
    with pytest.raises(SpecError) as error:
        script_backend(distribute, imports, backend)
    assert len(error.value.problems) == count
