"""Table family ``xling_docs``, ``xling_vectors``: multilingual sentence vectors per article (by page_id),
written and read by the trace's translate phase (trace/translate.py).  Functions never commit."""
from __future__ import annotations

import json
from typing import Iterable, Iterator

import numpy as np

from .articles import marks, slices


def languages(conn) -> list[str | None]:
    """The distinct languages of the stored articles."""
    return [r[0] for r in conn.execute("SELECT DISTINCT language FROM articles")]


def without_vectors(conn, encoder: str, langs: Iterable[str] | None, limit: int) -> list[str]:
    """Up to ``limit`` page ids of articles (in ``langs`` when given) with no vectors of ``encoder``."""
    lang_filter = ""
    if langs is not None:
        lang_filter = "a.language IN (" + ",".join(f"'{l}'" for l in sorted(langs)) + ") AND "
    return [r[0] for r in conn.execute(
        f"SELECT a.page_id FROM articles a WHERE {lang_filter}NOT EXISTS (SELECT 1 FROM xling_vectors v "
        "WHERE v.page_id = a.page_id AND v.encoder = ?) LIMIT ?", (encoder, limit))]


_STATE = ("SELECT a.page_id, a.language, a.body, x.body_hash AS xhash, x.units AS units, "
          "(SELECT group_concat(encoder) FROM xling_vectors v WHERE v.page_id = a.page_id) AS encs "
          "FROM articles a LEFT JOIN xling_docs x ON x.page_id = a.page_id")


def vector_state(conn, pids: list[str] | None) -> list:
    """Per article (all, or ``pids``): page_id, language, body, xhash (body hash its vectors were made on),
    units (their unit scheme) and encs (comma-separated encoders stored)."""
    if pids is None:
        return conn.execute(_STATE).fetchall()
    rows = []
    for c in slices(pids, 500):
        rows += conn.execute(_STATE + f" WHERE a.page_id IN ({marks(c)})", c).fetchall()
    return rows


def other_units(conn, units: str) -> set[str]:
    """Page ids whose vectors were made with another unit scheme (or before the scheme was recorded)."""
    return {r[0] for r in conn.execute("SELECT page_id FROM xling_docs WHERE units IS NULL OR units != ?", (units,))}


def set_units(conn, pids: list[str], units: str) -> None:
    conn.executemany("UPDATE xling_docs SET units = ? WHERE page_id = ?", [(units, p) for p in pids])


def replace(conn, pid: str, vecs: dict[str, np.ndarray], lang: str | None, body_hash: str, spans: list,
            ts: str, units: str) -> None:
    """An article's vectors (encoder -> rows x dim, stored as float16) and its xling_docs row."""
    conn.execute("DELETE FROM xling_vectors WHERE page_id = ?", (pid,))
    for name, V in vecs.items():
        conn.execute("INSERT INTO xling_vectors VALUES (?,?,?,?)", (pid, name, V.shape[1], V.astype(np.float16).tobytes()))
    conn.execute("INSERT INTO xling_docs (page_id, lang, body_hash, spans, updated_at, units) "
                 "VALUES (?,?,?,?,?,?) ON CONFLICT(page_id) DO UPDATE SET "
                 "lang=excluded.lang, body_hash=excluded.body_hash, spans=excluded.spans, "
                 "updated_at=excluded.updated_at, units=excluded.units",
                 (pid, lang, body_hash, json.dumps(spans), ts, units))


def hashes(conn, encoder: str) -> dict[str, str]:
    """page_id -> body hash of every article with vectors of ``encoder``."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT v.page_id, x.body_hash FROM xling_vectors v JOIN xling_docs x ON x.page_id = v.page_id "
        "WHERE v.encoder = ?", (encoder,))}


def rows(conn, encoder: str, pids: list[str] | None) -> Iterator:
    """(page_id, dim, vecs, lang, spans, body_hash) of the vectors of ``encoder`` (all, or of ``pids``)."""
    q = ("SELECT v.page_id, v.dim, v.vecs, x.lang, x.spans, x.body_hash FROM xling_vectors v "
         "JOIN xling_docs x ON x.page_id = v.page_id WHERE v.encoder = ?")
    if pids is None:
        yield from conn.execute(q + " ORDER BY v.page_id", (encoder,))
        return
    for c in slices(pids, 500):
        yield from conn.execute(q + f" AND v.page_id IN ({marks(c)}) ORDER BY v.page_id", (encoder, *c))


def put(conn, pid: str, encoder: str, V: np.ndarray) -> None:
    """One encoder's rows of an article whose xling_docs row is current (other encoders' rows are kept)."""
    conn.execute("INSERT INTO xling_vectors VALUES (?,?,?,?) ON CONFLICT(page_id, encoder) DO UPDATE SET "
                 "dim=excluded.dim, vecs=excluded.vecs", (pid, encoder, V.shape[1], V.astype(np.float16).tobytes()))


def without_any(conn, encoders: Iterable[str], limit: int) -> list[str]:
    """Up to ``limit`` page ids of articles with no vectors of any of ``encoders``."""
    encs = sorted(encoders)
    return [r[0] for r in conn.execute(
        "SELECT a.page_id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM xling_vectors v "
        f"WHERE v.page_id = a.page_id AND v.encoder IN ({marks(encs)})) LIMIT ?", (*encs, limit))]


def docs(conn) -> list:
    """(page_id, lang, body_hash) of every article with an xling_docs row."""
    return conn.execute("SELECT page_id, lang, body_hash FROM xling_docs ORDER BY page_id").fetchall()


def rows_meta(conn, encoder: str, pids: list[str]) -> list:
    """page_id of those of ``pids`` that have vectors of ``encoder``."""
    out = []
    for c in slices(pids, 500):
        out += conn.execute(f"SELECT page_id FROM xling_vectors WHERE encoder = ? AND page_id IN ({marks(c)})",
                            (encoder, *c)).fetchall()
    return out
