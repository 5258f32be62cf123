"""Real parts for scale-out, fault and load runs: a throwaway PostgreSQL cluster and `migration-kb serve`.

Used by the tests (tests/postgres, tests/browser, test_scaleout.py, test_faults.py) and by the bench scripts.
Everything listens on 127.0.0.1 only and is stopped by whoever started it.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def postgres_bin() -> Path | None:
    """The folder holding initdb/pg_ctl (Debian's newest), or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_or_exit() -> Path:
    """For the bench scripts: the PostgreSQL binaries, or exit 2 saying how to get them."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (scripts/setup.sh --test installs it)")
    return bin_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary folder: loopback port, trust auth, fsync off. Root runs it as postgres."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="mkb-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.running = False
        atexit.register(self.destroy)  # even when the test process is interrupted
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
            self.running = False

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database).replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str, template: str = "template0") -> str:
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def fresh_database(self, template: str = "template0") -> str:
        """A new database copied from `template` (template0: empty, not even migrated); returns its URL."""
        self._made = getattr(self, "_made", 0) + 1
        return self.create_database(f"t{self._made}", template)


class AppServer:
    """A real `migration-kb serve` process over an instance folder (its own index) and a database URL."""

    def __init__(self, instance: Path, database_url: str | None = None, threads: int = 8, start: bool = True):
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "MIGRATION_KB_INSTANCE": str(self.instance), "MIGRATION_KB_SECRET_KEY": "test-key"}
        self.env.pop("MIGRATION_KB_INDEX_DIR", None)
        if database_url:
            self.env["MIGRATION_KB_DATABASE_URL"] = database_url
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self._log_start = 0
        self.logfile = self.instance / "serve.log"
        self.port = free_port()
        if start:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def index_dir(self) -> Path:
        return self.instance / "index"

    def start(self, wait: bool = True) -> None:
        self._log_start = self.logfile.stat().st_size if self.logfile.exists() else 0
        with open(self.logfile, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "migration_kb.cli", "serve", "--port", str(self.port),
                 "--threads", str(self.threads)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"migration-kb serve exited ({self.process.returncode}):\n{self.log_text()}")
            with contextlib.suppress(OSError):
                status, _ = self.get("/api/v1/health", timeout=2)
                if status == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"migration-kb serve did not answer within {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        """What the server printed since it was last started."""
        if not self.logfile.exists():
            return ""
        with open(self.logfile, "rb") as fh:
            fh.seek(self._log_start)
            return fh.read().decode(errors="replace")

    def cli(self, *args: str, input: str | None = None) -> str:
        done = subprocess.run([sys.executable, "-m", "migration_kb.cli", *args], env=self.env, input=input,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"migration-kb {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def token(self, name: str, role: str) -> str:
        """A new user of that role, and an API token for them (written straight to the server's database)."""
        from migration_kb import accounts
        from migration_kb.config import Settings
        from migration_kb.db import open_database

        db = open_database(Settings.load(self.instance, database_url=self.env.get("MIGRATION_KB_DATABASE_URL")))
        try:
            with db.session() as s:
                return accounts.new_token(s, accounts.add_user(s, name, role, "a long enough password"))
        finally:
            db.dispose()

    # -- HTTP ---------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None,
                timeout: float = 30, accept: str = "application/json") -> tuple[int, bytes, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", accept)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict | str]:
        status, raw, _ = self.request("GET", path, timeout=timeout)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def search_ids(self, q: str) -> list[str]:
        """The entries whose words match `q` (mode=words: entries merely close in meaning are left out)."""
        status, body = self.get(f"/api/v1/search?per_page=100&mode=words&q={urllib.request.quote(q)}")
        return [r["id"] for r in body["results"]] if status == 200 else []

    # -- stopping -----------------------------------------------------------------------------------
    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def index_versions(index_dir: Path) -> dict[str, int]:
    """id -> version of every entry in an index folder's live generation (read from disk, not over HTTP)."""
    from migration_kb.search.indexer import SearchIndex

    ix = SearchIndex(index_dir).open()
    try:
        with ix.searcher() as searcher:
            return {f["id"]: f.get("version") for f in searcher.all_stored_fields() if "id" in f}
    finally:
        ix.close()


def published_versions(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, select

    from migration_kb.models import EntryRow

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(EntryRow.id, EntryRow.version)
                                     .where(EntryRow.state == "published")).tuples().all())
    finally:
        engine.dispose()


def wait_until(predicate, timeout: float, interval: float = 0.1):
    """Poll until predicate() is truthy (returns it) or the time is up (returns the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


ENTRY = {"summary": "A practice saved under load.", "language": "en", "themes": ["labour-mobility"],
         "countries": ["MX", "CA"], "sources": [{"title": "An agreement", "publisher": "A ministry"}],
         "findings": [{"kind": "strength", "text": "Works."}], "body": "Saved while others searched."}


def new_entry(entry_id: str, word: str) -> dict:
    """An API payload for a valid entry whose title carries a word found nowhere else."""
    return {**ENTRY, "id": entry_id, "title": f"Practice {word}"}
