"""Errors as values: a problem names the file, the place and the field."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.display import printable, quoted
from generator.spec.fields import FieldPath, format_path


@dataclass(frozen=True)
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
    """Up to three candidates that look like `word`, closest first."""
    return difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)


def did_you_mean(word: str, candidates: Sequence[str]) -> str:
    """A ` (did you mean 'x'?)` suffix, or '' when nothing is close."""
    close = close_matches(word, candidates)
    if not close:
        return ""
    names = [quoted(name) for name in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"
