"""Plan: turn a Spec into a checked DAG of layers with known output shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.catalog import CATALOG, LayerType
from generator.display import quoted, show_name
from generator.errors import Problem, SpecError, close_matches, did_you_mean
from generator.names import identifier_problem
from generator.paths import FieldPath, format_path
from generator.shapes import Shape, ShapeError
from generator.spec import LayerSpec, Spec
from generator.values import MAX_INT

# Variable-length dimensions get this length in the synthetic data.
SYNTHETIC_LENGTH = 8


@dataclass(frozen=True)
class InputNode:
    """A `keras.Input`."""

    name: str
    shape: Shape  # with the batch dimension
    data_shape: Shape  # unknown lengths replaced by SYNTHETIC_LENGTH
    dtype: str


@dataclass(frozen=True)
class LayerNode:
    """One layer call in the generated `build_model()`."""

    name: str
    layer_type: LayerType
    inputs: tuple[str, ...]
    args: Mapping[str, Any]  # in catalog order
    shape: Shape
    data_shape: Shape
    path: FieldPath


@dataclass(frozen=True)
class Graph:
    """The checked model graph, layers in spec order."""

    name: str
    inputs: tuple[InputNode, ...]
    layers: tuple[LayerNode, ...]
    outputs: tuple[str, ...]

    def layer(self, name: str) -> LayerNode:
        """The layer called `name`."""
        return next(node for node in self.layers if node.name == name)

    def consumers(self, name: str) -> list[LayerNode]:
        """Layers that take `name` as an input."""
        return [node for node in self.layers if name in node.inputs]


def build_graph(spec: Spec) -> Graph:
    """Check names, types, arguments and references, then infer every shape."""
    problems = [*_name_problems(spec), *_argument_problems(spec)]
    edges = _resolve_inputs(spec, problems)
    outputs = _resolve_outputs(spec, problems)
    if problems:
        raise SpecError(problems)
    graph = _infer(spec, edges, outputs)
    _check_connected(spec, graph)
    return graph


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


def _argument_problems(spec: Spec) -> Iterable[Problem]:
    for i, layer in enumerate(spec.layers):
        path: FieldPath = ("layers", i)
        layer_type = CATALOG.get(layer.type)
        if layer_type is None:
            hint = did_you_mean(layer.type, list(CATALOG)) or " (see `mergegen validate --help`)"
            yield Problem(f"unknown layer type {quoted(layer.type)}{hint}", (*path, "type"))
            continue
        given = layer.arguments
        misspelled: set[str] = set()
        for arg_name, value in given.items():
            arg = layer_type.args.get(arg_name)
            if arg is None:
                allowed = ", ".join(["name", "type", "inputs", *layer_type.args])
                hint = did_you_mean(arg_name, list(layer_type.args))
                misspelled.update(close_matches(arg_name, list(layer_type.args)))
                yield Problem(
                    f"unknown argument {quoted(arg_name)} for {layer_type.name}{hint}"
                    f" (allowed: {allowed})",
                    (*path, arg_name),
                )
                continue
            problem = arg.kind.problem(value)
            if problem:
                yield Problem(problem, (*path, arg_name))
        for arg_name, arg in layer_type.args.items():
            if arg.required and arg_name not in given and arg_name not in misspelled:
                yield Problem(f"{layer_type.name} needs {arg_name!r}", (*path, arg_name))


def _referenced(layer: LayerSpec) -> list[str]:
    if layer.inputs is None:
        return []
    return [layer.inputs] if isinstance(layer.inputs, str) else list(layer.inputs)


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
        if isinstance(layer.inputs, list) and not refs:
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
        layer_type = CATALOG.get(layer.type)
        if layer_type is None or not refs:
            continue
        if len(set(refs)) != len(refs):
            problems.append(Problem("names the same input twice", path))
        if layer_type.is_merge and len(refs) < 2:
            problems.append(
                Problem(f"{layer_type.name} merges two or more inputs, got {len(refs)}", path)
            )
        if not layer_type.is_merge and len(refs) > 1:
            problems.append(
                Problem(
                    f"{layer_type.name} takes one input, got {len(refs)}"
                    " (merge them first, e.g. with a Concatenate layer)",
                    path,
                )
            )
    return edges


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


def _infer(spec: Spec, edges: Sequence[tuple[str, ...]], outputs: tuple[str, ...]) -> Graph:
    shapes: dict[str, Shape] = {}
    data_shapes: dict[str, Shape] = {}
    inputs = []
    for item in spec.inputs:
        shape: Shape = (None, *item.shape)
        data_shape: Shape = (None, *(SYNTHETIC_LENGTH if d is None else d for d in item.shape))
        shapes[item.name], data_shapes[item.name] = shape, data_shape
        inputs.append(InputNode(item.name, shape, data_shape, item.dtype))
    nodes = []
    problems = []
    for i, (layer, refs) in enumerate(zip(spec.layers, edges, strict=True)):
        layer_type = CATALOG[layer.type]
        given = layer.arguments
        args = {name: given[name] for name in layer_type.args if name in given}
        path: FieldPath = ("layers", i)
        if any(ref not in shapes for ref in refs):
            continue  # an input failed already; its problem is reported
        try:
            shape = layer_type.infer_shape(args, [shapes[ref] for ref in refs])
            data_shape = layer_type.infer_shape(args, [data_shapes[ref] for ref in refs])
        except ShapeError as error:
            problems.append(Problem(f"{layer.name}: {error}", path))
            continue
        if any(dim is not None and dim > MAX_INT for dim in (*shape, *data_shape)):
            # Flatten multiplies sizes and Concatenate adds them: they must still fit 32 bits.
            message = f"an output dimension is larger than {MAX_INT} (Keras cannot build it)"
            problems.append(Problem(f"{layer.name}: {message}", path))
            continue
        shapes[layer.name], data_shapes[layer.name] = shape, data_shape
        nodes.append(LayerNode(layer.name, layer_type, refs, args, shape, data_shape, path))
    if problems:
        raise SpecError(problems)
    return Graph(spec.name, tuple(inputs), tuple(nodes), outputs)


def _check_connected(spec: Spec, graph: Graph) -> None:
    """Every input and layer must lead to an output, as Keras would drop it silently."""
    used: set[str] = set()
    pending = list(graph.outputs)
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
    problems += [
        Problem(
            f"layer {node.name!r} does not reach any output"
            " (use it as an input of a later layer, list it in `outputs`, or remove it)",
            node.path,
        )
        for node in graph.layers
        if node.name not in used
    ]
    if problems:
        raise SpecError(problems)
