"""Plan the training side: losses, metrics and the synthetic data that fits them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator.analysis.graph import Graph, InputNode, LayerNode
from generator.analysis.layers.base import Shape
from generator.display import quoted
from generator.errors import Problem, SpecError, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.model import Spec

SPARSE_LOSSES = frozenset({"sparse_categorical_crossentropy"})
ONE_HOT_LOSSES = frozenset({"categorical_crossentropy", "kl_divergence"})
BINARY_LOSSES = frozenset({"binary_crossentropy", "hinge", "squared_hinge"})
DEFAULT_TOKEN_RANGE = 2  # int32 inputs that feed no Embedding get 0/1 values


@dataclass(frozen=True)
class InputData:
    """How the script fills one input with random data."""

    name: str
    shape: Shape  # without the batch dimension
    dtype: str
    high: int | None  # exclusive upper bound of int32 token ids


@dataclass(frozen=True)
class OutputData:
    """One model output: its loss, metrics and the labels that fit them."""

    name: str
    loss: str
    metrics: tuple[str, ...]
    label: str  # "classes" | "one_hot" | "binary" | "float"
    shape: Shape  # of one label, without the batch dimension
    classes: int | None
    loss_weight: float | None = None
    static_shape: Shape = ()  # of one label, with None for variable lengths


@dataclass(frozen=True)
class TrainingPlan:
    """Everything `main()` needs beyond the model."""

    optimizer: str
    learning_rate: float | None
    epochs: int
    batch_size: int
    samples: int
    inputs: tuple[InputData, ...]
    outputs: tuple[OutputData, ...]
    data: str | None = None  # an .npz file to train on instead of synthetic data
    distribute: str | None = None


def plan_training(spec: Spec, graph: Graph) -> TrainingPlan:
    """Pick each output's loss and metrics and describe matching synthetic data."""
    training = spec.training
    problems = list(_unknown_output_keys(spec, graph))
    outputs = []
    for name in graph.outputs:
        node = graph.layer(name)
        loss = _loss_for(spec, node)
        metrics = _metrics_for(spec, name, loss)
        label, classes, problem = _labels_for(loss, node.data_shape)
        if problem:
            problems.append(Problem(f"output {name!r}: {problem}", _loss_path(spec)))
            continue
        shape = node.data_shape[1:-1] if label == "classes" else node.data_shape[1:]
        static = node.shape[1:-1] if label == "classes" else node.shape[1:]
        weights = training.loss_weights or {}
        weight = weights.get(name)
        outputs.append(OutputData(name, loss, metrics, label, shape, classes, weight, static))
    if problems:
        raise SpecError(problems)
    return TrainingPlan(
        optimizer=training.optimizer,
        learning_rate=training.learning_rate,
        epochs=training.epochs,
        batch_size=training.batch_size,
        samples=training.samples,
        inputs=tuple(_input_data(graph, item) for item in graph.inputs),
        outputs=tuple(outputs),
        data=training.data,
        distribute=training.distribute,
    )


def _loss_path(spec: Spec) -> FieldPath:
    return ("training", "loss") if spec.training.loss is not None else ("outputs",)


def _unknown_output_keys(spec: Spec, graph: Graph) -> Iterable[Problem]:
    outputs = list(graph.outputs)
    for field_name in ("loss", "metrics", "loss_weights"):
        value = getattr(spec.training, field_name)
        if not isinstance(value, dict):
            continue
        for key in value:
            if key not in outputs:
                yield Problem(
                    f"{quoted(key)} is not an output{did_you_mean(key, outputs)}"
                    f" (outputs: {', '.join(outputs)})",
                    ("training", field_name, key),
                )


def output_activation(node: LayerNode) -> str | None:
    """The activation applied last by an output layer, if it has one."""
    arg = node.layer_type.activation_arg
    value = node.keras_args.get(arg) if arg else None
    return value if isinstance(value, str) else None


def _loss_for(spec: Spec, node: LayerNode) -> str:
    loss = spec.training.loss
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict) and node.name in loss:
        return str(loss[node.name])
    activation = output_activation(node)
    if activation == "softmax":
        return "sparse_categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mse"


def _metrics_for(spec: Spec, name: str, loss: str) -> tuple[str, ...]:
    metrics = spec.training.metrics
    if isinstance(metrics, list):
        return tuple(metrics)
    if isinstance(metrics, dict):
        return tuple(metrics.get(name, ()))
    if loss in SPARSE_LOSSES | ONE_HOT_LOSSES | BINARY_LOSSES:
        return ("accuracy",)
    return ("mae",)


def _labels_for(loss: str, shape: Shape) -> tuple[str, int | None, str | None]:
    """The label kind and class count a loss needs, or why the output cannot serve it."""
    classes = shape[-1]
    if loss in SPARSE_LOSSES | ONE_HOT_LOSSES:
        if classes is None or classes < 2:
            return "", None, f"{loss} needs two or more classes on the last axis, got {classes}"
        return ("classes" if loss in SPARSE_LOSSES else "one_hot"), classes, None
    if loss in BINARY_LOSSES:
        return "binary", None, None
    return "float", None, None


def _input_data(graph: Graph, item: InputNode) -> InputData:
    high = None
    if item.dtype == "int32":
        dims = [
            int(node.args["input_dim"])
            for node in graph.consumers(item.name)
            if node.layer_type.name == "Embedding"
        ]
        high = min(dims) if dims else DEFAULT_TOKEN_RANGE
    return InputData(item.name, item.data_shape[1:], item.dtype, high)
