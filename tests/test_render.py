"""Code fragments and the template guard."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.codegen.code import (
    Code,
    InternalError,
    call,
    dict_of,
    identifier,
    list_of,
    literal,
    prose,
)
from generator.codegen.render import environment
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=4),
        max_leaves=10,
    )
)
def test_literal_round_trips_through_the_parser(value: object) -> None:
    code = literal(value)
    expected = _as_tuples(value)
    assert ast.literal_eval(code) == expected


def _as_tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_as_tuples(item) for item in value)
    return value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object(), {"a": 1}, b"x"])
def test_literal_refuses_anything_else(value: object) -> None:
    with pytest.raises(InternalError):
        literal(value)


def test_literal_refuses_str_subclasses() -> None:
    class Sneaky(str):
        def __repr__(self) -> str:
            return "__import__('os')"

    with pytest.raises(InternalError):
        literal(Sneaky("x"))


def test_identifier_refuses_unchecked_names() -> None:
    assert identifier("conv3x3") == "conv3x3"
    for bad in ("import os", "class", "keras", "x; y", "ａ"):
        with pytest.raises(InternalError):
            identifier(bad)


@given(st.text())
def test_prose_cannot_leave_a_docstring(text: str) -> None:
    source = f'"""{prose(text)}\n"""\n'
    tree = ast.parse(source)
    assert len(tree.body) == 1
    assert isinstance(tree.body[0], ast.Expr)
    docstring = tree.body[0].value
    assert isinstance(docstring, ast.Constant)
    assert "\n" not in docstring.value.rstrip("\n")


@given(st.text())
def test_prose_cannot_leave_a_comment(text: str) -> None:
    source = f"x = 1  # {prose(text)}\n"
    tree = ast.parse(source)
    assert len(tree.body) == 1


def test_template_refuses_values_not_prepared_as_code() -> None:
    template = environment().from_string("x = {{ value }}")
    assert template.render(value=Code("1")) == "x = 1"
    for raw in ("1", 1, None, ["a"]):
        with pytest.raises(InternalError):
            template.render(value=raw)


def test_environment_is_one_and_strict() -> None:
    env = environment()
    assert env is environment()
    assert env.trim_blocks and env.lstrip_blocks and env.keep_trailing_newline
    assert not env.autoescape


def test_template_refuses_a_code_subclass_and_filtered_code() -> None:
    class Sneaky(Code):
        __slots__ = ()

    template = environment().from_string("x = {{ value }}")
    with pytest.raises(InternalError):
        template.render(value=Sneaky("__import__('os')"))
    # A filter turns Code back into a plain str: refused too.
    with pytest.raises(InternalError):
        environment().from_string("x = {{ value | upper }}").render(value=Code("a"))
    with pytest.raises(InternalError):
        environment().from_string("x = {{ value ~ '' }}").render(value=Code("a"))


def test_fragments_are_composed_only_from_fragments() -> None:
    assert call("layers.Dense", [literal(3)], {"name": literal("d")}) == "layers.Dense(3, name='d')"
    assert list_of([identifier("a"), literal(1)]) == "[a, 1]"
    assert dict_of({"a b": literal(1)}) == "{'a b': 1}"
    for bad in (
        lambda: call("layers.Dense", ["3"]),  # a raw str, not made by literal()
        lambda: call("layers.Dense", [], {"name": "'d'"}),
        lambda: call("layers.Dense", [], {"name=1, x": literal(1)}),
        lambda: call("os.system('x') or f", []),
        lambda: list_of(["a"]),
        lambda: dict_of({"a": "1"}),
        lambda: dict_of({Code("a"): literal(1)}),  # keys go through literal(): exact str only
    ):
        with pytest.raises(InternalError):
            bad()


def test_literal_refuses_code_and_other_str_subclasses() -> None:
    with pytest.raises(InternalError):
        literal(Code("1"))
    with pytest.raises(InternalError):
        identifier(Code("conv"))


@pytest.mark.parametrize("description", ["%(prog)s %(x)s %d", "100% sure", "%(prog)", "%%"])
def test_the_description_reaches_argparse_unformatted(description: str) -> None:
    """argparse %-formats a description holding "%(prog)"; a spec's % must stay text."""
    data = {
        "name": "probe",
        "description": description,
        "inputs": [{"name": "features", "shape": [4]}],
        "layers": [{"name": "out", "type": "Dense", "units": 1}],
    }
    source = generate(check_loaded(LoadedSpec("s.json", data), Path("s.json")))
    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "ArgumentParser"
    )
    text = ast.literal_eval(next(k.value for k in call.keywords if k.arg == "description"))
    help_text = argparse.ArgumentParser(prog="probe.py", description=text).format_help()
    assert description in help_text


def test_arguments_equal_to_kerass_default_are_left_out() -> None:
    from generator.analysis.catalog import CATALOG
    from generator.codegen.layer_code import constructor_args

    concatenate = CATALOG["Concatenate"]
    assert constructor_args(concatenate, {"axis": -1}, literal) == ([], {})
    assert constructor_args(concatenate, {"axis": 1}, literal) == ([], {"axis": "1"})
    conv = CATALOG["Conv2D"]
    args = {"filters": 8, "kernel_size": 3, "padding": "valid", "use_bias": True}
    assert constructor_args(conv, args, literal) == (["8", "3"], {})
    args = {"filters": 8, "kernel_size": 3, "padding": "same", "use_bias": False}
    assert constructor_args(conv, args, literal) == (
        ["8", "3"],
        {"padding": "'same'", "use_bias": "False"},
    )


def test_a_default_matches_only_the_same_value_of_the_same_type() -> None:
    from generator.analysis.layers.base import Arg
    from generator.spec.values import integer

    axis = Arg(integer(), default=-1)
    assert axis.is_default(-1)
    assert not axis.is_default(-1.0) and not axis.is_default(1) and not axis.is_default("-1")
    assert not Arg(integer(), default=True).is_default(1)
    assert Arg(integer(), default=(1, 1)).is_default([1, 1])
    assert not Arg(integer()).is_default(None)


def test_the_templates_read_every_field_of_the_script_context() -> None:
    import re

    from generator.codegen.render import TEMPLATE_DIRS, ScriptContext
    from generator.records import record_fields

    folder = next(path for path in TEMPLATE_DIRS if path.is_dir())
    text = "".join(path.read_text() for path in folder.glob("*.jinja"))
    read = set(re.findall(r"\bscript\.(\w+)", text))
    assert read == set(record_fields(ScriptContext))


def _io_script(**forms: str) -> str:
    data = {
        "name": "seq",
        "inputs": [{"name": "a", "shape": [4]}, {"name": "b", "shape": [4]}],
        "layers": [
            {"name": "joined", "type": "Concatenate", "inputs": ["a", "b"]},
            {"name": "out", "type": "Dense", "units": 2, "activation": "softmax"},
        ],
        "training": {"metrics": ["accuracy"], "loss_weights": {"out": 0.5}},
        **forms,
    }
    return generate(check_loaded(LoadedSpec("s.json", data), Path("s.json")))


def test_inputs_and_outputs_as_lists_in_the_model_the_data_and_compile() -> None:
    source = _io_script(inputs_as="list", outputs_as="list")
    assert "keras.Model(inputs=[a, b], outputs=[out], name=" in source
    assert 'loss=["sparse_categorical_crossentropy"]' in source
    assert 'metrics=[["accuracy"]]' in source
    assert "loss_weights=[0.5]" in source
    assert "x = [\n" in source and "y = [rng.integers(" in source


def test_inputs_and_outputs_left_auto_are_a_dict_and_one_bare() -> None:
    source = _io_script()
    assert _io_script(inputs_as="auto", outputs_as="auto") == source
    assert 'keras.Model(inputs={"a": a, "b": b}, outputs=out, name=' in source
    assert 'loss="sparse_categorical_crossentropy"' in source
    assert 'loss_weights={"out": 0.5}' in source
    assert "y = rng.integers(" in source
