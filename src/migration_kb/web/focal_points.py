"""An entry's focal point on its page, and "Contact the focal point": the message goes out through the server
with Reply-To the sender's verified address; the focal point's own address is never shown."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import contact, mail
from ..errors import Conflict, Invalid
from ..threads import TooMany
from .auth import current_user, no_store, require
from .services import kb

bp = Blueprint("focal_points", __name__)
bp.after_request(no_store)
log = logging.getLogger("migration_kb")


@bp.app_template_global()
def focal_reachable(entry_id: str) -> bool:
    with kb().db.session() as s:
        return contact.reachable(s, entry_id)


@bp.post("/entries/<entry_id>/contact")
@require("post")
def contact_focal_point(entry_id: str):
    text = request.form.get("text", "")
    back = url_for("entries.entry_page", entry_id=entry_id) + "#focal-point"
    try:
        with kb().db.session() as s:
            found = contact.prepare(s, current_user(), entry_id, text)
            # Sent inside the transaction: a message the server did not take is neither counted nor logged.
            mail.send(mail.compose(found.to, _message_subject(found), _message_text(found), reply_to=found.reply_to))
    except (Invalid, TooMany, Conflict) as exc:
        return _retry(_(exc.template, **exc.values), text, back, exc.status)
    except mail.MailNotConfigured:
        return _retry(_("This site cannot send e-mail at the moment. Your text is kept below."), text, back, 503)
    except mail.MailFailed as exc:
        log.warning("a message to a focal point was not sent: %s", str(exc).split(":")[0])  # never the address
        return _retry(_("The message could not be sent; please try again later. Your text is kept below."), text,
                      back, 503)
    log.info("a message to the focal point of %s was sent", entry_id)  # who and when are in contacts_sent
    flash(_("Your message was sent to the focal point; the answer will come to your e-mail address."))
    return redirect(back)


def _retry(error: str, text: str, back: str, status: int):
    return render_template("threads/retry.html", error=error, text=text, action=request.path, parent="",
                           back=back, heading=_("Your message was not sent")), status


def _message_subject(found: contact.Contact) -> str:
    return f"A message about “{found.entry_title}” (migration-kb)"


def _message_text(found: contact.Contact) -> str:
    link = url_for("entries.entry_page", entry_id=found.entry_id, _external=True)
    return (f"{found.sender} wrote to you through migration-kb, as the focal point of the practice "
            f"“{found.entry_title}” ({link}):\n\n{found.text}\n\n-- \nReply to this e-mail to answer them: your "
            "reply goes to their own address. migration-kb did not show your address to anyone.\n")
