"""String options: a spelling builds in Keras exactly when mergegen accepts it."""

from __future__ import annotations

from typing import Any

import pytest

from generator.analysis.catalog import CATALOG
from generator.spec.values import ValueKind

pytestmark = pytest.mark.keras

# (layer, the argument, other arguments, input shape without the batch)
OPTIONS = [
    ("Dense", "activation", {"units": 2}, (3,)),
    ("Dense", "kernel_initializer", {"units": 2}, (3,)),
    ("Dense", "kernel_regularizer", {"units": 2}, (3,)),
    ("Dense", "kernel_constraint", {"units": 2}, (3,)),
    ("Conv2D", "padding", {"filters": 2, "kernel_size": 3}, (5, 5, 1)),
    ("Conv1D", "padding", {"filters": 2, "kernel_size": 3}, (5, 1)),
    ("MaxPooling2D", "padding", {}, (4, 4, 1)),
    ("UpSampling2D", "interpolation", {}, (2, 2, 1)),
    ("Bidirectional", "merge_mode", {"layer": {"type": "LSTM", "units": 2}}, (3, 2)),
]


def spellings(kind: ValueKind, layer: str, argument: str) -> list[str]:
    """Each option in the usual ways of writing it, and near misses."""
    options = kind.description.removeprefix("one of ").split(", ")
    found: set[str] = set()
    for option in options:
        parts = option.split("_")
        found |= {
            option,
            option.upper(),
            option.capitalize(),
            option.swapcase(),
            "".join(part.capitalize() for part in parts),
            "".join(parts),
            option.replace("_", "-"),
            f"{option} ",
        }
    found |= {"", "none", "None", "l1l2", "L1L2", "causal", "hard_swish", "swish", "Swish"}
    found |= {"normal", "uniform", "one", "zero", "OrthogonalInitializer", "identity"}
    return sorted(found)


def keras_accepts(layer: str, argument: str, value: str, others: dict[str, Any], shape) -> bool:
    """Keras builds the layer, applies it to a symbolic input, then to real data."""
    import keras
    import numpy as np

    def build(name: str, args: dict[str, Any]) -> Any:
        nested = {key: build(item.pop("type"), item) for key, item in _nested(args)}
        return getattr(keras.layers, name)(**{**args, **nested})

    try:
        built = build(layer, {**others, argument: value})
        built(keras.Input(shape))
        built(np.ones((1, *shape), dtype="float32"))
    except (ValueError, TypeError, KeyError, NotImplementedError):
        return False
    return True


def _nested(args: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(key, dict(value)) for key, value in args.items() if isinstance(value, dict)]


@pytest.mark.parametrize(("layer", "argument", "others", "shape"), OPTIONS)
def test_a_spelling_is_accepted_exactly_when_keras_builds_it(
    layer: str, argument: str, others: dict[str, Any], shape: tuple[int, ...]
) -> None:
    kind = CATALOG[layer].args[argument].kind
    ours = {value for value in spellings(kind, layer, argument) if kind.problem(value) is None}
    for value in spellings(kind, layer, argument):
        keras_ok = keras_accepts(layer, argument, value, others, shape)
        if value in ours:
            assert keras_ok, f"{layer}({argument}={value!r}) is accepted but Keras refuses it"
        elif keras_ok and not _outside_the_catalog(kind, value):
            pytest.fail(f"{layer}({argument}={value!r}) builds in Keras but is refused")


def _outside_the_catalog(kind: ValueKind, value: str) -> bool:
    """Keras values the catalog leaves out on purpose (not other spellings of its own)."""
    return value.lower() in {"l1l2", "identity", "none"}


def test_a_script_with_other_spellings_builds_the_shapes_we_inferred(tmp_path) -> None:
    from pathlib import Path

    from generator.pipeline import check_loaded, generate
    from generator.spec.load import LoadedSpec
    from tests.keras.scripts import load_script

    conv = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
    spec = {
        "name": "spellings",
        "inputs": [{"name": "image", "shape": [9, 9, 2]}],
        "blocks": {
            "unit": {
                "params": ["pad"],
                "layers": [{"name": "conv", **conv, "padding": "$pad"}],
            }
        },
        "layers": [
            {"name": "a", **conv, "padding": "SAME", "kernel_initializer": "HeNormal"},
            {
                "name": "b",
                **conv,
                "inputs": "image",
                "padding": "Same",
                "bias_constraint": "NonNeg",
            },
            {"name": "c", "block": "unit", "inputs": "image", "pad": "sAmE"},
            {"name": "m", "type": "Concatenate", "inputs": ["a", "b", "c"]},
            {"name": "up", "type": "UpSampling2D", "interpolation": "BILINEAR"},
            {"name": "d", **conv, "padding": "VALID", "activation": "swish"},
            {"name": "out", "type": "Dense", "units": 2, "kernel_regularizer": "L2"},
        ],
        "training": {"loss": "mse"},
    }
    checked = check_loaded(LoadedSpec("s.json", spec), Path("s.json"))
    script = tmp_path / "spellings.py"
    script.write_text(generate(checked))
    model = load_script(script).build_model()
    for node in checked.graph.layers:
        assert tuple(model.get_layer(node.name).output.shape) == node.shape
