"""Benchmark: cold `mergegen generate` against `python -c "import keras"`, same run.

Run from the repository root:  python tests/benchmarks/bench_generate.py [--runs 5]
Figures are medians of wall time; the ratio is against the keras import measured here.
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
from pathlib import Path

from generator.pipeline import check, generate
from generator.presets import preset_path


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--preset", default="inception_cnn")
    args = parser.parse_args()

    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    spec = preset_path(args.preset)
    assert spec is not None
    mergegen = shutil.which("mergegen")
    generate_cmd = [mergegen] if mergegen else [sys.executable, "-m", "generator"]
    with tempfile.TemporaryDirectory() as folder:
        target = str(Path(folder) / "out.py")
        gen = [
            _wall([*generate_cmd, "generate", str(spec), "-o", target, "--force"], env)
            for _ in range(args.runs)
        ]
        keras = [_wall([sys.executable, "-c", "import keras"], env) for _ in range(args.runs)]

    in_process = []
    for _ in range(max(args.runs, 50)):
        start = time.perf_counter()
        generate(check(spec))
        in_process.append(time.perf_counter() - start)

    gen_median, keras_median = statistics.median(gen), statistics.median(keras)
    print(f"preset: {args.preset}, runs: {args.runs}")
    print(f"mergegen generate (cold process): median {gen_median * 1000:.0f} ms")
    print(f'python -c "import keras":         median {keras_median * 1000:.0f} ms')
    print(f"ratio generate / import keras:     {gen_median / keras_median:.2f}")
    print(
        f"in-process check+generate:         median {statistics.median(in_process) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
