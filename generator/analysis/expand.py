"""Expand: blocks, block instances and shared layers become one flat list of layer calls.

Static inference runs on the flat list; the names inside a block instance are
prefixed with the instance name, exactly as the generated block function names
its Keras layers. Each flat layer remembers where it came from, for messages
and for rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.analysis.inputs import LayerInputs
from generator.errors import Problem, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.model import BlockSpec, LayerSpec, Spec
from generator.spec.names import identifier_problem

PARAM = re.compile(r"\$([A-Za-z][A-Za-z0-9_]*)\Z")
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


def expand(spec: Spec, taken: LayerInputs) -> Expanded:
    """Flatten block instances and shared applications; problems are collected, not raised.

    Blocks whose definitions have problems are not called: their layers are checked
    in the definition, once, and the calls would only repeat those problems.
    """
    expanded = Expanded()
    expanded.problems.extend(block_definition_problems(spec, taken))
    blocks_sound = not expanded.problems
    top_names = {layer.name: layer for layer in spec.layers}
    for i, layer in enumerate(spec.layers):
        path: FieldPath = ("layers", i)
        refs = [expanded.resolve(ref) for ref in taken.model[i]]
        kinds = [key for key in ("type", "block", "share") if getattr(layer, key) is not None]
        if len(kinds) != 1:
            given = " and ".join(kinds) if kinds else "none"
            expanded.problems.append(
                Problem(f"a layer needs exactly one of type, block or share (got {given})", path)
            )
            continue
        if layer.type is not None:
            expanded.layers.append(
                FlatLayer(layer.name, layer.type, tuple(refs), layer.arguments, Origin(path))
            )
        elif layer.block is not None and not blocks_sound:
            expanded.problems.extend(block_call_problems(spec, layer, refs, path))
        elif layer.block is not None:
            expanded.tower_inputs[layer.name] = tuple(refs)
            origin = Origin(path, (layer.name,))
            _instance(spec, taken, expanded, layer, layer.name, refs, origin, None)
        else:
            _shared(spec, taken, expanded, layer, top_names, refs, path, blocks_sound)
    return expanded


def block_calls(spec: Spec) -> dict[str, int]:
    """How many times each block is instantiated in the model, nested calls included."""
    calls = dict.fromkeys(spec.blocks, 0)
    shared = [layer.share for layer in spec.layers if layer.share is not None]
    pending = [(layer.block, 1 + shared.count(layer.name)) for layer in spec.layers if layer.block]
    steps = 0
    while pending and steps < 10_000:  # a block that uses itself is reported elsewhere
        name, times = pending.pop()
        steps += 1
        block = spec.blocks.get(name or "")
        if name is None or block is None:
            continue
        calls[name] += times
        pending.extend((inner.block, times) for inner in block.layers if inner.block)
    return calls


def _shared(
    spec: Spec,
    taken: LayerInputs,
    expanded: Expanded,
    layer: LayerSpec,
    top_names: Mapping[str, LayerSpec],
    refs: list[str],
    path: FieldPath,
    blocks_sound: bool,
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
    if target.type is not None:
        expanded.layers.append(
            FlatLayer(
                layer.name, target.type, tuple(refs), target.arguments, Origin(path), target.name
            )
        )
        return
    if not blocks_sound:
        return  # a copy of a block instance, whose block's problems are reported
    expanded.tower_inputs[layer.name] = tuple(refs)
    expanded.towers[layer.name] = (target.name, path)
    origin = Origin(path, (layer.name,))
    _instance(spec, taken, expanded, target, layer.name, refs, origin, target.name)


def _instance(
    spec: Spec,
    taken: LayerInputs,
    expanded: Expanded,
    layer: LayerSpec,
    prefix: str,
    refs: list[str],
    origin: Origin,
    shares_prefix: str | None,
) -> None:
    """Flatten one call of a block: its layers named `<prefix>_<layer>`."""
    if len(origin.chain) > MAX_BLOCK_DEPTH:
        expanded.problems.append(Problem(f"blocks nest deeper than {MAX_BLOCK_DEPTH}", origin.path))
        return
    call_problems = list(block_call_problems(spec, layer, refs, origin.path))
    if call_problems:
        # Inside a block these were reported with the block's definition.
        expanded.problems.extend(call_problems if len(origin.chain) == 1 else [])
        return
    block_name = layer.block or ""
    block = spec.blocks[block_name]
    values = {**block.defaults, **layer.arguments}
    local = dict(zip(block.inputs, refs, strict=True))
    for inner, inner_taken in zip(block.layers, taken.blocks[block_name], strict=True):
        name = f"{prefix}_{inner.name}"
        inner_refs = [local[ref] for ref in inner_taken]
        blocks = (*origin.chain_blocks, block_name)
        inner_origin = Origin(origin.path, origin.chain, block_name, inner.name, blocks)
        shares = f"{shares_prefix}_{inner.name}" if shares_prefix else None
        if inner.block is not None:
            nested = Origin(
                origin.path, (*origin.chain, inner.name), block_name, inner.name, blocks
            )
            substituted = LayerSpec.model_validate(
                {"name": inner.name, "block": inner.block, **_substitute(inner.arguments, values)}
            )
            _instance(spec, taken, expanded, substituted, name, inner_refs, nested, shares)
            local[inner.name] = expanded.resolve(name)
        else:
            arguments = _substitute(inner.arguments, values)
            expanded.layers.append(
                FlatLayer(
                    name, inner.type or "", tuple(inner_refs), arguments, inner_origin, shares
                )
            )
            local[inner.name] = name
    expanded.aliases[prefix] = local[block.output or block.layers[-1].name]


def block_call_problems(
    spec: Spec, layer: LayerSpec, refs: Sequence[str], path: FieldPath
) -> Iterable[Problem]:
    """A call of a block: the block exists, gets its parameters and its number of inputs."""
    block_name = layer.block or ""
    block = spec.blocks.get(block_name)
    if block is None:
        hint = did_you_mean(block_name, list(spec.blocks)) or (
            f" (blocks: {', '.join(spec.blocks)})" if spec.blocks else " (no blocks are defined)"
        )
        yield Problem(f"unknown block {block_name!r}{hint}", (*path, "block"))
        return
    names = block.param_names
    for key in layer.arguments:
        if key not in names:
            hint = did_you_mean(key, names) or (
                f" (parameters: {', '.join(names)})" if names else " (it takes no parameters)"
            )
            yield Problem(f"unknown argument {key!r} for block {block_name!r}{hint}", (*path, key))
    values = {**block.defaults, **layer.arguments}
    for name in names:
        if name not in values:
            yield Problem(f"block {block_name!r} needs {name!r}", (*path, name))
    if len(refs) != len(block.inputs):
        yield Problem(
            f"block {block_name!r} takes {len(block.inputs)} input(s)"
            f" ({', '.join(block.inputs)}), got {len(refs)}",
            (*path, "inputs"),
        )


def _substitute(arguments: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Replace "$param" strings, also inside lists and nested layers, by their values."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            found = PARAM.match(value)
            return values[found.group(1)] if found and found.group(1) in values else value
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    return {key: fill(value) for key, value in arguments.items()}


def parameters_used(arguments: Mapping[str, Any]) -> Iterable[str]:
    """Every "$param" named in arguments."""
    for value in arguments.values():
        yield from _params_in(value)


def _params_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        found = PARAM.match(value)
        if found:
            yield found.group(1)
    elif isinstance(value, list):
        for item in value:
            yield from _params_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _params_in(item)


def block_definition_problems(spec: Spec, taken: LayerInputs) -> Iterable[Problem]:
    """Checks of each block on its own: names, references, parameters, recursion."""
    called = _called_blocks(spec)
    for block_name, block in spec.blocks.items():
        base: FieldPath = ("blocks", block_name)
        yield from _block_name_problems(spec, block_name, called)
        yield from _block_local_name_problems(spec, block_name, block)
        yield from _block_reference_problems(spec, block_name, block)
        yield from _block_input_use_problems(block_name, block)
        yield from _block_parameter_problems(block_name, block)
        yield from _nested_call_problems(spec, block_name, block, taken.blocks[block_name])
        if block.output is not None and block.output not in [inner.name for inner in block.layers]:
            hint = did_you_mean(block.output, [inner.name for inner in block.layers])
            yield Problem(f"unknown layer {block.output!r}{hint}", (*base, "output"))


def _called_blocks(spec: Spec) -> set[str]:
    every_layer = [
        *spec.layers,
        *(inner for block in spec.blocks.values() for inner in block.layers),
    ]
    return {layer.block for layer in every_layer if layer.block is not None}


def _block_name_problems(spec: Spec, block_name: str, called: set[str]) -> Iterable[Problem]:
    """The block's own name: an identifier, not a layer's, and used somewhere."""
    top_level = {item.name for item in spec.inputs} | {layer.name for layer in spec.layers}
    problem = identifier_problem(block_name)
    if problem is None and block_name in top_level:
        problem = f"block name {block_name!r} is also a layer or input name"
    if problem is None and block_name not in called and called <= set(spec.blocks):
        problem = f"block {block_name!r} is never used"
    if problem:
        yield Problem(problem, ("blocks", block_name))


def _block_local_name_problems(spec: Spec, block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Inputs, parameters and layers of a block: identifiers, each name once."""
    base: FieldPath = ("blocks", block_name)
    seen: set[str] = set()
    for kind, names in (("inputs", block.inputs), ("params", block.param_names)):
        for name in names:
            problem = identifier_problem(name, local=True)
            if problem is None and name in BLOCK_RESERVED:
                problem = f"{name!r} is the block function's own parameter"
            if problem is None and name in seen:
                problem = f"duplicate name {name!r}"
            if problem:
                yield Problem(problem, (*base, kind))
            seen.add(name)
    for j, inner in enumerate(block.layers):
        problem = identifier_problem(inner.name, local=True)
        if problem is None and inner.name in spec.blocks:
            problem = f"{inner.name!r} is a block's name"
        if problem is None and inner.name in seen:
            problem = f"duplicate name {inner.name!r} in block {block_name!r}"
        if problem is None and inner.name in BLOCK_RESERVED:
            problem = f"{inner.name!r} is the block function's own parameter"
        if problem:
            yield Problem(problem, (*base, "layers", j, "name"))
        seen.add(inner.name)


def _block_reference_problems(spec: Spec, block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """What a block's layers take and call: earlier names, no sharing, no recursion."""
    available = list(block.inputs)
    for j, inner in enumerate(block.layers):
        path: FieldPath = ("blocks", block_name, "layers", j)
        kinds = [key for key in ("type", "block") if getattr(inner, key) is not None]
        if len(kinds) != 1 and inner.share is None:
            given = " and ".join(kinds) if kinds else "none"
            yield Problem(f"a block's layer needs exactly one of type or block (got {given})", path)
        if inner.share is not None:
            yield Problem(
                "share works between top-level layers, not inside a block", (*path, "share")
            )
        if inner.block is not None and _reaches(spec, inner.block, block_name):
            yield Problem(
                f"block {block_name!r} uses itself through {inner.block!r}", (*path, "block")
            )
        if isinstance(inner.inputs, list) and not inner.inputs:
            yield Problem("must name at least one input", (*path, "inputs"))
        for ref in inner.references:
            if ref not in available:
                hint = did_you_mean(ref, available)
                yield Problem(
                    f"unknown name {ref!r} in block {block_name!r}{hint}"
                    " (a block's layers take its inputs or its earlier layers)",
                    (*path, "inputs"),
                )
        available.append(inner.name)


def _nested_call_problems(
    spec: Spec, block_name: str, block: BlockSpec, inner_inputs: Sequence[Sequence[str]]
) -> Iterable[Problem]:
    """A block that calls another: checked once here, not at every call of the outer block."""
    for j, (inner, refs) in enumerate(zip(block.layers, inner_inputs, strict=True)):
        if inner.block is not None:
            path: FieldPath = ("blocks", block_name, "layers", j)
            yield from block_call_problems(spec, inner, refs, path)


def _block_input_use_problems(block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Every input of a block is taken by one of its layers."""
    for name in block.inputs:
        takers = [inner for inner in block.layers if name in inner.references]
        if not takers and not (name == block.inputs[0] and block.layers[0].inputs is None):
            yield Problem(
                f"input {name!r} is never used in block {block_name!r}",
                ("blocks", block_name, "inputs"),
            )


def _block_parameter_problems(block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Parameters: defaults only for parameters, every "$name" declared, every one used."""
    base: FieldPath = ("blocks", block_name)
    used = {name for inner in block.layers for name in parameters_used(inner.arguments)}
    for name in block.defaults:
        if name not in block.param_names:
            yield Problem(
                f"default for {name!r}, which is not in params", (*base, "defaults", name)
            )
    for name in sorted(used - set(block.param_names)):
        yield Problem(f'"${name}" is not a parameter of block {block_name!r}', (*base, "params"))
    for name in block.param_names:
        if name not in used:
            yield Problem(
                f"parameter {name!r} is never used in block {block_name!r}", (*base, "params")
            )


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
