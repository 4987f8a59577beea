"""Statement layout: where the shape comment goes and how black wraps what we hand it."""

from __future__ import annotations

import re

import black
import pytest

from generator.codegen.code import Code, InternalError, call, literal
from generator.codegen.format import mode
from generator.codegen.layout import Layout, assignment, width

DANGLING = re.compile(r"\)\(\s*(#.*)?$")  # `...name="x")(` with the tensor on the next line
COMMENT = Code("# (None, 28, 28, 32)")


def _format(lines: list[Code], line_length: int) -> list[str]:
    """The statement as black writes it inside a function body, without the `def` line."""
    body = "".join(f"    {line}\n" for line in lines)
    source = black.format_str(f"def f():\n{body}", mode=mode(line_length))
    return source.splitlines()[1:]


def _conv(target: str, filters: int, layout: Layout, comment: Code | None = COMMENT) -> list[Code]:
    keywords = {"padding": literal("same"), "activation": literal("relu")}
    keywords["name"] = literal(target)
    positional = [literal(filters), literal(3)]
    return assignment(
        Code(target), "layers.Conv2D", positional, keywords, comment, layout, Code("image")
    )


# Targets of 1 to 100 characters sweep every position of the line end: the statement and
# its comment on one line, the comment above, and both of black's ways to wrap the call;
# up to where not even `target = layers.Conv2D(` fits, and nothing can help.
CASES = [
    (line_length, "c" * size, filters)
    for line_length in (88, 120)
    for size in range(1, 101, 2)
    for filters in (32,)
    if width(f"    {'c' * size} = layers.Conv2D(") <= line_length
]


@pytest.mark.parametrize(("line_length", "target", "filters"), CASES)
def test_a_layer_call_never_dangles_and_keeps_its_comment(
    line_length: int, target: str, filters: int
) -> None:
    layout = Layout(line_length)
    lines = _format(_conv(target, filters, layout), line_length)
    assert not any(DANGLING.search(line) for line in lines), "\n".join(lines)
    assert sum(COMMENT in line for line in lines) == 1
    code = [line for line in lines if not line.lstrip().startswith("#")]
    one_line = f'    {target} = layers.Conv2D({filters}, 3, padding="same", activation="relu",'
    if width(f'{one_line} name="{target}")(image)  {COMMENT}') <= line_length:
        assert len(lines) == 1
    elif width(f'{one_line} name="{target}")(image)') <= line_length:
        assert lines == [f"    {COMMENT}", code[0]]
    elif width(f'        {filters}, 3, padding="same", activation="relu", name="{target}"') <= (
        line_length
    ):
        # Wrapped once, the arguments together on their own line: never one per line.
        assert len(code) == 3 and code[2].strip() == ")(image)", "\n".join(lines)
    else:  # the arguments alone are too long for a line: one per line is all black can do
        assert len(code) == 7 and code[-1].strip() == ")(image)", "\n".join(lines)
    assert all(width(line) <= line_length for line in lines), "\n".join(lines)
    source = "def f():\n" + "\n".join(lines) + "\n"
    assert black.format_str(source, mode=mode(line_length)) == source  # black keeps it


@pytest.mark.parametrize(("line_length", "target", "filters"), CASES)
def test_without_comments_a_layer_call_never_dangles(
    line_length: int, target: str, filters: int
) -> None:
    layout = Layout(line_length, shape_comments=False)
    lines = _format(_conv(target, filters, layout), line_length)
    assert not any(DANGLING.search(line) for line in lines), "\n".join(lines)
    assert not any("#" in line for line in lines)
    assert lines[-1].strip() == ")(image)" or len(lines) == 1


def test_a_merge_applied_to_a_long_list_is_wrapped_at_the_layer() -> None:
    tensors = Code("[branch_1x1, branch_3x3, branch_5x5, branch_pool]")
    name = {"name": Code('f"{name}_merged"')}
    lines = assignment(Code("merged"), "layers.Concatenate", [], name, COMMENT, Layout(), tensors)
    formatted = _format(lines, 88)
    assert formatted == [
        f"    {COMMENT}",
        "    merged = layers.Concatenate(",
        '        name=f"{name}_merged",',
        f"    )({tensors})",
    ]


def test_a_call_without_a_tensor_argument_wraps_as_black_wraps_it() -> None:
    keywords = {f"f{index}": literal(index) for index in range(12)}
    lines = assignment(Code("block_3a"), "block", [Code("stem")], keywords, COMMENT, Layout())
    formatted = _format(lines, 88)
    assert formatted[0] == f"    {COMMENT}"
    assert formatted[1] == "    block_3a = block("
    assert formatted[-1] == "    )"


def test_call_stacks_its_arguments_or_opens_with_a_comment() -> None:
    assert call("f", [literal(1)], {"a": literal(2)}, stacked=True) == "f(1, a=2,)"
    assert call("f", [], {}, stacked=True) == "f()"
    assert call("f", [literal(1)], comment=COMMENT) == f"f(  {COMMENT}\n1)"
    with pytest.raises(InternalError):
        call("f", [literal(1)], comment="# (None, 3)")  # type: ignore[arg-type]


@pytest.mark.parametrize("line_length", [39, 201, 0])
def test_a_line_length_outside_the_range_is_a_bug_here(line_length: int) -> None:
    with pytest.raises(InternalError):
        Layout(line_length)


def test_width_counts_wide_characters_twice() -> None:
    assert width("name") == 4
    assert width("名前") == 4


@pytest.mark.parametrize("line_length", [60, 88, 120])
def test_the_description_never_leaves_two_string_pieces_on_one_line(line_length: int) -> None:
    from generator.codegen.render import _description_literal

    words = [
        "Parallel",
        "convolutions",
        "over",
        "one",
        "image,",
        "merged",
        "along",
        "channels,",
        "then",
        "classified",
    ]
    for count in range(1, len(words) + 1):
        text = " ".join(words[:count] * 2)
        source = (
            f"parser = f(\n    description={_description_literal(text, Layout(line_length))},\n)\n"
        )
        source = "def main():\n" + "".join(f"    {line}\n" for line in source.splitlines())
        formatted = black.format_str(source, mode=mode(line_length))
        assert not re.search(r'" +"', formatted), formatted
        assert all(width(line) <= line_length for line in formatted.splitlines()), formatted
        assert "".join(eval(formatted.split("description=", 1)[1].rsplit(",", 1)[0])) == text
