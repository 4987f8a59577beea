"""Hostile material for the security tests: a valid spec that uses every string field,
the places a string can go in it, a corpus of hostile strings, and the AST skeleton that
an accepted hostile spec must share with the benign one.
"""

from __future__ import annotations

import ast
import copy
import io
import keyword
import tokenize
from collections.abc import Callable, Iterator
from typing import Any

from generator.spec.names import WINDOWS_DEVICES, identifier_problem

MARKER = "mergegen_pwned"  # the file every payload tries to create

# A valid spec with every kind of string field: names, references as a string and as a list,
# every string-valued layer argument, Keras objects in each form, outputs, loss and metrics.
BENIGN: dict[str, Any] = {
    "name": "probe",
    "description": "A benign model that uses every string field.",
    "merge_style": "class",
    "inputs": [
        {"name": "image", "shape": [8, 8, 1], "dtype": "float32"},
        {"name": "tokens", "shape": ["None"], "dtype": "int32"},
    ],
    "layers": [
        {
            "name": "conv",
            "type": "Conv2D",
            "inputs": "image",
            "filters": 4,
            "kernel_size": 3,
            "padding": "same",
            "activation": "relu",
            "kernel_initializer": {
                "VarianceScaling": {"mode": "fan_avg", "distribution": "uniform"}
            },
            "bias_initializer": "zeros",
            "kernel_regularizer": {
                "module": "keras.regularizers",
                "class_name": "L2",
                "config": {"l2": 0.0002},
            },
            "bias_regularizer": "l1",
            "activity_regularizer": "l1",  # not l1_l2: Keras 3 cannot read that name
            "kernel_constraint": "max_norm",
            "bias_constraint": "non_neg",
        },
        {"name": "pool", "type": "MaxPooling2D", "padding": "valid"},
        {"name": "squash", "type": "GlobalAveragePooling2D"},
        {
            "name": "embed",
            "type": "Embedding",
            "inputs": "tokens",
            "input_dim": 20,
            "output_dim": 4,
            "embeddings_initializer": "random_uniform",
            "embeddings_regularizer": "l2",
            "embeddings_constraint": "unit_norm",
        },
        {"name": "seq", "type": "Conv1D", "filters": 4, "kernel_size": 2, "padding": "causal"},
        {"name": "seq_pool", "type": "GlobalMaxPooling1D"},
        {"name": "merged", "type": "Concatenate", "inputs": ["squash", "seq_pool"]},
        {
            "name": "norm",
            "type": "BatchNormalization",
            "beta_initializer": "zeros",
            "gamma_initializer": "ones",
            "moving_mean_initializer": "zeros",
            "moving_variance_initializer": "ones",
            "beta_regularizer": "l2",
            "gamma_regularizer": "l1",
        },
        {"name": "act", "type": "Activation", "activation": "tanh"},
        {"name": "drop", "type": "Dropout", "rate": 0.1},
        {"name": "probs", "type": "Dense", "units": 3, "activation": "softmax"},
        {"name": "spread", "compute": "abs(d - 0.5) * 2.0", "inputs": {"d": "drop"}},
        {"name": "score", "type": "Dense", "inputs": "spread", "units": 1, "activation": "sigmoid"},
    ],
    "outputs": ["probs", "score"],
    "training": {
        "optimizer": "adam",
        "loss": {
            "probs": "sparse_categorical_crossentropy",
            "score": {"BinaryCrossentropy": {"label_smoothing": 0.1, "reduction": "sum"}},
        },
        "metrics": {
            "probs": ["accuracy"],
            "score": ["auc", {"class_name": "AUC", "config": {"curve": "PR"}}],
        },
    },
}

Path = tuple[str | int, ...]
Slot = Callable[[dict[str, Any], str], None]


def benign() -> dict[str, Any]:
    """A fresh copy of the benign spec."""
    return copy.deepcopy(BENIGN)


def _string_paths(value: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*path, index))


def _setter(path: Path) -> Slot:
    def put(data: dict[str, Any], value: str) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return put


def _key_setter(path: Path) -> Slot:
    """Rename the key at `path` to the hostile value, keeping its value."""

    def put(data: dict[str, Any], value: str) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[value] = node.pop(path[-1])

    return put


def _show(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _renamer(old: str) -> Slot:
    """Give a name a new value everywhere: where it is defined and wherever it is used."""

    def put(data: dict[str, Any], value: str) -> None:
        renamed = _renamed(data, old, value)
        data.clear()
        data.update(renamed)

    return put


def _renamed(node: Any, old: str, new: str) -> Any:
    if isinstance(node, str):
        return new if node == old else node
    if isinstance(node, list):
        return [_renamed(item, old, new) for item in node]
    if isinstance(node, dict):
        return {(new if key == old else key): _renamed(v, old, new) for key, v in node.items()}
    return node


def is_name_slot(path: Path) -> bool:
    """The model's name and the names of inputs and layers: Keras names."""
    return path == ("name",) or (
        len(path) == 3 and path[0] in ("inputs", "layers") and path[2] == "name"
    )


def string_slots() -> dict[str, Slot]:
    """Every place of the benign spec that holds a string, plus the other forms and keys.

    A Keras name (of the model, an input, a layer) is renamed everywhere it is used too, so
    an accepted name shows that it is kept and that its variable is derived safely.
    """
    slots = {
        _show(path): _renamer(_get(BENIGN, path)) if is_name_slot(path) else _setter(path)
        for path in _string_paths(BENIGN)
    }
    slots["training.loss (one for all outputs)"] = _setter(("training", "loss"))
    slots["training.metrics (one list)"] = lambda data, value: data["training"].update(
        metrics=[value]
    )
    slots["layers[6].inputs (a string)"] = _setter(("layers", 6, "inputs"))
    slots["layers[9].inputs (a list)"] = lambda data, value: data["layers"][9].update(
        inputs=[value]
    )
    # Keys are strings too: a top-level field, a layer argument, an output's loss and metrics.
    for path in [
        ("description",),
        ("layers", 0, "padding"),
        ("training", "loss", "probs"),
        ("training", "metrics", "score"),
    ]:
        slots[f"key of {_show(path)}"] = _key_setter(path)
    return slots


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


# A valid spec with a name in every position a block brings: the block, its inputs, its
# parameters and its layers, a call of it, a shared call (a tower) and a shared layer.
BENIGN_BLOCKS: dict[str, Any] = {
    "name": "probe_blocks",
    "inputs": [{"name": "image", "shape": [8, 8, 2]}],
    "blocks": {
        "unit": {
            "inputs": ["source"],
            "params": ["width"],
            "layers": [
                {"name": "conv", "type": "Conv2D", "filters": "$width", "kernel_size": 3,
                 "padding": "same"},
                {"name": "skip", "type": "Add", "inputs": ["source", "conv"]},
            ],
        }
    },
    "layers": [
        {"name": "stem", "type": "Conv2D", "filters": 2, "kernel_size": 1},
        {"name": "first", "block": "unit", "width": 2},
        {"name": "second", "share": "first"},
        {"name": "dense", "type": "Dense", "units": 2},
        {"name": "again", "share": "dense"},
        {"name": "pooled", "type": "GlobalAveragePooling2D"},
        {"name": "out", "type": "Dense", "units": 1, "activation": "sigmoid"},
    ],
}  # fmt: skip


def _rename_param(data: dict[str, Any], value: str) -> None:
    block = data["blocks"]["unit"]
    block["params"] = [value]
    block["layers"][0]["filters"] = f"${value}"
    first = data["layers"][1]
    first[value] = first.pop("width")


def block_slots() -> dict[str, tuple[Slot, str]]:
    """Each name position of BENIGN_BLOCKS, renamed everywhere it is used, and its kind.

    The kind says what may be accepted: a Keras name ("keras"), the name of a shared call
    ("variable": any Keras name, though no Keras layer takes it) or only an identifier.
    """
    slots: dict[str, tuple[Slot, str]] = {
        "block name": (_renamer("unit"), "identifier"),
        "block input": (_renamer("source"), "identifier"),
        "block parameter": (_rename_param, "identifier"),
    }
    for name in ["conv", "skip"]:
        slots[f"block layer {name}"] = (_renamer(name), "keras")
    for name in ["stem", "first", "dense", "out", "image"]:
        slots[f"layer or input {name}"] = (_renamer(name), "keras")
    # A shared call is no new Keras layer: its name only gives the variable.
    for name in ["second", "again"]:
        slots[f"shared call {name}"] = (_renamer(name), "variable")
    return slots


# The hostile corpus -----------------------------------------------------------------------

PAYLOADS = [
    f"__import__('os').system('touch {MARKER}')",
    f"open('{MARKER}', 'w').close()",
    f"exec(\"open('{MARKER}', 'w')\")",
    f"eval(compile(\"open('{MARKER}', 'w')\", 'x', 'exec'))",
    "import os; os.system('touch " + MARKER + "')",
    f"__builtins__.__dict__['open']('{MARKER}', 'w')",
    f"breakpoint() or open('{MARKER}', 'w')",
    f"(lambda: open('{MARKER}', 'w'))()",
]
QUOTES = ['"', "'", '"""', "'''", '\\"', "\\'", '\\"""', "\\'''", "\\", "\\\\", ")", "]", "}", "`"]
LINE_BREAKS = [
    "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
    "\x00",
]  # fmt: skip


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in text)


def _math_bold(text: str) -> str:
    return "".join(chr(0x1D41A + ord(c) - ord("a")) if "a" <= c <= "z" else c for c in text)


_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х"})
_GREEK = str.maketrans({"o": "ο", "i": "ι", "v": "ν"})


def hostile_values() -> list[str]:
    """At least 500 strings that try to break out of every place a string can land."""
    values: list[str] = []
    add = values.append
    # Quote and triple-quote break-outs around each payload.
    for quote in QUOTES:
        for payload in PAYLOADS[:5]:
            add(f"x{quote}; {payload}; {quote}")
            add(f"{quote}){payload}#")
        add(f"x{quote}")
        add(f"{quote}")
        add(f"{quote}\n{PAYLOADS[0]}\n{quote}")
    # Line breaks of every kind, alone and before a payload, a comment or a quote.
    for brk in LINE_BREAKS:
        add(brk)
        add(f"x{brk}")
        add(f"x{brk}{PAYLOADS[0]}")
        add(f"x{brk}{PAYLOADS[4]}{brk}")
        add(f'x{brk}"""{brk}{PAYLOADS[0]}{brk}"""')
        add(f"x{brk}# comment")
        add(f"{brk}#{brk}")
    add('"""; import os; """')
    add("'''; import os; '''")
    add("x\"; import os; os.system('touch " + MARKER + "'); x=\"")  # CVE-2020-15142
    add("x\\\"; import os; os.system('touch " + MARKER + "'); x=\\\"")
    # Backslashes at the end and escape sequences that Python would read.
    for text in ["x\\", "x\\\\", "x\\\\\\", '"""\\', "\\\n", "\\\r", "\\\u2028", "x\\\x00"]:
        add(text)
    for text in ["\\N{LATIN SMALL LETTER A}", "\\N{BULLET}", "\\N{", "\\x41", "\\u0041"]:
        add(text)
    for text in ["\\U00000041", "\\n", "\\r", "\\0", "\\x", "\\u", "\\777", "\\"]:
        add(text)
    # f-string braces and other template syntaxes.
    for text in [
        "{" + PAYLOADS[0] + "}", "{x}", "{{", "}}", "{0}", "{x!r}", "{x:>{y}}", "f'{1}'",
        "{{ 7*7 }}", "{{ config }}", "{% if 1 %}x{% endif %}", "{#", "#}", "{% raw %}",
        "{%- endraw -%}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lipsum.__globals__.os.system('touch " + MARKER + "') }}", "{{", "{%", "%}",
        "${}", "${HOME}", "$HOME", "$(touch " + MARKER + ")", "`touch " + MARKER + "`",
        "%s", "%(x)s", "%d", "%%", "%", "%(prog)s %(x)s %d", "100%(prog)", "; touch " + MARKER,
        "| touch " + MARKER,
        "&& touch " + MARKER,
    ]:  # fmt: skip
        add(text)
    # Comments, pragmas and a coding cookie.
    for text in [
        "# -*- coding: rot13 -*-", "#!/bin/sh", "# type: ignore", "# noqa", "# fmt: off",
        "#", "x # y", "# " + PAYLOADS[0],
    ]:  # fmt: skip
        add(text)
    # Unicode look-alikes of keywords and names, and invisible characters.
    for word in ["import", "os", "exec", "eval", "model", "keras", "layers", "class", "def"]:
        add(_full_width(word))
        add(_math_bold(word))
        add(word.translate(_CYRILLIC))
        add(word.translate(_GREEK))
    add(_full_width("import os"))
    add(_full_width(PAYLOADS[0]))
    for text in [
        "mod\u200bel", "\ufeffmodel", "\u202emodel", "\u2066x\u2069", "e\u0301", "ﬁle",
        "\u212aeras", "ℌ", "ı", "\u00a0", "\u3000", "\u200d", "\u2060", "\U000e0041",
        "\ufffd", "\U0010ffff", "\U0001f600", "\ue000", "\udcff", "\ud800x",
    ]:  # fmt: skip
        add(text)
    # Paths, absolute and traversing.
    for text in [
        "../../x", "../../etc/x", "/etc/passwd", "..\\..\\x", "C:\\Windows\\x", "~/.bashrc",
        "/dev/null", ".", "..", "a/b", "x.py", "con", "nul", "/tmp/" + MARKER,
        "file:///etc/passwd", "\\\\server\\share", "output/../../x", "./x",
    ]:  # fmt: skip
        add(text)
    # Whitespace and names that are not names.
    for text in ["my model", " leading", "trailing ", "tab\there", "\t", " ", "", "a-b", "1x"]:
        add(text)
    for word in keyword.kwlist + keyword.softkwlist:
        add(word)
    for text in [
        "print", "exec", "eval", "open", "__import__", "__builtins__", "__name__", "__file__",
        "globals", "super", "object", "type", "model", "keras", "layers", "np", "main", "x",
        "y", "argparse", "tf", "_", "__", "__init__", "self",
    ]:  # fmt: skip
        add(text)
    # Syntax of the spec formats themselves, and numbers that are strings.
    for text in [
        "*alias", "&anchor", "!!python/object:os.system", "null", "~", "true", "<<", "---",
        "...", "[", "{", "]", "}", "= 1", "[[layers]]", '"""\n[x]\n"""', "nan", "inf",
        "-inf", "1e999", "0x10", "1_000", "-0", "NaN", "Infinity",
        'b"x"', 'rb"x"', "u'x'", 'f"{1}"',
    ]:  # fmt: skip
        add(text)
    # Every C0 and C1 control character between two letters.
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]:
        add(f"a{chr(code)}b")
    # Very long strings.
    for text in [
        "a" * 100_000, "é" * 50_000, '"' * 10_000, "\\" * 10_001, "\n" * 10_000,
        "x " * 50_000, "a" * 65, "A" * 1000 + "\\", "\u2028" * 1000, "{" * 1000,
        ("'''" + '"""') * 1000,
    ]:  # fmt: skip
        add(text)
    # A plain identifier ("self", "null", "nan") is not hostile: in a name field it names a
    # variable, as it should, so it would change the AST's names. Those are left out.
    # Windows device names stay: as a model's name they must not become the file's name.
    return [
        value
        for value in dict.fromkeys(values)
        if identifier_problem(value) or value.lower() in WINDOWS_DEVICES
    ]


HOSTILE = hostile_values()


# Arithmetic over block parameters: a block layer argument and a nested block call's argument.
ARITHMETIC: dict[str, Any] = {
    "name": "probe",
    "inputs": [{"name": "features", "shape": [4]}],
    "blocks": {
        "unit": {
            "params": ["units"],
            "layers": [{"name": "dense", "type": "Dense", "units": "$units * 2"}],
        },
        "outer": {
            "params": ["width"],
            "layers": [{"name": "inner", "block": "unit", "units": "$width + 1"}],
        },
    },
    "layers": [{"name": "first", "block": "outer", "width": 3}],
    "training": {"loss": "mse"},
}
# (block, layer index, argument) of each expression, and the function and call it becomes.
ARITHMETIC_SLOTS = {"dense": ("unit", 0, "units"), "inner": ("outer", 0, "units")}
ARITHMETIC_NODES = (
    ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
)  # fmt: skip


def expression_forms(value: str) -> list[str]:
    """A hostile value as an expression, and inside, before and after one."""
    return [value, f"${value}", f"$units * {value}", f"$units{value}", f"{value} $units",
            f"$units * ({value})", f"$width + {value}", f"({value}) - $width"]  # fmt: skip


COMPUTE_SLOT = ("layers", 11)  # BENIGN's compute layer: `spread = keras.ops.abs(drop - ...)`
COMPUTE_NODES = (
    ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub, ast.Add, ast.Sub,
    ast.Mult, ast.Div, ast.Pow, ast.Call, ast.Attribute, ast.keyword,
)  # fmt: skip
COMPUTE_NAMES = frozenset({"keras", "drop", "NormalLike"})


def compute_forms(value: str) -> list[str]:
    """A hostile value as a whole expression, and inside, before and after one."""
    return [value, f"d * ({value})", f"abs({value})", f"d{value}", f"{value} + d",
            f"sum(d, axis={value})"]  # fmt: skip


def blank_compute(source: str) -> tuple[Any, ...]:
    """The skeleton with the `spread = ...` expression blanked, after checking it is plain.

    Plain: arithmetic, keras.ops calls, `drop` and numbers; nothing else can appear.
    """
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "spread":
            for part in ast.walk(node.value):
                assert isinstance(part, COMPUTE_NODES), ast.dump(node.value)
                assert not isinstance(part, ast.Name) or part.id in COMPUTE_NAMES, part.id
                assert not isinstance(part, ast.Attribute) or (
                    ast.unparse(part).startswith("keras.ops.") or part.attr == "ops"
                ), ast.unparse(part)
                assert not isinstance(part, ast.Constant) or type(part.value) in (
                    int, float, bool,
                )  # fmt: skip
            node.value = ast.Constant(0)
    return _shape(tree, {})


def _slot_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "Dense") or (
        isinstance(func, ast.Name) and func.id == "unit"
    )


def blank_arithmetic(source: str, params: dict[str, str]) -> tuple[Any, ...]:
    """The skeleton with each slot's expression blanked, after checking it is plain arithmetic.

    `params` maps each slot's function to the only name its expression may use.
    """
    tree = ast.parse(source)
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or function.name not in params:
            continue
        call = next(node for node in ast.walk(function) if _slot_call(node))
        if isinstance(call.func, ast.Attribute):  # layers.Dense(units * 2, ...)
            holder, field = call.args, 0
        else:  # unit(x, units=width + 1, name=...)
            holder, field = next(k for k in call.keywords if k.arg == "units"), "value"
        node = holder[field] if isinstance(field, int) else getattr(holder, field)
        for part in ast.walk(node):
            assert isinstance(part, ARITHMETIC_NODES), ast.dump(node)
            assert not isinstance(part, ast.Name) or part.id == params[function.name]
            assert not isinstance(part, ast.Constant) or type(part.value) in (int, float)
        blank = ast.Constant(0)
        if isinstance(field, int):
            holder[field] = blank
        else:
            setattr(holder, field, blank)
    return _shape(tree, {})


def skeleton(source: str, rename: bool = False) -> tuple[Any, ...]:
    """The program's structure: its AST with every literal value replaced by its type.

    `rename`: module-level names, then each top-level statement's other names, numbered in
    order of first appearance, so scripts whose variables differ compare equal when they
    use them the same way in each scope.
    """
    tree = ast.parse(source)
    if not rename:
        return _shape(tree, {})
    module = {}
    for statement in tree.body:
        for name in _module_names(statement):
            module.setdefault(name, f"m{len(module)}")
    parts = []
    for statement in tree.body:
        numbers = dict(module)
        for node in ast.walk(statement):
            for name in _bound_names(node):
                numbers.setdefault(name, f"v{len(numbers) - len(module)}")
        parts.append(_shape(statement, numbers))
    return ("Module", tuple(parts))


def _module_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.FunctionDef):
        return [statement.name]
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in statement.names]
    return []


def _bound_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
        return [node.arg]
    if isinstance(node, ast.FunctionDef):
        return [node.name]
    return []


def _shape(node: Any, numbers: dict[str, str]) -> Any:
    if isinstance(node, ast.Constant):
        return ("Constant", type(node.value).__name__)
    if isinstance(node, ast.AST):
        fields = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, str) and name in ("id", "arg", "name") and value in numbers:
                fields.append(numbers[value])
            else:
                fields.append(_shape(value, numbers))
        return (type(node).__name__, *fields)
    if isinstance(node, list):
        return tuple(_shape(item, numbers) for item in node)
    return node  # identifiers, operators' names, None


def comments(source: str) -> list[str]:
    """The comments in a script (the generated ones have none)."""
    if "#" not in source:
        return []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [token.string for token in tokens if token.type == tokenize.COMMENT]
