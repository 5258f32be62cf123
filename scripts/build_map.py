#!/usr/bin/env python3
"""Build data/map/americas.json, the map's country shapes, once, from Natural Earth through world-atlas.

    npm install --no-save world-atlas@2.0.2     # Natural Earth 1:110m as TopoJSON (ISC; the data public domain)
    python scripts/build_map.py node_modules/world-atlas/countries-110m.json > data/map/americas.json

It decodes the TopoJSON, keeps the states of the Americas, projects them (equirectangular, longitudes
narrowed by cos 35°), rounds to whole units of the drawing and drops repeated points. States too small to
see or click at this scale (island states, Central America's smallest) get a marker in an inset column with a
leader line to where they are; states outside the Americas get a marker in a column of their own. Each state
has a node: where its number is written and its corridors meet.
"""

from __future__ import annotations

import json
import math
import sys

K = 6.0  # drawing units per degree of latitude
XK = K * math.cos(math.radians(35))
WEST, EAST, NORTH, SOUTH = -170.0, -30.0, 84.0, -57.0
SMALL = 20  # a shape narrower and shorter than this many units gets an inset marker
STEP = 24  # units between markers in a column

# ISO 3166-1 numeric (Natural Earth's ids) -> alpha-2, for the states of the Americas in data/taxonomy.
AMERICAS = {"028": "AG", "032": "AR", "044": "BS", "052": "BB", "084": "BZ", "068": "BO", "076": "BR", "124": "CA",
            "152": "CL", "170": "CO", "188": "CR", "192": "CU", "212": "DM", "214": "DO", "218": "EC", "222": "SV",
            "308": "GD", "320": "GT", "328": "GY", "332": "HT", "340": "HN", "388": "JM", "484": "MX", "558": "NI",
            "591": "PA", "600": "PY", "604": "PE", "659": "KN", "662": "LC", "670": "VC", "740": "SR", "780": "TT",
            "840": "US", "858": "UY", "862": "VE"}
BACKGROUND = {"304", "630", "238", "250"}  # Greenland, Puerto Rico, the Falklands, France (French Guiana)
# Where the states Natural Earth's 1:110m omits are (latitude, longitude of their capital or main island).
ISLANDS = {"AG": (17.07, -61.80), "BB": (13.19, -59.54), "DM": (15.41, -61.37), "GD": (12.12, -61.68),
           "KN": (17.30, -62.72), "LC": (13.91, -60.98), "VC": (13.25, -61.20), "MS": (16.74, -62.19),
           "AI": (18.22, -63.06), "BM": (32.31, -64.75), "VG": (18.42, -64.64), "KY": (19.31, -81.25),
           "TC": (21.69, -71.80), "CW": (12.17, -68.99), "AW": (12.52, -69.97)}
# The partner states outside the Americas in data/taxonomy, in the order their column lists them.
OVERSEAS = ("GB", "NL", "DE", "CH", "FR", "IT", "ES", "PT", "MA", "SN", "IN", "CN", "KR", "JP", "PH", "AU", "NZ")


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon - WEST) * XK, (NORTH - lat) * K


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs, indexes) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(points[1:] if out else points)
    return out


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def area(points) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))) / 2


def centroid(points) -> tuple[float, float]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a, cx, cy = a + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    return (cx / (3 * a), cy / (3 * a)) if a else points[0]


def path(rings) -> str:
    parts = []
    for r in rings:
        pts = []
        for x, y in r:
            p = (round(x), round(y))
            if not pts or pts[-1] != p:
                pts.append(p)
        if len(pts) >= 3:
            parts.append("M" + "L".join(f"{x} {y}" for x, y in pts) + "Z")
    return "".join(parts)


def inside(lon_lat_ring) -> bool:
    return all(WEST - 10 <= lon <= EAST + 5 and SOUTH - 5 <= lat <= NORTH + 2 for lon, lat in lon_lat_ring)


def main(source: str) -> dict:
    with open(source, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = decode_arcs(topo)
    shapes, nodes, land, inset = {}, {}, [], []
    for g in topo["objects"]["countries"]["geometries"]:
        code, gid = AMERICAS.get(g.get("id")), g.get("id")
        if code is None and gid not in BACKGROUND:
            continue
        rings = []
        for polygon in polygons(g):
            for r in (ring(arcs, p) for p in polygon):
                if inside(r):  # drops the Aleutians west of 180° and France in Europe
                    rings.append([project(lon, lat) for lon, lat in r])
        if code is None:
            land.append(path(rings))
            continue
        shapes[code] = path(rings)
        biggest = max(rings, key=area)
        xs, ys = [x for r in rings for x, _ in r], [y for r in rings for _, y in r]
        nodes[code] = [round(v, 1) for v in centroid(biggest)]
        if max(xs) - min(xs) < SMALL and max(ys) - min(ys) < SMALL:
            inset.append(code)
    for code, (lat, lon) in ISLANDS.items():
        nodes[code] = [round(v, 1) for v in project(lon, lat)]
        inset.append(code)
    # The inset column of small states east of the Caribbean, north to south, each with its leader line.
    x_inset = round(project(-36, 0)[0])
    top = round(project(0, 36)[1])
    where = {}
    for i, code in enumerate(sorted(inset, key=lambda c: nodes[c][1])):
        where[code] = nodes[code]
        nodes[code] = [x_inset, top + i * STEP]
    x_over = x_inset + 110
    overseas = {code: [x_over, round(project(0, 80)[1]) + 24 + i * STEP] for i, code in enumerate(OVERSEAS)}
    nodes.update(overseas)
    width = x_over + 60
    height = round(project(0, SOUTH)[1])
    return {"source": "Natural Earth 1:110m countries, through world-atlas 2.0.2 (scripts/build_map.py)",
            "width": width, "height": height, "shapes": dict(sorted(shapes.items())), "land": "".join(land),
            "nodes": dict(sorted(nodes.items())), "inset": dict(sorted(where.items())),
            "overseas": list(OVERSEAS), "inset_box": [x_inset - 16, top - 20, 120, len(inset) * STEP + 16],
            "overseas_box": [x_over - 16, overseas[OVERSEAS[0]][1] - 20, 70, len(OVERSEAS) * STEP + 16]}


if __name__ == "__main__":
    json.dump(main(sys.argv[1]), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
