"""The UI speaks English, Spanish, Portuguese and French: every UI string has a translation, the compiled
catalogues the server reads match their sources, and the pages really come out in the chosen language."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "src" / "migration_kb" / "web" / "translations"
TRANSLATED = ("es", "pt", "fr")


def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="module")
def ui_strings(tmp_path_factory) -> dict:
    """Every string wrapped in _()/ngettext() in web/*.py and the templates, extracted now from the sources."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    env = {**os.environ, "POT": str(pot), "PYBABEL": str(ROOT / ".venv" / "bin" / "pybabel")}
    if not Path(env["PYBABEL"]).exists():
        env.pop("PYBABEL")
    subprocess.run(["sh", "scripts/i18n.sh", "extract"], cwd=ROOT, env=env, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        return {(m.id, m.context): m for m in read_po(fh) if m.id}  # one string may have several contexts


def _tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return not message.fuzzy and all(strings)


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_ui_string_has_a_translation(ui_strings, lang):
    po = catalogue(lang)
    missing = []
    for msgid, context in ui_strings:
        message = po.get(msgid, context)
        if message is None or not _translated(message):
            missing.append(_key(msgid))
    assert not missing, (f"{len(missing)} UI strings lack a {lang} translation (run scripts/i18n.sh update, "
                         f"translate in translations/{lang}/LC_MESSAGES/messages.po, then compile): {missing[:15]}")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang):
    po = catalogue(lang)
    problems = [f"{_key(m.id)!r}: {err}" for m, errors in po.check() for err in errors]
    for m in po:
        if m.id and m.string:
            wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(m.id if isinstance(m.id, tuple) else [m.id])))
            for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
                got = set(re.findall(r"%\(\w+\)[sd]", text))
                # A singular form may leave out the number ("Una práctica"), never add or rename one.
                if not got <= wanted or (not isinstance(m.id, tuple) and got != wanted):
                    problems.append(f"{_key(m.id)!r} -> {text!r}")
    assert not problems, problems


@pytest.mark.parametrize("lang", TRANSLATED)
def test_compiled_catalogue_matches_its_source(lang):
    po = catalogue(lang)
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = read_mo(fh)
    source = {_tuple(m.id): _tuple(m.string) for m in po if m.id and _translated(m)}
    # pybabel writes an untranslated plural into the .mo as its English forms: not a translation.
    compiled = {_tuple(m.id): _tuple(m.string) for m in mo if m.id and _translated(m)
                and not (isinstance(m.id, (list, tuple)) and set(m.string) <= set(m.id))}
    stale = sorted(_key(k) for k in source.keys() | compiled.keys() if source.get(k) != compiled.get(k))
    assert not stale, f"{lang}: messages.mo is out of date with messages.po (scripts/i18n.sh compile): {stale[:10]}"


# -- the pages, as a delegate reads them ---------------------------------------------------------------
PAGES = ("/?q=social+security&bloc=CARICOM", "/entries/mercosur-residence-agreement", "/blocs/MERCOSUR",
         "/countries/MX", "/coverage", "/events/oas-2011-bilateral-cooperation", "/themes/protection",
         "/entries/no-such-entry")
SAMPLES = {"es": ("Refinar la búsqueda", "Buscar", "Mapa de cobertura"),
           "pt": ("Refinar a busca", "Buscar", "Mapa de cobertura"),
           "fr": ("Affiner la recherche", "Rechercher", "Carte de couverture")}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_pages_come_out_in_the_chosen_language(client, ui_strings, lang):
    english = [m for m in (_key(k) for k, _context in ui_strings) if len(m) > 14 and "%" not in m]
    for path in PAGES:
        html = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, path
        # The UI's words only: content written in its own language (entry and event bodies) is left out.
        body = re.sub(rf'<(div|h\d|a|span|p)[^>]* lang="(?!{lang})[a-z]{{2}}"[^>]*>.*?</\1>', " ",
                      html.split("<body>", 1)[1], flags=re.S)
        text = re.sub(r"<[^>]+>", " ", body)
        leftover = [m for m in english if m in text and catalogue(lang).get(m).string != m]
        assert not leftover, (path, leftover)
    search = client.get(f"/?q=trabajo&lang={lang}").get_data(as_text=True)
    assert all(word in search for word in SAMPLES[lang])


def test_vocabulary_labels_follow_the_ui_language(client):
    assert "Protection des migrants" in client.get("/?lang=fr").get_data(as_text=True)
    assert "Protección de migrantes" in client.get("/?lang=es").get_data(as_text=True)
    assert "Southern Common Market" in client.get("/blocs/MERCOSUR?lang=en").get_data(as_text=True)


def test_language_comes_from_the_url_else_the_browser(client):
    assert '<html lang="pt">' in client.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9"}).get_data(as_text=True)
    # ?lang= wins over the browser, and is kept in the links of the page
    html = client.get("/?lang=fr", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert 'href="/coverage?lang=fr"' in html
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=xx").get_data(as_text=True)  # unknown: ignored, not an error


def test_error_pages_speak_the_ui_language(client):
    page = client.get("/entries/no-such-entry?lang=es")
    assert page.status_code == 404
    assert "No hay ninguna página en esta dirección." in page.get_data(as_text=True)
