"""Inputs an outside probe sent that reached a 5xx or did a wrong thing (issue 19, items 10-15): each now gets a
clear 4xx, and a refused request changes nothing."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from migration_kb import accounts
from migration_kb.models import Draft, DraftSection, EntryRow, User
from migration_kb.records import MAX_ERRORS, clean_text, validate_entry
from tests.experts import add_people, csrf, signed_in

HUGE = "99999999999999999999999"
ENTRY = {"title": "A practice probed for hostile input", "summary": "Summary.", "language": "en",
         "themes": ["protection"], "countries": ["MX", "GT"],
         "sources": [{"title": "A law", "publisher": "A state", "year": 2004}],
         "findings": [{"kind": "strength", "text": "Clear."}]}


@pytest.fixture(scope="module")
def who(app):
    add_people(app, {"hex": "expert", "hal": "admin", "hra": "rapporteur", "hrb": "reader"})
    with app.extensions["migration_kb"].db.session() as s:
        tokens = {name: accounts.new_token(s, accounts.find_user(s, name), "t") for name in ("hex", "hal", "hra")}
        reader_id = s.scalar(select(User.id).where(User.name == "hrb"))
    return {"tokens": tokens, "reader_id": reader_id}


def bearer(who, name: str) -> dict:
    return {"Authorization": f"Bearer {who['tokens'][name]}"}


def api(app, who, name, method, path, body=None, raw: bytes | None = None):
    kwargs = {"data": raw, "content_type": "application/json"} if raw is not None else {"json": body}
    return app.test_client().open(path, method=method, headers=bearer(who, name), **kwargs)


# -- 10 -------------------------------------------------------------------------------------------------------
def test_an_entry_id_used_again_after_a_delete_is_created_anew(app, who):
    body = {**ENTRY, "id": "reborn-entry"}
    assert api(app, who, "hex", "POST", "/api/v1/entries", body).status_code == 201
    assert api(app, who, "hex", "DELETE", "/api/v1/entries/reborn-entry").status_code == 204
    again = api(app, who, "hex", "POST", "/api/v1/entries", body)
    assert again.status_code == 201 and again.get_json()["version"] == 3  # its history goes on
    assert api(app, who, "hex", "POST", "/api/v1/entries", body).status_code == 409  # exists: a clear 409


# -- 11 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "a\ud800b", "\udfff"])
def test_one_text_rule_refuses_control_characters_and_lone_surrogates(bad):
    _, fault = clean_text(f"text {bad} here")
    assert fault and ("control character" in fault or "NUL" in fault or "Unicode" in fault)
    for field in ("title", "summary", "body"):
        with pytest.raises(ValueError, match=r"NUL|control|Unicode"):
            validate_entry({**ENTRY, "id": "text-rule", field: f"text {bad} here"})
    with pytest.raises(ValueError, match=r"NUL|control|Unicode"):
        validate_entry({**ENTRY, "id": "text-rule", "findings": [{"kind": "lesson", "text": f"a {bad} b"}]})


def test_newlines_and_tabs_are_text():
    assert clean_text("one\r\ntwo\tthree\rfour") == ("one\ntwo\tthree\nfour", None)
    assert validate_entry({**ENTRY, "id": "text-rule", "body": "a\r\n\tb"}).body.startswith("a\n\tb")


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\ud800"])
def test_drafts_follow_the_same_text_rule(app, who, bad):
    hra = signed_in(app, "hra")
    with app.extensions["migration_kb"].db.session() as s:
        before = s.scalar(select(func.count()).select_from(Draft))
    created = api(app, who, "hra", "POST", "/api/v1/drafts", raw=json.dumps({"title": f"T{bad}"}).encode())
    assert created.status_code in (400, 422) and created.get_json()["error"]
    if bad != "\ud800":  # a form cannot carry a lone surrogate (its bytes would not be UTF-8)
        created = hra.post("/drafts", data={"csrf_token": csrf(hra, "/drafts"), "title": f"Title {bad}"})
        assert created.status_code < 500
    with app.extensions["migration_kb"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Draft)) == before  # neither way made a draft
    good = api(app, who, "hra", "POST", "/api/v1/drafts", {"title": "Clean"})
    draft_id = good.get_json()["id"]
    token = csrf(hra, f"/drafts/{draft_id}")
    if bad != "\ud800":
        response = hra.post(f"/drafts/{draft_id}/text", data={"csrf_token": token, "section": "",
                                                              "text": f"A {bad} B"})
        assert response.status_code == 302
    with app.extensions["migration_kb"].db.session() as s:
        assert s.get(Draft, draft_id).intro in ("", None)


# -- 12 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000])
@pytest.mark.parametrize("route", [("POST", "/api/v1/entries", "hex"), ("PUT", "/api/v1/entries/nested", "hex"),
                                   ("POST", "/api/v1/drafts", "hra")])
def test_deeply_nested_json_is_a_400_with_a_message(app, who, raw, route):
    method, path, name = route
    response = api(app, who, name, method, path, raw=raw)
    assert response.status_code == 400 and response.get_json()["error"]


# -- 13 -------------------------------------------------------------------------------------------------------
def test_huge_and_non_ascii_ids_in_routes_are_404(app, who):
    hra, hal = signed_in(app, "hra"), signed_in(app, "hal")
    for number in (HUGE, "١", "²", "１"):
        for path in (f"/drafts/{number}", f"/drafts/{number}/history", f"/drafts/1/history/{number}",
                     f"/drafts/{number}/export"):
            assert hra.get(path).status_code == 404, path
        assert api(app, who, "hra", "GET", f"/api/v1/drafts/{number}").status_code == 404
        assert api(app, who, "hra", "POST", f"/api/v1/drafts/{number}/findings",
                   {"finding_ids": []}).status_code == 404
        token = csrf(hra, "/account")
        assert hra.post(f"/drafts/{number}/text", data={"csrf_token": token, "text": "x"}).status_code == 404
        assert hra.post(f"/account/tokens/{number}/revoke", data={"csrf_token": token}).status_code == 404
        token = csrf(hal, "/admin/users")
        assert hal.post(f"/admin/users/{number}", data={"csrf_token": token, "action": "disable"}).status_code == 404
        assert hal.post(f"/entries/mercosur-residence-agreement/history/{number}/restore",
                        data={"csrf_token": token}).status_code == 404


def test_huge_ids_in_draft_forms_are_refused(app, who):
    hra = signed_in(app, "hra")
    draft_id = api(app, who, "hra", "POST", "/api/v1/drafts", {"title": "Forms"}).get_json()["id"]
    token = csrf(hra, f"/drafts/{draft_id}")
    for action, field in (("remove", "item"), ("accept", "item"), ("unshare", "user"), ("restore", "version")):
        response = hra.post(f"/drafts/{draft_id}/{action}", data={"csrf_token": token, field: HUGE})
        assert response.status_code == 302, action  # back to the draft with the reason
    response = hra.post("/drafts/add", data={"csrf_token": token, "draft_id": HUGE,
                                             "finding_id": "mercosur-residence-agreement:1"})
    assert response.status_code in (302, 404)


@pytest.mark.parametrize("finding", ["mercosur-residence-agreement:²", "mercosur-residence-agreement:١",
                                     "mercosur-residence-agreement:" + HUGE, "mercosur-residence-agreement:１"])
def test_finding_ids_are_ascii_digits(app, who, finding):
    draft_id = api(app, who, "hra", "POST", "/api/v1/drafts", {"title": "Findings"}).get_json()["id"]
    response = api(app, who, "hra", "POST", f"/api/v1/drafts/{draft_id}/findings", {"finding_ids": [finding]})
    assert response.status_code == 422 and finding not in json.dumps(response.get_json().get("added", []))
    assert api(app, who, "hra", "GET", f"/api/v1/drafts/{draft_id}").get_json()["findings"] == 0


# -- 14 -------------------------------------------------------------------------------------------------------
def test_an_unknown_admin_action_is_a_400_and_changes_nothing(app, who):
    hal = signed_in(app, "hal")
    token = csrf(hal, "/admin/users")
    response = hal.post(f"/admin/users/{who['reader_id']}", data={"csrf_token": token, "action": "promote",
                                                                   "role": "admin"})
    assert response.status_code == 400
    with app.extensions["migration_kb"].db.session() as s:
        person = s.get(User, who["reader_id"])
        assert (person.role, person.disabled) == ("reader", False)


@pytest.mark.parametrize("anchor", ["#x\r\nSet-Cookie: a=b", "#x\n", "https://evil.example", "#a b"])
def test_a_draft_anchor_with_cr_lf_is_a_400_before_anything_is_saved(app, who, anchor):
    hra = signed_in(app, "hra")
    draft_id = api(app, who, "hra", "POST", "/api/v1/drafts", {"title": "Anchors"}).get_json()["id"]
    response = hra.post(f"/drafts/{draft_id}/text", data={"csrf_token": csrf(hra, f"/drafts/{draft_id}"),
                                                          "section": "", "text": "Saved?", "anchor": anchor})
    assert response.status_code == 400
    with app.extensions["migration_kb"].db.session() as s:
        draft = s.get(Draft, draft_id)
        assert draft.intro in ("", None) and draft.version == 1
        assert not s.scalars(select(DraftSection).where(DraftSection.draft_id == draft_id)).all()


@pytest.mark.parametrize("version", ["abc", "1.0", "١", "-1", "", HUGE])
def test_delete_with_a_bad_version_is_a_400_and_deletes_nothing(app, who, version):
    entry_id = "kept-after-bad-delete"
    if api(app, who, "hex", "GET", f"/api/v1/entries/{entry_id}").status_code == 404:
        assert api(app, who, "hex", "POST", "/api/v1/entries", {**ENTRY, "id": entry_id}).status_code == 201
    response = api(app, who, "hex", "DELETE", f"/api/v1/entries/{entry_id}?version={version}")
    assert response.status_code in (400, 409) and response.get_json()["error"]
    with app.extensions["migration_kb"].db.session() as s:
        assert s.get(EntryRow, entry_id) is not None


# -- 15 -------------------------------------------------------------------------------------------------------
def test_a_body_of_150000_unknown_keys_is_answered_quickly_with_a_capped_list(app, who):
    body = {**ENTRY, "id": "many-keys", **{f"k{i}": 0 for i in range(150_000)}}
    raw = json.dumps(body, separators=(",", ":")).encode()
    assert len(raw) < 2_000_000
    started = time.perf_counter()
    response = api(app, who, "hex", "POST", "/api/v1/entries", raw=raw)
    took = time.perf_counter() - started
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1]["message"] == "and 149,950 more problems, not listed"
    assert len(response.get_data()) < 20_000
    assert took < 2.0, took
