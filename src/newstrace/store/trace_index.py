"""Table family ``trace_docs``, ``trace_bands``, ``trace_bands_new``, ``trace_unfinished``: the trace's candidate
index (per-article MinHash signature and LSH band keys, by article key), written and read by the trace's index phase.

Band keys live in two tables: ``trace_bands`` (written in key order by a rebuild, a first trace and the Spark
landing) and ``trace_bands_new`` (an increment's rows).  Random keys written into a store-sized B-tree rewrite most
of its leaf pages, so an increment cost as much as the store was large; written into the small table they cost
what the batch is, and ``merge_bands`` moves them into ``trace_bands`` in key order once they are a set share of
it (``TraceConfig.merge_share``: the stored index is rewritten about once per that share of growth, whatever its
size).
Every lookup reads both.

Functions never commit: the index phase wraps each step in one transaction.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .articles import lookup, marks, slices
from .records import ArticleKey, IndexedDoc, PendingDoc

TABLES = ("trace_bands", "trace_bands_new", "trace_docs", "trace_unfinished", "trace_item_keys", "trace_changed")
MARK = "trace_index"   # incremental_marks: every article up to this key was indexed, or is listed in trace_changed
BANDS = ("trace_bands", "trace_bands_new")
DOC_COLS = "rid, page_id, site, body_hash, words, minhash, paragraphs, indexed_at, keys"


def clear(conn) -> None:
    for t in TABLES:
        conn.execute(f"DELETE FROM {t}")
    conn.execute("DELETE FROM incremental_marks WHERE name = ?", (MARK,))


def page_cache(conn, size: int) -> int:
    """Set SQLite's page cache (PRAGMA semantics: negative = KiB) for this connection; returns the old value."""
    old = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size={int(size)}")
    return old


def memory_map(conn, size: int) -> int:
    """Set SQLite's memory-mapped I/O size in bytes for this connection (PRAGMA mmap_size; PostgreSQL ignores
    it); returns the old value."""
    old = conn.execute("PRAGMA mmap_size").fetchone()[0]
    conn.execute(f"PRAGMA mmap_size={int(size)}")
    return old


class Pending(list):
    """The pending articles (PendingDoc, in key order) and ``top``, the largest article key when they were
    listed (``mark_indexed`` records it once they are indexed)."""
    top: int | None = None


def pending(conn) -> Pending:
    """Articles not indexed yet or whose body changed since, in key order.  Once a run has recorded its mark
    (``mark_indexed``), only the articles after the mark and those listed in trace_changed (migration 0162's
    trigger) are read; before, or after the index was cleared, every article."""
    out = Pending()
    out.top = conn.execute("SELECT max(aid) FROM articles").fetchone()[0]
    r = conn.execute("SELECT aid FROM incremental_marks WHERE name = ?", (MARK,)).fetchone()
    sql = ("SELECT a.aid, a.page_id, a.body_hash, a.site FROM articles a LEFT JOIN trace_docs d ON d.rid = a.aid "
           "WHERE {} (d.rid IS NULL OR d.body_hash IS NOT a.body_hash) ORDER BY a.aid")
    if r is None or is_empty(conn):
        rows = conn.execute(sql.format(""))
    else:
        rows = conn.execute(sql.format("a.aid IN (SELECT aid FROM articles WHERE aid > ? UNION "
                                       "SELECT aid FROM trace_changed) AND"), (r[0],))
    out.extend(PendingDoc(*x) for x in rows)
    return out


def mark_indexed(conn, top: int | None) -> None:
    """A run's pending articles (every article up to ``top`` then) are indexed: the next ``pending`` starts
    after it, and a changed body listed so far is done once the index holds that body (one changed again by
    another writer since it was listed stays listed)."""
    if top is None:
        return
    conn.execute("INSERT INTO incremental_marks (name, aid) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "aid = excluded.aid", (MARK, top))
    conn.execute("DELETE FROM trace_changed WHERE aid <= ? AND EXISTS (SELECT 1 FROM trace_docs d JOIN articles a "
                 "ON a.aid = d.rid WHERE d.rid = trace_changed.aid AND d.body_hash = a.body_hash)", (top,))


def is_empty(conn) -> bool:
    return conn.execute("SELECT 1 FROM trace_docs LIMIT 1").fetchone() is None


def indexed(conn, keys: list[ArticleKey]) -> set[ArticleKey]:
    """The articles among ``keys`` already in the index."""
    out: set[ArticleKey] = set()
    for c in slices(keys):
        out.update(r[0] for r in conn.execute(f"SELECT rid FROM trace_docs WHERE rid IN ({marks(c)})", c))
    return out


def sites(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    return lookup(conn, "SELECT rid, site FROM trace_docs WHERE rid IN ({})", keys)


def words_and_keys(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, tuple]:
    """(words, band keys, item keys, MinHash signature) of indexed articles (keys as int64 bytes, the signature
    as uint32 bytes; None when not stored): what the trace's pre-check reads of a candidate's partner instead of
    its body."""
    out: dict[ArticleKey, tuple] = {}
    for c in slices(list(keys)):
        for rid, words, blob, items, sig in conn.execute(
                f"SELECT d.rid, d.words, d.keys, i.keys, d.minhash FROM trace_docs d "
                f"LEFT JOIN trace_item_keys i ON i.rid = d.rid WHERE d.rid IN ({marks(c)})", c):
            out[rid] = (words, blob, items, sig)
    return out


def write_item_keys(conn, rows: Iterable[tuple[ArticleKey, bytes]]) -> None:
    conn.executemany("INSERT INTO trace_item_keys (rid, keys) VALUES (?, ?) ON CONFLICT (rid) DO UPDATE "
                     "SET keys = excluded.keys", rows)


def without_item_keys(conn) -> list[ArticleKey]:
    """Indexed articles without item keys (indexed before migration 0110, or by the Spark trace)."""
    return [r[0] for r in conn.execute("SELECT d.rid FROM trace_docs d LEFT JOIN trace_item_keys i ON i.rid = d.rid "
                                       "WHERE i.rid IS NULL AND d.keys IS NOT NULL ORDER BY d.rid")]


def drop_item_keys(conn, keys: list[ArticleKey]) -> None:
    """Forget the item keys of these articles (their trace_docs rows are being rewritten: a changed body's old
    item keys must not reach the pre-check; without a row the pre-check aligns the pair)."""
    for c in slices(list(keys)):
        conn.execute(f"DELETE FROM trace_item_keys WHERE rid IN ({marks(c)})", c)


def write_docs(conn, docs: list[IndexedDoc]) -> None:
    drop_item_keys(conn, [d.rid for d in docs])
    conn.executemany(f"INSERT OR REPLACE INTO trace_docs ({DOC_COLS}) VALUES (?,?,?,?,?,?,?,?,?)", docs)


def write_bands(conn, bands: Iterable[tuple[int, ArticleKey]], new: bool = False) -> None:
    """(key, article) rows; sorted by key they fill the table in key order.  ``new``: an increment's rows, into
    ``trace_bands_new`` (merged later by ``merge_bands``)."""
    conn.executemany(f"INSERT OR IGNORE INTO {BANDS[new]} VALUES (?,?)", bands)


def merge_bands(conn, share: float) -> int:
    """Move ``trace_bands_new`` into ``trace_bands`` in key order when it holds at least ``share`` of the
    indexed articles (``share`` 0: always); returns the rows moved (0 when not yet due)."""
    new = conn.execute("SELECT count(*) FROM (SELECT DISTINCT rid FROM trace_bands_new) AS n").fetchone()[0]
    if not new or new < share * conn.execute("SELECT count(*) FROM trace_docs").fetchone()[0]:
        return 0
    n = conn.execute("SELECT count(*) FROM trace_bands_new").fetchone()[0]
    conn.execute("INSERT OR IGNORE INTO trace_bands (key, rid) SELECT key, rid FROM trace_bands_new ORDER BY key, rid")
    conn.execute("DELETE FROM trace_bands_new")
    return n


def mark_unfinished(conn, keys: Iterable[ArticleKey]) -> None:
    conn.executemany("INSERT OR IGNORE INTO trace_unfinished VALUES (?)", [(k,) for k in keys])


def clear_unfinished(conn) -> None:
    conn.execute("DELETE FROM trace_unfinished")


def drop_unfinished(conn) -> None:
    """trace_docs rows whose band keys were never stored (a killed run; rows left with an empty ``indexed_at``
    before migration 0011 were listed in trace_unfinished by migration 0161)."""
    conn.execute("INSERT OR IGNORE INTO trace_changed (aid) SELECT rid FROM trace_unfinished")   # pending again
    conn.execute("DELETE FROM trace_item_keys WHERE rid IN (SELECT rid FROM trace_unfinished)")
    conn.execute("DELETE FROM trace_docs WHERE rid IN (SELECT rid FROM trace_unfinished)")
    conn.execute("DELETE FROM trace_unfinished")


def drop_bands(conn, keys: list[ArticleKey]) -> None:
    """Delete the stored band keys of these articles (by primary key, from the keys kept in trace_docs)."""
    legacy = []
    for c in slices(keys):
        for rid, blob in conn.execute(f"SELECT rid, keys FROM trace_docs WHERE rid IN ({marks(c)})", c):
            if blob is None:
                legacy.append(rid)
            else:
                rows = [(k2, rid) for k2 in np.frombuffer(blob, dtype=np.int64).tolist()]
                for t in BANDS:
                    conn.executemany(f"DELETE FROM {t} WHERE key = ? AND rid = ?", rows)
    for c in slices(legacy):   # indexed before migration 0008: no keys kept, a scan
        for t in BANDS:
            conn.execute(f"DELETE FROM {t} WHERE rid IN ({marks(c)})", c)


def candidates(conn, keys_of: dict[ArticleKey, np.ndarray], max_bucket: int,
               shared: dict[tuple[ArticleKey, ArticleKey], int] | None = None) -> set[tuple[ArticleKey, ArticleKey]]:
    """Pairs (a < b) sharing a band key with one of the given articles, buckets over ``max_bucket`` excluded.
    ``shared``, when given, receives how many of those keys each pair shares (the articles' keys are unique)."""
    if not keys_of:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _q (key INTEGER NOT NULL, rid INTEGER NOT NULL)")
    conn.execute("DELETE FROM _q")
    conn.executemany("INSERT INTO _q VALUES (?,?)",
                     ((int(k), rid) for rid, ks in keys_of.items() for k in ks))
    conn.execute("CREATE INDEX IF NOT EXISTS _q_key ON _q(key)")
    pairs: set[tuple[int, int]] = set()
    # a bucket is counted up to max_bucket + 1 rows only: what a lookup costs stays bounded by the cap, not by
    # how many articles of the store carry a common key
    # (both band tables, each with its own lookup: a UNION ALL view would hide the key from SQLite's planner)
    sql = """
        WITH qk AS (SELECT DISTINCT key FROM _q),
             pop AS (SELECT qk.key FROM qk WHERE (SELECT count(*) FROM (SELECT 1 FROM trace_bands b
                     WHERE b.key = qk.key LIMIT ?) AS bucket) + (SELECT count(*) FROM (SELECT 1 FROM
                     trace_bands_new b WHERE b.key = qk.key LIMIT ?) AS bucket) <= ?)
        SELECT x, y, count(*) FROM (
            SELECT q.rid AS x, b.rid AS y FROM _q q JOIN pop USING(key) JOIN trace_bands b ON b.key = q.key
            WHERE b.rid != q.rid
            UNION ALL
            SELECT q.rid AS x, b.rid AS y FROM _q q JOIN pop USING(key) JOIN trace_bands_new b ON b.key = q.key
            WHERE b.rid != q.rid) AS m
        GROUP BY x, y
    """
    for x, y, n in conn.execute(sql, (max_bucket + 1, max_bucket + 1, max_bucket)):
        p = (x, y) if x < y else (y, x)
        pairs.add(p)
        if shared is not None and n > shared.get(p, 0):   # (a pair of two given articles is met from both)
            shared[p] = n
    conn.execute("DELETE FROM _q")
    return pairs


def boilerplate_keys(conn, keys: Iterable[int], min_pages: int = 3) -> set[int]:
    """Passage keys carried by at least ``min_pages`` articles of one site."""
    keys = list(set(int(k) for k in keys))
    if not keys:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _k (key INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM _k")
    conn.executemany("INSERT OR IGNORE INTO _k VALUES (?)", ((k,) for k in keys))
    # CROSS JOIN fixes SQLite's join order: the keys asked about first, then their buckets by primary key.
    # With a plain JOIN SQLite scanned the whole band table and looked each row up in _k (its cost grew with
    # the store: 1,500 articles' keys took 1.6 CPU s at 40k articles, 4.9 at 160k; 0.75 and 1.0 now)
    out = {r[0] for r in conn.execute(
        "SELECT key FROM (SELECT b.key, b.rid, d.site FROM _k CROSS JOIN trace_bands b CROSS JOIN trace_docs d "
        "WHERE b.key = _k.key AND d.rid = b.rid UNION SELECT b.key, b.rid, d.site FROM _k CROSS JOIN "
        "trace_bands_new b CROSS JOIN trace_docs d WHERE b.key = _k.key AND d.rid = b.rid) AS m "
        "GROUP BY key, site HAVING count(*) >= ?", (min_pages,))}
    conn.execute("DELETE FROM _k")
    return out
