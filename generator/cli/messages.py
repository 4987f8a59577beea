"""How problems look on screen: the one-line message, then the spec line with a caret.

Colour only on a terminal, never under NO_COLOR; the excerpt is made printable so a
hostile spec cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from generator.errors import Problem

MAX_EXCERPT = 100  # characters of the spec line shown around the column
BOLD_RED, BOLD, GREEN, BLUE, RESET = "\033[1;31m", "\033[1m", "\033[32m", "\033[34m", "\033[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def problem_lines(
    problem: Problem, colour: bool, sources: dict[str, tuple[str, ...] | None] | None = None
) -> list[str]:
    """`error: FILE:LINE:COL: field: message`, and the spec line with a caret under the column."""
    message = problem.render()
    head = f"{BOLD_RED}error:{RESET} {BOLD}{message}{RESET}" if colour else f"error: {message}"
    lines = [head]
    if problem.file and problem.line is not None:
        text = _source_line(problem.file, problem.line, {} if sources is None else sources)
        if text is not None:
            lines += _excerpt(text, problem.line, problem.column, colour)
    return lines


def print_problems(
    problems: tuple[Problem, ...], stream: TextIO | None = None, summary: str = ""
) -> None:
    """The one place problems are printed."""
    stream = stream or sys.stderr
    colour = use_colour(stream)
    sources: dict[str, tuple[str, ...] | None] = {}  # each spec read once per report
    for problem in problems:
        for line in problem_lines(problem, colour, sources):
            print(line, file=stream)
    if summary:
        print(summary, file=stream)


def _excerpt(text: str, line: int, column: int | None, colour: bool) -> list[str]:
    start = 0
    caret_at = (column or 1) - 1
    if len(text) > MAX_EXCERPT:
        start = max(0, min(caret_at - MAX_EXCERPT // 2, len(text) - MAX_EXCERPT))
        text = text[start : start + MAX_EXCERPT]
    shown = _printable(text)
    gutter = f"{line:>5} | "
    blank = " " * (len(gutter) - 2) + "| "
    caret_column = len(_printable(text[: max(0, caret_at - start)]))
    caret = " " * caret_column + "^"
    if colour:
        return [f"{BLUE}{gutter}{RESET}{shown}", f"{BLUE}{blank}{RESET}{GREEN}{caret}{RESET}"]
    return [f"{gutter}{shown}", f"{blank}{caret}"]


def _printable(text: str) -> str:
    """Tabs as spaces; anything that is not printable as a visible stand-in."""
    text = text.expandtabs(4)
    return "".join(char if char.isprintable() else "\N{REPLACEMENT CHARACTER}" for char in text)


def _lines(file: str) -> tuple[str, ...] | None:
    try:
        with open(file, "rb") as stream:
            raw = stream.read(1024 * 1024 + 1)
    except OSError:
        return None
    # Lines as the loaders count them: split on newlines only.
    return tuple(
        line.removesuffix("\r") for line in raw.decode("utf-8", errors="replace").split("\n")
    )


def _source_line(file: str, line: int, sources: dict[str, tuple[str, ...] | None]) -> str | None:
    if file not in sources:
        sources[file] = _lines(file)
    lines = sources[file]
    if lines is None or not 1 <= line <= len(lines):
        return None
    return lines[line - 1]
