"""SQLite and PostgreSQL side by side: time to write N articles into the store and to trace them, on the
same generated corpus (bench/trace_scale.py: real PTC / PolNeAR paragraphs, ~40% copies of every kind), and
whether the two stores end with identical copies and stories.  SQLite is the reference: the ratio column is
PostgreSQL / SQLite, measured in the same run.

The PostgreSQL server is a throw-away one (Debian's binaries, store/backend_pgserver.py) unless ``--pg URL``
names a database.  Reads ../shared/data (PTC, PolNeAR); skips cleanly when it is absent.  Run it niced:

    nice -n 10 .venv/bin/python bench/backends.py [--sizes 2000,10000] [--workers 1]
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
    args = ap.parse_args()

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


if __name__ == "__main__":
    sys.exit(main())
