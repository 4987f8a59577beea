"""The layer catalog: every supported Keras layer, its arguments and its rules.

Adding a layer type is one entry in the module of its family under layers/.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.analysis.layers import (
    activation,
    attention,
    conv,
    core,
    merging,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
from generator.analysis.layers.base import Arg, LayerType

__all__ = ["CATALOG", "Arg", "LayerType"]

CATALOG: Mapping[str, LayerType] = {
    layer.name: layer
    for family in (
        core,
        conv,
        pooling,
        reshaping,
        normalization,
        recurrent,
        merging,
        activation,
        regularization,
        preprocessing,
        attention,
    )
    for layer in family.LAYER_TYPES
}
