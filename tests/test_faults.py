"""Faults, short versions (bench/faults.py runs the full ones and prints figures).

A server killed with -9 during saves or during a rebuild loses nothing it acknowledged, and its index is
repaired by the next start without any hand-made step; PostgreSQL stopped mid-load makes requests fail
cleanly (503 with a message, no stack trace) and everything recovers by itself once it is back.
"""

from __future__ import annotations

import time

import pytest
from testkit.servers import AppServer, index_versions, published_versions, wait_until
from testkit.workload import Record, lost_saves, run_users, unindexed

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(pg_cluster, tmp_path_factory):
    """One server on a fresh database (it imports the shipped kb), two experts and an admin."""
    url = pg_cluster.fresh_database()
    server = AppServer(tmp_path_factory.mktemp("site") / "a", url)
    try:
        tokens = {name: server.token(name, "expert") for name in ("ana", "ben")}
        yield url, server, tokens, server.token("ada", "admin")
    finally:
        server.stop()


def kill_when(server: AppServer, ready, timeout: float = 60):
    """A `during` hook for run_users: kill -9 the server once ready(record) holds."""
    def during(record: Record) -> None:
        wait_until(lambda: ready(record), timeout=timeout, interval=0.02)
        server.kill()
        time.sleep(0.5)  # the clients meet a dead server for a moment
    return during


def test_kill_9_during_saves_loses_nothing_acknowledged(site):
    url, server, tokens, admin = site
    record = run_users([server], tokens, admin, seconds=0, delegates=4,
                       during=kill_when(server, lambda r: len(r.acknowledged) >= 8))
    assert record.refused  # the clients did see the server die
    server.start()  # the next start: no repair by hand
    assert lost_saves(record, url) == []
    assert unindexed([server], url) == {server.url: []}
    assert not record.leaks and not record.server_errors


def test_kill_9_during_a_rebuild_leaves_the_old_index_answering_and_the_next_start_rebuilds(site):
    url, server, _, _ = site
    server.stop()
    live = (server.index_dir / "CURRENT").read_text()
    bulk_publish(url, 600)  # enough for the rebuild to take a moment
    server.cli("changes", "trim", "--keep", "0", "--min-age", "0")  # the next start must rebuild
    server.start(wait=False)
    building = wait_until(lambda: len(list(server.index_dir.glob("gen-*"))) > 1, timeout=60, interval=0.005)
    server.kill()
    assert building, server.log_text()
    assert (server.index_dir / "CURRENT").read_text() == live  # the swap never happened: the old index stands
    assert index_versions(server.index_dir)  # and it answers
    server.start()
    assert "trimmed" in server.log_text()
    assert index_versions(server.index_dir) == published_versions(url)
    assert len(list(server.index_dir.glob("gen-*"))) == 1  # the half-built generation was cleared away


def test_database_stopped_mid_load_answers_503_then_recovers_by_itself(site, pg_cluster):
    url, server, tokens, admin = site

    def outage(record: Record) -> None:
        time.sleep(1)
        pg_cluster.stop()
        try:
            time.sleep(3)
            seen = {"json": server.request("GET", "/api/v1/entries/ar-ley-migraciones-25871-patria-grande"),
                    "html": server.request("GET", "/entries/ar-ley-migraciones-25871-patria-grande",
                                           accept="text/html")}
        finally:
            pg_cluster.start()
        for kind, (status, body, headers) in seen.items():
            assert status == 503 and headers.get("Retry-After"), (kind, status, body[:500])
            assert b"not reachable" in body and b"Traceback" not in body, (kind, body[:500])
        time.sleep(2)

    record = run_users([server], tokens, admin, seconds=0, delegates=4, during=outage)
    assert record.unavailable  # the outage was seen, as clean 503s
    assert not record.server_errors and not record.leaks  # and never as a 500 or a stack trace
    assert wait_until(lambda: server.get("/api/v1/health")[0] == 200, timeout=30)  # recovered by itself
    assert lost_saves(record, url) == []
    assert unindexed([server], url) == {server.url: []}


def bulk_publish(url: str, count: int) -> None:
    from migration_kb.config import Settings
    from migration_kb.db import open_database
    from migration_kb.store import save_entry
    from tests.test_index import make

    db = open_database(Settings.load("/nonexistent", database_url=url))
    try:
        with db.session() as s:
            for i in range(count):
                save_entry(s, make(i, "bulk"), state="published")
    finally:
        db.dispose()
