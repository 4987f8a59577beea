"""Hypothesis strategies for random specs over the layer catalog."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from generator.catalog import CATALOG

ARG_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "units": st.integers(1, 8),
    "filters": st.integers(1, 6),
    "kernel_size": st.integers(1, 5) | st.lists(st.integers(1, 4), min_size=2, max_size=2),
    "strides": st.integers(1, 3),
    "dilation_rate": st.integers(1, 2),
    "padding": st.sampled_from(["valid", "same"]),
    "pool_size": st.integers(1, 3),
    "activation": st.sampled_from(["relu", "tanh", "linear", "sigmoid"]),
    "rate": st.sampled_from([0.0, 0.25, 0.5]),
    "axis": st.integers(-3, 3),
    "keepdims": st.booleans(),
    "input_dim": st.integers(2, 30),
    "output_dim": st.integers(1, 6),
    "use_bias": st.booleans(),
    "center": st.booleans(),
    "scale": st.booleans(),
}
TYPES = sorted(CATALOG)


@st.composite
def input_specs(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["vector", "sequence", "image", "tokens"]))
    shape: list[int | None]
    if kind == "vector":
        shape = [draw(st.integers(1, 12))]
    elif kind == "sequence":
        shape = [draw(st.sampled_from([None, 4, 7, 10])), draw(st.integers(1, 4))]
    elif kind == "image":
        shape = [draw(st.integers(3, 12)), draw(st.integers(3, 12)), draw(st.integers(1, 3))]
    else:
        return {"name": f"in{index}", "shape": [draw(st.sampled_from([None, 5]))], "dtype": "int32"}
    return {"name": f"in{index}", "shape": shape}


@st.composite
def layer_specs(draw: st.DrawFn, index: int, available: list[str]) -> dict[str, Any]:
    type_name = draw(st.sampled_from(TYPES))
    layer_type = CATALOG[type_name]
    layer: dict[str, Any] = {"name": f"l{index}", "type": type_name}
    if layer_type.is_merge:
        count = draw(st.integers(2, min(4, max(2, len(available)))))
        layer["inputs"] = (
            draw(st.lists(st.sampled_from(available), min_size=count, max_size=count, unique=True))
            if len(available) >= 2
            else available * 2
        )
    else:
        layer["inputs"] = draw(st.sampled_from(available))
    for name, arg in layer_type.args.items():
        if name in ARG_VALUES and (arg.required or draw(st.booleans())):
            layer[name] = draw(ARG_VALUES[name])
    return layer


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """A random spec: often valid, sometimes not, always well-typed."""
    inputs = [draw(input_specs(i)) for i in range(draw(st.integers(1, 2)))]
    available = [item["name"] for item in inputs]
    layers = []
    for index in range(draw(st.integers(1, 6))):
        layer = draw(layer_specs(index, available))
        layers.append(layer)
        available.append(layer["name"])
    used = {
        ref
        for layer in layers
        for ref in ([layer["inputs"]] if isinstance(layer["inputs"], str) else layer["inputs"])
    }
    dangling = [layer["name"] for layer in layers if layer["name"] not in used]
    return {
        "name": "random_model",
        "inputs": inputs,
        "layers": layers,
        "outputs": dangling,
        "training": {"loss": "mse"},
    }
