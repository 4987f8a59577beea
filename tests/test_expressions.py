"""Compute layers: the allow-list, shapes, errors at the field, and the code they become."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.arithmetic import ExpressionError
from generator.analysis.expressions import parse
from generator.analysis.layers.base import ShapeError
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec

SIAMESE: dict[str, Any] = {
    "name": "siamese",
    "inputs": [{"name": "left", "shape": [32]}, {"name": "right", "shape": [32]}],
    "layers": [
        {"name": "left_embedding", "type": "Dense", "units": 16, "inputs": "left"},
        {"name": "right_embedding", "share": "left_embedding", "inputs": "right"},
        {
            "name": "l1_distance",
            "compute": "abs(a - b)",
            "inputs": {"a": "left_embedding", "b": "right_embedding"},
        },
        {"name": "similarity", "type": "Dense", "units": 1, "activation": "sigmoid"},
    ],
}


def _script(spec: dict[str, Any]) -> str:
    return generate(check_loaded(LoadedSpec("s.yaml", spec), Path("s.yaml")), script_name="s.py")


def _problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        check_loaded(LoadedSpec("s.yaml", spec), Path("s.yaml"))
    return [problem.render() for problem in caught.value.problems]


def _with(compute: str, inputs: Any = None, shapes: Any = ([16], [16])) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "probe",
        "inputs": [{"name": f"in{i}", "shape": shape} for i, shape in enumerate(shapes)],
        "layers": [
            {"name": "e", "compute": compute, "inputs": inputs or {"a": "in0", "b": "in1"}},
            {"name": "out", "type": "Dense", "units": 1},
        ],
    }
    return spec


def test_the_siamese_distance_is_one_line_of_keras_ops() -> None:
    script = _script(SIAMESE)
    assert "l1_distance = keras.ops.abs(left_embedding - right_embedding)  # (None, 16)" in script
    assert "Lambda" not in script and "NormalLike" not in script


def test_the_vae_sampling_writes_the_normal_like_layer_once() -> None:
    spec = {
        "name": "vae",
        "inputs": [{"name": "image", "shape": [8]}],
        "layers": [
            {"name": "z_mean", "type": "Dense", "units": 2, "inputs": "image"},
            {"name": "z_log_var", "type": "Dense", "units": 2, "inputs": "image"},
            {
                "name": "z",
                "compute": "mean + exp(0.5 * log_var) * normal_like(mean)",
                "inputs": {"mean": "z_mean", "log_var": "z_log_var"},
            },
            {"name": "decoded", "type": "Dense", "units": 8},
        ],
    }
    script = _script(spec)
    assert "z = z_mean + keras.ops.exp(0.5 * z_log_var) * NormalLike()(z_mean)" in script
    assert script.count("class NormalLike(keras.layers.Layer):") == 1
    assert '@keras.utils.register_keras_serializable(package="mergegen")' in script


@pytest.mark.parametrize(
    ("text", "shapes", "expected"),
    [
        ("a - b", [(None, 4), (None, 4)], (None, 4)),
        ("a * b", [(None, 1, 5), (None, 3, 1)], (None, 3, 5)),
        ("a + b", [(None, None), (None, 7)], (None, 7)),
        ("a + b", [(None, None), (None, 1)], (None, None)),
        ("sum(a, axis=1) + b", [(None, 3, 4), (None, 4)], (None, 4)),
        ("mean(a, axis=(1, 2), keepdims=True) * b", [(None, 3, 4), (None, 1, 1)], (None, 1, 1)),
        ("max(a * b, -1)", [(None, 3, 4), (None, 3, 4)], (None, 3)),
        ("expand_dims(a, 1) + b", [(None, 4), (None, 2, 4)], (None, 2, 4)),
        ("squeeze(a, -1) / b", [(None, 4, 1), (None, 4)], (None, 4)),
        ("l2_normalize(a) - minimum(b, 0.0)", [(None, 4), (None, 4)], (None, 4)),
        ("clip(a, 0, 6) ** 2 + relu6(-b)", [(None, 4), (None, 4)], (None, 4)),
    ],
)
def test_shapes_follow_keras_broadcasting(text: str, shapes: Any, expected: Any) -> None:
    assert parse(text, ["a", "b"]).infer(shapes).shape == expected


@pytest.mark.parametrize(
    ("text", "shapes", "message"),
    [
        ("a - b", [(None, 32), (None, 16)], "a (None, 32) and b (None, 16) do not broadcast"),
        ("a - b", [(None, 4), (None, 2, 4)], "their ranks differ"),
        ("sum(a, axis=0) + b", [(None, 4), (None, 4)], "is the batch axis"),
        ("sum(a, axis=3) + b", [(None, 4), (None, 4)], "axis 3 is out of range"),
        ("squeeze(a, 1) + b", [(None, 4), (None, 4)], "has size 4, not 1"),
        ("sum(a, axis=(1, -1)) + b", [(None, 4), (None, 4)], "given twice"),
    ],
)
def test_shape_errors_name_the_subexpressions(text: str, shapes: Any, message: str) -> None:
    with pytest.raises(ShapeError, match=re.escape(message)):
        parse(text, ["a", "b"]).infer(shapes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.b", "not allowed"),
        ("a[0] + b", "not allowed"),
        ("'x' + a + b", "not allowed"),
        ("__import__('os')", "not allowed"),
        ("a + b + c", "unknown name 'c'"),
        ("a // b", "not allowed"),
        ("a ** b", "constant exponent"),
        ("a / 0 + b", "divides by zero"),
        ("a * 2 ** 1000 + b", "out of range"),
        ("a + 1e999 + b", "too large"),
        ("foo(a) + b", "unknown function 'foo'"),
        ("sqrtt(a) + b", "did you mean 'sqrt'"),
        ("a + b if a else b", "not allowed"),
        ("sum(a) + b", "expected sum(x, axis, keepdims=False), got 1"),
        ("sum(a, axis=b) + b", "must be an integer"),
        ("clip(a, 6, 0) + b", "above the high bound"),
        ("clip(a, b, 1)", "must be a number"),
        ("exp(1.0) + a + b", "must use an input"),
        ("a", "input 'b' is not used"),
        ("1 + 2", "uses none of the inputs"),
        ("mean + b", "call it: mean(x, axis, keepdims=False)"),
        ("abs(" * 20 + "a" + ")" * 20 + " + b", "deeper"),
        ("a + b" + " + a" * 100, "longer than"),
    ],
)
def test_the_allow_list_refuses(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(text, ["a", "b"])


def test_precedence_survives_the_round_trip() -> None:
    cases = {
        "-a ** 2 + b": "-a ** 2 + b",
        "(-a) ** 2 + b": "(-a) ** 2 + b",
        "a - (b - a)": "a - (b - a)",
        "(a + b) * 0.5": "(a + b) * 0.5",
        "a * -2 + b": "a * (-2) + b",
        "a * (1 / 4) + b": "a * 0.25 + b",
        "sum(a, axis=-1, keepdims=True) + b": "keras.ops.sum(a, axis=-1, keepdims=True) + b",
    }
    for text, code in cases.items():
        assert parse(text, ["a", "b"]).python(str, repr) == code


def test_errors_point_at_the_compute_field() -> None:
    (line,) = _problems(_with("a - b", shapes=([32], [16])))
    assert line.startswith("s.yaml: layers[0].compute: e: ")
    assert "a (None, 32) and b (None, 16) do not broadcast (sizes 32 and 16 at axis 1)" in line


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (_with("a - b", shapes=([4],), inputs={"a": "in0", "b": "in0"}), "same input twice"),
        (_with("a + b", inputs={"a": "in0", "b": "nope"}), "unknown layer 'nope'"),
        (_with("a + b", inputs={"a b": "in0", "b": "in1"}), "cannot be named in an expression"),
        (_with("a + b", inputs={"class": "in0", "b": "in1"}), "is a Python keyword"),
        (
            {
                **_with("a + b"),
                "inputs": [
                    {"name": "in0", "shape": [4], "dtype": "int32"},
                    {"name": "in1", "shape": [4]},
                ],
            },
            "cannot take int32 values",
        ),
    ],
)
def test_compute_layer_errors(spec: dict[str, Any], message: str) -> None:
    assert any(message in line for line in _problems(spec)), _problems(spec)


def test_a_compute_layer_takes_no_arguments_and_cannot_be_shared() -> None:
    spec = _with("a + b")
    spec["layers"][0]["units"] = 3
    assert "unknown field 'units' for a compute layer" in _problems(spec)[0]
    spec = _with("a + b")
    spec["layers"].insert(1, {"name": "again", "share": "e", "inputs": "in0"})
    assert "has no weights to share" in _problems(spec)[0]


def test_a_list_of_inputs_names_them_in_the_expression() -> None:
    spec = _with("square(in0 - in1)", inputs=["in0", "in1"])
    assert "e = keras.ops.square(in0 - in1)  # (None, 16)" in _script(spec)


def test_layer_names_keras_gives_normal_like_layers_are_refused() -> None:
    spec = _with("a + normal_like(b)")
    spec["layers"][1]["name"] = "normal_like"
    assert "how Keras names the layers that normal_like makes" in " ".join(_problems(spec))


SIAMESE_YAML = """\
name: siamese
inputs:
  - {name: left, shape: [32]}
  - {name: right, shape: [16]}
layers:
  - {name: l1_distance, compute: "abs(a - b)", inputs: {a: left, b: right}}
  - {name: similarity, type: Dense, units: 1, activation: sigmoid}
"""


def test_the_cli_points_at_the_expression(cli, spec_file) -> None:  # type: ignore[no-untyped-def]
    result = cli("validate", spec_file(SIAMESE_YAML))
    assert result.exit_code == 2
    assert result.errors == [
        'error: spec.yaml:6:25: layers[0].compute: l1_distance: in "a - b", a (None, 32)'
        " and b (None, 16) do not broadcast (sizes 32 and 16 at axis 1)"
    ]
    assert "Traceback" not in result.stderr


def test_validate_and_diagram_show_a_node_per_expression(cli, spec_file) -> None:  # type: ignore[no-untyped-def]
    name = spec_file(SIAMESE_YAML.replace("[16]", "[32]"))
    table = cli("validate", name)
    assert table.exit_code == 0
    assert any(
        line.split()[:2] == ["l1_distance", "compute"] and "(None, 32)" in line
        for line in table.stdout.splitlines()
    )
    diagram = cli("diagram", name, "-o", "-", "--format", "mermaid")
    assert 'n_l1_distance["l1_distance<br/>compute<br/>(None, 32)"]' in diagram.stdout
    assert "n_left --> n_l1_distance" in diagram.stdout


def test_only_a_compute_layer_maps_local_names() -> None:
    spec = _with("a + b")
    spec["layers"][1]["inputs"] = {"x": "e"}
    assert "only compute and attention layers map names to their inputs" in " ".join(
        _problems(spec)
    )


def _in_block(compute: str, inputs: Any = None, top_compute: bool = False) -> dict[str, Any]:
    """A block whose last layer is an expression over its two Dense layers, called twice."""
    head = {
        "inputs": ["x", "y"],
        "params": ["units"],
        "layers": [
            {"name": "dx", "type": "Dense", "units": "$units", "inputs": "x"},
            {"name": "dy", "type": "Dense", "units": "$units", "inputs": "y"},
            {"name": "dist", "compute": compute, "inputs": inputs or {"p": "dx", "q": "dy"}},
        ],
    }
    last: dict[str, Any] = {"name": "out", "type": "Add", "inputs": ["h1", "h2"]}
    if top_compute:
        last = {"name": "out", "compute": "h1 * h2", "inputs": ["h1", "h2"]}
    return {
        "name": "probe",
        "inputs": [{"name": "a", "shape": [8]}, {"name": "b", "shape": [8]}],
        "blocks": {"head": head},
        "layers": [
            {"name": "h1", "block": "head", "inputs": ["a", "b"], "units": 4},
            {"name": "h2", "block": "head", "inputs": ["b", "a"], "units": 4},
            last,
        ],
    }


def test_a_compute_layer_inside_a_block_is_a_line_of_the_block_function() -> None:
    script = _script(_in_block("abs(p - q)"))
    block = script[script.index("def head(") : script.index("def build_model")]
    assert "dist = keras.ops.abs(dx - dy)  # (None, 4)" in block
    assert "return dist" in block


def test_a_block_expression_is_checked_once_at_its_definition() -> None:
    assert _problems(_in_block("abs(p - r)")) == [
        "s.yaml: blocks.head.layers[2].compute: unknown name 'r' (inputs: p, q) in \"abs(p - r)\""
    ]
    assert _problems(_in_block("p + q", {"p": "dx", "q": "dx"})) == [
        "s.yaml: blocks.head.layers[2].inputs: names the same input twice"
    ]
    spec = _in_block("abs(p - q)")
    spec["blocks"]["head"]["layers"][2]["units"] = 3
    assert "unknown field 'units' for a compute layer" in _problems(spec)[0]


def test_a_block_expression_whose_shapes_clash_points_at_the_call() -> None:
    spec = _in_block("abs(p - q)")
    spec["blocks"]["head"]["layers"][1]["units"] = 5
    assert any(
        'in "p - q", p (None, 4) and q (None, 5) do not broadcast' in line
        for line in _problems(spec)
    ), _problems(spec)


def test_an_expression_may_be_a_model_output_with_zeros_for_labels() -> None:
    script = _script(_in_block("abs(p - q)", top_compute=True))
    assert "out = h1 * h2  # (None, 4)" in script
    assert 'outputs=out, name="probe"' in script
    assert "y = np.zeros((samples, 4), dtype=np.float32)" in script


def test_a_layer_output_keeps_random_labels() -> None:
    script = _script(_in_block("abs(p - q)"))
    assert "y = rng.random((samples, 4), dtype=np.float32)" in script


def test_a_block_expression_takes_the_blocks_parameters_as_numbers() -> None:
    spec = _in_block("abs(p - q) ** $power * $scale")
    spec["blocks"]["head"]["params"] += ["scale", "power"]
    spec["blocks"]["head"]["defaults"] = {"power": 2}
    spec["layers"][0]["scale"] = 0.5
    spec["layers"][1]["scale"] = -1
    script = _script(spec)
    assert "def head(x, y, units, scale, power=2, *, name):" in script
    assert "dist = keras.ops.abs(dx - dy) ** power * scale  # (None, 4)" in script
    assert 'h2 = head(b, a, units=4, scale=-1, name="h2")' in script


@pytest.mark.parametrize(
    ("compute", "value", "message"),
    [
        (
            "p * $scale + q",
            "big",
            "s.yaml: blocks.head.layers[2].compute (h1): $scale is 'big', not a number"
            ' in "p * $scale + q"',
        ),
        (
            "p / $scale + q",
            0,
            "s.yaml: blocks.head.layers[2].compute (h1): p / $scale divides by zero"
            ' in "p / $scale + q"',
        ),
        (
            "p * $size + q",
            1.0,
            "s.yaml: blocks.head.layers[2].compute: $size is not a parameter of the block"
            ' (parameters: $units, $scale) in "p * $size + q"',
        ),
        (
            "clip(p, 0, $scale) + q",
            1.0,
            "s.yaml: blocks.head.layers[2].compute: $scale must be a number"
            ' in "clip(p, 0, $scale) + q"',
        ),
    ],
)
def test_block_parameters_in_expressions_are_checked(
    compute: str, value: Any, message: str
) -> None:
    spec = _in_block(compute)
    spec["blocks"]["head"]["params"].append("scale")
    spec["layers"][0]["scale"] = value
    spec["layers"][1]["scale"] = 1.0
    assert message in _problems(spec), _problems(spec)


def test_a_parameter_used_only_in_an_expression_counts_as_used() -> None:
    spec = _in_block("p * $scale + q")
    spec["blocks"]["head"]["params"].append("scale")
    for call in spec["layers"][:2]:
        call["scale"] = 2.0
    assert "dist = dx * scale + dy" in _script(spec)


def test_dollar_is_not_allowed_outside_a_block() -> None:
    assert "'$' is not allowed in an expression" in _problems(_with("a * $k + b"))[0]
