"""Expand: blocks, block instances and shared layers become one flat list of layer calls.

Static inference runs on the flat list; the names inside a block instance are
prefixed with the instance name, exactly as the generated block function names
its Keras layers. Each flat layer remembers where it came from, for messages
and for rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from generator.analysis.arithmetic import (
    PARAM,
    ExpressionError,
    is_expression,
    parameters_in,
    parse,
)
from generator.analysis.calls import (
    join_ref,
    reference_problem,
    spec_outputs,
    split_ref,
    tensor_refs,
    type_of,
)
from generator.analysis.catalog import CATALOG
from generator.analysis.expressions import (
    COMPUTE,
    Params,
    TensorExpression,
    bound_names,
    local_name_problem,
    parameters_of,
)
from generator.analysis.expressions import parse as parse_compute
from generator.analysis.inputs import LayerInputs
from generator.analysis.name_template import parse_template
from generator.display import quoted
from generator.errors import Problem, did_you_mean
from generator.records import field, record
from generator.spec.fields import FieldPath
from generator.spec.model import BlockSpec, LayerSpec, Spec
from generator.spec.names import MAX_NAME_LENGTH, identifier_problem, keras_name_problem

MAX_BLOCK_DEPTH = 8
MODEL_SEPARATOR = "/"  # in flat names only: Keras refuses it in layer names
BLOCK_RESERVED = frozenset({"name"})  # the block function's own parameter
MAPPING_ARGUMENT = (
    "a block argument cannot be a mapping such as a Keras object; write the object in the"
    ' block with parameters for its numbers, e.g. kernel_regularizer: {L2: "$weight_decay"}'
)


@record
class Origin:
    """A flat layer's place in the spec: the top-level layer, and the block layer inside it."""

    path: FieldPath  # the top-level layer (problems point here)
    chain: tuple[str, ...] = ()  # instance names, outermost first
    block: str | None = None  # the block whose layer this is
    block_layer: str | None = None
    chain_blocks: tuple[str, ...] = ()  # the block each call of `chain` instantiates
    model: str | None = None  # the top-level call whose own keras.Model holds this layer

    @property
    def context(self) -> str:
        """`(inception_3b) -> branch_5x5`, or '' at the top level."""
        if not self.chain:
            return ""
        return f"({' -> '.join(self.chain)}) -> {self.block_layer}"


@record
class FlatLayer:
    """One layer call of the model, with every block parameter filled in."""

    name: str  # the Keras layer name, unique in the model
    type: str
    inputs: tuple[str, ...]
    arguments: Mapping[str, Any]
    origin: Origin
    shares: str | None = None  # flat name of the layer whose weights this call reuses
    expression: TensorExpression | None = None  # a compute layer's, over `inputs` in order
    call: Mapping[str, Any] = field(default_factory=dict)  # call arguments, references flat


@record
class Expanded:
    """The flat model, with the names that stand for block outputs."""

    layers: list[FlatLayer] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # instance -> its output layer
    problems: list[Problem] = field(default_factory=list)
    tower_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # top-level instances
    towers: dict[str, tuple[str, FieldPath]] = field(default_factory=dict)  # sharer -> original

    def resolve(self, name: str) -> str:
        """The flat layer a name stands for; `layer:output` keeps its output."""
        if name in self.aliases:
            return self.resolve(self.aliases[name])
        base, output = split_ref(name)
        while base in self.aliases:
            base = self.aliases[base]
        return join_ref(base, output)


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
        if isinstance(layer.inputs, dict) and layer.compute is None and not _named(layer):
            expanded.problems.append(Problem(_MAPPED_INPUTS, (*path, "inputs")))
        elif layer.keras_name is not None:
            expanded.problems.append(Problem(_TOP_TEMPLATE, (*path, "keras_name")))
        elif layer.compute is not None:
            _compute(expanded, layer, refs, (*taken.model[i], "")[0], path)
        elif layer.type is not None:
            call = resolved_call(layer.call, expanded.resolve)
            expanded.layers.append(
                FlatLayer(
                    layer.name, layer.type, tuple(refs), layer.arguments, Origin(path), call=call
                )
            )
        elif layer.block is not None and not blocks_sound:
            expanded.problems.extend(block_call_problems(spec, layer, refs, path))
        elif layer.block is not None:
            expanded.tower_inputs[layer.name] = tuple(refs)
            prefix = model_prefix(spec, layer, layer.name)
            model = layer.name if prefix != layer.name else None
            origin = Origin(path, (layer.name,), model=model)
            _instance(spec, taken, expanded, layer, prefix, refs, origin, None)
        else:
            _shared(spec, taken, expanded, layer, top_names, refs, path, blocks_sound)
    return expanded


_KINDS = ("type", "block", "share", "compute")
_TOP_TEMPLATE = (
    "keras_name is a block layer's name template; a top-level layer's name is its Keras name"
)
_MAPPED_INPUTS = "only compute and attention layers map names to their inputs; list them instead"


def _named(layer: LayerSpec) -> bool:
    """An attention layer names its inputs: {query: x, value: y}."""
    layer_type = CATALOG.get(layer.type or "")
    return layer_type is not None and bool(layer_type.input_names)


def resolved_call(call: Mapping[str, Any] | None, resolve: Callable[[str], str]) -> dict[str, Any]:
    """A layer's call arguments with every tensor reference resolved to its flat name."""
    resolved: dict[str, Any] = {}
    for key, value in (call or {}).items():
        if isinstance(value, str):
            resolved[key] = resolve(value)
        elif isinstance(value, list):
            resolved[key] = [resolve(item) for item in value]
        else:
            resolved[key] = value
    return resolved


def _compute(
    expanded: Expanded, layer: LayerSpec, refs: list[str], previous: str, path: FieldPath
) -> None:
    """A compute layer: its local names checked, its expression parsed against them."""
    expression, problems = checked_expression(layer, previous, path)
    expanded.problems.extend(problems)
    if expression is not None:
        flat = FlatLayer(layer.name, COMPUTE, tuple(refs), {}, Origin(path), expression=expression)
        expanded.layers.append(flat)


def checked_expression(
    layer: LayerSpec, previous: str, path: FieldPath, params: Params = None
) -> tuple[TensorExpression | None, list[Problem]]:
    """A compute layer's expression, or the problems of its fields (at `path`).

    In a block, `params` are the block's parameters (or one call's values) for `$name`.
    """
    if layer.arguments:
        extra = next(iter(layer.arguments))
        message = (
            f"unknown field {quoted(extra)} for a compute layer (it takes name, compute, inputs)"
        )
        return None, [Problem(message, (*path, extra))]
    bound = bound_names(layer.inputs) or [(previous, previous)]
    for local, _ in bound:
        problem = local_name_problem(local)
        if problem:
            return None, [Problem(problem, (*path, "inputs"))]
    try:
        return parse_compute(layer.compute or "", [local for local, _ in bound], params), []
    except ExpressionError as error:
        return None, [Problem(str(error), (*path, "compute"))]


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
            Problem(f"{quoted(layer.share)} is not an earlier layer{hint}", (*path, "share"))
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
                f"share the original layer {quoted(target.share)}, not a copy of it",
                (*path, "share"),
            )
        )
        return
    if target.compute is not None:
        expanded.problems.append(
            Problem(
                f"{quoted(target.name)} is a compute layer: it has no weights to share"
                " (write its expression again)",
                (*path, "share"),
            )
        )
        return
    if target.type is not None:
        call = resolved_call(layer.call, expanded.resolve)
        expanded.layers.append(
            FlatLayer(
                layer.name,
                target.type,
                tuple(refs),
                target.arguments,
                Origin(path),
                target.name,
                call=call,
            )
        )
        return
    if not blocks_sound:
        return  # a copy of a block instance, whose block's problems are reported
    templated = templated_block(spec, target.block or "")
    if templated is not None:
        expanded.problems.append(
            Problem(
                f"block {quoted(templated)} names layers with keras_name, which a shared call"
                " cannot repeat (Keras names must stay unique): call the block again instead",
                (*path, "share"),
            )
        )
        return
    expanded.tower_inputs[layer.name] = tuple(refs)
    expanded.towers[layer.name] = (target.name, path)
    prefix = model_prefix(spec, target, layer.name)
    model = layer.name if prefix != layer.name else None
    origin = Origin(path, (layer.name,), model=model)
    original = model_prefix(spec, target, target.name)
    _instance(spec, taken, expanded, target, prefix, refs, origin, original)


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
    for j, (inner, inner_taken) in enumerate(
        zip(block.layers, taken.blocks[block_name], strict=True)
    ):
        failed: list[Problem] = []
        fail = _expression_failure(block_name, j, origin, failed)
        name = flat_name(prefix, inner.name)
        if inner.keras_name is not None:
            try:
                name = parse_template(inner.keras_name, block.param_names).expand(values)
            except ExpressionError as error:
                fail(("keras_name",), str(error))
            if name == prefix or name in expanded.aliases:
                fail(("keras_name",), f"it gives {quoted(name)}, the name of a block call")
                name = flat_name(prefix, inner.name)
        inner_refs = [_local_ref(local, ref) for ref in inner_taken]
        blocks = (*origin.chain_blocks, block_name)
        inner_origin = Origin(
            origin.path, origin.chain, block_name, inner.name, blocks, origin.model
        )
        shares = flat_name(shares_prefix, inner.name) if shares_prefix else None
        if inner.compute is not None:
            # Checked in the block's definition; a call's "$param" values only here.
            previous = (*inner_taken, "")[0]
            expression, problems = checked_expression(inner, previous, (), values)
            for problem in problems:
                fail(problem.path, problem.message)
            if expression is not None:
                expanded.layers.append(
                    FlatLayer(
                        name, COMPUTE, tuple(inner_refs), {}, inner_origin, expression=expression
                    )
                )
            local[inner.name] = name
        elif inner.block is not None:
            nested = Origin(
                origin.path,
                (*origin.chain, inner.name),
                block_name,
                inner.name,
                blocks,
                origin.model,
            )
            arguments = _substitute(inner.arguments, values, fail)
            substituted = LayerSpec.model_validate(
                {"name": inner.name, "block": inner.block, **arguments}
            )
            if not failed:
                _instance(spec, taken, expanded, substituted, name, inner_refs, nested, shares)
            local[inner.name] = expanded.resolve(name)
        else:
            arguments = _substitute(inner.arguments, values, fail)
            call = resolved_call(inner.call, lambda ref: _local_ref(local, ref))
            expanded.layers.append(
                FlatLayer(
                    name,
                    inner.type or "",
                    tuple(inner_refs),
                    arguments,
                    inner_origin,
                    shares,
                    call=call,
                )
            )
            local[inner.name] = name
        expanded.problems.extend(failed)
    outputs = [local[output] for output in block.output_names]
    instance = prefix.removesuffix(MODEL_SEPARATOR)
    expanded.aliases[instance] = outputs[0]
    if len(outputs) > 1:  # `encoder:z_mean`: one output, named after the layer returned
        for returned, output in zip(block.output_names, outputs, strict=True):
            expanded.aliases[join_ref(instance, returned)] = output


def flat_name(prefix: str, layer: str) -> str:
    """A block layer's flat name: `<call>_<layer>`, or `<model call>/<layer>` in a model block.

    Keras names a block layer `<call>_<layer>`; inside a block's own keras.Model it keeps its
    block-local name, and "/" (which no Keras name holds) keeps it apart from the model's.
    """
    return f"{prefix}{layer}" if prefix.endswith(MODEL_SEPARATOR) else f"{prefix}_{layer}"


def templated_block(spec: Spec, block_name: str, depth: int = 0) -> str | None:
    """The block, this one or one it calls, whose layers give keras_name; None if none."""
    block = spec.blocks.get(block_name)
    if block is None or depth > MAX_BLOCK_DEPTH:
        return None
    if any(inner.keras_name is not None for inner in block.layers):
        return block_name
    for inner in block.layers:
        found = templated_block(spec, inner.block, depth + 1) if inner.block else None
        if found is not None:
            return found
    return None


def model_prefix(spec: Spec, layer: LayerSpec, name: str) -> str:
    """The prefix of a top-level call's layers: `<name>/` for a model block."""
    block = spec.blocks.get(layer.block or "")
    return f"{name}{MODEL_SEPARATOR}" if block is not None and block.model else name


def _local_ref(local: Mapping[str, str], ref: str) -> str:
    """A block-local reference as a flat one: `lstm:state_h` -> `enc_lstm:state_h`."""
    base, output = split_ref(ref)
    return join_ref(local[base], output)


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
        yield Problem(f"unknown block {quoted(block_name)}{hint}", (*path, "block"))
        return
    names = block.param_names
    for key in layer.arguments:
        if key not in names:
            hint = did_you_mean(key, names) or (
                f" (parameters: {', '.join(names)})" if names else " (it takes no parameters)"
            )
            yield Problem(
                f"unknown argument {quoted(key)} for block {quoted(block_name)}{hint}", (*path, key)
            )
    for key, value in layer.arguments.items():
        if _holds_mapping(value):
            yield Problem(MAPPING_ARGUMENT, (*path, key))
    values = {**block.defaults, **layer.arguments}
    for name in names:
        if name not in values:
            yield Problem(f"block {quoted(block_name)} needs {quoted(name)}", (*path, name))
    if len(refs) != len(block.inputs):
        yield Problem(
            f"block {quoted(block_name)} takes {len(block.inputs)} input(s)"
            f" ({', '.join(block.inputs)}), got {len(refs)}",
            (*path, "inputs"),
        )


Failure = Callable[[FieldPath, str], None]


def _holds_mapping(value: Any) -> bool:
    """A block argument is printed as a literal: no mappings (Keras objects), even in lists."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_mapping(item) for item in value)


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


def block_definition_problems(spec: Spec, taken: LayerInputs) -> Iterable[Problem]:
    """Checks of each block on its own: names, references, parameters, recursion."""
    called = _called_blocks(spec)
    for block_name, block in spec.blocks.items():
        yield from _block_name_problems(spec, block_name, called)
        yield from _block_local_name_problems(spec, block_name, block)
        yield from _block_reference_problems(spec, block_name, block)
        yield from _block_input_use_problems(block_name, block)
        yield from _block_parameter_problems(block_name, block)
        yield from _nested_call_problems(spec, block_name, block, taken.blocks[block_name])
        yield from _block_compute_problems(block_name, block, taken.blocks[block_name])
        yield from _block_output_problems(spec, block_name, block)
        yield from _name_template_problems(block_name, block)


def _name_template_problems(block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Each keras_name: on a typed layer of a plain block, a valid template."""
    for j, inner in enumerate(block.layers):
        if inner.keras_name is None:
            continue
        path: FieldPath = ("blocks", block_name, "layers", j, "keras_name")
        if block.model:
            yield Problem(
                "a model block's layers keep their own names: keras_name is for plain blocks",
                path,
            )
        elif inner.type is None:
            yield Problem("keras_name names a layer of a type, not a block call or compute", path)
        else:
            try:
                parse_template(inner.keras_name, block.param_names)
            except ExpressionError as error:
                yield Problem(str(error), path)


def _block_output_problems(spec: Spec, block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """The layers a block returns: its own, each once, each with one output; several only
    from a model block."""
    base: FieldPath = ("blocks", block_name, "output")
    names = [inner.name for inner in block.layers]
    several = isinstance(block.output, list)
    if several and not block.output:
        yield Problem("must name at least one layer", base)
    if several and len(block.output_names) > 1 and not block.model:
        yield Problem(
            "only a model block returns several layers (add model: true, or return one)", base
        )
    outputs = spec_outputs(block.layers, spec.blocks)
    for k, output in enumerate(block.output_names):
        where = (*base, k) if several else base if block.output is not None else base[:-1]
        if split_ref(output)[1] is not None:
            yield Problem(
                "a block returns one layer's only output; follow"
                f" {quoted(output)} with a layer and return that",
                where,
            )
        elif output not in names:
            yield Problem(f"unknown layer {quoted(output)}{did_you_mean(output, names)}", where)
        elif output in block.output_names[:k]:
            yield Problem(f"{quoted(output)} is listed twice", where)
        elif len(outputs.get(output, ())) > 1:
            yield Problem(
                f"the block returns {quoted(output)}, which has several outputs"
                f" ({', '.join(outputs[output])}); follow the one you want with a layer and"
                " return that",
                where if block.output is not None else (*base[:-1], "layers"),
            )


def _called_blocks(spec: Spec) -> set[str]:
    every_layer = [
        *spec.layers,
        *(inner for block in spec.blocks.values() for inner in block.layers),
    ]
    return {layer.block for layer in every_layer if layer.block is not None}


def _block_name_problems(spec: Spec, block_name: str, called: set[str]) -> Iterable[Problem]:
    """The block's own name: an identifier, not a layer's, and used somewhere."""
    problem = identifier_problem(block_name)
    function = f"build_{block_name}"  # a model block's function
    if problem is None and spec.blocks[block_name].model:
        if function in spec.blocks:
            problem = f"the model block's function {function} would take block {function}'s name"
        elif identifier_problem(function):
            problem = f"the model block's function {function} is a name the script uses"
    if problem is None and block_name not in called and called <= set(spec.blocks):
        problem = f"block {quoted(block_name)} is never used"
    if problem:
        yield Problem(problem, ("blocks", block_name))


def _block_local_name_problems(spec: Spec, block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Inputs, parameters and layers of a block: identifiers, each name once."""
    base: FieldPath = ("blocks", block_name)
    seen: set[str] = set()
    for kind, names in (("inputs", block.inputs), ("params", block.param_names)):
        for name in names:
            problem = identifier_problem(name, local=True)
            if problem is None and name in spec.blocks:
                problem = f"{quoted(name)} is a block's name, which it would hide"
            if problem is None and name in BLOCK_RESERVED:
                problem = f"{quoted(name)} is the block function's own parameter"
            if problem is None and name in seen:
                problem = f"duplicate name {quoted(name)}"
            if problem:
                yield Problem(problem, (*base, kind))
            seen.add(name)
    for j, inner in enumerate(block.layers):
        problem = keras_name_problem(inner.name)
        if problem is None and inner.name in seen:
            problem = f"duplicate name {quoted(inner.name)} in block {quoted(block_name)}"
        if problem:
            yield Problem(problem, (*base, "layers", j, "name"))
        seen.add(inner.name)


def _block_reference_problems(spec: Spec, block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """What a block's layers take and call: earlier names, no sharing, no recursion."""
    available = list(block.inputs)
    outputs = spec_outputs(block.layers, spec.blocks)
    for j, inner in enumerate(block.layers):
        path: FieldPath = ("blocks", block_name, "layers", j)
        kinds = [key for key in ("type", "block", "compute") if getattr(inner, key) is not None]
        if len(kinds) != 1 and inner.share is None:
            given = " and ".join(kinds) if kinds else "none"
            yield Problem(
                f"a block's layer needs exactly one of type, block or compute (got {given})", path
            )
        if inner.share is not None:
            yield Problem(
                "share works between top-level layers, not inside a block", (*path, "share")
            )
        if isinstance(inner.inputs, dict) and inner.compute is None and not _named(inner):
            yield Problem(_MAPPED_INPUTS, (*path, "inputs"))
        if inner.block is not None and _reaches(spec, inner.block, block_name):
            yield Problem(
                f"block {quoted(block_name)} uses itself through {quoted(inner.block)}",
                (*path, "block"),
            )
        if isinstance(inner.inputs, list) and not inner.inputs:
            yield Problem("must name at least one input", (*path, "inputs"))
        called = [
            (ref, (*path, "call", key))
            for key, refs in tensor_refs(inner.call, type_of(inner, block.layers)).items()
            for ref in refs
        ]
        for ref, where in [*((ref, (*path, "inputs")) for ref in inner.references), *called]:
            base, _ = split_ref(ref)
            if base not in available:
                hint = did_you_mean(base, available)
                yield Problem(
                    f"unknown name {quoted(base)} in block {quoted(block_name)}{hint}"
                    " (a block's layers take its inputs or its earlier layers)",
                    where,
                )
            else:
                problem = reference_problem(ref, outputs)
                if problem:
                    yield Problem(problem, where)
        available.append(inner.name)


def _block_compute_problems(
    block_name: str, block: BlockSpec, inner_inputs: Sequence[Sequence[str]]
) -> Iterable[Problem]:
    """A block's compute layers: fields and expression checked once, in the definition."""
    for j, (inner, refs) in enumerate(zip(block.layers, inner_inputs, strict=True)):
        if inner.compute is None or inner.type is not None or inner.block is not None:
            continue
        path: FieldPath = ("blocks", block_name, "layers", j)
        yield from checked_expression(inner, (*refs, "")[0], path, block.param_names)[1]
        if len(set(refs)) != len(refs):
            yield Problem("names the same input twice", (*path, "inputs"))


def _nested_call_problems(
    spec: Spec, block_name: str, block: BlockSpec, inner_inputs: Sequence[Sequence[str]]
) -> Iterable[Problem]:
    """A block that calls another: checked once here, not at every call of the outer block."""
    for j, (inner, refs) in enumerate(zip(block.layers, inner_inputs, strict=True)):
        if inner.block is not None:
            path: FieldPath = ("blocks", block_name, "layers", j)
            called = spec.blocks.get(inner.block)
            if called is not None and called.model:
                yield Problem(
                    f"block {quoted(inner.block)} is a model of its own: call it from the"
                    " top-level layers",
                    (*path, "block"),
                )
                continue
            yield from block_call_problems(spec, inner, refs, path)


def _block_input_use_problems(block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Every input of a block is taken by one of its layers."""
    for name in block.inputs:
        takers = [
            inner
            for inner in block.layers
            if name in {split_ref(ref)[0] for ref in (*inner.references, *inner.call_references)}
        ]
        if not takers and not (name == block.inputs[0] and block.layers[0].inputs is None):
            yield Problem(
                f"input {quoted(name)} is never used in block {quoted(block_name)}",
                ("blocks", block_name, "inputs"),
            )


def _block_parameter_problems(block_name: str, block: BlockSpec) -> Iterable[Problem]:
    """Parameters: defaults only for parameters, every "$name" declared, every one used."""
    base: FieldPath = ("blocks", block_name)
    used = {name for inner in block.layers for name in parameters_used(inner.arguments)}
    used |= {name for inner in block.layers for name in parameters_of(inner.compute or "")}
    used |= {name for inner in block.layers for name in parameters_in(inner.keras_name or "")}
    bare = {  # unknown names inside expressions are reported at the expression
        name
        for inner in block.layers
        for name in parameters_used(inner.arguments, expressions=False)
    }
    for j, inner in enumerate(block.layers):
        yield from expression_problems(inner.arguments, block.param_names, (*base, "layers", j))
    for key, value in block.defaults.items():
        if _holds_mapping(value):
            yield Problem(MAPPING_ARGUMENT, (*base, "defaults", key))
    for name in block.defaults:
        if name not in block.param_names:
            yield Problem(
                f"default for {quoted(name)}, which is not in params", (*base, "defaults", name)
            )
    for name in sorted(bare - set(block.param_names)):
        yield Problem(
            f"{_dollar(name)} is not a parameter of block {quoted(block_name)}", (*base, "params")
        )
    for name in block.param_names:
        if name not in used:
            yield Problem(
                f"parameter {quoted(name)} is never used in block {quoted(block_name)}",
                (*base, "params"),
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


def _dollar(name: str) -> str:
    """`"$name"` as the spec writes it; a long one cut short like any quoted value."""
    return f'"${name}"' if len(name) <= MAX_NAME_LENGTH else quoted(f"${name}")
