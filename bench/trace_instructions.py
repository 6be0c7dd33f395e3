"""Instruction counts (valgrind's callgrind) of a rebuild trace or an ingest, per source tree: a measure of work
that the machine's load does not disturb (wall and CPU time on a shared 2-core machine vary by ±10% run to run).

    .venv/bin/python bench/trace_instructions.py trace --tree LABEL=DIR/src [--tree ...] [--articles 2000]
    .venv/bin/python bench/trace_instructions.py ingest --tree LABEL=DIR/src [--tree ...] [--pages 100]

``trace``: each tree builds the bench/trace_scale.py corpus of ``--articles`` articles into a store of its own
schema, then a rebuild trace of it runs in one process (``TraceConfig(workers=1)``; ``NEWSTRACE_TRACE_WORKERS=1``
for trees from before TraceConfig) under callgrind, and so does a process that only opens the store; the table
gives the difference.  ``ingest``: ``newstrace ingest --workers 1 --no-trace [--no-analyze]`` of the first
``--pages`` aeb pages and of the first tenth of them, under callgrind; the table gives the difference (the pages
between, without start-up and imports).  Ratios are to the first tree.  Needs valgrind (Debian's package) and
../shared/data (ptc/polnear for trace, aeb for ingest); about 50x slower than a plain run.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))


def child_trace(src: str, db: str, mode: str) -> None:
    os.environ["NEWSTRACE_TRACE_WORKERS"] = "1"
    sys.path.insert(0, src)
    from newstrace.store import Store
    import newstrace.trace as T

    run = db + ".run.db"
    shutil.copyfile(db, run)
    st = Store(run)
    if mode == "trace":
        if hasattr(T, "TraceConfig"):
            T.trace_all(st, rebuild=True, translate=False, config=T.TraceConfig(workers=1))
        else:
            T.trace_all(st, rebuild=True, translate=False)
    st.close()
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(run + ext):
            os.remove(run + ext)


def child_ingest(src: str, n: int, workdir: str) -> None:
    sys.path.insert(0, src)
    from newstrace import cli

    files = sorted(glob.glob(str(DATA / "aeb" / "html" / "*.html.gz")))[:n]
    db = os.path.join(workdir, f"ingest_{os.getpid()}.db")
    args = ["ingest", "--db", db, "--workers", "1", "--no-progress", "--no-trace"]
    if "--no-analyze" in (Path(src) / "newstrace" / "cli.py").read_text():
        args.append("--no-analyze")
    cli.main(args + files)


def callgrind(args: list[str], out: str) -> int:
    r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
                        *args], capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"callgrind of {args} failed:\n{r.stderr[-2000:]}")
    return int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", choices=["trace", "ingest"])
    ap.add_argument("--tree", action="append", default=[], help="LABEL=DIR/src (repeatable); default: this tree")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        kind, src, arg = a.child
        if kind == "ingest":
            child_ingest(src, int(arg), a.workdir or tempfile.gettempdir())
        else:
            child_trace(src, arg, kind)
        return 0
    if a.what is None:
        ap.error("say what to count: trace or ingest")
    if shutil.which("valgrind") is None:
        print("trace_instructions: valgrind not installed (apt-get install valgrind), skipping")
        return 0
    need = ["aeb"] if a.what == "ingest" else ["ptc", "polnear"]
    if not any((DATA / x).exists() for x in need):
        print(f"trace_instructions: {DATA} ({', '.join(need)}) not present, skipping")
        return 0
    trees = [(t.split("=", 1) if "=" in t else (t, t)) for t in a.tree] or [("this tree", str(ROOT / "src"))]
    work = a.workdir or tempfile.mkdtemp(prefix="trace_instructions_")
    os.makedirs(work, exist_ok=True)
    rows = []
    for label, src in trees:
        src = os.path.abspath(src)
        if a.what == "trace":
            db = os.path.join(work, f"corpus_{len(rows)}.db")
            subprocess.run([sys.executable, str(ROOT / "bench" / "trace_scale.py"), "--build-child", db, "--n",
                            str(a.articles), "--src", src], check=True, capture_output=True)
            base = callgrind(["--child", "open", src, db], os.path.join(work, f"cg_{len(rows)}_open.out"))
            full = callgrind(["--child", "trace", src, db], os.path.join(work, f"cg_{len(rows)}_trace.out"))
            what = f"rebuild trace of {a.articles} articles"
        else:
            small = max(1, a.pages // 10)
            base = callgrind(["--workdir", work, "--child", "ingest", src, str(small)],
                             os.path.join(work, f"cg_{len(rows)}_small.out"))
            full = callgrind(["--workdir", work, "--child", "ingest", src, str(a.pages)],
                             os.path.join(work, f"cg_{len(rows)}_full.out"))
            what = f"ingest of {a.pages - small} aeb pages"
        rows.append((label, full - base))
        print(f"{label}: {what}: {full - base:.4g} instructions ({full:.4g} - {base:.4g})", flush=True)
    print(f"\n| tree | instructions ({what}) | / {rows[0][0]} |\n|---|---|---|")
    for label, n in rows:
        print(f"| {label} | {n:.4g} | {n / rows[0][1]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
