"""What `mergegen validate` shows: every layer's shape and weights, and the totals."""

from __future__ import annotations

import json
from typing import Any

from generator.analysis.graph import Graph, LayerNode
from generator.analysis.layers.base import Shape, show_shape


def layer_rows(graph: Graph) -> list[dict[str, Any]]:
    """One row per input and layer, as model.summary() lists them."""
    rows: list[dict[str, Any]] = [
        {
            "name": item.name,
            "type": "InputLayer",
            "inputs": [],
            "output_shape": list(item.shape),
            "params": 0,
            "trainable_params": 0,
        }
        for item in graph.inputs
    ]
    rows += [
        {
            "name": node.name,
            "type": node.layer_type.name,
            "inputs": list(node.takes),
            "output_shape": list(node.shape),
            **(
                {"output_shapes": {out: list(shape) for out, shape in _outputs(node)}}
                if len(node.output_names) > 1
                else {}
            ),
            "params": node.params,
            "trainable_params": node.trainable,
        }
        for node in graph.layers
    ]
    return rows


def sub_models(graph: Graph) -> dict[str, int]:
    """Each model block call (its own keras.Model) and its weights; a shared call is not one."""
    shared = {node.origin.model for node in graph.layers if node.shares is not None}
    totals: dict[str, int] = {}
    for node in graph.layers:
        if node.origin.model is not None and node.origin.model not in shared:
            totals[node.origin.model] = totals.get(node.origin.model, 0) + node.params
    return totals


def _outputs(node: LayerNode) -> list[tuple[str, Shape]]:
    return list(zip(node.output_names, node.output_shapes, strict=True))


def as_json_data(graph: Graph, spec_file: str) -> dict[str, Any]:
    """The validate report as JSON-ready data."""
    data = {
        "spec": spec_file,
        "model": graph.name,
        "layers": layer_rows(graph),
        "total_params": graph.total_params,
        "trainable_params": graph.trainable_params,
        "non_trainable_params": graph.non_trainable_params,
    }
    if sub_models(graph):
        data["sub_models"] = sub_models(graph)
    return data


def as_json(reports: list[dict[str, Any]]) -> str:
    """One object for one spec, a list for several."""
    return json.dumps(reports[0] if len(reports) == 1 else reports, indent=2)


def as_table(graph: Graph, spec_file: str) -> str:
    """A fixed-width table with the totals that model.summary() prints."""
    header = ("layer", "type", "inputs", "output shape", "params")
    rows = [
        (
            row["name"],
            row["type"],
            ", ".join(row["inputs"]) or "-",
            ", ".join(
                show_shape(tuple(shape))
                for shape in row.get("output_shapes", {"": row["output_shape"]}).values()
            ),
            f"{row['params']:,}",
        )
        for row in layer_rows(graph)
    ]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        left = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=False)]
        return "  ".join([*left, cells[-1].rjust(widths[-1])])

    rule = "-" * len(line(header))
    return "\n".join(
        [
            f"{spec_file}: {graph.name}",
            line(header),
            rule,
            *(line(row) for row in rows),
            rule,
            f"Total params: {graph.total_params:,}",
            f"Trainable params: {graph.trainable_params:,}",
            f"Non-trainable params: {graph.non_trainable_params:,}",
            *(
                f"Sub-model {name}: {params:,} params (layers {name}/...)"
                for name, params in sub_models(graph).items()
            ),
        ]
    )
