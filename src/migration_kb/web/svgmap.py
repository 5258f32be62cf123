"""The map of cooperation drawn as SVG on the server: shapes shaded by count, corridors as curves.

The shapes come from data/map/americas.json (scripts/build_map.py, Natural Earth); this module only places
what a page shows on them: each state's shade and number, and a line for each corridor, thicker with more
practices. Shades are the coverage map's (reads/coverage.py), so both maps read alike.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache

from ..config import resource_dir
from ..reads.corridors import Corridor
from ..reads.coverage import Coverage

FILLS = ("#f4f1ee", "#eef5fc", "#cfe2f5", "#9cc3ea", "#2f6fb3", "#0b3f78")  # level 0 (none) to 5, as the coverage map
INKS = ("#1b1f24", "#1b1f24", "#1b1f24", "#1b1f24", "#fff", "#fff")  # numbers written on a marker of that level
MAX_LINE = 6.0  # drawing units: the heaviest corridor's line


@cache
def shapes() -> dict:
    return json.loads((resource_dir("data") / "map" / "americas.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Line:
    corridor: Corridor
    d: str  # the SVG path: a gentle curve, so lines between neighbours of one state do not lie on each other
    width: float


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    shaded: Coverage  # one row ("all") of counts per state: its level() and legend()
    shapes: dict[str, str]
    land: str
    nodes: dict[str, list[float]]
    inset: dict[str, list[float]]  # small states: where they really are (their marker is in the inset column)
    overseas: list[str]
    inset_box: list[int]
    overseas_box: list[int]
    lines: list[Line]
    levels: dict[str, int]  # each state's shade, worked out once (a page asks for it hundreds of times)

    def count(self, code: str) -> int:
        return self.shaded.count("all", code)

    def fill(self, code: str) -> str:
        return FILLS[self.levels[code]]

    def ink(self, code: str) -> str:
        return INKS[self.levels[code]]

    def legend(self) -> list[tuple[str, int, int]]:
        return [(FILLS[level], low, high) for level, low, high in self.shaded.legend()]

    def line_legend(self) -> list[tuple[int, float]]:
        """(practices, line width) for a few weights that occur."""
        weights = sorted({line.corridor.weight for line in self.lines})
        if not weights:
            return []
        shown = sorted({weights[0], weights[len(weights) // 2], weights[-1]})
        return [(w, line_width(w, weights[-1])) for w in shown]


def line_width(weight: int, top: int) -> float:
    """Area-like growth: a corridor of four practices is twice as thick as one of one."""
    return round(1.2 + (MAX_LINE - 1.2) * (math.sqrt(weight) - 1) / max(math.sqrt(top) - 1, 1), 1)


def curve(p: list[float], q: list[float]) -> str:
    (x0, y0), (x1, y1) = p, q
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) < 2:  # two markers of one column: a loop out to the west, clear of the markers between them
        return f"M{x0:.0f} {y0:.0f}Q{mx - max(abs(dy) * 0.6, 50):.0f} {my:.0f} {x1:.0f} {y1:.0f}"
    bend = 0.15  # of the length, to the left of the way from p to q
    return f"M{x0:.0f} {y0:.0f}Q{mx - dy * bend:.0f} {my + dx * bend:.0f} {x1:.0f} {y1:.0f}"


def draw(counts: dict[str, int], corridors: list[Corridor]) -> Drawing:
    data = shapes()
    nodes = data["nodes"]
    states = list(nodes)
    shaded = Coverage(["all"], states, {"all": {c: counts.get(c, 0) for c in states}})
    top = max((c.weight for c in corridors), default=1)
    lines = [Line(c, curve(nodes[c.a], nodes[c.b]), line_width(c.weight, top))
             for c in corridors if c.a in nodes and c.b in nodes]
    top_level = {n: shaded.level(n) for n in set(shaded.counts["all"].values())}
    return Drawing(data["width"], data["height"], shaded, data["shapes"], data["land"], nodes, data["inset"],
                   data["overseas"], data["inset_box"], data["overseas_box"], lines[::-1],  # heaviest drawn last
                   {c: top_level[n] for c, n in shaded.counts["all"].items()})
