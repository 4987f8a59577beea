"""Code fragments and the template guard."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.code import Code, InternalError, identifier, literal, prose
from generator.render import environment


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
