"""Import benchmarks: large models imported and generated cold; static inference per layer.

Run from the repository root:
    python tests/benchmarks/import_bench.py [--runs 5] [--source F ...] [--before DIR]

Each `--source` is a model's `model.to_json()` (name the file after the model, say
NASNetLarge.json); without one the script writes NASNetLarge's (1,041 layers) with Keras
first (slow, once). Cold figures are medians over new processes of `mergegen import` and
of `mergegen generate` on the imported spec, the commands taking turns so that a load on
the machine falls on all alike; CPU time (user + system) is what a busy machine disturbs
less; bytecode files are written and used, as an installed package's are. `--before DIR`
also times the mergegen of another checkout (`git archive main | tar -x -C DIR`), for
before-and-after figures from one run. Each source also gets its block figures: block
definitions, entries under `layers`, script lines. `--instructions` also counts each command's
instructions once under valgrind's cachegrind, which a busy machine does not disturb (slow:
about a minute a command). The per-layer figures
time the analysis (validate + plan: shapes and weights) of synthetic Dense chains of 100,
1,000 and 10,000 layers in-process, so a cost that grows faster than the layer count shows.
Figures go into the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from generator.analysis.plan import build_graph
from generator.spec.model import parse_spec

CHAINS = (100, 1_000, 10_000)
Command = tuple[list[str], dict[str, str]]
# Bytecode is written and used, as an installed package's is.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def nasnet_json(folder: Path) -> Path:
    """NASNetLarge's JSON, written by Keras in a separate process."""
    path = folder / "NASNetLarge.json"
    code = (
        "import keras, sys; m = keras.applications.NASNetLarge(weights=None);"
        " open(sys.argv[1], 'w').write(m.to_json())"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return path


def run_once(command: Command, cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one command in a new process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command[0], cwd=cwd, env=command[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command[0])}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def cold(commands: dict[str, Command], runs: int, cwd: Path) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each command, taking turns; one unmeasured run first."""
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for command in commands.values():
        run_once(command, cwd)
    for _ in range(runs):
        for label, command in commands.items():
            times[label].append(run_once(command, cwd))
    return {
        label: (statistics.median(w for w, _ in runs_), statistics.median(c for _, c in runs_))
        for label, runs_ in times.items()
    }


def instructions(command: Command, cwd: Path) -> int:
    """Instructions one command runs, counted by cachegrind (the command ran once before)."""
    counted = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         *command[0]],
        cwd=cwd, env=command[1], capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"I\s+refs:\s+([0-9,]+)", counted.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind: {counted.stderr[-500:]}")
    return int(found[1].replace(",", ""))


def chain(layers: int) -> dict[str, object]:
    """A flat spec: one input, `layers` Dense layers in a row."""
    return {
        "name": f"chain_{layers}",
        "inputs": [{"name": "x", "shape": [16]}],
        "layers": [{"name": f"d{i}", "type": "Dense", "units": 16} for i in range(layers)],
    }


def per_layer_ms(layers: int, runs: int) -> float:
    """Median milliseconds per layer of validating and planning a chain."""
    data = chain(layers)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build_graph(parse_spec(data))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000 / layers


def block_figures(spec: Path, script: Path) -> str:
    """Block definitions, entries under `layers` and script lines of an imported model."""
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    lines = len(script.read_text(encoding="utf-8").splitlines())
    return f"{len(data.get('blocks', {}))} blocks, {len(data['layers']):,} entries, {lines:,} lines"


def commands(source: Path, work: Path, checkouts: dict[str, str]) -> dict[str, Command]:
    """Import and generate commands of one model, for each checkout."""
    found: dict[str, Command] = {}
    for label, root in checkouts.items():
        env = {**ENV, "PYTHONPATH": root} if root else dict(ENV)
        spec = work / f"{label}_{source.stem}.yaml"
        script = work / f"{label}_{source.stem}.py"
        mergegen = [sys.executable, "-m", "generator"]
        found[f"{label} import"] = (
            [*mergegen, "import", str(source), "-o", str(spec), "--force"],
            env,
        )
        found[f"{label} generate"] = (
            [*mergegen, "generate", str(spec), "-o", str(script), "--force"],
            env,
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", type=Path, action="append", help="a model's to_json()")
    parser.add_argument("--before", type=Path, help="another checkout, timed in the same run")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions (cachegrind)"
    )
    args = parser.parse_args()
    checkouts = {"now": os.environ.get("PYTHONPATH", "")}
    if args.before:
        checkouts = {"before": str(args.before.resolve()), **checkouts}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        sources = [path.resolve() for path in args.source or [nasnet_json(work)]]
        for source in sources:
            found = cold(commands(source, work, checkouts), args.runs, work)
            if args.instructions:
                for label, command in commands(source, work, checkouts).items():
                    count = instructions(command, work)
                    print(f"| {label} | {source.stem} | {count / 1e9:.2f} billion instructions |")
            figures = block_figures(
                work / f"now_{source.stem}.yaml", work / f"now_{source.stem}.py"
            )
            print(f"{source.stem}: {figures}")
            for label in checkouts:
                imported, generated = found[f"{label} import"], found[f"{label} generate"]
                total = (imported[0] + generated[0], imported[1] + generated[1])
                for step, (wall, cpu) in (
                    ("import", imported), ("generate", generated), ("import + generate", total)
                ):  # fmt: skip
                    print(
                        f"| {label} | {source.stem} {step}, cold | {wall:.2f} s wall, {cpu:.2f} s CPU |"
                    )
    for layers in CHAINS:
        cost = per_layer_ms(layers, max(1, args.runs if layers < 10_000 else 1))
        print(f"| static inference of a {layers:,}-layer chain | {cost:.3f} ms per layer |")


if __name__ == "__main__":
    main()
