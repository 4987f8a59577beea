"""A checked Keras object as its constructor: `keras.regularizers.L2(0.0002)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.codegen.code import Code, call, literal
from generator.spec.objects import KerasObject, resolve

ValueCode = Callable[[Any], Code]


def object_code(family: str, value: Any, value_code: ValueCode = literal) -> Code:
    """A plain name as a string (Keras resolves it), anything else as a constructor call."""
    resolved = resolve(family, value)
    if isinstance(resolved, str):
        return value_code(resolved)
    return constructor(resolved, value_code)


def named_code(value: str | KerasObject) -> Code:
    """A resolved name or object of the training plan as code."""
    return literal(value) if isinstance(value, str) else constructor(value)


def constructor(item: KerasObject, value_code: ValueCode = literal) -> Code:
    """`keras.<module>.<Class>(positional..., keyword=...)`, values made by `value_code`."""
    positional: list[Code] = []
    keywords: dict[str, Code] = {}
    params = item.keras_class.params
    given = dict(item.args)
    positional_open = True
    for name, param in params.items():
        if name not in given:
            positional_open = positional_open and not param.positional
            continue
        value = given[name]
        code = (
            constructor(value, value_code) if isinstance(value, KerasObject) else value_code(value)
        )
        if param.positional and positional_open:
            positional.append(code)
        else:
            positional_open = False
            keywords[name] = code
    return call(f"{item.module}.{item.class_name}", positional, keywords)
