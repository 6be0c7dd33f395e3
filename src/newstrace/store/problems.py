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
