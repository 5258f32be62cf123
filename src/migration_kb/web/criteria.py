"""The state of a search page, read from the query string, and every URL that changes it.

Templates ask this object for links (add a filter, remove it, next page, another sort or language) and
hold no URL logic of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from ..search.request import SearchRequest
from ..search.schema import FACETS


@dataclass
class Criteria:
    request: SearchRequest
    lang: str | None  # the language asked for in the URL, kept in every link
    path: str = "/"
    compare: str = ""  # the practices gathered for a comparison (ids, comma-separated), kept in every link

    def _params(self, **changes) -> list[tuple[str, str]]:
        r = self.request
        state = {
            "q": r.q, "sort": r.sort if r.sort != "relevance" else "", "mode": r.mode if r.mode != "hybrid" else "",
            "year_from": r.year_from, "year_to": r.year_to, "per_page": r.per_page if r.per_page != 20 else "",
            "page": r.page if r.page != 1 else "", "lang": self.lang or "", "compare": self.compare,
        }
        filters = {f: list(v) for f, v in r.filters.items()}
        filters.update(changes.pop("filters", {}))
        state.update(changes)
        params = [(k, str(v)) for k, v in state.items() if k in ("q",) and v]
        for facet in FACETS:
            params += [(facet, v) for v in filters.get(facet, [])]
        params += [(k, str(v)) for k, v in state.items() if k != "q" and v not in (None, "")]
        return params

    def url(self, path: str | None = None, **changes) -> str:
        params = self._params(**changes)
        return (path or self.path) + ("?" + urlencode(params) if params else "")

    def is_selected(self, facet: str, value: str) -> bool:
        return value in self.request.filters.get(facet, [])

    def toggle_url(self, facet: str, value: str) -> str:
        current = list(self.request.filters.get(facet, []))
        new = [v for v in current if v != value] if value in current else [*current, value]
        return self.url(filters={facet: new}, page="")

    def remove_years_url(self) -> str:
        return self.url(year_from="", year_to="", page="")

    def years_url(self, year_from: int | None, year_to: int | None) -> str:
        """Select this span of years, or remove it when it is the one selected."""
        r = self.request
        if (r.year_from, r.year_to) == (year_from, year_to):
            return self.remove_years_url()
        return self.url(year_from=year_from or "", year_to=year_to or "", page="")

    def years_selected(self, year_from: int | None, year_to: int | None) -> bool:
        return (self.request.year_from, self.request.year_to) == (year_from, year_to)

    def page_links(self, pages: int, around: int = 2) -> list[tuple[int | None, str | None]]:
        """(page number, url) for the pager: first, last and a window around the current page; None is a gap."""
        current = self.request.page
        shown = sorted({1, pages, *range(max(1, current - around), min(pages, current + around) + 1)})
        out: list[tuple[int | None, str | None]] = []
        for i, n in enumerate(shown):
            if i and n - shown[i - 1] > 1:
                out.append((None, None))
            out.append((n, self.page_url(n)))
        return out

    def page_url(self, page: int) -> str:
        return self.url(page=page if page > 1 else "")

    def sort_url(self, sort: str) -> str:
        return self.url(sort=sort if sort != "relevance" else "", page="")

    def export_url(self, path: str) -> str:
        return self.url(path=path, page="", per_page="")

    def chips(self) -> list[tuple[str, str, str]]:
        """(facet, value, url that removes it) for every active filter."""
        out = [(f, v, self.toggle_url(f, v)) for f in FACETS for v in self.request.filters.get(f, [])]
        if self.request.year_from or self.request.year_to:
            span = f"{self.request.year_from or '…'}–{self.request.year_to or '…'}"
            out.append(("years", span, self.remove_years_url()))
        return out

    @property
    def active(self) -> bool:
        r = self.request
        return bool(r.q or r.filters or r.year_from or r.year_to)
