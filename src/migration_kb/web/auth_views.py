"""Accounts in the browser: sign in and out, change the password, API tokens, and the admin's user list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import accounts
from . import rate_limit
from .auth import SIGNED_IN, can, current_user, end_session, no_store, require, start_session
from .security import safe_next
from .services import kb

bp = Blueprint("account", __name__)
bp.after_request(no_store)


@bp.app_context_processor
def account_globals():
    """`current_user()` and `can()` for every template (the account menu, edit links)."""
    return {"current_user": current_user, "can": can}


# -- signing in and out ----------------------------------------------------------------------------------
@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    target = safe_next(request.values.get("next"), url_for("search.search_page"))
    if target.startswith(url_for("account.sign_in")):  # the menu's link on this very page
        target = url_for("search.search_page")
    if request.method == "GET":
        return render_template("account/sign_in.html", next=target, name="")
    name = request.form.get("name", "").strip()[:80]
    password = request.form.get("password", "")
    keys = rate_limit.keys(name, request.remote_addr)
    wait = rate_limit.retry_after(kb().db, keys)
    if wait:
        message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.", minutes=-(-wait // 60))
        response = render_template("account/sign_in.html", next=target, name=name, error=message)
        return response, 429, {"Retry-After": str(wait)}
    with kb().db.session() as s:
        user = accounts.sign_in(s, name, password)
    if user is None:
        rate_limit.record_failure(kb().db, keys)
        error = _("The user name or the password is not right.")
        return render_template("account/sign_in.html", next=target, name=name, error=error), 401
    rate_limit.clear(kb().db, keys[0])
    start_session(user)
    flash(_("Signed in as %(name)s.", name=user.name))
    return redirect(target)


@bp.post("/sign-out")
def sign_out():
    end_session()
    flash(_("You are signed out."))
    return redirect(url_for("search.search_page"))


# -- the user's own account ------------------------------------------------------------------------------
def _tokens(user_id: int) -> list[accounts.TokenInfo]:
    with kb().db.session() as s:
        return accounts.tokens_of(s, user_id)


def _account_page(status: int = 200, **extra):
    user = current_user()
    page = render_template("account/account.html", user=user, tokens=_tokens(user.id),
                           min_password=accounts.MIN_PASSWORD, **extra)
    return page, status


@bp.get("/account")
@require(SIGNED_IN)
def account_page():
    return _account_page()


@bp.post("/account/password")
@require(SIGNED_IN)
def change_password():
    user = current_user()
    current, new, again = (request.form.get(k, "") for k in ("current", "new", "again"))
    # Wrong current passwords count as failed sign-ins of this user (and address): a stolen session cannot
    # guess the password any faster here than at the sign-in form.
    keys = rate_limit.keys(user.name, request.remote_addr)
    wait = rate_limit.retry_after(kb().db, keys)
    if wait:
        message = _("Too many wrong passwords. Try again in %(minutes)d minutes.", minutes=-(-wait // 60))
        page, _status = _account_page(password_errors={"current": message})
        return page, 429, {"Retry-After": str(wait)}
    errors = {}
    with kb().db.session() as s:
        if accounts.sign_in(s, user.name, current) is None:
            errors["current"] = _("This is not your current password.")
        if len(new) < accounts.MIN_PASSWORD:
            errors["new"] = _("The new password must be at least %(n)d characters long.", n=accounts.MIN_PASSWORD)
        elif new != again:
            errors["again"] = _("The two new passwords differ.")
        else:
            try:
                accounts.check_password(new, user.name)
            except accounts.AccountError as exc:
                errors["new"] = _(exc.template, **exc.values)
        if not errors:
            user = accounts.change_password(s, user.id, new)  # every session of the user ends
    if "current" in errors:
        rate_limit.record_failure(kb().db, keys)
    if errors:
        return _account_page(422, password_errors=errors)
    start_session(user)  # this browser goes on with a new session; every other session of this user ended
    flash(_("Your password was changed. Other sessions of yours were signed out."))
    return redirect(url_for("account.account_page"))


@bp.post("/account/tokens")
@require(SIGNED_IN)
def create_token():
    label = " ".join(request.form.get("label", "").split())[:120] or _("web")
    with kb().db.session() as s:
        token = accounts.new_token(s, current_user(), label)
    return _account_page(201, new_token=token, new_label=label)  # shown once, never stored in clear


@bp.post("/account/tokens/<int:token_id>/revoke")
@require(SIGNED_IN)
def revoke_token(token_id: int):
    with kb().db.session() as s:
        accounts.revoke_token(s, token_id, current_user())  # not theirs: 404
    flash(_("The token was revoked; it no longer works."))
    return redirect(url_for("account.account_page"))


# -- the admin's list of users ---------------------------------------------------------------------------
@bp.get("/admin/users")
@require("manage_users")
def users():
    with kb().db.session() as s:
        people = accounts.list_users(s)
    return render_template("account/users.html", people=people, roles=accounts.ROLES)


@bp.post("/admin/users/<int:user_id>")
@require("manage_users")
def update_user(user_id: int):
    role, action = request.form.get("role"), request.form.get("action", "role")
    if action not in ("role", "disable", "enable"):
        abort(400, description=_("Choose one of the actions: change the role, disable or enable."))
    if user_id == current_user().id:
        abort(409, description=_("You cannot change your own role or disable yourself; ask another admin."))
    if action == "role" and role not in accounts.ROLES:
        abort(400, description=_("Choose one of the roles."))
    with kb().db.session() as s:  # no such user: the app's 404
        if action in ("disable", "enable"):
            person = accounts.set_disabled(s, user_id, action == "disable")
        else:
            person = accounts.set_role(s, user_id, role)  # they sign in again, under the new role
    flash(_("%(name)s was updated.", name=person.name))
    return redirect(url_for("account.users"))
