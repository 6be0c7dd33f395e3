"""The persisted candidate index: per-article MinHash signature and LSH band keys (document and
paragraph level) in ``trace_docs`` / ``trace_bands``, and the pairs already aligned in ``trace_pairs``.

New (or changed) articles are indexed, then looked up against every stored band key; a pair is
a candidate when it shares a document band or a paragraph band.  Bands shared by very many
articles (boilerplate paragraphs that escaped furniture removal) are ignored.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Iterable

import numpy as np

from .text import DOC_BANDS, PARA_BANDS, Doc, band_keys, signatures, tokenize

log = logging.getLogger(__name__)

MAX_BUCKET = 60      # a band key shared by more articles than this is boilerplate, not copying


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def pending_docs(conn) -> list[tuple[int, str, str, str]]:
    """(rid, page_id, body_hash, site) of articles not indexed yet or whose body changed since."""
    return [tuple(r) for r in conn.execute(
        "SELECT a.rowid, a.page_id, a.body_hash, a.site FROM articles a LEFT JOIN trace_docs d ON d.rid = a.rowid "
        "WHERE d.rid IS NULL OR d.body_hash IS NOT a.body_hash ORDER BY a.rowid")]


def doc_keys(doc: Doc) -> np.ndarray:
    """Band keys of a tokenised body (document bands, then PARA_BANDS per passage chunk); sets doc.chunks
    and doc.chunk_keys ([n_chunks, PARA_BANDS])."""
    sig, paras = signatures(doc)
    keys = band_keys(sig, paras)
    nd = DOC_BANDS if sig is not None else 0
    doc.chunk_keys = keys[nd:].reshape(-1, PARA_BANDS)
    doc.sig = sig
    return keys


def boilerplate_keys(conn, keys: Iterable[int], min_pages: int = 3) -> set[int]:
    """Passage keys carried by at least ``min_pages`` articles of one site: furniture that escaped
    removal (a page's own boilerplate), never evidence of copying."""
    keys = list(set(int(k) for k in keys))
    if not keys:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _k (key INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM _k")
    conn.executemany("INSERT OR IGNORE INTO _k VALUES (?)", ((k,) for k in keys))
    out = {r[0] for r in conn.execute(
        "SELECT b.key FROM _k JOIN trace_bands b ON b.key = _k.key JOIN trace_docs d ON d.rid = b.rid "
        "GROUP BY b.key, d.site HAVING count(*) >= ?", (min_pages,))}
    conn.execute("DELETE FROM _k")
    return out


def mask_of(doc: Doc, boiler: set[int]) -> np.ndarray | None:
    """Boolean mask over doc.ng: n-grams inside boilerplate passage chunks."""
    if not boiler or doc.chunks is None or not len(doc.chunks):
        return None
    m = None
    for (s, e), ks in zip(doc.chunks, doc.chunk_keys):
        if int(ks[0]) in boiler or int(ks[1]) in boiler:
            if m is None:
                m = np.zeros(len(doc.ng), dtype=bool)
            m[s:e] = True
    return m


def load_bodies(conn, rids: Iterable[int]) -> dict[int, str]:
    rids = list(rids)
    out = {}
    for k in range(0, len(rids), 900):
        chunk = rids[k:k + 900]
        q = "SELECT rowid, body FROM articles WHERE rowid IN (%s)" % ",".join("?" * len(chunk))
        out.update({r[0]: r[1] or "" for r in conn.execute(q, chunk)})
    return out


def index_docs(conn, items: list[tuple[int, str, str, str, Doc]]) -> dict[int, np.ndarray]:
    """Compute signatures and band keys for (rid, page_id, body_hash, site, doc) and store them (one
    transaction).  Returns {rid: band keys}."""
    rows, bands, keys_of = [], [], {}
    ts = now_iso()
    for rid, pid, bh, site, doc in items:
        keys = np.unique(doc_keys(doc))
        keys_of[rid] = keys
        sig = doc.sig
        rows.append((rid, pid, site, bh, doc.n, sig.tobytes() if sig is not None else None, len(doc.chunks or []), ts))
        bands.extend((int(k), rid) for k in keys)
    rid_list = [r[0] for r in rows]
    with conn:
        for k in range(0, len(rid_list), 900):
            chunk = rid_list[k:k + 900]
            conn.execute("DELETE FROM trace_bands WHERE rid IN (%s)" % ",".join("?" * len(chunk)), chunk)
        conn.executemany("INSERT OR REPLACE INTO trace_docs VALUES (?,?,?,?,?,?,?,?)", rows)
        bands.sort()
        conn.executemany("INSERT OR IGNORE INTO trace_bands VALUES (?,?)", bands)
    return keys_of


def store_index(conn, rows: list[tuple], clear: bool = False) -> dict[int, np.ndarray]:
    """Store (rid, page_id, body_hash, site, keys, signature bytes, chunks, words) rows in one transaction;
    ``clear`` first drops the old band keys of these articles.  Returns {rid: keys}."""
    ts = now_iso()
    bands = [(int(k), r[0]) for r in rows for k in r[4]]
    bands.sort()
    with conn:
        if clear:
            rid_list = [r[0] for r in rows]
            for k in range(0, len(rid_list), 900):
                chunk = rid_list[k:k + 900]
                conn.execute("DELETE FROM trace_bands WHERE rid IN (%s)" % ",".join("?" * len(chunk)), chunk)
        conn.executemany("INSERT OR REPLACE INTO trace_docs VALUES (?,?,?,?,?,?,?,?)",
                         [(r[0], r[1], r[3], r[2], r[7], r[5], r[6], ts) for r in rows])
        conn.executemany("INSERT OR IGNORE INTO trace_bands VALUES (?,?)", bands)
    return {r[0]: r[4] for r in rows}


def candidates(conn, keys_of: dict[int, np.ndarray]) -> set[tuple[int, int]]:
    """Pairs (a < b) sharing a band key with one of the given articles, popular buckets excluded."""
    if not keys_of:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _q (key INTEGER NOT NULL, rid INTEGER NOT NULL)")
    conn.execute("DELETE FROM _q")
    conn.executemany("INSERT INTO _q VALUES (?,?)",
                     ((int(k), rid) for rid, ks in keys_of.items() for k in ks))
    conn.execute("CREATE INDEX IF NOT EXISTS _q_key ON _q(key)")
    pairs: set[tuple[int, int]] = set()
    sql = """
        WITH qk AS (SELECT DISTINCT key FROM _q),
             pop AS (SELECT b.key FROM trace_bands b JOIN qk USING(key) GROUP BY b.key HAVING count(*) <= ?)
        SELECT DISTINCT q.rid, b.rid FROM _q q JOIN pop USING(key) JOIN trace_bands b ON b.key = q.key
        WHERE b.rid != q.rid
    """
    for x, y in conn.execute(sql, (MAX_BUCKET,)):
        pairs.add((x, y) if x < y else (y, x))
    conn.execute("DELETE FROM _q")
    return pairs


def known_pairs(conn, pairs: set[tuple[int, int]], hashes: dict[int, str]) -> set[tuple[int, int]]:
    """The pairs already aligned on the same two bodies (nothing to redo)."""
    if not pairs:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _p (a INTEGER, b INTEGER)")
    conn.execute("DELETE FROM _p")
    conn.executemany("INSERT INTO _p VALUES (?,?)", list(pairs))
    done = set()
    for a, b, ha, hb in conn.execute(
            "SELECT t.a, t.b, t.a_hash, t.b_hash FROM trace_pairs t JOIN _p p ON p.a = t.a AND p.b = t.b"):
        if hashes.get(a) == ha and hashes.get(b) == hb:
            done.add((a, b))
    conn.execute("DELETE FROM _p")
    return done


def body_hashes(conn, rids: Iterable[int]) -> dict[int, str]:
    rids = list(rids)
    out = {}
    for k in range(0, len(rids), 900):
        chunk = rids[k:k + 900]
        out.update({r[0]: r[1] for r in conn.execute(
            "SELECT rowid, body_hash FROM articles WHERE rowid IN (%s)" % ",".join("?" * len(chunk)), chunk)})
    return out


def tokenize_many(bodies: dict[int, str]) -> dict[int, Doc]:
    return {rid: tokenize(b) for rid, b in bodies.items()}
