"""axe-core in a real Chromium: no serious or critical accessibility violation on the delegates' pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the site's CSP (rightly) refuses: let the test in."""
    return {**browser_context_args, "bypass_csp": True}


PAGES = {
    "search-results": "/?q=seasonal+workers",
    "search-filters": "/?q=social+security&theme=protection&bloc=CARICOM&year_from=1990&year_to=2020",
    "search-empty": "/?q=zzzzqqq&bloc=CAN",
    "entry": "/entries/mercosur-residence-agreement",
    "bloc": "/blocs/MERCOSUR",
    "workshop": "/events/oas-2011-bilateral-cooperation",
    "coverage": "/coverage",
    "coverage-by-country": "/coverage?by=country",
    "coverage-no-bloc": "/coverage/no-bloc/management",
    "country": "/countries/MX",
    "theme": "/themes/protection",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_violations(page, server, axe, shot, name, lang):
    path = PAGES[name]
    page.goto(server.url + path + ("&" if "?" in path else "?") + f"lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page, server, axe, shot, {f"violations-{name}-{lang}": None})


def test_landmarks_and_labels(page, server):
    page.goto(server.url + "/?q=visa")
    for role, name in (("banner", None), ("main", None), ("contentinfo", None), ("search", None),
                       ("complementary", "Narrow down"), ("navigation", "Language"), ("navigation", "Sections")):
        locator = page.get_by_role(role, name=name) if name else page.get_by_role(role)
        expect(locator).to_have_count(1)
    expect(page.get_by_role("searchbox", name="Search practices in any language")).to_be_visible()
    # Two status lines: the number of results, then the practices gathered for a comparison (empty here).
    expect(page.get_by_role("status").first).to_contain_text("practice")
