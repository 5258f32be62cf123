"""An OAI-PMH request read and checked: the verb, its arguments, dates, sets and resumption tokens, or the
protocol's error (`OAIError` with its code) for anything else. No I/O here."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

METADATA_PREFIX = "oai_dc"
IDENTIFIER_PREFIX = "oai:migration-kb:"  # + the entry's id; the same in every copy of the collection
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
SET_RE = re.compile(r"^(theme|bloc)(:[A-Za-z0-9-]+)?$")
# Each verb: (required, optional, exclusive) arguments.
VERBS = {
    "Identify": ((), (), None),
    "ListMetadataFormats": ((), ("identifier",), None),
    "ListSets": ((), (), "resumptionToken"),
    "GetRecord": (("identifier", "metadataPrefix"), (), None),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), "resumptionToken"),
}


class OAIError(Exception):
    """One of the protocol's errors: its code and a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class ListArgs:
    """What a list request asks for: the format, the selection and where the previous page stopped."""

    since: str | None = None  # as sent, echoed in tokens
    until: str | None = None
    set_spec: str | None = None
    after: str | None = None  # the last id of the previous page
    cursor: int = 0  # how many records the previous pages held

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """(from, until) as inclusive UTC moments: `until` reaches the end of its second or day."""
        since = parse_date(self.since)[0] if self.since else None
        until = None
        if self.until:
            moment, day = parse_date(self.until)
            until = moment + (timedelta(days=1) if day else timedelta(seconds=1)) - timedelta(microseconds=1)
        return since, until


@dataclass(frozen=True)
class Request:
    verb: str
    args: dict[str, str]  # as sent (echoed in the answer's <request>)
    listing: ListArgs | None = None


def read(pairs: list[tuple[str, str]]) -> Request:
    """The request from its (name, value) pairs (query string or form): every argument checked."""
    verbs = [v for k, v in pairs if k == "verb"]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        raise OAIError("badVerb", "The verb is missing, repeated or not one of the protocol's six."
                       if len(verbs) != 1 else f"{verbs[0][:100]!r} is not a verb of OAI-PMH.")
    verb = verbs[0]
    args: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key in args:
            raise OAIError("badArgument", f"The argument {key!r} is repeated.")
        args[key] = value
    required, optional, exclusive = VERBS[verb]
    allowed = {*required, *optional, *([exclusive] if exclusive else [])}
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise OAIError("badArgument", f"{verb} does not take {', '.join(repr(u[:50]) for u in unknown)}.")
    if exclusive and exclusive in args:
        if len(args) > 1:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument: send it alone with the verb.")
        return Request(verb, args, decode_token(args[exclusive]) if verb != "ListSets" else _no_set_pages())
    missing = [r for r in required if not args.get(r)]
    if missing:
        raise OAIError("badArgument", f"{verb} needs {', '.join(missing)}.")
    if "metadataPrefix" in args and args["metadataPrefix"] != METADATA_PREFIX:
        raise OAIError("cannotDisseminateFormat", f"This repository disseminates {METADATA_PREFIX} only.")
    listing = None
    if verb in ("ListIdentifiers", "ListRecords"):
        listing = ListArgs(since=args.get("from"), until=args.get("until"), set_spec=args.get("set"))
        check_selection(listing)
    return Request(verb, args, listing)


def _no_set_pages():
    raise OAIError("badResumptionToken", "The list of sets comes in one answer: it has no resumption tokens.")


def check_selection(listing: ListArgs) -> None:
    granularities = []
    for name, value in (("from", listing.since), ("until", listing.until)):
        if value is not None:
            try:
                granularities.append(parse_date(value)[1])
            except ValueError:
                raise OAIError("badArgument", f"{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC).") from None
    if len(set(granularities)) > 1:
        raise OAIError("badArgument", "from and until must have the same granularity.")
    since, until = listing.bounds()
    if since and until and since > until:
        raise OAIError("badArgument", "from is later than until.")
    if listing.set_spec is not None and not SET_RE.match(listing.set_spec):
        raise OAIError("badArgument", "A set is theme, theme:<id>, bloc or bloc:<id> (see ListSets).")


def parse_date(value: str) -> tuple[datetime, bool]:
    """(the UTC moment, whether it was a day) of a protocol date; ValueError for anything else."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False
    raise ValueError(value)


def datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- resumption tokens: the request's selection and the last id sent, in a URL-safe string ---------------------
def encode_token(listing: ListArgs, after: str, cursor: int) -> str:
    data = {"f": listing.since, "u": listing.until, "s": listing.set_spec, "a": after, "c": cursor}
    raw = json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str) -> ListArgs:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        listing = ListArgs(since=data.get("f"), until=data.get("u"), set_spec=data.get("s"), after=data["a"],
                           cursor=data["c"])
        if not (isinstance(listing.after, str) and isinstance(listing.cursor, int) and listing.cursor > 0
                and set(data) <= {"f", "u", "s", "a", "c"}
                and all(v is None or isinstance(v, str) for v in (listing.since, listing.until, listing.set_spec))):
            raise ValueError(token)
        check_selection(listing)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, binascii.Error, OAIError):
        raise OAIError("badResumptionToken", "This resumption token is not one this repository gave.") from None
    return listing


XML_TEXT_RE = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")  # XML 1.0's Char
PREFIX_RE = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")


def echoable(args: dict[str, str]) -> dict[str, str]:
    """The arguments an error answer may repeat in its <request>: those of a valid form (the schema types
    them), so that an answer about a wrong value stays a valid document."""
    out = {}
    for key, value in args.items():
        if not XML_TEXT_RE.fullmatch(value):
            continue  # a control character or a lone surrogate cannot be written in XML at all
        if (key == "metadataPrefix" and PREFIX_RE.match(value)) or (key == "set" and SET_RE.match(value)) \
                or (key == "identifier" and value and not re.search(r"\s", value)) \
                or key == "resumptionToken":
            out[key] = value
        elif key in ("from", "until"):
            try:
                parse_date(value)
                out[key] = value
            except ValueError:
                pass
    return out


def entry_id_of(identifier: str) -> str | None:
    return identifier[len(IDENTIFIER_PREFIX):] if identifier.startswith(IDENTIFIER_PREFIX) else None
