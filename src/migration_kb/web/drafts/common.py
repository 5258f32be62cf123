"""What every drafts view shares: the two blueprints, who may open a page, the draft asked for (or 404), and
the words templates use to name sections and gaps."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext

from ...drafting import access, words
from ...render import markdown_to_html
from ..auth import can, current_user
from ..i18n import ui_lang
from ..services import kb

bp = Blueprint("drafts", __name__)
api = Blueprint("drafts_api", __name__, url_prefix="/api/v1/drafts")


def rapporteur_page(view):
    """Pages for those who draft: sign in first, then 403 for roles without the permission."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None:
            return redirect(url_for("account.sign_in", next=request.full_path.rstrip("?")))
        if not can("draft", user):
            abort(403, description=gettext("Your role (%(role)s) may not work on drafts.", role=user.role))
        return view(*args, **kwargs)

    return wrapped


def open_draft(s, draft_id: int):
    """The draft (to pass to the edits and reads of `drafting`), if the signed-in user may work on it; 404
    otherwise: it does not exist for them."""
    draft = access.draft_for(s, draft_id, current_user())
    if draft is None:
        abort(404)
    return draft


def export_context() -> words.ExportContext:
    return words.ExportContext(
        taxonomy=kb().taxonomy, lang=ui_lang(), gettext=gettext,
        permalink=lambda entry_id: url_for("entries.entry_page", entry_id=entry_id, _external=True))


def template_words(grouping: str) -> dict:
    """What the draft templates call to name sections and gaps, in the UI language."""
    tax, lang = kb().taxonomy, ui_lang()

    def group_heading(group: str, by: str = grouping) -> str:
        return words.group_heading(by, group, tax, lang, gettext)

    def section_name(key: str) -> str:
        by, rest = key.split(":", 1)
        group, kind = rest.split("/", 1)
        return f"{group_heading(group, by)} — {words.kind_heading(kind, gettext)}"

    def gap_sentence(theme: str, bloc: str) -> str:
        return words.gap_sentence(theme, bloc, tax, lang, gettext)

    return {"group_heading": group_heading, "section_name": section_name, "gap_sentence": gap_sentence,
            "kind_heading": lambda kind: words.kind_heading(kind, gettext), "source_line": words.source_line,
            "markdown": markdown_to_html}


@bp.app_context_processor
def draft_helpers():
    def draft_choices() -> list[tuple[int, str]] | None:
        """The signed-in user's drafts as (id, title); None for someone who may not draft."""
        user = current_user()
        if not can("draft", user):
            return None
        with kb().db.session() as s:
            return access.draft_titles(s, user)

    return {"draft_choices": draft_choices}
