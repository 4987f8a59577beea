"""Keras's serialized values as spec values: objects in their short form, sizes as one int.

A value is only rewritten where the spec's form means exactly the same to Keras; anything
unusual is passed on as it is, so that the normal spec checks judge (and refuse) it.
"""

from __future__ import annotations

from typing import Any

from generator.spec.object_catalog import FAMILIES

SERIALIZED_KEYS = {"module", "class_name", "config", "registered_name"}
# Arguments Keras stores as one int per axis (or a pair per axis): written as one int when equal.
SIZE_ARGUMENTS = {
    "kernel_size", "strides", "dilation_rate", "pool_size", "size", "padding", "cropping",
}  # fmt: skip


def is_serialized(value: Any) -> bool:
    """Keras's `{"module", "class_name", "config", "registered_name"}` form of an object."""
    return isinstance(value, dict) and "class_name" in value and set(value) <= SERIALIZED_KEYS


def spec_object(family: str, value: Any) -> Any:
    """A serialized Keras object as the shortest spec form: a name, {Class: x} or {Class: {}}.

    Arguments equal to the catalog's default are left out; an object the catalog does not
    know is returned as it is, for the spec checks to refuse with their own message.
    """
    catalog = FAMILIES[family]
    if not is_serialized(value) or not _builtin(value, catalog.module):
        return value
    class_name = value["class_name"]
    if not isinstance(class_name, str):
        return value  # the spec checks refuse it
    keras_class = catalog.classes.get(class_name)
    config = value.get("config")
    if keras_class is None or not isinstance(config, dict):
        return value
    args: dict[str, Any] = {}
    for name, given in config.items():
        param = keras_class.params.get(name)
        if param is None:
            if name in ("name",):
                continue
            return value  # an argument the spec cannot take: let the checks say so
        if not param.required and same(given, param.default):
            continue
        if param.family and is_serialized(given):
            given = spec_object(param.family, given)
        args[name] = given
    if not args:
        plain = next((n for n, cls in catalog.names.items() if cls == class_name), None)
        return plain or class_name
    short = keras_class.short_argument
    if short is not None and list(args) == [short] and not isinstance(args[short], dict | list):
        return {class_name: args[short]}
    return {class_name: args}


def _builtin(value: dict[str, Any], module: str) -> bool:
    registered = value.get("registered_name")
    return value.get("module", module) == module and registered in (None, value["class_name"])


def same(given: Any, default: Any) -> bool:
    """Exactly equal, type and all (True is not 1, 2 is not 2.0): the round trip is exact."""
    if type(given) is not type(default):
        return False
    if isinstance(given, list):
        return len(given) == len(default) and all(map(same, given, default))
    if isinstance(given, dict):
        return given.keys() == default.keys() and all(same(given[k], default[k]) for k in given)
    return bool(given == default)


def compact_size(name: str, value: Any) -> Any:
    """[3, 3] as 3, [[1, 1], [1, 1]] as 1: what Keras expands back to the same value."""
    if name not in SIZE_ARGUMENTS or not isinstance(value, list) or not value:
        return value
    flat = [item for part in value for item in (part if isinstance(part, list) else [part])]
    if all(type(item) is int for item in flat) and len(set(flat)) == 1:
        return flat[0]
    return value
