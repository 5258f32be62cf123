"""Questions and comments on entries and workshop panels (issue 17 item 1): who posts, answers and moderates,
newest activity first, limits with clear messages, history, hidden posts kept from the public everywhere,
inert markup, CSRF, and generated input on every write route."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from testkit.mailbox import Mailbox

from migration_kb import accounts, threads
from migration_kb.models import Post, PostEvent
from tests.experts import add_people, csrf, signed_in

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ENTRY = "/entries/mercosur-residence-agreement"
EVENT = "/events/oas-2011-bilateral-cooperation"
PANEL = EVENT + "/panels/protection/posts"


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"th-reader": "reader", "th-expert": "expert", "th-admin": "admin", "th-other": "reader",
                     "th-busy": "reader", "th-rapp": "rapporteur"})


@pytest.fixture
def clean(app):
    with app.extensions["migration_kb"].db.session() as s:
        s.execute(text("DELETE FROM post_events"))
        s.execute(text("DELETE FROM posts"))


def post(client, path: str, body: str, parent: int | None = None, page: str = ENTRY):
    data = {"csrf_token": csrf(client, page), "text": body}
    if parent:
        data["parent"] = str(parent)
    return client.post(path, data=data)


def post_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("#post-", 1)[1])


def page(client, path: str = ENTRY) -> str:
    return client.get(path).get_data(as_text=True)


def test_a_reader_asks_an_expert_answers_everyone_reads(app, people, clean):
    reader, expert = signed_in(app, "th-reader"), signed_in(app, "th-expert")
    asked = post_id(post(reader, ENTRY + "/posts", "Does the agreement cover **Bolivia**?"))
    answered = post_id(post(expert, ENTRY + "/posts", "Yes, since 2009.", parent=asked))
    public = page(app.test_client())
    assert "Does the agreement cover <strong>Bolivia</strong>?" in public
    answer = public[public.index(f'id="post-{answered}"'):]
    assert answer.index("Yes, since 2009.") > answer.index('class="badge">Expert<')
    assert "Sign in to ask a question or comment." in public
    assert 'name="text"' not in public  # no form for the anonymous


def test_newest_activity_first(app, people, clean):
    reader, expert = signed_in(app, "th-reader"), signed_in(app, "th-expert")
    first = post_id(post(reader, ENTRY + "/posts", "First question zq1"))
    post_id(post(reader, ENTRY + "/posts", "Second question zq2"))
    shown = page(app.test_client())
    assert shown.index("zq2") < shown.index("zq1")
    post_id(post(expert, ENTRY + "/posts", "An answer to the first", parent=first))
    shown = page(app.test_client())
    assert shown.index("zq1") < shown.index("zq2")  # its answer made it the latest activity


def test_a_rapporteur_and_a_reader_may_post_only_signed_in(app, people, clean):
    assert post_id(post(signed_in(app, "th-rapp"), ENTRY + "/posts", "A rapporteur asks."))
    anonymous = app.test_client()
    response = anonymous.post(ENTRY + "/posts", data={"csrf_token": csrf(anonymous), "text": "Hello"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_empty_or_too_long_gets_a_clear_message_and_keeps_the_text(app, people, clean):
    reader = signed_in(app, "th-reader")
    for body, message in (("", "The text is empty"), ("   \n ", "The text is empty"),
                          ("x" * 5001, "The text is 5,001 characters long; at most 5,000 are allowed.")):
        response = post(reader, ENTRY + "/posts", body)
        shown = response.get_data(as_text=True)
        assert response.status_code == 422 and message in shown
        assert body.strip() in shown  # the text comes back in the form
    assert post_id(post(reader, ENTRY + "/posts", "y" * 5000))
    spanish = reader.post(ENTRY + "/posts?lang=es", data={"csrf_token": csrf(reader), "text": ""})
    assert "El texto está vacío" in spanish.get_data(as_text=True)


def test_an_hourly_limit_per_user(app, people, clean):
    busy = signed_in(app, "th-busy")
    token = csrf(busy, ENTRY)
    for i in range(threads.PER_HOUR):
        assert busy.post(ENTRY + "/posts", data={"csrf_token": token, "text": f"post {i}"}).status_code == 302
    refused = busy.post(ENTRY + "/posts", data={"csrf_token": token, "text": "one too many"})
    assert refused.status_code == 429
    shown = refused.get_data(as_text=True)
    assert "the most allowed" in shown and "one too many" in shown
    assert post_id(post(signed_in(app, "th-other"), ENTRY + "/posts", "someone else still may"))


def test_panels_have_their_own_threads(app, people, clean):
    reader = signed_in(app, "th-reader")
    pid = post_id(post(reader, PANEL, "Which states presented on protection?", page=EVENT))
    shown = page(app.test_client(), EVENT)
    panel = shown[shown.index('id="panel-protection"'):]
    panel = panel[:panel.index("</li>\n")] if "</li>\n" in panel else panel
    assert f'id="post-{pid}"' in panel and "Which states presented on protection?" in panel
    assert "Which states presented" not in page(app.test_client())  # not on an entry
    for path in (EVENT + "/panels/no-such-panel/posts", "/events/no-such-event/panels/protection/posts",
                 "/entries/no-such-entry/posts"):
        assert post(reader, path, "lost?").status_code == 404


def test_only_an_admin_hides_and_restores_and_hidden_posts_are_invisible_to_the_public(app, people, clean):
    reader, admin, expert = signed_in(app, "th-reader"), signed_in(app, "th-admin"), signed_in(app, "th-expert")
    pid = post_id(post(reader, ENTRY + "/posts", "Spam zzhidden"))
    answer = post_id(post(expert, ENTRY + "/posts", "An answer under it zzunder", parent=pid))
    for who in (app.test_client(), reader, expert):
        for action in ("hide", "restore"):
            response = who.post(f"/posts/{pid}/{action}", data={"csrf_token": csrf(who), "reason": "no"})
            assert response.status_code in (302, 403)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/sign-in")
    assert "zzhidden" in page(app.test_client())
    no_reason = admin.post(f"/posts/{pid}/hide", data={"csrf_token": csrf(admin), "reason": " "})
    assert no_reason.status_code == 422
    assert admin.post(f"/posts/{pid}/hide", data={"csrf_token": csrf(admin), "reason": "Advertising"}
                      ).status_code == 302
    for who in (app.test_client(), reader, expert):
        for path in (ENTRY, ENTRY + ".json", "/api/v1/entries/mercosur-residence-agreement",
                     "/search.atom?q=mercosur", "/api/v1/search?q=mercosur", f"/posts/{pid}",
                     f"/posts/{answer}"):
            body = who.get(path).get_data(as_text=True)
            assert "zzhidden" not in body and "Advertising" not in body, path
    assert app.test_client().get(f"/posts/{pid}").status_code == 404
    shown = page(admin)
    assert "zzhidden" in shown and "Reason: Advertising" in shown
    # a hidden thread takes no answer
    assert post(expert, ENTRY + "/posts", "late", parent=pid).status_code == 404
    assert admin.post(f"/posts/{pid}/restore", data={"csrf_token": csrf(admin), "reason": "A real question"}
                      ).status_code == 302
    assert "zzhidden" in page(app.test_client())
    history = admin.get(f"/posts/{pid}/history").get_data(as_text=True)
    assert [w for w in ("Posted", "Hidden", "Advertising", "Restored", "A real question") if w not in history] == []


def test_an_edit_keeps_the_history_and_only_the_author_edits(app, people, clean):
    reader, other = signed_in(app, "th-reader"), signed_in(app, "th-other")
    pid = post_id(post(reader, ENTRY + "/posts", "Original wording zzorig"))
    assert other.post(f"/posts/{pid}/edit", data={"csrf_token": csrf(other), "text": "hijack"}).status_code == 403
    assert reader.post(f"/posts/{pid}/edit", data={"csrf_token": csrf(reader), "text": "New wording zznew"}
                       ).status_code == 302
    shown = page(app.test_client())
    assert "zznew" in shown and "zzorig" not in shown and "edited" in shown
    history = reader.get(f"/posts/{pid}/history").get_data(as_text=True)
    assert "zzorig" in history and "zznew" in history
    assert other.get(f"/posts/{pid}/history").status_code == 404
    assert app.test_client().get(f"/posts/{pid}/history").status_code == 302


XSS = ['<script>alert("x1")</script>', '<img src=x onerror=alert("x2")>', '[click](javascript:alert("x3"))',
       '<a href="javascript:alert(4)">x4</a>', '"><svg onload=alert(5)>', "<iframe src=//evil.example>"]


def test_markup_in_posts_and_reasons_renders_inert(app, people, clean):
    reader, admin = signed_in(app, "th-reader"), signed_in(app, "th-admin")
    pid = post_id(post(reader, ENTRY + "/posts", "\n\n".join(XSS)))
    post_id(post(reader, PANEL, "\n\n".join(XSS), page=EVENT))
    admin.post(f"/posts/{pid}/hide", data={"csrf_token": csrf(admin), "reason": XSS[0] + XSS[1]})
    for body in (page(admin), page(reader, EVENT), admin.get(f"/posts/{pid}/history").get_data(as_text=True)):
        assert_inert(body)


def assert_inert(body: str) -> None:
    """No element the text brought in runs anything: no script, img, svg or iframe element, no event handler
    attribute in any tag, no javascript: link (escaped text such as &lt;script&gt; is fine)."""
    # the site's own scripts and the entry page's JSON-LD data block (tests/test_linked_data.py) aside
    own = body.replace("<script src=\"/static/", "").replace('<script type="application/ld+json">', "")
    assert not re.search(r"<(script|img|svg|iframe)\b", own), body
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", body, re.I)
    assert not re.search(r"href=[\"']?\s*javascript:", body, re.I)


def test_every_new_form_needs_the_csrf_token(app, people, clean):
    reader, admin, expert = signed_in(app, "th-reader"), signed_in(app, "th-admin"), signed_in(app, "th-expert")
    pid = post_id(post(reader, ENTRY + "/posts", "A question"))
    for who, path, data in ((reader, ENTRY + "/posts", {"text": "x"}), (reader, PANEL, {"text": "x"}),
                            (reader, f"/posts/{pid}/edit", {"text": "x"}),
                            (admin, f"/posts/{pid}/hide", {"reason": "x"}),
                            (admin, f"/posts/{pid}/restore", {"reason": "x"}),
                            (expert, ENTRY + "/follow", {"follow": "1"})):
        for token in ({}, {"csrf_token": "forged"}):
            assert who.post(path, data={**data, **token}).status_code == 400, path
    assert "A question" in page(app.test_client()) and ">x<" not in page(app.test_client())


def test_experts_follow_entries_readers_do_not(app, people):
    expert, reader = signed_in(app, "th-expert"), signed_in(app, "th-reader")
    response = expert.post(ENTRY + "/follow", data={"csrf_token": csrf(expert), "follow": "1"})
    assert response.status_code == 302
    assert "Stop following this entry" in page(expert)
    assert reader.post(ENTRY + "/follow", data={"csrf_token": csrf(reader), "follow": "1"}).status_code == 403
    assert "Follow this entry" not in page(reader)
    expert.post(ENTRY + "/follow", data={"csrf_token": csrf(expert), "follow": "0"})
    assert "Follow this entry (e-mail" in page(expert)


def counts(app) -> tuple[int, int]:
    with app.extensions["migration_kb"].db.session() as s:
        return (s.scalar(select(func.count()).select_from(Post)),
                s.scalar(select(func.count()).select_from(PostEvent)))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.text(max_size=5200), parent=st.one_of(st.just(""), st.text(max_size=30),
                                                     st.integers(-5, 10**20).map(str)),
       where=st.sampled_from([ENTRY + "/posts", PANEL]))
def test_generated_posts_answer_4xx_or_post_never_500_never_half(app, people, body, parent, where):
    with app.extensions["migration_kb"].db.session() as s:  # the hourly limit is not what this probes
        s.execute(text("DELETE FROM post_events"))
    client = signed_in(app, "th-other")
    before = counts(app)[0]
    response = client.post(where, data={"csrf_token": csrf(client), "text": body, "parent": parent})
    assert response.status_code in (302, 404, 422), response.status_code
    assert counts(app)[0] == before + (response.status_code == 302)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.text(max_size=600), action=st.sampled_from(["edit", "hide", "restore"]),
       target=st.sampled_from(["1", "0", "99999999999", "-1", "x"]))
def test_generated_edits_and_moderation_never_500(app, people, body, action, target):
    with app.extensions["migration_kb"].db.session() as s:
        s.execute(text("DELETE FROM post_events WHERE action = 'edited'"))
    admin = signed_in(app, "th-admin")
    field = "text" if action == "edit" else "reason"
    response = admin.post(f"/posts/{target}/{action}", data={"csrf_token": csrf(admin), field: body})
    assert response.status_code in (302, 403, 404, 422), response.status_code
    assert re.search(r"Traceback", response.get_data(as_text=True)) is None


# -- e-mail notices (a real SMTP server) -------------------------------------------------------------------------
def verify(app, name: str, address: str | None) -> int:
    with app.extensions["migration_kb"].db.session() as s:
        user_id = accounts.account_named(s, name).id
        if address:
            accounts.set_email(s, user_id, address)
            accounts.confirm_email(s, user_id, address)
        return user_id


def test_the_contributor_followers_and_the_asker_are_told_at_verified_addresses(app, people, clean, monkeypatch):
    add_people(app, {"th-contrib": "expert", "th-follower": "expert", "th-unverified": "expert"})
    contributor = verify(app, "th-contrib", "contrib@example.org")
    verify(app, "th-follower", "follower@example.org")
    verify(app, "th-reader", "reader@example.org")
    with app.extensions["migration_kb"].db.session() as s:
        s.execute(text("UPDATE entries SET author_id = :u WHERE id = 'mercosur-residence-agreement'"),
                  {"u": contributor})
        s.execute(text("UPDATE users SET email = 'unverified@example.org' WHERE name = 'th-unverified'"))
    for name in ("th-follower", "th-unverified"):
        follower = signed_in(app, name)
        follower.post(ENTRY + "/follow", data={"csrf_token": csrf(follower), "follow": "1"})
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        asked = post_id(post(signed_in(app, "th-reader"), ENTRY + "/posts", "Who signed it first?"))
        [to_contributor] = box.wait_for("contrib@example.org")
        box.wait_for("follower@example.org")
        assert f"/posts/{asked}" in to_contributor.get_content()
        assert "Mercosur" in to_contributor["Subject"] or "MERCOSUR" in to_contributor["Subject"].upper()
        post_id(post(signed_in(app, "th-follower"), ENTRY + "/posts", "Argentina and Brazil.", parent=asked))
        box.wait_for("reader@example.org")  # the asker hears of the answer
        box.wait_for("contrib@example.org", count=2)
        time.sleep(0.3)
        everyone = [rcpt for rcpts, _ in box.messages for rcpt in rcpts]
    assert "unverified@example.org" not in everyone
    assert everyone.count("follower@example.org") == 1  # not told of their own answer
    assert everyone.count("reader@example.org") == 1  # not told of their own question


def test_each_recipient_is_told_in_the_language_they_chose_for_e_mails(app, people, clean, monkeypatch):
    add_people(app, {"th-es": "expert", "th-en": "expert"})
    with app.extensions["migration_kb"].db.session() as s:
        for name, address, lang in (("th-es", "es@example.org", "es"), ("th-en", "en@example.org", None)):
            user_id = accounts.account_named(s, name).id
            accounts.set_email(s, user_id, address, lang)
            accounts.confirm_email(s, user_id, address)
    for name in ("th-es", "th-en"):
        follower = signed_in(app, name)
        follower.post(ENTRY + "/follow", data={"csrf_token": csrf(follower), "follow": "1"})
    poster = signed_in(app, "th-reader")
    with Mailbox() as box:
        monkeypatch.setenv("MIGRATION_KB_SMTP_URL", box.url)
        # The poster reads the site in French: each notice is still in its recipient's language.
        response = poster.post(ENTRY + "/posts", headers={"Accept-Language": "fr"},
                               data={"csrf_token": csrf(poster), "text": "¿Quién firmó primero?"})
        asked = post_id(response)
        [to_es] = box.wait_for("es@example.org")
        [to_en] = box.wait_for("en@example.org")
    for message in (to_es, to_en):
        assert f"http://localhost/posts/{asked}" in message.get_content()  # the link stays absolute
    assert to_es["Subject"].startswith("Nueva publicación sobre «")
    assert "Recibe este mensaje porque contribuyó a esta ficha o la sigue" in to_es.get_content()
    assert "You receive" not in to_es.get_content()
    assert to_en["Subject"].startswith("New post on “")
    assert "You receive this because you contributed or follow this entry" in to_en.get_content()
