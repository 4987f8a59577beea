"""The catalog's arguments are the Keras layer classes' own."""

from __future__ import annotations

import inspect

import pytest

from generator.analysis.catalog import CATALOG
from generator.analysis.layers.base import UNSET as UNSET_DEFAULT

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_arguments_match_the_keras_signature(name: str) -> None:
    import keras

    parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    named = {key: value for key, value in parameters.items() if key not in ("self", "kwargs")}
    required = {key for key, value in named.items() if value.default is inspect.Parameter.empty}
    layer_type = CATALOG[name]
    assert set(layer_type.args) <= set(named), set(layer_type.args) - set(named)
    assert {key for key, arg in layer_type.args.items() if arg.required} == required
    positional = [key for key, arg in layer_type.args.items() if arg.positional]
    assert positional == list(named)[: len(positional)], "positional args must lead, in Keras order"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_recorded_defaults_are_kerass_own(name: str) -> None:
    import keras

    parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    for key, arg in CATALOG[name].args.items():
        if arg.default is not UNSET_DEFAULT:
            assert arg.is_default(parameters[key].default), (key, parameters[key].default)


def test_the_merge_functions_share_the_layers_defaults() -> None:
    import keras

    for layer_type in CATALOG.values():
        if layer_type.merge_function is None:
            continue
        parameters = inspect.signature(getattr(keras.layers, layer_type.merge_function)).parameters
        for key, arg in layer_type.args.items():
            if arg.default is not UNSET_DEFAULT:
                assert arg.is_default(parameters[key].default), (layer_type.name, key)


@pytest.mark.parametrize("name", sorted(name for name, t in CATALOG.items() if t.calls))
def test_call_arguments_are_kerass_own_in_its_order(name: str) -> None:
    """The script writes call arguments in catalog order: Keras's `call` signature's."""
    import keras

    named = list(inspect.signature(getattr(keras.layers, name).call).parameters)
    calls = list(CATALOG[name].calls)
    assert set(calls) <= set(named), set(calls) - set(named)
    assert calls == sorted(calls, key=named.index)
