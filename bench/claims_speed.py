"""Ingest with analysis against ingest without it, in the same run: ingest's default (claims alone since
session 11), ``--analyze all``, and the analyze stage alone (claims; claims + actors), this tree beside another
source tree (e.g. main's: ``git archive main src | tar -x -C /tmp/ref``); and what copies cost to analyse.

Every run is a child process (its interpreter start and imports included); CPU counts the child and its workers;
runs are interleaved and repeated ``--repeat`` times, the fastest kept (the machine is shared). Rows:

- ``ingest --analyze none`` of the first ``--pages`` reuse-dev pages (extraction, furniture, trace unless
  ``--no-trace``): the reference;
- ``ingest`` with the tree's default analysis, and ``ingest --analyze all``, each into a fresh store, in one process:
  reference / its time (issue 13's target: >= 0.5);
- the analyze stage alone on copies of the reference store (``analyze claims``, ``analyze claims+actors``):
  reference / (reference + analysis);
- copies: ``analyze claims`` on the reference store (trace on: a copy gets its source's claims carried and only
  the paragraphs it added analysed) against the same pages stored without trace (every page analysed as an
  original): time, articles carried, words analysed.

Usage: ``nice -n 10 .venv/bin/python bench/claims_speed.py [--pages 100] [--ref-src /tmp/ref/src] [--no-trace]``;
``--copies N``: only the copies rows, on the stories of the first N reuse-dev origins (most pages are copies);
``--default-only``: only the reference and each tree's default ingest; ``--kernel``: only the tokens-only claims
kernel's CPU a word on PolNeAR dev, per tree
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
if mode.startswith("ingest"):
    import newstrace
    how = mode.split(":", 1)[1]
    kw = {} if how == "default" else {"analyze": {"none": False, "claims": ("claims",), "all": True}[how]}
    s = newstrace.ingest(json.load(open(sys.argv[3])), db=db, workers=int(sys.argv[5]), link=sys.argv[4] == "1",
                         **kw)
    print(json.dumps(s.get("analyze") or {}))
elif mode == "kernel":  # the tokens-only claims kernel alone: tokenize + claims.analyse of PolNeAR dev
    import time
    from newstrace.analyze.claims import analyse, paragraphs  # the tree's own, before bench/common.py adds ours
    from newstrace.analyze.claims_tokens import tokenize
    sys.path.insert(0, db)  # the bench folder (polnear_data)
    from polnear_data import load
    docs = load("dev")
    analyse(docs[0].text, [(o, tokenize(t)) for o, t in paragraphs(docs[0].text)])  # models loaded
    t = time.process_time()
    for d in docs:
        analyse(d.text, [(o, tokenize(t)) for o, t in paragraphs(d.text)])
    print(json.dumps({"cpu": time.process_time() - t, "words": sum(len(d.text.split()) for d in docs)}))
else:
    from newstrace.analyze import stage
    from newstrace.store import Store
    comps = stage._components()
    if mode == "claims":
        stage._components = lambda: [c for c in comps if c.name == "claims"]
    print(json.dumps(stage.analyze_store(Store(db), workers=int(sys.argv[3]))))
'''


def run(src: str, args: list[str]) -> tuple[float, float, dict]:
    env = dict(os.environ, PYTHONPATH=src)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [x for x in out.splitlines() if x.startswith("{")]
    return (time.perf_counter() - t, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime),
            json.loads(lines[-1]) if lines else {})


def kernel(trees: dict[str, str], repeat: int) -> int:
    """``--kernel``: CPU a word of the tokens-only claims kernel on PolNeAR dev, per tree, lowest of ``repeat``."""
    shared_or_skip("polnear")
    bench = str(Path(__file__).resolve().parent)
    best: dict[str, float] = {}
    words = 0
    for _ in range(repeat):
        for name, src in trees.items():
            out = run(src, ["kernel", bench])[2]
            words = out["words"]
            best[name] = min(best.get(name, out["cpu"]), out["cpu"])
    first = next(iter(best.values()))
    print(f"tokens-only claims kernel on PolNeAR dev ({words} words), lowest CPU of {repeat}, interleaved\n")
    print(table(["tree", "CPU s", "µs a word", "ratio to the first"],
                [[k, f"{v:.2f}", f"{v / words * 1e6:.1f}", f"{v / first:.2f}"] for k, v in best.items()]))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--ref-src", help="another tree's src/ to time beside this one (e.g. main's)")
    ap.add_argument("--no-trace", action="store_true", help="reference ingest without trace: no page is a copy")
    ap.add_argument("--copies", type=int, metavar="N", help="only the copies rows, on the pages of the first N "
                    "reuse-dev origins' stories (origins and their gold copies) instead of the first --pages pages")
    ap.add_argument("--default-only", action="store_true", help="only the reference and this tree's default ingest "
                    "(a quicker repeat of the headline ratio)")
    ap.add_argument("--kernel", action="store_true", help="only the tokens-only claims kernel (tokenize + "
                    "claims.analyse of the PolNeAR dev articles, CPU a word inside the child, models loaded first), "
                    "this tree and --ref-src interleaved")
    a = ap.parse_args(argv)
    trees = {"this tree": str(ROOT / "src")}
    if a.ref_src:
        trees = {"reference tree": a.ref_src, **trees}
    if a.kernel:
        return kernel(trees, a.repeat)
    reuse = shared_or_skip("reuse-dev")
    files = sorted(str(p) for p in (reuse / "pages").rglob("*") if p.is_file())[: a.pages]
    if a.copies:
        gold = [json.loads(x) for x in open(reuse / "gold" / "copies.jsonl")]
        origins = sorted({c["origin_url"] for c in gold})[: a.copies]
        keep = set(origins) | {c["copy_url"] for c in gold if c["origin_url"] in set(origins)}
        page_of = {p["url"]: p["file"] for p in map(json.loads, open(reuse / "gold" / "pages.jsonl"))}
        files = sorted(str(reuse / page_of[u]) for u in keep if u in page_of)
    best: dict[str, tuple[float, float, dict]] = {}

    def keep(k: str, r: tuple[float, float, dict]) -> None:
        best[k] = min(best.get(k, r), r, key=lambda x: x[0])

    trace = "0" if a.no_trace else "1"
    REF = "this tree: ingest --analyze none (reference)"
    with tempfile.TemporaryDirectory() as d:
        lst = Path(d) / "files.json"
        lst.write_text(json.dumps(files))
        ref, plain = str(Path(d) / "ref.db"), str(Path(d) / "plain.db")
        for _ in range(a.repeat):
            for p in Path(d).glob("*.db*"):
                p.unlink()
            keep(REF, run(trees["this tree"], ["ingest:none", ref, str(lst), trace, str(a.workers)]))
            for name, src in trees.items() if not a.copies else ():
                for how in ("default", "all") if name == "this tree" and not a.default_only else ("default",):
                    one = str(Path(d) / "one.db")
                    keep(f"{name}: ingest{' --analyze ' + how if how != 'default' else ' (its default)'}",
                         run(src, [f"ingest:{how}", one, str(lst), trace, str(a.workers)]))
                    for p in Path(d).glob("one.db*"):
                        p.unlink()
            for name, src in trees.items() if not (a.copies or a.default_only) else \
                    [("this tree", trees["this tree"])] if a.copies else []:
                for mode in ("claims", "claims+actors") if not a.copies else ("claims",):
                    db = str(Path(d) / "run.db")
                    shutil.copy(ref, db)
                    keep(f"{name}: analyze {mode}", run(src, [mode, db, str(a.workers)]))
                    os.unlink(db)
            if not a.no_trace and not a.default_only:   # the same pages without trace: no page is a copy, every page analysed in full
                run(trees["this tree"], ["ingest:none", plain, str(lst), "0", str(a.workers)])
                keep("copies: analyze claims, no trace (every page an original)",
                     run(trees["this tree"], ["claims", plain, str(a.workers)]))
    iw, ic, _ = best[REF]
    print(f"{len(files)} reuse-dev pages{f' (the stories of {a.copies} origins)' if a.copies else ''}, trace {'off' if a.no_trace else 'on'}, {a.workers} workers; fastest of "
          f"{a.repeat}, interleaved; CPU = child + its workers\n")

    def ratio(ref: float, t: float, k: str) -> str:  # analyze runs add to the reference; ingests are whole
        return f"{ref / (ref + t):.2f}" if ": analyze" in k else "1.00" if k == REF else f"{ref / t:.2f}"

    rows = [[k, f"{w:.1f}", f"{c:.1f}", ratio(iw, w, k) if not k.startswith("copies") else "",
             ratio(ic, c, k) if not k.startswith("copies") else ""] for k, (w, c, _) in best.items()]
    print(table(["run", "wall s", "CPU s", "ingest with / without analysis (wall)", "(CPU)"], rows))
    print("\nTarget (issue 13): ingest with analysis at >= 0.5x the speed of ingest without it.")
    traced = best.get("this tree: analyze claims")
    untraced = best.get("copies: analyze claims, no trace (every page an original)")
    if traced and untraced:
        t3, u3 = traced[2], untraced[2]
        print(f"\nCopies (claims alone): with trace {t3.get('carried', 0)} of {t3.get('articles', 0)} articles "
              f"carried their source's claims; words analysed {t3.get('words_parsed', 0)} with trace against "
              f"{u3.get('words_parsed', 0)} without (every page an original); analyze wall {traced[0]:.1f} s / CPU "
              f"{traced[1]:.1f} s with trace against {untraced[0]:.1f} / {untraced[1]:.1f} s without.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
