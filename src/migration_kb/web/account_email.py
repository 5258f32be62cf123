"""An account's e-mail address: set it, receive a link, follow it. Digests and notices go only to verified ones.

The link carries a signed, dated token of (user id, address) rather than a stored code: it proves the holder
read mail at that address, expires after three days, and stops working once the address is changed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import accounts, mail
from .auth import SIGNED_IN, current_user, no_store, require
from .services import kb

bp = Blueprint("account_email", __name__)
bp.after_request(no_store)
log = logging.getLogger(__name__)
LINK_DAYS = 3
# Each language named in itself, as the site's language switch names them.
EMAIL_LANGUAGES = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}
bp.add_app_template_global(EMAIL_LANGUAGES, "email_languages")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="account-email")


def _send_link(account: accounts.Account) -> str | None:
    """Mail the verification link; None when sent, else what the user should be told."""
    token = _signer().dumps([account.id, account.email])
    link = url_for("account_email.verify", token=token, _external=True)
    text = _("Hello %(name)s,\n\nTo receive e-mail from migration-kb at this address, open this link within "
             "%(days)d days:\n\n%(link)s\n\nIf you did not ask for this, ignore this message: nothing will be "
             "sent to you.", name=account.name, days=LINK_DAYS, link=link)
    try:
        mail.send(mail.compose(account.email, _("Confirm your e-mail address for migration-kb"), text))
    except mail.MailNotConfigured:
        return _("This server is not set up to send e-mail, so the address cannot be confirmed yet. "
                 "An administrator can set MIGRATION_KB_SMTP_URL.")
    except mail.MailFailed as exc:
        log.warning("verification e-mail for user %s not sent: %s", account.id, exc)
        return _("The confirmation e-mail could not be sent just now. Try again later.")
    return None


@bp.post("/account/email")
@require(SIGNED_IN)
def set_email():
    from .auth_views import _account_page  # the account page, with this form's error in place

    address = request.form.get("email", "")[:1000]
    lang = request.form.get("email_lang")  # absent (an older form): the stored language stays
    before = current_user()
    try:
        with kb().db.session() as s:
            account = accounts.set_email(s, before.id, address, lang)
    except accounts.AccountError as exc:
        error = {"email_lang_error" if exc.field == "email_lang" else "email_error": _(exc.template, **exc.values)}
        return _account_page(422, email_value=address.strip()[:254], **error,
                             email_lang_value=lang if lang in EMAIL_LANGUAGES else None)
    if not account.email:
        flash(_("Your e-mail address was removed; nothing will be sent to you."))
    elif account.email_verified and account.email_lang != before.email_lang:
        flash(_("Your e-mail address is unchanged and confirmed; e-mails to it are now written in %(language)s.",
                language=EMAIL_LANGUAGES[account.email_lang]))
    elif account.email_verified:
        flash(_("Your e-mail address is unchanged and confirmed."))
    else:
        problem = _send_link(account)
        flash(problem or _("We sent a link to %(address)s. Open it to confirm the address.", address=account.email))
    return redirect(url_for("account.account_page"))


@bp.get("/account/email/verify")
def verify():
    """Follow the link (signed in or not: the token names the account)."""
    try:
        user_id, address = _signer().loads(request.args.get("token", ""), max_age=LINK_DAYS * 86400)
        confirmed = isinstance(user_id, int) and isinstance(address, str)
    except SignatureExpired:
        return render_template("account/email_verified.html", ok=False,
                               reason=_("This link has expired. Ask for a new one on your account page.")), 400
    except (BadSignature, TypeError, ValueError):
        confirmed = False
    if confirmed:
        with kb().db.session() as s:
            confirmed = accounts.confirm_email(s, user_id, address)
    if not confirmed:
        return render_template("account/email_verified.html", ok=False,
                               reason=_("This link is not valid, or the address was changed since it was sent.")), 400
    return render_template("account/email_verified.html", ok=True, address=address)


@bp.post("/account/email/resend")
@require(SIGNED_IN)
def resend():
    account = current_user()
    if account.email and not account.email_verified:
        flash(_send_link(account) or _("We sent a new link to %(address)s.", address=account.email))
    return redirect(url_for("account.account_page"))
