"""What each CLI command does, over the pipeline; messages go out through callbacks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator.cli.batch import expand_paths, progress
from generator.cli.write import (
    PlannedWrite,
    WriteError,
    WriteOutcome,
    plan_write,
    write_all,
    write_atomic,
)
from generator.codegen.code import LINE_LENGTH, LINE_LENGTHS
from generator.errors import Problem, SpecError, did_you_mean
from generator.pipeline import CheckedSpec, check, generate
from generator.records import record
from generator.spec.model import Backend, Imports, Style
from generator.spec.names import file_stem
from generator.spec.presets import preset_names, preset_path

if TYPE_CHECKING:
    from generator.views.diagram import Format

Echo = Callable[[str], None]
STDOUT = "-"
DEFAULT_OUTPUT_DIR = Path("output")


class Exit(Exception):
    """Stop with an exit code; the messages were printed already."""

    def __init__(self, code: int) -> None:
        self.code = code


@record
class Target:
    """One generated script and where it goes (None: stdout)."""

    checked: CheckedSpec
    path: Path | None
    source: str


def check_all(arguments: Sequence[Path], written: str = "") -> list[CheckedSpec]:
    """Check every spec (folders and globs expanded); raise one SpecError with every problem.

    `written` names what a failure leaves unwritten, for the summary of several specs.
    """
    specs = expand_paths(arguments)
    checked: list[CheckedSpec] = []
    problems: list[Problem] = []
    failed = 0
    with progress(len(specs), "checking", sys.stderr.isatty()) as step:
        for path in specs:
            step(str(path))
            try:
                checked.append(check(path))
            except SpecError as error:
                problems.extend(error.problems)
                failed += 1
    if problems:
        summary = ""
        if len(specs) > 1:
            summary = f"{failed} of {len(specs)} specs have problems{written}"
        raise SpecError(problems, summary)
    return checked


def resolve_output(
    stem: str, output: str | None, several: bool, suffix: str = ".py"
) -> Path | None:
    """The file a script (or diagram) with the file stem `stem` goes to; None for stdout."""
    if output is None:
        return DEFAULT_OUTPUT_DIR / f"{stem}{suffix}"
    if output == STDOUT:
        if several:
            raise SpecError([Problem("-o -: stdout takes one spec at a time", (), "--output")])
        return None
    path = Path(output)
    if output.endswith(("/", "\\")) or path.is_dir():
        return path / f"{stem}{suffix}"
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
    snippet: bool = False,
    line_length: int = LINE_LENGTH,
    shape_comments: bool = True,
    backend: Backend | None = None,
) -> None:
    """Generate every spec in memory, then write all of them or none."""
    if line_length not in LINE_LENGTHS:
        low, high = LINE_LENGTHS[0], LINE_LENGTHS[-1]
        message = f"{line_length} is outside {low}..{high} (black's default is {LINE_LENGTH})"
        raise SpecError([Problem(message, (), "--line-length")])
    checked = check_all(specs, "; nothing was written")
    if snippet and output is None:
        output = STDOUT  # a snippet is for pasting: print it
    targets = []
    for item in checked:
        path = resolve_output(file_stem(item.spec.name), output, len(checked) > 1)
        name = path.name if path else f"{file_stem(item.spec.name)}.py"
        source = generate(
            item,
            style,
            imports,
            name,
            snippet=snippet,
            line_length=line_length,
            shape_comments=shape_comments,
            backend=backend,
        )
        targets.append(Target(item, path, source))
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
        write_all([(w.path, w.content) for w in writes if w.outcome is not WriteOutcome.UNCHANGED])
    except WriteError as failure:
        error(_write_failure(failure))
        raise Exit(2) from None
    for write in writes:
        note(f"{write.outcome.value}: {write.path}")
    if len(writes) > 1:
        counts = {outcome: sum(w.outcome is outcome for w in writes) for outcome in WriteOutcome}
        note(
            f"{len(writes)} scripts: {counts[WriteOutcome.CREATED]} created,"
            f" {counts[WriteOutcome.UPDATED]} updated, {counts[WriteOutcome.UNCHANGED]} unchanged"
        )


_BLOCKED = (WriteOutcome.CONFLICT, WriteOutcome.REFUSED, WriteOutcome.UNWRITABLE)


def _blocked_message(write: PlannedWrite) -> str:
    if write.outcome is WriteOutcome.REFUSED:
        return f"{write.path}: is a symlink or not a regular file; not replaced (nothing written)"
    if write.outcome is WriteOutcome.UNWRITABLE:
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
        if planned.outcome is WriteOutcome.UNCHANGED:
            note(f"up to date: {target.path}")
        elif planned.outcome is WriteOutcome.UNWRITABLE:
            unreadable += 1
            error(f"{target.path}: cannot read: {planned.reason}")
        else:
            drifted += 1
            created = planned.outcome is WriteOutcome.CREATED
            note(f"would {'create' if created else 'change'}: {target.path}")
    if unreadable:
        raise Exit(2)
    if drifted:
        raise Exit(1)


def run_validate(specs: Sequence[Path], *, output_format: str, echo: Echo) -> None:
    """Check every spec and show each layer's shape and weights."""
    from generator.views import report

    checked = check_all(specs)
    if output_format == "json":
        echo(report.as_json([report.as_json_data(item.graph, str(item.path)) for item in checked]))
        return
    echo("\n\n".join(report.as_table(item.graph, str(item.path)) for item in checked))


def diagram_format(requested: str | None, output: str | None) -> Format:
    """--format if given, else the format -o's extension stands for, else mermaid."""
    # The diagram module loads only for `diagram`, to keep `generate` quick to start.
    from generator.views.diagram import DIAGRAM_FORMATS, EXTENSIONS

    to_file = output not in (None, STDOUT) and not _is_folder(str(output))
    suffix = Path(str(output)).suffix.lower() if to_file else ""
    implied = EXTENSIONS.get(suffix)
    if requested is not None:
        chosen = next(name for name in DIAGRAM_FORMATS if name == requested)
        if implied is not None and implied != chosen:
            raise SpecError(
                [
                    Problem(
                        f"{output}: {suffix} stands for {implied}, not {chosen}"
                        " (change the extension or leave --format out)",
                        (),
                        "--output",
                    )
                ]
            )
        return chosen
    if implied is None and suffix:
        known = ", ".join(EXTENSIONS)
        raise SpecError(
            [
                Problem(
                    f"{output}: cannot tell the format from {suffix!r}"
                    f" (use --format mermaid|dot|svg|png, or end the file in {known})",
                    (),
                    "--output",
                )
            ]
        )
    return implied or "mermaid"


def run_diagram(
    spec: Path,
    *,
    output_format: str | None,
    output: str | None,
    force: bool,
    terminal: bool,
    echo: Echo,
    echo_bytes: Callable[[bytes], None],
    note: Echo,
    error: Echo,
) -> None:
    """Draw one spec's graph as Mermaid, DOT, SVG or PNG, to a file or stdout."""
    from generator.views.diagram import SUFFIXES, draw

    chosen = diagram_format(output_format, output)
    to_stdout = output in (None, STDOUT)
    if chosen == "png" and to_stdout and terminal:
        raise SpecError(
            [
                Problem(
                    "a PNG is binary and is not printed to a terminal"
                    " (use -o FILE.png, or redirect stdout to a file)",
                    (),
                    "--format png",
                )
            ]
        )
    checked = check(spec)
    stem = file_stem(checked.spec.name)
    path = None if to_stdout else resolve_output(stem, output, False, SUFFIXES[chosen])
    markdown = path is not None and path.suffix.lower() == ".md"
    content = draw(checked.graph, chosen, markdown=markdown)
    if path is None:
        if isinstance(content, bytes):
            echo_bytes(content)
        else:
            echo(content.rstrip("\n"))
        return
    write_one(path, content, force, note=note, error=error)


def _is_folder(output: str) -> bool:
    return output.endswith(("/", "\\")) or Path(output).is_dir()


def run_new(
    preset: str, output: str | None, force: bool, *, echo: Echo, note: Echo, error: Echo
) -> None:
    """Copy a preset spec to a file or stdout."""
    source = preset_path(preset)
    if source is None:
        names = preset_names()
        hint = did_you_mean(preset, names) or f" (presets: {', '.join(names)})"
        raise SpecError([Problem(f"unknown preset {preset!r}{hint}")])
    from generator.spec.schema import MODELINE, SCHEMA_FILE, schema_text

    # The modeline lets VS Code's YAML extension complete and check the spec.
    text = MODELINE + source.read_text(encoding="utf-8")
    if output == STDOUT:
        echo(text.rstrip("\n"))
        return
    path = Path(output) if output else Path(f"{preset}.yaml")
    if output and (output.endswith(("/", "\\")) or path.is_dir()):
        path = path / f"{preset}.yaml"
    schema = plan_write(path.parent / SCHEMA_FILE, schema_text(), force=False)
    write_one(path, text, force, note=note, error=error)
    if schema.outcome is WriteOutcome.CREATED:
        write_atomic(schema.path, schema.content)
        note(f"{schema.outcome.value}: {schema.path}")


def write_one(path: Path, content: str | bytes, force: bool, *, note: Echo, error: Echo) -> None:
    """Write one file atomically, or stop with exit 2 saying why it was not written."""
    write = plan_write(path, content, force)
    if write.outcome is WriteOutcome.REFUSED:
        error(f"{path}: is a symlink or not a regular file; not replaced")
        raise Exit(2)
    if write.outcome is WriteOutcome.CONFLICT:
        error(f"{path}: already exists with different content (use --force to overwrite)")
        raise Exit(2)
    if write.outcome is WriteOutcome.UNWRITABLE:
        error(f"{path}: cannot write: {write.reason}")
        raise Exit(2)
    if write.outcome is not WriteOutcome.UNCHANGED:
        try:
            write_all([(path, content)])
        except WriteError as failure:
            error(_write_failure(failure))
            raise Exit(2) from None
    note(f"{write.outcome.value}: {path}")


def run_schema(output: str | None, force: bool, *, echo: Echo, note: Echo, error: Echo) -> None:
    """Print the spec's JSON Schema, or write it to a file."""
    from generator.spec.schema import schema_text

    text = schema_text()
    if output is None or output == STDOUT:
        echo(text.rstrip("\n"))
        return
    write_one(Path(output), text, force, note=note, error=error)
