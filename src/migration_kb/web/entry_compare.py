"""An entry as experts check it: as it will read (the editor's preview, the review page), and what changed
between two versions, field by field and word by word (the review page, the history's diff).

Both read plain record dicts (`Entry.to_dict()`, a revision's record, or the editor form's values), so a
version the vocabularies no longer accept still shows.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from ..drafting.words import source_line
from ..render import markdown_to_html
from .labels import entry_state, label, practice_status

TAG_FIELDS = ("themes", "blocs", "countries", "topics", "target_groups")
VOCABULARY = {"themes": "theme", "blocs": "bloc", "countries": "country", "topics": "topic",
              "target_groups": "target_group"}


def field_names() -> dict[str, str]:
    """The fields' names as the editor's form calls them, in the UI language."""
    return {"id": _("Identifier"), "title": _("Title"), "summary": _("Summary"), "language": _("Language of the text"),
            "body": _("Text"), "themes": _("Themes"), "countries": _("Countries"), "blocs": _("Region blocs"),
            "topics": _("Topics"), "target_groups": _("Target groups"), "instrument": _("Instrument"),
            "year_start": _("From year"), "year_end": _("To year"), "status": _("Status"),
            "superseded_by": _("Replaced by"), "verified": _("Facts checked on"), "panel": _("Workshop panel"),
            "findings": _("Findings"), "sources": _("Sources"), "contributor": _("Contributor"),
            "focal_point": _("Focal point"), "state": _("State")}


def _tags(record: dict, name: str) -> list[str]:
    values = record.get(name) or []
    if isinstance(values, str):  # the editor form's countries: "MX, CA"
        values = [v.strip() for v in values.split(",") if v.strip()]
    return [label(VOCABULARY[name], v) for v in values]


def _findings(record: dict) -> list[tuple[str, str]]:
    return [(f.get("kind") or "", f.get("text") or "") for f in record.get("findings") or []
            if (f.get("text") or "").strip()]


def _sources(record: dict) -> list[str]:
    return [source_line(src) for src in record.get("sources") or [] if any(str(v).strip() for v in src.values() if v)]


def as_it_reads(record: dict) -> dict:
    """What the entry page shows of a record, with names in the UI language and the body rendered (sanitised)."""
    return {"title": record.get("title") or "", "summary": record.get("summary") or "",
            "language": record.get("language") or "en", "body": markdown_to_html(record.get("body") or ""),
            "tags": [(field_names()[name], _tags(record, name)) for name in TAG_FIELDS if _tags(record, name)],
            "findings": [(label("finding_kind", kind) if kind else "", text) for kind, text in _findings(record)],
            "sources": _sources(record)}


# -- what changed, word by word ---------------------------------------------------------------------------
WORDS = re.compile(r"\s+|[^\s]+")


@dataclass
class FieldChange:
    name: str
    pieces: list[tuple[str, str]]  # ("same" | "del" | "ins", text)


def _text_of(record: dict | None, name: str) -> str:
    """A field as one text that reads like the entry: tags by their names, findings and sources one a line."""
    if not record:
        return ""
    if name in TAG_FIELDS:
        return ", ".join(_tags(record, name))
    if name == "findings":
        return "\n".join(f"{label('finding_kind', k)}: {t}" for k, t in _findings(record))
    if name == "sources":
        return "\n".join(_sources(record))
    value = record.get(name)
    if name == "status" and value:
        return practice_status(value)
    if name == "language" and value:
        return label("language", value)
    if name == "state" and value:
        return entry_state(value)
    if isinstance(value, dict):  # a contributor or a focal point; a focal point's address is never shown
        return ", ".join(str(v) for k, v in value.items() if v and k != "email")
    return "" if value is None else str(value)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The two texts as runs of unchanged, deleted and inserted words (spaces kept, so it reads as text)."""
    a, b = WORDS.findall(before), WORDS.findall(after)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def changes(before: dict | None, after: dict | None) -> list[FieldChange]:
    """The fields that differ between two records, in the form's order, each as a word diff."""
    names = field_names()
    out = []
    for name in names:
        old, new = _text_of(before, name), _text_of(after, name)
        if old != new:
            out.append(FieldChange(names[name], word_diff(old, new)))
    return out
