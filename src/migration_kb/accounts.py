"""Users, roles, passwords and API tokens: the one place that changes a user.

Pages, sessions and the command line read users as `Account`s (plain data, no password hash); the functions
taking a `User` row are for the domain's own code and tests.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .config import LANGUAGES
from .errors import N_, Conflict, DomainError
from .models import ROLES, ApiToken, SignInAttempt, User, now
from .sessions import end_sessions

__all__ = ["MIN_PASSWORD", "ROLES", "Account", "AccountError", "Recipient", "TokenInfo", "end_sessions"]  # + functions

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
MIN_PASSWORD = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses and more)
TOO_SHORT = N_("the password must be at least %(n)d characters long")
TOO_EASY = N_("this password is too easy to guess (a common password, a repeated character, a sequence or a "
              "keyboard pattern): choose a phrase of a few unrelated words")


class AccountError(DomainError, ValueError):
    """A user or token change refused; the command line prints it, the web shows it (422 unless said)."""

    status = 422


@dataclass(frozen=True)
class Account:
    """A user as pages, sessions and permission checks see one."""

    id: int
    name: str
    role: str
    disabled: bool
    created_at: datetime
    email: str | None = None
    email_verified: bool = False
    email_lang: str | None = None  # the language e-mails to them are written in; None: English


def _account(user: User) -> Account:
    return Account(user.id, user.name, user.role, user.disabled, user.created_at, user.email,
                   user.email_verified_at is not None, user.email_lang)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def add_user(s: Session, name: str, role: str, password: str) -> User:
    if not NAME_RE.match(name):
        raise AccountError("%(name)r: a user name is 2–80 letters, digits, '.', '_', '@' or '-'", field="name",
                           name=name)
    if role not in ROLES:
        raise AccountError("%(role)r is not a role (%(roles)s)", field="role", role=role, roles=", ".join(ROLES))
    check_password(password, name)
    if s.scalar(select(User).where(User.name == name)):
        raise AccountError("a user named %(name)r already exists", status=409, field="name", name=name)
    user = User(name=name, role=role, password_hash=hash_password(password))
    s.add(user)
    s.flush()
    return user


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise AccountError(N_("There is no such user."), status=404)
    return user


def check_password(password: str, name: str = "") -> None:
    """Refuse a password shorter than MIN_PASSWORD, or one zxcvbn (its lists of common passwords, words and
    names, and its rules for repeats, sequences and keyboard walks) guesses in under about 10^8 tries."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(TOO_SHORT, field="password", n=MIN_PASSWORD)
    from zxcvbn import zxcvbn  # imported when a password is set, not by every serving process

    if zxcvbn(password[:100], user_inputs=[name, "migration", "kb"] if name else [])["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(TOO_EASY, field="password")


def find_user(s: Session, name: str) -> User:
    user = s.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError("no user named %(name)r", status=404, name=name)
    return user


def account_named(s: Session, name: str) -> Account:
    """The account with this user name (AccountError 404 when there is none): the command line names users."""
    return _account(find_user(s, name))


def authenticate(s: Session, name: str, password: str) -> User | None:
    user = s.scalar(select(User).where(User.name == name))
    if user is None or user.disabled:
        check_password_hash(_DUMMY_HASH, password)  # same work either way: no user enumeration by timing
        return None
    return user if check_password_hash(user.password_hash, password) else None


def sign_in(s: Session, name: str, password: str) -> Account | None:
    """The account whose name and password these are, if it is not disabled; None otherwise."""
    user = authenticate(s, name, password) if name and password else None
    return _account(user) if user is not None else None


def signed_in(s: Session, user_id: int) -> Account | None:
    """The account a session belongs to, while it is enabled. (A password, role or account change deletes the
    user's sessions on the server, `end_sessions`; disabled is checked again in case a row outlived it.)"""
    user = s.get(User, user_id)
    if user is None or user.disabled:
        return None
    return _account(user)


def list_users(s: Session) -> list[Account]:
    return [_account(u) for u in s.scalars(select(User).order_by(User.name))]


def set_role(s: Session, user_id: int, role: str) -> Account:
    """Another role; the user is signed out everywhere and signs in again under it (tokens carry it at once)."""
    if role not in ROLES:
        raise AccountError("%(role)r is not a role (%(roles)s)", field="role", role=role, roles=", ".join(ROLES))
    user = _user(s, user_id)
    user.role = role
    end_sessions(s, user.id)
    return _account(user)


def set_disabled(s: Session, user_id: int, disabled: bool = True) -> Account:
    """Disable (or enable again) a user: a disabled one cannot sign in, and their sessions and tokens stop."""
    user = _user(s, user_id)
    user.disabled = disabled
    if disabled:
        end_sessions(s, user.id)
    return _account(user)


def change_password(s: Session, user_id: int, new: str) -> Account:
    """A new password (not a guessable one): every session of the user ends, the caller starts a new one."""
    user = _user(s, user_id)
    check_password(new, user.name)
    user.password_hash = hash_password(new)
    end_sessions(s, user.id)
    s.flush()
    return _account(user)


# -- e-mail addresses ------------------------------------------------------------------------------------
# Deliberately plain: one @, a dot in the domain, no spaces or control characters, at most 254 characters
# (RFC 5321's path limit). Whether the address works is proven by the link sent to it, not by a pattern.
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f<>,;\"]{1,64}@[^@\s\x00-\x1f\x7f<>,;\"]+\.[^@\s\x00-\x1f\x7f<>,;\".]+$")


def set_email(s: Session, user_id: int, address: str, lang: str | None = None) -> Account:
    """A new address (or none, with ""), not yet verified: nothing is sent to it until `confirm_email`. `lang`
    (en, es, pt or fr) is the language e-mails to it are written in; None keeps the one stored. The same
    address stays verified whatever its language."""
    address = address.strip()
    if address and (len(address) > 254 or not EMAIL_RE.match(address)):
        raise AccountError(N_("this is not an e-mail address (name@example.org)"), field="email")
    if lang is not None and lang not in LANGUAGES:
        raise AccountError(N_("choose one of the languages offered (%(languages)s)"), field="email_lang",
                           languages=", ".join(LANGUAGES))
    user = _user(s, user_id)
    if (address or None) != user.email:
        user.email, user.email_verified_at = address or None, None
    if lang is not None:
        user.email_lang = lang
    s.flush()
    return _account(user)


def confirm_email(s: Session, user_id: int, address: str) -> bool:
    """The owner followed the link sent to `address`: verified, if it is still the account's address."""
    user = s.get(User, user_id)
    if user is None or user.disabled or not address or user.email != address:
        return False
    if user.email_verified_at is None:
        user.email_verified_at = now()
    return True


@dataclass(frozen=True)
class Recipient:
    """Where a notice to a user goes, and the language it is written in."""

    address: str
    lang: str


def verified_recipient(s: Session, user_id: int) -> Recipient | None:
    """A user's verified address and their e-mails' language (English unless they chose one); None when there
    is no verified address (send nothing)."""
    user = s.get(User, user_id)
    if user is None or user.disabled or user.email_verified_at is None or not user.email:
        return None
    return Recipient(user.email, user.email_lang or "en")


def verified_email(s: Session, user_id: int) -> str | None:
    """Where digests and notices to this user go: their address once verified, else None (send nothing)."""
    found = verified_recipient(s, user_id)
    return found.address if found else None


# A hash of no one's password, made once by hash_password (same method and cost): checked when the user name
# is unknown. Written out rather than computed at import, which would cost every process a 32 MB scrypt.
_DUMMY_HASH = ("scrypt:32768:8:1$xaG3wiubi2yVW6sj$ef8df63902ba08842e5f34a8642f497b0072a35a10aecb256cd604532825b6eb9"
               "184a1027a276889f9471e0b467394b5155052457fdf890c4ecbfd674ec836ab")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(s: Session, user: User | Account, label: str | None = None) -> str:
    """A new API token for the user; only its hash is stored, so it can be shown once."""
    token = "mkb_" + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    s.flush()
    return token


def account_for_token(s: Session, token: str) -> Account | None:
    user = user_for_token(s, token)
    return _account(user) if user is not None else None


def user_for_token(s: Session, token: str) -> User | None:
    row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                          ApiToken.revoked_at.is_(None)))
    if row is None or row.user.disabled:
        return None
    return row.user


def revoke_token(s: Session, token_id: int, user: User | Account) -> None:
    row = s.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AccountError(N_("There is no such token."), status=404)
    row.revoked_at = now()


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner's account page lists it (never the token itself)."""

    id: int
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def tokens_of(s: Session, user_id: int) -> list[TokenInfo]:
    """A user's tokens, the working ones first, newest first."""
    return [TokenInfo(t.id, t.label, t.created_at, t.revoked_at)
            for t in s.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                               .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc()))]


# -- failed sign-ins, counted per key (user name or address) and window, shared by every app server -------
class LostRace(Conflict):
    """Another server wrote the same count at the same moment: try again in a new transaction."""


def sign_in_failures(s: Session, keys: list[str], windows: list[datetime]) -> dict[str, int]:
    """Failures of each key over these windows (0 for a key with none)."""
    out = dict.fromkeys(keys, 0)
    for key, failures in s.execute(select(SignInAttempt.key, SignInAttempt.failures)
                                   .where(SignInAttempt.key.in_(keys), SignInAttempt.window_start.in_(windows))):
        out[key] += failures
    return out


def add_sign_in_failure(s: Session, keys: list[str], window: datetime, forget_before: datetime) -> None:
    """One more failure for each key in this window; counts older than `forget_before` go. Raises LostRace."""
    try:
        for key in keys:
            row = s.get(SignInAttempt, (key, window))
            if row is None:
                s.add(SignInAttempt(key=key, window_start=window, failures=1))
            else:
                row.failures += 1
        s.execute(delete(SignInAttempt).where(SignInAttempt.window_start < forget_before)
                  .execution_options(synchronize_session=False))
        s.flush()
    except IntegrityError:
        raise LostRace("another server counted the same sign-in failure") from None


def forget_sign_in_failures(s: Session, key: str) -> None:
    s.execute(delete(SignInAttempt).where(SignInAttempt.key == key))
