"""API writes by a signed-in browser: the session cookie alone is not enough. A write needs a bearer token, or
the session with its CSRF token in the X-CSRF-Token header from this very site (Origin/Referer), so a page on
another site cannot make a signed-in expert's browser create, publish or delete entries, or create drafts."""

import pytest

from migration_kb import accounts
from migration_kb.models import Draft, EntryRow
from tests.experts import add_people, csrf, signed_in

ENTRY = {"title": "A practice sent from a browser", "summary": "Summary.", "language": "en",
         "themes": ["protection"], "countries": ["MX", "GT"], "sources": [{"title": "A law"}],
         "findings": [{"kind": "strength", "text": "Clear."}]}
FOREIGN = {"Origin": "http://evil.example"}


@pytest.fixture(scope="module")
def browsers(app):
    add_people(app, {"sam": "expert", "tia": "expert", "ray": "rapporteur"})
    with app.extensions["migration_kb"].db.session() as s:
        token = accounts.new_token(s, accounts.find_user(s, "sam"))
    return {name: signed_in(app, name) for name in ("sam", "tia", "ray")}, token


def count(app, model, **where) -> int:
    with app.extensions["migration_kb"].db.session() as s:
        return s.query(model).filter_by(**where).count()


def state(app, entry_id):
    with app.extensions["migration_kb"].db.session() as s:
        row = s.get(EntryRow, entry_id)
        return row.state if row else None


def write(client, method, path, body=None, **headers):
    return client.open(path, method=method, json=body, headers=headers)


def test_a_session_cookie_alone_writes_nothing_through_the_api(app, browsers):
    (people, token) = browsers
    sam, tia, ray = people["sam"], people["tia"], people["ray"]
    made = app.test_client().post("/api/v1/entries", json={**ENTRY, "id": "session-draft"},
                                  headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201  # sam's draft, for tia to publish
    drafts = count(app, Draft)
    for extra in (FOREIGN, {}, {**FOREIGN, "X-CSRF-Token": csrf(sam, "/")}):  # foreign site; no token
        assert write(sam, "POST", "/api/v1/entries", {**ENTRY, "id": "session-new"}, **extra).status_code == 403
        assert write(tia, "POST", "/api/v1/entries/session-draft/publish", **extra).status_code == 403
        assert write(sam, "DELETE", "/api/v1/entries/session-draft", **extra).status_code == 403
        assert write(ray, "POST", "/api/v1/drafts", {"title": "Conclusions"}, **extra).status_code == 403
    assert state(app, "session-new") is None and state(app, "session-draft") == "draft"
    assert count(app, Draft) == drafts
    # the same browser, with the session's token from this site's pages, may (so the refusals above are CSRF's)
    same_site = {"Origin": "http://localhost"}
    assert write(sam, "POST", "/api/v1/entries", {**ENTRY, "id": "session-new"}, **same_site,
                 **{"X-CSRF-Token": csrf(sam, "/")}).status_code == 201
    assert write(tia, "POST", "/api/v1/entries/session-draft/publish?version=1",
                 **{"X-CSRF-Token": csrf(tia, "/"), "Referer": "http://localhost/entries/session-draft"}
                 ).status_code == 200
    assert write(sam, "DELETE", "/api/v1/entries/session-new", **{"X-CSRF-Token": csrf(sam, "/")}).status_code == 204
    assert write(ray, "POST", "/api/v1/drafts", {"title": "Conclusions"}, **same_site,
                 **{"X-CSRF-Token": csrf(ray, "/")}).status_code == 201
    assert state(app, "session-draft") == "published" and state(app, "session-new") is None


def test_a_bearer_token_needs_no_csrf_token_whatever_the_origin(app, browsers):
    _, token = browsers
    response = app.test_client().post("/api/v1/entries", json={**ENTRY, "id": "token-from-anywhere"},
                                      headers={"Authorization": f"Bearer {token}", **FOREIGN})
    assert response.status_code == 201
