"""The converter: a Keras 3 Functional config's layer calls, one by one, as spec entries.

Layers keep their Keras names, classes and connections; an argument is written only where
it differs from Keras's default (keras_defaults.py). Nested Functional models become model
blocks, converted by a converter of their own.
"""

from __future__ import annotations

from typing import Any

from generator.analysis.calls import join_ref, output_names
from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import LayerType
from generator.display import show_value
from generator.errors import Problem
from generator.importer import ops, wrapped
from generator.importer.keras_defaults import COMMON, LAYER_DEFAULTS
from generator.importer.nodes import (
    FUNCTIONAL,
    call_order,
    first_node,
    history,
    is_tensor,
    tensors,
)
from generator.importer.own_layers import NORMAL_LIKE_TEXT, is_normal_like
from generator.importer.refuse import layer_problem
from generator.importer.values import compact_size, same, spec_object
from generator.spec.names import identifier_problem

_NO_DEFAULT = object()
_FOLLOWS = {("MultiHeadAttention", "value_dim"): "key_dim"}


class Converter:
    """Turns layer calls, each after those it takes tensors from, into spec entries."""

    def __init__(
        self,
        file: str,
        layers: list[dict[str, Any]],
        output_layers: Any,
        scope: str = "",
        exact: bool = True,
    ) -> None:
        self.file = file
        self.exact = exact  # a Keras 3 Functional model: its inputs' and outputs' form too
        self.scope = scope  # "" for the model, the sub-model's name inside one
        self.blocks: dict[str, Any] = {}  # nested Functional models, as model blocks
        self.inputs: list[dict[str, Any]] = []
        self.layers: list[dict[str, Any]] = []
        self.problems: list[Problem] = []
        self.implicit: set[str] = set()  # nodes Keras adds by itself (a mask)
        self.masking: set[str] = set()  # Embedding layers with mask_zero=True
        # layer -> per call: its spec name and output names (None: the call was refused)
        self.calls: dict[str, list[tuple[str, tuple[str, ...]] | None]] = {}
        self.defined: dict[str, dict[str, Any]] = {}  # each layer's entry, by Keras name
        self.offset = {str(layer.get("name")): first_node(layer) for layer in layers}
        self.taken = {str(layer.get("name")) for layer in layers}
        self.output_keys = _output_keys(output_layers)
        self.list_forms: set[str] = set()  # "inputs", "outputs": the model's, given as a list

    def fail(self, name: Any, message: str) -> None:
        where = f"sub-model {show_value(self.scope)}, " if self.scope else ""
        self.problems.append(Problem(f"{where}layer {show_value(name)}: {message}", (), self.file))

    def add(self, layer: dict[str, Any], index: int) -> None:
        """One call of a layer: its first call defines it, a later one shares it."""
        name = layer.get("name")
        config = mapping(layer.get("config"))
        class_name = layer.get("class_name")
        self.calls.setdefault(str(name), [])
        if class_name == "InputLayer" and layer.get("module") == "keras.layers":
            self._input(name, config)
            return
        nodes = layer.get("inbound_nodes")
        if not isinstance(nodes, list) or not nodes:
            self.fail(name, "never called in the model; nothing to import")
            return
        if not isinstance(nodes[index], dict):
            self.fail(name, f"call {index + 1} is not a call record: {show_value(nodes[index])}")
            return
        node = nodes[index]
        given = node.get("args")
        args: list[Any] = given if isinstance(given, list) else []
        kwargs = mapping(node.get("kwargs"))
        spec_name = str(name) if index == 0 else self._call_name(str(name), index)
        if class_name in FUNCTIONAL:
            self._model_call(str(name), index, spec_name, config, args, kwargs)
            return
        if is_normal_like(layer):
            if index == 0 and self._tensor_kwargs(name, kwargs, None) == {}:
                self._normal_like(str(name), args)
            else:
                self._refused(name)
            return
        if ops.is_operation(layer):
            if index == 0 and self._tensor_kwargs(name, kwargs, None) == {}:
                self._operation(str(name), str(class_name), args, config)
            else:
                self._refused(name)
            return
        if index > 0 and self.calls[str(name)][:1] == [None]:
            self._refused(name)  # its first call was refused, with the reason
            return
        layer_type = CATALOG[str(class_name)]
        call = self._tensor_kwargs(name, kwargs, layer_type)
        sources = None if call is None else self._references(name, args)
        if call is None or sources is None:
            self._refused(name)
            return
        entry: dict[str, Any] = {"name": spec_name}
        if index == 0:
            entry["type"] = class_name
        else:
            entry["share"] = str(name)
        if not self._inputs(entry, layer_type, sources):
            self._refused(name)
            return
        if index == 0:
            self._arguments(entry, str(class_name), config)
            if class_name in wrapped.WRAPPERS and "layer" not in entry:
                self._refused(name)  # its wrapped layer was refused, with the reason
                return
            self.defined[str(name)] = entry
        if call:
            entry["call"] = call
        flags = {key: value for key, value in call.items() if value is True}
        # The outputs follow from the arguments in spec form (a wrapped layer as {type: ...}).
        outputs = output_names(layer_type, self.defined[str(name)], flags)
        self.calls[str(name)].append((spec_name, outputs))
        self.layers.append(entry)

    def _model_call(
        self,
        name: str,
        index: int,
        spec_name: str,
        config: dict[str, Any],
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> None:
        """A call of a nested Functional model: its first call defines a model block."""
        if self._tensor_kwargs(name, kwargs, None) is None:
            self._refused(name)
            return
        sources = self._references(name, args)
        if sources is None:
            self._refused(name)
            return
        single = len(args) == 1 and is_tensor(args[0])
        if len(args) != 1 or (len(sources) > 1) == single:
            self.fail(name, "a sub-model called on other than one tensor or one list of them")
            self._refused(name)
            return
        if index == 0:
            block = self._model_block(name, config, args)
            if block is None:
                self._refused(name)
                return
            block_name = self._block_name(name)
            self.blocks[block_name] = block
            entry: dict[str, Any] = {"name": spec_name, "block": block_name}
            outputs = _block_outputs(block)
        else:
            first = self.calls[name][0] if self.calls[name] else None
            if first is None:
                self._refused(name)
                return
            entry = {"name": spec_name, "share": name}
            outputs = first[1]
        previous = self.layers[-1]["name"] if self.layers else None
        if sources != [previous]:
            entry["inputs"] = sources[0] if single else sources
        self.calls[name].append((spec_name, outputs))
        self.layers.append(entry)

    def _block_name(self, name: str) -> str:
        """The sub-model's name where it is a free identifier (a Keras name may hold - or .)."""
        wanted = name if identifier_problem(name) is None else "sub_model"
        found, count = wanted, 1
        while found in self.blocks or identifier_problem(f"build_{found}") is not None:
            count += 1
            found = f"{wanted}_{count}"
        return found

    def _model_block(
        self, name: str, config: dict[str, Any], args: list[Any]
    ) -> dict[str, Any] | None:
        """A nested Functional model's config as a `model: true` block."""
        if self.scope:
            self.fail(name, "a model inside a sub-model; model blocks nest one level deep")
            return None
        if config.get("trainable", True) is not True:
            self.fail(name, "a sub-model with trainable=false; the spec cannot write it")
            return None
        entries = config.get("layers")
        layers = (
            [item for item in entries if isinstance(item, dict)]
            if isinstance(entries, list)
            else []
        )
        inner = Converter(
            self.file, layers, config.get("output_layers"), scope=name, exact=self.exact
        )
        refused = [message for message in map(layer_problem, layers) if message]
        if refused:
            where = f"sub-model {show_value(name)}, "
            self.problems += [Problem(where + message, (), self.file) for message in refused]
            return None
        for layer, index in call_order(layers):
            inner.add(layer, index)
        inputs = inner.model_inputs(config.get("input_layers"))
        outputs = inner.outputs(config.get("output_layers"))
        fed = tensors(args)
        for item, tensor in zip(inputs, fed, strict=False):
            shape = mapping(tensor.get("config")).get("shape")
            if not isinstance(shape, list) or shape[1:] != item["shape"]:
                inner.fail(
                    item["name"],
                    f"an input of shape {show_value(item['shape'])} fed"
                    f" {show_value(shape[1:] if isinstance(shape, list) else shape)}; the"
                    " script shapes a sub-model's inputs as its call feeds them",
                )
        if len(inputs) != len(fed):
            inner.fail(name, f"takes {len(inputs)} inputs, called on {len(fed)}")
        self.problems += inner.problems
        if inner.problems or not inner.layers:
            return None
        block: dict[str, Any] = {"model": True, "inputs": [item["name"] for item in inputs]}
        block["layers"] = inner.layers
        if outputs != [inner.layers[-1]["name"]]:
            block["output"] = outputs[0] if len(outputs) == 1 else outputs
        return block

    def _refused(self, name: Any) -> None:
        self.calls[str(name)].append(None)

    def _call_name(self, layer: str, index: int) -> str:
        """The spec name of a later call of a shared layer: the model's output key for
        it, or `<layer>_call_<n>`, unlike every other name."""
        key = self.output_keys.get((layer, index + self.offset.get(layer, 0), 0))
        if key is not None and key not in self.taken:
            self.taken.add(key)
            return key
        return self._free_name(f"{layer}_call_{index + 1}")

    def _free_name(self, wanted: str) -> str:
        name, count = wanted, 1
        while name in self.taken:
            count += 1
            name = f"{wanted}_{count}"
        self.taken.add(name)
        return name

    def _input(self, name: Any, config: dict[str, Any]) -> None:
        shape = config.get("batch_shape")
        entry: dict[str, Any] = {"name": name}
        self.calls[str(name)].append((str(name), ("output",)))
        if not isinstance(shape, list) or not shape:
            self.fail(name, f"an input without a batch_shape, got {show_value(shape)}")
            return
        if shape[0] is not None:
            self.fail(name, f"a fixed batch size {show_value(shape[0])} is not imported yet")
        entry["shape"] = shape[1:]
        if config.get("dtype", "float32") != "float32":
            entry["dtype"] = config.get("dtype")
        for flag in ("sparse", "ragged", "optional"):
            if config.get(flag, False) is not False:
                self.fail(name, f"a {flag} input is not imported yet")
        self.inputs.append(entry)

    def _tensor_kwargs(
        self, name: Any, kwargs: dict[str, Any], layer_type: LayerType | None
    ) -> dict[str, Any] | None:
        """The spec's `call:` of a node: tensors as references, flags that are true; None
        (refused) for what the spec cannot write. Keras records training=False and an
        Embedding's mask by itself: those are left to Keras to record again."""
        call: dict[str, Any] = {}
        for key, value in kwargs.items():
            found = tensors(value)
            if key == "mask" and found and all(_source(t) in self.implicit for t in found):
                continue
            if value is None or (key, value) == ("training", False):
                continue
            arg = layer_type.calls.get(key) if layer_type is not None else None
            if arg is None:
                why = _UNKNOWN_CALL.get(key, "the spec cannot write it")
                if found:
                    self.fail(name, f"the call argument {key}= takes a tensor; {why}")
                else:
                    shown = show_value(value)
                    self.fail(name, f"the call argument {key}={shown} is not imported; {why}")
                return None
            if not arg.tensors:
                if value is not True:
                    self.fail(
                        name,
                        f"the call argument {key}={show_value(value)} is written out; the"
                        " spec writes only `true` there (Keras would not record the default)",
                    )
                    return None
                call[key] = True
                continue
            shape_ok = (
                isinstance(value, list) and value and all(is_tensor(item) for item in value)
                if arg.many
                else is_tensor(value)
            )
            refs = self._references(name, value if isinstance(value, list) else [value])
            if not shape_ok or refs is None:
                if not shape_ok:
                    self.fail(name, f"the call argument {key}= takes an unexpected structure")
                return None
            call[key] = refs if arg.many else refs[0]
        return call

    def _references(self, name: Any, args: list[Any]) -> list[str] | None:
        found = [self.reference(tensor) for tensor in tensors(args)]
        if any(ref is None for ref in found):
            for tensor, ref in zip(tensors(args), found, strict=True):
                if ref is None and not self._reported(tensor):
                    self.fail(name, f"takes {_shown_history(tensor)}, which was not imported")
                    break
            return None
        return [ref for ref in found if ref is not None]

    def reference(self, tensor: Any, listed: bool = False) -> str | None:
        """The spec reference (`name` or `name:output`) of a tensor (`listed`: of an entry
        of output_layers); None if not imported."""
        found = history(tensor)
        if found is None:
            return None
        layer, node, index = found
        calls = self.calls.get(layer)
        node -= self.offset.get(layer, 0) if listed else 0
        if calls is None or not 0 <= node < len(calls) or calls[node] is None:
            return None
        spec_name, outputs = calls[node]  # type: ignore[misc]
        if index >= len(outputs):
            return None
        return spec_name if len(outputs) == 1 else join_ref(spec_name, outputs[index])

    def _reported(self, tensor: Any, listed: bool = False) -> bool:
        """Whether the call a tensor comes from was refused, with its own message."""
        found = history(tensor)
        calls = self.calls.get(found[0]) if found is not None else None
        if found is None or calls is None or found[0] in self.implicit:
            return False  # a mask Keras adds is no refusal: taking it needs a message
        node = found[1] - (self.offset.get(found[0], 0) if listed else 0)
        return 0 <= node < len(calls) and calls[node] is None

    def _inputs(self, entry: dict[str, Any], layer_type: LayerType, sources: list[str]) -> bool:
        """The entry's `inputs`, left out when it takes the entry just above."""
        name = entry["name"]
        previous = self.layers[-1]["name"] if self.layers else None
        if layer_type.is_merge or layer_type.takes is not None:
            entry["inputs"] = sources
        elif len(sources) != 1:
            self.fail(name, f"takes {len(sources)} tensors; expected one")
            return False
        elif sources[0] != previous:
            entry["inputs"] = sources[0]
        return True

    def _operation(
        self, name: str, class_name: str, args: list[Any], config: dict[str, Any]
    ) -> None:
        if class_name in ops.IMPLICIT:
            if self._is_mask(args):
                self.implicit.add(name)
            else:
                self.fail(name, f"{class_name} is written only as the mask an Embedding adds")
            self._refused(name)
            return
        sources = self._references(name, args)
        if sources is None:
            self._refused(name)
            return
        try:
            text, found = ops.expression(class_name, args, config, is_tensor)
        except ops.OperationError as error:
            self.fail(name, str(error))
            self._refused(name)
            return
        self._compute(name, text, found, name)

    def _normal_like(self, name: str, args: list[Any]) -> None:
        """mergegen's own NormalLike layer: the expression `normal_like(x)` makes it again."""
        sources = self._references(name, args)
        if sources is None:
            self._refused(name)
        elif len(args) != 1 or not is_tensor(args[0]):
            self.fail(name, "NormalLike called on other than one tensor")
            self._refused(name)
        else:
            # Its own name is how Keras names NormalLike layers, which no spec entry may take.
            self._compute(name, NORMAL_LIKE_TEXT, args, self._free_name("noise"))

    def _compute(self, name: str, text: str, found: list[Any], own: str) -> None:
        """A node written as a compute entry named `own`, its tensors bound to the
        expression's locals."""
        bound = {local: self.reference(t) for local, t in zip(ops.LOCALS, found, strict=False)}
        # An output's key names it (the op's own name is Keras's counter, made again anyway).
        key = self.output_keys.get((name, 0, 0))
        spec_name = key if key is not None and key not in self.taken else own
        self.taken.add(spec_name)
        self.calls[name].append((spec_name, ("output",)))
        self.layers.append({"name": spec_name, "compute": text, "inputs": bound})

    def _is_mask(self, args: list[Any]) -> bool:
        """not_equal(embedding, 0): the mask Embedding(mask_zero=True) computes."""
        return (
            len(args) == 2
            and is_tensor(args[0])
            and _source(args[0]) in self.masking
            and type(args[1]) is int
            and args[1] == 0
        )

    def _arguments(self, entry: dict[str, Any], class_name: str, config: dict[str, Any]) -> None:
        """The constructor arguments that differ from Keras's defaults."""
        name = entry["name"]
        layer_type = CATALOG[class_name]
        defaults = LAYER_DEFAULTS.get(class_name, {})
        if class_name in wrapped.WRAPPERS:
            nested = wrapped.nested_layer(
                class_name, config, self._arguments, lambda message: self.fail(name, message)
            )
            if nested is not None:
                entry["layer"] = nested
        for key, value in config.items():
            if key == "name" or (key in wrapped.NESTED and class_name in wrapped.WRAPPERS):
                continue
            if (class_name, key, value) == ("Bidirectional", "merge_mode", None):
                self.fail(name, "merge_mode=None (both outputs, unmerged) is not imported yet")
                continue
            default = COMMON.get(key, defaults.get(key, _NO_DEFAULT))
            if default is not _NO_DEFAULT and same(value, default):
                continue
            family = layer_type.args[key].kind.family if key in layer_type.args else None
            if (
                family
                and default is not _NO_DEFAULT
                and spec_object(family, value) == spec_object(family, default)
            ):
                continue  # the same object in another form (Keras 2 writes no module)
            if key in ("strides",) and "pool_size" in config and same(value, config["pool_size"]):
                continue  # a pooling layer's strides default to its pool size
            if (class_name, key) in _FOLLOWS and same(value, config.get(_FOLLOWS[class_name, key])):
                continue  # value_dim defaults to key_dim
            if key == "vocabulary_size" and class_name.endswith("Lookup"):
                continue  # Keras computes it from the vocabulary
            if (class_name, key, value) == ("MultiHeadAttention", "attention_axes", [1]):
                continue  # what Keras makes of None on (batch, steps, features), the only rank
            if class_name == "LayerNormalization" and key == "axis" and _one_int(value):
                value = value[0]  # build() makes axis=k [k]: k rebuilds the same
                if same(value, default):
                    continue
            if value is None and key in layer_type.args and layer_type.args[key].kind.family:
                continue  # no regularizer (Keras 2 writes activity_regularizer: null too)
            if key not in layer_type.args:
                self.fail(
                    name,
                    f"{class_name} with {key}={show_value(value)} is not imported"
                    " yet (mergegen writes only Keras's default there)",
                )
                continue
            entry[key] = _argument(layer_type.args[key].kind.family, key, value)
        if class_name == "Embedding" and config.get("mask_zero") is True:
            self.masking.add(name)

    def model_inputs(self, input_layers: Any) -> list[dict[str, Any]]:
        """The inputs in the model's order."""
        self._io_form("inputs", input_layers)
        if isinstance(input_layers, dict):
            keyed = {key: history(value) for key, value in input_layers.items()}
            if any(found is None or found[0] != key for key, found in keyed.items()):
                self._io_problem("inputs are keyed other than by their names")
            return _in_order(self.inputs, [[key] for key in keyed])
        return _in_order(self.inputs, input_layers)

    def outputs(self, output_layers: Any) -> list[Any]:
        """The references of the outputs, in order."""
        self._io_form("outputs", output_layers)
        keyed = isinstance(output_layers, dict)
        items = list(output_layers.values()) if keyed else output_layers
        if history(items) is not None:
            items = [items]
        names = []
        for key, item in zip(output_layers if keyed else items, items, strict=True):
            ref = self.reference(item, listed=True)
            if ref is None and self._reported(item, listed=True):
                continue
            if ref is None:
                shown = show_value(item)
                self.problems.append(Problem(f"output {shown} was not imported", (), self.file))
            elif keyed and key != ref:
                self._io_problem(f"outputs are keyed {show_value(key)} for the layer {ref!r}")
            else:
                names.append(ref)
        return names

    def _io_form(self, which: str, given: Any) -> None:
        """Inputs or outputs in a form the script builds: one bare; several as a dict keyed
        by name (the model) or a list (a sub-model, returned by its build function); the
        model's as a list of any length (`inputs_as: list`), noted in `list_forms`."""
        if not self.exact or history(given) is not None:
            return
        if not self.scope and isinstance(given, list) and given:
            if all(history(item) is not None for item in given):
                self.list_forms.add(which)
            else:
                self._io_problem(f"{which} are a list of other than layer outputs")
            return
        several = "a list" if self.scope else "a dict keyed by layer name"
        count = len(given) if isinstance(given, list | dict) else 0
        form = "a dict" if isinstance(given, dict) else "a list"
        if count == 1 or (count > 1 and not several.startswith(form)):
            expected = "one bare" if count == 1 else f"several as {several}"
            self._io_problem(f"{which} are {form} of {count}; the script builds {expected}")

    def _io_problem(self, what: str) -> None:
        owner = f"sub-model {show_value(self.scope)}" if self.scope else "model"
        self.problems.append(
            Problem(f"the {owner}'s {what}, so to_json() would differ; not imported", (), self.file)
        )


_UNKNOWN_CALL = {
    "training": "the script never passes `training` (Keras records only training=False)",
    "query": "the script passes query, value and key by position",
    "value": "the script passes query, value and key by position",
    "key": "the script passes query, value and key by position",
    "mask": "the spec writes no mask call argument (Keras's own masks still flow)",
}


def _block_outputs(block: dict[str, Any]) -> tuple[str, ...]:
    """A model block call's outputs: the names of the layers it returns."""
    output = block.get("output", block["layers"][-1]["name"])
    return tuple(output) if isinstance(output, list) else ("output",)


def _output_keys(output_layers: Any) -> dict[tuple[str, int, int], str]:
    """Output dict keys by the call they name: a compute entry takes its key as its name."""
    if not isinstance(output_layers, dict):
        return {}
    found = {key: history(value) for key, value in output_layers.items()}
    return {where: key for key, where in found.items() if where is not None}


def _shown_history(tensor: Any) -> str:
    found = history(tensor)
    if found is None:
        return f"a tensor {show_value(tensor)}"
    layer, node, index = found
    return f"output {index} of call {node} of {show_value(layer)}"


def mapping(value: Any) -> dict[str, Any]:
    """The value if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def _in_order(inputs: list[dict[str, Any]], input_layers: Any) -> list[dict[str, Any]]:
    """The model's inputs in the order of its input_layers (the layer list may differ)."""
    if isinstance(input_layers, list) and input_layers and isinstance(input_layers[0], str):
        input_layers = [input_layers]
    order = (
        [item[0] for item in input_layers if isinstance(item, list) and item]
        if isinstance(input_layers, list)
        else []
    )
    rank = {name: index for index, name in enumerate(order) if isinstance(name, str)}

    def position(item: dict[str, Any]) -> int:
        name = item.get("name")
        return rank.get(name, len(rank)) if isinstance(name, str) else len(rank)

    return sorted(inputs, key=position)


def _one_int(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 1 and type(value[0]) is int


def _argument(family: str | None, key: str, value: Any) -> Any:
    if family is not None:
        return spec_object(family, value)
    return compact_size(key, value)


def _source(tensor: Any) -> str | None:
    """The layer a tensor comes from, for its first output of its first call only."""
    found = history(tensor)
    return found[0] if found is not None and found[1:] == (0, 0) else None
