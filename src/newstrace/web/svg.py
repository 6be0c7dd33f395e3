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
    "origin": "#222222", "full": "#b03224", "partial": "#9c4a06", "edited": "#8e44ad", "compilation": "#1f5f8f",
    "chain": "#0d6655", "duplicate": "#56605f", "translation": "#1d6e3f",
}


# kinds told apart by shape as well as colour (colour-blind readers, print)
SHAPES = {"origin": "star", "full": "circle", "partial": "half", "edited": "diamond", "compilation": "square",
          "chain": "triangle", "duplicate": "ring", "translation": "hexagon"}


def shape_path(shape: str, x: float, y: float, r: float = 6.0) -> str:
    """An SVG path for a marker of ``shape`` centred at (x, y)."""
    def pts(k: int, rot: float, rr: float = r) -> str:
        ps = [(x + rr * math.cos(rot + 2 * math.pi * i / k), y + rr * math.sin(rot + 2 * math.pi * i / k))
              for i in range(k)]
        return "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in ps) + " Z"
    if shape == "square":
        return pts(4, math.pi / 4, r * 1.25)
    if shape == "diamond":
        return pts(4, 0, r * 1.3)
    if shape == "triangle":
        return pts(3, -math.pi / 2, r * 1.35)
    if shape == "hexagon":
        return pts(6, 0, r * 1.1)
    if shape == "star":
        ps = []
        for i in range(10):
            rr = r * 1.45 if i % 2 == 0 else r * 0.65
            a = -math.pi / 2 + math.pi * i / 5
            ps.append((x + rr * math.cos(a), y + rr * math.sin(a)))
        return "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in ps) + " Z"
    if shape == "half":   # a half-filled circle is drawn as a semicircle plus its outline
        return f"M{x - r:.1f},{y:.1f} A{r},{r} 0 0 1 {x + r:.1f},{y:.1f} Z"
    if shape == "ring":
        rr = r * 0.55
        return (f"M{x - r:.1f},{y:.1f} A{r},{r} 0 1 0 {x + r:.1f},{y:.1f} A{r},{r} 0 1 0 {x - r:.1f},{y:.1f} Z "
                f"M{x - rr:.1f},{y:.1f} A{rr},{rr} 0 1 1 {x + rr:.1f},{y:.1f} A{rr},{rr} 0 1 1 {x - rr:.1f},{y:.1f} Z")
    return f"M{x - r:.1f},{y:.1f} A{r},{r} 0 1 0 {x + r:.1f},{y:.1f} A{r},{r} 0 1 0 {x - r:.1f},{y:.1f} Z"


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


TICK_STEPS = [("h", 1), ("h", 3), ("h", 6), ("h", 12), ("d", 1), ("d", 2), ("d", 7), ("d", 14), ("m", 1), ("m", 3),
              ("m", 6), ("y", 1), ("y", 5)]
BACKDATED_HOURS = -1.0   # a copy dated more than an hour before its origin is flagged


def _floor(t: datetime, unit: str, n: int) -> datetime:
    if unit == "h":
        return t.replace(minute=0, second=0, microsecond=0, hour=t.hour - t.hour % n)
    if unit == "d":
        d = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if n == 7:   # weeks start on Monday
            d -= timedelta(days=d.weekday())
        return d
    if unit == "m":
        return t.replace(day=1, hour=0, minute=0, second=0, microsecond=0, month=t.month - (t.month - 1) % n)
    return t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0, year=t.year - t.year % n)


def _step(t: datetime, unit: str, n: int) -> datetime:
    if unit == "h":
        return t + timedelta(hours=n)
    if unit == "d":
        return t + timedelta(days=n)
    if unit == "m":
        m = t.month - 1 + n
        return t.replace(year=t.year + m // 12, month=m % 12 + 1)
    return t.replace(year=t.year + n)


def date_ticks(t0: datetime, t1: datetime, max_ticks: int = 7) -> list[tuple[datetime, str]]:
    """Calendar-true ticks between t0 and t1 (UTC): whole hours, days, Mondays, months or years, each labelled
    with exactly the instant it stands at, at most ``max_ticks``."""
    span = (t1 - t0).total_seconds()
    for unit, n in TICK_STEPS:
        size = {"h": 3600, "d": 86400, "m": 30 * 86400, "y": 365 * 86400}[unit] * n
        if span / size <= max_ticks:
            break
    fmt = {"h": "%m-%d %H:%M", "d": "%Y-%m-%d", "m": "%Y-%m", "y": "%Y"}[unit]
    out = []
    t = _floor(t0, unit, n)
    while t <= t1 and len(out) <= max_ticks + 2:
        if t >= t0:
            out.append((t, t.strftime(fmt)))
        t = _step(t, unit, n)
    return out


def site_label(m: dict[str, Any]) -> str:
    return m.get("site") or m.get("page_id") or "?"


def timeline(members: list[dict[str, Any]], width: int = 860, max_rows: int = 80) -> dict[str, Any]:
    """Spread timeline: one row per member (origin first, then by time, undated last), a dot at its date, a line
    from its parent's dot, calendar-true date ticks along the bottom. Undated pages sit in a separate "no date"
    column to the right of the time axis, never at some other page's date; a copy dated before its origin is
    drawn where its date says, with a warning mark. ``members`` have page_id, site, kind, role, parent_id, when,
    lag_hours."""
    rows = sorted(members, key=lambda m: (m.get("role") != "origin", parse_when(m.get("when")) is None,
                                          parse_when(m.get("when")) or datetime.max.replace(tzinfo=timezone.utc),
                                          m.get("site") or ""))
    hidden = max(0, len(rows) - max_rows)
    rows = rows[:max_rows]
    left, right, top, rh, undated_w = 210, 40, 16, 20, 80
    times = [t for t in (parse_when(m.get("when")) for m in rows) if t]
    has_undated = any(parse_when(m.get("when")) is None for m in rows)
    plot_right = width - right - (undated_w if has_undated else 0)
    plot_w = plot_right - left
    t0 = min(times) if times else None
    t1 = max(times) if times else None
    if t0 is not None and (t1 - t0).total_seconds() < 3600:
        t0, t1 = t0 - timedelta(minutes=30), t1 + timedelta(minutes=30)
    span = (t1 - t0).total_seconds() if times else 1.0
    undated_x = plot_right + undated_w / 2 + 10

    def x_of(t: datetime | None) -> float:
        if t is None:
            return undated_x
        return left + plot_w * (t - t0).total_seconds() / span

    pos = {}
    dots, labels, warnings = [], [], []
    for i, m in enumerate(rows):
        t = parse_when(m.get("when"))
        y = top + i * rh + rh / 2
        x = x_of(t)
        pos[m["page_id"]] = (x, y)
        kind = "origin" if m.get("role") == "origin" else (m.get("kind") or "copy")
        lag = m.get("lag_hours")
        backdated = (m.get("role") != "origin" and t is not None and lag is not None
                     and float(lag) < BACKDATED_HOURS)
        when = m.get("when") or "no date"
        tip = f"{m.get('site') or ''} · {kind} · {when}"
        if backdated:
            tip += f" · dated {abs(float(lag)) / 24:.1f} days BEFORE its origin: backdated or a wrong date"
            warnings.append({"x": round(x + 9, 1), "y": round(y + 4, 1)})
        dots.append({"x": round(x, 1), "y": round(y, 1), "fill": kind_colour(kind) if t else "#ffffff",
                     "stroke": kind_colour(kind), "href": f"/article/{m['page_id']}", "tip": tip,
                     "shape": SHAPES.get(kind, "circle"), "d": shape_path(SHAPES.get(kind, "circle"), x, y),
                     "dated": t is not None, "backdated": backdated, "label": f"{site_label(m)}, {kind}, {when}"})
        site = m.get("site") or ""
        labels.append({"x": left - 8, "y": round(y + 4, 1),
                       "text": (site[:28] + "…") if len(site) > 29 else site, "kind": kind})
    lines = []
    for m in rows:
        p = m.get("parent_id")
        if p in pos and m["page_id"] in pos and parse_when(m.get("when")) and \
                parse_when(next((r.get("when") for r in rows if r["page_id"] == p), None)):
            (x1, y1), (x2, y2) = pos[p], pos[m["page_id"]]
            lines.append({"x1": round(x1, 1), "y1": round(y1, 1), "x2": round(x2, 1), "y2": round(y2, 1)})
    height = top + len(rows) * rh + 34
    ticks = []
    if t0 is not None:
        for t, label in date_ticks(t0, t1):
            ticks.append({"x": round(x_of(t), 1), "label": label, "at": t.isoformat()})
    return {"width": width, "height": height, "dots": dots, "labels": labels, "lines": lines, "ticks": ticks,
            "axis_y": height - 26, "left": left, "right": plot_right, "hidden": hidden, "warnings": warnings,
            "undated": {"x": round(undated_x, 1), "x0": plot_right + 10} if has_undated else None,
            "legend": [{"kind": k, "colour": c, "d": shape_path(SHAPES.get(k, "circle"), 8, 8, 5)}
                       for k, c in KIND_COLOURS.items()]}


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
                          "tip": f"{a} and {b} share {int(w)} " + ("posts, quotes or captions" if e["kind"] == "shared"
                                                                   else "identifier(s)")})
    nodes = []
    for s, (x, y) in pos.items():
        nodes.append({"x": round(x, 1), "y": round(y, 1), "r": 10 if s == center else 7, "site": s,
                      "label": (s[:26] + "…") if len(s) > 27 else s, "center": s == center,
                      "href": "/site/" + quote(s, safe=""), "ty": round(y + (24 if y >= cy else -14), 1)})
    return {"width": width, "height": height, "nodes": nodes, "lines": lines,
            "hidden": max(0, len(weight) - len(nbrs))}
