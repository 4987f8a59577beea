"""Fuzzing: no spec, however broken, makes the loaders or the pipeline raise anything but a
SpecError with clean one-line problems; every accepted spec gives code that compiles and
that is black's output, untouched after black.

Examples per test: MERGEGEN_FUZZ_EXAMPLES (default 50: 300 in all, the CI tier). The long run:

    MERGEGEN_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py -q

Every crash found here is kept below as an @example, so it runs on every CI run.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import black
import pytest
import tomli_w
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from generator.codegen.format import MODE
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec, load_spec, load_text
from generator.spec.presets import preset_names, preset_path
from tests.formatted import black_outputs
from tests.hostile import BENIGN

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("MERGEGEN_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FORMATS = ("yaml", "json", "toml")
PRESETS = {name: yaml.safe_load(preset_path(name).read_text()) for name in preset_names()}  # type: ignore[union-attr]
SEEDS = [BENIGN, *PRESETS.values()]
FIELDS = ["name", "description", "merge_style", "inputs", "layers", "outputs", "training"]
LAYER_KEYS = ["name", "type", "inputs", "units", "filters", "kernel_size", "padding", "axis",
              "activation", "rate", "pool_size", "strides", "input_dim", "output_dim"]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-3, 40)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["relu", "same", "Dense", "Concatenate", "None", "features", "adam"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(LAYER_KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _assert_clean(error: SpecError, file: str) -> None:
    assert error.problems
    for problem in error.problems:
        line = problem.render()
        assert line.startswith(file), line
        assert len(line.splitlines()) == 1 and line.isprintable(), line


def _pipeline(data: Any, file: str = "fuzz.json") -> str | None:
    """Check and generate; None when refused (cleanly)."""
    try:
        checked = check_loaded(LoadedSpec(file, data), Path(file))
    except SpecError as error:
        _assert_clean(error, file)
        event("refused")
        return None
    event("accepted")  # --hypothesis-show-statistics shows how many
    with black_outputs() as formatted:
        source = generate(checked)
    compile(source, "fuzz.py", "exec")
    assert formatted[-1:] == [source]
    assert black.format_str(source, mode=MODE) == source  # one black pass was enough
    return source


def _plain(value: Any) -> bool:
    """JSON-like data as the loaders promise it."""
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is int:
        return -(2**31) <= value < 2**31
    return value is None or type(value) in (str, bool)


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=8))
@example({"name": "m1", "inputs": [{"name": "a", "shape": [2147483647] * 600}],
          "layers": [{"name": "f", "type": "Flatten"}], "outputs": ["f"]})  # fmt: skip
@example({"name": "m1", "inputs": [{"name": "a", "shape": [3]}],
          "layers": [{"name": "d", "type": "Dense", "units": 10**5000}]})  # fmt: skip
@example({"name": "m1", "\n": 1, "\ud800": 2, "k" * 10_000: 3})
def test_arbitrary_data_is_refused_cleanly_or_generates(data: dict[str, Any]) -> None:
    _pipeline(data)


def _leaves(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in [(key, key), *_leaves(item)]]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [(None, value)]


WORDS = sorted(
    {value for seed in SEEDS for _, value in _leaves(seed) if isinstance(value, str)}
    | {"valid", "causal", "softmax", "tanh", "mse", "int32", "Flatten", "Conv1D", "Dropout"}
)


def _plausible(value: Any) -> st.SearchStrategy[Any]:
    """A value of the same kind as `value`, often one a spec really uses; or anything."""
    if type(value) is int:
        return st.integers(-2, 40) | json_values
    if type(value) is float:
        return st.floats(-0.5, 1.5) | json_values
    if type(value) is str:
        return st.sampled_from(WORDS) | json_values
    return json_values


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    """A valid spec with one to three random edits: replace, delete, add, duplicate, drop."""
    data = json.loads(json.dumps(draw(st.sampled_from(SEEDS))))
    for _ in range(draw(st.integers(1, 3))):
        containers = _containers(data)
        path, node = draw(st.sampled_from(containers))
        edit = draw(st.sampled_from(["replace", "replace", "delete", "add", "duplicate", "drop"]))
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if edit == "replace":
                node[key] = draw(_plausible(node[key]))
            elif edit == "delete":
                del node[key]
            elif edit == "add":
                node[draw(st.sampled_from(LAYER_KEYS + FIELDS) | st.text(max_size=6))] = draw(
                    json_values
                )
            elif isinstance(node[key], list) and node[key]:
                items = node[key]
                index = draw(st.integers(0, len(items) - 1))
                if edit == "duplicate":
                    items.insert(index, json.loads(json.dumps(items[index])))
                else:
                    del items[index]
        elif isinstance(node, list) and node:
            index = draw(st.integers(0, len(node) - 1))
            if edit == "replace":
                node[index] = draw(_plausible(node[index]))
            elif edit in ("delete", "drop"):
                del node[index]
            else:
                node.insert(index, draw(json_values))
    return data


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, value)] if isinstance(value, (dict, list)) else []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, item in items:
        found += _containers(item, (*path, key))
    return found


@FUZZ
@given(mutated_specs())
def test_mutated_valid_specs_are_refused_cleanly_or_generate(data: Any) -> None:
    _pipeline(data)


def _dump(data: Any, spec_format: str) -> str | None:
    try:
        if spec_format == "json":
            return json.dumps(data, allow_nan=True)
        if spec_format == "yaml":
            return yaml.safe_dump(data, allow_unicode=True)
        return tomli_w.dumps(data)
    except (TypeError, ValueError, yaml.YAMLError):
        return None


@FUZZ
@given(mutated_specs(), st.sampled_from(FORMATS))
def test_mutated_specs_through_each_file_format(data: Any, spec_format: str) -> None:
    text = _dump(data, spec_format)
    if text is None:
        return
    file = f"fuzz.{spec_format}"
    try:
        loaded = load_text(text, file, spec_format)
    except SpecError as error:
        _assert_clean(error, file)
        return
    assert _plain(loaded.data)
    _pipeline(loaded.data, file)


SYNTAX = list("{}[]:,-#&*!|>'\"\\\n\t ?%@`=.+_0123456789aefilnrstuxyzTN") + [
    "\r", "\x00", "\x85", "\u2028", "\ufeff", "é", "\ud800", "true", "null", "inf", "nan",
    "---", "...", "[[", "]]", "<<", "!!", "0x", "1e999", "9" * 50,
]  # fmt: skip
spec_text = st.text() | st.lists(st.sampled_from(SYNTAX), max_size=60).map("".join)


@st.composite
def edited_preset_text(draw: st.DrawFn) -> tuple[str, str]:
    """A preset written in one format, with a few characters inserted, replaced or deleted."""
    spec_format = draw(st.sampled_from(FORMATS))
    data = json.loads(json.dumps(draw(st.sampled_from(SEEDS))).replace("null", '"None"'))
    text = _dump(data, spec_format) or ""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        insert = draw(st.sampled_from(SYNTAX) | st.text(max_size=3))
        cut = draw(st.integers(0, 3))
        text = text[:at] + insert + text[at + cut :]
    return spec_format, text


@FUZZ
@given(st.sampled_from(FORMATS), spec_text)
@example("yaml", "a: !!bool maybe\n")
@example("yaml", "a: !!int ''\n")
@example("yaml", "a: !!timestamp abc\n")
@example("yaml", "a: 2024-13-45\n")
@example("yaml", "a: b\x00\n")
@example("yaml", "a: " + "[" * 5000)
@example("yaml", "a: " + "9" * 5000)
@example("toml", "a = " + "[" * 5000)
@example("toml", "a = " + "9" * 5000)
@example("toml", "a = [1,")
@example("json", '{"a": ' + "9" * 5000 + "}")
def test_arbitrary_text_is_loaded_or_refused_cleanly(spec_format: str, text: str) -> None:
    file = f"fuzz.{spec_format}"
    try:
        loaded = load_text(text, file, spec_format)
    except SpecError as error:
        _assert_clean(error, file)
        return
    assert _plain(loaded.data)
    _pipeline(loaded.data, file)


@FUZZ
@given(edited_preset_text())
def test_edited_spec_files_are_loaded_or_refused_cleanly(case: tuple[str, str]) -> None:
    spec_format, text = case
    file = f"fuzz.{spec_format}"
    try:
        loaded = load_text(text, file, spec_format)
    except SpecError as error:
        _assert_clean(error, file)
        return
    assert _plain(loaded.data)
    _pipeline(loaded.data, file)


@FUZZ
@given(st.sampled_from(FORMATS), st.binary(max_size=200))
@example("yaml", b"\xef\xbb\xbf\xef\xbb\xbfname: x\n")
@example("json", "name".encode("utf-16"))
def test_arbitrary_bytes_in_a_file_are_loaded_or_refused_cleanly(
    spec_format: str, content: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz.{spec_format}"
        path.write_bytes(content)
        try:
            loaded = load_spec(path)
        except SpecError as error:
            _assert_clean(error, str(path))
            return
        assert _plain(loaded.data)
