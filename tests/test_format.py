"""Format: one black pass, and the same text black's own two-pass `format_str` gives."""

from __future__ import annotations

from unittest import mock

import black
import pytest

import generator.codegen.format as format_module
from generator.codegen.format import format_source, mode
from generator.pipeline import check, generate
from generator.spec.presets import preset_names, preset_path

UNFORMATTED = "def build_model():\n    x = f(a,b,  c=[1,2,3],)\n    return x\n"


def test_format_source_runs_black_once() -> None:
    real = format_module._FORMAT_ONCE
    with mock.patch.object(format_module, "_FORMAT_ONCE", side_effect=real) as once:
        formatted = format_source(UNFORMATTED)
    assert once.call_count == 1
    assert formatted == black.format_str(UNFORMATTED, mode=mode())


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_is_stable_after_one_pass_at_any_line_length(preset: str) -> None:
    """Narrow lines wrap the most: one pass still gives black's fixed point."""
    checked = check(preset_path(preset))
    for line_length in (40, 60, 88, 120):
        script = generate(checked, line_length=line_length)
        assert black.format_str(script, mode=mode(line_length)) == script
