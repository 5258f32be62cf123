"""Faults, full versions, with figures: kill -9 an app server during saves and during a rebuild; stop
PostgreSQL for 10 seconds mid-load. Two servers on a throwaway PostgreSQL cluster, loopback only.

    .venv/bin/python bench/faults.py                 # all three scenarios
    .venv/bin/python bench/faults.py --outage 3 --entries 600 --delegates 8   # a quick run

Each scenario prints what the clients saw and PASS/FAIL for: nothing acknowledged lost, no 500 and no
stack trace, and every index equal to the database afterwards without any hand-made repair.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit.servers import AppServer, Cluster, postgres_or_exit, wait_until
from testkit.workload import Record, lost_saves, percentile, run_users, unindexed, users_arguments


class Site:
    """A cluster, one database, two servers and the users' tokens."""

    def __init__(self, folder: Path, cluster: Cluster, name: str, experts: int):
        self.cluster = cluster
        self.url = cluster.create_database(name)
        self.servers = [AppServer(folder / f"{name}-a", self.url), AppServer(folder / f"{name}-b", self.url)]
        self.tokens = {f"expert{i}": self.servers[0].token(f"{name}-expert{i}", "expert") for i in range(experts)}
        self.reviewer = self.servers[0].token(f"{name}-reviewer", "admin")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def verdict(record: Record, site: Site) -> bool:
    lost = lost_saves(record, site.url)
    missing = unindexed(site.servers, site.url, timeout=60)
    checks = {"nothing acknowledged was lost": not lost,
              "no 500 and no stack trace": not record.server_errors and not record.leaks,
              "every index equals the database, with no repair by hand": not any(missing.values())}
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}: {name}")
    for line in (record.server_errors + record.leaks)[:3]:
        print("    " + line)
    return all(checks.values())


def seen(record: Record) -> str:
    return ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(record.statuses.items()))


def kill_during_saves(site: Site, args) -> bool:
    print("\n1. kill -9 of server A while experts save through both servers")
    a = site.servers[0]
    timings = {}

    def during(record: Record) -> None:
        time.sleep(args.warmup)
        before = len(record.acknowledged)
        a.kill()
        time.sleep(2)
        start = time.monotonic()
        a.start()
        timings["restart"] = time.monotonic() - start
        timings["acknowledged_before_kill"] = before
        time.sleep(args.warmup)

    record = run_users(site.servers, site.tokens, site.reviewer, 0, args.delegates, during=during)
    print(f"  acknowledged saves: {len(record.acknowledged)} ({timings['acknowledged_before_kill']} before the kill); "
          f"requests cut off by the kill: {record.refused}")
    print(f"  restart of A until it answered (index repaired on start): {timings['restart']:.1f} s")
    print(f"  answers: {seen(record)}")
    return verdict(record, site)


def kill_during_rebuild(site: Site, args) -> bool:
    print(f"\n2. kill -9 of server A during a rebuild of {args.entries} entries")
    from tests.test_index import make

    from migration_kb.config import Settings
    from migration_kb.db import open_database
    from migration_kb.store import save_entry

    a = site.servers[0]
    a.stop()
    db = open_database(Settings.load("/nonexistent", database_url=site.url))
    with db.session() as s:
        for i in range(args.entries):
            save_entry(s, make(i, "bulk"), state="published")
    db.dispose()
    live = (a.index_dir / "CURRENT").read_text()
    a.cli("changes", "trim", "--keep", "0", "--min-age", "0")  # past A's position: its next start rebuilds
    start = time.monotonic()
    a.start(wait=False)
    wait_until(lambda: len(list(a.index_dir.glob("gen-*"))) > 1, timeout=120, interval=0.005)
    time.sleep(args.kill_after)
    a.kill()
    kept = (a.index_dir / "CURRENT").read_text() == live
    print(f"  killed {time.monotonic() - start:.1f} s after start, mid-rebuild; "
          f"the old index stayed live: {'yes' if kept else 'NO'}")
    start = time.monotonic()
    a.start()
    rebuilt = time.monotonic() - start
    print(f"  next start rebuilt and answered in {rebuilt:.1f} s; generations left: "
          f"{len(list(a.index_dir.glob('gen-*')))}")
    record = Record()
    ok = verdict(record, site)
    return ok and kept


def database_outage(site: Site, args) -> bool:
    print(f"\n3. PostgreSQL stopped for {args.outage:g} s while {args.delegates} delegates search and "
          f"{len(site.tokens)} experts save")
    marks = {}

    def during(record: Record) -> None:
        time.sleep(args.warmup)
        marks["before"] = record.statuses.copy()
        site.cluster.stop()
        time.sleep(args.outage)
        marks["during"] = record.statuses.copy()
        site.cluster.start()
        back = time.monotonic()
        recovered = wait_until(lambda: all(s.get("/api/v1/health", timeout=5)[0] == 200 for s in site.servers),
                               timeout=60, interval=0.1)
        marks["recovery"] = time.monotonic() - back if recovered else float("nan")
        time.sleep(args.warmup)

    record = run_users(site.servers, site.tokens, site.reviewer, 0, args.delegates, during=during)
    during_outage = marks["during"] - marks["before"]
    print(f"  during the outage: {', '.join(f'{k} {s}: {n}' for (k, s), n in sorted(during_outage.items()))}")
    print(f"  searches kept answering from the local indexes; clean 503 answers (message + Retry-After): "
          f"{record.unavailable}")
    print(f"  both servers healthy again {marks['recovery']:.1f} s after PostgreSQL was back, by themselves")
    print(f"  search p95 over the whole run: {percentile(record.search_latencies, 95) * 1000:.0f} ms; "
          f"acknowledged saves: {len(record.acknowledged)}")
    return verdict(record, site)


DELEGATES = 20


def main(argv: list[str] | None = None) -> int:
    parser = users_arguments(__doc__.splitlines()[0], delegates=DELEGATES)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL stays stopped (10)")
    parser.add_argument("--entries", type=int, default=3000, help="entries in the rebuild that is killed (3000)")
    parser.add_argument("--kill-after", type=float, default=0.5, help="seconds into the rebuild to kill (0.5)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before and after a fault (3)")
    args = parser.parse_args(argv)
    bin_dir = postgres_or_exit()
    results = []
    with tempfile.TemporaryDirectory(prefix="mkb-faults-") as tmp:
        cluster = Cluster(bin_dir)
        try:
            for name, scenario in [("saves", kill_during_saves), ("rebuild", kill_during_rebuild),
                                   ("outage", database_outage)]:
                site = Site(Path(tmp), cluster, name, args.experts)
                try:
                    results.append(scenario(site, args))
                finally:
                    site.stop()
        finally:
            cluster.destroy()
    print(f"\n{sum(results)} of {len(results)} scenarios passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
