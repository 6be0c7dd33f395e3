"""Reads of the site listing for ``newstrace sites`` (tables ``sites``, ``site_edges``, ``site_groups``;
written by ingest and trace/network.py, read by the CLI)."""
from __future__ import annotations

import sqlite3
from typing import Any


def listing(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every site with its article count, copies it made and copies taken from it (copy edges), sites it
    shares identifiers with, its operator group and a role read from the copy counts."""
    rows = conn.execute(
        """SELECT s.site, s.name, s.pages AS articles,
                  COALESCE((SELECT CAST(sum(weight) AS INTEGER) FROM site_edges e
                            WHERE e.kind = 'copy' AND e.site_a = s.site), 0)
                      AS copies_made,
                  COALESCE((SELECT CAST(sum(weight) AS INTEGER) FROM site_edges e
                            WHERE e.kind = 'copy' AND e.site_b = s.site), 0)
                      AS copied_from_it,
                  (SELECT count(*) FROM site_edges e WHERE e.kind = 'identifier'
                      AND (e.site_a = s.site OR e.site_b = s.site)) AS identifier_links,
                  g.group_id AS operator_group
           FROM sites s LEFT JOIN site_groups g ON g.site = s.site
           ORDER BY s.pages DESC, s.site""").fetchall()
    out = []
    for r in rows:
        d = dict(r)
        made, taken = d["copies_made"], d["copied_from_it"]
        d["role"] = ("source and copier" if made and taken else "copier" if made else "source" if taken
                     else "no copies")
        out.append(d)
    return out
