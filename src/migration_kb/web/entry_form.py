"""The entry editor's form: its fields <-> an entry's data (as files and the API give it), its in-place
edits (add, remove and reorder findings and sources; add a country), and errors placed beside fields.

The form never validates on its own: `data()` builds the same mapping a file's front matter gives, and
`records.validate_entry` judges it, so the web says exactly what `migration-kb check` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Invalid
from ..records import MAX_ID, MAX_ROW_ID, Entry, whole_number
from ..taxonomy import Taxonomy, fold

ROWS = {"findings": ("kind", "text", "topics"), "sources": ("title", "publisher", "year", "url")}
TERM_LISTS = ("themes", "topics", "blocs", "target_groups")
TEXTS = ("id", "title", "summary", "language", "countries", "instrument", "year_start", "year_end", "status",
         "superseded_by", "panel", "body", "contributor_name", "contributor_organization", "verified_date",
         "verified_by", "message", "minor", "focal_name", "focal_institution", "focal_role", "focal_email",
         "focal_email_remove")
ROW_KEY = re.compile(r"^(findings|sources)-(\d{1,3})-(\w+)$", re.ASCII)
OP = re.compile(r"^(add|remove|up|down):(findings|sources)(?::(\d{1,3}))?$", re.ASCII)


def empty_row(kind: str) -> dict[str, Any]:
    return {"kind": "", "text": "", "topics": []} if kind == "findings" else dict.fromkeys(ROWS["sources"], "")


def slug(title: str) -> str:
    """An id made from a title: 'Programa Pátria Grande' -> 'programa-patria-grande'."""
    words = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")
    if len(words) > MAX_ID:
        words = words[:MAX_ID].rsplit("-", 1)[0]
    return words


def field_slot(path: str) -> str:
    """Where an error of `validate_entry` is shown: 'themes[1]' beside themes, 'findings[0].topics[2]'
    beside that finding's topics, 'sources[1].url' beside that source's address."""
    path = re.sub(r"^(themes|topics|blocs|countries|target_groups)\[\d+\]$", r"\1", path)
    path = re.sub(r"^(findings\[\d+\]\.topics)\[\d+\]$", r"\1", path)
    return {"contributor.name": "contributor_name", "contributor.organization": "contributor_organization",
            "verified": "verified_date", "verified.date": "verified_date", "verified.by": "verified_by",
            "focal_point.name": "focal_name", "focal_point.institution": "focal_institution",
            "focal_point.role": "focal_role", "focal_point.email": "focal_email"}.get(path, path)


def dom_id(slot: str) -> str:
    """The HTML id of the field an error slot belongs to: 'sources[1].url' -> 'f-sources-1-url'."""
    return "f-" + re.sub(r"[^a-z0-9_]+", "-", slot).strip("-")


@dataclass
class EntryForm:
    values: dict[str, Any]
    version: int = 0  # the version the expert started from (0: a new entry)
    errors: dict[str, list[str]] = field(default_factory=dict)
    focus: str | None = None  # the field to focus after an in-place edit or a failed save

    # -- building -----------------------------------------------------------------------------------
    @classmethod
    def blank(cls) -> EntryForm:
        values: dict[str, Any] = dict.fromkeys(TEXTS, "")
        values.update({k: [] for k in TERM_LISTS}, language="en",
                      findings=[empty_row("findings")], sources=[empty_row("sources")])
        return cls(values)

    @classmethod
    def from_entry(cls, entry: Entry, version: int) -> EntryForm:
        data = entry.to_dict()
        values = {k: "" if data.get(k) is None else str(data[k]) for k in TEXTS if k in data}
        values.update({k: list(data[k]) for k in TERM_LISTS}, countries=", ".join(entry.countries), message="",
                      minor="",
                      contributor_name=(entry.contributor.name or "") if entry.contributor else "",
                      contributor_organization=(entry.contributor.organization or "") if entry.contributor else "",
                      verified_date=entry.verified.date if entry.verified else "",
                      verified_by=(entry.verified.by or "") if entry.verified else "",
                      # the focal point's address is never shown, not even here: only whether there is one
                      focal_name=entry.focal_point.name if entry.focal_point else "",
                      focal_institution=(entry.focal_point.institution or "") if entry.focal_point else "",
                      focal_role=(entry.focal_point.role or "") if entry.focal_point else "",
                      focal_email="", focal_email_remove="",
                      focal_email_on_file="1" if entry.focal_point and entry.focal_point.email else "",
                      findings=[{"kind": f.kind, "text": f.text, "topics": list(f.topics)} for f in entry.findings],
                      sources=[{k: "" if v is None else str(v) for k, v in s.items()} for s in data["sources"]])
        return cls(values, version=version)

    @classmethod
    def from_request(cls, form) -> EntryForm:
        values: dict[str, Any] = {k: form.get(k, "").replace("\r\n", "\n") for k in TEXTS}
        values.update({k: in_authors_order(form.getlist(k), form.get(f"{k}_order", "")) for k in TERM_LISTS})
        for kind, names in ROWS.items():
            numbers = sorted({int(m.group(2)) for m in map(ROW_KEY.match, form.keys()) if m and m.group(1) == kind})
            values[kind] = [{name: (form.getlist(f"{kind}-{n}-{name}") if name == "topics"
                                    else form.get(f"{kind}-{n}-{name}", "").strip()) for name in names}
                            for n in numbers]
        values["country_pick"] = form.get("country_pick", "")
        values["focal_email_on_file"] = form.get("focal_email_on_file", "")
        version = form.get("version", "0")
        number = whole_number(version, MAX_ROW_ID)  # ASCII digits only: "²".isdigit() too, but int() refuses it
        return cls(values, version=-1 if number is None else number)

    # -- in-place edits -------------------------------------------------------------------------------
    def apply(self, op: str) -> bool:
        """Do an in-place edit named by the button pressed; False when `op` is not one (a save, a preview)."""
        if op == "add:country":
            pick = self.values.get("country_pick", "")
            if pick:
                self.values["countries"] = ", ".join(c for c in (self.values["countries"].strip(" ,"), pick) if c)
            self.focus = "f-countries"
            return True
        m = OP.match(op or "")
        if not m:
            return False
        action, kind, number = m.group(1), m.group(2), int(m.group(3) or 0)
        rows = self.values[kind]
        if action == "add":
            rows.append(empty_row(kind))
            self.focus = f"f-{kind}-{len(rows) - 1}-{ROWS[kind][1] if kind == 'findings' else 'title'}"
        elif number < len(rows) and action == "remove":
            rows.pop(number)
            self.focus = f"add-{kind}"
        elif number < len(rows):
            other = number - 1 if action == "up" else number + 1
            if 0 <= other < len(rows):
                rows[number], rows[other] = rows[other], rows[number]
                number = other
            self.focus = f"{action}-{kind}-{number}"
        return True

    def prune(self) -> None:
        """Drop rows left wholly empty (an 'add' pressed but never filled), before validation numbers them."""
        self.values["findings"] = [f for f in self.values["findings"] if f["text"].strip() or f["topics"]]
        self.values["sources"] = [s for s in self.values["sources"] if any(v.strip() for v in s.values())]

    # -- to the record ----------------------------------------------------------------------------------
    def data(self, tax: Taxonomy, entry_id: str | None) -> dict[str, Any]:
        """The mapping `validate_entry` reads: the fields of an entry file's front matter, plus body."""
        v = self.values
        data: dict[str, Any] = {k: v[k] for k in ("title", "summary", "language", "instrument", "year_start",
                                                  "year_end", "status", "superseded_by", "panel", "body")}
        data.update({k: list(v[k]) for k in TERM_LISTS})
        data["id"] = entry_id or v["id"].strip() or slug(v["title"]) or None
        data["countries"] = resolve_countries(v["countries"], tax)
        name, organization = v["contributor_name"].strip(), v["contributor_organization"].strip()
        data["contributor"] = {"name": name, "organization": organization} if name or organization else None
        checked, checker = v["verified_date"].strip(), v["verified_by"].strip()
        data["verified"] = {"date": checked, "by": checker or None} if checked or checker else None
        focal = {k: v[f"focal_{k}"].strip() for k in ("name", "institution", "role", "email")}
        data["focal_point"] = {k: x for k, x in focal.items() if x} if any(focal.values()) else None
        data["sources"] = [dict(s) for s in v["sources"]]
        data["findings"] = [{"kind": f["kind"], "text": f["text"], "topics": list(f["topics"])}
                            for f in v["findings"]]
        return data

    def set_errors(self, exc: Invalid) -> None:
        for e in exc.field_errors():
            self.errors.setdefault(field_slot(e.field), []).append(e.message)
        self.focus = "error-summary"

    def suggested_blocs(self, tax: Taxonomy) -> list[str]:
        """Blocs the chosen countries belong to (full or associate members), in the taxonomy's order."""
        codes = set(resolve_countries(self.values["countries"], tax))
        return [b for b in tax.blocs if any(b in tax.blocs_of_country(c) for c in codes)]


def in_authors_order(checked: list[str], order: str) -> list[str]:
    """Ticked tags in the order the entry had them (the form's hidden `<list>_order`), newly ticked ones
    after: the boxes come in the taxonomy's order, and the first theme decides a finding's draft section."""
    checked = [v for v in checked if v]
    before = [v for v in order.split() if v in checked]
    return before + [v for v in checked if v not in before]


def resolve_countries(text: str, tax: Taxonomy) -> list[str]:
    """'MX, Canada, estados unidos' -> ['MX', 'CA', 'US']; what it cannot read stays as typed, so the
    validator names it (with a suggestion)."""
    tokens = []
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if re.fullmatch(r"[A-Za-z]{2}(\s+[A-Za-z]{2})+", part):
            tokens.extend(part.split())
        elif part:
            tokens.append(part)
    by_name = {phrase: c.code for c in tax.countries.values() for phrase in c.phrases()}
    out = []
    for token in tokens:
        code = token.upper() if token.upper() in tax.countries else by_name.get(fold(token), token)
        out.append(code)
    return out
