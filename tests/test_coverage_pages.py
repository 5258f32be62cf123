"""The coverage map and the lists behind it, over the shipped kb: the counts come from the index, the practices
with no bloc are listed a few per theme on the map and all of them on a paged list per theme, and no page reads
every entry (at 100,000 entries that took the map 12-40 s and 556 MB)."""

import re
from urllib.parse import unquote

import pytest

from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.web import browse


@pytest.fixture(scope="module")
def searcher(app):
    return app.extensions["migration_kb"].searcher


@pytest.fixture(scope="module")
def expected(searcher, app):
    """What the practices themselves say, read the slow way: every published practice; those with no bloc, per
    theme, in title order (the order the map listed them in when it read them all)."""
    themes = list(app.extensions["migration_kb"].taxonomy.themes)
    everything = searcher.all_hits(SearchRequest())
    by_theme = {t: [h.id for h in searcher.all_hits(SearchRequest(filters={"theme": [t]}, sort="title"))
                    if not h.blocs] for t in themes}
    return {"total": len(everything), "no_bloc": sum(1 for h in everything if not h.blocs), "by_theme": by_theme,
            "hits": everything}


def section(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(0)


def no_bloc_lists(html: str) -> dict[str, tuple[int, list[str], str | None]]:
    """Per theme of the map's no-bloc section: (the count in its heading, the entries listed, the "all" link)."""
    part = section(html, r'<section id="no-bloc".*?</section>')
    out = {}
    for theme, count, body in re.findall(r'<h3 id="no-bloc-([a-z-]+)">[^<]*\((\d+)\)</h3>(.*?)(?=<h3|</section>)',
                                         part, re.S):
        ids = re.findall(r'<li><a href="/entries/([^"?]+)', body)
        more = re.search(r'<p class="all"><a href="([^"]+)">', body)
        out[theme] = (int(count), ids, more.group(1).replace("&amp;", "&") if more else None)
    return out


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<li><a href="/entries/([^"?]+)', section(html, r"<main.*?</main>"))


def test_the_map_counts_the_practices_and_those_with_no_bloc(client, expected):
    html = client.get("/coverage").get_data(as_text=True)
    assert expected["no_bloc"] > 0
    assert f"the {expected['total']} published practices" in html
    assert f"{expected['no_bloc']} of them belong to no region bloc" in html
    assert f"Practices with no region bloc ({expected['no_bloc']})" in html
    # each theme's heading, its cell in the column "No bloc", and its list count the same practices
    grid = section(html, r'<table class="coverage">.*?</table>')
    cells = dict((t, int(n)) for t, n in re.findall(
        r'<td class="level-\d no-bloc"><a href="/coverage/no-bloc/([a-z-]+)">(\d+)', grid))
    lists = no_bloc_lists(html)
    assert len(cells) == len(expected["by_theme"]) and len(lists) == sum(1 for i in expected["by_theme"].values() if i)
    assert cells == {t: len(ids) for t, ids in expected["by_theme"].items()}
    assert {t: n for t, (n, _, _) in lists.items()} == {t: n for t, n in cells.items() if n}


def test_each_theme_lists_the_first_few_and_links_to_all_when_there_are_more(client, expected, monkeypatch):
    lists = no_bloc_lists(client.get("/coverage").get_data(as_text=True))
    for theme, (count, ids, more) in lists.items():
        assert ids == expected["by_theme"][theme][:browse.NO_BLOC_SHOWN], theme
        assert (more is not None) == (count > browse.NO_BLOC_SHOWN), theme
    # a limit that the smallest theme reaches exactly: its list is whole and has no link; the others are cut
    smallest = min(len(ids) for ids in expected["by_theme"].values() if ids)
    monkeypatch.setattr(browse, "NO_BLOC_SHOWN", smallest)
    lists = no_bloc_lists(client.get("/coverage?lang=pt").get_data(as_text=True))
    for theme, (count, ids, more) in lists.items():
        assert ids == expected["by_theme"][theme][:smallest], theme
        if count > smallest:
            assert more == f"/coverage/no-bloc/{theme}?lang=pt", theme
        else:
            assert more is None, theme
    assert any(more is None for _, _, more in lists.values()) and any(more for _, _, more in lists.values())
    monkeypatch.setattr(browse, "NO_BLOC_SHOWN", 2)
    html = client.get("/coverage").get_data(as_text=True)
    lists = no_bloc_lists(html)
    assert all(len(ids) == 2 for _, ids, _ in lists.values())
    count = lists["protection"][0]
    assert f'<a href="/coverage/no-bloc/protection">All {count} practices of “Migrant protection” with no region bloc' \
        in html
    # the column's cells open the same lists
    assert '<a href="/coverage/no-bloc/protection">' in section(html, r'<table class="coverage">.*?</table>')


@pytest.mark.parametrize("per_page", [50, 7])
def test_the_paged_list_holds_exactly_the_themes_practices_with_no_bloc(client, expected, monkeypatch, per_page):
    monkeypatch.setattr(browse, "LISTED", per_page)
    for theme, wanted in expected["by_theme"].items():
        url, seen, pages = f"/coverage/no-bloc/{theme}?lang=es", [], 0
        while url:
            page = client.get(url)
            assert page.status_code == 200, url
            html = page.get_data(as_text=True)
            ids = listed_ids(html)
            assert 0 < len(ids) <= per_page or not wanted, url
            seen += ids
            pages += 1
            nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
            url = unquote(nxt.group(1).replace("&amp;", "&")) if nxt else None
            if url:
                assert "lang=es" in url and f"page={pages + 1}" in url, url
        assert seen == wanted, theme  # every one, once, in title order
        assert pages == max(1, -(-len(wanted) // per_page)), theme
    # the last page links back to the one before, the first page's address has no page number
    theme, wanted = max(expected["by_theme"].items(), key=lambda t: len(t[1]))
    last = -(-len(wanted) // per_page)
    html = client.get(f"/coverage/no-bloc/{theme}?page={last}").get_data(as_text=True)
    previous = f"/coverage/no-bloc/{theme}?page={last - 1}" if last > 2 else f"/coverage/no-bloc/{theme}"
    assert f'<a rel="prev" href="{previous}">' in html
    assert 'rel="next"' not in html
    assert f"{(last - 1) * per_page + 1}–{len(wanted)} of {len(wanted)} practices" in html


def test_bad_page_numbers_and_unknown_themes_are_clear_answers(client, expected):
    for raw in ("abc", "0", "-1", "1.5", "+2", "2x", "9" * 30):
        page = client.get("/coverage/no-bloc/protection", query_string={"page": raw})
        assert page.status_code == 400, raw
        assert f"page: “{raw}” is not a page number" in page.get_data(as_text=True), raw
    assert client.get("/coverage/no-bloc/protection?page=").status_code == 200  # no number: the first page
    # a page past the end: 404, saying how many pages the list has, with the way back to its first page
    past = client.get("/coverage/no-bloc/protection?page=999999&lang=fr")
    assert past.status_code == 404
    html = past.get_data(as_text=True)
    pages = -(-len(expected["by_theme"]["protection"]) // browse.LISTED)
    assert f"Il n'y a pas de page 999999 : cette liste compte {pages} page" in html.replace("&#39;", "'")
    assert 'href="/coverage/no-bloc/protection?lang=fr">Retour à la première page</a>' in html
    assert '<meta name="robots" content="noindex">' in html and listed_ids(html) == []
    for path in ("/coverage/no-bloc/nope", "/coverage/no-bloc/", "/coverage/no-bloc/protection/x"):
        assert client.get(path).status_code == 404, path


def test_the_new_words_speak_spanish(client, expected, monkeypatch):
    monkeypatch.setattr(browse, "NO_BLOC_SHOWN", 2)
    count = len(expected["by_theme"]["protection"])
    html = client.get("/coverage?lang=es").get_data(as_text=True)
    assert f'<a href="/coverage/no-bloc/protection?lang=es">Todas las {count} prácticas de «Protección de migrantes» ' \
           "sin bloque regional</a>" in html
    html = client.get("/coverage/no-bloc/protection?lang=es").get_data(as_text=True)
    assert "<title>Protección de migrantes: prácticas sin bloque regional · migration-kb</title>" in html
    assert f"{count} prácticas publicadas de este tema no pertenecen a ningún bloque regional" in html
    assert "Aparecen por orden de título, 50 por página." in html
    assert 'aria-label="Páginas de esta lista"' in html and "Volver al mapa de cobertura" in html
    assert '<a href="/entries/' in html and "lang=es" in section(html, r"<ul><li>.*?</li>")
    bad = client.get("/coverage/no-bloc/protection?page=abc&lang=es").get_data(as_text=True)
    assert "page: «abc» no es un número de página" in bad


def test_no_coverage_page_reads_every_entry(client, expected, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("all_hits read every matching entry")

    monkeypatch.setattr(Searcher, "all_hits", refuse)
    for path in ("/coverage", "/coverage?by=country", "/coverage/no-bloc/protection",
                 "/coverage/no-bloc/management?page=2"):
        assert client.get(path).status_code == 200, path
    html = client.get("/coverage?by=country").get_data(as_text=True)
    grid = section(html, r'<table class="coverage">.*?</table>')
    named = {c for h in expected["hits"] for c in h.countries}
    assert set(re.findall(r'href="/countries/([A-Z]{2})"', grid)) == named


def test_searcher_without_pages_through_the_entries_with_no_value(searcher, expected):
    total, hits = searcher.without(SearchRequest(), "bloc", 0, 0)
    assert total == expected["no_bloc"] and hits == []
    wanted = expected["by_theme"]["management"]
    request = SearchRequest(filters={"theme": ["management"]})
    pages = [searcher.without(request, "bloc", offset, 4) for offset in range(0, len(wanted) + 4, 4)]
    assert {n for n, _ in pages} == {len(wanted)}
    assert [h.id for _, hits in pages for h in hits] == wanted
    assert all(not h.blocs and "management" in h.themes for _, hits in pages for h in hits)


def test_country_page_counts_partners_and_lists_a_few_of_their_practices(client, expected, monkeypatch):
    code = "BZ"  # the shipped state with the most partners
    shared: dict[str, list[str]] = {}
    for h in expected["hits"]:
        if code in h.countries:
            for c in h.countries:
                if c != code:
                    shared.setdefault(c, []).append(h.id)
    calls = []
    real = Searcher.all_hits

    def spy(self, request, limit=100_000):
        calls.append(limit)
        return real(self, request, limit)

    monkeypatch.setattr(Searcher, "all_hits", spy)
    monkeypatch.setattr(browse, "PARTNER_SHOWN", 2)
    html = client.get(f"/countries/{code}").get_data(as_text=True)
    assert calls and max(calls) <= 2  # a few entries per partner, never all of them
    rows = re.findall(r'<tr><th scope="row"><a href="/countries/([A-Z]{2})">.*?</th>\s*<td class="num">(\d+)</td>'
                      r"\s*<td>(.*?)</td></tr>", section(html, r'<table class="partners">.*?</table>'), re.S)
    assert {c: int(n) for c, n, _ in rows} == {c: len(ids) for c, ids in shared.items()}
    assert any(int(n) > 2 for _, n, _ in rows) and any(int(n) <= 2 for _, n, _ in rows)
    assert [int(n) for _, n, _ in rows] == sorted((int(n) for _, n, _ in rows), reverse=True)
    for partner, n, cell in rows:
        ids = re.findall(r'href="/entries/([^"?]+)"', cell)
        assert len(ids) == min(int(n), 2) and set(ids) <= set(shared[partner]), partner
        more = re.search(r'<p class="all"><a href="([^"]+)">All (\d+) practices shared with ', cell)
        assert (more is not None) == (int(n) > 2), partner
        if more:  # the search behind the link finds exactly the practices naming both states
            search = client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
            assert int(more.group(2)) == int(n)
            assert re.search(rf"\b{n} practices\b", search), partner
