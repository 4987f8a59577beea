"""What each CLI command does, over the pipeline; messages go out through callbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Problem, SpecError, did_you_mean
from generator.pipeline import CheckedSpec, check, generate
from generator.presets import preset_names, preset_path
from generator.render import Imports, Style
from generator.write import Outcome, PlannedWrite, WriteError, plan_write, write_all

Echo = Callable[[str], None]
STDOUT = "-"
DEFAULT_OUTPUT_DIR = Path("output")


class Exit(Exception):
    """Stop with an exit code; the messages were printed already."""

    def __init__(self, code: int) -> None:
        self.code = code


@dataclass(frozen=True)
class Target:
    """One generated script and where it goes (None: stdout)."""

    checked: CheckedSpec
    path: Path | None
    source: str


def check_all(specs: Sequence[Path]) -> list[CheckedSpec]:
    """Check every spec; raise one SpecError with every problem of every spec."""
    checked: list[CheckedSpec] = []
    problems: list[Problem] = []
    for path in specs:
        try:
            checked.append(check(path))
        except SpecError as error:
            problems.extend(error.problems)
    if problems:
        raise SpecError(problems)
    return checked


def resolve_output(name: str, output: str | None, several: bool) -> Path | None:
    """The file a script called `name` goes to; None for stdout."""
    if output is None:
        return DEFAULT_OUTPUT_DIR / f"{name}.py"
    if output == STDOUT:
        if several:
            raise SpecError([Problem("-o -: stdout takes one spec at a time", (), "--output")])
        return None
    path = Path(output)
    if output.endswith(("/", "\\")) or path.is_dir():
        return path / f"{name}.py"
    if several:
        raise SpecError(
            [
                Problem(
                    f"{output}: with several specs, -o must be a folder (end it with /)",
                    (),
                    "--output",
                )
            ]
        )
    return path


def run_generate(
    specs: Sequence[Path],
    *,
    style: Style | None,
    imports: Imports,
    output: str | None,
    force: bool,
    check: bool,
    echo: Echo,
    note: Echo,
    error: Echo,
) -> None:
    """Generate every spec in memory, then write all of them or none."""
    checked = check_all(specs)
    targets = []
    for item in checked:
        path = resolve_output(item.spec.name, output, len(checked) > 1)
        name = path.name if path else f"{item.spec.name}.py"
        targets.append(Target(item, path, generate(item, style, imports, name)))
    _refuse_collisions(targets)
    if check:
        _check_drift(targets, note, error)
        return
    writes = [plan_write(t.path, t.source, force) for t in targets if t.path is not None]
    blocked = [w for w in writes if w.outcome in _BLOCKED]
    for write in blocked:
        error(_blocked_message(write))
    if blocked:
        raise Exit(2)
    for target in targets:
        if target.path is None:
            echo(target.source.rstrip("\n"))
    try:
        write_all([(w.path, w.content) for w in writes if w.outcome is not Outcome.UNCHANGED])
    except WriteError as failure:
        error(_write_failure(failure))
        raise Exit(2) from None
    for write in writes:
        note(f"{write.outcome.value}: {write.path}")


_BLOCKED = (Outcome.CONFLICT, Outcome.REFUSED, Outcome.UNWRITABLE)


def _blocked_message(write: PlannedWrite) -> str:
    if write.outcome is Outcome.REFUSED:
        return f"{write.path}: is a symlink or not a regular file; not replaced (nothing written)"
    if write.outcome is Outcome.UNWRITABLE:
        return f"{write.path}: cannot write: {write.reason} (nothing written)"
    return (
        f"{write.path}: exists with different content (use --force to overwrite; nothing written)"
    )


def _write_failure(failure: WriteError) -> str:
    """One line: what failed, and which files were written before it (if any)."""
    message = f"{failure.path}: cannot write: {failure.reason}"
    if not failure.written:
        return f"{message} (nothing written)"
    written = ", ".join(str(path) for path in failure.written)
    not_written = ", ".join(str(path) for path in failure.not_written)
    return f"{message} (written: {written}; not written: {not_written})"


def _refuse_collisions(targets: Sequence[Target]) -> None:
    seen: dict[Path, Path] = {}
    problems = []
    for target in targets:
        if target.path is None:
            continue
        key = _resolved(target.path)
        if key in seen:
            problems.append(
                Problem(
                    f"writes {target.path} too (already written for {seen[key]})",
                    (),
                    str(target.checked.path),
                )
            )
        seen[key] = target.checked.path
    if problems:
        raise SpecError(problems)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare the path as written
        return path.absolute()


def _check_drift(targets: Sequence[Target], note: Echo, error: Echo) -> None:
    drifted = unreadable = 0
    for target in targets:
        if target.path is None:
            continue
        planned = plan_write(target.path, target.source, force=True)
        if planned.outcome is Outcome.UNCHANGED:
            note(f"up to date: {target.path}")
        elif planned.outcome is Outcome.UNWRITABLE:
            unreadable += 1
            error(f"{target.path}: cannot read: {planned.reason}")
        else:
            drifted += 1
            created = planned.outcome is Outcome.CREATED
            note(f"would {'create' if created else 'change'}: {target.path}")
    if unreadable:
        raise Exit(2)
    if drifted:
        raise Exit(1)


def run_validate(specs: Sequence[Path], *, echo: Echo, error: Echo) -> None:
    """Check every spec and say what each one builds."""
    for item in check_all(specs):
        graph = item.graph
        echo(
            f"ok: {item.path}: {graph.name} ({_count(len(graph.inputs), 'input')},"
            f" {_count(len(graph.layers), 'layer')}, {_count(len(graph.outputs), 'output')})"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def run_new(
    preset: str, output: str | None, force: bool, *, echo: Echo, note: Echo, error: Echo
) -> None:
    """Copy a preset spec to a file or stdout."""
    source = preset_path(preset)
    if source is None:
        names = preset_names()
        hint = did_you_mean(preset, names) or f" (presets: {', '.join(names)})"
        raise SpecError([Problem(f"unknown preset {preset!r}{hint}")])
    text = source.read_text(encoding="utf-8")
    if output == STDOUT:
        echo(text.rstrip("\n"))
        return
    path = Path(output) if output else Path(f"{preset}.yaml")
    if output and (output.endswith(("/", "\\")) or path.is_dir()):
        path = path / f"{preset}.yaml"
    write = plan_write(path, text, force)
    if write.outcome is Outcome.REFUSED:
        error(f"{path}: is a symlink or not a regular file; not replaced")
        raise Exit(2)
    if write.outcome is Outcome.CONFLICT:
        error(f"{path}: already exists (use --force to overwrite)")
        raise Exit(2)
    if write.outcome is Outcome.UNWRITABLE:
        error(f"{path}: cannot write: {write.reason}")
        raise Exit(2)
    if write.outcome is not Outcome.UNCHANGED:
        try:
            write_all([(path, text)])
        except WriteError as failure:
            error(_write_failure(failure))
            raise Exit(2) from None
    note(f"{write.outcome.value}: {path}")
