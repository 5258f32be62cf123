"""OAI-PMH answers as XML trees (lxml), and an entry as an unqualified Dublin Core record (oai_dc)."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from ..records import Entry
from ..taxonomy import Taxonomy
from .protocol import GRANULARITY, IDENTIFIER_PREFIX, METADATA_PREFIX, datestamp

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMAS = {OAI: "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
           OAI_DC: "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"}
LANGUAGES = ("en", "es", "pt", "fr")


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def envelope(base_url: str, verb: str | None, args: dict[str, str], now: datetime | None = None):
    """The OAI-PMH root with its responseDate and request; `verb` None for badVerb and badArgument, whose
    request element carries no attributes."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {SCHEMAS[OAI]}")
    _sub(root, f"{{{OAI}}}responseDate", datestamp(now or datetime.now(UTC)))
    request = _sub(root, f"{{{OAI}}}request", base_url)
    if verb is not None:
        request.set("verb", verb)
        for key, value in args.items():
            request.set(key, value)
    return root


def container(root, verb: str):
    """The element holding a verb's answer."""
    return _sub(root, f"{{{OAI}}}{verb}")


def error(root, code: str, message: str) -> None:
    _sub(root, f"{{{OAI}}}error", message, code=code)


def identify(root, *, name: str, base_url: str, admin_email: str, earliest: datetime) -> None:
    node = _sub(root, f"{{{OAI}}}Identify")
    for tag, text in (("repositoryName", name), ("baseURL", base_url), ("protocolVersion", "2.0"),
                      ("adminEmail", admin_email), ("earliestDatestamp", datestamp(earliest)),
                      ("deletedRecord", "persistent"), ("granularity", GRANULARITY)):
        _sub(node, f"{{{OAI}}}{tag}", text)


def metadata_formats(root) -> None:
    node = _sub(root, f"{{{OAI}}}ListMetadataFormats")
    fmt = _sub(node, f"{{{OAI}}}metadataFormat")
    _sub(fmt, f"{{{OAI}}}metadataPrefix", METADATA_PREFIX)
    _sub(fmt, f"{{{OAI}}}schema", SCHEMAS[OAI_DC])
    _sub(fmt, f"{{{OAI}}}metadataNamespace", OAI_DC)


def sets(root, taxonomy: Taxonomy) -> None:
    """Themes and region blocs, each under its parent set ("theme", "bloc"), named in English."""
    node = _sub(root, f"{{{OAI}}}ListSets")
    groups = (("theme", "Themes", taxonomy.themes), ("bloc", "Region blocs", taxonomy.blocs))
    for prefix, name, terms in groups:
        _set(node, prefix, name)
        for term in terms.values():
            _set(node, f"{prefix}:{term.id}", term.label("en"))


def _set(parent, spec: str, name: str) -> None:
    item = _sub(parent, f"{{{OAI}}}set")
    _sub(item, f"{{{OAI}}}setSpec", spec)
    _sub(item, f"{{{OAI}}}setName", name)


def header(parent, harvested) -> None:
    node = _sub(parent, f"{{{OAI}}}header", status="deleted" if harvested.deleted else None)
    _sub(node, f"{{{OAI}}}identifier", IDENTIFIER_PREFIX + harvested.id)
    _sub(node, f"{{{OAI}}}datestamp", datestamp(harvested.datestamp))
    for spec in harvested.sets:
        _sub(node, f"{{{OAI}}}setSpec", spec)


def record(parent, harvested, url: str, taxonomy: Taxonomy) -> None:
    """A record: its header, and its metadata unless it is deleted."""
    node = _sub(parent, f"{{{OAI}}}record")
    header(node, harvested)
    if not harvested.deleted:
        metadata = _sub(node, f"{{{OAI}}}metadata")
        metadata.append(dublin_core(harvested.entry, harvested.datestamp, url, taxonomy))


def resumption(parent, token: str, cursor: int) -> None:
    """The token for the next page; an empty one (token "") says the list is complete."""
    _sub(parent, f"{{{OAI}}}resumptionToken", token, cursor=str(cursor))


def dublin_core(entry: Entry, updated: datetime, url: str, taxonomy: Taxonomy):
    """The entry in the 15 elements of simple Dublin Core: subjects and places labelled in the four languages."""
    dc = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {SCHEMAS[OAI_DC]}")

    def el(tag: str, text: str, lang: str | None = None):
        node = _sub(dc, f"{{{DC}}}{tag}", " ".join(text.split()))
        if lang:
            node.set(XML_LANG, lang)

    el("title", entry.title, entry.language)
    who = entry.contributor
    if who and (who.name or who.organization):
        el("creator", who.name or who.organization)
    for vocabulary, values in (("theme", entry.themes), ("topic", entry.topics),
                               ("target_group", entry.target_groups)):
        for value in values:
            for lang in LANGUAGES:
                el("subject", taxonomy.label(vocabulary, value, lang), lang)
    el("description", entry.summary, entry.language)
    el("publisher", "migration-kb")
    el("date", updated.astimezone(UTC).strftime("%Y-%m-%d"))
    el("type", "Text")
    el("format", "text/html")
    el("identifier", url)
    for source in entry.sources:
        el("source", ", ".join(str(x) for x in (source.title, source.publisher, source.year, source.url) if x))
    el("language", entry.language)
    for code in entry.countries:
        for lang in LANGUAGES:
            el("coverage", taxonomy.label("country", code, lang), lang)
    if entry.year_start:  # the years in force, as a period
        el("coverage", f"{entry.year_start}/{entry.year_end}" if entry.year_end else str(entry.year_start))
    if entry.superseded_by:
        el("relation", url.rsplit("/", 1)[0] + "/" + entry.superseded_by)
    return dc


def serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

