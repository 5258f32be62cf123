"""Browser sessions kept on the server (the `sessions` table): the cookie holds only a random id.

Nothing in the cookie says who is signed in or derives from a password; a copy of a cookie stops working
the moment its row is deleted — at sign-out, and for every session of a user whose password, role or
account changes (`accounts.end_sessions`). The row is read only when a request looks at the session, so
static files and pages without forms cost no query.
"""

from __future__ import annotations

from flask.sessions import SessionInterface, SessionMixin

from .. import sessions as rows


class ServerSession(SessionMixin):
    """The session's data, read from its row on first use; `renew()` gives it a new id when saved."""

    def __init__(self, db, sid: str | None):
        self._db, self.sid, self._data = db, sid, None
        self.modified = self.renewed = False

    def _load(self) -> dict:
        if self._data is None:
            data = None
            if self.sid:
                with self._db.session() as s:
                    data = rows.read(s, self.sid)
            self._data = dict(data or {})
            if data is None:
                self.sid = None  # unknown, ended or expired: a fresh id when something is stored
        return self._data

    def renew(self) -> None:
        """A new id at the next save, the old row deleted (sign-in: no session fixation)."""
        self._load()
        self.renewed = self.modified = True

    def __getitem__(self, key):
        return self._load()[key]

    def __setitem__(self, key, value):
        self._load()[key] = value
        self.modified = True

    def __delitem__(self, key):
        del self._load()[key]
        self.modified = True

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def clear(self) -> None:
        self._load().clear()
        self.modified = True


class ServerSessions(SessionInterface):
    def open_session(self, app, request) -> ServerSession:
        return ServerSession(app.extensions["migration_kb"].db, request.cookies.get(self.get_cookie_name(app)))

    def save_session(self, app, session: ServerSession, response) -> None:
        if not session.modified:
            return
        name, domain, path = self.get_cookie_name(app), self.get_cookie_domain(app), self.get_cookie_path(app)
        old = session.sid
        with session._db.session() as s:
            if old and (session.renewed or not session):
                rows.forget(s, old)
                old = None
            if not session:
                response.delete_cookie(name, domain=domain, path=path, secure=self.get_cookie_secure(app),
                                       httponly=True, samesite=self.get_cookie_samesite(app))
                return
            session.sid = rows.store(s, old, dict(session))
            if session.sid == old:
                return  # same id, cookie unchanged
        response.set_cookie(name, session.sid, expires=self.get_expiration_time(app, session), domain=domain,
                            path=path, secure=self.get_cookie_secure(app), httponly=True,
                            samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")
