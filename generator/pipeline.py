"""The pipeline in one place: load -> validate -> plan -> render -> format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.analysis.graph import Graph
from generator.analysis.plan import build_graph
from generator.analysis.training import TrainingPlan, plan_training
from generator.codegen.code import LINE_LENGTH
from generator.errors import SpecError
from generator.spec.load import LoadedSpec, load_spec
from generator.spec.model import Imports, Spec, Style, parse_spec
from generator.spec.names import file_stem


@dataclass(frozen=True)
class CheckedSpec:
    """A spec that passed every check, with its graph and training plan."""

    path: Path
    spec: Spec
    graph: Graph
    training: TrainingPlan


def check(path: Path) -> CheckedSpec:
    """Load, validate and plan one spec file; raise SpecError with located problems."""
    loaded = load_spec(path)
    return check_loaded(loaded, path)


def check_loaded(loaded: LoadedSpec, path: Path) -> CheckedSpec:
    """Validate and plan spec data that is already loaded."""
    try:
        spec = parse_spec(loaded.data)
        graph = build_graph(spec)
        training = plan_training(spec, graph)
    except SpecError as error:
        raise SpecError(loaded.locate(problem) for problem in error.problems) from None
    return CheckedSpec(path, spec, graph, training)


def generate(
    checked: CheckedSpec,
    style: Style | None = None,
    imports: Imports = "keras",
    script_name: str | None = None,
    snippet: bool = False,
    line_length: int = LINE_LENGTH,
    shape_comments: bool = True,
) -> str:
    """The formatted script for a checked spec, black-formatted to `line_length` columns."""
    # Rendering and black load only when a script is written, not for `validate`.
    from generator.codegen.format import format_source
    from generator.codegen.layout import Layout
    from generator.codegen.render import RenderOptions, render_script

    spec = checked.spec
    options = RenderOptions(
        style=style or spec.merge_style,
        imports=imports,
        source_name=checked.path.name,
        script_name=script_name or f"{file_stem(spec.name)}.py",
        snippet=snippet,
        layout=Layout(line_length, shape_comments),
    )
    source = render_script(spec, checked.graph, checked.training, options)
    return format_source(source, line_length)
