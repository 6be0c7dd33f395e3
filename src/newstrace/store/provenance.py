"""Reads of one page's provenance for ``newstrace copies URL``: the stored versions of a URL, the copies made
of a page and the sources it was copied from (tables ``pages``, ``articles``, ``copies``; written by ingest
and trace/, read by the CLI)."""
from __future__ import annotations

import sqlite3
from typing import Any

from ..records import identity_key


def versions(conn: sqlite3.Connection, url_or_id: str) -> list[dict[str, Any]]:
    """The stored articles a URL (as given, canonical, or any spelling with the same identity key) or page id
    names, latest first: a page changed at the same URL is a new version."""
    rows = conn.execute(
        "SELECT a.page_id, a.url, a.site, a.title, a.published, a.fetched_at, p.ingested_at FROM articles a "
        "JOIN pages p USING(page_id) WHERE a.page_id = ? OR a.url = ? OR a.canonical_url = ? OR p.url_key = ? "
        "ORDER BY a.fetched_at DESC, a.aid DESC",
        (url_or_id, url_or_id, url_or_id, identity_key(url_or_id))).fetchall()
    return [dict(r) for r in rows]


_LINK = ("SELECT c.kind, c.credited, c.confidence, c.shared_words, a.page_id, a.url, a.site, a.title, a.published,"
         " round((julianday(cp.published) - julianday(src.published)) * 24, 1) AS lag_hours "
         "FROM copies c JOIN articles cp ON cp.page_id = c.copy_id JOIN articles src ON src.page_id = c.source_id "
         "JOIN articles a ON a.page_id = c.{other} WHERE c.{this} = ? ORDER BY cp.published, a.url, a.page_id")


def copies_of(conn: sqlite3.Connection, page_id: str) -> list[dict[str, Any]]:
    """Pages copied from this one (it is their immediate source): kind, credit, lag after it in hours."""
    return [dict(r) for r in conn.execute(_LINK.format(this="source_id", other="copy_id"), (page_id,))]


def sources_of(conn: sqlite3.Connection, page_id: str) -> list[dict[str, Any]]:
    """Pages this one copied from: kind, whether it credits them, its lag after them in hours."""
    return [dict(r) for r in conn.execute(_LINK.format(this="copy_id", other="source_id"), (page_id,))]
