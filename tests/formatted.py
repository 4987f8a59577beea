"""Record what black returns, to check that mergegen writes black's output untouched.

Re-running black on mergegen's output would test black (its output is stable), not mergegen.
What mergegen promises is that black runs last: nothing edits the script after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import black

import generator.codegen.format as format_module


@contextmanager
def black_outputs() -> Iterator[list[str]]:
    """Every string black's formatting pass returns inside the block, in order.

    generator/codegen/format.py runs black's one pass, `_format_str_once`, not `format_str`.
    """
    outputs: list[str] = []
    real = format_module._FORMAT_ONCE
    assert real is black._format_str_once  # the installed black has the one-pass function

    def recording(*args: Any, **kwargs: Any) -> str:
        result = real(*args, **kwargs)
        outputs.append(result)
        return result

    with mock.patch.object(format_module, "_FORMAT_ONCE", recording):
        yield outputs
