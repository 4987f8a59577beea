"""Run alone in a child process: print a Keras `.h5` file's model attributes as JSON.

Only the root attributes named in WANTED are read (never a dataset, never the weights), each
checked to be one string of at most the cap. HDF5 is a C library parsing the file: in a child
process with a memory limit, a crash on a hostile file costs the child, not `mergegen import`.
Usage: python -P h5_child.py FILE CAP_BYTES; prints {"attrs": {...}} or {"error": "..."}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

WANTED = ("model_config", "training_config", "keras_version", "backend")
MEMORY_LIMIT = 4 * 1024**3


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on Windows: the parent's timeout still applies
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def read_attributes(path: str, cap: int) -> dict[str, Any]:
    """{"attrs": {name: text}} for the wanted root attributes, or {"error": why}."""
    try:
        import h5py
    except ImportError as error:
        return {"error": f"h5py cannot be imported ({error}): pip install 'mergegen[h5]'"}

    found: dict[str, str] = {}
    try:
        with h5py.File(path, "r", locking=False) as file:
            for name in WANTED:
                if name not in file.attrs:
                    continue
                attr = h5py.h5a.open(file.id, name.encode())
                kind = attr.get_type()
                if not isinstance(kind, h5py.h5t.TypeStringID):
                    return {"error": f"the attribute {name} is not a string"}
                if attr.get_space().get_simple_extent_type() != h5py.h5s.SCALAR:
                    return {"error": f"the attribute {name} is not a single string"}
                if not kind.is_variable_str() and kind.get_size() > cap:
                    return {"error": f"the attribute {name} is larger than {cap} bytes"}
                value = file.attrs[name]
                try:  # h5py gives bytes, or str holding surrogate escapes for bad bytes
                    raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
                    text = raw.decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError) as error:
                    return {"error": f"the attribute {name} is not UTF-8 (byte {error.start})"}
                if len(raw) > cap:
                    return {"error": f"the attribute {name} is larger than {cap} bytes"}
                found[name] = text
    except MemoryError:
        return {"error": "the file claims more memory than the reader allows"}
    except Exception as error:  # noqa: BLE001 - HDF5 reports a bad file as many error types
        first = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        return {"error": f"not a readable HDF5 file ({first})"}
    return {"attrs": found}


def main() -> None:
    _limit_memory()
    result = read_attributes(sys.argv[1], int(sys.argv[2]))
    sys.stdout.write(json.dumps(result))  # ASCII whatever the locale


if __name__ == "__main__":
    main()
