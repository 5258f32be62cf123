"""Page budget of the delegates' search page: bytes transferred and latency, on the real server.

    .venv/bin/python bench/page_bench.py [--requests 200] [--seed 1]

Starts `migration-kb serve` on a temporary instance (it imports the shipped kb/ and builds the index, as
on a first start), then:

- bytes: a search page with results and active filters, plus the CSS and JS it links (no images, no
  fonts), as served before any compression; budget under 60 KB;
- latency: ~200 varied search pages (words in the four languages, facets, years, sorts, pages, languages),
  requested one after another over HTTP after a short warm-up; p50/p95/max; budget p95 under 100 ms.

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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="page-bench-") as tmp:
        print("starting migration-kb serve on a fresh instance (imports kb/, builds the index)...", flush=True)
        server = AppServer(Path(tmp) / "instance")
        try:
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
    return 0 if ok_bytes and ok_time else 1


if __name__ == "__main__":
    sys.exit(main())
