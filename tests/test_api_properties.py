"""Property-based test of the write API against a real `migration-kb serve` (SQLite, the shipped kb): an expert's
and an admin's real tokens create, change, publish and delete entries in draft, review and published state,
with valid bodies and hostile ones (unicode oddities, huge numbers, missing, extra and nested junk fields,
lone surrogates, deep nesting). No answer is a 5xx; every refusal has the API's error shape.

Bounded by MKB_API_PROPERTY_EXAMPLES (default 150 requests); about 20 s here with the server's start.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testkit.servers import AppServer

from migration_kb import workflow
from migration_kb.config import Settings
from migration_kb.db import open_database
from migration_kb.models import EntryRow, User
from migration_kb.records import validate_entry
from migration_kb.store import delete_entry, save_entry

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("MKB_API_PROPERTY_EXAMPLES", "150"))
STATES = {"prop-draft": "draft", "prop-review": "review", "prop-published": "published"}
NEW_IDS = ("prop-new", "no-such-entry")  # ids a probe may create; gone again before the next one
BASE = {"title": "A practice probed by hypothesis", "summary": "Summary.", "language": "en",
        "themes": ["protection"], "countries": ["MX", "GT"], "topics": [], "blocs": ["SICA"],
        "target_groups": [], "instrument": None, "year_start": 2004, "year_end": None, "status": "active",
        "panel": None, "contributor": {"name": "Ana", "organization": None},
        "sources": [{"title": "A law", "publisher": "A state", "year": 2004, "url": "https://example.org/law"}],
        "findings": [{"kind": "strength", "text": "Clear."}, {"kind": "lesson", "text": "Learned."}],
        "body": "Body."}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = AppServer(tmp_path_factory.mktemp("props") / "instance")
    app.tokens = {"expert": app.token("prop-expert", "expert"), "admin": app.token("prop-admin", "admin")}
    app.db = open_database(Settings.load(app.instance))
    yield app
    app.db.dispose()
    app.stop()


def reset(server) -> None:
    """The three probe entries back in their states (the expert wrote them; the admin approves)."""
    with server.db.session() as s:
        for gone in NEW_IDS:
            if s.get(EntryRow, gone) is not None:
                delete_entry(s, gone)
        expert = s.query(User).filter_by(name="prop-expert").one()
        admin = s.query(User).filter_by(name="prop-admin").one()
        for entry_id, state in STATES.items():
            entry = validate_entry({**BASE, "id": entry_id})
            row = s.get(EntryRow, entry_id)
            if row is not None and row.state != "draft":
                save_entry(s, entry, state="draft", author_id=expert.id)
            save_entry(s, entry, author_id=expert.id, message="reset by the property test")
            if state != "draft" and s.get(EntryRow, entry_id).state == "draft":
                workflow.act(s, entry_id, "submit", expert)
            if state == "published":
                workflow.act(s, entry_id, "approve", admin)


# -- hostile values -------------------------------------------------------------------------------------------
ODD_TEXT = st.one_of(
    st.sampled_from(["", " ", "\x00", "\ud800", "\udfff", "\u202e evil", "\ufeff", "e\u0301", "１２", "١٩٩٩", "²",
                     "\r\n", "\t", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "<script>alert(1)</script>", "' OR 1=1 --", "%s%n", "a" * 5000,
                     "NaN", "null", "protection", "MX", "2004", "https://example.org/",
                     "mercosur-residence-agreement"]),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Cc", "Zs", "Mn", "Lo", "Nd", "So", "Ll"]),
            max_size=30),
)
NUMBERS = st.one_of(st.integers(), st.sampled_from([2**63, -(2**63) - 1, 10**30, 0, -1, 1799, 2101]),
                    st.floats(allow_nan=True, allow_infinity=True))
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, ODD_TEXT)
JUNK = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
                    max_leaves=8)
FIELDS = [*BASE, "id", "version", "state", "created_at", "updated_at", "extra", "findings[0].id",
          "sources[0].year", "findings[0].kind", "contributor.name"]


@st.composite
def bodies(draw, entry_id: str, got: dict | None):
    """A body close to a valid one (often GET's answer sent back), with a few fields missing or junk."""
    as_got = draw(st.booleans())  # drawn whatever `got` is: the same draws replay the same case
    body = json.loads(json.dumps(got if got and as_got else {**BASE, "id": entry_id}))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        value = draw(JUNK)
        if draw(st.integers(0, 4)) == 0:
            body.pop(field, None)
        elif "[0]." in field and isinstance(body.get(field.split("[")[0]), list) and body[field.split("[")[0]]:
            target = body[field.split("[")[0]][0]
            if isinstance(target, dict):
                target[field.split(".")[1]] = value
        elif "." in field and isinstance(body.get(field.split(".")[0]), dict):
            body[field.split(".")[0]][field.split(".")[1]] = value
        else:
            body[field] = value
    return body


def call(server, method: str, path: str, token: str, body=None, raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(server.url + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_write_api_never_answers_5xx(server):
    seen: Counter = Counter()
    targets = [*STATES, "mercosur-residence-agreement", *NEW_IDS, "Not An Id"]

    @given(data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def probe(data):
        reset(server)
        role = data.draw(st.sampled_from(["expert", "admin"]))
        token = server.tokens[role]
        entry_id = data.draw(st.sampled_from(targets))
        path = f"/api/v1/entries/{urllib.request.quote(entry_id)}"
        action = data.draw(st.sampled_from(["post", "put", "put", "put", "delete", "publish", "raw"]))
        status, got = call(server, "GET", path, token)
        got = json.loads(got) if status == 200 else None
        if action == "post":
            status, answer = call(server, "POST", "/api/v1/entries", token, data.draw(bodies(entry_id, got)))
        elif action == "put":
            status, answer = call(server, "PUT", path, token, data.draw(bodies(entry_id, got)))
        elif action == "delete":
            version = data.draw(st.one_of(st.none(), st.integers(-2, 5).map(str), ODD_TEXT))
            query = "" if version is None else "?version=" + urllib.request.quote(version.encode("utf-8", "replace"))
            status, answer = call(server, "DELETE", path + query, token)
        elif action == "publish":
            status, answer = call(server, "POST", path + "/publish?version=" + str(got["version"] if got else 1), token)
        else:
            raw = data.draw(st.sampled_from([b"[" * 100_000, b'{"a":' * 5000 + b"1" + b"}" * 5000, b"{",
                                             b'{"title": "\\ud800"}', b"\xff\xfe", json.dumps([BASE]).encode()]))
            status, answer = call(server, data.draw(st.sampled_from(["POST", "PUT"])),
                                  "/api/v1/entries" if status != 200 else path, token, raw=raw)
        seen[(action, status)] += 1
        assert status < 500, (action, entry_id, status, answer[:500], server.log_text()[-2000:])
        if status >= 400:
            error = json.loads(answer)
            assert isinstance(error["error"], str) and error["error"]
            if status == 422:
                assert error["errors"] and all({"field", "message"} <= set(e) for e in error["errors"])

    probe()
    print(sorted(seen.items()))  # with -s: what the run exercised
    statuses = {status for _, status in seen}
    assert {200, 422} <= statuses and statuses & {201, 204}  # valid bodies were among them, not only junk
