"""Citing an entry: a formatted reference in APA style (a CSL style rendered by citeproc-py) and the reference
managers' formats, CSL-JSON, RIS (written by rispy) and BibTeX (written by bibtexparser).

One record of an entry as a work is made here (`csl_item`); every format is derived from it, so a reference
reads the same whichever format a reader takes. The work is the entry's page in migration-kb: its title, the
version's date (when its text last changed), its permalink; its author is the entry's contributor when one is
named, else the site.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import bibtexparser
import nh3
import rispy
from bibtexparser.bibdatabase import BibDatabase
from bibtexparser.bwriter import BibTexWriter
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from .records import Entry

SITE = "migration-kb"  # the site's name, as its pages' titles and its brand say
STYLE = Path(__file__).with_name("citation_styles") / "apa.csl"
# The CSL locale of each UI language: the words and month names of a reference.
CSL_LOCALES = {"en": "en-US", "es": "es-ES", "pt": "pt-BR", "fr": "fr-FR"}
MEDIA_TYPES = {"ris": "application/x-research-info-systems", "bib": "application/x-bibtex",
               "csl.json": "application/vnd.citationstyles.csl+json"}  # by file extension


@dataclass(frozen=True)
class Cited:
    """An entry as a work to cite: its record, the date of its version and its permalink."""

    entry: Entry
    updated: datetime
    url: str


def _one_line(text: str) -> str:
    return " ".join(text.split())


def csl_item(cited: Cited) -> dict:
    """The entry as a CSL-JSON item (the Citation Style Language's data model)."""
    entry, day = cited.entry, cited.updated
    item = {"id": entry.id, "type": "webpage", "title": entry.title, "container-title": SITE, "publisher": SITE,
            "issued": {"date-parts": [[day.year, day.month, day.day]]}, "URL": cited.url,
            "language": entry.language, "abstract": _one_line(entry.summary), "author": [_author(entry)]}
    return item


def _author(entry: Entry) -> dict:
    """The contributor as a CSL name: a person's name as one literal (names are not split into given and
    family: that guess goes wrong for many of the Americas' names), else the organisation; an entry without
    a contributor is the site's own work (APA's "group author", as for any page of an organisation's site)."""
    who = entry.contributor
    name = who and (who.name or who.organization)
    return {"literal": _one_line(name) if name else SITE}


# -- the formatted reference -------------------------------------------------------------------------------
@lru_cache(maxsize=len(CSL_LOCALES))
def _style(locale: str) -> CitationStylesStyle:
    return CitationStylesStyle(str(STYLE), locale=locale, validate=False)


def formatted(cited: Cited, lang: str) -> str:
    """The reference in APA style as HTML (`<i>` around the title), with the words and dates of the UI
    language."""
    item = csl_item(cited)
    del item["abstract"]  # not part of an APA reference; kept out of the cache's keys
    return _formatted(json.dumps(item, ensure_ascii=False, sort_keys=True), CSL_LOCALES.get(lang, "en-US"))


@lru_cache(maxsize=4096)
def _formatted(item_json: str, locale: str) -> str:
    """citeproc-py renders APA's large style in about 25 ms, so a reference is kept once made (keyed by the
    item: a new version, title or address makes a new one). Its HTML formatter does not escape the data, so
    every text is escaped before and the result cleaned after (nh3: only the style's `<i>` stays)."""
    item = {key: html.escape(value, quote=False) if isinstance(value, str) else value
            for key, value in json.loads(item_json).items()}
    item.pop("publisher")  # APA leaves out a publisher that is the site's own name ...
    if item["author"][0]["literal"] == SITE:
        item.pop("container-title")  # ... and a site name that is the author's
    item["author"] = [{"literal": html.escape(item["author"][0]["literal"], quote=False)}]
    bibliography = CitationStylesBibliography(_style(locale), CiteProcJSON([item]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return nh3.clean(str(bibliography.bibliography()[0]), tags={"i"}, attributes={})


# -- the reference managers' formats ---------------------------------------------------------------------
def csl_json(items: list[Cited]) -> str:
    return "[" + ",\n".join(csl_json_item(c) for c in items) + "]\n"


def csl_json_item(cited: Cited) -> str:
    return json.dumps(csl_item(cited), ensure_ascii=False)


def ris_record(cited: Cited) -> dict:
    item = csl_item(cited)
    record = {"type_of_reference": "ELEC", "id": item["id"], "title": item["title"],
              "year": str(cited.updated.year), "date": cited.updated.strftime("%Y/%m/%d"),
              "publisher": SITE, "name_of_database": SITE, "urls": [item["URL"]], "language": item["language"],
              "abstract": item["abstract"],
              "keywords": [*cited.entry.themes, *cited.entry.topics, *cited.entry.countries],
              "authors": [item["author"][0]["literal"]]}
    return record


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers references ("1."); reference managers read plain RIS without it


def ris(items: list[Cited]) -> str:
    return _RisWriter().formats([ris_record(c) for c in items]) if items else ""


# BibTeX values go between braces: LaTeX's special characters are escaped so that any text keeps its meaning.
_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_",
          "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))


def latex(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group()], _one_line(text))


def bibtex_record(cited: Cited) -> dict:
    item = csl_item(cited)
    record = {"ENTRYTYPE": "misc", "ID": item["id"], "title": "{" + latex(item["title"]) + "}",
              "year": str(cited.updated.year), "month": str(cited.updated.month), "publisher": SITE,
              "howpublished": SITE, "url": item["URL"], "language": item["language"],
              "abstract": latex(item["abstract"]),
              # in braces: an organisation or a full name, not to be split by BibTeX
              "author": "{" + latex(item["author"][0]["literal"]) + "}"}
    return record


def bibtex(items: list[Cited]) -> str:
    database = BibDatabase()
    database.entries = [bibtex_record(c) for c in items]
    writer = BibTexWriter()
    writer.order_entries_by = None  # the order asked for: a search's ranking, or the entry alone
    writer.display_order = ["title", "author", "year", "month", "publisher", "howpublished", "url"]
    return bibtexparser.dumps(database, writer)


WRITERS = {"ris": ris, "bib": bibtex, "csl.json": csl_json}  # by file extension
