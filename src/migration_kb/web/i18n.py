"""The UI language: ?lang= in the URL, else the browser's Accept-Language, else English."""

from __future__ import annotations

from flask import g, request

from ..config import LANGUAGES


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or "en"


def ui_lang() -> str:
    lang = getattr(g, "ui_lang", None)
    if lang is None:
        lang = g.ui_lang = select_locale()
    return lang


def asked_lang() -> str | None:
    """The language named in the URL (kept in links), or None when it came from the browser."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else None
