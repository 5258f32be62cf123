"""What a searcher sees in the results (issue 18, items 5, 6, 10, 11): a match set that means something,
"did you mean" only when it helps, a reversed year range refused, snippets as plain text."""

import re

import pytest

from migration_kb.search.snippets import plain

pytestmark = pytest.mark.databases("sqlite")


def search(client, **params) -> dict:
    response = client.get("/api/v1/search", query_string={"per_page": 100, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def ids(client, q: str, mode: str = "words") -> list[str]:
    """By words: these tests are about the word rules (search by meaning reads "remittances 1" a little
    differently from "remittances")."""
    return [r["id"] for r in search(client, q=q, mode=mode)["results"]]


def total(client, **params) -> int:
    return search(client, **params)["total"]


def test_most_of_the_words_must_match_not_any_one(client):
    everything = total(client)
    # Before: any one word was enough (34 and 44 of 49 shipped entries; 97 and 120 of 134). Now 22 and 48: a
    # concept also matches the practices that say it in their own language ("seguridad social")
    assert total(client, q="trabajadores temporales agrícolas", mode="words") <= 25
    assert total(client, q="social security for migrant workers", mode="words") <= everything * 2 // 5
    # Search by meaning adds the entries closest in meaning (issue 13), not the collection
    assert total(client, q="social security for migrant workers") <= everything // 2


def test_a_concept_matches_practices_that_say_it_in_their_own_language_without_its_tag(client):
    # The Spanish text of the MERCOSUR residence agreement names "remesas"; it is not tagged `remittances`
    assert "mercosur-residence-agreement" in ids(client, "remittances", mode="words")
    assert "mercosur-residence-agreement" in ids(client, "transferts de fonds", mode="words")


def test_stray_digits_and_brackets_carry_no_weight(client):
    assert ids(client, "<script>alert(1)</script>") == ids(client, "script alert")
    assert ids(client, "remittances 1") == ids(client, "remittances")


def test_a_query_no_entry_matches_wholly_still_finds_its_best_part(client):
    found = ids(client, "trafficking xylophone quantum")
    assert found and found[:5] == ids(client, "trafficking")[:5]


@pytest.mark.parametrize("q", [
    "<script>alert(1)</script>",  # markup is not rewritten
    "xylophone quantum",  # no close word for either: no half-corrected fragment
    "migration Ukraine", "migrants en Allemagne", "Singapur trabajadores",  # countries spelt right
    "demande d'asil",  # finds what "demande d'asile" finds: the results are already good
    "seasonal workers",
])
def test_no_suggestion_where_it_would_not_help(client, q):
    assert search(client, q=q)["suggestion"] is None


def test_a_suggestion_where_it_helps(client):
    assert search(client, q="seasonl agricultrual workers")["suggestion"] == "seasonal agricultural workers"
    assert ids(client, "demande d'asil") == ids(client, "demande d'asile")


def test_a_reversed_year_range_is_refused_with_a_message(client):
    message = "year_from 2030 is after year_to 1990"
    response = client.get("/api/v1/search?year_from=2030&year_to=1990")
    assert response.status_code == 400 and message in response.get_json()["error"]
    page = client.get("/?q=migrants&year_from=2030&year_to=1990")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert client.get("/?year_from=1990&year_to=1990").status_code == 200


def test_snippets_are_plain_text_with_marks(client):
    html = client.get("/", query_string={"q": "Lecciones para otros Estados"}).get_data(as_text=True)
    snippets = re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', html, re.S)
    assert snippets and any("<mark>" in s for s in snippets)
    for s in snippets:
        assert "##" not in s and "**" not in s and "](" not in s, s
    for r in search(client, q="Lecciones para otros Estados")["results"]:
        assert not re.search(r"(^|\s)#{1,6}\s|\*\*|\]\(", r["highlights"]), r["highlights"]


def test_markdown_becomes_the_words_a_reader_sees():
    assert plain("## Lecciones para otros Estados\n\n- **Uno**: ver [el acuerdo](https://x.org) y `c`") == \
        "Lecciones para otros Estados Uno: ver el acuerdo y c"
    assert plain("3 * 4 and snake_case stay") == "3 * 4 and snake_case stay"
