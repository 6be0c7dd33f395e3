"""Reads of the Spark engine (src/newstrace/spark/): articles by key range for its executors, and the linked
translation pairs the driver's translate phase wrote.  Read only; portable SQL (SQLite now, PostgreSQL when
its backend lands)."""
from __future__ import annotations

from typing import Iterator

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
        "SELECT (aid - ?) / ? AS g, COUNT(*) FROM articles GROUP BY (aid - ?) / ?", (lo, size, lo, size))}
