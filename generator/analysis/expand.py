"""Expand: blocks, block instances and shared layers become one flat list of layer calls.

Static inference runs on the flat list; the names inside a block instance are
prefixed with the instance name, exactly as the generated block function names
its Keras layers. Each flat layer remembers where it came from, for messages
and for rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.analysis.arithmetic import (
    PARAM,
    ExpressionError,
    is_expression,
    parameters_in,
    parse,
)
from generator.analysis.expressions import (
    COMPUTE,
    TensorExpression,
    bound_names,
    local_name_problem,
)
from generator.analysis.expressions import parse as parse_compute
from generator.display import show
from generator.errors import Problem, SpecError, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.model import BlockSpec, LayerSpec, Spec
from generator.spec.names import MAX_NAME_LENGTH, identifier_problem

MAX_BLOCK_DEPTH = 8
BLOCK_RESERVED = frozenset({"name"})  # the block function's own parameter


@dataclass(frozen=True)
class Origin:
    """A flat layer's place in the spec: the top-level layer, and the block layer inside it."""

    path: FieldPath  # the top-level layer (problems point here)
    chain: tuple[str, ...] = ()  # instance names, outermost first
    block: str | None = None  # the block whose layer this is
    block_layer: str | None = None
    chain_blocks: tuple[str, ...] = ()  # the block each call of `chain` instantiates

    @property
    def context(self) -> str:
        """`(inception_3b) -> branch_5x5`, or '' at the top level."""
        if not self.chain:
            return ""
        return f"({' -> '.join(self.chain)}) -> {self.block_layer}"


@dataclass(frozen=True)
class FlatLayer:
    """One layer call of the model, with every block parameter filled in."""

    name: str  # the Keras layer name, unique in the model
    type: str
    inputs: tuple[str, ...]
    arguments: Mapping[str, Any]
    origin: Origin
    shares: str | None = None  # flat name of the layer whose weights this call reuses
    expression: TensorExpression | None = None  # a compute layer's, over `inputs` in order


@dataclass
class Expanded:
    """The flat model, with the names that stand for block outputs."""

    layers: list[FlatLayer] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # instance -> its output layer
    problems: list[Problem] = field(default_factory=list)
    tower_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # top-level instances
    towers: dict[str, tuple[str, FieldPath]] = field(default_factory=dict)  # sharer -> original

    def resolve(self, name: str) -> str:
        """The flat layer a name stands for."""
        while name in self.aliases:
            name = self.aliases[name]
        return name


def expand(spec: Spec) -> Expanded:
    """Flatten block instances and shared applications; check blocks and their arguments."""
    expanded = Expanded()
    expanded.problems.extend(_block_definition_problems(spec))
    if expanded.problems:
        raise SpecError(expanded.problems)
    top_names = {layer.name: layer for layer in spec.layers}
    previous = spec.inputs[0].name
    for i, layer in enumerate(spec.layers):
        path: FieldPath = ("layers", i)
        refs = [expanded.resolve(ref) for ref in layer.references or [previous]]
        previous_name, previous = previous, layer.name
        kinds = [key for key in _KINDS if getattr(layer, key) is not None]
        if len(kinds) != 1:
            given = " and ".join(kinds) if kinds else "none"
            expanded.problems.append(
                Problem(
                    f"a layer needs exactly one of type, block, share or compute (got {given})",
                    path,
                )
            )
            continue
        if isinstance(layer.inputs, dict) and layer.compute is None:
            expanded.problems.append(
                Problem(
                    "only a compute layer maps local names to its inputs; list them instead",
                    (*path, "inputs"),
                )
            )
        elif layer.compute is not None:
            _compute(expanded, layer, refs, previous_name, path)
        elif layer.type is not None:
            expanded.layers.append(
                FlatLayer(layer.name, layer.type, tuple(refs), layer.arguments, Origin(path))
            )
        elif layer.block is not None:
            expanded.tower_inputs[layer.name] = tuple(refs)
            _instance(spec, expanded, layer, layer.name, refs, Origin(path, (layer.name,)), None)
        else:
            _shared(spec, expanded, layer, top_names, refs, path)
    if expanded.problems:
        raise SpecError(expanded.problems)
    return expanded


_KINDS = ("type", "block", "share", "compute")


def _compute(
    expanded: Expanded, layer: LayerSpec, refs: list[str], previous: str, path: FieldPath
) -> None:
    """A compute layer: its local names checked, its expression parsed against them."""
    if layer.arguments:
        extra = next(iter(layer.arguments))
        expanded.problems.append(
            Problem(
                f"unknown field {extra!r} for a compute layer (it takes name, compute, inputs)",
                (*path, extra),
            )
        )
        return
    bound = bound_names(layer.inputs) or [(previous, previous)]
    for local, _ in bound:
        problem = local_name_problem(local)
        if problem:
            expanded.problems.append(Problem(problem, (*path, "inputs")))
            return
    try:
        expression = parse_compute(layer.compute or "", [local for local, _ in bound])
    except ExpressionError as error:
        expanded.problems.append(Problem(str(error), (*path, "compute")))
        return
    flat = FlatLayer(layer.name, COMPUTE, tuple(refs), {}, Origin(path), expression=expression)
    expanded.layers.append(flat)


def _shared(
    spec: Spec,
    expanded: Expanded,
    layer: LayerSpec,
    top_names: Mapping[str, LayerSpec],
    refs: list[str],
    path: FieldPath,
) -> None:
    target = top_names.get(layer.share or "")
    position = int(path[1])
    earlier = [item.name for item in spec.layers[:position]]
    if target is None or target.name not in earlier:
        hint = did_you_mean(layer.share or "", earlier)
        expanded.problems.append(
            Problem(f"{layer.share!r} is not an earlier layer{hint}", (*path, "share"))
        )
        return
    if layer.arguments:
        expanded.problems.append(
            Problem(
                "a shared layer reuses the other layer's arguments; remove "
                + ", ".join(repr(key) for key in layer.arguments),
                (*path, next(iter(layer.arguments))),
            )
        )
        return
    if target.share is not None:
        expanded.problems.append(
            Problem(
                f"share the original layer {target.share!r}, not a copy of it", (*path, "share")
            )
        )
        return
    if target.compute is not None:
        expanded.problems.append(
            Problem(
                f"{target.name!r} is a compute layer: it has no weights to share"
                " (write its expression again)",
                (*path, "share"),
            )
        )
        return
    if target.type is not None:
        expanded.layers.append(
            FlatLayer(
                layer.name, target.type, tuple(refs), target.arguments, Origin(path), target.name
            )
        )
        return
    expanded.tower_inputs[layer.name] = tuple(refs)
    expanded.towers[layer.name] = (target.name, path)
    _instance(spec, expanded, target, layer.name, refs, Origin(path, (layer.name,)), target.name)


def _instance(
    spec: Spec,
    expanded: Expanded,
    layer: LayerSpec,
    prefix: str,
    refs: list[str],
    origin: Origin,
    shares_prefix: str | None,
) -> None:
    """Flatten one call of a block: its layers named `<prefix>_<layer>`."""
    block_name = layer.block or ""
    block = spec.blocks.get(block_name)
    if block is None:
        hint = did_you_mean(block_name, list(spec.blocks)) or (
            f" (blocks: {', '.join(spec.blocks)})" if spec.blocks else " (no blocks are defined)"
        )
        expanded.problems.append(
            Problem(f"unknown block {block_name!r}{hint}", (*origin.path, "block"))
        )
        return
    if len(origin.chain) > MAX_BLOCK_DEPTH:
        expanded.problems.append(Problem(f"blocks nest deeper than {MAX_BLOCK_DEPTH}", origin.path))
        return
    values = _arguments(block_name, block, layer.arguments, origin, expanded.problems)
    if values is None:
        return
    given = refs
    if len(given) != len(block.inputs):
        expanded.problems.append(
            Problem(
                f"block {block_name!r} takes {len(block.inputs)} input(s)"
                f" ({', '.join(block.inputs)}), got {len(given)}",
                (*origin.path, "inputs"),
            )
        )
        return
    local = dict(zip(block.inputs, given, strict=True))
    previous = block.inputs[0]
    for j, inner in enumerate(block.layers):
        failed: list[Problem] = []
        fail = _expression_failure(block_name, j, origin, failed)
        name = f"{prefix}_{inner.name}"
        inner_refs = [local[ref] for ref in inner.references or [previous]]
        blocks = (*origin.chain_blocks, block_name)
        inner_origin = Origin(origin.path, origin.chain, block_name, inner.name, blocks)
        shares = f"{shares_prefix}_{inner.name}" if shares_prefix else None
        if inner.block is not None:
            nested = Origin(
                origin.path, (*origin.chain, inner.name), block_name, inner.name, blocks
            )
            arguments = _substitute(inner.arguments, values, fail)
            substituted = LayerSpec.model_validate(
                {"name": inner.name, "block": inner.block, **arguments}
            )
            if not failed:
                _instance(spec, expanded, substituted, name, inner_refs, nested, shares)
            local[inner.name] = expanded.resolve(name)
        else:
            arguments = _substitute(inner.arguments, values, fail)
            expanded.layers.append(
                FlatLayer(
                    name, inner.type or "", tuple(inner_refs), arguments, inner_origin, shares
                )
            )
            local[inner.name] = name
        expanded.problems.extend(failed)
        previous = inner.name
    expanded.aliases[prefix] = local[block.output or block.layers[-1].name]


def _arguments(
    block_name: str,
    block: BlockSpec,
    given: Mapping[str, Any],
    origin: Origin,
    problems: list[Problem],
) -> dict[str, Any] | None:
    """The instance's parameter values, defaults filled in."""
    names = block.param_names
    found = []
    for key in given:
        if key not in names:
            hint = did_you_mean(key, names) or (
                f" (parameters: {', '.join(names)})" if names else " (it takes no parameters)"
            )
            found.append(
                Problem(
                    f"unknown argument {key!r} for block {block_name!r}{hint}", (*origin.path, key)
                )
            )
    values = {**block.defaults, **given}
    found += [
        Problem(f"block {block_name!r} needs {name!r}", (*origin.path, name))
        for name in names
        if name not in values
    ]
    problems.extend(found)
    return None if found else values


Failure = Callable[[FieldPath, str], None]


def _substitute(
    arguments: Mapping[str, Any], values: Mapping[str, Any], fail: Failure
) -> dict[str, Any]:
    """Replace "$param" strings and evaluate expressions, also inside lists and nested layers."""

    def fill(value: Any, where: FieldPath) -> Any:
        if isinstance(value, str):
            found = PARAM.match(value)
            if found and found.group(1) in values:
                return values[found.group(1)]
            if is_expression(value):
                try:
                    return parse(value, values).evaluate(values)
                except ExpressionError as error:
                    fail(where, str(error))
            return value
        if isinstance(value, list):
            return [fill(item, (*where, i)) for i, item in enumerate(value)]
        if isinstance(value, dict):
            return {key: fill(item, (*where, key)) for key, item in value.items()}
        return value

    return {key: fill(value, (key,)) for key, value in arguments.items()}


def _expression_failure(block: str, index: int, origin: Origin, failed: list[Problem]) -> Failure:
    """Report an expression that fails for one call at the expression, naming the call."""

    def fail(where: FieldPath, message: str) -> None:
        path: FieldPath = ("blocks", block, "layers", index, *where)
        failed.append(Problem(message, path, context=f"({' -> '.join(origin.chain)})"))

    return fail


def parameters_used(arguments: Mapping[str, Any], *, expressions: bool = True) -> Iterable[str]:
    """Every "$param" named in arguments, bare or (unless told not to) inside expressions."""
    for value in arguments.values():
        yield from _params_in(value, expressions)


def _params_in(value: Any, expressions: bool) -> Iterable[str]:
    if isinstance(value, str):
        found = PARAM.match(value)
        if found:
            yield found.group(1)
        elif expressions and is_expression(value):
            yield from parameters_in(value)
    elif isinstance(value, list):
        for item in value:
            yield from _params_in(item, expressions)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _params_in(item, expressions)


def expression_problems(
    arguments: Mapping[str, Any], params: list[str], path: FieldPath
) -> Iterable[Problem]:
    """Each expression in a block layer's arguments checked on its own, at its value."""

    def check(value: Any, where: FieldPath) -> Iterable[Problem]:
        if is_expression(value):
            try:
                parse(value, params)
            except ExpressionError as error:
                yield Problem(str(error), where)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from check(item, (*where, i))
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from check(item, (*where, key))

    for key, value in arguments.items():
        yield from check(value, (*path, key))


def _block_definition_problems(spec: Spec) -> Iterable[Problem]:
    """Checks of each block on its own: names, references, parameters, recursion."""
    top_level = {item.name for item in spec.inputs} | {layer.name for layer in spec.layers}
    every_layer = [
        *spec.layers,
        *(inner for block in spec.blocks.values() for inner in block.layers),
    ]
    called = {layer.block for layer in every_layer if layer.block is not None}
    for block_name, block in spec.blocks.items():
        base: FieldPath = ("blocks", block_name)
        problem = identifier_problem(block_name)
        if problem is None and block_name in top_level:
            problem = f"block name {block_name!r} is also a layer or input name"
        if problem is None and block_name not in called and called <= set(spec.blocks):
            problem = f"block {block_name!r} is never used"
        if problem:
            yield Problem(problem, base)
        seen: dict[str, FieldPath] = {}
        for kind, names in (("inputs", block.inputs), ("params", block.param_names)):
            for name in names:
                problem = identifier_problem(name, local=True)
                if problem is None and name in BLOCK_RESERVED:
                    problem = f"{name!r} is the block function's own parameter"
                if problem is None and name in seen:
                    problem = f"duplicate name {name!r}"
                if problem:
                    yield Problem(problem, (*base, kind))
                seen.setdefault(name, (*base, kind))
        available = list(block.inputs)
        used: set[str] = set()
        bare: set[str] = set()  # unknown names inside expressions are reported at the value
        for j, inner in enumerate(block.layers):
            path: FieldPath = (*base, "layers", j)
            problem = identifier_problem(inner.name, local=True)
            if problem is None and inner.name in spec.blocks:
                problem = f"{inner.name!r} is a block's name"
            if problem is None and inner.name in seen:
                problem = f"duplicate name {inner.name!r} in block {block_name!r}"
            if problem is None and inner.name in BLOCK_RESERVED:
                problem = f"{inner.name!r} is the block function's own parameter"
            if problem:
                yield Problem(problem, (*path, "name"))
            seen.setdefault(inner.name, path)
            if inner.share is not None:
                yield Problem(
                    "share works between top-level layers, not inside a block", (*path, "share")
                )
            if isinstance(inner.inputs, dict) and inner.compute is None:
                yield Problem(
                    "only a compute layer maps local names to its inputs; list them instead",
                    (*path, "inputs"),
                )
            if inner.compute is not None:
                yield Problem(
                    "compute layers work at the top level, not inside a block (yet)",
                    (*path, "compute"),
                )
            if inner.block is not None and _reaches(spec, inner.block, block_name):
                yield Problem(
                    f"block {block_name!r} uses itself through {inner.block!r}", (*path, "block")
                )
            for ref in inner.references:
                if ref not in available:
                    hint = did_you_mean(ref, available)
                    yield Problem(
                        f"unknown name {ref!r} in block {block_name!r}{hint}"
                        " (a block's layers take its inputs or its earlier layers)",
                        (*path, "inputs"),
                    )
            available.append(inner.name)
            used.update(parameters_used(inner.arguments))
            bare.update(parameters_used(inner.arguments, expressions=False))
            yield from expression_problems(inner.arguments, block.param_names, path)
        for name in block.defaults:
            if name not in block.param_names:
                yield Problem(
                    f"default for {name!r}, which is not in params", (*base, "defaults", name)
                )
        for name in block.inputs:
            takers = [inner for inner in block.layers if name in inner.references]
            if not takers and not (name == block.inputs[0] and block.layers[0].inputs is None):
                yield Problem(
                    f"input {name!r} is never used in block {block_name!r}", (*base, "inputs")
                )
        unknown = sorted(bare - set(block.param_names))
        for name in unknown:
            written = f'"${name}"' if len(name) <= MAX_NAME_LENGTH else show(f"${name}")
            yield Problem(
                f"{written} is not a parameter of block {block_name!r}", (*base, "params")
            )
        for name in block.param_names:
            if name not in used:
                yield Problem(
                    f"parameter {name!r} is never used in block {block_name!r}", (*base, "params")
                )
        if block.output is not None and block.output not in [inner.name for inner in block.layers]:
            hint = did_you_mean(block.output, [inner.name for inner in block.layers])
            yield Problem(f"unknown layer {block.output!r}{hint}", (*base, "output"))


def _reaches(spec: Spec, start: str, target: str, depth: int = 0) -> bool:
    """Whether block `start` uses block `target`, directly or through other blocks."""
    if start == target:
        return True
    block = spec.blocks.get(start)
    if block is None or depth > MAX_BLOCK_DEPTH:
        return False
    return any(
        inner.block is not None and _reaches(spec, inner.block, target, depth + 1)
        for inner in block.layers
    )
