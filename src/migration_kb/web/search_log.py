"""What delegates could not find: the search page notes a search that found little (`note_search`), and
experts and admins read the groups on /search-log."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template

from .. import search_log
from ..reads import search_log as reads
from ..search.request import SearchRequest
from .auth import no_store, require
from .i18n import ui_lang
from .services import kb

bp = Blueprint("search_log", __name__)
bp.after_request(no_store)
log = logging.getLogger("migration_kb")


def note_search(req: SearchRequest, total: int) -> None:
    """Record a first page of results that found fewer than three practices. Never fails the search: a
    database that cannot take the line costs the line, not the page."""
    filters = dict(req.filters)
    for name in ("year_from", "year_to"):
        if getattr(req, name) is not None:
            filters[name] = [str(getattr(req, name))]
    if req.page != 1 or not search_log.worth_noting(req.q, filters, total):
        return
    try:
        with kb().db.session() as s:
            search_log.note(s, req.q, ui_lang(), filters, total)
    except Exception as exc:  # anything at all: the search answers anyway
        log.warning("search log: a search could not be noted (%s)", exc.__class__.__name__)


@bp.get("/search-log")
@require("see_search_log")
def search_log_page():
    with kb().db.session() as s:
        groups = reads.groups(s)
        total = reads.count(s)
    return render_template("search_log.html", groups=groups, total=total, keep_days=search_log.KEEP_DAYS)
