"""Import benchmarks: NASNetLarge imported and generated cold; static inference per layer.

Run from the repository root:  python tests/benchmarks/import_bench.py [--runs 5] [--source F]

`--source` is NASNetLarge's `model.to_json()` (1,041 layers); without it the script writes one
with Keras first (slow, once). Cold figures are medians over new processes of
`mergegen import` and of `mergegen generate` on the imported spec. The per-layer figures time
the analysis (validate + plan: shapes and weights) of synthetic Dense chains of 100, 1,000 and
10,000 layers in-process, so a cost that grows faster than the layer count shows.
Figures go into the README's performance section.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.analysis.plan import build_graph
from generator.spec.model import parse_spec

CHAINS = (100, 1_000, 10_000)


def nasnet_json(folder: Path) -> Path:
    """NASNetLarge's JSON, written by Keras in a separate process."""
    path = folder / "NASNetLarge.json"
    code = (
        "import keras, sys; m = keras.applications.NASNetLarge(weights=None);"
        " open(sys.argv[1], 'w').write(m.to_json())"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return path


def cold(command: list[str], runs: int, cwd: Path) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds of `command` in new processes.

    One unmeasured run first; CPU time is what a busy machine disturbs less.
    """
    subprocess.run(command, check=True, cwd=cwd, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            raise SystemExit(f"failed: {' '.join(command)}")
    return statistics.median(walls), statistics.median(cpus)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", type=Path, help="NASNetLarge's model.to_json()")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = args.source.resolve() if args.source else nasnet_json(work)
        mergegen = [sys.executable, "-m", "generator"]
        spec = work / "nasnet.yaml"
        imported = cold(
            [*mergegen, "import", str(source), "-o", str(spec), "--force"], args.runs, work
        )
        generated = cold(
            [*mergegen, "generate", str(spec), "-o", str(work / "nasnet.py"), "--force"],
            args.runs,
            work,
        )
        lines = len((work / "nasnet.py").read_text().splitlines())
    total = (imported[0] + generated[0], imported[1] + generated[1])
    rows = [
        ("`mergegen import` NASNetLarge, 1,041 layers (new process)", imported),
        (f"`mergegen generate` of its spec ({lines:,} lines; new process)", generated),
        ("import + generate of NASNetLarge, cold", total),
    ]
    for label, (wall, cpu) in rows:
        print(f"| {label} | {wall:.2f} s wall, {cpu:.2f} s CPU |")
    for layers in CHAINS:
        cost = per_layer_ms(layers, max(1, args.runs if layers < 10_000 else 1))
        print(f"| static inference of a {layers:,}-layer chain | {cost:.3f} ms per layer |")


if __name__ == "__main__":
    main()
