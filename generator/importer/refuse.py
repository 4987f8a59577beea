"""What the importer never reads: Lambda bytecode, custom classes, subclassed models.

Each offending layer is one problem naming its class; nothing of it is imported or run.
"""

from __future__ import annotations

from typing import Any

from generator.analysis.catalog import CATALOG
from generator.display import quoted, show_value
from generator.errors import Problem
from generator.importer.ops import IMPLICIT, OPERATIONS, is_operation
from generator.importer.own_layers import is_normal_like

MODEL_CLASSES = {
    ("Functional", "keras.src.models.functional"),
    ("Functional", "keras"),
    ("Model", "keras.src.models.model"),
    ("Model", "keras"),
}
SEQUENTIAL = {("Sequential", "keras.src.models.sequential"), ("Sequential", "keras")}
NESTED_MODELS = {"Sequential", "Functional", "Model"}
BUILTIN_MODULE = "keras.layers"


def model_problem(model: dict[str, Any], file: str) -> Problem | None:
    """A subclassed model, or anything that is not a Functional model's JSON."""
    if "class_name" not in model:
        return None  # the bare config of model.get_config()
    key = (model.get("class_name"), model.get("module"))
    if not all(isinstance(part, str | None) for part in key):
        key = (None, None)  # not names at all: refused below
    if key in MODEL_CLASSES and model.get("registered_name") in (None, "Functional", "Model"):
        return None
    if key in SEQUENTIAL and model.get("registered_name") in (None, "Sequential"):
        return None
    return Problem(
        f"the model's class {show_value(model.get('class_name'))} (module"
        f" {show_value(model.get('module'))}) is a subclassed model, whose call() is Python"
        " code the JSON does not hold; refused",
        (),
        file,
    )


def layer_problem(layer: dict[str, Any]) -> str | None:
    """Why one layer entry cannot be imported, naming its class; None when it can."""
    class_name = layer.get("class_name")
    module = layer.get("module")
    registered = layer.get("registered_name")
    name = show_value(layer.get("name"))
    shown = show_value(class_name)
    if not isinstance(class_name, str) or not isinstance(module, str | None):
        return f"layer {name}: class {shown} (module {show_value(module)}) is not a class name"
    if class_name == "Lambda":
        return (
            f"layer {name}: Lambda holds Python bytecode, which is never read or run; refused"
            " (write it as a `compute:` expression over keras.ops)"
        )
    if class_name == "TFOpLambda":  # what keras2.py does not turn into an operation
        config = layer.get("config")
        function = config.get("function") if isinstance(config, dict) else None
        return (
            f"layer {name}: TFOpLambda, tf.keras's record of the TensorFlow function"
            f" {show_value(function)} called on tensors, is imported only for arithmetic"
            " (+ - * /, negation, abs, square, sqrt, exp, log, tanh, sigmoid, maximum,"
            " minimum) on one tensor and a tensor or number; refused, nothing of it is run"
        )
    if module == BUILTIN_MODULE and registered is None:
        if class_name == "InputLayer" or class_name in CATALOG:
            return _wrapped_problem(layer)
        return f"layer {name}: the Keras layer {shown} is not supported by mergegen yet"
    if (class_name, module) in MODEL_CLASSES and registered in (None, "Functional", "Model"):
        return None  # a nested Functional model: a model block (keras3.py)
    if class_name in NESTED_MODELS and module in ("keras", "keras.src.models.sequential"):
        return (
            f"layer {name}: a nested {class_name} model; the spec builds a sub-model as a"
            " Functional keras.Model, so to_json() would differ; not imported (build it"
            " with keras.Model(inputs, outputs) or flatten it into the outer model)"
        )
    if is_normal_like(layer):
        return None  # mergegen's own, read back as the expression that makes it
    if is_operation(layer):
        if class_name in OPERATIONS or class_name in IMPLICIT:
            return None
        return (
            f"layer {name}: the Keras operation {shown} is not one a `compute:` expression"
            " can write yet"
        )
    return (
        f"layer {name}: custom class {shown} (module {show_value(module)}, registered as"
        f" {show_value(registered)}) is not a Keras built-in; refused, nothing of it is run"
        f"{_expression_hint(layer.get('config'))}"
    )


def _wrapped_problem(layer: dict[str, Any]) -> str | None:
    """A wrapper's layers (Bidirectional's backward one too) are refused as any layer."""
    if layer.get("class_name") not in ("Bidirectional", "TimeDistributed"):
        return None
    config = layer.get("config")
    for key in ("layer", "backward_layer"):
        inner = config.get(key) if isinstance(config, dict) else None
        if isinstance(inner, dict):
            own = inner.get("config")
            found = layer_problem(
                {**inner, "name": own.get("name") if isinstance(own, dict) else None}
            )
            if found:
                return f"layer {show_value(layer.get('name'))}: the wrapped {found}"
    return None


def _expression_hint(config: Any) -> str:
    """A custom layer holding only a constant scale is likely a formula `compute:` can write."""
    if not isinstance(config, dict):
        return ""
    own = set(config) - {"name", "trainable", "dtype"}
    scale = config.get("scale")
    if own == {"scale"} and isinstance(scale, int | float) and not isinstance(scale, bool):
        example = quoted(f"a + b * {scale!r}")
        return f" (a constant scale can be written as a `compute:` expression, e.g. {example})"
    return ""
