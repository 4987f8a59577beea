"""The archive's compile config as the spec's training section (optimizer, loss, metrics)."""

from __future__ import annotations

import math
import struct
from typing import Any

from generator.importer.values import is_serialized, spec_object


def training_section(compile_config: Any, listed: list[str] | None = None) -> dict[str, Any]:
    """Optimizer, loss and metrics in the spec's forms; empty when the model was not compiled.

    `listed`: the output names, in order, of a model that takes its outputs as a list; what
    the compile config lists per output (losses, metric lists, loss weights) is keyed by them,
    as the spec writes it (the script lists it again).
    """
    if not isinstance(compile_config, dict) or not compile_config:
        return {}
    section: dict[str, Any] = {}
    optimizer = compile_config.get("optimizer")
    if optimizer is not None:
        section["optimizer"] = _object("optimizer", _float32_rate(optimizer))
    loss = compile_config.get("loss")
    if loss is not None:
        section["loss"] = _per_output("loss", _keyed(loss, listed))
    metrics = compile_config.get("metrics")
    if metrics:
        lists = isinstance(metrics, list) and all(isinstance(item, list) for item in metrics)
        section["metrics"] = _per_output("metric", _keyed(metrics, listed) if lists else metrics)
    elif "loss" in section:  # compiled without metrics: none, rather than the spec's defaults
        section["metrics"] = []
    weights = _keyed(compile_config.get("loss_weights"), listed)
    if isinstance(weights, dict) and weights:
        section["loss_weights"] = weights
    return section


def _keyed(value: Any, listed: list[str] | None) -> Any:
    """A list with one item per listed output as a mapping by output name; else the value."""
    if listed is None or not isinstance(value, list) or len(value) != len(listed):
        return value
    return dict(zip(listed, value, strict=True))


def _float32_rate(optimizer: Any) -> Any:
    """The learning rate as its shortest decimal: Keras keeps it in a float32 variable."""
    config = optimizer.get("config") if isinstance(optimizer, dict) else None
    if not isinstance(config, dict):
        return optimizer
    rate = config.get("learning_rate")
    short = shortest_float32(rate)
    if short is rate:
        return optimizer
    return {**optimizer, "config": {**config, "learning_rate": short}}


def shortest_float32(value: Any) -> Any:
    """A float held in float32 as the shortest decimal that float32 holds the same way
    (0.0010000000474974513 as 0.001); any other value as it is."""
    if type(value) is not float or not math.isfinite(value) or _f32(value) != value:
        return value
    for digits in range(1, 18):
        short = float(f"{value:.{digits}g}")
        if _f32(short) == value:
            return short
    return value


def _f32(value: float) -> float:
    try:
        result: float = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.nan
    return result


def _object(family: str, value: Any) -> Any:
    if _keras_function(value):
        return value["config"]
    return spec_object(family, value) if is_serialized(value) else value


def _keras_function(value: Any) -> bool:
    """A loss or metric given as a Keras function (`loss=keras.losses.binary_crossentropy`).

    Keras saves it as `{module: builtins, class_name: function, config: "<name>"}` and
    finds it again by name among its own functions; the name alone means the same to
    Keras, and the spec checks judge it as any name. A registered custom function keeps
    its own module and registered name, and stays refused.
    """
    return (
        is_serialized(value)
        and value["class_name"] == "function"
        and value.get("module") == "builtins"
        and value.get("registered_name") in (None, "function", value.get("config"))
        and isinstance(value.get("config"), str)
    )


def _per_output(family: str, value: Any) -> Any:
    """One object, a list of them, or one (or a list) per output name."""
    if isinstance(value, list):
        return [_per_output(family, item) for item in value]
    if isinstance(value, dict) and not is_serialized(value):
        return {key: _per_output(family, item) for key, item in value.items()}
    return _object(family, value)
