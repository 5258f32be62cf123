"""Whether a practice still applies: `superseded_by` and `verified`, from the file to the page, the API
and the export."""

from __future__ import annotations

import pytest

from migration_kb.importer import export_all, import_paths

from .conftest import MINIMAL, write_entry

OLD = MINIMAL.replace("language: en", "language: en\nyear_start: 1994\nyear_end: 2020\nstatus: completed\n"
                      "superseded_by: new-agreement\nverified: {{date: 2026-11-30, by: A. Checker}}")
NEW = MINIMAL.replace("language: en", "language: en\nverified: 2026-11-29")


@pytest.fixture
def lifecycle_app(tmp_path, db, settings):
    folder = tmp_path / "kb"
    write_entry(folder, "old-agreement", OLD.format(id="old-agreement", title="The old agreement"))
    write_entry(folder, "new-agreement", NEW.format(id="new-agreement", title="The new agreement"))
    report = import_paths(db, [folder])
    assert report.imported and not report.errors, report.errors
    from migration_kb.web import create_app
    from migration_kb.web.startup import start, stop

    app = start(create_app(settings, testing=True), follow=False)
    yield app
    stop(app)


def test_an_ended_practice_says_so_and_links_its_successor(lifecycle_app):
    client = lifecycle_app.test_client()
    html = client.get("/entries/old-agreement").get_data(as_text=True)
    assert "No longer in force since 2020" in html
    assert 'replaced by <a href="/entries/new-agreement">The new agreement</a>' in html
    assert "Facts checked against the sources on November 30, 2026 (A. Checker)" in html
    spanish = client.get("/entries/old-agreement?lang=es").get_data(as_text=True)
    assert "Ya no está en vigor desde 2020" in spanish and "reemplazada por" in spanish
    assert "Datos verificados con las fuentes el 30 de noviembre de 2026" in spanish
    current = client.get("/entries/new-agreement").get_data(as_text=True)
    assert "No longer in force" not in current and "November 29, 2026" in current


def test_the_api_and_the_export_carry_the_lifecycle(lifecycle_app, db, tmp_path):
    data = lifecycle_app.test_client().get("/api/v1/entries/old-agreement").get_json()
    assert data["superseded_by"] == "new-agreement"
    assert data["verified"] == {"date": "2026-11-30", "by": "A. Checker"}
    export_all(db, tmp_path / "out")
    text = (tmp_path / "out" / "entries" / "old-agreement.md").read_text(encoding="utf-8")
    assert "superseded_by: new-agreement" in text and "by: A. Checker" in text
    assert "verified: 2026-11-29" in (tmp_path / "out" / "entries" / "new-agreement.md").read_text(encoding="utf-8")


def test_a_successor_that_does_not_exist_is_refused_at_import(tmp_path, db):
    folder = tmp_path / "kb"
    write_entry(folder, "old-agreement", OLD.format(id="old-agreement", title="The old agreement"))
    report = import_paths(db, [folder])
    assert not report.imported
    assert any("superseded_by: no entry 'new-agreement'" in e for e in report.errors)
