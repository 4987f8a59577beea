"""The checked model graph: its inputs, its layer calls and their shapes and weights."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from generator.analysis.expand import Origin
from generator.analysis.layers.base import LayerType, Shape
from generator.records import field, record
from generator.spec.fields import FieldPath


@record
class InputNode:
    """A `keras.Input`."""

    name: str
    shape: Shape  # with the batch dimension
    data_shape: Shape  # unknown lengths replaced by a synthetic length
    dtype: str


@record
class LayerNode:
    """One layer call in the generated `build_model()`."""

    name: str
    layer_type: LayerType
    inputs: tuple[str, ...]
    args: Mapping[str, Any]  # in catalog order
    shape: Shape
    data_shape: Shape
    origin: Origin
    trainable: int = 0
    non_trainable: int = 0
    shares: str | None = None  # the layer whose weights this call reuses
    call: Mapping[str, Any] = field(default_factory=dict)  # call arguments, references flat
    output_names: tuple[str, ...] = ("output",)  # several: taken as `name:output`
    output_shapes: tuple[Shape, ...] = ()  # every output's, the main one first

    @property
    def takes(self) -> tuple[str, ...]:
        """Every reference the call takes: its inputs, then its call's tensors."""
        called = (
            ref
            for value in self.call.values()
            if isinstance(value, str | list)
            for ref in ([value] if isinstance(value, str) else value)
        )
        return (*self.inputs, *called)

    @property
    def path(self) -> FieldPath:
        """The top-level spec layer this call comes from."""
        return self.origin.path

    @property
    def keras_args(self) -> dict[str, Any]:
        """The arguments as Keras resolves them (`padding: SAME` is "same"), for the analysis."""
        return self.layer_type.keras_args(self.args)

    @property
    def params(self) -> int:
        """Every weight of the layer, as model.summary() counts them."""
        return self.trainable + self.non_trainable


@record
class Graph:
    """The checked model graph, layers in spec order."""

    name: str
    inputs: tuple[InputNode, ...]
    layers: tuple[LayerNode, ...]
    outputs: tuple[str, ...]  # spec names; a block instance stands for its output layer
    aliases: Mapping[str, str] = field(default_factory=dict)
    # What each spec layer takes, by spec name, left-out `inputs` resolved (analysis/inputs.py):
    spec_inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    block_inputs: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def resolve(self, name: str) -> str:
        """The layer a name stands for (a block instance's output layer)."""
        while name in self.aliases:
            name = self.aliases[name]
        return name

    @property
    def trainable_params(self) -> int:
        """Trainable weights of the whole model."""
        return sum(node.trainable for node in self.layers)

    @property
    def non_trainable_params(self) -> int:
        """Non-trainable weights (BatchNormalization's moving statistics)."""
        return sum(node.non_trainable for node in self.layers)

    @property
    def total_params(self) -> int:
        """What model.summary() prints as Total params."""
        return self.trainable_params + self.non_trainable_params

    def shape_of(self, name: str) -> Shape:
        """The output shape of an input or a layer, or of one output (`encoder:state_h`)."""
        for item in self.inputs:
            if item.name == name:
                return item.shape
        base, _, output = name.partition(":")
        node = self.layer(base)
        if output:
            return node.output_shapes[node.output_names.index(output)]
        return node.shape

    def layer(self, name: str) -> LayerNode:
        """The layer called `name`, or the output layer of the block instance `name`."""
        return self._by_name[self.resolve(name.partition(":")[0])]

    def consumers(self, name: str) -> list[LayerNode]:
        """Layers that take `name` (or one of its outputs) as an input."""
        return list(self._consumers.get(name, ()))

    @functools.cached_property
    def _by_name(self) -> dict[str, LayerNode]:
        """The layers by name, built once: a look-up per layer must not scan them all."""
        return {node.name: node for node in self.layers}

    @functools.cached_property
    def _consumers(self) -> dict[str, list[LayerNode]]:
        found: dict[str, list[LayerNode]] = {}
        for node in self.layers:
            for taken in dict.fromkeys(ref.partition(":")[0] for ref in node.takes):
                found.setdefault(taken, []).append(node)
        return found
