"""Reads for ``newstrace serve`` (web/views.py): every statement the web pages run, one function per question.

Tables read: articles, pages, sites, credits, identifiers, media, links, problems, copies, stories,
story_members, site_edges, site_groups; full-text search through store/search.py (SQLite FTS5 or PostgreSQL's
GIN index). Written by ingest and trace; read by the web UI only. Functions take the
connection first, return plain dicts (or lists of them), never commit and never write.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from . import articles as _articles
from . import backend
from . import search as _search


def open_reader(path: str) -> sqlite3.Connection:
    """A read-only connection for one serving thread: rows as ``sqlite3.Row``, waits out a writer's lock,
    refuses writes, reads through mmap."""
    from .db import open_readonly

    c = open_readonly(path)   # a read-only folder too; a postgresql:// URL: a read-only session
    if backend.dialect(c) == backend.POSTGRESQL:
        return c
    c.row_factory = sqlite3.Row
    c.execute("PRAGMA busy_timeout=5000")
    c.execute("PRAGMA query_only=1")
    c.execute("PRAGMA mmap_size=1073741824")  # reads through the page cache without a copy per page
    return c


def table_names(conn) -> set[str]:
    return backend.table_names(conn)


def _all(conn, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, tuple(params))
    cols = [d[0] for d in cur.description or ()]
    if len(set(cols)) != len(cols):   # a name twice: by name, the first one wins (as dict(row) gives)
        return [dict(r) for r in cur]
    return [dict(zip(cols, r)) for r in cur]   # ~3x faster than dict(sqlite3.Row) on a few hundred rows


def _iter(conn, sql: str, params: Sequence = ()) -> Iterator[dict[str, Any]]:
    for r in conn.execute(sql, tuple(params)):
        yield dict(r)


def _one(conn, sql: str, params: Sequence = ()) -> dict[str, Any] | None:
    r = conn.execute(sql, tuple(params)).fetchone()
    return dict(r) if r is not None else None


def _scalar(conn, sql: str, params: Sequence = ()) -> Any:
    r = conn.execute(sql, tuple(params)).fetchone()
    return r[0] if r is not None else None


_marks = _articles.marks


def _rows_by(conn, select: str, key: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``select`` (a statement ending in ``WHERE <key> IN``) run over ``ids`` in slices: key -> row."""
    out: dict[str, dict[str, Any]] = {}
    for part in _articles.slices(list(dict.fromkeys(ids))):
        for r in _all(conn, f"{select} ({_marks(part)})", part):
            out[r[key]] = r
    return out


# -- home ------------------------------------------------------------------------------------------------
COUNTED = ("pages", "articles", "sites", "problems", "stories", "copies")


def count_rows(conn, table: str) -> int:
    if table not in COUNTED:
        raise ValueError(table)
    return _scalar(conn, f"SELECT COUNT(*) FROM {table}") or 0


STORY_COLS = ("SELECT s.story_id, s.title, s.size, s.sites, s.languages, s.first_seen, s.last_seen, "
              "s.credit_rate, s.origin_id, a.site AS origin_site FROM stories s "
              "LEFT JOIN articles a ON a.page_id = s.origin_id ")


def biggest_stories(conn, limit: int = 10) -> list[dict[str, Any]]:
    return _all(conn, STORY_COLS + "ORDER BY s.size DESC, s.story_id LIMIT ?", (limit,))


def newest_stories(conn, limit: int = 10) -> list[dict[str, Any]]:
    return _all(conn, STORY_COLS + "WHERE s.first_seen IS NOT NULL ORDER BY s.first_seen DESC, s.story_id LIMIT ?",
                (limit,))


def top_originators(conn, limit: int = 10) -> list[dict[str, Any]]:
    return _all(conn, "SELECT site_b AS site, SUM(weight) AS copied_by_others, COUNT(*) AS copying_sites "
                      "FROM site_edges WHERE kind='copy' GROUP BY site_b ORDER BY 2 DESC, 1 LIMIT ?", (limit,))


def top_amplifiers(conn, limit: int = 10) -> list[dict[str, Any]]:
    return _all(conn, "SELECT site_a AS site, SUM(weight) AS copies_made, COUNT(*) AS sources_used "
                      "FROM site_edges WHERE kind='copy' GROUP BY site_a ORDER BY 2 DESC, 1 LIMIT ?", (limit,))


def credit_counts(conn) -> dict[str, int]:
    """Copies (duplicates left out) by credit status."""
    return {r["credited"] or "unknown": r["n"] for r in _all(
        conn, "SELECT credited, COUNT(*) AS n FROM copies WHERE kind != 'duplicate' GROUP BY credited")}


# -- story -----------------------------------------------------------------------------------------------
def story(conn, story_id: str) -> dict[str, Any] | None:
    return _one(conn, "SELECT * FROM stories WHERE story_id = ?", (story_id,))


def story_members(conn, story_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT m.page_id, m.role, m.kind, m.parent_id, m.published, m.lag_hours, a.site, a.url, "
                      "a.title, a.language, a.published AS article_published, a.fetched_at FROM story_members m "
                      "LEFT JOIN articles a ON a.page_id = m.page_id WHERE m.story_id = ? "
                      "ORDER BY m.role != 'origin', m.lag_hours, m.page_id", (story_id,))


def iter_story_members(conn, story_id: str) -> Iterator[dict[str, Any]]:
    """Every member of a story with the copy link it is drawn from (credit, confidence), origin first, then
    by lag: the whole member list, streamed."""
    return _iter(conn, 'SELECT m.page_id, m.role, m.kind, m.parent_id, a.site, a.url, a.title, a.language, '
                       'COALESCE(m.published, a.published) AS "when", m.lag_hours, c.credited, c.confidence '
                       "FROM story_members m LEFT JOIN articles a ON a.page_id = m.page_id LEFT JOIN copies c "
                       "ON c.copy_id = m.page_id AND c.source_id = m.parent_id WHERE m.story_id = ? "
                       "ORDER BY CASE WHEN m.role = 'origin' THEN 0 ELSE 1 END, "
                       "CASE WHEN m.lag_hours IS NULL THEN 1 ELSE 0 END, m.lag_hours, m.page_id", (story_id,))


def story_link_briefs(conn, story_id: str) -> list[dict[str, Any]]:
    """A story's copy links, the few columns every member needs (its credit and confidence): copy_id,
    source_id, credited, confidence."""
    return _all(conn, "SELECT copy_id, source_id, credited, confidence FROM copies WHERE story_id = ?", (story_id,))


def copy_links(conn, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(copy_id, source_id) -> the link's columns a story page shows (kind, language pair, shared words,
    coverage, credit, credited_to, confidence, evidence), for these links."""
    want = {tuple(k) for k in keys}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for part in _articles.slices(list(dict.fromkeys(k[0] for k in keys))):
        for r in _all(conn, "SELECT copy_id, source_id, origin_id, kind, language_pair, shared_words, coverage_copy, "
                            "coverage_source, credited, credited_to, confidence, evidence FROM copies "
                            f"WHERE copy_id IN ({_marks(part)})", part):
            if (r["copy_id"], r["source_id"]) in want:
                out[(r["copy_id"], r["source_id"])] = r
    return out


def has_rows(conn, table: str) -> bool:
    """Whether ``table`` holds any row (an optional stage's table that a store may have but not have filled)."""
    if table not in ("shared_items", "claims", "analyze_actors_done"):
        raise ValueError(table)
    return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None


def stories_of_page(conn, page_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT m.story_id, m.role, m.kind, m.lag_hours, s.title, s.size FROM story_members m "
                      "LEFT JOIN stories s ON s.story_id = m.story_id WHERE m.page_id = ?", (page_id,))


def pages_with_claims(conn, page_ids: Sequence[str]) -> list[str]:
    """Those of ``page_ids`` that have a claim row, in the given order."""
    have: set[str] = set()
    ids = list(dict.fromkeys(page_ids))
    for part in _articles.slices(ids):
        have.update(r[0] for r in conn.execute(f"SELECT DISTINCT page_id FROM claims WHERE page_id IN "
                                               f"({_marks(part)})", part))
    return [p for p in ids if p in have]


# -- copy vs source / article ----------------------------------------------------------------------------
ART_COLS = ("page_id, url, canonical_url, site, publisher, title, byline, published, modified, fetched_at, "
            "language, description, body")


def copy_link(conn, copy_id: str, source_id: str) -> dict[str, Any] | None:
    return _one(conn, "SELECT * FROM copies WHERE copy_id = ? AND source_id = ?", (copy_id, source_id))


def article_brief(conn, page_id: str) -> dict[str, Any] | None:
    return _one(conn, f"SELECT {ART_COLS} FROM articles WHERE page_id = ?", (page_id,))


def article_titles(conn, page_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """page_id -> {page_id, site, title, published, url} for these pages."""
    return _rows_by(conn, "SELECT page_id, site, title, published, url FROM articles WHERE page_id IN", "page_id",
                    page_ids)


def other_sources(conn, copy_id: str, source_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT c.source_id, c.kind, c.spans, a.site, a.title FROM copies c LEFT JOIN articles a "
                      "ON a.page_id = c.source_id WHERE c.copy_id = ? AND c.source_id != ?", (copy_id, source_id))


def all_sources_of(conn, copy_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every copy link of these copies (any story), with the source's site and title."""
    out: list[dict[str, Any]] = []
    for part in _articles.slices(list(dict.fromkeys(copy_ids))):
        out += _all(conn, "SELECT c.copy_id, c.source_id, c.kind, c.story_id, a.site, a.title FROM copies c "
                          f"LEFT JOIN articles a ON a.page_id = c.source_id WHERE c.copy_id IN ({_marks(part)}) "
                          "ORDER BY c.copy_id, a.published, c.source_id", part)
    return out


def credits(conn, page_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT idx, name, url, form, text FROM credits WHERE page_id = ? ORDER BY idx", (page_id,))


def article_full(conn, page_id: str) -> dict[str, Any] | None:
    return _one(conn, "SELECT a.*, p.source AS input_source, p.content_type, p.size FROM articles a "
                      "JOIN pages p ON p.page_id = a.page_id WHERE a.page_id = ?", (page_id,))


def identifiers_of(conn, page_id: str) -> list[dict[str, Any]]:
    return _all(conn, 'SELECT kind, value, "where" FROM identifiers WHERE page_id = ? ORDER BY kind, value',
                (page_id,))


def media_of(conn, page_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT type, url FROM media WHERE page_id = ? ORDER BY type, url", (page_id,))


def outlinks_of(conn, page_id: str, limit: int = 300) -> list[dict[str, Any]]:
    return _all(conn, "SELECT href, text, in_body FROM links WHERE page_id = ? ORDER BY in_body DESC, href, text "
                      "LIMIT ?",
                (page_id, limit))


def sources_of(conn, page_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT c.source_id, c.kind, c.credited, c.confidence, c.coverage_copy, c.story_id, "
                      "a.site, a.title, a.published FROM copies c LEFT JOIN articles a ON a.page_id = c.source_id "
                      "WHERE c.copy_id = ? ORDER BY a.published, c.source_id", (page_id,))


def copies_of(conn, page_id: str, limit: int = 500) -> list[dict[str, Any]]:
    return _all(conn, "SELECT c.copy_id, c.kind, c.credited, c.confidence, c.coverage_source, c.story_id, "
                      "a.site, a.title, a.published FROM copies c LEFT JOIN articles a ON a.page_id = c.copy_id "
                      "WHERE c.source_id = ? ORDER BY a.published, c.copy_id LIMIT ?", (page_id, limit))


def page_capture(conn, page_id: str) -> dict[str, Any] | None:
    """Where the page was read from: its input source (a WARC file and record offset, a file, a URL),
    content type, size and fetch time."""
    return _one(conn, "SELECT p.page_id, p.source, p.content_type, p.size, a.fetched_at, a.url, a.site, a.title, "
                      "a.body, a.published, a.language FROM pages p JOIN articles a ON a.page_id = p.page_id "
                      "WHERE p.page_id = ?", (page_id,))


def page_sources(conn, page_id: str) -> list[dict[str, Any]]:
    """Every place the page was read from (``page_sources``; the ``pages`` row's own source when that table is
    empty for it), first seen first."""
    rows = _all(conn, "SELECT source, seen_at FROM page_sources WHERE page_id = ? ORDER BY seen_at, source",
                (page_id,))
    if not rows:
        rows = _all(conn, "SELECT source, ingested_at AS seen_at FROM pages WHERE page_id = ?", (page_id,))
    return rows


def page_row(conn, page_id: str) -> dict[str, Any] | None:
    """The ``pages`` row of a page (source, type, size, fetch and ingest times, content hash) with its article's
    URL, site, title, language and publication date."""
    return _one(conn, "SELECT p.page_id, p.url AS read_url, p.source, p.fetched_at, p.content_type, p.size, "
                      "p.status, p.ingested_at, p.content_sha, a.url, a.site, a.title, a.language, a.published "
                      "FROM pages p LEFT JOIN articles a ON a.page_id = p.page_id WHERE p.page_id = ?", (page_id,))


def bundle_copies(conn, story_id: str) -> list[dict[str, Any]]:
    """A story's copy links in full (spans, evidence, changes), for the story export bundle."""
    return _all(conn, "SELECT * FROM copies WHERE story_id = ? ORDER BY copy_id, source_id", (story_id,))


def bodies(conn, page_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """page_id -> {page_id, url, site, title, published, language, fetched_at, body} for these pages."""
    return _rows_by(conn, "SELECT page_id, url, site, title, published, language, fetched_at, body FROM articles "
                          "WHERE page_id IN", "page_id", page_ids)


# -- site ------------------------------------------------------------------------------------------------
def site(conn, domain: str) -> dict[str, Any] | None:
    return _one(conn, "SELECT * FROM sites WHERE site = ?", (domain,))


def recent_articles(conn, domain: str, limit: int = 20) -> list[dict[str, Any]]:
    return _all(conn, "SELECT page_id, title, published, language, url FROM articles WHERE site = ? "
                      "ORDER BY published DESC, page_id LIMIT ?", (domain, limit))


def site_identifiers(conn, domain: str, sample: int, limit: int = 100) -> list[dict[str, Any]]:
    """Identifier values on the site's latest ``sample`` articles, with how many pages carry each."""
    return _all(conn, "SELECT i.kind, i.value, COUNT(*) AS pages FROM (SELECT page_id FROM articles WHERE site = ? "
                      "ORDER BY published DESC, page_id LIMIT ?) a JOIN identifiers i ON i.page_id = a.page_id "
                      "GROUP BY i.kind, i.value ORDER BY pages DESC, i.kind, i.value LIMIT ?", (domain, sample, limit))


def site_languages(conn, domain: str, limit: int = 20) -> list[dict[str, Any]]:
    return _all(conn, "SELECT language, COUNT(*) AS pages FROM articles WHERE site = ? GROUP BY language "
                      "ORDER BY pages DESC, language LIMIT ?", (domain, limit))


def site_edges(conn, domain: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT * FROM site_edges WHERE site_a = ? UNION ALL SELECT * FROM site_edges WHERE site_b = ?",
                (domain, domain))


def stories_originated(conn, domain: str) -> int:
    return _scalar(conn, "SELECT COUNT(*) FROM articles a JOIN stories s ON s.origin_id = a.page_id "
                         "WHERE a.site = ?", (domain,)) or 0


def copies_made_by_site(conn, domain: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT c.kind, c.credited, COUNT(*) AS n FROM articles a JOIN copies c "
                      "ON c.copy_id = a.page_id WHERE a.site = ? GROUP BY c.kind, c.credited", (domain,))


def copies_taken_from_site(conn, domain: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT c.credited, COUNT(*) AS n FROM articles a JOIN copies c ON c.source_id = a.page_id "
                      "WHERE a.site = ? GROUP BY c.credited", (domain,))


def group_of(conn, domain: str) -> dict[str, Any] | None:
    return _one(conn, "SELECT group_id, evidence FROM site_groups WHERE site = ?", (domain,))


def group_members(conn, group_id: str, limit: int = 200) -> list[str]:
    return [r["site"] for r in _all(conn, "SELECT site FROM site_groups WHERE group_id = ? ORDER BY site LIMIT ?",
                                    (group_id, limit))]


def page_id_by_url(conn, url: str) -> str | None:
    return _scalar(conn, "SELECT page_id FROM articles WHERE url = ? LIMIT 1", (url,))


# -- lists -----------------------------------------------------------------------------------------------
STORY_SORTS = {"size": "s.size DESC, s.story_id", "newest": "s.first_seen DESC, s.story_id",
               "credit": "s.credit_rate ASC, s.size DESC, s.story_id"}


def story_page(conn, sort: str, limit: int, offset: int) -> list[dict[str, Any]]:
    order = STORY_SORTS[sort]
    # sort and cut the page first, then join the origin's site for those rows only
    return _all(conn, "SELECT s.story_id, s.title, s.size, s.sites, s.languages, s.first_seen, s.last_seen, "
                      "s.credit_rate, s.origin_id, a.site AS origin_site FROM (SELECT * FROM stories s "
                      f"ORDER BY {order} LIMIT ? OFFSET ?) s LEFT JOIN articles a ON a.page_id = s.origin_id "
                      f"ORDER BY {order}", (limit, offset))


def site_page(conn, limit: int, offset: int, grouped: bool) -> list[dict[str, Any]]:
    if grouped:
        return _all(conn, "SELECT s.site, s.name, s.pages, g.group_id FROM sites s LEFT JOIN site_groups g "
                          "ON g.site = s.site ORDER BY s.pages DESC, s.site LIMIT ? OFFSET ?", (limit, offset))
    return _all(conn, "SELECT site, name, pages, NULL AS group_id FROM sites ORDER BY pages DESC, site "
                      "LIMIT ? OFFSET ?", (limit, offset))


def languages(conn, limit: int = 200) -> list[str]:
    return [r["language"] for r in _all(conn, "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL "
                                              "ORDER BY language LIMIT ?", (limit,))]


# -- problems --------------------------------------------------------------------------------------------
def problems_by_reason(conn) -> list[dict[str, Any]]:
    return _all(conn, "SELECT stage, reason, COUNT(*) AS n FROM problems GROUP BY stage, reason "
                      "ORDER BY n DESC, stage, reason")


def problem_page(conn, reason: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    where, args = ("WHERE reason = ?", [reason]) if reason else ("", [])
    return _all(conn, f"SELECT problem_id, source, stage, reason, detail, url, page_id, seen_at FROM problems {where} "
                      "ORDER BY seen_at DESC, source, stage, reason LIMIT ? OFFSET ?", [*args, limit, offset])


# -- search ----------------------------------------------------------------------------------------------
def _article_filters(f: dict[str, str], traced: bool) -> tuple[list[str], list[Any]]:
    """WHERE terms over ``articles a`` for the search filters site, from, to (dates), lang, kind."""
    where: list[str] = []
    args: list[Any] = []
    if f.get("site"):
        where.append("a.site = ?")
        args.append(f["site"])
    if f.get("from"):
        where.append("a.published >= ?")
        args.append(f["from"])
    if f.get("to"):
        where.append("a.published < ?")
        args.append(f["to"] + "\uffff")   # the whole day: every time stamp of that date sorts below
    if f.get("lang"):
        where.append("a.language = ?")
        args.append(f["lang"])
    if f.get("kind") and traced:
        if f["kind"] == "origin":
            where.append("EXISTS (SELECT 1 FROM stories s WHERE s.origin_id = a.page_id)")
        elif f["kind"] == "copy":
            where.append("EXISTS (SELECT 1 FROM copies c WHERE c.copy_id = a.page_id)")
        else:
            where.append("EXISTS (SELECT 1 FROM copies c WHERE c.copy_id = a.page_id AND c.kind = ?)")
            args.append(f["kind"])
    return where, args


class SearchError(ValueError):
    """The full-text engine did not understand the query."""


def search_ids(conn, fts_query: str, f: dict[str, str], traced: bool, limit: int) -> list[tuple[int, float]]:
    """(key, rank) of the ``limit`` most recently stored articles matching ``fts_query`` (FTS5 syntax) and
    the filters, newest first (the walk stops early; ranking them is the caller's). store/search.py: FTS5 on
    SQLite, the GIN full-text index on PostgreSQL."""
    where, args = _article_filters(f, traced)
    with _understood(conn):
        return [(r[0], r[1]) for r in _search.hits(conn, fts_query, where, args, limit)]


@contextmanager
def _understood(conn) -> Iterator[None]:
    """A query the full-text engine refuses is a SearchError (the PostgreSQL transaction it aborted is rolled
    back; on SQLite there is nothing to roll back)."""
    try:
        yield
    except backend.database_errors() as e:
        conn.rollback()
        raise SearchError(str(e)) from None


def search_rows(conn, fts_query: str, rowids: list[int], mark_open: str, mark_close: str) -> list[dict[str, Any]]:
    """The articles of ``rowids`` (keys from ``search_ids``) with a snippet of the body around the matches
    (markers around each hit), in the order of ``rowids``."""
    if not rowids:
        return []
    with _understood(conn):
        got = _search.snippets(conn, fts_query, rowids, mark_open, mark_close)
    order = {rid: i for i, rid in enumerate(rowids)}
    got.sort(key=lambda r: order[r["rid"]])
    for r in got:
        del r["rid"]
    return got


def filtered_articles(conn, f: dict[str, str], traced: bool, limit: int, offset: int) -> list[dict[str, Any]]:
    """Articles matching the filters only (no words), newest first, with the start of the body."""
    where, args = _article_filters(f, traced)
    return _all(conn, "SELECT a.page_id, a.title, a.site, a.url, a.published, a.language, substr(a.body, 1, 200) "
                      "AS snippet FROM articles a WHERE " + " AND ".join(where or ["1=1"])
                + " ORDER BY a.published DESC, a.page_id LIMIT ? OFFSET ?", [*args, limit, offset])


def iter_filtered_articles(conn, f: dict[str, str], traced: bool) -> Iterator[dict[str, Any]]:
    where, args = _article_filters(f, traced)
    return _iter(conn, "SELECT a.page_id, a.title, a.site, a.url, a.published, a.language FROM articles a WHERE "
                 + " AND ".join(where or ["1=1"]) + " ORDER BY a.published DESC, a.page_id", args)


# -- pivots: identifiers, credited names, operator groups ------------------------------------------------
def identifier_kinds(conn) -> list[str]:
    return [r["kind"] for r in _all(conn, "SELECT DISTINCT kind FROM identifiers ORDER BY kind")]


def identifier_matches(conn, kinds: Sequence[str], text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Identifier values equal to ``text`` or starting with it (any kind), with how many pages carry each."""
    if not kinds or not text:
        return []
    return _all(conn, "SELECT kind, value, COUNT(*) AS pages FROM identifiers WHERE kind IN "
                      f"({_marks(kinds)}) AND value >= ? AND value < ? GROUP BY kind, value "
                      "ORDER BY pages DESC, kind, value LIMIT ?", [*kinds, text, text + "\uffff", limit])


def common_identifiers(conn, min_pages: int) -> list[tuple[str, str]]:
    """(kind, value) of the identifier values on at least ``min_pages`` pages (a theme's tag manager, a network's
    shared analytics id), most pages first: one pass over the (kind, value) index."""
    return [(r[0], r[1]) for r in conn.execute("SELECT kind, value FROM identifiers GROUP BY kind, value "
                                               "HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, kind, value",
                                               (min_pages,))]


def identifier_sites(conn, kind: str, value: str) -> list[dict[str, Any]]:
    """Every site carrying the identifier: pages, first and last seen (publication date, else fetch time)."""
    return _all(conn, "SELECT a.site, COUNT(*) AS pages, MIN(COALESCE(a.published, a.fetched_at)) AS first_seen, "
                      "MAX(COALESCE(a.published, a.fetched_at)) AS last_seen FROM identifiers i JOIN articles a "
                      "ON a.page_id = i.page_id WHERE i.kind = ? AND i.value = ? GROUP BY a.site "
                      "ORDER BY pages DESC, a.site", (kind, value))


def identifier_pages(conn, kind: str, value: str, limit: int, offset: int, common: bool = False
                     ) -> list[dict[str, Any]]:
    """The pages carrying an identifier, oldest first (publication date, else fetch time). ``common``: the value
    is on a large share of all pages (a theme's tag manager), so the articles are walked in date order (index
    articles_seen, 0073) until enough carry it, instead of reading and sorting every page that does."""
    if common:
        return _all(conn, "SELECT a.page_id, a.site, a.title, a.url, a.published, a.fetched_at, "
                          '(SELECT i."where" FROM identifiers i WHERE i.page_id = a.page_id AND i.kind = ? '
                          'AND i.value = ?) AS "where" FROM articles a WHERE EXISTS (SELECT 1 FROM identifiers i '
                          "WHERE i.page_id = a.page_id AND i.kind = ? AND i.value = ?) "
                          "ORDER BY COALESCE(a.published, a.fetched_at), a.page_id LIMIT ? OFFSET ?",
                    (kind, value, kind, value, limit, offset))
    return _all(conn, 'SELECT a.page_id, a.site, a.title, a.url, a.published, a.fetched_at, i."where" '
                      "FROM identifiers i JOIN articles a ON a.page_id = i.page_id WHERE i.kind = ? AND i.value = ? "
                      "ORDER BY COALESCE(a.published, a.fetched_at), a.page_id LIMIT ? OFFSET ?",
                (kind, value, limit, offset))


def credit_name_matches(conn, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Credited names (a credit line's name) starting with ``text``, with the pages and sites crediting each."""
    if not text:
        return []
    return _all(conn, "SELECT c.name, COUNT(*) AS pages, COUNT(DISTINCT a.site) AS sites FROM credits c "
                      "JOIN articles a ON a.page_id = c.page_id WHERE c.name >= ? AND c.name < ? "
                      "GROUP BY c.name ORDER BY pages DESC, c.name LIMIT ?", (text, text + "\uffff", limit))


def credited_pages(conn, name: str, limit: int = 200) -> list[dict[str, Any]]:
    return _all(conn, "SELECT a.page_id, a.site, a.title, a.published, c.form, c.url FROM credits c "
                      "JOIN articles a ON a.page_id = c.page_id WHERE c.name = ? "
                      "ORDER BY a.published, a.page_id, c.idx LIMIT ?", (name, limit))


def group_sites(conn, group_id: str) -> list[dict[str, Any]]:
    return _all(conn, "SELECT g.site, g.evidence, s.name, s.pages FROM site_groups g LEFT JOIN sites s "
                      "ON s.site = g.site WHERE g.group_id = ? ORDER BY g.site", (group_id,))


def groups_of_sites(conn, sites: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in _articles.slices([s for s in dict.fromkeys(sites) if s]):
        for r in _all(conn, f"SELECT site, group_id FROM site_groups WHERE site IN ({_marks(part)})", part):
            out[r["site"]] = r["group_id"]
    return out


def group_sizes(conn, group_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _articles.slices(list(dict.fromkeys(group_ids))):
        for r in _all(conn, f"SELECT group_id, COUNT(*) AS n FROM site_groups WHERE group_id IN ({_marks(part)}) "
                            "GROUP BY group_id", part):
            out[r["group_id"]] = r["n"]
    return out


def edges_among(conn, sites: Sequence[str]) -> list[dict[str, Any]]:
    """Site edges with both ends among ``sites``."""
    sites = list(dict.fromkeys(sites))
    if not sites:
        return []
    return _all(conn, f"SELECT * FROM site_edges WHERE site_a IN ({_marks(sites)}) AND site_b IN ({_marks(sites)})",
                [*sites, *sites])


def memberships_of_sites(conn, sites: Sequence[str]) -> Iterator[tuple]:
    """(story_id, site, role, kind, member date) of every story membership of these sites' pages: one pass over
    the sites' pages (index articles_site_cover) and the members of each (index story_members_cover, 0073), no
    table row read."""
    sites = list(dict.fromkeys(sites))
    for part in _articles.slices(sites):
        yield from conn.execute("SELECT m.story_id, a.site, m.role, m.kind, m.published FROM articles a "
                                "JOIN story_members m ON m.page_id = a.page_id "
                                f"WHERE a.site IN ({_marks(part)})", part)


def stories_by_ids(conn, story_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """story_id -> {story_id, title, size, first_seen} for these stories."""
    return _rows_by(conn, "SELECT story_id, title, size, first_seen FROM stories WHERE story_id IN", "story_id",
                    story_ids)


def credit_by_sites(conn, sites: Sequence[str]) -> list[dict[str, Any]]:
    """Copies made by these sites (duplicates left out) by credit status."""
    sites = list(dict.fromkeys(sites))
    if not sites:
        return []
    return _all(conn, "SELECT c.credited, COUNT(*) AS n FROM articles a JOIN copies c ON c.copy_id = a.page_id "
                      f"WHERE a.site IN ({_marks(sites)}) AND c.kind != 'duplicate' GROUP BY c.credited", sites)


# -- lists with filters, totals, facets and whole exports ------------------------------------------------
def _story_where(f: dict[str, str]) -> tuple[str, list[Any]]:
    where, args = [], []
    if f.get("site"):
        where.append("a.site = ?")
        args.append(f["site"])
    if f.get("lang"):
        where.append("s.languages LIKE ?")
        args.append('%"' + f["lang"].replace("%", "").replace("_", "") + '"%')
    if f.get("from"):
        where.append("s.first_seen >= ?")
        args.append(f["from"])
    if f.get("to"):
        where.append("s.first_seen < ?")
        args.append(f["to"] + "\uffff")
    if f.get("min_size"):
        where.append("s.size >= ?")
        args.append(int(f["min_size"]))
    if f.get("group"):
        where.append("a.site IN (SELECT site FROM site_groups WHERE group_id = ?)")
        args.append(f["group"])
    return (" WHERE " + " AND ".join(where)) if where else "", args


STORY_LIST_SORTS = {"size": "s.size DESC, s.story_id", "newest": "s.first_seen DESC, s.story_id",
                    "oldest": "s.first_seen ASC, s.story_id", "credit": "s.credit_rate ASC, s.size DESC, s.story_id",
                    "sites": "s.sites DESC, s.story_id"}
_STORY_FROM = "FROM stories s LEFT JOIN articles a ON a.page_id = s.origin_id"
_STORY_SELECT = ("SELECT s.story_id, s.title, s.size, s.sites, s.languages, s.first_seen, s.last_seen, s.credit_rate, "
                 "s.origin_id, a.site AS origin_site ")


def _story_from(f: dict[str, str]) -> str:
    """The stories with their origin's article: an inner join when a filter reads that article (site, group),
    so the planner may start from the filtered sites' articles (index articles_site) and reach each story by
    its origin (stories_origin), instead of walking every story (a LEFT JOIN fixes that order)."""
    if f.get("site") or f.get("group"):
        return "FROM stories s JOIN articles a ON a.page_id = s.origin_id"
    return _STORY_FROM


def story_rows(conn, f: dict[str, str], sort: str, limit: int, offset: int) -> list[dict[str, Any]]:
    where, args = _story_where(f)
    if not where:
        return story_page(conn, sort, limit, offset) if sort in STORY_SORTS else _all(
            conn, f"{_STORY_SELECT}{_STORY_FROM} ORDER BY {STORY_LIST_SORTS[sort]} LIMIT ? OFFSET ?", (limit, offset))
    if not (f.get("site") or f.get("group")):
        # filters on the stories row only: cut the page first, then join the origin's site for those rows
        return _all(conn, f"{_STORY_SELECT}FROM (SELECT * FROM stories s{where} ORDER BY {STORY_LIST_SORTS[sort]} "
                          f"LIMIT ? OFFSET ?) s LEFT JOIN articles a ON a.page_id = s.origin_id "
                          f"ORDER BY {STORY_LIST_SORTS[sort]}", [*args, limit, offset])
    return _all(conn, f"{_STORY_SELECT}{_story_from(f)}{where} ORDER BY {STORY_LIST_SORTS[sort]} LIMIT ? OFFSET ?",
                [*args, limit, offset])


def iter_stories(conn, f: dict[str, str], sort: str) -> Iterator[dict[str, Any]]:
    where, args = _story_where(f)
    return _iter(conn, f"{_STORY_SELECT}{_story_from(f)}{where} ORDER BY {STORY_LIST_SORTS[sort]}", args)


def story_index_rows(conn) -> Iterator[tuple]:
    """(origin site, languages JSON, first_seen, size, story_id, sites, credit_rate) of every story, by story_id:
    the columns web/copyindex.py filters, counts and orders the stories list from."""
    return iter(conn.execute(f"SELECT a.site, s.languages, s.first_seen, s.size, s.story_id, s.sites, s.credit_rate "
                             f"{_STORY_FROM} ORDER BY s.story_id"))


def story_rows_by_ids(conn, story_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stories-list rows of these stories, in the order given."""
    got = _rows_by(conn, f"{_STORY_SELECT}{_STORY_FROM} WHERE s.story_id IN", "story_id", story_ids)
    return [got[i] for i in story_ids if i in got]


def _site_where(f: dict[str, str], grouped: bool) -> tuple[str, list[Any]]:
    where, args = [], []
    if f.get("q"):
        where.append("(s.site LIKE ? OR s.name LIKE ?)")
        args += ["%" + f["q"] + "%"] * 2
    if f.get("group") and grouped:
        where.append("g.group_id = ?")
        args.append(f["group"])
    if f.get("min_pages"):
        where.append("s.pages >= ?")
        args.append(int(f["min_pages"]))
    return (" WHERE " + " AND ".join(where)) if where else "", args


SITE_SORTS = {"pages": "s.pages DESC, s.site", "site": "s.site", "group": "g.group_id, s.site"}


def _site_from(grouped: bool) -> str:
    return ("FROM sites s LEFT JOIN site_groups g ON g.site = s.site" if grouped else
            "FROM sites s LEFT JOIN (SELECT NULL AS site, NULL AS group_id) g ON g.site = s.site")


def site_count(conn, f: dict[str, str], grouped: bool) -> int:
    where, args = _site_where(f, grouped)
    return _scalar(conn, f"SELECT COUNT(*) {_site_from(grouped)}{where}", args) or 0


def site_rows(conn, f: dict[str, str], grouped: bool, sort: str, limit: int | None = None,
              offset: int = 0) -> list[dict[str, Any]]:
    where, args = _site_where(f, grouped)
    sql = f"SELECT s.site, s.name, s.pages, g.group_id {_site_from(grouped)}{where} ORDER BY {SITE_SORTS[sort]}"
    if limit is None:
        return _all(conn, sql, args)
    return _all(conn, sql + " LIMIT ? OFFSET ?", [*args, limit, offset])


def iter_sites(conn, f: dict[str, str], grouped: bool, sort: str) -> Iterator[dict[str, Any]]:
    where, args = _site_where(f, grouped)
    return _iter(conn, f"SELECT s.site, s.name, s.pages, g.group_id {_site_from(grouped)}{where} "
                       f"ORDER BY {SITE_SORTS[sort]}", args)


def _copy_where(f: dict[str, str]) -> tuple[str, list[Any]]:
    where, args = [], []
    for key, col in (("kind", "c.kind"), ("credited", "c.credited"), ("site", "a.site"), ("source_site", "b.site"),
                     ("lang", "a.language")):
        if f.get(key):
            where.append(f"{col} = ?")
            args.append(f[key])
    if f.get("from"):
        where.append("a.published >= ?")
        args.append(f["from"])
    if f.get("to"):
        where.append("a.published < ?")
        args.append(f["to"] + "\uffff")
    if f.get("max_confidence"):
        where.append("c.confidence <= ?")
        args.append(float(f["max_confidence"]))
    return (" WHERE " + " AND ".join(where)) if where else "", args


_COPY_FROM = ("FROM copies c JOIN articles a ON a.page_id = c.copy_id JOIN articles b ON b.page_id = c.source_id")
_COPY_SELECT = ("SELECT c.copy_id, c.source_id, c.story_id, c.kind, c.credited, c.confidence, c.coverage_copy, "
                "c.language_pair, a.site AS copy_site, a.title AS copy_title, a.published AS copy_published, "
                "b.site AS source_site, b.published AS source_published ")
COPY_SORTS = {"newest": "a.published DESC, c.copy_id, c.source_id", "confidence": "c.confidence ASC, c.copy_id, c.source_id",
              "site": "a.site, a.published DESC, c.copy_id, c.source_id"}


def copy_index_rows(conn) -> Iterator[tuple]:
    """(copy_id, source_id, kind, credited, copy site, copy language, copy published, confidence) of every copy
    link whose copy has an article, in key order: the columns web/copyindex.py filters and sorts in memory."""
    return iter(conn.execute("SELECT c.copy_id, c.source_id, c.kind, c.credited, a.site, a.language, a.published, "
                             "c.confidence FROM copies c JOIN articles a ON a.page_id = c.copy_id "
                             "ORDER BY c.copy_id, c.source_id"))


def copy_rows_by_keys(conn, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The copies-list rows of these (copy_id, source_id) links, in the order given."""
    want = {tuple(k): i for i, k in enumerate(keys)}
    got: list[dict[str, Any]] = []
    for part in _articles.slices(list(dict.fromkeys(k[0] for k in keys))):
        got += [r for r in _all(conn, f"{_COPY_SELECT}{_COPY_FROM} WHERE c.copy_id IN ({_marks(part)})", part)
                if (r["copy_id"], r["source_id"]) in want]
    got.sort(key=lambda r: want[(r["copy_id"], r["source_id"])])
    return got


def copy_rows(conn, f: dict[str, str], sort: str, limit: int, offset: int) -> list[dict[str, Any]]:
    where, args = _copy_where(f)
    return _all(conn, f"{_COPY_SELECT}{_COPY_FROM}{where} ORDER BY {COPY_SORTS[sort]} LIMIT ? OFFSET ?",
                [*args, limit, offset])


def iter_copies(conn, f: dict[str, str], sort: str) -> Iterator[dict[str, Any]]:
    where, args = _copy_where(f)
    return _iter(conn, f"{_COPY_SELECT}{_COPY_FROM}{where} ORDER BY {COPY_SORTS[sort]}", args)


def search_facets(conn, rowids: Sequence[int], limit: int = 12) -> dict[str, list[dict[str, Any]]]:
    """Counts by site and language over these articles (the ranked window of a search)."""
    out = {"site": [], "lang": []}
    ids = list(rowids)
    if not ids:
        return out
    cnt: dict[str, dict[Any, int]] = {"site": {}, "lang": {}}
    for part in _articles.slices(ids):
        for r in conn.execute(f"SELECT site, language FROM articles WHERE {_search.key_column(conn)} IN "
                              f"({_marks(part)})", part):
            cnt["site"][r[0]] = cnt["site"].get(r[0], 0) + 1
            cnt["lang"][r[1]] = cnt["lang"].get(r[1], 0) + 1
    for k, c in cnt.items():
        out[k] = [{"value": v, "n": n} for v, n in sorted(c.items(), key=lambda x: (-x[1], str(x[0])))[:limit]]
    return out


def iter_search(conn, fts_query: str, f: dict[str, str], traced: bool) -> Iterator[dict[str, Any]]:
    """Every article matching the words and filters, best match first (the whole result, for an export)."""
    where, args = _article_filters(f, traced)
    with _understood(conn):
        cur = _search.iter_matches(conn, fts_query, where, args)
    for r in cur:
        yield dict(r)


# -- whole network ---------------------------------------------------------------------------------------
def all_site_edges(conn) -> list[dict[str, Any]]:
    """Every site edge (copy flows and shared identifiers) with its detail JSON."""
    return _all(conn, "SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges "
                      "ORDER BY weight DESC, site_a, site_b, kind")


def all_site_groups(conn) -> dict[str, str]:
    return {r["site"]: r["group_id"] for r in _all(conn, "SELECT site, group_id FROM site_groups")}


def site_page_counts(conn, sites: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _articles.slices(list(dict.fromkeys(sites))):
        for r in _all(conn, f"SELECT site, pages FROM sites WHERE site IN ({_marks(part)})", part):
            out[r["site"]] = r["pages"]
    return out


def copy_member_pages(conn) -> list[str]:
    """Pages that are copies in some story (a page that was an origin once and is a copy now, after an earlier
    origin arrived, is among them)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT page_id FROM story_members WHERE role != 'origin'")]


def story_of_page(conn, page_id: str) -> str | None:
    """The story a page belongs to now (its biggest, when several)."""
    return _scalar(conn, "SELECT m.story_id FROM story_members m JOIN stories s ON s.story_id = m.story_id "
                         "WHERE m.page_id = ? ORDER BY s.size DESC, m.story_id LIMIT 1", (page_id,))


def example_ids(conn, tables: set[str]) -> dict[str, tuple]:
    """One example of each kind of id the pages take (the biggest story, a copy link, an article, the biggest
    site, a group, an actor, an identifier, a credited name), for the API document; absent kinds left out."""
    sql = {"story_id": ("stories", "SELECT story_id FROM stories ORDER BY size DESC, story_id LIMIT 1"),
           "copy": ("copies", "SELECT copy_id, source_id FROM copies ORDER BY copy_id, source_id LIMIT 1"),
           "page_id": ("articles", "SELECT page_id FROM articles ORDER BY page_id LIMIT 1"),
           "domain": ("sites", "SELECT site FROM sites ORDER BY pages DESC, site LIMIT 1"),
           "group_id": ("site_groups", "SELECT group_id FROM site_groups ORDER BY group_id LIMIT 1"),
           "actor_id": ("actors", "SELECT actor_id FROM actors ORDER BY actor_id LIMIT 1"),
           "identifier": ("identifiers", "SELECT kind, value FROM identifiers ORDER BY kind, value LIMIT 1"),
           "credited": ("credits", "SELECT name FROM credits WHERE name IS NOT NULL ORDER BY name LIMIT 1")}
    out: dict[str, tuple] = {}
    for key, (table, q) in sql.items():
        if table in tables:
            r = conn.execute(q).fetchone()
            if r is not None:
                out[key] = tuple(r)
    return out


def sites_of_pages(conn, page_ids: Sequence[str]) -> dict[str, str]:
    """page_id -> site for these pages."""
    out: dict[str, str] = {}
    for part in _articles.slices(list(page_ids)):
        for r in conn.execute(f"SELECT page_id, site FROM articles WHERE page_id IN ({_marks(part)})", part):
            out[r[0]] = r[1]
    return out


# -- shared items (trace/shared.py): posts, quotes and captions other pages carry too, not copied ----------------
def shared_items_of(conn, page_ids: Sequence[str], limit: int = 100) -> list[dict[str, Any]]:
    """The shared items of some pages (an article, a story's members), one entry per item: ``item`` (kind,
    url, author, speaker, text), ``pages`` (which of ``page_ids`` carry it) and ``others`` (pages outside
    them that carry it too: page_id, url, site). Read by article key through the table's two indexes (a, b),
    one statement per slice of pages, not one per page."""
    from . import shared

    want = list(dict.fromkeys(page_ids))
    aids: dict[int, str] = {}
    for part in _articles.slices(want):
        for r in conn.execute(f"SELECT aid, page_id FROM articles WHERE page_id IN ({_marks(part)})", part):
            aids[r[0]] = r[1]
    keys = sorted(aids)
    rows: list[dict[str, Any]] = []
    for part in _articles.slices(keys):
        for col in ("a", "b"):
            rows += [shared._row(r) for r in conn.execute(
                f"{shared._SELECT} WHERE s.{col} IN ({_marks(part)}) ORDER BY s.item_key, pa.url, pb.url", part)]
    rows.sort(key=lambda d: (d["item"]["key"], d["a_url"] or "", d["b_url"] or ""))
    wanted = set(want)
    out: dict[str, dict[str, Any]] = {}
    seen_rows: set[tuple[str, str, str]] = set()
    for d in rows:
        k = (d["a_id"], d["b_id"], d["item"]["key"])
        if k in seen_rows:   # both ends among the pages: found from a and from b
            continue
        seen_rows.add(k)
        e = out.setdefault(d["item"]["key"], {"item": d["item"], "pages": [], "others": []})
        for mine, other in (("a", "b"), ("b", "a")):
            pid = d[mine + "_id"]
            if pid not in wanted:
                continue
            if pid not in e["pages"]:
                e["pages"].append(pid)
            oid = d[other + "_id"]
            if oid not in wanted and all(o["page_id"] != oid for o in e["others"]):
                e["others"].append({"page_id": oid, "url": d[other + "_url"], "site": d[other + "_site"]})
    return sorted(out.values(), key=lambda e: (-len(e["others"]) - len(e["pages"]), e["item"]["key"]))[:limit]


def trace_change_count(conn) -> tuple[int, str] | None:
    """(writes to the trace tables counted so far, when the count began: the store's migration 0093) on SQLite;
    the pair changes whenever the copies or stories lists' columns may have (web/views.py Reader.cached_trace)."""
    r = conn.execute("SELECT n, (SELECT applied_at FROM migrations WHERE name = '0093_web_trace_changes') "
                     "FROM change_counts WHERE name = 'trace'").fetchone()
    return (r[0], r[1]) if r is not None else None


# -- actors and loaded language through a story's copies (analyze/actors.py, analyze/flags.py tables) ----------
def actor_texts_of(conn, page_ids: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
    """(page_id, actor_id, the words the page names it with, the actor's name) of every actor mention on these
    pages that were analysed for actors."""
    out: list[tuple[str, str, str, str | None]] = []
    for part in _articles.slices(list(dict.fromkeys(page_ids))):
        out += [tuple(r) for r in conn.execute(
            "SELECT a.page_id, m.actor_id, m.text, x.name FROM articles a JOIN actor_mentions m ON m.aid = a.aid "
            f"LEFT JOIN actors x ON x.actor_id = m.actor_id WHERE a.page_id IN ({_marks(part)}) "
            "ORDER BY a.page_id, m.start, m.end_", part)]
    return out


def loaded_words_of(conn, page_ids: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(page_id, technique, text, speaker: 'outlet' or the quoted source) of the loaded-language spans on these
    pages."""
    out: list[tuple[str, str, str, str]] = []
    for part in _articles.slices(list(dict.fromkeys(page_ids))):
        out += [tuple(r) for r in conn.execute(
            "SELECT a.page_id, f.technique, f.text, CASE WHEN f.speaker = 'outlet' THEN 'outlet' "
            "ELSE COALESCE(f.source, 'quoted source') END FROM articles a JOIN flags f ON f.aid = a.aid "
            f"WHERE a.page_id IN ({_marks(part)}) ORDER BY a.page_id, f.start, f.end_, f.technique", part)]
    return out


def actors_analysed(conn, page_ids: Sequence[str]) -> set[str]:
    """Which of these pages the actors stage has analysed (analyze_actors_done)."""
    out: set[str] = set()
    for part in _articles.slices(list(dict.fromkeys(page_ids))):
        out.update(r[0] for r in conn.execute(
            "SELECT a.page_id FROM articles a JOIN analyze_actors_done d ON d.aid = a.aid "
            f"WHERE a.page_id IN ({_marks(part)})", part))
    return out


def stories_of_pages(conn, page_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """page_id -> the story it belongs to (story_id, title, size; the biggest when several), for these pages."""
    out: dict[str, dict[str, Any]] = {}
    for part in _articles.slices(list(dict.fromkeys(page_ids))):
        for r in _all(conn, "SELECT m.page_id, m.story_id, s.title, s.size FROM story_members m JOIN stories s "
                            f"ON s.story_id = m.story_id WHERE m.page_id IN ({_marks(part)}) "
                            "ORDER BY m.page_id, s.size DESC, m.story_id", part):
            out.setdefault(r.pop("page_id"), r)
    return out


SITE_SIZES = (1, 10, 100, 1000, 10000)   # the sites list's size facet: at least this many articles


def site_facets(conn, f: dict[str, str], grouped: bool, limit: int = 12) -> dict[str, list[dict[str, Any]]]:
    """Counts over the filtered sites list: by operator group (the ``limit`` largest) and by size (sites with at
    least 1, 10, 100, ... articles; the value is the ``min_pages`` filter)."""
    where, args = _site_where(f, grouped)
    out: dict[str, list[dict[str, Any]]] = {"group": [], "min_pages": []}
    if grouped:
        out["group"] = [{"value": r["group_id"], "n": r["n"]} for r in _all(
            conn, f"SELECT g.group_id, COUNT(*) AS n {_site_from(grouped)}{where} GROUP BY g.group_id "
                  "ORDER BY n DESC, g.group_id LIMIT ?", [*args, limit]) if r["group_id"] is not None]
    bands = ", ".join(f"SUM(CASE WHEN s.pages >= {n} THEN 1 ELSE 0 END)" for n in SITE_SIZES)
    r = conn.execute(f"SELECT {bands} {_site_from(grouped)}{where}", tuple(args)).fetchone()
    out["min_pages"] = [{"value": str(n), "n": int(k or 0)} for n, k in zip(SITE_SIZES, r or ()) if k]
    return out
