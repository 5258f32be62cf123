"""The delegates' pages over the shipped kb: search, entry, browse pages, exports, errors, headers."""

import csv
import io
import re
import xml.etree.ElementTree as ET

from .conftest import KB


def test_search_page_finds_and_highlights(client):
    page = client.get("/?q=trata+de+personas")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<mark>trata</mark>" in html
    # English entry, Spanish query (its link carries the way back to this search)
    assert 'href="/entries/us-trafficking-victims-protection-act-t-visa?back=' in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_facets_link_to_narrower_searches_and_chips_remove_them(client):
    html = client.get("/?q=social+security").get_data(as_text=True)
    assert 'href="/?q=social+security&amp;bloc=CARICOM"' in html
    narrowed = client.get("/?q=social+security&bloc=CARICOM&theme=protection").get_data(as_text=True)
    chips = re.search(r'<ul class="chips".*?</ul>', narrowed, re.S).group(0)
    assert 'href="/?q=social+security&amp;theme=protection"' in chips  # removes the bloc
    assert 'href="/?q=social+security&amp;bloc=CARICOM"' in chips  # removes the theme


def test_empty_state_keeps_filters_removable(client):
    html = client.get("/?q=zzzzqqq&bloc=CAN").get_data(as_text=True)
    assert "No practice matches this search." in html
    assert 'href="/?q=zzzzqqq"' in html  # the chip that removes CAN


def test_did_you_mean(client):
    html = client.get("/?q=seasonl+agricultrual+workers").get_data(as_text=True)
    assert "Did you mean" in html and "seasonal agricultural workers" in html


def test_bad_filter_is_a_400_page_not_a_500(client):
    page = client.get("/?theme=labor")
    assert page.status_code == 400
    assert "theme: &#39;labor&#39; is not a known value (did you mean &#39;labour-mobility&#39;?)" in \
        page.get_data(as_text=True)
    assert client.get("/?page=-1").status_code == 400
    assert client.get("/?year_from=abc").status_code == 400


def test_hostile_queries_never_fail(client):
    for q in ['"unbalanced', "((( trade", "AND", "NOT", "OR OR", "x" * 5000, "\x00\x01\x1f", "*", "title:",
              "<script>alert(1)</script>", "migra* AND (", "^^^", "~2"]:
        page = client.get("/", query_string={"q": q})
        assert page.status_code == 200, q
        assert "<script>alert(1)</script>" not in page.get_data(as_text=True)


def test_entry_page(client):
    page = client.get("/entries/mercosur-residence-agreement")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Acuerdo sobre Residencia" in html
    assert 'href="/blocs/MERCOSUR"' in html and 'href="/?topic=residence-rights"' in html
    assert "Workshop panel" in html and "/events/oas-2011-bilateral-cooperation#panel-labour-mobility" in html
    assert "Related practices" in html
    assert '<link rel="canonical" href="http://localhost/entries/mercosur-residence-agreement">' in html


def test_entry_downloads_round_trip(client):
    from migration_kb.entryfiles import parse_text
    from migration_kb.records import validate_entry

    md = client.get("/entries/mercosur-residence-agreement.md").get_data(as_text=True)
    data, _ = parse_text(md)
    assert validate_entry(data).id == "mercosur-residence-agreement"
    js = client.get("/entries/mercosur-residence-agreement.json").get_json()
    assert js["findings"][0]["id"] == "mercosur-residence-agreement:1"


def test_unknown_entry_is_404(client):
    assert client.get("/entries/no-such-entry").status_code == 404
    assert client.get("/entries/..%2F..%2Fetc").status_code == 404


def test_browse_pages(client):
    assert "Southern Common Market" in client.get("/blocs/MERCOSUR").get_data(as_text=True)
    assert client.get("/blocs/mercosul").status_code == 200  # alias
    assert client.get("/blocs/XYZ").status_code == 404
    country = client.get("/countries/mx").get_data(as_text=True)
    assert "Bilateral partners" in country and "Canada" in country
    event = client.get("/events/oas-2011-bilateral-cooperation").get_data(as_text=True)
    assert "Learning from Experience" in event and "Migrant Protection" in event
    assert client.get("/events/oas-2011").status_code == 200  # the alias
    theme = client.get("/themes/protection").get_data(as_text=True)
    assert "Migrant protection" in theme
    assert client.get("/themes/nope").status_code == 404


def test_coverage_map_counts_every_cell(client):
    html = client.get("/coverage").get_data(as_text=True)
    cells = re.findall(r'<td class="level-(\d)"><a href="([^"]+)">(\d+)<', html)
    assert len(cells) == 20
    assert all(int(n) >= 2 for _, _, n in cells)  # the content rule: two practices per cell
    assert all("theme=" in href and "bloc=" in href for _, href, _ in cells)


def test_coverage_counts_are_what_the_practices_say(client):
    """The map's counts come from the facet masks; counted here from every practice's own tags."""
    from migration_kb.reads.coverage import NO_BLOC, coverage
    from migration_kb.search.request import SearchRequest

    searcher = client.application.extensions["migration_kb"].searcher
    hits = searcher.all_hits(SearchRequest())
    themes = sorted({t for h in hits for t in h.themes})
    for filters, column, tags in (({}, "bloc", "blocs"), ({"bloc": "MERCOSUR"}, "country", "countries")):
        expected = {t: {} for t in themes}
        for h in hits:
            if all(v in getattr(h, {"bloc": "blocs"}[k]) for k, v in filters.items()):
                for t in h.themes:
                    for c in getattr(h, tags) or [NO_BLOC]:
                        expected[t][c] = expected[t].get(c, 0) + 1
        got = coverage(searcher, themes, [], "theme", column, **filters).counts
        assert got == expected, filters


def test_ui_language_follows_the_url_and_the_browser(client):
    fr = client.get("/?q=trabajo&lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in fr
    es = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in es
    # the language switch keeps the search
    assert 'href="/?q=trabajo&amp;lang=es"' in fr


def test_csv_json_and_atom_exports(client):
    raw = client.get("/search.csv?bloc=CAN").get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: what spreadsheets need to read the accents
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Identifier", "Title"] and "Status" in rows[0] and len(rows) > 5
    assert all("CAN" in r[5] for r in rows[1:])
    data = client.get("/search.json?bloc=CAN").get_json()
    assert len(data["results"]) == len(rows) - 1
    feed = ET.fromstring(client.get("/search.atom?q=trafficking").data)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert entries and all(e.find("{http://www.w3.org/2005/Atom}title").text for e in entries)


def test_sitemap_and_robots(client):
    sitemap = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://localhost/entries/mercosur-residence-agreement" in locs
    assert "Sitemap:" in client.get("/robots.txt").get_data(as_text=True)


def test_secure_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_form_posts_need_the_csrf_token(client):
    response = client.post("/sign-in", data={"name": "nobody", "password": "a password of some length"})
    assert response.status_code == 400  # without CSRF this would be a refused sign-in (401)
    assert "did not come from this site" in response.get_data(as_text=True)


# -- the search page, requirement by requirement ---------------------------------------------------------
def _section(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(0)


def test_facet_sidebar_has_every_facet_with_counts(client):
    html = client.get("/?q=migrant+workers").get_data(as_text=True)
    sidebar = _section(html, r'<aside class="facets".*?</aside>')
    for name in ("Theme", "Region bloc", "Country", "Topic", "Target group", "Instrument", "Language",
                 "Years in force"):
        assert f"<summary>{name}</summary>" in sidebar, name
    # counts are numbers next to each value, and each value is a link that narrows the search
    assert re.search(r'href="/\?q=migrant\+workers&amp;theme=[a-z-]+".*?<span class="count">\d+</span>', sidebar, re.S)
    # years: spans with counts, each a link setting year_from/year_to
    assert re.search(r'href="/\?q=migrant\+workers&amp;year_from=2000&amp;year_to=2009".*?2000–2009.*?'
                     r'<span class="count">\d+</span>', sidebar, re.S)


def test_long_facets_collapse_behind_show_more(client):
    html = client.get("/").get_data(as_text=True)
    country = _section(html, r'<details class="facet" id="facet-country".*?</details>\s*</details>')
    assert re.search(r'<details class="more"><summary>Show \d+ more</summary>', country)
    assert len(re.findall(r"<li><a ", country.split('<details class="more">')[0])) == 6


def test_year_span_counts_match_their_search(client):
    html = client.get("/?bloc=CAN").get_data(as_text=True)
    span = re.search(r'href="(/\?bloc=CAN&amp;year_from=2000&amp;year_to=2009)".*?<span class="count">(\d+)</span>',
                     html, re.S)
    narrowed = client.get(span.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"{span.group(2)} practice" in narrowed
    assert 'class="chip"' in narrowed and "Years: 2000–2009" in narrowed


def test_selected_facet_values_come_first_and_are_marked(client):
    html = client.get("/?country=UY").get_data(as_text=True)
    country = _section(html, r'<details class="facet" id="facet-country".*?</ul>')
    first = re.search(r"<li><a [^>]*>.*?</a></li>", country, re.S).group(0)
    assert 'class="on"' in first and "Uruguay" in first and "selected: select again to remove" in first
    assert 'href="/"' in first  # choosing it again removes it


def test_pagination_numbers_and_keeps_the_search(client):
    first = client.get("/?sort=title&per_page=5").get_data(as_text=True)
    pager = _section(first, r'<nav class="pages".*?</nav>')
    assert 'aria-current="page"' in pager and 'rel="next" href="/?sort=title&amp;per_page=5&amp;page=2"' in pager
    n = len(list((KB / "entries").glob("*.md")))  # every shipped entry is published
    pages = -(-n // 5)
    assert f"1–5 of {n} practices" in first
    last = client.get(f"/?sort=title&per_page=5&page={pages}").get_data(as_text=True)
    assert f"{(pages - 1) * 5 + 1}–{n} of {n} practices" in last and 'rel="next"' not in last and 'rel="prev"' in last
    beyond = client.get("/?per_page=5&page=500")
    assert beyond.status_code == 200 and f"This search has only {pages} pages." in beyond.get_data(as_text=True)


def test_sorting_links_and_order(client):
    html = client.get("/?q=migration&sort=title").get_data(as_text=True)
    assert '<a href="/?q=migration&amp;sort=title" aria-current="true">title (A–Z)</a>' in html
    titles = re.findall(r'<h3><a href="/entries/[^"]+"[^>]*><span lang="..">([^<]+)</span>', html)
    assert titles == sorted(titles, key=str.casefold) or len(titles) > 1


def test_empty_state_offers_ways_out(client):
    html = client.get("/?q=social+security&bloc=CAN&theme=services&topic=remittances").get_data(as_text=True)
    if "No practice matches this search." not in html:  # the kb grew: pick a surely empty search
        html = client.get("/?q=zzzzqqq+social&bloc=CAN").get_data(as_text=True)
    assert "No practice matches this search." in html
    assert "Remove a filter above to widen the search." in html
    assert "without filters" in html and 'href="/coverage"' in html
    assert 'class="chip"' in html  # the filters stay visible and removable


def test_every_state_of_a_search_is_a_link(client):
    """Query, filters, years, sort and page all live in the URL; the page links back to itself exactly."""
    url = "/?q=seasonal&theme=labour-mobility&country=CA&sort=newest&year_from=1990&year_to=2020"
    html = client.get(url).get_data(as_text=True)
    assert ('<link rel="canonical" href="http://localhost/?q=seasonal&amp;theme=labour-mobility&amp;country=CA'
            '&amp;sort=newest&amp;year_from=1990&amp;year_to=2020">') in html
    form = _section(html, r'<form class="query".*?</form>')
    for hidden in ('name="theme" value="labour-mobility"', 'name="country" value="CA"', 'name="sort" value="newest"',
                   'name="year_from" value="1990"'):
        assert hidden in form  # a new query keeps the filters


def test_search_page_links_its_exports_and_feed(client):
    html = client.get("/?q=trafficking&bloc=SICA&page=1").get_data(as_text=True)
    exports = _section(html, r'<p class="exports">.*?</p>')
    for path in ("/search.csv", "/search.json", "/search.atom"):
        assert f'href="{path}?q=trafficking&amp;bloc=SICA"' in exports
    assert '<link rel="alternate" type="application/atom+xml"' in html


def test_exports_hold_every_match_not_one_page(client):
    rows = list(csv.reader(io.StringIO(client.get("/search.csv").get_data().decode("utf-8-sig"))))
    assert len(rows) - 1 == len(list((KB / "entries").glob("*.md")))  # all published entries; a page shows 20
    response = client.get("/search.csv?q=trafficking")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = client.get("/search.json?q=trafficking").get_json()
    assert data["query"] == "trafficking" and all(r["url"].startswith("http://localhost/entries/")
                                                  for r in data["results"])
    feed = client.get("/search.atom?bloc=CAN")
    assert feed.mimetype == "application/atom+xml"
    assert client.get("/search.csv?theme=nope").status_code == 400


def test_entry_tags_link_to_searches(client):
    html = client.get("/entries/mercosur-residence-agreement").get_data(as_text=True)
    facts = _section(html, r'<dl class="facts".*?</dl>')
    for href in ('href="/?theme=labour-mobility"', 'href="/?country=AR"', 'href="/?bloc=MERCOSUR"',
                 'href="/?target_group=', 'href="/?instrument=', 'href="/?language=es"'):
        assert href in facts, href
    findings = _section(html, r'<section class="findings".*?</section>')
    assert findings.index("Strengths") < findings.index("Difficulties") < findings.index("Recommendations")
    assert "Last updated" in html and 'class="permalink" href="http://localhost/entries/mercosur-residence-agreement"' \
        in html
    assert 'href="/entries/mercosur-residence-agreement.md"' in html
    assert 'href="/entries/mercosur-residence-agreement.json"' in html
    assert 'name="robots"' not in html  # a published entry is indexable


def test_entry_links_keep_the_chosen_language(client):
    html = client.get("/entries/mercosur-residence-agreement?lang=pt").get_data(as_text=True)
    assert 'href="/?theme=labour-mobility&amp;lang=pt"' in html
    assert 'href="/blocs/MERCOSUR?lang=pt"' in html
    assert '<link rel="alternate" hreflang="fr" href="http://localhost/entries/mercosur-residence-agreement?lang=fr">' \
        in html


def test_bloc_page_members_practices_and_coverage(client):
    html = client.get("/blocs/MERCOSUR").get_data(as_text=True)
    members = _section(html, r'<table class="members">.*?</table>')
    assert re.search(r"Argentina</a></th>\s*<td>full member</td>", members)
    assert re.search(r"Chile</a></th>\s*<td>associate member</td>", members)
    assert re.search(r"Venezuela</a></th>\s*<td>suspended</td>", members)
    grid = _section(html, r'<table class="coverage">.*?</table>')
    assert "Argentina" in grid and "Migrant protection" in grid
    assert 'href="/?theme=protection&amp;bloc=MERCOSUR&amp;country=AR"' in grid  # each cell opens its search
    assert re.search(r'<td class="level-0"><a [^>]*>0 <span class="gap">gap</span>', grid)
    assert "The bloc's practices" in html and 'href="/entries/mercosur-residence-agreement"' in html


def test_country_page_lists_bilateral_partners_with_shared_practices(client):
    html = client.get("/countries/CR").get_data(as_text=True)
    partners = _section(html, r'<table class="partners">.*?</table>')
    assert "Nicaragua" in partners and 'href="/countries/NI"' in partners
    assert "/entries/" in partners


def test_workshop_page_links_each_panel_to_its_practices(client):
    html = client.get("/events/oas-2011-bilateral-cooperation").get_data(as_text=True)
    panels = re.findall(r'<li id="panel-([a-z-]+)">(.*?)</li>\s*(?=<li id="panel-|</ol>)', html, re.S)
    assert len(panels) >= 4
    linked = [pid for pid, body in panels if 'href="/entries/' in body]
    assert "labour-mobility" in linked and len(linked) >= 3


def test_coverage_map_reads_without_colour(client):
    html = client.get("/coverage").get_data(as_text=True)
    grid = _section(html, r'<table class="coverage">.*?</table>')
    # every cell writes its number, and names its row and column for a screen reader
    cells = re.findall(r'<td class="level-(\d)"><a [^>]*>(\d+)<span class="visually-hidden"> \(([^)]+)\)', grid)
    assert len(cells) == 20 and "Migrant protection, Southern Common Market" in [c[2] for c in cells]
    # the shade follows the count: a fuller cell is never lighter
    by_count = sorted((int(n), int(level)) for level, n, _ in cells)
    assert [lv for _, lv in by_count] == sorted(lv for _, lv in by_count)
    assert '<p class="legend"' in html and 'href="/blocs/MERCOSUR"' in grid and 'href="/themes/protection"' in grid


def test_search_pages_are_noindex_entries_and_sitemap_are_not(client):
    assert 'content="noindex, follow"' in client.get("/?q=visa").get_data(as_text=True)
    assert "noindex" not in client.get("/blocs/CAN").get_data(as_text=True)
    locs = client.get("/sitemap.xml").get_data(as_text=True)
    assert "http://localhost/countries/MX" in locs and "http://localhost/coverage" in locs
    assert "http://localhost/coverage/no-bloc/protection" in locs  # the first page of each theme's list
    assert "http://localhost/?" not in locs  # searches are not listed


def test_titles_name_the_page(client):
    def title(path):
        return re.search(r"<title>(.*?)</title>", client.get(path).get_data(as_text=True), re.S).group(1)

    assert title("/?q=visa") == "visa · Search practices · migration-kb"
    assert title("/blocs/CAN").startswith("Andean Community (CAN)")
    assert title("/entries/no-such-entry") == "404 · migration-kb"
    assert title("/coverage?lang=es") == "Mapa de cobertura · migration-kb"


def test_status_codes(client):
    assert client.get("/countries/XX").status_code == 404
    assert client.get("/events/nope").status_code == 404
    assert client.get("/?sort=best").status_code == 400
    assert client.get("/?per_page=1000").status_code == 400
    with client.get("/static/site.js") as script:
        assert script.status_code == 200
    page = client.get("/?year_to=12345")
    assert page.status_code == 400 and "year_to" in page.get_data(as_text=True)


def test_pages_load_no_inline_script(client):
    """The CSP allows scripts from the site only: every page must work under it."""
    for path in ("/", "/entries/mercosur-residence-agreement", "/blocs/CAN", "/coverage"):
        html = client.get(path).get_data(as_text=True)
        # A JSON-LD data block (entry pages) is data, never run: the CSP does not apply to it.
        scripts = [s for s in re.findall(r"<script[^>]*>", html) if s != '<script type="application/ld+json">']
        assert '<script src="/static/site.js" defer>' in scripts, path
        assert all(re.fullmatch(r'<script src="/static/[a-z]+\.js" defer>', s) for s in scripts), (path, scripts)
        assert not re.search(r"\son[a-z]+=", html), path
