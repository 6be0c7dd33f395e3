"""Are the trace's results the same with this tree's code as with a reference tree's? Hashes of the sorted rows
of copies, stories and story_members (and site_edges, site_groups, article bodies) on reuse-dev.

    nice -n 10 .venv/bin/python bench/store_identity.py --reference /tmp/ref11/src [--workdir /tmp/store_identity]
        [--skip-ingest-this]

1. The reference tree ingests ``reuse-dev/pages.warc.gz`` (with tracing, no analysis) into a fresh store.
2. "same bodies": copies of that store are traced again from scratch (``trace_all(rebuild=True)``) by the
   reference tree and by this tree (which first migrates the copy to its schema). Both read the same stored
   bodies, so a difference comes from the trace and store code alone (issue 11's check: "copies and stories
   tables identical (by hash) before and after").
3. "end to end": this tree ingests the same WARC into a fresh store (extraction changes since the reference,
   e.g. issue 10's, show here as different bodies, then different copies).
Each step runs in its own process with only that tree on sys.path. Columns that hold write timestamps
(updated_at) and columns only one schema has are left out of the hashes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
WARC = DATA / "reuse-dev" / "pages.warc.gz"
TABLES = ("copies", "stories", "story_members", "site_edges", "site_groups")
VOLATILE = {"updated_at"}


def child(step: str, db: str) -> None:
    """In a process with one tree on sys.path (PYTHONPATH): ingest the WARC, or retrace the store."""
    import inspect

    t = time.perf_counter()
    if step == "ingest":
        from newstrace.pipeline import ingest

        kw = {"analyze": False} if "analyze" in inspect.signature(ingest).parameters else {}
        res = ingest([str(WARC)], db=db, link=True, **kw)
    else:
        from newstrace.store import Store
        from newstrace.trace import trace_all

        st = Store(db)
        res = trace_all(st, rebuild=True)
        st.close()
    print("RESULT " + json.dumps({"seconds": time.perf_counter() - t,
                                  "copies": res.get("copies") if isinstance(res, dict) else None}, default=str))


def run(src: str, step: str, db: str) -> dict:
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, __file__, "--child", step, db], capture_output=True, text=True, env=env)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"{step} with {src} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def columns(db: str, table: str) -> list[str]:
    with sqlite3.connect(db) as c:
        return [r[1] for r in c.execute(f'PRAGMA table_info("{table}")')]


def hashes(db: str, cols: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    out = {}
    with sqlite3.connect(db) as c:
        for t, cs in cols.items():
            rows = sorted(repr(tuple(r)) for r in c.execute(f"SELECT {', '.join(cs)} FROM {t}"))
            out[t] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
        rows = sorted(repr(tuple(r)) for r in c.execute("SELECT page_id, body FROM articles"))
        out["article bodies"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16])
    return out


def fresh(db: str) -> None:
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=False, help="source tree (DIR/src) of the reference code")
    ap.add_argument("--workdir", default="/tmp/store_identity")
    ap.add_argument("--skip-ingest-this", action="store_true", help="leave out step 3 (end to end)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if not WARC.exists():
        print(f"store_identity: {WARC} not present, skipping")
        return 0
    if not args.reference:
        ap.error("--reference DIR/src is required (e.g. git archive <commit> src | tar -x -C DIR)")
    this = str(ROOT / "src")
    os.makedirs(args.workdir, exist_ok=True)
    w = lambda name: os.path.join(args.workdir, name)  # noqa: E731
    runs: list[tuple[str, str, dict]] = []

    fresh(w("ref.db"))
    runs.append(("reference: ingest (with trace)", w("ref.db"), run(args.reference, "ingest", w("ref.db"))))
    print(f"{runs[-1][0]}: {runs[-1][2]}", flush=True)
    for name, src, db in (("reference: retrace of its store", args.reference, w("ref_retrace.db")),
                          ("this tree: retrace of the reference's store", this, w("this_retrace.db"))):
        fresh(db)
        shutil.copyfile(w("ref.db"), db)
        runs.append((name, db, run(src, "retrace", db)))
        print(f"{name}: {runs[-1][2]}", flush=True)
    if not args.skip_ingest_this:
        fresh(w("this.db"))
        runs.append(("this tree: ingest (with trace)", w("this.db"), run(this, "ingest", w("this.db"))))
        print(f"{runs[-1][0]}: {runs[-1][2]}", flush=True)

    cols = {}
    for t in TABLES:
        common = [c for c in columns(runs[0][1], t) if c not in VOLATILE]
        for _, db, _ in runs[1:]:
            have = set(columns(db, t))
            common = [c for c in common if c in have]
        cols[t] = common
    hs = [(name, hashes(db, cols), r) for name, db, r in runs]
    print("\ncolumns hashed: " + "; ".join(f"{t}: {len(c)}" for t, c in cols.items())
          + f" (left out: {sorted(VOLATILE)} and columns one schema lacks)")
    print()
    print("| run | seconds | " + " | ".join(f"{t} (rows, sha256)" for t in [*TABLES, "article bodies"]) + " |")
    print("|---|---|" + "---|" * (len(TABLES) + 1))
    for name, h, r in hs:
        print(f"| {name} | {r['seconds']:.0f} | " + " | ".join(f"{h[t][0]} {h[t][1]}" for t in h) + " |")

    def same(a: int, b: int) -> str:
        diff = [t for t in hs[a][1] if hs[a][1][t] != hs[b][1][t]]
        return "identical" if not diff else "differ: " + ", ".join(diff)

    print(f"\nsame bodies, reference retrace vs this tree's retrace: {same(1, 2)}")
    print(f"reference ingest vs reference retrace (ingest-time trace vs rebuild): {same(0, 1)}")
    if len(hs) > 3:
        print(f"end to end, reference ingest vs this tree's ingest: {same(0, 3)}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
