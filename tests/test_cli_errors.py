"""Clear coded errors and documented exit statuses instead of tracebacks; read-only databases readable by
stats and serve; Ctrl-C stops cleanly and says a re-run resumes; summaries say new and total apart; the
copies, sites and stats commands; serve --db."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import newstrace
from newstrace.store import DatabaseNotFound, Store

from test_pipeline import make_site

NT = [sys.executable, "-m", "newstrace.cli"]


def nt(*args, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*NT, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, **kw)


def _clean(r: subprocess.CompletedProcess, code: int, rc: int) -> None:
    assert r.returncode == rc, (r.returncode, r.stderr)
    assert f"[{code}]" in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    make_site(tmp / "in", 4)
    db = tmp / "news.db"
    assert nt("ingest", tmp / "in", "--db", db, "--workers", "1").returncode == 0
    return db


def test_database_in_a_missing_folder_and_a_non_sqlite_file(tmp_path, store):
    _clean(nt("ingest", store.parent / "in", "--db", tmp_path / "nowhere" / "x.db"), "E003", 4)
    junk = tmp_path / "notes.db"
    junk.write_text("these are my notes, not a database\n" * 100)
    _clean(nt("ingest", store.parent / "in", "--db", junk), "E005", 4)
    _clean(nt("stats", "--db", junk), "E005", 4)
    assert junk.read_text().startswith("these are my notes")   # untouched
    _clean(nt("stats", "--db", tmp_path / "missing.db"), "E002", 2)


def test_python_api_on_a_missing_database(tmp_path):
    with pytest.raises(DatabaseNotFound, match=r"\[E002\]"):
        list(newstrace.articles(str(tmp_path / "missing.db")))
    with pytest.raises(FileNotFoundError, match=r"\[E002\]"):
        newstrace.article("https://x.example/a", db=str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()


def _read_only(binds: list[Path], *args) -> subprocess.CompletedProcess:
    """Run the CLI with ``binds`` (folders or files) mounted read-only in a private mount namespace (root
    ignores file permissions, so chmod cannot make a read-only database for it)."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare(1) to mount a folder read-only")
    mounts = " && ".join(f"mount --bind -o ro '{b}' '{b}'" for b in binds)
    ns = ["unshare", "-m", "--propagation", "private"] if os.geteuid() == 0 else ["unshare", "-rm"]
    r = subprocess.run([*ns, "sh", "-c", f"{mounts} || exit 97; exec \"$@\"", "sh", *NT, *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode == 97 or (r.returncode == 1 and r.stderr.startswith("unshare:")):
        pytest.skip(f"cannot mount read-only here: {r.stderr.strip()[:200]}")
    return r


def test_read_only_wal_database(tmp_path, store):
    ro = tmp_path / "ro"
    ro.mkdir()
    shutil.copy(store, ro / "news.db")
    with sqlite3.connect(ro / "news.db") as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    r = _read_only([ro], "stats", "--db", ro / "news.db")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["articles"] == 4
    r = _read_only([ro], "serve", "--db", ro / "news.db", "--get", "/")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    r = _read_only([ro], "serve", ro / "news.db", "--get", "/sites.json")
    assert r.returncode == 0, r.stderr[-2000:]
    _clean(_read_only([ro], "ingest", store.parent / "in", "--db", ro / "news.db"), "E004", 4)
    # a read-only database file in a writable folder
    rw = tmp_path / "rw"
    rw.mkdir()
    shutil.copy(store, rw / "news.db")
    _clean(_read_only([rw / "news.db"], "ingest", store.parent / "in", "--db", rw / "news.db"), "E004", 4)
    r = _read_only([rw / "news.db"], "stats", "--db", rw / "news.db")
    assert r.returncode == 0 and json.loads(r.stdout)["articles"] == 4, r.stderr


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes(tmp_path):
    make_site(tmp_path / "in", 400)
    db = tmp_path / "a.db"
    p = subprocess.Popen([*NT, "ingest", tmp_path / "in", "--db", db, "--workers", "2", "--progress", "lines"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "NEWSTRACE_BATCH": "8", "NEWSTRACE_PROGRESS_SECONDS": "0"})
    stored = 0
    deadline = time.time() + 240
    while time.time() < deadline and p.poll() is None and stored < 16:
        time.sleep(0.2)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                stored = c.execute("SELECT count(*) FROM pages").fetchone()[0]
        except sqlite3.Error:
            pass
    assert p.poll() is None, "ingest ended before it could be interrupted"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-3000:]
    assert "[E007]" in err and "resume" in err and "Traceback" not in err, err[-3000:]
    assert "pages read" in err and str(tmp_path / "in") in err   # where it stopped
    r = nt("ingest", tmp_path / "in", "--db", db, "--workers", "1", "--no-trace", "--no-analyze")
    assert r.returncode == 0, r.stderr
    with Store(db, readonly=True) as st:
        assert st.stats()["articles"] == 400


def test_summary_says_new_and_total_apart(store):
    r = nt("ingest", store.parent / "in", "--db", store, "--workers", "1")
    assert r.returncode == 0
    assert "0 new" in r.stdout and "new articles    0" in r.stdout
    assert "store total     4 articles" in r.stdout
    assert "copy rows decided" in r.stdout


def test_stats_copies_sites_and_serve_db(store):
    st = json.loads(nt("stats", "--db", store).stdout)
    assert {"copies", "stories", "copy_edges"} <= set(st)
    r = nt("sites", "--db", store)
    assert r.returncode == 0 and "harbour-daily.example" in r.stdout and "role" in r.stdout
    rows = json.loads(nt("sites", "--db", store, "--json").stdout)
    assert rows[0]["site"] == "harbour-daily.example" and rows[0]["articles"] == 4
    r = nt("copies", "https://harbour-daily.example/news/1", "--db", store)   # no trailing slash: same page
    assert r.returncode == 0 and "copied from (0): none" in r.stdout, r.stdout
    assert nt("copies", "https://nowhere.example/x", "--db", store).returncode == 1
    assert nt("serve", "--db", store, "--get", "/sites.json").returncode == 0
    assert nt("serve", store, "--get", "/sites.json").returncode == 0


def test_copies_lists_sources_and_copies_with_kind_credit_and_lag(tmp_path):
    site_a, site_b = tmp_path / "in" / "origin.example", tmp_path / "in" / "copier.example"
    site_a.mkdir(parents=True)
    site_b.mkdir(parents=True)
    words = ("harbour bridge council engineers span buses residents decade vote rebuild ferry tolls mayor budget "
             "contract steel rust inspection river traffic closure detour protest petition funding").split()
    body = "".join("<p>" + " ".join(words[(i * 7 + j * j + i * j) % len(words)] for j in range(40)) + ".</p>"
                   for i in range(10))
    (site_a / "a.html").write_text(f'<html><head><title>Bridge</title><link rel="canonical" '
                                   f'href="https://origin.example/a/"><meta property="article:published_time" '
                                   f'content="2024-03-01T10:00:00+00:00"></head><body><article><h1>Bridge</h1>{body}'
                                   f'</article></body></html>')
    (site_b / "b.html").write_text(f'<html><head><title>Bridge</title><link rel="canonical" '
                                   f'href="https://copier.example/b/"><meta property="article:published_time" '
                                   f'content="2024-03-01T16:00:00+00:00"></head><body><article><h1>Bridge</h1>{body}'
                                   f'<p>Source: <a href="https://origin.example/a/">Origin</a></p></article>'
                                   f'</body></html>')
    db = tmp_path / "a.db"
    assert nt("ingest", tmp_path / "in", "--db", db, "--workers", "1").returncode == 0
    d = json.loads(nt("copies", "https://origin.example/a/", "--db", db, "--json").stdout)
    (v,) = d["versions"]
    assert v["sources"] == [] and len(v["copies"]) == 1
    c = v["copies"][0]
    assert c["url"] == "https://copier.example/b/" and c["kind"] == "full" and c["lag_hours"] == 6.0
    assert c["credited"] in ("link", "name+link")
    txt = nt("copies", "https://copier.example/b", "--db", db).stdout
    assert "copied from (1)" in txt and "+6.0 h" in txt and "origin.example/a/" in txt


def test_progress_lines_without_a_tty(tmp_path):
    make_site(tmp_path / "in", 6)
    r = nt("ingest", tmp_path / "in", "--db", tmp_path / "a.db", "--workers", "1",
           env={"NEWSTRACE_PROGRESS_SECONDS": "0"})
    assert r.returncode == 0
    lines = [x for x in r.stderr.splitlines() if x.startswith("ingest:") and " pages (" in x]
    assert len(lines) >= 6 and "6 pages" in lines[-1] and "100% of 12.0 kB" in lines[-1], r.stderr
    assert any("ETA" in x for x in lines), r.stderr
    assert any(x.startswith("trace: linking 6 new articles") for x in r.stderr.splitlines()), r.stderr
