"""Linked data: the schema.org JSON-LD of every shipped entry's page parses (rdflib) and carries what portals
read; the vocabularies as SKOS (Turtle and JSON-LD) hold every taxonomy id with labels in four languages, the
synonyms, the scope notes and the blocs' membership."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import ORG, SDO

from migration_kb.linked_data import SCHEMES, Site, entry_jsonld
from migration_kb.records import Entry, Source
from migration_kb.taxonomy import load

pytestmark = [pytest.mark.databases("sqlite", "postgresql"),
              # rdflib 7's own JSON-LD parser still builds a ConjunctiveGraph internally
              pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")]
BASE = "http://localhost"
SCRIPT_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def page_graph(client, entry_id: str) -> Graph:
    page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
    [data] = SCRIPT_RE.findall(page)
    return Graph().parse(data=data, format="json-ld")


def test_every_shipped_entry_page_embeds_its_schema_org_description(client):
    ids = [hit["id"] for hit in json.loads(client.get("/search.json").get_data(as_text=True))["results"]]
    assert len(ids) >= 134
    for entry_id in ids:
        record = json.loads(client.get(f"/entries/{entry_id}.json").get_data(as_text=True))
        graph = page_graph(client, entry_id)
        work = URIRef(f"{BASE}/entries/{entry_id}")
        assert (work, RDF.type, SDO.CreativeWork) in graph, entry_id
        assert graph.value(work, SDO.name) == Literal(record["title"], lang=record["language"])
        assert graph.value(work, SDO.description) == Literal(record["summary"], lang=record["language"])
        assert str(graph.value(work, SDO.inLanguage)) == record["language"]
        assert str(graph.value(work, SDO.url)) == str(work)
        assert str(graph.value(work, SDO.dateModified)) == record["updated_at"][:10]
        about = set(graph.objects(work, SDO.about))
        assert {URIRef(f"{BASE}/vocabularies/themes#{t}") for t in record["themes"]} <= about
        places = set(graph.objects(work, SDO.spatialCoverage))
        assert places == {URIRef(f"{BASE}/vocabularies/countries#{c}") for c in record["countries"]}
        for place in places:
            assert len(set(graph.objects(place, SDO.name))) >= 1
        if record["year_start"]:
            assert str(graph.value(work, SDO.temporalCoverage)) == \
                f"{record['year_start']}/{record['year_end'] or '..'}"
        cited = list(graph.objects(work, SDO.citation))
        assert len(cited) == len(record["sources"]) >= 1
        assert {str(graph.value(c, SDO.name)) for c in cited} == {s["title"] for s in record["sources"]}


def test_a_title_cannot_close_the_script_element():
    entry = Entry(id="x", title="</script><script>alert(1)</script> & more", summary="<b>bold</b>",
                  language="en", themes=("protection",), countries=("MX",),
                  sources=(Source(title="A </script> source"),))
    text = entry_jsonld(entry, datetime(2026, 1, 2), Site("https://kb.example.org"), load())
    assert "<" not in text and ">" not in text and "&" not in text
    graph = Graph().parse(data=text, format="json-ld")
    work = URIRef("https://kb.example.org/entries/x")
    assert str(graph.value(work, SDO.name)) == entry.title


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_every_scheme_as_turtle_and_json_ld_holds_every_id_in_four_languages(client, scheme):
    taxonomy = load()
    vocabulary = SCHEMES[scheme]
    ids = list(taxonomy.countries) if vocabulary == "country" else list(taxonomy.terms(vocabulary))
    graphs = []
    for path, fmt in ((f"/vocabularies/{scheme}.ttl", "turtle"), (f"/vocabularies/{scheme}.jsonld", "json-ld")):
        answer = client.get(path)
        assert answer.status_code == 200
        graphs.append(Graph().parse(data=answer.get_data(as_text=True), format=fmt))
    turtle, jsonld = graphs
    assert len(turtle) == len(jsonld) and turtle.isomorphic(jsonld)
    scheme_uri = URIRef(f"{BASE}/vocabularies/{scheme}")
    assert (scheme_uri, RDF.type, SKOS.ConceptScheme) in turtle
    concepts = set(turtle.subjects(RDF.type, SKOS.Concept))
    assert concepts == {URIRef(f"{scheme_uri}#{i}") for i in ids}
    for term_id in ids:
        uri = URIRef(f"{scheme_uri}#{term_id}")
        labels = {label.language for label in turtle.objects(uri, SKOS.prefLabel)}
        assert labels == {"en", "es", "pt", "fr"}, term_id
        assert str(turtle.value(uri, SKOS.notation)) == term_id
        if vocabulary != "country":
            term = taxonomy.terms(vocabulary)[term_id]
            assert {n.language for n in turtle.objects(uri, SKOS.scopeNote)} == {"en", "es", "pt", "fr"}
            alt = {(str(a), a.language) for a in turtle.objects(uri, SKOS.altLabel)}
            assert alt == {(s, lang) for lang, words in term.synonyms.items() for s in words
                           if s != term.label(lang)}
            if vocabulary == "topic":
                assert turtle.value(uri, SKOS.broader) == URIRef(f"{BASE}/vocabularies/themes#{term.theme}")


def test_bloc_membership_is_data(client):
    graph = Graph().parse(data=client.get("/vocabularies/blocs.ttl").get_data(as_text=True), format="turtle")
    mercosur = URIRef(f"{BASE}/vocabularies/blocs#MERCOSUR")
    members = {}
    for membership in graph.subjects(ORG.organization, mercosur):
        country = str(graph.value(membership, ORG.member)).rsplit("#", 1)[1]
        members[country] = str(graph.value(membership, ORG.role)).rsplit("-", 1)[1]
    expected = {m.country: m.status for m in load().blocs["MERCOSUR"].members}
    assert members == expected and members["AR"] == "full" and members["CL"] == "associate"


def test_content_negotiation(client):
    turtle = client.get("/vocabularies/themes", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and "Accept" in turtle.headers["Vary"]
    jsonld = client.get("/vocabularies/themes", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and json.loads(jsonld.get_data(as_text=True))
    assert client.get("/vocabularies/themes", headers={"Accept": "text/html,*/*"}).mimetype == "text/turtle"
    assert client.get("/vocabularies/nothing").status_code == 404
    assert client.get("/vocabularies/nothing.ttl").status_code == 404
