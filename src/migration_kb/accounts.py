"""Users, roles, passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import N_, DomainError
from .models import ROLES, ApiToken, SessionRow, User, now

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
MIN_PASSWORD = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses and more)
TOO_SHORT = N_("the password must be at least %(n)d characters long")
TOO_EASY = N_("this password is too easy to guess (a common password, a repeated character, a sequence or a "
              "keyboard pattern): choose a phrase of a few unrelated words")


class AccountError(DomainError, ValueError):
    """A user or token change refused; the command line prints it, the web shows it (422 unless said)."""

    status = 422


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


def end_sessions(s: Session, user_id: int) -> int:
    """Sign the user out everywhere (a new password, another role, a disabled account): every browser
    session of theirs is deleted on the server. Their API tokens are theirs to revoke (disabling stops them)."""
    return s.execute(delete(SessionRow).where(SessionRow.user_id == user_id)
                     .execution_options(synchronize_session=False)).rowcount


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


def authenticate(s: Session, name: str, password: str) -> User | None:
    user = s.scalar(select(User).where(User.name == name))
    if user is None or user.disabled:
        check_password_hash(_DUMMY_HASH, password)  # same work either way: no user enumeration by timing
        return None
    return user if check_password_hash(user.password_hash, password) else None


# A hash of no one's password, made once by hash_password (same method and cost): checked when the user name
# is unknown. Written out rather than computed at import, which would cost every process a 32 MB scrypt.
_DUMMY_HASH = ("scrypt:32768:8:1$xaG3wiubi2yVW6sj$ef8df63902ba08842e5f34a8642f497b0072a35a10aecb256cd604532825b6eb9"
               "184a1027a276889f9471e0b467394b5155052457fdf890c4ecbfd674ec836ab")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(s: Session, user: User, label: str | None = None) -> str:
    """A new API token for the user; only its hash is stored, so it can be shown once."""
    token = "mkb_" + secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), label=label))
    s.flush()
    return token


def user_for_token(s: Session, token: str) -> User | None:
    row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                          ApiToken.revoked_at.is_(None)))
    if row is None or row.user.disabled:
        return None
    return row.user


def revoke_token(s: Session, token_id: int, user: User) -> None:
    row = s.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AccountError(N_("There is no such token."), status=404)
    row.revoked_at = now()
