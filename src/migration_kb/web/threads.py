"""Questions and comments on entries and workshop panels: posting, answering, editing, moderation, following,
a post's history, and the e-mail notices (sent after the answer, never holding the page)."""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from .. import threads as domain
from ..errors import Invalid
from ..reads import entries as entry_reads
from ..reads import threads as reads
from ..reads.events import event_named
from ..records import MAX_ROW_ID, whole_number
from ..render import markdown_to_html
from .auth import can, current_user, no_store, require
from .services import kb

bp = Blueprint("threads", __name__)
bp.after_request(no_store)
bp.add_app_template_global(markdown_to_html, "post_html")
log = logging.getLogger("migration_kb")


@bp.app_template_global()
def threads_of(subjects: list[str]) -> dict[str, list[reads.Thread]]:
    """For the entry and event pages: each subject's threads (moderators also see hidden posts)."""
    with kb().db.session() as s:
        return reads.threads(s, subjects, with_hidden=can("moderate"))


@bp.app_template_global()
def panel_threads_of(event) -> dict[str, list[reads.Thread]]:
    """For the event page: each panel's threads (its "Questions and Comments" slot), by panel id."""
    found = threads_of([domain.panel_subject(event.id, p.id) for p in event.panels])
    return {p.id: found[domain.panel_subject(event.id, p.id)] for p in event.panels}


@bp.app_template_global()
def following(entry_id: str) -> bool:
    user = current_user()
    if user is None or not can("answer", user):
        return False
    with kb().db.session() as s:
        return reads.follows(s, user.id, entry_id)


def subject_url(subject: str) -> str:
    """Where a subject's threads are shown."""
    kind, _sep, ref = subject.partition(":")
    if kind == "entry":
        return url_for("entries.entry_page", entry_id=ref)
    event_id, panel_id = ref.split("/", 1)
    return url_for("browse.event_page", event_id=event_id) + f"#panel-{panel_id}"


def _with_anchor(url: str, post_id: int) -> str:
    return url.split("#", 1)[0] + f"#post-{post_id}"


@bp.post("/entries/<entry_id>/posts")
@require("post")
def entry_post(entry_id: str):
    return _post(domain.entry_subject(entry_id))


@bp.post("/events/<event_id>/panels/<panel_id>/posts")
@require("post")
def panel_post(event_id: str, panel_id: str):
    return _post(domain.panel_subject(event_id, panel_id))


def _post(subject: str):
    text, parent = request.form.get("text", ""), request.form.get("parent", "")
    parent_id = whole_number(parent, MAX_ROW_ID) if parent else None
    if parent and parent_id is None:
        abort(404)
    try:
        with kb().db.session() as s:
            posted = domain.post(s, current_user(), subject, text, parent_id)
    except (Invalid, domain.TooMany) as exc:
        # Nothing is lost: the text comes back in a form with what to change.
        return render_template("threads/retry.html", error=_(exc.template, **exc.values), text=text,
                               action=request.path, parent=parent, back=subject_url(subject)), exc.status
    _tell(posted)
    flash(_("Your answer is posted.") if parent_id else _("Your question or comment is posted."))
    return redirect(_with_anchor(subject_url(subject), posted.id))


@bp.post("/posts/<int:post_id>/edit")
@require("post")
def edit_post(post_id: int):
    text = request.form.get("text", "")
    try:
        with kb().db.session() as s:
            row = domain.edit(s, current_user(), post_id, text)
            subject = row.subject
    except (Invalid, domain.TooMany) as exc:
        return render_template("threads/retry.html", error=_(exc.template, **exc.values), text=text,
                               action=request.path, parent="", back=url_for("search.search_page")), exc.status
    flash(_("Your post is changed; its earlier text stays in its history."))
    return redirect(_with_anchor(subject_url(subject), post_id))


@bp.post("/posts/<int:post_id>/hide")
@require("moderate")
def hide_post(post_id: int):
    return _moderate(post_id, True)


@bp.post("/posts/<int:post_id>/restore")
@require("moderate")
def restore_post(post_id: int):
    return _moderate(post_id, False)


def _moderate(post_id: int, hide: bool):
    with kb().db.session() as s:
        row = domain.moderate(s, current_user(), post_id, hide, request.form.get("reason", ""))
        subject = row.subject
    flash(_("The post is hidden from everyone but moderators.") if hide else _("The post is shown again."))
    return redirect(_with_anchor(subject_url(subject), post_id))


@bp.get("/posts/<int:post_id>/history")
@require("post")
def post_history(post_id: int):
    """Every change of a post, for its author and moderators (anyone else: 404)."""
    user = current_user()
    with kb().db.session() as s:
        info = reads.post_info(s, post_id)
        if info is None or not (can("moderate") or info.author_id == user.id):
            abort(404)
        events = reads.history(s, post_id)
    return render_template("threads/history.html", post=info, events=events,
                           back=_with_anchor(subject_url(info.subject), info.id))


@bp.post("/entries/<entry_id>/follow")
@require("answer")
def follow_entry(entry_id: str):
    on = request.form.get("follow") == "1"
    with kb().db.session() as s:
        domain.follow(s, current_user(), entry_id, on)
    flash(_("You follow this entry: new questions and comments come to your verified e-mail address.") if on
          else _("You no longer follow this entry."))
    return redirect(url_for("entries.entry_page", entry_id=entry_id) + "#questions")


# -- e-mail notices ------------------------------------------------------------------------------------------
def _subject_title(subject: str) -> str:
    kind, _sep, ref = subject.partition(":")
    with kb().db.session() as s:
        if kind == "entry":
            info = entry_reads.entry_info(s, ref)
            return info.title if info else ref
        event = event_named(s, ref.split("/", 1)[0])
    panel = next((p for p in event.panels if p.id == ref.split("/", 1)[1]), None) if event else None
    return f"{event.title}: {panel.title}" if event and panel else ref


def _tell(posted: domain.Posted) -> None:
    """Tell the entry's contributor, the experts following it and the thread's asker, in the background."""
    if not posted.recipients:
        return
    title = _subject_title(posted.subject)
    link = url_for("threads.permalink", post_id=posted.id, _external=True)
    messages = []
    for recipient in posted.recipients:
        with force_locale(recipient.lang):  # each in the language they chose for e-mails (English if none)
            text = _("A new post on “%(title)s” in migration-kb:\n\n%(link)s\n\nYou receive this because you "
                     "contributed or follow this entry, or started the thread. Sign in and read the thread at "
                     "the address above.\n", title=title, link=link)
            messages.append(mail.compose(recipient.address, _("New post on “%(title)s”", title=title), text))
    threading.Thread(target=_send, args=(messages,), name="post-notices", daemon=True).start()


def _send(messages) -> None:
    for message in messages:
        try:
            mail.send(message)
        except mail.MailNotConfigured:
            log.info("post notices: MIGRATION_KB_SMTP_URL is not set; no e-mail sent")
            return
        except mail.MailFailed as exc:
            log.warning("post notice not sent: %s", exc)


@bp.get("/posts/<int:post_id>")
def permalink(post_id: int):
    """A post's address (in e-mails): the page that shows it, at the post."""
    with kb().db.session() as s:
        info = reads.post_info(s, post_id)
    if info is None or (info.hidden and not can("moderate")):
        abort(404)
    return redirect(_with_anchor(subject_url(info.subject), post_id))
