"""The review workflow of an entry: draft -> review -> published -> archived, and who may move it.

Both the web editor and the JSON API go through `act`, so the rules live in one place:
- any expert (or admin) submits a draft for review, archives a published entry, or reopens an archived one;
- publication ("approve") and "request changes" need a second pair of eyes: an expert who is not an author
  of the entry (neither its creator nor whoever wrote the version under review), or an admin;
- a request for changes carries a comment, which the author reads on the entry's review page.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import Account
from .errors import N_, BadRequest, Conflict, DomainError, Forbidden, Invalid, NotFound
from .models import EntryRow, Review, Revision, User
from .store import SaveResult, StaleVersion, set_state

# What each role may do; a role holds only what it needs (least privilege). Every "may this user ..."
# question is asked of this table (`allowed`); no code compares roles. Besides them, an entry's creator sees
# it before publication (reads.entries.may_see) and a draft's owner and colleagues see it (drafting.access).
PERMISSIONS = {
    "reader": frozenset(),
    "expert": frozenset({"write_entries", "review_entries", "see_unpublished"}),
    "rapporteur": frozenset({"draft"}),
    "admin": frozenset({"write_entries", "review_entries", "see_unpublished", "publish_any", "manage_users",
                        "draft"}),
}


def allowed(user: User | Account | None, permission: str) -> bool:
    return user is not None and permission in PERMISSIONS.get(user.role, frozenset())


class WorkflowError(Conflict):
    """The step cannot be taken from the entry's current state."""


class NotPermitted(Forbidden):
    """This user may not take the step."""


@dataclass(frozen=True)
class Step:
    name: str
    sources: frozenset[str]  # states the step starts from; empty: any state, and the state is kept
    target: str | None  # None: no change of state (a comment)
    permission: str
    second_pair_of_eyes: bool = False
    needs_comment: bool = False
    decision: str | None = None  # what is written to the reviews table
    message: str = ""  # the revision's message


STEPS = {s.name: s for s in (
    Step("submit", frozenset({"draft"}), "review", "write_entries", message="submitted for review"),
    Step("approve", frozenset({"draft", "review"}), "published", "review_entries", second_pair_of_eyes=True,
         decision="approve", message="approved and published"),
    Step("request_changes", frozenset({"review"}), "draft", "review_entries", second_pair_of_eyes=True,
         needs_comment=True, decision="changes", message="changes requested"),
    Step("archive", frozenset({"published"}), "archived", "review_entries", message="archived"),
    Step("reopen", frozenset({"archived"}), "draft", "write_entries", message="reopened as a draft"),
    Step("comment", frozenset(), None, "write_entries", needs_comment=True, decision="comment"),
)}


def authors(s: Session, row: EntryRow) -> set[int]:
    """Who wrote the entry: its creator and whoever saved the text now under review."""
    found = {row.author_id} if row.author_id is not None else set()
    revisions = list(s.scalars(select(Revision).where(Revision.entry_id == row.id)
                               .order_by(Revision.version.desc())))
    # State changes copy the record unchanged: walk back to the save that produced the current text.
    writer = None
    for rev in revisions:
        if rev.record != revisions[0].record:
            break
        writer = rev.author_id
    if writer is not None:
        found.add(writer)
    return found


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
    if step.sources and row.state not in step.sources:
        return WorkflowError(N_("The entry is %(state)s; this step starts from %(sources)s."), state=row.state,
                             sources=" or ".join(sorted(step.sources)))
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
    reviewed = row.version
    if step.target is None:
        if expected_version is not None and expected_version != row.version:
            raise StaleVersion(entry_id, expected_version, row.version)
        result = SaveResult(entry_id, "unchanged", row.version)
    else:
        result = set_state(s, entry_id, step.target, author_id=user.id, expected_version=expected_version,
                           message=step.message)
    if step.decision:
        s.add(Review(entry_id=entry_id, version=reviewed, reviewer_id=user.id, decision=step.decision,
                     comment=comment))
    return result
