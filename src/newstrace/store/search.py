"""Full-text search over articles (title and body), on either backend: SQLite's FTS5 table ``articles_fts``
(migration 0002, kept by triggers) or PostgreSQL's table ``articles_search`` (each article's tsvector, kept by
a trigger, GIN-indexed: migration 0071; ``backend.fts_document``).  Read by the web's search page.  Queries
come as the safe FTS5 text web/text.fts_query makes
(``"word" "prefix"* "two words"``: an AND of quoted words, phrases and prefixes), which PostgreSQL gets as a
tsquery (``backend.pg_fts_query``).

Ranks: lower is better on both (FTS5's bm25; minus ts_rank on PostgreSQL). Keys: the SQLite rowid of the FTS
table, the article key (aid) on PostgreSQL; either only goes from ``hits`` to ``snippets``.  Both fold case and
diacritics: FTS5's ``remove_diacritics 2``; on PostgreSQL the text search configuration ``newstrace`` (simple +
contrib's unaccent, migration 0050_search_unaccent), so "cafe" finds "café" and "café" finds "cafe"."""
from __future__ import annotations

from typing import Any

from . import backend

SNIPPET_WORDS = 24


def hits(conn, fq: str, where: list[str], args: list, limit: int) -> list[tuple[int, float]]:
    """(key, rank) of the ``limit`` most recently stored articles matching ``fq`` and the ``where`` filters
    (SQL over the articles row ``a``, with ``args``)."""
    filt = "".join(f" AND {w}" for w in where)
    if backend.dialect(conn) == backend.POSTGRESQL:
        doc = backend.fts_document("s")
        return [tuple(r) for r in conn.execute(
            f"SELECT s.aid, -ts_rank({doc}, q.q) FROM articles_search s JOIN articles a ON a.aid = s.aid, "
            f"to_tsquery('{backend.FTS_CONFIG}', ?) AS q(q) WHERE {doc} @@ q.q{filt} ORDER BY s.aid DESC NULLS FIRST "
            "LIMIT ?",      # (aid is never NULL; NULLS FIRST is the order of the primary key read backwards, which
                            # stops after ``limit`` matches: the translation's SQLite-like NULLS LAST made
                            # PostgreSQL sort every match first, 0.5-0.9 s for a common word with a filter at 100k)
            [backend.pg_fts_query(fq), *args, limit])]
    join = " JOIN articles a ON a.rowid = articles_fts.rowid" if where else ""
    return [tuple(r) for r in conn.execute(
        "SELECT articles_fts.rowid, rank FROM articles_fts" + join + " WHERE articles_fts MATCH ?" + filt
        + " ORDER BY articles_fts.rowid DESC LIMIT ?", [fq, *args, limit])]


def snippets(conn, fq: str, keys: list[int], mark_open: str, mark_close: str) -> list[dict[str, Any]]:
    """Rows (rid, page_id, title, site, url, published, language, snippet) of ``keys`` (from ``hits``), the
    snippet's matched words between ``mark_open`` and ``mark_close``."""
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    if backend.dialect(conn) == backend.POSTGRESQL:
        cfg = backend.FTS_CONFIG
        opts = (f"StartSel={mark_open}, StopSel={mark_close}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
                "MaxFragments=1, FragmentDelimiter=\" … \"")
        return [dict(r) for r in conn.execute(
            "SELECT a.aid AS rid, a.page_id, a.title, a.site, a.url, a.published, a.language, "
            f"ts_headline('{cfg}', a.body, to_tsquery('{cfg}', ?), ?) AS snippet "
            f"FROM articles a WHERE a.aid IN ({marks})", [backend.pg_fts_query(fq), opts, *keys])]
    return [dict(r) for r in conn.execute(
        "SELECT a.rowid AS rid, a.page_id, a.title, a.site, a.url, a.published, a.language, "
        f"snippet(articles_fts, 1, '{mark_open}', '{mark_close}', ' … ', {SNIPPET_WORDS}) AS snippet "
        "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ? "
        "AND articles_fts.rowid >= ? AND articles_fts.rowid <= ? "
        f"AND a.rowid IN ({marks})", [fq, min(keys), max(keys), *keys])]


def key_column(conn) -> str:
    """The articles column the keys of ``hits`` are values of."""
    return "aid" if backend.dialect(conn) == backend.POSTGRESQL else "rowid"


def iter_matches(conn, fq: str, where: list[str], args: list) -> Any:
    """Every article (page_id, title, site, url, published, language) matching ``fq`` and the filters, best
    match first: the whole result, for an export."""
    filt = "".join(f" AND {w}" for w in where)
    cols = "a.page_id, a.title, a.site, a.url, a.published, a.language"
    if backend.dialect(conn) == backend.POSTGRESQL:
        doc = backend.fts_document("s")
        return conn.execute(f"SELECT {cols} FROM articles_search s JOIN articles a ON a.aid = s.aid, "
                            f"to_tsquery('{backend.FTS_CONFIG}', ?) AS q(q) "
                            f"WHERE {doc} @@ q.q{filt} ORDER BY ts_rank({doc}, q.q) DESC, a.aid",
                            [backend.pg_fts_query(fq), *args])
    return conn.execute(f"SELECT {cols} FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
                        "WHERE articles_fts MATCH ?" + filt + " ORDER BY rank, a.aid", [fq, *args])
