"""Ingest with analysis against ingest without it, in the same run: claims alone and claims + actors, this
tree beside another source tree (e.g. main's: ``git archive main src | tar -x -C /tmp/ref``).

The first ``--pages`` reuse-dev pages are ingested with ``--no-analyze`` (extraction, furniture, trace unless
``--no-trace``: the reference), then the analyze stage runs on copies of that store: claims alone and claims +
actors, for each tree, interleaved, ``--repeat`` times (the fastest kept: the machine is shared). Each run is a
child process; CPU counts the child and its workers. The speed ratio "ingest with analysis / without" is
reference / (reference + analysis), in wall and CPU time (issue 13's target: >= 0.5). A row times the user's
path in one process: ``ingest --analyze-only claims`` into a fresh store, as reference / its time.

Usage: ``nice -n 10 .venv/bin/python bench/claims_speed.py [--pages 100] [--ref-src /tmp/ref/src] [--no-trace]``
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, shared_or_skip, table  # noqa: E402

CHILD = r'''
import sys, json
mode, db = sys.argv[1], sys.argv[2]
if mode in ("ingest", "ingest+claims"):
    import newstrace
    newstrace.ingest(json.load(open(sys.argv[3])), db=db, workers=int(sys.argv[5]),
                     analyze=("claims",) if mode == "ingest+claims" else False, link=sys.argv[4] == "1")
else:
    from newstrace.analyze import stage
    from newstrace.store import Store
    comps = stage._components()
    if mode == "claims":
        stage._components = lambda: [c for c in comps if c.name == "claims"]
    print(stage.analyze_store(Store(db), workers=int(sys.argv[3])))
'''


def run(src: str, args: list[str]) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=src)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - t, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--ref-src", help="another tree's src/ to time beside this one (e.g. main's)")
    ap.add_argument("--no-trace", action="store_true", help="reference ingest without trace: no page is a copy")
    a = ap.parse_args(argv)
    reuse = shared_or_skip("reuse-dev")
    trees = {"this tree": str(ROOT / "src")}
    if a.ref_src:
        trees = {"reference tree": a.ref_src, **trees}
    files = sorted(str(p) for p in (reuse / "pages").rglob("*") if p.is_file())[: a.pages]
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        lst = Path(d) / "files.json"
        lst.write_text(json.dumps(files))
        ref = str(Path(d) / "ref.db")
        for _ in range(a.repeat):
            for p in Path(d).glob("*.db*"):
                p.unlink()
            r = run(trees["this tree"], ["ingest", ref, str(lst), "0" if a.no_trace else "1", str(a.workers)])
            best["ingest --no-analyze (reference)"] = min(best.get("ingest --no-analyze (reference)", r), r)
            one = str(Path(d) / "one.db")
            r = run(trees["this tree"], ["ingest+claims", one, str(lst), "0" if a.no_trace else "1", str(a.workers)])
            k = "this tree: ingest --analyze-only claims (one process)"
            best[k] = min(best.get(k, r), r)
            for p in Path(d).glob("one.db*"):
                p.unlink()
            for name, src in trees.items():
                for mode in ("claims", "claims+actors"):
                    db = str(Path(d) / "run.db")
                    shutil.copy(ref, db)
                    r = run(src, [mode, db, str(a.workers)])
                    k = f"{name}: analyze {mode}"
                    best[k] = min(best.get(k, r), r)
                    os.unlink(db)
    iw, ic = best["ingest --no-analyze (reference)"]
    print(f"{len(files)} reuse-dev pages, trace {'off' if a.no_trace else 'on'}, {a.workers} workers; fastest of "
          f"{a.repeat}, interleaved; CPU = child + its workers\n")
    def ratio(ref: float, t: float, k: str) -> str:  # analyze runs add to the reference; one-process ingests are whole
        return f"{ref / (ref + t):.2f}" if ": analyze" in k else f"{ref / t:.2f}" if "one process" in k else "1.00"

    rows = [[k, f"{w:.1f}", f"{c:.1f}", ratio(iw, w, k), ratio(ic, c, k)] for k, (w, c) in best.items()]
    print(table(["run", "wall s", "CPU s", "ingest with / without analysis (wall)", "(CPU)"], rows))
    print("\nTarget (issue 13): ingest with analysis at >= 0.5x the speed of ingest without it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
