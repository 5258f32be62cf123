"""Templates get plain data only: no page hands an ORM row to its template (a row outlives its session there,
and a template could lazy-load or change it). Every page an admin can open is rendered and its context walked."""

import dataclasses

import pytest
from flask import g, template_rendered

from migration_kb.models import Base
from tests.experts import add_people, csrf, edit_fields, entry_fields, signed_in

ENTRY = "mx-us-ventanillas-de-salud"  # a shipped entry


def rows_in(value, path: str = "", depth: int = 0):
    """The paths of the ORM rows in a template's value (through mappings, sequences and dataclasses)."""
    if isinstance(value, Base):
        yield path or "."
    elif depth > 6:
        return
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from rows_in(item, f"{path}[{key!r}]", depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            yield from rows_in(item, f"{path}[{i}]", depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from rows_in(getattr(value, field.name), f"{path}.{field.name}", depth + 1)


@pytest.fixture
def rendered(app):
    """(template name, paths of ORM rows in its context, whether the signed-in user is a row) per render."""
    seen = []

    def record(sender, template, context, **extra):
        found = [f"{key}{p}" for key, value in context.items() for p in rows_in(value)]
        seen.append((template.name, found, isinstance(g.get("user"), Base)))

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def test_no_page_hands_a_row_to_its_template(app, rendered):
    add_people(app, {"ada": "admin", "ana": "expert"})
    ana = signed_in(app, "ana")
    created = ana.post("/entries/new", data=entry_fields(csrf(ana, "/entries/new"), id="plain-pages-test"))
    assert created.status_code == 302
    admin = signed_in(app, "ada")
    pages = ["/", f"/entries/{ENTRY}", "/entries/plain-pages-test", "/entries/plain-pages-test/review",
             "/entries/plain-pages-test/history", "/entries/plain-pages-test/diff?from=1&to=1",
             "/entries/plain-pages-test/edit", "/desk", "/account", "/admin/users", "/coverage",
             "/coverage/no-bloc/services", "/themes/labour-mobility", "/blocs/MERCOSUR", "/countries/MX",
             "/events/oas-2011-bilateral-cooperation", "/drafts", "/findings"]
    for page in pages:
        assert admin.get(page).status_code == 200, page
    assert admin.get("/entries/no-such-entry").status_code == 404
    # A stale edit: the conflict page shows their version beside this one.
    stale = edit_fields(admin, "plain-pages-test", title="Mine")
    assert admin.post("/entries/plain-pages-test/edit", data=stale).status_code == 302
    assert admin.post("/entries/plain-pages-test/edit", data={**stale, "title": "Again"}).status_code == 409
    names = {name for name, _, _ in rendered}
    assert {"entry.html", "editor/review.html", "editor/history.html", "editor/diff.html", "editor/desk.html",
            "editor/conflict.html", "account/account.html", "account/users.html", "event.html"} <= names
    assert [(name, rows) for name, rows, _ in rendered if rows] == []
    assert not any(user_is_row for _, _, user_is_row in rendered)
