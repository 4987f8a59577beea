"""Where a statement's shape comment goes, and the source that makes black wrap it readably.

Black wraps `x = layers.Conv2D(...)(image)` at its last bracket whenever the text up to
that bracket fits, leaving the dangling `...)(` / `image` / `)`. It wraps at the layer's
own arguments only when that first line would be too long, so where the dangling form
threatens, the statement is handed to black with its first line made too long: the shape
comment after the layer's opening bracket or, without a comment, the arguments stacked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from generator.codegen.code import LINE_LENGTH, LINE_LENGTHS, Code, InternalError, call
from generator.codegen.format import str_width
from generator.records import record

BODY_INDENT = "    "


@record
class Layout:
    """The script's line length (black's too) and whether layers carry shape comments."""

    line_length: int = LINE_LENGTH
    shape_comments: bool = True

    def __post_init__(self) -> None:
        if self.line_length not in LINE_LENGTHS:
            raise InternalError(f"line length {self.line_length} reached code generation")

    def fits(self, text: str) -> bool:
        """Whether `text`, indented as a function body, fits on one line."""
        return width(BODY_INDENT + text) <= self.line_length


def width(text: str) -> int:
    """Columns `text` takes, counted as black counts them (East Asian wide characters: two)."""
    return int(str_width(text))


def assignment(
    target: Code,
    function: str,
    positional: Sequence[Code],
    keywords: Mapping[str, Code],
    comment: Code | None,
    layout: Layout,
    applied_to: Code | None = None,
) -> list[Code]:
    """`target = function(args)`, or `target = function(args)(applied_to)`, as script lines.

    The shape comment ends the line when the whole line fits, else stands on its own line
    above; only where black would otherwise dangle the tensor does it follow the layer's
    opening bracket instead. The comment line, when there is one, comes first.
    """
    if not layout.shape_comments:
        comment = None
    compact = call(function, positional, keywords)
    applied = "" if applied_to is None else f"({applied_to})"
    line = Code(f"{target} = {compact}{applied}")
    if comment is not None and layout.fits(f"{line}  {comment}"):
        return [Code(f"{line}  {comment}")]
    above = [] if comment is None else [comment]
    head = f"{target} = {compact}("  # black's first line in the dangling form
    if applied_to is None or layout.fits(line) or not layout.fits(head):
        return [*above, line]
    if comment is not None and not layout.fits(f"{head}  {comment}"):
        # After the call's own bracket the comment makes that first line too long, so
        # black wraps the layer's arguments instead, and the comment heads them.
        opened = call(function, positional, keywords, comment=comment)
        return [Code(f"{target} = {opened}{applied}")]
    stacked = call(function, positional, keywords, stacked=True)
    return [*above, Code(f"{target} = {stacked}{applied}")]
