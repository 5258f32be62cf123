"""Snippets: the part of an entry's text around the best matches, HTML-escaped, matched words in <mark>."""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import escape

from .schema import WORD, accent_map, stem_of

SNIPPET = 220
# Markdown syntax a snippet shows as plain text: images and links keep their text, headings, quotes, list
# markers, emphasis, code marks, table bars and rules go.
MARKDOWN = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.M), ""),  # heading, quote, list item
    (re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*\|?(?:\s*:?-+:?\s*\|)+.*$", re.M), ""),  # rules, table rules
    (re.compile(r"(\*\*|__|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # **strong**, *em*, `code`
    (re.compile(r"\s*\|\s*"), " "),  # table cells
    (re.compile(r"\s+"), " "),
]


def plain(text: str) -> str:
    """Markdown as the words a reader sees: "## Lecciones para otros Estados" -> "Lecciones para otros Estados"."""
    for pattern, replacement in MARKDOWN:
        text = pattern.sub(replacement, text)
    return text.strip()


# The summaries of the entries most shown, made plain once (six patterns each): a page of results makes 20.
_plain_summary = lru_cache(maxsize=2048)(plain)


def highlight(display: dict, terms: set[str], *, body: bool = True) -> str:
    """An HTML-escaped snippet around the best matches, with the matched words in <mark>; looked for in the
    summary, the findings and (`body`) the body."""
    summary = _plain_summary(display["summary"])
    if terms:
        lang = display["language"]
        texts = (display["summary"], *display.get("findings", []), *([display.get("body", "")] if body else []))
        for i, raw in enumerate(texts):
            matched = _matched(raw, lang, terms)
            if not matched:
                continue
            text = summary if i == 0 else plain(raw)  # each made plain only when it holds a match (a body is long)
            spans = [m.span() for m in WORD.finditer(text) if m.group() in matched]
            if spans:
                return _fragment(text, spans)
    return str(escape(_cut(summary, 0)))


def _matched(text: str, lang: str, terms: set[str]) -> set[str]:
    """The words of the text whose stem is matched, each distinct word stemmed once (most texts of a result
    hold none: the summary and findings of an entry found in its body). Only the words that begin as a
    matched stem does are stemmed (~12 us a new word): stemming strips and changes endings, and a stem's
    first two letters were its word's, folded, for all 65,114 (word, language) pairs of the shipped kb and
    the bench's words, its first three for the 69,851 pairs of the kb's and vocabularies' words in the four
    languages whose stem has four letters or more (shorter ones change: "using" -> "use", "dry" -> "dri")."""
    long = {_start(t, 3) for t in terms if len(t) >= 4}
    short = {_start(t, 2) for t in terms if len(t) < 4}
    ones = {s for s in short if len(s) == 1}  # a stem of one letter ("ms" -> "m" in French) starts with one
    found = set()
    for word in set(WORD.findall(text)):
        begins = _start(word, 3)
        if (begins in long or begins[:2] in short or (ones and begins[:1] in ones)) \
                and stem_of(word, lang) in terms:
            found.add(word)
    return found


def _start(word: str, letters: int) -> str:
    """A word's or a stem's first letters, folded, with one apostrophe (the English stemmer writes "’" as
    "'", the others keep it). One letter more is folded, as one may become two ("œ" -> "oe")."""
    head = word[:letters + 1]
    if head.isascii():  # most words: nothing to fold but the case (a fifth of a snippet's time)
        return head[:letters].lower()
    return head.lower().translate(accent_map).replace("’", "'")[:letters]


def _cut(text: str, start: int) -> str:
    end = start + SNIPPET
    piece = text[start:end]
    return ("… " if start else "") + piece + (" …" if end < len(text) else "")


def _fragment(text: str, spans: list[tuple[int, int]]) -> str:
    # Start a little before the window holding the most matches.
    best_start, best = spans[0][0], 0
    for s, _ in spans:
        n = sum(1 for a, _b in spans if s <= a < s + SNIPPET)
        if n > best:
            best, best_start = n, s
    start = max(0, best_start - 40)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + SNIPPET)
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(str(escape(text[pos:a])))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(str(escape(text[pos:end])))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")

