"""Followed searches (/followed): save a search by name, its private Atom feed, its digest, unsubscribing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import accounts, followed
from ..errors import DomainError
from .auth import SIGNED_IN, current_user, no_store, require
from .criteria import Criteria
from .digests import read_unsubscribe_token
from .i18n import asked_lang, ui_lang
from .search import atom
from .services import kb

bp = Blueprint("followed", __name__)


@bp.after_request
def private(response):
    return no_store(response)  # one user's searches, and feeds whose address is a secret


def _feed_url(token: str) -> str:
    return url_for("followed.feed", token=token, _external=True)


@bp.get("/followed")
@require(SIGNED_IN)
def followed_page():
    me = current_user()
    with kb().db.session() as s:
        mine = followed.followed_of(s, me.id)
        email = accounts.verified_email(s, me.id)
    tax = kb().taxonomy
    criteria = {}
    for f in mine:
        try:
            criteria[f.id] = Criteria(followed.search_request(f.query, tax), asked_lang())
        except DomainError:  # a vocabulary value removed since it was saved: the search cannot be opened
            criteria[f.id] = None
    new_feeds = dict(m.split(" ", 1) for m in get_flashed_messages(category_filter=["feed"]))  # shown once
    return render_template("delegates/followed.html", mine=mine, criteria=criteria, email=email, account=me,
                           new_feeds=new_feeds)


def _new_form(status: int = 200, error: DomainError | None = None):
    tax = kb().taxonomy
    query = request.form.get("query", "") if request.method == "POST" else request.query_string.decode("latin-1")
    req = followed.search_request(query[:followed.MAX_QUERY], tax)  # a bad search: 422 naming the parameter
    criteria = Criteria(req, asked_lang())
    return render_template("delegates/follow_new.html", criteria=criteria, query=followed.canonical_query(req),
                           error=error, name=request.form.get("name", ""),
                           digest=request.form.get("digest", "none")), status


@bp.get("/followed/new")
@require(SIGNED_IN)
def new_page():
    return _new_form()


@bp.post("/followed")
@require(SIGNED_IN)
def create():
    try:
        with kb().db.session() as s:
            saved, token = followed.follow(s, current_user().id, request.form.get("name", "")[:1000],
                                           request.form.get("query", ""), ui_lang(),
                                           request.form.get("digest", "none")[:20], kb().taxonomy)
    except DomainError as exc:
        if exc.field == "query":
            raise
        return _new_form(exc.status, exc)
    flash(f"{saved.id} {_feed_url(token)}", "feed")
    flash(_("You now follow “%(name)s”.", name=saved.name))
    return redirect(url_for("followed.followed_page", lang=asked_lang()) + f"#followed-{saved.id}", 303)


def _change(followed_id: int, change) -> object:
    with kb().db.session() as s:
        return change(s, current_user().id, followed_id)


@bp.post("/followed/<int:followed_id>/digest")
@require(SIGNED_IN)
def set_digest(followed_id: int):
    saved = _change(followed_id, lambda s, u, i: followed.set_digest(s, u, i, request.form.get("digest", "")[:20]))
    flash({"none": _("No digest of “%(name)s” will be sent.", name=saved.name),
           "daily": _("A daily digest of “%(name)s” will be sent when something is new.", name=saved.name),
           "weekly": _("A weekly digest of “%(name)s” will be sent when something is new.", name=saved.name)}
          [saved.digest])
    return _back(followed_id)


@bp.post("/followed/<int:followed_id>/feed")
@require(SIGNED_IN)
def new_feed(followed_id: int):
    token = _change(followed_id, followed.new_feed)
    flash(f"{followed_id} {_feed_url(token)}", "feed")
    flash(_("The feed has a new address; the old one no longer works."))
    return _back(followed_id)


@bp.post("/followed/<int:followed_id>/feed/stop")
@require(SIGNED_IN)
def stop_feed(followed_id: int):
    _change(followed_id, followed.stop_feed)
    flash(_("The feed of this search is stopped: its address no longer works."))
    return _back(followed_id)


@bp.post("/followed/<int:followed_id>/delete")
@require(SIGNED_IN)
def unfollow(followed_id: int):
    _change(followed_id, followed.unfollow)
    flash(_("You no longer follow that search; its feed and digest are stopped."))
    return redirect(url_for("followed.followed_page", lang=asked_lang()), 303)


def _back(followed_id: int):
    return redirect(url_for("followed.followed_page", lang=asked_lang()) + f"#followed-{followed_id}", 303)


@bp.get("/feeds/<token>.atom")
def feed(token: str):
    """A followed search's private feed: whoever has the address reads it, until its owner revokes it."""
    with kb().db.session() as s:
        saved = followed.by_feed_token(s, token)
    if saved is None:
        abort(404)
    return atom(followed.search_request(saved.query, kb().taxonomy), _feed_url(token))


@bp.route("/digests/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """The link in every digest: a page with one button, and the one-click POST of mail programs (RFC 8058).
    The signed token is the authority (no session, no CSRF token: security.CSRF_EXEMPT)."""
    followed_id = read_unsubscribe_token(token)
    if followed_id is None:
        abort(404)
    with kb().db.session() as s:
        saved = followed.unsubscribe(s, followed_id) if request.method == "POST" else followed.get(s, followed_id)
    if saved is None:
        abort(404)
    return render_template("delegates/unsubscribe.html", saved=saved, done=request.method == "POST",
                           token=token)
