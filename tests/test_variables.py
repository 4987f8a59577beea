"""The variables derived from Keras names, and the names' own rules, without Keras."""

from __future__ import annotations

import builtins
import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.codegen.code import InternalError
from generator.codegen.variables import ALWAYS_TAKEN, Variables, readable
from generator.spec.names import (
    MAX_NAME_LENGTH,
    RESERVED,
    WINDOWS_DEVICES,
    ascii_word,
    file_stem,
    keras_name_problem,
)

KERAS_CHARACTERS = "abcxyzABCXYZ0123456789_.->"
keras_names = st.text(KERAS_CHARACTERS, min_size=1, max_size=12)
any_names = st.one_of(keras_names, st.text(min_size=0, max_size=12), st.sampled_from(
    sorted({*keyword.kwlist, *keyword.softkwlist, *RESERVED, "print", "__name__", "_", "1_conv"})
))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("dense", "dense"),
        ("class", "class_"),
        ("match", "match_"),
        ("_", "layer"),
        ("print", "print_"),
        ("x", "x_"),
        ("inputs", "inputs_"),
        ("model", "model_"),
        ("name", "name_"),
        ("1_conv", "_1_conv"),
        ("conv2.block1-out", "conv2_block1_out"),
        ("a>b", "a_b"),
        ("café au lait", "cafe_au_lait"),
        ("模型", "layer"),
        ("__init__", "__init___"),
        ("_private", "_private"),
    ],
)
def test_readable_variables(name: str, variable: str) -> None:
    assert readable(name) == variable


def test_plain_names_keep_themselves_before_others_are_derived() -> None:
    variables = Variables(taken=["stem"])
    variables.add(["x", "x_", "a.b", "a_b", "stem", "class", "class_"])
    assert [variables[name] for name in ["x", "x_", "a.b", "a_b", "stem", "class", "class_"]] == [
        "x__2", "x_", "a_b_2", "a_b", "stem_2", "class__2", "class_",
    ]  # fmt: skip


def test_helpers_and_fixed_names_share_the_scope() -> None:
    variables = Variables()
    variables.fixed(["x"])  # a block input: a checked identifier, its own variable
    variables.add(["x_layer", "1"])
    assert variables["x"] == "x"
    assert variables.take("x_layer") == "x_layer_2"
    assert variables["1"] == "_1"
    with pytest.raises(InternalError):
        variables["unknown"]  # noqa: B018


@given(st.lists(any_names, max_size=30), st.lists(any_names, max_size=5))
def test_variables_are_valid_free_distinct_and_deterministic(
    names: list[str], taken: list[str]
) -> None:
    taken_words = [word for word in taken if word.isidentifier()]
    first, second = Variables(taken_words), Variables(taken_words)
    first.add(names)
    second.add(names)
    got = {name: first[name] for name in names}
    assert got == {name: second[name] for name in names}
    values = list(got.values())
    assert len(set(values)) == len(values)
    for value in values:
        assert value.isascii() and value.isidentifier(), value
        assert not keyword.iskeyword(value) and not keyword.issoftkeyword(value)
        assert value not in dir(builtins) and value not in RESERVED and value != "name"
        assert value not in taken_words
    for name, value in got.items():
        if name == value:
            assert name not in ALWAYS_TAKEN


@given(st.text(max_size=80))
def test_ascii_word_and_file_stem(text: str) -> None:
    word = ascii_word(text)
    assert all(char.isascii() and (char.isalnum() or char == "_") for char in word)
    stem = file_stem(text)
    assert stem and stem == file_stem(text)
    assert all(char.isascii() and (char.isalnum() or char == "_") for char in stem)
    assert stem.lower() not in WINDOWS_DEVICES


@pytest.mark.parametrize(
    ("name", "stem"),
    [("small", "small"), ("resnet.v1-50", "resnet_v1_50"), ("..", "model"), ("con", "con_"),
     ("COM1", "COM1_"), ("a>b", "a_b"), ("x.py", "x_py")],
)  # fmt: skip
def test_file_stems(name: str, stem: str) -> None:
    assert file_stem(name) == stem


@pytest.mark.parametrize(
    "name", ["x", "class", "model", "1_conv", "conv2_block1_1_conv", "a.b", "a-b", "a>b", "_x",
             "-x", ".", "..", "a" * MAX_NAME_LENGTH],
)  # fmt: skip
def test_keras_names_accepted(name: str) -> None:
    assert keras_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "a name cannot be empty"),
        ("a" * (MAX_NAME_LENGTH + 1), f"name is longer than {MAX_NAME_LENGTH} characters"),
        ("a/b", "'a/b' holds '/'"),
        ("a\\b", "'a\\\\b' holds '\\\\'"),
        ("a b", "'a b' holds ' '"),
        ("é", "'é' holds 'é'"),
        ("a\nb", "'a\\nb' holds '\\n'"),
    ],
)
def test_keras_names_refused(name: str, problem: str) -> None:
    found = keras_name_problem(name)
    assert found is not None and found.startswith(problem), found


@pytest.mark.parametrize("name", ["_x", "-x", ">x"])
def test_a_model_name_starts_like_a_tensorflow_root_scope(name: str) -> None:
    assert keras_name_problem(name) is None
    assert "a model's name starts with" in (keras_name_problem(name, model=True) or "")
    assert keras_name_problem(".x", model=True) is None
