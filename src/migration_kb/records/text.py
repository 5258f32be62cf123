"""The one rule for text and for numbers typed as text, shared by entries, drafts and forms."""

from __future__ import annotations

import re

# What no text may hold: lone surrogates and control characters but newline and tab (CR is made newline first).
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> tuple[str, str | None]:
    """The one rule for every text of entries and drafts: line ends made `\n`, then valid Unicode (no lone
    surrogate, which no database or hash can store) and no control character but newline and tab.
    Returns (the text, None) or (the text, what is wrong with it)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    found = FORBIDDEN.search(value)  # one scan in C: every text of every entry passes here on import and save
    if found is None:
        return value, None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return value, "is not valid Unicode (a lone surrogate such as \\ud800)"
    name = "a NUL character" if char == "\x00" else f"the control character U+{ord(char):04X}"
    return value, f"contains {name}; text may hold any character but control characters (newline and tab are fine)"


def whole_number(text: object, limit: int) -> int | None:
    """`text` as a whole number when it is 1–18 ASCII digits no larger than `limit`, else None. Ids, versions and
    years are ASCII digits: `str.isdigit` also accepts `²` (which int() refuses) and `١` (which it reads as 1)."""
    if not isinstance(text, str) or not (0 < len(text) <= 18 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= limit else None
