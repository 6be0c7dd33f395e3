"""Table family ``furniture`` (with ``sites.furniture_pages``, the bodies it rewrites and ``body_versions``):
written by the extract phase that relearns site furniture (extract/relearn.py), read by the demo and web.

A body rewritten while a stored copy's spans index into it is kept in ``body_versions`` in the same
transaction, so spans always name a body that exists (copies.copy_hash / source_hash)."""
from __future__ import annotations

import json

from .articles import marks, slices


def sites_to_relearn(conn, force: bool = False) -> list[tuple[str, int]]:
    """(site, pages) of the sites whose page count changed since their furniture was learned (all: force)."""
    return [tuple(r) for r in conn.execute(
        "SELECT site, pages FROM sites" + ("" if force else " WHERE pages != furniture_pages")).fetchall()]


def site_bodies(conn, site: str) -> list[tuple[str, list[str], str, str | None]]:
    """(page_id, unstripped blocks, body, body_hash) of every article of ``site``."""
    return [(r[0], json.loads(r[1]), r[2], r[3]) for r in conn.execute(
        "SELECT page_id, blocks, body, body_hash FROM articles WHERE site=?", (site,)).fetchall()]


def replace_learned(conn, site: str, learned: dict[str, tuple[str, int]], pages: int, ts: str) -> None:
    """The site's furniture blocks {block hash: (text, pages)}, learned from ``pages`` pages."""
    conn.execute("DELETE FROM furniture WHERE site=?", (site,))
    conn.executemany("INSERT INTO furniture VALUES (?,?,?,?,?)",
                     [(site, h, t, "repeated", n) for h, (t, n) in learned.items()])
    conn.execute("UPDATE sites SET furniture_pages=?, updated_at=? WHERE site=?", (pages, ts, site))


def replace_body(conn, page_id: str, old_body: str, old_hash: str | None, body: str, body_hash: str, ts: str) -> None:
    """Rewrite an article's body, keeping the old one as a body version when a copy's spans name it."""
    if old_hash is not None and conn.execute(
            "SELECT 1 FROM copies WHERE (copy_id = ? AND copy_hash = ?) OR (source_id = ? AND source_hash = ?) LIMIT 1",
            (page_id, old_hash, page_id, old_hash)).fetchone():
        conn.execute("INSERT OR IGNORE INTO body_versions VALUES (?,?,?,?)", (page_id, old_hash, old_body, ts))
    conn.execute("UPDATE articles SET body=?, body_hash=? WHERE page_id=?", (body, body_hash, page_id))


def body_at(conn, page_id: str, body_hash: str | None) -> str | None:
    """The body of ``page_id`` as it was when its hash was ``body_hash`` (the current body when the hash is
    unknown or current); None when that version is gone."""
    r = conn.execute("SELECT body, body_hash FROM articles WHERE page_id = ?", (page_id,)).fetchone()
    if r is None:
        return None
    if body_hash is None or r[1] == body_hash:
        return r[0]
    v = conn.execute("SELECT body FROM body_versions WHERE page_id = ? AND body_hash = ?", (page_id, body_hash)).fetchone()
    return v[0] if v else None


def prune_versions(conn, page_ids: list[str] | None = None) -> None:
    """Drop body versions no copy names any more (of these pages, or all)."""
    sql = ("DELETE FROM body_versions WHERE NOT EXISTS (SELECT 1 FROM copies c WHERE (c.copy_id = body_versions.page_id "
           "AND c.copy_hash = body_versions.body_hash) OR (c.source_id = body_versions.page_id "
           "AND c.source_hash = body_versions.body_hash))")
    if page_ids is None:
        conn.execute(sql)
        return
    for c in slices(page_ids):
        conn.execute(sql + f" AND page_id IN ({marks(c)})", c)


def of_site(conn, site: str) -> list:
    """The site's furniture blocks (text, pages), most repeated first."""
    return conn.execute("SELECT text, pages FROM furniture WHERE site=? ORDER BY pages DESC, text", (site,)).fetchall()


# -- incremental relearning: block counts per site, kept up to furniture_state.aid (extract/relearn.py) -------
def site_state(conn, site: str) -> tuple[int, int] | None:
    """(article key, pages) up to which the site's block counts and bodies are done; None: never counted."""
    r = conn.execute("SELECT aid, pages FROM furniture_state WHERE site=?", (site,)).fetchone()
    return (r[0], r[1]) if r else None


def site_bodies_after(conn, site: str, aid: int) -> list[tuple[int, str, list[str], str, str | None]]:
    """(key, page_id, unstripped blocks, body, body_hash) of the site's articles after key ``aid``, by key."""
    return [(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in conn.execute(
        "SELECT aid, page_id, blocks, body, body_hash FROM articles WHERE site=? AND aid > ? ORDER BY aid",
        (site, aid)).fetchall()]


def add_counts(conn, site: str, counts: dict[str, tuple[str, int]]) -> None:
    """Add {block hash: (text, pages)} to the site's block counts (a block's first text is kept)."""
    conn.executemany("INSERT INTO furniture_counts (site, block_hash, pages, text) VALUES (?,?,?,?) "
                     "ON CONFLICT (site, block_hash) DO UPDATE SET pages = furniture_counts.pages + excluded.pages",
                     [(site, h, n, t) for h, (t, n) in counts.items()])


def counted_at_least(conn, site: str, need: int) -> dict[str, tuple[str, int]]:
    """{block hash: (text, pages)} of the site's blocks counted on at least ``need`` pages."""
    return {r[0]: (r[1], r[2]) for r in conn.execute(
        "SELECT block_hash, text, pages FROM furniture_counts WHERE site=? AND pages >= ?", (site, need))}


def learned_hashes(conn, site: str) -> set[str]:
    return {r[0] for r in conn.execute("SELECT block_hash FROM furniture WHERE site=?", (site,))}


def set_state(conn, site: str, aid: int, pages: int) -> None:
    conn.execute("INSERT INTO furniture_state (site, aid, pages) VALUES (?,?,?) ON CONFLICT (site) DO UPDATE SET "
                 "aid = excluded.aid, pages = excluded.pages", (site, aid, pages))


def forget_counts(conn, site: str) -> None:
    conn.execute("DELETE FROM furniture_counts WHERE site=?", (site,))
    conn.execute("DELETE FROM furniture_state WHERE site=?", (site,))
