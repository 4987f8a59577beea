"""Plan: turn a Spec into a checked DAG of layers with known output shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.analysis.catalog import CATALOG, LayerType
from generator.analysis.diagnose import merge_problem
from generator.analysis.dtypes import dtype_kind, output_kind
from generator.analysis.expand import Expanded, FlatLayer, expand
from generator.analysis.expressions import NOISE_NAME, compute_type
from generator.analysis.graph import Graph, InputNode, LayerNode
from generator.analysis.layers.base import Output, Shape, ShapeError, show
from generator.analysis.layers.merging import MergeError
from generator.display import quoted, show_name
from generator.errors import Problem, SpecError, close_matches, did_you_mean
from generator.spec.fields import FieldPath, format_path
from generator.spec.model import LayerSpec, Spec
from generator.spec.names import identifier_problem
from generator.spec.values import MAX_INT

# Variable-length dimensions get one of these lengths in the synthetic data:
# the first for which every layer accepts the data (a Reshape may need another).
SYNTHETIC_LENGTHS = (8, 16, 4, 2, 1, *range(3, 65))


def build_graph(spec: Spec) -> Graph:
    """Check names, references and blocks, expand them, then infer every shape."""
    problems = [*_name_problems(spec)]
    _resolve_inputs(spec, problems)
    outputs = _resolve_outputs(spec, problems)
    if problems:
        raise SpecError(problems)
    expanded = expand(spec)
    problems = [
        *_noise_name_problems(spec, expanded),
        *_argument_problems(expanded.layers),
        *_arity_problems(expanded.layers),
        *_computed_output_problems(spec, outputs),
    ]
    if problems:
        raise SpecError(problems)
    graph = _infer(spec, expanded, outputs)
    _check_connected(graph)
    return graph


def located(layer: FlatLayer, message: str, field_name: str | None = None) -> Problem:
    """A problem at a flat layer: at its spec field, or inside a block with the chain of calls."""
    origin = layer.origin
    if origin.chain:
        detail = f"{field_name}: {message}" if field_name else message
        return Problem(detail, origin.path, context=origin.context)
    return Problem(message, (*origin.path, field_name) if field_name else origin.path)


def _name_problems(spec: Spec) -> Iterable[Problem]:
    named: list[tuple[str, FieldPath]] = [(spec.name, ("name",))]
    named += [(item.name, ("inputs", i, "name")) for i, item in enumerate(spec.inputs)]
    named += [(item.name, ("layers", i, "name")) for i, item in enumerate(spec.layers)]
    first_use: dict[str, FieldPath] = {}
    for name, path in named:
        problem = identifier_problem(name)
        if problem:
            yield Problem(problem, path)
        elif path != ("name",):
            if name in first_use:
                yield Problem(
                    f"duplicate name {name!r} (first used at {_show_path(first_use[name])})", path
                )
            first_use.setdefault(name, path)


def _show_path(path: FieldPath) -> str:
    return format_path(path[:-1]) if path[-1] == "name" else format_path(path)


def layer_type_of(layer: FlatLayer) -> LayerType:
    """The catalog's type of a flat layer, or its compute layer's expression as one."""
    if layer.expression is not None:
        return compute_type(layer.expression)
    return CATALOG[layer.type]


def _computed_output_problems(spec: Spec, outputs: tuple[str, ...]) -> Iterable[Problem]:
    """Keras names an output after its last operation, so an expression cannot be one."""
    for i, layer in enumerate(spec.layers):
        if layer.compute is not None and layer.name in outputs:
            where: FieldPath = ("outputs", outputs.index(layer.name))
            yield Problem(
                f"{quoted(layer.name)} is an expression, which cannot be a model output (Keras"
                " would name the output after its last operation; follow it with a layer,"
                " e.g. {type: Activation, activation: linear})",
                where if spec.outputs is not None else ("layers", i, "compute"),
            )


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


def _argument_problems(layers: Sequence[FlatLayer]) -> Iterable[Problem]:
    for layer in layers:
        if layer.shares is not None or layer.expression is not None:
            continue  # its arguments were checked where the shared layer is defined
        layer_type = CATALOG.get(layer.type)
        if layer_type is None:
            hint = did_you_mean(layer.type, list(CATALOG)) or " (see the README's layer table)"
            yield located(layer, f"unknown layer type {quoted(layer.type)}{hint}", "type")
            continue
        for field_name, message in _layer_argument_problems(layer_type, layer.arguments, ()):
            yield located(layer, message, field_name)


def _layer_argument_problems(
    layer_type: LayerType, given: Mapping[str, Any], prefix: tuple[str, ...]
) -> Iterable[tuple[str, str]]:
    """(field, message) for each argument problem; nested layers get dotted fields."""
    misspelled: set[str] = set()
    for arg_name, value in given.items():
        field_name = ".".join((*prefix, arg_name))
        arg = layer_type.args.get(arg_name)
        if arg is None:
            allowed = ", ".join(["name", "type", "inputs", *layer_type.args])
            hint = did_you_mean(arg_name, list(layer_type.args))
            misspelled.update(close_matches(arg_name, list(layer_type.args)))
            yield (
                field_name,
                f"unknown argument {quoted(arg_name)} for {layer_type.name}{hint}"
                f" (allowed: {allowed})",
            )
            continue
        problem = arg.kind.problem(value)
        if problem:
            yield field_name, problem
        elif arg.wraps:
            nested = CATALOG[value["type"]]
            arguments = {key: item for key, item in value.items() if key != "type"}
            yield from _layer_argument_problems(nested, arguments, (*prefix, arg_name))
    for arg_name, arg in layer_type.args.items():
        if arg.required and arg_name not in given and arg_name not in misspelled:
            yield ".".join((*prefix, arg_name)), f"{layer_type.name} needs {arg_name!r}"


def _arity_problems(layers: Sequence[FlatLayer]) -> Iterable[Problem]:
    """Merging layers take two or more inputs (Subtract and Dot exactly two); others one."""
    for layer in layers:
        layer_type = CATALOG.get(layer.type)
        refs = layer.inputs
        if layer.expression is not None:  # any number of inputs, each once
            if len(set(refs)) != len(refs):
                yield located(layer, "names the same input twice", "inputs")
            continue
        if layer_type is None or not refs:
            continue  # an unknown type is reported by the argument checks
        if len(set(refs)) != len(refs):
            yield located(layer, "names the same input twice", "inputs")
        if layer_type.is_merge and len(refs) < 2:
            yield located(
                layer, f"{layer_type.name} merges two or more inputs, got {len(refs)}", "inputs"
            )
        if layer_type.max_inputs is not None and len(refs) > layer_type.max_inputs:
            yield located(
                layer,
                f"{layer_type.name} takes exactly {layer_type.max_inputs} inputs,"
                f" got {len(refs)}{_TOO_MANY_HINTS.get(layer_type.name, '')}",
                "inputs",
            )
        if not layer_type.is_merge and len(refs) > 1:
            yield located(
                layer,
                f"{layer_type.name} takes one input, got {len(refs)}"
                " (merge them first, e.g. with a Concatenate layer)",
                "inputs",
            )
        if layer.shares is not None and layer_type.is_merge and not layer.origin.chain:
            yield located(layer, "merging layers have no weights to share; use a new one", "share")


def _referenced(layer: LayerSpec) -> list[str]:
    return layer.references


def _resolve_inputs(spec: Spec, problems: list[Problem]) -> list[tuple[str, ...]]:
    input_names = [item.name for item in spec.inputs]
    layer_names = [layer.name for layer in spec.layers]
    position = {name: i for i, name in enumerate(layer_names)}
    edges: list[tuple[str, ...]] = []
    for i, layer in enumerate(spec.layers):
        path: FieldPath = ("layers", i, "inputs")
        refs = _referenced(layer)
        if layer.inputs is None:
            if i > 0:
                refs = [layer_names[i - 1]]
            elif len(input_names) == 1:
                refs = [input_names[0]]
            else:
                problems.append(
                    Problem("the first layer must name its inputs when the model has several", path)
                )
        edges.append(tuple(refs))
        if isinstance(layer.inputs, list | dict) and not refs:
            problems.append(Problem("must name at least one input", path))
        for ref in refs:
            if ref in input_names:
                continue
            if ref not in position:
                hint = did_you_mean(ref, input_names + layer_names[:i])
                problems.append(Problem(f"unknown layer {quoted(ref)}{hint}", path))
            elif ref == layer.name:
                problems.append(Problem(f"cycle: {quoted(ref)} takes itself as input", path))
            elif position[ref] > i:
                cycle = _find_cycle(spec, ref, layer.name)
                if cycle:
                    problems.append(
                        Problem(f"cycle: {' -> '.join(show_name(name) for name in cycle)}", path)
                    )
                else:
                    problems.append(
                        Problem(
                            f"layer {quoted(ref)} comes later, at layers[{position[ref]}]"
                            " (layers can only take earlier layers or inputs)",
                            path,
                        )
                    )
    return edges


_TOO_MANY_HINTS = {
    "Subtract": " (subtract in two steps, or Add the branches you want to sum first)",
    "Dot": " (take the Dot of two inputs at a time)",
}


def _find_cycle(spec: Spec, start: str, target: str) -> list[str]:
    """A path of explicit references from `start` back to `target`, closing a cycle."""
    refs = {layer.name: _referenced(layer) for layer in spec.layers}
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
        return (layer_names[-1],)
    if not spec.outputs:
        problems.append(Problem("must name at least one layer", ("outputs",)))
    input_names = {item.name for item in spec.inputs}
    for i, name in enumerate(spec.outputs):
        path: FieldPath = ("outputs", i)
        if name in input_names:
            problems.append(Problem(f"{quoted(name)} is an input, not a layer", path))
        elif name not in layer_names:
            problems.append(
                Problem(f"unknown layer {quoted(name)}{did_you_mean(name, layer_names)}", path)
            )
        elif name in spec.outputs[:i]:
            problems.append(Problem(f"{quoted(name)} is listed twice", path))
    return tuple(spec.outputs)


def _infer(spec: Spec, expanded: Expanded, outputs: tuple[str, ...]) -> Graph:
    shapes: dict[str, Shape] = {item.name: (None, *item.shape) for item in spec.inputs}
    kinds: dict[str, str] = {item.name: dtype_kind(item.dtype) for item in spec.inputs}
    outs: dict[str, Output] = {}
    problems: list[Problem] = []
    for layer in expanded.layers:
        layer_type = layer_type_of(layer)
        args = _ordered_args(layer_type, layer.arguments)
        if any(ref not in shapes for ref in layer.inputs):
            continue  # an input failed already; its problem is reported
        tower = layer.origin.chain[0] if layer.origin.chain else None
        if tower in expanded.towers and _tower_problem(expanded, tower, shapes) is not None:
            continue  # a tower fed the wrong shapes: one problem for the call, below
        try:
            kind = output_kind(layer.type, args, [kinds[ref] for ref in layer.inputs])
            out = layer_type.infer(args, [shapes[ref] for ref in layer.inputs])
        except MergeError as error:
            sources = {node: _partial_node(expanded, node, outs) for node in layer.inputs}
            branches = [
                (_display(expanded, ref), shapes[ref], sources[ref]) for ref in layer.inputs
            ]
            display = _display(expanded, layer.name)
            message = merge_problem(display, layer.type, args, error, branches, shapes.__getitem__)
            if layer.origin.chain:  # the context already ends with the layer's name
                message = message.removeprefix(f"{display}: ")
            problems.append(located(layer, message))
            continue
        except ShapeError as error:
            named = "" if layer.origin.chain else f"{_display(expanded, layer.name)}: "
            field_name = "compute" if layer.expression is not None else None
            problems.append(located(layer, f"{named}{error}", field_name))
            continue
        if layer.shares is not None and layer.shares in outs:
            original = outs[layer.shares]
            if (out.trainable, out.non_trainable) != (original.trainable, original.non_trainable):
                problems.append(
                    located(
                        layer,
                        f"{layer.name} shares the weights of {layer.shares}, which were built for"
                        f" {_input_shapes(expanded, layer.shares, shapes)}, but gets"
                        f" {', '.join(show(shapes[ref]) for ref in layer.inputs)}",
                    )
                )
                continue
            out = Output(out.shape)  # shared weights are counted once, where they are made
        if any(dim is not None and dim > MAX_INT for dim in out.shape):
            # Flatten multiplies sizes and Concatenate adds them: they must still fit 32 bits.
            message = f"an output dimension is larger than {MAX_INT} (Keras cannot build it)"
            problems.append(located(layer, f"{_display(expanded, layer.name)}: {message}"))
            continue
        shapes[layer.name], outs[layer.name], kinds[layer.name] = out.shape, out, kind
    problems += _tower_problems(expanded, shapes)
    if problems:
        raise SpecError(problems)
    data_shapes = _data_shapes(spec, expanded)
    inputs = tuple(
        InputNode(item.name, shapes[item.name], data_shapes[item.name], item.dtype)
        for item in spec.inputs
    )
    nodes = tuple(
        LayerNode(
            layer.name,
            layer_type_of(layer),
            layer.inputs,
            _ordered_args(layer_type_of(layer), layer.arguments),
            shapes[layer.name],
            data_shapes[layer.name],
            layer.origin,
            outs[layer.name].trainable,
            outs[layer.name].non_trainable,
            layer.shares,
        )
        for layer in expanded.layers
    )
    return Graph(spec.name, inputs, nodes, outputs, dict(expanded.aliases))


def _display(expanded: Expanded, name: str) -> str:
    """How a flat layer is named in messages: its block-local name inside a block."""
    for layer in expanded.layers:
        if layer.name == name and layer.origin.block_layer is not None:
            return layer.origin.block_layer
    return name


def _input_shapes(expanded: Expanded, name: str, shapes: Mapping[str, Shape]) -> str:
    layer = next(item for item in expanded.layers if item.name == name)
    return ", ".join(show(shapes[ref]) for ref in layer.inputs)


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
    built_text = ", ".join(show(built) for built, _ in pairs)
    given_text = ", ".join(show(given) for _, given in pairs)
    message = (
        f"{tower} shares the block instance {original}, built for {built_text},"
        f" but gets {given_text}"
    )
    if all(_only_lengths_open(built, given) for built, given in pairs):
        # Keras would build it and run it only when the length happens to match.
        message += ": a variable length where the tower takes a fixed one (fix that length)"
    return Problem(message, (*path, "inputs"))


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
                args = _ordered_args(layer_type, layer.arguments)
                shapes[layer.name] = layer_type.infer(args, [shapes[r] for r in layer.inputs]).shape
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
    by_name = {node.name: node for node in graph.layers}
    while pending:
        name = pending.pop()
        if name in used:
            continue
        used.add(name)
        if name in by_name:
            pending.extend(by_name[name].inputs)
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
