"""Rapporteurs on the web: the findings workbench, draft pages and forms, privacy, and /api/v1/drafts."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import time
from pathlib import Path

import pytest
from docx import Document
from flask import render_template_string

from migration_kb import accounts
from migration_kb.records import validate_entry
from migration_kb.store import get_entry, save_entry

CSRF = "a-test-csrf-token"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def people(app):
    services = app.extensions["migration_kb"]
    out = {}
    with services.db.session() as s:
        for name, role in [("rita", "rapporteur"), ("raul", "rapporteur"), ("rhea", "reader"), ("ed", "expert")]:
            user = accounts.add_user(s, name, role, "a long password!")
            out[name] = {"id": user.id, "token": accounts.new_token(s, user)}
    return out


def bearer(people, name):
    return {"Authorization": f"Bearer {people[name]['token']}"}


def sign_in(client, people, name):
    now = int(time.time())
    with client.session_transaction() as sess:
        sess.update(user_id=people[name]["id"], started=now, seen=now, csrf=CSRF)


@pytest.fixture(scope="module")
def three_findings(app):
    """The first finding of three different published entries, as GET /api/v1/findings names them."""
    client = app.test_client()
    results = client.get("/api/v1/findings?per_page=100&bloc=CAN&bloc=MERCOSUR&bloc=CARICOM").get_json()["results"]
    chosen = {}
    for f in results:
        chosen.setdefault(f["entry_id"], f)
    picked = list(chosen.values())[:3]
    assert len(picked) == 3
    return picked


def post(client, url, **form):
    return client.post(url, data={"csrf_token": CSRF, **form})


def new_draft(client, people, three_findings, name="rita", title="Conclusions and recommendations") -> int:
    created = client.post("/api/v1/drafts", json={"title": title}, headers=bearer(people, name))
    assert created.status_code == 201
    draft_id = created.get_json()["id"]
    added = client.post(f"/api/v1/drafts/{draft_id}/findings",
                        json={"finding_ids": [f["id"] for f in three_findings]}, headers=bearer(people, name))
    assert added.status_code == 200 and added.get_json()["added"] == [f["id"] for f in three_findings]
    return draft_id


# -- the API of the contract ---------------------------------------------------------------------------
def test_api_builds_a_draft_and_exports_every_format(client, people, three_findings):
    draft_id = new_draft(client, people, three_findings)
    md = client.get(f"/api/v1/drafts/{draft_id}/export?format=md", headers=bearer(people, "rita"))
    assert md.status_code == 200 and md.content_type == "text/markdown; charset=utf-8"
    text = md.get_data(as_text=True)
    assert text.startswith("# Conclusions and recommendations")
    for n, f in enumerate(three_findings, start=1):
        assert f"{f['text']} [{n}]" in text
        assert f"- **[{n}]** {f['entry_title']}. <http://localhost/entries/{f['entry_id']}>" in text

    html = client.get(f"/api/v1/drafts/{draft_id}/export?format=html", headers=bearer(people, "rita"))
    assert html.status_code == 200 and html.content_type == "text/html; charset=utf-8"
    page = html.get_data(as_text=True)
    assert "<style>" in page and "@media print" in page  # its own print stylesheet travels with it
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in html.headers["Content-Security-Policy"]  # exactly that style runs
    assert f'href="http://localhost/entries/{three_findings[2]["entry_id"]}"' in page

    docx = client.get(f"/api/v1/drafts/{draft_id}/export?format=docx", headers=bearer(people, "rita"))
    assert docx.status_code == 200
    assert docx.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in docx.headers["Content-Disposition"]
    doc = Document(io.BytesIO(docx.data))
    texts = [p.text for p in doc.paragraphs]
    assert doc.paragraphs[0].style.name == "Title" and texts[0] == "Conclusions and recommendations"
    assert "Sources" in [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert f"{three_findings[0]['text']} [1]" in texts
    assert any(t.startswith(f"[3] {three_findings[2]['entry_title']}.") for t in texts)

    assert client.get(f"/api/v1/drafts/{draft_id}/export?format=pdf",
                      headers=bearer(people, "rita")).get_json()["error"].startswith("format: 'pdf' is not one of")
    summary = client.get(f"/api/v1/drafts/{draft_id}", headers=bearer(people, "rita")).get_json()
    assert [s["number"] for s in summary["sources"]] == [1, 2, 3]


def test_api_refuses_others(client, people, three_findings):
    draft_id = new_draft(client, people, three_findings)
    body = {"finding_ids": [three_findings[0]["id"]]}
    assert client.post("/api/v1/drafts", json={"title": "x"}).status_code == 401
    assert client.post("/api/v1/drafts", json={"title": "x"}, headers=bearer(people, "rhea")).status_code == 403
    assert client.post("/api/v1/drafts", json={"title": "x"}, headers=bearer(people, "ed")).status_code == 403
    assert client.get(f"/api/v1/drafts/{draft_id}/export?format=md").status_code == 401
    # another rapporteur: the draft does not exist for them
    for response in (client.get(f"/api/v1/drafts/{draft_id}", headers=bearer(people, "raul")),
                     client.post(f"/api/v1/drafts/{draft_id}/findings", json=body, headers=bearer(people, "raul")),
                     client.get(f"/api/v1/drafts/{draft_id}/export?format=md", headers=bearer(people, "raul"))):
        assert response.status_code == 404
    assert draft_id not in [d["id"] for d in client.get("/api/v1/drafts", headers=bearer(people, "raul"))
                            .get_json()["drafts"]]


def test_api_names_bad_finding_ids_and_adds_nothing(client, people, three_findings):
    draft_id = new_draft(client, people, three_findings[:1])
    good = three_findings[1]["id"]
    bad = client.post(f"/api/v1/drafts/{draft_id}/findings", headers=bearer(people, "rita"),
                      json={"finding_ids": [good, "no-such-entry:1", "not an id", f"{good.split(':')[0]}:99"]})
    assert bad.status_code == 422
    data = bad.get_json()
    assert "no-such-entry:1" in data["error"] and "not an id" in data["error"]
    assert {e["id"] for e in data["errors"]} == {"no-such-entry:1", "not an id", f"{good.split(':')[0]}:99"}
    draft = client.get(f"/api/v1/drafts/{draft_id}", headers=bearer(people, "rita")).get_json()
    assert draft["findings"] == 1  # the good id was not added either
    assert client.post(f"/api/v1/drafts/{draft_id}/findings", headers=bearer(people, "rita"),
                       json={"finding_ids": "a:1"}).status_code == 400
    assert client.post("/api/v1/drafts", headers=bearer(people, "rita"), json={"title": ""}).status_code == 422
    assert client.post("/api/v1/drafts", headers=bearer(people, "rita"), data="title").status_code == 400


def test_openapi_documents_the_drafts_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/drafts", "/drafts/{draft_id}/findings", "/drafts/{draft_id}/export"} <= set(paths)


# -- pages -------------------------------------------------------------------------------------------------
def test_workbench_filters_findings_with_facet_counts(client, people):
    page = client.get("/findings?kind=recommendation&bloc=CAN")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    total = int(re.search(r'class="total" role="status">(\d+) finding', html).group(1))
    api = client.get("/api/v1/findings?kind=recommendation&bloc=CAN&per_page=100").get_json()
    assert total == api["total"] >= 1
    assert html.count('class="finding kind-recommendation"') == min(total, 20)
    assert 'class="finding kind-strength"' not in html
    assert "Kind of finding" in html and "Workshop panel" in html
    assert "add_from_form" not in html and 'name="finding_id"' not in html  # nobody signed in: no draft actions
    assert client.get("/findings?kind=praise").status_code == 400
    sign_in(client, people, "rhea")
    assert 'name="finding_id"' not in client.get("/findings").get_data(as_text=True)  # a reader neither


def test_pages_need_a_rapporteur(client, people, three_findings):
    draft_id = new_draft(client, people, three_findings)
    anonymous = client.get(f"/drafts/{draft_id}")
    assert anonymous.status_code in (302, 401)
    if anonymous.status_code == 302:
        assert "sign-in" in anonymous.headers["Location"]
    sign_in(client, people, "rhea")
    assert client.get("/drafts").status_code == 403
    assert post(client, "/drafts", title="Mine").status_code == 403
    sign_in(client, people, "raul")
    assert client.get(f"/drafts/{draft_id}").status_code == 404  # not 403: it does not exist for him
    assert client.get(f"/drafts/{draft_id}/export?format=html").status_code == 404
    assert post(client, f"/drafts/{draft_id}/text", section="", text="Mine now").status_code == 404


def test_the_whole_flow_in_pages(client, people, three_findings, app):
    sign_in(client, people, "rita")
    created = post(client, "/drafts", title="Workshop conclusions", event_id="")
    assert created.status_code == 302
    draft_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    # add from the workbench: ticked boxes, then a single finding by its own button
    back = post(client, "/drafts/add", draft_id=draft_id, finding_id=[f["id"] for f in three_findings[:2]],
                next="/findings?bloc=CAN")
    assert back.status_code == 302 and back.headers["Location"].endswith("/findings?bloc=CAN")
    assert "Added 2 findings" in client.get("/findings?bloc=CAN").get_data(as_text=True)
    client.post(f"/drafts/add?only={three_findings[2]['id']}", data={
        "csrf_token": CSRF, "draft_id": draft_id, "finding_id": three_findings[0]["id"]})
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    for n, f in enumerate(three_findings, start=1):
        assert f">[{n}]</a>" in page and f["entry_title"] in page
    assert "Evidence gaps" in page
    # gaps only within the draft's scope: from the blocs its findings come from
    table = page.split('class="evidence-table"', 1)[1].split("</thead>", 1)[0]
    columns = set(re.findall(r'<th scope="col">([A-Z]+)</th>', table))
    assert columns and set(re.findall(r"no findings on [a-z ]+ from ([A-Z]+)", page)) <= columns

    post(client, f"/drafts/{draft_id}/text", section="", text="We *heard* three things.")
    assert "<em>heard</em>" in client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    refused = post(client, f"/drafts/{draft_id}/text", section="theme:nowhere/strength", text="x")
    assert refused.status_code == 302
    assert "is not a section" in client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    no_csrf = client.post(f"/drafts/{draft_id}/text", data={"section": "", "text": "forged"})
    assert no_csrf.status_code == 400

    # an expert edits the first cited finding: the draft shows the new text, marked, in the page and exports
    services = app.extensions["migration_kb"]
    entry_id, position = three_findings[0]["id"].split(":")
    with services.db.session() as s:
        entry, _ = get_entry(s, entry_id)
        data = entry.to_dict()
        data["findings"][int(position) - 1]["text"] = "A rewritten finding, after review."
        save_entry(s, validate_entry(data))
    page = client.get(f"/drafts/{draft_id}").get_data(as_text=True)
    assert "A rewritten finding, after review." in page and 'class="mark changed"' in page
    assert three_findings[0]["text"] in page  # the text as cited is still there to compare
    html = client.get(f"/drafts/{draft_id}/export?format=html").get_data(as_text=True)
    assert "A rewritten finding, after review." in html and "Changed since cited" in html
    md = client.get(f"/drafts/{draft_id}/export?format=md").get_data(as_text=True)
    assert "*(changed: Changed since cited." in md

    # share with a colleague, who may then see and edit it
    post(client, f"/drafts/{draft_id}/share", colleague="raul")
    sign_in(client, people, "raul")
    assert client.get(f"/drafts/{draft_id}").status_code == 200
    post(client, f"/drafts/{draft_id}/text", section="", text="Raul was here.")
    history = client.get(f"/drafts/{draft_id}/history").get_data(as_text=True)
    assert "wrote the introduction" in history and "raul" in history and "shared with raul" in history
    assert "Workshop conclusions" in client.get("/drafts").get_data(as_text=True)


def test_add_to_draft_include_for_the_entry_page(app, client, people, three_findings):
    new_draft(client, people, three_findings[:1], title="From the entry page")
    services = app.extensions["migration_kb"]
    with services.db.session() as s:
        entry, _ = get_entry(s, three_findings[0]["entry_id"])
    template = '{% include "drafts/_add_to_draft.html" %}'
    with app.test_request_context("/entries/x", headers=bearer(people, "rita")):
        html = render_template_string(template, entry=entry)
    assert 'name="finding_id"' in html and "From the entry page" in html
    with app.test_request_context("/entries/x", headers=bearer(people, "rhea")):
        assert "finding_id" not in render_template_string(template, entry=entry)
    with app.test_request_context("/entries/x"):
        assert render_template_string(template, entry=entry).strip() == ""


def test_workbench_filters_by_workshop_panel(client):
    panel = "oas-2011-bilateral-cooperation/services"
    html = client.get(f"/findings?panel={panel}&per_page=100").get_data(as_text=True)
    total = int(re.search(r'class="total" role="status">(\d+) finding', html).group(1))
    entries = set(re.findall(r'href="/entries/([a-z0-9-]+)[^"]*#finding-', html))
    in_panel = {p.stem for p in (ROOT / "kb" / "entries").glob("*.md") if f"\npanel: {panel}\n" in p.read_text()}
    assert total >= 1 and entries and entries <= in_panel
    assert total == sum(len(client.get(f"/api/v1/entries/{e}").get_json()["findings"]) for e in in_panel)
    assert client.get("/findings?panel=nowhere/none").status_code == 400


def test_an_old_version_has_its_page_and_an_unknown_one_is_404(client, people, three_findings):
    draft_id = new_draft(client, people, three_findings[:1], title="First title")
    sign_in(client, people, "rita")
    post(client, f"/drafts/{draft_id}/settings", title="Second title", event_id="", grouping="theme")
    old = client.get(f"/drafts/{draft_id}/history/1")
    assert old.status_code == 200
    page = old.get_data(as_text=True)
    assert "First title" in page and "Restore this version" in page
    assert client.get(f"/drafts/{draft_id}/history/99").status_code == 404
    assert "Second title" in client.get(f"/drafts/{draft_id}/history").get_data(as_text=True)


def test_a_message_shows_once_on_pages_that_also_show_the_drafts_messages(client, people, three_findings):
    """"Signed in as…" or a posted comment's notice was shown by the header and again by the drafts' message
    list, on the drafts pages and on the entry page of anyone who may draft."""
    sign_in(client, people, "rita")
    with client.session_transaction() as sess:
        sess["_flashes"] = [("message", "A notice for the header"), ("done", "Draft created.")]
    page = client.get("/drafts").get_data(as_text=True)
    assert page.count("A notice for the header") == 1
    assert page.count("Draft created.") == 1
    entry_id = three_findings[0]["entry_id"]
    with client.session_transaction() as sess:
        sess["_flashes"] = [("message", "A notice for the header")]
    page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    assert page.count("A notice for the header") == 1
