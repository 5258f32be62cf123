"""Several app servers on one PostgreSQL database, each with its own index following the shared change log.

Two real `migration-kb serve` processes (separate instance folders, one MIGRATION_KB_DATABASE_URL):
a save through one is searchable on the other; a server that was down catches up from the log; a log
trimmed past a server's position makes that server rebuild its index by itself.
"""

from __future__ import annotations

import signal

import pytest
from testkit.servers import AppServer, index_versions, new_entry, published_versions, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def farm(pg_cluster, tmp_path_factory):
    """Server A (it imports the shipped kb into the empty database), then server B; experts' tokens."""
    url = pg_cluster.fresh_database()
    root = tmp_path_factory.mktemp("farm")
    servers = []
    try:
        servers.append(AppServer(root / "a", url))
        servers.append(AppServer(root / "b", url))
        tokens = {"ana": servers[0].token("ana", "expert"), "ben": servers[0].token("ben", "expert")}
        yield url, servers[0], servers[1], tokens
    finally:
        for server in servers:
            server.stop()


def save(server: AppServer, tokens: dict, entry_id: str, word: str) -> None:
    """An expert creates the entry and a second expert publishes it: both acknowledged."""
    status, body, _ = server.request("POST", "/api/v1/entries", new_entry(entry_id, word), tokens["ana"])
    assert status == 201, body
    status, body, _ = server.request("POST", f"/api/v1/entries/{entry_id}/publish?version=1", token=tokens["ben"])
    assert status == 200, body


def test_a_save_through_one_server_is_searchable_on_the_other_within_two_seconds(farm):
    _, a, b, tokens = farm
    save(a, tokens, "scale-one", "quetzalcoatlus")
    assert wait_until(lambda: b.search_ids("quetzalcoatlus"), timeout=2.0) == ["scale-one"]
    save(b, tokens, "scale-two", "archaeopteryx")  # and the other way round
    assert wait_until(lambda: a.search_ids("archaeopteryx"), timeout=2.0) == ["scale-two"]


def test_a_server_started_later_catches_up_from_the_log(farm):
    url, a, b, tokens = farm
    b.stop()
    for i in range(3):
        save(a, tokens, f"scale-missed-{i}", "ichthyosaurus")
    b.start()
    assert "Building the search index" not in b.log_text()  # it kept its index and followed the log
    assert sorted(b.search_ids("ichthyosaurus")) == [f"scale-missed-{i}" for i in range(3)]
    assert index_versions(b.index_dir) == published_versions(url)


def test_a_log_trimmed_past_a_stopped_server_makes_it_rebuild(farm):
    url, a, b, tokens = farm
    b.stop()
    save(a, tokens, "scale-trimmed-stopped", "plesiosaurus")
    a.cli("changes", "trim", "--keep", "0", "--min-age", "0")
    b.start()
    assert "the change log was trimmed through position" in b.log_text()
    assert b.search_ids("plesiosaurus") == ["scale-trimmed-stopped"]
    assert index_versions(b.index_dir) == published_versions(url)


def test_a_log_trimmed_past_a_running_server_makes_it_rebuild(farm):
    url, a, b, tokens = farm
    b.process.send_signal(signal.SIGSTOP)  # frozen: its follower falls behind
    try:
        save(a, tokens, "scale-trimmed-running", "pterodactylus")
        a.cli("changes", "trim", "--keep", "0", "--min-age", "0")
    finally:
        b.process.send_signal(signal.SIGCONT)
    assert wait_until(lambda: b.search_ids("pterodactylus"), timeout=30) == ["scale-trimmed-running"]
    assert "rebuilding the search index: the change log was trimmed" in b.log_text()
    assert wait_until(lambda: index_versions(b.index_dir) == published_versions(url), timeout=10)
    assert "trimmed through" in a.cli("changes", "show")


def test_the_load_script_short_run_passes_its_checks():
    """bench/load.py as CI runs it: a few seconds of delegates and experts against 2 servers on PostgreSQL."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "bench" / "load.py"
    done = subprocess.run([sys.executable, str(script), "--seconds", "3", "--delegates", "10", "--experts", "2"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout and done.stdout.count("PASS") == 4
