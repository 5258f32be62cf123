"""Checking and importing entry/event files: every error in every file, then all-or-nothing."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import embeddings
from .db import Database
from .entryfiles import ParsedFile, collect, read_file, sibling_events, to_record
from .records import Entry, Event, ValidationError, panel_refs
from .store import NEVER_SAVED, all_events, entry_states, save_entry, save_event


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    entries: dict[str, int] = field(default_factory=lambda: {"added": 0, "changed": 0, "unchanged": 0})
    events: dict[str, int] = field(default_factory=lambda: {"added": 0, "changed": 0, "unchanged": 0})
    files: int = 0
    valid: int = 0
    imported: bool = False

    def summary(self) -> str:
        e, v = self.entries, self.events
        return (f"entries: {e['added']} added, {e['changed']} changed, {e['unchanged']} unchanged; "
                f"events: {v['added']} added, {v['changed']} changed, {v['unchanged']} unchanged")


Progress = Callable[[int], None]


@dataclass
class Batch:
    """Files read and validated together: the records that passed, and every error of the rest."""

    records: list[tuple[ParsedFile, Entry | Event]]
    errors: list[str]
    files: int


def validate_paths(paths: list[str | os.PathLike], *, extra_panels: set[str] = frozenset(),
                   extra_entries: set[str] = frozenset(), progress: Progress | None = None) -> Batch:
    found, errors = collect(paths)
    parsed = []
    for path, shown in found:
        parsed.append(read_file(path, shown))
        if progress:
            progress(1)
    errors = list(errors)
    records: list[tuple[ParsedFile, Entry | Event]] = []
    events: list[Event] = []
    # Events first: entries refer to their panels.
    for p in (p for p in parsed if p.kind == "event"):
        if p.errors:
            errors.extend(p.errors)
            continue
        try:
            ev = to_record(p)
        except ValidationError as exc:
            errors.extend(exc.messages())
            continue
        records.append((p, ev))
        events.append(ev)
    context = _context_events(paths, {e.id for e in events})
    known = panel_refs(events) | panel_refs(context) | set(extra_panels)
    seen: dict[str, str] = {}
    for p in (p for p in parsed if p.kind == "entry"):
        if p.errors:
            errors.extend(p.errors)
            continue
        try:
            entry = to_record(p, known_panels=known)
        except ValidationError as exc:
            errors.extend(exc.messages())
            continue
        if entry.id in seen:
            errors.append(f"{p.shown}: id: {entry.id!r} is also the id of {seen[entry.id]}")
            continue
        seen[entry.id] = p.shown
        records.append((p, entry))
    errors.extend(_unknown_successors(records, seen.keys() | extra_entries))
    return Batch(records=records, errors=errors, files=len(found))


def _unknown_successors(records, known: set[str]) -> list[str]:
    """`superseded_by` must name an entry of the batch, of the database, or a file beside the entry."""
    out = []
    for p, r in records:
        target = getattr(r, "superseded_by", None)
        if target and target not in known and not (Path(p.path).parent / f"{target}.md").is_file():
            out.append(f"{p.shown}: superseded_by: no entry {target!r} (neither imported nor beside this file)")
    return out


def _context_events(paths, already: set[str]) -> list[Event]:
    """Events beside the entries given (kb/events next to kb/entries), so entries can be checked alone."""
    out = []
    for path in sibling_events(paths):
        p = read_file(path)
        if p.errors or p.stem in already:
            continue
        try:
            out.append(to_record(p))
        except ValidationError:
            continue  # reported when that event file itself is checked
    return out


def check_paths(paths, progress: Progress | None = None) -> Report:
    batch = validate_paths(paths, progress=progress)
    return Report(errors=batch.errors, files=batch.files, valid=len(batch.records))


def import_paths(db: Database, paths, *, partial: bool = False, state: str = "published",
                 author_id: int | None = None, progress: Progress | None = None,
                 embedding_progress: embeddings.ProgressBar = None) -> Report:
    """Validate then import. All-or-nothing unless `partial`; what the operator imports is published."""
    with db.session() as s:
        db_panels = panel_refs(all_events(s))
        db_entries = set(entry_states(s))
    batch = validate_paths(paths, extra_panels=db_panels, extra_entries=db_entries, progress=progress)
    if state == "published":  # the store would refuse these; say so now, with every other error
        unsourced = [(p, r) for p, r in batch.records if isinstance(r, Entry) and not r.sources]
        batch.errors += [f"{p.shown}: sources: an entry needs at least one source before it is published"
                         for p, _ in unsourced]
        batch.records = [item for item in batch.records if item not in unsourced]
    report = Report(errors=batch.errors, files=batch.files, valid=len(batch.records))
    if batch.errors and not partial:
        return report
    _save(db, [(kb_path(parsed.path, paths), record) for parsed, record in batch.records], report, state, author_id,
          embedding_progress)
    return report


def _save(db: Database, records: list[tuple[str, Entry | Event]], report: Report, state: str,
          author_id: int | None, embedding_progress: embeddings.ProgressBar = None) -> None:
    """Write the records, each labelled by where it came from, in one transaction (all or nothing)."""
    with db.session() as s:
        known = entry_states(s)
        changed = [r for _, r in records
                   if isinstance(r, Entry) and known.get(r.id, NEVER_SAVED)[0] != r.content_hash()]
        embeddings.compute(s, changed, progress=embedding_progress)  # in batches, on both cores
        with embeddings.deferred():  # computed above: the saves need not look each one up
            for label, record in records:
                if isinstance(record, Event):
                    report.events[save_event(s, record)] += 1
                    continue
                current = known.get(record.id, NEVER_SAVED)
                if current[0] == record.content_hash():
                    # An unchanged file (e.g. from `export`) leaves the entry and its workflow state alone:
                    # re-importing an export must not publish drafts or bring back archived entries.
                    report.entries["unchanged"] += 1
                    continue
                result = save_entry(s, record, state=state, author_id=author_id, message=f"imported {label}",
                                    known=current)
                report.entries[result.outcome] += 1
    report.imported = True


def import_workbook(db: Database, path: Path, *, partial: bool = False, state: str = "published",
                    author_id: int | None = None) -> Report:
    """A spreadsheet (xlsx, or entries.csv with findings.csv and sources.csv beside it): every row checked by
    the one validation, then all-or-nothing like files (or only the valid rows with `partial`)."""
    from .taxonomy import load as load_taxonomy
    from .workbooks import read_entries, read_sheets

    sheets = read_sheets(Path(path))  # WorkbookError when it is no workbook at all
    with db.session() as s:
        panels, ids = panel_refs(all_events(s)), set(entry_states(s))
    reading = read_entries(sheets, load_taxonomy(), known_panels=panels, known_entries=ids,
                           require_sources=state == "published")
    report = Report(errors=reading.errors, files=1, valid=len(reading.entries))
    if reading.errors and not partial:
        return report
    _save(db, [(f"{Path(path).name} row {number}", entry) for number, entry in reading.entries], report, state,
          author_id)
    return report


def all_entries(db: Database) -> list[Entry]:
    """Every entry, in id order."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from .models import EntryRow
    from .store import row_to_entry

    with db.session() as s:
        rows = s.scalars(select(EntryRow).options(selectinload(EntryRow.tags), selectinload(EntryRow.findings))
                         .order_by(EntryRow.id))
        return [row_to_entry(row) for row in rows]


def compute_missing_meanings(db: Database, progress: embeddings.ProgressBar = None) -> int:
    """Vectors for the published entries saved while the encoder was not available (or under another
    model): `reindex` runs this before it rebuilds. Returns how many were computed."""
    from .store import published_entries

    with db.session() as s:
        ids = embeddings.missing_ids(s)
        entries = [entry for start in range(0, len(ids), 1000)
                   for entry, _, _ in published_entries(s, ids[start:start + 1000])]
        return embeddings.compute(s, entries, progress=progress)


def kb_path(path: Path, given) -> str:
    """The file's path inside the knowledge base folder it was imported from (`entries/x.md`), or its name
    when it was given on its own: the history never names the server's file system."""
    for root in given:
        root = Path(root)
        if root.is_dir() and Path(path).is_relative_to(root):
            return Path(path).relative_to(root).as_posix()
    return Path(path).name


def export_all(db: Database, folder: Path, *, focal_emails: bool = False) -> tuple[int, int]:
    """Write every entry and event as files in the entry format; returns (entries, events) written. Focal
    points' e-mail addresses only with `focal_emails` (a backup to restore from); otherwise they are left out."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from .entryfiles import entry_to_text, event_to_text
    from .models import EntryRow
    from .store import row_to_entry

    (folder / "entries").mkdir(parents=True, exist_ok=True)
    (folder / "events").mkdir(parents=True, exist_ok=True)
    n_entries = 0
    with db.session() as s:
        events = all_events(s)
        rows = s.scalars(select(EntryRow).options(selectinload(EntryRow.tags), selectinload(EntryRow.findings))
                         .order_by(EntryRow.id))
        for row in rows:
            entry = row_to_entry(row)
            _write(folder / "entries" / f"{row.id}.md", entry_to_text(entry if focal_emails else entry.public()))
            n_entries += 1
    for ev in events:
        _write(folder / "events" / f"{ev.id}.md", event_to_text(ev))
    return n_entries, len(events)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a file
