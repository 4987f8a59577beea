"""Benchmarks: mergegen against Keras itself, measured in the same run.

Run from the repository root:  python tests/benchmarks/bench.py [--runs 5]

Cold figures are medians of wall time over new processes; in-process figures
are medians over repeated calls. Ratios are against the Keras baseline of the
same run. Figures go into the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def cold(command: list[str], runs: int) -> float:
    """Median wall time of `command` in a new process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def warm(function: Callable[[], object], runs: int) -> float:
    """Median wall time of `function()` in this process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def largest_preset() -> str:
    """The preset with the most layers."""

    def size(name: str) -> int:
        path = preset_path(name)
        assert path is not None
        return len(yaml.safe_load(path.read_text())["layers"])

    return max(preset_names(), key=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    mergegen = shutil.which("mergegen")
    cli = [mergegen] if mergegen else [sys.executable, "-m", "generator"]
    largest = largest_preset()
    largest_path = preset_path(largest)
    inception = preset_path("inception_cnn")
    assert largest_path is not None and inception is not None

    with tempfile.TemporaryDirectory() as folder:
        target = str(Path(folder) / "out.py")
        generate_cold = cold([*cli, "generate", str(inception), "-o", target, "--force"], args.runs)
    validate_cold = cold([*cli, "validate", str(largest_path)], args.runs)
    keras_cold = cold([sys.executable, "-c", "import keras"], args.runs)

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import keras

    from tests.keras.keras_builder import build

    spec_data = yaml.safe_load(largest_path.read_text())
    repeats = max(args.runs, 20)
    static = warm(lambda: check(largest_path), repeats)
    generate_warm = warm(lambda: generate(check(inception)), repeats)

    def keras_build() -> None:
        keras.backend.clear_session()
        build(spec_data)

    keras_build()  # first build pays one-off tracing costs
    keras_warm = warm(keras_build, repeats)

    print(f"runs: {args.runs} cold, {repeats} in-process; largest preset: {largest}")
    print(f'python -c "import keras" (cold):            {keras_cold * 1000:8.0f} ms')
    print(
        f"mergegen generate inception_cnn (cold):      {generate_cold * 1000:8.0f} ms"
        f"  ({generate_cold / keras_cold:.2f} x import keras)"
    )
    print(
        f"mergegen validate {largest} (cold): {validate_cold * 1000:8.0f} ms"
        f"  ({validate_cold / keras_cold:.2f} x import keras)"
    )
    print(f"check + generate inception_cnn (in-process): {generate_warm * 1000:8.1f} ms")
    print(
        f"static inference {largest} (in-process):  {static * 1000:8.2f} ms"
        f"  vs Keras building it {keras_warm * 1000:.1f} ms ({keras_warm / static:.0f} x faster)"
    )


if __name__ == "__main__":
    main()
