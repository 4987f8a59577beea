"""Several outputs and call arguments: `encoder:state_h`, `call: {initial_state: ...}`.

A reference is `name` or `name:output`, the one syntax for one output of a thing with
several: a layer (an LSTM's state_h) or a model block's call (`encoder:z_mean`, named after
the block layer it returns). Keras names never hold ":", so the split is unambiguous; a
thing with several outputs must be referenced with the output it means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import Args, LayerType, one_output
from generator.display import quoted
from generator.errors import Problem, did_you_mean
from generator.spec.fields import FieldPath
from generator.spec.model import BlockSpec, LayerSpec, Spec

SEPARATOR = ":"
CallValue = str | list[str] | bool


def split_ref(ref: str) -> tuple[str, str | None]:
    """`encoder:state_h` -> ("encoder", "state_h"); `encoder` -> ("encoder", None)."""
    base, separator, output = ref.partition(SEPARATOR)
    return base, (output if separator else None)


def join_ref(base: str, output: str | None) -> str:
    """The reference to one output of `base` (its only output when None)."""
    return base if output is None else f"{base}{SEPARATOR}{output}"


def flags(call: Mapping[str, Any] | None) -> dict[str, bool]:
    """The call's true/false arguments (use_causal_mask, return_attention_scores)."""
    return {key: value for key, value in (call or {}).items() if type(value) is bool}


def tensor_refs(
    call: Mapping[str, Any] | None, layer_type: LayerType | None = None
) -> dict[str, tuple[str, ...]]:
    """The call's tensor arguments, each as a tuple of references (with `layer_type`: only
    the arguments it takes as tensors, the others being reported as unknown or not a flag)."""
    found: dict[str, tuple[str, ...]] = {}
    for key, value in (call or {}).items():
        arg = None if layer_type is None else layer_type.calls.get(key)
        if layer_type is not None and (arg is None or not arg.tensors):
            continue
        if isinstance(value, str):
            found[key] = (value,)
        elif isinstance(value, list | tuple):
            found[key] = tuple(value)
    return found


def with_flags(args: Args, call: Mapping[str, Any] | None) -> dict[str, Any]:
    """Constructor arguments and call flags together, as the shape rules read them."""
    return {**args, **flags(call)}


def output_names(
    layer_type: LayerType | None, args: Args, call: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """The outputs of a layer of this type, given its arguments and its call."""
    if layer_type is None:
        return one_output(args)
    return layer_type.output_names(with_flags(args, call))


def spec_outputs(
    layers: Sequence[LayerSpec], blocks: Mapping[str, BlockSpec]
) -> dict[str, tuple[str, ...]]:
    """The outputs of each layer of one scope (the model, or one block), by name: a block
    call's are the names of the layers its block returns."""
    found: dict[str, tuple[str, ...]] = {}
    for layer in layers:
        source = _source(layer, layers)
        block = blocks.get(source.block or "")
        if block is not None:
            found[layer.name] = tuple(block.output_names)
        else:
            found[layer.name] = output_names(type_of(layer, layers), source.arguments, layer.call)
    return found


def reference_problem(ref: str, outputs: Mapping[str, tuple[str, ...]]) -> str | None:
    """Why `ref` does not name one output of a known layer or input, or None."""
    base, output = split_ref(ref)
    names = outputs.get(base, ("output",))
    if output is None:
        if len(names) > 1:
            return (
                f"{quoted(base)} has several outputs ({', '.join(names)}): name one,"
                f" e.g. {base}{SEPARATOR}{names[0]}"
            )
        return None
    if len(names) == 1:
        return (
            f"{quoted(base)} has one output: write {quoted(base)}, without {quoted(':' + output)}"
        )
    if output not in names:
        hint = did_you_mean(output, list(names)) or ""
        return (
            f"unknown output {quoted(output)} of {quoted(base)}{hint} (it has {', '.join(names)})"
        )
    return None


def type_of(layer: LayerSpec, layers: Sequence[LayerSpec]) -> LayerType | None:
    """The catalog type of a layer, or of the layer it shares."""
    source = _source(layer, layers)
    return CATALOG.get(source.type) if source.type else None


def _source(layer: LayerSpec, layers: Sequence[LayerSpec]) -> LayerSpec:
    """The layer whose type and arguments `layer` has: itself, or the one it shares."""
    if layer.share is None:
        return layer
    return next((item for item in layers if item.name == layer.share), layer)


def call_problems(spec: Spec) -> Iterable[Problem]:
    """Call arguments and named inputs of every layer, top level and in blocks."""
    for i, layer in enumerate(spec.layers):
        yield from _layer_call_problems(spec, layer, ("layers", i))
    for block_name, block in spec.blocks.items():
        for j, inner in enumerate(block.layers):
            yield from _layer_call_problems(spec, inner, ("blocks", block_name, "layers", j))


_NO_CALL = "only a layer with a type takes call arguments"


def _layer_call_problems(spec: Spec, layer: LayerSpec, path: FieldPath) -> Iterable[Problem]:
    layer_type = type_of(layer, spec.layers)
    if isinstance(layer.inputs, dict) and layer_type is not None and layer_type.input_names:
        yield from _named_input_problems(layer_type, layer.inputs, (*path, "inputs"))
    if layer.call is None:
        return
    if layer_type is None:
        if layer.block is not None or layer.compute is not None:
            yield Problem(_NO_CALL, (*path, "call"))
        return
    for key, value in layer.call.items():
        where: FieldPath = (*path, "call", key)
        arg = layer_type.calls.get(key)
        if arg is None:
            allowed = ", ".join(layer_type.calls) or "none"
            hint = did_you_mean(key, list(layer_type.calls))
            yield Problem(
                f"unknown call argument {quoted(key)} for {layer_type.name}{hint}"
                f" (allowed: {allowed})",
                where,
            )
        elif not arg.tensors and type(value) is not bool:
            yield Problem(f"expected true or false, got {value!r}", where)
        elif arg.tensors and arg.many and not (isinstance(value, list) and value):
            yield Problem("expected a list of layer or input names", where)
        elif arg.tensors and not arg.many and not isinstance(value, str):
            yield Problem("expected one layer or input name", where)


def _named_input_problems(
    layer_type: LayerType, inputs: Mapping[str, str], path: FieldPath
) -> Iterable[Problem]:
    names = layer_type.input_names
    for key in inputs:
        if key not in names:
            hint = did_you_mean(key, list(names))
            yield Problem(
                f"{layer_type.name} takes {', '.join(names)}, not {quoted(key)}{hint}", path
            )
    for needed in names[:2]:
        if needed not in inputs:
            yield Problem(f"{layer_type.name} needs {quoted(needed)} in its inputs", path)
