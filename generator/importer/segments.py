"""Segments: runs of the layer list that end at one stem's numbered merges (`mixed3`,
`normal_concat_12`), and the Keras-name templates that let such runs be one block.

Keras numbers unnamed layers with global counters (`activation_164`), so the layers of an
Inception module or a NASNet cell share no prefix. Each run from just after one numbered
merge of a stem to the next is a candidate call. A name splits into literal texts and
integers; an integer that differs between the calls becomes a parameter, or `$param + k`
where it keeps a fixed distance from one (`activation_{$activation + 3}`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from generator.importer.block_params import free_name, local_ok
from generator.spec.names import keras_name_problem

MAX_STARTS = 64  # numbered merges tried as a run's start
_NUMBERED = re.compile(r"(.*[^0-9])(0|[1-9][0-9]{0,8})\Z")
_DIGITS = re.compile(r"([0-9]+)")
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def segment_bounds(
    names: Sequence[str], merges: Sequence[bool]
) -> Iterable[tuple[str, list[int], int]]:
    """(word, starts, stop) for each numbered merge of a stem that numbers several: the run
    may start after the stem's last one, or after any numbered merge since (NASNet's first
    cell after a reduction cell follows that cell's concat), the longest first."""
    stems: dict[str, list[int]] = {}
    for i, (name, merge) in enumerate(zip(names, merges, strict=True)):
        found = _NUMBERED.match(name) if merge else None
        if found:
            stems.setdefault(found.group(1), []).append(i)
    ends = sorted((i, stem) for stem, places in stems.items() if len(places) > 1 for i in places)
    cuts = [i for i, _ in ends]
    last: dict[str, int] = {}
    for k, (end, stem) in enumerate(ends):
        word = next(iter(_WORDS.findall(stem)), "segment").lower()
        since = last.get(stem, cuts[max(0, k - MAX_STARTS)])
        starts = [i + 1 for i in cuts[max(0, k - MAX_STARTS) : k] if i >= since]
        if starts and end + 1 - starts[0] >= 2:
            yield word, [start for start in starts if end + 1 - start >= 2], end + 1
        last[stem] = end


def split_name(name: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Literal texts around the integers of a name; digits with a leading zero are text."""
    pieces = _DIGITS.split(name)
    texts = [pieces[0]]
    numbers: list[int] = []
    for digits, text in zip(pieces[1::2], pieces[2::2], strict=True):
        if (digits.startswith("0") and digits != "0") or len(digits) > 9:
            texts[-1] += digits + text
        else:
            numbers.append(int(digits))
            texts.append(text)
    return tuple(texts), tuple(numbers)


def name_pattern(name: str) -> tuple[str, ...]:
    """What calls of one block share in a layer's name: its literal texts."""
    return split_name(name)[0]


def segment_definition(
    rows: Sequence[Sequence[str]], taken: set[str]
) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """For each layer (a row: its name in every call) a block-local name and a Keras-name
    template; and the parameters the templates use, with each call's value."""
    locals_: list[str] = []
    templates: list[str] = []
    bases: list[tuple[str, list[int]]] = []
    for row in rows:
        texts, _ = split_name(row[0])
        columns = [list(column) for column in zip(*(split_name(n)[1] for n in row), strict=True)]
        kept = [texts[0]]
        template = [texts[0]]
        for slot, column in enumerate(columns):
            if len(set(column)) == 1:
                kept.append(str(column[0]))
                template.append(str(column[0]))
            else:
                where = "".join(kept)
                template.append("{" + _field(column, bases, where, taken, locals_) + "}")
            kept.append(texts[slot + 1])
            template.append(texts[slot + 1])
        used = {*locals_, *taken, *(name for name, _ in bases)}
        locals_.append(_local_name("".join(kept), used))
        templates.append("".join(template))
    return locals_, templates, {name: column for name, column in bases}


def _field(
    column: list[int],
    bases: list[tuple[str, list[int]]],
    where: str,
    taken: set[str],
    locals_: list[str],
) -> str:
    """`$name` or `$name + k` for a varying column: a distance from a known one, or a new one."""
    for name, base in bases:
        distances = {value - first for value, first in zip(column, base, strict=True)}
        if len(distances) == 1:
            k = distances.pop()
            return f"${name}" if k == 0 else f"${name} + {k}" if k > 0 else f"${name} - {-k}"
    words = _WORDS.findall(where)
    used = {*taken, *locals_, *(name for name, _ in bases)}
    # `_n`: apart from the layers' own names, which are those words too.
    name = free_name(f"{words[-1].lower()}_n" if words else "n", used, local_ok(used), "n")
    bases.append((name, column))
    return f"${name}"


def _local_name(text: str, used: set[str]) -> str:
    """The layer's name in the block: its name without the varying numbers, made unique."""
    base = re.sub(r"_+", "_", text).strip("_") or "layer"
    if keras_name_problem(base) is not None:
        base = "layer"
    candidate, n = base, 1
    while candidate in used or keras_name_problem(candidate) is not None:
        n += 1
        candidate = f"{base}_{n}"
    return candidate
