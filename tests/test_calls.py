"""Layers with several outputs (`encoder:state_h`) and call arguments (`call:`), without Keras."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import ShapeError
from generator.errors import SpecError
from generator.pipeline import check, check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.presets import preset_path
from generator.views.diagram import diagram_of, to_dot, to_mermaid
from generator.views.report import as_table, layer_rows


def checked(spec: dict[str, Any]) -> Any:
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))


def problems(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, message) of each problem."""
    with pytest.raises(SpecError) as error:
        checked(spec)
    return [
        (".".join(str(part) for part in problem.path), problem.message)
        for problem in error.value.problems
    ]


SEQ2SEQ: dict[str, Any] = {
    "name": "s2s",
    "inputs": [
        {"name": "source", "shape": [None, 7]},
        {"name": "target", "shape": [None, 9]},
    ],
    "layers": [
        {"name": "encoder", "type": "LSTM", "inputs": "source", "units": 16, "return_state": True},
        {
            "name": "decoder",
            "type": "LSTM",
            "inputs": "target",
            "units": 16,
            "return_sequences": True,
            "call": {"initial_state": ["encoder:state_h", "encoder:state_c"]},
        },
        {"name": "next", "type": "Dense", "units": 9, "activation": "softmax"},
    ],
}


def seq2seq(**changes: Any) -> dict[str, Any]:
    """SEQ2SEQ with some fields of the decoder (layers[1]) replaced."""
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"][1].update(changes)
    return spec


def test_states_flow_from_encoder_to_decoder() -> None:
    graph = checked(SEQ2SEQ).graph
    encoder = graph.layer("encoder")
    assert encoder.output_names == ("output", "state_h", "state_c")
    assert encoder.output_shapes == ((None, 16), (None, 16), (None, 16))
    assert graph.shape_of("encoder:state_c") == (None, 16)
    assert graph.layer("decoder").takes == ("target", "encoder:state_h", "encoder:state_c")
    assert graph.total_params == 4 * 16 * (7 + 16 + 1) + 4 * 16 * (9 + 16 + 1) + 16 * 9 + 9


def test_the_script_unpacks_every_output_and_passes_the_states() -> None:
    script = generate(checked(SEQ2SEQ))
    assert (
        "    # (None, 16), (None, 16), (None, 16)\n"
        "    encoder, encoder_state_h, encoder_state_c = layers.LSTM(\n"
        '        16, return_state=True, name="encoder"\n'
        "    )(source)\n"
    ) in script
    assert "(target, initial_state=[encoder_state_h, encoder_state_c])" in script


def test_output_variables_avoid_names_already_taken() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"].insert(
        0, {"name": "encoder_state_h", "type": "Dense", "inputs": "source", "units": 7}
    )
    spec["layers"][1]["inputs"] = "encoder_state_h"
    script = generate(checked(spec))
    assert "encoder, encoder_state_h_2, encoder_state_c = layers.LSTM(" in script
    assert "initial_state=[encoder_state_h_2, encoder_state_c]" in script


def test_a_layer_with_several_outputs_must_be_told_which() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"][1]["call"] = {"initial_state": ["encoder", "encoder:state_c"]}
    assert problems(spec) == [
        (
            "layers.1.call.initial_state",
            "'encoder' has several outputs (output, state_h, state_c): name one,"
            " e.g. encoder:output",
        )
    ]


def test_an_unknown_output_is_named_with_the_ones_there_are() -> None:
    spec = seq2seq(call={"initial_state": ["encoder:state_x", "encoder:state_c"]})
    assert problems(spec) == [
        (
            "layers.1.call.initial_state",
            "unknown output 'state_x' of 'encoder' (did you mean 'state_h' or 'state_c'?)"
            " (it has output, state_h, state_c)",
        )
    ]


def test_a_layer_with_one_output_takes_no_output_name() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"][2]["inputs"] = "decoder:output"
    assert problems(spec) == [
        ("layers.2.inputs", "'decoder' has one output: write 'decoder', without ':output'")
    ]


def test_the_wrong_number_of_states_names_the_shapes() -> None:
    spec = seq2seq(call={"initial_state": ["encoder:state_h"]})
    assert problems(spec) == [
        (
            "layers.1",
            "decoder: LSTM's initial_state takes 2 states of (None, 16), got 1: (None, 16)",
        )
    ]


def test_states_of_the_wrong_size_name_both_shapes() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"][0]["units"] = 8
    assert problems(spec) == [
        (
            "layers.1",
            "decoder: LSTM's initial_state takes 2 states of (None, 16) (its units),"
            " got (None, 8), (None, 8)",
        )
    ]


def test_gru_and_simple_rnn_have_one_state() -> None:
    for layer in ("GRU", "SimpleRNN"):
        spec = copy.deepcopy(SEQ2SEQ)
        spec["layers"][0]["type"] = layer
        spec["layers"][1]["type"] = layer
        spec["layers"][1]["call"] = {"initial_state": ["encoder:state"]}
        graph = checked(spec).graph
        assert graph.layer("encoder").output_names == ("output", "state")


def test_unknown_call_arguments_and_bad_values() -> None:
    spec = seq2seq(call={"initial_stat": ["encoder:state_h"], "use_causal_mask": True})
    assert problems(spec) == [
        (
            "layers.1.call.initial_stat",
            "unknown call argument 'initial_stat' for LSTM (did you mean 'initial_state'?)"
            " (allowed: initial_state, mask)",
        ),
        (
            "layers.1.call.use_causal_mask",
            "unknown call argument 'use_causal_mask' for LSTM (allowed: initial_state, mask)",
        ),
    ]
    spec = seq2seq(call={"initial_state": "encoder:state_h"})
    assert ("layers.1.call.initial_state", "expected a list of layer or input names") in problems(
        spec
    )


def test_a_flag_is_true_or_false_and_only_typed_layers_take_call_arguments() -> None:
    spec = seq2seq(
        call={"initial_state": ["encoder:state_h", "encoder:state_c"], "use_causal_mask": "yes"}
    )
    assert problems(spec) == [
        (
            "layers.1.call.use_causal_mask",
            "unknown call argument 'use_causal_mask' for LSTM (allowed: initial_state, mask)",
        )
    ]
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"].insert(
        2, {"name": "c", "compute": "a", "inputs": {"a": "decoder"}, "call": {"x": True}}
    )
    assert problems(spec) == [("layers.2.call", "only a layer with a type takes call arguments")]
    spec = attention(
        {"name": "att", "type": "Attention", "inputs": ["series", "series"],
         "call": {"use_causal_mask": "series"}},
    )  # fmt: skip
    spec["inputs"] = SERIES[:1]
    assert problems(spec) == [
        ("layers.0.call.use_causal_mask", "expected true or false, got 'series'")
    ]


def test_a_model_output_is_one_tensor() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["outputs"] = ["next", "encoder"]
    assert problems(spec) == [
        (
            "outputs.1",
            "'encoder' has several outputs (output, state_h, state_c), but a model output"
            " is one tensor (follow the one you want with a layer)",
        )
    ]
    spec["outputs"] = ["next", "encoder:state_h"]
    assert problems(spec)[0][0] == "outputs.1"
    assert "follow 'encoder:state_h' with a layer" in problems(spec)[0][1]


def test_bidirectional_returns_forward_then_backward_states() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["inputs"].append({"name": "steps", "shape": [None]})
    spec["layers"][0] = {
        "name": "encoder",
        "type": "Bidirectional",
        "inputs": "source",
        "layer": {"type": "LSTM", "units": 8, "return_state": True},
        "merge_mode": "sum",
        "call": {"mask": "steps"},
    }
    spec["layers"][1]["units"] = 8
    spec["layers"][1]["call"] = {
        "initial_state": ["encoder:backward_state_h", "encoder:forward_state_c"]
    }
    graph = checked(spec).graph
    node = graph.layer("encoder")
    assert node.output_names == (
        "output",
        "forward_state_h",
        "forward_state_c",
        "backward_state_h",
        "backward_state_c",
    )
    assert node.output_shapes == ((None, 8),) * 5
    assert node.trainable == 2 * 4 * 8 * (7 + 8 + 1)
    spec["layers"][1]["call"] = {"initial_state": ["encoder:state_h", "encoder:state_c"]}
    found = problems(spec)
    assert "unknown output 'state_h' of 'encoder'" in found[0][1]
    assert "forward_state_h" in found[0][1]


def test_bidirectional_gru_states_are_named_after_its_one_state() -> None:
    names = CATALOG["Bidirectional"].output_names(
        {"layer": {"type": "GRU", "units": 3, "return_state": True}}
    )
    assert names == ("output", "forward_state", "backward_state")
    assert CATALOG["Bidirectional"].output_names({"layer": {"type": "GRU", "units": 3}}) == (
        "output",
    )


@pytest.mark.parametrize(
    ("spatial", "shape", "state"),
    [
        (1, (None, 4, 6, 2), (None, 5, 3)),
        (2, (None, 4, 6, 6, 2), (None, 5, 5, 3)),
    ],
)
def test_conv_lstm_returns_its_two_states(
    spatial: int, shape: tuple[int | None, ...], state: tuple[int | None, ...]
) -> None:
    layer_type = CATALOG[f"ConvLSTM{spatial}D"]
    args = {"filters": 3, "kernel_size": 2, "return_state": True, "return_sequences": True}
    out = layer_type.infer(args, [shape])
    assert out.shapes == ((None, 4, *state[1:]), state, state)
    assert layer_type.output_names(args) == ("output", "state_h", "state_c")
    assert layer_type.output_names({"filters": 3, "kernel_size": 2}) == ("output",)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "Bidirectional"])
def test_a_recurrent_mask_must_have_the_input_steps(name: str) -> None:
    layer_type = CATALOG[name]
    assert layer_type.call_rule is not None
    shape = (None, 5, 6, 2) if name == "ConvLSTM1D" else (None, 5, 3)
    args: dict[str, Any] = (
        {"layer": {"type": "GRU", "units": 2}}
        if name == "Bidirectional"
        else {"filters": 2, "kernel_size": 2}
        if name == "ConvLSTM1D"
        else {"units": 2}
    )
    for fits in ((None, 5), (None, None), (4, 5)):
        layer_type.call_rule(args, [shape], {"mask": [fits]})
    for wrong in ((None, 6), (None, 5, 1), (None,)):
        with pytest.raises(ShapeError) as error:
            layer_type.call_rule(args, [shape], {"mask": [wrong]})
        message = str(error.value)
        assert f"{name}'s mask must be (batch, steps) = (None, 5)" in message
        assert "got (" in message and str(wrong[-1]) in message


def test_a_mask_in_the_script_is_a_keyword_argument() -> None:
    states = ["encoder:state_h", "encoder:state_c"]
    spec = seq2seq(call={"initial_state": states, "mask": "steps"})
    spec["inputs"].append({"name": "steps", "shape": [None]})
    code = generate(checked(spec))
    assert "target, initial_state=[encoder_state_h, encoder_state_c], mask=steps" in code
    spec["inputs"][-1]["shape"] = [None, 1]
    assert "decoder's mask must be" not in problems(spec)[0][1]
    assert "LSTM's mask must be (batch, steps)" in problems(spec)[0][1]


def test_states_inside_a_block_and_its_calls() -> None:
    spec = {
        "name": "blocky",
        "inputs": [{"name": "tokens", "shape": [None, 5]}],
        "blocks": {
            "pair": {
                "inputs": ["x"],
                "params": ["units"],
                "layers": [
                    {
                        "name": "first",
                        "type": "GRU",
                        "units": "$units",
                        "return_sequences": True,
                        "return_state": True,
                    },
                    {
                        "name": "second",
                        "type": "GRU",
                        "inputs": "first:output",
                        "units": "$units",
                        "call": {"initial_state": ["first:state"]},
                    },
                ],
            }
        },
        "layers": [
            {"name": "one", "block": "pair", "units": 4},
            {"name": "two", "block": "pair", "inputs": "tokens", "units": 4},
            {"name": "joined", "type": "Concatenate", "inputs": ["one", "two"]},
        ],
        "training": {"loss": "mse"},
    }
    graph = checked(spec).graph
    assert graph.layer("two_second").takes == ("two_first:output", "two_first:state")
    script = generate(checked(spec))
    assert "    # (None, None, 4), (None, 4)\n    first, first_state = layers.GRU(" in script
    assert "(first, initial_state=[first_state])" in script
    bad = copy.deepcopy(spec)
    bad["blocks"]["pair"]["layers"][1]["call"] = {"initial_state": ["first:states"]}
    assert problems(bad) == [
        (
            "blocks.pair.layers.1.call.initial_state",
            "unknown output 'states' of 'first' (did you mean 'state'?) (it has output, state)",
        )
    ]
    bad = copy.deepcopy(spec)
    bad["blocks"]["pair"]["output"] = "first"
    assert problems(bad)[0][0] == "blocks.pair.output"


def test_a_shared_recurrent_layer_returns_its_states_at_each_call() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["inputs"][1]["shape"] = [None, 7]
    spec["layers"][1] = {
        "name": "again",
        "share": "encoder",
        "inputs": "target",
        "call": {"initial_state": ["encoder:state_h", "encoder:state_c"]},
    }
    spec["layers"][2]["inputs"] = "again:state_c"
    graph = checked(spec).graph
    assert graph.layer("again").output_names == ("output", "state_h", "state_c")
    script = generate(checked(spec))
    assert "encoder, encoder_state_h, encoder_state_c = encoder_layer(source)" in script
    assert (
        "    again, again_state_h, again_state_c = encoder_layer(\n"
        "        target, initial_state=[encoder_state_h, encoder_state_c]\n"
    ) in script


# --- attention ------------------------------------------------------------------------------

SERIES = [{"name": "series", "shape": [10, 6]}, {"name": "memory", "shape": [10, 4]}]


def attention(layer: dict[str, Any], *more: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "att",
        "inputs": SERIES,
        "layers": [
            layer,
            *more,
            {
                "name": "pooled",
                "type": "GlobalAveragePooling1D",
                "inputs": layer["name"] if not more else more[-1]["name"],
            },
        ],
        "outputs": ["pooled"],
        "training": {"loss": "mse"},
    }


def test_multi_head_attention_weights_and_shapes() -> None:
    rule = CATALOG["MultiHeadAttention"].infer
    out = rule({"num_heads": 2, "key_dim": 3}, [(None, 10, 6), (None, 12, 4)])
    # query 6*2*3+6, key 4*2*3+6, value 4*2*3+6, output 2*3*6+6
    assert out.shape == (None, 10, 6)
    assert out.trainable == 42 + 30 + 30 + 42
    out = rule(
        {
            "num_heads": 2,
            "key_dim": 3,
            "value_dim": 5,
            "output_shape": 7,
            "use_bias": False,
            "return_attention_scores": True,
        },
        [(None, 12, 6), (None, 12, 4), (None, 12, 8)],
    )
    assert out.shape == (None, 12, 7)
    assert out.extra == ((None, 2, 12, 12),)
    assert out.trainable == 6 * 2 * 3 + 8 * 2 * 3 + 4 * 2 * 5 + 2 * 5 * 7
    with pytest.raises(ShapeError, match="scores only for a query and a value of the same length"):
        rule(
            {"num_heads": 1, "key_dim": 1, "return_attention_scores": True},
            [(None, 3, 2), (None, 4, 2)],
        )
    with pytest.raises(ShapeError, match="key with the value's steps"):
        rule({"num_heads": 1, "key_dim": 1}, [(None, 3, 2), (None, 4, 2), (None, 5, 2)])
    with pytest.raises(ShapeError, match="3-D input"):
        rule({"num_heads": 1, "key_dim": 1}, [(None, 2), (None, 4, 2)])


def test_dot_product_and_additive_attention_weights_and_shapes() -> None:
    dot = CATALOG["Attention"].infer
    assert dot({}, [(None, 10, 4), (None, 12, 4)]).trainable == 0
    out = dot(
        {"use_scale": True, "score_mode": "concat", "return_attention_scores": True},
        [(None, 10, 4), (None, 12, 3), (None, 12, 4)],
    )
    assert (out.shape, out.extra, out.trainable) == ((None, 10, 3), ((None, 10, 12),), 2)
    with pytest.raises(ShapeError, match="last dimensions must match"):
        dot({}, [(None, 10, 4), (None, 12, 5)])
    additive = CATALOG["AdditiveAttention"].infer
    assert additive({}, [(None, 10, 4), (None, 12, 4)]).trainable == 4
    assert additive({"use_scale": False}, [(None, 10, 4), (None, 12, 4)]).trainable == 0


def test_attention_inputs_by_name_and_its_scores() -> None:
    spec = attention(
        {
            "name": "cross",
            "type": "MultiHeadAttention",
            "num_heads": 2,
            "key_dim": 3,
            "inputs": {"value": "memory", "query": "series"},
            "call": {"return_attention_scores": True, "use_causal_mask": True},
        },
        {"name": "scores_flat", "type": "Flatten", "inputs": "cross:scores"},
        {"name": "head", "type": "Dense", "units": 6, "inputs": "scores_flat"},
        {"name": "back", "type": "Reshape", "target_shape": [1, 6]},
        {"name": "sum", "type": "Add", "inputs": ["cross:output", "back"]},
    )
    graph = checked(spec).graph
    assert graph.layer("cross").inputs == ("series", "memory")
    assert graph.shape_of("cross:scores") == (None, 2, 10, 10)
    script = generate(checked(spec))
    assert (
        "cross, cross_scores = layers.MultiHeadAttention(  # (None, 10, 6), (None, 2, 10, 10)"
        in script
    )
    assert "(series, memory, return_attention_scores=True, use_causal_mask=True)" in script


def test_self_attention_takes_one_tensor_twice_and_attention_a_list() -> None:
    spec = attention(
        {"name": "self", "type": "Attention", "inputs": ["series", "series"]},
    )
    spec["inputs"] = SERIES[:1]
    script = generate(checked(spec))
    assert 'self = layers.Attention(name="self")([series, series])' in script


def test_attention_input_problems() -> None:
    spec = attention(
        {
            "name": "cross",
            "type": "MultiHeadAttention",
            "num_heads": 2,
            "key_dim": 3,
            "inputs": {"query": "series", "values": "memory"},
        },
    )
    assert problems(spec) == [
        (
            "layers.0.inputs",
            "MultiHeadAttention takes query, value, key, not 'values' (did you mean 'value'?)",
        ),
        ("layers.0.inputs", "MultiHeadAttention needs 'value' in its inputs"),
    ]
    spec = attention({"name": "one", "type": "Attention", "inputs": ["series"]})
    assert problems(spec) == [
        ("layers.0.inputs", "Attention takes 2 to 3 inputs (query, value, key), got 1")
    ]
    spec = attention({"name": "cross", "type": "Attention", "inputs": ["series", "memory"]})
    assert (
        "last dimensions must match: query (None, 10, 6), key (None, 10, 4)"
        in (problems(spec)[0][1])
    )


def test_an_attention_mask_is_batch_query_steps_value_steps() -> None:
    inputs = [*SERIES, {"name": "mask", "shape": [10, 11]}]  # value: 10 steps
    spec = attention(
        {
            "name": "cross",
            "type": "MultiHeadAttention",
            "num_heads": 1,
            "key_dim": 2,
            "inputs": ["series", "memory"],
            "call": {"attention_mask": "mask"},
        },
    )
    spec["inputs"] = inputs
    assert problems(spec) == [
        (
            "layers.0",
            "cross: MultiHeadAttention's attention_mask must be (batch, query steps, value steps)"
            " = (None, 10, 10), got (None, 10, 11)",
        )
    ]
    spec["inputs"][2]["shape"] = [10, 10]
    script = generate(checked(spec))
    assert "(series, memory, attention_mask=mask)" in script


MASKS = [{"name": "query_steps", "shape": [10]}, {"name": "value_steps", "shape": [None]}]


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_attention_takes_a_query_mask_and_a_value_mask(name: str) -> None:
    spec = attention(
        {
            "name": "cross",
            "type": name,
            "inputs": ["series", "memory"],
            "call": {"mask": ["query_steps", "value_steps"]},
        },
    )
    spec["inputs"] = [{"name": "series", "shape": [10, 4]}, SERIES[1], *MASKS]
    script = generate(checked(spec))
    assert f"cross = layers.{name}(" in script
    assert "([series, memory], mask=[query_steps, value_steps])" in script
    spec["layers"][0]["call"]["mask"] = ["value_steps", "memory"]
    assert problems(spec) == [
        (
            "layers.0",
            f"cross: {name}'s value_mask (mask[1]) must be (batch, value steps) = (None, 10)"
            " for the value (None, 10, 4), got (None, 10, 4)",
        )
    ]
    spec["layers"][0]["call"]["mask"] = ["query_steps"]
    assert "mask is a list of two, [query_mask, value_mask], got 1" in problems(spec)[0][1]
    spec["layers"][0]["call"]["mask"] = "query_steps"
    assert problems(spec)[0] == ("layers.0.call.mask", "expected a list of layer or input names")


def test_multi_head_attention_takes_query_value_and_key_masks() -> None:
    spec = attention(
        {
            "name": "cross",
            "type": "MultiHeadAttention",
            "num_heads": 1,
            "key_dim": 2,
            "inputs": ["series", "memory"],
            "call": {"query_mask": "query_steps", "value_mask": "value_steps"},
        },
    )
    spec["inputs"] = copy.deepcopy([*SERIES, *MASKS])
    assert problems(spec) == [
        (
            "layers.0",
            "cross: MultiHeadAttention ignores a query_mask passed to its call (Keras reads the"
            " query's own Keras mask instead, from Masking or Embedding mask_zero): leave it out",
        )
    ]
    spec["layers"][0]["call"] = {"value_mask": "value_steps", "key_mask": "query_steps"}
    spec["inputs"][1]["shape"] = [None, 4]
    spec["inputs"][3]["shape"] = [None]
    script = generate(checked(spec))
    assert "(series, memory, value_mask=value_steps, key_mask=query_steps)" in script
    spec["inputs"][1]["shape"] = [7, 4]
    assert problems(spec) == [
        (
            "layers.0",
            "cross: MultiHeadAttention's key_mask must be (batch, value steps) = (None, 7)"
            " for the value (None, 7, 4), got (None, 10)",
        )
    ]


def test_a_mask_holds_numbers_not_strings() -> None:
    spec = seq2seq(call={"initial_state": ["encoder:state_h", "encoder:state_c"], "mask": "words"})
    spec["inputs"].append({"name": "words", "shape": [None], "dtype": "string"})
    assert "mask 'words' holds strings, not numbers" in problems(spec)[0][1]


def test_multi_head_attention_over_other_axes_follows_keras() -> None:
    """Weights and shapes as Keras builds them (tests/keras checks the same against Keras)."""
    layer = CATALOG["MultiHeadAttention"]
    grid, other = (None, 3, 4, 5), (None, 3, 6, 2)
    base = {"num_heads": 2, "key_dim": 3}
    assert layer.infer({**base, "attention_axes": [2]}, [grid, other]).trainable == 107
    assert layer.infer({**base, "attention_axes": -2}, [grid, other]).trainable == 107
    assert layer.infer({**base, "attention_axes": [1, 2]}, [grid, grid]).shape == grid
    assert layer.infer(base, [grid, grid]).trainable == 143
    with pytest.raises(ShapeError, match="the query's other axes must equal the value's"):
        layer.infer({**base, "attention_axes": [1]}, [grid, other])
    for bad in ([0], [3], [2, 1], [1, 1], -1):
        with pytest.raises(ShapeError, match="distinct axes in increasing order between 1 and 2"):
            layer.infer({**base, "attention_axes": bad}, [grid, grid])
    with pytest.raises(ShapeError, match="return_attention_scores only for"):
        layer.infer({**base, "return_attention_scores": True}, [grid, grid])
    with pytest.raises(ShapeError, match="one rank, 3 or more"):
        layer.infer(base, [grid, (None, 3, 5)])
    assert layer.call_rule is not None
    with pytest.raises(ShapeError, match="takes value_mask only for"):
        layer.call_rule(base, [grid, grid], {"value_mask": [(None, 3)]})


def test_the_validate_table_and_the_diagram_show_every_output() -> None:
    graph = checked(SEQ2SEQ).graph
    row = next(row for row in layer_rows(graph) if row["name"] == "encoder")
    assert row["output_shapes"] == {
        "output": [None, 16],
        "state_h": [None, 16],
        "state_c": [None, 16],
    }
    assert "(None, 16), (None, 16), (None, 16)" in as_table(graph, "spec.yaml")
    drawn = diagram_of(graph)
    assert ("encoder", "decoder") in drawn.edges and ("target", "decoder") in drawn.edges
    assert drawn.labels == {("encoder", "decoder"): "state_h, state_c"}
    assert "n_encoder -- state_h, state_c --> n_decoder" in to_mermaid(graph)
    assert '"encoder" -> "decoder" [label="state_h, state_c"];' in to_dot(graph)


def test_hostile_call_arguments_and_output_names_are_refused() -> None:
    spec = seq2seq(call={"initial_state=__import__('os')": ["encoder:state_h"]})
    assert problems(spec)[0][1].startswith("unknown call argument")
    spec = seq2seq(call={"initial_state": ["encoder:__class__", 'encoder:")\nimport os']})
    assert [message.split(" (")[0] for _, message in problems(spec)] == [
        "unknown output '__class__' of 'encoder'",
        "unknown output '\")\\nimport os' of 'encoder'",
    ]


def test_the_presets_match_their_keras_io_totals() -> None:
    for name, total in (("seq2seq", 718_173), ("transformer_encoder", 93_130)):
        path = preset_path(name)
        assert path is not None
        assert check(path).graph.total_params == total


def test_errors_point_at_the_line_and_column(cli, spec_file) -> None:
    text = """name: s2s
inputs:
  - {name: source, shape: [null, 7]}
layers:
  - {name: encoder, type: LSTM, units: 4, return_state: true}
  - {name: decoder, type: Dense, units: 3, inputs: encoder}
"""
    result = cli("validate", spec_file(text))
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:6:44: layers[1].inputs: 'encoder' has several outputs"
        " (output, state_h, state_c): name one, e.g. encoder:output"
    ]


def test_state_variables_come_from_the_keras_name_made_readable() -> None:
    spec = copy.deepcopy(SEQ2SEQ)
    spec["layers"][0]["name"] = "class"
    spec["layers"][1]["call"] = {"initial_state": ["class:state_h", "class:state_c"]}
    script = generate(checked(spec))
    assert "class_, class_state_h, class_state_c = layers.LSTM(" in script


def test_attention_over_other_axes_refuses_a_query_with_a_keras_mask() -> None:
    spec = {
        "name": "clips",
        "inputs": [{"name": "clip", "shape": [5, 4, 2]}, {"name": "steps", "shape": [5]}],
        "layers": [
            {"name": "memory", "type": "ConvLSTM1D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "return_sequences": True, "call": {"mask": "steps"}},
            {"name": "scaled", "type": "Dense", "units": 2},
            {"name": "att", "type": "MultiHeadAttention", "inputs": ["scaled", "scaled"],
             "num_heads": 1, "key_dim": 2, "attention_axes": [1]},
        ],
    }  # fmt: skip
    assert problems(spec) == [
        (
            "layers.2",
            "att: MultiHeadAttention over inputs of rank 4 cannot take a query that may carry a"
            " Keras mask (from Masking, Embedding mask_zero or a mask call argument before it),"
            " got query (None, 5, 3, 2)",
        )
    ]
    del spec["layers"][0]["call"]
    spec["inputs"].pop()
    assert checked(spec).graph.layer("att").shape == (None, 5, 3, 2)


@pytest.mark.parametrize(
    ("inner", "shape"),
    [
        ({"type": "LSTM", "units": 4, "return_state": True}, (None, 3, 5, 2)),
        ({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "return_state": True},
         (None, 3, 4, 5, 2)),
    ],
)  # fmt: skip
def test_time_distributed_refuses_a_layer_with_states(
    inner: dict[str, Any], shape: tuple[int | None, ...]
) -> None:
    with pytest.raises(ShapeError, match="TimeDistributed cannot wrap .* with several outputs"):
        CATALOG["TimeDistributed"].infer({"layer": inner}, [shape])


def test_a_recurrent_layer_refuses_scores_that_carry_the_attention_mask() -> None:
    spec = {
        "name": "att",
        "inputs": SERIES,
        "layers": [
            {"name": "cross", "type": "MultiHeadAttention", "num_heads": 1, "key_dim": 2,
             "inputs": ["series", "memory"],
             "call": {"return_attention_scores": True, "use_causal_mask": True}},
            {"name": "pooled", "type": "GlobalAveragePooling1D", "inputs": "cross:output"},
            {"name": "flat", "type": "Reshape", "inputs": "cross:scores",
             "target_shape": [10, 10]},
            {"name": "reader", "type": "GRU", "units": 2},
            {"name": "out", "type": "Concatenate", "inputs": ["reader", "pooled"]},
        ],
    }  # fmt: skip
    found = problems(spec)
    assert found[0][0] == "layers.3"
    assert (
        "GRU reads its input's Keras mask as (batch, steps), but 'flat' may carry" in (found[0][1])
    )
    del spec["layers"][0]["call"]["use_causal_mask"]
    assert checked(spec).graph.layer("reader").shape == (None, 2)


# initial_state on Bidirectional (forward states, then backward) and on ConvLSTM1D/2D.
BIDIRECTIONAL_SEQ2SEQ: dict[str, Any] = {
    "name": "bi_s2s",
    "inputs": [
        {"name": "source", "shape": [None, 7]},
        {"name": "target", "shape": [None, 9]},
    ],
    "layers": [
        {"name": "encoder", "type": "Bidirectional", "inputs": "source",
         "layer": {"type": "LSTM", "units": 8, "return_state": True}},
        {"name": "decoder", "type": "Bidirectional", "inputs": "target",
         "layer": {"type": "LSTM", "units": 8},
         "call": {"initial_state": ["encoder:forward_state_h", "encoder:forward_state_c",
                                    "encoder:backward_state_h", "encoder:backward_state_c"]}},
        {"name": "next", "type": "Dense", "units": 9},
    ],
}  # fmt: skip


def bidirectional_seq2seq(states: list[str], inner: str = "LSTM") -> dict[str, Any]:
    spec = copy.deepcopy(BIDIRECTIONAL_SEQ2SEQ)
    spec["layers"][0]["layer"]["type"] = inner
    spec["layers"][1]["layer"]["type"] = inner
    spec["layers"][1]["call"] = {"initial_state": states}
    return spec


def test_bidirectional_takes_forward_then_backward_initial_states() -> None:
    graph = checked(BIDIRECTIONAL_SEQ2SEQ).graph
    decoder = graph.layer("decoder")
    assert decoder.takes == (
        "target",
        "encoder:forward_state_h",
        "encoder:forward_state_c",
        "encoder:backward_state_h",
        "encoder:backward_state_c",
    )
    assert decoder.shape == (None, 16)
    script = generate(checked(BIDIRECTIONAL_SEQ2SEQ))
    assert (
        "        initial_state=[\n"
        "            encoder_forward_state_h,\n"
        "            encoder_forward_state_c,\n"
        "            encoder_backward_state_h,\n"
        "            encoder_backward_state_c,\n"
        "        ],\n"
    ) in script
    assert CATALOG["Bidirectional"].calls["initial_state"].many
    drawn = diagram_of(graph)
    assert drawn.labels[("encoder", "decoder")] == (
        "forward_state_h, forward_state_c, backward_state_h, backward_state_c"
    )


def test_bidirectional_initial_state_count_names_both_halves() -> None:
    spec = bidirectional_seq2seq(["encoder:forward_state_h", "encoder:forward_state_c"])
    assert problems(spec) == [
        (
            "layers.1",
            "decoder: Bidirectional's initial_state takes 4 states of (None, 8) (the forward"
            " LSTM's 2, then the backward's 2), got 2: (None, 8), (None, 8)",
        )
    ]
    spec = bidirectional_seq2seq(["encoder:forward_state"] * 3, inner="GRU")
    assert problems(spec) == [
        (
            "layers.1",
            "decoder: Bidirectional's initial_state takes 2 states of (None, 8) (the forward"
            " GRU's 1, then the backward's 1), got 3: (None, 8), (None, 8), (None, 8)",
        )
    ]
    fits = bidirectional_seq2seq(["encoder:forward_state", "encoder:backward_state"], "GRU")
    assert checked(fits).graph.layer("decoder").shape == (None, 16)


def test_bidirectional_initial_states_have_the_wrapped_layers_units() -> None:
    spec = bidirectional_seq2seq(["encoder:forward_state", "encoder:backward_state"], "SimpleRNN")
    spec["layers"][1]["layer"]["units"] = 4
    assert problems(spec) == [
        (
            "layers.1",
            "decoder: Bidirectional's initial_state takes 2 states of (None, 4) (its"
            " SimpleRNN's units), got (None, 8), (None, 8)",
        )
    ]
    # The merged output (None, 16) is not a state of the (None, 8) layers inside.
    spec = bidirectional_seq2seq(["encoder:output"] * 4)
    assert "got (None, 16), (None, 16), (None, 16), (None, 16)" in problems(spec)[0][1]


def test_a_carry_state_of_size_one_is_refused_as_keras_broadcasts_it_eagerly_only() -> None:
    rule = CATALOG["LSTM"].call_rule
    assert rule is not None
    with pytest.raises(ShapeError) as error:
        rule({"units": 3}, [(None, 5, 2)], {"initial_state": [(None, 3), (None, 1)]})
    assert str(error.value) == (
        "LSTM's initial_state takes 2 states of (None, 3) (its units), got (None, 3), (None, 1)"
        " (Keras broadcasts a size of 1 in an eager call only)"
    )
    # h goes through a matrix product: a size of 1 fails in Keras too, no note.
    with pytest.raises(ShapeError) as error:
        rule({"units": 3}, [(None, 5, 2)], {"initial_state": [(None, 1), (None, 3)]})
    assert "eager" not in str(error.value)
    with pytest.raises(ShapeError) as error:
        rule({"units": 3}, [(None, 5, 2)], {"initial_state": [(None, 3), (None, None)]})
    assert str(error.value).endswith(
        "(Keras builds it; it runs only where a size happens to fit or broadcast)"
    )


CONV_STATES = [
    # (spatial, input, arguments, the state: one step of the output)
    (1, (None, 4, 6, 2), {}, (None, 5, 3)),
    (1, (None, None, 6, 2), {"padding": "same"}, (None, 6, 3)),
    (1, (None, 4, 7, 2), {"strides": 2}, (None, 3, 3)),
    (1, (None, 4, 7, 2), {"strides": 2, "padding": "same"}, (None, 4, 3)),
    (1, (None, 4, 2, 6), {"data_format": "channels_first"}, (None, 3, 5)),
    (2, (None, 4, 6, 5, 2), {"dilation_rate": 2}, (None, 4, 3, 3)),
    (2, (None, 4, 6, 5, 2), {"strides": (2, 1), "padding": "same"}, (None, 3, 5, 3)),
]


@pytest.mark.parametrize(("spatial", "shape", "args", "state"), CONV_STATES)
def test_conv_lstm_initial_states_are_one_step_of_its_output(
    spatial: int, shape: tuple[int | None, ...], args: dict[str, Any], state: tuple[int, ...]
) -> None:
    layer_type = CATALOG[f"ConvLSTM{spatial}D"]
    rule = layer_type.call_rule
    assert rule is not None and "initial_state" in layer_type.calls
    full = {"filters": 3, "kernel_size": 2, "return_state": True, **args}
    assert layer_type.infer(full, [shape]).extra == (state, state)
    rule(full, [shape], {"initial_state": [state, state]})
    wider = (*state[:-1], state[-1] + 1)
    for given in ([state], [state, state, state], [state, wider], [state, state[:-1]]):
        with pytest.raises(ShapeError) as error:
            rule(full, [shape], {"initial_state": given})
        message = str(error.value)
        assert message.startswith(
            f"ConvLSTM{spatial}D's initial_state takes 2 states of {show(state)}"
        )
        assert "eager" not in message


def show(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join(str(size) for size in shape) + ")"


def test_a_conv_lstm_state_of_size_one_broadcasts_only_off_the_channels_of_h() -> None:
    rule = CATALOG["ConvLSTM1D"].call_rule
    assert rule is not None
    args = {"filters": 3, "kernel_size": 2}
    for h, c in (((None, 1, 3), (None, 5, 3)), ((None, 5, 3), (None, 1, 1))):
        with pytest.raises(ShapeError) as error:
            rule(args, [(None, 4, 6, 2)], {"initial_state": [h, c]})
        assert str(error.value).endswith("(Keras broadcasts a size of 1 in an eager call only)")
    with pytest.raises(ShapeError) as error:  # h's channels meet the recurrent kernel
        rule(args, [(None, 4, 6, 2)], {"initial_state": [(None, 5, 1), (None, 5, 3)]})
    assert str(error.value) == (
        "ConvLSTM1D's initial_state takes 2 states of (None, 5, 3) (one step of its output),"
        " got (None, 5, 1), (None, 5, 3)"
    )


def test_conv_lstm_states_start_another_in_the_script() -> None:
    spec = {
        "name": "clips",
        "inputs": [{"name": "clip", "shape": [4, 6, 2]}],
        "layers": [
            {"name": "first", "type": "ConvLSTM1D", "inputs": "clip", "filters": 3,
             "kernel_size": 2, "strides": 2, "return_state": True},
            {"name": "second", "type": "ConvLSTM1D", "inputs": "clip", "filters": 3,
             "kernel_size": 2, "strides": 2, "padding": "same",
             "call": {"initial_state": ["first:state_h", "first:state_c"]}},
            {"name": "flat", "type": "Flatten", "inputs": "second"},
        ],
    }  # fmt: skip
    graph = checked(spec).graph
    assert graph.layer("second").takes == ("clip", "first:state_h", "first:state_c")
    assert graph.shape_of("first:state_c") == (None, 3, 3)
    script = generate(checked(spec))
    assert "(clip, initial_state=[first_state_h, first_state_c])" in script
    spec["layers"][1].pop("padding")  # valid: (None, 3, 3) as well
    assert checked(spec).graph.layer("second").shape == (None, 3, 3)
    spec["layers"][1]["strides"] = 1
    assert problems(spec) == [
        (
            "layers.1",
            "second: ConvLSTM1D's initial_state takes 2 states of (None, 5, 3) (one step of its"
            " output), got (None, 3, 3), (None, 3, 3)",
        )
    ]
