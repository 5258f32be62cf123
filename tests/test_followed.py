"""Following a search: saved by name from the search page, a private feed (shown once, revocable), the digest
setting; only its owner sees or changes it; bad input answers 4xx naming the field, never 500 or half a write."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from migration_kb.models import FollowedSearch
from tests.experts import add_people, csrf, signed_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
SEARCH = "theme=labour-mobility&bloc=CARICOM"


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"lia": "reader", "max": "expert"})


def follow(client, name: str, query: str = SEARCH, digest: str = "daily"):
    return client.post("/followed", data={"csrf_token": csrf(client, "/followed"), "name": name, "query": query,
                                          "digest": digest})


def count(app) -> int:
    with app.extensions["migration_kb"].db.session() as s:
        return s.scalar(select(func.count()).select_from(FollowedSearch))


def test_the_anonymous_are_sent_to_sign_in(client):
    for path in ("/followed", f"/followed/new?{SEARCH}"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_follow_from_the_search_page_and_read_the_private_feed(app, people):
    lia = signed_in(app, "lia")
    results = lia.get(f"/?{SEARCH}").get_data(as_text=True)
    link = re.search(r'href="(/followed/new\?[^"]+)">Follow this search', results).group(1).replace("&amp;", "&")
    form = lia.get(link).get_data(as_text=True)
    assert 'name="query" value="theme=labour-mobility&amp;bloc=CARICOM"' in form
    response = follow(lia, "Labour in CARICOM")
    assert response.status_code == 303
    page = lia.get(response.headers["Location"]).get_data(as_text=True)
    assert "You now follow “Labour in CARICOM”." in page
    feed = re.search(r'class="feed-url" href="http://localhost(/feeds/[^"]+\.atom)"', page).group(1)
    assert "feed-url" not in lia.get("/followed").get_data(as_text=True)  # the address is shown once
    anonymous = app.test_client()
    atom = anonymous.get(feed)
    assert atom.status_code == 200 and atom.mimetype == "application/atom+xml"
    assert atom.headers["Cache-Control"] == "no-store"
    hits = lia.get(f"/search.atom?{SEARCH}").get_data(as_text=True).count("<entry>")
    assert atom.get_data(as_text=True).count("<entry>") == hits > 0
    followed_id = int(re.search(r'id="followed-(\d+)"', page).group(1))
    # a new address revokes the old; stopping the feed revokes it too
    again = lia.post(f"/followed/{followed_id}/feed", data={"csrf_token": csrf(lia, "/followed")})
    newer = re.search(r'class="feed-url" href="http://localhost(/feeds/[^"]+\.atom)"',
                      lia.get(again.headers["Location"]).get_data(as_text=True)).group(1)
    assert anonymous.get(feed).status_code == 404 and anonymous.get(newer).status_code == 200
    lia.post(f"/followed/{followed_id}/feed/stop", data={"csrf_token": csrf(lia, "/followed")})
    assert anonymous.get(newer).status_code == 404
    assert "The feed is stopped." in lia.get("/followed").get_data(as_text=True)


def test_only_its_owner_changes_it(app, people):
    lia, mx = signed_in(app, "lia"), signed_in(app, "max")
    follow(lia, "Owned by lia")
    page = lia.get("/followed").get_data(as_text=True)
    followed_id = int(re.search(r'id="followed-(\d+)"[^>]*>\s*<h2[^>]*>Owned by lia', page).group(1))
    for path, data in ((f"/followed/{followed_id}/digest", {"digest": "none"}), (f"/followed/{followed_id}/feed", {}),
                       (f"/followed/{followed_id}/delete", {})):
        assert mx.post(path, data={"csrf_token": csrf(mx, "/followed"), **data}).status_code == 404
    assert "Owned by lia" not in mx.get("/followed").get_data(as_text=True)
    assert lia.post(f"/followed/{followed_id}/digest", data={"csrf_token": csrf(lia, "/followed"),
                                                             "digest": "weekly"}).status_code == 303
    assert '<option value="weekly" selected>' in lia.get("/followed").get_data(as_text=True)
    assert lia.post(f"/followed/{followed_id}/delete", data={"csrf_token": csrf(lia, "/followed")}).status_code == 303
    assert "Owned by lia" not in lia.get("/followed").get_data(as_text=True)


def test_bad_input_is_named(app, people):
    lia = signed_in(app, "lia")
    before = count(app)
    response = follow(lia, "", SEARCH)
    assert response.status_code == 422 and "give the search a name" in response.get_data(as_text=True)
    response = follow(lia, "Bad theme", "theme=labor")
    assert response.status_code == 422 and "did you mean" in response.get_data(as_text=True)
    assert follow(lia, "Bad digest", SEARCH, "hourly").status_code == 422
    assert follow(lia, "x" * 121).status_code == 422
    assert count(app) == before
    follow(lia, "Twice")
    response = follow(lia, "Twice")
    assert response.status_code == 409 and "already follow a search named" in response.get_data(as_text=True)
    assert lia.post("/followed", data={"name": "No token", "query": SEARCH}).status_code == 400  # CSRF


def test_in_four_languages(app, people):
    lia = signed_in(app, "lia")
    words = {"es": "Sus búsquedas seguidas", "pt": "As suas pesquisas seguidas", "fr": "Vos recherches suivies"}
    for lang, title in words.items():
        assert title in lia.get(f"/followed?lang={lang}").get_data(as_text=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=200), query=st.text(max_size=300), digest=st.text(max_size=12))
def test_generated_input_never_breaks_it(app, people, name, query, digest):
    lia = signed_in(app, "lia")
    before = count(app)
    response = follow(lia, name, query, digest)
    assert response.status_code in (303, 409, 422), response.get_data(as_text=True)[-500:]
    assert count(app) == before + (response.status_code == 303)
    if response.status_code != 303:
        assert re.search(r'class="(field-error|message)"', response.get_data(as_text=True))
