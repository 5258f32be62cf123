"""The review workflow of an entry: draft -> review -> published -> archived, and who may move it.

Both the web editor and the JSON API go through `act`, so the rules live in one place:
- any expert (or admin) submits a draft for review, or reopens an archived entry;
- publication ("approve") and "request changes" need a second pair of eyes: an expert who is not an author
  of the entry (neither its creator nor whoever wrote the version under review), or an admin. A change to a
  published entry is a pending version (pending.py): approving it makes it the public text;
- archiving a published entry is an admin's step, or an expert's after someone else asked for it
  ("request_archive", with the reason): no expert alone hides an official practice;
- approving names the version the reviewer read: another current version is a StaleVersion (409);
- each step is an event (a row of `reviews`: who, which version, when, the comment), never a version of
  the entry's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import pending
from .accounts import Account
from .errors import N_, BadRequest, Conflict, DomainError, Forbidden, Invalid, NotFound
from .models import EntryRow, Review, Revision, User
from .store import SaveResult, StaleVersion, set_state

# What each role may do; a role holds only what it needs (least privilege). Every "may this user ..."
# question is asked of this table (`allowed`); no code compares roles. Besides them, an entry's creator sees
# it before publication (reads.entries.may_see) and a draft's owner and colleagues see it (drafting.access).
PERMISSIONS = {
    "reader": frozenset({"post"}),
    "expert": frozenset({"write_entries", "review_entries", "see_unpublished", "post", "answer",
                         "see_search_log"}),
    "rapporteur": frozenset({"draft", "post"}),
    "admin": frozenset({"write_entries", "review_entries", "see_unpublished", "publish_any", "manage_users",
                        "draft", "post", "answer", "see_search_log", "moderate", "open_calls"}),
}
# The community's permissions (issue 17): "post" a question or comment (every signed-in role), "answer" as an
# expert, "see_search_log" (what delegates could not find), "moderate" (hide and restore posts), "open_calls"
# (calls for practices).


def allowed(user: User | Account | None, permission: str) -> bool:
    return user is not None and permission in PERMISSIONS.get(user.role, frozenset())


class WorkflowError(Conflict):
    """The step cannot be taken from the entry's current state."""


class NotPermitted(Forbidden):
    """This user may not take the step."""


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]  # states the step starts from ("changed": published, with a pending version)
    target: str | None  # None: no change of state (a comment, a request)
    permission: str
    second_pair_of_eyes: bool = False
    needs_comment: bool = False


STEPS = {s.name: s for s in (
    Step("submit", frozenset({"draft"}), "review", "write_entries"),
    Step("approve", frozenset({"draft", "review", "changed"}), "published", "review_entries",
         second_pair_of_eyes=True),
    Step("request_changes", frozenset({"review", "changed"}), "draft", "review_entries", second_pair_of_eyes=True,
         needs_comment=True),
    Step("request_archive", frozenset({"published", "changed"}), None, "write_entries", needs_comment=True),
    Step("archive", frozenset({"published", "changed"}), "archived", "review_entries"),
    Step("reopen", frozenset({"archived"}), "draft", "write_entries"),
    Step("comment", frozenset(), None, "write_entries", needs_comment=True),
)}
# What `reviews.decision` says for each step (older rows say "changes" for a request for changes).
DECISION = {"request_changes": "changes"}


def step_state(s: Session, row: EntryRow) -> str:
    """The entry's state as the steps see it: "changed" is published with a change awaiting review."""
    if row.state == "published" and pending.pending_of(s, row.id) is not None:
        return "changed"
    return row.state


def authors(s: Session, row: EntryRow) -> set[int]:
    """Who wrote the entry: its creator and whoever saved the text now under review."""
    found = {row.author_id} if row.author_id is not None else set()
    waiting = pending.pending_of(s, row.id) if row.state == "published" else None
    if waiting is not None:
        return found | ({waiting.author_id} if waiting.author_id is not None else set())
    revisions = list(s.scalars(select(Revision).where(Revision.entry_id == row.id,
                                                      Revision.version <= row.version)
                               .order_by(Revision.version.desc())))
    # Older databases copied the record unchanged at each state change: walk back to the save that wrote it.
    writer = None
    for rev in revisions:
        if rev.record != revisions[0].record:
            break
        writer = rev.author_id
    if writer is not None:
        found.add(writer)
    return found


def archive_asked_by(s: Session, row: EntryRow) -> int | None:
    """Who asked for the entry to be archived since it was last published or reopened (None: nobody)."""
    last = s.execute(select(Review.decision, Review.reviewer_id).where(
        Review.entry_id == row.id, Review.decision.in_(("request_archive", "approve", "archive", "reopen")))
        .order_by(Review.id.desc()).limit(1)).first()
    return last.reviewer_id if last is not None and last.decision == "request_archive" else None


def refusal(s: Session, row: EntryRow, user: User | None, name: str) -> DomainError | None:
    """Why `user` may not take step `name` on the entry now (BadRequest, NotPermitted or WorkflowError),
    or None."""
    step = STEPS.get(name)
    if step is None:
        return BadRequest(N_("%(step)r is not a workflow step (%(steps)s)"), field="step", step=name[:40],
                          steps=", ".join(STEPS))
    if not allowed(user, step.permission):
        return NotPermitted(N_("Your role may not do this.") if user else N_("Sign in first."))
    if step.second_pair_of_eyes and not allowed(user, "publish_any") and user.id in authors(s, row):
        return NotPermitted(N_("An entry is published by an admin or by an expert other than its author."))
    state = step_state(s, row)
    if step.sources and state not in step.sources:
        return WorkflowError(N_("The entry is %(state)s; this step starts from %(sources)s."), state=state,
                             sources=" or ".join(sorted(step.sources)))
    if name == "archive" and not allowed(user, "publish_any"):
        asked = archive_asked_by(s, row)
        if asked is None or asked == user.id:
            return NotPermitted(N_("A published entry is archived by an admin, or by an expert after another "
                                   "expert asked for it."))
    if name == "request_archive" and archive_asked_by(s, row) is not None:
        return WorkflowError(N_("Archiving this entry was asked for already."))
    return None


def available(s: Session, row: EntryRow, user: User | None) -> list[str]:
    """The steps this user may take on the entry now, in the order a page offers them."""
    return [name for name in STEPS if refusal(s, row, user, name) is None]


def act(s: Session, entry_id: str, name: str, user: User, *, comment: str = "",
        expected_version: int | None = None) -> SaveResult:
    """Take a workflow step (in the caller's transaction). Raises NotFound, NotPermitted, WorkflowError,
    StaleVersion (the entry changed since the user looked at it) or Invalid (no comment, no sources)."""
    row = s.get(EntryRow, entry_id)
    if row is None:
        raise NotFound(N_("There is no entry %(id)r."), id=entry_id)
    problem = refusal(s, row, user, name)
    if problem:
        raise problem
    step = STEPS[name]
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise Invalid.one("comment", N_("say what should change, so the author knows"))
    if len(comment) > 5000:
        raise Invalid.one("comment", N_("at most 5,000 characters"))
    latest = pending.latest_version(s, row)
    if expected_version is not None and expected_version != latest:
        raise StaleVersion(entry_id, expected_version, latest)
    state = step_state(s, row)
    if name == "approve" and state == "changed":
        result = pending.approve(s, row)
    elif step.target is None or (name == "request_changes" and state == "changed"):
        result = SaveResult(entry_id, "unchanged", latest)  # the change stays pending; its author revises it
    else:
        result = set_state(s, entry_id, step.target)
    s.add(Review(entry_id=entry_id, version=latest, reviewer_id=user.id, decision=DECISION.get(name, name),
                 comment=comment))
    return result


def refusal_for(s: Session, entry_id: str, user: User | Account | None, name: str) -> DomainError | None:
    """`refusal` for an entry named by id (None when there is no such entry: the step itself says so)."""
    row = s.get(EntryRow, entry_id)
    return refusal(s, row, user, name) if row is not None else None


def remove(s: Session, entry_id: str, user: User | Account, *, expected_version: int | None = None) -> None:
    """Deletes an entry that is not published. A published one is archived, by an admin only (it stays in the
    database and its history); an expert asks for archiving on its review page and a second expert decides."""
    from .store import delete_entry

    row = s.get(EntryRow, entry_id)
    if row is None or row.state != "published":
        delete_entry(s, entry_id, author_id=user.id, expected_version=expected_version)
        return
    if not allowed(user, "publish_any"):
        raise NotPermitted("A published entry is not deleted: an admin archives it, or an expert asks for "
                           "archiving on its review page and a second expert archives it.")
    set_state(s, entry_id, "archived", expected_version=expected_version)
    s.add(Review(entry_id=entry_id, version=row.version, reviewer_id=user.id, decision="archive",
                 comment="archived through the API"))
