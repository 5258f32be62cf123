"""What a day of real use turned up on the delegates' pages (issue 18), checked where a person sees it:
a real Chromium against the real server over the shipped kb, a screenshot of each page kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from migration_kb.web.browse import NO_BLOC_SHOWN

ROOT = Path(__file__).resolve().parents[2]
KB = ROOT / "kb" / "entries"
WORKSHOP = "/events/oas-2011-bilateral-cooperation"
PHONE = {"width": 390, "height": 844}
PASSWORD = "a long password!"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def shipped_entries() -> list[dict]:
    return [front_matter(p) for p in sorted(KB.glob("*.md"))]


# -- item 7: a country's bilateral partners ---------------------------------------------------------------------

def test_country_partners_are_states_sharing_a_practice(page, server, shot):
    page.goto(server.url + "/countries/BR")
    shot(page, "brazil")
    rows = page.locator("table.partners tbody tr")
    shared_in_kb = {}
    for entry in shipped_entries():
        if "BR" in entry.get("countries", []):
            for c in entry["countries"]:
                if c != "BR":
                    shared_in_kb[c] = shared_in_kb.get(c, 0) + 1
    expect(rows).to_have_count(len(shared_in_kb))
    for i in range(rows.count()):
        row = rows.nth(i)
        code = row.locator("th a").get_attribute("href").split("/countries/")[1].split("?")[0]
        count = int(row.locator("td.num").inner_text())
        listed = row.locator("td ul li").count()
        assert count == shared_in_kb[code] == listed, (code, count, listed)


# -- item 8: the coverage map counts the practices with no bloc ------------------------------------------------

def test_coverage_map_shows_practices_with_no_bloc(page, server, shot):
    page.goto(server.url + "/?q=")
    published = int(re.findall(r"\d+", page.locator(".total").inner_text())[-1])
    page.goto(server.url + "/coverage")
    shot(page, "coverage")
    table = page.locator("table.coverage").first
    expect(table.locator("thead th").last).to_contain_text("No bloc")
    cells = table.locator("tbody tr td:last-child")
    column = [int(re.match(r"\d+", t).group()) for t in cells.all_inner_texts()]
    # the map lists the first few of each theme; each cell of the column opens its theme's whole list, page by page
    assert page.locator("#no-bloc li a").count() == sum(min(n, NO_BLOC_SHOWN) for n in column) > 0
    ids, listed = set(), 0
    for href in cells.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        url = server.url + href
        while url:
            page.goto(url)
            found = page.locator("main li a[href^='/entries/']").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))")
            ids |= {h.split("/entries/")[1].split("?")[0] for h in found}
            listed += len(found)
            following = page.locator("a[rel=next]")
            url = server.url + following.get_attribute("href") if following.count() else None
    shot(page, "coverage-no-bloc")
    # the shipped kb's practices with no bloc (the Haiti-Dominican Republic protocol...) are all counted
    assert {e["id"] for e in shipped_entries() if not e.get("blocs")} <= ids
    assert sum(column) == listed > 0  # one per theme of each, as the other cells count
    page.goto(server.url + "/coverage")
    # it says exactly what it counts: the practices, those without a bloc, and that a practice counts in each cell
    intro = page.locator("main").inner_text()
    assert f"{published} published practices" in intro
    assert f"{len(ids)} of them belong to no region bloc" in intro
    assert "counts once in each" in intro
    # and the country view: theme x country, where the bilateral practices are
    page.get_by_role("link", name="by country").click()
    shot(page, "coverage-by-country")
    expect(page.locator("table.coverage thead")).to_contain_text("Haiti")
    expect(page.locator("table.coverage thead")).to_contain_text("Dominican Republic")


# -- item 12: the 2011 workshop ---------------------------------------------------------------------------------

def test_workshop_agenda_as_printed_and_practices_on_the_subject(page, server, shot):
    page.goto(server.url + WORKSHOP)
    shot(page, "workshop")
    headings = page.locator(".agenda h3").all_inner_texts()
    assert "II. Migration Management" in headings
    # no list numbering in front of the printed numbers
    markers = page.locator(".agenda > li").first.evaluate("e => getComputedStyle(e).listStyleType")
    assert markers == "none"
    expect(page.locator("main")).not_to_contain_text("migration-kb keeps the numbers")
    panel = page.locator("#panel-protection")
    expect(panel.locator("h4").first).to_contain_text("on this panel’s subject")  # (then its questions)
    items = panel.locator("li li, ul li")
    assert items.count() > 0
    for text in items.all_inner_texts():
        assert re.search(r"\((19|20)\d\d", text), text  # each practice with its years


# -- item 14: phones ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False])
def test_phone_results_first_filters_behind_a_control(browser, server, shot, javascript):
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(server.url + "/?q=seasonal+workers")
    shot(page, "phone-search")
    header = page.locator("header.site").bounding_box()
    assert header["height"] <= 110, header
    first = page.locator(".hits h3").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"], first  # the first result is on the first screen
    expect(page.locator("#facet-theme")).not_to_be_visible()
    page.get_by_text("Filter", exact=True).click()
    expect(page.locator("#facet-theme")).to_be_visible()
    page.locator("#facet-theme a").first.click()
    expect(page.locator(".chip")).to_have_count(1)
    shot(page, "phone-filtered")
    page.locator(".hits h3 a").first.click()
    title = page.locator("article.entry h1").bounding_box()
    assert title["height"] <= PHONE["height"] / 4, title
    shot(page, "phone-entry")
    context.close()


# -- item 15: no page scrolls sideways ---------------------------------------------------------------------------

PAGE_TYPES = {"search": "/", "results": "/?q=social+security&theme=protection",
              "entry": "/entries/accord-nord-americain-cooperation-travail", "theme": "/themes/protection",
              "bloc-mercosur": "/blocs/MERCOSUR", "bloc-caricom": "/blocs/CARICOM", "country": "/countries/BR",
              "coverage": "/coverage", "coverage-by-country": "/coverage?by=country",
              "coverage-no-bloc": "/coverage/no-bloc/management", "event": WORKSHOP, "sign-in": "/sign-in",
              "calls": "/calls",
              "results-by-meaning": "/?q=campesinos+que+viajan+al+norte+para+la+cosecha",
              "map": "/map?theme=labour-mobility&bloc=CARICOM",
              "corridor": "/corridors/AR-BO", "compare": "/compare?ids=ar-bo-convenio-migracion-1998,"
              "accord-nord-americain-cooperation-travail,mercosur-residence-agreement",
              "results-gathering": "/?q=visa&compare=ar-bo-convenio-migracion-1998,mercosur-residence-agreement"}
SIGNED_IN = {"signed-in-search": "/?q=visa", "signed-in-entry": "/entries/mercosur-residence-agreement",
             "desk": "/desk", "account": "/account", "new-entry": "/entries/new",
             "edit": "/entries/mercosur-residence-agreement/edit",
             "history": "/entries/mercosur-residence-agreement/history",
             "review": "/entries/mercosur-residence-agreement/review", "drafts": "/drafts", "workbench": "/findings",
             "users": "/admin/users", "search-log": "/search-log", "followed": "/followed",
             "follow-new": "/followed/new?theme=labour-mobility"}


def overflow(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_scrolls_sideways(browser, server, shot, width, lang):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    wide = {}
    for name, path in PAGE_TYPES.items():
        page.goto(server.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
        document, viewport = overflow(page)
        if document > viewport:
            wide[name] = document
            shot(page, name)
    server.cli("users", "add", f"wide{width}{lang}", "--role", "admin", input=PASSWORD + "\n")  # every page
    page.goto(server.url + "/sign-in")
    page.locator("input[name=name]").fill(f"wide{width}{lang}")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    for name, path in SIGNED_IN.items():
        page.goto(server.url + path + f"&lang={lang}" if "?" in path else server.url + path + f"?lang={lang}")
        expect(page.locator("nav.account summary")).to_be_visible()
        document, viewport = overflow(page)
        if document > viewport:
            wide[name] = document
            shot(page, name)
    context.close()
    assert not wide, f"wider than {width} px: {wide}"


# -- item 18: small things users notice --------------------------------------------------------------------------

def test_favicon(page, server):
    page.goto(server.url + "/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(server.url + href)
    assert response.ok and response.headers["content-type"].startswith("image/")


def test_last_updated_is_not_the_import_date(page, server, shot):
    """An imported entry nobody changed says when it entered the kb and when its facts were checked; 'Last
    updated' is only written for a change made after that."""
    server.cli("import", str(KB))  # the same files again: nothing changes
    page.goto(server.url + "/entries/accord-nord-americain-cooperation-travail")
    foot = page.locator(".entry-foot")
    shot(page, "entry-foot")
    expect(foot).to_contain_text("Last updated: unchanged since it was added to the knowledge base on")
    expect(foot).to_contain_text("Facts checked against the sources on November 27, 2026")


def test_back_to_results_from_an_entry(page, server, shot):
    page.goto(server.url + "/?q=seasonal+workers&country=CA&page=1")
    search_url = page.url
    page.locator(".hits h3 a").first.click()
    back = page.get_by_role("link", name="Back to the results")
    expect(back).to_be_visible()
    shot(page, "entry-with-back")
    back.click()
    assert "q=seasonal+workers" in page.url and "country=CA" in page.url, (page.url, search_url)
    expect(page.locator(".chip")).to_have_count(1)
    # only a search on this site: anything else is dropped
    for elsewhere in ("https://evil.example/", "//evil.example/", "/admin/users"):
        page.goto(server.url + "/entries/mercosur-residence-agreement?back=" + elsewhere)
        expect(page.get_by_role("link", name="Back to the results")).to_have_count(0)


def test_tags_look_like_links_and_findings_are_explained(page, server, shot):
    page.goto(server.url + "/entries/mercosur-residence-agreement")
    shot(page, "entry")
    tag = page.locator(".facts a.tag").first
    colour = tag.evaluate("e => getComputedStyle(e).color")
    link = page.locator(".see-also a").first.evaluate("e => getComputedStyle(e).color")
    assert colour == link, (colour, link)
    decoration = tag.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert decoration == "underline"
    expect(page.locator(".findings .explain")).to_contain_text("A finding is")


def test_status_in_result_lists(page, server, shot):
    page.goto(server.url + "/?q=ANACT")
    shot(page, "status")
    hit = page.locator(".hit", has=page.locator("a[href*='accord-nord-americain-cooperation-travail']"))
    expect(hit.locator(".status")).to_contain_text("No longer in force since 2020")
    page.goto(server.url + "/themes/protection")
    statuses = page.locator(".hits .hit .status")
    assert statuses.count() == page.locator(".hits .hit").count()


# -- item 13: the delegates' pages speak the UI language ---------------------------------------------------------

SPANISH_PAGES = {"search": "/", "results": "/?q=trabajo", "entry": "/entries/accord-nord-americain-cooperation-travail",
                 "theme": "/themes/protection", "bloc": "/blocs/MERCOSUR", "bloc-caricom": "/blocs/CARICOM",
                 "country": "/countries/BR", "coverage": "/coverage", "coverage-by-country": "/coverage?by=country",
                 "coverage-no-bloc": "/coverage/no-bloc/management", "event": WORKSHOP, "calls": "/calls",
                 "map": "/map?theme=labour-mobility", "corridor": "/corridors/AR-BO",
                 "results-by-meaning": "/?q=campesinos+que+viajan+al+norte+para+la+cosecha",
                 "compare": "/compare?ids=ar-bo-convenio-migracion-1998,mercosur-residence-agreement",
                 "results-gathering": "/?q=visa&compare=ar-bo-convenio-migracion-1998,mercosur-residence-agreement"}
# The UI's text: every element whose language is the page's (entries' and events' own text carry their lang).
UI_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script,style,.visually-hidden') || !el.checkVisibility()) continue;
    if ((el.closest('[lang]') || document.documentElement).lang !== document.documentElement.lang) continue;
    out.push(n.textContent);
  }
  return out.join(' ').replace(/\\s+/g, ' ');
}"""


def english_ui_strings() -> list[str]:
    """The English words of the UI (the catalogue's strings and the vocabularies' English labels) that Spanish
    writes otherwise ("Panel" is Spanish too)."""
    po = ROOT / "src" / "migration_kb" / "web" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalogue = read_po(f)
    words = []
    for message in catalogue:
        if message.string == message.id:
            continue
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in re.split(r"%\(\w+\)[sd]|[:“”()]", msgid or ""):
                piece = piece.strip(" .,;–—·")
                if len(piece) >= 5 and re.search(r"[a-z]{3}", piece) and piece not in ("JSON", "Markdown"):
                    words.append(piece)
    vocabularies = ROOT / "data" / "taxonomy"
    for name in ("themes", "blocs", "topics", "target_groups", "instruments"):
        data = yaml.safe_load((vocabularies / f"{name}.yaml").read_text(encoding="utf-8"))
        for term in data.get("terms") or data.get("blocs"):
            labels = term.get("labels", {})
            if labels.get("en") and labels["en"] != labels.get("es"):
                words.append(labels["en"])
            if term.get("founding_instrument"):
                words.append(term["founding_instrument"])
    return sorted(set(words))


def test_no_english_on_spanish_pages(browser, server, shot):
    english = english_ui_strings()
    assert "Treaty of Asunción" in english and "Practices" in english
    english += ["United States", "2011-04-12", "português", "Workshop", "Registration", "Opening Remarks"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = {}
    for name, path in SPANISH_PAGES.items():
        page.goto(server.url + path + ("&" if "?" in path else "?") + "lang=es")
        text = page.evaluate(UI_TEXT)
        left = [w for w in english if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
        if left:
            found[name] = left
            shot(page, name)
    context.close()
    assert not found, found


# -- items 5, 6, 10, 11: what the results page says -------------------------------------------------------------
def shown_total(page) -> int:
    """The number of practices the page says it found ("1–20 of 134 practices", "15 prácticas")."""
    return int(re.findall(r"\d+", page.locator("p.total").inner_text())[-1])


def test_the_total_counts_practices_that_match_most_of_the_words(page, server, shot):
    page.goto(server.url + "/?lang=es")
    everything = shown_total(page)
    page.goto(server.url + "/?lang=es&q=trabajadores+temporales+agr%C3%ADcolas")
    shot(page, "precise-total")
    assert 0 < shown_total(page) <= everything // 5  # before: 97 of 134, any one word was enough
    page.goto(server.url + "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert shown_total(page) <= 3  # before: 40, on the digit "1"
    expect(page.locator("p.suggestion")).to_have_count(0)  # and no "did you mean alerta(1)"


def test_did_you_mean_only_where_it_helps(page, server, shot):
    page.goto(server.url + "/?q=seasonl+agricultrual+workers")
    expect(page.locator("p.suggestion em")).to_have_text("seasonal agricultural workers")
    shot(page, "did-you-mean")
    for q in ("seasonal workers", "xylophone quant", "migrants en Allemagne"):
        page.goto(server.url + "/?" + f"q={q}".replace(" ", "+"))
        expect(page.locator("p.suggestion")).to_have_count(0)


def test_a_reversed_year_range_says_what_is_wrong(page, server, shot):
    answer = page.goto(server.url + "/?q=migrants&year_from=2030&year_to=1990")
    assert answer.status == 400
    expect(page.locator("main")).to_contain_text("2030")
    expect(page.locator("main")).to_contain_text("1990")
    shot(page, "reversed-years")


def test_snippets_read_as_plain_text(page, server, shot):
    page.goto(server.url + "/?q=Lecciones+para+otros+Estados")
    snippets = page.locator("p.snippet").all_inner_texts()
    shot(page, "plain-snippets")
    assert snippets and not [s for s in snippets if re.search(r"(^|\s)#{1,6}\s|\*\*|\]\(", s)], snippets
    expect(page.locator("p.snippet mark").first).to_be_visible()
