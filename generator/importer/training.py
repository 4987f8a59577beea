"""The archive's compile config as the spec's training section (optimizer, loss, metrics)."""

from __future__ import annotations

from typing import Any

from generator.importer.values import is_serialized, spec_object


def training_section(compile_config: Any) -> dict[str, Any]:
    """Optimizer, loss and metrics in the spec's forms; empty when the model was not compiled."""
    if not isinstance(compile_config, dict) or not compile_config:
        return {}
    section: dict[str, Any] = {}
    optimizer = compile_config.get("optimizer")
    if optimizer is not None:
        section["optimizer"] = _object("optimizer", optimizer)
    loss = compile_config.get("loss")
    if loss is not None:
        section["loss"] = _per_output("loss", loss)
    metrics = compile_config.get("metrics")
    if metrics:
        section["metrics"] = _per_output("metric", metrics)
    weights = compile_config.get("loss_weights")
    if isinstance(weights, dict) and weights:
        section["loss_weights"] = weights
    return section


def _object(family: str, value: Any) -> Any:
    return spec_object(family, value) if is_serialized(value) else value


def _per_output(family: str, value: Any) -> Any:
    """One object, a list of them, or one (or a list) per output name."""
    if isinstance(value, list):
        return [_per_output(family, item) for item in value]
    if isinstance(value, dict) and not is_serialized(value):
        return {key: _per_output(family, item) for key, item in value.items()}
    return _object(family, value)
