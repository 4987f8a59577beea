"""`mergegen diagram`: Mermaid, DOT, SVG and PNG, driven through the CLI as a user would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.analysis.graph import Graph
from generator.cli.commands import run_diagram
from generator.errors import SpecError
from generator.pipeline import check, check_loaded
from generator.spec.load import LoadedSpec
from generator.spec.presets import preset_names, preset_path
from generator.views.diagram import _dot_escape, _mermaid_text, to_dot, to_mermaid
from tests.conftest import REPO, VALID_SPEC
from tests.regen_golden import DIAGRAM_PRESETS, regenerate_diagrams

SVG_NS = "http://www.w3.org/2000/svg"
SVG = f"{{{SVG_NS}}}svg"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DOT = shutil.which("dot")


@pytest.fixture
def dot() -> str:
    """Graphviz's dot: skipped where it is not installed, but CI must have it."""
    if DOT is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is not installed; .ci/run installs it")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz); CI has it")
    return DOT


MERMAID_NODE = re.compile(r"^\s+n_(\w+)(?:\[/\"|\{\{\"|\[\"|\(\[\")", re.MULTILINE)
DOT_NODE = re.compile(r'^\s+"([\w/]+)" \[label=', re.MULTILINE)  # "/": in a model block


def preset_graph(name: str) -> Graph:
    path = preset_path(name)
    assert path is not None
    return check(path).graph


def graph_of(spec: dict[str, Any]) -> Graph:
    return check_loaded(LoadedSpec("spec.yaml", spec), Path("spec.yaml")).graph


def names(graph: Graph) -> list[str]:
    return [item.name for item in graph.inputs] + [node.name for node in graph.layers]


NESTED = {
    "name": "nested",
    "inputs": [{"name": "features", "shape": [4]}],
    "blocks": {
        "unit": {
            "inputs": ["x"],
            "params": ["units"],
            "layers": [
                {"name": "dense", "type": "Dense", "units": "$units"},
                {"name": "skip", "type": "Dense", "inputs": "x", "units": "$units"},
                {"name": "added", "type": "Add", "inputs": ["dense", "skip"]},
            ],
        },
        # Only calls: the diagram still knows which block each cluster is.
        "pair": {
            "inputs": ["x"],
            "layers": [
                {"name": "first", "block": "unit", "units": 8},
                {"name": "second", "block": "unit", "units": 8},
            ],
        },
    },
    "layers": [
        {"name": "stack", "block": "pair", "inputs": "features"},
        {"name": "head", "type": "Dense", "units": 8},
        {"name": "again", "share": "head", "inputs": "head"},
    ],
    "outputs": ["again"],
    "training": {"loss": "mse"},
}


# --- Mermaid and DOT text ------------------------------------------------------------------


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_has_one_node_per_input_and_layer(preset: str) -> None:
    graph = preset_graph(preset)
    mermaid = to_mermaid(graph)
    assert mermaid.startswith("flowchart TB\n")
    # A model block's layers (encoder/conv_1) get Mermaid ids with "_" for the "/".
    assert MERMAID_NODE.findall(mermaid) == [name.replace("/", "_") for name in names(graph)]
    assert mermaid.count("subgraph ") == len(re.findall(r"^\s+end$", mermaid, re.MULTILINE))
    dot = to_dot(graph)
    assert dot.startswith(f'digraph "{preset}" {{\n') and dot.endswith("}\n")
    assert dot.count("{") == dot.count("}")
    assert DOT_NODE.findall(dot) == names(graph)
    # One edge per producer and consumer: self-attention takes one tensor twice, and an
    # edge from a layer with several outputs is labelled with the ones it carries.
    edges = len({(ref.partition(":")[0], node.name) for node in graph.layers for ref in node.takes})
    assert mermaid.count(" --> ") == edges
    assert (
        len(re.findall(r'^\s+"[\w/]+" -> "[\w/]+"( \[label="[\w, ]+"\])?;$', dot, re.MULTILINE))
        == edges
    )


def test_two_dense_marks_the_input_the_merge_and_the_output() -> None:
    mermaid = to_mermaid(preset_graph("two_dense"))
    assert 'n_features[/"features<br/>InputLayer<br/>(None, 10)"/]' in mermaid
    assert 'n_merged{{"merged<br/>Concatenate<br/>(None, 64)"}}' in mermaid
    assert 'n_probability(["probability<br/>Dense<br/>(None, 1)"])' in mermaid
    assert "    n_branch_a --> n_merged\n    n_branch_b --> n_merged\n" in mermaid
    assert "    class n_features input\n" in mermaid
    assert "    class n_merged merge\n" in mermaid
    assert "    class n_probability output\n" in mermaid
    dot = to_dot(preset_graph("two_dense"))
    assert '"features" [label="features\\nInputLayer\\n(None, 10)", shape=parallelogram' in dot
    assert '"merged" [label="merged\\nConcatenate\\n(None, 64)", shape=hexagon' in dot
    assert re.search(r'"probability" \[label="probability\\nDense\\n\(None, 1\)".*penwidth=2', dot)


def test_block_calls_are_clusters_labelled_call_and_block() -> None:
    dot = to_dot(preset_graph("inception_v1"))
    for call in ("inception_3a", "inception_3b"):
        start = dot.index(f'subgraph "cluster_{call}" {{')
        end = dot.index("\n    }\n", start)
        cluster = dot[start:end]
        assert f'label="{call}: inception_module"' in cluster
        assert DOT_NODE.findall(cluster) == [
            f"{call}_{layer}"
            for layer in (
                *("branch_1x1", "reduce_3x3", "branch_3x3", "reduce_5x5", "branch_5x5"),
                *("pool", "branch_pool", "merged"),
            )
        ]
    mermaid = to_mermaid(preset_graph("inception_v1"))
    assert 'subgraph cluster_inception_3a["inception_3a: inception_module"]' in mermaid


def test_nested_calls_are_nested_clusters() -> None:
    graph = graph_of(NESTED)
    dot = to_dot(graph)
    outer = dot.index('subgraph "cluster_stack" {')
    first = dot.index('subgraph "cluster_stack_first" {')
    second = dot.index('subgraph "cluster_stack_second" {')
    outer_end = dot.index("\n    }\n", outer)
    assert outer < first < second < outer_end
    assert 'label="stack: pair"' in dot
    assert 'label="first: unit"' in dot and 'label="second: unit"' in dot
    # The inner clusters are indented one level deeper than the outer one.
    assert '\n        subgraph "cluster_stack_first" {' in dot
    mermaid = to_mermaid(graph)
    lines = mermaid.splitlines()
    assert lines.index('    subgraph cluster_stack["stack: pair"]') < lines.index(
        '        subgraph cluster_stack_first["first: unit"]'
    )
    assert "            n_stack_first_added{{" in mermaid


def test_a_shared_call_has_a_dashed_edge_to_the_layer_it_shares() -> None:
    graph = graph_of(NESTED)
    assert '"again" -> "head" [style=dashed, constraint=false' in to_dot(graph)
    assert "    n_again -. shared .-> n_head\n" in to_mermaid(graph)
    siamese = to_dot(preset_graph("siamese"))
    for layer in ("conv_a", "pool_a", "conv_b", "pooled", "embedding"):
        assert f'"right_embedding_{layer}" -> "left_embedding_{layer}" [style=dashed' in siamese
    assert 'label="right_embedding: tower"' in siamese
    mermaid = to_mermaid(preset_graph("siamese"))
    assert mermaid.count(" -. shared .-> ") == 5
    # linkStyle counts links in order: the five shared ones come after the data edges.
    edges = mermaid.count(" --> ")
    assert f"    linkStyle {','.join(str(edges + i) for i in range(5))} stroke:" in mermaid


def test_several_outputs_are_all_marked() -> None:
    mermaid = to_mermaid(preset_graph("multi_task"))
    (line,) = [row for row in mermaid.splitlines() if row.endswith(" output")]
    marked = line.split()[1].split(",")
    path = preset_path("multi_task")
    assert path is not None
    assert marked == [f"n_{name}" for name in yaml.safe_load(path.read_text())["outputs"]]


def test_labels_are_escaped() -> None:
    assert _dot_escape('say "hi" \\ bye') == 'say \\"hi\\" \\\\ bye'
    assert _dot_escape("two\nlines\r") == "two lines "
    assert _mermaid_text('a "b" #c <d> & e') == "a #quot;b#quot; #35;c #lt;d#gt; #amp; e"
    assert _mermaid_text("two\nlines") == "two lines"


@pytest.mark.slow
def test_output_is_independent_of_hash_seed() -> None:
    probe = (
        "from generator.views.diagram import to_dot, to_mermaid\n"
        "from generator.pipeline import check\n"
        "from generator.spec.presets import preset_names, preset_path\n"
        "for name in preset_names():\n"
        "    graph = check(preset_path(name)).graph\n"
        "    print(to_mermaid(graph), to_dot(graph))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONHASHSEED=seed),
            cwd=REPO,
            check=True,
        ).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outputs) == 1


# --- The command ---------------------------------------------------------------------------


def test_mermaid_to_stdout_by_default(cli, spec_file) -> None:
    result = cli("diagram", spec_file())
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("flowchart TB\n")
    assert MERMAID_NODE.findall(result.stdout) == [
        "features",
        "left",
        "right",
        "merged",
        "probability",
    ]


@pytest.mark.parametrize(
    ("target", "written", "starts"),
    [
        ("small.mmd", "small.mmd", "flowchart TB\n"),
        ("small.md", "small.md", "```mermaid\nflowchart TB\n"),
        ("small.dot", "small.dot", 'digraph "small" {\n'),
        ("small.gv", "small.gv", 'digraph "small" {\n'),
        ("diagrams/", "diagrams/small.mmd", "flowchart TB\n"),
    ],
)
def test_format_follows_the_output_extension(
    cli, spec_file, tmp_path: Path, target: str, written: str, starts: str
) -> None:
    result = cli("diagram", spec_file(), "-o", target)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"created: {written}\n"
    text = (tmp_path / written).read_text()
    assert text.startswith(starts)
    if written.endswith(".md"):
        assert text.endswith("```\n")


def test_format_option_into_a_folder_and_to_stdout(cli, spec_file, tmp_path: Path) -> None:
    name = spec_file()
    result = cli("diagram", name, "--format", "dot", "-o", "out/")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "small.dot").read_text().startswith('digraph "small" {')
    result = cli("diagram", name, "--format", "dot", "-o", "-")
    assert result.stdout == (tmp_path / "out" / "small.dot").read_text()


def test_existing_files_need_force_and_symlinks_are_refused(cli, spec_file, tmp_path) -> None:
    name = spec_file()
    target = tmp_path / "model.mmd"
    target.write_text("my notes\n")
    result = cli("diagram", name, "-o", "model.mmd")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: model.mmd: already exists with different content (use --force to overwrite)\n"
    )
    assert target.read_text() == "my notes\n"
    assert cli("diagram", name, "-o", "model.mmd", "--force").stderr == "updated: model.mmd\n"
    assert cli("diagram", name, "-o", "model.mmd").stderr == "unchanged: model.mmd\n"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "link.dot").symlink_to(victim)
    result = cli("diagram", name, "-o", "link.dot", "--force")
    assert result.exit_code == 2
    assert "link.dot: is a symlink or not a regular file; not replaced" in result.stderr
    assert victim.read_text() == "keep me"


def test_format_and_extension_problems_are_usage_errors(cli, spec_file, tmp_path) -> None:
    name = spec_file()
    result = cli("diagram", name, "-o", "model.txt")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --output: model.txt: cannot tell the format from '.txt' (use --format"
        " mermaid|dot|svg|png, or end the file in .mmd, .md, .dot, .gv, .svg, .png)\n"
    )
    result = cli("diagram", name, "--format", "png", "-o", "model.svg")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --output: model.svg: .svg stands for svg, not png"
        " (change the extension or leave --format out)\n"
    )
    assert cli("diagram", name, "--format", "dot", "-o", "model.txt").exit_code == 0
    assert (tmp_path / "model.txt").read_text().startswith("digraph")
    assert cli("diagram", name, "--format", "jpeg").exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.txt", name]


def test_a_bad_spec_is_reported_like_validate(cli, spec_file) -> None:
    name = spec_file(VALID_SPEC.replace("inputs: [left, right]", "inputs: [left, rigth]"))
    result = cli("diagram", name, "-o", "model.mmd")
    assert result.exit_code == 2
    assert result.errors == [
        "error: spec.yaml:9:39: layers[2].inputs: unknown layer 'rigth' (did you mean 'right'?)"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("image_format", ["svg", "png"])
def test_a_clear_message_when_graphviz_is_missing(
    cli, spec_file, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, image_format: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = cli("diagram", spec_file(), "-o", f"model.{image_format}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: --format {image_format}: needs Graphviz's `dot` program, which is not on PATH"
        " (install Graphviz: apt-get install graphviz, brew install graphviz or winget install"
        " graphviz; or write --format dot or --format mermaid and render it elsewhere)\n"
    )
    assert not (tmp_path / f"model.{image_format}").exists()
    assert cli("diagram", spec_file(), "--format", "dot").exit_code == 0


def test_a_png_is_not_printed_to_a_terminal(spec_file, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    printed: list[Any] = []
    with pytest.raises(SpecError) as error:
        run_diagram(
            Path(spec_file()),
            output_format="png",
            output=None,
            force=False,
            terminal=True,
            echo=printed.append,
            echo_bytes=printed.append,
            note=printed.append,
            error=printed.append,
        )
    assert [problem.render() for problem in error.value.problems] == [
        "--format png: a PNG is binary and is not printed to a terminal"
        " (use -o FILE.png, or redirect stdout to a file)"
    ]
    assert printed == []


@pytest.mark.slow
def test_diagram_never_imports_tensorflow(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(VALID_SPEC)
    probe = (
        "import sys\n"
        "from generator.cli.app import app\n"
        "try:\n"
        "    app(['diagram', SPEC, '--format', 'dot'], prog_name='mergegen')\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"SPEC = {str(spec)!r}\n" + probe],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


# --- Graphviz ------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_preset_renders_to_an_svg_that_names_every_layer(cli, tmp_path: Path, dot) -> None:
    started = time.perf_counter()
    for preset in preset_names():
        path = preset_path(preset)
        assert path is not None
        result = cli("diagram", str(path), "-o", f"{preset}.svg")
        assert result.exit_code == 0, result.stderr
        text = (tmp_path / f"{preset}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(text)
        assert root.tag == SVG, preset
        shown = " ".join(label.text or "" for label in root.iter(f"{{{SVG_NS}}}text"))
        missing = [name for name in names(preset_graph(preset)) if name not in shown]
        assert missing == [], preset
    elapsed = time.perf_counter() - started
    print(f"rendered {len(preset_names())} presets to SVG in {elapsed:.2f} s")


@pytest.mark.parametrize("preset", ["two_dense", "siamese", "unet_small"])
def test_dot_output_parses_back_with_graphviz(cli, tmp_path: Path, preset: str, dot: str) -> None:
    path = preset_path(preset)
    assert path is not None
    assert cli("diagram", str(path), "-o", "model.gv").exit_code == 0
    canon = subprocess.run(
        [dot, "-Tcanon", "model.gv"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert canon.returncode == 0, canon.stderr
    assert canon.stderr == ""
    for name in names(preset_graph(preset)):
        assert re.search(rf"^\s+{name}\s+\[", canon.stdout, re.MULTILINE), name


def test_nested_blocks_render(cli, tmp_path: Path, dot) -> None:
    (tmp_path / "nested.json").write_text(json.dumps(NESTED))
    result = cli("diagram", "nested.json", "-o", "nested.svg")
    assert result.exit_code == 0, result.stderr
    text = (tmp_path / "nested.svg").read_text()
    assert "stack: pair" in text and "first: unit" in text


@pytest.mark.slow
def test_png_to_a_file_and_to_a_pipe(cli, spec_file, tmp_path: Path, dot) -> None:
    name = spec_file()
    assert cli("diagram", name, "-o", "model.png").exit_code == 0
    image = (tmp_path / "model.png").read_bytes()
    assert image.startswith(PNG_SIGNATURE)
    piped = subprocess.run(
        [sys.executable, "-m", "generator", "diagram", name, "--format", "png"],
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == image


# --- The README's diagram ------------------------------------------------------------------


@pytest.mark.slow
def test_golden_draws_the_docs_diagrams(tmp_path: Path, dot) -> None:
    assert regenerate_diagrams(tmp_path) == [
        f"wrote: {tmp_path.name}/{name}.png" for name in DIAGRAM_PRESETS
    ]
    for name in DIAGRAM_PRESETS:
        assert (tmp_path / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
    assert regenerate_diagrams(tmp_path) == []


def test_golden_skips_the_diagrams_without_graphviz(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert regenerate_diagrams(tmp_path) == [
        f"skipped: {tmp_path.name}/*.png (Graphviz's dot is not installed;"
        " apt-get install graphviz, then run this again)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_the_committed_docs_diagrams_are_pngs() -> None:
    for name in DIAGRAM_PRESETS:
        assert (REPO / "docs" / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
