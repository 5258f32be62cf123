"""Every change to a draft, each recorded as a new version (`history.record`). A change that cannot be made
as asked raises `DraftError` (or `BadFindings`) and changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import BadFindings, DraftError
from ..models import Draft, DraftItem, DraftSection, DraftShare, EntryRow, EventRow, FindingRow, User
from ..records import ID_RE, clean_text, whole_number
from ..taxonomy import Taxonomy
from .access import Person, may_draft, owns
from .history import record
from .sections import GROUPINGS, section_choices
from .view import build_view

MAX_TITLE, MAX_TEXT, MAX_IDS = 300, 50_000, 500


def _title(title: str | None) -> str:
    title, fault = clean_text(title or "")  # the rule of every text, entries' and drafts'
    if fault:
        raise DraftError(fault, field="title")
    title = " ".join(title.split())
    if not title:
        raise DraftError("a draft needs a title", field="title")
    if len(title) > MAX_TITLE:
        raise DraftError(f"at most {MAX_TITLE} characters (this one has {len(title)})", field="title")
    return title


def _event(s: Session, event_id: str | None) -> str | None:
    if not event_id:
        return None
    if s.get(EventRow, event_id) is None:
        raise DraftError(f"there is no event {event_id[:80]!r}", field="event")
    return event_id


def create_draft(s: Session, owner: User, title: str, event_id: str | None = None) -> Draft:
    draft = Draft(title=_title(title), owner_id=owner.id, event_id=_event(s, event_id), grouping="theme",
                  intro="", version=0)
    s.add(draft)
    s.flush()
    record(s, draft, owner, "created")
    return draft


def update_settings(s: Session, draft: Draft, user: User, *, title: str, event_id: str | None,
                    grouping: str) -> None:
    if grouping not in GROUPINGS:
        raise DraftError(f"{grouping[:20]!r} is not one of {', '.join(GROUPINGS)}", field="grouping")
    draft.title, draft.event_id = _title(title), _event(s, event_id)
    if grouping != draft.grouping:
        draft.grouping = grouping
        for item in draft.items:  # a new grouping puts every finding back in its generated section
            item.section = None
    record(s, draft, user, "settings")


def parse_finding_id(finding_id: object) -> tuple[str, int] | None:
    if not isinstance(finding_id, str) or finding_id.count(":") != 1:
        return None
    entry_id, pos = finding_id.split(":")
    position = whole_number(pos, 9_999)  # ASCII digits: `entry:²` and `entry:١` are no finding's id
    if not ID_RE.match(entry_id) or len(entry_id) > 80 or not position:
        return None
    return entry_id, position


@dataclass
class Added:
    added: list[str]
    already: list[str]  # cited before: skipped
    findings: int  # how many the draft now cites


def add_findings(s: Session, draft: Draft, user: User, finding_ids: Iterable[object]) -> Added:
    """Cite these findings of published entries; all or nothing. Ids already in the draft are skipped."""
    finding_ids = list(finding_ids)
    if not finding_ids:
        raise DraftError("choose at least one finding", field="finding_ids")
    if len(finding_ids) > MAX_IDS:
        raise DraftError(f"at most {MAX_IDS} at a time", field="finding_ids")
    problems, wanted = [], {}
    for fid in finding_ids:
        parsed = parse_finding_id(fid)
        if parsed is None:
            problems.append((str(fid)[:100], "not a finding id (expected '<entry id>:<position>')"))
        else:
            wanted[fid] = parsed
    found = {}
    if wanted:
        entry_ids = {e for e, _ in wanted.values()}
        rows = s.execute(select(FindingRow).join(EntryRow, EntryRow.id == FindingRow.entry_id)
                         .where(FindingRow.entry_id.in_(entry_ids), EntryRow.state == "published")).scalars()
        found = {(f.entry_id, f.position): f for f in rows}
    for fid, key in wanted.items():
        if key not in found:
            problems.append((fid, "no such finding in a published entry"))
    if problems:
        raise BadFindings(problems)
    present = {(i.entry_id, i.finding_position) for i in draft.items}
    added, already = [], []
    last = max((i.position for i in draft.items), default=0)
    for fid, key in wanted.items():
        if key in present:
            already.append(fid)
            continue
        finding = found[key]
        last += 1
        draft.items.append(DraftItem(entry_id=key[0], finding_position=key[1], cited_kind=finding.kind,
                                     cited_text=finding.text, position=last, note=""))
        present.add(key)
        added.append(fid)
    if added:
        record(s, draft, user, f"added {', '.join(added)}"[:300])
    return Added(added, already, len(draft.items))


def _item(draft: Draft, item_id: int) -> DraftItem:
    item = next((i for i in draft.items if i.id == item_id), None)
    if item is None:
        raise DraftError("this finding is no longer in the draft (someone may have removed it)")
    return item


def remove_item(s: Session, draft: Draft, user: User, item_id: int) -> None:
    item = _item(draft, item_id)
    draft.items.remove(item)
    record(s, draft, user, f"removed {item.entry_id}:{item.finding_position}")


def move_item(s: Session, draft: Draft, user: User, item_id: int, direction: str, taxonomy: Taxonomy) -> None:
    """Up or down within its section (swaps places with its neighbour)."""
    item = _item(draft, item_id)
    view = build_view(s, draft, taxonomy)
    for section in view.sections:
        ids = [c.item_id for c in section.items]
        if item.id in ids:
            at = ids.index(item.id)
            other = at - 1 if direction == "up" else at + 1
            if 0 <= other < len(ids):
                neighbour = _item(draft, ids[other])
                item.position, neighbour.position = neighbour.position, item.position
                record(s, draft, user, f"moved {item.entry_id}:{item.finding_position} {direction}")
            return


def move_to_section(s: Session, draft: Draft, user: User, item_id: int, section: str,
                    taxonomy: Taxonomy) -> None:
    item = _item(draft, item_id)
    if section not in section_choices(draft.grouping, taxonomy):
        raise DraftError(f"{section[:120]!r} is not a section of this draft", field="section")
    item.section = section
    item.position = max((i.position for i in draft.items), default=0) + 1  # last of its new section
    record(s, draft, user, f"moved {item.entry_id}:{item.finding_position} to {section}")


def accept_change(s: Session, draft: Draft, user: User, item_id: int) -> None:
    """Cite the finding's current text (the 'changed' mark goes away)."""
    item = _item(draft, item_id)
    current = s.scalar(select(FindingRow).where(FindingRow.entry_id == item.entry_id,
                                                FindingRow.position == item.finding_position))
    if current is None:
        raise DraftError("this finding was removed from its entry; remove it from the draft instead")
    item.cited_kind, item.cited_text = current.kind, current.text
    record(s, draft, user, f"accepted the new text of {item.entry_id}:{item.finding_position}")


def set_text(s: Session, draft: Draft, user: User, section: str, text: str, taxonomy: Taxonomy) -> None:
    """The rapporteur's own Markdown: for a section, or (section "") the introduction."""
    set_texts(s, draft, user, {section: text}, taxonomy)


def set_texts(s: Session, draft: Draft, user: User, texts: dict[str, str], taxonomy: Taxonomy) -> None:
    """Every text of the draft's page in one save (section "" is the introduction): one version, naming
    what changed; none when nothing did. One save for all the boxes, so no typed text is dropped."""
    changed = []
    for section, raw in texts.items():
        text, fault = clean_text((raw or "").strip())  # the rule of every text, entries' and drafts'
        if fault:
            raise DraftError(fault, field="text")
        if len(text) > MAX_TEXT:
            raise DraftError(f"at most {MAX_TEXT} characters", field="text")
        if not section:
            if draft.intro != text:
                draft.intro = text
                changed.append("the introduction")
            continue
        if section not in section_choices(draft.grouping, taxonomy):
            raise DraftError(f"{section[:120]!r} is not a section of this draft", field="section")
        row = s.get(DraftSection, (draft.id, section))
        if row is None:
            row = DraftSection(draft_id=draft.id, section=section, text="")
            s.add(row)
        if row.text != text:
            row.text = text
            changed.append(section)
    if changed or len(texts) == 1:  # a single box saved keeps its old message, even unchanged
        record(s, draft, user, "wrote " + ", ".join(changed or [next(iter(texts)) or "the introduction"]))


def share(s: Session, draft: Draft, owner: User, name: str) -> Person:
    """Let a colleague (who may draft) see and edit the draft."""
    if not owns(draft, owner):
        raise DraftError("only the draft's owner shares it", status=403)
    colleague = s.scalar(select(User).where(User.name == (name or "").strip()))
    if colleague is None or colleague.disabled:
        raise DraftError(f"there is no active user named {(name or '').strip()[:80]!r}", field="colleague")
    if colleague.id == owner.id:
        raise DraftError("this draft is already yours", field="colleague")
    if not may_draft(colleague):
        raise DraftError(f"{colleague.name} is a {colleague.role}; only rapporteurs and admins draft",
                         field="colleague")
    if s.get(DraftShare, (draft.id, colleague.id)) is None:
        s.add(DraftShare(draft_id=draft.id, user_id=colleague.id))
        record(s, draft, owner, f"shared with {colleague.name}")
    return Person(colleague.id, colleague.name)


def unshare(s: Session, draft: Draft, owner: User, user_id: int) -> None:
    if not owns(draft, owner):
        raise DraftError("only the draft's owner stops sharing it", status=403)
    row = s.get(DraftShare, (draft.id, user_id))
    if row is not None:
        s.delete(row)
        record(s, draft, owner, "stopped sharing with a colleague")


def delete_draft(s: Session, draft: Draft, owner: User) -> None:
    if not owns(draft, owner):
        raise DraftError("only the draft's owner deletes it", status=403)
    s.delete(draft)
