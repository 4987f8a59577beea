"""The command line: thin Typer commands over the pipeline, one place that prints errors."""

# No `from __future__ import annotations`: Typer reads every command's parameters from their
# annotations at each start, and evaluating them from strings compiles each one (3% of `validate`).
import os
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from generator import __version__
from generator.codegen.code import LINE_LENGTH, LINE_LENGTHS


def _skip_pydantic_plugin_search() -> None:
    """Tell pydantic this process has no plugins, before it imports its plugin loader.

    Every validator the command line builds is built with plugins off (the spec models, see
    generator/spec/model.py, and Typer's own), yet building one imports the loader, and with it
    importlib.metadata and email: 4% of `validate`'s instructions, for a search never made.
    """
    name = "pydantic.plugin._loader"
    if name not in sys.modules:
        loader = types.ModuleType(name, "No pydantic plugins in mergegen's command line.")
        vars(loader)["get_plugins"] = tuple  # get_plugins() == (): no plugins
        sys.modules[name] = loader


_skip_pydantic_plugin_search()
app = typer.Typer(
    name="mergegen",
    help="Generate runnable multi-branch Keras scripts from a YAML, JSON or TOML spec.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    epilog="Example: mergegen new inception_cnn -o my.yaml && mergegen generate my.yaml",
)


class StyleChoice(StrEnum):
    """How merges are written."""

    class_ = "class"
    function = "function"


class BackendChoice(StrEnum):
    """The Keras backend a script pins."""

    tensorflow = "tensorflow"
    jax = "jax"
    torch = "torch"


class ImportsChoice(StrEnum):
    """Which import lines the script uses."""

    keras = "keras"
    tensorflow = "tensorflow"


def _error(line: str) -> None:
    from generator.display import printable

    typer.echo(f"error: {printable(line)}", err=True)


def _note(line: str) -> None:
    typer.echo(line, err=True)


@contextmanager
def handle_errors() -> Iterator[None]:
    """The one place that turns problems into messages and exit codes."""
    from generator.cli.commands import Exit
    from generator.codegen.code import InternalError
    from generator.errors import SpecError

    try:
        yield
    except SpecError as error:
        from generator.cli.messages import print_problems

        print_problems(error.problems, summary=error.summary)
        raise typer.Exit(2) from None
    except Exit as stop:
        raise typer.Exit(stop.code) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        # The reader went away (`mergegen presets | head -1`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1) from None
    except (InternalError, Exception) as error:  # noqa: B014 - an internal bug, say so
        traceback.print_exc()
        _error(
            f"internal error: {error}. This is a bug in mergegen {__version__};"
            " please report it with the spec and the command that caused it"
        )
        raise typer.Exit(3) from None


def _complete_preset(incomplete: str) -> list[str]:
    """Shell completion of preset names."""
    from generator.spec.presets import preset_names

    return [name for name in preset_names() if name.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mergegen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Generate runnable multi-branch Keras scripts from a YAML, JSON or TOML spec."""


SpecArgs = Annotated[
    list[Path],
    typer.Argument(
        help="Spec files (.yaml, .yml, .json or .toml).", metavar="SPEC", show_default=False
    ),
]


@app.command(
    epilog="Example: mergegen generate my.yaml --style function --backend jax -o output/",
)
def generate(
    specs: SpecArgs,
    style: Annotated[
        Optional[StyleChoice],  # noqa: UP045 - Typer needs Optional here on 3.11
        typer.Option("--style", help="Merge style; default: the spec's merge_style."),
    ] = None,
    imports: Annotated[
        ImportsChoice,
        typer.Option(
            "--imports", help="keras: `import keras`; tensorflow: `from tensorflow import keras`."
        ),
    ] = ImportsChoice.keras,
    backend: Annotated[
        Optional[BackendChoice],  # noqa: UP045
        typer.Option(
            "--backend",
            help="Pin the script's Keras backend (a KERAS_BACKEND already set still wins);"
            " default: any backend, or the one training.distribute needs.",
        ),
    ] = None,
    output: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "-o",
            "--output",
            metavar="PATH",
            help="FILE, DIR/ or - for stdout. Default: output/<name>.py.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files whose content differs.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if a file on disk differs.")
    ] = False,
    snippet: Annotated[
        bool,
        typer.Option(
            "--snippet",
            help="Only the imports, constants, block functions and build_model(), to paste into"
            " a project (printed unless -o is given).",
        ),
    ] = False,
    line_length: Annotated[
        int,
        typer.Option(
            "--line-length",
            metavar="N",
            help=f"Columns for black and for fitting calls on one line"
            f" ({LINE_LENGTHS[0]} to {LINE_LENGTHS[-1]}).",
        ),
    ] = LINE_LENGTH,
    shape_comments: Annotated[
        bool,
        typer.Option(
            "--shape-comments/--no-shape-comments",
            help="Write each layer's output shape as a comment beside it.",
        ),
    ] = True,
) -> None:
    """Write a runnable, black-formatted Keras script for each spec."""
    with handle_errors():
        from generator.cli.commands import run_generate

        run_generate(
            specs,
            style=style.value if style else None,
            imports=imports.value,
            backend=backend.value if backend else None,
            output=output,
            force=force,
            check=check,
            snippet=snippet,
            line_length=line_length,
            shape_comments=shape_comments,
            echo=typer.echo,
            note=_note,
            error=_error,
        )


class FormatChoice(StrEnum):
    """How validate prints its report."""

    table = "table"
    json = "json"


@app.command(epilog="Example: mergegen validate my.yaml --format json")
def validate(
    specs: SpecArgs,
    output_format: Annotated[
        FormatChoice, typer.Option("--format", help="table for people, json for tools.")
    ] = FormatChoice.table,
) -> None:
    """Check specs without writing; show each layer's output shape and parameters."""
    with handle_errors():
        from generator.cli.commands import run_validate

        run_validate(specs, output_format=output_format.value, echo=typer.echo)


class DiagramChoice(StrEnum):
    """What diagram prints."""

    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


@app.command(epilog="Example: mergegen diagram my.yaml -o my.svg")
def diagram(
    spec: Annotated[
        Path,
        typer.Argument(
            help="A spec file (.yaml, .yml, .json or .toml).", metavar="SPEC", show_default=False
        ),
    ],
    output_format: Annotated[
        Optional[DiagramChoice],  # noqa: UP045
        typer.Option(
            "--format",
            help="mermaid (for Markdown), dot (Graphviz), or svg and png drawn by Graphviz's dot."
            " Default: from -o's extension (.mmd .md .dot .gv .svg .png), else mermaid.",
        ),
    ] = None,
    output: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "-o",
            "--output",
            metavar="PATH",
            help="FILE, DIR/ (DIR/<name>.<format>) or - for stdout. Default: stdout.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a file whose content differs.")
    ] = False,
) -> None:
    """Draw the model: one node per layer, merges, inputs, outputs and block calls marked."""
    with handle_errors():
        from generator.cli.commands import run_diagram

        run_diagram(
            spec,
            output_format=output_format.value if output_format else None,
            output=output,
            force=force,
            terminal=sys.stdout.isatty(),
            echo=typer.echo,
            echo_bytes=lambda data: typer.echo(data, nl=False),
            note=_note,
            error=_error,
        )


@app.command(epilog="Example: mergegen presets")
def presets() -> None:
    """List the shipped example specs, one line each."""
    with handle_errors():
        from generator.spec.presets import preset_description, preset_names

        names = preset_names()
        width = max(len(name) for name in names)
        for name in names:
            typer.echo(f"{name:<{width}}  {preset_description(name)}")


@app.command(epilog="Example: mergegen new inception_cnn -o my.yaml")
def new(
    preset: Annotated[
        str,
        typer.Argument(
            help="A preset name (see `mergegen presets`).",
            show_default=False,
            autocompletion=_complete_preset,
        ),
    ],
    output: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "-o",
            "--output",
            metavar="PATH",
            help="Where to write the spec; - for stdout. Default: ./PRESET.yaml.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Start a spec from a preset."""
    with handle_errors():
        from generator.cli.commands import run_new

        run_new(preset, output, force, echo=typer.echo, note=_note, error=_error)


@app.command(epilog="Example: mergegen check output/ my.yaml")
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Generated scripts, specs (generated first), folders or quoted globs.",
            metavar="PATH",
            show_default=False,
        ),
    ],
    python: Annotated[
        str, typer.Option("--python", help="The Python that runs the scripts (it needs Keras).")
    ] = sys.executable,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds each script may take.", min=1)
    ] = 600,
) -> None:
    """Run scripts with tiny settings (1 epoch, 16 examples); exit 1 if any fails."""
    with handle_errors():
        from generator.cli.check_scripts import run_checks
        from generator.cli.commands import Exit

        outcomes = run_checks(paths, python=python, timeout=timeout, echo=typer.echo)
        failed = sum(not outcome.passed for outcome in outcomes)
        typer.echo(f"{len(outcomes) - failed} passed, {failed} failed")
        if failed:
            raise Exit(1)


class SpecFormatChoice(StrEnum):
    """The file format of an imported spec."""

    yaml = "yaml"
    json = "json"
    toml = "toml"


@app.command(
    "import",
    epilog="Example: mergegen import resnet50.keras -o resnet50.yaml && mergegen generate"
    " resnet50.yaml",
)
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="A .keras archive, a .h5 file saved by Keras 2 / tf.keras (needs h5py:"
            " pip install 'mergegen[h5]'), or a .json file holding model.to_json() (or its"
            " config), Keras 3 or Keras 2.",
            metavar="SOURCE",
            show_default=False,
        ),
    ],
    output: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "-o",
            "--output",
            metavar="SPEC",
            help="Where to write the spec; - for stdout. Default: ./<model name>.<format>.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    spec_format: Annotated[
        Optional[SpecFormatChoice],  # noqa: UP045
        typer.Option("--format", help="The spec's format; default: from -o's suffix, else yaml."),
    ] = None,
) -> None:
    """Read a saved Keras model (never running anything in it) and write its spec."""
    with handle_errors():
        from generator.cli.import_command import run_import

        run_import(
            source,
            output,
            force,
            spec_format.value if spec_format else None,
            echo=typer.echo,
            note=_note,
            error=_error,
        )


@app.command(epilog="Example: mergegen schema -o mergegen.schema.json")
def schema(
    output: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("-o", "--output", metavar="PATH", help="Write to a file; default: stdout."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a different file.")] = False,
) -> None:
    """Print the JSON Schema of a spec, for editors such as VS Code."""
    with handle_errors():
        from generator.cli.commands import run_schema

        run_schema(output, force, echo=typer.echo, note=_note, error=_error)


def main() -> NoReturn:
    """Console-script entry point."""
    app(prog_name="mergegen")
    sys.exit(0)  # pragma: no cover - Typer exits itself
