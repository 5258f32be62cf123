"""The words of a draft's documents, shared by its page and every export: headings, sources, change notes.

Functions take a gettext function so that the page and the exports speak the reader's language; without
one they answer in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..taxonomy import Taxonomy, fold
from .sections import NO_GROUP
from .view import CitedFinding

Gettext = Callable[[str], str]


def N_(text: str) -> str:
    """Marks a string for translation where it is defined; it is translated where it is shown."""
    return text


def _same(text: str) -> str:
    return text


# The one list of finding-kind headings, in the order sections are written.
KIND_HEADINGS = {"strength": N_("Strengths"), "difficulty": N_("Difficulties"), "lesson": N_("Lessons learned"),
                 "recommendation": N_("Recommendations")}


@dataclass
class ExportContext:
    """What an export needs besides the draft: names of tags, entry URLs and the reader's language."""

    taxonomy: Taxonomy
    permalink: Callable[[str], str]
    lang: str = "en"
    gettext: Gettext = _same


def group_heading(grouping: str, group: str, taxonomy: Taxonomy, lang: str, gettext: Gettext = _same) -> str:
    if group == NO_GROUP:
        return gettext("Practices outside a regional bloc") if grouping == "bloc" else gettext("Other themes")
    if grouping == "bloc":
        return f"{taxonomy.label('bloc', group, lang)} ({group})"
    return taxonomy.label("theme", group, lang)


def kind_heading(kind: str, gettext: Gettext = _same) -> str:
    return gettext(KIND_HEADINGS[kind])


def gap_sentence(theme: str, bloc: str, taxonomy: Taxonomy, lang: str = "en", gettext: Gettext = _same) -> str:
    return gettext("no findings on %(theme)s from %(bloc)s") % {
        "theme": taxonomy.label("theme", theme, lang).lower(), "bloc": bloc}


def source_line(source: dict) -> str:
    parts = [source.get("title") or ""]
    if source.get("publisher"):
        parts.append(source["publisher"])
    line = ", ".join(p for p in parts if p)
    if source.get("year"):
        line += f" ({source['year']})"
    if source.get("url"):
        line += f". {source['url']}"
    return line


def change_note(cited: CitedFinding, gettext: Gettext = _same) -> str:
    """Why a cited finding reads differently from when it was cited; "" if it does not."""
    if cited.gone:
        return gettext("No longer in the entry; this is the text as cited.")
    if cited.changed:
        return gettext("Changed since cited. Text as cited: “%(text)s”") % {"text": cited.cited_text}
    return ""


def change_mark(cited: CitedFinding, gettext: Gettext = _same) -> str:
    """"changed: <note>" or "withdrawn: <note>", as every export writes it after the finding; "" if unchanged."""
    if not (cited.changed or cited.gone):
        return ""
    return f"{gettext('changed') if cited.changed else gettext('withdrawn')}: {change_note(cited, gettext)}"


def file_name(title: str, ext: str) -> str:
    """What an exported file is called: the draft's title, slugged, and its format ("protection-in-sica.md")."""
    stem = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:80].rstrip("-")
    return f"{stem or 'draft'}.{ext}"
