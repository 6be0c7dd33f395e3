"""PostgreSQL as the second backend, against a real server (the ``pg_server`` fixture of conftest.py: Debian's
postgresql binaries, a private socket folder): the same corpus through SQLite and PostgreSQL gives the same
exports, every command takes ``--db postgresql://...``, readers read while one writer ingests, a killed ingest
resumes.  The SQL translation of store/backend.py is tested on its own first (no server needed)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import newstrace
from newstrace.store import Store, backend
from newstrace.store.backend import translate
from newstrace.store.backend_compare import EXPORTS, differences, graph, normalised

ENV = dict(os.environ, PYTHONPATH=str(Path(newstrace.__file__).parent.parent), NEWSTRACE_TRACE_WORKERS="1")


# -- the translation, statement by statement ---------------------------------------------------------------
def info(table):
    return {"trace_pairs": (["a", "b", "a_hash", "b_hash", "linked", "method", "result"], ["a", "b"]),
            "identifiers": (["page_id", "kind", "value", "where"], ["page_id", "kind", "value"]),
            "trace_dirty": (["rid"], ["rid"])}[table]


def test_placeholders_and_percent_signs():
    assert translate("SELECT a FROM t WHERE b = ? AND c LIKE '%x?' AND d = ?") == \
        "SELECT a FROM t WHERE b = %s AND c ILIKE '%%x?' AND d = %s"
    assert translate("SELECT a % 2 FROM t") == "SELECT a %% 2 FROM t"
    assert translate("SELECT CASE WHEN ? IS NULL THEN 1 END") == "SELECT CASE WHEN %s::text IS NULL THEN 1 END"
    assert translate('SELECT "where" FROM identifiers WHERE "where" = ?') == \
        'SELECT "where" FROM identifiers WHERE "where" = %s'


def test_insert_or_ignore_and_or_replace():
    assert translate("INSERT OR IGNORE INTO trace_dirty VALUES (?)") == \
        "INSERT INTO trace_dirty VALUES (%s) ON CONFLICT DO NOTHING"
    assert translate("INSERT OR REPLACE INTO trace_pairs VALUES (?,?,?,?,?,?,?)", info) == (
        "INSERT INTO trace_pairs VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (a, b) DO UPDATE SET "
        "a_hash = excluded.a_hash, b_hash = excluded.b_hash, linked = excluded.linked, method = excluded.method, "
        "result = excluded.result")
    assert translate("INSERT OR REPLACE INTO identifiers (page_id, kind, value, \"where\") VALUES (?,?,?,?)", info) \
        .endswith('ON CONFLICT (page_id, kind, value) DO UPDATE SET "where" = excluded."where"')
    assert translate("INSERT OR REPLACE INTO trace_dirty VALUES (?)", info).endswith("ON CONFLICT (rid) DO NOTHING")
    with pytest.raises(NotImplementedError):
        translate("INSERT OR ROLLBACK INTO trace_dirty VALUES (?)", info)
    # a bare column in DO UPDATE SET is the stored row's in SQLite, ambiguous in PostgreSQL: qualified
    assert translate("INSERT INTO trace_pairs VALUES (?,?,?,?,?,?,?) ON CONFLICT(a, b) DO UPDATE SET "
                     "a_hash = coalesce(excluded.a_hash, a_hash), linked = linked + 1 WHERE method = 'align'",
                     info).endswith("DO UPDATE SET a_hash = coalesce(excluded.a_hash, trace_pairs.a_hash), "
                                    "linked = trace_pairs.linked + 1 WHERE trace_pairs.method = 'align'")


def test_is_comparisons_and_null_order_as_sqlite():
    assert translate("SELECT 1 FROM a WHERE a.title IS ? AND b IS NOT c.d AND e IS NULL AND f IS NOT NULL") == \
        ("SELECT 1 FROM a WHERE a.title IS NOT DISTINCT FROM %s AND b IS DISTINCT FROM c.d AND e IS NULL "
         "AND f IS NOT NULL")
    assert translate("SELECT * FROM m ORDER BY role DESC, lag_hours IS NULL, coalesce(x, 'a'), y LIMIT 3") == \
        ("SELECT * FROM m ORDER BY role DESC NULLS LAST, lag_hours IS NULL NULLS FIRST, coalesce(x, 'a') "
         "NULLS FIRST, y NULLS FIRST LIMIT 3")
    assert translate("SELECT first_value(p) OVER (PARTITION BY u ORDER BY aid) FROM a") == \
        "SELECT first_value(p) OVER (PARTITION BY u ORDER BY aid NULLS FIRST) FROM a"


def test_ddl_types_and_what_postgresql_does_not_have():
    got = translate("CREATE TABLE IF NOT EXISTS t (key INTEGER NOT NULL, text TEXT, w REAL, v BLOB, "
                    "page_id TEXT NOT NULL REFERENCES pages(page_id), PRIMARY KEY (key, text)) WITHOUT ROWID")
    assert got == ('CREATE TABLE IF NOT EXISTS t (key BIGINT NOT NULL, text TEXT COLLATE "C", w DOUBLE PRECISION, '
                   'v BYTEA, page_id TEXT COLLATE "C" NOT NULL, PRIMARY KEY (key, text))')
    assert translate("ALTER TABLE copies ADD COLUMN copy_hash TEXT") == \
        'ALTER TABLE copies ADD COLUMN IF NOT EXISTS copy_hash TEXT COLLATE "C"'


# -- a real server -----------------------------------------------------------------------------------------
def _ingest_trace_analyze(db: str, root: str) -> dict:
    from newstrace.analyze import stage_actors
    from newstrace.analyze.stage import analyze_store
    from newstrace.trace import trace_all
    from newstrace.trace.config import TraceConfig

    summary = newstrace.ingest([root], db=db, workers=1)
    with Store(db) as st:
        trace_all(st, config=TraceConfig(workers=1))
        analyze_store(st, workers=1)
        stage_actors.run(st)
        return st.stats()


@pytest.fixture(scope="module")
def both(pg_server, tmp_path_factory):
    """The demo's bundled samples ingested, traced and analysed into SQLite and into PostgreSQL."""
    from newstrace.demo import samples_path

    lite = str(tmp_path_factory.mktemp("lite") / "news.db")
    pg = pg_server.createdb("samples")
    with samples_path() as root:
        s_lite = _ingest_trace_analyze(lite, str(root))
        s_pg = _ingest_trace_analyze(pg, str(root))
    return lite, pg, s_lite, s_pg


def test_the_same_corpus_gives_identical_exports_on_both_backends(both):
    lite, pg, s_lite, s_pg = both
    assert s_lite == s_pg
    assert s_pg["articles"] >= 15 and s_pg["copies"] > 0 and s_pg["stories"] > 0 and s_pg["copy_edges"] > 0
    sizes = {w: len(normalised(pg, w)) for w in EXPORTS}
    assert sizes["claims"] > 0 and sizes["copies"] == s_pg["copies"] and sizes["actors"] > 0
    assert differences(lite, pg) == {}
    assert graph(lite) == graph(pg)


def test_a_difference_is_seen(both, pg_server):
    """The comparison itself can fail: one changed title on PostgreSQL is a difference in articles."""
    lite, pg, _, _ = both
    copy = pg_server.createdb("samples_changed")
    from newstrace.demo import samples_path
    with samples_path() as root:
        newstrace.ingest([str(root)], db=copy, workers=1, link=False, analyze=False)
    with Store(copy) as st, st.conn:
        st.conn.execute("UPDATE articles SET title = 'changed' WHERE aid = 1")
    assert "articles" in differences(lite, copy, exports=("articles",))


def _same_json(text: str) -> list:
    """JSON or JSON lines without write timestamps (backend_compare.VOLATILE)."""
    from newstrace.store.backend_compare import _clean
    try:
        return [_clean(json.loads(text))]
    except ValueError:
        return [_clean(json.loads(line)) for line in text.splitlines() if line.strip()]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newstrace.cli", *args], env=ENV, capture_output=True, text=True,
                          timeout=300)


def test_every_read_command_takes_a_postgresql_url_and_says_the_same(both):
    lite, pg, _, _ = both
    with Store(pg, readonly=True) as st:
        url = st.conn.execute("SELECT c.copy_id, a.url FROM copies c JOIN articles a ON a.page_id = c.copy_id "
                              "ORDER BY a.url LIMIT 1").fetchone()[1]
    for args in (["stats"], ["show", url], ["copies", url, "--json"], ["sites", "--json"],
                 ["export", "copies"], ["export", "stories"], ["export", "claims"], ["export", "articles"]):
        a, b = _cli(*args, "--db", lite), _cli(*args, "--db", pg)
        assert b.returncode == 0, (args, b.stderr)
        assert b.stdout.strip()
        assert _same_json(a.stdout) == _same_json(b.stdout), args
    got = _cli("serve", pg, "--get", "/sites.json")
    assert got.returncode == 0, got.stderr
    assert _cli("serve", lite, "--get", "/sites.json").stdout == got.stdout


def test_write_commands_take_a_postgresql_url(pg_url, tmp_path):
    from test_pipeline import make_site

    make_site(tmp_path / "in", 6)
    r = _cli("ingest", str(tmp_path / "in"), "--db", pg_url, "--workers", "1", "--no-progress", "--no-analyze")
    assert r.returncode == 0, r.stderr
    for args in (["trace"], ["analyze", "--workers", "1"], ["actors"]):
        r = _cli(*args, "--db", pg_url)
        assert r.returncode == 0, (args, r.stderr)
    stats = json.loads(_cli("stats", "--db", pg_url).stdout)
    assert stats["articles"] == 6


def test_unreachable_or_empty_postgresql_is_a_coded_error(pg_server, pg_url, tmp_path):
    r = _cli("stats", "--db", pg_url)          # a database without a store: E002, exit 2
    assert r.returncode == 2 and "[E002]" in r.stderr
    bad = f"postgresql:///nope?host={tmp_path}&port=1"
    r = _cli("stats", "--db", bad)             # no server there: E006, exit 4
    assert r.returncode == 4 and "[E006]" in r.stderr


def test_migrations_make_the_same_tables_and_a_second_open_applies_nothing(pg_url, tmp_path):
    lite = str(tmp_path / "a.db")
    with Store(lite) as a, Store(pg_url) as p:
        assert p.migrate() == []
        names = [n for n, _ in __import__("newstrace.store.schema", fromlist=["x"]).MIGRATIONS]
        assert [r[0] for r in p.conn.execute("SELECT name FROM migrations ORDER BY name")] == sorted(names)
        t_lite = {r[0] for r in a.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'")}
        t_pg = {r[0] for r in p.conn.execute(     # the search's own table on each: articles_fts | articles_search
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'articles_search'")}
        assert t_lite == t_pg
        for t in sorted(t_lite):
            c_lite = [r[1] for r in a.conn.execute(f"PRAGMA table_info({t})")]
            c_pg = [c for c in p.conn.table_info(t)[0] if c != "rowid"]
            assert c_lite == c_pg, t


def test_two_processes_creating_one_store_at_once(pg_url):
    code = "import sys; from newstrace.store import Store; Store(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url], env=ENV, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    with Store(pg_url) as st:
        assert st.migrate() == []


def test_readers_read_while_one_writer_ingests(pg_url, tmp_path):
    """Serve-like readers (read-only sessions, several threads) query while `ingest` writes in another process:
    no reader fails or waits for the writer, counts only grow, and they end at what was ingested."""
    from test_pipeline import make_site

    make_site(tmp_path / "in", 60)
    Store(pg_url).close()
    env = dict(ENV, NEWSTRACE_BATCH="3")
    proc = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "ingest", str(tmp_path / "in"), "--db", pg_url,
                             "--workers", "1", "--no-progress", "--no-analyze", "--no-trace"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def reader(i: int) -> None:
        try:
            with Store(pg_url, readonly=True) as st:
                while proc.poll() is None:
                    n = st.stats()["articles"]
                    rows = sum(1 for _ in st.iter_articles(full=False))   # a later read: as many or more
                    assert rows >= n
                    seen[i].append(n)
                    time.sleep(0.01)
                seen[i].append(st.stats()["articles"])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    for t in threads:
        t.join()
    assert not errors, errors
    for s in seen:
        assert s == sorted(s) and s[-1] == 60
        assert any(0 < x < 60 for x in s), "no reader saw the store while it was being written"


def test_serve_answers_while_one_writer_ingests(pg_url, tmp_path):
    """`newstrace serve postgresql://...` (a real HTTP server, several concurrent clients) while `ingest` writes in
    another process: every request answers 200, the home page's counts (cached until the database changes) only
    grow, some are seen mid-ingest, and after the ingest every client sees all of it."""
    import socket
    import urllib.request

    from test_pipeline import make_site

    make_site(tmp_path / "in", 60)
    Store(pg_url).close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "serve", pg_url, "--host", "127.0.0.1",
                               "--port", str(port)], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, bytes]:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            return r.status, r.read()

    try:
        end = time.monotonic() + 120
        while True:
            try:
                get("/index.json")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < end, "serve did not start"
                time.sleep(0.2)
        ingest = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "ingest", str(tmp_path / "in"), "--db",
                                   pg_url, "--workers", "1", "--no-progress", "--no-analyze", "--no-trace"],
                                  env=dict(ENV, NEWSTRACE_BATCH="3"), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        seen: list[list[int]] = [[] for _ in range(3)]
        errors: list[BaseException] = []

        def client(i: int) -> None:
            try:
                while ingest.poll() is None:
                    status, body = get("/index.json")
                    assert status == 200
                    seen[i].append(json.loads(body)["counts"]["articles"])
                    assert get(("/sites.json", "/search.json?q=bridge", "/problems.json")[i])[0] == 200
                seen[i].append(json.loads(get("/index.json")[1])["counts"]["articles"])
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        assert ingest.wait(timeout=600) == 0, ingest.stderr.read()
        for t in threads:
            t.join()
        assert not errors, errors
        for s in seen:
            assert s == sorted(s) and s[-1] == 60, s
        assert any(0 < x < 60 for s in seen for x in s), "no request saw the store while it was being written"
        assert len(json.loads(get("/search.json?q=bridge")[1])["results"]) > 0
    finally:
        server.terminate()
        server.wait(timeout=30)


def _poll_while_running(proc: subprocess.Popen, done, seconds: float = 300) -> None:
    """Return once ``done()`` or once ``proc`` ended (or after ``seconds``)."""
    end = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < end and not done():
        time.sleep(0.02)


def test_a_killed_ingest_resumes(pg_server, pg_url, tmp_path):
    from test_pipeline import make_site

    make_site(tmp_path / "in", 120)
    ref = pg_server.createdb(f"ref_{os.getpid()}")
    newstrace.ingest([str(tmp_path / "in")], db=ref, workers=1, link=False, analyze=False)
    Store(pg_url).close()
    env = dict(ENV, NEWSTRACE_BATCH="3")
    proc = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "ingest", str(tmp_path / "in"), "--db", pg_url,
                             "--no-trace", "--no-analyze", "--workers", "1", "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with Store(pg_url, readonly=True) as st:
        _poll_while_running(proc, lambda: st.stats()["articles"] >= 10)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(pg_url, readonly=True) as st:
        mid = st.stats()["articles"]
    assert 0 < mid < 120
    newstrace.ingest([str(tmp_path / "in")], db=pg_url, workers=1, link=False, analyze=False)
    assert differences(ref, pg_url, exports=("articles", "problems")) == {}
    with Store(pg_url, readonly=True) as a, Store(ref, readonly=True) as b:
        sa, sb = a.stats(), b.stats()
    assert sa == sb and sa["articles"] == 120


def test_rows_read_by_name_and_index_and_values_typed_as_sqlite(pg_url):
    with Store(pg_url) as st:
        c = st.conn
        r = c.execute("SELECT 1 AS One, 'x' AS two, sum(x) AS s, avg(x) AS m, 2 > 1 AS yes "
                      "FROM (VALUES (1), (2)) v(x)").fetchone()
        assert (r[0], r["one"], r["ONE"], r["two"], dict(r)["s"], r["m"], r["yes"]) == (1, 1, 1, "x", 3, 1.5, 1)
        assert c.execute("PRAGMA cache_size").fetchone()[0] == -2000
        c.execute("PRAGMA cache_size=-64000")
        assert c.execute("PRAGMA cache_size").fetchone()[0] == -64000
        with pytest.raises(NotImplementedError):
            c.execute("PRAGMA foreign_keys")
        with pytest.raises(Exception):
            with c:
                c.execute("INSERT INTO trace_dirty VALUES (?)", (7,))
                raise RuntimeError("rolled back")
        assert c.execute("SELECT count(*) FROM trace_dirty").fetchone()[0] == 0
        with c:
            c.execute("INSERT OR IGNORE INTO trace_dirty VALUES (?)", (7,))
            c.execute("INSERT OR IGNORE INTO trace_dirty VALUES (?)", (7,))
        assert c.execute("SELECT rid FROM trace_dirty").fetchall() == [(7,)]
        assert backend.dialect(c) == "postgresql"


def _search(db: str, query: str) -> dict:
    r = _cli("serve", db, "--get", "/search.json?" + query)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_search_finds_the_same_articles_on_both_backends(both):
    """FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL: the same articles match (ranks and snippets are
    each engine's own), with filters, phrases and prefixes."""
    lite, pg, _, _ = both
    for query in ("q=dam", "q=Staudamm", "q=valdr*", 'q="the+dam"', "q=dam&lang=en", "q=dam&to=2030-01-01",
                  "q=zzzznotaword"):
        a, b = _search(lite, query), _search(pg, query)
        ka = sorted(r["url"] for r in a["results"])
        kb = sorted(r["url"] for r in b["results"])
        assert ka == kb, query
    assert _search(pg, "q=dam")["results"], "the sample corpus has dam stories"
    hit = _search(pg, "q=dam")["results"][0]
    assert any(p["hit"] for p in hit["snippet_parts"]), hit   # the matched word is marked


def test_search_folds_diacritics_on_both_backends(pg_url, tmp_path):
    """FTS5's remove_diacritics on SQLite, contrib's unaccent in PostgreSQL's configuration (migration
    0050_search_unaccent): "cafe" finds "café" and "café" finds "cafe", on both; other letters still count."""
    from newstrace.store import search

    d = tmp_path / "in" / "accents.example"
    d.mkdir(parents=True)
    words = {"accented": "Le café de Zürich ouvre à São Paulo", "plain": "The cafe in Zurich opens in Sao Paulo",
             "other": "The museum in Geneva opens in Lisbon"}
    for name, text in words.items():
        paras = "".join(f"<p>{text}, said the owner of the place on Tuesday morning ({name} {i}).</p>"
                        for i in range(4))
        (d / f"{name}.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name.title()} story</title>'
            f'<link rel="canonical" href="https://accents.example/{name}/"></head><body><article>'
            f"<h1>{name.title()} story</h1>{paras}</article></body></html>", encoding="utf-8")
    lite = str(tmp_path / "a.db")
    found = {}
    for db in (lite, pg_url):
        newstrace.ingest([str(tmp_path / "in")], db=db, workers=1, link=False, analyze=False)
        with Store(db, readonly=True) as st:
            for q in ('"cafe"', '"café"', '"zurich"', '"ZÜRICH"', '"sao" "paulo"', '"caf"*', '"museum"'):
                urls = sorted(r[3].rstrip("/").rsplit("/", 1)[1] for r in search.iter_matches(st.conn, q, [], []))
                found.setdefault(q, []).append(urls)
    for q in ('"cafe"', '"café"', '"zurich"', '"ZÜRICH"', '"sao" "paulo"', '"caf"*'):
        assert found[q] == [["accented", "plain"]] * 2, (q, found[q])
    assert found['"museum"'] == [["other"]] * 2


def test_search_follows_a_body_rewritten_in_place(pg_url, tmp_path):
    """PostgreSQL's searched tsvector is stored (articles_search, migration 0071) and kept by a trigger: a body
    rewritten in place (furniture relearning does it) is found by its new words only, as FTS5's triggers do."""
    from newstrace.store import search

    d = tmp_path / "in" / "rewrite.example"
    d.mkdir(parents=True)
    paras = "".join(f"<p>The harbour committee met on Tuesday to discuss the ferry timetable, part {i}.</p>"
                    for i in range(4))
    (d / "a.html").write_text(f'<!DOCTYPE html><html><head><title>Harbour</title><link rel="canonical" '
                              f'href="https://rewrite.example/a/"></head><body><article><h1>Harbour</h1>{paras}'
                              f"</article></body></html>", encoding="utf-8")
    lite = str(tmp_path / "a.db")
    got = []
    for db in (lite, pg_url):
        newstrace.ingest([str(tmp_path / "in")], db=db, workers=1, link=False, analyze=False)
        with Store(db) as st:
            before = [len(list(search.iter_matches(st.conn, q, [], []))) for q in ('"ferry"', '"lighthouse"')]
            with st.conn:
                st.conn.execute("UPDATE articles SET body = replace(body, 'ferry', 'lighthouse')")
            after = [len(list(search.iter_matches(st.conn, q, [], []))) for q in ('"ferry"', '"lighthouse"')]
            got.append((before, after))
    assert got[0] == got[1] == ([1, 0], [0, 1])


def test_collect_into_postgresql_fetches_and_stores_what_sqlite_does(pg_url, tmp_path):
    """The collector's frontier (crawl_urls, read in discovery order: a real rowid column on PostgreSQL),
    its feeds and WARC bookkeeping on PostgreSQL: the same fetches, URL states and articles as on SQLite, and a
    second run fetches nothing new."""
    sys.path.insert(0, str(Path(__file__).parent))
    from collect_server import hostile_fixture
    from test_collect import SITES, config

    from newstrace.collect import collect

    fx = hostile_fixture().start()
    try:
        runs = {}
        for name, db in (("lite", str(tmp_path / "c.db")), ("pg", pg_url)):
            first = collect([fx.base(h) + "/" for h in SITES], str(tmp_path / f"warc-{name}"), db=db,
                            config=config(fx), workers=1)
            second = collect([fx.base(h) + "/" for h in SITES], str(tmp_path / f"warc-{name}"), db=db,
                             config=config(fx), workers=1)
            runs[name] = (first, second, db)
    finally:
        fx.stop()
    (f1, s1, lite), (f2, s2, pg) = runs["lite"], runs["pg"]
    assert f2["pages_fetched"] == f1["pages_fetched"] > 0
    assert f2["url_states"] == f1["url_states"]
    assert s2["pages_fetched"] == s1["pages_fetched"] == 0
    def articles(db):   # (each run wrote its own WARC folder: the source paths differ by that folder's name)
        return [{k: v for k, v in json.loads(r).items() if k not in ("source", "fetched_at")}   # (and fetch times)
                for r in normalised(db, "articles")]
    got, want = articles(pg), articles(lite)
    assert len(got) == len(want) == f1["ingest"]["new_articles"] > 0
    for a, b in zip(want, got):
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def _ingest_both(lite: str, pg: str, pages: str) -> None:
    """``newstrace ingest`` (extraction, furniture relearning, link: the trace of new articles) into SQLite and into
    PostgreSQL at once, one process each (one core each on a 2-core CI machine)."""
    cmd = [sys.executable, "-m", "newstrace.cli", "ingest", pages, "--workers", "1", "--no-progress", "--no-analyze"]
    procs = [subprocess.Popen(cmd + ["--db", db], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for db in (lite, pg)]
    for p in procs:
        _, err = p.communicate(timeout=3600)
        assert p.returncode == 0, err


def story_sample(db: str, at_least: int) -> list[str]:
    """The pages of the largest stories (size, then story_id), at least ``at_least`` of them: copies with their
    sources, so the analysis there carries claims along copies as on the whole corpus."""
    from newstrace.store import decisions

    out: list[str] = []
    with Store(db, readonly=True) as st:
        for s in sorted(decisions.all_stories(st.conn), key=lambda s: (-s["size"], s["story_id"])):
            out += [m["page_id"] for m in decisions.members(st.conn, s["story_id"]) if m["page_id"] not in out]
            if len(out) >= at_least:
                break
    return sorted(out)


@pytest.mark.slow
def test_reuse_dev_gives_identical_exports_on_both_backends(pg_server, tmp_path):
    """The gate on real data (../shared/data/reuse-dev, 1202 pages): ingested and traced through SQLite and
    PostgreSQL, every export (articles, problems, copies, stories, sites) and the site graph are identical; then
    the analyze stage (claims, actors, relations, flags: spaCy parsing, the costly part) on the pages of the
    largest stories (copies and their sources, about 120 articles) gives identical exports too."""
    from newstrace.analyze import stage_actors
    from newstrace.analyze.stage import analyze_store
    from newstrace.trace import trace_all
    from newstrace.trace.config import TraceConfig

    from conftest import shared_data

    pages = shared_data("reuse-dev") / "pages"
    lite = str(tmp_path / "reuse.db")
    pg = pg_server.createdb("reuse_dev")
    _ingest_both(lite, pg, str(pages))
    stats = []
    for db in (lite, pg):
        with Store(db) as st:
            trace_all(st, config=TraceConfig(workers=1))      # nothing left to do after ingest's link: the same
            stats.append(st.stats())
    assert stats[0] == stats[1] and stats[1]["articles"] > 1100 and stats[1]["copies"] > 500
    base = ("articles", "problems", "copies", "stories", "sites")
    assert differences(lite, pg, exports=base) == {}
    assert graph(lite) == graph(pg)

    sample = story_sample(lite, 120)
    assert sample == story_sample(pg, 120) and len(sample) >= 120
    for db in (lite, pg):
        with Store(db) as st:
            analyze_store(st, workers=1, page_ids=sample)
            stage_actors.run(st, page_ids=sample)
    rest = tuple(e for e in EXPORTS if e not in base)
    sizes = {w: len(normalised(pg, w)) for w in rest}
    assert sizes["claims"] > 100 and sizes["actors"] > 10, sizes
    diff = differences(lite, pg, exports=rest)
    only = {w: (sorted(set(normalised(lite, w)) - set(normalised(pg, w)))[:3],
                sorted(set(normalised(pg, w)) - set(normalised(lite, w)))[:3]) for w in diff}
    # (rows only on SQLite, rows only on PostgreSQL) of each export that differs.  Sessions 6-8 saw a few relation
    # chains differ when this test ran alone: the first analyze_store of the process wrote actors before claims
    # (component order followed imports), so its relation chains could not read the article's claims
    assert diff == {}, only


def test_a_closed_connections_surname_index_does_not_reach_another_store(tmp_path):
    """The actors component cached its surname index ("person:smith" -> "person:anna-smith") by id(conn): the
    PostgreSQL run of the gate above, in the same process after the SQLite one, could get the closed SQLite
    connection's id and resolve surnames with the other store's people.  Each run now rebuilds it from its own
    store (this was suspected, not shown, to be the gate's relations difference: that difference remains)."""
    from newstrace.analyze import stage_actors

    with Store(str(tmp_path / "a.db")) as st:
        stage_actors._INDEX[id(st.conn)] = {"person:smith": "person:zed-smith"}   # as another store left it
        stage_actors.configure(st.conn)
        assert stage_actors._index(st.conn) == {}                                  # this store has no people
        rows = stage_actors.to_rows({"mentions": [], "roles": [], "aliases": [], "flags": [], "relations": [
            {"subject": "person:smith", "object": "russia", "chain": ["outlet"]}]}, stage_actors._index(st.conn))
        assert rows["relations"][0]["subject"] == "smith"


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_boilerplate_keys_on_both_backends(backend_name, tmp_path, request):
    """trace_index.boilerplate_keys: a passage key carried by at least three articles of one site, and no other
    (two per site on two sites, or three sites once each, is not boilerplate), whatever the join order the
    database picks (the band table is read by the keys asked about)."""
    import numpy as np

    from newstrace.store import trace_index
    from newstrace.store.records import IndexedDoc

    db = request.getfixturevalue("pg_url") if backend_name == "postgresql" else str(tmp_path / "b.db")
    site_of = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: "c", 7: "d"}
    carried = {101: [1, 2, 3], 102: [1, 2, 4, 5], 103: [3, 6, 7], 104: [1, 2, 3, 4, 5, 6, 7], 105: [4]}
    with Store(db) as st:
        conn = st.conn
        with conn:
            trace_index.write_docs(conn, [IndexedDoc(r, f"p{r}", s, "h", 10, None, 1, "2026-01-01",
                                                     np.array(sorted(k for k, rs in carried.items() if r in rs),
                                                              dtype=np.int64).tobytes())
                                          for r, s in site_of.items()])
            trace_index.write_bands(conn, sorted((k, r) for k, rs in carried.items() for r in rs))
        for _ in range(2):   # the temporary key table is emptied after each call
            assert trace_index.boilerplate_keys(conn, [101, 102, 103, 104, 105, 999, 101]) == {101, 104}
        assert trace_index.boilerplate_keys(conn, [102, 103]) == set()
        assert trace_index.boilerplate_keys(conn, [104], min_pages=4) == set()
        assert trace_index.boilerplate_keys(conn, []) == set()


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_band_table_of_increments_is_read_and_merged_on_both_backends(backend_name, tmp_path, request):
    """Band rows split between trace_bands and trace_bands_new (an increment's) answer candidates and
    boilerplate as if in one table; merge_bands moves them into trace_bands when due, and the answers stay."""
    import numpy as np

    from newstrace.store import trace_index
    from newstrace.store.records import IndexedDoc

    db = request.getfixturevalue("pg_url") if backend_name == "postgresql" else str(tmp_path / "m.db")
    site_of = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: "c", 7: "d"}
    carried = {101: [1, 2, 3], 102: [1, 2, 4, 5], 103: [3, 6, 7], 104: [1, 2, 3, 4, 5, 6, 7], 105: [4]}
    rows = sorted((k, r) for k, rs in carried.items() for r in rs)
    with Store(db) as st:
        conn = st.conn
        with conn:
            trace_index.clear(conn)
            trace_index.write_docs(conn, [IndexedDoc(r, f"m{r}", s, "h", 10, None, 1, "2026-01-01",
                                                     np.array(sorted(k for k, rs in carried.items() if r in rs),
                                                              dtype=np.int64).tobytes())
                                          for r, s in site_of.items()])
            trace_index.write_bands(conn, [x for x in rows if x[1] <= 3])
            trace_index.write_bands(conn, [x for x in rows if x[1] > 3], new=True)
        q = {7: np.array([102, 103], dtype=np.int64), 1: np.array([101], dtype=np.int64)}
        want = {(1, 2), (1, 3), (1, 7), (2, 7), (4, 7), (5, 7), (3, 7), (6, 7)}
        for step in range(3):
            assert trace_index.boilerplate_keys(conn, [101, 102, 103, 104, 105]) == {101, 104}
            assert trace_index.candidates(conn, q, 60) == want
            assert trace_index.candidates(conn, q, 3) == {(1, 2), (1, 3), (3, 7), (6, 7)}   # 102: 4 articles
            shared: dict = {}
            trace_index.candidates(conn, {1: np.array([101, 104], dtype=np.int64), 2: np.array([101])}, 60, shared)
            assert shared == {(1, 2): 2, (1, 3): 2, (1, 4): 1, (1, 5): 1, (1, 6): 1, (1, 7): 1, (2, 3): 1}
            with conn:
                moved = trace_index.merge_bands(conn, 0.6 if step == 0 else 0.0)
            assert moved == (0 if step == 0 else 9 if step == 1 else 0)   # 4 of 7 articles new: not due at 0.6
        assert conn.execute("SELECT count(*) FROM trace_bands_new").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM trace_bands").fetchone()[0] == len(rows)
        with conn:
            trace_index.drop_bands(conn, [4])
            trace_index.write_bands(conn, [(105, 4), (106, 4)], new=True)
        assert trace_index.candidates(conn, {4: np.array([102], dtype=np.int64)}, 60) == {(1, 4), (2, 4), (4, 5)}
        assert trace_index.candidates(conn, {4: np.array([105, 106], dtype=np.int64)}, 60) == set()


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_changed_bodies_are_listed_for_the_trace_on_both_backends(backend_name, tmp_path, request):
    """Migration 0162's trigger lists an article whose body_hash changes (not one whose title does), and
    pending after a mark reads those and the newer articles only."""
    from newstrace.records import Article
    from newstrace.store import trace_index

    db = request.getfixturevalue("pg_url") if backend_name == "postgresql" else str(tmp_path / "c.db")
    with Store(db) as st:
        conn = st.conn
        with conn:
            trace_index.clear(conn)
            conn.execute("DELETE FROM trace_changed")
        st.write_batch([({"page_id": f"cb{i}", "url": f"https://c{i}.example/a", "source": "t"},
                         Article(page_id=f"cb{i}", url=f"https://c{i}.example/a", source="t", site=f"c{i}.example",
                                 title=f"T{i}", body=f"Body {i} words here.", blocks=[f"Body {i} words here."]), [])
                        for i in range(3)])
        aids = {p: a for p, a in conn.execute("SELECT page_id, aid FROM articles WHERE page_id LIKE 'cb%'")}
        with conn:
            conn.execute("UPDATE articles SET body_hash = 'x' WHERE page_id = 'cb1'")
            conn.execute("UPDATE articles SET title = 'y' WHERE page_id = 'cb2'")
            conn.execute("UPDATE articles SET body_hash = body_hash WHERE page_id = 'cb0'")
        assert [r[0] for r in conn.execute("SELECT aid FROM trace_changed")] == [aids["cb1"]]
        top = max(aids.values())
        with conn:   # cb1's new body is not in the index: it stays listed; once it is, the mark drops it
            trace_index.mark_indexed(conn, top)
        assert [r[0] for r in conn.execute("SELECT aid FROM trace_changed")] == [aids["cb1"]]
        with conn:
            conn.execute("INSERT INTO trace_docs (rid, page_id, site, body_hash, words, paragraphs, indexed_at) "
                         "VALUES (?, 'cb1', 'c1.example', 'x', 3, 0, 'now')", (aids["cb1"],))
            trace_index.mark_indexed(conn, top)
        assert conn.execute("SELECT count(*) FROM trace_changed").fetchone()[0] == 0
        with conn:
            conn.execute("UPDATE articles SET body_hash = 'z' WHERE page_id = 'cb0'")
        # (the index holds cb1: the mark applies; cb2, after the mark, is indexed too)
        with conn:
            conn.execute("INSERT INTO trace_docs (rid, page_id, site, body_hash, words, paragraphs, indexed_at) "
                         "VALUES (?, 'cb2', 'c2.example', 'h', 3, 0, 'now')", (aids["cb2"],))
        assert [p.key for p in trace_index.pending(conn)] == [aids["cb0"]]


def test_readers_change_token_moves_with_the_stores_commits_only(pg_server):
    """A web reader's caches last until the store commits a write (backend.change_token, migration 0091): not
    for a VACUUM, a rolled-back write or a write to another database of the same server, which all move the
    WAL position the token used to be."""
    import psycopg

    from newstrace.records import Problem
    from newstrace.store.backend import change_token, connect_pg

    url, other = pg_server.createdb("tokens"), pg_server.createdb("tokens_other")
    with Store(url) as st, Store(other) as st2:
        reader = connect_pg(url, readonly=True)
        t0 = change_token(reader)
        assert change_token(reader) == t0
        st.write_batch([], [Problem(source="a", stage="read", reason="unreadable", detail="x")])
        t1 = change_token(reader)
        assert t1 != t0
        st2.write_batch([], [Problem(source="b", stage="read", reason="unreadable", detail="y")])
        with psycopg.connect(url, autocommit=True) as raw:
            raw.execute("VACUUM ANALYZE problems")
        try:
            with st.conn:
                st.conn.execute("DELETE FROM problems")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert st.conn.execute("SELECT count(*) FROM problems").fetchone()[0] == 1
        assert change_token(reader) == t1
        with st.conn:
            st.conn.execute("DELETE FROM problems")
        assert change_token(reader) != t1
        reader.close()
