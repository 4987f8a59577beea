"""Rules for spec names: Keras names, the few Python identifiers, the output file's stem.

Models, inputs and layers have Keras names: any name Keras accepts, kept exactly. Block
names, block inputs and block parameters name Python things only (a function, its
parameters), so they stay identifiers. Python variables are derived from Keras names in
generator/codegen/variables.py.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

# Names the generated script defines or imports at module level: no variable may take them.
MODULE_NAMES = frozenset(
    {
        "argparse", "keras", "layers", "np", "tf", "tensorflow", "numpy",
        "build_model", "make_synthetic_data", "load_data", "make_strategy", "main", "NormalLike",
    }
)  # fmt: skip
# Names the generated script itself uses, kept clear of spec names for readability.
RESERVED = MODULE_NAMES | frozenset(
    {
        "model", "args", "parser", "rng", "x", "y", "samples", "seed", "argv", "inputs",
        "outputs", "history", "strategy", "replicas", "batch_size", "data", "path",
    }
)  # fmt: skip
# File names Windows keeps for devices, with any extension: `con.py` is the console.
WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)
_BUILTINS = frozenset(dir(builtins))
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# What TensorFlow takes in a name scope (framework/ops.py), less "/" and "\\" (see below).
KERAS_NAME = re.compile(r"[A-Za-z0-9_.>-]+\Z")
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]+")  # runs of anything else
MAX_NAME_LENGTH = 64


def keras_name_problem(name: str, *, model: bool = False) -> str | None:
    """Why `name` cannot be the Keras name of a layer or input (or a `model`), or None.

    Keras refuses "/" (ops/operation.py). On the TensorFlow backend a name becomes a name
    scope when the model trains, and TensorFlow takes only the characters of KERAS_NAME
    ("\\" fails in its op names); a model's name is a root scope, which cannot start with
    "_", "-" or ">". Ours: not empty, at most MAX_NAME_LENGTH characters.
    """
    if not name:
        return "a name cannot be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"name is longer than {MAX_NAME_LENGTH} characters"
    if not KERAS_NAME.match(name):
        bad = next(char for char in name if not KERAS_NAME.match(char))
        return (
            f"{_shown(name)} holds {_shown(bad)}: Keras names take ASCII letters, digits"
            " and _ . - > (TensorFlow refuses anything else when the model trains)"
        )
    if model and not name[0].isalnum() and name[0] != ".":
        return (
            f"{_shown(name)} starts with {name[0]!r}: a model's name starts with a letter,"
            " a digit or '.' (TensorFlow refuses it when the model trains)"
        )
    return None


def identifier_problem(name: str, *, local: bool = False) -> str | None:
    """Why `name` cannot name a block, a block input or a block parameter, or None.

    `local` names live inside a block function, where only module-level names are taken.
    """
    if not _ASCII_IDENTIFIER.match(name):
        return (
            f"{_shown(name)} is not a plain identifier"
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
    return None


def ascii_word(text: str) -> str:
    """`text` in ASCII letters, digits and underscores: accents dropped, other runs as `_`.

    Deterministic, for variables and file stems; empty when nothing ASCII is left.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return "_".join(_NOT_WORD.sub(" ", kept).split())


def file_stem(name: str) -> str:
    """The default file stem for a model name: the name itself when it is a safe file name.

    No path separators, no dots, no Windows device names: ASCII letters, digits and
    underscores, never empty.
    """
    stem = ascii_word(name) or "model"
    if stem.lower() in WINDOWS_DEVICES:
        stem += "_"
    return stem


def _shown(name: str) -> str:
    return repr(name) if len(name) <= 40 else repr(name[:37] + "...")
