"""Numbers reach the script only as finite floats and 32-bit ints, in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml

from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.values import MAX_INT
from tests.conftest import message_lines
from tests.hostile import benign

# (field, path into the benign spec) for every float the spec can hold.
FLOAT_FIELDS = {
    "learning_rate": ("training", "learning_rate"),
    "Dropout rate": ("layers", 9, "rate"),
    "BatchNormalization momentum": ("layers", 7, "momentum"),
    "BatchNormalization epsilon": ("layers", 7, "epsilon"),
}
NON_FINITE = {
    "yaml": {".inf": "infinity", "-.inf": "infinity", ".nan": "NaN", ".NaN": "NaN"},
    "json": {"Infinity": "infinity", "-Infinity": "infinity", "NaN": "NaN", "1e999": "number"},
    "toml": {"inf": "infinity", "-inf": "infinity", "nan": "NaN", "+nan": "NaN"},
}
MARK = 123456.5  # a float that prints the same in every format, replaced by the literal


def _put(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _text(data: dict[str, Any], spec_format: str) -> str:
    if spec_format == "json":
        return json.dumps(data, indent=1)
    if spec_format == "yaml":
        return yaml.safe_dump(data, sort_keys=False)
    toml_data = json.loads(json.dumps(data).replace("null", '"None"'))
    return tomli_w.dumps(toml_data)


@pytest.mark.parametrize("spec_format", ["yaml", "json", "toml"])
@pytest.mark.parametrize("field", list(FLOAT_FIELDS))
def test_non_finite_numbers_exit_2_naming_file_line_and_field(
    spec_format: str, field: str, cli, spec_file
) -> None:
    for literal, word in NON_FINITE[spec_format].items():
        data = benign()
        path = FLOAT_FIELDS[field]
        _put(data, path, MARK)
        text = _text(data, spec_format)
        assert text.count(str(MARK)) == 1
        name = spec_file(text.replace(str(MARK), literal), name=f"spec.{spec_format}")
        result = cli("validate", name)
        assert result.exit_code == 2, result.stdout
        (line,) = message_lines(result.stderr)
        field_path = ".".join(str(p) for p in path).replace(".9.", "[9].").replace(".7.", "[7].")
        assert line.startswith(f"error: spec.{spec_format}:"), line
        assert f": {field_path}: " in line, line
        assert line.split(":")[2].isdigit(), line  # the line number
        assert (word + " is not allowed" in line) or ("out of range" in line), line


INT_FIELDS = {
    "units": (("layers", 10, "units"), "expected a positive integer of at most 2147483647"),
    "filters": (("layers", 0, "filters"), "expected a positive integer of at most 2147483647"),
    "kernel_size": (
        ("layers", 0, "kernel_size"),
        "expected a positive integer or a list of 2 positive integers of at most 2147483647",
    ),
    "strides": (
        ("layers", 1, "strides"),
        "expected a positive integer or a list of 2 positive integers of at most 2147483647",
    ),
    "input_dim": (("layers", 3, "input_dim"), "expected a positive integer of at most"),
    "output_dim": (("layers", 3, "output_dim"), "expected a positive integer of at most"),
    "seed": (("layers", 9, "seed"), "expected a non-negative integer of at most 2147483647"),
    "axis": (("layers", 6, "axis"), "expected an integer of at most 2147483647"),
    "shape": (("inputs", 0, "shape", 0), "input should be less than or equal to 2147483647"),
    "epochs": (("training", "epochs"), "input should be less than or equal to 2147483647"),
    "batch_size": (("training", "batch_size"), "input should be less than or equal to"),
    "samples": (("training", "samples"), "input should be less than or equal to 2147483647"),
}


def _problems(data: dict[str, Any]) -> list[str]:
    try:
        check_loaded(LoadedSpec("f.json", data), Path("f.json"))
    except SpecError as error:
        return [problem.render() for problem in error.problems]
    return []


@pytest.mark.parametrize("field", list(INT_FIELDS))
@pytest.mark.parametrize("value", [2**31, 10**40, 10**5000], ids=["2**31", "10**40", "10**5000"])
def test_integers_beyond_32_bits_are_refused_by_each_field(field: str, value: int) -> None:
    """The loader refuses them first; these checks hold for data that skipped it too."""
    path, message = INT_FIELDS[field]
    data = benign()
    _put(data, path, value)
    problems = _problems(data)
    assert problems and all(len(line.splitlines()) == 1 for line in problems)
    assert any(message in line for line in problems), problems
    if field == "axis":
        data = benign()
        _put(data, path, -(2**31) - 1)
        assert any("expected an integer of at least -2147483648" in p for p in _problems(data))


def test_the_largest_32_bit_integer_is_accepted() -> None:
    data = benign()
    data["layers"][10]["units"] = MAX_INT
    data["training"]["samples"] = MAX_INT
    data["layers"][9]["seed"] = MAX_INT
    assert _problems(data) == []


def test_inferred_sizes_must_fit_32_bits_too() -> None:
    data = {
        "name": "wide",
        "inputs": [{"name": "features", "shape": [MAX_INT] * 600}],
        "layers": [{"name": "flat", "type": "Flatten"}],
    }
    assert _problems(data) == [
        "f.json: layers[0]: flat: an output dimension is larger than 2147483647"
        " (Keras cannot build it)"
    ]
    data["inputs"][0]["shape"] = [65536, 65536]
    assert _problems(data) == [
        "f.json: layers[0]: flat: an output dimension is larger than 2147483647"
        " (Keras cannot build it)"
    ]
    data["inputs"][0]["shape"] = [32768, 65535]
    checked = check_loaded(LoadedSpec("f.json", data), Path("f.json"))
    assert "rng.random((samples, 2147450880), dtype=np.float32)" in generate(checked)
