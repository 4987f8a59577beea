"""Diagram: the model graph as Mermaid or Graphviz DOT text, and DOT rendered by Graphviz.

One node per input and layer (name, type, output shape). Inputs, merges and outputs look
different; block calls are clusters (nested calls nested); a shared call has a dashed edge
to the layer whose weights it reuses. The text depends only on the graph, in spec order.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from generator.analysis.graph import Graph
from generator.analysis.layers.base import show_shape
from generator.errors import Problem, SpecError
from generator.spec.names import ascii_word

Format = Literal["mermaid", "dot", "svg", "png"]
DIAGRAM_FORMATS: tuple[Format, ...] = ("mermaid", "dot", "svg", "png")
# The format a file extension stands for, and the extension a format's file gets.
EXTENSIONS: Mapping[str, Format] = {
    ".mmd": "mermaid",
    ".md": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
}
SUFFIXES: Mapping[Format, str] = {"mermaid": ".mmd", "dot": ".dot", "svg": ".svg", "png": ".png"}
RENDER_TIMEOUT_S = 60.0

Kind = Literal["input", "layer", "merge"]

# Fill and border colours, the same in both formats.
COLOURS: Mapping[str, tuple[str, str]] = {
    "input": ("#dbeafe", "#1e40af"),
    "layer": ("#ffffff", "#475569"),
    "merge": ("#fde68a", "#b45309"),
    "output": ("#bbf7d0", "#166534"),
}
CLUSTER_COLOUR = "#94a3b8"
SHARE_COLOUR = "#7c3aed"
SHARE_LABEL = "shared"


@dataclass(frozen=True)
class Node:
    """One input or layer as the diagram shows it."""

    name: str
    type: str
    shape: str
    kind: Kind
    output: bool

    @property
    def lines(self) -> tuple[str, str, str]:
        """The label: name, type, output shape."""
        return (self.name, self.type, self.shape)

    @property
    def style(self) -> str:
        """The colour class: output wins over the kind."""
        return "output" if self.output else self.kind


@dataclass
class Cluster:
    """A block call (the root: the model) with its nodes and nested calls, in spec order."""

    chain: tuple[str, ...]
    label: str
    members: list[Node | Cluster] = field(default_factory=list)


@dataclass(frozen=True)
class Diagram:
    """What both formats draw."""

    title: str
    root: Cluster
    edges: tuple[tuple[str, str], ...]  # data flow, producer -> consumer
    shares: tuple[tuple[str, str], ...]  # shared call -> the layer whose weights it reuses
    # The outputs an edge carries from a layer with several (`state_h, state_c`), by edge.
    labels: Mapping[tuple[str, str], str] = field(default_factory=dict)


def diagram_of(graph: Graph) -> Diagram:
    """Nodes, clusters and edges of a checked graph."""
    outputs = {graph.resolve(name) for name in graph.outputs}
    root = Cluster((), graph.name)
    clusters: dict[tuple[str, ...], Cluster] = {(): root}
    for item in graph.inputs:
        root.members.append(Node(item.name, "InputLayer", show_shape(item.shape), "input", False))
    for node in graph.layers:
        origin = node.origin
        kind: Kind = "merge" if node.layer_type.is_merge else "layer"
        shapes = node.output_shapes if len(node.output_names) > 1 else (node.shape,)
        shown = ", ".join(show_shape(shape) for shape in shapes)
        drawn = Node(node.name, node.layer_type.name, shown, kind, node.name in outputs)
        _cluster(clusters, origin.chain, origin.chain_blocks).members.append(drawn)
        if origin.model is not None:  # a model block's call: a keras.Model of its own
            clusters[(origin.model,)].label = f"{origin.model}: {origin.chain_blocks[0]} (Model)"
    # An edge leaves the layer whose output it carries (`encoder:state_h` from encoder).
    edges = tuple(
        dict.fromkeys(
            (source.partition(":")[0], node.name) for node in graph.layers for source in node.takes
        )
    )
    shares = tuple((node.name, node.shares) for node in graph.layers if node.shares is not None)
    carried: dict[tuple[str, str], list[str]] = {}
    for node in graph.layers:
        for source in node.takes:
            base, _, output = source.partition(":")
            if output:
                carried.setdefault((base, node.name), []).append(output)
    labels = {edge: ", ".join(dict.fromkeys(outputs)) for edge, outputs in carried.items()}
    return Diagram(graph.name, root, edges, shares, labels)


def _cluster(
    clusters: dict[tuple[str, ...], Cluster], chain: tuple[str, ...], blocks: tuple[str, ...]
) -> Cluster:
    """The cluster of a call chain, made (with its parents) on first use."""
    found = clusters.get(chain)
    if found is None:
        parent = _cluster(clusters, chain[:-1], blocks[:-1])
        block = blocks[len(chain) - 1] if len(blocks) >= len(chain) else ""
        found = Cluster(chain, f"{chain[-1]}: {block}" if block else chain[-1])
        clusters[chain] = found
        parent.members.append(found)
    return found


def _cluster_ids(root: Cluster) -> dict[tuple[str, ...], str]:
    """`cluster_<call>` for each call (nested: the calls joined by `_`), made unique."""
    ids: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for cluster in _walk(root):
        if not cluster.chain:
            continue
        base = "cluster_" + "_".join(ascii_word(call) or "call" for call in cluster.chain)
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        ids[cluster.chain] = name
    return ids


def _walk(cluster: Cluster) -> Iterator[Cluster]:
    yield cluster
    for member in cluster.members:
        if isinstance(member, Cluster):
            yield from _walk(member)


# --- Mermaid -----------------------------------------------------------------------------

MERMAID_SHAPES: Mapping[str, tuple[str, str]] = {
    "input": ('[/"', '"/]'),  # parallelogram
    "merge": ('{{"', '"}}'),  # hexagon: where branches join
    "layer": ('["', '"]'),
    "output": ('(["', '"])'),  # stadium
}


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart, for Markdown (GitHub renders ```mermaid blocks)."""
    drawn = diagram_of(graph)
    ids = _cluster_ids(drawn.root)
    node_id = _mermaid_ids(drawn.root)
    lines = ["flowchart TB"]
    lines += _mermaid_members(drawn.root, ids, node_id, "    ")
    lines += [
        f"    {node_id[a]} -- {_mermaid_text(drawn.labels[a, b])} --> {node_id[b]}"
        if (a, b) in drawn.labels
        else f"    {node_id[a]} --> {node_id[b]}"
        for a, b in drawn.edges
    ]
    lines += [f"    {node_id[a]} -. {SHARE_LABEL} .-> {node_id[b]}" for a, b in drawn.shares]
    by_style: dict[str, list[str]] = {style: [] for style in COLOURS}
    for node in _nodes(drawn.root):
        by_style[node.style].append(node_id[node.name])
    for style, (fill, stroke) in COLOURS.items():
        if by_style[style] and style != "layer":
            width = ",stroke-width:2px" if style == "output" else ""
            lines.append(f"    classDef {style} fill:{fill},stroke:{stroke}{width}")
            lines.append(f"    class {','.join(by_style[style])} {style}")
    if drawn.shares:
        first = len(drawn.edges)
        indices = ",".join(str(first + i) for i in range(len(drawn.shares)))
        lines.append(f"    linkStyle {indices} stroke:{SHARE_COLOUR}")
    return "\n".join(lines) + "\n"


def _mermaid_members(
    cluster: Cluster,
    ids: Mapping[tuple[str, ...], str],
    node_id: Mapping[str, str],
    indent: str,
) -> list[str]:
    lines = []
    for member in cluster.members:
        if isinstance(member, Cluster):
            label = _mermaid_text(member.label)
            lines.append(f'{indent}subgraph {ids[member.chain]}["{label}"]')
            lines += _mermaid_members(member, ids, node_id, indent + "    ")
            lines.append(f"{indent}end")
        else:
            opening, closing = MERMAID_SHAPES[
                "output" if member.output and member.kind == "layer" else member.kind
            ]
            label = "<br/>".join(_mermaid_text(line) for line in member.lines)
            lines.append(f"{indent}{node_id[member.name]}{opening}{label}{closing}")
    return lines


def _mermaid_ids(root: Cluster) -> dict[str, str]:
    """`n_<name>` per node; names with characters Mermaid reads as syntax get a word made unique.

    The prefix keeps ids clear of Mermaid's keywords (`end`, `graph`, `class`, ...).
    """
    names = [node.name for node in _nodes(root)]
    plain = {name: f"n_{name}" for name in names if _MERMAID_PLAIN.match(name)}
    taken = set(plain.values())
    ids = {}
    for name in names:
        found = plain.get(name)
        if found is None:
            base = f"n_{ascii_word(name) or 'node'}"
            found, number = base, 2
            while found in taken:
                found, number = f"{base}_{number}", number + 1
            taken.add(found)
        ids[name] = found
    return ids


_MERMAID_PLAIN = re.compile(r"[A-Za-z0-9_]+\Z")


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for the characters that end or mark up."""
    return "".join(_MERMAID_ENTITIES.get(char, " " if ord(char) < 32 else char) for char in text)


def _nodes(cluster: Cluster) -> Iterator[Node]:
    for member in cluster.members:
        if isinstance(member, Cluster):
            yield from _nodes(member)
        else:
            yield member


# --- Graphviz DOT ------------------------------------------------------------------------

DOT_SHAPES: Mapping[str, str] = {"input": "parallelogram", "merge": "hexagon", "layer": "box"}
FONT = "Helvetica"


def to_dot(graph: Graph) -> str:
    """A Graphviz digraph; `dot -Tsvg` draws it."""
    drawn = diagram_of(graph)
    ids = _cluster_ids(drawn.root)
    fill, stroke = COLOURS["layer"]
    lines = [
        f"digraph {_dot_string(drawn.title)} {{",
        f"    graph [label={_dot_string(drawn.title)}, labelloc=t, fontname={FONT},"
        " rankdir=TB, nodesep=0.3, ranksep=0.4];",
        f'    node [shape=box, style="rounded,filled", fillcolor="{fill}", color="{stroke}",'
        f" fontname={FONT}, fontsize=10];",
        f'    edge [color="{stroke}", arrowsize=0.7, fontname={FONT}];',
    ]
    lines += _dot_members(drawn.root, ids, "    ")
    lines += [
        f"    {_dot_string(a)} -> {_dot_string(b)} [label={_dot_string(drawn.labels[a, b])}];"
        if (a, b) in drawn.labels
        else f"    {_dot_string(a)} -> {_dot_string(b)};"
        for a, b in drawn.edges
    ]
    lines += [
        f"    {_dot_string(a)} -> {_dot_string(b)} [style=dashed, constraint=false,"
        f' color="{SHARE_COLOUR}", fontcolor="{SHARE_COLOUR}", fontsize=8,'
        f" label={_dot_string(SHARE_LABEL)}];"
        for a, b in drawn.shares
    ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_members(cluster: Cluster, ids: Mapping[tuple[str, ...], str], indent: str) -> list[str]:
    lines = []
    for member in cluster.members:
        if isinstance(member, Cluster):
            lines.append(f"{indent}subgraph {_dot_string(ids[member.chain])} {{")
            lines.append(
                f"{indent}    graph [label={_dot_string(member.label)}, fontname={FONT},"
                f' fontsize=11, style="rounded,dashed", color="{CLUSTER_COLOUR}"];'
            )
            lines += _dot_members(member, ids, indent + "    ")
            lines.append(f"{indent}}}")
        else:
            lines.append(f"{indent}{_dot_string(member.name)} [{_dot_attributes(member)}];")
    return lines


def _dot_attributes(node: Node) -> str:
    fill, stroke = COLOURS[node.style]
    label = "\\n".join(_dot_escape(line) for line in node.lines)
    attributes = [f'label="{label}"', f"shape={DOT_SHAPES[node.kind]}"]
    if node.style != "layer":
        attributes += [f'fillcolor="{fill}"', f'color="{stroke}"']
    if node.kind == "input":
        attributes.append('style="filled"')
    if node.output:
        attributes.append("penwidth=2")
    return ", ".join(attributes)


def _dot_escape(text: str) -> str:
    """Text inside a DOT double-quoted string: backslashes and quotes escaped."""
    text = "".join(" " if ord(char) < 32 else char for char in text)
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_string(text: str) -> str:
    return f'"{_dot_escape(text)}"'


def draw(graph: Graph, image_format: Format, markdown: bool = False) -> str | bytes:
    """The diagram in one format: text for mermaid and dot; SVG and PNG bytes from Graphviz."""
    if image_format == "mermaid":
        text = to_mermaid(graph)
        return f"```mermaid\n{text}```\n" if markdown else text
    if image_format == "dot":
        return to_dot(graph)
    return render(to_dot(graph), image_format)


# --- Rendering ---------------------------------------------------------------------------


def graphviz() -> str | None:
    """Graphviz's `dot` program, or None when it is not on PATH."""
    return shutil.which("dot")


def render(dot_source: str, image_format: Literal["svg", "png"], option: str = "--format") -> bytes:
    """Run `dot -T<format>` on DOT text; a problem when Graphviz is missing or fails."""
    program = graphviz()
    where = f"{option} {image_format}"
    if program is None:
        raise SpecError(
            [
                Problem(
                    "needs Graphviz's `dot` program, which is not on PATH (install Graphviz:"
                    " apt-get install graphviz, brew install graphviz or winget install graphviz;"
                    " or write --format dot or --format mermaid and render it elsewhere)",
                    (),
                    where,
                )
            ]
        )
    try:
        done = subprocess.run(
            [program, f"-T{image_format}"],
            input=dot_source.encode("utf-8"),
            capture_output=True,
            timeout=RENDER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SpecError(
            [
                Problem(
                    f"Graphviz's dot did not finish in {RENDER_TIMEOUT_S:.0f} s"
                    " (write --format dot and run dot yourself)",
                    (),
                    where,
                )
            ]
        ) from None
    if done.returncode != 0 or not done.stdout:
        said = _first_lines(done.stderr.decode("utf-8", "replace").splitlines())
        raise SpecError(
            [Problem(f"Graphviz's dot failed (exit {done.returncode}): {said}", (), where)]
        )
    return done.stdout


def _first_lines(lines: Sequence[str], count: int = 3) -> str:
    kept = [line.strip() for line in lines if line.strip()][:count]
    return "; ".join(kept) or "no message"
