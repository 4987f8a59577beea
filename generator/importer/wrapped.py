"""A wrapper's nested layer (Bidirectional, TimeDistributed) as the spec writes it.

Keras serializes the wrapped layer whole, `{module, class_name, config, ...}`; the spec
writes `{type: LSTM, name: lstm, units: 4}`, its arguments left out where they are Keras's
defaults. Bidirectional also writes the backward copy it made by itself: imported only where
it is exactly that copy (keras/src/layers/rnn/bidirectional.py), which the script makes again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.analysis.catalog import CATALOG
from generator.display import show_value
from generator.importer.refuse import layer_problem

WRAPPERS = frozenset({"Bidirectional", "TimeDistributed"})
NESTED = ("layer", "backward_layer")  # the wrapper config's keys this module reads
_RECORD = {"module", "class_name", "config", "registered_name", "build_config"}
_FORWARD, _BACKWARD = "forward_", "backward_"

Fail = Callable[[str], None]
# The converter's rule for a layer's arguments: (entry, class name, config) -> entry filled.
Arguments = Callable[[dict[str, Any], str, dict[str, Any]], None]


def nested_layer(
    wrapper: str, config: dict[str, Any], arguments: Arguments, fail: Fail
) -> dict[str, Any] | None:
    """The wrapped layer in spec form, or None after `fail` said why it is refused."""
    record = config.get("layer")
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        fail(f"the wrapped layer is not a layer record: {show_value(record)}")
        return None
    inner = dict(record["config"])
    refused = layer_problem({**record, "name": inner.get("name")})
    if refused:
        fail(f"the wrapped {refused}")
        return None
    class_name = str(record["class_name"])
    wraps = CATALOG[wrapper].args["layer"].wraps
    if class_name not in wraps:
        shown = ", ".join(wraps) if len(wraps) < 8 else "one-input layers, not wrappers or lookups"
        fail(f"{wrapper} wrapping {class_name} is not imported (the spec wraps {shown})")
        return None
    if set(record) - _RECORD:
        fail(f"the wrapped layer has keys Keras does not write: {show_value(sorted(record))}")
        return None
    if wrapper == "Bidirectional":
        name = _bidirectional(config, record, inner, fail)
        if name is None:
            return None
        # Bidirectional sets zero_output_for_mask to return_sequences by itself.
        inner.pop("zero_output_for_mask", None)
    else:
        name = inner.get("name")
    entry: dict[str, Any] = {"name": config.get("name")}  # the wrapper's, for messages
    arguments(entry, class_name, inner)
    return {"type": class_name, **entry, "name": name}


def _bidirectional(
    config: dict[str, Any], forward: dict[str, Any], inner: dict[str, Any], fail: Fail
) -> Any:
    """The wrapped layer's own name, where the backward layer is the copy Keras makes of it."""
    name = inner.get("name")
    if not isinstance(name, str) or not name.startswith(_FORWARD):
        fail(f"the forward layer's name {show_value(name)} is not forward_<name>, as Keras's")
        return None
    if inner.get("zero_output_for_mask", False) != inner.get("return_sequences", False):
        fail("the forward layer's zero_output_for_mask is not its return_sequences, as Keras's")
        return None
    backward = config.get("backward_layer")
    stem = name.removeprefix(_FORWARD)
    for own in (stem, name):  # the names Keras turns into this forward_ name, plainest first
        if _FORWARD + own.removeprefix(_FORWARD) != name:
            continue
        copy = {**inner, "go_backwards": True, "name": _BACKWARD + own.removeprefix(_BACKWARD)}
        made = {**_without_build(forward), "config": copy}
        if isinstance(backward, dict) and _without_build(backward) == made:
            return own
    fail(
        "a backward_layer other than the copy Keras makes of the forward layer (go_backwards"
        " flipped, named backward_<name>); the spec builds only that one, not imported"
    )
    return None


def _without_build(record: dict[str, Any]) -> dict[str, Any]:
    """A layer record less its build_config, which Keras writes again when it builds."""
    return {key: value for key, value in record.items() if key != "build_config"}
