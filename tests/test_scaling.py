"""Work that grows with the model grows linearly: Python lines run counted, not timed.

Timings on a shared machine are noise; a count of lines run is exact, and a quadratic spot
(a list scanned once per layer) shows as a ratio well above the size ratio.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.plan import build_graph
from generator.codegen.layout import Layout
from generator.codegen.render import RenderOptions, render_script
from generator.importer.run import import_model
from generator.pipeline import check_loaded
from generator.spec.load import load_text
from generator.spec.model import parse_spec

SMALL, LARGE = 250, 1_000
SLACK = 1.05  # fixed costs and small logarithmic terms; a quadratic term gives 4x


def lines_run(work: Callable[[], Any]) -> int:
    """Python lines run by `work()`: each pass of a loop counts, in a comprehension too."""
    count = 0

    def trace(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


def chain(layers: int) -> dict[str, Any]:
    return {
        "name": f"chain_{layers}",
        "inputs": [{"name": "x", "shape": [16]}],
        "layers": [{"name": f"d{i}", "type": "Dense", "units": 16} for i in range(layers)],
    }


def assert_linear(work: Callable[[int], Any]) -> None:
    work(SMALL)  # imports and caches outside the count
    small, large = lines_run(lambda: work(SMALL)), lines_run(lambda: work(LARGE))
    assert large <= SLACK * (LARGE / SMALL) * small, (small, large)


def test_static_inference_is_linear_in_the_layers() -> None:
    assert_linear(lambda n: build_graph(parse_spec(chain(n))))


def residual(layers: int) -> dict[str, Any]:
    """Dense layers, each added to the one before: a merge reads other layers' shapes."""
    entries: list[dict[str, Any]] = [{"name": "d0", "type": "Dense", "units": 16}]
    for i in range(1, layers // 2):
        entries.append({"name": f"d{i}", "type": "Dense", "units": 16})
        entries.append({"name": f"a{i}", "type": "Add", "inputs": [f"d{i}", entries[-2]["name"]]})
    return {**chain(0), "name": f"residual_{layers}", "layers": entries}


@pytest.mark.parametrize("spec", [chain, residual])
def test_checking_and_rendering_are_linear_in_the_layers(spec: Callable[[int], Any]) -> None:
    def work(n: int) -> None:
        loaded = load_text(json.dumps(spec(n)), "spec.json", "json")
        checked = check_loaded(loaded, Path("spec.json"))
        options = RenderOptions("class", "keras", "spec.json", "spec.py", False, Layout())
        render_script(checked.spec, checked.graph, checked.training, options)

    assert_linear(work)


def keras_chain(pairs: int) -> dict[str, Any]:
    """A Keras 3 `to_json()` of Dense + ReLU pairs named `unit<i>_dense`, `unit<i>_relu`."""
    layers: list[dict[str, Any]] = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {"batch_shape": [None, 8], "dtype": "float32", "name": "x"},
            "name": "x",
            "inbound_nodes": [],
        }
    ]
    previous = "x"
    for i in range(pairs):
        for kind, suffix, config in (
            ("Dense", "dense", {"units": 8 + i % 2}),
            ("ReLU", "relu", {}),
        ):
            name = f"unit{i}_{suffix}"
            tensor = {"shape": [None, 8], "dtype": "float32", "keras_history": [previous, 0, 0]}
            layers.append(
                {
                    "module": "keras.layers",
                    "class_name": kind,
                    "config": {"name": name, **config},
                    "name": name,
                    "inbound_nodes": [
                        {
                            "args": [{"class_name": "__keras_tensor__", "config": tensor}],
                            "kwargs": {},
                        }
                    ],
                }
            )
            previous = name
    config = {
        "name": "chain",
        "layers": layers,
        "input_layers": ["x", 0, 0],
        "output_layers": [previous, 0, 0],
    }
    return {"module": "keras", "class_name": "Functional", "config": config}


def test_import_with_block_finding_is_linear_in_the_layers(tmp_path: Path) -> None:
    sources = {}
    for pairs in (SMALL, LARGE):
        sources[pairs] = tmp_path / f"chain_{pairs}.json"
        sources[pairs].write_text(json.dumps(keras_chain(pairs)), encoding="utf-8")
    imported = import_model(sources[SMALL])
    assert "blocks" in imported.text  # the pairs became one block, called many times
    assert_linear(lambda n: import_model(sources[n]))
