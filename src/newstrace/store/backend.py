"""The backend seam: the one module that knows which database a store is (SQLite or PostgreSQL).

Store modules write SQLite-flavoured SQL over a connection (``conn.execute(sql, params)``, ``executemany``,
``with conn:`` for a transaction, rows readable by index and by column name).  ``connect(target)`` gives such a
connection for either backend:

- a path -> ``sqlite3`` (WAL, busy timeout), unchanged;
- ``postgresql://...`` -> ``PgConnection``, a thin wrapper over a psycopg 3 connection with the same surface,
  which translates each statement once (``translate``, cached) — an explicit, tested list:

  ==========================================  =============================================================
  SQLite                                      PostgreSQL
  ==========================================  =============================================================
  ``?`` placeholders (``%`` in the text)      ``%s`` (``%%``); ``? IS NULL``: ``%s::text IS NULL``
  bare columns in ``DO UPDATE SET``           qualified with the table (PostgreSQL finds them ambiguous)
  ``INSERT OR IGNORE INTO t ...``             ``INSERT INTO t ... ON CONFLICT DO NOTHING``
  ``INSERT OR REPLACE INTO t ...``            ``... ON CONFLICT (primary key) DO UPDATE SET c = excluded.c``
  ``x IS ?`` / ``x IS NOT y``                 ``IS NOT DISTINCT FROM`` / ``IS DISTINCT FROM``
  ``LIKE`` (ASCII case-insensitive)           ``ILIKE``
  ``ORDER BY x`` (NULLs first ascending)      ``ORDER BY x NULLS FIRST`` (``DESC``: ``NULLS LAST``)
  DDL types INTEGER, REAL, BLOB, TEXT         BIGINT, DOUBLE PRECISION, BYTEA, TEXT COLLATE "C" (byte order,
                                              as SQLite compares); ``REFERENCES`` and ``WITHOUT ROWID`` dropped
                                              (SQLite does not enforce foreign keys here either)
  ``PRAGMA cache_size`` / ``busy_timeout``    answered locally (no server-side equivalent needed)
  json_valid, json_extract, julianday,        SQL functions of the same name and meaning, created by
  group_concat, round(real, n), ifnull        migration ``0030_pg_compat``
  implicit BEGIN before INSERT/UPDATE/DELETE  the same (autocommit otherwise, so readers see every commit)
  ==========================================  =============================================================

  What is not translated has a PostgreSQL variant where it lives: the FTS5 table (``schema.PG_VARIANTS``:
  a GIN index over ``fts_document``; search through ``fts_*`` here), triggers, migrations that touch ``rowid``
  (only older SQLite stores need them), and ``rowid`` itself (articles are keyed by ``aid``).

``dialect(conn)`` says which backend a connection is ("sqlite" | "postgresql") where SQL must differ.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
from typing import Any, Callable, Iterable, Iterator

SQLITE, POSTGRESQL = "sqlite", "postgresql"


def is_url(target: Any) -> bool:
    """True for a PostgreSQL connection URL (``postgresql://`` or ``postgres://``)."""
    return isinstance(target, str) and target.split("://", 1)[0].lower() in ("postgresql", "postgres")


def dialect(conn) -> str:
    return getattr(conn, "dialect", SQLITE)


def redact(target: str) -> str:
    """A URL with its password hidden, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(target))


# -- errors ------------------------------------------------------------------------------------------------
def database_errors() -> tuple[type[BaseException], ...]:
    """The exception classes a database failure raises, on either backend (for ``except``)."""
    try:
        import psycopg
        return (sqlite3.DatabaseError, psycopg.Error)
    except ImportError:   # pragma: no cover - psycopg is a dependency
        return (sqlite3.DatabaseError,)


# -- connections -------------------------------------------------------------------------------------------
def connect(target: str, readonly: bool = False):
    """A plain connection to a store (no migration): sqlite3 for a path, PgConnection for a URL. For worker
    processes that read what the parent's Store wrote."""
    if is_url(target):
        return connect_pg(target, readonly)
    return sqlite3.connect(target, timeout=60, check_same_thread=False)


def reachable(target: str) -> bool:
    """A store a second process can open too: an existing file, or a PostgreSQL URL."""
    return is_url(target) or os.path.exists(target)


def connect_pg(url: str, readonly: bool = False) -> "PgConnection":
    import psycopg
    raw = psycopg.connect(url, autocommit=True, connect_timeout=30)
    _adapt(raw)
    raw.execute("SET TIME ZONE 'UTC'")    # julianday() of dates without an offset: UTC, as SQLite
    conn = PgConnection(raw, url)
    if readonly:
        raw.execute("SET default_transaction_read_only = on")
    return conn


def _adapt(raw) -> None:
    """Values as the sqlite3 module gives them: numeric sums as int (or float), booleans as 0/1, bool
    parameters as integers (SQLite has no boolean type; columns holding flags are integers)."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo  # noqa: F401

    class NumericLoader(Loader):
        def load(self, data):
            s = bytes(data).decode()
            if s in ("NaN", "Infinity", "-Infinity"):
                return float(s)
            return float(s) if ("." in s or "e" in s or "E" in s) else int(s)

    class BoolLoader(Loader):
        def load(self, data):
            return 1 if bytes(data) == b"t" else 0

    class BoolDumper(Dumper):
        oid = 20   # int8

        def dump(self, obj):
            return b"1" if obj else b"0"

    BoolDumper.format = Format.TEXT
    raw.adapters.register_loader("numeric", NumericLoader)
    raw.adapters.register_loader("bool", BoolLoader)
    raw.adapters.register_dumper(bool, BoolDumper)


class Row(tuple):
    """A result row read by index, by column name (case-insensitive, as sqlite3.Row) and as a mapping
    (``dict(row)``). Each query gets a subclass holding its column names."""
    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}

    def __getitem__(self, k):
        if isinstance(k, str):
            i = self._index.get(k)
            if i is None:
                i = self._index.get(k.lower())
                if i is None:
                    raise IndexError(f"No item with that key: {k}")
            return tuple.__getitem__(self, i)
        return tuple.__getitem__(self, k)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor):
    desc = cursor.description
    if desc is None:
        return tuple
    names = tuple(d.name for d in desc)
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(n, i)
        index.setdefault(n.lower(), i)
    cls = type("Row", (Row,), {"_names": names, "_index": index})
    return cls


class PgCursor:
    """The part of sqlite3.Cursor store modules use: iteration, fetchone/fetchall/fetchmany, rowcount,
    description."""

    def __init__(self, cur, make=None):
        self._cur = cur
        self._make = make

    def _wrap(self, values):
        if values is None:
            return None
        if self._make is None:
            self._make = _row_factory(self._cur)
        return self._make(values)

    def fetchone(self):
        if self._cur.description is None:
            return None
        return self._wrap(self._cur.fetchone())

    def fetchall(self) -> list:
        if self._cur.description is None:
            return []
        if self._make is None:
            self._make = _row_factory(self._cur)
        return [self._make(v) for v in self._cur.fetchall()]

    def fetchmany(self, size: int = 1000) -> list:
        if self._cur.description is None:
            return []
        if self._make is None:
            self._make = _row_factory(self._cur)
        return [self._make(v) for v in self._cur.fetchmany(size)]

    def __iter__(self) -> Iterator:
        if self._cur.description is None:
            return iter(())
        if self._make is None:
            self._make = _row_factory(self._cur)
        make = self._make
        return (make(v) for v in self._cur)

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    @property
    def description(self):
        return self._cur.description

    def close(self) -> None:
        self._cur.close()


_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
_TXN = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK)\b(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION))?\s*;?\s*$", re.I)
_PRAGMA = re.compile(r"^\s*PRAGMA\s+(\w+)\s*(?:=\s*(\S+))?\s*;?\s*$", re.I)


class PgConnection:
    """A psycopg 3 connection with sqlite3.Connection's surface (see the module docstring).  Autocommit
    outside transactions, an implicit ``BEGIN`` before the first INSERT/UPDATE/DELETE, ``with conn:``
    commits (or rolls back on an exception), as the sqlite3 module does."""

    dialect = POSTGRESQL

    def __init__(self, raw, url: str):
        self.raw = raw
        self.url = url
        self.row_factory = None     # accepted and ignored: rows are always readable by name and index
        self._pragmas = {"cache_size": -2000, "busy_timeout": 60000}
        self._tables: dict[str, tuple[list[str], list[str]]] = {}
        self._lock = threading.RLock()
        self._wrote = False          # the open transaction wrote: its COMMIT counts one change (change_token)
        self._counter = False        # the store_changes table exists (migration 0091)

    # -- statements -------------------------------------------------------------------------------------
    def _prepare(self, sql: str) -> str:
        return translate(sql, self.table_info)

    def _begin_if_needed(self, sql: str) -> None:
        from psycopg.pq import TransactionStatus
        if _DML.match(sql):
            if self.raw.info.transaction_status == TransactionStatus.IDLE:
                self.raw.execute("BEGIN")
            self._wrote = True

    def _count_change(self) -> None:
        """Before the COMMIT of a transaction that wrote: one more change in ``store_changes`` (in the same
        transaction, so a reader sees the new count exactly when it sees the rows)."""
        if self._wrote and self.in_transaction:
            if not self._counter:
                self._counter = self.raw.execute("SELECT to_regclass('store_changes')").fetchone()[0] is not None
            if self._counter:
                self.raw.execute("UPDATE store_changes SET n = n + 1 WHERE id = 1")
        self._wrote = False

    def execute(self, sql: str, params: Iterable | None = ()) -> PgCursor:
        m = _PRAGMA.match(sql)
        if m:
            return self._pragma(m.group(1).lower(), m.group(2))
        t = _TXN.match(sql)
        if t:
            word = t.group(1).upper()
            if word in ("COMMIT", "END"):
                self._count_change()
            elif word == "ROLLBACK":
                self._wrote = False
            self.raw.execute("COMMIT" if word == "END" else word)
            return PgCursor(self.raw.cursor())
        with self._lock:
            self._begin_if_needed(sql)
            cur = self.raw.cursor()
            cur.execute(self._prepare(sql), tuple(params) if params is not None else ())
            return PgCursor(cur)

    def executemany(self, sql: str, seq: Iterable[Iterable]) -> PgCursor:
        with self._lock:
            self._begin_if_needed(sql)
            cur = self.raw.cursor()
            rows = [tuple(r) for r in seq]
            if rows:
                cur.executemany(self._prepare(sql), rows)
            return PgCursor(cur)

    def _pragma(self, name: str, value: str | None) -> PgCursor:
        """SQLite's per-connection knobs have no PostgreSQL counterpart the store needs: remembered, answered."""
        if name not in self._pragmas and name not in ("synchronous", "journal_mode", "query_only", "mmap_size",
                                                      "user_version"):
            raise NotImplementedError(f"PRAGMA {name} has no PostgreSQL translation (store/backend.py)")
        if value is not None:
            self._pragmas[name] = int(value) if value.lstrip("-").isdigit() else value
            return PgCursor(self.raw.cursor())
        cur = self.raw.cursor()
        cur.execute("SELECT %s", (self._pragmas.get(name, 0),))
        return PgCursor(cur)

    # -- transactions -----------------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def commit(self) -> None:
        if self.in_transaction:
            self._count_change()
            self.raw.execute("COMMIT")
        self._wrote = False

    def rollback(self) -> None:
        self._wrote = False
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def __enter__(self) -> "PgConnection":
        return self

    def __exit__(self, typ, exc, tb) -> bool:
        if typ is None:
            self.commit()
        else:
            self.rollback()
        return False

    def close(self) -> None:
        try:
            self.rollback()
        except Exception:  # noqa: BLE001 - a broken connection closes all the same
            pass
        self.raw.close()

    # -- schema knowledge for INSERT OR REPLACE ---------------------------------------------------------
    def table_info(self, table: str) -> tuple[list[str], list[str]]:
        """(columns in order, primary key columns) of ``table``."""
        t = table.lower()
        if t not in self._tables:
            cols = [r[0] for r in self.raw.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum", (t,))]
            pk = [r[0] for r in self.raw.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)", (t,))]
            if not cols:
                raise LookupError(f"no table {table}")
            self._tables[t] = (cols, pk)
        return self._tables[t]

    def forget_tables(self) -> None:
        self._tables.clear()


# -- SQL translation ---------------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
      (?P<str>'(?:[^']|'')*')
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<ws>\s+)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<op>\|\||<=|>=|!=|<>|==|::|[(),;?%.=<>+\-*/])
    | (?P<other>.)
""", re.X | re.S)

_CACHE: dict[tuple, str] = {}
_CACHE_MAX = 4096


def tokens(sql: str) -> list[list[str]]:
    """[[kind, text], ...] covering ``sql``."""
    return [[m.lastgroup, m.group()] for m in _TOKEN.finditer(sql)]


def translate(sql: str, table_info: Callable[[str], tuple[list[str], list[str]]] | None = None) -> str:
    """One SQLite statement in PostgreSQL's dialect (see the table in the module docstring), for psycopg's
    ``%s`` parameter style. ``table_info(table)`` -> (columns, primary key) is needed for INSERT OR REPLACE."""
    hit = _CACHE.get((sql, table_info is None))
    if hit is not None:
        return hit
    toks = tokens(sql)
    words = [i for i, t in enumerate(toks) if t[0] not in ("ws", "comment")]

    def w(j: int) -> str:   # (the word as written: ORDER BY may have appended NULLS ... to it already)
        return (toks[words[j]][1].upper().split(" ", 1)[0] if toks[words[j]][1] else "") \
            if 0 <= j < len(words) else ""

    first = w(0)
    conflict = ""
    if first in ("CREATE", "ALTER"):
        _ddl(toks, words)
    elif first in ("INSERT", "REPLACE"):
        conflict = _insert_or(toks, words, table_info)
        if table_info is not None:
            _qualify_update(toks, words, table_info)
    for j, i in enumerate(words):
        kind, text = toks[i]
        up = text.upper()
        if kind == "op" and text == "?":
            # a parameter tested for NULL has no type PostgreSQL can infer when it is None: text will do
            null_test = w(j + 1) == "IS" and (w(j + 2) == "NULL" or (w(j + 2) == "NOT" and w(j + 3) == "NULL"))
            toks[i][1] = "%s::text" if null_test else "%s"
        elif kind == "op" and text == "%":
            toks[i][1] = "%%"
        elif kind == "str" and "%" in text:
            toks[i][1] = text.replace("%", "%%")
        elif kind == "word" and up == "LIKE":
            toks[i][1] = "ILIKE"
        elif kind == "word" and up == "IS":
            nxt = w(j + 1)
            if nxt == "NOT":
                if w(j + 2) not in ("NULL", "TRUE", "FALSE", "DISTINCT"):
                    toks[i][1] = "IS"
                    toks[words[j + 1]][1] = "DISTINCT FROM"
            elif nxt not in ("NULL", "TRUE", "FALSE", "DISTINCT", ""):
                toks[i][1] = "IS NOT DISTINCT FROM"
        elif kind == "word" and up == "ORDER" and w(j + 1) == "BY":
            _nulls_like_sqlite(toks, words, j + 2)
    out = "".join(t[1] for t in toks)
    if conflict:
        out = out.rstrip().rstrip(";").rstrip() + conflict
    if len(_CACHE) > _CACHE_MAX:
        _CACHE.clear()
    _CACHE[(sql, table_info is None)] = out
    return out


_ORDER_END = {"LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "FETCH", "ROWS", "RANGE", "GROUPS", "FOR"}


def _nulls_like_sqlite(toks: list[list[str]], words: list[int], j: int) -> None:
    """Append NULLS FIRST (ascending) / NULLS LAST (descending) to each term of the ORDER BY list starting
    at word ``j``: SQLite sorts NULL as the smallest value, PostgreSQL as the largest."""
    depth = 0
    term: list[int] = []

    def close(term: list[int]) -> None:
        if not term:
            return
        texts = [toks[i][1].upper() for i in term]
        if "NULLS" in texts:
            return
        last = term[-1]
        toks[last][1] += " NULLS LAST" if texts[-1] == "DESC" else " NULLS FIRST"

    while j < len(words):
        i = words[j]
        kind, text = toks[i]
        up = text.upper()
        if text == "(":
            depth += 1
        elif text == ")":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (text == ";" or (kind == "word" and up in _ORDER_END)):
            break
        elif depth == 0 and text == ",":
            close(term)
            term = []
            j += 1
            continue
        term.append(i)
        j += 1
    close(term)


def _drop(toks: list[list[str]], i: int) -> None:
    """Remove token ``i`` and the white space before it."""
    toks[i][1] = ""
    if i > 0 and toks[i - 1][0] == "ws":
        toks[i - 1][1] = ""


_TYPES = {"INTEGER": "BIGINT", "INT": "BIGINT", "REAL": "DOUBLE PRECISION", "BLOB": "BYTEA",
          "TEXT": 'TEXT COLLATE "C"', "FLOAT": "DOUBLE PRECISION", "DOUBLE": "DOUBLE PRECISION"}
_CONSTRAINT_WORDS = {"PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"}


def _ddl(toks: list[list[str]], words: list[int]) -> None:
    """CREATE TABLE / ALTER TABLE ADD COLUMN: column types, no REFERENCES, no WITHOUT ROWID;
    ADD COLUMN as ADD COLUMN IF NOT EXISTS."""
    ups = [toks[i][1].upper() for i in words]
    for k in range(len(words) - 1):    # WITHOUT ROWID
        if ups[k] == "WITHOUT" and ups[k + 1] == "ROWID":
            _drop(toks, words[k])
            _drop(toks, words[k + 1])
    if ups[:2] == ["ALTER", "TABLE"] and "ADD" in ups:
        k = ups.index("ADD")
        if k + 1 < len(ups) and ups[k + 1] == "COLUMN":
            k += 1
        if ups[k + 1:k + 4] != ["IF", "NOT", "EXISTS"]:
            toks[words[k]][1] += " IF NOT EXISTS"
        _column_def(toks, words, k + 1, len(words))
        return
    if "TABLE" not in ups[:4] or "(" not in ups or (ups.index("(") > 0 and "AS" in ups[:ups.index("(")]):
        return
    start = ups.index("(") + 1
    depth, k = 0, start
    while k < len(words):
        t = ups[k]
        if t == "(":
            depth += 1
        elif t == ")":
            if depth == 0:
                _column_def(toks, words, start, k)
                break
            depth -= 1
        elif t == "," and depth == 0:
            _column_def(toks, words, start, k)
            start = k + 1
        k += 1


def _column_def(toks: list[list[str]], words: list[int], a: int, b: int) -> None:
    ups = [toks[words[k]][1].upper() for k in range(a, b)]
    if not ups or ups[0] in _CONSTRAINT_WORDS:
        return
    if len(ups) > 1 and ups[1] in _TYPES:
        toks[words[a + 1]][1] = _TYPES[ups[1]]
    if "REFERENCES" in ups:              # REFERENCES t(c): SQLite does not enforce it (foreign_keys is off)
        r = ups.index("REFERENCES")
        end = r + 2
        if end < len(ups) and ups[end] == "(":
            while end < len(ups) and ups[end] != ")":
                end += 1
            end += 1
        for k in range(a + r, min(a + end, b)):
            _drop(toks, words[k])


def _insert_or(toks: list[list[str]], words: list[int], table_info) -> str:
    """INSERT OR IGNORE / OR REPLACE (and REPLACE INTO): rewrite the head, return the ON CONFLICT tail."""
    ups = [toks[i][1].upper() for i in words]
    if ups[0] == "REPLACE":
        how, head = "REPLACE", 1
        toks[words[0]][1] = "INSERT"
    elif ups[1:2] == ["OR"]:
        how, head = ups[2], 3
        _drop(toks, words[1])
        _drop(toks, words[2])
    else:
        return ""
    if how == "IGNORE":
        return " ON CONFLICT DO NOTHING"
    if how != "REPLACE":
        raise NotImplementedError(f"INSERT OR {how} has no PostgreSQL translation")
    if table_info is None:
        raise NotImplementedError("INSERT OR REPLACE needs the table's primary key (a PgConnection)")
    table = toks[words[head + 1]][1].strip('"')    # head is INTO
    cols, pk = table_info(table)
    k = head + 2
    if k < len(ups) and ups[k] == "(":
        named = []
        k += 1
        while ups[k] != ")":
            if ups[k] != ",":
                named.append(toks[words[k]][1].strip('"'))
            k += 1
        cols = named
    elif k < len(ups) and ups[k] == "VALUES":       # positional: as many columns as the first row has values
        n, depth, m = 1, 0, k + 2
        while m < len(ups):
            if ups[m] == "(":
                depth += 1
            elif ups[m] == ")":
                if depth == 0:
                    break
                depth -= 1
            elif ups[m] == "," and depth == 0:
                n += 1
            m += 1
        cols = cols[:n]
    if not pk:
        raise NotImplementedError(f"INSERT OR REPLACE INTO {table}: the table has no primary key")
    rest = [c for c in cols if c not in pk]
    if not rest:
        return f" ON CONFLICT ({', '.join(pk)}) DO NOTHING"
    return (f" ON CONFLICT ({', '.join(pk)}) DO UPDATE SET "
            + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in rest))


def _qualify_update(toks: list[list[str]], words: list[int], table_info) -> None:
    """In ``ON CONFLICT ... DO UPDATE SET c = f(c)`` SQLite reads a bare column as the stored row's, PostgreSQL
    calls it ambiguous (stored row or ``excluded``): qualify bare columns of the target table with its name."""
    ups = [toks[i][1].upper() for i in words]
    for k in range(len(ups) - 2):
        if ups[k] == "DO" and ups[k + 1] == "UPDATE" and ups[k + 2] == "SET":
            break
    else:
        return
    table = toks[words[ups.index("INTO") + 1]][1].strip('"')
    cols = {c.lower() for c in table_info(table)[0]}
    lhs, depth = True, 0
    for j in range(k + 3, len(words)):
        kind, text = toks[words[j]]
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "," and depth == 0:
            lhs = True
            continue
        elif text == "=" and depth == 0 and lhs:
            lhs = False
            continue
        elif ups[j] == "WHERE" and depth == 0:
            lhs = False
            continue
        if kind != "word" or lhs or text.lower() not in cols:
            continue
        before = toks[words[j - 1]][1] if j > 0 else ""
        after = toks[words[j + 1]][1] if j + 1 < len(words) else ""
        if before == "." or after in (".", "("):
            continue
        toks[words[j]][1] = f"{table}.{text}"


def _q(col: str) -> str:
    return f'"{col}"' if col.lower() in ("where", "end", "order", "group", "user", "offset", "limit") else col


# -- full-text search (articles: title and body) -----------------------------------------------------------
FTS_CONFIG = "newstrace"    # simple + unaccent (migration 0050_search_unaccent)


def fts_document(alias: str = "") -> str:
    """PostgreSQL: the searched tsvector of an article, column ``fts`` of ``articles_search`` (keyed by ``aid``;
    migration 0071_search_tsvector: ``to_tsvector(FTS_CONFIG, title || ' ' || body)`` kept by a trigger on
    every write, GIN-indexed)."""
    return f"{alias}.fts" if alias else "fts"


def pg_fts_query(fq: str) -> str:
    """The FTS5 query web/text.fts_query makes (``"word" "prefix"* "two words"``, all ANDed) as a to_tsquery
    text: ``word & prefix:* & (two <-> words)``; words are \\w+ runs only, so nothing else reaches tsquery."""
    import re as _re
    parts = []
    for m in _re.finditer(r'"([^"]*)"(\*?)|(\S+)', fq or ""):
        text, star = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), "")
        if text.endswith("*"):
            star = "*"
        ws = _re.findall(r"\w+", text.lower())
        if not ws:
            continue
        if star:
            ws[-1] += ":*"
        parts.append(ws[0] if len(ws) == 1 else "(" + " <-> ".join(ws) + ")")
    return " & ".join(parts)


def env_target(default: str = "news.db") -> str:
    """The database named by ``NEWSTRACE_DB`` (a path or a postgresql:// URL), else ``default``."""
    return os.environ.get("NEWSTRACE_DB", default)


# -- catalogue ---------------------------------------------------------------------------------------------
def table_names(conn) -> set[str]:
    """The store's tables."""
    if dialect(conn) == POSTGRESQL:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def change_token(conn) -> Any:
    """PostgreSQL: a value that changes whenever a store commits a write, for caches of readers (SQLite readers
    look at the file and its WAL instead): the count in ``store_changes`` (migration 0091), which every
    PgConnection transaction that wrote raises before its COMMIT.  Not the WAL insert position, which also
    moves for autovacuum, checkpoints' standby snapshots and every other database of the server (a web
    process then rebuilt its network and copies indexes every few requests: p95 3.3 s at 100k articles).
    A database without the table (older than 0091, never opened for writing since) falls back to it."""
    if getattr(conn, "_counter", False) or conn.execute("SELECT to_regclass('store_changes')").fetchone()[0]:
        conn._counter = True
        return conn.execute("SELECT n FROM store_changes WHERE id = 1").fetchone()[0]
    return conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]


def display_name(target: str) -> str:
    """What a UI shows for a store: the file name, or the PostgreSQL database name (never a password)."""
    if is_url(target):
        from urllib.parse import urlsplit
        u = urlsplit(target)
        return (u.path.lstrip("/") or "postgresql") + (f"@{u.hostname}" if u.hostname else "")
    return os.path.basename(target)
