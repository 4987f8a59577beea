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
