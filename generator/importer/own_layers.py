"""mergegen's own layers, as the scripts it generates define them, read back as the spec
construct that makes them: NormalLike (registered `mergegen>NormalLike`) is `normal_like(x)`.

Only the class exactly as a generated script writes it is recognised: its registered name, a
module that is a Python module name (the script's own), its config and Keras's own name for
it. Its module is never imported: the JSON says everything the spec needs. Anything else of
that name stays a custom class, refused (refuse.py).
"""

from __future__ import annotations

import re
from typing import Any

from generator.analysis.expressions import NOISE_NAME, NORMAL_LIKE_CLASS
from generator.importer.block_params import canon  # JSON text: true is not 1

REGISTERED = f"mergegen>{NORMAL_LIKE_CLASS}"  # templates/model.py.jinja registers it so
NORMAL_LIKE_TEXT = "normal_like(x)"  # the expression over its one tensor, bound to x
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_FLOAT32 = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}


def _config(name: str) -> dict[str, Any]:
    """The config a generated script's NormalLike() records: no seed, float32."""
    return {"name": name, "trainable": True, "dtype": _FLOAT32, "seed": None}


def is_normal_like(layer: dict[str, Any]) -> bool:
    """The NormalLike layer of a generated script, as its to_json() records it."""
    module, name, config = layer.get("module"), layer.get("name"), layer.get("config")
    return (
        layer.get("class_name") == NORMAL_LIKE_CLASS
        and layer.get("registered_name") == REGISTERED
        and isinstance(module, str)
        and _MODULE.match(module) is not None
        and isinstance(name, str)
        and NOISE_NAME.match(name) is not None
        and canon(config)
        == canon({"name": name, "trainable": True, "dtype": _FLOAT32, "seed": None})
    )
