"""create_app: settings, blueprints, errors and headers. Starting the services is `startup.start`'s job."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import Babel, gettext
from werkzeug.exceptions import HTTPException

from ..config import LANGUAGES, Settings
from ..db import Database, DatabaseFailure, Unreachable
from ..errors import N_, DomainError
from ..search.indexer import SearchIndex
from ..search.searcher import Searcher
from ..taxonomy import load as load_taxonomy
from . import public_url, security
from .auth import private_answers
from .i18n import asked_lang, select_locale, ui_lang
from .ids import RowId
from .json_body import BodyJSONProvider
from .services import Services
from .sessions import ServerSessions

log = logging.getLogger("migration_kb")
RETRY_AFTER = "5"  # seconds, on 503 answers while the database is unreachable
MAX_REQUEST_BYTES = 2_000_000  # forms and JSON bodies; an entry file is at most 1 MB


def create_app(settings: Settings | None = None, *, testing: bool = False) -> Flask:
    """The app for one instance, and nothing more: it neither migrates the database, builds the index nor
    starts a thread. A serving process calls `startup.start(app)` before answering."""
    settings = settings or Settings.load()
    app = Flask(__name__)
    app.url_map.converters["int"] = RowId  # ASCII digits that fit a database integer, else 404
    app.config.update(
        SECRET_KEY=settings.secret_key(),
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("MIGRATION_KB_SECURE_COOKIES", "") == "1",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        TESTING=testing,
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        JSON_SORT_KEYS=False,
    )
    public_url.configure(app)  # absolute links from MIGRATION_KB_PUBLIC_URL, never from the Host header
    app.session_interface = ServerSessions()  # the cookie holds a random id; the data stay on the server
    app.json = BodyJSONProvider(app)  # request bodies: valid Unicode, bounded nesting, or 400
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    Babel(app, locale_selector=select_locale)

    index = SearchIndex(settings.index_dir)
    db = Database(settings)
    app.extensions["migration_kb"] = Services(settings=settings, db=db, index=index,
                                              searcher=Searcher(index, db), follower=None, taxonomy=load_taxonomy())

    from . import (
        account_email,
        api,
        auth_views,
        browse,
        citations,
        drafts,
        editor,
        entries,
        history,
        oai,
        review,
        search,
        vocabularies,
        workbooks,
    )
    from . import calls as call_views
    from . import focal_points as focal_point_views
    from . import search_log as search_log_views
    from . import threads as thread_views

    app.register_blueprint(search.bp)
    app.register_blueprint(editor.bp)  # before entries: /entries/new is not an entry id
    app.register_blueprint(entries.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(account_email.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(drafts.bp)
    app.register_blueprint(drafts.api)
    app.register_blueprint(citations.bp)
    app.register_blueprint(oai.bp)
    app.register_blueprint(vocabularies.bp)
    app.register_blueprint(workbooks.bp)
    app.register_blueprint(search_log_views.bp)
    app.register_blueprint(thread_views.bp)
    app.register_blueprint(call_views.bp)
    app.register_blueprint(focal_point_views.bp)
    from . import compare, corridors, followed, maps  # the delegates' tools (issue 15)

    app.register_blueprint(maps.bp)
    app.register_blueprint(corridors.bp)
    app.register_blueprint(compare.bp)
    app.register_blueprint(followed.bp)

    app.before_request(security.check_csrf)
    app.after_request(security.secure_headers)
    app.after_request(private_answers)
    _register_errors(app)
    _template_globals(app)
    return app


def _template_globals(app: Flask) -> None:
    from .labels import TEMPLATE_HELPERS

    def lang_switch_url(lang: str) -> str:
        """This very page (search state included) in another language."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return request.path + "?" + urlencode([*args, ("lang", lang)])

    from .browse import search_link

    # Plain functions every template and macro may call.
    app.jinja_env.globals.update(TEMPLATE_HELPERS, search_link=search_link, csrf_token=security.csrf_token,
                                 lang_switch_url=lang_switch_url)

    @app.context_processor
    def inject():
        return {"ui_lang": ui_lang(), "asked_lang": asked_lang(), "LANGUAGES": LANGUAGES}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _register_errors(app: Flask) -> None:
    def respond(status: int, message: str, shown: str | None = None, errors: list | None = None):
        if _wants_json():
            body = {"error": message}
            if errors or status == 422:
                body["errors"] = [{"field": e.field, "message": e.message} for e in errors or []]
            return make_response(jsonify(body), status)
        # Pages speak the UI language: a message with a catalogue entry is translated, any other shown as is.
        return make_response(render_template("error.html", status=status,
                                             message=shown if shown is not None else gettext(message)), status)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        """Every refusal of store, workflow, accounts and validation: its own status, message and fields."""
        return respond(exc.status, exc.message, gettext(exc.template, **exc.values), exc.field_errors())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {404: N_("There is no page at this address."),
                    405: N_("This address does not accept that method."), 413: N_("The request is too large.")}
        message = exc.description if exc.code in (400, 401, 403, 409, 422) else messages.get(exc.code, exc.name)
        return respond(exc.code or 500, message)

    def unavailable(message: str):
        g.user = None  # the page must not ask the database who is signed in: it is the database that failed
        response = respond(503, message)
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    @app.errorhandler(Unreachable)
    def database_down(exc):
        # One line, no traceback: an outage makes every request fail the same way.
        log.error("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)
        return unavailable(N_("The database is not reachable at the moment; please try again shortly."))

    @app.errorhandler(DatabaseFailure)
    def database_error(exc):
        log.exception("database error")
        return unavailable(N_("The database could not complete the request; please try again shortly."))

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error")
        return respond(500, N_("Something went wrong on our side. The error was logged."))
