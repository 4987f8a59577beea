"""Plan: turn a Spec into a checked DAG of layers with known output shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.analysis.arguments import argument_problems, arity_problems
from generator.analysis.calls import (
    call_problems,
    reference_problem,
    spec_outputs,
    split_ref,
    tensor_refs,
    type_of,
    with_flags,
)
from generator.analysis.catalog import CATALOG, LayerType
from generator.analysis.diagnose import merge_problem
from generator.analysis.dtypes import STRING, dtype_kind, output_kind
from generator.analysis.expand import (
    Expanded,
    FlatLayer,
    block_calls,
    expand,
)
from generator.analysis.expressions import NOISE_NAME, compute_type
from generator.analysis.graph import Graph, InputNode, LayerNode
from generator.analysis.inputs import LayerInputs, layer_inputs
from generator.analysis.layers.base import Output, Shape, ShapeError, show_shape
from generator.analysis.layers.merging import MergeError
from generator.analysis.masks import (
    check_masked_query,
    check_step_mask,
    gives_mask,
    scores_mask,
)
from generator.analysis.where import block_layer_index, in_block, located
from generator.display import quoted, show_name
from generator.errors import Problem, SpecError, did_you_mean
from generator.spec.fields import FieldPath, format_path
from generator.spec.model import Spec
from generator.spec.names import keras_name_problem
from generator.spec.values import MAX_INT

# Variable-length dimensions get one of these lengths in the synthetic data:
# the first for which every layer accepts the data (a Reshape may need another).
SYNTHETIC_LENGTHS = (8, 16, 4, 2, 1, *range(3, 65))


def build_graph(spec: Spec, expanded: Expanded | None = None) -> Graph:
    """Check names, references, blocks and arguments, expand blocks, then infer every shape.

    Every independent problem is reported in one run; shapes are inferred only when
    nothing else is wrong, as a bad name or argument would make them noise. `expanded`:
    the spec's expansion made already (the importer's check makes one), else made here.
    """
    taken = layer_inputs(spec)
    problems = [*_name_problems(spec)]
    _reference_problems(spec, taken, problems)
    outputs = _resolve_outputs(spec, problems)
    if expanded is None:
        expanded = expand(spec, taken)
    calls = block_calls(spec)
    problems += expanded.problems
    problems += _flat_name_problems(spec, expanded)
    problems += _noise_name_problems(spec, expanded)
    problems += call_problems(spec)
    problems += argument_problems(spec, expanded, calls)
    problems += arity_problems(spec, expanded, taken, calls)
    if problems:
        raise SpecError(problems)
    graph = _infer(spec, expanded, taken, outputs, calls)
    _check_connected(graph)
    return graph


def _name_problems(spec: Spec) -> Iterable[Problem]:
    named: list[tuple[str, FieldPath]] = [(spec.name, ("name",))]
    named += [(item.name, ("inputs", i, "name")) for i, item in enumerate(spec.inputs)]
    named += [(item.name, ("layers", i, "name")) for i, item in enumerate(spec.layers)]
    first_use: dict[str, FieldPath] = {}
    for name, path in named:
        problem = keras_name_problem(name, model=path == ("name",))
        if problem:
            yield Problem(problem, path)
        elif path != ("name",):
            if name in first_use:
                yield Problem(
                    f"duplicate name {name!r} (first used at {_show_path(first_use[name])})", path
                )
            first_use.setdefault(name, path)


def _flat_name_problems(spec: Spec, expanded: Expanded) -> Iterable[Problem]:
    """Keras wants every name in a model unique, block layers' `<call>_<layer>` names too.

    A shared block call is a sub-model named after its first call: that name is taken too.
    """
    # name -> whether a block call made it; two top-level names are _name_problems' to report
    seen = dict.fromkeys((item.name for item in spec.inputs), False)
    seen |= dict.fromkeys((original for original, _ in expanded.towers.values()), True)
    # A block call's name stands for its output: no block layer may take it.
    seen |= dict.fromkeys(expanded.tower_inputs, True)
    for layer in expanded.layers:
        from_block = bool(layer.origin.chain)
        if layer.name in seen and (from_block or seen[layer.name]):
            yield located(layer, f"the Keras name {quoted(layer.name)} is already taken", "name")
        seen.setdefault(layer.name, from_block)


def layer_type_of(layer: FlatLayer) -> LayerType:
    """The catalog's type of a flat layer, or its compute layer's expression as one."""
    if layer.expression is not None:
        return compute_type(layer.expression)
    return CATALOG[layer.type]


def _noise_name_problems(spec: Spec, expanded: Expanded) -> Iterable[Problem]:
    """Keras names the NormalLike layers of expressions itself: no other layer may take those."""
    if not any(layer.expression and layer.expression.uses_normal_like for layer in expanded.layers):
        return
    for layer in expanded.layers:
        if NOISE_NAME.match(layer.name):
            yield located(
                layer,
                f"{quoted(layer.name)} is how Keras names the layers that normal_like makes"
                " (rename this layer)",
                None if layer.origin.chain else "name",
            )


def _show_path(path: FieldPath) -> str:
    return format_path(path[:-1]) if path[-1] == "name" else format_path(path)


def _reference_problems(spec: Spec, taken: LayerInputs, problems: list[Problem]) -> None:
    """Each top-level layer takes inputs or earlier layers, at least one."""
    names = _Names(spec)
    for i, (layer, refs) in enumerate(zip(spec.layers, taken.model, strict=True)):
        path: FieldPath = ("layers", i, "inputs")
        if layer.inputs is None and i == 0 and len(spec.inputs) > 1:
            problems.append(
                Problem("the first layer must name its inputs when the model has several", path)
            )
        if isinstance(layer.inputs, list | dict) and not refs:
            problems.append(Problem("must name at least one input", path))
        problems.extend(Problem(text, path) for text in _unknown_or_later(spec, names, i, refs))
        for key, call_refs in tensor_refs(layer.call, type_of(layer, spec.layers)).items():
            found = _unknown_or_later(spec, names, i, call_refs)
            problems.extend(Problem(text, ("layers", i, "call", key)) for text in found)


class _Names:
    """The spec's input and layer names, and where each layer is."""

    def __init__(self, spec: Spec) -> None:
        self.inputs = [item.name for item in spec.inputs]
        self.layers = [layer.name for layer in spec.layers]
        self.position = {name: j for j, name in enumerate(self.layers)}
        self.outputs = spec_outputs(spec.layers, spec.blocks)


def _unknown_or_later(spec: Spec, names: _Names, i: int, refs: Sequence[str]) -> Iterable[str]:
    """A reference must name an input or an earlier layer; a later one may close a cycle."""
    input_names, layer_names, position = names.inputs, names.layers, names.position
    name = layer_names[i]
    for full in refs:
        ref = split_ref(full)[0]
        if ref in input_names or (ref in position and position[ref] < i):
            problem = reference_problem(full, names.outputs)
            if problem:
                yield problem
            continue
        if ref not in position:
            yield f"unknown layer {quoted(ref)}{did_you_mean(ref, input_names + layer_names[:i])}"
        elif ref == name:
            yield f"cycle: {quoted(ref)} takes itself as input"
        elif position[ref] > i:
            cycle = _find_cycle(spec, ref, name)
            if cycle:
                yield f"cycle: {' -> '.join(show_name(item) for item in cycle)}"
            else:
                yield (
                    f"layer {quoted(ref)} comes later, at layers[{position[ref]}]"
                    " (layers can only take earlier layers or inputs)"
                )


def _find_cycle(spec: Spec, start: str, target: str) -> list[str]:
    """A path of explicit references from `start` back to `target`, closing a cycle."""
    refs = {
        layer.name: [split_ref(ref)[0] for ref in (*layer.references, *layer.call_references)]
        for layer in spec.layers
    }
    stack: list[tuple[str, list[str]]] = [(start, [target, start])]
    seen: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for ref in refs.get(name, []):
            if ref == target:
                return [*trail, target]
            if ref not in seen:
                seen.add(ref)
                stack.append((ref, [*trail, ref]))
    return []


def _resolve_outputs(spec: Spec, problems: list[Problem]) -> tuple[str, ...]:
    layer_names = [layer.name for layer in spec.layers]
    if spec.outputs is None:
        last = spec_outputs(spec.layers, spec.blocks)[layer_names[-1]]
        if len(last) > 1:
            where: FieldPath = ("layers", len(layer_names) - 1)
            problems.append(Problem(_several(layer_names[-1], last), where))
        return (layer_names[-1],)
    if not spec.outputs:
        problems.append(Problem("must name at least one layer", ("outputs",)))
    input_names = {item.name for item in spec.inputs}
    several = spec_outputs(spec.layers, spec.blocks)
    for i, name in enumerate(spec.outputs):
        path: FieldPath = ("outputs", i)
        if split_ref(name)[1] is not None:
            problems.append(
                Problem(
                    f"a model output is a whole layer; follow {quoted(name)} with a layer"
                    " (e.g. {type: Activation, activation: linear}) and list that",
                    path,
                )
            )
        elif len(several.get(name, ())) > 1:
            problems.append(Problem(_several(name, several[name]), path))
        elif name in input_names:
            problems.append(Problem(f"{quoted(name)} is an input, not a layer", path))
        elif name not in layer_names:
            problems.append(
                Problem(f"unknown layer {quoted(name)}{did_you_mean(name, layer_names)}", path)
            )
        elif name in spec.outputs[:i]:
            problems.append(Problem(f"{quoted(name)} is listed twice", path))
    return tuple(spec.outputs)


def _several(name: str, outputs: Sequence[str]) -> str:
    return (
        f"{quoted(name)} has several outputs ({', '.join(outputs)}), but a model output"
        " is one tensor (follow the one you want with a layer)"
    )


class _Inferred:
    """What inference knows so far: shapes, dtype kinds and outputs by flat name."""

    def __init__(self, spec: Spec) -> None:
        self.shapes: dict[str, Shape] = {item.name: (None, *item.shape) for item in spec.inputs}
        self.kinds: dict[str, str] = {item.name: dtype_kind(item.dtype) for item in spec.inputs}
        self.outs: dict[str, Output] = {}
        self.several: dict[str, tuple[str, ...]] = {}  # layers with several outputs: their names
        self.masked: set[str] = set()  # references that may carry a Keras mask (masks.py)
        self.odd_masked: set[str] = set()  # ...one that is not (batch, steps): attention's


def _infer(
    spec: Spec,
    expanded: Expanded,
    taken: LayerInputs,
    outputs: tuple[str, ...],
    calls: Mapping[str, int],
) -> Graph:
    """Infer every layer's shape, dtype and weights in order, then build the graph."""
    known = _Inferred(spec)
    failures: list[tuple[FlatLayer, str]] = []
    for layer in expanded.layers:
        if any(ref not in known.shapes for ref in _all_refs(layer)):
            continue  # an input failed already; its problem is reported
        tower = layer.origin.chain[0] if layer.origin.chain else None
        if tower in expanded.towers and _tower_problem(expanded, tower, known.shapes) is not None:
            continue  # a tower fed the wrong shapes: one problem for the call, below
        message = _infer_layer(expanded, layer, known)
        if message is not None:
            failures.append((layer, message))
    problems = [
        *_once_per_block(spec, failures, calls),
        *_tower_problems(expanded, known.shapes),
        *_model_call_problems(spec, expanded, known.shapes),
    ]
    if problems:
        raise SpecError(problems)
    return _graph(spec, expanded, taken, outputs, known)


def _infer_layer(expanded: Expanded, layer: FlatLayer, known: _Inferred) -> str | None:
    """Record one layer's output, or say why it cannot be built."""
    layer_type = layer_type_of(layer)
    args = with_flags(layer_type.keras_args(layer.arguments), layer.call)
    shapes = known.shapes
    for ref in _all_refs(layer):
        several = known.several.get(ref)
        if several:  # a block parameter made it several; the spec's checks saw one
            named = "" if layer.origin.chain else f"{_display(expanded, layer.name)}: "
            return f"{named}{reference_problem(ref, {ref: several})}"
    try:
        kinds = [known.kinds[ref] for ref in layer.inputs]
        kind = output_kind(layer.type, args, kinds, layer.inputs)
        out = layer_type.infer(args, [shapes[ref] for ref in layer.inputs])
        masked = any(ref in known.masked for ref in layer.inputs)
        odd = any(ref in known.odd_masked for ref in layer.inputs)
        if layer.inputs:
            check_masked_query(layer.type, shapes[layer.inputs[0]], layer.inputs[0] in known.masked)
            check_step_mask(layer.type, layer.inputs[0], layer.inputs[0] in known.odd_masked)
        if layer_type.call_rule is not None:
            called = {
                key: [shapes[ref] for ref in refs] for key, refs in tensor_refs(layer.call).items()
            }
            for key, refs in tensor_refs(layer.call).items():
                for ref in refs:
                    if known.kinds[ref] == STRING:  # states and masks are numbers
                        raise ShapeError(f"{key} {quoted(ref)} holds strings, not numbers")
            layer_type.call_rule(args, [shapes[ref] for ref in layer.inputs], called)
    except MergeError as error:
        return _merge_message(expanded, layer, args, error, known)
    except ShapeError as error:
        # Named only on failure: _display scans every layer, once per layer would be quadratic.
        named = "" if layer.origin.chain else f"{_display(expanded, layer.name)}: "
        # A wrapper Keras built once skips its inner layer's checks on a later call: say first
        # that the shapes differ from what the weights were built for.
        other = _built_for_other(expanded, layer, shapes, known)
        return f"{other}: {error}" if other else f"{named}{error}"
    if layer.shares is not None and layer.shares in known.outs:
        original = known.outs[layer.shares]
        if (out.trainable, out.non_trainable) != (original.trainable, original.non_trainable):
            return _built_for_other(expanded, layer, shapes, known, differ=True)
        out = Output(out.shape, extra=out.extra)  # shared weights are counted once
    if any(dim is not None and dim > MAX_INT for shape in out.shapes for dim in shape):
        # Flatten multiplies sizes and Concatenate adds them: they must still fit 32 bits.
        message = f"an output dimension is larger than {MAX_INT} (Keras cannot build it)"
        return f"{_display(expanded, layer.name)}: {message}"
    known.outs[layer.name] = out
    names = layer_type.output_names(args)
    gives = gives_mask(layer.type, args, list(tensor_refs(layer.call)), masked)
    query_masked = bool(layer.inputs) and layer.inputs[0] in known.masked
    odd_scores = scores_mask(layer.type, layer.call, query_masked)
    for ref, shape in _record(layer.name, names, out).items():
        shapes[ref], known.kinds[ref] = shape, kind
        if gives:
            known.masked.add(ref)
        if odd or (odd_scores and ref == f"{layer.name}:scores"):
            known.odd_masked.add(ref)
    if len(names) > 1:
        known.several[layer.name] = names
    return None


def _record(name: str, names: Sequence[str], out: Output) -> dict[str, Shape]:
    """The shape of each reference a layer's outputs can be taken by."""
    found = {name: out.shape}  # a bare name of a layer with several: its main output
    if len(names) > 1:
        found |= {
            f"{name}:{output}": shape for output, shape in zip(names, out.shapes, strict=True)
        }
    return found


def _all_refs(layer: FlatLayer) -> tuple[str, ...]:
    """What a flat layer takes: its inputs, then its call's tensors."""
    return (*layer.inputs, *(ref for refs in tensor_refs(layer.call).values() for ref in refs))


def _merge_message(
    expanded: Expanded,
    layer: FlatLayer,
    args: Mapping[str, Any],
    error: MergeError,
    known: _Inferred,
) -> str:
    """Why a merge fails, with the branches that feed it and what would fix them."""
    shapes = known.shapes
    sources = {node: _partial_node(expanded, node, known.outs) for node in layer.inputs}
    branches = [(_display(expanded, ref), shapes[ref], sources[ref]) for ref in layer.inputs]
    display = _display(expanded, layer.name)
    message = merge_problem(display, layer.type, args, error, branches, shapes.__getitem__)
    if layer.origin.chain:  # the context already ends with the layer's name
        message = message.removeprefix(f"{display}: ")
    return message


def _once_per_block(
    spec: Spec, failures: Sequence[tuple[FlatLayer, str]], calls: Mapping[str, int]
) -> list[Problem]:
    """A block layer that fails the same way in every call is one problem, at the block."""
    by_block_layer: dict[tuple[str, str, str], int] = {}
    for layer, message in failures:
        if layer.origin.block is not None:
            key = (layer.origin.block, layer.origin.block_layer or "", message)
            by_block_layer[key] = by_block_layer.get(key, 0) + 1
    problems: list[Problem] = []
    reported: set[tuple[str, str, str]] = set()
    for layer, message in failures:
        block = layer.origin.block
        key = (block or "", layer.origin.block_layer or "", message)
        every_call = block is not None and calls[block] > 1 and by_block_layer[key] == calls[block]
        if not every_call:
            field = "compute" if layer.expression is not None else None
            problems.append(located(layer, message, field))
        elif key not in reported:
            reported.add(key)
            index = block_layer_index(spec, key[0], key[1])
            problems.append(in_block(key[0], index, message, calls[key[0]]))
    return problems


def _graph(
    spec: Spec,
    expanded: Expanded,
    taken: LayerInputs,
    outputs: tuple[str, ...],
    known: _Inferred,
) -> Graph:
    """The checked graph, with the shapes of the synthetic data."""
    data_shapes = _data_shapes(spec, expanded)
    inputs = tuple(
        InputNode(item.name, known.shapes[item.name], data_shapes[item.name], item.dtype)
        for item in spec.inputs
    )
    nodes = tuple(
        LayerNode(
            layer.name,
            layer_type_of(layer),
            layer.inputs,
            _ordered_args(layer_type_of(layer), layer.arguments),
            known.shapes[layer.name],
            data_shapes[layer.name],
            layer.origin,
            known.outs[layer.name].trainable,
            known.outs[layer.name].non_trainable,
            layer.shares,
            dict(layer.call),
            known.several.get(layer.name, ("output",)),
            known.outs[layer.name].shapes,
        )
        for layer in expanded.layers
    )
    spec_inputs = {layer.name: refs for layer, refs in zip(spec.layers, taken.model, strict=True)}
    block_inputs = {
        name: {
            inner.name: refs for inner, refs in zip(block.layers, taken.blocks[name], strict=True)
        }
        for name, block in spec.blocks.items()
    }
    return Graph(
        spec.name, inputs, nodes, outputs, dict(expanded.aliases), spec_inputs, block_inputs
    )


def _display(expanded: Expanded, name: str) -> str:
    """How a flat layer is named in messages: its block-local name inside a block."""
    for layer in expanded.layers:
        if layer.name == name and layer.origin.block_layer is not None:
            return layer.origin.block_layer
    return name


def _built_for_other(
    expanded: Expanded,
    layer: FlatLayer,
    shapes: Mapping[str, Shape],
    known: _Inferred,
    differ: bool = False,
) -> str:
    """Why a shared layer's call does not fit its weights ("" where its input shapes match)."""
    if layer.shares is None or layer.shares not in known.outs:
        return ""
    built = _input_shapes(expanded, layer.shares, shapes)
    gets = ", ".join(show_shape(shapes[ref]) for ref in layer.inputs)
    if built == gets and not differ:
        return ""
    shares = f"{layer.name} shares the weights of {layer.shares}"
    return f"{shares}, which were built for {built}, but gets {gets}"


def _input_shapes(expanded: Expanded, name: str, shapes: Mapping[str, Shape]) -> str:
    layer = next(item for item in expanded.layers if item.name == name)
    return ", ".join(show_shape(shapes[ref]) for ref in layer.inputs)


def _tower_problems(expanded: Expanded, shapes: Mapping[str, Shape]) -> list[Problem]:
    """A shared block is one sub-model: every call must feed it the shapes it was built for."""
    found = [_tower_problem(expanded, tower, shapes) for tower in expanded.towers]
    return [problem for problem in found if problem is not None]


def _tower_problem(expanded: Expanded, tower: str, shapes: Mapping[str, Shape]) -> Problem | None:
    original, path = expanded.towers[tower]
    first = expanded.tower_inputs[original]
    again = expanded.tower_inputs[tower]
    if any(ref not in shapes for ref in (*first, *again)):
        return None
    pairs = [(shapes[a], shapes[b]) for a, b in zip(first, again, strict=True)]
    if all(_fits_input(built, given) for built, given in pairs):
        return None
    built_text = ", ".join(show_shape(built) for built, _ in pairs)
    given_text = ", ".join(show_shape(given) for _, given in pairs)
    message = (
        f"{tower} shares the block instance {original}, built for {built_text},"
        f" but gets {given_text}"
    )
    if all(_only_lengths_open(built, given) for built, given in pairs):
        # Keras would build it and run it only when the length happens to match.
        message += ": a variable length where the tower takes a fixed one (fix that length)"
    return Problem(message, (*path, "inputs"))


def _model_call_problems(
    spec: Spec, expanded: Expanded, shapes: Mapping[str, Shape]
) -> Iterable[Problem]:
    """A model block's build function makes its Inputs once: every call feeds those shapes."""
    first: dict[str, tuple[str, list[Shape]]] = {}
    for i, layer in enumerate(spec.layers):
        block = spec.blocks.get(layer.block or "")
        refs = expanded.tower_inputs.get(layer.name, ())
        if block is None or not block.model or any(ref not in shapes for ref in refs):
            continue
        given = [shapes[ref] for ref in refs]
        if layer.block not in first:
            first[layer.block or ""] = (layer.name, given)
            continue
        original, built = first[layer.block or ""]
        if not all(_fits_input(a, b) for a, b in zip(built, given, strict=True)):
            yield Problem(
                f"block {quoted(layer.block)} is a model built for"
                f" {', '.join(show_shape(shape) for shape in built)} (its call {quoted(original)}),"
                f" but this call gives {', '.join(show_shape(shape) for shape in given)}",
                ("layers", i, "inputs"),
            )


def _only_lengths_open(built: Shape, given: Shape) -> bool:
    """The shapes differ only where the call leaves a size open that the tower fixes."""
    return len(built) == len(given) and all(
        a == b or (b is None and a is not None) or a is None
        for a, b in zip(built, given, strict=True)
    )


def _fits_input(built: Shape, given: Shape) -> bool:
    """A sub-model's input takes a tensor of its rank whose sizes match where it fixes them."""
    if len(built) != len(given):
        return False
    return all(a is None or a == b for a, b in zip(built, given, strict=True))


def _ordered_args(layer_type: LayerType, given: Mapping[str, Any]) -> dict[str, Any]:
    return {name: given[name] for name in layer_type.args if name in given}


def _partial_node(expanded: Expanded, name: str, outs: Mapping[str, Output]) -> LayerNode | None:
    """The layer that produced `name`, for merge diagnostics (None for an input)."""
    for layer in expanded.layers:
        if layer.name == name and name in outs:
            layer_type = layer_type_of(layer)
            out = outs[name]
            args = _ordered_args(layer_type, layer.arguments)
            return LayerNode(
                name, layer_type, layer.inputs, args, out.shape, out.shape, layer.origin
            )
    return None


def _data_shapes(spec: Spec, expanded: Expanded) -> dict[str, Shape]:
    """Concrete shapes of the synthetic data, trying lengths for the variable dimensions."""
    if not any(None in item.shape for item in spec.inputs):
        lengths: Sequence[int] = SYNTHETIC_LENGTHS[:1]
    else:
        lengths = SYNTHETIC_LENGTHS
    for length in lengths:
        shapes: dict[str, Shape] = {
            item.name: (None, *(length if d is None else d for d in item.shape))
            for item in spec.inputs
        }
        try:
            for layer in expanded.layers:
                layer_type = layer_type_of(layer)
                args = with_flags(layer_type.keras_args(layer.arguments), layer.call)
                out = layer_type.infer(args, [shapes[r] for r in layer.inputs])
                if layer_type.call_rule is not None:  # masks and states must fit this length too
                    called = {
                        key: [shapes[ref] for ref in refs]
                        for key, refs in tensor_refs(layer.call).items()
                    }
                    layer_type.call_rule(args, [shapes[r] for r in layer.inputs], called)
                shapes |= _record(layer.name, layer_type.output_names(args), out)
        except ShapeError:
            continue
        return shapes
    raise SpecError.single(
        f"no length up to {max(lengths)} for the variable-length inputs fits every layer,"
        " so the script cannot make synthetic data (give the inputs fixed lengths)",
        ("inputs",),
    )


def _check_connected(graph: Graph) -> None:
    """Every input and layer must lead to an output, as Keras would drop it silently."""
    used: set[str] = set()
    pending = [graph.resolve(name) for name in graph.outputs]
    # A model block's keras.Model computes every layer it returns, used later or not.
    pending += [graph.resolve(name) for name in graph.aliases if split_ref(name)[1] is not None]
    by_name = {node.name: node for node in graph.layers}
    while pending:
        name = pending.pop()
        if name in used:
            continue
        used.add(name)
        if name in by_name:
            pending.extend(split_ref(ref)[0] for ref in by_name[name].takes)
    problems = [
        Problem(f"input {item.name!r} does not reach any output", ("inputs", i, "name"))
        for i, item in enumerate(graph.inputs)
        if item.name not in used
    ]
    reported: set[FieldPath | str] = set()
    for node in graph.layers:
        if node.name in used:
            continue
        key = node.origin.context or node.path
        if key in reported:
            continue
        reported.add(key)
        if node.origin.block is not None:
            problems.append(
                Problem(
                    f"layer {node.origin.block_layer!r} of block {node.origin.block!r}"
                    " does not reach the block's output (use it or remove it)",
                    ("blocks", node.origin.block),
                )
            )
        else:
            problems.append(
                Problem(
                    f"layer {node.name!r} does not reach any output"
                    " (use it as an input of a later layer, list it in `outputs`, or remove it)",
                    node.path,
                )
            )
    if problems:
        raise SpecError(problems)
