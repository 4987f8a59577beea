"""Render: compute every code fragment in Python, then fill the script template."""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from generator.analysis.backends import STRATEGY_BACKENDS
from generator.analysis.graph import Graph
from generator.analysis.training import InputData, OutputData, TrainingPlan
from generator.codegen.code import (
    Code,
    InternalError,
    call,
    dict_of,
    fragment,
    identifier,
    list_of,
    literal,
    one_line,
    prose,
)
from generator.codegen.layer_code import block_functions, model_lines
from generator.spec.model import Backend, Imports, Spec, Style

_IMPORTS: dict[str, tuple[str, ...]] = {
    "keras": ("import keras", "import numpy as np", "from keras import layers"),
    "tensorflow": (
        "import numpy as np",
        "from tensorflow import keras",
        "from tensorflow.keras import layers",
    ),
}
_NUMPY = "import numpy as np"
_TENSORFLOW = "import tensorflow as tf"


def _import_order(line: str) -> tuple[bool, str]:
    """isort's order within one section: plain imports first, then from-imports."""
    return line.startswith("from "), line


_OPTIMIZER_CLASSES = {
    "adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop",
    "adagrad": "Adagrad", "adadelta": "Adadelta", "adamax": "Adamax",
    "nadam": "Nadam", "ftrl": "Ftrl", "lion": "Lion",
}  # fmt: skip
TEMPLATE_DIRS = (
    Path(__file__).parent.parent / "templates",  # installed wheel
    Path(__file__).parent.parent.parent / "templates",  # source checkout
)


@dataclass(frozen=True)
class RenderOptions:
    """Choices that change the script but not the model."""

    style: Style
    imports: Imports
    source_name: str  # the spec file's name, for the docstring
    script_name: str  # the script's file name, for the docstring
    snippet: bool = False  # only the imports, block functions and build_model()
    backend: Backend | None = None  # pinned with os.environ.setdefault; None: any backend


def _only_code(value: Any) -> Code:
    """Jinja finalize hook: a template may print nothing that was not prepared as code."""
    if type(value) is Code:
        return value
    raise InternalError(f"template printed a {type(value).__name__} not prepared as code")


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment."""
    folder = next((path for path in TEMPLATE_DIRS if path.is_dir()), None)
    if folder is None:
        raise InternalError("templates folder not found next to the generator package")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_only_code,
    )


def render_script(spec: Spec, graph: Graph, training: TrainingPlan, options: RenderOptions) -> str:
    """The script's source, before formatting."""
    template = environment().get_template(
        "snippet.py.jinja" if options.snippet else "script.py.jinja"
    )
    imports = [
        line for line in _IMPORTS[options.imports] if not (options.snippet and line == _NUMPY)
    ]
    uses_tf = STRATEGY_BACKENDS.get(training.distribute or "") == "tensorflow"  # tf.distribute
    if uses_tf and not options.snippet:
        imports = sorted([*imports, _TENSORFLOW], key=_import_order)
    summary = (
        one_line(spec.description)
        or f"The {graph.name} model: Keras branches merged into one network."
    )
    return template.render(
        docstring=_module_docstring(summary, options),
        summary=_wrapped_literal(_argparse_text(summary)),
        imports=[Code(line) for line in imports],
        model_name=literal(graph.name),
        model_title=identifier(graph.name),
        params_line=Code(
            f"Total params: {graph.total_params:,} ({graph.trainable_params:,} trainable,"
            f" {graph.non_trainable_params:,} non-trainable)."
        ),
        input_lines=[_input_line(item.name, item.shape[1:], item.dtype) for item in graph.inputs],
        block_functions=block_functions(spec, graph, options.style),
        layer_lines=model_lines(spec, graph, options.style),
        model_inputs=_model_inputs(graph),
        model_outputs=_model_outputs(graph),
        x_value=_x_value(training.inputs),
        y_value=_y_value(training.outputs),
        optimizer=_optimizer(training),
        loss=_per_output(training.outputs, lambda out: literal(out.loss)),
        loss_weights=_loss_weights(training.outputs),
        metrics=_per_output(training.outputs, lambda out: list_of(literal(m) for m in out.metrics)),
        has_data=training.data is not None,
        data_path=literal(training.data),
        expected_shapes=_expected_shapes(graph, training),
        data_x=_named_arrays([item.name for item in training.inputs]),
        data_y=_named_arrays([out.name for out in training.outputs]),
        strategy=_strategy(training),
        backend=literal(options.backend) if options.backend else None,
        epochs=literal(training.epochs),
        batch_size=literal(training.batch_size),
        samples=literal(training.samples),
    )


def _module_docstring(summary: str, options: RenderOptions) -> Code:
    lines = textwrap.wrap(prose(summary), width=79, break_long_words=False, break_on_hyphens=False)
    source = prose(options.source_name)
    script = prose(options.script_name)
    body = "\n".join(
        [
            *lines,
            "",
            f"Generated by mergegen from {source} (merge style: {options.style}).",
            "",
            "Run it:",
            f"    python {script} --epochs 1",
            f"    python {script} --summary-only",
        ]
    )
    return Code(f'"""{body}\n"""')


def _argparse_text(text: str) -> str:
    """argparse %-formats a description that holds "%(prog)": double every % so none is read."""
    return text.replace("%", "%%") if "%(prog)" in text else text


def _wrapped_literal(text: str, width: int = 60) -> Code:
    """A long string as implicitly concatenated literals, so lines stay short."""
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    if len(lines) <= 1:
        return literal(text)
    pieces = [literal(line + " ") for line in lines[:-1]] + [literal(lines[-1])]
    return Code("(" + " ".join(pieces) + ")")


def _input_line(name: str, shape: tuple[int | None, ...], dtype: str) -> Code:
    keywords = {"shape": literal(shape)}
    if dtype != "float32":
        keywords["dtype"] = literal(dtype)
    keywords["name"] = literal(name)
    return Code(f"{identifier(name)} = {call('keras.Input', (), keywords)}")


def _model_inputs(graph: Graph) -> Code:
    if len(graph.inputs) == 1:
        return identifier(graph.inputs[0].name)
    return dict_of({item.name: identifier(item.name) for item in graph.inputs})


def _model_outputs(graph: Graph) -> Code:
    if len(graph.outputs) == 1:
        return identifier(graph.outputs[0])
    return dict_of({name: identifier(name) for name in graph.outputs})


def _batch_shape(shape: tuple[int | None, ...]) -> Code:
    dims = [Code("samples"), *(literal(dim) for dim in shape)]
    return Code(f"({', '.join(dims)},)" if len(dims) == 1 else f"({', '.join(dims)})")


def _input_value(item: InputData) -> Code:
    size = _batch_shape(item.shape)
    if item.dtype == "int32":
        return Code(f"rng.integers(0, {literal(item.high)}, size={size}, dtype=np.int32)")
    return Code(f"rng.random({size}, dtype=np.float32)")


def _label_value(out: OutputData) -> Code:
    size = _batch_shape(out.shape)
    if out.label == "classes":
        return Code(f"rng.integers(0, {literal(out.classes)}, size={size})")
    if out.label == "one_hot":
        classes = literal(out.classes)
        index = f"rng.integers(0, {classes}, size={_batch_shape(out.shape[:-1])})"
        return Code(f"np.eye({classes}, dtype=np.float32)[{index}]")
    if out.label == "binary":
        return Code(f"rng.integers(0, 2, size={size}).astype(np.float32)")
    return Code(f"rng.random({size}, dtype=np.float32)")


def _x_value(inputs: tuple[InputData, ...]) -> Code:
    if len(inputs) == 1:
        return _input_value(inputs[0])
    return dict_of({item.name: _input_value(item) for item in inputs})


def _y_value(outputs: tuple[OutputData, ...]) -> Code:
    if len(outputs) == 1:
        return _label_value(outputs[0])
    return dict_of({out.name: _label_value(out) for out in outputs})


def _optimizer(training: TrainingPlan) -> Code:
    if training.learning_rate is None:
        return literal(training.optimizer)
    name = _OPTIMIZER_CLASSES[training.optimizer]
    return call(f"keras.optimizers.{name}", (), {"learning_rate": literal(training.learning_rate)})


def _expected_shapes(graph: Graph, training: TrainingPlan) -> Code:
    """Per-example shapes the arrays of an .npz file must have, by name (None: any length)."""
    shapes = {item.name: literal(item.shape[1:]) for item in graph.inputs}
    shapes |= {out.name: literal(out.static_shape) for out in training.outputs}
    return dict_of(shapes)


def _named_arrays(names: list[str]) -> Code:
    if len(names) == 1:
        return Code(f"data[{literal(names[0])}]")
    return dict_of({name: Code(f"data[{literal(name)}]") for name in names})


def _strategy(training: TrainingPlan) -> Code | None:
    if training.distribute is None:
        return None
    return Code(training.distribute)  # one of the spec's Literal values


def _loss_weights(outputs: tuple[OutputData, ...]) -> Code | None:
    if all(out.loss_weight is None for out in outputs):
        return None
    return dict_of({out.name: literal(out.loss_weight or 1.0) for out in outputs})


def _per_output(outputs: tuple[OutputData, ...], value: Callable[[OutputData], Code]) -> Code:
    if len(outputs) == 1:
        return fragment(value(outputs[0]))
    return dict_of({out.name: value(out) for out in outputs})
