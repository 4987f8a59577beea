"""Import of Bidirectional and TimeDistributed: the wrapped layer in spec form, never run.

Documents written by hand in the shape Keras 3.15's to_json() gives (the wrapped layer's
config trimmed to the keys that matter: a key left out reads as Keras's default).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecError
from generator.importer.run import import_model
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.import_docs import POLICY, functional, input_layer, layer, tensor


def record(class_name: str, name: str, module: str = "keras.layers", **config: Any) -> Any:
    """A serialized layer as a wrapper holds it (built, so with its build_config)."""
    return {
        "module": module, "class_name": class_name, "registered_name": None,
        "config": {"name": name, "trainable": True, "dtype": POLICY, **config},
        "build_config": {"input_shape": [None, 5, 3]},
    }  # fmt: skip


def rnn(class_name: str = "LSTM", name: str = "forward_lstm", **config: Any) -> Any:
    given = {"units": 4, "return_sequences": False, "go_backwards": False,
             "zero_output_for_mask": False, **config}  # fmt: skip
    return record(class_name, name, **given)


def backward_of(forward: Any, name: str) -> Any:
    """The copy Keras's Bidirectional makes of its forward layer."""
    copy = json.loads(json.dumps(forward))
    copy["config"].update(go_backwards=True, name=name)
    return copy


def wrapper_model(class_name: str, config: dict[str, Any], shape: list[Any]) -> Any:
    return functional(
        "wrapped",
        [input_layer("x", shape), layer(class_name, "w", [tensor("x", [None, *shape])], config)],
        ["x"],
        ["w"],
    )


def bidirectional(forward: Any, backward: Any = None, **config: Any) -> Any:
    stem = forward["config"]["name"].removeprefix("forward_")
    given = {"merge_mode": "concat", "layer": forward,
             "backward_layer": backward or backward_of(forward, f"backward_{stem}"), **config}  # fmt: skip
    return wrapper_model("Bidirectional", given, [5, 3])


def imported(tmp_path: Path, document: Any) -> Any:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    return import_model(path)


def spec_layers(tmp_path: Path, document: Any) -> list[Any]:
    found: list[Any] = yaml.safe_load(imported(tmp_path, document).text)["layers"]
    return found


def problems(tmp_path: Path, document: Any) -> list[str]:
    with pytest.raises(SpecError) as refused:
        imported(tmp_path, document)
    return [problem.render() for problem in refused.value.problems]


def test_the_wrapped_layer_becomes_spec_form_with_only_its_own_arguments(tmp_path: Path) -> None:
    forward = rnn(return_sequences=True, zero_output_for_mask=True, dropout=0.0, units=8)
    assert spec_layers(tmp_path, bidirectional(forward)) == [
        {"name": "w", "type": "Bidirectional", "inputs": "x",
         "layer": {"type": "LSTM", "name": "lstm", "return_sequences": True, "units": 8}},
    ]  # fmt: skip


def test_the_script_names_the_wrapped_layer(tmp_path: Path) -> None:
    script = generate(imported(tmp_path, bidirectional(rnn("GRU", "forward_gru_3"))).checked)
    assert 'layers.Bidirectional(layers.GRU(4, name="gru_3"), name="w")(' in script


@pytest.mark.parametrize(
    ("forward", "backward", "own"),
    [
        ("forward_lstm_2", "backward_lstm_2", "lstm_2"),
        ("forward_a", "backward_forward_a", "forward_a"),  # made from a layer named forward_a
        ("forward_backward_b", "backward_b", "backward_b"),
    ],
)
def test_the_wrapped_layers_own_name_is_the_one_keras_derived_both_from(
    tmp_path: Path, forward: str, backward: str, own: str
) -> None:
    first = rnn(name=forward)
    found = spec_layers(tmp_path, bidirectional(first, backward_of(first, backward)))
    assert found[0]["layer"]["name"] == own


def test_merge_mode_is_written_where_it_is_not_concat(tmp_path: Path) -> None:
    assert spec_layers(tmp_path, bidirectional(rnn(), merge_mode="sum"))[0]["merge_mode"] == "sum"
    lines = problems(tmp_path, bidirectional(rnn(), merge_mode=None))
    assert any("merge_mode=None" in line for line in lines), lines


@pytest.mark.parametrize(
    "change",
    [
        {"units": 5},  # another layer altogether
        {"name": "backward_other"},
        {"go_backwards": False},
    ],
)
def test_a_backward_layer_other_than_kerass_copy_is_refused(
    tmp_path: Path, change: dict[str, Any]
) -> None:
    forward = rnn()
    backward = backward_of(forward, "backward_lstm")
    backward["config"].update(change)
    lines = problems(tmp_path, bidirectional(forward, backward))
    assert any("'w'" in line and "backward_layer" in line for line in lines), lines


def test_forward_names_and_masks_keras_never_writes_are_refused(tmp_path: Path) -> None:
    lines = problems(tmp_path, bidirectional(rnn(name="lstm")))
    assert any("forward_<name>" in line for line in lines), lines
    lines = problems(tmp_path, bidirectional(rnn(return_sequences=True)))
    assert any("zero_output_for_mask" in line for line in lines), lines


def test_time_distributed_keeps_the_wrapped_layers_name(tmp_path: Path) -> None:
    inner = record("Dense", "dense_4", units=6, activation="relu", use_bias=True)
    document = wrapper_model("TimeDistributed", {"layer": inner}, [5, 3])
    assert spec_layers(tmp_path, document) == [
        {"name": "w", "type": "TimeDistributed", "inputs": "x",
         "layer": {"type": "Dense", "name": "dense_4", "units": 6, "activation": "relu"}},
    ]  # fmt: skip
    script = generate(imported(tmp_path, document).checked)
    assert 'layers.Dense(6, activation="relu", name="dense_4"), name="w"' in script


@pytest.mark.parametrize(
    ("wrapper", "inner", "message"),
    [
        ("TimeDistributed", record("Evil", "e", module="my.module"), "custom class 'Evil'"),
        ("TimeDistributed", record("Lambda", "f", function="eval"), "Lambda holds Python"),
        ("TimeDistributed", record("Bidirectional", "b"), "wrapping Bidirectional is not"),
        ("Bidirectional", record("Dense", "forward_d", units=2), "wraps SimpleRNN, LSTM, GRU"),
        ("TimeDistributed", "os.system", "not a layer record"),
    ],
)
def test_a_wrapped_layer_the_spec_cannot_build_is_refused_naming_its_class(
    tmp_path: Path, wrapper: str, inner: Any, message: str
) -> None:
    document = wrapper_model(wrapper, {"layer": inner}, [5, 3])
    lines = problems(tmp_path, document)
    assert any("'w'" in line and message in line for line in lines), lines


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"name": 'a"); import os; ("'}, "layers[0].layer.name"),
        ({"name": "dense", "units": 2, "activation": "eval"}, "layers[0].layer.activation"),
        ({"name": "dense", "units": 10**12}, "layers[0].layer.units"),
        ({"name": "dense", "units": 2, "kernel_initializer": {
            "module": "os", "class_name": "system", "config": {}, "registered_name": None,
        }}, "layers[0].layer.kernel_initializer"),
    ],
)  # fmt: skip
def test_hostile_values_inside_a_wrapped_layer_are_refused_as_in_a_spec(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    inner = {"units": 2, **config}
    document = wrapper_model("TimeDistributed", {"layer": record("Dense", **inner)}, [5, 3])
    lines = problems(tmp_path, document)
    assert any(message in line for line in lines), lines


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"activation": "__import__('os')"}, "layers[0].layer.activation"),
        ({"units": -1}, "layers[0].layer.units"),
        ({"recurrent_dropout": float("inf")}, "Infinity is not allowed"),
    ],
)
def test_hostile_values_inside_a_bidirectional_are_refused(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    lines = problems(tmp_path, bidirectional(rnn(**config)))
    assert any(message in line for line in lines), lines


def test_a_shared_bidirectional_is_defined_once(tmp_path: Path) -> None:
    document = bidirectional(rnn())
    document["config"]["layers"][1]["inbound_nodes"].append(
        {"args": [tensor("x", [None, 5, 3])], "kwargs": {}}
    )
    document["config"]["output_layers"] = {"w": ["w", 0, 0], "again": ["w", 1, 0]}
    found = spec_layers(tmp_path, document)
    assert [item.get("share") for item in found] == [None, "w"]
    assert "layer" in found[0] and "layer" not in found[1]


def test_a_keras_2_bidirectional_gets_the_backward_copy_keras_3_makes(tmp_path: Path) -> None:
    inner = {"class_name": "LSTM", "config": {"name": "lstm", "trainable": True,
             "dtype": "float32", "units": 4, "return_sequences": True, "time_major": False,
             "implementation": 2}}  # fmt: skip
    document = {
        "class_name": "Functional", "keras_version": "2.15.0",
        "config": {"name": "old", "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 5, 3], "dtype": "float32", "name": "x"}},
            {"class_name": "Bidirectional", "name": "bi",
             "inbound_nodes": [[["x", 0, 0, {}]]],
             "config": {"name": "bi", "trainable": True, "dtype": "float32",
                        "merge_mode": "ave", "layer": inner}},
        ], "input_layers": [["x", 0, 0]], "output_layers": [["bi", 0, 0]]},
    }  # fmt: skip
    assert spec_layers(tmp_path, document)[0]["layer"] == {
        "type": "LSTM", "name": "lstm", "return_sequences": True, "units": 4,
    }  # fmt: skip


# The spec side: a wrapped layer's `name` ------------------------------------------------------


def wrapped_spec(inner: dict[str, Any], wrapper: str = "Bidirectional") -> dict[str, Any]:
    return {
        "name": "spec",
        "inputs": [{"name": "x", "shape": [5, 3]}],
        "layers": [{"name": "w", "type": wrapper, "layer": inner}],
    }


def spec_problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as refused:
        check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))
    return [
        f"{'.'.join(map(str, problem.path))}: {problem.message}"
        for problem in refused.value.problems
    ]


def test_a_wrapped_layers_name_is_printed_as_a_literal() -> None:
    spec = wrapped_spec({"type": "Dense", "units": 2, "name": "per.step-1"}, "TimeDistributed")
    checked = check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))
    assert 'layers.Dense(2, name="per.step-1")' in generate(checked)
    spec["layers"][0]["layer"].pop("name")
    checked = check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))
    assert "layers.Dense(2), name=" in generate(checked)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('a"); import os; ("', "Keras names take ASCII letters"),
        ("a\nb", "Keras names take ASCII letters"),
        ("", "cannot be empty"),
        ("$units", "Keras names take ASCII letters"),
        (3, "must be a string"),
        (["a"], "must be a string"),
    ],
)
def test_a_wrapped_layers_name_is_checked_as_any_keras_name(name: Any, message: str) -> None:
    found = spec_problems(wrapped_spec({"type": "LSTM", "units": 2, "name": name}))
    assert any(line.startswith("layers.0.layer.name: ") and message in line for line in found)


def test_custom_wrapped_classes_are_listed_with_the_other_refusals(tmp_path: Path) -> None:
    forward = rnn()
    backward = backward_of(forward, "backward_lstm")
    backward.update(module="my.module", class_name="MyLSTM")
    document = bidirectional(forward, backward)
    document["config"]["layers"].append(
        layer("Custom", "other", [tensor("w")], module="evil", registered="Custom>Custom")
    )
    lines = problems(tmp_path, document)
    assert len(lines) == 2, lines
    assert "layer 'w': the wrapped layer 'backward_lstm': custom class 'MyLSTM'" in lines[0]
    assert "custom class 'Custom'" in lines[1]
