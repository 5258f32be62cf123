"""Memory of the real `migration-kb serve` process under a deterministic mix of requests.

    .venv/bin/python bench/serve_memory.py --instance DIR [--searches 100] [--pages 40] [--entries 30]
        [--seed 1] [--threads N] [--env NAME=VALUE ...] [--token TOKEN --saves 20]
        [--sign-in NAME:PASSWORD] [--settle S] [--json]

Starts `migration-kb --instance DIR serve` on 127.0.0.1 (a free port), waits until it answers, then asks,
in this order and one request at a time:

1. `searches` unique 1–3 word API searches (`/api/v1/search?q=...&per_page=20`), the same queries as
   bench/search_bench.py (word ranks log-uniform over the 4,000 commonest content words of a language);
2. `pages` HTML search pages (`/?q=...`) with filters on one or two facets, years, sorts and later pages;
3. `entries` entry pages (`/entries/<id>`), ids taken from the results of phase 1;
4. a few browse pages: two themes, two blocs, two countries and the coverage map;
5. with `--token` (an expert's API token: `migration-kb users token NAME`), `saves` edits of entries
   through `PUT /api/v1/entries/<id>` (a word added to the title), then searches until the server's
   index has followed every one: the follower's commits, the reopened searcher and its merged facets.
   This changes the instance's entries: use a copy;
6. with `--sign-in NAME:PASSWORD`, one sign-in through the form (checking a password is a scrypt hash
   that needs 32 MB for a moment).

Pages cycle through the four UI languages (`lang=`), as visitors do: each one loads its catalogue and
its locale data once.

It reads VmRSS, VmHWM (the kernel's peak resident set), RssAnon and RssFile from /proc/<pid>/status once
the server answers and after each phase (with `--settle S`, again after S idle seconds: the server's trimmer
gives freed heap pages back within 2 s of a request), prints one line per reading, and stops the server. Nothing but
127.0.0.1 is contacted; every request has a timeout and the whole run a deadline.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from search_bench import WordPool, free_port, make_queries, stop, wait_http  # noqa: E402

from migration_kb.taxonomy import load as load_taxonomy  # noqa: E402

UI_LANGUAGES = ("en", "es", "pt", "fr")
TARGET_MB = 150.0  # the target for the serving process at 100,000 entries
FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")
REQUEST_TIMEOUT = 120.0
DEADLINE = 1800.0  # seconds for the whole run, start-up included


def memory_of(pid: int) -> dict[str, float]:
    """The FIELDS of /proc/<pid>/status, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in FIELDS:
            out[name] = int(value.split()[0]) / 1024
    return out


class Client:
    def __init__(self, port: int, deadline: float):
        self.base = f"http://127.0.0.1:{port}"
        self.deadline = deadline
        self.count = 0

    def get(self, path: str, data: dict | None = None, token: str | None = None) -> bytes:
        """GET path, or PUT `data` as JSON with the bearer token."""
        if time.monotonic() > self.deadline:
            raise TimeoutError("serve_memory: the run took longer than its deadline")
        request = urllib.request.Request(self.base + path)
        if data is not None:
            request = urllib.request.Request(self.base + path, data=json.dumps(data).encode(), method="PUT",
                                             headers={"Content-Type": "application/json",
                                                      "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as r:
            self.count += 1
            return r.read()

    def save(self, entry_id: str, word: str, token: str) -> None:
        """Add a word to the entry's title through the API."""
        data = json.loads(self.get(f"/api/v1/entries/{urllib.parse.quote(entry_id)}"))
        for key in ("state", "updated_at", "created_at"):
            data.pop(key, None)
        data["findings"] = [{k: v for k, v in f.items() if k != "id"} for f in data.get("findings", [])]
        data["title"] = f"{data['title']} {word}"
        self.get(f"/api/v1/entries/{urllib.parse.quote(entry_id)}", data=data, token=token)

    def sign_in(self, name: str, password: str) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(self.base + "/sign-in", timeout=REQUEST_TIMEOUT) as r:
            token = re.search(r'name="csrf_token" value="([^"]+)"', r.read().decode()).group(1)
        form = urllib.parse.urlencode({"csrf_token": token, "name": name, "password": password}).encode()
        with opener.open(self.base + "/sign-in", data=form, timeout=REQUEST_TIMEOUT) as r:
            if "/sign-in" in r.url:
                raise RuntimeError(f"serve_memory: {name!r} could not sign in")
        self.count += 2

    def wait_searchable(self, words: list[str], timeout: float = 60.0) -> None:
        t0 = time.monotonic()
        for word in words:
            while not json.loads(self.get(f"/api/v1/search?q={word}&per_page=1"))["total"]:
                if time.monotonic() - t0 > timeout:
                    raise TimeoutError(f"serve_memory: {word!r} was not searchable after {timeout} s")
                time.sleep(0.05)


def page_paths(rng: random.Random, queries: list[str], count: int) -> list[str]:
    """HTML search pages: words or none, one or two facet filters, years, sorts, later pages."""
    tax = load_taxonomy()
    values = {"theme": sorted(tax.themes), "topic": sorted(tax.topics), "bloc": sorted(tax.blocs),
              "country": sorted(tax.countries), "instrument": sorted(tax.terms("instrument")),
              "target_group": sorted(tax.terms("target_group")), "language": ["en", "es", "pt", "fr"]}
    facets = sorted(values)
    paths = []
    for i in range(count):
        params: list[tuple[str, str]] = []
        if i % 4:
            params.append(("q", rng.choice(queries)))
        for facet in rng.sample(facets, rng.choice((0, 1, 1, 2))):
            params += [(facet, v) for v in rng.sample(values[facet], rng.choice((1, 1, 2)))]
        if i % 5 == 2:
            start = rng.randint(1960, 2015)
            params += [("year_from", str(start)), ("year_to", str(start + rng.randint(0, 20)))]
        sort = ("relevance", "newest", "title")[i % 3]
        if sort != "relevance":
            params.append(("sort", sort))
        if i % 6 == 5:
            params.append(("page", str(rng.randint(2, 5))))
        params.append(("lang", UI_LANGUAGES[i % len(UI_LANGUAGES)]))
        paths.append("/?" + urllib.parse.urlencode(params))
    return paths


def browse_paths(rng: random.Random) -> list[str]:
    tax = load_taxonomy()
    paths = ([f"/themes/{t}" for t in rng.sample(sorted(tax.themes), 2)]
             + [f"/blocs/{b}" for b in rng.sample(sorted(tax.blocs), 2)]
             + [f"/countries/{c}" for c in rng.sample(sorted(tax.countries), 2)] + ["/coverage"])
    return [with_lang(path, i) for i, path in enumerate(paths)]


def with_lang(path: str, i: int) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={UI_LANGUAGES[i % len(UI_LANGUAGES)]}"


def run(args) -> list[tuple[str, int, float, dict[str, float]]]:
    pool = WordPool()
    queries = make_queries(pool, args.searches, args.seed)
    rng = random.Random(args.seed + 23)
    port = free_port()
    exe = str(Path(sys.executable).with_name("migration-kb"))
    command = [exe, "--instance", str(args.instance), "serve", "--port", str(port)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    env = {**os.environ, **dict(kv.split("=", 1) for kv in args.env)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows: list[tuple[str, int, float, dict[str, float]]] = []
    client = Client(port, time.monotonic() + DEADLINE)
    try:
        t0 = time.monotonic()
        wait_http(f"{client.base}/api/v1/search?q=&per_page=1", proc, timeout=DEADLINE)
        rows.append(("answering", 0, time.monotonic() - t0, memory_of(proc.pid)))

        def phase(name: str, paths: list[str]) -> list[bytes]:
            t = time.monotonic()
            bodies = [client.get(p) for p in paths]
            rows.append((name, len(paths), time.monotonic() - t, memory_of(proc.pid)))
            if args.settle:  # what it holds between bursts, once the trimmer (web/malloc.py) has had its turn
                time.sleep(args.settle)
                rows.append((f"  idle {args.settle:g} s", 0, args.settle, memory_of(proc.pid)))
            return bodies

        bodies = phase("API searches", [f"/api/v1/search?{urllib.parse.urlencode({'q': q, 'per_page': 20})}"
                                        for q in queries])
        ids = list(dict.fromkeys(r["id"] for b in bodies for r in json.loads(b)["results"]))
        phase("HTML search pages", page_paths(rng, queries, args.pages))
        picks = ids[:: max(1, len(ids) // args.entries)][:args.entries]
        phase("entry pages", [with_lang(f"/entries/{urllib.parse.quote(e)}", i) for i, e in enumerate(picks)])
        phase("browse pages", browse_paths(rng))
        if args.token and args.saves:
            t = time.monotonic()
            words = [f"zqx{args.seed}m{i}x{int(time.time())}" for i in range(args.saves)]
            for i, word in enumerate(words):
                client.save(ids[(i * 7 + 3) % len(ids)], word, args.token)
            client.wait_searchable(words)
            rows.append(("saves (then found)", args.saves, time.monotonic() - t, memory_of(proc.pid)))
        if args.sign_in:
            t = time.monotonic()
            client.sign_in(*args.sign_in.split(":", 1))
            rows.append(("sign-in", 2, time.monotonic() - t, memory_of(proc.pid)))
    finally:
        stop(proc)
    return rows


def report(rows, instance: Path) -> str:
    lines = [f"migration-kb serve on {instance} ({os.cpu_count()} CPUs)",
             f"{'after':20}{'requests':>9}{'seconds':>9}" + "".join(f"{f + ' MB':>12}" for f in FIELDS)]
    for name, n, seconds, mem in rows:
        lines.append(f"{name:20}{n:>9}{seconds:>9.1f}" + "".join(f"{mem.get(f, 0):>12.1f}" for f in FIELDS))
    peak = rows[-1][3]["VmHWM"]
    lines.append(f"peak (VmHWM) {peak:.0f} MB; target < {TARGET_MB:.0f} MB at 100,000 entries: "
                 + ("ok" if peak < TARGET_MB else "MISSED"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True, help="an instance folder with its index built")
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, help="serve --threads (default: serve's own)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the server (repeatable)")
    parser.add_argument("--token", help="an expert's API token: also save entries (changes the instance)")
    parser.add_argument("--saves", type=int, default=20, help="entries saved with --token")
    parser.add_argument("--sign-in", metavar="NAME:PASSWORD", help="also sign in once through the form")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="also read the memory after this many idle seconds after each phase")
    parser.add_argument("--json", action="store_true", help="print the readings as JSON too")
    args = parser.parse_args()
    rows = run(args)
    print(report(rows, args.instance))
    if args.json:
        print(json.dumps([{"after": n, "requests": c, "seconds": s, **m} for n, c, s, m in rows]))


if __name__ == "__main__":
    main()
