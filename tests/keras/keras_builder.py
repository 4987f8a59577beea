"""Build a spec's model straight from keras.layers, independently of the generator.

Blocks are called by substituting "$param" values and prefixing layer names with
the call's name; `share` reuses a layer object, or, for a block call, a sub-model
built once on inputs of the first call's shapes. Arithmetic such as "$filters * 4" is
evaluated by a small recursive-descent parser of its own (decimal numbers, $names,
+ - * / // %, unary minus, parentheses), not by the generator's ast-based evaluator.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

PARAM = re.compile(r"\$([A-Za-z][A-Za-z0-9_]*)\Z")


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)"
    r"|\$(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>//|[-+*/%()]))"
)
_APPLY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
}


def evaluate(text: str, params: dict[str, Any]) -> Any:
    """Python's value of an arithmetic expression over `$name` parameters."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while text[position:].strip():
        found = _TOKEN.match(text, position)
        if found is None:
            raise ValueError(f"cannot read {text!r} at {position}")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        position = found.end()
    tokens.append(("end", ""))
    index = 0

    def peek() -> tuple[str, str]:
        return tokens[index]

    def take() -> tuple[str, str]:
        nonlocal index
        index += 1
        return tokens[index - 1]

    def sum_() -> Any:
        value = product()
        while peek() in (("op", "+"), ("op", "-")):
            value = _APPLY[take()[1]](value, product())
        return value

    def product() -> Any:
        value = unary()
        while peek()[0] == "op" and peek()[1] in ("*", "/", "//", "%"):
            value = _APPLY[take()[1]](value, unary())
        return value

    def unary() -> Any:
        if peek() == ("op", "-"):
            take()
            return -unary()
        kind, token = take()
        if kind == "number":
            return float(token) if any(c in token for c in ".eE") else int(token)
        if kind == "name":
            return params[token]
        if (kind, token) == ("op", "("):
            value = sum_()
            if take() != ("op", ")"):
                raise ValueError(f"unbalanced parentheses in {text!r}")
            return value
        raise ValueError(f"unexpected {token!r} in {text!r}")

    value = sum_()
    if peek()[0] != "end":
        raise ValueError(f"trailing {peek()[1]!r} in {text!r}")
    return value


def _fill(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, str) and PARAM.match(value):
        return params[value[1:]]
    if isinstance(value, str) and "$" in value:
        return evaluate(value, params)
    if isinstance(value, list):
        return [_fill(item, params) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, params) for key, item in value.items()}
    return value


# Layers with several outputs, as Keras returns them (its own table, not the generator's).
OUTPUTS = {
    "LSTM": ("output", "state_h", "state_c"),
    "GRU": ("output", "state"),
    "SimpleRNN": ("output", "state"),
    "MultiHeadAttention": ("output", "scores"),
    "Attention": ("output", "scores"),
    "AdditiveAttention": ("output", "scores"),
    "ConvLSTM1D": ("output", "state_h", "state_c"),
    "ConvLSTM2D": ("output", "state_h", "state_c"),
    # Bidirectional: the output, the forward layer's states, the backward layer's (by count).
    "Bidirectional": ("output", "forward_state", "backward_state"),
}
BIDIRECTIONAL_LSTM = (
    "output", "forward_state_h", "forward_state_c", "backward_state_h", "backward_state_c",
)  # fmt: skip
LIST_CALLED = {"Attention", "AdditiveAttention"}  # called on [query, value, key]


def _apply(
    layer_object: Any, type_name: str, refs: Any, tensors: dict[str, Any], call: dict[str, Any]
) -> Any:
    """Call a layer as Keras's docs do: attention on (query, value, key), call keywords."""
    if isinstance(refs, dict):
        refs = [refs[key] for key in ("query", "value", "key") if key in refs]
    refs = refs if isinstance(refs, list) else [refs]
    arguments = [tensors[ref] for ref in refs]
    keywords = {
        key: [tensors[ref] for ref in value]
        if isinstance(value, list)
        else tensors[value]
        if isinstance(value, str)
        else value
        for key, value in call.items()
    }
    if type_name in LIST_CALLED or type_name in MERGING:
        return layer_object(arguments, **keywords)
    if type_name in OUTPUTS and type_name not in ("LSTM", "GRU", "SimpleRNN"):
        return layer_object(*arguments, **keywords)
    return layer_object(arguments[0], **keywords)


def _store(tensors: dict[str, Any], name: str, type_name: str, result: Any) -> None:
    """A layer's result by name; each of several outputs also as `name:output`."""
    tensors[name] = result
    if isinstance(result, list | tuple):
        names = OUTPUTS[type_name]
        if type_name == "Bidirectional" and len(result) == len(BIDIRECTIONAL_LSTM):
            names = BIDIRECTIONAL_LSTM
        for output, tensor in zip(names, result, strict=True):
            tensors[f"{name}:{output}"] = tensor


def _construct(keras: Any, layer: dict[str, Any], name: str | None, params: dict[str, Any]) -> Any:
    reserved = ("name", "type", "inputs", "block", "share", "call", "keras_name")
    args = {key: _fill(value, params) for key, value in layer.items() if key not in reserved}
    if "layer" in args:
        args["layer"] = _construct(keras, args["layer"], None, {})  # already filled above
    args = {key: value if key == "layer" else _tuples(value) for key, value in args.items()}
    if name is not None:
        args["name"] = name
    return getattr(keras.layers, layer["type"])(**args)


def _layer_name(layer: dict[str, Any], prefix: str, params: dict[str, Any]) -> str:
    """`<call>_<layer>`, or the layer's keras_name with each `{...}` evaluated."""
    if "keras_name" not in layer:
        return f"{prefix}_{layer['name']}"
    return re.sub(r"\{([^{}]*)\}", lambda m: str(_fill(m.group(1), params)), layer["keras_name"])


def _call_block(
    keras: Any,
    spec: dict[str, Any],
    block_name: str,
    prefix: str,
    inputs: list[Any],
    args: dict[str, Any],
) -> Any:
    block = spec["blocks"][block_name]
    params = {**block.get("defaults", {}), **args}
    local = dict(zip(block.get("inputs", ["x"]), inputs, strict=True))
    previous = block.get("inputs", ["x"])[0]
    for layer in block["layers"]:
        refs = layer.get("inputs", previous)
        if "call" in layer or isinstance(refs, dict) or layer.get("type") in OUTPUTS:
            name = _layer_name(layer, prefix, params)
            layer_object = _construct(keras, layer, name, params)
            result = _apply(layer_object, layer["type"], refs, local, layer.get("call", {}))
            _store(local, layer["name"], layer["type"], result)
            previous = layer["name"]
            continue
        refs = refs if isinstance(refs, list) else [refs]
        tensors = [local[ref] for ref in refs]
        name = _layer_name(layer, prefix, params)
        if "block" in layer:
            inner_args = {
                key: _fill(value, params)
                for key, value in layer.items()
                if key not in ("name", "block", "inputs")
            }
            local[layer["name"]] = _call_block(
                keras, spec, layer["block"], name, tensors, inner_args
            )
        else:
            layer_object = _construct(keras, layer, name, params)
            argument = tensors if len(tensors) > 1 or _is_merge(keras, layer) else tensors[0]
            local[layer["name"]] = layer_object(argument)
        previous = layer["name"]
    return local[block.get("output") or block["layers"][-1]["name"]]


MERGING = {"Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot"}


def _is_merge(keras: Any, layer: dict[str, Any]) -> bool:
    return layer["type"] in MERGING


TENSORS: dict[str, Any] = {}  # the last build's tensors by layer name, compute layers included


def _normal_like_class(keras: Any) -> Any:
    class NormalLike(keras.layers.Layer):  # type: ignore[misc, name-defined]
        def call(self, x: Any) -> Any:
            return keras.random.normal(keras.ops.shape(x))

    return NormalLike


def compute(keras: Any, text: str, tensors: dict[str, Any]) -> Any:
    """A compute expression evaluated by Python itself over keras.ops (test specs only)."""
    ops = keras.ops
    noise = _normal_like_class(keras)
    functions = {
        **{name: getattr(ops, name) for name in ("abs", "square", "sqrt", "exp", "log", "tanh")},
        "sigmoid": ops.sigmoid,
        "relu6": ops.relu6,
        "clip": ops.clip,
        "minimum": ops.minimum,
        "maximum": ops.maximum,
        "sum": ops.sum,
        "mean": ops.mean,
        "max": ops.max,
        "min": ops.min,
        "expand_dims": ops.expand_dims,
        "squeeze": ops.squeeze,
        "l2_normalize": lambda x, axis=-1: ops.normalize(x, axis=axis),
        "normal_like": lambda x: noise()(x),
    }
    return eval(text, {"__builtins__": {}}, {**functions, **tensors})  # noqa: S307


def build(spec: dict[str, Any]) -> Any:
    """The Keras model a spec describes; raises whatever Keras raises."""
    import keras

    tensors: dict[str, Any] = TENSORS
    tensors.clear()
    objects: dict[str, Any] = {}
    types: dict[str, str] = {}  # the type of each layer object made from a type
    shared = {layer["share"] for layer in spec["layers"] if "share" in layer}
    for item in spec["inputs"]:
        shape = tuple(item["shape"])
        tensors[item["name"]] = keras.Input(
            shape=shape, dtype=item.get("dtype", "float32"), name=item["name"]
        )
    previous = spec["inputs"][0]["name"]
    for layer in spec["layers"]:
        refs = layer.get("inputs", previous)
        if isinstance(refs, dict):
            arguments = [tensors[ref] for ref in refs.values()]
        else:
            arguments = (
                [tensors[ref] for ref in refs] if isinstance(refs, list) else [tensors[refs]]
            )
        name = layer["name"]
        if "compute" in layer:
            if isinstance(refs, dict):
                bound = refs
            else:
                bound = {ref: ref for ref in (refs if isinstance(refs, list) else [refs])}
            local = {key: tensors[value] for key, value in bound.items()}
            tensors[name] = compute(keras, layer["compute"], local)
        elif "share" in layer and ("call" in layer or types.get(layer["share"]) in OUTPUTS):
            type_name = types[layer["share"]]
            result = _apply(
                objects[layer["share"]], type_name, refs, tensors, layer.get("call", {})
            )
            _store(tensors, name, type_name, result)
        elif "share" in layer:
            target = objects[layer["share"]]
            tensors[name] = target(arguments if len(arguments) > 1 else arguments[0])
        elif "block" in layer:
            args = {
                key: value for key, value in layer.items() if key not in ("name", "block", "inputs")
            }
            if name in shared:
                tower_inputs = [keras.Input(shape=tuple(t.shape[1:])) for t in arguments]
                output = _call_block(keras, spec, layer["block"], name, tower_inputs, args)
                objects[name] = keras.Model(
                    tower_inputs if len(tower_inputs) > 1 else tower_inputs[0], output, name=name
                )
                tensors[name] = objects[name](arguments if len(arguments) > 1 else arguments[0])
            else:
                tensors[name] = _call_block(keras, spec, layer["block"], name, arguments, args)
        elif "call" in layer or isinstance(refs, dict) or layer["type"] in OUTPUTS:
            layer_object = _construct(keras, layer, name, {})
            objects[name], types[name] = layer_object, layer["type"]
            result = _apply(layer_object, layer["type"], refs, tensors, layer.get("call", {}))
            _store(tensors, name, layer["type"], result)
        else:
            layer_object = _construct(keras, layer, name, {})
            objects[name] = layer_object
            merge = isinstance(refs, list) and _is_merge(keras, layer)
            tensors[name] = layer_object(arguments if merge else arguments[0])
        previous = name
    outputs = [tensors[name] for name in spec.get("outputs") or [spec["layers"][-1]["name"]]]
    inputs = [tensors[item["name"]] for item in spec["inputs"]]
    return keras.Model(inputs=inputs, outputs=outputs, name=spec["name"])


def weight_counts(layer: Any) -> tuple[int, int]:
    """(trainable, non-trainable) weight counts of one Keras layer."""
    trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return trainable, frozen


def forward_batch(
    spec: dict[str, Any], length: int, values: dict[str, tuple[Any, ...]] | None = None
) -> list[Any]:
    """Two examples per input, variable lengths set to `length`: zeros, or the first of the
    values the script would draw (a lookup's vocabulary); strings as a tf.string tensor."""
    batch = []
    for item in spec["inputs"]:
        shape = (2, *(length if dim is None else dim for dim in item["shape"]))
        dtype = item.get("dtype", "float32")
        drawn = (values or {}).get(item["name"]) or ()
        if dtype == "string":
            import tensorflow as tf

            batch.append(tf.constant(np.full(shape, drawn[0] if drawn else "red", dtype=object)))
        else:
            batch.append(np.full(shape, drawn[0] if drawn else 0, dtype=dtype))
    if any(item.get("dtype") == "string" for item in spec["inputs"]):
        import tensorflow as tf  # a call may not mix tf.string tensors and NumPy arrays

        batch = [tf.constant(array) for array in batch]
    return batch
