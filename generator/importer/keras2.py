"""Keras 2 (tf.keras) model JSON in Keras 3's form, so keras3.py reads both.

Keras 2 lists a layer's inputs as `[[["conv", 0, 0, {}], ...]]`, writes no module for layers,
a dtype as a plain name and an input's shape as `batch_input_shape`, keeps a few arguments
Keras 3 dropped (KERAS2_ONLY) and holds some floats in float32. Keras 3's legacy `.h5` writes
Keras 3 configs without modules. The layers themselves are the same built-ins; a TFOpLambda of
arithmetic becomes the keras.ops node Keras 3 records, and any other class (a Lambda, another
TFOpLambda, a custom class) stays as it is, for refuse.py to refuse. A legacy file cannot tell
a built-in from a custom class of the same name, so its config goes through the same checks as
any spec.
"""

from __future__ import annotations

from typing import Any

from generator.analysis.catalog import CATALOG
from generator.importer.keras_defaults import COMMON
from generator.importer.training import shortest_float32
from generator.importer.values import same

TENSOR = "__keras_tensor__"
_MODELS = {
    "Functional": "keras.src.models.functional",
    "Model": "keras.src.models.functional",
    "Sequential": "keras.src.models.sequential",
}
ANY = object()
_RNN = {"time_major": False, "implementation": ANY}  # implementation: speed, not the result
_NO_GROUPS = {"groups": 1}  # in Keras 2's base class config, no argument of these in Keras 3
_UNUSED_KERNEL = {"groups": 1, "kernel_initializer": ANY, "kernel_regularizer": ANY,
                  "kernel_constraint": ANY}  # fmt: skip
# Keras 2 config keys Keras 3 has no argument for, with the value that changes nothing there
# (ANY: none does). batch_input_shape is the Input's shape, kept there.
KERAS2_ONLY: dict[str, dict[str, Any]] = {
    "*": {"batch_input_shape": ANY},
    "LSTM": _RNN, "GRU": _RNN, "SimpleRNN": _RNN,
    "ConvLSTM1D": _RNN, "ConvLSTM2D": _RNN, "ConvLSTM3D": _RNN,
    "DepthwiseConv1D": _NO_GROUPS, "DepthwiseConv2D": _NO_GROUPS,
    "Conv1DTranspose": _NO_GROUPS, "Conv2DTranspose": _NO_GROUPS, "Conv3DTranspose": _NO_GROUPS,
    "SeparableConv1D": _UNUSED_KERNEL, "SeparableConv2D": _UNUSED_KERNEL,
    "SpatialDropout1D": {"noise_shape": None}, "SpatialDropout2D": {"noise_shape": None},
    "SpatialDropout3D": {"noise_shape": None},
    "Embedding": {"input_length": ANY},  # deprecated in Keras 3: the Input has the length
    # the shapes it was built for (bookkeeping); Keras 2's default masking, Keras 3's only one
    "MultiHeadAttention": {"query_shape": ANY, "key_shape": ANY, "value_shape": ANY,
                           "softmax_robust_masking": False},
}  # fmt: skip
RENAMED = {"LeakyReLU": {"alpha": "negative_slope"}}
ONE_AXIS = {"BatchNormalization"}  # Keras 2 writes axis=[3], Keras 3 takes one int
# Arguments Keras 2 casts to float32: 0.3 comes back as 0.30000001192092896.
FLOAT32 = {
    "LeakyReLU": {"negative_slope"}, "ELU": {"alpha"}, "ThresholdedReLU": {"theta"},
    "ReLU": {"max_value", "negative_slope", "threshold"},
}  # fmt: skip


def is_keras2(model: dict[str, Any]) -> bool:
    """Saved by Keras 2: its version says so, or a layer lists its inputs the Keras 2 way."""
    version = model.get("keras_version")
    if isinstance(version, str) and version.startswith("2."):
        return True
    config = model.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    for layer in layers if isinstance(layers, list) else []:
        nodes = layer.get("inbound_nodes") if isinstance(layer, dict) else None
        if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
            return True
    return False


def is_legacy(model: dict[str, Any]) -> bool:
    """Keras 2's JSON, or Keras 3's legacy .h5 form: a model class without a module."""
    class_name = model.get("class_name")
    return is_keras2(model) or (
        isinstance(class_name, str) and class_name in _MODELS and "module" not in model
    )


def upgrade(model: dict[str, Any]) -> dict[str, Any]:
    """The Keras 3 form of a Keras 2 (or legacy .h5) model's JSON."""
    class_name = model.get("class_name")
    config = model.get("config")
    if class_name == "Sequential" and isinstance(config, list):
        config = {"layers": config}  # Keras 2.0 to 2.2.2: the list of layers alone
    if not isinstance(class_name, str) or class_name not in _MODELS:
        return model  # a subclassed model: refuse.py names it
    given = config.get("layers") if isinstance(config, dict) else None
    if isinstance(config, dict) and isinstance(given, list):
        layers = [item for item in given if isinstance(item, dict)]
        if class_name == "Sequential":
            layers = _with_input(layers)
        config = {**config, "layers": [_layer(item, is_keras2(model)) for item in layers]}
    return {  # without a list of layers, keras3.py says so
        "module": _MODELS[class_name],
        "class_name": "Functional" if class_name == "Model" else class_name,
        "registered_name": None,
        "config": config,
        "compile_config": model.get("compile_config"),
    }


# tf.keras records `x + y` on tensors as a TFOpLambda layer calling a TensorFlow function;
# Keras 3 records the keras.ops operation of the same name, which ops.py writes as `x + y`.
TF_OPERATIONS = {
    "__operators__.add": ("numpy", "Add"), "math.add": ("numpy", "Add"),
    "math.subtract": ("numpy", "Subtract"), "math.multiply": ("numpy", "Multiply"),
    "math.truediv": ("numpy", "TrueDivide"), "math.negative": ("numpy", "Negative"),
    "math.abs": ("numpy", "Absolute"), "math.square": ("numpy", "Square"),
    "math.sqrt": ("numpy", "Sqrt"), "math.exp": ("numpy", "Exp"), "math.log": ("numpy", "Log"),
    "math.tanh": ("numpy", "Tanh"), "math.sigmoid": ("nn", "Sigmoid"),
    "math.maximum": ("numpy", "Maximum"), "math.minimum": ("numpy", "Minimum"),
}  # fmt: skip
_CONSTANT = "_CONSTANT_VALUE"  # tf.keras's node entry for a number argument: [_, -1, value, {}]


def _layer(layer: dict[str, Any], keras2: bool) -> dict[str, Any]:
    class_name = layer.get("class_name")
    if keras2 and class_name == "TFOpLambda":
        return _tf_operation(layer) or layer  # anything else stays, for refuse.py
    config = _copy(layer.get("config"))
    if keras2 and isinstance(class_name, str) and class_name != "InputLayer":
        config = _keras3_config(class_name, config)
    builtin = class_name == "InputLayer" or (isinstance(class_name, str) and class_name in CATALOG)
    if builtin and "module" not in layer:
        layer = {**layer, "module": "keras.layers", "registered_name": None}
    if config.get("dtype") in ("float32", {"class_name": "Policy", "config": {"name": "float32"}}):
        config["dtype"] = COMMON["dtype"]
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape", config.get("batch_shape"))
        if config.get("dtype") == COMMON["dtype"]:
            config["dtype"] = "float32"
    if class_name in ("Bidirectional", "TimeDistributed") and isinstance(config.get("layer"), dict):
        config = _wrapped(class_name, config, keras2)
    nodes = layer.get("inbound_nodes")
    if isinstance(nodes, list) and nodes and isinstance(nodes[0], list):
        merge = (
            isinstance(class_name, str) and class_name in CATALOG and CATALOG[class_name].is_merge
        )
        upgraded = [_node(node, merge) if isinstance(node, list) else node for node in nodes]
        if class_name == "MultiHeadAttention":
            upgraded = [_by_position(node) for node in upgraded]
        layer = {**layer, "inbound_nodes": upgraded}
    return {**layer, "config": config}


def _wrapped(class_name: str, config: dict[str, Any], keras2: bool) -> dict[str, Any]:
    """A wrapper's layer upgraded too; Keras 2's Bidirectional writes the layer as given and
    no backward layer when it made it: Keras 3 writes both copies (bidirectional.py)."""
    inner = _layer(config["layer"], keras2)
    inner.pop("inbound_nodes", None)
    own = inner["config"]
    if class_name == "Bidirectional" and "backward_layer" not in config and "name" in own:
        stem = str(own["name"])
        own["zero_output_for_mask"] = own.get("return_sequences", False)
        backward = {**own, "go_backwards": True}
        backward["name"] = "backward_" + stem.removeprefix("backward_")
        own["name"] = "forward_" + stem.removeprefix("forward_")
        config["backward_layer"] = {**inner, "config": backward}
    elif isinstance(config.get("backward_layer"), dict):
        config["backward_layer"] = _layer(config["backward_layer"], keras2)
    config["layer"] = inner
    return config


def _copy(config: Any) -> dict[str, Any]:
    """A layer's config to change; anything else as an empty one (refused later)."""
    return dict(config) if isinstance(config, dict) else {}


def _keras3_config(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """A Keras 2 layer config with Keras 3's keys and the floats the user wrote."""
    for old, new in RENAMED.get(class_name, {}).items():
        if old in config and new not in config:
            config[new] = config.pop(old)
    for table in (KERAS2_ONLY["*"], KERAS2_ONLY.get(class_name, {})):
        for key, harmless in table.items():
            if key in config and (harmless is ANY or same(config[key], harmless)):
                del config[key]
    axis = config.get("axis")
    if class_name in ONE_AXIS and isinstance(axis, list) and len(axis) == 1:
        config["axis"] = axis[0]
    for key in FLOAT32.get(class_name, ()):
        if key in config:
            config[key] = shortest_float32(config[key])
    for key, value in config.items():
        if key.endswith("_regularizer"):
            config[key] = _regularizer(value)
        if key.endswith("_initializer"):
            config[key] = _initializer(value)
    return config


def _initializer(value: Any) -> Any:
    """Keras 2.0 to 2.2's distribution "normal" is the truncated normal (Keras 3 agrees)."""
    if not isinstance(value, dict) or value.get("class_name") != "VarianceScaling":
        return value
    config = value.get("config")
    if not isinstance(config, dict) or config.get("distribution") != "normal":
        return value
    return {**value, "config": {**config, "distribution": "truncated_normal"}}


def _regularizer(value: Any) -> Any:
    """Keras 2 keeps l1 and l2 in float32; Keras 3 keeps the float given."""
    if not isinstance(value, dict) or not isinstance(value.get("config"), dict):
        return value
    config = {
        key: shortest_float32(item) if key in ("l1", "l2") else item
        for key, item in value["config"].items()
    }
    return {**value, "config": config}


def _node(node: list[Any], merge: bool) -> dict[str, Any]:
    """[["conv", 0, 0, {kwargs}], ...] as Keras 3's {"args": [...], "kwargs": {...}}."""
    tensors = []
    kwargs: dict[str, Any] = {}
    for item in node:
        if isinstance(item, list) and len(item) >= 3:
            history = [item[0], item[1], item[2]]
            tensors.append({"class_name": TENSOR, "config": {"keras_history": history}})
            if len(item) > 3 and isinstance(item[3], dict):
                kwargs = item[3]
    args: list[Any] = [tensors] if merge else tensors
    return {"args": args, "kwargs": kwargs}


def _by_position(node: Any) -> Any:
    """tf.keras records mha(x, y) as query x and `value=y` (then `key=`), Keras 3 by position,
    as the script passes them."""
    if not isinstance(node, dict) or not isinstance(node.get("kwargs"), dict):
        return node
    kwargs = dict(node["kwargs"])
    args = list(node["args"])
    for key in ("value", "key"):
        tensor = _tf_argument(kwargs.get(key))
        if not isinstance(tensor, dict) or len(args) != (1 if key == "value" else 2):
            break
        args.append(tensor)
        del kwargs[key]
    return {"args": args, "kwargs": kwargs}


def _tf_operation(layer: dict[str, Any]) -> dict[str, Any] | None:
    """A TFOpLambda of TF_OPERATIONS on one tensor and a tensor or number (`y`) as the
    keras.ops node Keras 3 records for the same call; None for anything else."""
    config = layer.get("config")
    function = config.get("function") if isinstance(config, dict) else None
    nodes = layer.get("inbound_nodes")
    if not isinstance(function, str) or function not in TF_OPERATIONS:
        return None
    if not (isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], list)):
        return None
    node = nodes[0]  # one call, written flat: [first argument, node, tensor, {y, name}]
    if len(node) != 4 or not isinstance(node[0], str):
        return None
    first, kwargs = node[:3], node[3]
    if not isinstance(kwargs, dict) or set(kwargs) - {"y", "name"} or kwargs.get("name"):
        return None
    args = [_tf_argument(first), *([_tf_argument(kwargs["y"])] if "y" in kwargs else [])]
    if any(arg is None for arg in args):
        return None
    module, operation = TF_OPERATIONS[function]
    return {
        "module": f"keras.src.ops.{module}",
        "class_name": operation,
        "registered_name": operation,
        "config": {"name": layer.get("name")},
        "name": layer.get("name"),
        "inbound_nodes": [{"args": args, "kwargs": {}}],
    }


def _tf_argument(item: Any) -> Any:
    """A node entry [layer, node, tensor] as a tensor, [_CONSTANT_VALUE, -1, x] or x as x."""
    if isinstance(item, list) and len(item) == 3 and item[0] == _CONSTANT:
        item = item[2]
    if type(item) in (int, float):
        return item
    if isinstance(item, list) and len(item) == 3 and isinstance(item[0], str):
        return {"class_name": TENSOR, "config": {"keras_history": list(item)}}
    return None


def _with_input(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A Keras 2 Sequential model keeps its input shape on the first layer."""
    if not layers or layers[0].get("class_name") == "InputLayer":
        return layers
    first = _copy(layers[0].get("config"))
    shape = first.pop("batch_input_shape", None)
    if shape is None:
        return layers
    name = "input_layer"
    entry = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "config": {"batch_shape": shape, "dtype": "float32", "name": name}}  # fmt: skip
    return [entry, {**layers[0], "config": first}, *layers[1:]]
