"""Table family ``site_edges``, ``site_groups``: the site network (written by the trace's network phase from
copies and identifiers, read by web/ and export).  Functions never commit."""
from __future__ import annotations

from typing import Iterable, Iterator

from .records import SiteEdge, SiteGroup, dumps

TABLES = ("site_edges", "site_groups")


def clear(conn) -> None:
    for t in TABLES:
        conn.execute(f"DELETE FROM {t}")


def copy_flows(conn) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(copying site, source site, kind, credited, copy url, source url) of every copy but duplicates."""
    return conn.execute(
        "SELECT ca.site, sa.site, c.kind, c.credited, ca.url, sa.url FROM copies c "
        "JOIN articles ca ON ca.page_id = c.copy_id JOIN articles sa ON sa.page_id = c.source_id "
        "WHERE c.kind != 'duplicate' ORDER BY c.copy_id, c.source_id")


def site_page_counts(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT site, count(*) FROM articles GROUP BY site").fetchall())


def identifiers(conn) -> Iterator[tuple[str, str, str, str]]:
    """(site, page_id, kind, value) of every identifier on an article."""
    return conn.execute("SELECT a.site, i.page_id, i.kind, i.value FROM identifiers i JOIN articles a USING(page_id)")


def copy_sources(conn) -> Iterator[tuple[str, str, str | None]]:
    """(copy page_id, its source's site, its origin's site) of every copy."""
    return conn.execute(
        "SELECT c.copy_id, sa.site, oa.site FROM copies c JOIN articles sa ON sa.page_id = c.source_id "
        "LEFT JOIN articles oa ON oa.page_id = c.origin_id")


def write(conn, edges: Iterable[SiteEdge], groups: Iterable[SiteGroup]) -> None:
    """Replace the whole network."""
    clear(conn)
    conn.executemany("INSERT INTO site_edges VALUES (?,?,?,?,?,?)",
                     [(e.site_a, e.site_b, e.kind.value, e.weight, int(e.strong), dumps(e.detail)) for e in edges])
    conn.executemany("INSERT INTO site_groups VALUES (?,?,?)", [(g.site, g.group_id, dumps(g.evidence)) for g in groups])


# -- reads for exports and the graph (trace/exports.py) ------------------------------------------------------
def groups(conn) -> list[tuple[str, str, str]]:
    """(site, group_id, evidence JSON) of every site."""
    return conn.execute("SELECT site, group_id, evidence FROM site_groups").fetchall()


def edges(conn) -> list[tuple[str, str, str, float, int, str]]:
    """(site_a, site_b, kind, weight, strong, detail JSON), by kind and sites (the same order on both backends:
    a table's physical order is not)."""
    return conn.execute("SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges "
                        "ORDER BY kind, site_a, site_b").fetchall()


def sites(conn) -> list[tuple[str, str | None, int]]:
    """(site, name, pages) of every site, by site."""
    return conn.execute("SELECT site, name, pages FROM sites ORDER BY site").fetchall()
