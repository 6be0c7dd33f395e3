"""Reads of the Spark engine (src/newstrace/spark/): articles by key range for its executors, and the linked
translation pairs the driver's translate phase wrote.  Read only; portable SQL (SQLite now, PostgreSQL when
its backend lands)."""
from __future__ import annotations

from typing import Iterator

from . import trace_index
from .records import ArticleKey


def key_range(conn) -> tuple[int, int, int]:
    """(smallest key, largest key, number of articles); (0, -1, 0) for an empty store."""
    lo, hi, n = conn.execute("SELECT MIN(aid), MAX(aid), COUNT(*) FROM articles").fetchone()
    return (0, -1, 0) if not n else (int(lo), int(hi), int(n))


def articles_between(conn, lo: ArticleKey, hi: ArticleKey) -> Iterator[tuple]:
    """(key, page_id, body_hash, site, body) of the articles with lo <= key <= hi, in key order."""
    return conn.execute(
        "SELECT aid, page_id, body_hash, site, COALESCE(body, '') FROM articles WHERE aid BETWEEN ? AND ? "
        "ORDER BY aid", (lo, hi))


def translation_edges(conn) -> Iterator[tuple[ArticleKey, ArticleKey]]:
    """(a, b) of every linked translation pair."""
    return conn.execute("SELECT a, b FROM trace_pairs WHERE linked = 1 AND method = 'translation'")


def counts_by_range(conn, lo: ArticleKey, size: int) -> dict[int, int]:
    """{range number: articles} with range number (key - lo) // size (the docs tasks' key ranges)."""
    return {int(g): int(n) for g, n in conn.execute(
        "SELECT (aid - ?) / ? AS g, COUNT(*) FROM articles GROUP BY 1", (lo, size))}


def align_inputs(conn, keys) -> dict[int, tuple[str, str, str]]:
    """{key: (site, body_hash, body)} of the articles ``keys`` (what an align task reads of each body)."""
    from .articles import marks, slices

    out: dict[int, tuple[str, str, str]] = {}
    for c in slices(keys, 500):
        for aid, site, bh, body in conn.execute(
                f"SELECT aid, site, body_hash, COALESCE(body, '') FROM articles WHERE aid IN ({marks(c)})", c):
            out[int(aid)] = (site, bh, body)
    return out


# -- bulk landing: COPY on PostgreSQL, the store's own writers on SQLite ----------------------------------
def bulk(conn, table: str, cols: str | None, items, sqlite_write, row=tuple) -> int:
    """``items`` into ``table``, which the caller's transaction has emptied: on PostgreSQL one ``COPY … FROM
    STDIN`` of ``row(item)`` (psycopg 3 ``cursor.copy``, in the same transaction), on SQLite
    ``sqlite_write(conn, items)`` (the store module's own INSERT).  ``cols``: the column list of the rows
    (None: every column in table order, as the positional INSERTs write them).  Returns the rows written."""
    from . import backend

    items = items if isinstance(items, list) else list(items)
    if not items:
        return 0
    if backend.dialect(conn) != backend.POSTGRESQL:
        sqlite_write(conn, items)
        return len(items)
    with conn._lock:
        conn._begin_if_needed("INSERT")
        target = f"{table} ({cols})" if cols else table
        with conn.raw.cursor() as cur:
            with cur.copy(f"COPY {target} FROM STDIN") as cp:
                for x in items:
                    cp.write_row(row(x))
    return len(items)


# both band tables (store/trace_index.py); the key condition is pushed into each arm of the UNION ALL
BANDS = "(" + " UNION ALL ".join(f"SELECT key, rid FROM {t}" for t in trace_index.BANDS) + ")"


def stored_band_rows(conn, keys, max_bucket: int) -> tuple[list, list, list, list]:
    """What the stored index holds of these band keys, for an incremental Spark run: (key, rid, site, count)
    columns with one row per stored member (count 1) of a key held by at most ``max_bucket`` stored articles,
    and for a larger key one row per (key, site) with its count (rid -1): enough to count buckets and a
    site's articles per key, without listing a boilerplate key's thousands of members."""
    from .articles import marks, slices

    ks, rs, ss, ws = [], [], [], []
    for c in slices(sorted({int(k) for k in keys}), 500):
        small: set[int] = set()
        tot: dict[int, int] = {}
        by_site = conn.execute(
            f"SELECT b.key, d.site, COUNT(*) FROM {BANDS} b JOIN trace_docs d ON d.rid = b.rid "
            f"WHERE b.key IN ({marks(c)}) GROUP BY b.key, d.site", c).fetchall()
        for k, _, n in by_site:
            tot[k] = tot.get(k, 0) + n
        for k, site, n in by_site:
            if tot[k] > max_bucket:
                ks.append(k), rs.append(-1), ss.append(site or ""), ws.append(n)
            else:
                small.add(k)
        if small:
            sm = sorted(small)
            for k, rid, site in conn.execute(
                    f"SELECT b.key, b.rid, d.site FROM {BANDS} b JOIN trace_docs d ON d.rid = b.rid "
                    f"WHERE b.key IN ({marks(sm)})", sm):
                ks.append(k), rs.append(rid), ss.append(site or ""), ws.append(1)
    return ks, rs, ss, ws


def stored_boilerplate(conn, keys, min_pages: int = 3) -> set[int]:
    """The keys among ``keys`` carried by at least ``min_pages`` stored articles of one site (store/trace_index.py
    ``boilerplate_keys`` without its temporary table: executors read the store read-only)."""
    from .articles import marks, slices

    out: set[int] = set()
    for c in slices(sorted({int(k) for k in keys}), 500):
        out.update(r[0] for r in conn.execute(
            f"SELECT b.key FROM {BANDS} b JOIN trace_docs d ON d.rid = b.rid WHERE b.key IN ({marks(c)}) "
            "GROUP BY b.key, d.site HAVING COUNT(*) >= ?", c + [min_pages]))
    return out
