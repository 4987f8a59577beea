"""Segments: runs that end at numbered merges become blocks with templated Keras names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.importer.blocks import find_blocks
from generator.importer.segments import segment_bounds, segment_definition, split_name
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.flat_specs import same_layers


def modules(count: int, counter: int = 10, act: int = 400) -> dict[str, Any]:
    """A flat spec of `count` Inception-like modules, named by Keras's counters."""
    layers: list[dict[str, Any]] = [{"name": "mixed0", "type": "Dense", "units": 8}]
    for i in range(1, count + 1):
        c, a = counter + 2 * i, act + 2 * i
        before = f"mixed{i - 1}"
        layers += [
            {"name": f"dense_{c}", "type": "Dense", "inputs": before, "units": 4},
            {"name": f"activation_{a}", "type": "Activation", "activation": "relu"},
            {"name": f"dense_{c + 1}", "type": "Dense", "inputs": before, "units": 4},
            {"name": f"activation_{a + 1}", "type": "Activation", "activation": "tanh"},
            {"name": f"mixed{i}", "type": "Concatenate",
             "inputs": [f"activation_{a}", f"activation_{a + 1}"]},
        ]  # fmt: skip
    layers.append({"name": "head", "type": "Dense", "units": 1})
    return {"name": "mods", "inputs": [{"name": "features", "shape": [8]}], "layers": layers}


def _checked(spec: dict[str, Any]) -> Any:
    path = Path("s.yaml")
    return check_loaded(LoadedSpec(str(path), spec), path)


def test_split_name_keeps_numbers_with_a_leading_zero_as_text() -> None:
    assert split_name("normal_conv_1_12") == (("normal_conv_", "_", ""), (1, 12))
    assert split_name("conv01_3") == (("conv01_", ""), (3,))
    assert split_name("dense") == (("dense",), ())


def test_segments_end_at_a_stems_numbered_merges() -> None:
    names = ["mixed0", "a", "b", "mixed1", "c", "mixed2", "x_1", "d"]
    merges = [True, False, False, True, False, True, True, False]
    found = list(segment_bounds(names, merges))
    assert ("mixed", [1], 4) in found and ("mixed", [4], 6) in found
    assert all(stop - start >= 2 for _, starts, stop in found for start in starts)


def test_a_varying_number_becomes_a_parameter_or_a_distance_from_one() -> None:
    rows = [["dense_12", "dense_14"], ["activation_402", "activation_404"],
            ["dense_13", "dense_15"], ["cell_1_7", "cell_1_9"]]  # fmt: skip
    names, templates, params = segment_definition(rows, {"name"})
    assert templates == [
        "dense_{$dense_n}", "activation_{$dense_n + 390}", "dense_{$dense_n + 1}",
        "cell_1_{$dense_n - 5}",
    ]  # fmt: skip
    assert params == {"dense_n": [12, 14]}
    assert names == ["dense", "activation", "dense_2", "cell_1"]


def test_modules_become_one_block_that_expands_to_the_same_names() -> None:
    flat = modules(4)
    found = find_blocks(flat)
    assert list(found["blocks"]) == ["mixed"]
    block = found["blocks"]["mixed"]
    assert [layer.get("keras_name") for layer in block["layers"]] == [
        "dense_{$dense_n}", "activation_{$dense_n + 390}", "dense_{$dense_n + 1}",
        "activation_{$dense_n + 391}", "mixed{$mixed_n}",
    ]  # fmt: skip
    assert found["layers"][6] == {"name": "mixed2_block", "block": "mixed", "dense_n": 14,
                                  "mixed_n": 2}  # fmt: skip
    # mixed0, module 1 flat (the first numbered merge starts no run), 3 calls, head
    assert len(found["layers"]) == 1 + 5 + 3 + 1
    assert same_layers(found) == same_layers(flat)
    source = generate(_checked(found), script_name="m.py")
    assert 'name=f"activation_{dense_n + 390}"' in source


def test_a_module_whose_names_break_the_pattern_stays_flat() -> None:
    flat = modules(3)
    flat["layers"][7]["name"] = "dense_other"  # the second dense of module 2: no number
    flat["layers"][8]["inputs"] = "dense_other"
    found = find_blocks(flat)
    assert "blocks" not in found or all(
        len(block["layers"]) < 5 for block in found["blocks"].values()
    )
    assert same_layers(found) == same_layers(flat)
