"""Table family ``articles`` (and its per-page side tables) as the stages read it by **article key**
(``articles.aid``, records.ArticleKey): one key for every stage, given when the article is stored.

Small functions over a connection; lists of keys are read in slices of ``IN_MAX`` (SQLite's bound-parameter
limit on older builds).
"""
from __future__ import annotations

from typing import Iterable, Iterator

from .records import ArticleKey

IN_MAX = 900


def slices(keys: Iterable, n: int = IN_MAX) -> Iterator[list]:
    """``keys`` in lists of at most ``n`` (for ``IN (?, ...)``)."""
    keys = list(keys)
    for k in range(0, len(keys), n):
        yield keys[k:k + n]


def marks(xs: list) -> str:
    """``?,?,...`` for an ``IN`` list."""
    return ",".join("?" * len(xs))


def all_keys(conn) -> set[ArticleKey]:
    return {r[0] for r in conn.execute("SELECT aid FROM articles")}


def page_ids(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    """{article key: page_id}."""
    out: dict[ArticleKey, str] = {}
    for c in slices(keys):
        out.update(conn.execute(f"SELECT aid, page_id FROM articles WHERE aid IN ({marks(c)})", c).fetchall())
    return out


def keys_of(conn, pids: Iterable[str]) -> dict[str, ArticleKey]:
    """{page_id: article key} of the stored articles among ``pids``."""
    out: dict[str, ArticleKey] = {}
    for c in slices(pids):
        out.update(conn.execute(f"SELECT page_id, aid FROM articles WHERE page_id IN ({marks(c)})", c).fetchall())
    return out


def bodies(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    out: dict[ArticleKey, str] = {}
    for c in slices(keys):
        out.update({r[0]: r[1] or "" for r in conn.execute(
            f"SELECT aid, body FROM articles WHERE aid IN ({marks(c)})", c)})
    return out


def body_hashes(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    out: dict[ArticleKey, str] = {}
    for c in slices(keys):
        out.update(conn.execute(f"SELECT aid, body_hash FROM articles WHERE aid IN ({marks(c)})", c).fetchall())
    return out
