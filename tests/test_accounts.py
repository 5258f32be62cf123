"""Accounts in the browser: sign in and out, sessions that end, password change, rate limits, tokens, admins."""

import time

import pytest

from migration_kb import accounts
from migration_kb.models import SignInAttempt, User
from tests.experts import PASSWORD, add_people, csrf, signed_in


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"eva": "expert", "leo": "expert", "ida": "admin", "ron": "reader", "pat": "rapporteur"})


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client, name, password, next_url=None, **kwargs):
    data = {"csrf_token": csrf(client), "name": name, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/sign-in", data=data, **kwargs)


def test_sign_in_goes_back_where_the_user_was_and_sign_out_ends_the_session(app, people):
    client = app.test_client()
    bounced = client.get("/desk")
    assert bounced.status_code == 302 and bounced.headers["Location"].startswith("/sign-in?next=/desk")
    wrong = sign_in(client, "eva", "not the password", "/desk")
    assert wrong.status_code == 401 and "not right" in wrong.get_data(as_text=True)
    right = sign_in(client, "eva", PASSWORD, "/desk")
    assert right.status_code == 302 and right.headers["Location"] == "/desk"
    desk = client.get("/desk")
    assert desk.status_code == 200 and "Sign out" in desk.get_data(as_text=True)
    assert desk.headers["Cache-Control"] == "no-store"
    client.post("/sign-out", data={"csrf_token": csrf(client, "/desk")})
    assert client.get("/desk").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "http://evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)", "evil.example", "///evil.example"])
def test_no_open_redirect_after_sign_in(app, people, target):
    client = app.test_client()
    response = sign_in(client, "leo", PASSWORD, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # the search page: always local


def test_session_cookie_flags(app, people):
    client = app.test_client()
    response = sign_in(client, "leo", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_sessions_expire_when_idle_and_after_their_lifetime(app, people):
    client = signed_in(app, "eva")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 3 * 3600  # idle for three hours
    assert client.get("/desk").status_code == 302
    client = signed_in(app, "eva")
    with client.session_transaction() as session:
        session["started"] = int(time.time()) - 9 * 3600  # signed in nine hours ago, active all along
    assert client.get("/desk").status_code == 302


def test_a_password_change_ends_the_other_sessions(app, people):
    add_people(app, {"max": "expert"})
    here, elsewhere = signed_in(app, "max"), signed_in(app, "max")
    token = csrf(here, "/account")
    refused = here.post("/account/password", data={"csrf_token": token, "current": "wrong one",
                                                   "new": "another long one", "again": "another long one"})
    assert refused.status_code == 422 and "not your current password" in refused.get_data(as_text=True)
    short = here.post("/account/password", data={"csrf_token": token, "current": PASSWORD, "new": "short",
                                                 "again": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    changed = here.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                   "new": "another long one", "again": "another long one"})
    assert changed.status_code == 302
    assert here.get("/desk").status_code == 200  # this session goes on
    assert elsewhere.get("/desk").status_code == 302  # the other one ended
    assert sign_in(app.test_client(), "max", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "max", "another long one").status_code == 302


def test_sign_in_attempts_are_limited_per_user_name(app, people):
    add_people(app, {"kim": "expert"})
    client = from_address(app, "10.1.1.1")
    for _ in range(5):
        assert sign_in(client, "kim", "guess").status_code == 401
    blocked = sign_in(client, "kim", PASSWORD)  # even the right password, for a while
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # from another address too: the user name is what is being guessed
    assert sign_in(from_address(app, "10.2.2.2"), "kim", PASSWORD).status_code == 429
    # other people are not locked out
    assert sign_in(client, "leo", PASSWORD).status_code == 302


def test_sign_in_attempts_are_limited_per_address_and_shared_by_every_server(app, people, kb_instance):
    from migration_kb.web import create_app
    from migration_kb.web.startup import stop

    client = from_address(app, "10.3.3.3")
    for i in range(20):
        assert sign_in(client, f"nobody{i}", "guess").status_code == 401
    assert sign_in(client, "leo", PASSWORD).status_code == 429
    # a second app server on the same database sees the same count
    other = create_app(kb_instance, testing=True)
    try:
        from_other = from_address(other, "10.3.3.3")
        assert sign_in(from_other, "leo", PASSWORD).status_code == 429
        assert sign_in(from_address(other, "10.4.4.4"), "leo", PASSWORD).status_code == 302
    finally:
        stop(other)
    with app.extensions["migration_kb"].db.session() as s:
        assert s.get(SignInAttempt, ("addr:10.3.3.3", s.query(SignInAttempt.window_start)
                                     .filter_by(key="addr:10.3.3.3").scalar())).failures == 20


def test_api_tokens_are_created_shown_once_and_revoked_in_the_ui(app, people):
    client = signed_in(app, "eva")
    created = client.post("/account/tokens", data={"csrf_token": csrf(client, "/account"), "label": "my script"})
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    token = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("mkb_")
    assert token not in client.get("/account").get_data(as_text=True)  # shown once
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/v1/entries", json={"id": "x"}, headers=headers).status_code == 422  # signed in: validated
    token_id = page.split('action="/account/tokens/')[1].split("/revoke")[0]
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(client, "/account")})
    assert revoked.status_code == 302
    assert api.post("/api/v1/entries", json={"id": "x"}, headers=headers).status_code == 401
    # someone else's token cannot be revoked by id
    leo = signed_in(app, "leo")
    assert leo.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(leo, "/account")}).status_code == 404


def test_admins_list_users_change_roles_and_disable_accounts(app, people):
    add_people(app, {"sam": "reader"})
    admin = signed_in(app, "ida")
    listing = admin.get("/admin/users")
    assert listing.status_code == 200 and "sam" in listing.get_data(as_text=True)
    with app.extensions["migration_kb"].db.session() as s:
        sam_id = s.query(User.id).filter_by(name="sam").scalar()
        ida_id = s.query(User.id).filter_by(name="ida").scalar()
    sam = signed_in(app, "sam")
    assert sam.get("/entries/new").status_code == 403
    token = csrf(admin, "/admin/users")
    assert admin.post(f"/admin/users/{sam_id}", data={"csrf_token": token, "action": "role",
                                                      "role": "expert"}).status_code == 302
    assert sam.get("/entries/new").status_code == 302  # a role change ends the session (issue 19, item 2)
    sam = signed_in(app, "sam")
    assert sam.get("/entries/new").status_code == 200  # signed in again: the new role applies
    assert admin.post(f"/admin/users/{sam_id}", data={"csrf_token": token, "action": "disable"}).status_code == 302
    assert sam.get("/entries/new").status_code == 302  # the session ended
    assert sign_in(app.test_client(), "sam", PASSWORD).status_code == 401
    assert admin.post(f"/admin/users/{ida_id}", data={"csrf_token": token, "action": "disable"}).status_code == 409
    assert admin.post(f"/admin/users/{sam_id}", data={"csrf_token": token, "action": "role",
                                                      "role": "emperor"}).status_code == 400
    assert signed_in(app, "eva").get("/admin/users").status_code == 403


def test_users_role_on_the_command_line(app, people, kb_instance):
    from click.testing import CliRunner

    from migration_kb.cli import main

    result = CliRunner().invoke(main, ["--instance", str(kb_instance.instance), "users", "role", "pat", "expert"])
    assert result.exit_code == 0 and "pat is now expert" in result.output
    wrong = CliRunner().invoke(main, ["--instance", str(kb_instance.instance), "users", "role", "nobody", "expert"])
    assert wrong.exit_code != 0 and "no user named 'nobody'" in wrong.output


def test_an_unknown_user_name_costs_the_same_password_check_as_a_known_one():
    from migration_kb.accounts import _DUMMY_HASH, hash_password

    assert _DUMMY_HASH.split("$")[0] == hash_password("correct horse battery").split("$")[0]


def test_the_language_of_a_users_e_mails(app, people):
    add_people(app, {"lang-user": "reader"})
    with app.extensions["migration_kb"].db.session() as s:
        user_id = accounts.account_named(s, "lang-user").id
        accounts.set_email(s, user_id, "lang@example.org")
        accounts.confirm_email(s, user_id, "lang@example.org")
        assert accounts.verified_recipient(s, user_id) == accounts.Recipient("lang@example.org", "en")  # none: en
        assert accounts.set_email(s, user_id, "lang@example.org", "fr").email_lang == "fr"
        assert accounts.verified_recipient(s, user_id) == accounts.Recipient("lang@example.org", "fr")
        assert accounts.set_email(s, user_id, "lang@example.org").email_lang == "fr"  # None keeps it
        with pytest.raises(accounts.AccountError) as refused:
            accounts.set_email(s, user_id, "other@example.org", "de")
        assert refused.value.field == "email_lang"
        assert accounts.verified_email(s, user_id) == "lang@example.org"  # nothing changed
        accounts.set_email(s, user_id, "other@example.org", "es")
        assert accounts.verified_recipient(s, user_id) is None  # a new address waits for its link
