"""Table family ``problems``: input or work that could not be (fully) used, with a reason code (written by
ingest for pages and by the trace for pairs, components and its translate phase; read by ``stats``, the
problems page and ``export problems``).  One row per (source, stage, reason); the first sighting is kept."""
from __future__ import annotations

from typing import Iterable

from ..records import Problem, content_hash


def write(conn, problems: Iterable[Problem], ts: str) -> None:
    conn.executemany(
        "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(problem_id) DO NOTHING",
        [(content_hash(p.source, p.stage, p.reason), p.source, p.stage, p.reason, p.detail[:2000], p.url,
          p.page_id, ts) for p in problems])


def iter_all(conn) -> Iterable:
    """Every problem (source, stage, reason, detail, url, page_id, seen_at), oldest first."""
    return conn.execute("SELECT source, stage, reason, detail, url, page_id, seen_at FROM problems "
                        "ORDER BY seen_at, source, stage, reason")


def by_source(conn) -> list:
    """Every problem (source, stage, reason, detail) by source."""
    return conn.execute("SELECT source, stage, reason, detail FROM problems ORDER BY source, stage, reason").fetchall()
