"""A draft's exports (Markdown, print-ready HTML, Word), for its page and for the API."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from flask import Response, abort, request, url_for

from ...drafting.export_html import to_html
from ...drafting.export_markdown import to_markdown
from ...drafting.view import build_view
from ...drafting.words import file_name
from ...lazy import lazy
from ..auth import require
from ..services import kb
from .common import api, bp, export_context, open_draft, rapporteur_page

export_docx = lazy("migration_kb.drafting.export_docx")  # python-docx and lxml: on first use

STYLESHEET = Path(__file__).parents[1] / "static" / "drafts.css"
EXPORTS = {"md": ("text/markdown; charset=utf-8", "md"), "html": ("text/html; charset=utf-8", "html"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")}


@cache
def print_css() -> tuple[str, str]:
    """The export's own stylesheet (embedded, so the file prints the same offline) and its CSP hash."""
    css = STYLESHEET.read_text(encoding="utf-8")
    return css, "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()


def export(draft_id: int) -> Response:
    fmt = request.args.get("format", "html")
    if fmt not in EXPORTS:
        abort(400, description=f"format: {fmt[:20]!r} is not one of {', '.join(EXPORTS)}")
    with kb().db.session() as s:
        view = build_view(s, open_draft(s, draft_id), kb().taxonomy)
    ctx = export_context()
    mimetype, ext = EXPORTS[fmt]
    filename = file_name(view.title, ext)
    headers = {"Content-Disposition": f'{"inline" if fmt == "html" else "attachment"}; filename="{filename}"'}
    if fmt == "md":
        return Response(to_markdown(view, ctx), headers=headers, content_type=mimetype)
    if fmt == "docx":
        return Response(export_docx.to_docx(view, ctx), headers=headers, content_type=mimetype)
    css, digest = print_css()
    headers["Content-Security-Policy"] = (f"default-src 'none'; style-src '{digest}'; img-src 'self' data:; "
                                          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    back = url_for("drafts.draft_page", draft_id=view.id, _external=True)
    return Response(to_html(view, ctx, css, back=back), headers=headers, content_type=mimetype)


@bp.get("/drafts/<int:draft_id>/export")
@rapporteur_page
def export_page(draft_id: int):
    return export(draft_id)


@api.get("/<int:draft_id>/export")
@require("draft")
def api_export(draft_id: int):
    return export(draft_id)
