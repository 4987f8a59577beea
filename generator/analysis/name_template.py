"""Keras-name templates of block layers: `"activation_{$act + 3}"`, expanded per call.

A block layer's Keras name is `<call>_<layer>` unless it gives `keras_name`: text whose
`{...}` parts hold the block arithmetic of analysis/arithmetic.py over the block's
parameters and give integers; the rest is literal and takes only Keras-name characters
(so no braces outside the `{...}` parts).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from generator.analysis.arithmetic import Expression, ExpressionError, parse
from generator.display import show_value
from generator.records import record
from generator.spec.names import KERAS_NAME, keras_name_problem

MAX_LENGTH = 256  # characters of one template
MAX_PARTS = 16  # `{...}` parts in one template
_FIELD = re.compile(r"\{([^{}]*)\}")


@record
class NameTemplate:
    """A checked template: literal text and expressions, alternating (text first and last)."""

    texts: tuple[str, ...]
    expressions: tuple[Expression, ...]

    def expand(self, values: Mapping[str, Any]) -> str:
        """The Keras name for one call's parameter values; ExpressionError if it has none."""
        parts = [self.texts[0]]
        for expression, text in zip(self.expressions, self.texts[1:], strict=True):
            value = expression.evaluate(values)
            if type(value) is not int:
                raise ExpressionError(
                    f'"{{{expression.text}}}" gives {show_value(value)}: a name template\'s'
                    " parts must give integers (use // for division)"
                )
            parts.append(str(value))
            parts.append(text)
        name = "".join(parts)
        problem = keras_name_problem(name)
        if problem:
            raise ExpressionError(f"the name it gives is refused: {problem}")
        return name

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters it uses."""
        return tuple(dict.fromkeys(p for e in self.expressions for p in e.params))


def parse_template(text: str, params: Iterable[str]) -> NameTemplate:
    """Split and check a template; ExpressionError says what is wrong."""
    return _parsed(text, tuple(params))


@functools.lru_cache(maxsize=4096)  # a block's template, parsed once for all its calls
def _parsed(text: str, params: tuple[str, ...]) -> NameTemplate:
    known = list(params)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"name template is longer than {MAX_LENGTH} characters")
    texts: list[str] = []
    expressions: list[Expression] = []
    end = 0
    for found in _FIELD.finditer(text):
        texts.append(_literal(text[end : found.start()], text))
        expressions.append(parse(found.group(1), known))
        end = found.end()
    texts.append(_literal(text[end:], text))
    if not expressions:
        raise ExpressionError(
            f"{show_value(text)} holds no {{...}} part: write the name itself as the layer's"
            ' name, or a part such as "activation_{$act + 3}"'
        )
    if len(expressions) > MAX_PARTS:
        raise ExpressionError(f"{show_value(text)} has more than {MAX_PARTS} {{...}} parts")
    return NameTemplate(tuple(texts), tuple(expressions))


def _literal(part: str, text: str) -> str:
    """A literal part: Keras-name characters only (a lone brace is refused here)."""
    bad = next((char for char in part if not KERAS_NAME.match(char)), None)
    if bad is not None:
        raise ExpressionError(
            f"{show_value(text)} holds {show_value(bad)} outside a {{...}} part: Keras names"
            " take ASCII letters, digits and _ . - >"
        )
    return part
