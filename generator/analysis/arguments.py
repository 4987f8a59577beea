"""Layer types, arguments and input counts, checked once where they are written.

A top-level layer is checked at its call. A block's layer is checked in the block's
definition, once for all its calls; only the values a call passes in ("$param")
are checked at each call, as they depend on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from generator.analysis.catalog import CATALOG, LayerType
from generator.analysis.expand import Expanded, FlatLayer, parameters_used
from generator.analysis.inputs import LayerInputs
from generator.analysis.layers.base import nested_args
from generator.analysis.where import block_layer_index, in_block, located
from generator.display import quoted
from generator.errors import Problem, close_matches, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.model import Spec
from generator.spec.names import keras_name_problem

ValueFilter = Callable[[Any], bool]

_TOO_MANY_HINTS = {
    "Subtract": " (subtract in two steps, or Add the branches you want to sum first)",
    "Dot": " (take the Dot of two inputs at a time)",
}


def argument_problems(spec: Spec, expanded: Expanded, calls: Mapping[str, int]) -> list[Problem]:
    """Unknown types, unknown or missing arguments and bad values, each reported once."""
    found = [*_block_argument_problems(spec, calls)]
    for layer in expanded.layers:
        if layer.shares is not None or layer.expression is not None:
            continue  # checked where the shared layer is defined; an expression takes none
        if layer.origin.block is None:
            found += _top_level_argument_problems(layer)
        else:
            found += _passed_value_problems(spec, layer)
    return found


def arity_problems(
    spec: Spec, expanded: Expanded, taken: LayerInputs, calls: Mapping[str, int]
) -> list[Problem]:
    """How many inputs each layer takes, at the layer or once in its block."""
    found: list[Problem] = []
    for layer in expanded.layers:
        if layer.origin.chain:
            continue  # a block's layers are checked in its definition, below
        if layer.expression is not None:  # any number of inputs, each once
            if len(set(layer.inputs)) != len(layer.inputs):
                found.append(located(layer, "names the same input twice", "inputs"))
            continue
        for message in _input_count_problems(layer.type, layer.inputs):
            found.append(located(layer, message, "inputs"))
        if layer.shares is not None and layer.type in CATALOG and CATALOG[layer.type].is_merge:
            found.append(
                located(layer, "merging layers have no weights to share; use a new one", "share")
            )
    for block_name, block in spec.blocks.items():
        for j, (inner, refs) in enumerate(zip(block.layers, taken.blocks[block_name], strict=True)):
            for message in _input_count_problems(inner.type, refs):
                found.append(in_block(block_name, j, message, calls[block_name], "inputs"))
    return found


def layer_argument_problems(
    layer_type: LayerType,
    given: Mapping[str, Any],
    prefix: FieldPath = (),
    check_value: ValueFilter = lambda value: True,
) -> Iterable[tuple[FieldPath, str]]:
    """(field, message) for each argument problem, at its path inside the layer."""
    misspelled: set[str] = set()
    for arg_name, value in given.items():
        field: FieldPath = (*prefix, arg_name)
        if arg_name not in layer_type.args:
            allowed = ", ".join(["name", "type", "inputs", *layer_type.args])
            hint = did_you_mean(arg_name, list(layer_type.args))
            misspelled.update(close_matches(arg_name, list(layer_type.args)))
            yield (
                field,
                f"unknown argument {quoted(arg_name)} for {layer_type.name}{hint}"
                f" (allowed: {allowed})",
            )
        elif check_value(value):
            yield from _value_problems(layer_type, arg_name, value, prefix, check_value)
    for arg_name, arg in layer_type.args.items():
        if arg.required and arg_name not in given and arg_name not in misspelled:
            yield (*prefix, arg_name), f"{layer_type.name} needs {arg_name!r}"


def _value_problems(
    layer_type: LayerType,
    arg_name: str,
    value: Any,
    prefix: FieldPath,
    check_value: ValueFilter,
) -> Iterable[tuple[FieldPath, str]]:
    arg = layer_type.args[arg_name]
    problems = arg.kind.problems(value)
    for sub_path, message in problems:
        yield (*prefix, arg_name, *sub_path), message
    if not problems and arg.wraps:
        nested = CATALOG[value["type"]]
        if "name" in value:  # a plain Keras name, never a block parameter
            name = value["name"]
            why = keras_name_problem(name) if type(name) is str else "must be a string"
            if why:
                yield (*prefix, arg_name, "name"), why
        arguments = nested_args(value)
        yield from layer_argument_problems(nested, arguments, (*prefix, arg_name), check_value)


def _top_level_argument_problems(layer: FlatLayer) -> Iterable[Problem]:
    layer_type = CATALOG.get(layer.type)
    if layer_type is None:
        yield located(layer, _unknown_type(layer.type), "type")
        return
    for field_name, message in layer_argument_problems(layer_type, layer.arguments):
        yield located(layer, message, field_name)


def _block_argument_problems(spec: Spec, calls: Mapping[str, int]) -> Iterable[Problem]:
    """A block's layers as written: values that hold a "$param" wait for the calls."""
    for block_name, block in spec.blocks.items():
        for j, inner in enumerate(block.layers):
            if inner.type is None:
                continue  # a call of another block: its arguments are that block's parameters
            layer_type = CATALOG.get(inner.type)
            if layer_type is None:
                yield in_block(block_name, j, _unknown_type(inner.type), calls[block_name], "type")
                continue
            found = layer_argument_problems(layer_type, inner.arguments, (), _without_parameters)
            for field_name, message in found:
                yield in_block(block_name, j, message, calls[block_name], field_name)


def _passed_value_problems(spec: Spec, layer: FlatLayer) -> Iterable[Problem]:
    """The values a call passes into a block layer's "$param" arguments, checked at the call."""
    layer_type = CATALOG.get(layer.type)
    block, name = layer.origin.block or "", layer.origin.block_layer or ""
    if layer_type is None or block not in spec.blocks:
        return
    written = spec.blocks[block].layers[block_layer_index(spec, block, name)].arguments
    for arg_name, value in layer.arguments.items():
        if arg_name not in layer_type.args or _without_parameters(written.get(arg_name)):
            continue
        if not _without_parameters(value):
            continue  # an expression that failed for this call, reported where it is written
        for field_name, message in _value_problems(layer_type, arg_name, value, (), _all):
            yield located(layer, message, field_name)


def _input_count_problems(type_name: str | None, refs: Sequence[str]) -> Iterable[str]:
    """Merging layers take two or more inputs (Subtract and Dot exactly two); others one."""
    layer_type = CATALOG.get(type_name or "")
    if layer_type is None or not refs:
        return  # an unknown type is reported by the argument checks, no inputs by the names
    if layer_type.takes is not None:  # attention: query and value may be one tensor
        low, high = layer_type.takes
        if not low <= len(refs) <= high:
            yield (
                f"{layer_type.name} takes {low} to {high} inputs"
                f" ({', '.join(layer_type.input_names[:high])}), got {len(refs)}"
            )
        return
    if len(set(refs)) != len(refs):
        yield "names the same input twice"
    if layer_type.is_merge and len(refs) < 2:
        yield f"{layer_type.name} merges two or more inputs, got {len(refs)}"
    if layer_type.max_inputs is not None and len(refs) > layer_type.max_inputs:
        yield (
            f"{layer_type.name} takes exactly {layer_type.max_inputs} inputs,"
            f" got {len(refs)}{_TOO_MANY_HINTS.get(layer_type.name, '')}"
        )
    if not layer_type.is_merge and len(refs) > 1:
        yield (
            f"{layer_type.name} takes one input, got {len(refs)}"
            " (merge them first, e.g. with a Concatenate layer)"
        )


def _unknown_type(type_name: str) -> str:
    hint = did_you_mean(type_name, list(CATALOG)) or " (see the README's layer table)"
    return f"unknown layer type {quoted(type_name)}{hint}"


def _without_parameters(value: Any) -> bool:
    return not any(parameters_used({"value": value}))


def _all(value: Any) -> bool:
    return True
