"""Incremental ingest + trace: the time to add 4,000 articles to a store of 40k and of 160k articles, for this
branch's code and for a reference checkout (main at the branch point), in the same run.

Corpora are built as bench/trace_scale.py builds them (real PTC / PolNeAR paragraphs, perturbed; ~40% copies:
full, partial, edited, chains, compilations), plus what the whole-store steps read: bylines (a pool per site,
some copies keep the source's byline), identifiers (per-site accounts and handles, operator pairs sharing a
PayPal account, a theme id shared by every site, handles carried inside copied text) and credits.  The base
store is written straight into a Store, its furniture learned and traced once (this branch's code); then each
code version gets a copy of it and, in a fresh process, adds the next 4,000 articles of the same stream the way
an ingest does after extraction: ``write_batch`` in batches of 64, ``relearn_furniture``, ``link_new`` (no
translation: one language; no analyze stage).  Reading and extraction are per page and left out, so the
figures are the part that could grow with the store.

    nice -n 10 .venv/bin/python bench/incremental.py [--sizes 40000,160000] [--batch 4000]
        [--reference /tmp/i11inc-base/src] [--workdir /tmp/incremental] [--keep] [--build-only]

``--keep`` keeps the base stores in the workdir and reuses them in later runs (each increment works on a copy);
``--build-only`` only builds them (the long part at 160k), so the increments can be timed back to back later.
Each increment prints wall and CPU seconds (the process and its trace workers) per step, and link_new's
per-phase wall time and main-process CPU time (the trace workers' CPU shows in the total only), so a step that
grows with the store shows in the table.

The reference is a source tree of the code compared against (e.g. ``git archive 0ced4af src | tar -x -C
/tmp/i11inc-base``); without it only this branch is timed.
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
sys.path.insert(0, str(ROOT / "bench"))
from trace_scale import DATA, load_pool  # noqa: E402

SITES = 600
FIRST = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kate", "Luis"]
LAST = ["Adams", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ivanov", "Jones"]


def stream(n: int, seed: int = 11, epoch: int = 0):
    """Articles 0..n-1 of one reproducible corpus, as (meta, Article, []) triples for Store.write_batch.
    ``epoch`` > 0: a bounded corpus, as bench/trace_scale.py's: article i's fresh paragraphs are relabelled by
    epoch i // epoch's word bijection, so chance overlaps between unrelated articles stay within an epoch (the
    classic corpus draws every origin from one finite pool of real paragraphs, so a batch's chance candidates
    grow with the store: 6,855 at 40k, 16,056 at 160k).  The draws are the classic corpus's."""
    from newstrace.records import Article, content_hash
    from trace_scale import relabeller

    rnd = random.Random(seed)
    pool = load_pool()
    vocab = sorted({w for p in pool[:3000] for w in p.split() if w.isalpha()})
    sites = [f"site{i:03d}.example" for i in range(SITES)]
    staff = {s: [f"{rnd.choice(FIRST)} {rnd.choice(LAST)}" for _ in range(5)] for s in sites}
    ids = {}
    for i, s in enumerate(sites):
        ids[s] = [("analytics", f"UA-{1000 + i}-1"), ("twitter", s.split(".")[0]), ("email", f"desk@{s}"),
                  ("gtm", "GTM-SHARED"), ("paypal", f"pay{i - i % 2}@ops.example") if i % 9 < 2 else None]
        ids[s] = [x for x in ids[s] if x]
    origins: list[tuple] = []
    copies: list[tuple] = []
    relabel = [relabeller(pool, 0)]

    def fresh(k: int) -> list[str]:
        return [relabel[0](" ".join(w if rnd.random() > 0.35 else rnd.choice(vocab) for w in rnd.choice(pool).split()))
                for _ in range(k)]

    def drop_sentence(p: str) -> str:
        sents = re.split(r"(?<=[.!?])\s+", p)
        if len(sents) > 2 and rnd.random() < 0.4:
            sents.pop(rnd.randrange(len(sents)))
        return " ".join(sents)

    def edit(ps: list[str]) -> list[str]:
        """A sentence dropped here and there, two paragraphs swapped, often a new intro (as trace_scale)."""
        out = [drop_sentence(p) for p in ps]
        if len(out) > 3:
            i = rnd.randrange(len(out) - 1)
            out[i:i + 2] = [out[i + 1], out[i]]
        return (fresh(1) if rnd.random() < 0.7 else []) + out

    base = 1_600_000_000
    for i in range(n):
        if epoch and i % epoch == 0:
            relabel[0] = relabeller(pool, i // epoch)
        site = rnd.choice(sites)
        url = f"https://{site}/a/{i}"
        r = rnd.random()
        byline = rnd.choice(staff[site]) if rnd.random() < 0.8 else None
        idents = [{"kind": k, "value": v, "where": "markup"} for k, v in ids[site]]
        credits = []
        if i < 50 or r < 0.6:
            ps = fresh(rnd.randint(4, 12))
            title = " ".join(ps[0].split()[:8])
            src = (url, ps, title, site, byline)
            origins.append(src)
        else:
            o = rnd.choice(origins[-5000:])
            if r < 0.72:
                ps = list(o[1])
            elif r < 0.80:
                k = rnd.randint(2, min(4, len(o[1])))
                s = rnd.randrange(0, len(o[1]) - k + 1)
                ps = o[1][s:s + k]
            elif r < 0.90:
                ps = edit(o[1])
            elif r < 0.96 and copies:
                o = rnd.choice(copies[-3000:])
                ps = list(o[1])
            else:
                ps = [p for x in [o] + rnd.sample(origins[-5000:], 2) for p in x[1][:rnd.randint(2, 3)]]
            title = o[2]
            if rnd.random() < 0.4:
                byline = o[4]                       # the source's byline kept
            if rnd.random() < 0.3:                  # the source's handle carried inside the copied text
                idents.append({"kind": "twitter", "value": o[3].split(".")[0], "where": "body"})
            if rnd.random() < 0.35:
                credits.append({"name": o[3].split(".")[0].title(), "url": o[0], "form": "original-source",
                                "text": f"Originally published by {o[3]}"})
            copies.append((url, ps, title, site, byline))
        body = "\n\n".join(ps)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base + i * 600))
        a = Article(page_id=content_hash(url, body), url=url, source=url, site=site, publisher=site.split(".")[0],
                    title=title, byline=byline, published=ts, body=body, blocks=ps, language="en", fetched_at=ts,
                    identifiers=idents, credits=credits)
        yield ({"page_id": a.page_id, "url": url, "source": "bench", "fetched_at": ts}, a, [])


def build_base(db: str, n: int, epoch: int = 0) -> float:
    from newstrace.store import Store
    from newstrace.trace import trace_all

    t = time.perf_counter()
    st = Store(db)
    batch = []
    for item in stream(n, epoch=epoch):
        batch.append(item)
        if len(batch) >= 2000:
            st.write_batch(batch)
            batch = []
    st.write_batch(batch)
    st.relearn_furniture()
    trace_all(st, rebuild=True, translate=False)
    st.close()
    return time.perf_counter() - t


def increment_items(n: int, batch: int, workdir: str | None, epoch: int = 0) -> list:
    """Articles n..n+batch-1 of the stream; kept in ``workdir`` as plain fields (not pickled Article objects,
    whose class differs between the code versions compared), because making the stream up to 164k articles
    takes minutes."""
    import pickle

    from newstrace.records import Article

    tag = f"_e{epoch}" if epoch else ""
    path = os.path.join(workdir, f"items_{n}_{batch}{tag}.pickle") if workdir else None
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            rows = pickle.load(f)
        return [(meta, Article(**fields), []) for meta, fields in rows]
    items = list(stream(n + batch, epoch=epoch))[n:]
    if path:
        rows = [(meta, {k: getattr(a, k) for k in ("page_id", "url", "source", "site", "publisher", "title", "byline",
                                                   "published", "body", "blocks", "language", "fetched_at",
                                                   "identifiers", "credits")}) for meta, a, _ in items]
        with open(path + ".part", "wb") as f:
            pickle.dump(rows, f)
        os.replace(path + ".part", path)
    return items


def increment_child(db: str, n: int, batch: int, epoch: int = 0) -> None:
    """In a fresh process with the code under test on sys.path: add articles n..n+batch-1 as an ingest would."""
    from newstrace.store import Store
    from newstrace.trace import link_new

    def cpu() -> float:
        """CPU seconds of this process and its finished children (the trace's worker pool): less sensitive
        than wall time to what else the shared machine runs."""
        a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

    items = increment_items(n, batch, os.path.dirname(db), epoch)
    c0, t0 = cpu(), time.perf_counter()
    st = Store(db)
    st.known_read_keys()
    for k in range(0, len(items), 64):
        st.write_batch(items[k:k + 64])
    c1, t1 = cpu(), time.perf_counter()
    st.relearn_furniture()
    c2, t2 = cpu(), time.perf_counter()
    res = link_new(st, translate=False)
    c3, t3 = cpu(), time.perf_counter()
    merge = {}
    try:   # code with a band table of increments: what merging it into trace_bands costs (not in the total)
        from newstrace.store import trace_index
        from newstrace.trace import TraceConfig
        if hasattr(trace_index, "merge_bands"):
            with st.conn:
                rows = trace_index.merge_bands(st.conn, 0.0)
            c4, t4 = cpu(), time.perf_counter()
            merge = {"merge_s": t4 - t3, "merge_cpu": c4 - c3, "merge_rows": rows,
                     "merge_share": TraceConfig().merge_share}
    finally:
        st.close()
    print(json.dumps({"total_s": t3 - t0, "write_s": t1 - t0, "relearn_s": t2 - t1, "trace_s": t3 - t2, **merge,
                      "total_cpu": c3 - c0, "write_cpu": c1 - c0, "relearn_cpu": c2 - c1, "trace_cpu": c3 - c2,
                      "timing": res.get("timing", {}), "phase_cpu": res.get("cpu", {}), "copies": res.get("copies"),
                      "counts": {k: res.get(k) for k in ("indexed", "candidates", "prechecked", "aligned", "components",
                                                         "network_rebuilt")}}))


def census_child(db: str, n: int, batch: int, epoch: int = 0) -> None:
    """``--census``: add the batch as ``increment_child`` does (untimed) and count what its trace did: the aligned
    pairs by the band keys they share (1 .. 6+), how many linked, why the one-key pairs passed the pre-check
    (a short body, a MinHash band, or else a key next to a post/quote/caption), and the pairs with shared items."""
    import collections

    import numpy as np
    from newstrace.store import Store, trace_index
    from newstrace.trace import indexing, link_new
    from newstrace.trace.index import PRECHECK_WORDS, doc_bands_agree

    kept: dict = {}
    precheck = indexing.IndexPhase.precheck

    def counting(self, todo, rows, items, shared_keys=None):
        out = precheck(self, todo, rows, items, shared_keys)
        kept.update((p, (shared_keys or {}).get(p, 0)) for p in out)
        return out
    indexing.IndexPhase.precheck = counting
    items = increment_items(n, batch, os.path.dirname(db), epoch)
    st = Store(db)
    for k in range(0, len(items), 64):
        st.write_batch(items[k:k + 64])
    st.relearn_furniture()
    res = link_new(st, translate=False)
    c = st.conn
    linked = {(a, b): l for a, b, l in c.execute("SELECT a, b, linked FROM trace_pairs")}
    by_keys: collections.Counter = collections.Counter()
    for (a, b), k in kept.items():
        by_keys[(min(k, 6), linked.get((min(a, b), max(a, b))))] += 1
    shared = sum(1 for a, b in c.execute("SELECT DISTINCT a, b FROM shared_items") if (a, b) in kept or (b, a) in kept)
    one = [p for p, k in kept.items() if k == 1]
    have = trace_index.words_and_keys(c, {x for p in one for x in p})
    why: collections.Counter = collections.Counter()
    for a, b in one:
        if a not in have or b not in have:
            why["unknown"] += 1
        elif min(have[a][0] or 0, have[b][0] or 0) < PRECHECK_WORDS:
            why["short"] += 1
        elif have[a][3] and have[b][3] and doc_bands_agree(np.frombuffer(have[a][3], dtype=np.uint32),
                                                           np.frombuffer(have[b][3], dtype=np.uint32)):
            why["minhash band"] += 1
        else:
            why["item key"] += 1
    st.close()
    print(f"+{batch} onto {n}: candidates {res.get('candidates')}, aligned {len(kept)}, copies {res.get('copies')}, "
          f"batch pairs with shared items {shared}; one-key pairs kept because {dict(why)}")
    for k in sorted({x for x, _ in by_keys}):
        print(f"  aligned sharing {k}{'+' if k == 6 else ''} keys: linked {by_keys[(k, 1)]}, not {by_keys[(k, 0)]}")


def prepare_child(db: str) -> None:
    """With the code under test: bring a kept base store up to date (its migrations, the site network state and
    the trace's item keys a base built by older code lacks), so the increment times an increment, not a one-off
    upgrade."""
    from newstrace.store import Store, network as network_store
    from newstrace.trace import network

    st = Store(db)
    if network_store.mark(st.conn) is None:
        print(f"  network state built once on the base: {network.run(st.conn, full=True)}", flush=True)
    try:
        from newstrace.trace.indexing import fill_item_keys
    except ImportError:   # code from before the pre-check's item keys
        fill_item_keys = None
    from newstrace.store import trace_index
    if hasattr(trace_index, "mark_indexed") and not trace_index.pending(st.conn):   # (as a run on it would leave)
        with st.conn:
            trace_index.mark_indexed(st.conn, st.conn.execute("SELECT max(aid) FROM articles").fetchone()[0])
    if fill_item_keys is not None:
        t = time.perf_counter()
        n = fill_item_keys(st.conn)
        if n:
            print(f"  item keys filled once on the base (indexed before migration 0110): {n} articles, "
                  f"{time.perf_counter() - t:.0f}s", flush=True)
    st.close()


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    return (xs[len(xs) // 2] + xs[(len(xs) - 1) // 2]) / 2


def run_increment(src: str, base_db: str, work: str, n: int, batch: int, epoch: int = 0) -> dict:
    db = os.path.join(work, "inc.db")
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    shutil.copyfile(base_db, db)
    fd = os.open(db, os.O_RDONLY)   # the copy on disk first: the increment's first checkpoint (an fsync of the
    try:                            # store) must not pay for writing out the whole copy (4 GB at 160k)
        os.fsync(fd)
    finally:
        os.close(fd)
    env = dict(os.environ, PYTHONPATH=src, NEWSTRACE_NO_TRANSLATE="1")
    out = subprocess.run([sys.executable, __file__, "--child", db, "--n", str(n), "--batch", str(batch),
                          "--epoch", str(epoch)],
                         capture_output=True, text=True, env=env)
    os.remove(db)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="40000,160000")
    ap.add_argument("--batch", type=int, default=4000)
    ap.add_argument("--reference", default="/tmp/i11inc-base/src", help="source tree of the reference code")
    ap.add_argument("--src", default=str(ROOT / "src"), help="source tree of the code under test")
    ap.add_argument("--workdir", default="/tmp/incremental")
    ap.add_argument("--keep", action="store_true", help="keep the base stores (reused when present)")
    ap.add_argument("--build-only", action="store_true", help="build (or keep) the base stores, time nothing")
    ap.add_argument("--repeat", type=int, default=1, help="increments per version and size (interleaved); the "
                    "table shows the run with the lowest CPU")
    ap.add_argument("--epoch", type=int, default=0, help="a bounded corpus: fresh text relabelled every EPOCH "
                    "articles (bench/trace_scale.py), so chance overlaps do not grow with the store")
    ap.add_argument("--census", action="store_true", help="count the aligned pairs of one increment per size (by "
                    "shared band keys, linked or not, shared items) with --src's code instead of timing")
    ap.add_argument("--child")
    ap.add_argument("--prepare")
    ap.add_argument("--census-child")
    ap.add_argument("--n", type=int)
    args = ap.parse_args()
    if args.child:
        increment_child(args.child, args.n, args.batch, args.epoch)
        return 0
    if args.census_child:
        census_child(args.census_child, args.n, args.batch, args.epoch)
        return 0
    if args.prepare:
        prepare_child(args.prepare)
        return 0
    if not (DATA / "ptc").exists() and not (DATA / "polnear").exists():
        print(f"incremental: {DATA} (ptc, polnear) not present, skipping")
        return 0
    sys.path.insert(0, args.src)
    os.makedirs(args.workdir, exist_ok=True)
    versions = [("this branch", args.src)]
    if args.reference and os.path.isdir(args.reference) and not (args.build_only or args.census):
        versions.insert(0, ("reference", args.reference))
    results: dict[tuple[str, int], dict] = {}
    sizes = [int(x) for x in args.sizes.split(",")]
    for n in sizes:
        base = os.path.join(args.workdir, f"base_{n}_e{args.epoch}.db" if args.epoch else f"base_{n}.db")
        if not (args.keep and os.path.exists(base)):
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(base + ext):
                    os.remove(base + ext)
            print(f"building and tracing a {n}-article base store ...", flush=True)
            part = base + ".part"          # renamed when complete: a killed build is never reused by --keep
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(part + ext):
                    os.remove(part + ext)
            print(f"  {build_base(part, n, args.epoch):.0f}s", flush=True)
            os.replace(part, base)
        subprocess.run([sys.executable, __file__, "--prepare", base], check=True,
                       env=dict(os.environ, PYTHONPATH=args.src))
        if args.build_only:
            continue
        if args.census:
            db = os.path.join(args.workdir, "census.db")
            shutil.copyfile(base, db)
            subprocess.run([sys.executable, __file__, "--census-child", db, "--n", str(n), "--batch", str(args.batch),
                            "--epoch", str(args.epoch)], check=True,
                           env=dict(os.environ, PYTHONPATH=args.src, NEWSTRACE_NO_TRANSLATE="1"))
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(db + ext):
                    os.remove(db + ext)
            continue
        runs: dict[str, list[dict]] = {name: [] for name, _ in versions}
        for rep in range(args.repeat):   # interleaved, the order alternating: the page cache's state is shared
            for name, src in (versions if rep % 2 == 0 else versions[::-1]):
                r = run_increment(src, base, args.workdir, n, args.batch, args.epoch)
                runs[name].append(r)
                print(f"n={n} {name}: +{args.batch} articles in {r['total_s']:.1f}s wall, {r['total_cpu']:.1f}s CPU "
                      f"(write {r['write_s']:.1f}/{r['write_cpu']:.1f}, relearn {r['relearn_s']:.1f}/"
                      f"{r['relearn_cpu']:.1f}, trace {r['trace_s']:.1f}/{r['trace_cpu']:.1f}: {r['timing']}); "
                      f"copies {r['copies']}; {r.get('counts')}; load average {os.getloadavg()[0]:.1f}", flush=True)
        for name, _ in versions:   # the table shows each version's least disturbed run (lowest CPU)
            results[(name, n)] = min(runs[name], key=lambda r: r["total_cpu"])
            results[(name, n)]["cpu_runs"] = sorted(r["total_cpu"] for r in runs[name])
        if not args.keep:
            os.remove(base)
    if args.build_only or args.census:
        return 0
    print()
    print(f"| {'code':<12s} | {'measure':<8s} | " + " | ".join(f"{f'+{args.batch} onto {n // 1000}k s':>16s}"
                                                          for n in sizes) + " | growth |")
    print("|" + "-" * 14 + "|" + "-" * 10 + "|" + "|".join("-" * 18 for _ in sizes) + "|--------|")
    for name, _ in versions:
        for label, key in (("wall", "total_s"), ("CPU", "total_cpu"), ("write", "write_s"),
                           ("relearn", "relearn_s"), ("trace", "trace_s")):
            ts = [results[(name, n)][key] for n in sizes]
            print(f"| {name:<12s} | {label:<8s} | " + " | ".join(f"{t:>16.1f}" for t in ts)
                  + f" | {ts[-1] / max(ts[0], 1e-9):>5.2f}x |")
        phases = sorted({k for n in sizes for k in results[(name, n)]["timing"]})
        for ph in phases:
            ts = [results[(name, n)]["timing"].get(ph, 0.0) for n in sizes]
            print(f"| {name:<12s} | {'  ' + ph:<8s} | " + " | ".join(f"{t:>16.1f}" for t in ts)
                  + f" | {ts[-1] / max(ts[0], 1e-9):>5.2f}x |")
        for ph in sorted({k for n in sizes for k in results[(name, n)].get("phase_cpu", {})}):
            ts = [results[(name, n)].get("phase_cpu", {}).get(ph, 0.0) for n in sizes]
            print(f"| {name:<12s} | {'  ' + ph + ' CPU':<8s} | " + " | ".join(f"{t:>16.2f}" for t in ts)
                  + f" | {ts[-1] / max(ts[0], 1e-9):>5.2f}x |")
    if args.repeat > 1:
        for name, _ in versions:
            print(f"{name}: CPU s of every run: " + "; ".join(
                f"{n // 1000}k " + ", ".join(f"{c:.1f}" for c in results[(name, n)]["cpu_runs"]) for n in sizes)
                  + "; growth of the medians {:.2f}x".format(
                      _median(results[(name, sizes[-1])]["cpu_runs"]) / _median(results[(name, sizes[0])]["cpu_runs"])))
    for name, _ in versions:
        if all("merge_cpu" in results[(name, n)] for n in sizes):
            # a merge moves the band rows of merge_share x n articles; it comes once per merge_share x n / batch
            # increments, and it rewrites trace_bands (about as much work for one batch's rows as for more):
            # what a merge of this one increment cost, spread over the increments between two merges
            am = [results[(name, n)]["merge_cpu"] * args.batch / (results[(name, n)]["merge_share"] * n)
                  for n in sizes]
            tot = [results[(name, n)]["total_cpu"] + a for n, a in zip(sizes, am)]
            print(f"{name}: merging the increment's band table into trace_bands: "
                  + ", ".join(f"{results[(name, n)]['merge_cpu']:.1f}s CPU at {n // 1000}k" for n in sizes)
                  + "; per increment (amortised): " + ", ".join(f"{a:.2f}s" for a in am)
                  + f"; CPU with it {' / '.join(f'{t:.1f}' for t in tot)}s, growth {tot[-1] / tot[0]:.2f}x")
    print(f"\ntarget: growth <= 1.3x from {sizes[0] // 1000}k to {sizes[-1] // 1000}k (wall; CPU = this process and "
          f"its trace workers); load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
