"""Rapporteurs: the findings workbench, drafts of conclusions (pages and forms), and /api/v1/drafts.

A draft is private to its owner and the colleagues it is shared with: anyone else gets 404, as if it did
not exist. Users without the "draft" permission may browse the workbench but not use its draft actions.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache, wraps
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from sqlalchemy import select

from .. import drafting
from ..models import Draft, EventRow, User
from ..records import FINDING_KINDS
from ..render import markdown_to_html
from .auth import can, current_user, require
from .criteria import Criteria
from .i18n import asked_lang, ui_lang
from .search import read_request
from .security import safe_next
from .services import kb

bp = Blueprint("drafts", __name__)
api = Blueprint("drafts_api", __name__, url_prefix="/api/v1/drafts")
SIGN_IN = ("account.sign_in", "auth.sign_in")  # the sign-in page, under whichever blueprint offers it
STATIC = Path(__file__).parent / "static"
EXPORTS = {"md": ("text/markdown; charset=utf-8", "md"), "html": ("text/html; charset=utf-8", "html"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")}


# -- who is asking --------------------------------------------------------------------------------------
def rapporteur_page(view):
    """Pages for those who draft: sign in first (or 401), then 403 for roles without the permission."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None:
            sign_in = next((e for e in SIGN_IN if e in current_app.view_functions), None)
            if sign_in:
                return redirect(url_for(sign_in, next=request.full_path.rstrip("?")))
            abort(401, description=gettext("Sign in to work on drafts."))
        if not can("draft", user):
            abort(403, description=gettext("Your role (%(role)s) may not work on drafts.", role=user.role))
        return view(*args, **kwargs)

    return wrapped


def _draft(s, draft_id: int) -> Draft:
    draft = drafting.draft_for(s, draft_id, current_user())
    if draft is None:
        abort(404)
    return draft


def _user(s) -> User:
    return s.get(User, current_user().id)


def _words(grouping: str) -> dict:
    """What the draft templates call to name sections and gaps, in the UI language."""
    tax, lang = kb().taxonomy, ui_lang()

    def group_heading(group: str, by: str = grouping) -> str:
        return drafting.group_heading(by, group, tax, lang, gettext)

    def section_name(key: str) -> str:
        by, rest = key.split(":", 1)
        group, kind = rest.split("/", 1)
        return f"{group_heading(group, by)} — {drafting.kind_heading(kind, gettext)}"

    def gap_sentence(theme: str, bloc: str) -> str:
        return drafting.gap_sentence(theme, bloc, tax, lang, gettext)

    return {"group_heading": group_heading, "section_name": section_name, "gap_sentence": gap_sentence,
            "kind_heading": lambda kind: drafting.kind_heading(kind, gettext),
            "change_note": lambda cited: drafting.change_note(cited, gettext), "drafting": drafting,
            "markdown": markdown_to_html}


def export_context() -> drafting.ExportContext:
    return drafting.ExportContext(
        taxonomy=kb().taxonomy, lang=ui_lang(), gettext=gettext,
        permalink=lambda entry_id: url_for("entries.entry_page", entry_id=entry_id, _external=True))


@bp.app_context_processor
def draft_helpers():
    def draft_choices() -> list[tuple[int, str]] | None:
        """The signed-in user's drafts as (id, title); None for someone who may not draft."""
        user = current_user()
        if not can("draft", user):
            return None
        with kb().db.session() as s:
            return [(d.id, d.title) for d in drafting.drafts_of(s, user)]

    return {"draft_choices": draft_choices}


# -- the findings workbench ------------------------------------------------------------------------------
@dataclass
class FindingCriteria(Criteria):
    """The search criteria plus the workbench's own filters (finding kind, workshop panel)."""

    kinds: list[str] = field(default_factory=list)
    panels: list[str] = field(default_factory=list)
    draft: int | None = None

    def url(self, path: str | None = None, kinds: list[str] | None = None, panels: list[str] | None = None,
            **changes) -> str:
        base = super().url(path, **changes)
        extra = [("kind", k) for k in (self.kinds if kinds is None else kinds)]
        extra += [("panel", p) for p in (self.panels if panels is None else panels)]
        if self.draft:
            extra.append(("draft", str(self.draft)))
        return base + (("&" if "?" in base else "?") + urlencode(extra) if extra else "")

    def _own(self, facet: str) -> list[str] | None:
        return {"kind": self.kinds, "panel": self.panels}.get(facet)

    def is_selected(self, facet: str, value: str) -> bool:
        own = self._own(facet)
        return value in own if own is not None else super().is_selected(facet, value)

    def toggle_url(self, facet: str, value: str) -> str:
        own = self._own(facet)
        if own is None:
            return super().toggle_url(facet, value)
        new = [v for v in own if v != value] if value in own else [*own, value]
        return self.url(page="", **{"kinds" if facet == "kind" else "panels": new})

    def chips(self) -> list[tuple[str, str, str]]:
        own = [(f, v, self.toggle_url(f, v)) for f in ("kind", "panel") for v in self._own(f)]
        return own + super().chips()

    @property
    def active(self) -> bool:
        return super().active or bool(self.kinds or self.panels)


def _workbench_filters(panels_known: dict[str, str]) -> tuple[list[str], list[str]]:
    kinds = list(dict.fromkeys(k for k in request.args.getlist("kind") if k))
    panels = list(dict.fromkeys(p for p in request.args.getlist("panel") if p))
    for k in kinds:
        if k not in FINDING_KINDS:
            abort(400, description=f"kind: {k[:40]!r} is not one of {', '.join(FINDING_KINDS)}")
    for p in panels:
        if p not in panels_known:
            abort(400, description=f"panel: {p[:80]!r} is not a workshop panel")
    return kinds, panels


@bp.get("/findings")
def workbench():
    req = read_request()
    with kb().db.session() as s:
        panels_known = drafting.panel_titles(s)
        kinds, panels = _workbench_filters(panels_known)
        found = drafting.collect(s, kb().searcher, req, kinds, panels)
    draft_id = request.args.get("draft", type=int)
    criteria = FindingCriteria(req, asked_lang(), "/findings", kinds=kinds, panels=panels, draft=draft_id)
    pages = max(1, -(-found.total // req.per_page))
    return render_template("drafts/workbench.html", criteria=criteria, found=found, pages=pages,
                           panel_titles=panels_known, current_draft=draft_id, facet_shown=6)


# -- drafts: pages and forms ---------------------------------------------------------------------------
def _events(s) -> list[tuple[str, str]]:
    return [(e.id, e.title) for e in s.scalars(select(EventRow).order_by(EventRow.date.desc()))]


@bp.get("/drafts")
@rapporteur_page
def draft_list():
    with kb().db.session() as s:
        user = _user(s)
        drafts = [(d, d.owner_id == user.id, len(d.items)) for d in drafting.drafts_of(s, user)]
        owners = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_({d.owner_id for d, *_ in drafts})))}
        events = _events(s)
    return render_template("drafts/list.html", drafts=drafts, owners=owners, events=events)


@bp.post("/drafts")
@rapporteur_page
def create():
    try:
        with kb().db.session() as s:
            draft = drafting.create_draft(s, _user(s), request.form.get("title", ""),
                                          request.form.get("event_id") or None)
            draft_id = draft.id
    except drafting.DraftError as exc:
        flash(str(exc), "error")
        return redirect(safe_next(request.form.get("next"), url_for("drafts.draft_list")))
    flash(gettext("Draft created."), "done")
    return redirect(safe_next(request.form.get("next"), url_for("drafts.draft_page", draft_id=draft_id)))


@bp.post("/drafts/add")
@rapporteur_page
def add_from_form():
    """From the workbench or an entry page: the ticked findings, or the one whose button was pressed."""
    only = request.args.get("only")
    ids = [only] if only else request.form.getlist("finding_id")
    back = safe_next(request.form.get("next"), url_for("drafts.workbench"))
    draft_id = request.form.get("draft_id", type=int)
    if draft_id is None:
        flash(gettext("Choose a draft to add the findings to."), "error")
        return redirect(back)
    try:
        with kb().db.session() as s:
            draft = _draft(s, draft_id)
            result = drafting.add_findings(s, draft, _user(s), ids)
            title = draft.title
    except drafting.DraftError as exc:
        flash(str(exc), "error")
        return redirect(back)
    message = ngettext("Added %(num)d finding to “%(title)s”.", "Added %(num)d findings to “%(title)s”.",
                       len(result.added), title=title)
    if result.already:
        message += " " + ngettext("%(num)d was already in it.", "%(num)d were already in it.", len(result.already))
    flash(message, "done")
    return redirect(back)


@bp.get("/drafts/<int:draft_id>")
@rapporteur_page
def draft_page(draft_id: int):
    tax = kb().taxonomy
    with kb().db.session() as s:
        draft = _draft(s, draft_id)
        user = _user(s)
        view = drafting.build_view(s, draft, tax)
        owner = s.get(User, draft.owner_id)
        shared = drafting.colleagues(s, draft)
        events = _events(s)
    choices = drafting.section_choices(view.grouping, tax)
    return render_template("drafts/draft.html", view=view, owner=owner, is_owner=owner.id == user.id,
                           shared=shared, events=events, choices=choices, **_words(view.grouping))


def _item_id() -> int:
    value = request.form.get("item", type=int)
    if value is None:
        raise drafting.DraftError("item: which finding? (the form lost it; reload the page)")
    return value


def _move(s, draft, user) -> None:
    tax = kb().taxonomy
    where = request.form.get("do", "")
    if where == "to":
        drafting.move_to_section(s, draft, user, _item_id(), request.form.get("section", ""), tax)
    else:
        drafting.move_item(s, draft, user, _item_id(), where, tax)


ACTIONS = {
    "settings": lambda s, d, u: drafting.update_settings(s, d, u, title=request.form.get("title", ""),
                                                         event_id=request.form.get("event_id") or None,
                                                         grouping=request.form.get("grouping", "theme")),
    "text": lambda s, d, u: drafting.set_text(s, d, u, request.form.get("section", ""), request.form.get("text", ""),
                                                 kb().taxonomy),
    "move": _move,
    "remove": lambda s, d, u: drafting.remove_item(s, d, u, _item_id()),
    "accept": lambda s, d, u: drafting.accept_change(s, d, u, _item_id()),
    "share": lambda s, d, u: drafting.share(s, d, u, request.form.get("colleague", "")),
    "unshare": lambda s, d, u: drafting.unshare(s, d, u, request.form.get("user", type=int) or 0),
    "restore": lambda s, d, u: drafting.restore(s, d, u, request.form.get("version", type=int) or 0),
}
DONE = {"settings": lazy_gettext("Settings saved."), "text": lazy_gettext("Text saved."),
        "move": lazy_gettext("Moved."), "remove": lazy_gettext("Removed from the draft."),
        "accept": lazy_gettext("The draft now cites the current text."), "share": lazy_gettext("Shared."),
        "unshare": lazy_gettext("No longer shared."), "restore": lazy_gettext("Version restored."),
        "delete": lazy_gettext("Draft deleted.")}


@bp.post("/drafts/<int:draft_id>/<action>")
@rapporteur_page
def change(draft_id: int, action: str):
    if action not in ACTIONS and action != "delete":
        abort(404)
    back = url_for("drafts.draft_page", draft_id=draft_id) + request.form.get("anchor", "")
    try:
        with kb().db.session() as s:
            draft = _draft(s, draft_id)
            if action == "delete":
                drafting.delete_draft(s, draft, _user(s))
                back = url_for("drafts.draft_list")
            else:
                ACTIONS[action](s, draft, _user(s))
    except drafting.DraftError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(str(DONE[action]), "done")
    return redirect(back)


@bp.get("/drafts/<int:draft_id>/history")
@rapporteur_page
def history(draft_id: int):
    with kb().db.session() as s:
        draft = _draft(s, draft_id)
        revisions = drafting.revisions(s, draft)
        title, current = draft.title, draft.version
    return render_template("drafts/history.html", draft_id=draft_id, title=title, revisions=revisions,
                           current=current)


@bp.get("/drafts/<int:draft_id>/history/<int:version>")
@rapporteur_page
def old_version(draft_id: int, version: int):
    with kb().db.session() as s:
        draft = _draft(s, draft_id)
        old = drafting.revision(s, draft, version)
        if old is None:
            abort(404)
        snapshot, current = old.snapshot, draft.version
    return render_template("drafts/version.html", draft_id=draft_id, version=version, snap=snapshot,
                           current=current, **_words(snapshot["grouping"]))


@bp.get("/drafts/<int:draft_id>/export")
@rapporteur_page
def export_page(draft_id: int):
    return export(draft_id)


# -- exports, shared by pages and the API ----------------------------------------------------------------
@cache
def print_css() -> tuple[str, str]:
    """The export's own stylesheet (embedded, so the file prints the same offline) and its CSP hash."""
    css = (STATIC / "drafts.css").read_text(encoding="utf-8")
    return css, "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()


def export(draft_id: int) -> Response:
    fmt = request.args.get("format", "html")
    if fmt not in EXPORTS:
        abort(400, description=f"format: {fmt[:20]!r} is not one of {', '.join(EXPORTS)}")
    with kb().db.session() as s:
        view = drafting.build_view(s, _draft(s, draft_id), kb().taxonomy)
    ctx = export_context()
    mimetype, ext = EXPORTS[fmt]
    filename = f"draft-{view.id}-v{view.version}.{ext}"
    headers = {"Content-Disposition": f'{"inline" if fmt == "html" else "attachment"}; filename="{filename}"'}
    if fmt == "md":
        return Response(drafting.to_markdown(view, ctx), headers=headers, content_type=mimetype)
    if fmt == "docx":
        return Response(drafting.to_docx(view, ctx), headers=headers, content_type=mimetype)
    css, digest = print_css()
    html = render_template("drafts/export.html", view=view, ctx=ctx, css=css, **_words(view.grouping))
    headers["Content-Security-Policy"] = (f"default-src 'none'; style-src '{digest}'; img-src 'self' data:; "
                                          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return Response(html, headers=headers, content_type=mimetype)


# -- the JSON API ------------------------------------------------------------------------------------------
def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object (Content-Type: application/json).")
    return data


def _api_error(message: str, errors: list[dict], status: int = 422):
    return jsonify({"error": message, "errors": errors}), status


def _draft_json(draft: Draft) -> dict:
    return {"id": draft.id, "title": draft.title, "event_id": draft.event_id, "grouping": draft.grouping,
            "version": draft.version, "updated_at": draft.updated_at.isoformat(), "findings": len(draft.items),
            "url": url_for("drafts.draft_page", draft_id=draft.id, _external=True)}


@api.get("")
@require("draft")
def api_list():
    with kb().db.session() as s:
        return jsonify({"drafts": [_draft_json(d) for d in drafting.drafts_of(s, _user(s))]})


@api.post("")
@require("draft")
def api_create():
    data = _json_body()
    title, event_id = data.get("title"), data.get("event_id")
    if not isinstance(title, str) or (event_id is not None and not isinstance(event_id, str)):
        return _api_error("title: send the draft's title as a string", [{"field": "title", "message": "required"}])
    try:
        with kb().db.session() as s:
            draft = drafting.create_draft(s, _user(s), title, event_id)
            body = _draft_json(draft)
    except drafting.DraftError as exc:
        field_name = str(exc).split(":", 1)[0]
        return _api_error(str(exc), [{"field": field_name, "message": str(exc).split(": ", 1)[-1]}])
    return jsonify(body), 201, {"Location": body["url"]}


@api.get("/<int:draft_id>")
@require("draft")
def api_get(draft_id: int):
    with kb().db.session() as s:
        draft = _draft(s, draft_id)
        view = drafting.build_view(s, draft, kb().taxonomy)
        body = _draft_json(draft)
    body["sections"] = [{"key": sec.key, "group": sec.group, "kind": sec.kind, "text": sec.text,
                         "findings": [{"id": c.finding_id, "item": c.item_id, "text": c.text, "citation": c.number,
                                       "changed": c.changed, "withdrawn": c.gone, "cited_text": c.cited_text}
                                      for c in sec.items]} for sec in view.sections]
    body["sources"] = [{"number": c.number, "entry_id": c.entry_id, "title": c.title,
                        "url": url_for("entries.entry_page", entry_id=c.entry_id, _external=True),
                        "sources": c.sources} for c in view.citations]
    body["gaps"] = [{"theme": t, "bloc": b} for t, b in view.evidence.gaps]
    return jsonify(body)


@api.post("/<int:draft_id>/findings")
@require("draft")
def api_add(draft_id: int):
    ids = _json_body().get("finding_ids")
    if not isinstance(ids, list):
        abort(400, description='finding_ids: send a list of finding ids, e.g. {"finding_ids": ["an-entry:1"]}')
    try:
        with kb().db.session() as s:
            draft = _draft(s, draft_id)
            result = drafting.add_findings(s, draft, _user(s), ids)
            count = len(draft.items)
    except drafting.BadFindings as exc:
        return _api_error(str(exc), [{"field": "finding_ids", "id": fid, "message": why}
                                     for fid, why in exc.problems])
    except drafting.DraftError as exc:
        return _api_error(str(exc), [{"field": "finding_ids", "message": str(exc)}])
    return jsonify({"id": draft_id, "added": result.added, "already": result.already, "findings": count})


@api.get("/<int:draft_id>/export")
@require("draft")
def api_export(draft_id: int):
    return export(draft_id)
