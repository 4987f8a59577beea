"""The pipeline in one place: load -> validate -> plan -> render -> format."""

from __future__ import annotations

from pathlib import Path

from generator.analysis.backends import script_backend, tensorflow_only
from generator.analysis.expand import Expanded
from generator.analysis.graph import Graph
from generator.analysis.plan import build_graph
from generator.analysis.training import TrainingPlan, object_problems_of, plan_training
from generator.codegen.code import LINE_LENGTH
from generator.errors import Problem, SpecError
from generator.records import record
from generator.spec.load import LoadedSpec, load_spec
from generator.spec.model import Backend, Imports, Spec, Style, parse_spec_repaired
from generator.spec.names import file_stem


@record
class CheckedSpec:
    """A spec that passed every check, with its graph and training plan."""

    path: Path
    spec: Spec
    graph: Graph
    training: TrainingPlan
    loaded: LoadedSpec | None = None  # for locating problems found while generating


def check(path: Path) -> CheckedSpec:
    """Load, validate and plan one spec file; raise SpecError with located problems."""
    loaded = load_spec(path)
    return check_loaded(loaded, path)


def check_loaded(loaded: LoadedSpec, path: Path, expanded: Expanded | None = None) -> CheckedSpec:
    """Validate and plan spec data that is already loaded; every independent problem at once.

    `expanded`: the expansion of a spec of exactly this data, where one was made already.
    """
    spec, problems = parse_spec_repaired(loaded.data)
    if spec is not None:
        try:
            graph = build_graph(spec, None if problems else expanded)
        except SpecError as error:
            # The optimizer, losses and metrics need no graph: report them with its problems.
            problems += [*error.problems, *object_problems_of(spec)]
        else:
            try:
                training = plan_training(spec, graph)
            except SpecError as error:
                problems += error.problems
    if problems or spec is None:
        located = [loaded.locate(problem) for problem in problems]
        raise SpecError(sorted(located, key=_reading_order))
    return CheckedSpec(path, spec, graph, training, loaded)


def generate(
    checked: CheckedSpec,
    style: Style | None = None,
    imports: Imports = "keras",
    script_name: str | None = None,
    snippet: bool = False,
    line_length: int = LINE_LENGTH,
    shape_comments: bool = True,
    backend: Backend | None = None,
) -> str:
    """The formatted script for a checked spec, black-formatted to `line_length` columns.

    SpecError if it cannot run on `backend`.
    """
    # Rendering and black load only when a script is written, not for `validate`.
    from generator.codegen.format import format_source
    from generator.codegen.layout import Layout
    from generator.codegen.render import RenderOptions, render_script

    spec = checked.spec
    try:
        needs = tensorflow_only(checked.graph)
        pinned = script_backend(checked.training.distribute, imports, backend, needs)
    except SpecError as error:
        raise SpecError(_locate(checked, problem) for problem in error.problems) from None
    options = RenderOptions(
        style=style or spec.merge_style,
        imports=imports,
        source_name=checked.path.name,
        script_name=script_name or f"{file_stem(spec.name)}.py",
        snippet=snippet,
        layout=Layout(line_length, shape_comments),
        backend=pinned,
    )
    source = render_script(spec, checked.graph, checked.training, options)
    return format_source(source, line_length)


def _reading_order(problem: Problem) -> tuple[bool, int, int]:
    """Problems in the order of the file; those without a place keep theirs, last."""
    return (problem.line is None, problem.line or 0, problem.column or 0)


def _locate(checked: CheckedSpec, problem: Problem) -> Problem:
    """A problem with a spec field, placed in the spec file; one with an option, as it is."""
    if checked.loaded is None or not problem.path:
        return problem
    return checked.loaded.locate(problem)
