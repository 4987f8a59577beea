"""YAML read by libyaml where it can; whatever breaks a rule or a limit gets the message and
position pure-Python PyYAML's loader gives (test_load.py checks the data and positions of the
files libyaml reads)."""

from __future__ import annotations

import pytest

from generator.errors import SpecError
from generator.spec import load

pytestmark = pytest.mark.skipif(not load._LIBYAML, reason="PyYAML without libyaml")

HOSTILE = {
    "deep": "[" * 100_000 + "]" * 100_000,
    "depth": "a: " + "[" * (load.MAX_DEPTH + 1) + "]" * (load.MAX_DEPTH + 1),
    "count": "a: [" + ", ".join(["1"] * (load.MAX_NODES + 1)) + "]",
    "duplicate": "a: 1\na: 2\n",
    "tag": "a: !!python/object:os.system ls\n",
    "malformed": "a: [1, 2\n",
    "nul": "a: \x00\n",
    "surrogate": "a: b\ud800\n",
    "aliases": "a: &x [1]\nb: *x\n" + "".join(f"c{i}: *x\n" for i in range(1_000)),
}


def _messages(text: str) -> list[str]:
    with pytest.raises(SpecError) as error:
        load.load_text(text, "x.yaml", "yaml")
    return [problem.render() for problem in error.value.problems]


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_what_breaks_a_rule_gets_the_pure_loaders_message(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = _messages(text)
    monkeypatch.setattr(load, "_LIBYAML", False)
    assert quick == _messages(text)


def test_the_depth_limit_is_exact_at_the_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    nested = "[" * (load.MAX_DEPTH - 1) + "1" + "]" * (load.MAX_DEPTH - 1)
    text = f"a: {nested}\n"
    quick = load.load_text(text, "x.yaml", "yaml")
    monkeypatch.setattr(load, "_LIBYAML", False)
    assert quick.data == load.load_text(text, "x.yaml", "yaml").data
