"""Page budget of the delegates' search page: bytes transferred and latency, on the real server.

    .venv/bin/python bench/page_bench.py [--requests 200] [--seed 1]

Starts `migration-kb serve` on a temporary instance (it imports the shipped kb/ and builds the index, as
on a first start), then:

- bytes: a search page with results and active filters, plus the CSS and JS it links (no images, no
  fonts), as served before any compression; budget under 60 KB;
- latency: ~200 varied search pages (words in the four languages, facets, years, sorts, pages, languages),
  requested one after another over HTTP after a short warm-up; p50/p95/max; budget p95 under 100 ms.

The delegates' tools (issue 15) are measured the same way: the weight of `/map` (budget under 150 KB),
of a corridor page and of a comparison, and p50/p95 over ~100 varied requests of each kind (`/map` with the
search's filters, the busiest corridors, pairs to four practices side by side). `--entries N` first writes N
generated published practices (bench/search_bench.py's generator) beside the shipped kb.

Prints the figures against the budget; exit status 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testkit.servers import AppServer  # noqa: E402 - the same server the browser tests drive

BUDGET_BYTES = 60 * 1024
BUDGET_P95_MS = 100.0
SAMPLE_PAGE = "/?q=social+security&theme=protection&bloc=MERCOSUR&year_from=1990"
WORDS = ["social security", "seasonal workers", "trabajadores temporales", "trata de personas", "trafficking",
         "remittances", "remesas", "remessas", "residence", "residencia", "residência", "consular", "visa",
         "regularization", "regularización", "regularização", "travailleurs saisonniers", "asile", "refugees",
         "border", "frontera", "fronteira", "return", "retorno", "diaspora", "education", "health", "salud",
         "labour mobility", "movilidad laboral", "mobilité", "migrant protection", "protección", "agreement",
         "acuerdo", "acordo", "accord", "integration", "children", "niños", "women", "mujeres", "seasonl",
         "agricultrual", "recognition of diplomas", "", ""]
FACETS = {"theme": ["management", "services", "labour-mobility", "protection"],
          "bloc": ["MERCOSUR", "CARICOM", "CAN", "SICA", "NAFTA"],
          "country": ["MX", "CA", "US", "AR", "BR", "CR", "NI", "CO", "JM", "ES"],
          "language": ["en", "es", "pt", "fr"]}


def fetch(url: str) -> tuple[bytes, float]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return body, (time.perf_counter() - t0) * 1000


def page_weight(base: str) -> dict[str, int]:
    html, _ = fetch(base + SAMPLE_PAGE)
    sizes = {"HTML": len(html)}
    text = html.decode()
    for kind, pattern in (("CSS", r'<link rel="stylesheet" href="([^"]+)"'), ("JS", r'<script src="([^"]+)"')):
        sizes[kind] = sum(len(fetch(base + href)[0]) for href in re.findall(pattern, text))
    return sizes


def varied_searches(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        params = []
        words = rng.choice(WORDS)
        if words:
            params.append(("q", words))
        for facet in rng.sample(list(FACETS), rng.choice((0, 0, 1, 1, 2))):
            params.append((facet, rng.choice(FACETS[facet])))
        if rng.random() < 0.2:
            params.append(("year_from", str(rng.choice((1990, 2000, 2010)))))
        if rng.random() < 0.2:
            params.append(("sort", rng.choice(("newest", "title"))))
        if rng.random() < 0.15:
            params.append(("page", "2"))
        if rng.random() < 0.5:
            params.append(("lang", rng.choice(("en", "es", "pt", "fr"))))
        out.append("/?" + urllib.parse.urlencode(params))
    return out


MAP_BUDGET_BYTES = 150 * 1024
TOOLS_BUDGET_P95_MS = 300.0


def tools_urls(base: str, n: int, seed: int) -> dict[str, list[str]]:
    """Varied requests of the map, corridor pages and comparisons, from what the map itself links to."""
    rng = random.Random(seed)
    html = fetch(base + "/map")[0].decode()
    corridors = re.findall(r'href="(/corridors/[A-Z]{2}-[A-Z]{2})"', html)[:40]
    ids = list(dict.fromkeys(re.findall(r'href="/entries/([a-z0-9-]+)', fetch(base + "/?per_page=100")[0].decode())))
    maps = []
    for _ in range(n):
        params = [(f, rng.choice(FACETS[f])) for f in rng.sample(["theme", "bloc", "language"], rng.choice((0, 1, 2)))]
        if rng.random() < 0.3:
            params.append(("q", rng.choice([w for w in WORDS if w])))
        if rng.random() < 0.2:
            params.append(("year_from", str(rng.choice((1990, 2000, 2010)))))
        maps.append("/map?" + urllib.parse.urlencode(params))
    return {"map": maps, "corridor": [rng.choice(corridors) for _ in range(n)],
            "compare": ["/compare?ids=" + ",".join(rng.sample(ids, rng.randint(2, 4))) for _ in range(n)]}


def measure_tools(base: str, n: int, seed: int) -> dict[str, dict]:
    out = {}
    for kind, urls in tools_urls(base, n, seed).items():
        for url in urls[:5]:  # warm-up
            fetch(base + url)
        sizes, timings = [], []
        for url in urls:
            body, ms = fetch(base + url)
            sizes.append(len(body))
            timings.append(ms)
        out[kind] = {"max_kb": max(sizes) / 1024, "median_kb": statistics.median(sizes) / 1024,
                     "p50": statistics.median(timings), "p95": percentile(timings, 95), "first": urls[0]}
    return out


def write_generated(instance: Path, entries: int, seed: int) -> None:
    """The shipped kb, then `entries` generated published practices, before the server's first start."""
    from bench.search_bench import WordPool, populate

    from migration_kb.config import Settings
    from migration_kb.db import open_database
    from migration_kb.importer import import_paths

    db = open_database(Settings.load(instance))
    try:
        import_paths(db, [ROOT / "kb"])
        populate(db, entries, seed, WordPool())
    finally:
        db.dispose()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--entries", type=int, default=0, help="generated practices written beside the kb")
    parser.add_argument("--tools-only", action="store_true", help="measure only the map, corridors and comparison")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="page-bench-") as tmp:
        print("starting migration-kb serve on a fresh instance (imports kb/, builds the index)...", flush=True)
        if args.entries:
            print(f"writing the kb and {args.entries:,} generated practices...", flush=True)
            write_generated(Path(tmp) / "instance", args.entries, args.seed)
        server = AppServer(Path(tmp) / "instance")
        try:
            tools = measure_tools(server.url, max(args.requests // 2, 20), args.seed)
            if args.tools_only:
                return report_tools(tools, args.entries)
            sizes = page_weight(server.url)
            urls = varied_searches(args.requests, args.seed)
            for url in urls[:20]:  # warm-up: open the index, fill the caches
                fetch(server.url + url)
            timings, statuses = [], {}
            for url in urls:
                try:
                    _, ms = fetch(server.url + url)
                    statuses[200] = statuses.get(200, 0) + 1
                except urllib.error.HTTPError as exc:
                    ms = 0.0
                    statuses[exc.code] = statuses.get(exc.code, 0) + 1
                timings.append(ms)
        finally:
            server.stop()

    total = sum(sizes.values())
    p50, p95 = statistics.median(timings), percentile(timings, 95)
    ok_bytes, ok_time = total < BUDGET_BYTES, p95 < BUDGET_P95_MS
    print(f"\nsearch page {SAMPLE_PAGE}")
    print("  " + ", ".join(f"{k} {v / 1024:.1f} KB" for k, v in sizes.items()))
    print(f"  transferred (before compression): {total / 1024:.1f} KB   budget < {BUDGET_BYTES // 1024} KB   "
          f"{'OK' if ok_bytes else 'OVER BUDGET'}")
    print(f"\n{len(timings)} varied search pages over HTTP (one at a time; statuses {statuses})")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(timings):.1f} ms   budget p95 < {BUDGET_P95_MS:.0f} ms   "
          f"{'OK' if ok_time else 'OVER BUDGET'}")
    return report_tools(tools, args.entries) | (0 if ok_bytes and ok_time else 1)


def report_tools(tools: dict[str, dict], entries: int) -> int:
    print(f"\nthe delegates' tools over HTTP ({'the shipped kb' if not entries else f'kb + {entries:,} practices'})")
    ok = True
    for kind, r in tools.items():
        within = r["p95"] < TOOLS_BUDGET_P95_MS and (kind != "map" or r["max_kb"] * 1024 < MAP_BUDGET_BYTES)
        ok &= within
        print(f"  {kind:8} HTML median {r['median_kb']:.1f} KB, largest {r['max_kb']:.1f} KB;   p50 {r['p50']:.1f} ms"
              f"   p95 {r['p95']:.1f} ms   {'OK' if within else 'OVER BUDGET'}   (e.g. {r['first']})")
    print(f"  budgets: /map under {MAP_BUDGET_BYTES // 1024} KB; p95 under {TOOLS_BUDGET_P95_MS:.0f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
