"""Property tests: any spec is either refused cleanly or gives good code."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from generator.errors import SpecError
from generator.pipeline import check_loaded, generate
from generator.spec.load import LoadedSpec
from tests.formatted import black_outputs
from tests.strategies import specs

pytestmark = pytest.mark.slow


def _generate(data: dict[str, Any]) -> str | None:
    try:
        checked = check_loaded(LoadedSpec("random.yaml", data), Path("random.yaml"))
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            line = problem.render()
            assert "\n" not in line and line.startswith("random.yaml")
        return None
    with black_outputs() as formatted:
        source = generate(checked)
    assert formatted[-1:] == [source], "the script was changed after black formatted it"
    return source


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_random_specs_give_clean_errors_or_stable_code(data: dict[str, Any]) -> None:
    source = _generate(data)
    if source is None:
        return
    ast.parse(source)
    assert _generate(data) == source
    for layer in data["layers"]:
        assert f"    {layer['name']} = " in source
