"""Throughput: ``newstrace ingest`` (whole pipeline to SQLite) vs bare ``trafilatura.extract``, same pages, same run.

Pages: every HTML file of ``../shared/data/aeb/html``, ``../shared/data/trafilatura-eval/html`` and
``../shared/data/reuse-dev/pages`` that is present (skips with a message, exit 0, when none is).
Both systems get the same list of files and read them themselves (gunzip included).

Each system runs in its own child process (``python bench/throughput.py --child ...``), one after the
other, so its time and memory are its own:

- ``newstrace ingest``: ``newstrace.cli.main(["ingest", "--db", <temp>, "--no-progress", "--no-trace",
  FILES...])`` — readers, the extraction process pool (``--workers``, default all cores), SQLite writes
  and per-site furniture relearning; copy tracing is off unless ``--with-trace`` adds a row with it;
- ``trafilatura.extract``: a loop ``trafilatura.extract(read(file))`` with defaults in one process
  (one core), and with ``--trafilatura-workers N`` also a row with a pool of N processes.

Reported per system: wall seconds (child start to end, imports included), pages/s, processes and cores
used, CPU seconds (user+sys of the child and its children, from ``resource.getrusage``), peak RSS of the
process tree (sum of VmRSS of the child and all its descendants, sampled every 50 ms from /proc) and the
largest single-process peak RSS (``ru_maxrss`` of self/children). The ratio is newstrace pages/s over
bare trafilatura pages/s (target >= 0.8). The machine may be shared: run it a few times (``--repeat``)
and read the median.

``--stages`` instead times each step of newstrace's ``extract()`` in one process (CPU ms/page) beside
``trafilatura.extract`` on the same pages, to show where the time goes.

``--records --baseline-src DIR`` instead extracts every page with this tree and with DIR's code (each in its own
child process) and compares the full records (every field of the Article or the Problem's reason): the check that
a speed change leaves extraction's output as it was. ``--sample N`` takes N pages spread over all sets (seed 10).

``--with-analyze`` adds ``newstrace ingest`` with the analyze stage (claims) and its ratio to ingest without it
(every other newstrace row runs with ``--no-analyze``).

Usage: ``.venv/bin/python bench/throughput.py [--limit N] [--repeat 3] [--workers 2] [--with-trace] [--with-analyze]``
       ``.venv/bin/python bench/throughput.py --stages --limit 300``
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SHARED, ROOT, progress, read_bytes, table, trafilatura_version  # noqa: E402

SETS = {"aeb": "aeb/html", "trafilatura-eval": "trafilatura-eval/html", "reuse-dev": "reuse-dev/pages"}


def page_files(sets: list[str], limit: int | None) -> tuple[list[str], dict[str, int]]:
    sys.path.insert(0, str(ROOT / "src"))
    from newstrace.read import iter_inputs, kind_of

    files, per = [], {}
    for name in sets:
        d = SHARED / SETS[name]
        if not d.exists():
            continue
        fs = [f for f in iter_inputs([str(d)]) if kind_of(f) == "html"]
        per[name] = len(fs)
        files += fs
    if limit:
        files = files[:limit]
    return files, per


# -- children --------------------------------------------------------------------------------------
def _usage() -> dict:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu": s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime,
            "maxrss_kb": max(s.ru_maxrss, c.ru_maxrss)}


def _traf_one(path: str) -> int:
    import trafilatura

    try:
        return 1 if trafilatura.extract(read_bytes(path)) else 0
    except Exception:  # noqa: BLE001 - a failing page counts as done, without text
        return 0


def child(kind: str, listfile: str, workers: int, db: str | None) -> None:
    t0 = time.perf_counter()
    with open(listfile, encoding="utf-8") as fh:
        files = [line.rstrip("\n") for line in fh if line.strip()]
    out: dict = {"pages": len(files)}
    if kind == "trafilatura":
        import trafilatura  # noqa: F401 - imported inside the timed span, as newstrace's imports are

        if workers > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(workers) as pool:
                out["with_text"] = sum(pool.imap(_traf_one, files, chunksize=4))
        else:
            out["with_text"] = sum(map(_traf_one, files))
    else:
        import contextlib
        import io

        from newstrace.cli import main as cli_main

        argv = ["ingest", "--db", db, "--no-progress"]
        if kind in ("newstrace", "newstrace-analyze"):
            argv.append("--no-trace")
        import inspect

        import newstrace.pipeline

        if kind != "newstrace-analyze" and "analyze" in inspect.signature(newstrace.pipeline.ingest).parameters:
            argv.append("--no-analyze")  # (a --baseline-ref commit may predate the analyze stage)
        if workers:
            argv += ["--workers", str(workers)]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            out["exit"] = cli_main(argv + files)
        from newstrace.store import Store

        with Store(db, readonly=True) as st:
            out["store"] = {k: v for k, v in st.stats().items() if k in ("pages", "articles", "problems")}
    out["seconds"] = time.perf_counter() - t0
    out.update(_usage())
    print("RESULT " + json.dumps(out))


# -- records identical to another tree's ---------------------------------------------------------------
def records_child(listfile: str, out: str) -> None:
    """One line per page: file, sha256 of the full record (json, sorted keys), the record itself."""
    import dataclasses
    import hashlib

    from newstrace.extract.article import extract
    from newstrace.read import read_path
    from newstrace.records import Article

    with open(listfile, encoding="utf-8") as fh:
        files = [line.rstrip("\n") for line in fh if line.strip()]
    with open(out, "w", encoding="utf-8") as fh:
        for f in files:
            recs = []
            for p in read_path(f):
                r = extract(p) if hasattr(p, "raw") else p
                recs.append(dataclasses.asdict(r) if isinstance(r, Article) else {"problem": getattr(r, "reason", None)})
            js = json.dumps(recs, sort_keys=True, default=str, ensure_ascii=False)
            fh.write(json.dumps([f, hashlib.sha256(js.encode()).hexdigest(), js], ensure_ascii=False) + "\n")


def records(files: list[str], other_src: str) -> int:
    """Compare this tree's records with ``other_src``'s on ``files``; print the differing fields; 1 if any."""
    with tempfile.TemporaryDirectory(prefix="newstrace-rec-") as tmp:
        lst = os.path.join(tmp, "files.txt")
        with open(lst, "w", encoding="utf-8") as fh:
            fh.write("\n".join(files) + "\n")
        got = {}
        for name, src in (("this", str(ROOT / "src")), ("other", os.path.abspath(other_src))):
            out = os.path.join(tmp, name + ".jsonl")
            progress(f"records: {name} tree ({src}) on {len(files)} pages ...")
            subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "records", "--list", lst,
                            "--db", out], check=True, env={**os.environ, "PYTHONPATH": src})
            with open(out, encoding="utf-8") as fh:
                got[name] = {r[0]: (r[1], r[2]) for r in map(json.loads, fh)}
    diff = [f for f in files if got["this"].get(f, ("",))[0] != got["other"].get(f, ("",))[0]]
    for f in diff[:20]:
        a, b = json.loads(got["this"][f][1]), json.loads(got["other"][f][1])
        fields = sorted({k for x, y in zip(a, b) for k in set(x) | set(y) if x.get(k) != y.get(k)}) \
            if len(a) == len(b) else ["number of records"]
        print(f"differs: {f}: {', '.join(fields)}")
    print(f"records identical to {other_src}: {len(files) - len(diff)} of {len(files)} pages")
    return 1 if diff else 0


# -- where extraction time goes ------------------------------------------------------------------------
def stages(files: list[str]) -> None:
    """CPU ms per page of each step of newstrace's extract() (in this process, one core), beside bare
    trafilatura.extract on the same pages. Steps are timed by wrapping the functions extract() calls."""
    import trafilatura

    from newstrace.extract import article as A
    from newstrace.read import read_path
    from newstrace.records import Page

    pages = [r for f in files for r in read_path(f) if isinstance(r, Page)]
    spent: dict[str, float] = {}

    def wrap(owner, attr: str, label: str):
        fn = getattr(owner, attr)

        def timed(*a, **kw):
            t = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t
        setattr(owner, attr, timed)
        return owner, attr, fn

    A.extract(pages[0])  # imports and lazy models out of the way
    trafilatura.extract(pages[0].raw)
    t = time.process_time()
    for p in pages:
        try:
            trafilatura.extract(p.raw)
        except Exception:  # noqa: BLE001
            pass
    traf = time.process_time() - t

    import lxml.html

    targets = [
        (A, "decode_bytes", "decode (charset)"), (lxml.html, "document_fromstring", "lxml parse"),
        (A, "_read_head", "head meta / JSON-LD"), (A, "_outlinks", "outlinks"), (A, "_media", "media"),
        (A.identifiers_mod, "find_identifiers", "identifiers"), (A.taxonomy_mod, "find_taxonomy", "taxonomy"),
        (A.layout_mod, "normalise", "layout normalise"),
        (trafilatura, "bare_extraction", "trafilatura.bare_extraction (body)"),
        (A.credits_mod, "scan_tree", "credits: page scan"), (A.credits_mod, "split_credits", "credits: body split"),
        (A, "_language", "language id"), (A, "_fallback_date", "fallback date"), (A, "_byline", "byline"),
        (A.publisher_mod, "publisher", "publisher"), (A, "_metadata", "trafilatura metadata (title, author, date, site)"),
        (A.mojibake_mod, "repair", "mojibake check/repair"), (A.furniture_mod, "lone_page_body", "lone-page furniture"),
        (A, "date_precision", "date precision"),
        (A.identifiers_mod, "drop_body_mentions", "identifiers: prose mentions"),
        (A.credits_mod, "byline_credits", "credits: byline"), (A.credits_mod, "drop_self_credits", "credits: self"),
        (A, "_tree_author", "trafilatura byline search in the tree"), (A, "_categories", "trafilatura categories"),
        (A.dom_mod, "text_nodes", "text nodes (taxonomy, credits, block hints)"),
        (A.furniture_mod, "block_hints", "lone-page markup cues"),
    ]
    saved = [wrap(o, a, l) for o, a, l in targets if hasattr(o, a)]
    t = time.process_time()
    for p in pages:
        A.extract(p)
    total = time.process_time() - t
    for o, a, fn in saved:
        setattr(o, a, fn)
    n = len(pages)
    rows = [[label, f"{v / n * 1000:.1f}", f"{v / total:.0%}"] for label, v in sorted(spent.items(), key=lambda x: -x[1])]
    rows.append(["other (titles, credit merging, Article)", f"{(total - sum(spent.values())) / n * 1000:.1f}",
                 f"{(total - sum(spent.values())) / total:.0%}"])
    rows.append(["newstrace extract() total", f"{total / n * 1000:.1f}", "100%"])
    rows.append(["bare trafilatura.extract, same pages", f"{traf / n * 1000:.1f}", f"{traf / total:.0%}"])
    print(table(["step of newstrace extract()", "CPU ms/page", "share"], rows,
                title=f"Where extraction time goes, {n} pages, one process"))


# -- parent -----------------------------------------------------------------------------------------
def _tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over ``pid`` and all its descendants (Linux /proc)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    stack += [int(x) for x in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run_sampled(cmd: list[str], env: dict[str, str]) -> tuple[int, str, str, int]:
    """Run ``cmd`` to its end; (exit status, stdout, stderr, peak KB of its process tree's summed VmRSS,
    sampled every 50 ms)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    stop.set()
    th.join()
    return proc.returncode, out, err, peak


def run_child(kind: str, files_list: str, workers: int, db: str | None, src: str | None = None) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, "--list", files_list,
           "--workers", str(workers)]
    if db:
        cmd += ["--db", db]
    rc, out, err, peak = run_sampled(cmd, {**os.environ, "PYTHONPATH": src or str(ROOT / "src")})
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if rc != 0 or line is None:
        raise RuntimeError(f"{kind} child failed ({rc}):\n{err[-3000:]}")
    res = json.loads(line[len("RESULT "):])
    res["tree_peak_kb"] = peak
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="newstrace extraction processes (default: all cores = %(default)s)")
    ap.add_argument("--trafilatura-workers", type=int, default=0, metavar="N",
                    help="also time trafilatura.extract in a pool of N processes")
    ap.add_argument("--with-trace", action="store_true", help="also time newstrace ingest with copy tracing on")
    ap.add_argument("--with-analyze", action="store_true",
                    help="also time newstrace ingest with the analyze stage (claims) on; prints its ratio to without")
    ap.add_argument("--baseline-ref", metavar="REF",
                    help="also time newstrace ingest with the code of git commit REF (a temporary git worktree), "
                         "same pages, same run: the reference for a change's pages/s and peak RSS")
    ap.add_argument("--baseline-src", metavar="DIR",
                    help="the same as --baseline-ref for a source tree already on disk (e.g. `git archive REF src "
                         "| tar -x -C /tmp/ref`, then DIR=/tmp/ref/src): no git worktree is made")
    ap.add_argument("--repeat", type=int, default=1, help="runs per system; the median run is reported")
    ap.add_argument("--stages", action="store_true",
                    help="instead: CPU time per step of newstrace's extract() vs trafilatura.extract, in-process")
    ap.add_argument("--records", action="store_true",
                    help="instead: compare the full extracted records with --baseline-src's code on the same pages")
    ap.add_argument("--sample", type=int, help="N pages spread over all sets (random, seed 10) instead of the first")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--list", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "records":
        records_child(args.list, args.db)
        return 0
    if args.child:
        child(args.child, args.list, args.workers, args.db)
        return 0

    files, per = page_files(args.sets, args.limit)
    if args.sample and len(files) > args.sample:
        import random

        files = sorted(random.Random(10).sample(files, args.sample))
    if not files:
        print(f"skipped: no evaluation pages under {SHARED} (set NEWSTRACE_SHARED_DATA to its folder)")
        return 0
    if args.stages:
        stages(files)
        return 0
    if args.records:
        if not args.baseline_src:
            ap.error("--records needs --baseline-src")
        return records(files, args.baseline_src)
    ncpu = os.cpu_count() or 1
    systems = [("trafilatura.extract, 1 process", "trafilatura", 1,
                "1 process (1 core)")]
    if args.trafilatura_workers > 1:
        systems.append((f"trafilatura.extract, pool of {args.trafilatura_workers}", "trafilatura",
                        args.trafilatura_workers, f"{args.trafilatura_workers}+1 processes"))
    systems.append(("newstrace ingest (to SQLite, --no-trace --no-analyze)", "newstrace", args.workers,
                    f"{args.workers} extraction + 1 main processes"))
    if args.with_analyze:
        systems.append(("newstrace ingest (to SQLite, --no-trace, with claims analysis)", "newstrace-analyze",
                        args.workers, f"{args.workers} extraction/analysis + 1 main processes"))
    baseline_src = None
    if args.baseline_ref:
        wt = tempfile.mkdtemp(prefix="newstrace-base-")
        os.rmdir(wt)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", wt, args.baseline_ref], check=True,
                       capture_output=True)
        baseline_src = os.path.join(wt, "src")
        systems.append((f"newstrace ingest at {args.baseline_ref} (--no-trace)", "newstrace-base", args.workers,
                        f"{args.workers} extraction + 1 main processes"))
    elif args.baseline_src:
        baseline_src = os.path.abspath(args.baseline_src)
        args.baseline_ref = args.baseline_src
        systems.append((f"newstrace ingest at {args.baseline_src} (--no-trace)", "newstrace-base", args.workers,
                        f"{args.workers} extraction + 1 main processes"))
    if args.with_trace:
        systems.append(("newstrace ingest (to SQLite, with tracing)", "newstrace-trace", args.workers,
                        f"{args.workers} extraction + 1 main processes"))

    results: dict[str, list[dict]] = {s[0]: [] for s in systems}
    try:
        _run_all(args, files, systems, results, baseline_src)
    finally:
        if baseline_src and not args.baseline_src:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", os.path.dirname(baseline_src)],
                           capture_output=True)
    _report(args, files, per, systems, results)
    return 0


def _run_all(args, files, systems, results, baseline_src) -> None:
    with tempfile.TemporaryDirectory(prefix="newstrace-tp-") as tmp:
        lst = os.path.join(tmp, "files.txt")
        with open(lst, "w", encoding="utf-8") as fh:
            fh.write("\n".join(files) + "\n")
        for r in range(args.repeat):
            for label, kind, w, _ in systems:
                db = os.path.join(tmp, f"run{r}-{kind}.db") if kind.startswith("newstrace") else None
                progress(f"throughput: run {r + 1}/{args.repeat}: {label} on {len(files)} pages ...")
                base = kind == "newstrace-base"
                results[label].append(run_child("newstrace" if base else kind, lst, w, db,
                                                baseline_src if base else None))


def _report(args, files, per, systems, results) -> None:
    ncpu = os.cpu_count() or 1
    med = {}
    for label, runs in results.items():
        runs.sort(key=lambda x: x["seconds"])
        med[label] = runs[len(runs) // 2]
    base = med[systems[0][0]]
    base_rate = base["pages"] / base["seconds"]
    rows = []
    for label, kind, w, procs in systems:
        m = med[label]
        rate = m["pages"] / m["seconds"]
        rows.append([label, procs, m["pages"], f"{m['seconds']:.1f}", f"{rate:.1f}", f"{rate / base_rate:.2f}",
                     f"{m['cpu']:.1f}", f"{m['tree_peak_kb'] / 1024:.0f}", f"{m['maxrss_kb'] / 1024:.0f}"])
    sets = ", ".join(f"{k} {v}" for k, v in per.items())
    print(table(["system", "processes", "pages", "wall s", "pages/s", "ratio vs 1-process trafilatura",
                 "CPU s", "peak RSS tree MB", "peak RSS 1 process MB"], rows,
                title=f"Throughput, same {len(files)} pages ({sets}{'; first ' + str(args.limit) if args.limit else ''})"
                      f", same run, {ncpu} cores, median of {args.repeat} run(s), trafilatura {trafilatura_version()}"))
    ns = med[next(s[0] for s in systems if s[1] == "newstrace")]
    print(f"\nnewstrace ingest / bare trafilatura pages/s: {(ns['pages'] / ns['seconds']) / base_rate:.2f} "
          f"(target >= 0.80); store: {ns.get('store')}")
    if args.with_analyze:
        an = med[next(s[0] for s in systems if s[1] == "newstrace-analyze")]
        print(f"newstrace ingest with analysis / without, pages/s: "
              f"{(an['pages'] / an['seconds']) / (ns['pages'] / ns['seconds']):.2f} (target >= 0.50); "
              f"{an['seconds']:.1f} s vs {ns['seconds']:.1f} s wall")
    if args.trafilatura_workers > 1:
        pool = med[systems[1][0]]
        print(f"newstrace ingest / trafilatura pool of {args.trafilatura_workers} pages/s: "
              f"{(ns['pages'] / ns['seconds']) / (pool['pages'] / pool['seconds']):.2f} (same cores)")
    t_ms, n_ms = base["cpu"] / base["pages"] * 1000, ns["cpu"] / ns["pages"] * 1000
    print(f"CPU per page: trafilatura {t_ms:.1f} ms, newstrace {n_ms:.1f} ms ({n_ms / t_ms:.1f}x). "
          f"On an otherwise idle machine newstrace's {args.workers} workers could reach at most "
          f"{args.workers} x {t_ms:.1f} / {n_ms:.1f} = {args.workers * t_ms / n_ms:.2f}x trafilatura's 1-process "
          f"pages/s (an upper bound from CPU time, not a measurement).")
    if args.baseline_ref:
        old = med[next(s[0] for s in systems if s[1] == "newstrace-base")]
        new_rate, old_rate = ns["pages"] / ns["seconds"], old["pages"] / old["seconds"]
        print(f"this tree / commit {args.baseline_ref}: pages/s {new_rate / old_rate:.2f} ({new_rate:.1f} vs "
              f"{old_rate:.1f}), CPU s {ns['cpu']:.1f} vs {old['cpu']:.1f}, peak RSS tree "
              f"{ns['tree_peak_kb'] / 1024:.0f} vs {old['tree_peak_kb'] / 1024:.0f} MB; store {ns.get('store')} vs "
              f"{old.get('store')}")
    if args.repeat > 1:
        # on a shared machine one run's CPU can be inflated by the others' load: every run, and the ratio of
        # the lowest CPU of each system, beside the median run's above
        cpu = {label: sorted(r["cpu"] for r in runs) for label, runs in results.items()}
        print("CPU s of each run: " + "; ".join(f"{label}: {', '.join(f'{c:.1f}' for c in v)}"
                                                for label, v in cpu.items()))
        best_t, best_n = cpu[systems[0][0]][0], cpu[next(s[0] for s in systems if s[1] == "newstrace")][0]
        print(f"lowest CPU per page: trafilatura {best_t / base['pages'] * 1000:.1f} ms, newstrace "
              f"{best_n / ns['pages'] * 1000:.1f} ms ({best_n / best_t:.2f}x)")
        if args.baseline_ref:
            best_o = cpu[next(s[0] for s in systems if s[1] == "newstrace-base")][0]
            print(f"lowest CPU this tree / {args.baseline_ref}: {best_n / best_o:.2f} ({best_n:.1f} vs {best_o:.1f} s)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end of the run: {load:.1f} on {ncpu} cores")


if __name__ == "__main__":
    sys.exit(main())
