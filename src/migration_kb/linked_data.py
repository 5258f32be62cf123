"""Linked data, built as RDF graphs with rdflib: the controlled vocabularies as SKOS concept schemes (with the
blocs' membership in the W3C Organization Ontology), and an entry as a schema.org CreativeWork (the JSON-LD its
page embeds). See docs/linked-data.md.

URIs come from the site's address (`MIGRATION_KB_PUBLIC_URL`): a scheme is `<site>/vocabularies/<scheme>`, its
concepts `<site>/vocabularies/<scheme>#<id>` (hash URIs: the scheme's document describes them), and the ids are
the taxonomy's fixed ids (docs/spec/taxonomy.md), so the URIs are as stable as the site's address.
"""

from __future__ import annotations

import json
from datetime import datetime

from rdflib import RDF, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, SDO

from .config import LANGUAGES
from .records import Entry
from .taxonomy import Taxonomy

# Scheme name in URLs -> the taxonomy's vocabulary.
SCHEMES = {"themes": "theme", "topics": "topic", "target-groups": "target_group", "instruments": "instrument",
           "finding-kinds": "finding_kind", "blocs": "bloc", "countries": "country"}
SCHEME_OF = {vocabulary: scheme for scheme, vocabulary in SCHEMES.items()}
TITLES = {"themes": "Themes", "topics": "Topics", "target-groups": "Target groups", "instruments": "Instruments",
          "finding-kinds": "Kinds of finding", "blocs": "Region blocs", "countries": "Countries and territories"}
FORMATS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json")}


class Site:
    """The URIs of one site."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def scheme(self, scheme: str) -> URIRef:
        return URIRef(f"{self.base}/vocabularies/{scheme}")

    def concept(self, vocabulary: str, term_id: str) -> URIRef:
        return URIRef(f"{self.base}/vocabularies/{SCHEME_OF[vocabulary]}#{term_id}")

    def entry(self, entry_id: str) -> URIRef:
        return URIRef(f"{self.base}/entries/{entry_id}")


def _graph() -> Graph:
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("dct", DCTERMS)
    graph.bind("org", ORG)
    graph.bind("schema", SDO)
    return graph


# -- SKOS ---------------------------------------------------------------------------------------------
def vocabulary_graph(taxonomy: Taxonomy, scheme: str, site: Site) -> Graph:
    """One concept scheme: every term with its prefLabel, altLabels (the synonyms) and scopeNote in the four
    languages; topics are narrower than their theme; blocs carry their members."""
    vocabulary = SCHEMES[scheme]
    graph = _graph()
    scheme_uri = site.scheme(scheme)
    graph.add((scheme_uri, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme_uri, DCTERMS.title, Literal(TITLES[scheme], lang="en")))
    graph.bind(scheme.replace("-", "_"), Namespace(f"{scheme_uri}#"))
    if vocabulary == "country":
        for country in taxonomy.countries.values():
            uri = _concept(graph, scheme_uri, site.concept("country", country.code), country.code)
            for lang in LANGUAGES:
                graph.add((uri, SKOS.prefLabel, Literal(country.label(lang), lang=lang)))
        return graph
    for term in taxonomy.terms(vocabulary).values():
        uri = _concept(graph, scheme_uri, site.concept(vocabulary, term.id), term.id)
        for lang in LANGUAGES:
            label = term.label(lang)
            graph.add((uri, SKOS.prefLabel, Literal(label, lang=lang)))
            graph.add((uri, SKOS.scopeNote, Literal(term.note(lang), lang=lang)))
            # SKOS keeps a language's preferred and alternative labels apart
            for synonym in dict.fromkeys(term.synonyms.get(lang, ())):
                if synonym != label:
                    graph.add((uri, SKOS.altLabel, Literal(synonym, lang=lang)))
        if vocabulary == "topic" and term.theme:
            theme = site.concept("theme", term.theme)
            graph.add((uri, SKOS.broader, theme))
        if vocabulary == "bloc":
            _membership(graph, site, term)
    return graph


def _concept(graph: Graph, scheme_uri: URIRef, uri: URIRef, notation: str) -> URIRef:
    graph.add((uri, RDF.type, SKOS.Concept))
    graph.add((uri, SKOS.inScheme, scheme_uri))
    graph.add((uri, SKOS.topConceptOf, scheme_uri))
    graph.add((scheme_uri, SKOS.hasTopConcept, uri))
    graph.add((uri, SKOS.notation, Literal(notation)))
    return uri


def _membership(graph: Graph, site: Site, bloc) -> None:
    """Each member state as an org:Membership: the country, its status as an org:Role, since when."""
    uri = site.concept("bloc", bloc.id)
    graph.add((uri, RDF.type, ORG.FormalOrganization))
    if bloc.founded:
        graph.add((uri, SDO.foundingDate, Literal(str(bloc.founded), datatype=XSD.gYear)))
    if bloc.founding_instrument:
        graph.add((uri, DCTERMS.source, Literal(bloc.founding_instrument, lang="en")))
    for alias in bloc.aliases:
        graph.add((uri, SKOS.hiddenLabel, Literal(alias)))
    for member in bloc.members:
        membership = URIRef(f"{uri}-{member.country}")
        graph.add((membership, RDF.type, ORG.Membership))
        graph.add((membership, ORG.organization, uri))
        graph.add((membership, ORG.member, site.concept("country", member.country)))
        role = URIRef(f"{site.scheme('blocs')}#status-{member.status}")
        graph.add((membership, ORG.role, role))
        graph.add((role, RDF.type, ORG.Role))
        graph.add((role, SKOS.prefLabel, Literal(member.status, lang="en")))
        if member.since:
            graph.add((membership, SDO.startDate, Literal(str(member.since), datatype=XSD.gYear)))
        if member.note:
            graph.add((membership, SKOS.note, Literal(member.note, lang="en")))


def serialise(graph: Graph, extension: str) -> str:
    rdf_format, _ = FORMATS[extension]
    if rdf_format == "json-ld":
        return graph.serialize(format="json-ld", context=_context(graph), auto_compact=True, indent=1)
    return graph.serialize(format="turtle")


def _context(graph: Graph) -> dict:
    return {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix in ("skos", "dct", "org", "schema")}


# -- an entry as schema.org ---------------------------------------------------------------------------
def entry_graph(entry: Entry, updated: datetime, site: Site, taxonomy: Taxonomy) -> Graph:
    """The practice as a schema.org CreativeWork: what search engines and portals read from its page."""
    graph = _graph()
    uri = site.entry(entry.id)
    graph.add((uri, RDF.type, SDO.CreativeWork))
    graph.add((uri, SDO.url, Literal(str(uri), datatype=XSD.anyURI)))
    graph.add((uri, SDO.name, Literal(entry.title, lang=entry.language)))
    graph.add((uri, SDO.description, Literal(entry.summary, lang=entry.language)))
    graph.add((uri, SDO.inLanguage, Literal(entry.language)))
    graph.add((uri, SDO.dateModified, Literal(updated.date().isoformat(), datatype=XSD.date)))
    graph.add((uri, SDO.isPartOf, URIRef(site.base + "/")))
    for vocabulary, values in (("theme", entry.themes), ("topic", entry.topics), ("bloc", entry.blocs),
                               ("target_group", entry.target_groups)):
        for value in values:
            term = site.concept(vocabulary, value)
            graph.add((uri, SDO.about, term))
            graph.add((term, RDF.type, SDO.DefinedTerm))
            graph.add((term, SDO.name, Literal(taxonomy.label(vocabulary, value, "en"), lang="en")))
            graph.add((term, SDO.inDefinedTermSet, site.scheme(SCHEME_OF[vocabulary])))
    for code in entry.countries:
        place = site.concept("country", code)
        graph.add((uri, SDO.spatialCoverage, place))
        graph.add((place, RDF.type, SDO.Country))
        graph.add((place, SDO.identifier, Literal(code)))
        for lang in LANGUAGES:
            graph.add((place, SDO.name, Literal(taxonomy.label("country", code, lang), lang=lang)))
    if entry.year_start:  # ISO 8601 interval; ".." is open-ended
        graph.add((uri, SDO.temporalCoverage, Literal(f"{entry.year_start}/{entry.year_end or '..'}")))
    for i, source in enumerate(entry.sources, start=1):
        cited = URIRef(f"{uri}#source-{i}")
        graph.add((uri, SDO.citation, cited))
        graph.add((cited, RDF.type, SDO.CreativeWork))
        graph.add((cited, SDO.name, Literal(source.title)))
        if source.publisher:
            graph.add((cited, SDO.publisher, Literal(source.publisher)))
        if source.year:
            graph.add((cited, SDO.datePublished, Literal(str(source.year), datatype=XSD.gYear)))
        if source.url:
            graph.add((cited, SDO.url, Literal(source.url, datatype=XSD.anyURI)))
    return graph


def entry_jsonld(entry: Entry, updated: datetime, site: Site, taxonomy: Taxonomy) -> str:
    """JSON-LD for a `<script type="application/ld+json">`: `<`, `>` and `&` are written as JSON escapes, so no
    text of the entry can close the script element."""
    text = entry_graph(entry, updated, site, taxonomy).serialize(
        format="json-ld", context={"@vocab": str(SDO), "xsd": str(XSD)}, auto_compact=True)
    compact = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    return compact.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
