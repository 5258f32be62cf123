"""Users at work, as threads: delegates searching with facets, experts saving entries through the API.

Every answer is recorded (status, latency, and whether it leaked a stack trace); every save the server
acknowledged is remembered so that a run can check afterwards that none was lost. Shared by
bench/load.py, bench/faults.py and tests/test_faults.py.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPException
from urllib.parse import quote_plus

from .servers import AppServer, index_versions, new_entry, published_versions, wait_until

FACET_QUERIES = [
    "theme=labour-mobility", "theme=management&bloc=MERCOSUR", "bloc=CAN", "country=MX", "country=US&theme=protection",
    "target_group=seasonal-workers", "instrument=bilateral-agreement", "year_from=2000&year_to=2010",
    "theme=services&sort=newest", "bloc=CARICOM&sort=title",
]
WORDS = ["social security", "seasonal workers", "remittances", "trabajadores temporales", "seguridad social",
         "migração", "travailleurs", "border", "consular", "return", "visa", "asylum", "", "labour OR trabajo",
         '"free movement"', "regulari*", "nosuchwordanywhere"]
LEAKS = ("Traceback", "File \"/", "sqlalchemy.", "psycopg.")


@dataclass
class Record:
    """What the clients saw; threads append, the run reads it afterwards."""

    statuses: Counter = field(default_factory=Counter)
    search_latencies: list[float] = field(default_factory=list)
    save_latencies: list[float] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=dict)  # entry id -> version the server confirmed
    leaks: list[str] = field(default_factory=list)  # answers showing a stack trace or internals
    server_errors: list[str] = field(default_factory=list)  # 5xx other than a clean 503
    unavailable: int = 0  # clean 503 answers (with a message and Retry-After)
    refused: int = 0  # connection refused or dropped (a killed server)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, body: bytes, headers: dict, seconds: float) -> None:
        text = body.decode(errors="replace")
        with self.lock:
            self.statuses[(kind, status)] += 1
            (self.search_latencies if kind == "search" else self.save_latencies).append(seconds)
            if any(marker in text for marker in LEAKS):
                self.leaks.append(f"{kind} {status}: {text[:300]}")
            if status == 503 and "try again shortly" in text and headers.get("Retry-After"):
                self.unavailable += 1
            elif status >= 500:
                self.server_errors.append(f"{kind} {status}: {text[:300]}")

    def acknowledge(self, entry_id: str, version: int) -> None:
        with self.lock:
            self.acknowledged[entry_id] = version

    def refusal(self) -> None:
        with self.lock:
            self.refused += 1


def _call(record: Record, kind: str, server: AppServer, method: str, path: str, body=None, token=None,
          accept: str = "application/json"):
    start = time.perf_counter()
    try:
        status, raw, headers = server.request(method, path, body, token, timeout=30, accept=accept)
    except (OSError, HTTPException):  # refused, reset, or cut off mid-answer: the server died
        record.refusal()
        time.sleep(0.05)
        return None, b""
    record.note(kind, status, raw, headers, time.perf_counter() - start)
    if status == 503:
        time.sleep(0.2)  # as a polite client does, told Retry-After
    return status, raw


def delegate(servers: list[AppServer], record: Record, stop: threading.Event, seed: int) -> None:
    """Searches with facets (and now and then opens an entry page), on a random server each time."""
    rng = random.Random(seed)
    while not stop.is_set():
        server = rng.choice(servers)
        q = rng.choice(WORDS)
        path = f"/api/v1/search?q={quote_plus(q)}&{rng.choice(FACET_QUERIES)}"
        status, raw = _call(record, "search", server, "GET", path)
        if status == 200 and rng.random() < 0.1:
            hits = json.loads(raw)["results"]
            if hits:
                _call(record, "page", server, "GET", f"/entries/{hits[0]['id']}", accept="text/html")


def expert(servers: list[AppServer], record: Record, stop: threading.Event, name: str, token: str,
           reviewer: str, seed: int) -> None:
    """Creates entries, has a second expert publish them, and revises its own published entries."""
    rng = random.Random(seed)
    mine: dict[str, int] = {}
    n = 0
    while not stop.is_set():
        server = rng.choice(servers)
        if mine and rng.random() < 0.3:  # revise one of its entries
            entry_id = rng.choice(sorted(mine))
            payload = {**new_entry(entry_id, f"{name}x{n}revised"), "version": mine[entry_id]}
            status, raw = _call(record, "save", server, "PUT", f"/api/v1/entries/{entry_id}", payload, token)
            if status == 200:
                mine[entry_id] = _version(raw)
                record.acknowledge(entry_id, mine[entry_id])
            elif status == 409:  # our own earlier save went through though its answer was lost: reload
                mine.pop(entry_id)
        else:
            entry_id = f"load-{name}-{n}"
            status, _ = _call(record, "save", server, "POST", "/api/v1/entries", new_entry(entry_id, f"{name}x{n}"),
                              token)
            if status in (201, 409):  # 409: created already, by an attempt whose answer was lost
                status, raw = _call(record, "save", server, "POST", f"/api/v1/entries/{entry_id}/publish",
                                    token=reviewer)
                if status == 200:
                    mine[entry_id] = _version(raw)
                    record.acknowledge(entry_id, mine[entry_id])
        n += 1


def _version(raw: bytes) -> int:
    return int(json.loads(raw)["version"])


def run_users(servers: list[AppServer], tokens: dict[str, str], reviewer: str, seconds: float, delegates: int,
              record: Record | None = None, during=None) -> Record:
    """`delegates` searching and one expert per token saving, for `seconds`; `during(record)` runs meanwhile."""
    record = record or Record()
    stop = threading.Event()
    threads = [threading.Thread(target=delegate, args=(servers, record, stop, i), daemon=True)
               for i in range(delegates)]
    threads += [threading.Thread(target=expert, args=(servers, record, stop, name, token, reviewer, 1000 + i),
                                 daemon=True) for i, (name, token) in enumerate(sorted(tokens.items()))]
    for t in threads:
        t.start()
    try:
        if during is not None:
            during(record)
        else:
            time.sleep(seconds)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    return record


def lost_saves(record: Record, database_url: str) -> list[str]:
    """Acknowledged saves that the database does not hold (at that version or later, published)."""
    have = published_versions(database_url)
    return sorted(i for i, v in record.acknowledged.items() if have.get(i, 0) < v)


def unindexed(servers: list[AppServer], database_url: str, timeout: float = 30) -> dict[str, list[str]]:
    """Per server: published entries whose version its index does not hold, once the followers have had time."""
    def missing() -> dict[str, list[str]]:
        want = published_versions(database_url)
        out = {}
        for server in servers:
            have = index_versions(server.index_dir)
            out[server.url] = sorted(i for i, v in want.items() if have.get(i) != v)
        return out

    wait_until(lambda: not any(missing().values()), timeout=timeout, interval=0.5)
    return missing()


def users_arguments(description: str, delegates: int) -> argparse.ArgumentParser:
    """The bench scripts' common options: how many delegates search and how many experts save."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--delegates", type=int, default=delegates, help=f"searching clients ({delegates})")
    parser.add_argument("--experts", type=int, default=5, help="experts saving (5)")
    return parser


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
