"""The JSON API of the contract: search, entries, findings, writes with tokens, errors, OpenAPI."""

import pytest

from migration_kb import accounts

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_search_envelope(client):
    data = client.get("/api/v1/search?q=social+security&per_page=5").get_json()
    assert set(data) == {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
    assert data["per_page"] == 5 and len(data["results"]) <= 5 and data["total"] >= 4
    hit = data["results"][0]
    assert {"id", "title", "summary", "themes", "blocs", "countries", "year_start", "score", "highlights"} <= set(hit)
    assert set(data["facets"]) == {"theme", "topic", "bloc", "country", "instrument", "target_group", "language"}


def test_facet_counts_cover_the_whole_result_and_ignore_their_own_selection(client):
    all_of_them = client.get("/api/v1/search?per_page=1").get_json()
    total = all_of_them["total"]
    assert sum(all_of_them["facets"]["language"].values()) == total
    can = client.get("/api/v1/search?bloc=CAN&per_page=1").get_json()
    # the bloc facet still shows the other blocs (widening), the others are narrowed to CAN
    assert can["facets"]["bloc"] == all_of_them["facets"]["bloc"]
    assert sum(can["facets"]["language"].values()) == can["total"] < total
    both = client.get("/api/v1/search?bloc=CAN&bloc=SICA&per_page=1").get_json()
    assert both["total"] > can["total"]  # values of one facet combine with OR
    and_theme = client.get("/api/v1/search?bloc=CAN&theme=services&per_page=1").get_json()
    assert and_theme["total"] <= can["total"]  # different facets combine with AND


def test_cross_language_and_years(client):
    ids = [r["id"] for r in client.get("/api/v1/search?q=previd%C3%AAncia+social").get_json()["results"]]
    assert "caricom-agreement-on-social-security" in ids  # English entry from a Portuguese query
    early = client.get("/api/v1/search?year_to=1990&per_page=100").get_json()
    assert all(r["year_start"] <= 1990 for r in early["results"])


@pytest.mark.parametrize("query, message", [
    ("theme=labor", "theme: 'labor' is not a known value"),
    ("per_page=1000", "per_page: 1000 is outside 1–100"),
    ("sort=random", "sort: 'random' is not one of"),
    ("country=ZZ", "country: 'ZZ' is not a known value"),
])
def test_bad_parameters_answer_400_with_a_message(client, query, message):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_entry_and_findings(client):
    entry = client.get("/api/v1/entries/mercosur-residence-agreement").get_json()
    assert entry["id"] == "mercosur-residence-agreement" and entry["state"] == "published"
    assert client.get("/api/v1/entries/nope").status_code == 404
    findings = client.get("/api/v1/findings?kind=recommendation&bloc=CAN").get_json()
    assert findings["total"] >= 1
    assert all(f["kind"] == "recommendation" for f in findings["results"])
    assert findings["facets"]["kind"]["recommendation"] == findings["total"]
    assert client.get("/api/v1/findings?kind=praise").status_code == 400


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/search", "/findings", "/entries", "/entries/{entry_id}", "/entries/{entry_id}/publish"} <= set(
        doc["paths"])


# -- writes ----------------------------------------------------------------------------------------------
NEW = {"id": "test-api-entry", "title": "A practice sent through the API", "summary": "Summary.", "language": "en",
       "themes": ["protection"], "countries": ["MX", "GT"], "sources": [{"title": "A law", "publisher": "A state"}],
       "findings": [{"kind": "strength", "text": "Clear."}, {"kind": "lesson", "text": "Learned."}],
       "body": "Body <script>alert(1)</script> text."}


@pytest.fixture(scope="module")
def tokens(app):
    services = app.extensions["migration_kb"]
    out = {}
    with services.db.session() as s:
        for name, role in [("ana", "expert"), ("ben", "expert"), ("rita", "reader"), ("ada", "admin")]:
            out[name] = accounts.new_token(s, accounts.add_user(s, name, role, "a long password!"))
    return out


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_writes_need_an_expert_token(client, tokens):
    assert client.post("/api/v1/entries", json=NEW).status_code == 401
    assert client.post("/api/v1/entries", json=NEW, headers=auth("mkb_wrong")).status_code == 401
    assert client.post("/api/v1/entries", json=NEW, headers=auth(tokens["rita"])).status_code == 403


def test_invalid_entry_answers_422_with_every_field_error(client, tokens):
    bad = {**NEW, "id": "test-bad", "themes": ["labor"], "language": "de", "countries": []}
    response = client.post("/api/v1/entries", json=bad, headers=auth(tokens["ana"]))
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"themes", "language", "countries"} <= fields
    assert client.get("/api/v1/entries/test-bad").status_code == 404  # nothing half-written
    assert client.post("/api/v1/entries", data="not json", headers=auth(tokens["ana"])).status_code == 400


def test_draft_is_invisible_until_a_second_expert_publishes(client, tokens):
    created = client.post("/api/v1/entries", json=NEW, headers=auth(tokens["ana"]))
    assert created.status_code == 201 and created.get_json()["state"] == "draft"
    assert client.get("/api/v1/entries/test-api-entry").status_code == 404  # the public
    assert client.get("/entries/test-api-entry").status_code == 404
    assert client.get("/api/v1/entries/test-api-entry", headers=auth(tokens["rita"])).status_code == 404
    assert client.get("/api/v1/entries/test-api-entry", headers=auth(tokens["ana"])).status_code == 200
    assert client.post("/api/v1/entries", json=NEW, headers=auth(tokens["ana"])).status_code == 409
    own = client.post("/api/v1/entries/test-api-entry/publish", headers=auth(tokens["ana"]))
    assert own.status_code == 403  # not by its author
    published = client.post("/api/v1/entries/test-api-entry/publish?version=1", headers=auth(tokens["ben"]))
    assert published.status_code == 200
    entry = client.get("/api/v1/entries/test-api-entry").get_json()
    assert entry["state"] == "published"
    page = client.get("/entries/test-api-entry").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "Body" in page


def test_stale_update_conflicts(client, tokens):
    client.post("/api/v1/entries", json={**NEW, "id": "test-stale"}, headers=auth(tokens["ana"]))
    first = client.put("/api/v1/entries/test-stale", json={**NEW, "id": "test-stale", "title": "Second",
                                                           "version": 1}, headers=auth(tokens["ana"]))
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = client.put("/api/v1/entries/test-stale", json={**NEW, "id": "test-stale", "title": "Third",
                                                           "version": 1}, headers=auth(tokens["ben"]))
    assert stale.status_code == 409 and "current version is 2" in stale.get_json()["error"]
    assert client.delete("/api/v1/entries/test-stale?version=1", headers=auth(tokens["ana"])).status_code == 409
    assert client.delete("/api/v1/entries/test-stale", headers=auth(tokens["ana"])).status_code == 204
    assert client.get("/api/v1/entries/test-stale", headers=auth(tokens["ana"])).status_code == 404


def test_a_saved_entry_is_searchable_within_a_second(client, tokens, app):
    import time

    client.post("/api/v1/entries", json={**NEW, "id": "test-fresh", "title": "Zanzibarian exchange programme"},
                headers=auth(tokens["ana"]))
    client.post("/api/v1/entries/test-fresh/publish?version=1", headers=auth(tokens["ada"]))
    start = time.monotonic()
    while time.monotonic() - start < 3:
        ids = [r["id"] for r in client.get("/api/v1/search?q=zanzibarian").get_json()["results"]]
        if "test-fresh" in ids:
            break
        time.sleep(0.05)
    assert "test-fresh" in ids  # the follower applied the change log (its latency is measured in bench/)


# -- one error model, and the round trip ------------------------------------------------------------------
def test_removing_every_source_of_a_published_entry_answers_422_naming_sources(client, tokens):
    entry = client.get("/api/v1/entries/mercosur-residence-agreement").get_json()
    response = client.put("/api/v1/entries/mercosur-residence-agreement", json={**entry, "sources": []},
                          headers=auth(tokens["ana"]))
    assert response.status_code == 422
    body = response.get_json()
    assert [e["field"] for e in body["errors"]] == ["sources"] and "at least one source" in body["error"]
    assert client.get("/api/v1/entries/mercosur-residence-agreement").get_json() == entry  # nothing written


def test_every_shipped_entry_can_be_put_back_as_get_gave_it(client, tokens, app):
    from sqlalchemy import func, select

    from migration_kb.models import EntryRow, Revision
    from tests.conftest import KB

    db = app.extensions["migration_kb"].db
    ids = sorted(p.stem for p in (KB / "entries").rglob("*.md") if p.name != "README.md")
    assert len(ids) >= 40

    def stored():
        with db.session() as s:
            rows = dict(s.execute(select(EntryRow.id, EntryRow.content_hash)).tuples().all())
            revisions = s.scalar(select(func.count()).select_from(Revision))
        return {i: rows.get(i) for i in ids}, revisions

    before = stored()
    for entry_id in ids:
        got = client.get(f"/api/v1/entries/{entry_id}", headers=auth(tokens["ana"])).get_json()
        put = client.put(f"/api/v1/entries/{entry_id}", json=got, headers=auth(tokens["ana"]))
        assert put.status_code == 200, (entry_id, put.get_json())
        assert put.get_json() == {"id": entry_id, "version": got["version"], "outcome": "unchanged",
                                  "state": got["state"]}
        assert client.get(f"/api/v1/entries/{entry_id}", headers=auth(tokens["ana"])).get_json() == got
    assert stored() == before  # same content hashes, no new revision


def test_read_only_fields_sent_back_are_checked(client, tokens):
    headers = auth(tokens["ana"])
    client.post("/api/v1/entries", json={**NEW, "id": "test-read-only"}, headers=headers)
    got = client.get("/api/v1/entries/test-read-only", headers=headers).get_json()
    changed = client.put("/api/v1/entries/test-read-only", json={**got, "title": "A new title"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["version"] == got["version"] + 1
    stale = client.put("/api/v1/entries/test-read-only", json={**got, "title": "Lost update"}, headers=headers)
    assert stale.status_code == 409 and "current version is" in stale.get_json()["error"]
    got = client.get("/api/v1/entries/test-read-only", headers=headers).get_json()
    wrong = {**got, "state": "published", "created_at": "2001-01-01T00:00:00",
             "findings": [{**got["findings"][0], "id": "another-entry:1"}, *got["findings"][1:]]}
    refused = client.put("/api/v1/entries/test-read-only", json=wrong, headers=headers)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.get_json()["errors"]} == {"state", "created_at", "findings[0].id"}
    assert client.get("/api/v1/entries/test-read-only", headers=headers).get_json() == got
    bad_version = client.put("/api/v1/entries/test-read-only", json={**got, "version": "2"}, headers=headers)
    assert bad_version.status_code == 400 and bad_version.get_json()["errors"][0]["field"] == "version"
    assert client.delete("/api/v1/entries/test-read-only?version=abc", headers=headers).status_code == 400
    assert client.get("/api/v1/entries/test-read-only", headers=headers).status_code == 200


@pytest.mark.parametrize("raw", ['{"title": "\\ud800"}', "[" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000, "{"])
def test_bodies_no_store_could_hold_answer_400(client, tokens, raw):
    response = client.post("/api/v1/entries", data=raw, content_type="application/json",
                           headers=auth(tokens["ana"]))
    assert response.status_code == 400 and response.get_json()["error"]


def test_a_refusal_on_a_page_is_an_error_page_in_the_ui_language(client, tokens, app):
    from tests.experts import add_people, csrf, signed_in

    add_people(app, {"eve": "expert"})
    eve = signed_in(app, "eve")
    page = eve.get("/entries/no-such-entry/edit")
    assert page.status_code == 404 and "There is no entry &#39;no-such-entry&#39;." in page.get_data(as_text=True)
    page = eve.get("/entries/no-such-entry/edit?lang=es")
    assert page.status_code == 404 and "No hay ninguna entrada &#39;no-such-entry&#39;." in page.get_data(as_text=True)
    created = client.post("/api/v1/entries", json={**NEW, "id": "test-own-page"}, headers=auth(tokens["ana"]))
    assert created.status_code == 201
    ana = signed_in(app, "ana")
    token = csrf(ana, "/entries/test-own-page/review")
    refused = ana.post("/entries/test-own-page/review?lang=fr", data={"csrf_token": token, "step": "approve"})
    assert refused.status_code == 403
    assert "par un expert autre que son auteur" in refused.get_data(as_text=True)
