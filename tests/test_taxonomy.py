"""The vocabularies hold every id of the taxonomy contract, in four languages, and are consistent."""

import pytest

from migration_kb.config import LANGUAGES
from migration_kb.taxonomy import fold, load

# docs/spec/taxonomy.md: these ids are fixed.
SPEC = {
    "theme": "management services labour-mobility protection",
    "topic": """gender-perspective minority-perspective border-control migration-statistics temporary-employment
        recruitment legislation regularization institutional-capacity integration education naturalization
        nationals-abroad diaspora-engagement remittances return-reintegration documentation free-movement
        residence-rights social-security skills-recognition labour-rights consular-assistance health
        trafficking smuggling labour-exploitation victim-assistance asylum-refugees""",
    "target_group": """migrant-workers seasonal-workers women children-youth trafficking-victims returnees
        refugees border-residents diaspora irregular-migrants indigenous-peoples""",
    "instrument": """bilateral-agreement memorandum-of-understanding regional-agreement multilateral-agreement
        joint-programme national-programme national-law institution information-system consultation-process""",
    "finding_kind": "strength difficulty lesson recommendation",
}
TOPIC_THEME = {
    "management": "gender-perspective minority-perspective border-control migration-statistics temporary-employment "
                  "recruitment legislation regularization institutional-capacity",
    "services": "integration education naturalization nationals-abroad diaspora-engagement remittances "
                "return-reintegration documentation",
    "labour-mobility": "free-movement residence-rights social-security skills-recognition labour-rights",
    "protection": "consular-assistance health trafficking smuggling labour-exploitation victim-assistance "
                  "asylum-refugees",
}


@pytest.fixture(scope="module")
def tax():
    return load()


@pytest.mark.parametrize("vocabulary", sorted(SPEC))
def test_every_contract_id_is_present_and_no_other(tax, vocabulary):
    assert set(tax.terms(vocabulary)) == set(SPEC[vocabulary].split())


def test_blocs_are_the_five_of_the_contract(tax):
    assert set(tax.blocs) == {"MERCOSUR", "CARICOM", "CAN", "SICA", "NAFTA"}


@pytest.mark.parametrize("vocabulary", [*sorted(SPEC), "bloc"])
def test_every_term_has_label_note_and_synonyms_in_four_languages(tax, vocabulary):
    for term in tax.terms(vocabulary).values():
        for lang in LANGUAGES:
            assert term.labels.get(lang), (term.id, lang, "label")
            assert term.notes.get(lang), (term.id, lang, "note")
            assert term.synonyms.get(lang), (term.id, lang, "synonyms")


def test_topics_sit_under_the_theme_of_the_contract(tax):
    for theme, topics in TOPIC_THEME.items():
        for topic in topics.split():
            assert tax.topics[topic].theme == theme


def test_countries_have_four_names_and_members_exist(tax):
    for country in tax.countries.values():
        assert all(country.names.get(lang) for lang in LANGUAGES), country.code
    for bloc in tax.blocs.values():
        assert bloc.members, bloc.id
        for m in bloc.members:
            assert m.country in tax.countries


def test_membership_facts_of_the_issue(tax):
    mercosur = {m.country: m for m in tax.blocs["MERCOSUR"].members}
    assert mercosur["BO"].status == "full" and mercosur["BO"].since == 2024
    assert mercosur["VE"].status == "suspended"
    assert {m.country for m in tax.blocs["NAFTA"].members} == {"US", "MX", "CA"}
    for alias in ("USMCA", "T-MEC", "CUSMA", "usmca"):
        assert tax.canonical_bloc(alias) == "NAFTA"


def test_suggestions_find_the_closest_id(tax):
    assert tax.suggest("theme", "labor") == "labour-mobility"
    assert tax.suggest("topic", "trata de personas") == "trafficking"
    assert tax.suggest("topic", "traficking") == "trafficking"
    assert tax.suggest("country", "Mexique") == "MX"
    assert tax.suggest("theme", "zzzzqqq") is None


def test_cross_language_synonyms_reach_their_term(tax):
    phrases = tax.topics["trafficking"].phrases()
    assert fold("trata de personas") in phrases
    assert fold("traite des personnes") in phrases
    assert fold("previdência social") in tax.topics["social-security"].phrases()


def test_no_synonym_points_to_two_terms_of_one_vocabulary(tax):
    for vocabulary in SPEC:
        owner = {}
        for term in tax.terms(vocabulary).values():
            for phrase in term.phrases():
                assert owner.setdefault(phrase, term.id) == term.id, (vocabulary, phrase, owner[phrase], term.id)
