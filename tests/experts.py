"""Helpers for the experts' tests: accounts, signing in through the real form, the entry form's fields."""

from __future__ import annotations

import contextlib
import re

from migration_kb import accounts

PASSWORD = "a long password!"
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_people(app, people: dict[str, str]) -> None:
    """Create users {name: role} in the app's database (skipping those already there)."""
    with app.extensions["migration_kb"].db.session() as s:
        for name, role in people.items():
            with contextlib.suppress(accounts.AccountError):  # already there
                accounts.add_user(s, name, role, PASSWORD)


def csrf(client, path: str = "/sign-in") -> str:
    """The session's CSRF token, read from a page's form as a browser would."""
    match = TOKEN_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no form with a CSRF token on {path}"
    return match.group(1)


def signed_in(app, name: str, password: str = PASSWORD, **client_kwargs):
    client = app.test_client(**client_kwargs)
    response = client.post("/sign-in", data={"csrf_token": csrf(client), "name": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def entry_fields(token: str, **changes) -> dict:
    """A valid new-entry form as the editor posts it (one finding, one source), with `changes` applied."""
    fields = {"csrf_token": token, "version": "0", "op": "save", "id": "", "title": "Consular mobile units",
              "summary": "Mobile consulates visit farms where migrant workers live.", "language": "en",
              "themes": ["services"], "countries": "MX, US", "body": "Mobile units *travel*.",
              "findings-0-kind": "strength", "findings-0-text": "Workers get documents near their work.",
              "sources-0-title": "Annual report", "sources-0-publisher": "Ministry", "sources-0-year": "2010",
              "sources-0-url": "https://example.org/report", "message": ""}
    fields.update(changes)
    return fields


def edit_fields(client, entry_id: str, **changes) -> dict:
    """The edit form of an entry as the editor fills it, with `changes` applied (what a browser posts)."""
    html = client.get(f"/entries/{entry_id}/edit").get_data(as_text=True)
    fields: dict = {"op": "save"}
    for name, value in re.findall(r'<input type="(?:hidden|text|url)" name="([^"]+)" value="([^"]*)"', html):
        fields[name] = _unescape(value)
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = _unescape(value)
    for name in ("themes", "topics", "blocs", "target_groups"):
        fields[name] = re.findall(rf'name="{name}" value="([^"]+)" checked', html)
    for name, block in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected', block)
        fields[name] = chosen if name.endswith("topics") else (chosen[0] if chosen else "")
    fields.update(changes)
    return fields


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)


def entry_state(app, entry_id: str):
    from migration_kb.models import EntryRow

    with app.extensions["migration_kb"].db.session() as s:
        row = s.get(EntryRow, entry_id)
        return (row.state, row.version, row.title) if row else None
