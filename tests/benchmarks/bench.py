"""Benchmarks: mergegen against Keras itself, measured in the same run.

Run from the repository root:  python tests/benchmarks/bench.py [--runs 5] [--before DIR]

Cold figures are medians over new processes, run in turn so that a load on the
machine falls on all of them alike: wall time, and CPU time (user + system),
which a busy machine disturbs less. Each command runs once first, unmeasured, so
Python's bytecode cache is written as an installed package's is. In-process
figures are medians over repeated calls. Ratios are against the Keras baseline
of the same run. --before DIR also times the mergegen of another checkout (say,
`git worktree add DIR main`), for before-and-after figures from one run.
Figures go into the README's performance section.
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

ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"} | {
    "TF_CPP_MIN_LOG_LEVEL": "3"
}


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of `command` in a new process."""
    start = time.perf_counter()
    # Run outside the checkout: `python -m` puts the working folder first on sys.path, where
    # this checkout's generator would shadow the one PYTHONPATH names (--before).
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        assert process.stderr is not None
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def cold(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each command, the commands taking turns."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for command, env in commands.values():
        run_once(command, env)  # writes bytecode, warms the disk cache
    for _ in range(runs):
        for label, (command, env) in commands.items():
            times[label].append(run_once(command, env))
    return {
        label: (
            statistics.median(wall for wall, _ in pairs),
            statistics.median(cpu for _, cpu in pairs),
        )
        for label, pairs in times.items()
    }


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
    parser.add_argument("--before", type=Path, help="another checkout to time in the same run")
    args = parser.parse_args()
    mergegen = shutil.which("mergegen")
    cli = [mergegen] if mergegen else [sys.executable, "-m", "generator"]
    largest = largest_preset()
    largest_path = preset_path(largest)
    inception = preset_path("inception_cnn")
    assert largest_path is not None and inception is not None

    folder = tempfile.mkdtemp()
    target = str(Path(folder) / "out.py")
    commands = {"keras": ([sys.executable, "-c", "import keras"], ENV)}
    versions = {"": (cli, ENV)}
    if args.before:
        # Both the same way, so that only the checkout differs.
        here = str(Path(__file__).resolve().parents[2])
        versions = {"": ([sys.executable, "-m", "generator"], ENV | {"PYTHONPATH": here})}
        before_env = ENV | {"PYTHONPATH": str(args.before.resolve())}
        versions["before: "] = ([sys.executable, "-m", "generator"], before_env)
    for prefix, (program, env) in versions.items():
        generate_command = [*program, "generate", str(inception), "-o", target, "--force"]
        commands[f"{prefix}generate"] = (generate_command, env)
        commands[f"{prefix}validate"] = ([*program, "validate", str(largest_path)], env)
    timed = cold(commands, args.runs)
    shutil.rmtree(folder)
    keras_wall, keras_cpu = timed["keras"]

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
    print(
        f'python -c "import keras" (cold):  {keras_wall * 1000:6.0f} ms wall {keras_cpu * 1000:6.0f} ms CPU'
    )
    for label, (wall, cpu) in timed.items():
        if label == "keras":
            continue
        spec = "inception_cnn" if label.endswith("generate") else largest
        print(
            f"mergegen {label} {spec} (cold): {wall * 1000:6.0f} ms wall"
            f" ({wall / keras_wall:.3f} x import keras), {cpu * 1000:6.0f} ms CPU"
            f" ({cpu / keras_cpu:.3f} x)"
        )
    print(f"check + generate inception_cnn (in-process): {generate_warm * 1000:8.1f} ms")
    print(
        f"static inference {largest} (in-process):  {static * 1000:8.2f} ms"
        f"  vs Keras building it {keras_warm * 1000:.1f} ms ({keras_warm / static:.0f} x faster)"
    )


if __name__ == "__main__":
    main()
