"""The delegates' pages over the shipped kb: search, entry, browse pages, exports, errors, headers."""

import csv
import io
import re
import xml.etree.ElementTree as ET


def test_search_page_finds_and_highlights(client):
    page = client.get("/?q=trata+de+personas")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<mark>trata</mark>" in html
    assert 'href="/entries/us-trafficking-victims-protection-act-t-visa"' in html  # English entry, Spanish query
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
    assert "Partners in its practices" in country and "Canada" in country
    event = client.get("/events/oas-2011-bilateral-cooperation").get_data(as_text=True)
    assert "Learning from Experience" in event and "Migrant Protection" in event
    assert client.get("/events/oas-2011").status_code == 200  # the alias
    theme = client.get("/themes/protection").get_data(as_text=True)
    assert "Migrant protection" in theme
    assert client.get("/themes/nope").status_code == 404


def test_coverage_map_counts_every_cell(client):
    html = client.get("/coverage").get_data(as_text=True)
    cells = re.findall(r'<td class="level-(\d)"><a href="([^"]+)"[^>]*>(\d+)</a>', html)
    assert len(cells) == 20
    assert all(int(n) >= 2 for _, _, n in cells)  # the content rule: two practices per cell
    assert all("theme=" in href and "bloc=" in href for _, href, _ in cells)


def test_ui_language_follows_the_url_and_the_browser(client):
    fr = client.get("/?q=trabajo&lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in fr
    es = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in es
    # the language switch keeps the search
    assert 'href="/?q=trabajo&amp;lang=es"' in fr


def test_csv_json_and_atom_exports(client):
    text = client.get("/search.csv?bloc=CAN").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "id" and len(rows) > 5
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
    assert client.post("/").status_code in (400, 405)
