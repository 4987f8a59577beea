"""Plan the training side: losses, metrics and the synthetic data that fits them."""

from __future__ import annotations

from collections.abc import Iterable

from generator.analysis.dtypes import INT, dtype_kind
from generator.analysis.expressions import COMPUTE
from generator.analysis.graph import Graph, InputNode, LayerNode
from generator.analysis.layers.base import Shape
from generator.display import quoted
from generator.errors import Problem, SpecError, did_you_mean
from generator.records import record
from generator.spec.fields import FieldPath
from generator.spec.model import Spec
from generator.spec.object_catalog import LOSS, METRIC, OPTIMIZER
from generator.spec.objects import KerasObject, is_object_form, object_problems, resolve

DEFAULT_TOKEN_RANGE = 2  # int32 inputs that feed no Embedding get 0/1 values
Named = str | KerasObject  # a name Keras resolves, or an object the script constructs


@record
class InputData:
    """How the script fills one input with random data."""

    name: str
    shape: Shape  # without the batch dimension
    dtype: str
    high: int | None  # exclusive upper bound of int32 token ids
    values: tuple[str | int, ...] = ()  # drawn from these instead (strings, vocabularies)


@record
class OutputData:
    """One model output: its loss, metrics and the labels that fit them."""

    name: str
    loss: Named
    metrics: tuple[Named, ...]
    label: str  # "classes" | "one_hot" | "binary" | "float" | "zeros"
    shape: Shape  # of one label, without the batch dimension
    classes: int | None
    loss_weight: float | None = None
    static_shape: Shape = ()  # of one label, with None for variable lengths


@record
class TrainingPlan:
    """Everything `main()` needs beyond the model."""

    optimizer: Named  # with the spec's learning_rate folded in
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
    problems = [*_unknown_output_keys(spec, graph), *object_problems_of(spec)]
    if problems:
        raise SpecError(problems)
    outputs = []
    for name in graph.outputs:
        node = graph.layer(name)
        loss = _loss_for(spec, graph, node)
        metrics = _metrics_for(spec, name, loss)
        label, classes, problem = _labels_for(loss, node.data_shape)
        if label == "float" and node.layer_type.name == COMPUTE:
            label = "zeros"  # an expression has no labels: a term (a KL) that mae drives to 0
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
        optimizer=_optimizer(spec),
        learning_rate=training.learning_rate,
        epochs=training.epochs,
        batch_size=training.batch_size,
        samples=training.samples,
        inputs=tuple(_input_data(graph, item) for item in graph.inputs),
        outputs=tuple(outputs),
        data=training.data,
        distribute=training.distribute,
    )


def object_problems_of(spec: Spec) -> list[Problem]:
    """The optimizer, losses and metrics checked against the catalog, each at its place.

    They need no graph, so they are reported even when the model itself has problems.
    """
    return list(_object_problems(spec))


def _object_problems(spec: Spec) -> Iterable[Problem]:
    training = spec.training
    outputs = spec.outputs or [layer.name for layer in spec.layers[-1:]]
    base: FieldPath = ("training",)
    places: list[tuple[str, object, FieldPath]] = [
        ("optimizer", training.optimizer, (*base, "optimizer"))
    ]
    if training.loss is not None:
        per_output = _per_output(training.loss, "loss", outputs)
        for key, loss in per_output.items() if per_output else [("", training.loss)]:
            places.append(("loss", loss, (*base, "loss", key) if per_output else (*base, "loss")))
    metrics = training.metrics
    lists = metrics.items() if isinstance(metrics, dict) else [("", metrics or [])]
    for key, items in lists:
        path: FieldPath = (*base, "metrics", key) if key else (*base, "metrics")
        places += [("metric", item, (*path, i)) for i, item in enumerate(items)]
    for family, value, path in places:
        for sub_path, message in object_problems(family, value):
            yield Problem(message, (*path, *sub_path))
    if training.learning_rate is not None and isinstance(training.optimizer, dict):
        chosen = resolve("optimizer", training.optimizer)
        if isinstance(chosen, KerasObject) and "learning_rate" in dict(chosen.args):
            yield Problem(
                "the optimizer sets learning_rate already; give it in one place",
                (*base, "learning_rate"),
            )


def _per_output(value: object, family: str, outputs: Iterable[str]) -> dict[str, object] | None:
    """A mapping of output name to value, or None when `value` is one object for all."""
    if not isinstance(value, dict):
        return None
    if is_object_form(family, value) and not set(value) <= set(outputs):
        return None
    return dict(value)


def _optimizer(spec: Spec) -> Named:
    """The optimizer, with the spec's learning_rate as its argument."""
    chosen = resolve("optimizer", spec.training.optimizer)
    rate = spec.training.learning_rate
    if rate is None:
        return chosen
    if isinstance(chosen, str):
        chosen = KerasObject("optimizer", OPTIMIZER.names[chosen], ())
    args = {"learning_rate": rate, **dict(chosen.args)}
    ordered = tuple((name, args[name]) for name in chosen.keras_class.params if name in args)
    return KerasObject("optimizer", chosen.class_name, ordered)


def _loss_path(spec: Spec) -> FieldPath:
    return ("training", "loss") if spec.training.loss is not None else ("outputs",)


def _unknown_output_keys(spec: Spec, graph: Graph) -> Iterable[Problem]:
    outputs = list(graph.outputs)
    families = {"loss": "loss", "metrics": "", "loss_weights": ""}  # only a loss may be one object
    for field_name, family in families.items():
        value = getattr(spec.training, field_name)
        if not isinstance(value, dict) or (
            family and _per_output(value, family, graph.outputs) is None
        ):
            continue
        for key in value:
            if key not in outputs:
                hint = did_you_mean(key, outputs)
                if field_name == "metrics" and key in METRIC.classes:
                    hint = f" (metric objects go in a list: metrics: [{{{key}: ...}}])"
                yield Problem(
                    f"{quoted(key)} is not an output{hint} (outputs: {', '.join(outputs)})",
                    ("training", field_name, key),
                )


def output_activation(node: LayerNode) -> str | None:
    """The activation applied last by an output layer, if it has one."""
    arg = node.layer_type.activation_arg
    value = node.keras_args.get(arg) if arg else None
    return value if isinstance(value, str) else None


def _loss_for(spec: Spec, graph: Graph, node: LayerNode) -> Named:
    loss = spec.training.loss
    per_output = _per_output(loss, "loss", graph.outputs)
    if loss is not None and per_output is None:
        return resolve("loss", loss)
    if per_output is not None and node.name in per_output:
        return resolve("loss", per_output[node.name])
    activation = output_activation(node)
    if activation == "softmax":
        return "sparse_categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mse"


def loss_class(loss: Named) -> KerasObject:
    """The loss as an object, a plain name as its class with Keras's defaults."""
    if isinstance(loss, KerasObject):
        return loss
    return KerasObject("loss", LOSS.names[loss], ())


def _metrics_for(spec: Spec, name: str, loss: Named) -> tuple[Named, ...]:
    metrics = spec.training.metrics
    if isinstance(metrics, list):
        return tuple(resolve("metric", item) for item in metrics)
    if isinstance(metrics, dict):
        return tuple(resolve("metric", item) for item in metrics.get(name, ()))
    chosen = loss_class(loss)
    if chosen.keras_class.label == "binary" and chosen.get("from_logits") is True:
        # "accuracy" would threshold logits at 0.5; a logit's decision boundary is 0.
        return (KerasObject("metric", "BinaryAccuracy", (("threshold", 0.0),)),)
    if chosen.keras_class.label != "float":
        return ("accuracy",)
    return ("mae",)


def _labels_for(loss: Named, shape: Shape) -> tuple[str, int | None, str | None]:
    """The label kind and class count a loss needs, or why the output cannot serve it."""
    chosen = loss_class(loss)
    label = chosen.keras_class.label
    classes = shape[-1]
    if label in ("classes", "one_hot"):
        if classes is None or classes < 2:
            shown = loss if isinstance(loss, str) else chosen.class_name
            return "", None, f"{shown} needs two or more classes on the last axis, got {classes}"
        return label, classes, None
    return label, None, None


def _input_data(graph: Graph, item: InputNode) -> InputData:
    """Token ids below every Embedding's input_dim and CategoryEncoding's num_tokens; values
    from the vocabularies of lookups that have no out-of-vocabulary index (Keras fails on
    others); strings from a lookup's vocabulary, else from a fixed word list."""
    consumers = _fed(graph, item.name)
    if item.dtype == "string":
        values, strict = _vocabulary_values(consumers, "StringLookup", WORDS)
        return _checked(
            graph, item, InputData(item.name, item.data_shape[1:], "string", None, values), strict
        )
    if dtype_kind(item.dtype) != INT:
        return InputData(item.name, item.data_shape[1:], item.dtype, None)
    bounds = {"Embedding": "input_dim", "CategoryEncoding": "num_tokens"}
    dims = [
        int(node.args[bounds[node.layer_type.name]])
        for node in consumers
        if node.layer_type.name in bounds
    ]
    high = min(dims) if dims else DEFAULT_TOKEN_RANGE
    values, strict = _vocabulary_values(consumers, "IntegerLookup", ())
    values = tuple(value for value in values if int(value) < high) if dims else values
    data = InputData(item.name, item.data_shape[1:], item.dtype, None if values else high, values)
    return _checked(graph, item, data, strict)


# Layers that move values without changing them: a lookup behind one sees the input's values.
MOVES_VALUES = frozenset(
    {
        "Flatten", "Reshape", "Permute", "RepeatVector", "Concatenate", "Masking",
        "ActivityRegularization", "MaxPooling1D", "MaxPooling2D", "GlobalMaxPooling1D",
        "GlobalMaxPooling2D", "GlobalMaxPooling3D", "UpSampling1D", "UpSampling2D",
        "UpSampling3D", "Cropping1D", "Cropping2D", "Cropping3D",
    }
)  # fmt: skip


def _fed(graph: Graph, name: str) -> list[LayerNode]:
    """The layers that see the values of `name`: its consumers, and theirs past value movers."""
    found: list[LayerNode] = []
    pending = [name]
    while pending:
        for node in graph.consumers(pending.pop()):
            if node not in found:
                found.append(node)
                if node.layer_type.name in MOVES_VALUES:
                    pending.append(node.name)
    return found


def _checked(graph: Graph, item: InputNode, data: InputData, strict: bool) -> InputData:
    """Refuse an input whose strict vocabularies and ranges leave no value to draw."""
    if strict and not data.values:
        index = [node.name for node in graph.inputs].index(item.name)
        raise SpecError.single(
            f"no value of {item.name!r} fits every layer that takes it (the vocabularies of its"
            " lookups without num_oov_indices, and its ranges, have nothing in common),"
            " so the script cannot make synthetic data",
            ("inputs", index, "name"),
        )
    return data


# Strings for inputs whose lookups all have an out-of-vocabulary index (or only Hashing).
WORDS = ("red", "green", "blue", "cyan", "magenta", "yellow", "black", "white")


def _vocabulary_values(
    consumers: Iterable[LayerNode], lookup: str, fallback: tuple[str, ...]
) -> tuple[tuple[str | int, ...], bool]:
    """The values in every strict vocabulary (one without out-of-vocabulary indices), else
    those of the first vocabulary, else `fallback`; and whether a strict one constrains them."""
    vocabularies = [
        (tuple(node.args["vocabulary"]), node.keras_args.get("num_oov_indices", 1) == 0)
        for node in consumers
        if node.layer_type.name == lookup and node.args.get("invert") is not True
    ]
    strict = [vocabulary for vocabulary, no_oov in vocabularies if no_oov]
    if strict:
        common = tuple(value for value in strict[0] if all(value in other for other in strict))
        return common, True
    if vocabularies:
        return vocabularies[0][0], False
    return fallback, False
