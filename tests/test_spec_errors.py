"""Every kind of bad spec: exit 2, one exact line per problem, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import VALID_SPEC, files_under


def spec_with(*replacements: tuple[str, str]) -> str:
    text = VALID_SPEC
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


DENSE_LEFT = "  - {name: left, type: Dense, inputs: features, units: 8, activation: relu}\n"

CASES = {
    "unknown top-level key": (
        spec_with(("description:", "descripton:")),
        "spec.yaml:2:1: descripton: unknown field 'descripton' (did you mean 'description'?)",
    ),
    "missing required field": (
        spec_with(("name: small\n", "")),
        "spec.yaml:1:1: name: missing required field",
    ),
    "unknown layer type": (
        spec_with(("type: Concatenate", "type: Concatinate")),
        "spec.yaml:9:20: layers[2].type: unknown layer type 'Concatinate' (did you mean 'Concatenate'?)",
    ),
    "unknown argument": (
        spec_with(("units: 8, activation: relu", "unit: 8, activation: relu")),
        "spec.yaml:7:49: layers[0].unit: unknown argument 'unit' for Dense (did you mean 'units'?)"
        " (allowed: name, type, inputs, units, activation, use_bias, kernel_initializer,"
        " bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,"
        " kernel_constraint, bias_constraint)",
    ),
    "missing layer argument": (
        spec_with(("units: 8, activation: relu", "activation: relu")),
        "spec.yaml:7:5: layers[0].units: Dense needs 'units'",
    ),
    "wrong value type": (
        spec_with(("units: 8, activation: relu", "units: '8', activation: relu")),
        "spec.yaml:7:49: layers[0].units: expected a positive integer, got '8'",
    ),
    "bool is not a number": (
        spec_with(("units: 8, activation: relu", "units: true, activation: relu")),
        "spec.yaml:7:49: layers[0].units: expected a positive integer, got True",
    ),
    "unknown activation": (
        spec_with(("activation: tanh", "activation: tanhh")),
        "spec.yaml:8:60: layers[1].activation: expected one of linear, relu, relu6, leaky_relu,"
        " elu, selu, gelu, silu, mish, sigmoid, hard_sigmoid, hard_silu, softmax,"
        " log_softmax, softplus, softsign, tanh, exponential, got 'tanhh' (did you mean 'tanh'?)",
    ),
    "unknown reference": (
        spec_with(("inputs: [left, right]", "inputs: [left, rigth]")),
        "spec.yaml:9:39: layers[2].inputs: unknown layer 'rigth' (did you mean 'right'?)",
    ),
    "reference to a later layer": (
        spec_with(("inputs: [left, right]", "inputs: [left, right, probability]")),
        "spec.yaml:9:39: layers[2].inputs: layer 'probability' comes later, at layers[3]"
        " (layers can only take earlier layers or inputs)",
    ),
    "cycle": (
        spec_with(
            (
                "inputs: features, units: 8, activation: relu",
                "inputs: merged, units: 8, activation: relu",
            )
        ),
        "spec.yaml:7:31: layers[0].inputs: cycle: left -> merged -> left",
    ),
    "duplicate names": (
        spec_with(("name: right", "name: features"), ("[left, right]", "[left, features]")),
        "spec.yaml:8:6: layers[1].name: duplicate name 'features' (first used at inputs[0])",
    ),
    "space in a name": (
        spec_with(("name: right", "name: my right"), ("[left, right]", "[left, my right]")),
        "spec.yaml:8:6: layers[1].name: 'my right' holds ' ': Keras names take ASCII letters,"
        " digits and _ . - > (TensorFlow refuses anything else when the model trains)",
    ),
    "slash in a name": (
        spec_with(("name: right", "name: a/b"), ("[left, right]", "[left, a/b]")),
        "spec.yaml:8:6: layers[1].name: 'a/b' holds '/': Keras names take ASCII letters,"
        " digits and _ . - > (TensorFlow refuses anything else when the model trains)",
    ),
    "model name starting with an underscore": (
        spec_with(("name: small", "name: _small")),
        "spec.yaml:1:1: name: '_small' starts with '_': a model's name starts with a letter,"
        " a digit or '.' (TensorFlow refuses it when the model trains)",
    ),
    "non-ASCII look-alike": (
        spec_with(("name: right", "name: rіght"), ("[left, right]", "[left, rіght]")),
        "spec.yaml:8:6: layers[1].name: 'rіght' holds 'і': Keras names take ASCII letters,"
        " digits and _ . - > (TensorFlow refuses anything else when the model trains)",
    ),
    "merge with one input": (
        spec_with(("inputs: [left, right]", "inputs: [left]")),
        "spec.yaml:9:39: layers[2].inputs: Concatenate merges two or more inputs, got 1",
    ),
    "output that is not a layer": (
        VALID_SPEC + "outputs: [features]\n",
        "spec.yaml:11:11: outputs[0]: 'features' is an input, not a layer",
    ),
    "unknown output": (
        VALID_SPEC + "outputs: [probabilty]\n",
        "spec.yaml:11:11: outputs[0]: unknown layer 'probabilty' (did you mean 'probability'?)",
    ),
    "empty layers": (
        "name: small\ninputs:\n  - {name: features, shape: [10]}\nlayers: []\n",
        "spec.yaml:4:1: layers: must not be empty",
    ),
    "two inputs into a Dense": (
        spec_with(("type: Dense, units: 1", "type: Dense, inputs: [left, right], units: 1")),
        "spec.yaml:10:38: layers[3].inputs: Dense takes one input, got 2"
        " (merge them first, e.g. with a Concatenate layer)",
    ),
    "same input twice": (
        spec_with(("inputs: [left, right]", "inputs: [left, left]")),
        "spec.yaml:9:39: layers[2].inputs: names the same input twice",
    ),
    "loss for an unknown output": (
        VALID_SPEC + "training:\n  loss: {probs: mse}\n",
        "spec.yaml:12:10: training.loss.probs: 'probs' is not an output (outputs: probability)",
    ),
    "bad merge style": (
        spec_with(("description: Two branches merged.", "merge_style: method")),
        "spec.yaml:2:1: merge_style: expected one of class or function; got 'method'",
    ),
    "bad form of the inputs": (
        spec_with(("description: Two branches merged.", "inputs_as: dict")),
        "spec.yaml:2:1: inputs_as: expected one of auto or list; got 'dict'",
    ),
    "shape mismatch in a merge": (
        spec_with(
            ("inputs: [left, right]", "inputs: [left, features, right], axis: 1"),
            ("shape: [10]", "shape: [10, 3]"),
        ),
        "spec.yaml:9:5: layers[2]: merged: Concatenate on axis 1 needs the other axes to match,"
        " but axis 2 differs: left (None, 10, 8), features (None, 10, 3), right (None, 10, 8)"
        " (axis=-1 would fit these shapes)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_spec_gives_exact_one_line_error(case: str, cli, spec_file, tmp_path: Path) -> None:
    text, expected = CASES[case]
    before = files_under(tmp_path)
    name = spec_file(text)
    for command in ("validate", "generate"):
        result = cli(command, name)
        assert result.exit_code == 2, result.stderr
        assert result.errors == [f"error: {expected}"]
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
    assert files_under(tmp_path).keys() == {*before, name}


def test_every_problem_is_reported_at_once(cli, spec_file) -> None:
    text = spec_with(
        ("type: Concatenate", "type: Concat"),
        ("units: 8, activation: relu", "units: 0, activation: relu"),
    )
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert len(result.errors) == 2


def test_missing_spec_file(cli) -> None:
    result = cli("generate", "absent.yaml")
    assert result.exit_code == 2
    assert result.stderr == "error: absent.yaml: no such file\n"


def test_one_bad_spec_among_several_writes_nothing(cli, spec_file, tmp_path: Path) -> None:
    good = spec_file(name="good.yaml")
    bad = spec_file(
        spec_with(("name: small", "name: other"), ("units: 1,", "units: -1,")), name="bad.yaml"
    )
    result = cli("generate", good, bad)
    assert result.exit_code == 2
    assert result.errors == [
        "error: bad.yaml:10:38: layers[3].units: expected a positive integer, got -1"
    ]
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("name", ["con", "NUL", "Com1", "lpt9", "aux"])
def test_windows_device_names_get_another_file_name(name: str, cli, spec_file) -> None:
    result = cli("generate", spec_file(spec_with(("name: small", f"name: {name}"))))
    assert result.exit_code == 0, result.stderr
    assert [path.name for path in Path("output").iterdir()] == [f"{name}_.py"]
    assert f'name="{name}")' in Path("output", f"{name}_.py").read_text(encoding="utf-8")


def test_a_bad_input_dtype_and_a_bad_layer_argument_are_reported_together(cli, spec_file) -> None:
    text = spec_with(
        ("shape: [10]", "shape: [10]\n    dtype: float64"),
        ("units: 8, activation: relu", "units: 0, activation: relu"),
    )
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:6:5: inputs[0].dtype: expected one of float32, int32, int64 or string;"
        " got 'float64' (did you mean 'float32'?)",
        "error: spec.yaml:8:49: layers[0].units: expected a positive integer, got 0",
    ]


def test_unknown_fields_and_training_options_do_not_hide_the_layers(cli, spec_file) -> None:
    text = "descripton: oops\n" + spec_with(("type: Concatenate", "type: Concat"))
    text += "training:\n  optimizer: adamm\n  epochs: 0\n"
    result = cli("validate", spec_file(text))
    assert [line.split(": ")[2] for line in result.errors] == [
        "descripton",
        "layers[2].type",
        "training.optimizer",
        "training.epochs",
    ]


def test_a_structural_problem_that_shapes_the_model_stops_before_the_analysis(
    cli, spec_file
) -> None:
    text = spec_with(
        ("shape: [10]", "shape: ten"),
        ("units: 8, activation: relu", "units: 0, activation: relu"),
    )
    result = cli("validate", spec_file(text))
    assert result.errors == ["error: spec.yaml:5:5: inputs[0].shape: expected a list, got 'ten'"]
