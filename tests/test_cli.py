"""The command line against a real SQLite instance: import, check, export, users."""

import os

import pytest
from sqlalchemy import func, select

from migration_kb.models import Change, EntryRow, Revision, User

from .conftest import KB, MINIMAL, write_entry

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_then_reimport_writes_nothing(cli, db, tmp_path):
    folder = tmp_path / "files"
    for i in range(3):
        write_entry(folder, f"entry-{i}")
    result = cli("import", str(folder))
    assert result.exit_code == 0, result.output
    assert "entries: 3 added, 0 changed, 0 unchanged" in result.output
    assert count(db, Revision) == 3 and count(db, Change) == 3
    again = cli("import", str(folder))
    assert "entries: 0 added, 0 changed, 3 unchanged" in again.output
    assert count(db, Revision) == 3 and count(db, Change) == 3
    with db.session() as s:
        assert {r.state for r in s.scalars(select(EntryRow))} == {"published"}


def test_a_changed_file_is_one_new_revision(cli, db, tmp_path):
    folder = tmp_path / "files"
    path = write_entry(folder, "entry-a")
    cli("import", str(folder))
    path.write_text(MINIMAL.format(id="entry-a", title="A new title"), encoding="utf-8")
    result = cli("import", str(folder))
    assert "entries: 0 added, 1 changed, 0 unchanged" in result.output
    with db.session() as s:
        row = s.get(EntryRow, "entry-a")
        assert (row.title, row.version) == ("A new title", 2)
    assert count(db, Revision) == 2


def test_one_broken_file_imports_nothing_and_lists_every_error(cli, db, tmp_path):
    folder = tmp_path / "files"
    write_entry(folder, "good-1")
    write_entry(folder, "good-2")
    write_entry(folder, "bad-1", MINIMAL.format(id="bad-1", title="T").replace("[labour-mobility]", "[labor]"))
    write_entry(folder, "bad-2", "no front matter\n")
    result = cli("import", str(folder))
    assert result.exit_code == 1
    assert "bad-1.md:6: themes: 'labor' is not a theme (did you mean 'labour-mobility'?)" in result.output
    assert "bad-2.md:1: has no front matter" in result.output
    assert "nothing was imported" in result.output
    assert count(db, EntryRow) == 0

    partial = cli("import", "--partial", str(folder))
    assert partial.exit_code == 1  # still says some files failed
    assert "entries: 2 added" in partial.output
    assert count(db, EntryRow) == 2


def test_duplicate_ids_across_folders(cli, db, tmp_path):
    write_entry(tmp_path / "a", "same-id")
    write_entry(tmp_path / "b", "same-id")
    result = cli("import", str(tmp_path / "a"), str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "id: 'same-id' is also the id of" in result.output
    assert count(db, EntryRow) == 0


def test_publishing_needs_a_source(cli, db, tmp_path):
    text = MINIMAL.format(id="x", title="T").replace(
        "sources:\n  - {title: The agreement, publisher: A ministry, year: 2001}\n", "")
    result = cli("import", str(write_entry(tmp_path, "x", text)))
    assert result.exit_code == 1 and "sources: an entry needs at least one source" in result.output


def test_a_link_out_of_the_folder_is_refused(cli, db, tmp_path):
    outside = write_entry(tmp_path / "outside", "secret")
    folder = tmp_path / "files"
    write_entry(folder, "fine")
    os.symlink(outside, folder / "secret.md")
    result = cli("check", str(folder))
    assert result.exit_code == 1
    assert "secret.md: points outside" in result.output


def test_check_reports_without_importing(cli, db, tmp_path):
    folder = tmp_path / "files"
    write_entry(folder, "fine")
    assert cli("check", str(folder)).exit_code == 0
    write_entry(folder, "broken", "\x00binary")
    result = cli("check", str(folder))
    assert result.exit_code == 1 and "broken.md: is a binary file" in result.output
    assert count(db, EntryRow) == 0


def test_check_of_a_missing_path(cli):
    result = cli("check", "/no/such/place")
    assert result.exit_code == 1 and "/no/such/place: no such file or folder" in result.output


@pytest.mark.databases("sqlite")  # its second instance would share the URL; tests/postgres/test_pg_backup.py
def test_export_reimports_to_identical_records(cli, db, tmp_path):
    assert cli("import", str(KB)).exit_code == 0
    with db.session() as s:
        before = {r.id: r.content_hash for r in s.scalars(select(EntryRow))}
    assert cli("export", str(tmp_path / "out")).exit_code == 0
    again = cli("import", str(tmp_path / "out"))
    assert again.exit_code == 0, again.output
    assert f"0 added, 0 changed, {len(before)} unchanged" in again.output
    # and into an empty instance: the same checksums
    other = tmp_path / "other"
    result = cli("--instance", str(other), "import", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    from migration_kb.config import Settings
    from migration_kb.db import open_database

    db2 = open_database(Settings.load(other))
    with db2.session() as s:
        assert {r.id: r.content_hash for r in s.scalars(select(EntryRow))} == before
    db2.dispose()


def test_users_add_and_token(cli, db):
    result = cli("users", "add", "ana", "--role", "expert", input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        user = s.scalar(select(User).where(User.name == "ana"))
        assert user.role == "expert" and "correct horse" not in user.password_hash
    token = cli("users", "token", "ana").output.strip()
    assert token.startswith("mkb_") and len(token) > 30
    assert cli("users", "token", "nobody").exit_code == 1
    short = cli("users", "add", "bob", "--role", "reader", input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad_role = cli("users", "add", "bob", "--role", "king", input="long enough pw\n")
    assert bad_role.exit_code == 2 and "king" in bad_role.output
    assert "ana\texpert\tactive" in cli("users", "list").output


def test_users_role_and_disable_change_the_account(cli):
    cli("users", "add", "ana", "--role", "expert", input="correct horse battery\n")
    assert cli("users", "role", "ana", "admin").exit_code == 0
    assert cli("users", "disable", "ana").exit_code == 0
    assert "ana\tadmin\tdisabled" in cli("users", "list").output
    refused = cli("users", "token", "ana")
    assert refused.exit_code == 1 and "ana is disabled" in refused.output
    assert cli("users", "disable", "nobody").exit_code == 1
