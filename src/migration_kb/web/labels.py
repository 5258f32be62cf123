"""Labels of facet values in the UI language (taxonomy terms, countries, languages)."""

from __future__ import annotations

from .i18n import ui_lang
from .services import kb


def label(vocabulary: str, value: str, lang: str | None = None) -> str:
    return kb().taxonomy.label(vocabulary, value, lang or ui_lang())


def term_note(vocabulary: str, value: str, lang: str | None = None) -> str:
    try:
        return kb().taxonomy.terms(vocabulary)[value].note(lang or ui_lang())
    except KeyError:
        return ""
