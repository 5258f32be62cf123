"""Reading JSON request bodies: what the parser lets through but nothing after it can hold is refused as a
bad body (400) — a lone surrogate (`"\\ud800"`, not Unicode: no database or hash can store it) and nesting
deeper than any entry or draft has (Python's parser and every walk over the data recurse)."""

from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 32  # an entry is 4 levels deep (entry -> findings -> finding -> topics)


class BodyJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose `loads` (request bodies) raises ValueError for what `check` refuses; Flask turns
    that into 400 Bad Request."""

    def loads(self, s, **kwargs):
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
        check(data)
        return data


def check(data) -> None:
    """ValueError if `data` nests deeper than MAX_DEPTH or holds a string that is not valid Unicode."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _unicode(value)
        elif isinstance(value, (list, dict)):
            if depth > MAX_DEPTH:
                raise ValueError(f"the JSON is nested more than {MAX_DEPTH} levels deep")
            if isinstance(value, dict):
                for key in value:
                    _unicode(key)
                value = value.values()
            pending.extend((item, depth + 1) for item in value)


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a text holds a lone surrogate (\\ud800-\\udfff): it is not Unicode") from None
