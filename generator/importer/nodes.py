"""The calls (nodes) of a Keras 3 Functional config, and the tensors that link them.

A layer called N times has N inbound nodes; a tensor names the call it comes from as
`keras_history: [layer, node index, output index]`. A nested Functional model counts, in
the model's `output_layers` (not in its calls' arguments), the node Keras makes when it is
built as its node 0, so there its first call is node 1.
"""

from __future__ import annotations

from typing import Any

TENSOR = "__keras_tensor__"
FUNCTIONAL = {"Functional", "Model"}
Call = tuple[str, int]  # (layer name, index into its inbound_nodes)


def is_tensor(value: Any) -> bool:
    """A serialized KerasTensor."""
    return isinstance(value, dict) and value.get("class_name") == TENSOR


def tensors(value: Any) -> list[Any]:
    """Every serialized tensor in a call argument (a tensor, or lists and dicts of them), in
    order; without recursion, as this runs over every call of a model."""
    found: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == TENSOR:
                found.append(item)
            else:
                stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return found


def history(tensor: Any) -> tuple[str, int, int] | None:
    """(layer, node index, output index) of a tensor, or of a bare [name, node, index]."""
    config = tensor.get("config") if isinstance(tensor, dict) else None
    found = config.get("keras_history") if isinstance(config, dict) else tensor
    if not isinstance(found, list) or len(found) != 3:
        return None
    layer, node, index = found
    if (
        isinstance(layer, str)
        and type(node) is int
        and type(index) is int
        and min(node, index) >= 0
    ):
        return layer, node, index
    return None


def first_node(layer: dict[str, Any]) -> int:
    """The index of a layer's first call in output_layers: 1 for a nested Functional model."""
    return 1 if layer.get("class_name") in FUNCTIONAL else 0


def call_order(layers: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int]]:
    """Every call of every layer, each after the calls it takes tensors from and after the
    layer's earlier calls (a shared layer's second call may come after later layers)."""
    counts = [_count(layer) for layer in layers]
    if max(counts, default=1) == 1:
        # Keras lists its layers from the earliest on: with one call each, in graph order.
        return [(layer, 0) for layer in layers]
    names = {layer.get("name") for layer in layers}
    pending = [
        (layer, index)
        for layer, count in zip(layers, counts, strict=True)
        for index in range(count)
    ]
    done: set[Call] = set()
    order: list[tuple[dict[str, Any], int]] = []
    while pending:
        waiting = []
        for layer, index in pending:
            if _needs(layer, index, names) <= done:
                order.append((layer, index))
                done.add((str(layer.get("name")), index))
            else:
                waiting.append((layer, index))
        if len(waiting) == len(pending):
            return order + waiting  # a cycle or a missing layer: reported where it is read
        pending = waiting
    return order


def _count(layer: dict[str, Any]) -> int:
    """How many calls of the layer the model holds (an input layer: its one, uncalled)."""
    nodes = layer.get("inbound_nodes")
    return max(len(nodes), 1) if isinstance(nodes, list) else 1


def _needs(layer: dict[str, Any], index: int, names: set[Any]) -> set[Call]:
    """The calls whose outputs this call takes, and the layer's previous call."""
    nodes = layer.get("inbound_nodes")
    node = nodes[index] if isinstance(nodes, list) and index < len(nodes) else None
    needed: set[Call] = {(str(layer.get("name")), index - 1)} if index else set()
    if isinstance(node, dict):
        for tensor in tensors([node.get("args"), node.get("kwargs")]):
            found = history(tensor)
            if found is not None and found[0] in names:
                needed.add((found[0], found[1]))
    return needed
