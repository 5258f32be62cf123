"""Practices side by side: /compare?ids=a,b (two to four), differing rows marked, reached without JavaScript."""

from __future__ import annotations

import re

import pytest

from migration_kb.reads.compare import compare, wanted_ids

OLD = "ar-bo-convenio-migracion-1998"
NAFTA = "accord-nord-americain-cooperation-travail"
MERCOSUR = "mercosur-residence-agreement"

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_ids_in_either_form():
    assert wanted_ids(["a,b", "c", " b ,,d"]) == ["a", "b", "c", "d"]
    assert wanted_ids([""]) == []


def test_two_practices_side_by_side_with_differences_marked(client):
    html = client.get(f"/compare?ids={OLD},{MERCOSUR}").get_data(as_text=True)
    assert "2 practices side by side" in html
    marked = re.findall(r'<tr class="(differs)?"><th scope="row">([^<]+)', html)
    rows = {name.strip(): bool(mark) for mark, name in marked}
    assert rows["Instrument"] and rows["Parties"] and rows["Years"]
    assert "No longer in force since 2016" in html and "in force" in html
    same = client.get(f"/compare?ids={OLD}&ids={MERCOSUR}").get_data(as_text=True)
    assert same.count('class="differs"') == html.count('class="differs"')


def test_equal_values_are_not_marked(app):
    with app.extensions["migration_kb"].db.session() as s:
        result = compare(s, [MERCOSUR, "br-ar-acordo-permanencia-residencia-2005"])
    by_key = {row.key: row for row in result.rows}
    assert not by_key["themes"].differs or set(by_key["themes"].values[0]) != set(by_key["themes"].values[1])
    for row in result.rows:
        assert row.differs == (len({tuple(sorted(map(str, v))) for v in row.values}) > 1)


def test_unknown_ids_are_named_and_more_than_four_refused(client):
    response = client.get(f"/compare?ids={OLD},no-such-practice,Bad%20Id")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "no-such-practice" in text and "Bad Id" in text and OLD not in text.split("message")[-1]
    five = ",".join([OLD, NAFTA, MERCOSUR, "br-ar-acordo-permanencia-residencia-2005",
                     "can-decision-878-andean-migration-statute"])
    response = client.get(f"/compare?ids={five}")
    assert response.status_code == 400 and "At most 4 practices" in response.get_data(as_text=True)
    assert client.get("/compare?ids=" + "x" * 5000).status_code == 400
    assert "Choose two to four practices" in client.get("/compare").get_data(as_text=True)


def test_an_ended_practice_says_what_replaced_it(client):
    html = client.get(f"/compare?ids={NAFTA},{MERCOSUR}").get_data(as_text=True)
    assert re.search(r"No longer in force since 2020 — replaced by <a href=\"/entries/[a-z0-9-]+\"", html)


def test_add_to_comparison_without_javascript(client):
    first = client.get("/?q=residence").get_data(as_text=True)
    link = re.search(r'class="add-compare" href="(/compare\?ids=[a-z0-9-]+)"', first).group(1)
    one = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "add at least one more" in one
    chosen = link.split("=")[1]
    again = client.get(f"/?q=visa&compare={chosen}").get_data(as_text=True)
    assert "1 practice gathered for a comparison" in again
    assert re.search(rf'class="add-compare" href="/compare\?ids={chosen},[a-z0-9-]+"', again)
    assert f'name="compare" value="{chosen}"' in again  # a new search keeps what was gathered
    assert f"compare={chosen}" in re.search(r'<a rel="next" href="([^"]+)"', again).group(1)
    entry = client.get(f"/entries/{MERCOSUR}?compare={OLD}").get_data(as_text=True)
    assert f'href="/compare?ids={OLD},{MERCOSUR}"' in entry


def test_in_four_languages(client):
    words = {"en": "Compare practices", "es": "Comparar prácticas", "pt": "Comparar práticas",
             "fr": "Comparer des pratiques"}
    for lang, title in words.items():
        assert title in client.get(f"/compare?ids={OLD},{MERCOSUR}&lang={lang}").get_data(as_text=True), lang


def test_result_lists_say_what_replaced_an_ended_practice(client):
    html = client.get("/?q=ANACT").get_data(as_text=True)
    line = re.search(r'<span class="status">([^<]+)</span>', html.split(NAFTA)[1]).group(1)
    assert line.startswith("No longer in force since 2020 — replaced by ")
