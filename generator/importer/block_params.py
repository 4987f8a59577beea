"""Block parameters: where the calls of one block differ, a parameter or arithmetic on one.

Values are compared as JSON text (True is not 1, 1.0 is not 1). Integer columns that are
multiples of one another share one parameter (`"$filters * 4"`, `"$filters // 24"`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from generator.spec.names import ascii_word, identifier_problem

_CANON = json.JSONEncoder(sort_keys=True, default=repr)  # one encoder, not one per call


def canon(value: Any) -> str:
    """Equal values, equal text: True is not 1, 1.0 is not 1, (1, 2) is [1, 2]."""
    return _CANON.encode(value)


def plain_copy(value: Any) -> Any:
    """A deep copy of spec data (mappings, lists, tuples, scalars), faster than deepcopy."""
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain_copy(item) for item in value)
    return value


def free_name(base: str, taken: set[str], fits: Callable[[str], bool], fallback: str) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first that fits and is not taken.

    When `base_2` could never fit (not an identifier, too long), `fallback` stands for base.
    """
    if identifier_problem(f"{base}_2", local=True) is not None and base != fallback:
        if fits(base) and base not in taken:
            return base
        return free_name(fallback, taken, fits, fallback)
    candidate, n = base, 1
    while candidate in taken or not fits(candidate):
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def local_ok(taken: set[str]) -> Callable[[str], bool]:
    """Whether a name may be a block's input or parameter: an identifier not yet taken."""
    return lambda name: identifier_problem(name, local=True) is None and name not in taken


class Params:
    """The parameters of one block: names, and each call's values.

    Integer columns that are multiples of one another share one parameter: the column used
    most, then the smallest (`filters` and `"$filters * 4"` rather than `"$filters // 4"`).
    """

    def __init__(
        self, calls: int, taken: set[str], varying: Sequence[tuple[list[Any], str | None]]
    ) -> None:
        self.names: list[str] = []
        self.columns: list[list[Any]] = []
        self.calls: list[dict[str, Any]] = [{} for _ in range(calls)]
        self.taken = taken
        self.bases: list[list[Any]] = []
        # A parameter is named after an argument it is the whole of, before a list's item.
        self.preferred: dict[str, str] = {}
        for column, key in varying:
            if key is not None:
                self.preferred.setdefault(canon(column), key)
        integers = [list(v) for v, _ in varying if all(_is_int(value) for value in v)]
        uses = Counter(canon(column) for column in integers)
        for column in sorted(integers, key=lambda v: (-uses[canon(v)], sum(map(abs, v)))):
            if not any(_same(base, column) or _ratio(base, column) for base in self.bases):
                self.bases.append(column)

    def value(self, values: list[Any], key: str, suffix: str) -> Any:
        """What the block writes for these values: a literal, "$name" or arithmetic."""
        if _constant(values):
            return plain_copy(values[0])
        if _by_item(values):
            columns = [list(column) for column in zip(*values, strict=True)]
            return [self.value(column, key, suffix) for column in columns]
        base = next((b for b in self.bases if _same(b, values) or _ratio(b, values)), values)
        name = self._name(base, key, suffix)
        ratio = _ratio(base, values)
        return f"${name} {ratio}" if ratio else f"${name}"

    def _name(self, column: list[Any], key: str, suffix: str) -> str:
        """The parameter that holds `column`, named after the first argument to use it."""
        for name, known in zip(self.names, self.columns, strict=True):
            if _same(known, column):
                return name
        ok = local_ok(self.taken)
        key = self.preferred.get(canon(column), key)
        named = f"{ascii_word(suffix)}_{key}"
        name = key if ok(key) else named if ok(named) else free_name(key, set(), ok, "value")
        self.taken.add(name)
        self.names.append(name)
        self.columns.append(column)
        for call, value in zip(self.calls, column, strict=True):
            call[name] = plain_copy(value)
        return name


def varying(values: list[Any], key: str) -> Iterable[tuple[list[Any], str | None]]:
    """The columns of values that need a parameter, as `Params.value` splits them, each with
    the argument it is the whole of (None for a list's item)."""
    if _constant(values):
        return
    if _by_item(values):
        for column in zip(*values, strict=True):
            for found, _ in varying(list(column), key):
                yield found, None
    else:
        yield values, key


def _constant(values: Sequence[Any]) -> bool:
    """Equal in every call, and no "$" of an enclosing block's parameters, which a block
    cannot see: those are passed in as parameters too."""
    return len({canon(value) for value in values}) == 1 and "$" not in canon(values[0])


def _by_item(values: Sequence[Any]) -> bool:
    """Lists of one length with some item constant: a parameter per other item."""
    if not _same_length_lists(values):
        return False
    return any(_constant(column) for column in zip(*values, strict=True))


def _same(first: Sequence[Any], second: Sequence[Any]) -> bool:
    return [canon(v) for v in first] == [canon(v) for v in second]


def _same_length_lists(values: Sequence[Any]) -> bool:
    return all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1


def _ratio(column: Sequence[Any], values: Sequence[Any]) -> str | None:
    """`* k` or `// k` when every value is the parameter's times or over one integer k > 1."""
    if not all(_is_int(v) for v in (*column, *values)):
        return None
    if all(p != 0 and v % p == 0 for p, v in zip(column, values, strict=True)):
        ratios = {v // p for p, v in zip(column, values, strict=True)}
        if len(ratios) == 1 and (k := ratios.pop()) > 1:
            return f"* {k}"
    if all(v != 0 and p % v == 0 for p, v in zip(column, values, strict=True)):
        ratios = {p // v for p, v in zip(column, values, strict=True)}
        if len(ratios) == 1 and (k := ratios.pop()) > 1:
            return f"// {k}"
    return None


def _is_int(value: Any) -> bool:
    return type(value) is int
