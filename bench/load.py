"""Load: delegates searching with facets while experts save entries, against 2 app servers on PostgreSQL.

Bounded and loopback only: it starts its own throwaway PostgreSQL cluster and two `migration-kb serve`
processes on 127.0.0.1, runs for --seconds, stops everything, then checks that every acknowledged save
is in the database and in both servers' indexes. Exit status 1 when any check fails.

    .venv/bin/python bench/load.py                  # the full run: 50 delegates, 5 experts, 60 s
    .venv/bin/python bench/load.py --seconds 5      # what CI runs
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit.servers import AppServer, Cluster, postgres_or_exit
from testkit.workload import Record, lost_saves, percentile, run_users, unindexed, users_arguments

DELEGATES = 50


def main(argv: list[str] | None = None) -> int:
    parser = users_arguments(__doc__.splitlines()[0], delegates=DELEGATES)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the users work (default 60)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per server (default 8)")
    args = parser.parse_args(argv)
    bin_dir = postgres_or_exit()
    with tempfile.TemporaryDirectory(prefix="mkb-load-") as tmp:
        cluster = Cluster(bin_dir)
        servers: list[AppServer] = []
        try:
            url = cluster.create_database("load")
            servers.append(AppServer(Path(tmp) / "a", url, threads=args.threads))
            servers.append(AppServer(Path(tmp) / "b", url, threads=args.threads))
            tokens = {f"expert{i}": servers[0].token(f"expert{i}", "expert") for i in range(args.experts)}
            reviewer = servers[0].token("reviewer", "admin")
            print(f"{args.delegates} delegates searching with facets and {args.experts} experts saving, "
                  f"{args.seconds:g} s, 2 servers ({args.threads} threads each) on PostgreSQL ...", flush=True)
            started = time.monotonic()
            record = run_users(servers, tokens, reviewer, args.seconds, args.delegates)
            elapsed = time.monotonic() - started
            status = report(record, elapsed, lost_saves(record, url), unindexed(servers, url))
            if status:
                show_errors(servers)
            return status
        finally:
            for server in servers:
                server.stop()
            cluster.destroy()


def show_errors(servers: list[AppServer]) -> None:
    """The first logged error of each server, to see why it answered 5xx."""
    for server in servers:
        text = server.log_text()
        at = text.find("Traceback")
        if at >= 0:
            print(f"--- {server.url} logged:\n{text[max(0, at - 200):at + 3000]}")


def report(record: Record, elapsed: float, lost: list[str], missing: dict[str, list[str]]) -> int:
    searches = len(record.search_latencies)
    saves = len(record.save_latencies)
    print(f"searches: {searches} ({searches / elapsed:.0f}/s); "
          f"p50 {percentile(record.search_latencies, 50) * 1000:.0f} ms, "
          f"p95 {percentile(record.search_latencies, 95) * 1000:.0f} ms, "
          f"p99 {percentile(record.search_latencies, 99) * 1000:.0f} ms")
    print(f"save requests: {saves} ({saves / elapsed:.1f}/s); "
          f"p95 {percentile(record.save_latencies, 95) * 1000:.0f} ms; acknowledged saves: {len(record.acknowledged)}")
    print("answers: " + ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(record.statuses.items())))
    checks = {
        "no 5xx": not record.server_errors and not record.unavailable,
        "no stack trace in any answer": not record.leaks,
        "every acknowledged save is in the database": not lost,
        "every acknowledged save is in both indexes": not any(missing.values()),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    for line in (record.server_errors + record.leaks)[:5]:
        print("  " + line)
    if lost:
        print(f"  lost: {lost[:10]}")
    for url, ids in missing.items():
        if ids:
            print(f"  not indexed on {url}: {ids[:10]}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
