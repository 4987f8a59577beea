"""Blocks, block calls and shared layers: expansion, counting and the errors users meet."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.presets import preset_path

INCEPTION = preset_path("inception_v1")
assert INCEPTION is not None


def checked(spec: dict[str, Any]):
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml"))


def problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as error:
        checked(spec)
    return [problem.render() for problem in error.value.problems]


def with_block(top_layers: list[dict[str, Any]], **block: Any) -> dict[str, Any]:
    definition = {
        "inputs": ["x"],
        "params": ["units"],
        "layers": [{"name": "dense", "type": "Dense", "units": "$units"}],
        **block,
    }
    return {
        "name": "m",
        "inputs": [{"name": "features", "shape": [4]}],
        "blocks": {"unit": definition},
        "layers": top_layers,
        "training": {"loss": "mse"},
    }


def test_an_error_inside_a_block_names_the_call_and_the_layer(cli, tmp_path: Path) -> None:
    text = INCEPTION.read_text().replace("f5x5_reduce: 32, f5x5: 96", "f5x5_reduce: 32, f5x5: 0")
    (tmp_path / "net.yaml").write_text(text)
    result = cli("validate", "net.yaml")
    assert result.exit_code == 2
    lines = text.splitlines()
    line = lines.index(next(row for row in lines if "name: inception_3b" in row)) + 1
    assert result.errors == [
        f"error: net.yaml:{line}:5: layers[6] (inception_3b) -> branch_5x5: filters:"
        " expected a positive integer, got 0"
    ]


def test_a_block_called_twice_has_two_sets_of_weights() -> None:
    graph = checked(
        with_block(
            [
                {"name": "first", "block": "unit", "inputs": "features", "units": 3},
                {"name": "second", "block": "unit", "units": 3},
            ]
        )
    ).graph
    assert [node.name for node in graph.layers] == ["first_dense", "second_dense"]
    assert graph.total_params == (4 * 3 + 3) + (3 * 3 + 3)
    assert graph.layer("second").name == "second_dense"


def test_a_shared_layer_counts_its_weights_once() -> None:
    spec = {
        "name": "m",
        "inputs": [{"name": "a", "shape": [4]}, {"name": "b", "shape": [4]}],
        "layers": [
            {"name": "encode", "type": "Dense", "inputs": "a", "units": 3},
            {"name": "encode_b", "share": "encode", "inputs": "b"},
            {"name": "both", "type": "Add", "inputs": ["encode", "encode_b"]},
        ],
        "training": {"loss": "mse"},
    }
    graph = checked(spec).graph
    assert graph.total_params == 4 * 3 + 3
    source = generate(checked(spec))
    assert 'encode_layer = layers.Dense(3, name="encode")' in source
    assert "encode_b = encode_layer(b)" in source


def test_block_functions_read_like_hand_written_keras() -> None:
    source = generate(checked(with_block([{"name": "first", "block": "unit", "units": 3}])))
    tree = ast.parse(source)
    function = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "unit"
    )
    assert [arg.arg for arg in function.args.args] == ["x", "units"]
    assert [arg.arg for arg in function.args.kwonlyargs] == ["name"]
    assert 'dense = layers.Dense(units, name=f"{name}_dense")(x)  # (None, 3)' in source
    assert 'first = unit(features, units=3, name="first")  # (None, 3)' in source


@pytest.mark.parametrize(
    ("layers", "block", "message"),
    [
        (
            [{"name": "first", "block": "unti", "units": 3}],
            {},
            "spec.yaml: layers[0].block: unknown block 'unti' (did you mean 'unit'?)",
        ),
        (
            [{"name": "first", "block": "unit", "unit": 3}],
            {},
            "spec.yaml: layers[0].unit: unknown argument 'unit' for block 'unit' (did you mean 'units'?)",
        ),
        (
            [{"name": "first", "block": "unit"}],
            {},
            "spec.yaml: layers[0].units: block 'unit' needs 'units'",
        ),
        (
            [{"name": "first", "block": "unit", "units": 3}],
            {"params": ["units", "size"]},
            "spec.yaml: blocks.unit.params: parameter 'size' is never used in block 'unit'",
        ),
        (
            [{"name": "first", "block": "unit", "units": 3}],
            {"layers": [{"name": "dense", "type": "Dense", "units": "$unit"}]},
            "spec.yaml: blocks.unit.params: \"$unit\" is not a parameter of block 'unit'",
        ),
        (
            [{"name": "first", "block": "unit", "units": 3}],
            {
                "layers": [
                    {"name": "dense", "type": "Dense", "units": "$units"},
                    {"name": "again", "block": "unit", "units": 2},
                ]
            },
            "spec.yaml: blocks.unit.layers[1].block: block 'unit' uses itself through 'unit'",
        ),
        (
            [{"name": "first", "block": "unit", "units": 3}],
            {"layers": [{"name": "dense", "type": "Dense", "inputs": "y", "units": "$units"}]},
            "spec.yaml: blocks.unit.layers[0].inputs: unknown name 'y' in block 'unit'"
            " (a block's layers take its inputs or its earlier layers)",
        ),
        (
            [{"name": "first", "block": "unit", "units": 3}],
            {"inputs": ["x", "y"]},
            "spec.yaml: blocks.unit.inputs: input 'y' is never used in block 'unit'",
        ),
        (
            [{"name": "first", "type": "Dense", "units": 3}],
            {},
            "spec.yaml: blocks.unit: block 'unit' is never used",
        ),
        (
            [
                {"name": "first", "block": "unit", "units": 3},
                {"name": "again", "share": "first", "units": 2},
            ],
            {},
            "spec.yaml: layers[1].units: a shared layer reuses the other layer's arguments; remove 'units'",
        ),
        (
            [{"name": "first", "share": "later"}, {"name": "later", "block": "unit", "units": 2}],
            {},
            "spec.yaml: layers[0].share: 'later' is not an earlier layer",
        ),
        (
            [{"name": "first", "type": "Dense", "block": "unit", "units": 2}],
            {},
            "spec.yaml: layers[0]: a layer needs exactly one of type, block, share or compute (got type and block)",
        ),
    ],
)
def test_block_and_share_problems(
    layers: list[dict[str, Any]], block: dict[str, Any], message: str
) -> None:
    found = problems(with_block(layers, **block))
    assert any(line.startswith(message) for line in found), found


def test_a_shared_wrapper_on_another_shape_says_what_its_weights_were_built_for() -> None:
    # Keras skips the wrapped layer's checks on a shared wrapper's later calls: the mismatch
    # is said first, then why the wrapped layer could not take the new shape.
    spec = {
        "name": "m",
        "inputs": [{"name": "a", "shape": [None, 1]}],
        "layers": [
            {"name": "steps", "type": "TimeDistributed", "inputs": "a",
             "layer": {"type": "RepeatVector", "n": 1}},
            {"name": "again", "share": "steps", "inputs": "steps"},
        ],
        "training": {"loss": "mse"},
    }  # fmt: skip
    assert problems(spec) == [
        "spec.yaml: layers[1]: again shares the weights of steps, which were built for"
        " (None, None, 1), but gets (None, None, 1, 1): TimeDistributed applies RepeatVector"
        " to each step: RepeatVector expects a 2-D input (batch, features), got (None, 1, 1)"
        " (Flatten or a global pooling layer first)"
    ]


def test_a_shared_layer_must_get_the_shape_it_was_built_for() -> None:
    spec = {
        "name": "m",
        "inputs": [{"name": "a", "shape": [4]}, {"name": "b", "shape": [5]}],
        "layers": [
            {"name": "encode", "type": "Dense", "inputs": "a", "units": 3},
            {"name": "encode_b", "share": "encode", "inputs": "b"},
            {"name": "both", "type": "Add", "inputs": ["encode", "encode_b"]},
        ],
        "training": {"loss": "mse"},
    }
    assert problems(spec) == [
        "spec.yaml: layers[1]: encode_b shares the weights of encode, which were built for"
        " (None, 4), but gets (None, 5)"
    ]


def test_a_shared_tower_must_get_the_shapes_it_was_built_for() -> None:
    spec = with_block(
        [
            {"name": "left", "block": "unit", "inputs": "features", "units": 3},
            {"name": "right", "share": "left", "inputs": "other"},
            {"name": "both", "type": "Add", "inputs": ["left", "right"]},
        ]
    )
    spec["inputs"].append({"name": "other", "shape": [6]})
    found = problems(spec)
    assert (
        "spec.yaml: layers[1].inputs: right shares the block instance left, built for (None, 4), but gets (None, 6)"
        in found
    )


def resnet_like(stages: list[int], conv: dict[str, Any]) -> str:
    """A ResNet50-like spec: one bottleneck block, called once per unit of each stage."""
    calls = "\n".join(
        f"  - {{name: stage{s}_unit{u}, block: bottleneck, filters: {16 * 2**s}}}"
        for s, units in enumerate(stages)
        for u in range(units)
    )
    middle = ", ".join(f"{key}: {value}" for key, value in conv.items())
    return f"""\
name: resnet_like
inputs:
  - name: image
    shape: [32, 32, 3]
blocks:
  bottleneck:
    params: [filters]
    layers:
      - {{name: reduce, type: Conv2D, filters: $filters, kernel_size: 1}}
      - {{name: middle, type: Conv2D, filters: $filters, {middle}}}
      - {{name: expand, type: Conv2D, filters: 64, kernel_size: 1}}
      - {{name: skip, type: Add, inputs: [expand, x]}}
layers:
  - {{name: stem, type: Conv2D, filters: 64, kernel_size: 1}}
{calls}
  - {{name: pooled, type: GlobalAveragePooling2D}}
"""


def test_a_mistake_in_a_block_is_reported_once_at_the_block(cli, tmp_path: Path) -> None:
    text = resnet_like([3, 4, 6, 3], {"kernal_size": 3, "padding": "same"})
    (tmp_path / "net.yaml").write_text(text)
    result = cli("validate", "net.yaml")
    assert result.exit_code == 2
    assert result.errors == [
        "error: net.yaml:10:57: blocks.bottleneck.layers[1].kernal_size: unknown argument"
        " 'kernal_size' for Conv2D (did you mean 'kernel_size'?) (allowed: name, type, inputs,"
        " filters, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,"
        " kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,"
        " activity_regularizer, kernel_constraint, bias_constraint)"
        " (16 calls use block 'bottleneck')"
    ]
    assert "   10 |       - {name: middle" in result.stderr


def reshaped_units(*units: int) -> dict[str, Any]:
    """Calls of a block that reshapes its Dense output to two rows, side by side."""
    calls = [
        {"name": f"call{i}", "block": "unit", "inputs": "features", "units": n}
        for i, n in enumerate(units)
    ]
    return with_block(
        [*calls, {"name": "joined", "type": "Concatenate", "inputs": [c["name"] for c in calls]}],
        layers=[
            {"name": "dense", "type": "Dense", "units": "$units"},
            {"name": "rows", "type": "Reshape", "target_shape": [2, -1]},
        ],
    )


def test_a_shape_mistake_of_every_call_is_reported_once_at_the_block() -> None:
    assert problems(reshaped_units(3, 3, 3)) == [
        "spec.yaml: blocks.unit.layers[1]: Reshape cannot turn (None, 3) (3 values) into"
        " (None, 2, -1): 3 is not a multiple of 2 (3 calls use block 'unit')"
    ]


def test_a_shape_mistake_of_one_call_stays_at_the_call() -> None:
    assert problems(reshaped_units(4, 3, 6)) == [
        "spec.yaml: layers[1] (call1) -> rows: Reshape cannot turn (None, 3) (3 values) into"
        " (None, 2, -1): 3 is not a multiple of 2"
    ]


def test_a_call_passing_a_bad_value_is_reported_at_the_call() -> None:
    found = problems(
        with_block(
            [
                {"name": "first", "block": "unit", "inputs": "features", "units": 3},
                {"name": "second", "block": "unit", "units": 0},
            ]
        )
    )
    assert found == [
        "spec.yaml: layers[1] (second) -> dense: units: expected a positive integer, got 0"
    ]


def test_block_layer_arguments_and_input_counts_are_checked_in_the_definition() -> None:
    block = {
        "inputs": ["x", "y"],
        "layers": [
            {"name": "dense", "type": "Dense", "inputs": "x", "units": "$units"},
            {"name": "pair", "type": "Add", "inputs": ["dense"]},
            {"name": "bad", "type": "Dense", "inputs": ["pair", "y"], "units": -1},
            {"name": "odd", "type": "Sampling"},
        ],
    }
    found = problems(
        with_block(
            [
                {"name": "first", "block": "unit", "inputs": ["features", "features"], "units": 3},
                {"name": "second", "block": "unit", "inputs": ["first", "first"], "units": 3},
            ],
            **block,
        )
    )
    assert found == [
        "spec.yaml: blocks.unit.layers[2].units: expected a positive integer, got -1"
        " (2 calls use block 'unit')",
        "spec.yaml: blocks.unit.layers[3].type: unknown layer type 'Sampling'"
        " (see the README's layer table) (2 calls use block 'unit')",
        "spec.yaml: blocks.unit.layers[1].inputs: Add merges two or more inputs, got 1"
        " (2 calls use block 'unit')",
        "spec.yaml: blocks.unit.layers[2].inputs: Dense takes one input, got 2"
        " (merge them first, e.g. with a Concatenate layer) (2 calls use block 'unit')",
    ]


def test_block_calls_are_counted_through_nested_blocks_and_shared_towers() -> None:
    from generator.analysis.expand import block_calls
    from generator.spec.model import parse_spec

    spec = with_block(
        [
            {"name": "first", "block": "pair", "inputs": "features"},
            {"name": "again", "share": "first", "inputs": "features"},
            {"name": "both", "type": "Add", "inputs": ["first", "again"]},
        ]
    )
    spec["blocks"]["pair"] = {
        "layers": [
            {"name": "one", "block": "unit", "units": 4},
            {"name": "two", "block": "unit", "units": 4},
        ]
    }
    assert block_calls(parse_spec(spec)) == {"unit": 4, "pair": 2}


def test_left_out_inputs_are_resolved_once_on_the_graph() -> None:
    spec = with_block(
        [
            {"name": "first", "block": "unit", "inputs": "features", "units": 3},
            {"name": "second", "block": "unit", "units": 3},
            {"name": "top", "type": "Dense", "units": 1},
        ],
        layers=[
            {"name": "dense", "type": "Dense", "units": "$units"},
            {"name": "more", "type": "Dense", "units": "$units"},
            {"name": "both", "type": "Add", "inputs": ["dense", "more"]},
        ],
    )
    graph = checked(spec).graph
    assert graph.spec_inputs == {"first": ("features",), "second": ("first",), "top": ("second",)}
    assert graph.block_inputs == {
        "unit": {"dense": ("x",), "more": ("dense",), "both": ("dense", "more")}
    }
    assert [node.inputs for node in graph.layers[:3]] == [
        ("features",),
        ("first_dense",),
        ("first_dense", "first_more"),
    ]


def test_a_broken_block_does_not_hide_the_problems_of_its_calls() -> None:
    spec = with_block(
        [
            {"name": "first", "block": "unit", "inputs": "features", "unit": 3},
            {"name": "top", "type": "Dense", "units": 0},
            {"name": "copy", "share": "nothere"},
        ],
        layers=[{"name": "dense", "type": "Dense", "inputs": "y", "units": "$units"}],
    )
    assert problems(spec) == [
        "spec.yaml: blocks.unit.layers[0].inputs: unknown name 'y' in block 'unit'"
        " (a block's layers take its inputs or its earlier layers)",
        "spec.yaml: blocks.unit.inputs: input 'x' is never used in block 'unit'",
        "spec.yaml: layers[0].unit: unknown argument 'unit' for block 'unit'"
        " (did you mean 'units'?)",
        "spec.yaml: layers[0].units: block 'unit' needs 'units'",
        "spec.yaml: layers[2].share: 'nothere' is not an earlier layer",
        "spec.yaml: layers[1].units: expected a positive integer, got 0",
    ]


def test_a_call_of_a_block_inside_a_block_is_checked_once_in_the_definition() -> None:
    spec = with_block(
        [
            {"name": "first", "block": "pair", "inputs": "features"},
            {"name": "second", "block": "pair"},
        ]
    )
    spec["blocks"]["pair"] = {
        "layers": [
            {"name": "one", "block": "unit", "size": 4},
            {"name": "two", "block": "unti", "units": 4},
        ]
    }
    assert problems(spec) == [
        "spec.yaml: blocks.pair.layers[0].size: unknown argument 'size' for block 'unit'"
        " (parameters: units)",
        "spec.yaml: blocks.pair.layers[0].units: block 'unit' needs 'units'",
        "spec.yaml: blocks.pair.layers[1].block: unknown block 'unti' (did you mean 'unit'?)",
    ]


@pytest.mark.parametrize(
    ("layer", "given"),
    [
        ({"name": "odd", "units": 3}, "none"),
        ({"name": "odd", "type": "Dense", "block": "unit"}, "type and block"),
    ],
)
def test_a_block_layer_is_a_layer_or_a_call(layer: dict[str, Any], given: str) -> None:
    spec = with_block(
        [{"name": "first", "block": "unit", "inputs": "features", "units": 3}],
        layers=[{"name": "dense", "type": "Dense", "units": "$units"}, layer],
    )
    assert (
        f"spec.yaml: blocks.unit.layers[1]: a block's layer needs exactly one of type, block or compute (got {given})"
        in problems(spec)
    )
