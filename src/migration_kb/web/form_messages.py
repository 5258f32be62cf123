"""The editor's validation messages in the UI language: the field a message is about, named as the form names
it ("findings[0].kind" -> "Finding 1, kind"), and the message itself.

`records.py` writes its messages in English, as files and the API read them; the pages translate the usual
ones here, by their shape, and show any other as it is (or as the catalogue has it: the store's refusals).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import ngettext

from .entry_compare import field_names

ROW = re.compile(r"^(findings|sources)\[(\d+)\](?:\.(\w+))?")


def field_label(slot: str) -> str:
    """A form slot (`EntryForm.errors`' keys) as the form names the field, in the UI language."""
    m = ROW.match(slot)
    if m:
        n = int(m.group(2)) + 1
        row = _("Finding %(n)d", n=n) if m.group(1) == "findings" else _("Source %(n)d", n=n)
        part = {"kind": _("kind"), "text": _("text"), "topics": _("topics"), "title": _("title"),
                "publisher": _("publisher"), "year": _("year"), "url": _("address")}.get(m.group(3) or "")
        return f"{row}, {part}" if part else row
    extra = {"verified_date": _("Facts checked on"), "verified_by": _("Checked by"), "contributor_name": _("Name"),
             "contributor_organization": _("Organization"), "message": _("What changed")}
    return extra.get(slot) or field_names().get(slot, slot)


# The shapes of records.py's usual messages, and their words in the catalogue.
SHAPES = [
    (re.compile(r"^is required$"), lambda m: _("is required")),
    (re.compile(r"^needs at least (?P<n>\d+) values?$"),
     lambda m: ngettext("needs at least %(num)d value", "needs at least %(num)d values", int(m["n"]))),
    (re.compile(r"^(?P<v>.+) is not (?P<noun>an? [a-z ]+?)(?: \(did you mean (?P<h>.+)\?\))?$"),
     lambda m: (_not_a(m["noun"], m["v"]) + (" " + _("(did you mean %(hint)s?)", hint=m["h"]) if m["h"] else ""))),
    (re.compile(r"^(?P<v>.+) is not one of (?P<c>.+)$"),
     lambda m: _("%(value)s is not one of %(choices)s", value=m["v"], choices=m["c"])),
    (re.compile(r"^must be a year such as 2004, not (?P<v>.+)$"),
     lambda m: _("must be a year such as 2004, not %(value)s", value=m["v"])),
    (re.compile(r"^(?P<v>\d+) is not a plausible year \((?P<a>\d+)–(?P<b>\d+)\)$"),
     lambda m: _("%(value)s is not a plausible year (%(low)s–%(high)s)", value=m["v"], low=m["a"], high=m["b"])),
    (re.compile(r"^(?P<e>\d+) is before year_start (?P<s>\d+)$"),
     lambda m: _("%(end)s is before the first year, %(start)s", end=m["e"], start=m["s"])),
    (re.compile(r"^(?P<v>.+) is not an http\(s\) address$"),
     lambda m: _("%(value)s is not an http(s) address", value=m["v"])),
    (re.compile(r"^(?P<v>.+) must be a date such as (?P<d>[\d-]+)$"),
     lambda m: _("%(value)s must be a date such as %(example)s", value=m["v"], example=m["d"])),
    (re.compile(r"^(?P<v>.+) is in the future$"), lambda m: _("%(value)s is in the future", value=m["v"])),
    (re.compile(r"^is (?P<n>[\d,]+) characters long; the limit is (?P<l>[\d,]+)$"),
     lambda m: _("is %(length)s characters long; the limit is %(limit)s", length=m["n"], limit=m["l"])),
]


def _not_a(noun: str, value: str) -> str:
    words = {"a theme": _("%(value)s is not a theme"), "a topic": _("%(value)s is not a topic"),
             "a target group": _("%(value)s is not a target group"),
             "an instrument": _("%(value)s is not an instrument"), "a bloc": _("%(value)s is not a bloc"),
             "a country code": _("%(value)s is not a country code"),
             "a finding kind": _("%(value)s is not a finding kind")}
    return words[noun] % {"value": value} if noun in words else f"{value} is not {noun}"


def translated_message(message: str) -> str:
    for shape, words in SHAPES:
        m = shape.match(message)
        if m:
            return words(m)
    return _(message)
