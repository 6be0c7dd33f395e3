"""Trace at scale: time and peak memory of ``trace_all`` on 10k / 40k / 160k-article corpora.

Corpora are built by perturbing real texts (PTC train articles and PolNeAR train texts from
../shared/data): every origin is a new mix of real paragraphs with a share of its words replaced by
other words of the pool (so origins do not share passages by accident); about 40% of the articles
are copies of earlier ones: full, partial (2-4 paragraphs), edited (dropped sentences, substituted
words, swapped paragraphs, an added intro), chains (copy of a copy) and compilations (paragraphs of
2-3 origins).  Articles are written straight into a Store (no HTML extraction), then each size is
traced in a fresh process: wall time, peak RSS, articles/s, and the growth from 40k to 160k.
The multilingual (translation) stage is not run: this measures same-language tracing only.

    .venv/bin/python bench/trace_scale.py [--sizes 10000,40000,160000] [--workdir /tmp/trace_scale]
        [--reference [LABEL=]DIR/src ...] [--repeat N]

``--reference`` is the source tree of other code (e.g. ``git archive <commit> src | tar -x -C DIR``), given once
or more (``LABEL=DIR/src`` names it in the table): each size is then built by every tree, each in its own
processes, and traced in the same run (references first).  ``--repeat N`` traces every tree N times, in turn
(tree A, tree B, A, B, ...: a burst of load from elsewhere falls on all of them), each time from a copy of the
store that tree built.  Besides wall time, each trace reports its CPU seconds (the trace process and its
workers); on a shared machine the lowest CPU of N runs is the steadiest figure, and the ratios of the lowest CPU
and of the lowest and median wall times are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
SITES = 600


def load_pool() -> list[str]:
    paras = []
    ptc = DATA / "ptc" / "train-articles"
    if ptc.exists():
        for f in sorted(ptc.glob("*.txt")):
            lines = [l.strip() for l in f.read_text(encoding="utf-8", errors="replace").splitlines()[1:] if l.strip()]
            for i in range(0, len(lines), 3):
                p = " ".join(lines[i:i + 3])
                if len(p.split()) >= 15:
                    paras.append(p)
    pol = DATA / "polnear" / "data" / "train" / "text"
    if pol.exists():
        for f in sorted(pol.glob("*.txt")):
            for p in re.split(r"\n\s*\n", f.read_text(encoding="utf-8", errors="replace")):
                p = " ".join(p.split())
                if len(p.split()) >= 15:
                    paras.append(p)
    return paras


def relabeller(pool: list[str], epoch: int, seed: int = 7, bin_size: int = 16):
    """A word -> word bijection for one epoch of a bounded corpus (identity for epoch 0): the pool's words
    ranked by frequency, shuffled within bins of ``bin_size`` neighbouring ranks (so every epoch has the same
    word-frequency profile), case kept.  Text of one epoch shares no 8-word passage with another's by chance."""
    if epoch == 0:
        return lambda text: text
    from collections import Counter

    freq = Counter(w for p in pool for w in re.findall(r"[a-z]+", p.lower()))
    ranked = sorted(freq, key=lambda w: (-freq[w], w))
    rnd = random.Random(f"{seed}/epoch/{epoch}")   # its own generator: the corpus's draws are unchanged
    to: dict[str, str] = {}
    for k in range(0, len(ranked), bin_size):
        b = ranked[k:k + bin_size]
        c = b[:]
        rnd.shuffle(c)
        to.update(zip(b, c))

    def one(m: re.Match) -> str:
        w = m.group(0)
        x = to.get(w.lower(), w)
        return x.upper() if w.isupper() and len(w) > 1 else x.capitalize() if w[0].isupper() else x
    return lambda text: re.sub(r"[A-Za-z]+", one, text)


def build(db: str, n: int, seed: int = 7, src: str = str(ROOT / "src"), epoch: int = 0) -> dict:
    """``epoch`` > 0: a bounded corpus.  Fresh (origin) paragraphs of article i are relabelled by epoch
    i // epoch's word bijection (``relabeller``), so chance overlaps between unrelated articles — from the
    finite pool of real paragraphs every origin draws on — stay within an epoch and candidate pairs grow
    linearly with n, as in real news where stories have bounded size.  Copies copy the stored text, whatever
    its epoch.  The first ``epoch`` articles are the classic corpus's (``epoch`` = 0: pairs grow faster than
    n, the pool's reuse making chance overlaps grow with n^2)."""
    sys.path.insert(0, src)
    from newstrace.records import Article, content_hash
    from newstrace.store import Store

    rnd = random.Random(seed)
    pool = load_pool()
    vocab = sorted({w for p in pool[:3000] for w in p.split() if w.isalpha()})
    sites = [f"site{i:03d}.example" for i in range(SITES)]
    origins: list[tuple[str, list[str], str]] = []   # (url, paragraphs, title)
    copies_made: list[tuple[str, list[str], str]] = []
    counts = {"origin": 0, "full": 0, "partial": 0, "edited": 0, "chain": 0, "compilation": 0}

    relabel = [relabeller(pool, 0, seed)]

    def fresh_paragraphs(k: int) -> list[str]:
        out = []
        for _ in range(k):
            ws = rnd.choice(pool).split()
            out.append(relabel[0](" ".join(w if rnd.random() > 0.35 else rnd.choice(vocab) for w in ws)))
        return out

    def edit(ps: list[str]) -> list[str]:
        ps = [p for p in ps]
        out = []
        for p in ps:
            sents = re.split(r"(?<=[.!?])\s+", p)
            if len(sents) > 2 and rnd.random() < 0.4:
                del sents[rnd.randrange(len(sents))]
            out.append(" ".join(sents))
        if len(out) > 3:
            i = rnd.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        for _ in range(rnd.randint(1, 6)):
            i = rnd.randrange(len(out))
            ws = out[i].split()
            j = rnd.randrange(len(ws))
            ws[j] = rnd.choice(vocab)
            out[i] = " ".join(ws)
        if rnd.random() < 0.7:
            out = fresh_paragraphs(1) + out
        return out

    st = Store(db)
    batch = []
    t0 = time.perf_counter()
    base = 1_600_000_000
    for i in range(n):
        if epoch and i % epoch == 0:
            relabel[0] = relabeller(pool, i // epoch, seed)
        site = rnd.choice(sites)
        url = f"https://{site}/a/{i}"
        r = rnd.random()
        if i < 50 or r < 0.6:
            ps = fresh_paragraphs(rnd.randint(4, 12))
            title = " ".join(ps[0].split()[:8])
            origins.append((url, ps, title))
            kind = "origin"
        else:
            o = rnd.choice(origins[-5000:])
            if r < 0.72:
                kind, ps = "full", list(o[1])
            elif r < 0.80:
                k = rnd.randint(2, min(4, len(o[1])))
                s = rnd.randrange(0, len(o[1]) - k + 1)
                kind, ps = "partial", o[1][s:s + k]
            elif r < 0.90:
                kind, ps = "edited", edit(o[1])
            elif r < 0.96 and copies_made:
                kind, ps = "chain", list(rnd.choice(copies_made[-3000:])[1])
            else:
                parts = [o] + rnd.sample(origins[-5000:], 2)
                ps = []
                for x in parts:
                    ps += x[1][:rnd.randint(2, 3)]
                kind = "compilation"
            title = o[2]
            copies_made.append((url, ps, title))
        counts[kind] += 1
        body = "\n\n".join(ps)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base + i * 600))
        a = Article(page_id=content_hash(url, body), url=url, source=url, site=site, publisher=site.split(".")[0],
                    title=title, published=ts, body=body, blocks=ps, language="en", fetched_at=ts)
        batch.append(({"page_id": a.page_id, "url": url, "source": "bench", "fetched_at": ts}, a, []))
        if len(batch) >= 2000:
            st.write_batch(batch)
            batch = []
    if batch:
        st.write_batch(batch)
    st.close()
    return {"articles": n, "build_s": round(time.perf_counter() - t0, 1), "kinds": counts}


def trace_child(db: str, src: str = str(ROOT / "src")) -> None:
    sys.path.insert(0, src)
    from newstrace.store import Store
    from newstrace.trace import trace_all

    st = Store(db)
    t = time.perf_counter()
    res = trace_all(st, rebuild=True, translate=False)
    wall = time.perf_counter() - t
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime   # (the pool's workers are joined by now)
    peak = me.ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024   # trace worker processes, if any
    st.close()
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_mb": peak, "worker_peak_mb": child, "summary": res}))


def _remove(db: str) -> None:
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)


def _child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,40000,160000")
    ap.add_argument("--workdir", default="/tmp/trace_scale")
    ap.add_argument("--reference", action="append", default=[],
                    help="[LABEL=]source tree (DIR/src) of code to time beside this tree's; repeatable")
    ap.add_argument("--repeat", type=int, default=1, help="trace every tree this many times, in turn")
    ap.add_argument("--src", default=str(ROOT / "src"), help=argparse.SUPPRESS)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--build-child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        trace_child(args.child, args.src)
        return 0
    if args.build_child:
        print(json.dumps(build(args.build_child, args.n, src=args.src)))
        return 0
    if not (DATA / "ptc").exists() and not (DATA / "polnear").exists():
        print(f"trace_scale: {DATA} (ptc, polnear) not present, skipping")
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    versions = []
    for i, ref in enumerate(args.reference):
        label, _, d = ref.rpartition("=") if "=" in ref else ("", "", ref)
        versions.append((label or ("reference" if len(args.reference) == 1 else f"ref{i + 1}"), os.path.abspath(d)))
    versions.append(("this tree", str(ROOT / "src")))
    results = []
    for n in [int(x) for x in args.sizes.split(",")]:
        built = {}
        for name, src in versions:
            db = os.path.join(args.workdir, f"scale_{n}_{len(built)}.db")
            _remove(db)
            try:   # each tree writes its own store (its own schema), in a process that imports only that tree
                built[name] = (db, _child(["--build-child", db, "--n", str(n), "--src", src]))
            except RuntimeError as e:
                print(e)
                return 1
        for rep in range(args.repeat):
            for name, src in versions:
                db, info = built[name]
                run = db + ".run.db"
                _remove(run)
                for ext in ("", "-wal"):
                    if os.path.exists(db + ext):
                        shutil.copyfile(db + ext, run + ext)
                try:
                    r = _child(["--child", run, "--src", src])
                except RuntimeError as e:
                    print(e)
                    return 1
                _remove(run)
                r.update(info)
                r["code"], r["rep"] = name, rep + 1
                results.append(r)
                print(f"n={n} {name} run {rep + 1}: built in {info['build_s']}s {info['kinds']}; traced in "
                      f"{r['wall_s']:.1f}s, CPU {r['cpu_s']:.1f}s, peak {r['peak_mb']:.0f} MB"
                      + (f" (+ workers, {r['worker_peak_mb']:.0f} MB each)" if r.get("worker_peak_mb") else "")
                      + f", {n / r['wall_s']:.0f} articles/s; copies {r['summary'].get('copies')}, aligned pairs "
                      f"{r['summary'].get('aligned')}, timing {r['summary'].get('timing')}, load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
        for db, _ in built.values():
            _remove(db)
    print()
    print(f"| {'code':<10s} | run | {'articles':>9s} | {'write s':>8s} | {'trace s':>8s} | {'CPU s':>7s} | "
          f"{'articles/s':>10s} | {'peak MB':>8s} | {'MB per 100k':>11s} | {'copies found':>12s} | {'copies made':>11s} |")
    print(f"|{'-' * 12}|-----|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 12}|{'-' * 10}|{'-' * 13}|{'-' * 14}|"
          f"{'-' * 13}|")
    for r in results:
        made = sum(v for k, v in r["kinds"].items() if k != "origin")
        print(f"| {r['code']:<10s} | {r['rep']:>3d} | {r['articles']:>9d} | {r['build_s']:>8.1f} | {r['wall_s']:>8.1f} | "
              f"{r['cpu_s']:>7.1f} | {r['articles'] / r['wall_s']:>10.0f} | {r['peak_mb']:>8.0f} | "
              f"{r['peak_mb'] / r['articles'] * 100000:>11.0f} | {r['summary'].get('copies', 0):>12d} | {made:>11d} |")
    by: dict = {}
    for r in results:
        by.setdefault((r["code"], r["articles"]), []).append(r)
    if args.reference:
        print()
        for n in sorted({r["articles"] for r in results}):
            new = by[("this tree", n)]
            for name, _ in versions[:-1]:
                ref = by[(name, n)]
                f = (lambda rs, k, agg: agg(x[k] for x in rs))
                med = (lambda rs: sorted(x["wall_s"] for x in rs)[len(rs) // 2])
                print(f"n={n}: this tree / {name} ({len(new)} and {len(ref)} runs): CPU (lowest) "
                      f"{f(new, 'cpu_s', min) / f(ref, 'cpu_s', min):.2f}x, trace wall (lowest) "
                      f"{f(new, 'wall_s', min) / f(ref, 'wall_s', min):.2f}x, (median) {med(new) / med(ref):.2f}x, "
                      f"write time {new[0]['build_s'] / ref[0]['build_s']:.2f}x, peak RSS "
                      f"{f(new, 'peak_mb', max) / f(ref, 'peak_mb', max):.2f}x, copies "
                      f"{sorted({x['summary'].get('copies') for x in new})} vs "
                      f"{sorted({x['summary'].get('copies') for x in ref})}, aligned pairs "
                      f"{sorted({x['summary'].get('aligned') for x in new})} vs "
                      f"{sorted({x['summary'].get('aligned') for x in ref})}")
    for name, _ in versions:
        if (name, 40000) in by and (name, 160000) in by:
            g = min(x["wall_s"] for x in by[(name, 160000)]) / min(x["wall_s"] for x in by[(name, 40000)])
            print(f"\n{name}: growth 40k -> 160k: {g:.2f}x (target <= 4.6x)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"target: >= 2000 articles/s on 2 cores; load average at the end of the run: {load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
