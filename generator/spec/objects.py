"""Keras objects in a spec: a plain name, a short form, or Keras's own serialized form.

kernel_regularizer: l2                                    # Keras's name: L2(0.01)
kernel_regularizer: {L2: 0.0002}                          # one value: the main argument
kernel_regularizer: {L2: {l2: 0.0002}}                    # arguments by name
kernel_regularizer: {class_name: L2, config: {l2: 0.0002}}  # as model.to_json() writes it
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from generator.display import quoted, show_value
from generator.errors import close_matches, did_you_mean
from generator.records import record
from generator.spec.fields import FieldPath
from generator.spec.object_catalog import FAMILIES, Family, KerasClass, Param
from generator.spec.values import ValueKind, is_number

SERIALIZED_KEYS = ("class_name", "config", "module", "registered_name")
Found = list[tuple[FieldPath, str]]


@record
class KerasObject:
    """A checked constructor call: `keras.<module>.<class_name>(**args)`."""

    family: str
    class_name: str
    args: tuple[tuple[str, Any], ...]  # in catalog order; a value may be a KerasObject

    @property
    def keras_class(self) -> KerasClass:
        """The catalog entry of the class."""
        return FAMILIES[self.family].classes[self.class_name]

    @property
    def module(self) -> str:
        """Where the script finds the class."""
        return FAMILIES[self.family].module

    def get(self, name: str) -> Any:
        """An argument's value as given, else Keras's default; None where the class has none."""
        param = self.keras_class.params.get(name)
        return dict(self.args).get(name, param.default if param else None)


@record
class _Form:
    """A mapping read as a class, its arguments and where each argument sits in the spec."""

    class_name: str
    class_path: FieldPath
    args: Mapping[str, Any]
    arg_path: FieldPath  # prefix of each argument's path
    serialized: bool  # Keras's form holds every argument: defaults are left out of the script


def is_object_form(family: str, value: Any) -> bool:
    """A mapping written as an object of `family` (not, say, a loss per output)."""
    if not isinstance(value, dict):
        return False
    if "class_name" in value:
        return True
    return len(value) == 1 and next(iter(value)) in FAMILIES[family].classes


def resolve(family: str, value: Any) -> str | KerasObject:
    """A checked value as a plain name (printed as a string) or an object to construct."""
    catalog = FAMILIES[family]
    if isinstance(value, str):
        if value in catalog.classes and value not in catalog.names:
            return KerasObject(family, value, ())
        return value
    form = _form(catalog, value)
    if form is None:
        raise ValueError(f"unchecked {catalog.key} {value!r}")
    keras_class = catalog.classes[form.class_name]
    args = []
    for name, param in keras_class.params.items():
        if name not in form.args:
            continue
        given = form.args[name]
        if form.serialized and _same(given, param.default):
            continue
        if param.family and isinstance(given, dict | str):
            given = resolve(param.family, given)
        args.append((name, given))
    return KerasObject(family, form.class_name, tuple(args))


def object_problems(family: str, value: Any) -> Found:
    """Every problem with an object of `family`, at its path inside the value."""
    catalog = FAMILIES[family]
    if isinstance(value, str):
        if value in catalog.names or value in catalog.classes:
            return []
        return [((), _unknown(catalog, value, plain=True))]
    if not isinstance(value, dict):
        return [((), f"expected {describe(family)}, got {show_value(value)}")]
    if "class_name" in value:
        return _serialized_problems(catalog, value)
    if len(value) != 1:
        keys = ", ".join(quoted(key) for key in value)
        return [((), f"expected one class as the only key, got {keys} ({_forms(family)})")]
    form = _form(catalog, value)
    if form is None:
        class_name = next(iter(value))
        return [((class_name,), _unknown(catalog, class_name, plain=False))]
    return _argument_problems(catalog, form)


def describe(family: str) -> str:
    """How messages and the schema describe a value of `family`."""
    catalog = FAMILIES[family]
    names = f"a name ({', '.join(catalog.names)}) or " if catalog.names else ""
    return f"a Keras {catalog.key}: {names}an object such as {_example(catalog)}"


def object_kind(family: str) -> ValueKind:
    """The argument kind of a layer argument that takes a Keras object of `family`."""

    def details(value: Any) -> Found:
        return object_problems(family, value)

    return ValueKind(
        describe(family),
        lambda value: not details(value),
        family=family,
        details=details,
        canonical=lambda value: canonical_name(family, value),
    )


def canonical_name(family: str, value: Any) -> Any:
    """A plain or class name as the first plain name Keras resolves to the same class."""
    catalog = FAMILIES[family]
    if not isinstance(value, str):
        return value
    class_name = catalog.names.get(value, value)
    if class_name not in catalog.classes:
        return value
    return next((name for name, cls in catalog.names.items() if cls == class_name), value)


def _example(catalog: Family) -> str:
    for keras_class in catalog.classes.values():
        short = keras_class.short_argument
        if short and not keras_class.params[short].required:
            return f"{{{keras_class.name}: {show_value(keras_class.params[short].default)}}}"
    first = next(iter(catalog.classes.values()))
    args = ", ".join(f"{name}: ..." for name, p in first.params.items() if p.required)
    return f"{{{first.name}: {{{args}}}}}"


def _forms(family: str) -> str:
    example = _example(FAMILIES[family])
    keras_form = "{class_name: ..., config: {...}}"
    return f"write a name, {example}, {{Class: {{argument: value}}}} or {keras_form}"


def _form(catalog: Family, value: Any) -> _Form | None:
    if not isinstance(value, dict):
        return None
    if "class_name" in value:
        class_name = value["class_name"]
        if not isinstance(class_name, str) or class_name not in catalog.classes:
            return None
        config = value.get("config") or {}
        return _Form(class_name, ("class_name",), config, ("config",), serialized=True)
    if len(value) != 1:
        return None
    class_name, given = next(iter(value.items()))
    if class_name not in catalog.classes:
        return None
    if isinstance(given, dict):
        return _Form(class_name, (class_name,), given, (class_name,), serialized=False)
    if given is None:
        return _Form(class_name, (class_name,), {}, (class_name,), serialized=False)
    short = catalog.classes[class_name].short_argument
    args = {short: given} if short else {"": given}
    return _Form(class_name, (class_name,), args, (class_name,), serialized=False)


def _serialized_problems(catalog: Family, value: dict[str, Any]) -> Found:
    found: Found = []
    for key in value:
        if key not in SERIALIZED_KEYS:
            hint = did_you_mean(key, SERIALIZED_KEYS) or f" (keys: {', '.join(SERIALIZED_KEYS)})"
            found.append(((key,), f"unknown key {quoted(key)} in a serialized {catalog.key}{hint}"))
    module = value.get("module")
    if module is not None and module != catalog.module:
        found.append(
            (
                ("module",),
                f"expected {catalog.module!r} (Keras's own {catalog.key}s),"
                f" got {show_value(module)}",
            )
        )
    class_name = value["class_name"]
    registered = value.get("registered_name")
    if registered is not None and registered != class_name:
        found.append(
            (
                ("registered_name",),
                f"only Keras's built-in {catalog.key}s can be written,"
                f" got {show_value(registered)}",
            )
        )
    if not isinstance(class_name, str) or class_name not in catalog.classes:
        found.append((("class_name",), _unknown(catalog, class_name, plain=False)))
        return found
    config = value.get("config")
    if config is not None and not isinstance(config, dict):
        found.append((("config",), f"expected a mapping of arguments, got {show_value(config)}"))
        return found
    form = _form(catalog, value)
    return found + (_argument_problems(catalog, form) if form else [])


def _argument_problems(catalog: Family, form: _Form) -> Found:
    keras_class = catalog.classes[form.class_name]
    params = keras_class.params
    if "" in form.args:
        named = [name for name, p in params.items() if p.required] or list(params)[:2]
        example = ", ".join(f"{name}: ..." for name in named)
        takes = f"takes its arguments by name: {{{keras_class.name}: {{{example}}}}}"
        if not params:
            takes = f"takes no arguments: write {keras_class.name} or {{{keras_class.name}: {{}}}}"
        return [(form.class_path, f"{keras_class.name} {takes}")]
    found: Found = []
    for name, given in form.args.items():
        path = (*form.arg_path, name)
        param = params.get(name)
        if param is None:
            listed = ", ".join(params) or "none"
            hint = did_you_mean(name, list(params))
            found.append(
                (
                    path,
                    f"unknown argument {quoted(name)} for {keras_class.name}{hint}"
                    f" (arguments: {listed})",
                )
            )
            continue
        found += [((*path, *sub), message) for sub, message in _value_problems(param, given)]
    short = form.args.keys() == {keras_class.short_argument} and not form.serialized
    for name, param in params.items():
        if param.required and name not in form.args:
            where = form.arg_path if not short else form.class_path
            found.append((where, f"{keras_class.name} needs {name!r}"))
    if not found and keras_class.check is not None:
        problem = keras_class.check(form.args)
        if problem:
            found.append((form.class_path, f"{keras_class.name}: {problem}"))
    return found


def _value_problems(param: Param, value: Any) -> Found:
    if param.family and isinstance(value, dict | str):
        return object_problems(param.family, value)
    problem = param.kind.problem(value)
    if problem and param.family:
        problem += f", or {describe(param.family)}"
    return [] if problem is None else [((), problem)]


def _unknown(catalog: Family, name: Any, *, plain: bool) -> str:
    if not isinstance(name, str):
        return f"expected a {catalog.key} class name, got {show_value(name)}"
    choices = [*catalog.names, *catalog.classes] if plain else list(catalog.classes)
    hint = _hint(name, choices)
    what = "name" if plain else "class"
    if not hint and not plain and name in catalog.names:
        hint = f" (a plain name: write {name} alone, or the class {catalog.names[name]})"
    if not hint:
        hint = f" (classes: {', '.join(catalog.classes)})"
    return f"unknown {catalog.key} {what} {quoted(name)}{hint}"


def _hint(name: str, options: list[str]) -> str:
    """did_you_mean, also across letter case (l2 -> L2)."""
    hint = did_you_mean(name, options)
    if hint:
        return hint
    by_lower = {option.lower(): option for option in options}
    close = close_matches(name.lower(), list(by_lower))
    return f" (did you mean {quoted(by_lower[close[0]])}?)" if close else ""


def _same(given: Any, default: Any) -> bool:
    """The serialized value is Keras's default (True is not 1; float32 round-off is equal)."""
    if type(given) is bool or type(default) is bool:
        return given is default
    if is_number(given) and is_number(default):
        return math.isclose(given, default, rel_tol=1e-6)
    return bool(given == default)


INITIALIZERS = object_kind("initializer")
REGULARIZERS = object_kind("regularizer")
CONSTRAINTS = object_kind("constraint")
