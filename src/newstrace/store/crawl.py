"""Crawl state of ``newstrace collect``: the frontier and seen URLs (``crawl_urls``), feeds and sitemaps with
their last visit and validators (``crawl_feeds``), and the WARC files written with their committed length
(``crawl_warcs``). Migrations ``0028_crawl_frontier`` and ``0029_crawl_warcs``.

Small functions over a sqlite3 connection. They never commit: the collector groups them in ``with conn:``
so that a URL is marked fetched in the same transaction that records the WARC bytes holding it, and a feed's
validators are saved in the transaction that queues the URLs it listed.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Iterable

URL_FIELDS = ("state", "via", "hops", "fetched_at", "status", "content_hash", "etag", "last_modified",
              "warc_file", "warc_offset", "attempts", "reason", "redirect_to")
PENDING = ("queued", "retry")


def add_urls(conn: sqlite3.Connection, rows: Iterable[dict], now: str) -> list[str]:
    """Queue URLs not seen before; returns those that were new (a URL seen in any state is never re-queued)."""
    new = []
    for r in rows:
        cur = conn.execute(
            "INSERT INTO crawl_urls (url, seed, host, state, via, hops, listed_date, discovered_at) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
            (r["url"], r["seed"], r["host"], "queued", r.get("via"), json.dumps(r.get("hops") or []),
             r.get("listed_date"), now))
        if cur.rowcount:
            new.append(r["url"])
    return new


def url_row(conn: sqlite3.Connection, url: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM crawl_urls WHERE url = ?", (url,)).fetchone()


def pending_urls(conn: sqlite3.Connection, seeds: Iterable[str]) -> list[sqlite3.Row]:
    """Queued URLs of these seeds, and those whose last try failed for a passing reason, oldest first."""
    seeds = list(seeds)
    if not seeds:
        return []
    marks = ",".join("?" * len(seeds))
    return conn.execute(
        f"SELECT * FROM crawl_urls WHERE seed IN ({marks}) AND state IN ('queued', 'retry') "
        "ORDER BY discovered_at, rowid", seeds).fetchall()


def mark_url(conn: sqlite3.Connection, url: str, **fields) -> None:
    bad = set(fields) - set(URL_FIELDS)
    if bad:
        raise ValueError(f"[E150] not a crawl_urls column: {sorted(bad)}")
    if "hops" in fields and not isinstance(fields["hops"], str):
        fields["hops"] = json.dumps(fields["hops"])
    cols = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE crawl_urls SET {cols} WHERE url = ?", (*fields.values(), url))


def redirect_path(conn: sqlite3.Connection, url: str, limit: int) -> list[str]:
    """The stored redirects from ``url`` on (``url``, where it pointed, where that pointed, ...)."""
    out = [url]
    while len(out) <= limit:
        row = conn.execute("SELECT redirect_to FROM crawl_urls WHERE url = ? AND state = 'redirected'",
                           (out[-1],)).fetchone()
        if row is None or not row[0]:
            break
        out.append(row[0])
        if row[0] in out[:-1]:
            break
    return out


def url_states(conn: sqlite3.Connection, seeds: Iterable[str] | None = None) -> dict[str, int]:
    if seeds is None:
        rows = conn.execute("SELECT state, count(*) FROM crawl_urls GROUP BY state")
    else:
        seeds = list(seeds)
        rows = conn.execute(f"SELECT state, count(*) FROM crawl_urls WHERE seed IN ({','.join('?' * len(seeds))}) "
                            "GROUP BY state", seeds)
    return dict(rows.fetchall())


def fetched_urls(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT url, content_hash, warc_file, warc_offset FROM crawl_urls "
                        "WHERE state = 'fetched' ORDER BY url").fetchall()


# -- feeds, sitemaps, home pages ------------------------------------------------------------------------------
def feed_row(conn: sqlite3.Connection, url: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM crawl_feeds WHERE url = ?", (url,)).fetchone()


def seed_feeds(conn: sqlite3.Connection, seed: str) -> list[sqlite3.Row]:
    """Feeds and sitemaps found for a seed on earlier runs (re-visited with conditional requests)."""
    return conn.execute("SELECT * FROM crawl_feeds WHERE seed = ? AND kind IN ('feed', 'sitemap') ORDER BY url",
                        (seed,)).fetchall()


def save_feed(conn: sqlite3.Connection, url: str, seed: str, kind: str, visited: str, status: int | None,
              etag: str | None = None, last_modified: str | None = None, content_hash: str | None = None,
              links: int | None = None) -> None:
    """Record a visit. A 304 (or a failed visit) keeps the validators and link count of the last good one."""
    conn.execute(
        "INSERT INTO crawl_feeds (url, seed, kind, last_visit, status, etag, last_modified, content_hash, links) "
        "VALUES (?,?,?,?,?,?,?,?,coalesce(?, 0)) ON CONFLICT(url) DO UPDATE SET last_visit = excluded.last_visit, "
        "status = excluded.status, etag = coalesce(excluded.etag, etag), "
        "last_modified = coalesce(excluded.last_modified, last_modified), "
        "content_hash = coalesce(excluded.content_hash, content_hash), "
        "links = CASE WHEN ? IS NULL THEN links ELSE excluded.links END",
        (url, seed, kind, visited, status, etag, last_modified, content_hash, links, links))


# -- WARC files ------------------------------------------------------------------------------------------------
def open_warcs(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM crawl_warcs WHERE closed = 0 ORDER BY path").fetchall()


def add_warc(conn: sqlite3.Connection, path: str, kind: str, committed: int, now: str) -> None:
    conn.execute("INSERT INTO crawl_warcs (path, kind, committed, created_at) VALUES (?,?,?,?) "
                 "ON CONFLICT(path) DO UPDATE SET committed = excluded.committed, closed = 0",
                 (path, kind, committed, now))


def commit_warc(conn: sqlite3.Connection, path: str, committed: int) -> None:
    conn.execute("UPDATE crawl_warcs SET committed = ? WHERE path = ?", (committed, path))


def close_warc(conn: sqlite3.Connection, path: str) -> None:
    conn.execute("UPDATE crawl_warcs SET closed = 1 WHERE path = ?", (path,))


def uningested_warcs(conn: sqlite3.Connection, kind: str = "pages") -> list[str]:
    """Closed WARC files of this kind not yet handed to ingest (a run killed before its ingest leaves some)."""
    return [r[0] for r in conn.execute(
        "SELECT path FROM crawl_warcs WHERE kind = ? AND closed = 1 AND ingested = 0 AND committed > 0 "
        "ORDER BY path", (kind,))]


def mark_ingested(conn: sqlite3.Connection, paths: Iterable[str]) -> None:
    conn.executemany("UPDATE crawl_warcs SET ingested = 1 WHERE path = ?", [(p,) for p in paths])


def warcs(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM crawl_warcs ORDER BY path").fetchall()
