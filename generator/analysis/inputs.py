"""What each layer takes: its `inputs`, or when they are left out the layer just above.

The rule is decided here only; expansion, the checks and rendering read the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from generator.records import record
from generator.spec.model import LayerSpec, Spec

Taken = tuple[tuple[str, ...], ...]  # per layer, in order: the names it takes


@record
class LayerInputs:
    """The names every layer of a spec takes, top level and inside each block."""

    model: Taken  # aligned with spec.layers
    blocks: Mapping[str, Taken]  # block name -> aligned with its layers


def layer_inputs(spec: Spec) -> LayerInputs:
    """Resolve every left-out `inputs` of the spec once."""
    # With several model inputs the first layer must name one; the checks report it.
    model = taken(spec.layers, spec.inputs[0].name)
    blocks = {name: taken(block.layers, block.inputs[0]) for name, block in spec.blocks.items()}
    return LayerInputs(model, blocks)


def taken(layers: Sequence[LayerSpec], first: str) -> Taken:
    """What each layer takes; a layer without `inputs` takes the one above (the first: `first`)."""
    result: list[tuple[str, ...]] = []
    previous = first
    for layer in layers:
        result.append((previous,) if layer.inputs is None else tuple(layer.references))
        previous = layer.name
    return tuple(result)
