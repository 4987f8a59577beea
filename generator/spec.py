"""Validate: the spec's structure as pydantic models, with problems as field paths."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from generator.display import quoted, show
from generator.errors import Problem, SpecError, did_you_mean
from generator.paths import FieldPath
from generator.values import MAX_INT

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
    """One layer; keys other than name/type/inputs are the Keras layer's arguments."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    name: str = Field(description="Python identifier; the layer's variable and Keras name.")
    type: str = Field(description="Keras layer class, e.g. Dense or Concatenate.")
    inputs: str | list[str] | None = Field(
        None, description="Earlier layers or inputs; left out: the layer just above."
    )

    @property
    def arguments(self) -> dict[str, Any]:
        """The Keras keyword arguments, as written in the spec."""
        return dict(self.model_extra or {})


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
    epochs: PositiveInt = Field(1, description="Default for --epochs.")
    batch_size: PositiveInt = Field(32, description="Default for --batch-size.")
    samples: PositiveInt = Field(256, description="Size of the synthetic dataset.")


class Spec(_Strict):
    """A model architecture: inputs, layers in order, outputs, training."""

    name: str = Field(description="Python identifier; the model's name and the file stem.")
    description: str = Field("", description="Becomes the script's docstring.")
    merge_style: Literal["class", "function"] = Field(
        "class",
        description="class: layers.Concatenate()([a, b]); function: layers.concatenate([a, b]).",
    )
    inputs: list[InputSpec] = Field(min_length=1)
    layers: list[LayerSpec] = Field(min_length=1)
    outputs: list[str] | None = Field(
        None, description="Output layer names; left out: the last layer."
    )
    training: TrainingSpec = Field(default_factory=TrainingSpec)  # type: ignore[arg-type]


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
}


def _message(item: Any, path: FieldPath) -> str:
    kind = item["type"]
    if kind == "missing":
        return "missing required field"
    if kind == "extra_forbidden":
        parent = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "")
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
