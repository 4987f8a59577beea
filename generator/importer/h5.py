"""A Keras `.h5` file (saved by Keras 2, tf.keras or Keras 3's legacy h5): its model JSON.

The model JSON lives in the file's root attribute `model_config` (and `training_config` for
compile). h5py is an optional extra, never imported here: h5_child.py reads those attributes
in a child process (see there why) and the JSON then goes through the same strict parser as
a `.json` file.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from generator.errors import Problem, SpecError
from generator.importer.archive import MAX_CONFIG_BYTES, SavedModel, parse_json
from generator.importer.keras2_training import compile_config

SIGNATURE = b"\x89HDF\r\n\x1a\n"
SUFFIXES = (".h5", ".hdf5")
INSTALL = "reading a .h5 file needs h5py: pip install 'mergegen[h5]' (or pip install h5py)"
TIMEOUT_S = 60
_CHILD = Path(__file__).with_name("h5_child.py")


def is_hdf5(path: Path) -> bool:
    """The HDF5 signature at the start (Keras writes no user block)."""
    with path.open("rb") as stream:
        return stream.read(len(SIGNATURE)) == SIGNATURE


def read_h5(path: Path) -> SavedModel:
    """The model JSON and compile config of a Keras .h5 file; SpecError on anything else."""
    file = str(path)
    if not is_hdf5(path):
        raise _error(file, "not an HDF5 file (a Keras .h5 file starts with the HDF5 signature)")
    if importlib.util.find_spec("h5py") is None:
        raise _error(file, INSTALL)
    attrs = _attributes(path, file)
    if "model_config" not in attrs:
        raise _error(
            file,
            "no model_config attribute: not a model saved by Keras's model.save()"
            " (a weights-only file from save_weights() holds no architecture)",
        )
    model = parse_json(attrs["model_config"].encode("utf-8"), f"{file}:model_config")
    if not isinstance(model, dict):
        raise _error(file, "model_config must hold a JSON object")
    version = attrs.get("keras_version")
    if isinstance(version, str) and "keras_version" not in model:
        model = {**model, "keras_version": version}
    training: Any = None
    if "training_config" in attrs:
        raw = attrs["training_config"].encode("utf-8")
        training = parse_json(raw, f"{file}:training_config")
    return SavedModel(file, model, compile_config(training, _output_names(model)))


def _output_names(model: dict[str, Any]) -> list[str]:
    """The model's output layers, in order (Keras 2 lists metrics and losses per output)."""
    config = model.get("config")
    given = config.get("output_layers") if isinstance(config, dict) else None
    if not isinstance(given, list):
        return []
    if given and isinstance(given[0], str):
        given = [given]
    names = [item[0] for item in given if isinstance(item, list) and item]
    return [name for name in names if isinstance(name, str)]


def _attributes(path: Path, file: str) -> dict[str, str]:
    """The child's answer: the wanted attributes, or its error as a SpecError."""
    # -P: the child's folder (importer/) is not put on sys.path; site and PYTHONPATH are
    # kept so that the child finds h5py where find_spec did.
    command = [sys.executable, "-P", str(_CHILD), str(path.resolve()), str(MAX_CONFIG_BYTES)]
    try:
        done = subprocess.run(  # noqa: S603 - our own script, the file name as one argument
            command, capture_output=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        message = f"reading the HDF5 file took longer than {TIMEOUT_S} s; stopped"
        raise _error(file, message) from None
    if done.returncode != 0:
        raise _error(
            file,
            f"the HDF5 reader stopped (exit status {done.returncode}) on this file:"
            " a damaged or hostile .h5 file",
        )
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise _error(file, "the HDF5 reader gave no answer") from None
    if not isinstance(answer, dict):
        raise _error(file, "the HDF5 reader gave no answer")
    if "error" in answer:
        raise _error(file, str(answer["error"]))
    attrs = answer.get("attrs")
    if not isinstance(attrs, dict):
        raise _error(file, "the HDF5 reader gave no answer")
    return {str(key): value for key, value in attrs.items() if isinstance(value, str)}


def _error(file: str, message: str) -> SpecError:
    return SpecError([Problem(message, (), file)])
