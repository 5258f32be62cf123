"""The delegates' tools in a real Chromium against a real `migration-kb serve` (issue 15): open the map, filter it
to a theme and a bloc, click a corridor, compare two of its practices, follow the search, receive its digest
through a real SMTP server and unsubscribe from it; axe-core on the map, corridor and comparison pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from testkit.mailbox import Mailbox
from testkit.servers import AppServer

from migration_kb import accounts
from migration_kb.config import Settings
from migration_kb.db import open_database
from migration_kb.models import FollowedSearch, now

from .conftest import PASSWORD, assert_accessible, sign_in

ADDRESS = "delegate@example.org"
NEW_PRACTICE = """---
id: caricom-new-labour-arrangement
title: A new CARICOM labour arrangement
summary: Skilled nationals of two member states move and work freely under a new arrangement.
language: en
themes: [labour-mobility]
blocs: [CARICOM]
countries: [JM, TT]
year_start: 2026
status: active
sources:
  - {title: The arrangement, publisher: CARICOM Secretariat, year: 2026}
findings:
  - kind: strength
    text: Certificates of skills are recognised by both states.
---

The arrangement's text.
"""


@pytest.fixture(scope="module")
def tools(tmp_path_factory):
    """A server of its own (this test publishes a practice), and a mailbox; a delegate with a confirmed address."""
    srv = AppServer(tmp_path_factory.mktemp("tools") / "instance")
    db = open_database(Settings.load(srv.instance))
    with db.session() as s:
        user = accounts.add_user(s, "delegate", "reader", PASSWORD)
        accounts.set_email(s, user.id, ADDRESS)
        accounts.confirm_email(s, user.id, ADDRESS)
    with Mailbox() as box:
        srv.env.update(MIGRATION_KB_SMTP_URL=box.url, MIGRATION_KB_PUBLIC_URL=srv.url)  # for `digests send`
        yield srv, db, box
    db.dispose()
    srv.stop()


CLICKABLE_CORRIDOR = """() => {
  // A corridor line of two practices or more whose middle is not under another link: where a person clicks.
  for (const a of document.querySelectorAll('svg .corridors a')) {
    if (Number(a.dataset.count) < 2) continue;
    const path = a.querySelector('path.corridor');
    path.scrollIntoView({block: 'center'});
    const mid = path.getPointAtLength(path.getTotalLength() / 2);
    const m = path.getScreenCTM();
    const x = mid.x * m.a + mid.y * m.c + m.e, y = mid.x * m.b + mid.y * m.d + m.f;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.closest('a') === a) return {href: a.getAttribute('href'), x, y};
  }
  return null;
}"""


def test_from_the_map_to_a_digest(browser, tools, shot):
    server, db, box = tools
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(server.url + "/map")
    expect(page.locator("h1")).to_have_text("Map of cooperation")
    shot(page, "map")
    page.get_by_label("Theme").select_option("labour-mobility")
    page.get_by_label("Region bloc").select_option("CARICOM")
    page.get_by_role("button", name="Show on the map").click()
    assert "theme=labour-mobility" in page.url and "bloc=CARICOM" in page.url
    expect(page.locator(".chips .chip")).to_have_count(2)
    shot(page, "map-filtered")

    target = page.evaluate(CLICKABLE_CORRIDOR)
    assert target, "no corridor of two practices to click"
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url(re.compile(r"/corridors/[A-Z]{2}-[A-Z]{2}"))
    expect(page.locator(".kicker")).to_contain_text("Bilateral corridor")
    shot(page, "corridor")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Compare the practices ticked").click()
    expect(page.locator("table.compare caption")).to_have_text("2 practices side by side")
    expect(page.locator("table.compare thead th")).to_have_count(2)
    shot(page, "compare")

    # Follow the filtered search, signed in.
    sign_in(page, server, "delegate")
    page.goto(server.url + "/?theme=labour-mobility&bloc=CARICOM")
    page.get_by_role("link", name="Follow this search").click()
    page.get_by_label("Name").fill("Labour mobility in CARICOM")
    page.get_by_label("daily").check()
    page.get_by_role("button", name="Follow this search").click()
    expect(page.locator(".flashes")).to_contain_text("You now follow “Labour mobility in CARICOM”.")
    expect(page.locator(".feed-url")).to_be_visible()
    expect(page.get_by_text(f"Digests go to {ADDRESS}.")).to_be_visible()
    shot(page, "followed")

    # A practice is published; a day later cron runs the digests.
    folder = server.instance.parent / "new-kb"
    folder.mkdir(exist_ok=True)
    (folder / "caricom-new-labour-arrangement.md").write_text(NEW_PRACTICE, encoding="utf-8")
    server.cli("import", str(folder))
    with db.session() as s:
        s.execute(update(FollowedSearch).values(period_closed_at=now() - timedelta(days=1)))
    assert "1 digest(s) sent" in server.cli("digests", "send")
    [message] = box.wait_for(ADDRESS)
    text = message.get_body(("plain",)).get_content()
    assert "A new CARICOM labour arrangement [new]" in text
    assert "1 digest(s) sent" not in server.cli("digests", "send")  # never twice

    unsubscribe = re.search(r"(http://\S+/digests/unsubscribe/\S+)", text).group(1)
    page.goto(unsubscribe)
    page.get_by_role("button", name="Stop the digest").click()
    expect(page.get_by_role("status")).to_contain_text("You will receive no more digests")
    shot(page, "unsubscribed")
    page.goto(server.url + "/followed")
    expect(page.locator("select[name=digest]")).to_have_value("none")
    context.close()


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the site's CSP (rightly) refuses: let the test in."""
    return {**browser_context_args, "bypass_csp": True}


TOOL_PAGES = {"map": "/map?theme=labour-mobility", "corridor": "/corridors/AR-BO",
              "compare": "/compare?ids=ar-bo-convenio-migracion-1998,mercosur-residence-agreement"}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", list(TOOL_PAGES))
def test_no_serious_accessibility_violations(page, server, axe, shot, name, lang):
    page.goto(server.url + TOOL_PAGES[name] + f"&lang={lang}" if "?" in TOOL_PAGES[name]
              else server.url + TOOL_PAGES[name] + f"?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page, server, axe, shot, {f"axe-{name}-{lang}": None})


def test_phone(browser, server, shot):
    """At 390 px: the map scales to the screen, the comparison scrolls inside its frame, nothing wider."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for name, path in TOOL_PAGES.items():
        page.goto(server.url + path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        shot(page, f"phone-{name}")
        assert width[0] <= width[1], (name, width)
    svg = page.goto(server.url + "/map") and page.locator("svg.map-svg").bounding_box()
    assert svg["width"] <= 390
    context.close()
