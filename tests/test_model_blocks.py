"""Model blocks (`model: true`): a block built as its own keras.Model, and its outputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.analysis.calls import spec_outputs
from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from generator.spec.presets import preset_path
from generator.views.diagram import to_mermaid
from generator.views.report import as_json_data, as_table, sub_models

VAE_PATH = preset_path("vae")
assert VAE_PATH is not None
VAE: dict[str, Any] = yaml.safe_load(VAE_PATH.read_text())


def checked(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    return check_loaded(LoadedSpec("s.yaml", spec), Path("s.yaml"))


def script(spec: dict[str, Any], **options: Any) -> str:
    return generate(checked(spec), script_name="s.py", **options)


def problems(spec: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        checked(spec)
    return [problem.render() for problem in caught.value.problems]


def vae(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(VAE)
    spec.update(changes)
    return spec


def test_a_model_block_is_a_build_function_returning_a_keras_model() -> None:
    text = script(VAE)
    encoder = text[text.index("def build_encoder(") : text.index("def build_decoder(")]
    assert encoder.startswith("def build_encoder(*, name):")
    assert 'image = keras.Input(shape=(28, 28, 1), name="image")' in encoder
    assert 'activation="relu", name="conv_1"\n    )(image)' in encoder  # no call prefix
    assert "return keras.Model(image, [z_mean, z_log_var, z], name=name)" in encoder
    assert "z = z_mean + keras.ops.exp(0.5 * z_log_var) * NormalLike()(z_mean)" in encoder
    assert "def encoder(" not in text


def test_the_joined_model_calls_each_sub_model_once() -> None:
    text = script(VAE)
    body = text[text.index("def build_model(") :]
    assert 'encoder = build_encoder(name="encoder")\n' in body
    assert "z_mean, z_log_var, z = encoder(image)  # (None, 2), (None, 2), (None, 2)\n" in body
    assert 'decoder_model = build_decoder(name="decoder")\n' in body
    assert "decoder = decoder_model(z)  # (None, 28, 28, 1)" in body
    assert 'outputs={"decoder": decoder, "kl_loss": kl_loss}' in body


def test_weights_are_counted_once_per_sub_model() -> None:
    graph = checked(VAE).graph
    assert sub_models(graph) == {"encoder": 69_076, "decoder": 65_089}
    assert graph.total_params == 134_165


def test_validate_shows_the_sub_models_and_their_layers() -> None:
    graph = checked(VAE).graph
    table = as_table(graph, "vae.yaml")
    assert "Sub-model encoder: 69,076 params (layers encoder/...)" in table
    assert any(line.split()[:2] == ["encoder/z_mean", "Dense"] for line in table.splitlines())
    data = json.loads(json.dumps(as_json_data(graph, "vae.yaml")))
    assert data["sub_models"] == {"encoder": 69_076, "decoder": 65_089}
    assert "sub_models" not in as_json_data(checked(_plain_model(model=False)).graph, "p.yaml")


def test_the_diagram_draws_each_sub_model_as_a_cluster() -> None:
    text = to_mermaid(checked(VAE).graph)
    assert 'subgraph cluster_encoder["encoder: encoder (Model)"]' in text
    assert "n_encoder_z --> n_decoder_dense" in text


def test_the_snippet_holds_the_build_functions() -> None:
    text = script(VAE, snippet=True)
    assert "def build_encoder(*, name):" in text and "def main(" not in text


def _plain_model(**block: Any) -> dict[str, Any]:
    """A model block with a parameter, called twice on inputs of one shape."""
    definition = {
        "model": True,
        "inputs": ["x"],
        "params": ["units"],
        "layers": [{"name": "dense", "type": "Dense", "units": "$units"}],
        **block,
    }
    return {
        "name": "p",
        "inputs": [{"name": "a", "shape": [4]}, {"name": "b", "shape": [4]}],
        "blocks": {"head": definition},
        "layers": [
            {"name": "left", "block": "head", "inputs": "a", "units": 3},
            {"name": "right", "block": "head", "inputs": "b", "units": 3},
            {"name": "joined", "type": "Concatenate", "inputs": ["left", "right"]},
        ],
    }


def test_two_calls_are_two_models_with_their_own_weights() -> None:
    graph = checked(_plain_model()).graph
    assert sub_models(graph) == {"left": 15, "right": 15}
    text = script(_plain_model())
    assert "def build_head(units, *, name):" in text
    assert 'left_model = build_head(units=3, name="left")' in text
    assert "left = left_model(a)  # (None, 3)" in text


def test_a_shared_call_reuses_the_model_and_its_weights() -> None:
    spec = _plain_model()
    spec["layers"][1] = {"name": "right", "share": "left", "inputs": "b"}
    graph = checked(spec).graph
    assert sub_models(graph) == {"left": 15}  # the shared call is the same model
    assert graph.total_params == 15
    text = script(spec)
    assert text.count("build_head(") == 2  # the definition and one call
    assert "right = left_model(b)  # (None, 3)" in text


def test_a_model_block_named_model_does_not_hide_build_model() -> None:
    spec = _plain_model()
    spec["blocks"] = {"model": spec["blocks"]["head"]}
    for layer in spec["layers"][:2]:
        layer["block"] = "model"
    with pytest.raises(SpecError):
        checked(spec)  # "model" is a name the script uses: refused as a block name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda s: s["layers"][1].update(inputs="encoder"),
            "s.yaml: layers[1].inputs: 'encoder' has several outputs (z_mean, z_log_var, z):"
            " name one, e.g. encoder:z_mean",
        ),
        (
            lambda s: s["layers"][1].update(inputs="encoder:z_logvar"),
            "s.yaml: layers[1].inputs: unknown output 'z_logvar' of 'encoder' (did you mean"
            " 'z_log_var'?) (it has z_mean, z_log_var, z)",
        ),
        (
            lambda s: s["layers"][2]["inputs"].update(m="decoder:pixels"),
            "s.yaml: layers[2].inputs: 'decoder' has one output: write 'decoder', without"
            " ':pixels'",
        ),
        (
            lambda s: s["layers"][1].update(inputs="kl_loss:z"),
            "s.yaml: layers[1].inputs: layer 'kl_loss' comes later, at layers[2]"
            " (layers can only take earlier layers or inputs)",
        ),
        (
            lambda s: s.update(outputs=["encoder", "decoder", "kl_loss"]),
            "s.yaml: outputs[0]: 'encoder' has several outputs (z_mean, z_log_var, z), but a"
            " model output is one tensor (follow the one you want with a layer)",
        ),
        (
            lambda s: s["blocks"]["encoder"].update(model=False),
            "s.yaml: blocks.encoder.output: only a model block returns several layers"
            " (add model: true, or return one)",
        ),
        (
            lambda s: s["blocks"]["encoder"].update(output=["z_mean", "z_mean"]),
            "s.yaml: blocks.encoder.output[1]: 'z_mean' is listed twice",
        ),
        (
            lambda s: s["blocks"]["encoder"].update(output=["z_mean", "z_var"]),
            "s.yaml: blocks.encoder.output[1]: unknown layer 'z_var'",
        ),
    ],
)
def test_output_references_are_checked(change: Any, message: str) -> None:
    spec = vae()
    change(spec)
    assert message in problems(spec), problems(spec)


def test_a_model_block_is_called_only_at_the_top_level() -> None:
    spec = _plain_model()
    spec["blocks"]["outer"] = {
        "inputs": ["x"],
        "layers": [{"name": "inner", "block": "head", "units": 2}],
    }
    spec["layers"].append({"name": "more", "block": "outer", "inputs": "joined"})
    assert (
        "s.yaml: blocks.outer.layers[0].block: block 'head' is a model of its own: call it"
        " from the top-level layers" in problems(spec)
    )


def test_every_call_of_a_model_block_feeds_the_shapes_it_was_built_for() -> None:
    spec = _plain_model()
    spec["inputs"][1]["shape"] = [5]
    assert problems(spec) == [
        "s.yaml: layers[1].inputs: block 'head' is a model built for (None, 4) (its call"
        " 'left'), but this call gives (None, 5)"
    ]


def test_an_output_of_a_sub_model_that_nothing_takes_is_still_computed() -> None:
    spec = vae(outputs=["decoder"])
    spec["layers"] = spec["layers"][:2]
    spec["training"] = {"loss": "binary_crossentropy"}
    assert checked(spec).graph.total_params == 134_165  # z_mean, z_log_var: no error


def test_a_model_block_keeps_an_int_input_dtype() -> None:
    spec = {
        "name": "tokens",
        "inputs": [{"name": "ids", "shape": [6], "dtype": "int32"}],
        "blocks": {
            "embed": {
                "model": True,
                "layers": [
                    {"name": "vectors", "type": "Embedding", "input_dim": 50, "output_dim": 4},
                    {"name": "pooled", "type": "GlobalAveragePooling1D"},
                ],
            }
        },
        "layers": [{"name": "embedder", "block": "embed", "inputs": "ids"}],
    }
    assert 'x = keras.Input(shape=(6,), dtype="int32", name="x")' in script(spec)


def test_a_shared_call_of_a_model_with_several_outputs_unpacks_them_again() -> None:
    spec = vae()
    spec["inputs"].append({"name": "other", "shape": [28, 28, 1]})
    spec["layers"][0]["inputs"] = "image"
    spec["layers"].insert(1, {"name": "again", "share": "encoder", "inputs": "other"})
    spec["layers"].append(
        {"name": "gap", "compute": "abs(a - b)", "inputs": {"a": "encoder:z", "b": "again:z"}}
    )
    spec["outputs"] = ["decoder", "kl_loss", "gap"]
    text = script(spec)
    assert "z_mean, z_log_var, z = encoder(image)" in text
    assert "z_mean_2, z_log_var_2, z_2 = encoder(other)" in text
    assert "gap = keras.ops.abs(z - z_2)  # (None, 2)" in text
    assert sub_models(checked(spec).graph) == {"encoder": 69_076, "decoder": 65_089}


def test_a_model_blocks_function_name_is_free() -> None:
    spec = _plain_model()
    spec["blocks"]["build_head"] = {"layers": [{"name": "dense", "type": "Dense", "units": 2}]}
    spec["layers"].append({"name": "more", "block": "build_head", "inputs": "joined"})
    assert problems(spec) == [
        "s.yaml: blocks.head: the model block's function build_head would take block"
        " build_head's name"
    ]


def test_a_block_docstring_of_80_characters_still_fits_the_line() -> None:
    spec = _plain_model()
    spec["blocks"]["head"]["description"] = "x" * 39 + " " + "y" * 40  # 80 characters
    text = script(spec)
    assert max(len(line) for line in text.splitlines()) <= 88
    assert '    """' + "x" * 39 + "\n" in text


def test_a_model_output_names_a_whole_layer_not_one_output_of_a_call() -> None:
    # Keras names an output taken from a sub-model after the sub-model, not the layer.
    spec = vae(outputs=["decoder", "kl_loss", "encoder:z_mean"])
    assert (
        "s.yaml: outputs[2]: a model output is a whole layer; follow 'encoder:z_mean' with a"
        " layer" in " ".join(problems(spec))
    ), problems(spec)


def test_a_model_call_and_a_layer_have_outputs_of_the_same_kind() -> None:
    spec = vae()
    spec["layers"].insert(1, {"name": "again", "share": "encoder", "inputs": "image"})
    spec["layers"][2]["inputs"] = "again:z"
    model = checked(spec).spec
    found = spec_outputs(model.layers, model.blocks)
    assert found["encoder"] == found["again"] == ("z_mean", "z_log_var", "z")
    assert found["kl_loss"] == ("output",)
    assert "z_mean_2, z_log_var_2, z_2 = encoder(image)" in script(spec)
