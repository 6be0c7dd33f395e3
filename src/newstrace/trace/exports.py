"""Rows for ``newstrace export copies|stories|sites|shared`` and the site graph for Gephi (GEXF / GraphML)."""
from __future__ import annotations

import json
import sys
from typing import Any, Iterator

from ..store import decisions, network, shared

WHAT = ("copies", "stories", "sites", "shared")


def _j(x: str | None, default: Any) -> Any:
    if x is None:
        return default
    try:
        return json.loads(x)
    except (TypeError, ValueError):
        return default


def iter_trace_rows(store, what: str) -> Iterator[dict[str, Any]]:
    conn = store.conn
    if what == "copies":
        for r in decisions.copies_with_urls(conn):
            ct = _j(r["credited_to"], None)
            yield {
                "copy_url": r["copy_url"], "source_url": r["source_url"], "origin_url": r["origin_url"],
                "kind": r["kind"], "language_pair": r["language_pair"], "spans": _j(r["spans"], []),
                "shared_words": r["shared_words"],
                "coverage": {"copy": r["coverage_copy"], "source": r["coverage_source"]},
                "credited": r["credited"], "credited_to": ct, "confidence": r["confidence"],
                "evidence": _j(r["evidence"], []), "changes": _j(r["changes"], {}), "story_id": r["story_id"],
                "copy_site": r["copy_site"], "source_site": r["source_site"],
                "copy_id": r["copy_id"], "source_id": r["source_id"], "origin_id": r["origin_id"],
            }
    elif what == "stories":
        for s in decisions.stories_with_urls(conn):
            members = [dict(m) for m in decisions.members_with_urls(conn, s["story_id"])]
            yield {
                "story_id": s["story_id"], "origin_url": s["origin_url"], "title": s["title"], "size": s["size"],
                "sites": s["sites"], "languages": _j(s["languages"], []), "first_seen": s["first_seen"],
                "last_seen": s["last_seen"], "credit_rate": s["credit_rate"],
                "members": [{"url": m["url"], "site": m["site"], "role": m["role"], "kind": m["kind"],
                             "published": m["published"], "lag_hours": m["lag_hours"]} for m in members],
            }
    elif what == "sites":
        groups = {r[0]: (r[1], _j(r[2], [])) for r in network.groups(conn)}
        out_c, in_c, ids, sh = {}, {}, {}, {}
        for a, b, kind, w, strong, detail in network.edges(conn):     # ordered: ties keep one order on both
            d = _j(detail, {})
            if kind == "copy":
                out_c.setdefault(a, []).append({"from": b, "copies": int(w), "credit_rate": d.get("credit_rate")})
                in_c.setdefault(b, []).append({"by": a, "copies": int(w), "credit_rate": d.get("credit_rate")})
            elif kind == "shared":
                for x, y in ((a, b), (b, a)):
                    sh.setdefault(x, []).append({"site": y, "items": int(w), "kinds": d.get("kinds", {})})
            else:
                for x, y in ((a, b), (b, a)):
                    ids.setdefault(x, []).append({"site": y, "strong": bool(strong), "shared": d})
        for site, name, pages in network.sites(conn):
            gid, ev = groups.get(site, (None, []))
            yield {
                "site": site, "name": name, "pages": pages, "operator_group": gid,
                "copies_from": sorted(out_c.get(site, []), key=lambda x: -x["copies"]),
                "copied_by": sorted(in_c.get(site, []), key=lambda x: -x["copies"]),
                "shared_identifiers": ids.get(site, []), "group_evidence": ev,
                "shared_items": sorted(sh.get(site, []), key=lambda x: (-x["items"], x["site"])),
            }
    elif what == "shared":
        # pages sharing an embedded post, a quoted statement or a caption (not copies); spans are
        # [a_start, a_end, b_start, b_end] character offsets into each page's body
        for r in shared.iter_export(conn):
            yield {"a_url": r["a_url"], "b_url": r["b_url"], "item": r["item"], "spans": r["spans"],
                   "shared_words": r["shared_words"], "a_site": r["a_site"], "b_site": r["b_site"],
                   "a_id": r["a_id"], "b_id": r["b_id"]}
    else:
        raise SystemExit(f"newstrace: unknown export {what!r} (articles, problems, {', '.join(WHAT)}, graph)")


def build_graph(store):
    """networkx MultiDiGraph: sites as nodes; copy-flow edges (copying site -> source site), shared
    identifier edges (both directions not duplicated: one edge a -> b with kind=identifier) and shared-item
    edges (kind=shared, weak: pages of both carry the same posts, quotes or captions)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    conn = store.conn
    groups = {site: gid for site, gid, _ in network.groups(conn)}
    for site, name, pages in network.sites(conn):
        g.add_node(site, label=name or site, pages=int(pages or 0), operator_group=groups.get(site) or "")
    for a, b, kind, w, strong, detail in network.edges(conn):
        d = _j(detail, {})
        attrs = {"kind": kind, "weight": float(w), "strong": int(strong)}
        if kind == "copy":
            attrs["credit_rate"] = float(d.get("credit_rate") or 0.0)
            attrs["copies"] = int(d.get("copies") or w)
        elif kind == "shared":
            attrs["items"] = int(w)
        else:
            attrs["identifiers"] = "; ".join(f"{x['kind']}:{x['value']}" for x in d.get("strong", []) + d.get("weak", []))
        for n in (a, b):
            if n not in g:
                g.add_node(n, label=n, pages=0, operator_group=groups.get(n) or "")
        g.add_edge(a, b, key=kind, **attrs)
    return g


def export_graph(store, fmt: str, output: str | None) -> int:
    import networkx as nx

    g = build_graph(store)
    fmt = fmt.lower()
    if fmt not in ("gexf", "graphml"):
        raise SystemExit(f"newstrace: graph format {fmt} not supported (gexf, graphml)")
    target = output or sys.stdout.buffer
    if fmt == "gexf":
        nx.write_gexf(g, target)
    else:
        nx.write_graphml(g, target)
    return g.number_of_edges()
