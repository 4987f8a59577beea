"""Record what black returns, to check that mergegen writes black's output untouched.

Re-running black on mergegen's output would test black (its output is stable), not mergegen.
What mergegen promises is that black runs last: nothing edits the script after it. mergegen
runs one black pass (`generator.codegen.format.black_pass`); the recorder checks each pass
against `black.format_str`, which formats again whenever the first pass changed anything,
so every script a test records shows that one pass was enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import black

from generator.codegen import format as formatting


@contextmanager
def black_outputs() -> Iterator[list[str]]:
    """Every string black returns to mergegen inside the block, in order."""
    outputs: list[str] = []
    real = formatting.black_pass

    def recording(source: str, black_mode: Any) -> str:
        result = real(source, black_mode)
        assert result == black.format_str(source, mode=black_mode), "one pass is not stable"
        outputs.append(result)
        return result

    with mock.patch.object(formatting, "black_pass", recording):
        yield outputs
