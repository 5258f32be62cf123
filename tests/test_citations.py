"""Citations: the APA reference on every entry page (citeproc-py), and RIS, BibTeX and CSL-JSON of one entry and of
a whole search, re-read with rispy, bibtexparser and json."""

from __future__ import annotations

import json
from datetime import datetime

import bibtexparser
import pytest
import rispy

from migration_kb.citations import Cited, bibtex, formatted, ris
from migration_kb.records import Contributor, Entry

pytestmark = pytest.mark.databases("sqlite", "postgresql")
ENTRY = "mx-us-ventanillas-de-salud"


def published_ids(client) -> list[str]:
    return [hit["id"] for hit in json.loads(client.get("/search.json").get_data(as_text=True))["results"]]


def unescape(value: str) -> str:
    """A BibTeX value as text: outer braces and LaTeX escapes removed."""
    for escaped, char in ((r"\textbackslash{}", "\\"), (r"\{", "{"), (r"\}", "}"), (r"\%", "%"), (r"\&", "&"),
                          (r"\#", "#"), (r"\_", "_"), (r"\$", "$")):
        value = value.replace(escaped, char)
    return value[1:-1] if value.startswith("{") and value.endswith("}") else value


def test_every_shipped_entry_re_reads_as_ris_and_bibtex(client):
    ids = published_ids(client)
    assert len(ids) >= 134
    for entry_id in ids:
        record = json.loads(client.get(f"/entries/{entry_id}.json").get_data(as_text=True))
        url = f"http://localhost/entries/{entry_id}"
        year = record["updated_at"][:4]
        got = client.get(f"/entries/{entry_id}.ris")
        assert got.status_code == 200 and got.mimetype == "application/x-research-info-systems"
        [ref] = rispy.loads(got.get_data(as_text=True))
        assert (ref["title"], ref["year"], ref["publisher"], ref["urls"]) == (
            " ".join(record["title"].split()), year, "migration-kb", [url]), entry_id
        got = client.get(f"/entries/{entry_id}.bib")
        assert got.mimetype == "application/x-bibtex"
        [bib] = bibtexparser.loads(got.get_data(as_text=True)).entries
        assert (bib["ID"], unescape(bib["title"]), bib["year"], bib["publisher"], bib["url"]) == (
            entry_id, " ".join(record["title"].split()), year, "migration-kb", url), entry_id


def test_the_entry_page_cites_it_in_the_ui_language(client):
    page = client.get(f"/entries/{ENTRY}?lang=es").get_data(as_text=True)
    assert "Citar esta práctica" in page
    reference = page.split('class="reference"')[1].split("</p>")[0]
    assert "<i>" in reference and f"http://localhost/entries/{ENTRY}" in reference and "migration-kb" in reference
    for lang, word in (("en", "Cite this practice"), ("pt", "Citar esta prática"), ("fr", "Citer cette pratique")):
        assert word in client.get(f"/entries/{ENTRY}?lang={lang}").get_data(as_text=True)
    assert f'href="/entries/{ENTRY}.ris"' in page and f'href="/entries/{ENTRY}.csl.json"' in page


def test_a_search_downloads_every_match_in_each_format(client):
    found = json.loads(client.get("/search.json?q=trabajadores&theme=labour-mobility").get_data(as_text=True))
    ids = [hit["id"] for hit in found["results"]]
    assert len(ids) > 1
    refs = rispy.loads(client.get("/search.ris?q=trabajadores&theme=labour-mobility").get_data(as_text=True))
    assert [r["id"] for r in refs] == ids
    bib = bibtexparser.loads(client.get("/search.bib?q=trabajadores&theme=labour-mobility").get_data(as_text=True))
    assert [b["ID"] for b in bib.entries] == ids
    got = client.get("/search.csl.json?q=trabajadores&theme=labour-mobility")
    assert got.mimetype == "application/vnd.citationstyles.csl+json"
    items = json.loads(got.get_data(as_text=True))
    assert [i["id"] for i in items] == ids and all(i["type"] == "webpage" and i["URL"] for i in items)
    assert client.get("/search.csl.json?q=zzzzqqqq").get_data(as_text=True).strip() == "[]"
    # The whole collection in one answer, as many batches.
    assert len(rispy.loads(client.get("/search.ris").get_data(as_text=True))) == len(published_ids(client))
    assert client.get("/search.ris?year_from=2000&year_to=1990").status_code == 400


def test_unpublished_and_unknown_entries_are_not_cited(client):
    assert client.get("/entries/no-such-entry.ris").status_code == 404
    assert client.get("/entries/no-such-entry.csl.json").status_code == 404
    assert client.get(f"/entries/{ENTRY}.txt").status_code == 404


HOSTILE = Entry(id="x-y", title="A <script>alert(1)</script> & {B}_% $5 #1 ~^ \\ title", summary="two\nlines",
                language="es", themes=("protection",), countries=("MX",),
                contributor=Contributor(organization="Ministerio <b>de</b> Trabajo"))


def test_hostile_text_is_escaped_and_re_read_exactly():
    cited = Cited(HOSTILE, datetime(2026, 11, 27), "https://kb.example.org/entries/x-y")
    html = formatted(cited, "fr")
    assert "<script>" not in html and "<b>" not in html and "&lt;script&gt;" in html and "novembre" in html
    [ref] = rispy.loads(ris([cited]))
    assert ref["title"] == HOSTILE.title and ref["authors"] == ["Ministerio <b>de</b> Trabajo"]
    assert ref["abstract"] == "two lines"
    [bib] = bibtexparser.loads(bibtex([cited])).entries
    assert unescape(bib["title"]).replace(r"\textasciitilde{}", "~").replace(r"\textasciicircum{}", "^") \
        == HOSTILE.title
    assert unescape(bib["author"]) == "Ministerio <b>de</b> Trabajo"
