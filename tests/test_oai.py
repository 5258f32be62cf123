"""OAI-PMH 2.0 at /oai against a real server: a real harvester (sickle) takes the whole collection through
resumption tokens while an entry is archived; every answer validates against the protocol's XML schema (lxml,
the schemas vendored in tests/oai_schemas); deleted records stay announced; every protocol error."""

from __future__ import annotations

import time
import urllib.parse
import urllib.request
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

with warnings.catch_warnings():  # sickle 0.7 has regular expressions in plain strings ("\{")
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)  # what Python 3.11 calls it
    from sickle import Sickle
    from sickle.oaiexceptions import BadResumptionToken, IdDoesNotExist, NoRecordsMatch

from testkit.servers import AppServer

from migration_kb.config import Settings
from migration_kb.db import open_database
from migration_kb.store import delete_entry
from tests.conftest import database_url

pytestmark = pytest.mark.databases("sqlite", "postgresql")
SCHEMAS = Path(__file__).parent / "oai_schemas"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
PREFIX = "oai:migration-kb:"


def _schema() -> etree.XMLSchema:
    """The OAI-PMH schema with oai_dc, so that records' metadata are checked strictly too."""
    both = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <xs:import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="OAI-PMH.xsd"/>
      <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="oai_dc.xsd"/>
    </xs:schema>"""
    return etree.XMLSchema(etree.fromstring(both.encode(), base_url=str(SCHEMAS) + "/"))


SCHEMA = _schema()


def valid(xml: bytes) -> etree._Element:
    root = etree.fromstring(xml)
    assert SCHEMA.validate(root), SCHEMA.error_log
    return root


class CheckedSickle(Sickle):
    """sickle, validating every answer it receives."""

    answers = 0

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        valid(response.raw.encode("utf-8"))
        self.answers += 1
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory, backend, request):
    app = AppServer(tmp_path_factory.mktemp("oai") / "instance", database_url(request, backend))
    app.admin = app.token("oai-admin", "admin")
    yield app
    app.stop()


def oai(server, method: str = "GET", **args) -> etree._Element:
    data = urllib.parse.urlencode(args)
    if method == "GET":
        req = urllib.request.Request(f"{server.url}/oai?{data}")
    else:
        req = urllib.request.Request(f"{server.url}/oai", data=data.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as answer:
        assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/xml")
        return valid(answer.read())


def error_code(root) -> str | None:
    found = root.find("oai:error", NS)
    return found.get("code") if found is not None else None


def published_ids(server) -> list[str]:
    status, body = server.get("/search.json")
    assert status == 200
    return sorted(hit["id"] for hit in body["results"])


def test_a_harvester_takes_everything_through_resumption_tokens_while_an_entry_is_archived(server):
    ids = published_ids(server)
    assert len(ids) >= 134
    harvester = CheckedSickle(server.url + "/oai")
    records = harvester.ListRecords(metadataPrefix="oai_dc")
    seen = {}
    archived = ids[-1]  # on the last page, which is not read yet
    for i, rec in enumerate(records):
        seen[rec.header.identifier] = rec
        if i == 0:
            status, _, _ = server.request("DELETE", f"/api/v1/entries/{archived}", token=server.admin)
            assert status == 204
    assert harvester.answers >= 3  # 50 a page
    assert sorted(seen) == [PREFIX + i for i in ids]
    assert seen[PREFIX + archived].deleted and not hasattr(seen[PREFIX + archived], "metadata")
    live = seen[PREFIX + ids[0]]
    assert not live.deleted and live.metadata["title"] and live.metadata["identifier"] == [
        f"{server.url}/entries/{ids[0]}"]
    assert live.metadata["publisher"] == ["migration-kb"] and len(live.metadata["subject"]) >= 4


def test_deleted_records_stay_announced(server):
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.1)  # datestamps are to the second
    gone = published_ids(server)[0]
    assert server.request("DELETE", f"/api/v1/entries/{gone}", token=server.admin)[0] == 204  # archived
    db = open_database(Settings.load(server.instance, database_url=server.env.get("MIGRATION_KB_DATABASE_URL")))
    with db.session() as s:
        delete_entry(s, gone)  # and then removed entirely
    db.dispose()
    harvester = CheckedSickle(server.url + "/oai")
    changed = {h.identifier: h for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": before})}
    assert changed[PREFIX + gone].deleted
    record = harvester.GetRecord(identifier=PREFIX + gone, metadataPrefix="oai_dc")
    assert record.header.deleted and record.header.datestamp >= before
    assert any(s.startswith("theme:") for s in record.header.setSpecs)  # its sets outlive it
    everything = [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc")]
    assert PREFIX + gone in everything
    # set-selective harvesting reaches it through the themes of its last text
    theme = next(s for s in record.header.setSpecs if s.startswith("theme:"))
    assert PREFIX + gone in [h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", set=theme)]


def test_a_draft_never_published_is_never_announced(server):
    expert = server.token("oai-expert", "expert")
    body = {"id": "oai-never-published", "title": "A draft", "summary": "Not public.", "language": "en",
            "themes": ["protection"], "countries": ["MX"], "body": "Draft."}
    assert server.request("POST", "/api/v1/entries", body, token=expert)[0] == 201
    root = oai(server, verb="GetRecord", metadataPrefix="oai_dc", identifier=PREFIX + "oai-never-published")
    assert error_code(root) == "idDoesNotExist"
    assert server.request("DELETE", "/api/v1/entries/oai-never-published", token=expert)[0] == 204
    root = oai(server, verb="GetRecord", metadataPrefix="oai_dc", identifier=PREFIX + "oai-never-published")
    assert error_code(root) == "idDoesNotExist"
    harvester = CheckedSickle(server.url + "/oai")
    assert PREFIX + "oai-never-published" not in [h.identifier for h in harvester.ListIdentifiers(
        metadataPrefix="oai_dc")]


def test_identify_formats_and_sets(server):
    root = oai(server, verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:baseURL", namespaces=NS) == server.url + "/oai"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    formats = oai(server, verb="ListMetadataFormats").findall(".//oai:metadataPrefix", NS)
    assert [f.text for f in formats] == ["oai_dc"]
    specs = [s.text for s in oai(server, verb="ListSets").findall(".//oai:setSpec", NS)]
    assert {"theme", "bloc", "theme:protection", "bloc:MERCOSUR"} <= set(specs)
    # POST as well as GET
    assert oai(server, "POST", verb="Identify").find("oai:Identify", NS) is not None


def test_selective_harvesting_by_set_and_dates(server):
    harvester = CheckedSickle(server.url + "/oai")
    mercosur = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="bloc:MERCOSUR"))
    assert mercosur and all("bloc:MERCOSUR" in h.setSpecs for h in mercosur)
    all_blocs = {h.identifier for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", set="bloc")}
    assert {h.identifier for h in mercosur} <= all_blocs
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert len(list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": today, "until": today}))) >= 134
    with pytest.raises(NoRecordsMatch):
        list(harvester.ListIdentifiers(metadataPrefix="oai_dc", until="2000-01-01"))
    one = next(iter(harvester.ListRecords(metadataPrefix="oai_dc", set="theme:protection")))
    assert "theme:protection" in one.header.setSpecs


@pytest.mark.parametrize(("args", "code"), [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2021-01-01T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "country:MX"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "ListRecords", "metadataPrefix": "a b<c"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:migration-kb:no-such-entry"},
     "idDoesNotExist"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "http://elsewhere/x y"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "oai:migration-kb:x"}, "badArgument"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:migration-kb:no-such-entry"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "resumptionToken": "garbage!"}, "badResumptionToken"),
    ({"verb": "ListIdentifiers", "resumptionToken": "eyJhIjoxfQ"}, "badResumptionToken"),
    ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"}, "noRecordsMatch"),
])
def test_protocol_errors(server, args, code):
    for method in ("GET", "POST"):
        root = oai(server, method, **args)
        assert error_code(root) == code, (args, etree.tostring(root))
        if code in ("badVerb", "badArgument"):
            assert dict(root.find("oai:request", NS).attrib) == {}


def test_repeated_arguments_and_the_harvesters_errors(server):
    with urllib.request.urlopen(f"{server.url}/oai?verb=Identify&verb=Identify") as answer:
        assert error_code(valid(answer.read())) == "badVerb"
    url = f"{server.url}/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc"
    with urllib.request.urlopen(url) as answer:
        assert error_code(valid(answer.read())) == "badArgument"
    harvester = Sickle(server.url + "/oai")
    with pytest.raises(IdDoesNotExist):
        harvester.GetRecord(identifier=PREFIX + "nothing-here", metadataPrefix="oai_dc")
    with pytest.raises(BadResumptionToken):
        harvester.ListRecords(resumptionToken="bm90IGEgdG9rZW4")


KEYS = st.sampled_from(["verb", "metadataPrefix", "identifier", "from", "until", "set", "resumptionToken", "x"])
VALUES = st.one_of(st.sampled_from(["Identify", "ListRecords", "ListIdentifiers", "GetRecord", "ListSets",
                                    "ListMetadataFormats", "oai_dc", "theme", "bloc:MERCOSUR", "2020-01-01",
                                    "2020-01-01T00:00:00Z", "oai:migration-kb:mercosur-residence-agreement",
                                    "eyJhIjoieiIsImMiOjUwfQ"]),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(KEYS, VALUES), max_size=5), post=st.booleans())
@example(pairs=[("verb", "ListRecords"), ("resumptionToken", "\x01")], post=False)
@example(pairs=[("verb", "GetRecord"), ("metadataPrefix", "oai_dc"), ("identifier", "a\x01b")], post=True)
@example(pairs=[("verb", "ListRecords"), ("metadataPrefix", "\x00"), ("set", "\x0b")], post=False)
def test_any_request_gets_a_valid_oai_answer(client, pairs, post):
    """Generated arguments, by GET and POST: always 200 and a document the protocol's schema accepts."""
    if post:
        answer = client.post("/oai", data=urllib.parse.urlencode(pairs),
                             content_type="application/x-www-form-urlencoded")
    else:
        answer = client.get("/oai?" + urllib.parse.urlencode(pairs))
    assert answer.status_code == 200, pairs
    valid(answer.data)
