"""The store: SQLite (one file, WAL) or PostgreSQL (``postgresql://`` URL, through store/backend.py),
migrations, idempotent upserts in transactions.

Every write of one batch happens in one transaction, so a run killed at any moment
leaves only whole batches behind; a re-run skips pages whose ``page_id`` is stored.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import urllib.parse
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..records import Article, Problem, content_hash
from . import backend
from .schema import MIGRATIONS, PG_VARIANTS

JSON_COLUMNS = ("sections", "tags", "blocks", "alternates", "extra")


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """A newstrace database. ``Store(path)`` creates or migrates it; ``readonly=True`` never writes.
    ``path`` is an SQLite file or a ``postgresql://`` URL (an existing PostgreSQL database)."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        self._older_rows: bool | None = None
        self.dialect = backend.POSTGRESQL if backend.is_url(self.path) else backend.SQLITE
        if self.dialect == backend.POSTGRESQL:
            self.conn = open_pg(self.path, readonly)
            if not readonly:
                self.migrate()
            return
        try:
            if readonly:
                self.conn = open_readonly(self.path)
            else:
                folder = os.path.dirname(os.path.abspath(self.path))
                if not os.path.isdir(folder):
                    raise StoreError("E003", f"cannot create database {self.path}: folder {folder} does not exist")
                self.conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
                # a store on a read-only mount or file opens fine and fails at its first write: fail now
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                self.conn.execute(f"PRAGMA user_version={int(version)}")
                _set_wal(self.conn)
                self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA busy_timeout=60000")
            if not readonly:
                self.migrate()
        except sqlite3.DatabaseError as e:
            raise database_error(self.path, e) from None

    # -- schema -------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply the migrations not recorded yet, each in one transaction that holds the write lock
        (``BEGIN IMMEDIATE``): a second process opening the store at the same time waits, then sees the
        migration recorded and skips it; a kill leaves the migration wholly applied or not at all.
        Statements run in their idempotent form, so a store an older version left half-made (its DDL ran
        in autocommit) is completed instead of failing with ``table ... already exists``."""
        c = self.conn
        if self.dialect == backend.POSTGRESQL:
            # PostgreSQL: a session advisory lock stands for SQLite's write lock (BEGIN IMMEDIATE)
            c.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            c.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            applied = []
            for name, sql in MIGRATIONS:
                if c.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():
                    continue
                c.execute("BEGIN IMMEDIATE")
                try:
                    if not c.execute("SELECT 1 FROM migrations WHERE name=?", (name,)).fetchone():
                        run_migration(c, sql, name)
                        c.execute("INSERT INTO migrations VALUES (?, ?)", (name, now_iso()))
                        applied.append(name)
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
        finally:
            if self.dialect == backend.POSTGRESQL:
                c.raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
                c.forget_tables()
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

    def known_read_keys(self) -> set[str]:
        """(read URL, content) keys of every page read so far: a re-run skips these before extraction."""
        return {r[0] for r in self.conn.execute("SELECT read_key FROM page_sources WHERE read_key IS NOT NULL")}

    def write_batch(self, items: Iterable[tuple[dict[str, Any], Article | None, list[Problem]]],
                    problems: Iterable[Problem] = ()) -> Counter:
        """Write (page meta, article or None, problems) triples, and problems that belong to no page
        (an unreadable file, a bad JSONL line), in one transaction. A page already stored (same page_id: same
        URL and content, read from anywhere) only gains a ``page_sources`` row. Returns what was new:
        ``pages``, ``articles``, ``problems``, and ``already_stored`` pages."""
        c = self.conn
        ts = now_iso()
        new: Counter = Counter()
        with c:
            for p in problems:
                new["problems"] += self._write_problem(p, ts)
            rows = []
            for meta, art, page_problems in items:
                pid = self._adopt_older_row(meta, art) or meta["page_id"]
                rows.append((pid, meta, art, page_problems))
            # a few statements per batch, not per page (each is a round trip to a PostgreSQL server): the pages
            # inserted now (RETURNING), then each table's rows at once, in page order as one by one would
            fresh = self._insert_pages(rows, ts)
            c.executemany("INSERT OR IGNORE INTO page_sources VALUES (?,?,?,?)",
                          [(pid, meta["source"], meta.get("read_key"), ts) for pid, meta, _, _ in rows])
            arts = []
            for pid, meta, art, page_problems in rows:
                for p in page_problems:
                    p.page_id = pid
                    new["problems"] += self._write_problem(p, ts)
                if pid not in fresh:
                    new["already_stored"] += 1
                    continue
                fresh.discard(pid)        # the same page twice in one batch: stored once
                new["pages"] += 1
                if art is not None:
                    art.page_id = pid
                    arts.append(art)
            self._write_articles(arts)
            new["articles"] += len(arts)
        return new

    def _insert_pages(self, rows: list, ts: str, chunk: int = 500) -> set[str]:
        """Insert the pages rows not stored yet; the page_ids inserted."""
        fresh: set[str] = set()
        for i in range(0, len(rows), chunk):
            part = rows[i:i + chunk]
            fresh.update(r[0] for r in self.conn.execute(
                "INSERT INTO pages (page_id, url, source, fetched_at, content_type, size, status, ingested_at,"
                " url_key, content_sha) VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?,?)"] * len(part))
                + " ON CONFLICT(page_id) DO NOTHING RETURNING page_id",
                [v for pid, meta, art, _ in part for v in (
                    pid, meta.get("url"), meta["source"], meta.get("fetched_at"), meta.get("content_type"),
                    meta.get("size"), "article" if art is not None else "problem", ts, meta.get("url_key"),
                    meta.get("content_sha"))]).fetchall())
        return fresh

    def _adopt_older_row(self, meta: dict[str, Any], art: Article | None) -> str | None:
        """The page_id of a row stored by an older version (keyed by the path as typed; no content_sha) that
        holds this very page: same URL and same extracted content. The row takes this page's content_sha, so
        the page is not stored a second time under its new id."""
        if self._older_rows is None:
            self._older_rows = self.conn.execute(
                "SELECT 1 FROM pages WHERE content_sha IS NULL LIMIT 1").fetchone() is not None
        if not self._older_rows:
            return None
        if art is not None:
            row = self.conn.execute(
                "SELECT p.page_id FROM articles a JOIN pages p USING(page_id) WHERE a.url IN (?,?) AND "
                "p.content_sha IS NULL AND a.raw_body = ? AND a.title IS ? LIMIT 1",
                (art.url, art.canonical_url, "\n\n".join(art.blocks), art.title)).fetchone()
        else:
            row = self.conn.execute(
                "SELECT page_id FROM pages WHERE url = ? AND content_sha IS NULL AND status = 'problem' "
                "AND size IS ? LIMIT 1", (meta.get("url"), meta.get("size"))).fetchone()
        if row is None:
            return None
        self.conn.execute("UPDATE pages SET content_sha = ?, url_key = ? WHERE page_id = ?",
                          (meta.get("content_sha"), meta.get("url_key"), row[0]))
        return row[0]

    def _write_problem(self, p: Problem, ts: str) -> int:
        """Insert a problem unless recorded already; 1 when it is new. Its id is the page's (or the resolved
        file's) plus stage and reason, so the same bad input read from another path spelling is one problem;
        the id older versions gave (the source as typed) is checked too."""
        pid = content_hash(p.page_id or _resolved_source(p.source), p.stage, p.reason)
        old = content_hash(p.source, p.stage, p.reason)
        return self.conn.execute(
            "INSERT INTO problems SELECT ?,?,?,?,?,?,?,? WHERE NOT EXISTS "
            "(SELECT 1 FROM problems WHERE problem_id IN (?, ?)) ON CONFLICT(problem_id) DO NOTHING",
            (pid, p.source, p.stage, p.reason, p.detail[:2000], p.url, p.page_id, ts, pid, old),
        ).rowcount

    def _write_articles(self, arts: list[Article]) -> None:
        """Articles (each with the next aid, in order), their credits, identifiers, media and links, and
        their sites' page counts: one executemany per table."""
        if not arts:
            return
        c = self.conn
        rows = []
        for a in arts:
            raw_body = "\n\n".join(a.blocks)
            body = a.body or raw_body
            rows.append((a.page_id, a.url, a.canonical_url, a.site, a.publisher, a.title, a.byline, a.published,
                         a.modified, a.fetched_at, a.language, a.description, a.region, a.theme,
                         json.dumps(a.sections), json.dumps(a.tags), json.dumps(a.blocks, ensure_ascii=False), body,
                         raw_body, content_hash(body), a.original_source, json.dumps(a.alternates),
                         json.dumps(a.extra, ensure_ascii=False), a.source))
        c.executemany(
            """INSERT INTO articles (page_id, url, canonical_url, site, publisher, title, byline, published,
                modified, fetched_at, language, description, region, theme, sections, tags, blocks, body,
                raw_body, body_hash, original_source, alternates, extra, source, aid)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,
                       (SELECT coalesce(max(aid), 0) + 1 FROM articles))
               ON CONFLICT(page_id) DO NOTHING""", rows)
        c.executemany(
            "INSERT OR IGNORE INTO credits VALUES (?,?,?,?,?,?)",
            [(a.page_id, i, cr.get("name"), cr.get("url"), cr.get("form") or "statement", cr.get("text"))
             for a in arts for i, cr in enumerate(a.credits)])
        c.executemany(
            'INSERT OR IGNORE INTO identifiers VALUES (?,?,?,?)',
            [(a.page_id, i["kind"], i["value"], i.get("where") or "text") for a in arts for i in a.identifiers])
        c.executemany("INSERT OR IGNORE INTO media VALUES (?,?,?)",
                      [(a.page_id, m["type"], m["url"]) for a in arts for m in a.media])
        c.executemany(
            "INSERT OR IGNORE INTO links VALUES (?,?,?,?)",
            [(a.page_id, l["href"], l.get("text") or "", int(bool(l.get("in_body")))) for a in arts
             for l in a.outlinks])
        ts = now_iso()
        c.executemany(
            "INSERT INTO sites(site, name, pages, updated_at) VALUES (?,?,1,?) ON CONFLICT(site) DO UPDATE SET "
            "pages = sites.pages + 1, name = COALESCE(sites.name, excluded.name), updated_at = excluded.updated_at",
            [(a.site, a.publisher, ts) for a in arts])

    def relearn_furniture(self, force: bool = False) -> dict[str, int]:
        """Relearn site furniture and strip it from bodies again (the extract phase extract/relearn.py, which
        keeps a replaced body while a copy's spans name it). Returns {site: furniture blocks}."""
        from ..extract.relearn import relearn
        return relearn(self.conn, force)

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
            d["outlinks"] = [dict(x) for x in q(   # (rowid: a real column on PostgreSQL, migration 0030)
                "SELECT href, text, in_body FROM links WHERE page_id=? ORDER BY rowid", (pid,))]
        return d

    def get_article(self, url_or_id: str) -> dict[str, Any] | None:
        r = self.conn.execute(
            "SELECT * FROM articles WHERE page_id=? OR url=? OR canonical_url=? ORDER BY fetched_at DESC, aid DESC "
            "LIMIT 1",
            (url_or_id, url_or_id, url_or_id),
        ).fetchone()
        return self.article_row_to_dict(r) if r else None

    def iter_articles(self, full: bool = True, where: str = "", params: tuple = ()) -> Iterator[dict[str, Any]]:
        from .articles import iter_rows
        for r in iter_rows(self.conn, where, params):   # a page of rows at a time, not the whole table
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
            "copies": q("SELECT count(*) FROM copies"),
            "stories": q("SELECT count(*) FROM stories"),
            "copy_edges": q("SELECT count(*) FROM site_edges WHERE kind = 'copy'"),
            "operator_groups": q("SELECT count(DISTINCT group_id) FROM site_groups"),
        }
        out["problems_by_reason"] = dict(
            self.conn.execute("SELECT reason, count(*) FROM problems GROUP BY reason ORDER BY 2 DESC, 1").fetchall()
        )
        return out


class StoreError(RuntimeError):
    """A database that cannot be opened or written, with a code users can look up in the README."""

    def __init__(self, code: str, message: str):
        super().__init__(f"[{code}] {message}")
        self.code = code


class DatabaseNotFound(StoreError, FileNotFoundError):
    pass


MIGRATION_LOCK = 0x6E657773   # pg_advisory_lock key of migrations ("news")


def open_pg(url: str, readonly: bool = False) -> "backend.PgConnection":
    """A PostgreSQL store's connection; the database must exist (``createdb``), and must hold a store to be
    read (E002). Connection failures are E006 with the server's reason."""
    import psycopg
    try:
        conn = backend.connect_pg(url, readonly)
    except psycopg.Error as e:
        raise StoreError("E006", f"cannot connect to PostgreSQL database {backend.redact(url)}: "
                                 f"{str(e).strip()}") from None
    if readonly and conn.execute("SELECT to_regclass('migrations')").fetchone()[0] is None:
        conn.close()
        raise DatabaseNotFound("E002", f"no newstrace store in {backend.redact(url)} (run `newstrace ingest PATH "
                                       f"--db URL` first)")
    return conn


def database_error(path: str, e: BaseException) -> StoreError:
    """The database error of opening or writing ``path`` as a coded StoreError saying what to do."""
    msg = str(e)
    if backend.is_url(path):
        return StoreError("E006", f"database {backend.redact(path)}: {msg.strip()}")
    if "not a database" in msg or "malformed" in msg:
        return StoreError("E005", f"{path} is not a newstrace (SQLite) database ({msg}); give another --db path")
    if "readonly" in msg or "unable to open" in msg or "read-only" in msg:
        return StoreError("E004", f"cannot write database {path}: the file or its folder is read-only ({msg}); "
                                  "read commands (stats, show, copies, sites, export, serve) still work on it")
    return StoreError("E006", f"database {path}: {msg}")


def open_readonly(path: str):
    """A connection that never writes (a ``postgresql://`` URL: a read-only PostgreSQL session). A WAL database in a read-only folder cannot get its ``-shm`` file: when
    its log is empty (a cleanly closed store) it is opened immutable instead; when the log holds changes,
    E004 says the folder must be writable to read them."""
    if backend.is_url(path):
        return open_pg(path, readonly=True)
    if not os.path.exists(path):
        raise DatabaseNotFound("E002", f"no database at {path} (run `newstrace ingest PATH --db {path}` first)")
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as e:
        conn.close()
        wal = path + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            raise StoreError("E004", f"cannot read {path}: its write-ahead log holds changes that need a writable "
                                     f"folder to be read ({e}); make the folder writable") from None
    conn = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def _resolved_source(source: str) -> str:
    """A problem's source with its file part resolved (symlinks, ``.``, relative spellings):
    ``x/a.warc.gz#123`` and ``./x/a.warc.gz#123`` are one source."""
    for sep in ("", "#", ":"):
        head, _, tail = source.rpartition(sep) if sep else (source, "", "")
        if head and os.path.exists(head):
            return os.path.realpath(head) + (sep + tail if sep else "")
    return source


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


def run_migration(conn, sql: str, name: str | None = None) -> None:
    """Run one migration's statements inside the caller's transaction, each in an idempotent form:
    ``CREATE x`` as ``CREATE x IF NOT EXISTS``, and ``ADD COLUMN`` skipped when the column is there.
    On PostgreSQL the migration's variant (schema.PG_VARIANTS) when it has one, else its statements through
    the backend's translation."""
    if backend.dialect(conn) == backend.POSTGRESQL:
        variant = PG_VARIANTS.get(name or "", sql)
        if isinstance(variant, list):
            for stmt in variant:
                conn.raw.execute(stmt)
            return
        for stmt in _split_sql(variant):
            conn.execute(_CREATE.sub(r"\1 IF NOT EXISTS ", stmt, count=1))
        conn.forget_tables()
        return
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
