"""The `migration-kb` command (see docs/spec/interfaces.md and docs/cli.md)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import accounts
from .config import Settings
from .db import Database, open_database
from .importer import all_entries, check_paths, compute_missing_meanings, export_all, import_paths, import_workbook
from .lazy import lazy
from .reads.entries import is_empty, published_count
from .taxonomy import TaxonomyError

workbooks = lazy("migration_kb.workbooks")  # openpyxl: only for the commands that read or write sheets
EXIT_INVALID = 1  # a file or argument is wrong
SPREADSHEETS = (".xlsx", ".csv")  # what `import` reads as a spreadsheet (docs/spreadsheets.md)


class Context:
    def __init__(self, instance: str | None):
        self.settings = Settings.load(instance)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            try:
                self._db = open_database(self.settings)
            except Exception as exc:
                raise click.ClickException(f"cannot open the database {self.settings.database_url.split('@')[-1]}: "
                                           f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
        return self._db

    def close(self) -> None:
        """Return the database connections when the command ends (a PostgreSQL pool would linger)."""
        if self._db is not None:
            self._db.dispose()
            self._db = None


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--instance", envvar="MIGRATION_KB_INSTANCE", type=click.Path(file_okay=False),
              help="Instance folder holding the database and search index (default ./instance).")
@click.version_option(package_name="migration-kb")
@click.pass_context
def main(ctx: click.Context, instance: str | None) -> None:
    """migration-kb: bilateral migration-cooperation practices of the Americas."""
    ctx.obj = Context(instance)
    ctx.call_on_close(ctx.obj.close)


@contextmanager
def _progress(total: int, label: str):
    """A progress bar on a terminal; silence in scripts and CI."""
    if sys.stderr.isatty() and total > 1:
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update
    else:
        yield None


def _meanings(total: int):
    """The progress bar of the vectors a write computes for search by meaning."""
    return _progress(total, "Encoding meaning")


def _count_files(paths) -> int:
    from .entryfiles import collect

    return len(collect(paths)[0])


def _print_errors(errors: list[str]) -> None:
    for line in errors:
        click.echo(line, err=True)


@main.command("check")
@click.argument("paths", nargs=-1, required=True)
def check_cmd(paths: tuple[str, ...]) -> None:
    """Validate entry and event files without importing them."""
    try:
        with _progress(_count_files(paths), "Checking") as tick:
            report = check_paths(list(paths), progress=tick)
    except TaxonomyError as exc:
        raise click.ClickException(f"the vocabularies are broken: {exc}") from None
    if report.errors:
        _print_errors(report.errors)
        click.echo(f"{len(report.errors)} error(s) in {report.files} file(s); {report.valid} valid.", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"{report.files} file(s) checked: all valid.")


@main.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--partial", is_flag=True, help="Import the valid files even when others are invalid.")
@pass_ctx
def import_cmd(ctx: Context, paths: tuple[str, ...], partial: bool) -> None:
    """Validate and import entry/event files or folders, or one spreadsheet (FILE.xlsx, or entries.csv with
    findings.csv and sources.csv beside it), all-or-nothing by default; imported entries are published."""
    db = ctx.db
    sheets = [p for p in paths if Path(p).suffix.lower() in SPREADSHEETS]
    if sheets:
        if len(paths) > 1:
            raise click.UsageError("import one spreadsheet at a time, without other files")
        try:
            report = import_workbook(db, Path(sheets[0]), partial=partial)
        except workbooks.WorkbookError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INVALID)
    else:
        with _progress(_count_files(paths), "Importing") as tick:
            report = import_paths(db, list(paths), partial=partial, progress=tick,
                                      embedding_progress=_meanings)
    _print_errors(report.errors)
    if report.errors and not report.imported:
        click.echo(f"{len(report.errors)} error(s); nothing was imported (use --partial to import the "
                   f"{report.valid} valid {'row' if sheets else 'file'}(s)).", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"Imported from {report.files} file(s): {report.summary()}.")
    _after_write(ctx)
    if report.errors:
        click.echo(f"{len(report.errors)} {'problem' if sheets else 'file'}(s) were not imported.", err=True)
        sys.exit(EXIT_INVALID)


def _after_write(ctx: Context) -> None:
    """Bring this instance's search index up to date with the change log, when the index exists."""
    try:
        from .search.indexer import catch_up_if_present
    except ImportError:
        return
    catch_up_if_present(ctx.settings, ctx.db)


@main.command("export")
@click.argument("folder", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["files", "xlsx", "csv"]), default="files", show_default=True,
              help="files: the entry format in FOLDER; xlsx: one workbook FOLDER (a file name); csv: entries.csv, "
                   "findings.csv and sources.csv in FOLDER.")
@click.option("--with-focal-emails", is_flag=True,
              help="Also write focal points' e-mail addresses (left out by default: they are never shown).")
@pass_ctx
def export_cmd(ctx: Context, folder: str, fmt: str, with_focal_emails: bool) -> None:
    """Write every entry and event back as files in the entry format (they re-import unchanged), or every
    entry as a spreadsheet (it re-imports unchanged too)."""
    if fmt != "files":
        entries = all_entries(ctx.db)
        try:
            if fmt == "xlsx":
                workbooks.write_xlsx(entries, Path(folder))
            else:
                workbooks.write_csv(entries, Path(folder))
        except workbooks.WorkbookError as exc:
            click.echo(f"{exc}: export this entry as files instead.", err=True)
            sys.exit(EXIT_INVALID)
        click.echo(f"Wrote {len(entries)} entries to {folder}.")
        return
    if Path(folder).is_file():
        raise click.BadParameter("is a file; files are written into a folder", param_hint="FOLDER")
    n_entries, n_events = export_all(ctx.db, Path(folder), focal_emails=with_focal_emails)
    click.echo(f"Wrote {n_entries} entries to {Path(folder) / 'entries'} and {n_events} events to "
               f"{Path(folder) / 'events'}.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@pass_ctx
def serve_cmd(ctx: Context, host: str, port: int, threads: int) -> None:
    """Serve the web UI and the API (waitress). An empty instance first imports the shipped kb/."""
    import waitress

    from .config import resource_dir
    from .web import create_app
    from .web.startup import start

    db = ctx.db
    if _is_empty(db):
        kb_dir = resource_dir("kb")
        click.echo(f"Empty instance: importing the shipped knowledge base from {kb_dir} ...", err=True)
        with _progress(_count_files([kb_dir]), "Importing") as tick:
            report = import_paths(db, [kb_dir], progress=tick, embedding_progress=_meanings)
        if report.errors:
            _print_errors(report.errors)
            raise click.ClickException("the shipped knowledge base did not import; nothing was served")
        click.echo(f"Imported: {report.summary()}.", err=True)
    app = create_app(ctx.settings)
    with _progress(_published_count(db), "Indexing") as tick:
        start(app, progress=tick, log=lambda m: click.echo(m, err=True))
    click.echo(f"Serving migration-kb on http://{host}:{port}/ (instance {ctx.settings.instance})", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="migration-kb", _quiet=True)


def _is_empty(db: Database) -> bool:
    with db.session() as s:
        return is_empty(s)


def _published_count(db: Database) -> int:
    with db.session() as s:
        return published_count(s)


@main.command("reindex")
@pass_ctx
def reindex_cmd(ctx: Context) -> None:
    """Rebuild the search index from the database (a running server switches to it by itself)."""
    from .search.indexer import SearchIndex

    index = SearchIndex(ctx.settings.index_dir)
    computed = compute_missing_meanings(ctx.db, progress=_meanings)
    if computed:
        click.echo(f"Computed the meaning of {computed} entries for search by meaning.")
    with _progress(_published_count(ctx.db), "Indexing") as tick:
        n = index.rebuild(ctx.db, progress=tick)
    click.echo(f"Indexed {n} published entries.")


@main.group("changes")
def changes_cmd() -> None:
    """The change log that search indexes follow: how far it reaches, and trimming it."""


@changes_cmd.command("show")
@pass_ctx
def changes_show(ctx: Context) -> None:
    """How many changes the log holds, its first and last positions, and where it was trimmed."""
    from .changelog import extent

    with ctx.db.session() as s:
        e = extent(s)
    click.echo(f"{e.rows} change(s), positions {e.first or 0} to {e.last or 0}; "
               + (f"trimmed through {e.trimmed_through}." if e.trimmed_through else "never trimmed."))


@changes_cmd.command("trim")
@click.option("--keep", required=True, type=click.IntRange(0), help="How many of the newest changes to keep.")
@click.option("--min-age", default=60, show_default=True, type=click.IntRange(0),
              help="Never trim changes younger than this many seconds.")
@pass_ctx
def changes_trim(ctx: Context, keep: int, min_age: int) -> None:
    """Delete old changes. A server whose index is behind the trimmed part rebuilds its index by itself."""
    from datetime import timedelta

    from .changelog import trim

    with ctx.db.session() as s:
        n = trim(s, keep, timedelta(seconds=min_age))
    click.echo(f"Trimmed {n} change(s).")


@main.group("users")
def users_cmd() -> None:
    """Manage accounts: reader, expert, rapporteur, admin."""


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_cmd.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@pass_ctx
def users_add(ctx: Context, name: str, role: str) -> None:
    """Create a user; the password comes from a prompt or, in scripts, from the first line of stdin."""
    password = _read_password()
    try:
        with ctx.db.session() as s:
            accounts.add_user(s, name, role, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added {name} ({role}).")


@users_cmd.command("token")
@click.argument("name")
@click.option("--label", default="command line", help="What the token is for.")
@pass_ctx
def users_token(ctx: Context, name: str, label: str) -> None:
    """Print a new API token for the user (shown once; only its hash is stored)."""
    try:
        with ctx.db.session() as s:
            user = accounts.account_named(s, name)
            if user.disabled:
                raise accounts.AccountError(f"{name} is disabled")
            token = accounts.new_token(s, user, label)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


@users_cmd.command("list")
@pass_ctx
def users_list(ctx: Context) -> None:
    """List users with their role and whether they are disabled."""
    with ctx.db.session() as s:
        users = accounts.list_users(s)
    for user in users:
        click.echo(f"{user.name}\t{user.role}\t{'disabled' if user.disabled else 'active'}")


@users_cmd.command("disable")
@click.argument("name")
@pass_ctx
def users_disable(ctx: Context, name: str) -> None:
    """Disable a user: they can no longer sign in, and their API tokens stop working."""
    _change_user(ctx, name, accounts.set_disabled, True)
    click.echo(f"Disabled {name}.")


@users_cmd.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(accounts.ROLES))
@pass_ctx
def users_role(ctx: Context, name: str, role: str) -> None:
    """Give a user another role (their sessions and tokens carry the new role at once)."""
    _change_user(ctx, name, accounts.set_role, role)
    click.echo(f"{name} is now {role}.")


def _change_user(ctx: Context, name: str, change, value) -> None:
    """`change` is the accounts function that makes the change (set_role, set_disabled)."""
    try:
        with ctx.db.session() as s:
            change(s, accounts.account_named(s, name).id, value)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None



@main.group("digests")
def digests_cmd() -> None:
    """E-mail digests of followed searches (docs/delegates.md)."""


@digests_cmd.command("send")
@pass_ctx
def digests_send(ctx: Context) -> None:
    """Send every due digest (daily or weekly) of what is new or changed in followed searches; for cron, run it
    as often as you like: nothing is sent twice, and a period with nothing new sends nothing."""
    from .mail import MailNotConfigured
    from .search.indexer import SearchIndex, catch_up_if_present
    from .web import create_app
    from .web.digests import send_all

    if not SearchIndex(ctx.settings.index_dir).is_usable():
        raise click.ClickException("this instance has no search index yet: run `migration-kb reindex` first")
    catch_up_if_present(ctx.settings, ctx.db)  # digests report what the search finds now
    app = create_app(ctx.settings)
    try:
        report = send_all(app)
    except MailNotConfigured as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        app.extensions["migration_kb"].searcher.close()
        app.extensions["migration_kb"].db.dispose()
    for address, name in report.sent:
        click.echo(f"sent: {name!r} to {address}")
    click.echo(f"{len(report.sent)} digest(s) sent; {report.empty} period(s) with nothing new; "
               f"{report.unverified} waiting for a confirmed e-mail address; {report.not_due} not due yet; "
               f"{len(report.failed)} failed.")
    for problem in report.failed:
        click.echo(f"not sent: {problem}", err=True)
    if report.failed:
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":  # pragma: no cover
    main()


@main.group("search-log")
def search_log_cmd() -> None:
    """What delegates could not find: searches that found fewer than three practices (kept 90 days)."""


@search_log_cmd.command("purge")
@pass_ctx
def search_log_purge(ctx: Context) -> None:
    """Delete the lines older than 90 days now (a running server also does it at start and daily)."""
    from . import search_log

    with ctx.db.session() as s:
        n = search_log.purge(s)
    click.echo(f"Deleted {n} search-log line(s) older than {search_log.KEEP_DAYS} days.")
