"""Render: compute every code fragment in Python, then fill the script template."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from generator.analysis.backends import STRATEGY_BACKENDS, tensorflow_only
from generator.analysis.expressions import ComputeType
from generator.analysis.graph import Graph
from generator.analysis.training import InputData, OutputData, TrainingPlan
from generator.codegen.code import (
    Code,
    InternalError,
    call,
    dict_of,
    fragment,
    list_of,
    literal,
    one_line,
    prose,
)
from generator.codegen.layer_code import (
    BlockFunction,
    Vocabularies,
    block_functions,
    constant_lines,
    model_lines,
    model_variables,
    vocabulary_constants,
)
from generator.codegen.layout import BODY_INDENT, Layout, width
from generator.codegen.object_code import named_code
from generator.records import record
from generator.spec.model import Backend, Imports, IoForm, Spec, Style

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


TEMPLATE_DIRS = (
    Path(__file__).parent.parent / "templates",  # installed wheel
    Path(__file__).parent.parent.parent / "templates",  # source checkout
)


@record
class RenderOptions:
    """Choices that change the script but not the model."""

    style: Style
    imports: Imports
    source_name: str  # the spec file's name, for the docstring
    script_name: str  # the script's file name, for the docstring
    snippet: bool = False  # only the imports, constants, block functions and build_model()
    layout: Layout = Layout()
    backend: Backend | None = None  # pinned with os.environ.setdefault; None: any backend


@record
class ScriptContext:
    """Everything the script templates print, each piece prepared as code."""

    docstring: Code
    summary: Code  # argparse's description
    imports: tuple[Code, ...]
    model_name: Code
    model_title: Code
    params_line: Code
    input_lines: tuple[Code, ...]
    constants: tuple[Code, ...]  # module constants: the lookups' vocabularies
    block_functions: tuple[BlockFunction, ...]
    layer_lines: tuple[Code, ...]
    normal_like: bool  # whether an expression samples noise: the NormalLike class is written
    model_inputs: Code
    model_outputs: Code
    x_value: Code
    y_value: Code
    optimizer: Code
    loss: Code
    loss_weights: Code | None
    metrics: Code | None  # None: no output has a metric, and compile() is given none
    has_data: bool
    data_path: Code
    expected_shapes: Code
    data_x: Code
    data_y: Code
    strategy: Code | None  # "mirrored", "multi_worker" or "data_parallel"
    tensorflow_only: Code | None  # what stops the script on another backend, as a literal
    backend: Code | None  # the KERAS_BACKEND the script sets by default, if any
    epochs: Code
    batch_size: Code
    samples: Code


def _only_code(value: Any) -> Code:
    """Jinja finalize hook: a template may print nothing that was not prepared as code."""
    if type(value) is Code:
        return value
    raise InternalError(f"template printed a {type(value).__name__} not prepared as code")


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs in Jinja's private per-user folder: compiling them
    is 4% of `generate`. A cache file that cannot be read or written is passed over."""

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        # The compiled code depends on the environment's options too, set in this file.
        return super().get_cache_key(f"{_COMPILED_BY} {name}", filename)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, pickle.UnpicklingError):  # unreadable: compile
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # a full disk, a read-only folder: compile next time
            super().dump_bytecode(bucket)


_COMPILED_BY = f"{jinja2.__version__} {hashlib.sha1(Path(__file__).read_bytes()).hexdigest()}"


def template_cache() -> jinja2.BytecodeCache | None:
    """The cache of compiled templates; None where Jinja finds no safe private folder for it."""
    try:
        return TemplateCache()
    except (OSError, RuntimeError):
        return None


@functools.cache
def environment() -> jinja2.Environment:
    """The one Jinja environment."""
    folder = next((path for path in TEMPLATE_DIRS if path.is_dir()), None)
    if folder is None:
        raise InternalError("templates folder not found next to the generator package")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        bytecode_cache=template_cache(),
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
    return template.render(script=script_context(spec, graph, training, options))


def script_context(
    spec: Spec, graph: Graph, training: TrainingPlan, options: RenderOptions
) -> ScriptContext:
    """Every code fragment of the script, computed before the template runs."""
    imports = [
        line for line in _IMPORTS[options.imports] if not (options.snippet and line == _NUMPY)
    ]
    uses_tf = STRATEGY_BACKENDS.get(training.distribute or "") == "tensorflow"  # tf.distribute
    uses_tf = uses_tf or any(item.dtype == "string" for item in training.inputs)  # tf.constant
    if uses_tf and not options.snippet:
        imports = sorted([*imports, _TENSORFLOW], key=_import_order)
    summary = (
        one_line(spec.description)
        or f"The {graph.name} model: Keras branches merged into one network."
    )
    variables = model_variables(spec)
    vocabularies = vocabulary_constants(spec, graph, variables)
    return ScriptContext(
        docstring=_module_docstring(summary, options),
        summary=_description_literal(_argparse_text(summary), options.layout),
        imports=tuple(Code(line) for line in imports),
        model_name=literal(graph.name),
        model_title=Code(prose(graph.name)),
        params_line=Code(
            f"Total params: {graph.total_params:,} ({graph.trainable_params:,} trainable,"
            f" {graph.non_trainable_params:,} non-trainable)."
        ),
        input_lines=tuple(
            _input_line(variables[item.name], item.name, item.shape[1:], item.dtype)
            for item in graph.inputs
        ),
        block_functions=tuple(block_functions(spec, graph, options.style, options.layout)),
        constants=tuple(constant_lines(vocabularies)),
        layer_lines=tuple(
            model_lines(spec, graph, options.style, options.layout, variables, vocabularies)
        ),
        normal_like=any(
            isinstance(node.layer_type, ComputeType)
            and node.layer_type.expression is not None
            and node.layer_type.expression.uses_normal_like
            for node in graph.layers
        ),
        model_inputs=_collection(
            spec.inputs_as, {item.name: variables[item.name] for item in graph.inputs}
        ),
        model_outputs=_collection(
            spec.outputs_as, {name: variables[name] for name in graph.outputs}
        ),
        x_value=_x_value(training.inputs, vocabularies, spec.inputs_as),
        y_value=_y_value(training.outputs, spec.outputs_as),
        optimizer=named_code(training.optimizer),
        loss=_per_output(training.outputs, lambda out: named_code(out.loss), spec.outputs_as),
        loss_weights=_loss_weights(training.outputs, spec.outputs_as),
        metrics=_metrics(training.outputs, spec.outputs_as),
        has_data=training.data is not None,
        data_path=literal(training.data),
        expected_shapes=_expected_shapes(graph, training),
        data_x=_named_arrays(
            [item.name for item in training.inputs],
            spec.inputs_as,
            {item.name for item in training.inputs if item.dtype == "string"},
        ),
        data_y=_named_arrays([out.name for out in training.outputs], spec.outputs_as),
        strategy=_strategy(training),
        tensorflow_only=_tensorflow_only(graph),
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


def _description_literal(text: str, layout: Layout) -> Code:
    """argparse's description: one literal when it fits, else one literal per line.

    It sits at `        description=...,` in main(). Pieces are wrapped so that each fills
    its own line inside the parentheses: black never joins them, nor leaves two on one line.
    """
    whole = literal(text)
    if layout.fits(f"    description={whole},"):
        return whole
    inner = layout.line_length - 3 * len(BODY_INDENT)  # inside `description=(`
    if width(whole) <= inner:
        return Code(f"({whole})")
    lines = textwrap.wrap(text, width=inner - 3, break_long_words=False, break_on_hyphens=False)
    pieces = [literal(line + " ") for line in lines[:-1]] + [literal(lines[-1])]
    return Code("(" + " ".join(pieces) + ")")


def _input_line(variable: Code, name: str, shape: tuple[int | None, ...], dtype: str) -> Code:
    keywords = {"shape": literal(shape)}
    if dtype != "float32":
        keywords["dtype"] = literal(dtype)
    keywords["name"] = literal(name)
    return Code(f"{variable} = {call('keras.Input', (), keywords)}")


def _collection(form: IoForm, items: dict[str, Code]) -> Code:
    """The model's inputs or outputs (or their data) in the spec's form: `auto` is one bare
    and several as a dict by name; `list` is a list in order."""
    if form == "list":
        return list_of(items.values())
    if len(items) == 1:
        return fragment(next(iter(items.values())))
    return dict_of(items)


def _batch_shape(shape: tuple[int | None, ...]) -> Code:
    dims = [Code("samples"), *(literal(dim) for dim in shape)]
    return Code(f"({', '.join(dims)},)" if len(dims) == 1 else f"({', '.join(dims)})")


def _input_value(item: InputData, vocabularies: Vocabularies) -> Code:
    size = _batch_shape(item.shape)
    words = vocabularies.get(item.values) or literal(item.values)
    if item.dtype == "string":
        # Keras takes strings as tf.string tensors (NumPy only in 1-D object arrays).
        return Code(f"tf.constant(rng.choice({words}, size={size}))")
    if item.values:
        values = Code(f"np.array({words}, dtype={_NUMPY_INTS.get(item.dtype, 'np.int32')})")
        return Code(f"rng.choice({values}, size={size})")
    if item.dtype in _NUMPY_INTS:
        return Code(
            f"rng.integers(0, {literal(item.high)}, size={size}, dtype={_NUMPY_INTS[item.dtype]})"
        )
    return Code(f"rng.random({size}, dtype=np.float32)")


_NUMPY_INTS = {"int32": "np.int32", "int64": "np.int64"}


def _label_value(out: OutputData) -> Code:
    size = _batch_shape(out.shape)
    if out.label == "classes":
        return Code(f"rng.integers(0, {literal(out.classes)}, size={size})")
    if out.label == "one_hot":
        classes = literal(out.classes)
        index = f"rng.integers(0, {classes}, size={_batch_shape(out.shape[:-1])})"
        return Code(f"np.eye({classes}, dtype=np.float32)[{index}]")
    if out.label == "zeros":
        return Code(f"np.zeros({size}, dtype=np.float32)")
    if out.label == "binary":
        return Code(f"rng.integers(0, 2, size={size}).astype(np.float32)")
    return Code(f"rng.random({size}, dtype=np.float32)")


def _x_value(inputs: tuple[InputData, ...], vocabularies: Vocabularies, form: IoForm) -> Code:
    return _collection(form, {item.name: _input_value(item, vocabularies) for item in inputs})


def _y_value(outputs: tuple[OutputData, ...], form: IoForm) -> Code:
    return _collection(form, {out.name: _label_value(out) for out in outputs})


def _expected_shapes(graph: Graph, training: TrainingPlan) -> Code:
    """Per-example shapes the arrays of an .npz file must have, by name (None: any length)."""
    shapes = {item.name: literal(item.shape[1:]) for item in graph.inputs}
    shapes |= {out.name: literal(out.static_shape) for out in training.outputs}
    return dict_of(shapes)


def _named_arrays(names: list[str], form: IoForm, strings: set[str] | None = None) -> Code:
    """`data[name]` for each array; string arrays become tf.string tensors, as Keras wants."""

    def array(name: str) -> Code:
        code = f"data[{literal(name)}]"
        return Code(f"tf.constant({code})" if name in (strings or set()) else code)

    return _collection(form, {name: array(name) for name in names})


def _tensorflow_only(graph: Graph) -> Code | None:
    needs = tensorflow_only(graph)
    if needs is None:
        return None
    return literal(f"error: {needs.what}")


def _strategy(training: TrainingPlan) -> Code | None:
    if training.distribute is None:
        return None
    return Code(training.distribute)  # one of the spec's Literal values


def _loss_weights(outputs: tuple[OutputData, ...], form: IoForm) -> Code | None:
    if all(out.loss_weight is None for out in outputs):
        return None
    weights = {out.name: literal(out.loss_weight or 1.0) for out in outputs}
    return list_of(weights.values()) if form == "list" else dict_of(weights)


def _metrics(outputs: tuple[OutputData, ...], form: IoForm) -> Code | None:
    if not any(out.metrics for out in outputs):
        return None  # `metrics: []`, or an imported model compiled without metrics
    return _per_output(outputs, lambda out: list_of(map(named_code, out.metrics)), form)


def _per_output(
    outputs: tuple[OutputData, ...], value: Callable[[OutputData], Code], form: IoForm
) -> Code:
    return _collection(form, {out.name: value(out) for out in outputs})
