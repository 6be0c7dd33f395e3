"""SQLite and PostgreSQL side by side: time to write N articles into the store and to trace them, on the
same generated corpus (bench/trace_scale.py: real PTC / PolNeAR paragraphs, ~40% copies of every kind), and
whether the two stores end with identical copies and stories.  SQLite is the reference: the ratio column is
PostgreSQL / SQLite, measured in the same run.

The PostgreSQL server is a throw-away one (Debian's binaries, store/backend_pgserver.py) unless ``--pg URL``
names a database.  Reads ../shared/data (PTC, PolNeAR); skips cleanly when it is absent.  Run it niced:

    nice -n 10 .venv/bin/python bench/backends.py [--sizes 2000,10000] [--workers 1]

``--search STORE.db``: full-text search on that SQLite store and on a PostgreSQL copy of it (latency.py's
``copy_to_pg``), the same queries (1-3 words drawn from the bodies, as bench/latency.py asks them, some with a
site filter) through ``store/search.hits`` + ``snippets`` on SQLite (FTS5), on PostgreSQL (the stored tsvector
of migration 0071), and on PostgreSQL the way main searched before 0071 (a GIN index over the to_tsvector
expression, ``ts_rank`` of the expression: the reference), p50 / p95 ms of each:

    nice -n 10 .venv/bin/python bench/backends.py --search /tmp/store.db [--queries 200]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def trace_in_child(db: str, workers: int) -> dict:
    env = dict(os.environ, NEWSTRACE_TRACE_WORKERS=str(workers), PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "trace_scale.py"), "--child", db], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000")
    ap.add_argument("--workers", type=int, default=1, help="trace worker processes (NEWSTRACE_TRACE_WORKERS)")
    ap.add_argument("--pg", help="a postgresql:// server URL of a database to use (default: a throw-away server)")
    ap.add_argument("--search", help="an SQLite store: time full-text search on it and on a PostgreSQL copy")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    if args.search:
        return search_bench(args)

    import trace_scale
    if not (trace_scale.DATA / "ptc").exists():
        print(f"skip: {trace_scale.DATA}/ptc absent (the corpus is built from its paragraphs)")
        return 0
    from newstrace.store.backend_compare import differences
    from newstrace.store.backend_pgserver import TempServer, find_bin

    srv = None
    if not args.pg:
        if find_bin("15") is None and find_bin(None) is None:
            print("skip: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
            return 0
        srv = TempServer().start()
    work = Path(tempfile.mkdtemp(prefix="nt-backends-"))
    rows = []
    try:
        for n in [int(x) for x in args.sizes.split(",")]:
            lite = str(work / f"s{n}.db")
            pg = args.pg if args.pg else srv.createdb(f"bench_{n}")
            r = {"n": n}
            for name, db in (("sqlite", lite), ("postgresql", pg)):
                t = time.perf_counter()
                trace_scale.build(db, n)
                r[f"{name}_write"] = time.perf_counter() - t
                tr = trace_in_child(db, args.workers)
                r[f"{name}_trace"] = tr["wall_s"]
                r[f"{name}_copies"] = tr["summary"].get("copies")
            diff = differences(lite, pg, exports=("copies", "stories", "sites"))
            r["identical"] = "yes" if not diff else "NO: " + ", ".join(diff)
            rows.append(r)
            print(json.dumps(r), flush=True)
    finally:
        if srv is not None:
            srv.stop()
    print()
    print(f"{'articles':>8}  {'phase':<24} {'SQLite s':>9} {'PostgreSQL s':>13} {'PG/SQLite':>9}  copies (S / PG)  identical")
    for r in rows:
        for phase, key in (("write (generate + store)", "write"), ("trace (full, no xling)", "trace")):
            a, b = r[f"sqlite_{key}"], r[f"postgresql_{key}"]
            extra = f"  {r['sqlite_copies']} / {r['postgresql_copies']}   {r['identical']}" if key == "trace" else ""
            print(f"{r['n']:>8}  {phase:<24} {a:>9.1f} {b:>13.1f} {b / a:>9.2f}{extra}")
    return 0


# the search main ran on PostgreSQL before migration 0071 (the reference): the tsvector as an indexed expression
OLD_DOC = "to_tsvector('newstrace', coalesce(a.title, '') || ' ' || coalesce(a.body, ''))"
OLD_HITS = (f"SELECT a.aid, -ts_rank({OLD_DOC}, q.q) FROM articles a, to_tsquery('newstrace', ?) AS q(q) "
            f"WHERE {OLD_DOC} @@ q.q{{filt}} ORDER BY a.aid DESC LIMIT ?")


def search_bench(args) -> int:
    import random
    import re
    import sqlite3

    from latency import copy_to_pg
    from newstrace.store import Store, backend, search
    from newstrace.store.backend_pgserver import TempServer, find_bin

    if find_bin("15") is None and find_bin(None) is None:
        print("skip: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        return 0
    src = sqlite3.connect(f"file:{args.search}?mode=ro", uri=True)
    n = src.execute("SELECT count(*) FROM articles").fetchone()[0]
    rng = random.Random(5)
    sample = [r[0] for r in src.execute("SELECT body FROM articles ORDER BY aid LIMIT 400")]
    words = sorted({w.lower() for b in sample for w in re.findall(r"[A-Za-z]{4,}", b)})
    sites = [r[0] for r in src.execute("SELECT DISTINCT site FROM articles ORDER BY site")]
    src.close()
    queries = []
    for _ in range(args.queries):
        fq = " ".join(f'"{w}"' for w in rng.sample(words, rng.choice((1, 1, 2, 2, 3))))
        site = rng.choice(sites) if rng.random() < 0.3 else None
        queries.append((fq, ["a.site = ?"] if site else [], [site] if site else []))
    srv = TempServer().start()
    try:
        url = srv.createdb("search")
        t = time.perf_counter()
        copy_to_pg(args.search, url)
        print(f"{n} articles copied into PostgreSQL in {time.perf_counter() - t:.0f}s", flush=True)
        with Store(url) as pg:
            t = time.perf_counter()
            with pg.conn:
                pg.conn.execute(f"CREATE INDEX IF NOT EXISTS bench_old_fts ON articles USING GIN "
                                f"({OLD_DOC.replace('a.', '')})")
            pg.conn.execute("ANALYZE articles")
            print(f"reference expression index built in {time.perf_counter() - t:.0f}s", flush=True)
            times: dict[str, list[float]] = {"sqlite": [], "postgresql": [], "postgresql before 0071": []}
            found: dict[str, list[int]] = {k: [] for k in times}
            snip: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            with Store(args.search, readonly=True) as lite:
                for fq, where, params in queries:
                    for name, conn in (("sqlite", lite.conn), ("postgresql", pg.conn),
                                       ("postgresql before 0071", pg.conn)):
                        t = time.perf_counter()
                        if name == "postgresql before 0071":
                            filt = "".join(f" AND {w}" for w in where)
                            hits = [tuple(r) for r in conn.execute(OLD_HITS.format(filt=filt),
                                                                   [backend.pg_fts_query(fq), *params, 50])]
                        else:
                            hits = search.hits(conn, fq, where, params, 50)
                        times[name].append((time.perf_counter() - t) * 1000)
                        found[name].append(len(hits))
                        if name != "postgresql before 0071":
                            t = time.perf_counter()
                            search.snippets(conn, fq, [k for k, _ in hits[:20]], "<b>", "</b>")
                            snip[name].append((time.perf_counter() - t) * 1000)
    finally:
        srv.stop()
    pct = (lambda xs, p: sorted(xs)[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))])
    print(f"\nfull-text search, {n} articles, {len(queries)} queries, load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores: hits (search.hits, up to 50) and snippets (search.snippets of 20)")
    print(f"| {'step':<8} | {'backend':<24} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} | {'hits (sum)':>10} |")
    print("|" + "-" * 10 + "|" + "-" * 26 + "|" + "-" * 10 + "|" + "-" * 10 + "|" + "-" * 10 + "|" + "-" * 12 + "|")
    for step, tab in (("hits", times), ("snippets", snip)):
        for name, xs in tab.items():
            hits = sum(found[name]) if step == "hits" else ""
            print(f"| {step:<8} | {name:<24} | {pct(xs, 50):>8.1f} | {pct(xs, 95):>8.1f} | {max(xs):>8.1f} | "
                  f"{hits:>10} |")
    print(f"same hits on PostgreSQL before and after 0071: "
          f"{'yes' if found['postgresql'] == found['postgresql before 0071'] else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
