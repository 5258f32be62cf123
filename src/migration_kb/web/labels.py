"""Words the pages show for ids: vocabulary labels (from the taxonomy) and the UI's own small vocabularies.

Everything here answers in the UI language of the request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

import yaml
from flask_babel import gettext as _

from ..config import resource_dir
from .i18n import ui_lang
from .lifecycle import lifecycles
from .services import kb


def label(vocabulary: str, value: str, lang: str | None = None) -> str:
    return kb().taxonomy.label(vocabulary, value, lang or ui_lang())


def term_note(vocabulary: str, value: str, lang: str | None = None) -> str:
    try:
        return kb().taxonomy.terms(vocabulary)[value].note(lang or ui_lang())
    except KeyError:
        return ""


def facet_name(facet: str) -> str:
    """The heading of a facet (and of its chip)."""
    return {"theme": _("Theme"), "bloc": _("Region bloc"), "country": _("Country"), "topic": _("Topic"),
            "target_group": _("Target group"), "instrument": _("Instrument"), "language": _("Language"),
            "years": _("Years")}.get(facet, facet)


def member_status(status: str) -> str:
    """A state's standing in a bloc."""
    return {"full": _("full member"), "associate": _("associate member"), "suspended": _("suspended"),
            "observer": _("observer")}.get(status, status)


def practice_status(status: str) -> str:
    return {"active": _("active"), "completed": _("completed"), "planned": _("planned"),
            "unknown": _("unknown")}.get(status, status)


def entry_state(state: str) -> str:
    """Where an entry stands in the editorial workflow (shown to those who may see unpublished entries)."""
    return {"draft": _("draft"), "review": _("in review"), "published": _("published"),
            "archived": _("archived")}.get(state, state)


def finding_kind_heading(kind: str) -> str:
    """The heading over an entry's findings of one kind (plural)."""
    return {"strength": _("Strengths"), "difficulty": _("Difficulties"), "lesson": _("Lessons learned"),
            "recommendation": _("Recommendations")}.get(kind, kind)


def sort_name(sort: str) -> str:
    return {"relevance": _("relevance"), "newest": _("newest first"), "title": _("title (A–Z)")}.get(sort, sort)


# Babel's (CLDR's) "long" date in each UI language, written out: Babel's own formatting loads the whole locale
# data of each language it is asked for, about 1.6 MB apiece in a serving process, for these few words.
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}
LONG_DATE = {"en": "{month} {day}, {year}", "es": "{day} de {month} de {year}", "pt": "{day} de {month} de {year}",
             "fr": "{day} {month} {year}"}


def long_date(value: date | datetime | str, lang: str | None = None) -> str:
    """'March 7, 2025', '7 de marzo de 2025', '7 mars 2025'... (a datetime is taken in UTC, as Flask-Babel does;
    a string is an ISO date)."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = (value.astimezone(UTC) if value.tzinfo else value).date()
    lang = lang if lang in LONG_DATE else ui_lang()
    return LONG_DATE[lang].format(day=value.day, month=MONTHS[lang][value.month - 1], year=value.year)


@cache
def _translations(name: str) -> dict:
    """data/translations/<name>.yaml: the words of the vocabularies and events in en/es/pt/fr."""
    return yaml.safe_load((resource_dir("data") / "translations" / f"{name}.yaml").read_text(encoding="utf-8"))


def founding_instrument(bloc) -> str:
    """A bloc's founding treaty in the UI language (the taxonomy's English name when there is no translation)."""
    names = _translations("founding_instruments").get(bloc.id, {})
    return names.get(ui_lang()) or bloc.founding_instrument or ""


def event_text(event_id: str, field: str, printed: str | None, panel: str | None = None) -> str:
    """An event's title, place or organizer, or (field "panels") a panel's title, in the UI language; the
    event file's own (printed, English) words when there is no translation."""
    texts = _translations("events").get(event_id, {}).get(field, {})
    texts = texts.get(panel, {}) if panel else texts
    return texts.get(ui_lang()) or printed or ""


TEMPLATE_HELPERS = {"label": label, "term_note": term_note, "facet_name": facet_name, "member_status": member_status,
                    "practice_status": practice_status, "entry_state": entry_state,
                    "finding_kind_heading": finding_kind_heading, "sort_name": sort_name, "long_date": long_date,
                    "founding_instrument": founding_instrument, "event_text": event_text, "lifecycles": lifecycles}
