"""Find blocks: the repeated subgraphs of a flat spec become block definitions and calls.

Candidates come from Keras naming: the layers named `<prefix>_<suffix>` for one prefix
(`conv2_block1_`) form one candidate call when they stand together in the layer list,
only one of them is used outside, and none is shared or computed. Candidates with the
same structure (suffixes, types, internal edges, external inputs, the arguments that
cannot be parameters) form a class. Where its calls differ in an argument, it becomes a
parameter, or arithmetic on an earlier one ("$filters * 4"). Classes are taken greedily,
the one that saves the most entries first. Then the same search runs over the new blocks'
layers together, for blocks they call (one level). The result is expanded again and
compared with the input expanded; on any difference the input comes back unchanged.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.analysis.expand import Expanded, FlatLayer, expand
from generator.analysis.inputs import layer_inputs
from generator.analysis.layers.base import UNSET
from generator.errors import SpecError
from generator.importer.block_params import (
    Params,
    canon,
    free_name,
    local_ok,
    plain_copy,
    varying,
)
from generator.importer.segments import name_pattern, segment_bounds, segment_definition
from generator.spec.model import parse_spec
from generator.spec.names import identifier_problem

HEADER_ENTRIES = 4  # a block definition's own lines: name, inputs, params, layers
# Blocks inside blocks are kept only when they make the spec's text this much shorter: a
# small block of many parameters (conv, bn, relu) saves entries but not reading.
NESTED_GAIN = 0.95
_KINDS = ("block", "share", "compute")  # entries that are not plain layer calls
_UNSET = object()


@dataclass(frozen=True)
class _Layer:
    """One entry of the flat spec, with what it takes written out."""

    name: str
    entry: Mapping[str, Any]
    refs: tuple[str, ...]
    groupable: bool  # a plain layer call that may go into a block


@dataclass(frozen=True)
class _Group:
    """A candidate call: the layers start..stop of one prefix."""

    prefix: str
    start: int
    stop: int
    externals: tuple[str, ...]  # the names it takes from outside, in order of first use
    output: int  # index of the layer the rest of the model uses
    word: str = ""  # a segment's (names templated, not prefixed): its block's name


@dataclass
class _Class:
    """Candidate calls with one structure: one block if taken."""

    key: tuple[Any, ...]
    groups: list[_Group]


def find_blocks(
    spec: Mapping[str, Any], defaults: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The flat spec with its repeated subgraphs as blocks; the input, copied, if none.

    `defaults` gives Keras's default of arguments by layer type, as the spec writes them
    (the catalog's are known anyway): a call that leaves out an argument another call of
    its block writes gets the default, explicitly, so that both share one block.
    """
    return search_blocks(spec, defaults).spec


@dataclass(frozen=True)
class Found:
    """find_blocks's spec, and its expansion where the check made one (to plan it once)."""

    spec: dict[str, Any]
    expanded: Expanded | None


def search_blocks(
    spec: Mapping[str, Any], defaults: Mapping[str, Mapping[str, Any]] | None = None
) -> Found:
    """find_blocks's spec, with the expansion the check of it made."""
    layers = _flat_layers(spec)
    if layers is None:
        return Found(_unchanged(spec), None)
    known = _Defaults(defaults or {})
    outputs = _output_names(spec, layers)
    classes = _classes(layers, outputs, _taken_names(spec, layers), known, segments=True)
    chosen = _choose(classes, len(layers))
    if not chosen:
        return Found(_unchanged(spec), None)
    result, names = _rewrite(spec, layers, chosen, known)
    flat = _expanded(spec)
    blocked = _expanded(result) if flat is not None else None
    if flat is None or blocked is None or not _same_model(blocked, flat, known):
        return Found(_unchanged(spec), flat)
    nested = _nest(result, names, known)
    if nested is None or len(canon(nested)) > NESTED_GAIN * len(canon(result)):
        return Found(result, blocked)
    twice = _expanded(nested)
    if twice is not None and _same_model(twice, flat, known):
        return Found(nested, twice)
    return Found(result, blocked)


def _unchanged(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The input, copied: the caller may change the result."""
    copied: dict[str, Any] = plain_copy(dict(spec))
    return copied


class _Defaults:
    """Keras's default of an argument: from the given table, else from the catalog."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]]) -> None:
        self.table = table

    def get(self, layer_type: str, key: str) -> Any:
        """The default a call that leaves `key` out gets written, or _UNSET."""
        value = self.table.get(layer_type, {}).get(key, _UNSET)
        if value is _UNSET:
            catalog = CATALOG.get(layer_type)
            arg = catalog.args.get(key) if catalog is not None else None
            value = _UNSET if arg is None or arg.default is UNSET else arg.default
        # A block argument cannot be a mapping; a default that holds one is never filled.
        return _UNSET if _holds_mapping(value) else value

    def is_default(self, layer_type: str, key: str, value: Any) -> bool:
        """Whether `value` is what Keras would use anyway."""
        catalog = CATALOG.get(layer_type)
        arg = catalog.args.get(key) if catalog is not None else None
        if arg is not None and arg.is_default(value):
            return True
        table = self.table.get(layer_type, {})
        return key in table and canon(table[key]) == canon(value)


# -- the flat layers -------------------------------------------------------------------


def _flat_layers(spec: Mapping[str, Any]) -> list[_Layer] | None:
    """The layers with their inputs written out; None when this is not a flat spec."""
    entries = spec.get("layers")
    inputs = spec.get("inputs")
    existing = spec.get("blocks", {})
    if not isinstance(existing, dict) or not isinstance(entries, list):
        return None
    if not isinstance(inputs, list):
        return None
    if not inputs or not isinstance(inputs[0], dict) or not isinstance(inputs[0].get("name"), str):
        return None
    return _layers(entries, inputs[0]["name"], nested=False)


def _layers(entries: list[Any], first: str, nested: bool) -> list[_Layer] | None:
    """Entries with what they take written out; inside a block ("nested"), arguments that
    hold "$" may go into a block of its own, which gets them as parameters."""
    shared = {entry.get("share") for entry in entries if isinstance(entry, dict)}
    previous = first
    layers: list[_Layer] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            return None
        refs = _refs(entry.get("inputs"), previous)
        if refs is None:
            return None
        groupable = (
            isinstance(entry.get("type"), str)
            and not any(entry.get(kind) is not None for kind in _KINDS)
            and not isinstance(entry.get("inputs"), dict)
            and "keras_name" not in entry
            and entry["name"] not in shared
            and (nested or not _holds_dollar(_arguments(entry)))
        )
        layers.append(_Layer(entry["name"], entry, refs, groupable))
        previous = entry["name"]
    return layers


def _refs(value: Any, previous: str) -> tuple[str, ...] | None:
    if value is None:
        return (previous,)
    if isinstance(value, str):
        return (value,)
    items = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None
    return tuple(items)


def _arguments(entry: Mapping[str, Any]) -> dict[str, Any]:
    fields = ("name", "type", "inputs", "keras_name")
    return {key: value for key, value in entry.items() if key not in fields}


def _holds_dollar(value: Any) -> bool:
    """A "$" in a block's layer would read as a parameter: such layers stay outside."""
    if isinstance(value, str):
        return "$" in value
    if isinstance(value, dict):
        return any(_holds_dollar(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_dollar(item) for item in value)
    return False


def _holds_mapping(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_mapping(item) for item in value)


def _output_names(spec: Mapping[str, Any], layers: Sequence[_Layer]) -> set[str]:
    outputs = spec.get("outputs")
    if isinstance(outputs, list):
        return {name for name in outputs if isinstance(name, str)}
    return {layers[-1].name} if layers else set()


def _taken_names(spec: Mapping[str, Any], layers: Sequence[_Layer]) -> set[str]:
    names = {layer.name for layer in layers}
    items = spec.get("inputs", [])
    return names | {str(item.get("name")) for item in items if isinstance(item, dict)}


# -- candidates and classes ----------------------------------------------------------


def _classes(
    layers: Sequence[_Layer],
    outputs: set[str],
    taken: set[str],
    known: _Defaults,
    segments: bool = False,
) -> list[_Class]:
    """Every candidate call, classed by structure, in order of first call."""
    members: dict[str, list[int]] = {}
    for i, layer in enumerate(layers):
        for found in re.finditer("_", layer.name):
            if 0 < found.start() < len(layer.name) - 1:
                members.setdefault(layer.name[: found.start()], []).append(i)
    used_at = _last_use(layers)
    index = {layer.name: i for i, layer in enumerate(layers)}
    classes: dict[tuple[Any, ...], _Class] = {}

    # The last position that takes each layer (past the end for a model output).
    far = [
        len(layers) if layer.name in outputs else max(used_at.get(layer.name, [-1]))
        for layer in layers
    ]

    def _segment(
        layers: Sequence[_Layer], call: str, starts: list[int], stop: int, outputs: set[str]
    ) -> _Group | None:
        """The longest run from one of `starts` to `stop` that is a candidate call: none
        of its layers but the last is taken after it."""
        first = stop
        for i in range(stop - 2, starts[0] - 1, -1):
            if far[i] >= stop or not layers[i].groupable:
                break
            first = i
        for start in starts:
            if start >= first and layers[stop - 1].groupable:
                group = _group(layers, call, start, stop, outputs, used_at, index)
                if group is not None and group.output == stop - 1:
                    return group
        return None

    for prefix, places in _candidates(members):
        start, stop = places[0], places[-1] + 1
        if len(places) < 2 or stop - start != len(places) or prefix in taken:
            continue
        if not all(layers[i].groupable for i in places):
            continue
        group = _group(layers, prefix, start, stop, outputs, used_at, index)
        if group is None:
            continue
        key = _structure(layers, group, index, known)
        classes.setdefault(key, _Class(key, [])).groups.append(group)
    if segments:
        names = [layer.name for layer in layers]
        merges = [len(layer.refs) > 1 for layer in layers]
        for word, starts, stop in segment_bounds(names, merges):
            call = f"{names[stop - 1]}_block"
            run = None if call in taken else _segment(layers, call, starts, stop, outputs)
            if run is None:
                continue
            group = replace(run, word=word)
            key = ("segment", *_structure(layers, group, index, known))
            classes.setdefault(key, _Class(key, [])).groups.append(group)
    ordered = sorted(classes.values(), key=lambda item: item.groups[0].start)
    for item in ordered:
        item.groups.sort(key=lambda group: group.start)
    return ordered


def _candidates(members: Mapping[str, list[int]]) -> Iterable[tuple[str, list[int]]]:
    """Each prefix's layers; and, where a longer prefix's layers stand together among them
    (`stage2_more_` in `stage2_`), also those without them."""
    trimmed: dict[str, set[int]] = {}
    for prefix, places in members.items():
        parent = prefix[: prefix.rfind("_")]
        if parent in members and len(places) >= 2 and places[-1] - places[0] + 1 == len(places):
            trimmed.setdefault(parent, set()).update(places)
    for prefix, places in members.items():
        yield prefix, places
        if prefix in trimmed:
            rest = [i for i in places if i not in trimmed[prefix]]
            if rest:
                yield prefix, rest


def _last_use(layers: Sequence[_Layer]) -> dict[str, list[int]]:
    """Where each name is taken: the positions of its consumers."""
    used: dict[str, list[int]] = {}
    for i, layer in enumerate(layers):
        for ref in layer.refs:
            used.setdefault(ref, []).append(i)
    return used


def _group(
    layers: Sequence[_Layer],
    prefix: str,
    start: int,
    stop: int,
    outputs: set[str],
    used_at: Mapping[str, list[int]],
    index: Mapping[str, int],
) -> _Group | None:
    """The candidate call start..stop, if one layer alone is used outside it."""
    externals: list[str] = []
    exported: list[int] = []
    for i in range(start, stop):
        layer = layers[i]
        for ref in layer.refs:
            inside = start <= index.get(ref, -1) < i
            if not inside and ref not in externals:
                if start <= index.get(ref, -1):
                    return None  # a later layer of the call, or itself
                externals.append(ref)
        outside = any(not start <= user < stop for user in used_at.get(layer.name, []))
        if outside or layer.name in outputs:
            exported.append(i)
    if len(exported) > 1 or not externals:
        return None
    return _Group(prefix, start, stop, tuple(externals), exported[0] if exported else stop - 1)


def _structure(
    layers: Sequence[_Layer], group: _Group, index: Mapping[str, int], known: _Defaults
) -> tuple[Any, ...]:
    """What calls of one block share: suffixes, types, edges and the fixed arguments."""
    rows: list[Any] = [len(group.externals), group.output - group.start]
    for i in range(group.start, group.stop):
        entry = layers[i].entry
        refs = tuple(
            ("x", group.externals.index(ref))
            if not group.start <= index.get(ref, -1) < group.stop
            else ("l", index[ref] - group.start)
            for ref in layers[i].refs
        )
        fixed = tuple(
            sorted(
                (key, canon(value) if _holds_mapping(value) else "")
                for key, value in _arguments(entry).items()
                if _holds_mapping(value) or known.get(entry["type"], key) is _UNSET
            )
        )
        name = layers[i].name
        shape = name_pattern(name) if group.word else _suffix(group.prefix, name)
        rows.append((shape, entry["type"], refs, fixed))
    return tuple(rows)


def _suffix(prefix: str, name: str) -> str:
    return name[len(prefix) + 1 :]


# -- choosing classes ------------------------------------------------------------------


def _choose(classes: Sequence[_Class], count: int) -> list[_Class]:
    """Greedily the class that saves the most entries, until none saves any."""
    used = bytearray(count)
    chosen: list[_Class] = []
    while True:
        best: tuple[int, _Class] | None = None
        for item in classes:
            free = _free_groups(item.groups, used)
            saving = _saving(free)
            if saving > 0 and (best is None or saving > best[0]):
                best = (saving, _Class(item.key, free))
        if best is None:
            return sorted(chosen, key=lambda item: item.groups[0].start)
        chosen.append(best[1])
        for group in best[1].groups:
            used[group.start : group.stop] = b"\x01" * (group.stop - group.start)


def _free_groups(groups: Iterable[_Group], used: bytearray) -> list[_Group]:
    free: list[_Group] = []
    end = -1
    for group in groups:
        if group.start >= end and not any(used[group.start : group.stop]):
            free.append(group)
            end = group.stop
    return free


def _saving(groups: Sequence[_Group]) -> int:
    """Entries saved: n calls of L layers become L layers, a header and n calls."""
    if len(groups) < 2:
        return 0
    size = groups[0].stop - groups[0].start
    return len(groups) * size - (size + HEADER_ENTRIES + len(groups))


# -- writing the spec ------------------------------------------------------------------


def _rewrite(
    spec: Mapping[str, Any], layers: Sequence[_Layer], chosen: Sequence[_Class], known: _Defaults
) -> tuple[dict[str, Any], list[str]]:
    """The spec with the chosen classes as blocks and calls, and the new blocks' names."""
    existing = dict(spec.get("blocks", {}))
    names = _block_names(chosen, {layer.name for layer in layers} | set(existing))
    calls: dict[int, tuple[str, _Group, dict[str, Any]]] = {}
    blocks: dict[str, Any] = plain_copy(existing)
    for name, item in zip(names, chosen, strict=True):
        definition, arguments = _definition(layers, item, {*names, *existing}, known)
        blocks[name] = definition
        for group, args in zip(item.groups, arguments, strict=True):
            calls[group.start] = (name, group, args)
    alias = {layers[group.output].name: group.prefix for item in chosen for group in item.groups}
    first_input = spec["inputs"][0]["name"]
    entries = _entries(layers, range(len(layers)), calls, alias, first_input)
    if len(spec["inputs"]) > 1 and "inputs" not in entries[0]:
        entries[0] = _with_inputs(entries[0], first_input)  # needed with several inputs
    result: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "layers":
            result["blocks"] = blocks
            result["layers"] = entries
        elif key == "outputs" and isinstance(value, list):
            result[key] = [
                alias.get(name, name) if isinstance(name, str) else name for name in value
            ]
        elif key != "blocks":
            result[key] = plain_copy(value)
    return result, names


def _nest(result: dict[str, Any], new: Sequence[str], known: _Defaults) -> dict[str, Any] | None:
    """Blocks inside the new blocks, where their layers repeat a subgraph among them
    (EfficientNet's squeeze-and-excite layers in each of its blocks); None if none."""
    blocks: dict[str, Any] = result["blocks"]
    every: list[_Layer] = []  # the blocks' layers one after the other, a barrier between
    spans: dict[str, range] = {}
    merged: dict[tuple[Any, ...], _Class] = {}
    for name in new:
        definition = blocks[name]
        layers = _layers(definition["layers"], definition["inputs"][0], nested=True)
        if layers is None:
            return None
        offset = len(every)
        output = definition.get("output", layers[-1].name)
        taken = {*(layer.name for layer in layers), *definition["inputs"], *blocks}
        taken |= set(definition.get("params", []))
        for item in _classes(layers, {output}, taken, known):
            merged.setdefault(item.key, _Class(item.key, [])).groups.extend(
                _Group(g.prefix, g.start + offset, g.stop + offset, g.externals, g.output + offset)
                for g in item.groups
            )
        every += [*layers, _Layer("", {}, (), groupable=False)]
        spans[name] = range(offset, offset + len(layers))
    chosen = _choose(sorted(merged.values(), key=lambda item: item.groups[0].start), len(every))
    if not chosen:
        return None
    inner = _block_names(chosen, {layer.name for layer in every} | set(blocks))
    nested = dict(blocks)
    calls: dict[int, tuple[str, _Group, dict[str, Any]]] = {}
    for name, item in zip(inner, chosen, strict=True):
        nested[name], arguments = _definition(every, item, {*inner, *blocks}, known)
        calls.update(
            (group.start, (name, group, args))
            for group, args in zip(item.groups, arguments, strict=True)
        )
    for name, span in spans.items():
        alias = {every[g.output].name: g.prefix for g, *_ in _groups_in(calls, span)}
        definition = dict(nested[name])
        definition["layers"] = _entries(every, span, calls, alias, definition["inputs"][0])
        if "output" in definition:
            definition["output"] = alias.get(definition["output"], definition["output"])
        nested[name] = definition
    return {key: nested if key == "blocks" else value for key, value in result.items()}


def _groups_in(
    calls: Mapping[int, tuple[str, _Group, dict[str, Any]]], span: range
) -> Iterable[tuple[_Group, str]]:
    for start, (name, group, _) in calls.items():
        if start in span:
            yield group, name


def _entries(
    layers: Sequence[_Layer],
    span: range,
    calls: Mapping[int, tuple[str, _Group, dict[str, Any]]],
    alias: Mapping[str, str],
    first: str,
) -> list[dict[str, Any]]:
    """The layers of `span` with the calls in place of their layers, names they take renamed."""
    entries: list[dict[str, Any]] = []
    i = span.start
    previous = first
    while i < span.stop:
        if i in calls:
            block, group, args = calls[i]
            refs = tuple(alias.get(ref, ref) for ref in group.externals)
            entry = {"name": group.prefix, "block": block, **_inputs(refs, previous), **args}
            i = group.stop
        else:
            entry = _entry(layers[i], alias, previous)
            i += 1
        entries.append(entry)
        previous = entry["name"]
    return entries


def _inputs(refs: tuple[str, ...], previous: str) -> dict[str, Any]:
    """`inputs` as written: left out when it is the entry above."""
    if refs == (previous,):
        return {}
    return {"inputs": refs[0] if len(refs) == 1 else list(refs)}


def _with_inputs(entry: Mapping[str, Any], inputs: Any) -> dict[str, Any]:
    """The entry with `inputs` written after its name and kind."""
    head = {key: entry[key] for key in ("name", "type", *_KINDS) if key in entry}
    rest = {key: value for key, value in entry.items() if key not in head and key != "inputs"}
    return {**head, "inputs": inputs, **rest}


def _entry(layer: _Layer, alias: Mapping[str, str], previous: str) -> dict[str, Any]:
    entry = plain_copy(dict(layer.entry))
    written = entry.pop("inputs", None)
    if isinstance(written, dict):
        inputs: dict[str, Any] = {"inputs": {k: alias.get(v, v) for k, v in written.items()}}
    else:
        inputs = _inputs(tuple(alias.get(ref, ref) for ref in layer.refs), previous)
    head = {key: entry.pop(key) for key in ("name", "type", *_KINDS) if key in entry}
    return {**head, **inputs, **entry}


def _block_names(chosen: Sequence[_Class], taken: set[str]) -> list[str]:
    """The prefix's last word (`conv2_block1`, `block2a` -> block); then `block_b`, `block_c`
    for other blocks of that word. Never a layer's name, to keep the script clear."""
    names: list[str] = []
    seen: list[str] = []
    for item in chosen:
        base = item.groups[0].word or _word(item.groups[0].prefix)
        earlier = seen.count(base)
        seen.append(base)
        if earlier:
            base = f"{base}_{string.ascii_lowercase[min(earlier, 25)]}"
        names.append(free_name(base, taken | set(names), _fits_block, "block"))
    return names


def _word(prefix: str) -> str:
    """The leading letters of the prefix's last part that has letters, in lower case."""
    for part in reversed(prefix.split("_")):
        found = re.match(r"[A-Za-z]+", part)
        if found and identifier_problem(found.group().lower()) is None:
            return found.group().lower()
    return "block"


def _fits_block(name: str) -> bool:
    return identifier_problem(name) is None


def _definition(
    layers: Sequence[_Layer], item: _Class, block_names: set[str], known: _Defaults
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A block definition and each call's arguments."""
    first = item.groups[0]
    size = first.stop - first.start
    templates: list[str] = []
    named: dict[str, list[int]] = {}  # the templates' parameters, each call's value
    if first.word:
        names = [[layers[group.start + j].name for group in item.groups] for j in range(size)]
        suffixes, templates, named = segment_definition(names, block_names | {"name"})
    else:
        suffixes = [_suffix(first.prefix, layers[first.start + j].name) for j in range(size)]
    local_of = {layers[first.start + j].name: suffixes[j] for j in range(size)}
    taken = set(suffixes) | block_names | {"name"} | set(named)
    fits = local_ok(taken)
    count = len(first.externals)
    inputs = ["x"] if count == 1 else [f"x{k + 1}" for k in range(count)]
    inputs = [free_name(name, taken, fits, "x") for name in inputs]
    taken |= set(inputs)
    columns = [
        ([row.entry.get(key, known.get(row.entry["type"], key)) for row in rows], key)
        for rows in _rows(layers, item)
        for key in _keys(row.entry for row in rows)
    ]
    needed = [found for values, key in columns for found in varying(values, key)]
    params = Params(len(item.groups), taken, needed)
    body: list[dict[str, Any]] = []
    previous = inputs[0]
    for j in range(size):
        rows = [layers[group.start + j] for group in item.groups]
        entry = rows[0].entry
        local = [_local(first, ref, inputs, local_of) for ref in rows[0].refs]
        written: dict[str, Any] = {"name": suffixes[j], "type": entry["type"]}
        if templates:
            written["keras_name"] = templates[j]
        if local != [previous]:
            written["inputs"] = local[0] if len(local) == 1 else local
        keys = _keys(row.entry for row in rows)
        for key in keys:
            values = [row.entry.get(key, known.get(entry["type"], key)) for row in rows]
            written[key] = params.value(values, key, suffixes[j])
        body.append(written)
        previous = suffixes[j]
    definition: dict[str, Any] = {
        "description": _description(item),
        "inputs": inputs,
    }
    if named or params.names:
        definition["params"] = [*named, *params.names]
    definition["layers"] = body
    if first.output != first.stop - 1:
        definition["output"] = suffixes[first.output - first.start]
    calls = [
        {**{name: values[k] for name, values in named.items()}, **args}
        for k, args in enumerate(params.calls)
    ]
    return definition, calls


def _rows(layers: Sequence[_Layer], item: _Class) -> Iterable[list[_Layer]]:
    """Layer j of every call, for each j."""
    size = item.groups[0].stop - item.groups[0].start
    for j in range(size):
        yield [layers[group.start + j] for group in item.groups]


def _local(group: _Group, ref: str, inputs: list[str], local_of: Mapping[str, str]) -> str:
    """What a layer of the block calls a name it takes: a block input or a layer's own."""
    if ref in group.externals:
        return inputs[group.externals.index(ref)]
    return local_of[ref]


def _keys(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every argument any call writes, in order of first appearance."""
    keys: dict[str, None] = {}
    for entry in entries:
        keys.update(dict.fromkeys(_arguments(entry)))
    return list(keys)


def _description(item: _Class) -> str:
    """The block function's docstring: where the block was found."""
    prefixes = [group.prefix for group in item.groups]
    if len(set(prefixes)) == 1:
        return f"Found {len(prefixes)} times, each called {prefixes[0]}."
    return f"Found {len(prefixes)} times: {prefixes[0]} to {prefixes[-1]}."


# -- the check -------------------------------------------------------------------------


def _same_model(found: Expanded, flat: Expanded, known: _Defaults) -> bool:
    """The same layers, in order: names, types, inputs, shares, expressions and arguments
    (an argument left out = its default)."""
    return len(found.layers) == len(flat.layers) and all(
        _same_layer(one, other, known) for one, other in zip(found.layers, flat.layers, strict=True)
    )


def _same_layer(one: FlatLayer, other: FlatLayer, known: _Defaults) -> bool:
    # Identical arguments are the rule; the text with defaults left out decides the rest.
    head = (one.name, one.type, one.inputs, one.shares, _expression_text(one))
    if head != (other.name, other.type, other.inputs, other.shares, _expression_text(other)):
        return False
    if _identical(dict(one.arguments), dict(other.arguments)):
        return True
    return _arguments_text(one, known) == _arguments_text(other, known)


def _expression_text(layer: FlatLayer) -> str | None:
    return layer.expression.text if layer.expression is not None else None


def _identical(one: Any, other: Any) -> bool:
    """Equal, type and all: True is not 1, 1.0 is not 1, -0.0 is not 0.0."""
    if type(one) is not type(other):
        return False
    if isinstance(one, list | tuple):
        return len(one) == len(other) and all(map(_identical, one, other))
    if isinstance(one, dict):
        return one.keys() == other.keys() and all(_identical(one[k], other[k]) for k in one)
    return bool(one == other) and (type(one) is not float or repr(one) == repr(other))


def _expanded(data: Mapping[str, Any]) -> Expanded | None:
    try:
        spec = parse_spec(dict(data))
    except SpecError:
        return None
    result = expand(spec, layer_inputs(spec))
    return None if result.problems else result


def _arguments_text(layer: FlatLayer, known: _Defaults) -> str:
    """The layer's arguments as text, those at Keras's default left out."""
    arguments = {
        key: value
        for key, value in layer.arguments.items()
        if not known.is_default(layer.type, key, value)
    }
    return canon([layer.type, arguments])
