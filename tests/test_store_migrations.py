"""Schema creation is atomic and safe under concurrency: a kill at any statement of the migrations leaves a
store that opens and completes; two processes creating the same store at once never collide; a store an
older version left half-made (its DDL ran in autocommit) is repaired on open."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from newstrace.store import Store
from newstrace.store.db import _split_sql
from newstrace.store.schema import MIGRATIONS

# a child that opens (creates) a store and SIGKILLs itself when SQLite starts its N-th statement
KILL_AT = r"""
import os, signal, sqlite3, sys
n, count = int(sys.argv[2]), [0]
_connect = sqlite3.connect
def connect(*a, **k):
    c = _connect(*a, **k)
    def at(stmt):
        count[0] += 1
        if count[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
    c.set_trace_callback(at)
    return c
sqlite3.connect = connect
from newstrace.store import Store
Store(sys.argv[1]).close()
"""


def _schema(db: Path) -> set[tuple[str, str]]:
    c = sqlite3.connect(db)
    try:
        objs = {(r[0], r[1]) for r in c.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
        cols = {("column", f"{t}.{r[1]}") for _, t in objs if _ == "table" and not t.startswith("articles_fts")
                for r in c.execute(f"PRAGMA table_info({t})")}
        return objs | cols
    finally:
        c.close()


def _check_opens(db: Path, want: set) -> None:
    with Store(db) as st:
        assert st.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert {r[0] for r in st.conn.execute("SELECT name FROM migrations")} == {n for n, _ in MIGRATIONS}
        st.write_batch([])
        assert st.stats()["articles"] == 0
    assert _schema(db) == want


def test_kill_at_every_point_of_the_migrations_leaves_a_store_that_opens(tmp_path):
    ref = tmp_path / "ref.db"
    Store(ref).close()
    want = _schema(ref)
    n_statements = sum(len(_split_sql(sql)) for _, sql in MIGRATIONS)
    killed = 0
    # every third statement start (plus the first few), through all of them
    points = sorted(set(range(1, 8)) | set(range(8, n_statements + 12, 3)))
    for n in points:
        db = tmp_path / f"k{n}.db"
        r = subprocess.run([sys.executable, "-c", KILL_AT, str(db), str(n)], capture_output=True, text=True)
        killed += r.returncode == -signal.SIGKILL
        assert r.returncode in (0, -signal.SIGKILL), r.stderr
        _check_opens(db, want)
    assert killed >= len(points) - 3


def test_half_made_store_of_an_older_version_is_repaired_on_open(tmp_path):
    """What the old runner left after a kill: the first statements of 0001 applied in autocommit, no record."""
    ref = tmp_path / "ref.db"
    Store(ref).close()
    db = tmp_path / "half.db"
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for stmt in _split_sql(MIGRATIONS[0][1])[:3]:
        c.execute(stmt)
    name, sql = next((n, s) for n, s in MIGRATIONS if "ADD COLUMN" in s)
    c.close()
    _check_opens(db, _schema(ref))
    # a half-applied ALTER migration (column there, migration not recorded) is completed too
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("DELETE FROM migrations WHERE name=?", (name,))
    c.close()
    _check_opens(db, _schema(ref))


GO = r"""
import sys, time
from newstrace.store import Store
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
st = Store(sys.argv[1])
st.write_batch([])
print(st.stats()["pages"])
st.close()
"""


def test_two_first_opens_at_once_never_collide(tmp_path):
    ref = tmp_path / "ref.db"
    Store(ref).close()
    want = _schema(ref)
    for i in range(20):
        db = tmp_path / f"c{i}.db"
        go = f"{time.time() + 1.2:.3f}"
        procs = [subprocess.Popen([sys.executable, "-c", GO, str(db), go], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
            assert out.strip() == "0"
        assert _schema(db) == want
        with Store(db) as st:
            assert st.conn.execute("SELECT count(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)
