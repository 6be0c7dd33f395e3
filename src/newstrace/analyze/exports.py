"""Exports of the actors step: ``actors``, ``relations``, ``flags`` rows and the actors graph (GEXF/GraphML).

Fields (issue 14): actors ``actor_id, name, kind, aliases, roles`` (+ mention count); relations ``url, subject,
type, object, negated, modality, evidence {start, end, text}, chain``; flags ``url, technique, span {start, end,
text}, speaker``. Spans are character offsets into the stored body of the article at ``url``.
"""
from __future__ import annotations

import sys
from typing import Any, Iterator

from ..store import actors as sa

WHAT = ("actors", "relations", "flags")


def iter_actor_rows(store, what: str) -> Iterator[dict[str, Any]]:
    if what == "actors":
        yield from sa.actor_rows(store.conn)
    elif what == "relations":
        for r in sa.relation_rows(store.conn):
            yield {k: r[k] for k in ("url", "subject", "type", "object", "negated", "modality", "evidence",
                                     "chain", "subject_name", "object_name")}
    elif what == "flags":
        for f in sa.flag_rows(store.conn):
            yield {k: f[k] for k in ("url", "technique", "span", "speaker", "quoted")}
    else:
        raise SystemExit(f"newstrace: unknown export {what!r}")


def build_actor_graph(store):
    """networkx MultiDiGraph: actors as nodes (label, kind, mentions), one edge per relation type between two
    actors (weight = how many times it is asserted, negated = how many of those are negated)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for a in sa.actor_rows(store.conn):
        g.add_node(a["actor_id"], label=a["name"], kind=a["kind"], mentions=int(a["mentions"]))
    for e in sa.graph_edges(store.conn):
        for n in (e["subject"], e["object"]):
            if n not in g:
                g.add_node(n, label=n, kind="", mentions=0)
        g.add_edge(e["subject"], e["object"], key=e["type"], type=e["type"], weight=float(e["weight"]),
                   negated=int(e["negated"] or 0))
    return g


def export_actor_graph(store, fmt: str, output: str | None) -> int:
    import networkx as nx

    g = build_actor_graph(store)
    target = output or sys.stdout.buffer
    if fmt == "graphml":
        nx.write_graphml(g, target)
    elif fmt == "gexf":
        nx.write_gexf(g, target)
    else:
        raise SystemExit(f"newstrace: graph format {fmt} not supported (gexf, graphml)")
    return g.number_of_edges()
