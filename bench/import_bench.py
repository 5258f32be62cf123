"""Import of N generated entry files through `migration-kb import`, timed; a re-import (all unchanged) too.

    .venv/bin/python bench/import_bench.py [--entries 10000]

Prints the figures; the target is under 60 s for 10,000 entries on the 2-core reference machine.
Peer in the same run: the bare cost of reading and parsing the same files (no validation, no database).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from migration_kb.entryfiles import entry_to_text
from migration_kb.records import validate_entry
from migration_kb.taxonomy import load

WORDS = ("migration", "agreement", "workers", "residence", "border", "consular", "social", "security", "protection",
         "rights", "labour", "recruitment", "integration", "documentation", "return", "programme", "regional",
         "bilateral", "ministry", "mobility")


def generate(folder: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    tax = load()
    themes, topics, countries = sorted(tax.themes), sorted(tax.topics), sorted(tax.countries)
    folder.mkdir(parents=True)
    for i in range(n):
        words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
        entry = validate_entry({
            "id": f"generated-{i:06d}", "title": words(6).capitalize(), "summary": words(40).capitalize() + ".",
            "language": rng.choice(["en", "es", "pt", "fr"]), "themes": rng.sample(themes, 2),
            "topics": rng.sample(topics, 3), "countries": rng.sample(countries, 2),
            "blocs": [rng.choice(sorted(tax.blocs))], "year_start": rng.randint(1960, 2024),
            "sources": [{"title": words(5), "publisher": "Generated ministry", "year": 2010}],
            "findings": [{"kind": "strength", "text": words(20)}, {"kind": "lesson", "text": words(20)}],
            "body": "\n\n".join(words(60) for _ in range(3)),
        })
        (folder / f"{entry.id}.md").write_text(entry_to_text(entry), encoding="utf-8")


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) / "entries"
        generate(files, args.entries)
        start = time.perf_counter()
        for path in files.glob("*.md"):
            text = path.read_text(encoding="utf-8")
            yaml.load(text.split("---\n", 2)[1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        parse_only = time.perf_counter() - start
        cli = [sys.executable, "-m", "migration_kb.cli", "--instance", str(Path(tmp) / "instance")]
        first = timed([*cli, "import", str(files)])
        again = timed([*cli, "import", str(files)])
        check = timed([*cli, "check", str(files)])
    print(f"entries                  {args.entries:>10,}")
    print(f"peer: read+parse only    {parse_only:>9.1f} s")
    print(f"check                    {check:>9.1f} s")
    print(f"import (all new)         {first:>9.1f} s   target < 60 s   {first / parse_only:.1f}x the parse-only peer")
    print(f"re-import (unchanged)    {again:>9.1f} s")


if __name__ == "__main__":
    main()
