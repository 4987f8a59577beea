"""Many specs or scripts at once: expand folders and globs, and show progress on a terminal."""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from generator.errors import Problem, SpecError
from generator.spec.load import SPEC_FORMATS

GLOB_CHARACTERS = frozenset("*?[")
NOT_SPECS = frozenset({"mergegen.schema.json"})  # written by `mergegen new` beside the specs


def _spec_like(path: Path, suffixes: Sequence[str]) -> bool:
    return path.suffix.lower() in suffixes and path.name not in NOT_SPECS and path.is_file()


def expand_paths(
    arguments: Sequence[Path | str], suffixes: Sequence[str] = tuple(SPEC_FORMATS)
) -> list[Path]:
    """Files named directly, the matching files of a folder, and the matches of a quoted glob."""
    found: list[Path] = []
    problems: list[Problem] = []
    for argument in arguments:
        text = str(argument)
        if GLOB_CHARACTERS & set(text):
            matches = [Path(m) for m in sorted(glob.glob(text, recursive=True))]
            matches = [m for m in matches if _spec_like(m, suffixes)]
            if not matches:
                problems.append(Problem(f"no {', '.join(suffixes)} files match", (), text))
            found += matches
        elif Path(text).is_dir():
            matches = sorted(p for p in Path(text).iterdir() if _spec_like(p, suffixes))
            if not matches:
                problems.append(
                    Problem(f"the folder holds no {', '.join(suffixes)} files", (), text)
                )
            found += matches
        else:
            found.append(Path(text))
    if problems:
        raise SpecError(problems)
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


class Step(Protocol):
    """Advance a progress display by one item."""

    def __call__(self, label: str) -> None: ...


@contextmanager
def progress(total: int, description: str, enabled: bool) -> Iterator[Step]:
    """A rich progress bar on stderr for several items on a terminal; otherwise nothing."""
    if not enabled or total < 2:
        yield lambda label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[label]}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total, label="")

        def step(label: str) -> None:
            bar.update(task, advance=1, label=label)

        yield step
