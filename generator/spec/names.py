"""The one identifier check every spec name passes before it becomes code."""

from __future__ import annotations

import builtins
import keyword
import re

# Names the generated script defines or imports at module level: no variable may take them.
MODULE_NAMES = frozenset(
    {
        "argparse", "keras", "layers", "np", "tf", "tensorflow", "numpy",
        "build_model", "make_synthetic_data", "main", "NormalLike",
    }
)  # fmt: skip
# Names the generated script itself uses, not to be taken by spec names at the top level.
RESERVED = frozenset(
    {
        "argparse", "keras", "layers", "np", "tf", "tensorflow", "numpy",
        "build_model", "make_synthetic_data", "main", "NormalLike", "model", "args", "parser",
        "rng", "x", "y", "samples", "seed", "argv", "inputs", "outputs", "history",
    }
)  # fmt: skip
# File names Windows keeps for devices, with any extension: `con.py` is the console.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)
_BUILTINS = frozenset(dir(builtins))
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
MAX_NAME_LENGTH = 64


def identifier_problem(name: str, *, local: bool = False) -> str | None:
    """Why `name` cannot be a variable in the generated script, or None.

    `local` names live inside a block function, where only module-level names are taken.
    """
    if not _ASCII_IDENTIFIER.match(name):
        shown = repr(name) if len(name) <= 40 else repr(name[:37] + "...")
        return (
            f"{shown} is not a plain identifier"
            " (ASCII letters, digits and underscores, starting with a letter)"
        )
    if len(name) > MAX_NAME_LENGTH:
        return f"name is longer than {MAX_NAME_LENGTH} characters"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword"
    if name in _BUILTINS:
        return f"{name!r} is a Python builtin"
    if name in (MODULE_NAMES if local else RESERVED):
        return f"{name!r} is used by the generated script itself"
    if name.lower() in WINDOWS_DEVICES:
        return f"{name!r} is a device name on Windows, so it cannot name a file"
    return None
