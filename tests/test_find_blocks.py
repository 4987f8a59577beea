"""find_blocks: a flat spec's repeated subgraphs become blocks, and expand back exactly."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import SpecError
from generator.importer import blocks
from generator.importer.blocks import find_blocks, search_blocks
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.names import identifier_problem
from generator.spec.presets import preset_names, preset_path
from tests.flat_specs import flatten, same_layers
from tests.hostile import hostile_values

RESNET50 = Path(__file__).parent / "specs" / "resnet50.yaml"


def load(path: Path | None) -> dict[str, Any]:
    assert path is not None
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def script(spec: dict[str, Any]) -> str:
    path = Path("found.yaml")
    return generate(check_loaded(LoadedSpec(str(path), spec), path))


def chain(prefixes: list[str], units: list[int], head: int = 2) -> dict[str, Any]:
    """A flat spec: `head` Dense layers, then per prefix dense, relu, wide, add(x, wide)."""
    layers: list[dict[str, Any]] = [
        {"name": f"stem{i}", "type": "Dense", "units": 8} for i in range(head)
    ]
    previous = layers[-1]["name"] if layers else "features"
    for prefix, width in zip(prefixes, units, strict=True):
        layers += [
            {"name": f"{prefix}_dense", "type": "Dense", "inputs": [previous], "units": width},
            {"name": f"{prefix}_relu", "type": "Activation", "activation": "relu"},
            {"name": f"{prefix}_wide", "type": "Dense", "units": 8},
            {"name": f"{prefix}_add", "type": "Add", "inputs": [previous, f"{prefix}_wide"]},
        ]
        previous = f"{prefix}_add"
    layers.append({"name": "head", "type": "Dense", "units": 1, "inputs": previous})
    return {"name": "chain", "inputs": [{"name": "features", "shape": [8]}], "layers": layers}


def test_resnet50_flat_becomes_two_blocks_of_the_original_names() -> None:
    flat = flatten(load(RESNET50))
    found = find_blocks(flat)
    assert len(flat["layers"]) == 176
    assert len(found["blocks"]) == 2
    assert len(found["layers"]) == 24
    assert same_layers(found) == same_layers(flat)
    calls = [layer for layer in found["layers"] if "block" in layer]
    assert [call["name"] for call in calls][:4] == [
        "conv2_block1",
        "conv2_block2",
        "conv2_block3",
        "conv3_block1",
    ]
    projection = found["blocks"][calls[0]["block"]]
    assert projection["params"] == ["filters", "strides"]
    assert projection["layers"][0] == {
        "name": "shortcut_conv",
        "type": "Conv2D",
        "filters": "$filters * 4",
        "kernel_size": 1,
        "strides": "$strides",
    }
    assert calls[0] == {"name": "conv2_block1", "block": "block", "filters": 64, "strides": 1}
    assert len(script(found).splitlines()) < 300


def _has_model_blocks(name: str) -> bool:
    return any(block.get("model") for block in load(preset_path(name)).get("blocks", {}).values())


# A block built as a keras.Model of its own (vae) is structure a flat spec cannot write.
FLATTENABLE = [name for name in preset_names() if not _has_model_blocks(name)]


def test_only_presets_with_sub_models_have_no_flat_form() -> None:
    assert set(preset_names()) - set(FLATTENABLE) == {"vae"}


@pytest.mark.parametrize("name", FLATTENABLE)
def test_every_preset_flattened_comes_back_as_the_same_layers(name: str) -> None:
    flat = flatten(load(preset_path(name)))
    found = find_blocks(flat)
    assert same_layers(found) == same_layers(flat)
    assert len(found["layers"]) <= len(flat["layers"])
    script(found)  # a valid spec: every check passes


@pytest.mark.parametrize("flat", [flatten(load(RESNET50)), chain(["a", "b", "c"], [4, 4, 4])])
def test_the_checks_expansion_plans_the_found_spec_as_a_fresh_one_does(flat: Any) -> None:
    found = search_blocks(flat)
    assert found.expanded is not None and found.spec == find_blocks(flat)
    path = Path("found.yaml")
    reused = check_loaded(LoadedSpec(str(path), found.spec), path, found.expanded)
    fresh = check_loaded(LoadedSpec(str(path), found.spec), path)
    assert reused.graph == fresh.graph
    assert generate(reused) == generate(fresh)


def test_the_same_spec_gives_the_same_blocks_and_is_left_untouched() -> None:
    flat = flatten(load(RESNET50))
    before = copy.deepcopy(flat)
    first, second = find_blocks(flat), find_blocks(copy.deepcopy(flat))
    assert flat == before
    assert yaml.safe_dump(first) == yaml.safe_dump(second)


def test_a_block_call_takes_the_name_prefix_and_the_layers_keep_their_keras_names() -> None:
    found = find_blocks(chain(["stage1_unit1", "stage1_unit2", "stage2_unit1"], [4, 4, 4]))
    assert found["blocks"] == {
        "unit": {
            "description": "Found 3 times: stage1_unit1 to stage2_unit1.",
            "inputs": ["x"],
            "layers": [
                {"name": "dense", "type": "Dense", "units": 4},
                {"name": "relu", "type": "Activation", "activation": "relu"},
                {"name": "wide", "type": "Dense", "units": 8},
                {"name": "add", "type": "Add", "inputs": ["x", "wide"]},
            ],
        }
    }
    assert [layer["name"] for layer in found["layers"]] == [
        "stem0",
        "stem1",
        "stage1_unit1",
        "stage1_unit2",
        "stage2_unit1",
        "head",
    ]
    assert found["layers"][-1] == {"name": "head", "type": "Dense", "units": 1}


def test_differing_arguments_become_parameters_or_arithmetic_on_them() -> None:
    flat = chain([f"b{i}" for i in range(4)], [2, 4, 6, 8])
    for layer in flat["layers"]:
        if layer["name"].endswith("_wide"):
            layer["units"] = 3 * next(
                other["units"]
                for other in flat["layers"]
                if other["name"] == layer["name"].replace("wide", "dense")
            )
        if layer["name"].endswith("_relu"):
            layer["activation"] = "relu" if layer["name"] < "b2" else "tanh"
    found = find_blocks(flat)
    (block,) = found["blocks"].values()
    assert block["params"] == ["units", "activation"]
    assert [layer.get("units") for layer in block["layers"]] == ["$units", None, "$units * 3", None]
    assert [call.get("units") for call in found["layers"]][2:6] == [2, 4, 6, 8]
    assert [call.get("activation") for call in found["layers"]][2:6] == ["relu"] * 2 + ["tanh"] * 2


def test_two_independent_columns_of_one_argument_get_two_names() -> None:
    flat = chain([f"b{i}" for i in range(4)], [2, 3, 5, 7])
    for i, layer in enumerate(layer for layer in flat["layers"] if layer["name"].endswith("wide")):
        layer["units"] = [11, 13, 17, 19][i]
    (block,) = find_blocks(flat)["blocks"].values()
    assert block["params"] == ["units", "wide_units"]


def test_lists_with_a_fixed_item_get_a_parameter_per_differing_item() -> None:
    flat = chain([f"b{i}" for i in range(3)], [2, 3, 5])
    for layer in flat["layers"]:
        if layer["name"].endswith("_relu"):
            width = next(
                o["units"] for o in flat["layers"] if o["name"] == layer["name"][:2] + "_dense"
            )
            layer.update(type="Reshape", target_shape=[1, width])
            del layer["activation"]
    (block,) = find_blocks(flat)["blocks"].values()
    assert block["layers"][1]["target_shape"] == [1, "$units"]


def test_a_block_with_two_inputs() -> None:
    layers: list[dict[str, Any]] = [{"name": "side", "type": "Dense", "units": 8}]
    previous = "features"
    for i in range(3):
        layers += [
            {"name": f"m{i}_a", "type": "Dense", "units": 8, "inputs": previous},
            {"name": f"m{i}_b", "type": "Dense", "units": 8},
            {"name": f"m{i}_c", "type": "Dense", "units": 8},
            {"name": f"m{i}_sum", "type": "Add", "inputs": [f"m{i}_c", "side"]},
        ]
        previous = f"m{i}_sum"
    flat = {"name": "two", "inputs": [{"name": "features", "shape": [8]}], "layers": layers}
    found = find_blocks(flat)
    (block,) = found["blocks"].values()
    assert block["inputs"] == ["x1", "x2"]
    assert found["layers"][2] == {"name": "m1", "block": "m", "inputs": ["m0", "side"]}
    assert same_layers(found) == same_layers(flat)
    script(found)


def test_a_layer_used_outside_its_call_keeps_the_call_flat() -> None:
    flat = chain(["a_1", "a_2", "a_3", "a_4"], [4, 4, 4, 4])
    flat["layers"][-1].update(type="Concatenate", inputs=["a_4_add", "a_2_relu"])
    del flat["layers"][-1]["units"]
    found = find_blocks(flat)
    names = [layer["name"] for layer in found["layers"]]
    assert "a_2_relu" in names
    assert {"a_1", "a_3", "a_4"} <= set(names)
    assert same_layers(found) == same_layers(flat)
    script(found)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda layers: layers[3].update(activation="$units"), id="a dollar string"),
        pytest.param(
            lambda layers: layers.append({"name": "again", "share": "a_1_wide"}), id="shared"
        ),
        pytest.param(
            lambda layers: layers.insert(4, {"name": "x", "type": "Dense", "units": 8}), id="apart"
        ),
    ],
)
def test_a_layer_that_cannot_go_into_a_block_keeps_its_call_flat(spoil: Any) -> None:
    flat = chain(["a_1", "a_2", "a_3", "a_4"], [4, 4, 4, 4])
    spoil(flat["layers"])
    found = find_blocks(flat)
    names = [layer["name"] for layer in found["layers"]]
    assert "a_1_dense" in names
    assert {"a_2", "a_3", "a_4"} <= set(names)
    assert same_layers(found) == same_layers(flat)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param({"name": "m", "inputs": [], "layers": []}, id="no inputs"),
        pytest.param(
            {"name": "m", "inputs": [{"name": "i"}], "layers": "x"}, id="layers not a list"
        ),
        pytest.param(
            {"name": "m", "inputs": [{"name": "i"}], "layers": [3]}, id="a layer not a mapping"
        ),
        pytest.param(
            {"name": "m", "inputs": [{"name": "i"}], "blocks": {"b": {}}, "layers": []}, id="blocks"
        ),
    ],
)
def test_what_is_not_a_flat_spec_comes_back_as_it_is(spec: dict[str, Any]) -> None:
    assert find_blocks(spec) == spec


def test_once_is_not_enough() -> None:
    flat = chain(["only_1"], [4])
    assert find_blocks(flat) == flat


def test_a_thousand_layers_in_well_under_half_a_second() -> None:
    sizes = [3, 4, 6, 3] * 16  # stages of different lengths, as in ResNet50
    prefixes = [f"s{stage}_b{unit}" for stage, size in enumerate(sizes) for unit in range(size)]
    flat = chain(prefixes, [4 * (1 + int(prefix[1:].split("_")[0])) for prefix in prefixes])
    assert len(flat["layers"]) > 1000
    best = min(_timed(flat) for _ in range(3))
    found = find_blocks(flat)
    assert len(found["blocks"]) == 1 and len(found["layers"]) == len(prefixes) + 3
    assert best < 0.5, f"{best:.3f} s"


def _timed(flat: dict[str, Any]) -> float:
    """CPU seconds of one run: the machine may be shared, the work is single-threaded."""
    start = time.process_time()
    find_blocks(flat)
    return time.process_time() - start


_TYPES = st.sampled_from(
    [
        {"type": "Dense", "units": 4},
        {"type": "Activation", "activation": "relu"},
        {"type": "Dropout", "rate": 0.5},
        {"type": "LayerNormalization"},
    ]
)


@st.composite
def repeated_chunks(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    """A flat spec of calls of one random chunk, some varied, between random layers."""
    chunk = draw(st.lists(_TYPES, min_size=2, max_size=5))
    skip = draw(st.booleans())
    calls = draw(st.integers(min_value=1, max_value=6))
    layers: list[dict[str, Any]] = []
    previous = "features"
    for i in range(calls):
        for j in range(draw(st.integers(min_value=0, max_value=2))):
            layers.append({"name": f"between{i}{j}", "type": "Dense", "units": 4})
            previous = layers[-1]["name"]
        prefix = draw(st.sampled_from(["block", "stage_block", "b"])) + f"{i}"
        for j, kind in enumerate(chunk):
            layer = {"name": f"{prefix}_l{j}", **kind}
            if j == 0:
                layer["inputs"] = previous
            if "units" in layer:
                layer["units"] = draw(st.sampled_from([4, 8, 12]))
            layers.append(layer)
        if skip:
            layers.append(
                {"name": f"{prefix}_add", "type": "Add", "inputs": [previous, layers[-1]["name"]]}
            )
        previous = layers[-1]["name"]
    layers.append({"name": "out", "type": "Dense", "units": 1})
    spec = {"name": "m", "inputs": [{"name": "features", "shape": [4]}], "layers": layers}
    return spec, calls * (len(chunk) + skip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repeated_chunks())
def test_any_flat_spec_expands_back_to_the_same_layers(drawn: tuple[dict[str, Any], int]) -> None:
    flat, _ = drawn
    found = find_blocks(flat)
    assert same_layers(found) == same_layers(flat)
    assert find_blocks(copy.deepcopy(flat)) == found
    calls = [layer for layer in found["layers"] if "block" in layer]
    for name in found.get("blocks", {}):
        assert sum(call["block"] == name for call in calls) >= 2


def _names_in(found: dict[str, Any]) -> list[str]:
    """Every name find_blocks made up: blocks, their inputs and parameters."""
    names = list(found.get("blocks", {}))
    for block in found.get("blocks", {}).values():
        names += [*block["inputs"], *block.get("params", [])]
    return names


@pytest.mark.parametrize("value", hostile_values()[::10])
def test_a_hostile_value_or_key_stays_a_value_never_a_name(value: str) -> None:
    flat = chain([f"a_{i}" for i in range(4)], [4, 4, 8, 8])
    for i, layer in enumerate(layer for layer in flat["layers"] if layer["name"].endswith("relu")):
        layer["activation"] = value if i % 2 else "relu"
        layer[value] = i  # an argument named by the hostile string, differing between calls
    found = find_blocks(flat)
    assert same_layers(found) == same_layers(flat)
    # The calls differ only in values: still one block; a "$" would read as a parameter.
    assert bool(found.get("blocks")) == ("$" not in value)
    for name in _names_in(found):
        assert identifier_problem(name, local=True) is None, name
    with pytest.raises(SpecError):
        script(found)  # the unknown argument is refused, as in the flat spec


def test_blocks_already_there_stay_and_new_ones_take_other_names() -> None:
    flat = chain([f"unit{i}_x" for i in range(4)], [4, 4, 4, 4])
    flat["blocks"] = {
        "unit": {"inputs": ["x"], "layers": [{"name": "dense", "type": "Dense", "units": 8}]}
    }
    flat["layers"].insert(2, {"name": "pre", "block": "unit", "inputs": "stem1"})
    flat["layers"][3]["inputs"] = ["pre"]
    flat["layers"][6]["inputs"] = ["pre", "unit0_x_wide"]
    found = find_blocks(flat)
    assert list(found["blocks"]) == ["unit", "unit_2"]
    assert found["blocks"]["unit"] == flat["blocks"]["unit"]
    assert same_layers(found) == same_layers(flat)
    script(found)


def test_a_call_whose_name_begins_another_calls_name_is_found_without_it() -> None:
    """The preset calls `stage2` then `stage2_more`: `stage2_` holds both calls' layers."""
    data = load(preset_path("resnet_block"))
    found = find_blocks(flatten(data))
    assert [layer["name"] for layer in found["layers"]] == [
        layer["name"] for layer in data["layers"]
    ]
    assert len(found["blocks"]) == len(data["blocks"]) == 2
    assert same_layers(found) == same_layers(data)


def test_outputs_inside_calls_name_the_calls_and_a_second_input_stays_named() -> None:
    flat = chain([f"a_{i}" for i in range(4)], [8, 8, 8, 8], head=0)
    flat["inputs"].append({"name": "extra", "shape": [8]})
    flat["layers"][0]["inputs"] = ["features"]
    flat["layers"].append({"name": "joined", "type": "Add", "inputs": ["a_3_add", "extra"]})
    flat["outputs"] = ["a_1_add", "joined", "head"]
    found = find_blocks(flat)
    assert found["outputs"] == ["a_1", "joined", "head"]
    assert found["layers"][0] == {"name": "a_0", "block": "a", "inputs": "features"}
    assert found["layers"][-1] == {"name": "joined", "type": "Add", "inputs": ["a_3", "extra"]}
    assert same_layers(found) == same_layers(flat)
    script(found)


def _with_gate(prefix: str, previous: str, units: int, extra: int) -> list[dict[str, Any]]:
    """A unit with a squeeze-and-excite-like gate `se_` inside, as EfficientNet's blocks."""
    init = {"VarianceScaling": {"scale": 2.0, "mode": "fan_out"}}
    layers: list[dict[str, Any]] = [
        {"name": f"{prefix}_dense", "type": "Dense", "units": units, "inputs": previous}
    ]
    for j in range(extra):
        layers.append({"name": f"{prefix}_norm{j}", "type": "LayerNormalization"})
    gate = layers[-1]["name"]
    layers += [
        {
            "name": f"{prefix}_se_reduce",
            "type": "Dense",
            "units": units // 4,
            "kernel_initializer": init,
        },
        {"name": f"{prefix}_se_relu", "type": "Activation", "activation": "relu"},
        {
            "name": f"{prefix}_se_expand",
            "type": "Dense",
            "units": units,
            "kernel_initializer": init,
        },
        {"name": f"{prefix}_se_gate", "type": "Activation", "activation": "sigmoid"},
        {"name": f"{prefix}_se_excite", "type": "Multiply", "inputs": [gate, f"{prefix}_se_gate"]},
    ]
    # A long tail, so that whole units save more than their gates alone.
    layers += [{"name": f"{prefix}_tail{j}", "type": "Dense", "units": 8} for j in range(12)]
    return layers


def test_a_subgraph_repeated_inside_the_blocks_becomes_a_block_they_call() -> None:
    layers: list[dict[str, Any]] = []
    previous = "features"
    for i in range(9):
        layers += _with_gate(f"unit{i}", previous, 8 * (i + 1), extra=i % 3)
        previous = layers[-1]["name"]
    flat = {"name": "gated", "inputs": [{"name": "features", "shape": [8]}], "layers": layers}
    found = find_blocks(flat)
    assert list(found["blocks"]) == ["unit", "unit_b", "unit_c", "se"]
    # Each outer block passes its own parameter in, and arithmetic on it.
    assert found["blocks"]["se"]["params"] == ["units", "expand_units"]
    for outer in ("unit", "unit_b", "unit_c"):
        (call,) = [layer for layer in found["blocks"][outer]["layers"] if "block" in layer]
        assert call == {
            "name": "se",
            "block": "se",
            **({"inputs": call["inputs"]} if "inputs" in call else {}),
            "units": "$units // 4",
            "expand_units": "$units",
        }
    assert same_layers(found) == same_layers(flat)
    script(found)


@pytest.mark.parametrize(
    ("key", "value"),
    [("units", 5), ("units", 4.0), ("use_bias", True), ("activation", "relu"), ("name", "other")],
)
def test_blocks_that_would_change_one_argument_are_not_taken(
    key: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check compares every argument type and all (4.0 is not 4); a default written out
    (use_bias: true) is the same model."""
    flat = chain(["a", "b", "c"], [4, 4, 4])
    rewrite = blocks._rewrite

    def spoiled(*args: Any) -> Any:
        result, names = rewrite(*args)
        (block,) = result["blocks"].values()
        block["layers"][0][key] = value
        return result, names

    monkeypatch.setattr(blocks, "_rewrite", spoiled)
    found = find_blocks(flat)
    assert ("blocks" in found) == (key == "use_bias")
    if key != "use_bias":
        assert found == flat


def test_identical_tells_types_apart() -> None:
    assert blocks._identical([1, (2.0, "x")], [1, (2.0, "x")])
    for one, other in ((True, 1), (1.0, 1), (-0.0, 0.0), ([1], (1,)), ({"a": 1}, {"a": True})):
        assert not blocks._identical(one, other)
