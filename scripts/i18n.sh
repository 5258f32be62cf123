#!/bin/sh
# The UI catalogues (Flask-Babel): src/migration_kb/web/translations/<lang>/LC_MESSAGES/messages.{po,mo}.
#   scripts/i18n.sh extract   collect every _()/ngettext() string of web/*.py and the templates into messages.pot
#   scripts/i18n.sh update    extract, then merge the new strings into es/pt/fr messages.po (to translate there)
#   scripts/i18n.sh compile   compile every messages.po into the messages.mo the server reads
#   scripts/i18n.sh init LANG start a catalogue for a new language
# tests/test_i18n.py fails while a string lacks a translation or a .mo is older than its .po.
set -eu
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
[ -x "$PYBABEL" ] || PYBABEL=pybabel
DIR=src/migration_kb/web/translations
POT="${POT:-$DIR/messages.pot}"  # tests extract into a temporary file instead

extract() {
  "$PYBABEL" -q extract -F babel.cfg -k lazy_gettext -k _l -k N_ --no-location --sort-output \
    --project migration-kb --copyright-holder "migration-kb contributors" --msgid-bugs-address "" \
    -o "$POT" .
  # The creation date would change the .pot on every run: keep it out.
  sed -i '/^"POT-Creation-Date:/d' "$POT"
  echo "extracted $(grep -c '^msgid ' "$POT") strings into $POT"
}

case "${1:-}" in
  extract) extract ;;
  update)
    extract
    "$PYBABEL" -q update -i "$POT" -d "$DIR" --no-fuzzy-matching --ignore-obsolete --no-wrap
    for po in "$DIR"/*/LC_MESSAGES/messages.po; do sed -i '/^"POT-Creation-Date:/d' "$po"; done
    echo "updated the catalogues; translate the empty msgstr entries, then: scripts/i18n.sh compile" ;;
  compile) "$PYBABEL" compile -d "$DIR" --statistics ;;
  init) "$PYBABEL" init -i "$POT" -d "$DIR" -l "${2:?which language?}" --no-wrap ;;
  *) echo "usage: scripts/i18n.sh extract|update|compile|init LANG" >&2; exit 2 ;;
esac
