"""Python variables derived from Keras names, in the spirit of sqlacodegen's `find_free_name`.

A variable is an ASCII identifier that collides with nothing in its scope: keywords, soft
keywords, builtins, the script's own names, the block functions, other variables. A name
that is already such an identifier keeps itself; any other becomes readable (`class` ->
`class_`, `1_conv` -> `_1_conv`, `conv2.block1-out` -> `conv2_block1_out`), then takes a numeric
suffix on collision. The same spec always gives the same variables.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Iterable

from generator.codegen.code import Code, InternalError
from generator.spec.names import RESERVED, ascii_word

# Never a variable: Python's own words and the names the generated script uses itself.
ALWAYS_TAKEN = frozenset([*keyword.kwlist, *keyword.softkwlist, *dir(builtins), *RESERVED, "name"])


class Variables:
    """The variables of one scope (build_model() or a block function), by spec name."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = set(ALWAYS_TAKEN) | set(taken)
        self._by_name: dict[str, Code] = {}

    def add(self, names: Iterable[str], fallback: str = "layer") -> None:
        """Give each name its variable; names that are free identifiers keep themselves first."""
        pending = [name for name in dict.fromkeys(names) if name not in self._by_name]
        for name in pending:
            if _is_free(name, self._taken):
                self._by_name[name] = self._claim(name)
        for name in pending:
            if name not in self._by_name:
                self._by_name[name] = self.take(readable(name, fallback))

    def add_as(self, name: str, wanted: str) -> None:
        """A variable for `name` (not itself a Keras name) that reads like `wanted`."""
        self._by_name[name] = self.take(readable(wanted))

    def outputs(self, name: str, outputs: Iterable[str]) -> None:
        """`name:output` for each output of a layer with several: the first is `name`'s own
        variable, the others `<name>_<output>` made readable (encoder_state_h)."""
        first, *others = outputs
        self._by_name[f"{name}:{first}"] = self[name]
        for output in others:
            self._by_name[f"{name}:{output}"] = self.take(readable(f"{name}_{output}"))

    def fixed(self, names: Iterable[str]) -> None:
        """Names that are their own variables already (block inputs: checked identifiers)."""
        for name in names:
            self._by_name[name] = self._claim(name)

    def __getitem__(self, name: str) -> Code:
        found = self._by_name.get(name)
        if found is None:
            raise InternalError(f"no variable for {name!r}")
        return found

    def take(self, wanted: str) -> Code:
        """A free variable like `wanted` (itself, else `wanted_2`, `wanted_3`, ...)."""
        name, counter = wanted, 2
        while name in self._taken:
            name, counter = f"{wanted}_{counter}", counter + 1
        return self._claim(name)

    def _claim(self, name: str) -> Code:
        if not _is_valid(name):
            raise InternalError(f"generated variable {name!r} is not an ASCII identifier")
        self._taken.add(name)
        return Code(name)


def readable(name: str, fallback: str = "layer") -> str:
    """The wanted variable for a Keras name, before collisions with other variables."""
    word = ascii_word(name)
    if not word.strip("_"):
        return fallback
    if word[0].isdigit():
        word = f"_{word}"
    if word in ALWAYS_TAKEN or (word.startswith("__") and word.endswith("__")):
        word += "_"
    return word


def _is_valid(name: str) -> bool:
    return name.isascii() and name.isidentifier() and not keyword.iskeyword(name)


def _is_free(name: str, taken: set[str]) -> bool:
    return _is_valid(name) and name not in taken and readable(name) == name
