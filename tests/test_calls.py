"""Calls for practices (issue 17 item 3): an admin opens one, the public reads it and sees it on the home page
while open, experts respond with an entry that the desk marks and filters by call, and after its deadline the
call closes by itself and lists the practices it gathered."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from migration_kb import calls
from migration_kb.models import CallResponse, CallRow
from tests.experts import add_people, csrf, entry_fields, signed_in
from tests.test_threads import assert_inert

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"cl-admin": "admin", "cl-expert": "expert", "cl-other": "expert", "cl-reader": "reader"})


def call_form(token: str, **changes) -> dict:
    fields = {"csrf_token": token, "title": "Consular protection of seasonal workers",
              "description": "Which states *protect* their seasonal workers abroad?", "language": "en",
              "themes": ["protection"], "topics": [], "blocs": ["MERCOSUR"], "criteria": "In force since 2000.",
              "deadline": (calls.today() + timedelta(days=30)).isoformat()}
    fields.update(changes)
    return fields


def open_call(app, **changes) -> int:
    admin = signed_in(app, "cl-admin")
    response = admin.post("/calls/new", data=call_form(csrf(admin, "/calls/new"), **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_an_admin_opens_a_call_the_public_reads_it_and_the_home_page_lists_it(app, people):
    call_id = open_call(app, title="Call zzopen")
    public = app.test_client()
    page = public.get(f"/calls/{call_id}").get_data(as_text=True)
    assert "Call zzopen" in page and "<em>protect</em>" in page and "Open until" in page
    assert "Call zzopen" in public.get("/").get_data(as_text=True)
    assert "Call zzopen" not in public.get("/?q=visa").get_data(as_text=True)  # the home page, not results
    assert "Call zzopen" in public.get("/calls").get_data(as_text=True)
    assert 'href="/calls' in public.get("/coverage").get_data(as_text=True)  # the footer links the calls


def test_only_an_admin_opens_a_call(app, people):
    for name in ("cl-expert", "cl-reader"):
        client = signed_in(app, name)
        assert client.get("/calls/new").status_code == 403
        assert client.post("/calls/new", data=call_form(csrf(client))).status_code == 403
    anonymous = app.test_client()
    response = anonymous.post("/calls/new", data=call_form(csrf(anonymous)))
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_call_form_with_mistakes_names_each_and_keeps_what_was_typed(app, people):
    admin = signed_in(app, "cl-admin")
    response = admin.post("/calls/new", data=call_form(csrf(admin), title="", description="Kept zzkept",
                                                       language="xx", themes=["nope"], deadline="2001-02-30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("is required", "one of en, es, pt, fr", "not a known value", "a date, YYYY-MM-DD", "zzkept"):
        assert message in page
    past = admin.post("/calls/new", data=call_form(csrf(admin), deadline=(calls.today() - timedelta(days=1))
                                                   .isoformat()))
    assert past.status_code == 422 and "the deadline has passed" in past.get_data(as_text=True)


def test_an_expert_responds_and_the_desk_marks_and_filters_by_call(app, people):
    call_id = open_call(app, title="Call zzdesk")
    other_call = open_call(app, title="Call zzelse")
    expert = signed_in(app, "cl-expert")
    page = expert.get(f"/calls/{call_id}").get_data(as_text=True)
    assert f'href="/entries/new?call={call_id}"' in page
    form = expert.get(f"/entries/new?call={call_id}").get_data(as_text=True)
    assert f'name="call" value="{call_id}"' in form
    created = expert.post("/entries/new", data=entry_fields(csrf(expert, "/entries/new"), id="zz-call-answer",
                                                            call=str(call_id)))
    assert created.status_code == 302
    # and an entry written before, offered on the call page
    expert.post("/entries/new", data=entry_fields(csrf(expert, "/entries/new"), id="zz-earlier"))
    page = expert.get(f"/calls/{other_call}").get_data(as_text=True)
    assert 'value="zz-earlier"' in page and 'value="zz-call-answer"' not in page
    assert expert.post(f"/calls/{other_call}/respond", data={"csrf_token": csrf(expert), "entry_id": "zz-earlier"}
                       ).status_code == 302
    desk = signed_in(app, "cl-other").get("/desk").get_data(as_text=True)
    assert "In response to the call “Call zzdesk”" in desk and "In response to the call “Call zzelse”" in desk
    only = signed_in(app, "cl-other").get(f"/desk?call={call_id}").get_data(as_text=True)
    assert "Call zzdesk" in only and "zz-earlier" not in only and "In response to the call “Call zzelse”" not in only
    # another expert's entry is not theirs to respond with; one entry answers one call
    other = signed_in(app, "cl-other")
    assert other.post(f"/calls/{call_id}/respond", data={"csrf_token": csrf(other), "entry_id": "zz-earlier"}
                      ).status_code == 404
    assert expert.post(f"/calls/{call_id}/respond", data={"csrf_token": csrf(expert), "entry_id": "zz-earlier"}
                       ).status_code == 409
    reader = signed_in(app, "cl-reader")
    assert reader.post(f"/calls/{call_id}/respond", data={"csrf_token": csrf(reader), "entry_id": "zz-earlier"}
                       ).status_code == 403


def test_after_its_deadline_a_call_closes_by_itself_and_lists_what_it_gathered(app, people):
    db = app.extensions["migration_kb"].db
    yesterday = calls.today() - timedelta(days=1)
    with db.session() as s:
        row = CallRow(title="Call zzclosed", description="Past", language="es", themes=[], topics=[], blocs=[],
                      criteria="", deadline=yesterday)
        s.add(row)
        s.flush()
        call_id = row.id
        s.add(CallResponse(entry_id="mercosur-residence-agreement", call_id=call_id))
    page = app.test_client().get(f"/calls/{call_id}").get_data(as_text=True)
    assert "Closed on" in page and "Practices gathered" in page and "mercosur-residence-agreement" in page
    assert "Respond to this call" not in page
    assert "Call zzclosed" not in app.test_client().get("/").get_data(as_text=True)
    expert = signed_in(app, "cl-expert")
    refused = expert.post(f"/calls/{call_id}/respond", data={"csrf_token": csrf(expert), "entry_id": "zz-earlier"})
    assert refused.status_code == 409 and "closed" in refused.get_data(as_text=True)
    assert calls.is_open(date(2030, 1, 1), on=date(2030, 1, 1)) and not calls.is_open(date(2030, 1, 1),
                                                                                        on=date(2030, 1, 2))


def test_unpublished_responses_are_not_listed_to_the_public(app, people):
    call_id = open_call(app, title="Call zzprivate")
    expert = signed_in(app, "cl-expert")
    expert.post("/entries/new", data=entry_fields(csrf(expert, "/entries/new"), id="zz-private-answer",
                                                  title="Zzprivate draft", call=str(call_id)))
    assert "Zzprivate draft" not in app.test_client().get(f"/calls/{call_id}").get_data(as_text=True)


def test_markup_in_a_call_renders_inert_and_its_forms_need_csrf(app, people):
    xss = '<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))'
    call_id = open_call(app, title=xss, description=xss, criteria=xss)
    for path in (f"/calls/{call_id}", "/calls", "/", "/desk"):
        assert_inert(signed_in(app, "cl-expert").get(path).get_data(as_text=True))
    admin, expert = signed_in(app, "cl-admin"), signed_in(app, "cl-expert")
    for client, path, data in ((admin, "/calls/new", call_form("")), (expert, f"/calls/{call_id}/respond",
                                                                      {"entry_id": "zz-earlier"})):
        for token in ("", "forged"):
            assert client.post(path, data={**data, "csrf_token": token}).status_code == 400


def test_a_search_log_line_offers_admins_a_call_on_it(app, people):
    app.test_client().get("/?q=zzunfound+wombats")
    page = signed_in(app, "cl-admin").get("/search-log").get_data(as_text=True)
    link = re.search(r'href="(/calls/new\?q=zzunfound[^"]*)"', page).group(1)
    form = signed_in(app, "cl-admin").get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="zzunfound wombats"' in form
    assert "/calls/new" not in signed_in(app, "cl-expert").get("/search-log").get_data(as_text=True)


def call_count(app) -> int:
    with app.extensions["migration_kb"].db.session() as s:
        return s.scalar(select(func.count()).select_from(CallRow))


words = st.text(max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(title=words, description=words, language=st.sampled_from(["en", "es", "xx", ""]),
       themes=st.lists(st.sampled_from(["protection", "labour-mobility", "x", ""]), max_size=3),
       deadline=st.one_of(st.dates().map(date.isoformat), st.text(max_size=12)), criteria=words)
def test_generated_calls_open_or_answer_422_never_500_never_half(app, people, title, description, language,
                                                                 themes, deadline, criteria):
    admin = signed_in(app, "cl-admin")
    before = call_count(app)
    response = admin.post("/calls/new", data=call_form(csrf(admin), title=title, description=description,
                                                       language=language, themes=themes, deadline=deadline,
                                                       criteria=criteria))
    assert response.status_code in (302, 422), response.status_code
    assert call_count(app) == before + (response.status_code == 302)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(entry_id=st.text(max_size=100), call=st.sampled_from(["1", "0", "99999999999999999999", "x", "-1"]))
def test_generated_responses_never_500(app, people, entry_id, call):
    expert = signed_in(app, "cl-expert")
    response = expert.post(f"/calls/{call}/respond", data={"csrf_token": csrf(expert), "entry_id": entry_id})
    assert response.status_code in (302, 404, 409), response.status_code

