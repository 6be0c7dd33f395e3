"""Geometry for the server-side SVG pictures (spread timeline, site network).

These functions return plain dicts of numbers and strings; the templates turn them into SVG elements
with autoescape on, so labels taken from pages (site names, titles) are escaped like any other text.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
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


def parse_when(s: Any) -> datetime | None:
    """A stored date or time stamp as a UTC instant (a bare date at midnight UTC); None when absent or not one.
    Remembered per string: a big story's timeline, spread and first seen parse the same few hundred dates."""
    return _parse_when(s) if isinstance(s, str) or s is None else _parse_when(str(s))


@lru_cache(maxsize=8192)
def _parse_when(s: str | None) -> datetime | None:
    return _utc(str(s).strip(), (19, 10)) if s else None


def _utc(raw: str, cuts: tuple[int, ...]) -> datetime | None:
    """``raw`` (stripped) as a UTC instant: whole, else cut to each of ``cuts`` characters; None if none parses."""
    t = raw.replace("Z", "+00:00")
    for cut in (len(t), *cuts):
        try:
            d = datetime.fromisoformat(t[:cut])
        except ValueError:
            continue
        return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return None


def show_when(s: Any) -> str:
    """A stored date or time stamp as the pages print it: a bare date as it is (``YYYY-MM-DD``), a time stamp as
    ``YYYY-MM-DD HH:MM UTC`` (offsets folded into UTC, one format everywhere); text that is neither stays as it
    is, and nothing is ''."""
    if s is None or s == "":
        return ""
    raw = str(s).strip()
    if len(raw) == 10:
        return raw
    d = _utc(raw, (19,))   # never cut to a date: "2025-03-05junk" stays as it is, not "... 00:00 UTC"
    return d.strftime("%Y-%m-%d %H:%M UTC") if d is not None else raw


_STAMP = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")


def show_whens(text: Any) -> str:
    """``show_when`` for each time stamp inside a line of the store's own text (a trace evidence detail such as
    "2025-03-05 vs 2025-03-04T09:30:00+01:00"); never used on page content, which is shown as it was."""
    return _STAMP.sub(lambda m: show_when(m.group(0)), str(text))


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
    never = datetime.max.replace(tzinfo=timezone.utc)
    keyed = [((m.get("role") != "origin", t is None, t or never, m.get("site") or ""), i, m)
             for i, m in enumerate(members) for t in (parse_when(m.get("when")),)]
    keyed.sort(key=lambda x: (x[0], x[1]))
    rows = [m for _, _, m in keyed]
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
        when = show_when(m.get("when")) or "no date"
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


def _segment(pos: dict[str, tuple[float, float]], a: str, b: str):
    """(x1, y1, x2, y2, ux, uy): the line from site a to site b and its unit direction; None when either is not
    drawn or a is b."""
    if a not in pos or b not in pos or a == b:
        return None
    (x1, y1), (x2, y2) = pos[a], pos[b]
    d = math.hypot(x2 - x1, y2 - y1) or 1.0
    return x1, y1, x2, y2, (x2 - x1) / d, (y2 - y1) / d


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
        seg = _segment(pos, a, b)
        if seg is None:
            continue
        x1, y1, x2, y2, ux, uy = seg
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


# -- the whole network -----------------------------------------------------------------------------------
# operator groups told apart by colour (the biggest ten; a legend names them) and by a ring on grouped sites;
# colour-blind safe (Okabe-Ito and Tol's muted palette), none of them the edge colours
GROUP_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#cc79a7", "#882255", "#44aa99", "#999933",
                 "#aa4499", "#332288"]
EDGE_STYLES = {"credited": ("#1f5f8f", ""), "uncredited": ("#c23b22", "9,4"), "unknown": ("#888888", "2,3"),
               "identifier-strong": ("#6a3d9a", "1,3"), "identifier-weak": ("#b5b5b5", "1,3")}


def layout(sites: list[str], edges: list[tuple[str, str, float]], groups: dict[str, str],
           iterations: int = 70) -> dict[str, tuple[float, float]]:
    """Force-directed positions in the unit square (Fruchterman-Reingold on numpy, deterministic): edges and
    shared operator groups pull sites together, every pair pushes apart, a weak pull to the centre keeps
    separate components on the canvas."""
    import numpy as np

    n = len(sites)
    if n == 0:
        return {}
    if n == 1:
        return {sites[0]: (0.5, 0.5)}
    order = sorted(range(n), key=lambda i: (groups.get(sites[i]) is None, groups.get(sites[i]) or "", sites[i]))
    pos = np.zeros((n, 2))
    golden = math.pi * (3 - math.sqrt(5))
    for rank, i in enumerate(order):   # a spiral, groups next to each other: a good, stable start
        r = math.sqrt((rank + 0.5) / n) * 0.5
        pos[i] = (0.5 + r * math.cos(rank * golden), 0.5 + r * math.sin(rank * golden))
    idx = {s: i for i, s in enumerate(sites)}
    pair_w: dict[tuple[int, int], float] = {}
    for a, b, wt in edges:   # one spring per site pair, whatever the kinds and directions
        if a in idx and b in idx and a != b:
            key = (min(idx[a], idx[b]), max(idx[a], idx[b]))
            pair_w[key] = pair_w.get(key, 0.0) + max(0.0, wt)
    src = [a for a, _ in pair_w]
    dst = [b for _, b in pair_w]
    w = [1.0 + math.log1p(x) for x in pair_w.values()]
    by_group: dict[str, list[int]] = {}
    for s, g in groups.items():
        if s in idx and g:
            by_group.setdefault(g, []).append(idx[s])
    for members in by_group.values():   # a star inside each group: members pull together
        for j in members[1:]:
            src.append(members[0])
            dst.append(j)
            w.append(1.5)
    src_a, dst_a, w_a = np.array(src, dtype=np.intp), np.array(dst, dtype=np.intp), np.array(w)
    k = math.sqrt(1.0 / n)
    t = 0.1
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    for _ in range(iterations):
        # repulsion between every pair, on two n x n float32 planes (no n x n x 2 temporaries)
        dx = (x[:, None] - x[None, :]).astype(np.float32)
        dy = (y[:, None] - y[None, :]).astype(np.float32)
        inv = np.float32(k * k) / (dx * dx + dy * dy + np.float32(1e-9))
        fx = (dx * inv).sum(1, dtype=np.float64)
        fy = (dy * inv).sum(1, dtype=np.float64)
        if len(src_a):                                                   # attraction along edges
            ex, ey = x[src_a] - x[dst_a], y[src_a] - y[dst_a]
            s_ = np.sqrt(ex * ex + ey * ey) / k * w_a
            fx += np.bincount(dst_a, weights=ex * s_, minlength=n) - np.bincount(src_a, weights=ex * s_, minlength=n)
            fy += np.bincount(dst_a, weights=ey * s_, minlength=n) - np.bincount(src_a, weights=ey * s_, minlength=n)
        fx += (0.5 - x) * (0.5 * n * k)                                  # gravity
        fy += (0.5 - y) * (0.5 * n * k)
        ln = np.sqrt(fx * fx + fy * fy) + 1e-9
        step = np.minimum(ln, t) / ln
        x += fx * step
        y += fy * step
        t *= 0.95
    pos = np.stack([x, y], 1)
    lo, hi = pos.min(0), pos.max(0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    pos = (pos - lo) / span
    return {s: (float(pos[i, 0]), float(pos[i, 1])) for i, s in enumerate(sites)}


def edge_class(e: dict[str, Any]) -> str:
    if e["kind"] == "copy":
        cr = e.get("credit_rate")
        return "unknown" if cr is None else ("credited" if cr >= 0.5 else "uncredited")
    return "identifier-strong" if e.get("strong") else "identifier-weak"


MAX_EDGE_TIPS = 300   # the heaviest edges of the whole-network picture carry a hover text (the twins list all)


def network_canvas(n_sites: int) -> int:
    """The whole-network canvas side for a network of ``n_sites`` sites (grows with it, 720-2400 px)."""
    return int(min(2400, max(720, 90 * math.sqrt(max(n_sites, 1)))))


def whole_network(pos: dict[str, tuple[float, float]], edges: list[dict[str, Any]], groups: dict[str, str],
                  pages: dict[str, int], group_rank: dict[str, int], max_labels: int = 200,
                  size: int | None = None, sites: list[str] | None = None,
                  memo: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Geometry of the whole network: ``pos`` (unit square) scaled to a canvas that grows with the number of
    sites (``size``: the whole network's canvas, so a filtered view keeps every site where it is), nodes sized
    by pages and filled by operator group, edges styled by kind and credit, and labels for the best-connected
    sites wherever they do not overlap another label. ``sites``: the sites to draw (default: all of ``pos``).
    Each edge's drawing is worked out once and kept on the edge dict (``_geo``), each site's in ``memo``: a
    cached network is drawn again for every filter."""
    size = size or network_canvas(len(pos))
    pad = 40
    degree: dict[str, float] = {}
    for e in edges:
        for s in (e["site_a"], e["site_b"]):
            degree[s] = degree.get(s, 0.0) + float(e.get("weight") or 0)
    lines = []
    for i, e in enumerate(edges):
        geo = e.get("_geo")
        if geo is None or geo[0] != size:
            geo = (size, *_edge_lines(e, pos, size, pad))
            e["_geo"] = geo
        if geo[1] is not None:
            lines.append(geo[1] if i < MAX_EDGE_TIPS else geo[2])
    by_cls: dict[str, list[dict[str, Any]]] = {}
    for ln in lines:
        by_cls.setdefault(ln["cls"], []).append(ln)
    nodes = []
    placed: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}   # label boxes by grid cell
    cell = 160.0
    ranked = sorted(pos if sites is None else [s for s in sites if s in pos], key=lambda s: (-degree.get(s, 0), s))
    labelled = 0
    memo = {} if memo is None else memo
    for s in ranked:
        base = memo.get(s)
        if base is None or base["size"] != size:
            base = memo[s] = _node(s, pos[s], size, pad, pages, groups, group_rank)
        node = base
        if labelled < max_labels:
            x, y, r = base["x"], base["y"], base["r"]
            text = base["label_text"]
            wdt = 6.2 * len(text)
            box = (x - wdt / 2, y + r + 2, x + wdt / 2, y + r + 14)
            cells = [(cx, cy) for cx in range(int(box[0] // cell), int(box[2] // cell) + 1)
                     for cy in range(int(box[1] // cell), int(box[3] // cell) + 1)]
            if box[0] >= 0 and box[2] <= size and not any(
                    box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                    for k in cells for b in placed.get(k, ())):
                for k in cells:
                    placed.setdefault(k, []).append(box)
                node = dict(base, label={"text": text, "x": x, "y": round(y + r + 12, 1)})
                labelled += 1
        nodes.append(node)
    nodes.sort(key=lambda v: v["site"])
    groups_drawn = [{"cls": k, "colour": EDGE_STYLES[k][0], "dash": EDGE_STYLES[k][1],
                     "arrow": k if k in ("credited", "uncredited", "unknown") else None, "lines": v}
                    for k, v in sorted(by_cls.items())]
    return {"size": size, "nodes": nodes, "lines": lines, "edge_groups": groups_drawn, "labelled": labelled,
            "legend_edges": [{"cls": k, "colour": c, "dash": d} for k, (c, d) in EDGE_STYLES.items()]}


def _edge_lines(e: dict[str, Any], pos: dict[str, tuple[float, float]], size: int, pad: int
                ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """An edge's line on the canvas, with and without its hover text (None when an end is not placed)."""
    a, b = e["site_a"], e["site_b"]
    if a not in pos or b not in pos or a == b:
        return None, None
    span = size - 2 * pad
    xy = {a: (pad + pos[a][0] * span, pad + pos[a][1] * span), b: (pad + pos[b][0] * span, pad + pos[b][1] * span)}
    x1, y1, x2, y2, ux, uy = _segment(xy, a, b)
    cls = e.get("cls") or edge_class(e)
    colour, dash = EDGE_STYLES[cls]
    w = float(e.get("weight") or 1)
    if e["kind"] == "copy":
        tip = (f"{a} copied {int(w)} page(s) from {b}"
               + (f", {100 * e['credit_rate']:.0f}% credited" if e.get("credit_rate") is not None else ""))
        line = {"d": f"M{x1 + ux * 6:.0f},{y1 + uy * 6:.0f}L{x2 - ux * 9:.0f},{y2 - uy * 9:.0f}",
                "colour": colour, "dash": dash, "width": round(min(5.0, 0.8 + math.log1p(w) * 0.7), 1),
                "arrow": cls, "cls": cls}
    else:
        tip = f"{a} and {b} share {int(w)} {'strong ' if e.get('strong') else ''}identifier(s)"
        line = {"d": f"M{x1:.0f},{y1:.0f}L{x2:.0f},{y2:.0f}", "colour": colour, "dash": dash,
                "width": 1.4 if e.get("strong") else 1.0, "arrow": None, "cls": cls}
    return {**line, "tip": tip}, {**line, "tip": None}


def _node(s: str, p: tuple[float, float], size: int, pad: int, pages: dict[str, int], groups: dict[str, str],
          group_rank: dict[str, int]) -> dict[str, Any]:
    span = size - 2 * pad
    x, y = pad + p[0] * span, pad + p[1] * span
    r = round(3.5 + min(6.0, math.log1p(pages.get(s) or 0) * 0.8), 1)
    g = groups.get(s)
    gi = group_rank.get(g) if g else None
    fill = GROUP_COLOURS[gi] if gi is not None and gi < len(GROUP_COLOURS) else ("#ffffff" if not g else "#5a5a5a")
    return {"site": s, "x": round(x, 1), "y": round(y, 1), "r": r, "fill": fill, "group_id": g,
            "ring": bool(g), "label": None, "label_text": (s[:24] + "…") if len(s) > 25 else s, "size": size,
            "href": "/site/" + quote(s, safe=""),
            "tip": f"{s}: {pages.get(s) or 0} pages" + (f", operator group {g}" if g else "")}


MAX_FRAMES = 12


def _dot(x: float, y: float) -> str:
    """A zero-length path fragment at (x, y): drawn with a round line cap it is a dot as wide as the stroke, so
    many dots share one path element (a wider grey stroke under a narrower one gives them an outline)."""
    return f"M{x:.0f},{y:.0f}h0"


def spread_frames(members: list[dict[str, Any]], max_frames: int = MAX_FRAMES, size: int = 360) -> list[dict[str, Any]]:
    """A story's spread as a sequence of frames: sites on a circle (origin's site at the top, others in the
    order they first took the story up), and in frame k every page dated up to its cut, arrows from each copy's
    site to its source's site; pages new in the frame are drawn bold. Undated pages come in a last frame."""
    when_of = {m["page_id"]: parse_when(m.get("when")) for m in members}
    dated = sorted((m for m in members if when_of[m["page_id"]] and not m.get("backdated")),
                   key=lambda m: (m["role"] != "origin", when_of[m["page_id"]], m["page_id"]))
    dated_ids = {m["page_id"] for m in dated}
    late = [m for m in members if m["page_id"] not in dated_ids]
    order: list[str] = []
    for m in dated + late:
        if m.get("site") and m["site"] not in order:
            order.append(m["site"])
    width = size + 260                 # room for the labels beside the circle
    cx, cy = width / 2, size / 2
    rad = size / 2 - 30
    pos = {}
    base_nodes = []
    for i, s in enumerate(order):
        a = -math.pi / 2 + 2 * math.pi * i / max(1, len(order))
        x, y = cx + (0 if len(order) == 1 else rad * math.cos(a)), cy + (0 if len(order) == 1 else rad * math.sin(a))
        pos[s] = (x, y)
        side = "start" if x > cx + 5 else "end" if x < cx - 5 else "middle"
        base_nodes.append({"site": s, "x": round(x, 1), "y": round(y, 1),
                           "label": (s[:20] + "…") if len(s) > 21 else s, "anchor": side,
                           "tx": round(x + (12 if side == "start" else -12 if side == "end" else 0), 1),
                           "ty": round(y + 4 if side != "middle" else y + (22 if y >= cy else -14), 1),
                           "href": "/site/" + quote(s, safe="")})
    crowded = len(order) > 40   # too many sites on the circle to label them all: label the new ones only
    # cut points: after each of at most max_frames-1 evenly spaced members (a frame per member for small stories)
    k = max(1, min(len(dated), max_frames - (1 if late else 0)))
    cuts = sorted({max(1, round(len(dated) * (i + 1) / k)) for i in range(k)}) if dated else []
    frames = []
    shown: set[str] = set()
    site_of = {m["page_id"]: m.get("site") for m in members}
    steps = [(dated[:c], when_of[dated[c - 1]["page_id"]]) for c in cuts]
    if late:
        steps.append((dated + late, None))
    for i, (upto, when) in enumerate(steps):
        new = [m for m in upto if m["page_id"] not in shown]
        shown |= {m["page_id"] for m in upto}
        new_ids = {m["page_id"] for m in new}
        active = {m.get("site") for m in upto}
        arrows = {}
        for m in upto:
            src = site_of.get(m.get("parent_id") or "")
            if m["role"] == "origin" or not src or src == m.get("site") or m.get("site") not in pos or src not in pos:
                continue
            key = (m["site"], src)
            ar = arrows.setdefault(key, {"n": 0, "new": False, "kind": m.get("kind")})
            ar["n"] += 1
            ar["new"] = ar["new"] or m["page_id"] in new_ids
        lines = []
        for (a, b), ar in sorted(arrows.items()):
            (x1, y1), (x2, y2) = pos[a], pos[b]
            d = math.hypot(x2 - x1, y2 - y1) or 1.0
            ux, uy = (x2 - x1) / d, (y2 - y1) / d
            lines.append({"d": f"M{x1 + ux * 9:.1f},{y1 + uy * 9:.1f} L{x2 - ux * 12:.1f},{y2 - uy * 12:.1f}",
                          "new": ar["new"], "colour": kind_colour(ar["kind"]),
                          "tip": f"{a} copied {ar['n']} page(s) from {b}"})
        new_sites = {m.get("site") for m in new}
        nodes = [dict(v, on=v["site"] in active, new=v["site"] in new_sites,
                      show_label=v["site"] in active and (not crowded or v["site"] in new_sites))
                 for v in base_nodes]
        # light overview: sites not yet carrying it and sites carrying it since an earlier step are one path
        # each (circles as subpaths, no element per site); the new ones are drawn, linked and named one by one
        old_lines: dict[str, str] = {}    # arrows from earlier steps, one path per colour (thin, no heads)
        for ln in lines:
            if not ln["new"]:
                old_lines[ln["colour"]] = old_lines.get(ln["colour"], "") + ln["d"]
        idle = "".join(_dot(v["x"], v["y"]) for v in nodes if not v["on"])
        held = "".join(_dot(v["x"], v["y"]) for v in nodes if v["on"] and not v["new"])
        frames.append({"step": i + 1, "when": when.strftime("%Y-%m-%d %H:%M UTC") if when else "undated pages",
                       "pages": len(upto), "sites": len(active - {None}),
                       "new": [{"page_id": m["page_id"], "site": m.get("site"), "title": m.get("title"),
                                "kind": m.get("kind") if m["role"] != "origin" else "origin", "when": m.get("when")}
                               for m in new],
                       "size": size, "width": width, "nodes": nodes, "lines": lines, "old_lines": sorted(old_lines.items()), "idle_d": idle,
                       "held_d": held})
    return frames
