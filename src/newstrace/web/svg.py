"""Geometry for the server-side SVG pictures (spread timeline, site network).

These functions return plain dicts of numbers and strings; the templates turn them into SVG elements
with autoescape on, so labels taken from pages (site names, titles) are escaped like any other text.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

KIND_COLOURS = {
    "origin": "#222222", "full": "#c0392b", "partial": "#e67e22", "edited": "#8e44ad", "compilation": "#2c7fb8",
    "chain": "#16a085", "duplicate": "#7f8c8d", "translation": "#27ae60",
}


def kind_colour(kind: str | None) -> str:
    return KIND_COLOURS.get(kind or "", "#555555")


def parse_when(s: str | None) -> datetime | None:
    if not s:
        return None
    t = str(s).strip().replace("Z", "+00:00")
    for cut in (len(t), 19, 10):
        try:
            d = datetime.fromisoformat(t[:cut])
        except ValueError:
            continue
        return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return None


def timeline(members: list[dict[str, Any]], width: int = 860, max_rows: int = 80) -> dict[str, Any]:
    """Spread timeline: one row per member (origin first, then by time), a dot at its date, a line from its
    parent's dot, date ticks along the bottom. ``members`` have page_id, site, kind, role, parent_id, when."""
    rows = sorted(members, key=lambda m: (m.get("role") != "origin", parse_when(m.get("when")) is None,
                                          parse_when(m.get("when")) or datetime.max.replace(tzinfo=timezone.utc),
                                          m.get("site") or ""))
    hidden = max(0, len(rows) - max_rows)
    rows = rows[:max_rows]
    left, right, top, rh = 210, 60, 16, 20
    plot_w = width - left - right
    times = [t for t in (parse_when(m.get("when")) for m in rows) if t]
    t0 = min(times) if times else None
    t1 = max(times) if times else None
    span = max((t1 - t0).total_seconds(), 3600.0) if times else 1.0

    def x_of(t: datetime | None) -> float:
        if t is None or t0 is None:
            return float(left)
        return left + plot_w * (t - t0).total_seconds() / span

    pos = {}
    dots, labels = [], []
    for i, m in enumerate(rows):
        t = parse_when(m.get("when"))
        y = top + i * rh + rh / 2
        x = x_of(t)
        pos[m["page_id"]] = (x, y)
        kind = "origin" if m.get("role") == "origin" else (m.get("kind") or "copy")
        dots.append({"x": round(x, 1), "y": round(y, 1), "fill": kind_colour(kind) if t else "#ffffff",
                     "stroke": kind_colour(kind), "href": f"/article/{m['page_id']}",
                     "tip": f"{m.get('site') or ''} · {kind} · {m.get('when') or 'no date'}"})
        site = m.get("site") or ""
        labels.append({"x": left - 8, "y": round(y + 4, 1),
                       "text": (site[:28] + "…") if len(site) > 29 else site, "kind": kind})
    lines = []
    for m in rows:
        p = m.get("parent_id")
        if p in pos and m["page_id"] in pos:
            (x1, y1), (x2, y2) = pos[p], pos[m["page_id"]]
            lines.append({"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x2, 1), "y2": round(y2, 1)})
    height = top + len(rows) * rh + 34
    ticks = []
    if t0 is not None:
        n = 5
        for k in range(n + 1):
            t = t0 + timedelta(seconds=span * k / n)
            fmt = "%Y-%m-%d" if span > 3 * 86400 else "%m-%d %H:%M UTC"
            ticks.append({"x": round(left + plot_w * k / n, 1), "label": t.strftime(fmt)})
    return {"width": width, "height": height, "dots": dots, "labels": labels, "lines": lines, "ticks": ticks,
            "axis_y": height - 26, "left": left, "right": width - right, "hidden": hidden,
            "legend": [{"kind": k, "colour": c} for k, c in KIND_COLOURS.items()]}


def network(center: str, edges: list[dict[str, Any]], width: int = 640, height: int = 460,
            max_nodes: int = 24) -> dict[str, Any]:
    """Ego network of ``center``: neighbours on a circle (heaviest first), copy edges as arrows from the
    copying site to its source coloured by credit rate, identifier edges dashed (strong ones darker)."""
    weight: dict[str, float] = {}
    for e in edges:
        for s in (e["site_a"], e["site_b"]):
            if s != center:
                weight[s] = weight.get(s, 0.0) + float(e.get("weight") or 0)
    nbrs = sorted(weight, key=lambda s: (-weight[s], s))[:max_nodes]
    cx, cy, r = width / 2, height / 2, min(width, height) / 2 - 70
    pos = {center: (cx, cy)}
    for i, s in enumerate(nbrs):
        a = 2 * math.pi * i / max(1, len(nbrs)) - math.pi / 2
        pos[s] = (cx + r * math.cos(a), cy + r * math.sin(a))
    lines = []
    for e in edges:
        a, b = e["site_a"], e["site_b"]
        if a not in pos or b not in pos or a == b:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        d = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / d, (y2 - y1) / d
        w = float(e.get("weight") or 1)
        if e["kind"] == "copy":
            cr = e.get("credit_rate")
            colour = "#999999" if cr is None else ("#2e8b57" if cr >= 0.5 else "#c0392b")
            # a small sideways offset so a->b and b->a arrows do not overlap
            ox, oy = -uy * 4, ux * 4
            lines.append({"x1": round(x1 + ux * 12 + ox, 1), "y1": round(y1 + uy * 12 + oy, 1),
                          "x2": round(x2 - ux * 16 + ox, 1), "y2": round(y2 - uy * 16 + oy, 1),
                          "colour": colour, "width": round(min(6.0, 1 + math.log1p(w)), 2), "dash": "",
                          "arrow": True, "tip": f"{a} copied {int(w)} from {b}"})
        else:
            lines.append({"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x2, 1), "y2": round(y2, 1),
                          "colour": "#6a3d9a" if e.get("strong") else "#bbbbbb", "width": 1.5,
                          "dash": "5,4", "arrow": False,
                          "tip": f"{a} and {b} share {int(w)} identifier(s)"})
    nodes = []
    for s, (x, y) in pos.items():
        nodes.append({"x": round(x, 1), "y": round(y, 1), "r": 10 if s == center else 7, "site": s,
                      "label": (s[:26] + "…") if len(s) > 27 else s, "center": s == center,
                      "href": "/site/" + quote(s, safe=""), "ty": round(y + (24 if y >= cy else -14), 1)})
    return {"width": width, "height": height, "nodes": nodes, "lines": lines,
            "hidden": max(0, len(weight) - len(nbrs))}
