"""A `.h5` file's training_config (Keras 2, tf.keras or Keras 3's legacy h5) as the compile
config of a Keras 3 archive, for training.py to read like any other.

Keras 2 keeps the optimizer apart (`optimizer_config`), names its optimizers `Custom>Adam`,
wraps a metric given by name in a MeanMetricWrapper, lists metrics per output and writes
bookkeeping Keras 3 has no argument for; anything else is passed on for the spec checks.
"""

from __future__ import annotations

from typing import Any

from generator.importer.values import is_serialized

# Keras 2 optimizer keys with no Keras 3 argument, and the values that change nothing.
_OPTIMIZER_ONLY_KERAS2 = {"is_legacy_optimizer": None, "jit_compile": None, "decay": 0.0}
_LOSS_AUTO = ("reduction", "auto")  # Keras 2's default reduction, Keras 3's sum_over_batch_size


def compile_config(training: Any, outputs: list[str] | None = None) -> dict[str, Any] | None:
    """Keras 3's compile_config form of a training_config; None when there is none.

    `outputs`: the model's output names, in order, for what Keras 2 lists per output.
    """
    if not isinstance(training, dict):
        return None
    names = outputs or []
    config: dict[str, Any] = {}
    optimizer = training.get("optimizer_config", training.get("optimizer"))
    if optimizer is not None:
        config["optimizer"] = _optimizer(optimizer)
    loss = training.get("loss")
    if isinstance(loss, list) and len(names) > 1 and len(loss) == len(names):
        loss = dict(zip(names, loss, strict=True))  # a list in output order, as a spec names it
    if loss is not None:
        config["loss"] = _each(loss, _loss)
    metrics = _per_output_metrics(training.get("metrics"), names)
    if metrics:
        config["metrics"] = metrics
    if training.get("loss_weights") is not None:
        config["loss_weights"] = training["loss_weights"]
    return config


def _per_output_metrics(metrics: Any, names: list[str]) -> Any:
    """Keras 2 keeps one list per output and names each metric `<output>_<metric>`."""
    lists = isinstance(metrics, list) and all(isinstance(item, list) for item in metrics)
    if lists and len(metrics) == 1:
        return _each(metrics[0], _metric)  # one output's list
    if lists and len(names) > 1 and len(metrics) == len(names):
        return {
            name: [_metric(metric, f"{name}_") for metric in items]
            for name, items in zip(names, metrics, strict=True)
        }
    return _each(metrics, _metric)


def _optimizer(value: Any) -> Any:
    if not is_serialized(value) or not isinstance(value.get("config"), dict):
        return value
    class_name = value["class_name"]
    if isinstance(class_name, str) and class_name.startswith("Custom>"):
        class_name = class_name.removeprefix("Custom>")  # tf.keras's name for its own classes
    config = dict(value["config"])
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")  # Keras 2.0 to 2.2
    if isinstance(config.get("name"), str) and config["name"].lower() == str(class_name).lower():
        del config["name"]  # Keras 2 names it "Adam", Keras 3 "adam": no argument either way
    for key, harmless in _OPTIMIZER_ONLY_KERAS2.items():
        if key in config and (harmless is None or config[key] == harmless):
            del config[key]
    if "learning_rate" in config:
        config["learning_rate"] = _schedule(config["learning_rate"])
    return _keras3(value, "keras.optimizers", class_name, config)


def _schedule(value: Any) -> Any:
    """Keras 2 names a schedule None by default; Keras 3 by its class: no argument either way."""
    config = value.get("config") if is_serialized(value) else None
    if isinstance(config, dict) and "name" in config and config["name"] is None:
        return {**value, "config": {key: v for key, v in config.items() if key != "name"}}
    return value


def _loss(value: Any) -> Any:
    if not is_serialized(value) or not isinstance(value.get("config"), dict):
        return value
    config = {
        key: item
        for key, item in value["config"].items()
        if (key, item) != _LOSS_AUTO and key != "fn"  # fn: the function its class wraps
    }
    return _keras3(value, "keras.losses", value["class_name"], config)


def _metric(value: Any, prefix: str = "") -> Any:
    """A metric given by name comes back as that name; a metric object in Keras 3's form."""
    if not is_serialized(value) or not isinstance(value.get("config"), dict):
        return value
    config = dict(value["config"])
    name = config.get("name")
    if isinstance(name, str) and prefix and name.startswith(prefix):
        config["name"] = name = name.removeprefix(prefix)  # Keras 2 adds the output's name
    if value["class_name"] == "MeanMetricWrapper" and isinstance(name, str):
        return name
    return _keras3(value, "keras.metrics", value["class_name"], config)


def _keras3(value: dict[str, Any], module: str, class_name: Any, config: Any) -> dict[str, Any]:
    return {
        "module": value.get("module", module),
        "class_name": class_name,
        "config": config,
        "registered_name": value.get("registered_name"),
    }


def _each(value: Any, convert: Any) -> Any:
    """One object, a list of them or one (or a list) per output name."""
    if isinstance(value, list):
        return [_each(item, convert) for item in value]
    if isinstance(value, dict) and not is_serialized(value):
        return {key: _each(item, convert) for key, item in value.items()}
    return convert(value)
