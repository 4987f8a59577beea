"""Model blocks in Keras: the VAE preset against keras-io's, sub-models reachable by name.

The preset's goldens also run (TensorFlow: test_execute.py; JAX: test_backends.py) and match
their static shapes and totals in both merge styles (test_parity.py); here the encoder and
the decoder are compared with keras-io examples/generative/vae.py built independently.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.conftest import OUTPUT
from tests.keras.scripts import keras_layer, load_script
from tests.regen_golden import STYLES

pytestmark = pytest.mark.keras


def keras_io_vae() -> tuple[Any, Any]:
    """keras-io examples/generative/vae.py: its encoder and decoder, as written there."""
    import keras
    from keras import layers, ops

    class Sampling(layers.Layer):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs: Any) -> Any:
            z_mean, z_log_var = inputs
            batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    latent_dim = 2
    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
    return encoder, decoder


@pytest.mark.parametrize("style", STYLES)
def test_the_vae_sub_models_match_keras_io(style: str) -> None:
    import keras

    encoder, decoder = keras_io_vae()
    assert (encoder.count_params(), decoder.count_params()) == (69_076, 65_089)
    model = load_script(OUTPUT / f"vae_{style}.py").build_model()
    ours_encoder, ours_decoder = model.get_layer("encoder"), model.get_layer("decoder")
    assert isinstance(ours_encoder, keras.Model) and isinstance(ours_decoder, keras.Model)
    assert ours_encoder.count_params() == encoder.count_params()
    assert ours_decoder.count_params() == decoder.count_params()
    assert model.count_params() == 134_165
    for ours, theirs in ((ours_encoder, encoder), (ours_decoder, decoder)):
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
        assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    # The sub-models stand alone: a latent point decodes to an image.
    assert tuple(ours_decoder(np.zeros((3, 2), dtype="float32")).shape) == (3, 28, 28, 1)


def test_the_kl_output_and_loss_weights_give_keras_io_total_loss() -> None:
    import keras
    from keras import ops

    keras.utils.set_random_seed(0)
    script = (OUTPUT / "vae_class.py").read_text()
    assert 'loss_weights={"decoder": 784.0, "kl_loss": 1.0}' in script
    model = load_script(OUTPUT / "vae_class.py").build_model()
    data = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    out = model(data)
    z_mean, z_log_var, _ = model.get_layer("encoder")(data)  # deterministic: before sampling
    # keras-io's VAE.train_step, on the same reconstruction
    reconstruction = ops.mean(
        ops.sum(keras.losses.binary_crossentropy(data, out["decoder"]), axis=(1, 2))
    )
    kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
    theirs = float(reconstruction + ops.mean(ops.sum(kl, axis=1)))
    ours = 784.0 * float(keras.losses.BinaryCrossentropy()(data, out["decoder"])) + float(
        keras.losses.MeanAbsoluteError()(np.zeros((8, 1), dtype=np.float32), out["kl_loss"])
    )
    assert ours == pytest.approx(theirs, rel=1e-4)


def test_the_vae_trains_on_its_synthetic_data() -> None:
    with redirect_stdout(io.StringIO()) as out:
        load_script(OUTPUT / "vae_function.py").main(
            ["--epochs", "1", "--samples", "16", "--batch-size", "8"]
        )
    assert "kl_loss_loss" in out.getvalue() and "Total params: 134,165" in out.getvalue()


NESTED: dict[str, Any] = {
    "name": "nested",
    "inputs": [{"name": "a", "shape": [6]}, {"name": "b", "shape": [6]}],
    "blocks": {
        "unit": {
            "params": ["units"],
            "layers": [{"name": "dense", "type": "Dense", "units": "$units", "activation": "relu"}],
        },
        "tower": {
            "model": True,
            "inputs": ["x"],
            "params": ["factor"],
            "defaults": {"factor": 0.5},
            "layers": [
                {"name": "stage", "block": "unit", "units": 5},
                {"name": "halved", "compute": "stage * $factor"},
                {"name": "out", "type": "Dense", "units": 3, "inputs": "halved"},
            ],
        },
    },
    "layers": [
        {"name": "left", "block": "tower", "inputs": "a", "factor": 0.25},
        {"name": "right", "share": "left", "inputs": "b"},
        {"name": "gap", "compute": "abs(p - q)", "inputs": {"p": "left", "q": "right"}},
    ],
}


@pytest.mark.parametrize("style", STYLES)
def test_a_shared_model_block_with_a_nested_block_and_expressions(
    style: str, tmp_path: Path
) -> None:
    checked = check_loaded(LoadedSpec("nested.yaml", NESTED), Path("nested.yaml"))
    script = tmp_path / f"nested_{style}.py"
    script.write_text(generate(checked, style, script_name=script.name))
    assert "halved = stage * factor  # (None, 5)" in script.read_text()
    model = load_script(script).build_model()
    tower = model.get_layer("left")
    x = np.ones((1, 6), dtype="float32")
    stage = tower.get_layer("stage_dense")(x)
    expected = tower.get_layer("out")(np.asarray(stage) * 0.25)  # the call's factor
    assert np.allclose(np.asarray(tower(x)), np.asarray(expected), atol=1e-6)
    assert tower.get_layer("stage_dense").count_params() == 35  # the nested call's prefix
    assert model.count_params() == checked.graph.total_params == 53  # shared: counted once
    for node in checked.graph.layers:
        layer = keras_layer(model, node)
        if layer is not None:
            assert tuple(layer.output.shape) == node.shape, node.name
    x = np.ones((2, 6), dtype="float32")
    same = model({"a": x, "b": x})
    assert np.allclose(np.asarray(same), 0.0)  # one set of weights for both calls
    with redirect_stdout(io.StringIO()):
        load_script(script).main(["--epochs", "1", "--samples", "8", "--batch-size", "4"])
