"""Validate: the spec's structure as pydantic models, with problems as field paths."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from generator.display import quoted, show
from generator.errors import Problem, SpecError, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.values import MAX_INT

OPTIMIZERS = (
    "adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
    "ftrl", "lion",
)  # fmt: skip
LOSSES = (
    "sparse_categorical_crossentropy", "categorical_crossentropy",
    "binary_crossentropy", "mse", "mae", "mape", "msle", "huber", "log_cosh",
    "hinge", "squared_hinge", "kl_divergence", "poisson",
)  # fmt: skip
METRICS = (
    "accuracy", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "auc", "precision", "recall", "mae",
    "mse", "mape", "msle",
)  # fmt: skip

Optimizer = Literal[OPTIMIZERS]  # type: ignore[valid-type]
Loss = Literal[LOSSES]  # type: ignore[valid-type]
Metric = Literal[METRICS]  # type: ignore[valid-type]
Style = Literal["class", "function"]  # layers.Concatenate()([a, b]) or layers.concatenate([a, b])
Imports = Literal["keras", "tensorflow"]  # import keras, or from tensorflow import keras
Backend = Literal["tensorflow", "jax", "torch"]  # the Keras backends a script may pin
# At most MAX_INT: Keras and TensorFlow take shapes, epochs and batch sizes as 32-bit ints.
PositiveInt = Annotated[int, Field(gt=0, le=MAX_INT)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class InputSpec(_Strict):
    """One model input (a `keras.Input`)."""

    name: str = Field(description="Python identifier; the input's variable and Keras name.")
    shape: list[PositiveInt | None] = Field(
        min_length=1,
        description='Shape without the batch dimension; null (TOML: "None") for a variable length.',
    )
    dtype: Literal["float32", "int32"] = Field(
        "float32", description="float32, or int32 for token ids fed to an Embedding."
    )

    @field_validator("shape", mode="before")
    @classmethod
    def _toml_none(cls, value: Any) -> Any:
        """TOML has no null, so a variable length may also be written "None"."""
        if isinstance(value, list):
            return [None if item == "None" else item for item in value]
        return value


class LayerSpec(BaseModel):
    """One layer, block instance or shared application; other keys are its arguments."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    name: str = Field(description="Python identifier; the layer's variable and Keras name.")
    type: str | None = Field(None, description="Keras layer class, e.g. Dense or Concatenate.")
    block: str | None = Field(None, description="A block from `blocks`, called with arguments.")
    share: str | None = Field(
        None, description="An earlier layer or block instance whose weights this one reuses."
    )
    inputs: str | list[str] | None = Field(
        None, description="Earlier layers or inputs; left out: the layer just above."
    )

    @property
    def arguments(self) -> dict[str, Any]:
        """The Keras keyword arguments (or block arguments), as written in the spec."""
        return dict(self.model_extra or {})

    @property
    def references(self) -> list[str]:
        """The names listed in `inputs`."""
        if self.inputs is None:
            return []
        return [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)


class BlockSpec(_Strict):
    """A reusable group of layers, generated as one Python function."""

    description: str = Field("", description="Becomes the block function's docstring.")
    inputs: list[str] = Field(
        ["x"], min_length=1, description="Names of the tensors the block takes."
    )
    params: list[str] = Field(
        default_factory=list,
        description='Parameter names; the block\'s layers use them as "$name".',
    )
    defaults: dict[str, Any] = Field(
        default_factory=dict, description="Default values of some parameters."
    )
    layers: list[LayerSpec] = Field(min_length=1, description="The block's layers, in order.")
    output: str | None = Field(None, description="The layer the block returns; default: the last.")

    @property
    def param_names(self) -> list[str]:
        """Every parameter, in order."""
        return list(self.params)


class TrainingSpec(_Strict):
    """How the generated script compiles and trains the model."""

    optimizer: Optimizer = Field("adam", description="Keras optimizer name.")
    learning_rate: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="Optimizer learning rate; left out: Keras's default."
    )
    loss: Loss | dict[str, Loss] | None = Field(
        None,
        description="One loss, or one per output name; left out: follows each"
        " output's activation (softmax, sigmoid, otherwise mse).",
    )
    metrics: list[Metric] | dict[str, list[Metric]] | None = Field(
        None, description="Metrics, or metrics per output name."
    )
    loss_weights: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = Field(
        None, description="A weight per output name for the total loss; default: 1 each."
    )
    data: Annotated[str, Field(pattern=r"\.npz$", max_length=4096)] | None = Field(
        None,
        description="An .npz file whose arrays are named after the inputs and outputs;"
        " the script trains on it instead of synthetic data (default for --data).",
    )
    distribute: Literal["mirrored", "multi_worker", "data_parallel"] | None = Field(
        None,
        description="Train on several devices. TensorFlow backend: mirrored (every GPU, else"
        " every logical CPU) or multi_worker (several machines, from TF_CONFIG). JAX backend:"
        " data_parallel (keras.distribution.DataParallel over every device JAX sees).",
    )
    epochs: PositiveInt = Field(1, description="Default for --epochs.")
    batch_size: PositiveInt = Field(32, description="Default for --batch-size.")
    samples: PositiveInt = Field(256, description="Size of the synthetic dataset.")


class Spec(_Strict):
    """A model architecture: inputs, layers in order, outputs, training."""

    name: str = Field(description="Python identifier; the model's name and the file stem.")
    description: str = Field("", description="Becomes the script's docstring.")
    merge_style: Style = Field(
        "class",
        description="class: layers.Concatenate()([a, b]); function: layers.concatenate([a, b]).",
    )
    inputs: list[InputSpec] = Field(min_length=1, description="The model's inputs, one or more.")
    blocks: dict[str, BlockSpec] = Field(
        default_factory=dict, description="Reusable blocks by name, used by `block:` layers."
    )
    layers: list[LayerSpec] = Field(
        min_length=1, description="Layers in order; each takes earlier layers or inputs."
    )
    outputs: list[str] | None = Field(
        None, description="Output layer names; left out: the last layer."
    )
    training: TrainingSpec = Field(
        default_factory=TrainingSpec,  # type: ignore[arg-type]
        description="How the script compiles and trains the model; every field has a default.",
    )


def parse_spec(data: Any) -> Spec:
    """Check the structure of loaded data and build a Spec."""
    try:
        return Spec.model_validate(data)
    except ValidationError as error:
        raise SpecError(_problems(error, data)) from None


def _problems(error: ValidationError, data: Any) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[FieldPath] = set()
    for item in error.errors():
        path = _clean_path(item["loc"], data)
        if path in seen:
            continue  # a union reports each alternative; one line per field is enough
        seen.add(path)
        problems.append(Problem(_message(item, path), path))
    return problems


def _clean_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """Drop pydantic's union branch labels ('str', 'list[str]', ...) from a location."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and not path_has_branch(part):
            path.append(part)  # a missing field
            node = None
    return tuple(path)


def path_has_branch(part: Any) -> bool:
    """Pydantic names union branches and constraints like 'list[str]' or 'literal[...]'."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


_FIELD_HINTS = {
    "": sorted(Spec.model_fields),
    "inputs": sorted(InputSpec.model_fields),
    "training": sorted(TrainingSpec.model_fields),
    "blocks": sorted(BlockSpec.model_fields),
}


def _message(item: Any, path: FieldPath) -> str:
    kind = item["type"]
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        parent = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "")
        if path[0] == "blocks" and len(path) == 3:
            parent = "blocks"
        allowed = _FIELD_HINTS.get(parent if len(path) > 1 else "", [])
        name = str(path[-1])
        hint = did_you_mean(name, allowed) or f" (allowed: {', '.join(allowed)})"
        return f"unknown field {quoted(name)}{hint}"
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "").replace("'", "")
        given = item["input"]
        hint = (
            did_you_mean(given, expected.replace(" or ", ", ").split(", "))
            if isinstance(given, str)
            else ""
        )
        return f"expected one of {expected}; got {show(given)}{hint}"
    if kind == "too_short":
        return "must not be empty"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {show(item['input'])}"
    if kind in ("greater_than", "less_than", "greater_than_equal", "less_than_equal"):
        return f"{item['msg'].lower()}, got {show(item['input'])}"
    return f"{item['msg'][0].lower()}{item['msg'][1:]}, got {show(item['input'])}"


_TYPE_NAMES = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "finite_number": "a finite number",
}
