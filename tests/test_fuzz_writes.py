"""Every write route of a real `migration-kb serve`, fed hostile values: no answer is a 5xx (issue 19).

The web forms are read from the pages that hold them (so every field a browser would post is probed) and sent
with the session's real CSRF token; the JSON API gets a real admin token. Each string parameter — form
fields, path segments, JSON fields, query parameters — takes in turn each shape an outside probe used: lone
surrogates, NUL, CR/LF, huge integers, non-ASCII digits, invalid UTF-8, very long text; JSON bodies also come
deeply nested. The test fails if a write route exists that it does not reach (a new route must join it).

Bounded: one request per (form or route, parameter, shape) — about 1,700 requests, 35 s here with the
server's start (one form of each kind: a page's hundred 'add to draft' buttons are probed once).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from html.parser import HTMLParser

import pytest
from testkit.servers import AppServer

from migration_kb.config import Settings
from migration_kb.web import create_app
from migration_kb.web.startup import stop

pytestmark = pytest.mark.slow
PASSWORD = "a long enough password"  # AppServer.token's
HUGE = "99999999999999999999999"
# (name, bytes as a form or query sends them, the value as JSON sends it)
SHAPES = [("surrogate", b"%ED%A0%80", "\ud800"), ("nul", b"%00", "a\x00b"), ("crlf", b"a%0D%0Ab", "a\r\nb"),
          ("cr", b"%0D", "\r"), ("huge", HUGE.encode(), 10**23), ("arabic-digits", b"%D9%A1%D9%A2", "١٢"),
          ("superscript", b"%C2%B2", "²"), ("negative", b"-1", -1), ("bad-utf8", b"%FF%FE", "\ufffe"),
          ("long", b"x" * 5000, "x" * 5000), ("empty", b"", "")]
PATH_SHAPES = [HUGE, "%D9%A1", "%C2%B2", "%00", "%0D%0A", "%ED%A0%80", "-1"]


class Forms(HTMLParser):
    """The POST forms of a page: (action, fields) with each field's first value, one form per formaction."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: tuple[str, dict[str, str]] | None = None
        self._extra_actions: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current, self._extra_actions = (a.get("action") or "", {}), []
        elif self._current is not None and a.get("name") and tag in ("input", "select", "button", "textarea"):
            fields = self._current[1]
            if tag == "textarea":
                self._textarea = a["name"]
            fields.setdefault(a["name"], a.get("value") or "")
        if self._current is not None and tag == "select":
            self._select = a.get("name")
        if self._current is not None and tag == "option" and getattr(self, "_select", None):
            fields = self._current[1]
            if not fields.get(self._select) or "selected" in a:
                fields[self._select] = a.get("value") or ""
        if self._current is not None and tag == "button" and a.get("formaction"):
            self._extra_actions.append(a["formaction"])

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            self._current[1][self._textarea] = data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self.forms += [(action, dict(self._current[1])) for action in self._extra_actions]
            self._current = None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A signed-in browser over real HTTP: its cookie jar, and the CSRF token of its pages."""

    def __init__(self, server: AppServer, name: str):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())
        page = self.get("/sign-in")[1]
        status, _ = self.post("/sign-in", self.encode({"csrf_token": csrf_of(page), "name": name,
                                                       "password": PASSWORD}))
        assert status == 302, f"{name} could not sign in"

    def open(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.server.url + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def get(self, path: str):
        return self.open("GET", path)

    def post(self, path: str, body: bytes):
        return self.open("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    @staticmethod
    def encode(fields: dict[str, str | bytes]) -> bytes:
        return b"&".join(urllib.parse.quote_plus(k).encode() + b"=" +
                         (v if isinstance(v, bytes) else urllib.parse.quote_plus(v).encode())
                         for k, v in fields.items())

    def forms(self, page: str) -> list[tuple[str, dict[str, str]]]:
        status, html = self.get(page)
        assert status == 200, (page, status)
        parser = Forms()
        parser.feed(html)
        return parser.forms


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = AppServer(tmp_path_factory.mktemp("fuzz") / "instance")
    app.tokens = {"admin": app.token("fuzz-admin", "admin")}
    app.token("fuzz-out", "admin")  # signs out, on its own session
    app.token("fuzz-colleague", "rapporteur")  # whom drafts are shared with, whose role changes
    yield app
    app.stop()


def api(server, method: str, path: str, body: bytes | None = None):
    req = urllib.request.Request(server.url + path, data=body, method=method,
                                 headers={"Authorization": f"Bearer {server.tokens['admin']}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


ENTRY = {"id": "fuzz-entry", "title": "A practice fuzzed", "summary": "Summary.", "language": "en",
         "themes": ["protection"], "countries": ["MX", "GT"], "blocs": ["SICA"], "year_start": 2004,
         "sources": [{"title": "A law", "publisher": "A state", "year": 2004, "url": "https://example.org/law"}],
         "findings": [{"kind": "strength", "text": "Clear."}], "body": "Body."}


def ensure_entry(server) -> None:
    if api(server, "GET", "/api/v1/entries/fuzz-entry")[0] == 404:
        assert api(server, "POST", "/api/v1/entries", json.dumps(ENTRY).encode())[0] == 201
        api(server, "PUT", "/api/v1/entries/fuzz-entry", json.dumps({**ENTRY, "summary": "Again."}).encode())


def endpoint_of(rule_map, path: str, method: str) -> str:
    return rule_map.bind("localhost").match(urllib.parse.urlsplit(path).path, method=method)[0]


def test_no_write_route_answers_5xx_to_hostile_values(server):
    started = time.perf_counter()
    seen: Counter = Counter()
    reached: set[str] = set()
    failures: list[str] = []
    app = create_app(Settings.load(server.instance), testing=True)
    rule_map = app.url_map
    stop(app)

    def check(what: str, status: int, body) -> None:
        seen[status // 100] += 1
        if status >= 500:
            failures.append(f"{what}: {status} {str(body)[:200]}")

    ensure_entry(server)
    draft_id = json.loads(api(server, "POST", "/api/v1/drafts", b'{"title": "Fuzzed draft"}')[1])["id"]
    api(server, "POST", f"/api/v1/drafts/{draft_id}/findings",
        json.dumps({"finding_ids": ["mercosur-residence-agreement:1", "fuzz-entry:1"]}).encode())

    # -- the JSON API with a real token (first: the web forms revoke the admin's tokens) -----------------------
    nested = {"a": 1}
    for _ in range(40):
        nested = {"a": [nested]}
    routes = [("POST", "/api/v1/entries", None, {**ENTRY, "id": "fuzz-new"}),
              ("PUT", "/api/v1/entries/{}", "fuzz-entry", ENTRY),
              ("POST", "/api/v1/drafts", None, {"title": "T", "event_id": None}),
              ("POST", "/api/v1/drafts/{}/findings", str(draft_id), {"finding_ids": ["fuzz-entry:1"]})]
    for method, template, arg, body in routes:
        path = template.format(arg)
        reached.add(endpoint_of(rule_map, path, method))
        for key in body:
            for label, _, value in SHAPES:
                sent = {**body, key: [value] if isinstance(body[key], list) else value}
                check(f"{method} {path} {key}={label}", *api(server, method, path, json.dumps(sent).encode()))
        for raw in (b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000, b'{"title": Infinity}', b"\xff\xfe",
                    json.dumps({**body, "findings": nested}).encode(), json.dumps({**body, "id": nested}).encode()):
            check(f"{method} {path} raw {raw[:12]!r}", *api(server, method, path, raw))
        if arg:
            for shape in PATH_SHAPES:
                check(f"{method} {template.format(shape)}",
                      *api(server, method, template.format(shape), json.dumps(body).encode()))
    for label, raw, _ in SHAPES:
        check(f"DELETE version={label}", *api(server, "DELETE", "/api/v1/entries/fuzz-entry?version=" + raw.decode()))
        ensure_entry(server)
    for shape in PATH_SHAPES:
        check(f"DELETE {shape}", *api(server, "DELETE", f"/api/v1/entries/{shape}"))
        check(f"publish {shape}", *api(server, "POST", f"/api/v1/entries/{shape}/publish"))
    check("publish", *api(server, "POST", "/api/v1/entries/fuzz-entry/publish"))
    reached |= {"api.remove_entry", "api.publish"}

    ensure_entry(server)
    doomed = json.loads(api(server, "POST", "/api/v1/drafts", b'{"title": "Doomed"}')[1])["id"]

    # -- sign-out on a session of its own, first; then every form of the pages, with the admin's session -------
    leaving = Browser(server, "fuzz-out")
    status, _ = leaving.post("/sign-out", leaving.encode({"csrf_token": csrf_of(leaving.get("/account")[1])}))
    check("POST /sign-out", status, "")
    reached.add("account.sign_out")
    admin = Browser(server, "fuzz-admin")
    # An unconfirmed address, so that the account page shows its "send the link again" form too.
    admin.post("/account/email", admin.encode({"csrf_token": csrf_of(admin.get("/account")[1]),
                                               "email": "fuzz@example.org"}))
    # Two questions of the admin's own on a published entry, one hidden, so that the edit, hide, restore and
    # answer forms show too.
    for question in ("A question", "Another question"):
        admin.post("/entries/mercosur-residence-agreement/posts",
                   admin.encode({"csrf_token": csrf_of(admin.get("/account")[1]), "text": question}))
    hide, fields = next(f for f in admin.forms("/entries/mercosur-residence-agreement") if f[0].endswith("/hide"))
    admin.post(hide, admin.encode({**fields, "reason": "to show the restore form"}))
    # An open call, and an entry of the admin's own in progress, so that the call page offers "respond".
    call = dict(next(f for a, f in admin.forms("/calls/new") if a == "/calls/new"), title="A call",
                description="Send practices", deadline="2099-12-31")
    admin.post("/calls/new", admin.encode(call))
    assert api(server, "POST", "/api/v1/entries", json.dumps({**ENTRY, "id": "fuzz-call-draft"}).encode())[0] == 201
    # A published entry with a focal point, so that its page offers "Contact the focal point".
    focal = {**ENTRY, "id": "fuzz-focal", "focal_point": {"name": "A focal point", "email": "focal@example.org"}}
    assert api(server, "POST", "/api/v1/entries", json.dumps(focal).encode())[0] == 201
    assert api(server, "POST", "/api/v1/entries/fuzz-focal/publish?version=1")[0] == 200
    # A followed search, so that its page shows the forms that change one (issue 15).
    admin.post("/followed", admin.encode({"csrf_token": csrf_of(admin.get("/followed")[1]), "name": "Fuzzed",
                                          "query": "theme=labour-mobility", "digest": "daily"}))
    pages = ["/account", "/admin/users", "/drafts", f"/drafts/{draft_id}", "/findings", "/entries/new",
             "/entries/fuzz-entry/edit", "/entries/fuzz-entry/history", "/entries/fuzz-entry/review",
             "/entries/mercosur-residence-agreement", "/events/oas-2011-bilateral-cooperation", "/calls/new",
             "/calls/1", "/entries/fuzz-focal", "/followed", "/followed/new?theme=labour-mobility"]
    forms, shown = [], set()
    for action, fields in [form for page in pages for form in admin.forms(page)]:
        kind = (re.sub(r"/\d+(?=/|$)", "/N", action.split("?")[0]), *fields)  # one form per row is enough
        if kind not in shown and not action.endswith("/delete"):  # delete: last, on a draft of its own
            shown.add(kind)
            forms.append((action, fields))
    forms.append(("/entries/preview", dict(next(f for a, f in forms if a == "/entries/new"))))
    for action, fields in forms:
        endpoint = endpoint_of(rule_map, action, "POST")
        if endpoint in ("account.sign_out", "account.sign_in"):
            continue
        reached.add(endpoint)
        for name in [n for n in fields if n != "csrf_token"] or [None]:
            for label, raw, _ in SHAPES:
                sent = {**fields, **({name: raw} if name else {})}
                check(f"POST {action} {name}={label}", *admin.post(action, admin.encode(sent)))
        parts = action.split("?")[0].split("/")
        for i, part in enumerate(parts):  # every path segment that names a row or an entry
            if part.isdigit() or part == "fuzz-entry":
                for shape in PATH_SHAPES:
                    path = "/".join([*parts[:i], shape, *parts[i + 1:]])
                    check(f"POST {path}", *admin.post(path, admin.encode(fields)))
    token = csrf_of(admin.get(f"/drafts/{doomed}")[1])
    for label, raw, _ in SHAPES:
        check(f"delete anchor={label}", *admin.post(f"/drafts/{doomed}/delete",
                                                    admin.encode({"csrf_token": token, "anchor": raw})))

    token = csrf_of(admin.get("/followed")[1])
    for shape in [*PATH_SHAPES, "1"]:  # unfollowing, last: the search's forms were probed above
        check(f"POST /followed/{shape}/delete", *admin.post(f"/followed/{shape}/delete",
                                                            admin.encode({"csrf_token": token})))
    reached.add("followed.unfollow")

    stranger = Browser.__new__(Browser)
    stranger.server, stranger.opener = server, urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
    fields = {"csrf_token": csrf_of(stranger.get("/sign-in")[1]), "name": "fuzz-admin", "password": "wrong",
              "next": "/"}
    for name in ("name", "password", "next"):
        for label, raw, _ in SHAPES[:6]:  # each failure counts against the address: a few shapes only
            check(f"POST /sign-in {name}={label}", *stranger.post("/sign-in", stranger.encode({**fields, name: raw})))
    reached.add("account.sign_in")
    from migration_kb.web.digests import unsubscribe_token

    with app.test_request_context():
        signed = unsubscribe_token(1)
    for shape in [signed, signed[:-2], *PATH_SHAPES]:  # a digest's one-click unsubscribe: no session at all
        check(f"POST /digests/unsubscribe/{shape}", *stranger.post(f"/digests/unsubscribe/{shape}", b""))
    reached.add("followed.unsubscribe")

    # -- OAI-PMH takes POST too (it reads only): every argument with every shape, an answer every time -----------
    for name in ("verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken"):
        for label, raw, _ in SHAPES:
            body = b"verb=ListRecords&metadataPrefix=oai_dc&" + name.encode() + b"=" + raw
            check(f"POST /oai {name}={label}", *stranger.post("/oai", body))
    reached.add("oai.endpoint")

    took = time.perf_counter() - started
    print(f"{sum(seen.values())} requests in {took:.1f} s: {dict(seen)}")
    assert not failures, "\n".join(failures[:20]) + "\n" + server.log_text()[-3000:]
    assert "Traceback" not in server.log_text()
    writes = {r.endpoint for r in rule_map.iter_rules() if r.methods & {"POST", "PUT", "DELETE"}}
    assert writes - reached == set()  # every write route was probed
    assert seen[2] + seen[3] and seen[4]  # valid requests were among them, not only refusals
