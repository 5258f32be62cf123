"""Entry and event files (Markdown with YAML front matter) <-> records.

Every problem is reported with the file, the field and, where the YAML is at fault, the line.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .records import ENTRY_FIELDS, Entry, Event, FieldError, ValidationError, validate_entry, validate_event

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: bulk imports parse fast
MAX_FILE_BYTES = 1_000_000  # a case entry is a few pages; anything larger is a mistake or an attack
FRONT = "---"


@dataclass
class ParsedFile:
    """One file read from disk: its front matter and body, or the errors that stopped the reading."""

    path: Path
    shown: str  # the path as the operator should see it in messages
    kind: str  # "entry" | "event"
    data: dict[str, Any] | None = None
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.path.stem


def kind_of(path: Path) -> str:
    return "event" if path.parent.name == "events" else "entry"


def read_file(path: Path, shown: str | None = None) -> ParsedFile:
    shown = shown or str(path)
    parsed = ParsedFile(path=path, shown=shown, kind=kind_of(path))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            parsed.errors.append(f"{shown}: the file is {size / 1_000_000:.1f} MB; an entry file may be at most "
                                 f"{MAX_FILE_BYTES // 1_000_000} MB")
            return parsed
        raw = path.read_bytes()
    except OSError as exc:
        parsed.errors.append(f"{shown}: cannot be read ({exc.strerror or exc})")
        return parsed
    if b"\x00" in raw:
        parsed.errors.append(f"{shown}: is a binary file, not a Markdown text file")
        return parsed
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        parsed.errors.append(f"{shown}:{line}: is not valid UTF-8 (byte {exc.start}); save the file as UTF-8")
        return parsed
    try:
        parsed.data, parsed.lines = parse_text(text)
    except ValidationError as exc:
        parsed.errors.extend(exc.messages() if exc.where else [e.format(shown) for e in exc.errors])
    return parsed


def parse_text(text: str) -> tuple[dict[str, Any], dict[str, int]]:
    """Split front matter from body; returns the field mapping (with `body`) and field -> file line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT:
        raise ValidationError([FieldError("", "has no front matter: the file must start with a line '---', "
                                              "then the YAML fields, then another '---'", 1)])
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FRONT)
    except StopIteration:
        raise ValidationError([FieldError("", "the front matter is not closed: add a line '---' after the "
                                              "YAML fields", 1)]) from None
    front = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    try:
        loader = _Loader(front)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationError([FieldError("", f"the front matter is not valid YAML: {problem}", line)]) from None
    except (ValueError, OverflowError) as exc:  # YAML read a date such as 2024-02-30 that does not exist
        raise ValidationError([FieldError("", f"the front matter holds an impossible date: {exc}", None)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", "the front matter must be YAML fields (key: value), "
                                              f"not a {type(data).__name__}", 2)])
    if "body" in data:
        raise ValidationError([FieldError("body", "belongs below the front matter, not in it",
                                          _field_lines(node, 2).get("body"))])
    data["body"] = body
    return data, _field_lines(node, 2)


def _field_lines(node, offset: int) -> dict[str, int]:
    """Map `field`, `list[i]` and `list[i].field` to their line in the file."""
    out: dict[str, int] = {}

    def walk(n, path: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                name = f"{path}.{key.value}" if path else str(key.value)
                out.setdefault(name, key.start_mark.line + offset)
                walk(value, name)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                out.setdefault(f"{path}[{i}]", item.start_mark.line + offset)
                walk(item, f"{path}[{i}]")

    if node is not None:
        walk(node, "")
    return out


def to_record(parsed: ParsedFile, known_panels: set[str] | None = None) -> Entry | Event:
    """Validate a parsed file into its record; raises ValidationError located in that file."""
    try:
        if parsed.kind == "event":
            return validate_event(parsed.data, expected_id=parsed.stem, lines=parsed.lines)
        return validate_entry(parsed.data, expected_id=parsed.stem, lines=parsed.lines,
                              known_panels=known_panels)
    except ValidationError as exc:
        raise ValidationError(exc.errors, where=parsed.shown) from None


# -- finding files ---------------------------------------------------------------------------------
def _notes_for_people(path: Path) -> bool:
    """README.md, CHECKS.md...: a folder's notes, written in capitals; an entry's id is never upper-case."""
    return path.stem.isupper() or path.name.lower() == "readme.md"


def collect(paths: list[str | os.PathLike]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Expand files and folders into (path, shown) pairs of .md files, events first.

    A folder's files must stay inside it: a link pointing outside the folder given is refused.
    """
    found: list[tuple[Path, str]] = []
    errors: list[str] = []
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if not root.exists():
            errors.append(f"{given}: no such file or folder")
            continue
        if root.is_file():
            candidates = [(root, str(given))]
            base = None
        else:
            base = root.resolve()
            candidates = [(p, str(p)) for p in sorted(root.rglob("*.md"))
                          if not _notes_for_people(p) and not any(part.startswith(".") for part in p.parts)]
        for path, shown in candidates:
            real = path.resolve()
            if base is not None and not real.is_relative_to(base):
                errors.append(f"{shown}: points outside {given} (to {real}); refusing to read it")
                continue
            if real in seen:
                continue
            seen.add(real)
            found.append((path, shown))
    found.sort(key=lambda item: (kind_of(item[0]) != "event", item[1]))
    return found, errors


def sibling_events(paths: list[str | os.PathLike]) -> list[Path]:
    """Event files next to the entries being read (kb/events beside kb/entries), for panel references."""
    out: set[Path] = set()
    for given in paths:
        p = Path(given).resolve()
        folder = p if p.is_dir() else p.parent
        for candidate in (folder / "events", folder.parent / "events"):
            if candidate.is_dir():
                out.update(x for x in candidate.glob("*.md") if x.name.lower() != "readme.md")
    return sorted(out)


# -- writing ---------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper, value: list):
    flow = all(isinstance(v, (str, int)) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110,
                     default_flow_style=False)


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v not in (None, [], (), "", {})}
    if isinstance(value, (list, tuple)):
        return [_compact(v) for v in value]
    return value


def entry_to_text(entry: Entry) -> str:
    data = entry.to_dict()
    body = data.pop("body")
    front = {k: data[k] for k in ENTRY_FIELDS if k != "body" and k in data}
    front = _compact(front)
    if entry.verified and not entry.verified.by:
        front["verified"] = datetime.date.fromisoformat(entry.verified.date)  # the short form experts write
    if entry.year_start is not None and entry.year_end is None and entry.status == "active":
        front["year_end"] = None  # ongoing, said explicitly as in the format's example
        front = {k: front[k] for k in ENTRY_FIELDS if k in front}
    return f"{FRONT}\n{_dump(front)}{FRONT}\n\n{body}"


def event_to_text(event: Event) -> str:
    data = event.to_dict()
    body = data.pop("body")
    return f"{FRONT}\n{_dump(_compact(data))}{FRONT}\n\n{body}"
