"""Sessions kept on the server (issue 19, items 2-4): a copied cookie stops working once its session ends
(sign-out, a new password, another role, a disabled account); the cookie is an opaque random id; passwords
that are common or trivial are refused, and wrong current passwords are throttled as sign-ins are."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from migration_kb import accounts
from migration_kb.models import User
from migration_kb.web import create_app
from migration_kb.web.startup import stop
from tests.experts import PASSWORD, add_people, csrf, signed_in

COOKIE = "session"


@pytest.fixture(scope="module")
def people(app):
    add_people(app, {"sia": "expert", "sol": "expert", "sue": "admin", "sky": "expert", "sam2": "rapporteur"})


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (as a thief or a shared machine would)."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def test_a_copied_cookie_stops_working_after_sign_out(app, people):
    sia = signed_in(app, "sia")
    copy, copy_value = copy_of(app, sia), sia.get_cookie(COOKIE).value
    assert copy.get("/desk").status_code == 200
    sia.post("/sign-out", data={"csrf_token": csrf(sia, "/desk")})
    assert copy.get("/desk").status_code == 302  # to the sign-in page: the session ended on the server
    from migration_kb.models import SessionRow

    with app.extensions["migration_kb"].db.session() as s:  # its row is gone, not merely emptied
        assert s.get(SessionRow, hashlib.sha256(copy_value.encode()).hexdigest()) is None
    token = csrf(copy, "/sign-in")
    assert copy.post("/api/v1/entries", json={"id": "x"}, headers={"X-CSRF-Token": token}).status_code == 401


@pytest.mark.parametrize("change", ["password", "role", "disable"])
def test_a_password_role_or_account_change_ends_every_session_of_that_user(app, people, change):
    add_people(app, {f"who-{change}": "expert"})
    name = f"who-{change}"
    them, admin = signed_in(app, name), signed_in(app, "sue")
    copy = copy_of(app, them)
    with app.extensions["migration_kb"].db.session() as s:
        user_id = s.scalar(select(User.id).where(User.name == name))
    if change == "password":
        new = "quokka harbour lantern 42"
        response = them.post("/account/password", data={"csrf_token": csrf(them, "/account"), "current": PASSWORD,
                                                         "new": new, "again": new})
        assert response.status_code == 302
        assert them.get("/desk").status_code == 200  # the browser that changed it goes on
    else:
        data = {"csrf_token": csrf(admin, "/admin/users"), "action": "role", "role": "rapporteur"}
        if change == "disable":
            data["action"] = "disable"
        assert admin.post(f"/admin/users/{user_id}", data=data).status_code == 302
        assert them.get("/account").status_code == 302
    assert copy.get("/account").status_code == 302


def test_the_cookie_is_an_opaque_random_id_and_the_session_lives_on_the_server(app, people):
    from migration_kb.models import SessionRow

    sol = signed_in(app, "sol")
    value = sol.get_cookie(COOKIE).value
    with app.extensions["migration_kb"].db.session() as s:
        user = s.scalar(select(User).where(User.name == "sol"))
        row = s.get(SessionRow, hashlib.sha256(value.encode()).hexdigest())
        assert row is not None and row.user_id == user.id  # found by the id's hash: a copy of the table opens none
        digest = user.password_hash.split("$")[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # 32 random bytes, not a signed payload naming the user
    for i in range(len(digest) - 8):  # nothing of the password hash
        assert digest[i:i + 8] not in value
    other = signed_in(app, "sol").get_cookie(COOKIE).value
    assert other != value


def test_cookie_flags_and_secure_when_configured(kb_instance, monkeypatch, people):
    monkeypatch.setenv("MIGRATION_KB_SECURE_COOKIES", "1")
    app = create_app(kb_instance, testing=True)
    client = app.test_client()
    client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf(client), "name": "sol", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    stop(app)


# -- passwords ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("weak", [" " * 10, "a" * 10, "1234567890", "password123", "qwertyuiop", "abcdefghij",
                                  "0987654321", "iloveyou12", "sia-sia-sia"])
def test_common_and_trivial_passwords_are_refused(app, people, weak):
    sky = signed_in(app, "sky")
    response = sky.post("/account/password", data={"csrf_token": csrf(sky, "/account"), "current": PASSWORD,
                                                   "new": weak, "again": weak})
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    with app.extensions["migration_kb"].db.session() as s, pytest.raises(accounts.AccountError, match="too easy"):
        accounts.add_user(s, "weak-one", "reader", weak)


def test_the_refusal_speaks_the_ui_language(app, people):
    sky = signed_in(app, "sky")
    response = sky.post("/account/password?lang=es", data={"csrf_token": csrf(sky, "/account"),
                                                          "current": PASSWORD, "new": "1234567890",
                                                          "again": "1234567890"})
    assert response.status_code == 422 and "demasiado fácil de adivinar" in response.get_data(as_text=True)


def test_wrong_current_passwords_are_throttled_like_sign_ins(app, people):
    sam = signed_in(app, "sam2")
    token = csrf(sam, "/account")
    statuses = [sam.post("/account/password", data={"csrf_token": token, "current": f"guess number {i}",
                                                    "new": "quokka harbour lantern 42",
                                                    "again": "quokka harbour lantern 42"}).status_code
                for i in range(7)]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]
    new = "quokka harbour lantern 42"
    right = sam.post("/account/password", data={"csrf_token": token, "current": PASSWORD, "new": new, "again": new})
    assert right.status_code == 429 and "Retry-After" in right.headers  # even the right one waits
