"""Errors as values: a problem names the file, the place and the field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.display import printable, quoted
from generator.records import record
from generator.spec.fields import FieldPath, format_path


@record
class Problem:
    """One thing wrong with one spec, printable as one line."""

    message: str
    path: FieldPath = ()
    file: str = ""
    line: int | None = None
    column: int | None = None
    context: str = ""  # inside a block: `(inception_3b) -> branch_5x5`

    def render(self) -> str:
        """Format as `FILE:LINE:COL: field.path (instance) -> layer: message`."""
        place = self.file
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        where = " ".join(part for part in (format_path(self.path), self.context) if part)
        parts = [part for part in (place, where) if part]
        return printable(": ".join([*parts, self.message]))


class SpecError(Exception):
    """Raised by a pipeline stage with every problem it found."""

    def __init__(self, problems: Iterable[Problem], summary: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.summary = summary  # e.g. how many of several specs failed
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "; ".join(p.render() for p in self.problems)

    @classmethod
    def single(cls, message: str, path: FieldPath = ()) -> SpecError:
        """One problem at one field."""
        return cls([Problem(message, path)])


def close_matches(word: str, candidates: Sequence[str]) -> list[str]:
    """Up to three candidates that are genuinely close to `word`, closest first.

    Close means: the same but for case, a few typing slips (edits relative to the length),
    or `word` is the first `_`-separated part of the candidate (`inception` ->
    `inception_v1`). A word that merely sits inside a longer name (`Sampling` in
    `UpSampling2D`) or shares a prefix with it (`return_state`, `recurrent_constraint`)
    gets nothing.
    """
    folded = word.casefold()
    scored: list[tuple[int, int, int, str]] = []
    for position, candidate in enumerate(dict.fromkeys(candidates)):
        other = candidate.casefold()
        if other.startswith(f"{folded}_") and folded:
            distance = _slips_allowed(word)  # after every typo: a longer name is a guess
        elif abs(len(other) - len(folded)) > _slips_allowed(word):
            continue  # too many letters apart to be slips (and hostile 100k names stay fast)
        else:
            distance = edit_distance(folded, other)
            if distance > _slips_allowed(word) or distance >= len(other):
                continue
        scored.append((distance, abs(len(other) - len(folded)), position, candidate))
    scored.sort()
    if scored and scored[0][0] == 0:  # the same name in another case: nothing else is meant
        scored = [item for item in scored if item[0] == 0]
    return [candidate for *_, candidate in scored[:3]]


def _slips_allowed(word: str) -> int:
    """Typos tolerated in a word: one up to 5 characters, two up to 10, then three."""
    return 1 if len(word) <= 5 else 2 if len(word) <= 10 else 3


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours turning `a` into `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """A ` (did you mean 'x'?)` suffix, or '' when nothing is close."""
    close = close_matches(word, candidates)
    if not close:
        return ""
    names = [quoted(name) for name in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"
