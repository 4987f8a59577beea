"""Differential test: static inference against what Keras itself builds.

For random specs over the whole catalog, our verdict (accept or reject) must
equal whether Keras builds the model, and for accepted specs every layer's
output shape and weight counts, and the totals, must be equal.

A forward pass runs on TensorFlow; where TensorFlow's CPU kernels cannot run a layer
(channels_first convolutions, dilated transposed convolutions), it runs on JAX instead
(jax_forward.py).

CI runs 300 examples. The long run (documented in the README):
    MERGEGEN_PARITY_EXAMPLES=5000 python -m pytest tests/keras/test_differential.py -q
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from generator.analysis.expressions import COMPUTE
from generator.analysis.graph import Graph
from generator.analysis.plan import SYNTHETIC_LENGTHS
from generator.errors import SpecError
from generator.pipeline import check_loaded
from generator.spec.load import LoadedSpec
from tests.keras.jax_forward import forward_on_jax
from tests.keras.keras_builder import TENSORS, build, forward_batch, weight_counts
from tests.keras.scripts import keras_layer
from tests.strategies import (
    CATALOG_TYPES,
    LOOKUP_TYPES,
    call_refs,
    call_specs,
    refs_of,
    spatial_specs,
    specs,
)

pytestmark = pytest.mark.keras

EXAMPLES = int(os.environ.get("MERGEGEN_PARITY_EXAMPLES", "300"))
# Every property against Keras: derandomized on CI, so CI is repeatable.
PARITY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CI") == "true",
)


def _static(spec: dict[str, Any]) -> Graph | SpecError:
    try:
        return check_loaded(LoadedSpec("random.yaml", spec), Path("random.yaml")).graph
    except SpecError as error:
        return error


def _values(spec: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """The values the script would draw for each input (a lookup's vocabulary), if any."""
    checked = check_loaded(LoadedSpec("random.yaml", spec), Path("random.yaml"))
    return {item.name: item.values for item in checked.training.inputs}


def _keras(
    spec: dict[str, Any],
    lengths: list[int] | None = None,
    values: dict[str, tuple[Any, ...]] | None = None,
) -> Any:
    import keras

    keras.backend.clear_session()
    try:
        model = build(spec)
    except Exception as error:  # noqa: BLE001 - any failure means Keras rejects the spec
        return error
    # Building is symbolic; a forward pass shows whether the model can really run,
    # for some length of the variable-length inputs.
    variable = any(None in item["shape"] for item in spec["inputs"])
    if lengths is None:
        lengths = list(dict.fromkeys(SYNTHETIC_LENGTHS))[: 16 if variable else 1]
    failure: Exception | None = None
    for length in lengths:
        try:
            # eager: no tf.data, no tracing
            model(forward_batch(spec, length, values), training=False)
        except Exception as error:  # noqa: BLE001
            failure = error
            if TF_CPU_LACKS.search(str(error)):
                # TensorFlow's CPU kernels lack this layout or dilation: ask JAX.
                on_jax = forward_on_jax(spec, length)
                if on_jax is None:
                    return model
                failure = RuntimeError(on_jax)
            continue
        return model
    return failure


# Layers TensorFlow builds but its kernels cannot run: on a CPU, channels_first convolutions
# and transposed convolutions with dilation_rate > 1; anywhere, depthwise (and separable)
# convolutions with unequal strides.
TF_CPU_LACKS = re.compile(
    r"only supports (the )?ND?HWC|not yet support dilation rates larger than 1"
    r"|only supports equal length strides"
)


def _synthetic_length(graph: Graph) -> int:
    """The length our script's synthetic data gives the variable dimensions."""
    for item in graph.inputs:
        for dim, filled in zip(item.shape, item.data_shape, strict=True):
            if dim is None and filled is not None:
                return filled
    return SYNTHETIC_LENGTHS[0]


def deliberately_stricter(problem: str) -> bool:
    """Cases Keras builds but that cannot train; we refuse them on purpose (README)."""
    return any(
        reason in problem
        for reason in (
            "is the batch axis",
            "reach the batch axis",
            "for the variable-length inputs fits every layer",
            "a variable length where the tower takes a fixed one",
            "which TensorFlow's depthwise convolution cannot run",
            # A transposed convolution, padding same, an even kernel, output_padding 0: Keras's
            # shape is one step less than TensorFlow's kernel makes, so TensorFlow fails when it
            # runs; JAX (asked where TensorFlow's CPU lacks channels_first) runs it.
            "Keras computes one step less than TensorFlow makes",
            # Expressions: float only, same ranks, each axis once (README).
            "an expression computes in floats",
            "their ranks differ",
            "is given twice",
            # Normalization over a repeated axis: Keras builds it only where that axis has
            # size 1; elsewhere its statistics get the axis twice and its reshape fails.
            "twice for input",
            # A shared TimeDistributed called on other features than its layer was built for:
            # Keras skips the inner layer's input check, and TensorFlow then runs a Conv2D
            # built for 1 channel on 2 as a grouped convolution, without a word.
            "which were built for",
            "int32 values in training",  # noise layers: inference passes them, training fails
            "cannot take string values",  # strings go into lookups only (README)
            ", not float values",  # lookups take ids, not floats Keras would cast (README)
            # Encodings whose symbolic shape is not the shape Keras computes (lookup.py)
            "counts the values of a 2-D input",
            "Keras builds another shape than it computes",
            "so the script cannot make synthetic data",  # vocabularies with nothing in common
            "cannot adapt() it",  # a lookup without its vocabulary or boundaries
            "Normalization needs both mean and variance, or neither",
            # Rescaling by channel where the channels are unknown, or 1 (Keras would broadcast
            # the output wider than the shape it reports)
            "(give one value, or one per entry of that axis)",
            "Dropout noise_shape",  # Keras reads it only when training draws noise
            # Keras shapes MultiHeadAttention's scores (batch, heads, T, T) even where the
            # value has S != T steps: a model built on them is wrong (README).
            "returns its scores only for a query and a value of the same length",
            # GRU and SimpleRNN take extra initial states without a word and use the first.
            "initial_state takes 1 state of",
            "then the backward's 1)",  # Bidirectional: the same, in each half
            # A state of size 1 where the cell broadcasts it (a carry, a ConvLSTM's spatial
            # axes): an eager call runs, the compiled loop of predict and fit fails.
            "Keras broadcasts a size of 1 in an eager call only",
            # A state of a variable size, or whose size 1 broadcasts against the output's (or
            # the output's 1 against it): some lengths run, one step at least, others fail.
            "it runs only where a size happens to fit or broadcast",
            # A shared recurrent layer called on features Keras cannot know (attention scores
            # over a variable length): Keras builds it, and it runs only when the length
            # happens to equal the features the layer was built for.
            "needs a known feature dimension",
            # MultiHeadAttention over other axes: Keras reorders or ignores what we refuse, and
            # shapes its scores and masks for (batch, steps, features) only (README).
            "attention_axes must be distinct axes in increasing order",
            "only for (batch, steps, features) inputs",
            "the query's other axes must equal the value's",
            "cannot take a query that may carry a Keras mask",  # followed generously (masks.py)
            "may carry MultiHeadAttention's attention mask",  # followed generously (masks.py)
            "ignores a query_mask passed to its call",  # Keras drops it: refused (README)
            "with sparse: true gives a SparseTensor",  # the script keeps tensors dense
        )
    )


def _layer(spec: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    return spec["layers"][path[1]]


def assert_agrees(spec: dict[str, Any]) -> None:
    ours = _static(spec)
    if isinstance(ours, SpecError):
        theirs = _keras(spec)
    else:
        theirs = _keras(spec, [_synthetic_length(ours)], _values(spec))
    if isinstance(ours, SpecError):
        problems = " | ".join(problem.render() for problem in ours.problems)
        if isinstance(theirs, Exception):
            return
        assert all(deliberately_stricter(p.message) for p in ours.problems), (
            f"we reject what Keras builds: {problems}\n{spec}"
        )
        return
    assert not isinstance(theirs, Exception), f"Keras rejects what we accept: {theirs!r}\n{spec}"
    for node in ours.layers:
        if node.layer_type.name == COMPUTE:  # keras.ops nodes: no layer, no weights
            assert tuple(TENSORS[node.name].shape) == node.shape, (node.name, spec)
            continue
        layer = keras_layer(theirs, node)
        if layer is None:
            continue  # a shared call: its weights belong to the layer it shares
        where = (node.name, _layer(spec, node.path))
        output = layer.output
        if isinstance(output, list | tuple):  # several outputs: states, or attention scores
            assert tuple(tuple(t.shape) for t in output) == node.output_shapes, where
        else:
            assert tuple(output.shape) == node.shape, where
        assert weight_counts(layer) == (node.trainable, node.non_trainable), where
    assert theirs.count_params() == ours.total_params


@example(  # found by this test: TensorFlow runs depthwise convolutions with equal strides only
    {
        "name": "random_model",
        "inputs": [{"name": "in0", "shape": [3, 3, 1]}],
        "layers": [
            {"name": "l0", "type": "DepthwiseConv2D", "kernel_size": 1, "strides": [1, 2]},
        ],
        "training": {"loss": "mse"},
    }
)
@example(  # found by this test: one variable length cannot be both 3 and 2
    {
        "name": "random_model",
        "inputs": [
            {"name": "in0", "shape": [None], "dtype": "int32"},
            {"name": "in1", "shape": [3]},
        ],
        "layers": [
            {"name": "l0", "type": "Subtract", "inputs": ["in0", "in1"]},
            {"name": "l1", "type": "Reshape", "inputs": "in0", "target_shape": [2]},
        ],
        "outputs": ["l0", "l1"],
        "training": {"loss": "mse"},
    }
)
@example(  # found by the long run: a shared TimeDistributed skips RepeatVector's rank check
    {
        "name": "random_model",
        "inputs": [{"name": "in0", "shape": [None, 1]}],
        "blocks": {},
        "layers": [
            {"name": "l0", "type": "TimeDistributed", "inputs": "in0",
             "layer": {"type": "RepeatVector", "n": 1}},
            {"name": "l1", "share": "l0", "inputs": "l0"},
        ],
        "outputs": ["l1"],
        "training": {"loss": "mse"},
    }  # fmt: skip
)
@PARITY
@given(specs())
def test_static_inference_agrees_with_keras(spec: dict[str, Any]) -> None:
    assert_agrees(spec)


@PARITY
@given(specs(focus=CATALOG_TYPES))
@example(  # found by this test: Keras builds a repeated Normalization axis of size 1
    {
        "name": "random_model",
        "inputs": [{"name": "in0", "shape": [1]}],
        "blocks": {},
        "layers": [{"name": "l0", "type": "Normalization", "inputs": "in0", "axis": [1, -1]}],
        "outputs": ["l0"],
        "training": {"loss": "mse"},
    }
)
def test_activations_noise_and_preprocessing_agree_with_keras(spec: dict[str, Any]) -> None:
    assert_agrees(spec)


@PARITY
@given(specs(focus=LOOKUP_TYPES))
@example(  # found by the long run: a vocabulary of special tokens only is empty in Keras
    {
        "name": "random_model",
        "inputs": [{"name": "in1", "shape": [None], "dtype": "int32"}],
        "blocks": {},
        "layers": [{"name": "l0", "type": "IntegerLookup", "inputs": "in1", "oov_token": 7,
                    "vocabulary": [7]}],
        "outputs": ["l0"],
        "training": {"loss": "mse"},
    }  # fmt: skip
)
@example(  # found by the long run: a shared TimeDistributed skips the pooling's rank check
    {
        "name": "random_model",
        "inputs": [{"name": "in0", "shape": [3, 3, 1]}],
        "blocks": {},
        "layers": [
            {"name": "l0", "type": "TimeDistributed", "inputs": "in0",
             "layer": {"type": "GlobalAveragePooling1D", "keepdims": False}},
            {"name": "l1", "share": "l0", "inputs": "l0"},
        ],
        "outputs": ["l1"],
        "training": {"loss": "mse"},
    }  # fmt: skip
)
@example(  # found by the long run: a shared TimeDistributed on its own (wider) output
    {
        "name": "random_model",
        "inputs": [{"name": "in0", "shape": [2, 2, 2, 1]}],
        "blocks": {},
        "layers": [
            {"name": "l0", "type": "TimeDistributed", "inputs": "in0",
             "layer": {"type": "Conv2D", "filters": 2, "kernel_size": 1}},
            {"name": "l1", "share": "l0", "inputs": "l0"},
        ],
        "outputs": ["l1"],
        "training": {"loss": "mse"},
    }  # fmt: skip
)
def test_lookups_and_time_distributed_agree_with_keras(spec: dict[str, Any]) -> None:
    """String, scalar and id inputs into the lookups, hashing and binning; TimeDistributed."""
    assert_agrees(spec)


@PARITY
@given(call_specs())
def test_states_attention_and_output_references_agree_with_keras(spec: dict[str, Any]) -> None:
    """Recurrent states (return_state, initial_state), the attention layers and their call
    arguments, and references to one output of a layer with several."""
    assert_agrees(spec)


@example(  # found by the long run: refused for TensorFlow, where it fails; JAX runs it
    {
        "name": "spatial_model",
        "inputs": [{"name": "in0", "shape": [1, None, 2]}],
        "layers": [
            {"name": "l0", "type": "Conv2DTranspose", "inputs": "in0", "filters": 1,
             "kernel_size": 2, "padding": "same", "output_padding": 0, "use_bias": False,
             "data_format": "channels_first"},
        ],
        "outputs": ["l0"],
        "training": {"loss": "mse"},
    }  # fmt: skip
)
@PARITY
@given(spatial_specs())
def test_spatial_models_agree_with_keras(spec: dict[str, Any]) -> None:
    """The convolution family in 1-D, 2-D and 3-D, in both data formats, drawn often."""
    assert_agrees(spec)


REFUSED = (
    "MultiHeadAttention scores with their mask",
    "MultiHeadAttention given a query_mask",
    "MultiHeadAttention over other axes of a masked",
    "a transposed convolution with same padding",
    "a shared recurrent layer on",
    "initial_state with too many",
    "a ConvLSTM state of a variable size",
    "a Bidirectional GRU given 3 states",
    "MultiHeadAttention scores of",
    "Dot needs",
    "AveragePooling needs",
    "int32 ids cannot",
    "a tower built",
    "an expression refuses",
    "a Normalization needs",
    "Resizing a 3-D",
    "Rescaling by channel needs",
    "AlphaDropout noise_shape",
    "unequal depthwise strides",
    "strings go into lookups only",
    "lookups take ids",
    "multi_hot of one value per example",
    "Hashing one_hot over",
)  # both we and Keras refuse these, or we on purpose (deliberately_stricter)
REGRESSIONS = {
    "expressions broadcast as Keras does, sizes of 1 and unknown sizes included": {
        "inputs": [{"name": "in0", "shape": [1, 5]}, {"name": "in1", "shape": [None, 1]}],
        "layers": [
            {
                "name": "l0",
                "compute": "sum(a * b, axis=-1, keepdims=True) + squeeze(expand_dims(a, 1), 1)",
                "inputs": {"a": "in0", "b": "in1"},
            },
            {"name": "l1", "type": "Dense", "inputs": "l0", "units": 2},
        ],
    },
    "an expression refuses sizes that do not broadcast (Keras too)": {
        "inputs": [{"name": "in0", "shape": [4]}, {"name": "in1", "shape": [3]}],
        "layers": [
            {"name": "l0", "compute": "a - b", "inputs": {"a": "in0", "b": "in1"}},
            {"name": "l1", "type": "Dense", "inputs": "l0", "units": 2},
        ],
    },
    "int32 ids cannot take Dropout noise in training (Keras passes them at inference)": {
        "inputs": [{"name": "in0", "shape": [5], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "Dropout", "inputs": "in0", "rate": 0.3}],
    },
    "int32 ids pass through ReLU, Resizing, Masking and ActivityRegularization": {
        "inputs": [{"name": "in0", "shape": [6], "dtype": "int32"}],
        "layers": [
            {"name": "l0", "type": "ReLU", "inputs": "in0", "max_value": 6.0},
            {"name": "l1", "type": "Reshape", "target_shape": [3, 2, 1]},
            {"name": "l2", "type": "Resizing", "height": 4, "width": 4},
            {"name": "l3", "type": "Masking"},
            {"name": "l4", "type": "ActivityRegularization", "l2": 0.01},
            {"name": "l5", "type": "GaussianNoise", "stddev": 0.0},
            {"name": "l6", "type": "MaxPooling2D"},
        ],
    },
    "a Normalization needs mean and variance both, or neither (Keras too)": {
        "inputs": [{"name": "in0", "shape": [3]}],
        "layers": [{"name": "l0", "type": "Normalization", "inputs": "in0", "mean": 1.0}],
    },
    "a Normalization without mean and variance holds adapt()'s weights": {
        "inputs": [{"name": "in0", "shape": [2, 3]}],
        "layers": [{"name": "l0", "type": "Normalization", "inputs": "in0"}],
    },
    "Resizing a 3-D input would resize the batch axis": {
        "inputs": [{"name": "in0", "shape": [None, 3]}],
        "layers": [{"name": "l0", "type": "Resizing", "inputs": "in0", "height": 2, "width": 2}],
    },
    "Rescaling by channel needs known channels": {
        "inputs": [{"name": "in0", "shape": [None], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "Rescaling", "inputs": "in0", "scale": [1.0, 2.0]}],
    },
    "Rescaling by channel needs as many channels (Keras broadcasts 1 to 2, reports 1)": {
        "inputs": [{"name": "in0", "shape": [1, 1, 1, 1]}],
        "layers": [
            {"name": "l0", "type": "Rescaling", "inputs": "in0", "scale": 0.0, "offset": [0.0, 0.0]}
        ],
    },
    "AlphaDropout noise_shape needs an entry per axis (Keras reads it only in training)": {
        "inputs": [{"name": "in0", "shape": [None, 1]}],
        "layers": [
            {
                "name": "l0",
                "type": "AlphaDropout",
                "inputs": "in0",
                "rate": 0.0,
                "noise_shape": [None, None],
            }
        ],
    },
    "GroupNormalization on a middle axis, PReLU sharing the variable one": {
        "inputs": [{"name": "in0", "shape": [None, 6, 4]}],
        "layers": [
            {"name": "l0", "type": "GroupNormalization", "inputs": "in0", "groups": 3, "axis": 2},
            {"name": "l1", "type": "PReLU", "shared_axes": [1]},
            {
                "name": "l2",
                "type": "Normalization",
                "axis": [2, 3],
                "mean": [0.0, 1.0, 2.0, 3.0],
                "variance": [2.0, 1.0, 1.0, 1.0],
            },
            {"name": "l3", "type": "UnitNormalization", "axis": [1, -1]},
            {"name": "l4", "type": "Softmax", "axis": [2, 3]},
        ],
    },
    "Dot needs axes in class style (layers.Dot has no default)": {
        "inputs": [{"name": "in0", "shape": [1]}],
        "layers": [
            {"name": "l0", "type": "Activation", "inputs": "in0", "activation": "relu"},
            {"name": "l1", "type": "Dot", "inputs": ["in0", "l0"]},
        ],
    },
    "AveragePooling needs pool_size (no default in Keras)": {
        "inputs": [{"name": "in0", "shape": [None, 1]}],
        "layers": [{"name": "l0", "type": "AveragePooling1D", "inputs": "in0"}],
    },
    "a Reshape on a variable length picks a synthetic length that fits": {
        "inputs": [{"name": "in0", "shape": [None], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "Reshape", "inputs": "in0", "target_shape": [1]}],
    },
    "strided dilation is fine for separable and depthwise convolutions": {
        "inputs": [{"name": "in1", "shape": [3, 3, 1]}],
        "layers": [
            {
                "name": "l0",
                "type": "SeparableConv2D",
                "inputs": "in1",
                "filters": 1,
                "kernel_size": 1,
                "strides": 2,
                "dilation_rate": 2,
            },
            {
                "name": "l1",
                "type": "DepthwiseConv2D",
                "inputs": "in1",
                "kernel_size": 1,
                "strides": 2,
                "dilation_rate": 2,
            },
        ],
    },
    "int32 ids cannot take a sigmoid (Keras fails at run time)": {
        "inputs": [{"name": "in1", "shape": [None], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "Activation", "inputs": "in1", "activation": "sigmoid"}],
    },
    "int32 ids pass through relu and casting layers": {
        "inputs": [{"name": "in1", "shape": [6], "dtype": "int32"}],
        "layers": [
            {"name": "l0", "type": "Activation", "inputs": "in1", "activation": "relu"},
            {"name": "l1", "type": "Reshape", "target_shape": [3, 2]},
            {"name": "l2", "type": "MaxPooling1D", "pool_size": 1},
            {"name": "l3", "type": "Dense", "units": 2},
        ],
    },
    "a tower built for a fixed length refuses a variable one (Keras runs it at one length)": {
        "inputs": [{"name": "in0", "shape": [None], "dtype": "int32"}],
        "blocks": {
            "dense_unit": {
                "inputs": ["x"],
                "params": ["units"],
                "layers": [{"name": "dense", "type": "Dense", "inputs": "x", "units": "$units"}],
            }
        },
        "layers": [
            {"name": "l0", "type": "Reshape", "inputs": "in0", "target_shape": [1]},
            {"name": "l1", "block": "dense_unit", "inputs": "l0", "units": 1},
            {"name": "l2", "share": "l1", "inputs": "in0"},
        ],
    },
    "a shared tower may hold merging layers": {
        "inputs": [{"name": "in0", "shape": [1]}],
        "blocks": {
            "residual": {
                "inputs": ["x"],
                "params": ["units"],
                "layers": [
                    {"name": "dense", "type": "Dense", "inputs": "x", "units": "$units"},
                    {"name": "added", "type": "Add", "inputs": ["dense", "x"]},
                ],
            }
        },
        "layers": [
            {"name": "l0", "block": "residual", "inputs": "in0", "units": 1},
            {"name": "l1", "share": "l0", "inputs": "in0"},
        ],
    },
    "LayerNormalization without weights takes unknown sizes": {
        "inputs": [{"name": "in0", "shape": [1]}],
        "layers": [
            {
                "name": "l0",
                "type": "LayerNormalization",
                "inputs": "in0",
                "axis": 0,
                "center": False,
                "scale": False,
            }
        ],
    },
}
# States, attention and output references (each found by this test, or its reason).
REGRESSIONS |= {
    "Attention takes a key of unknown length beside a value of known length": {
        "inputs": [{"name": "in0", "shape": [None, 1]}, {"name": "in1", "shape": [3, 1]}],
        "layers": [
            {"name": "l0", "type": "Attention", "inputs": ["in0", "in1", "in0"],
             "call": {"use_causal_mask": True}},
        ],
    },
    "concat and additive scores broadcast a query or key of 1 feature (dot scores do not)": {
        "inputs": [{"name": "in0", "shape": [None, 2]}, {"name": "in1", "shape": [5, 1]}],
        "layers": [
            {"name": "l0", "type": "Attention", "inputs": ["in1", "in0", "in0"],
             "score_mode": "concat", "call": {"return_attention_scores": True}},
            {"name": "l1", "type": "Activation", "activation": "linear", "inputs": "l0:output"},
            {"name": "l2", "type": "AdditiveAttention", "inputs": ["in0", "in1"]},
        ],
    },
    "Attention scores take the key's steps, known or not (the value's may differ)": {
        "inputs": [{"name": "in0", "shape": [3, 1]}, {"name": "in1", "shape": [None, 2]}],
        "layers": [
            {"name": "l1", "type": "Attention", "inputs": {"value": "in0", "key": "in1",
             "query": "in1"}, "score_mode": "concat", "call": {"return_attention_scores": True}},
            {"name": "l2", "type": "Activation", "activation": "linear", "inputs": "l1:output"},
            {"name": "l3", "type": "AdditiveAttention", "inputs": ["in1", "in0", "in1"],
             "dropout": 0.2, "call": {"return_attention_scores": True}},
            {"name": "l4", "type": "Flatten", "inputs": "l3:scores"},
        ],
    },
    "initial_state with too many states (GRU would ignore the extra one silently)": {
        "inputs": [{"name": "in0", "shape": [None, 1]}],
        "layers": [
            {"name": "l3", "type": "GRU", "inputs": "in0", "units": 1, "return_state": True},
            {"name": "l4", "type": "GRU", "inputs": "in0", "units": 1,
             "call": {"initial_state": ["l3:output", "l3:state"]}},
        ],
    },
    "MultiHeadAttention scores of a query and a value of different lengths (Keras: T by T)": {
        "inputs": [{"name": "in0", "shape": [3, 2]}, {"name": "in1", "shape": [5, 2]}],
        "layers": [
            {"name": "l0", "type": "MultiHeadAttention", "inputs": ["in0", "in1"],
             "num_heads": 1, "key_dim": 2, "call": {"return_attention_scores": True}},
            {"name": "l1", "type": "Flatten", "inputs": "l0:scores"},
        ],
    },
    "an LSTM's states start a GRU and a shared LSTM": {
        "inputs": [{"name": "in0", "shape": [None, 2]}, {"name": "in1", "shape": [4, 2]}],
        "layers": [
            {"name": "l0", "type": "LSTM", "inputs": "in0", "units": 3, "return_state": True},
            {"name": "l1", "type": "GRU", "inputs": "in1", "units": 3,
             "call": {"initial_state": ["l0:state_c"]}},
            {"name": "l2", "share": "l0", "inputs": "in1",
             "call": {"initial_state": ["l0:state_h", "l0:state_c"]}},
            {"name": "l3", "type": "Concatenate", "inputs": ["l1", "l2:state_h"]},
        ],
    },
}  # fmt: skip
# The 1-D/3-D convolution family and data_format (each found by this test, or its reason).
REGRESSIONS |= {
    "a dilated transposed convolution runs on JAX where TensorFlow's CPU cannot": {
        "inputs": [{"name": "in0", "shape": [3, 3, 1]}],
        "layers": [
            {
                "name": "l0",
                "type": "Conv2DTranspose",
                "inputs": "in0",
                "filters": 1,
                "kernel_size": 1,
                "padding": "valid",
                "dilation_rate": 2,
                "output_padding": 0,
                "activation": "relu",
            }
        ],
    },
    "a dilated 3-D transposed convolution runs on JAX ('does not yet support')": {
        "inputs": [{"name": "in0", "shape": [2, 2, 2, 1]}],
        "layers": [
            {"name": "l0", "type": "Conv3DTranspose", "inputs": "in0", "filters": 1,
             "kernel_size": 1, "dilation_rate": 2, "output_padding": 0},
        ],
    },
    "unequal depthwise strides are refused: TensorFlow cannot run them (JAX can)": {
        "inputs": [{"name": "in0", "shape": [3, 3, 1]}],
        "layers": [
            {"name": "l1", "type": "DepthwiseConv2D", "inputs": "in0", "kernel_size": 1,
             "strides": [1, 2], "activation": "relu"},
        ],
    },
    "channels_first convolutions run on JAX where TensorFlow's CPU cannot": {
        "inputs": [
            {"name": "in0", "shape": [2, 5, 6]},
            {"name": "in1", "shape": [3, 2, 4, 4]},
            {"name": "in2", "shape": [2, 5]},
        ],
        "layers": [
            {"name": "l0", "type": "Conv2D", "inputs": "in0", "filters": 2, "kernel_size": 2,
             "data_format": "channels_first"},
            {"name": "l1", "type": "Conv1DTranspose", "inputs": "in2", "filters": 2,
             "kernel_size": 2, "data_format": "channels_first"},
            {"name": "l2", "type": "ConvLSTM2D", "inputs": "in1", "filters": 2, "kernel_size": 2,
             "data_format": "channels_first"},
        ],
    },
}  # fmt: skip


# Lookups, hashing, binning, string and scalar inputs, TimeDistributed.
REGRESSIONS |= {
    "strings go into lookups only (Keras passes them through a linear Activation)": {
        "inputs": [{"name": "in0", "shape": [], "dtype": "string"}],
        "layers": [{"name": "l0", "type": "Activation", "inputs": "in0", "activation": "linear"}],
    },
    "lookups take ids, not floats (Keras casts a float to an IntegerLookup)": {
        "inputs": [{"name": "in0", "shape": [1]}],
        "layers": [{"name": "l0", "type": "IntegerLookup", "inputs": "in0", "vocabulary": [0],
                    "num_oov_indices": 0}],
    },
    "multi_hot of one value per example: Keras builds (4,) and computes (batch,)": {
        "inputs": [{"name": "in0", "shape": [], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "CategoryEncoding", "inputs": "in0", "num_tokens": 4}],
    },
    "Hashing one_hot over a last axis of 3: Keras builds (None, 4), computes (None, 3, 4)": {
        "inputs": [{"name": "in0", "shape": [3], "dtype": "int32"}],
        "layers": [{"name": "l0", "type": "Hashing", "inputs": "in0", "num_bins": 4,
                    "output_mode": "one_hot"}],
    },
    "lookups in every output mode on strings, ids and scalars": {
        "inputs": [
            {"name": "in0", "shape": [], "dtype": "string"},
            {"name": "in1", "shape": [3], "dtype": "int32"},
            {"name": "in2", "shape": []},
        ],
        "layers": [
            {"name": "l0", "type": "StringLookup", "inputs": "in0", "vocabulary": ["red", "blue"],
             "num_oov_indices": 0, "output_mode": "one_hot"},
            {"name": "l1", "type": "StringLookup", "inputs": "in0", "vocabulary": ["red"],
             "mask_token": "pad"},
            {"name": "l2", "type": "Embedding", "inputs": "l1", "input_dim": 3, "output_dim": 2},
            {"name": "l3", "type": "IntegerLookup", "inputs": "in1", "vocabulary": [4, 0],
             "num_oov_indices": 2, "output_mode": "count"},
            {"name": "l4", "type": "Hashing", "inputs": "in0", "num_bins": 3, "salt": [1, 2]},
            {"name": "l5", "type": "CategoryEncoding", "inputs": "in1", "num_tokens": 5,
             "output_mode": "one_hot"},
            {"name": "l6", "type": "Discretization", "inputs": "in2", "bin_boundaries": [0.5],
             "output_mode": "one_hot"},
        ],
    },
    "TimeDistributed around a convolution, an LSTM, BatchNormalization and Embedding": {
        "inputs": [{"name": "in0", "shape": [4, 6, 2]}, {"name": "in1", "shape": [3, 5],
                    "dtype": "int32"}],
        "layers": [
            {"name": "l0", "type": "TimeDistributed", "inputs": "in0",
             "layer": {"type": "Conv1D", "filters": 3, "kernel_size": 2}},
            {"name": "l1", "type": "TimeDistributed", "layer": {"type": "LSTM", "units": 2}},
            {"name": "l2", "type": "TimeDistributed", "layer": {"type": "BatchNormalization"}},
            {"name": "l3", "type": "TimeDistributed", "inputs": "in1",
             "layer": {"type": "Embedding", "input_dim": 2, "output_dim": 3}},
        ],
    },
}  # fmt: skip


REGRESSIONS |= {
    "a transposed convolution with same padding, an even kernel and output_padding 0": {
        "inputs": [{"name": "in0", "shape": [None, 1]}],
        "layers": [
            {"name": "l0", "type": "Conv1DTranspose", "filters": 1, "kernel_size": 2,
             "padding": "same", "output_padding": 0, "use_bias": False},
        ],
    },
    "a shared recurrent layer on attention scores of unknown length": {
        "inputs": [{"name": "in0", "shape": [None, 1]}, {"name": "in1", "shape": [None, 1]}],
        "layers": [
            {"name": "l0", "type": "Attention", "inputs": ["in0", "in1"], "use_scale": False,
             "call": {"return_attention_scores": True, "use_causal_mask": True}},
            {"name": "l1", "type": "GRU", "inputs": "in0", "units": 1},
            {"name": "l3", "share": "l1", "inputs": "l0:scores"},
        ],
    },
}  # fmt: skip


REGRESSIONS |= {
    # Found by the long calls run: Keras replaces MultiHeadAttention's query_mask argument by
    # the query's own Keras mask, so a query_mask of any shape is ignored: refused.
    "MultiHeadAttention given a query_mask Keras ignores": {
        "inputs": [{"name": "in0", "shape": [None, 1]}, {"name": "in1", "shape": [5, 1]},
                   {"name": "mask1", "shape": [3]}],
        "layers": [
            {"name": "l0", "type": "MultiHeadAttention", "inputs": ["in1", "in0"],
             "num_heads": 1, "key_dim": 1,
             "call": {"use_causal_mask": True, "query_mask": "mask1"}},
        ],
    },
    # Found by the long lookups run: Keras checks the OOV token against the vocabulary only
    # with invert, and drops the special tokens a vocabulary starts with.
    "a lookup's OOV token in its vocabulary, and special tokens in front": {
        "inputs": [{"name": "in0", "shape": [None], "dtype": "int32"},
                   {"name": "in1", "shape": [3], "dtype": "string"}],
        "layers": [
            {"name": "l0", "type": "IntegerLookup", "inputs": "in0", "vocabulary": [7],
             "num_oov_indices": 2, "oov_token": 7, "invert": False},
            {"name": "l1", "type": "StringLookup", "inputs": "in1",
             "vocabulary": ["[UNK]", "red"], "output_mode": "multi_hot"},
        ],
    },
    # Found against Keras while adding tf_idf: outside int mode the mask token has no index.
    "a lookup's mask token outside int mode": {
        "inputs": [{"name": "in0", "shape": [3], "dtype": "string"}],
        "layers": [
            {"name": "l0", "type": "StringLookup", "vocabulary": ["red", "blue"],
             "mask_token": "pad", "num_oov_indices": 2, "output_mode": "multi_hot"},
            {"name": "l1", "type": "StringLookup", "inputs": "in0", "vocabulary": ["red"],
             "mask_token": "pad", "output_mode": "tf_idf", "idf_weights": [0.5]},
            {"name": "l2", "type": "StringLookup", "inputs": "in0", "vocabulary": ["red"],
             "output_mode": "count", "max_tokens": 4, "pad_to_max_tokens": True},
        ],
    },
    # Found by the example below: a ConvLSTM1D given a mask attaches it to its output, and
    # MultiHeadAttention over rank-4 inputs reads it as (batch, steps): refused.
    # Found by the long calls run: MultiHeadAttention's scores carry its attention mask as
    # their Keras mask, which a recurrent layer then reads as (batch, steps): refused.
    "MultiHeadAttention scores with their mask into a ConvLSTM1D": {
        "inputs": [{"name": "in0", "shape": [3, 1]}, {"name": "in1", "shape": [3, 1]}],
        "layers": [
            {"name": "l2", "type": "MultiHeadAttention",
             "inputs": {"query": "in0", "value": "in1", "key": "in0"}, "num_heads": 1,
             "key_dim": 1, "value_dim": 1, "use_bias": False,
             "call": {"return_attention_scores": True, "use_causal_mask": True}},
            {"name": "l3", "type": "Activation", "inputs": "l2:output", "activation": "linear"},
            {"name": "l5", "type": "ConvLSTM1D", "inputs": "l2:scores", "filters": 1,
             "kernel_size": 1},
        ],
    },
    "MultiHeadAttention over other axes of a masked query": {
        "inputs": [{"name": "clip", "shape": [5, 4, 2]}, {"name": "mask2", "shape": [5]}],
        "layers": [
            {"name": "l2", "type": "ConvLSTM1D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "return_sequences": True, "call": {"mask": "mask2"}},
            {"name": "l3", "type": "MultiHeadAttention", "inputs": ["l2", "l2"],
             "num_heads": 2, "key_dim": 2, "attention_axes": [2]},
        ],
    },
    "masks, states of Bidirectional and ConvLSTM1D, and attention over other axes": {
        "inputs": [
            {"name": "in0", "shape": [None, 3]},
            {"name": "mask1", "shape": [None]},
            {"name": "clip", "shape": [5, 4, 2]},
            {"name": "mask2", "shape": [5]},
            {"name": "mask3", "shape": [3]},
        ],
        "layers": [
            {"name": "l0", "type": "Bidirectional", "inputs": "in0",
             "layer": {"type": "LSTM", "units": 2, "return_state": True},
             "call": {"mask": "mask1"}},
            {"name": "l1", "type": "GRU", "inputs": "in0", "units": 2,
             "call": {"initial_state": ["l0:backward_state_h"], "mask": "mask1"}},
            {"name": "l2", "type": "ConvLSTM1D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "return_state": True, "return_sequences": True,
             "call": {"mask": "mask2"}},
            {"name": "l3", "type": "MultiHeadAttention", "inputs": ["clip", "clip"],
             "num_heads": 2, "key_dim": 2, "attention_axes": [2]},
            {"name": "l4", "type": "Attention", "inputs": ["l2:state_h", "l2:state_c"],
             "call": {"mask": ["mask3", "mask3"]}},
            {"name": "l5", "type": "MultiHeadAttention", "inputs": ["l4", "l2:state_h"],
             "num_heads": 1, "key_dim": 2,
             "call": {"value_mask": "mask3", "key_mask": "mask3"}},
            {"name": "l6", "type": "Activation", "inputs": "l0:output", "activation": "linear"},
        ],
    },
}  # fmt: skip


# initial_state on Bidirectional and ConvLSTM: Keras checks neither count nor shape.
REGRESSIONS |= {
    # Found by the calls run (1,000 examples): Keras runs one step of such a state, its
    # variable width and carry channels broadcast; later steps, or other lengths, fail.
    "a ConvLSTM state of a variable size, and a carry its output's 1 channel broadcasts": {
        "inputs": [{"name": "in0", "shape": [None, 1]}, {"name": "in1", "shape": [None, 2]},
                   {"name": "clip", "shape": [None, 2, 1]}],
        "layers": [
            {"name": "l0", "type": "ConvLSTM1D", "inputs": "clip", "filters": 1,
             "kernel_size": 1, "call": {"initial_state": ["in0", "in1"]}},
        ],
    },
    # Keras gives each half to one layer, and a GRU ignores a state too many: refused.
    "a Bidirectional GRU given 3 states (the backward layer would ignore one)": {
        "inputs": [{"name": "in0", "shape": [4, 2]}],
        "layers": [
            {"name": "l0", "type": "GRU", "inputs": "in0", "units": 3, "return_state": True},
            {"name": "l1", "type": "Bidirectional", "inputs": "in0", "layer": {"type": "GRU",
             "units": 3}, "call": {"initial_state": ["l0:output", "l0:state", "l0:state"]}},
        ],
    },
    "Bidirectional and ConvLSTM states start others, by strides and same padding": {
        "inputs": [{"name": "in0", "shape": [None, 2]}, {"name": "clip", "shape": [3, 6, 2]}],
        "layers": [
            {"name": "l0", "type": "Bidirectional", "inputs": "in0",
             "layer": {"type": "LSTM", "units": 3, "return_state": True}},
            {"name": "l1", "type": "Bidirectional", "inputs": "in0", "merge_mode": "ave",
             "layer": {"type": "LSTM", "units": 3, "return_sequences": True},
             "call": {"initial_state": ["l0:backward_state_h", "l0:forward_state_c",
                                        "l0:forward_state_h", "l0:backward_state_c"]}},
            {"name": "l2", "type": "ConvLSTM1D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "strides": 2, "return_state": True},
            {"name": "l3", "type": "ConvLSTM1D", "inputs": "clip", "filters": 2,
             "kernel_size": 2, "strides": 2, "padding": "same", "return_sequences": True,
             "call": {"initial_state": ["l2:state_c", "l2:state_h"]}},
            {"name": "l4", "type": "Activation", "activation": "linear", "inputs": "l2:output"},
        ],
    },
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regression(case: str) -> None:
    spec = {"name": "regression", "training": {"loss": "mse"}, **REGRESSIONS[case]}
    used = {
        ref.partition(":")[0]  # `l0:state_h` uses l0
        for layer in spec["layers"]
        for ref in [*refs_of(layer), *call_refs(layer)]
    }
    spec["outputs"] = [layer["name"] for layer in spec["layers"] if layer["name"] not in used]
    assert_agrees(spec)
    refused = isinstance(_static(spec), SpecError)
    assert refused == case.startswith(REFUSED)
