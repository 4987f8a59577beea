"""PyYAML's import without its slowest step, compiling the Reader's NON_PRINTABLE pattern.

`yaml.reader` compiles a negated character class whose ranges span most of Unicode, and Python's
regular-expression compiler walks such ranges one character at a time: 57 M instructions, 6% of
`mergegen validate`, for a pattern only PyYAML's pure-Python reader uses (specs are read by
libyaml). `seed()` puts into `re`'s compile cache, under that pattern's text, the same set of
characters written as the short list it is (4 M instructions), so PyYAML's `re.compile` finds
it there. A Python whose `re` keeps no such cache is left alone: PyYAML compiles its own.
tests/test_startup.py checks that both patterns match exactly the same characters and that
the command line's PyYAML gets the seeded one.
"""

from __future__ import annotations

import re
import sys

# yaml/reader.py's Reader.NON_PRINTABLE, the same string (its escapes in upper case there).
NON_PRINTABLE = "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
# Every code point outside those ranges: C0 controls but tab and newlines, DEL and C1 but NEL,
# surrogates, and the two BMP noncharacters U+FFFE and U+FFFF.
SAME_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


def seed() -> None:
    """Let PyYAML find SAME_CHARACTERS compiled under NON_PRINTABLE; call before `import yaml`."""
    cache = getattr(re, "_cache", None)
    if "yaml" not in sys.modules and isinstance(cache, dict):
        cache.setdefault((str, NON_PRINTABLE, 0), re.compile(SAME_CHARACTERS))
