"""mergegen import of a graph's calls, without TensorFlow: second outputs, call arguments that
take tensors, shared layers, sub-models, and the refusals that remain."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import SpecError
from generator.importer import ops
from generator.importer.nodes import call_order, is_tensor
from generator.importer.run import import_model
from generator.importer.training import training_section
from tests.import_docs import functional, input_layer, layer, tensor

FIXTURES = Path(__file__).parent / "import_fixtures"


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _spec(tmp_path: Path, document: Any) -> dict[str, Any]:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    result: dict[str, Any] = yaml.safe_load(import_model(path).text)
    return result


def _problems(tmp_path: Path, document: Any) -> list[str]:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SpecError) as refused:
        import_model(path)
    return [problem.render() for problem in refused.value.problems]


def _called(entry: dict[str, Any], *nodes: tuple[list[Any], dict[str, Any]]) -> dict[str, Any]:
    entry["inbound_nodes"] = [{"args": args, "kwargs": kwargs} for args, kwargs in nodes]
    return entry


# What is imported ------------------------------------------------------------------------------


def test_states_of_a_recurrent_layer_are_its_named_outputs_and_an_initial_state() -> None:
    spec = yaml.safe_load(import_model(FIXTURES / "lstm_states.json").text)
    assert spec["layers"] == [
        {"name": "encoder", "type": "LSTM", "inputs": "source", "units": 16, "return_state": True},
        {"name": "decoder", "type": "LSTM", "inputs": "target", "units": 16,
         "return_sequences": True, "return_state": True,
         "call": {"initial_state": ["encoder:state_h", "encoder:state_c"]}},
        {"name": "next", "type": "Dense", "inputs": "decoder:output", "units": 9,
         "activation": "softmax"},
    ]  # fmt: skip


def test_attention_calls_scores_and_shared_layers() -> None:
    spec = yaml.safe_load(import_model(FIXTURES / "shared_attention.json").text)
    assert spec["layers"] == [
        {"name": "attention", "type": "MultiHeadAttention", "inputs": ["x", "x"], "num_heads": 2,
         "key_dim": 4, "call": {"attention_mask": "mask", "return_attention_scores": True}},
        {"name": "attention_call_2", "share": "attention", "inputs": ["attention:output", "x", "x"],
         "call": {"use_causal_mask": True}},
        {"name": "dense", "type": "Dense", "units": 8},
        {"name": "twice", "share": "dense"},
        {"name": "flat", "type": "Flatten", "inputs": "attention:scores"},
    ]  # fmt: skip
    assert spec["outputs"] == ["twice", "flat"]  # a shared call takes its output's key


def test_a_sub_model_called_twice_is_a_model_block_and_a_share_of_it() -> None:
    spec = yaml.safe_load(import_model(FIXTURES / "sub_model.json").text)
    block = spec["blocks"]["tower"]
    assert block["model"] is True
    assert block["inputs"] == ["image"]
    assert block["output"] == ["z_mean", "z_log_var"]
    assert [entry["name"] for entry in block["layers"]] == ["embed", "z_mean", "z_log_var"]
    assert spec["layers"] == [
        {"name": "tower", "block": "tower", "inputs": "left"},
        {"name": "tower_call_2", "share": "tower", "inputs": "right"},
        {"name": "difference", "type": "Subtract",
         "inputs": ["tower:z_mean", "tower_call_2:z_log_var"]},
    ]  # fmt: skip


def test_a_shared_layers_later_call_comes_after_the_layers_it_takes() -> None:
    # dense's second call takes relu, listed after dense: the calls are put in graph order.
    dense = _called(
        layer("Dense", "dense", [], {"units": 4}), ([tensor("x")], {}), ([tensor("relu")], {})
    )
    layers = [input_layer("x", [4]), dense, layer("ReLU", "relu", [tensor("dense")])]
    order = [(item["name"], index) for item, index in call_order(layers)]
    assert order == [("x", 0), ("dense", 0), ("relu", 0), ("dense", 1)]


def test_later_calls_in_graph_order_import(tmp_path: Path) -> None:
    dense = _called(
        layer("Dense", "dense", [], {"units": 4}), ([tensor("x")], {}), ([tensor("relu")], {})
    )
    document = functional(
        "loop", [input_layer("x", [4]), dense, layer("ReLU", "relu", [tensor("dense")])],
        ["x"], ["dense"])  # fmt: skip
    document["config"]["output_layers"] = ["dense", 1, 0]
    spec = _spec(tmp_path, document)
    assert spec["layers"] == [
        {"name": "dense", "type": "Dense", "inputs": "x", "units": 4},
        {"name": "relu", "type": "ReLU"},
        {"name": "dense_call_2", "share": "dense"},
    ]


def test_reductions_and_axis_functions_become_expressions() -> None:
    x = tensor("x")
    assert ops.expression("Sum", [x], {"name": "s", "axis": 1, "keepdims": True}, is_tensor) == (
        "sum(x, axis=1, keepdims=True)",
        [x],
    )
    assert ops.expression("ExpandDims", [x], {"name": "e", "axis": -1}, is_tensor)[0] == (
        "expand_dims(x, axis=-1)"
    )
    for config in ({"axis": None}, {"axis": [0, 1]}, {"axis": 1, "dtype": "int32"}):
        with pytest.raises(ops.OperationError):
            ops.expression("Mean", [x], {"name": "m", **config}, is_tensor)


# What is refused, and why ----------------------------------------------------------------------


def _attention(kwargs: dict[str, Any], args: list[Any] | None = None) -> dict[str, Any]:
    mha = _called(
        layer("MultiHeadAttention", "attention", [], {"num_heads": 2, "key_dim": 4}),
        (args if args is not None else [tensor("x"), tensor("x")], kwargs),
    )
    return functional("a", [input_layer("x", [5, 8]), mha], ["x"], ["attention"])


def test_a_false_flag_written_in_the_call_is_refused(tmp_path: Path) -> None:
    (line,) = _problems(tmp_path, _attention({"use_causal_mask": False}))
    assert "use_causal_mask=False is written out; the spec writes only `true`" in line


def test_attention_inputs_by_keyword_are_refused(tmp_path: Path) -> None:
    (line,) = _problems(tmp_path, _attention({"value": tensor("x")}, [tensor("x")]))
    assert "the call argument value= takes a tensor" in line
    assert "query, value and key by position" in line


def test_inputs_or_outputs_as_a_list_import_as_lists(tmp_path: Path) -> None:
    document = _load("lstm_states.json")
    document["config"]["input_layers"] = [["source", 0, 0], ["target", 0, 0]]
    spec = _spec(tmp_path, document)
    assert spec["inputs_as"] == "list"
    assert "outputs_as" not in spec
    assert list(spec)[:4] == ["name", "description", "inputs", "inputs_as"]
    document["config"]["input_layers"] = {"source": ["source", 0, 0], "target": ["target", 0, 0]}
    document["config"]["output_layers"] = [["next", 0, 0]]
    spec = _spec(tmp_path, document)
    assert spec["outputs_as"] == "list"
    assert "inputs_as" not in spec


def test_one_input_as_a_dict_or_outputs_keyed_otherwise_are_refused(tmp_path: Path) -> None:
    document = _load("small_cnn.json")
    name = document["config"]["input_layers"][0]
    document["config"]["input_layers"] = {name: [name, 0, 0]}
    (line,) = _problems(tmp_path, document)
    assert "the model's inputs are a dict of 1; the script builds one bare, so" in line
    document = _load("shared_attention.json")
    document["config"]["output_layers"] = {"scores": ["flat", 0, 0], "twice": ["dense", 1, 0]}
    (line,) = _problems(tmp_path, document)
    assert "the model's outputs are keyed 'scores' for the layer 'flat'" in line


def test_a_tensor_from_nowhere_is_refused_naming_it(tmp_path: Path) -> None:
    document = _load("lstm_states.json")
    decoder = document["config"]["layers"][3]
    decoder["inbound_nodes"][0]["kwargs"]["initial_state"][1] = tensor("encoder", index=5)
    (line,) = _problems(tmp_path, document)
    assert "layer 'decoder': takes output 5 of call 0 of 'encoder', which was not imported" in line


def test_a_nested_sequential_model_is_refused_saying_why(tmp_path: Path) -> None:
    document = _load("sub_model.json")
    tower = document["config"]["layers"][2]
    tower.update(module="keras", class_name="Sequential", registered_name=None)
    (line,) = _problems(tmp_path, document)
    assert "layer 'tower': a nested Sequential model; the spec builds a sub-model as a" in line


def test_a_sub_model_inside_a_sub_model_is_refused(tmp_path: Path) -> None:
    document = _load("sub_model.json")
    tower = document["config"]["layers"][2]
    inner = copy.deepcopy(tower)
    inner["name"] = inner["config"]["name"] = "inner"
    inner["inbound_nodes"] = [{"args": [tensor("image")], "kwargs": {}}]
    inner["config"]["output_layers"] = ["embed", 0, 0]
    tower["config"]["layers"].insert(1, inner)
    tower["config"]["layers"][2]["inbound_nodes"][0]["args"] = [tensor("inner")]
    lines = _problems(tmp_path, document)
    assert any("sub-model 'tower', layer 'inner': a model inside a sub-model" in x for x in lines)


def test_a_sub_model_fed_another_shape_than_its_input_is_refused(tmp_path: Path) -> None:
    document = _load("sub_model.json")
    document["config"]["layers"][2]["inbound_nodes"][0]["args"] = [tensor("left", [None, 5])]
    lines = _problems(tmp_path, document)
    assert any(
        "sub-model 'tower', layer 'image': an input of shape [4] fed [5]" in x for x in lines
    )


def test_a_sub_models_custom_layer_is_refused_once(tmp_path: Path) -> None:
    document = _load("sub_model.json")
    tower = document["config"]["layers"][2]
    tower["config"]["layers"][1].update(module="my.layers", class_name="Mine")
    (line,) = _problems(tmp_path, document)
    assert line.endswith(
        "sub-model 'tower', layer 'embed': custom class 'Mine' (module 'my.layers', registered"
        " as None) is not a Keras built-in; refused, nothing of it is run"
    )


def test_a_lookups_vocabulary_size_is_left_to_keras(tmp_path: Path) -> None:
    lookup = layer(
        "StringLookup",
        "area",
        [tensor("words", [None])],
        {"vocabulary": ["a", "b"], "vocabulary_size": 3, "num_oov_indices": 1,
         "oov_token": "[UNK]", "mask_token": None, "encoding": "utf-8"},
    )  # fmt: skip
    words = input_layer("words", [])
    words["config"]["dtype"] = "string"
    spec = _spec(tmp_path, functional("lookup", [words, lookup], ["words"], ["area"]))
    assert spec["layers"] == [
        {"name": "area", "type": "StringLookup", "inputs": "words", "vocabulary": ["a", "b"]}
    ]


def test_a_sub_model_whose_name_is_no_identifier_gets_a_block_name(tmp_path: Path) -> None:
    text = (FIXTURES / "sub_model.json").read_text().replace('"tower"', '"tower-1"')
    spec = _spec(tmp_path, json.loads(text))
    assert list(spec["blocks"]) == ["sub_model"]
    assert spec["layers"][0] == {"name": "tower-1", "block": "sub_model", "inputs": "left"}


def test_a_layer_taking_the_embedding_mask_as_an_input_is_refused(tmp_path: Path) -> None:
    mask = layer("NotEqual", "not_equal", [tensor("embed"), 0], module="keras.src.ops.numpy",
                 registered="NotEqual")  # fmt: skip
    tokens = input_layer("tokens", [5])
    tokens["config"]["dtype"] = "int32"
    embed = layer("Embedding", "embed", [tensor("tokens")],
                  {"input_dim": 10, "output_dim": 4, "mask_zero": True})  # fmt: skip
    uses = layer("Flatten", "flat", [tensor("not_equal")])
    (line,) = _problems(
        tmp_path, functional("m", [tokens, embed, mask, uses], ["tokens"], ["flat"])
    )
    assert "layer 'flat': takes output 0 of call 0 of 'not_equal', which was not" in line


def test_an_expression_output_takes_its_key_as_its_name(tmp_path: Path) -> None:
    total = layer("Sum", "sum", [tensor("dense")], module="keras.src.ops.numpy", registered="Sum")
    total["config"].update(axis=1, keepdims=True)
    dense = layer("Dense", "dense", [tensor("x")], {"units": 3})
    document = functional("m", [input_layer("x", [4]), dense, total], ["x"], ["dense", "sum"])
    document["config"]["output_layers"] = {"dense": ["dense", 0, 0], "total": ["sum", 0, 0]}
    spec = _spec(tmp_path, document)
    assert spec["layers"][-1] == {
        "name": "total",
        "compute": "sum(x, axis=1, keepdims=True)",
        "inputs": {"x": "dense"},
    }
    assert spec["outputs"] == ["dense", "total"]


def test_an_operation_with_a_refused_call_argument_is_not_imported(tmp_path: Path) -> None:
    square = layer("Square", "square", [tensor("x")], module="keras.src.ops.numpy",
                   registered="Square")  # fmt: skip
    square["inbound_nodes"][0]["kwargs"] = {"extra": 1}
    lines = _problems(tmp_path, functional("m", [input_layer("x", [4]), square], ["x"], ["square"]))
    assert lines == [
        f"{tmp_path / 'model.json'}: layer 'square': the call argument extra=1 is not imported;"
        " the spec cannot write it"
    ]


def test_a_sub_models_outputs_as_a_dict_are_refused(tmp_path: Path) -> None:
    document = _load("sub_model.json")
    tower = document["config"]["layers"][2]
    tower["config"]["output_layers"] = {
        "z_mean": ["z_mean", 0, 0],
        "z_log_var": ["z_log_var", 0, 0],
    }
    lines = _problems(tmp_path, document)
    assert any(
        "the sub-model 'tower''s outputs are a dict of 2; the script builds several as a list"
        in line
        for line in lines
    ), lines


# mergegen's own NormalLike -----------------------------------------------------------------------


def _noise(**changes: Any) -> dict[str, Any]:
    """x -> NormalLike (as a generated script records it) -> Add with x."""
    noise = layer("NormalLike", "normal_like", [tensor("x")], {"seed": None}, "vae_class")
    noise["registered_name"] = "mergegen>NormalLike"
    noise["build_config"] = {"input_shape": [None, 4]}
    for key, value in changes.items():
        target = noise["config"] if key in ("seed", "trainable", "extra") else noise
        target[key] = value
    total = layer("Add", "add", [tensor("x"), tensor("normal_like")], module="keras.src.ops.numpy")
    total["registered_name"] = "Add"
    return functional("noisy", [input_layer("x", [4]), noise, total], ["x"], ["add"])


def test_mergegens_own_normal_like_imports_as_the_expression(tmp_path: Path) -> None:
    spec = _spec(tmp_path, _noise())
    assert spec["layers"][0] == {"name": "noise", "compute": "normal_like(x)", "inputs": {"x": "x"}}
    assert spec["layers"][1]["inputs"] == {"x": "x", "y": "noise"}
    assert _spec(tmp_path, _noise(module="__main__"))["layers"] == spec["layers"]


@pytest.mark.parametrize(
    "changes",
    [
        {"registered_name": "NormalLike"},
        {"registered_name": "mine>NormalLike"},
        {"module": "os; import x"},
        {"module": None},
        {"seed": 7},
        {"trainable": 1},
        {"extra": 0.5},
        {"name": "noise"},
    ],
)
def test_a_normal_like_other_than_mergegens_is_a_custom_class(
    changes: dict[str, Any], tmp_path: Path
) -> None:
    document = _noise(**changes)
    if "name" in changes:  # the layer and its config name it alike, the tensor too
        document["config"]["layers"][1]["config"]["name"] = changes["name"]
        document["config"]["layers"][2]["inbound_nodes"][0]["args"][1] = tensor("noise")
    (line,) = _problems(tmp_path, document)
    assert "custom class 'NormalLike'" in line


def test_what_a_compile_config_lists_per_listed_output_is_keyed_by_name() -> None:
    config = {
        "loss": ["mse", "sparse_categorical_crossentropy"],
        "metrics": [["mae"], ["accuracy"]],
        "loss_weights": [0.5, 1.0],
    }
    section = training_section(config, ["value", "scores"])
    assert section == {
        "loss": {"value": "mse", "scores": "sparse_categorical_crossentropy"},
        "metrics": {"value": ["mae"], "scores": ["accuracy"]},
        "loss_weights": {"value": 0.5, "scores": 1.0},
    }
    assert training_section({"loss": ["mse"], "metrics": ["mae"]}, ["value"]) == {
        "loss": {"value": "mse"},
        "metrics": ["mae"],  # one list for every output
    }
    assert training_section(config)["loss"] == config["loss"]  # no listed outputs: as it is


def _function(name: str, module: str = "builtins", registered: str | None = "function") -> Any:
    return {
        "module": module,
        "class_name": "function",
        "config": name,
        "registered_name": registered,
    }


def test_a_keras_function_as_loss_or_metric_is_its_name() -> None:
    # keras-io's conv_lstm compiles with loss=keras.losses.binary_crossentropy
    config = {"loss": _function("binary_crossentropy"), "metrics": [_function("mae")]}
    assert training_section(config) == {"loss": "binary_crossentropy", "metrics": ["mae"]}


def test_a_model_compiled_without_metrics_gets_none() -> None:
    # keras-io's conv_lstm: compile(loss=..., optimizer=...); the spec's default would add one
    config = {"optimizer": "adam", "loss": "binary_crossentropy", "metrics": None}
    assert training_section(config)["metrics"] == []
    assert "metrics" not in training_section({"optimizer": "adam"})


def test_a_registered_custom_function_stays_as_saved_for_the_checks_to_refuse() -> None:
    custom = _function("my_loss", module="__main__", registered="my_package>my_loss")
    assert training_section({"loss": custom})["loss"] == custom
