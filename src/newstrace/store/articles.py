"""Table family ``articles`` (and its per-page side tables) as the stages read it by **article key**
(``articles.aid``, records.ArticleKey): one key for every stage, given when the article is stored.

Small functions over a connection; lists of keys are read in slices of ``IN_MAX`` (SQLite's bound-parameter
limit on older builds).
"""
from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

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


def iter_rows(conn, where: str = "", params: tuple = (), page: int = 500) -> Iterator:
    """Every ``articles`` row (matching ``where``), by article key, read ``page`` rows at a time (keyset on
    ``aid``): memory stays bounded and the first rows come at once, whatever the store's size."""
    last = None
    while True:
        cond = " AND ".join(x for x in (f"({where})" if where else "", "aid > ?" if last is not None else "") if x)
        rows = conn.execute("SELECT * FROM articles " + (f"WHERE {cond} " if cond else "") + "ORDER BY aid LIMIT ?",
                            tuple(params) + ((last,) if last is not None else ()) + (page,)).fetchall()
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1]["aid"]


def all_keys(conn) -> set[ArticleKey]:
    return {r[0] for r in conn.execute("SELECT aid FROM articles")}


def lookup(conn, sql: str, keys: Iterable) -> dict:
    """{first column: second column} of ``sql`` (``{}`` where the ``IN`` list goes) over ``keys``, in slices."""
    out: dict = {}
    for c in slices(keys):
        out.update(conn.execute(sql.format(marks(c)), c).fetchall())
    return out


def stored_read_keys(conn, keys: Iterable[str]) -> set[str]:
    """Those of these read keys (read URL + content) that are stored: an ingest skips their pages before
    extraction, a chunk of pages at a time (not every key of the store held in memory)."""
    return set(lookup(conn, "SELECT read_key, page_id FROM page_sources WHERE read_key IN ({})", set(keys)))


def page_ids(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    """{article key: page_id}."""
    return lookup(conn, "SELECT aid, page_id FROM articles WHERE aid IN ({})", keys)


def keys_of(conn, pids: Iterable[str]) -> dict[str, ArticleKey]:
    """{page_id: article key} of the stored articles among ``pids``."""
    return lookup(conn, "SELECT page_id, aid FROM articles WHERE page_id IN ({})", pids)


def bodies(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    return lookup(conn, "SELECT aid, COALESCE(body, '') FROM articles WHERE aid IN ({})", keys)


def body_hashes(conn, keys: Iterable[ArticleKey]) -> dict[ArticleKey, str]:
    return lookup(conn, "SELECT aid, body_hash FROM articles WHERE aid IN ({})", keys)


def site_pages_with(conn, kind: str, value: str, site: str) -> int:
    """Pages of ``site`` carrying identifier (kind, value)."""
    return conn.execute(
        "SELECT count(*) FROM identifiers i JOIN articles a USING(page_id) WHERE i.kind=? AND i.value=? AND a.site=?",
        (kind, value, site)).fetchone()[0]


# -- what the trace's decisions read about a page (trace/evidence.load_meta) ------------------------------
MONEY_KINDS = ("paypal", "patreon", "crypto", "adsense", "analytics", "telegram", "buymeacoffee", "kofi")


class MetaRow(NamedTuple):
    key: ArticleKey
    page_id: str
    url: str
    site: str
    canonical_url: str | None
    title: str | None
    byline: str | None
    published: str | None
    modified: str | None
    fetched_at: str | None
    language: str | None
    original_source: str | None
    body: str
    words: int | None            # trace_docs.words when indexed
    body_hash: str | None
    precision: str | None        # extra.published_precision (None when extra is not valid JSON)
    credited_source: str | None = None  # extra.original_source as JSON text {name, url, date, form}


def meta_rows(conn, keys: list[ArticleKey]) -> Iterator[MetaRow]:
    for c in slices(keys):
        for r in conn.execute(
                f"SELECT a.aid, a.page_id, a.url, a.site, a.canonical_url, a.title, a.byline, a.published, "
                f"a.modified, a.fetched_at, a.language, a.original_source, a.body, d.words, a.body_hash, "
                f"CASE WHEN json_valid(a.extra) THEN json_extract(a.extra, '$.published_precision') END, "
                f"CASE WHEN json_valid(a.extra) THEN json_extract(a.extra, '$.original_source') END FROM articles a "
                f"LEFT JOIN trace_docs d ON d.rid = a.aid WHERE a.aid IN ({marks(c)})", c):
            yield MetaRow(*r)


def _of_pages(conn, sql: str, keys: list[ArticleKey], tail: str = "") -> Iterator[tuple]:
    for c in slices(keys):
        yield from conn.execute(f"{sql} page_id IN (SELECT page_id FROM articles WHERE aid IN ({marks(c)})){tail}", c)


def credits_of(conn, keys: list[ArticleKey]) -> Iterator[tuple[str, str | None, str | None, str, str | None]]:
    """(page_id, name, url, form, text) of the pages' credits, in page order."""
    return _of_pages(conn, "SELECT page_id, name, url, form, text FROM credits WHERE", keys, " ORDER BY page_id, idx")


def money_identifiers_of(conn, keys: list[ArticleKey]) -> Iterator[tuple[str, str, str]]:
    """(page_id, kind, value) of the pages' money and account identifiers (``MONEY_KINDS``)."""
    kinds = ",".join(f"'{k}'" for k in MONEY_KINDS)
    return _of_pages(conn, f"SELECT page_id, kind, value FROM identifiers WHERE kind IN ({kinds}) AND", keys)


def links_of(conn, keys: list[ArticleKey]) -> Iterator[tuple[str, str, str, int]]:
    """(page_id, href, text, in_body) of the pages' links."""
    return _of_pages(conn, "SELECT page_id, href, text, in_body FROM links WHERE", keys)


def media_of(conn, keys: list[ArticleKey]) -> Iterator[tuple[str, str]]:
    """(page_id, url) of the pages' media."""
    return _of_pages(conn, "SELECT page_id, url FROM media WHERE", keys, " ORDER BY page_id, url")


def byline_counts(conn) -> Iterator[tuple[str, str, int]]:
    """(byline, site, pages) over every article with a byline, as of the last ``fold_bylines`` (the trace's
    start phase calls it): read from the ``byline_counts`` table, not counted over every article."""
    return conn.execute("SELECT byline, site, pages FROM byline_counts")


def fold_bylines(conn) -> int:
    """Add the articles stored since the last call to ``byline_counts``; returns how many were read (the
    first call reads them all).  Articles are never deleted and their bylines never change, so counting the
    new ones keeps the table equal to a count over every article."""
    r = conn.execute("SELECT aid FROM incremental_marks WHERE name = 'bylines'").fetchone()
    mark = r[0] if r else -1
    top = conn.execute("SELECT max(aid) FROM articles").fetchone()[0]
    if top is None or top <= mark:
        return 0
    rows = conn.execute(
        "SELECT byline, site, count(*) FROM articles WHERE aid > ? AND aid <= ? AND byline IS NOT NULL "
        "AND byline != '' GROUP BY 1, 2", (mark, top)).fetchall()
    conn.executemany("INSERT INTO byline_counts (byline, site, pages) VALUES (?,?,?) ON CONFLICT (byline, site) "
                     "DO UPDATE SET pages = byline_counts.pages + excluded.pages", rows)
    conn.execute("INSERT INTO incremental_marks (name, aid) VALUES ('bylines', ?) ON CONFLICT (name) DO UPDATE SET "
                 "aid = excluded.aid", (top,))
    return top - mark


def site_names(conn) -> Iterator[tuple[str, str | None]]:
    """(site, name it publishes under)."""
    return conn.execute("SELECT site, name FROM sites")


def bodies_by_page(conn, pids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in slices(pids, 500):
        out.update({r[0]: r[1] or "" for r in conn.execute(
            f"SELECT page_id, body FROM articles WHERE page_id IN ({marks(c)})", c)})
    return out


def inbody_links(conn, pids: list[str]) -> Iterator[tuple[str, str]]:
    """(page_id, href) of the pages' in-body links."""
    for c in slices(pids, 500):
        yield from conn.execute(f"SELECT page_id, href FROM links WHERE in_body = 1 AND page_id IN ({marks(c)})", c)


# -- reads for the demo's report (demo.py) -------------------------------------------------------------------
def count_rows(conn, table: str) -> int:
    """Rows of ``table`` (0 when an older schema lacks it)."""
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except Exception:  # noqa: BLE001 - table absent in an older schema
        return 0


def listing(conn) -> list:
    """Every article (page_id, url, site, title, byline, published, language, region, theme, source) by date."""
    return conn.execute(
        "SELECT page_id, url, site, title, byline, published, language, region, theme, source FROM articles "
        "ORDER BY COALESCE(published, '9999'), site, url, page_id").fetchall()


def credit_listing(conn) -> list:
    """Every credit (site, url, form, name, curl) by page."""
    return conn.execute(
        "SELECT a.site, a.url, c.form, c.name, c.url AS curl FROM credits c JOIN articles a USING(page_id) "
        "ORDER BY a.site, a.url, c.page_id, c.idx").fetchall()


def identifier_sites(conn) -> list:
    """Every identifier (kind, value) with the sites carrying it (sites: comma-separated, n: how many)."""
    return conn.execute(
        "SELECT i.kind, i.value, group_concat(DISTINCT a.site) AS sites, count(DISTINCT a.site) AS n "
        "FROM identifiers i JOIN articles a USING(page_id) GROUP BY i.kind, i.value ORDER BY i.kind, i.value"
    ).fetchall()


def url_of(conn, page_id: str) -> str | None:
    r = conn.execute("SELECT url FROM articles WHERE page_id=?", (page_id,)).fetchone()
    return r[0] if r else None
