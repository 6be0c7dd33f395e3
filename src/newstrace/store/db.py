"""SQLite store: one file, WAL, migrations, idempotent upserts in transactions.

Every write of one batch happens in one transaction, so a run killed at any moment
leaves only whole batches behind; a re-run skips pages whose ``page_id`` is stored.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..records import Article, Problem, content_hash
from .schema import MIGRATIONS

JSON_COLUMNS = ("sections", "tags", "blocks", "alternates", "extra")


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """A newstrace database. ``Store(path)`` creates or migrates it; ``readonly=True`` never writes."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        if readonly:
            uri = f"file:{Path(self.path).resolve()}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            _set_wal(self.conn)
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout=60000")
        if not readonly:
            self.migrate()

    # -- schema -------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations not recorded yet, each in one transaction that holds the write lock
        (``BEGIN IMMEDIATE``): a second process opening the store at the same time waits, then sees the
        migration recorded and skips it; a kill leaves the migration wholly applied or not at all.
        Statements run in their idempotent form, so a store an older version left half-made (its DDL ran
        in autocommit) is completed instead of failing with ``table ... already exists``."""
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = []
        for name, sql in MIGRATIONS:
            if c.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():
                continue
            c.execute("BEGIN IMMEDIATE")
            try:
                if not c.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():
                    run_migration(c, sql)
                    c.execute("INSERT INTO migrations VALUES (?, ?)", (name, now_iso()))
                    applied.append(name)
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return applied

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writes -------------------------------------------------------------
    def known_page_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT page_id FROM pages")}

    def write_batch(self, items: Iterable[tuple[dict[str, Any], Article | None, list[Problem]]],
                    problems: Iterable[Problem] = ()) -> None:
        """Write (page meta, article or None, problems) triples, and problems that belong to no page
        (an unreadable file, a bad JSONL line), in one transaction."""
        c = self.conn
        ts = now_iso()
        with c:
            for p in problems:
                self._write_problem(p, ts)
            for meta, art, page_problems in items:
                status = "article" if art is not None else "problem"
                c.execute(
                    "INSERT INTO pages VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(page_id) DO NOTHING",
                    (meta["page_id"], meta.get("url"), meta["source"], meta.get("fetched_at"),
                     meta.get("content_type"), meta.get("size"), status, ts),
                )
                for p in page_problems:
                    self._write_problem(p, ts)
                if art is not None:
                    self._write_article(art)

    def _write_problem(self, p: Problem, ts: str) -> None:
        pid = content_hash(p.source, p.stage, p.reason)
        self.conn.execute(
            "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(problem_id) DO NOTHING",
            (pid, p.source, p.stage, p.reason, p.detail[:2000], p.url, p.page_id, ts),
        )

    def _write_article(self, a: Article) -> None:
        c = self.conn
        raw_body = "\n\n".join(a.blocks)
        body = a.body or raw_body
        c.execute(
            """INSERT INTO articles (page_id, url, canonical_url, site, publisher, title, byline, published,
                modified, fetched_at, language, description, region, theme, sections, tags, blocks, body,
                raw_body, body_hash, original_source, alternates, extra, source, aid)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,
                       (SELECT coalesce(max(aid), 0) + 1 FROM articles))
               ON CONFLICT(page_id) DO NOTHING""",
            (a.page_id, a.url, a.canonical_url, a.site, a.publisher, a.title, a.byline, a.published,
             a.modified, a.fetched_at, a.language, a.description, a.region, a.theme,
             json.dumps(a.sections), json.dumps(a.tags), json.dumps(a.blocks, ensure_ascii=False), body,
             raw_body, content_hash(body), a.original_source, json.dumps(a.alternates),
             json.dumps(a.extra, ensure_ascii=False), a.source),
        )
        c.executemany(
            "INSERT OR IGNORE INTO credits VALUES (?,?,?,?,?,?)",
            [(a.page_id, i, cr.get("name"), cr.get("url"), cr.get("form") or "statement", cr.get("text"))
             for i, cr in enumerate(a.credits)],
        )
        c.executemany(
            'INSERT OR IGNORE INTO identifiers VALUES (?,?,?,?)',
            [(a.page_id, i["kind"], i["value"], i.get("where") or "text") for i in a.identifiers],
        )
        c.executemany(
            "INSERT OR IGNORE INTO media VALUES (?,?,?)",
            [(a.page_id, m["type"], m["url"]) for m in a.media],
        )
        c.executemany(
            "INSERT OR IGNORE INTO links VALUES (?,?,?,?)",
            [(a.page_id, l["href"], l.get("text") or "", int(bool(l.get("in_body")))) for l in a.outlinks],
        )
        c.execute(
            "INSERT INTO sites(site, name, pages, updated_at) VALUES (?,?,1,?) ON CONFLICT(site) DO UPDATE SET "
            "pages = pages + 1, name = COALESCE(sites.name, excluded.name), updated_at = excluded.updated_at",
            (a.site, a.publisher, now_iso()),
        )

    def relearn_furniture(self, force: bool = False) -> dict[str, int]:
        """Relearn the furniture of every site whose page count grew since it was last learned, and
        recompute its articles' bodies from their unstripped blocks. Returns {site: furniture blocks}."""
        from ..extract import furniture as fm

        c = self.conn
        sites = c.execute(
            "SELECT site, pages FROM sites" + ("" if force else " WHERE pages != furniture_pages")
        ).fetchall()
        out = {}
        for site, npages in sites:
            rows = c.execute("SELECT page_id, blocks, body FROM articles WHERE site=?", (site,)).fetchall()
            page_blocks = [json.loads(r["blocks"]) for r in rows]
            learned = fm.learn(page_blocks)
            hashes = set(learned)
            with c:
                c.execute("DELETE FROM furniture WHERE site=?", (site,))
                c.executemany(
                    "INSERT INTO furniture VALUES (?,?,?,?,?)",
                    [(site, h, t, "repeated", n) for h, (t, n) in learned.items()],
                )
                for r, blocks in zip(rows, page_blocks):
                    body = "\n\n".join(fm.strip(blocks, hashes, lone=npages < fm.MIN_PAGES))
                    if body != r["body"]:
                        c.execute("UPDATE articles SET body=?, body_hash=? WHERE page_id=?",
                                  (body, content_hash(body), r["page_id"]))
                c.execute("UPDATE sites SET furniture_pages=?, updated_at=? WHERE site=?", (npages, now_iso(), site))
            out[site] = len(learned)
        return out

    # -- reads --------------------------------------------------------------
    def article_row_to_dict(self, r: sqlite3.Row, full: bool = True) -> dict[str, Any]:
        d = dict(r)
        for k in JSON_COLUMNS:
            if k in d and isinstance(d[k], str):
                d[k] = json.loads(d[k])
        if full:
            pid = d["page_id"]
            q = self.conn.execute
            d["credits"] = [dict(x) for x in q(
                "SELECT name, url, form, text FROM credits WHERE page_id=? ORDER BY idx", (pid,))]
            d["identifiers"] = [dict(x) for x in q(
                'SELECT kind, value, "where" FROM identifiers WHERE page_id=? ORDER BY kind, value', (pid,))]
            d["media"] = [dict(x) for x in q("SELECT type, url FROM media WHERE page_id=? ORDER BY url", (pid,))]
            d["outlinks"] = [dict(x) for x in q(
                "SELECT href, text, in_body FROM links WHERE page_id=? ORDER BY rowid", (pid,))]
        return d

    def get_article(self, url_or_id: str) -> dict[str, Any] | None:
        r = self.conn.execute(
            "SELECT * FROM articles WHERE page_id=? OR url=? OR canonical_url=? ORDER BY fetched_at DESC LIMIT 1",
            (url_or_id, url_or_id, url_or_id),
        ).fetchone()
        return self.article_row_to_dict(r) if r else None

    def iter_articles(self, full: bool = True, where: str = "", params: tuple = ()) -> Iterator[dict[str, Any]]:
        sql = "SELECT * FROM articles " + (f"WHERE {where} " if where else "") + "ORDER BY rowid"
        for r in self.conn.execute(sql, params).fetchall():
            yield self.article_row_to_dict(r, full=full)

    def stats(self) -> dict[str, Any]:
        q = lambda s: self.conn.execute(s).fetchone()[0]  # noqa: E731
        out = {
            "pages": q("SELECT count(*) FROM pages"),
            "articles": q("SELECT count(*) FROM articles"),
            "sites": q("SELECT count(*) FROM sites"),
            "problems": q("SELECT count(*) FROM problems"),
            "credits": q("SELECT count(*) FROM credits"),
            "identifiers": q("SELECT count(*) FROM identifiers"),
            "media": q("SELECT count(*) FROM media"),
            "links": q("SELECT count(*) FROM links"),
            "furniture_blocks": q("SELECT count(*) FROM furniture"),
        }
        out["problems_by_reason"] = dict(
            self.conn.execute("SELECT reason, count(*) FROM problems GROUP BY reason ORDER BY 2 DESC").fetchall()
        )
        return out


def _set_wal(conn: sqlite3.Connection, wait: float = 60.0) -> None:
    """Switch to WAL. Changing the journal mode ignores the busy timeout, so a process creating the store
    while another one migrates it retries here instead of failing with ``database is locked``."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_CREATE = re.compile(r"^(\s*CREATE\s+(?:UNIQUE\s+|VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER))\s+(?!IF\s+NOT\s+EXISTS)",
                     re.I)
_ADD_COLUMN = re.compile(r"^\s*ALTER\s+TABLE\s+(\w+)\s+ADD\s+COLUMN\s+\"?(\w+)", re.I)


def run_migration(conn: sqlite3.Connection, sql: str) -> None:
    """Run one migration's statements inside the caller's transaction, each in an idempotent form:
    ``CREATE x`` as ``CREATE x IF NOT EXISTS``, and ``ADD COLUMN`` skipped when the column is there."""
    for stmt in _split_sql(sql):
        m = _ADD_COLUMN.match(stmt)
        if m and any(r[1] == m.group(2) for r in conn.execute(f"PRAGMA table_info({m.group(1)})")):
            continue
        conn.execute(_CREATE.sub(r"\1 IF NOT EXISTS ", stmt, count=1))


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    out, buf = [], []
    depth = 0
    for line in sql.splitlines():
        s = line.strip()
        if not s or s.startswith("--"):
            continue
        buf.append(line)
        up = s.upper()
        if up.startswith("CREATE TRIGGER"):
            depth = 1
        if depth and up == "END;":
            depth = 0
            out.append("\n".join(buf))
            buf = []
        elif not depth and s.endswith(";"):
            out.append("\n".join(buf))
            buf = []
    if buf and "".join(buf).strip():
        out.append("\n".join(buf))
    return out
