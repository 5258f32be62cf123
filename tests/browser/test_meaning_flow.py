"""Search by meaning as a delegate meets it: a plain Spanish question finds an English practice, and the
result says why it matched, on a desktop and on a phone, in a real Chromium against the real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from migration_kb import encoder

pytestmark = pytest.mark.skipif(not encoder.available(), reason="the sentence encoder is not installed")

QUESTION = "campesinos que viajan al norte para la cosecha"
ENGLISH_PRACTICE = "Guatemala–Canada Temporary Agricultural Workers project"


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_a_spanish_question_finds_an_english_practice_and_says_why(browser, server, shot, axe, viewport):
    context = browser.new_context(viewport=viewport, bypass_csp=True)  # axe-core is injected
    page = context.new_page()
    page.goto(server.url + "/?lang=es")
    page.get_by_label("Busque prácticas en cualquier idioma").fill(QUESTION)
    page.get_by_role("button", name="Buscar", exact=True).click()
    line = page.locator(".hit", has=page.locator("h3", has_text=ENGLISH_PRACTICE))
    expect(line).to_be_visible()
    expect(line.locator("h3 span")).to_have_attribute("lang", "en")
    # why it matched: by the subject of the question, not by its words
    expect(line.locator(".meaning")).to_have_text(
        "relacionado por el significado: encontrado por el tema de su pregunta, no por sus palabras")
    shot(page, "results")
    document, width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert document <= width
    assert axe(page) == []
    # by words alone the same question does not find it
    page.goto(server.url + f"/?lang=es&mode=words&q={QUESTION}")
    expect(page.locator(".hit", has=page.locator("h3", has_text=ENGLISH_PRACTICE))).to_have_count(0)
    # its page lists the practices closest in meaning, in any language
    page.goto(server.url + "/entries/gt-ca-temporary-agricultural-workers-iom?lang=es")
    related = page.locator("section.related")
    expect(related.locator(".explain")).to_have_text(
        "Las prácticas más cercanas por su significado, en cualquier idioma.")
    assert {related.locator(".hit h3 span").nth(i).get_attribute("lang") for i in range(5)} - {"en"}
    shot(page, "related")
    context.close()
