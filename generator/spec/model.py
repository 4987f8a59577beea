"""Validate: the spec's structure as pydantic models, with problems as field paths."""

from __future__ import annotations

import copy
import os
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from generator.display import quoted, show_value
from generator.errors import Problem, SpecError, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.values import MAX_INT

Style = Literal["class", "function"]  # layers.Concatenate()([a, b]) or layers.concatenate([a, b])
Imports = Literal["keras", "tensorflow"]  # import keras, or from tensorflow import keras
Backend = Literal["tensorflow", "jax", "torch"]  # the Keras backends a script may pin
# How keras.Model takes the inputs or outputs: one bare and several as a dict by name, or a list.
IoForm = Literal["auto", "list"]
# At most MAX_INT: Keras and TensorFlow take shapes, epochs and batch sizes as 32-bit ints.
PositiveInt = Annotated[int, Field(gt=0, le=MAX_INT)]


def _empty_list() -> list[Any]:
    """A default factory; pydantic reads a builtin's (list's) signature slowly, through tokenize."""
    return []


def _empty_dict() -> dict[str, Any]:
    """A default factory, for the same reason as _empty_list."""
    return {}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class InputSpec(_Strict):
    """One model input (a `keras.Input`)."""

    name: str = Field(description="The input's Keras name: ASCII letters, digits and _ . - >.")
    shape: list[PositiveInt | None] = Field(
        description='Shape without the batch dimension; null (TOML: "None") for a variable'
        " length; [] for one scalar per example.",
    )
    dtype: Literal["float32", "int32", "int64", "string"] = Field(
        "float32",
        description="float32; int32 (or int64, what TextVectorization gives) for token ids"
        " fed to an Embedding or a lookup; string for words fed to a StringLookup or Hashing"
        " layer (TensorFlow backend).",
    )

    @field_validator("shape", mode="before")
    @classmethod
    def _toml_none(cls, value: Any) -> Any:
        """TOML has no null, so a variable length may also be written "None"."""
        if isinstance(value, list):
            return [None if item == "None" else item for item in value]
        return value


# Keras's other names for its layer classes (keras.layers.MaxPool3D is MaxPooling3D): a
# spec may write either; the spec, its checks and the script use the class's own name.
LAYER_ALIASES = {
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
    "AvgPool3D": "AveragePooling3D", "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D",
    "MaxPool3D": "MaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose", "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
}  # fmt: skip


class LayerSpec(BaseModel):
    """One layer, block instance or shared application; other keys are its arguments."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, defer_build=True)

    name: str = Field(description="The layer's Keras name: ASCII letters, digits and _ . - >.")
    type: str | None = Field(None, description="Keras layer class, e.g. Dense or Concatenate.")
    keras_name: str | None = Field(
        None,
        description="In a block only: the Keras name as a template over the block's"
        ' parameters, e.g. "activation_{$act + 3}" (else the name is <call>_<layer>).',
    )
    block: str | None = Field(None, description="A block from `blocks`, called with arguments.")
    share: str | None = Field(
        None, description="An earlier layer or block instance whose weights this one reuses."
    )
    compute: str | None = Field(
        None,
        description='An expression over keras.ops, e.g. "abs(a - b)" with inputs {a: left,'
        " b: right}: + - * / **, abs, square, sqrt, exp, log, tanh, sigmoid, relu6, clip,"
        " minimum, maximum, sum, mean, max, min, expand_dims, squeeze, l2_normalize,"
        " normal_like.",
    )
    inputs: str | list[str] | dict[str, str] | None = Field(
        None,
        description="Earlier layers or inputs; left out: the layer just above. A compute"
        " layer may map local names to them: {a: left, b: right}; an attention layer names"
        " its query, value and key: {query: x, value: memory}. One output of a layer or a"
        " model block's call with several is written name:output, e.g. encoder:state_h,"
        " encoder:z_mean.",
    )
    call: dict[str, str | list[str] | bool] | None = Field(
        None,
        description="Keyword arguments of the layer's call, not of its constructor:"
        " initial_state: [encoder:state_h, encoder:state_c] (recurrent layers),"
        " attention_mask: mask, use_causal_mask: true, return_attention_scores: true"
        " (attention layers).",
    )

    @field_validator("type", mode="before")
    @classmethod
    def _class_name(cls, value: Any) -> Any:
        """An alias Keras accepts as the class it names."""
        return LAYER_ALIASES.get(value, value) if isinstance(value, str) else value

    @property
    def arguments(self) -> dict[str, Any]:
        """The Keras keyword arguments (or block arguments), as written in the spec."""
        return dict(self.model_extra or {})

    @property
    def references(self) -> list[str]:
        """The names listed in `inputs`."""
        if self.inputs is None:
            return []
        if isinstance(self.inputs, dict):
            if self.compute is None:  # query, value, key: the order the layer takes them
                order = [*_ORDERED_INPUTS, *self.inputs]
                return [self.inputs[key] for key in dict.fromkeys(order) if key in self.inputs]
            return list(self.inputs.values())
        return [self.inputs] if isinstance(self.inputs, str) else list(self.inputs)

    @property
    def call_references(self) -> list[str]:
        """The names that `call` passes as tensors (initial_state, attention_mask)."""
        found: list[str] = []
        for value in (self.call or {}).values():
            if isinstance(value, str):
                found.append(value)
            elif isinstance(value, list):
                found.extend(value)
        return found


_ORDERED_INPUTS = ("query", "value", "key")  # an attention layer's, as its call takes them


class BlockSpec(_Strict):
    """A reusable group of layers, generated as one Python function."""

    description: str = Field("", description="Becomes the block function's docstring.")
    inputs: list[str] = Field(
        ["x"], min_length=1, description="Python names of the tensors the block takes."
    )
    params: list[str] = Field(
        default_factory=_empty_list,
        description='Python parameter names; the block\'s layers use them as "$name", also in'
        ' arithmetic such as "$filters * 4" or "$growth * ($k + 1)".',
    )
    defaults: dict[str, Any] = Field(
        default_factory=_empty_dict, description="Default values of some parameters."
    )
    layers: list[LayerSpec] = Field(min_length=1, description="The block's layers, in order.")
    output: str | list[str] | None = Field(
        None,
        description="The layer the block returns; default: the last. A model block may return"
        ' several, [z_mean, z_log_var, z], each taken by a later layer as "encoder:z_mean", ...',
    )
    model: bool = Field(
        False,
        description="Build the block as a keras.Model of its own (def build_<block>()),"
        " called at the top level; reachable as model.get_layer(<call name>).",
    )

    @property
    def param_names(self) -> list[str]:
        """Every parameter, in order."""
        return list(self.params)

    @property
    def output_names(self) -> list[str]:
        """The layers the block returns, in order."""
        if self.output is None:
            return [self.layers[-1].name]
        return [self.output] if isinstance(self.output, str) else list(self.output)


class TrainingSpec(_Strict):
    """How the generated script compiles and trains the model."""

    optimizer: str | dict[str, Any] = Field(
        "adam",
        description="A Keras optimizer: a name (adam, sgd, ...) or an object such as"
        " {Adam: {learning_rate: 0.001, clipnorm: 1.0}}.",
    )
    learning_rate: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, description="Optimizer learning rate; left out: Keras's default."
    )
    loss: str | dict[str, Any] | None = Field(
        None,
        description="One loss (a name or an object such as {BinaryCrossentropy:"
        " {from_logits: true}}), or one per output name; left out: follows each"
        " output's activation (softmax, sigmoid, otherwise mse).",
    )
    metrics: list[Any] | dict[str, list[Any]] | None = Field(
        None,
        description="Metrics (names or objects such as {AUC: {curve: PR}}), or metrics per"
        " output name.",
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

    name: str = Field(description="The model's Keras name; made file-safe, the script's file name.")
    description: str = Field("", description="Becomes the script's docstring.")
    merge_style: Style = Field(
        "class",
        description="class: layers.Concatenate()([a, b]); function: layers.concatenate([a, b]).",
    )
    inputs: list[InputSpec] = Field(min_length=1, description="The model's inputs, one or more.")
    inputs_as: IoForm = Field(
        "auto",
        description="How the script passes the inputs to keras.Model, and their data to fit:"
        " auto (one bare, several as a dict by name) or list (in order, even one alone),"
        " as in keras.Model([encoder_inputs, decoder_inputs], outputs).",
    )
    blocks: dict[str, BlockSpec] = Field(
        default_factory=_empty_dict, description="Reusable blocks by name, used by `block:` layers."
    )
    layers: list[LayerSpec] = Field(
        min_length=1, description="Layers in order; each takes earlier layers or inputs."
    )
    outputs: list[str] | None = Field(
        None, description="Output layer names; left out: the last layer."
    )
    outputs_as: IoForm = Field(
        "auto",
        description="How the script passes the outputs to keras.Model, with their labels, losses"
        " and metrics: auto (one bare, several as a dict by name) or list (in order).",
    )
    training: TrainingSpec = Field(
        default_factory=TrainingSpec,  # type: ignore[arg-type]
        description="How the script compiles and trains the model; every field has a default.",
    )


def _spec_models() -> list[type[BaseModel]]:
    """Every model defined here, so that one added later is built with the rest."""
    return [
        value
        for value in globals().values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == __name__
        and value is not _Strict
    ]


def _build_validators() -> None:
    """Build every model's validator at import, with pydantic's plugin search off: it reads the
    entry points of every installed package (1.5% of `validate`), and no plugin watches these
    models. Typer builds its own validators the same way."""
    saved = os.environ.get(_NO_PLUGINS)
    os.environ[_NO_PLUGINS] = "1"
    try:
        for model in _spec_models():
            model.model_rebuild(force=True)
    finally:
        if saved is None:
            del os.environ[_NO_PLUGINS]
        else:
            os.environ[_NO_PLUGINS] = saved


_NO_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"
_build_validators()


def parse_spec(data: Any) -> Spec:
    """Check the structure of loaded data and build a Spec."""
    try:
        return Spec.model_validate(data)
    except ValidationError as error:
        raise SpecError(_problems(error, data)) from None


def parse_spec_repaired(data: Any) -> tuple[Spec | None, list[Problem]]:
    """The spec and its structural problems; when each problem is in a field with a default
    that shapes nothing else (a dtype, a training option, an unknown field), the spec is
    built with those defaults, so the later stages can report their own problems too."""
    try:
        return Spec.model_validate(data), []
    except ValidationError as error:
        problems = _problems(error, data)
    paths = [problem.path for problem in problems]
    if not isinstance(data, dict) or not all(_repairable(path) for path in paths):
        return None, problems
    repaired = copy.deepcopy(data)
    for path in paths:
        _drop(repaired, path[:2] if path[0] == "training" else path)
    try:
        return Spec.model_validate(repaired), problems
    except ValidationError:
        return None, problems


# Fields whose default stands in for a bad value without changing what the model is.
_REPAIRABLE = {
    ("description",),
    ("merge_style",),
    ("inputs", int, "dtype"),
    ("blocks", str, "description"),
}


def _repairable(path: FieldPath) -> bool:
    if not path:
        return False
    if path[0] == "training" and len(path) >= 2 and isinstance(path[1], str):
        return True
    pattern = tuple(type(part) if index % 2 else part for index, part in enumerate(path))
    return pattern in _REPAIRABLE or _unknown_field(path)


def _unknown_field(path: FieldPath) -> bool:
    """A key the spec, an input or a block does not have: dropping it changes nothing."""
    if len(path) == 1:
        model: type[BaseModel] = Spec
    elif len(path) == 3 and path[0] in ("inputs", "blocks"):
        model = InputSpec if path[0] == "inputs" else BlockSpec
    else:
        return False
    return isinstance(path[-1], str) and path[-1] not in model.model_fields


def _drop(data: Any, path: FieldPath) -> None:
    *parents, last = path
    for part in parents:
        data = data[part]
    if isinstance(data, dict):
        data.pop(last, None)


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
        return f"expected one of {expected}; got {show_value(given)}{hint}"
    if kind == "too_short":
        return "must not be empty"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {show_value(item['input'])}"
    if kind in ("greater_than", "less_than", "greater_than_equal", "less_than_equal"):
        return f"{item['msg'].lower()}, got {show_value(item['input'])}"
    return f"{item['msg'][0].lower()}{item['msg'][1:]}, got {show_value(item['input'])}"


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
