"""Load generated scripts as modules and build their models reproducibly."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any


def load_script(path: Path) -> ModuleType:
    """Import a generated script without running its main()."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fresh_json(module: ModuleType) -> Any:
    """`build_model().to_json()` in a fresh Keras session, so auto-named ops compare equal."""
    import keras

    keras.backend.clear_session()
    return json.loads(module.build_model().to_json())
