"""Frozen records: what `@dataclass(frozen=True)` gives, without its cost at start-up.

A dataclass compiles its methods from source when its class is made, 3 M instructions each on
Python 3.11: the forty the generator defines were a tenth of `mergegen validate`. A record's
methods are shared and read the field names that `@record` stores on the class. Construction
(positional or keyword, defaults, `field(default_factory=...)`, `__post_init__`), equality,
hash, repr and immutability are a frozen dataclass's; subclasses add fields after their base's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

__all__ = ["field", "record", "record_fields"]

T = TypeVar("T")


def _no_fields(_: object) -> tuple[()]:
    return ()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make `cls` a frozen record of its annotated fields (ClassVar ones excepted)."""
    names: list[str] = list(getattr(cls, "__record_fields__", ()))
    defaults: dict[str, Any] = dict(getattr(cls, "__record_defaults__", {}))
    factories: dict[str, Callable[[], Any]] = dict(getattr(cls, "__record_factories__", {}))
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        if name not in names:
            names.append(name)
        value = vars(cls).get(name, _MISSING)
        if isinstance(value, Field):
            delattr(cls, name)
            if value.default_factory is not MISSING:
                factories[name] = value.default_factory
            elif value.default is not MISSING:
                defaults[name] = value.default
        elif value is not _MISSING:
            defaults[name] = value
    attributes = {
        "__record_fields__": tuple(names),
        "__record_defaults__": defaults,
        "__record_factories__": factories,
        "__record_values__": staticmethod(attrgetter(*names) if names else _no_fields),
        "__match_args__": tuple(names),
        "__init__": _init,
        "__eq__": _eq,
        "__hash__": _hash,
        "__repr__": _repr,
        "__setattr__": _setattr,
        "__delattr__": _delattr,
    }
    for name, value in attributes.items():
        setattr(cls, name, value)
    return cls


def record_fields(cls: type) -> tuple[str, ...]:
    """The field names of a record class, in order."""
    fields: tuple[str, ...] = vars(cls)["__record_fields__"]
    return fields


_MISSING = object()
_set = object.__setattr__


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    names = cls.__record_fields__
    if len(args) > len(names):
        raise TypeError(f"{cls.__name__}() takes {len(names)} arguments, {len(args)} given")
    for name, value in zip(names, args, strict=False):
        _set(self, name, value)
    for name in names[len(args) :]:
        if name in kwargs:
            value = kwargs.pop(name)
        elif name in cls.__record_defaults__:
            value = cls.__record_defaults__[name]
        elif name in cls.__record_factories__:
            value = cls.__record_factories__[name]()
        else:
            raise TypeError(f"{cls.__name__}() missing argument {name!r}")
        _set(self, name, value)
    if kwargs:
        raise TypeError(f"{cls.__name__}() got unexpected or repeated arguments {sorted(kwargs)}")
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _eq(self: Any, other: Any) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return bool(self.__record_values__(self) == self.__record_values__(other))


def _hash(self: Any) -> int:
    return hash(self.__record_values__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
    return f"{type(self).__qualname__}({shown})"


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
