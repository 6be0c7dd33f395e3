"""The Spark engine against the local engine on the same corpus: wall time per phase, peak memory, shuffle
bytes of the band join, identical outputs, the skew guard; then a projection to 10M / 100M articles.

    nice -n 10 .venv/bin/python bench/spark.py [--sizes 10000,40000] [--dense 300] [--workdir /tmp/bench_spark]
    nice -n 10 .venv/bin/python bench/spark.py --increment 10000:1000

``--increment BASE:BATCH``: the incremental run instead.  A store of BASE articles of bench/incremental.py's
stream (bylines, identifiers, credits; traced once by the local engine), the next BATCH articles written as an
ingest writes them (``write_batch``, ``relearn_furniture``), then on two copies of that store, in fresh
processes: the local engine's ``link_new`` and the Spark engine's incremental trace on local[2]; wall and CPU
per phase, peak memory, identical outputs.

Corpus: bench/trace_scale.py's (real PTC / PolNeAR paragraphs, perturbed origins, ~40% copies: full, partial,
edited, chains, compilations) plus one dense story: ``--dense`` full copies of one origin on as many sites,
so one band bucket is far over the cap (MAX_BUCKET) and one component is large.  Each size is traced twice
from the same store in fresh processes: ``trace_all(rebuild=True)`` (the local engine, 2 workers) and
``newstrace.spark.trace`` on local[2]; translation off in both (same-language tracing).  Peak memory is the
peak summed RSS of the whole process tree (driver, JVM, Python workers), sampled every 0.2 s.  Shuffle bytes
are Spark's own stage metrics (REST API of the job's UI) of the candidates phase.  Skips when ../shared/data
is absent.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
import trace_scale  # noqa: E402

QUERIES = {
    "copies": "SELECT copy_id, source_id, origin_id, kind, spans, credited, confidence, evidence, changes, story_id "
              "FROM copies ORDER BY copy_id, source_id",
    "stories": "SELECT * FROM stories ORDER BY story_id",
    "members": "SELECT * FROM story_members ORDER BY story_id, page_id",
    "pairs": "SELECT a, b, linked, result FROM trace_pairs ORDER BY a, b",
}


def add_dense(db: str, k: int) -> None:
    """k full copies of the first origin on k new sites (a story copied by many sites)."""
    from newstrace.records import Article, content_hash
    from newstrace.store import Store

    st = Store(db)
    url, body, title = st.conn.execute("SELECT url, body, title FROM articles ORDER BY aid LIMIT 1").fetchone()
    batch = []
    for i in range(k):
        u = f"https://dense{i:04d}.example/copy/{i}"
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(1.7e9 + i * 60))
        a = Article(page_id=content_hash(u, body), url=u, source=u, site=f"dense{i:04d}.example", publisher=None,
                    title=title, published=ts, body=body, blocks=body.split("\n\n"), language="en", fetched_at=ts)
        batch.append(({"page_id": a.page_id, "url": u, "source": "bench", "fetched_at": ts}, a, []))
    st.write_batch(batch)
    st.close()


def tree_rss(pid: int, cpu: dict[int, float] | None = None) -> int:
    """Summed RSS (bytes) of pid and its descendants; ``cpu`` gets each one's user+system seconds so far."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, float] = {}
    hz = os.sysconf("SC_CLK_TCK")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            kids.setdefault(int(f[1]), []).append(int(d))
            rss[int(d)] = int(f[21]) * os.sysconf("SC_PAGE_SIZE")
            ticks[int(d)] = (int(f[11]) + int(f[12])) / hz
        except (OSError, IndexError, ValueError):
            continue
    tot, stack = 0, [pid]
    while stack:
        x = stack.pop()
        tot += rss.get(x, 0)
        if cpu is not None and x in ticks:
            cpu[x] = max(cpu.get(x, 0.0), ticks[x])
        stack.extend(kids.get(x, []))
    return tot


def run_child(args: list[str]) -> tuple[dict, float]:
    """Runs this script as a child: its result, its tree's peak RSS (MB); the result gets ``cpu_s``, the
    user+system seconds of every process of the tree (driver, JVM, Python workers; sampled every 0.2 s):
    on a shared, loaded machine a measure of the work each engine does, beside the wall time."""
    mark = f"/tmp/bench_spark_ready_{os.getpid()}"
    if os.path.exists(mark):
        os.remove(mark)
    p = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, BENCH_READY=mark))
    peak = [0]
    cpu: dict[int, float] = {}
    ready = [None]
    series: list[tuple[float, float]] = []   # (time, the tree's CPU seconds so far)

    def sample():
        while p.poll() is None:
            peak[0] = max(peak[0], tree_rss(p.pid, cpu))
            series.append((time.time(), sum(cpu.values())))
            if ready[0] is None and os.path.exists(mark):   # the child's engine is up (Spark: session started)
                ready[0] = sum(cpu.values())
            time.sleep(0.2)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = p.communicate()
    t.join()
    if p.returncode != 0:
        raise RuntimeError(err[-3000:])
    res = json.loads(out.strip().splitlines()[-1])
    res["cpu_s"] = round(sum(cpu.values()), 1)
    res["cpu_start_s"] = round(ready[0] or 0.0, 1)   # CPU seconds spent before the engine was up
    if res.get("phase_log") and series:   # a Spark job's phases run one after another: the tree's CPU per phase
        import numpy as np
        ts, cs = np.array([x[0] for x in series]), np.array([x[1] for x in series])
        res["phase_cpu"] = {r["phase"]: round(float(np.interp(r["at"], ts, cs) - np.interp(r["at"] - r["seconds"], ts, cs)), 1)
                            for r in res["phase_log"] if "seconds" in r}
    if os.path.exists(mark):
        os.remove(mark)
    return res, peak[0] / 2**20


def child_local(db: str) -> None:
    from newstrace.store import Store
    from newstrace.trace import TraceConfig, trace_all

    st = Store(db)
    open(os.environ.get("BENCH_READY", os.devnull), "w").close()
    t = time.perf_counter()
    res = trace_all(st, rebuild=True, config=TraceConfig(translate=False))
    res["wall_s"] = time.perf_counter() - t
    st.close()
    print(json.dumps(res, default=str))


def child_local_inc(db: str) -> None:
    from newstrace.store import Store
    from newstrace.trace import TraceConfig, link_new

    st = Store(db)
    open(os.environ.get("BENCH_READY", os.devnull), "w").close()
    t = time.perf_counter()
    res = link_new(st, config=TraceConfig(translate=False))
    res["wall_s"] = time.perf_counter() - t
    st.close()
    print(json.dumps(res, default=str))


def child_spark(db: str, run_dir: str, cap: bool, incremental: bool = False) -> None:
    import urllib.request

    from newstrace.spark.session import session
    from newstrace.spark.trace import trace
    from newstrace.trace import TraceConfig

    t0 = time.perf_counter()
    spark = session("local[2]", ui=True)
    start = time.perf_counter() - t0
    open(os.environ.get("BENCH_READY", os.devnull), "w").close()
    t = time.perf_counter()
    res = trace(db, run_dir, spark=spark, config=TraceConfig(translate=False), cap=cap, incremental=incremental)
    res["wall_s"] = time.perf_counter() - t
    res["session_s"] = start
    from newstrace.spark.session import RunDir
    res["phase_log"] = RunDir(run_dir).records()
    sc = spark.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
    try:
        jobs = json.load(urllib.request.urlopen(base + "/jobs"))
        stages = {s["stageId"]: s for s in json.load(urllib.request.urlopen(base + "/stages?status=complete"))}
        sh: dict[str, int] = {}
        for j in jobs:
            g = j.get("jobGroup") or "?"
            sh[g] = sh.get(g, 0) + sum(stages[s].get("shuffleWriteBytes", 0) for s in j["stageIds"] if s in stages)
        res["shuffle_bytes"] = sh
    except Exception as e:  # noqa: BLE001 - metrics are best effort
        res["shuffle_bytes"] = {"error": str(e)}
    spark.stop()
    print(json.dumps(res, default=str))


def outputs(db: str) -> dict:
    c = sqlite3.connect(db)
    try:
        return {k: c.execute(q).fetchall() for k, q in QUERIES.items()}
    finally:
        c.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--dense", type=int, default=300)
    ap.add_argument("--workdir", default="/tmp/bench_spark")
    ap.add_argument("--memory", default="3g", help="the Spark JVM's heap (spark.driver.memory; in local mode the "
                    "executors run in the driver's JVM): keeps the whole job's process tree bounded")
    ap.add_argument("--increment", help="BASE:BATCH: an incremental run (see the module's doc)")
    ap.add_argument("--epoch", type=int, default=0, help="a bounded corpus (bench/trace_scale.build's epoch): "
                    "fresh paragraphs relabelled every EPOCH articles, so candidate pairs grow linearly with n; "
                    "0 = the classic corpus (pairs grow faster than n); EPOCH=100000 keeps the first 100k identical")
    ap.add_argument("--only", choices=("spark", "local"), help="run one engine (no identical-outputs check)")
    ap.add_argument("--spark-first", action="store_true", help="run the Spark engine before the local reference "
                    "(when the session may end before both finish, the Spark figures come first)")
    ap.add_argument("--count-pairs", action="store_true", help="only build each size's corpus and count its "
                    "candidate pairs with the local engine's in-memory index (no alignment, no Spark): how a corpus's "
                    "pairs grow with n, cheaply")
    ap.add_argument("--report", action="store_true", help="print the tables from WORKDIR/results.json, run nothing")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["NEWSTRACE_SPARK_MEMORY"] = args.memory      # the children inherit it
    if args.child:
        if args.child[0] == "local":
            child_local(args.child[1])
        elif args.child[0] == "local_inc":
            child_local_inc(args.child[1])
        else:
            child_spark(args.child[1], args.child[2], args.child[3] == "cap", args.child[0] == "spark_inc")
        return 0
    if not (trace_scale.DATA / "ptc").exists() and not (trace_scale.DATA / "polnear").exists():
        print(f"bench/spark.py: {trace_scale.DATA} (ptc, polnear) not present, skipping")
        return 0
    if args.report:
        with open(os.path.join(args.workdir, "results.json")) as fh:
            report(json.load(fh))
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    if args.count_pairs:
        count_pairs(args.workdir, [int(x) for x in args.sizes.split(",")], args.epoch, args.dense)
        return 0
    if args.increment:
        base, batch = (int(x) for x in args.increment.split(":"))
        increment(args.workdir, base, batch)
        return 0
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        tag = f"{n}_e{args.epoch}" if args.epoch else f"{n}"
        base = corpus(args.workdir, n, args.epoch, args.dense)
        a, b = os.path.join(args.workdir, f"local_{n}.db"), os.path.join(args.workdir, f"spark_{n}.db")
        run = os.path.join(args.workdir, f"run_{tag}")
        shutil.rmtree(run, ignore_errors=True)
        for x in (a, b):
            shutil.copy(base, x)
        def run_local():
            r, mb = run_child(["--child", "local", a])
            print(f"n={n} local: {r['wall_s']:.1f}s cpu {r['cpu_s']}s peak {mb:.0f} MB timing {r.get('timing')}", flush=True)
            return r, mb

        def run_spark():
            r, mb = run_child(["--child", "spark", b, run, "cap"])
            print(f"n={n} spark: {r['wall_s']:.1f}s (+{r['session_s']:.1f}s session) cpu {r['cpu_s']}s peak {mb:.0f} MB "
                  f"timing {r.get('timing')} shuffle {r.get('shuffle_bytes')} info {r.get('phase_info')} "
                  f"phase_cpu {r.get('phase_cpu')}", flush=True)
            return r, mb
        loc = spk = None
        loc_mb = spk_mb = 0.0
        if args.spark_first and args.only != "local":
            spk, spk_mb = run_spark()
        if args.only != "spark":
            loc, loc_mb = run_local()
        if not args.spark_first and args.only != "local":
            spk, spk_mb = run_spark()
        same = outputs(a) == outputs(b) if loc and spk else None
        rows.append({"n": n, "corpus": f"epoch {args.epoch}" if args.epoch else "classic", "local": loc,
                     "local_mb": loc_mb, "spark": spk, "spark_mb": spk_mb, "same": same,
                     "copies": len(outputs(a if loc else b)["copies"])})
        keep = []   # the other sizes' rows of earlier runs stay in the file
        if os.path.exists(os.path.join(args.workdir, "results.json")):
            with open(os.path.join(args.workdir, "results.json")) as fh:
                keep = [x for x in json.load(fh) if (x["n"], x.get("corpus", "classic")) not in
                        {(y["n"], y["corpus"]) for y in rows}]
        with open(os.path.join(args.workdir, "results.json"), "w") as fh:
            json.dump(keep + rows, fh, default=str)
        for x in (a, b):
            os.remove(x)
    with open(os.path.join(args.workdir, "results.json")) as fh:
        report(json.load(fh))   # this run's sizes beside the earlier runs' kept in the file
    return 0


def corpus(work: str, n: int, epoch: int, dense: int) -> str:
    tag = f"{n}_e{epoch}" if epoch else f"{n}"
    base = os.path.join(work, f"corpus_{tag}.db")
    if not os.path.exists(base):
        trace_scale.build(base + ".tmp", n - dense, epoch=epoch)
        add_dense(base + ".tmp", dense)
        os.replace(base + ".tmp", base)
    return base


def count_pairs(work: str, sizes: list[int], epoch: int, dense: int) -> None:
    """Candidate pairs of each size's corpus as the local engine's rebuild finds them (MemIndex, batches of
    TraceConfig.chunk articles in key order, boilerplate updated per batch), without aligning them."""
    import numpy as np

    from newstrace.store import Store
    from newstrace.trace import TraceConfig
    from newstrace.trace.index import MemIndex, doc_keys
    from newstrace.trace.text import tokenize

    rows = []
    for n in sizes:
        db = corpus(work, n, epoch, dense)
        st = Store(db)
        arts = st.conn.execute("SELECT aid, site, body FROM articles ORDER BY aid").fetchall()
        st.close()
        mem, sites, total, t = MemIndex(), {}, 0, time.perf_counter()
        chunk = TraceConfig().chunk
        for k in range(0, len(arts), chunk):
            part = arts[k:k + chunk]
            ks = [doc_keys(tokenize(b or "")) for _, _, b in part]
            allk = np.concatenate(ks) if ks else np.zeros(0, dtype=np.int64)
            allr = np.repeat(np.asarray([a for a, _, _ in part], dtype=np.int64), [len(x) for x in ks])
            sn = np.repeat(np.asarray([sites.setdefault(s_, len(sites)) for _, s_, _ in part], dtype=np.int32),
                           [len(x) for x in ks])
            mem.add(allk, allr, sn)
            mem.update_boilerplate()
            total += len(mem.candidates(part[0][0]))
        rows.append((n, total))
        print(f"n={n} corpus {'epoch ' + str(epoch) if epoch else 'classic'}: {total} candidate pairs "
              f"({total / n:.3f} per article; {time.perf_counter() - t:.0f}s)", flush=True)
    for (a, pa), (b, pb) in zip(rows, rows[1:]):
        print(f"  {a} -> {b} ({b / a:.2f}x articles): pairs {pb / pa:.2f}x")


def increment(work: str, base: int, batch: int) -> None:
    import incremental   # bench/incremental.py's corpus stream and base store

    from newstrace.store import Store

    landed = os.path.join(work, f"inc_{base}_{batch}.db")
    if not os.path.exists(landed):
        t = time.perf_counter()
        incremental.build_base(landed + ".tmp", base)
        st = Store(landed + ".tmp")
        items = list(incremental.stream(base + batch))[base:]
        for k in range(0, len(items), 64):
            st.write_batch(items[k:k + 64])
        st.relearn_furniture()
        st.close()
        os.replace(landed + ".tmp", landed)
        print(f"base {base} built, traced, {batch} landed: {time.perf_counter() - t:.0f}s", flush=True)
    a, b = os.path.join(work, "inc_local.db"), os.path.join(work, "inc_spark.db")
    run = os.path.join(work, "run_inc")
    shutil.rmtree(run, ignore_errors=True)
    for x in (a, b):
        shutil.copy(landed, x)
    loc, loc_mb = run_child(["--child", "local_inc", a])
    spk, spk_mb = run_child(["--child", "spark_inc", b, run, "cap"])
    same = outputs(a) == outputs(b)
    lt, st_ = loc.get("timing", {}), spk.get("timing", {})
    print(f"\nincremental: {batch} new articles linked against a store of {base}")
    print("| engine | wall s | cpu s (tree) | peak MB | per phase s | copies | identical |")
    print("|---|---|---|---|---|---|---|")
    print(f"| local link_new | {loc['wall_s']:.1f} | {loc['cpu_s']} | {loc_mb:.0f} | {lt} | {loc.get('copies')} | |")
    print(f"| spark local[2] incremental | {spk['wall_s']:.1f} (+{spk['session_s']:.1f} session) | {spk['cpu_s']} | "
          f"{spk_mb:.0f} | {st_} | {spk.get('copies')} | {'yes' if same else 'NO'} |")
    print(f"spark/local wall {spk['wall_s'] / loc['wall_s']:.2f}x, cpu {spk['cpu_s'] / max(loc['cpu_s'], 1e-9):.2f}x; "
          f"spark pending {spk.get('pending')}, candidates info {spk.get('phase_info', {}).get('candidates')}")
    for x in (a, b):
        os.remove(x)


PHASES = ("docs", "candidates", "align", "land_pairs", "components", "decide", "land_decisions", "network")


def _shuffle_mb(s: dict) -> float:
    sh = s.get("shuffle_bytes")
    return sh.get("candidates", 0) / 2**20 if isinstance(sh, dict) else 0.0


def _pairs(s: dict) -> int:
    return (s.get("phase_info", {}).get("align", {}).get("aligned")) or 0


def report(rows: list[dict]) -> None:
    rows = sorted(rows, key=lambda r: (r.get("corpus", "classic"), r["n"]))
    print("\n| corpus | articles | engine | wall s | peak MB | tokenize+index (docs) s | candidates s | align s | "
          "decide s | network s | copies | identical |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, same = r.get("corpus", "classic"), {True: "yes", False: "NO", None: "not checked"}[r.get("same")]
        for eng, label, phases in (("local", "local", ("tokenize+index", "candidates", "align", "decide", "sites")),
                                   ("spark", "spark local[2]", ("docs", "candidates", "align",
                                                                "components+decide+land_decisions", "network"))):
            if not r.get(eng):
                continue
            t = r[eng].get("timing", {})
            cols = " | ".join(f"{sum(t.get(x, 0) for x in k.split('+')):.1f}" for k in phases)
            print(f"| {c} | {r['n']} | {label} | {r[eng]['wall_s']:.1f} | {r[eng + '_mb']:.0f} | {cols} | "
                  f"{r[eng].get('copies')} | {same if eng == 'spark' else ''} |")
    print("\n(spark: + land_pairs s in its own column below; the session start is not counted)")
    print("| corpus | articles | spark/local wall | spark/local cpu (process trees, session included) | land_pairs s | "
          "band-join shuffle MB | per 1M articles MB | largest bucket | pairs uncapped (sum C(n,2)) | candidates | "
          "largest component | its decide s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = r.get("spark")
        if not s:
            continue
        pi = s.get("phase_info", {})
        ci, di = pi.get("candidates", {}), pi.get("decide", {})
        sh = _shuffle_mb(s)
        if r.get("local"):
            lc = r["local"]["cpu_s"] - r["local"].get("cpu_start_s", 0)
            ratio = (f"{s['wall_s'] / r['local']['wall_s']:.2f}x | {s['cpu_s'] / max(r['local']['cpu_s'], 1e-9):.2f}x "
                     f"({(s['cpu_s'] - s.get('cpu_start_s', 0)) / max(lc, 1e-9):.2f}x after the session started)")
        else:
            ratio = "- | -"
        print(f"| {r.get('corpus', 'classic')} | {r['n']} | {ratio} | {s.get('timing', {}).get('land_pairs', 0):.1f} | "
              f"{sh:.1f} | {sh * 1e6 / r['n']:.0f} | {ci.get('largest_bucket')} | {ci.get('bucket_pairs_uncapped')} | "
              f"{_pairs(s)} | {di.get('largest_component')} | {di.get('largest_batch_seconds')} |")
    for corpus in sorted({r.get("corpus", "classic") for r in rows}):
        sized = [r for r in rows if r.get("corpus", "classic") == corpus and r.get("spark")]
        for a, b in zip(sized, sized[1:]):
            growth(a, b)
    r = max((x for x in rows if x.get("spark")), key=lambda x: x["n"], default=None)
    if r:
        projection(r)


def growth(a: dict, b: dict) -> None:
    """Per-phase growth of the Spark run from a to b (same corpus), in wall and in the process tree's CPU
    seconds, and what that growth rate gives for 10x the articles — extrapolated (a power law through the two
    measured points), not measured."""
    import math

    f = b["n"] / a["n"]
    sa, sb = a["spark"], b["spark"]
    ca, cb = sa.get("phase_cpu") or {}, sb.get("phase_cpu") or {}

    def k10(x: float, y: float) -> str:
        if x <= 0 or y <= 0:
            return "-"
        return f"{10 ** (math.log(y / x) / math.log(f)):.1f}x"
    print(f"\ngrowth {a['n']} -> {b['n']} ({f:.2f}x articles, corpus {a.get('corpus', 'classic')}); 'per 10x' is "
          f"extrapolated from these two points (growth^(log 10 / log {f:.2f})), not a measured 10x run")
    print("| phase | wall s | wall growth | CPU s | CPU growth | per 10x (CPU, extrapolated) |")
    print("|---|---|---|---|---|---|")
    for k in PHASES:
        wa, wb = sa["timing"].get(k, 0), sb["timing"].get(k, 0)
        xa, xb = ca.get(k, 0), cb.get(k, 0)
        if max(wa, wb, xa, xb) < 0.05:
            continue
        print(f"| {k} | {wa:.1f} -> {wb:.1f} | {wb / max(wa, 1e-9):.2f}x | {xa:.1f} -> {xb:.1f} | "
              f"{xb / max(xa, 1e-9):.2f}x | {k10(xa, xb)} |")
    print(f"| spark job (tree) | {sa['wall_s']:.0f} -> {sb['wall_s']:.0f} | {sb['wall_s'] / sa['wall_s']:.2f}x | "
          f"{sa['cpu_s']:.0f} -> {sb['cpu_s']:.0f} | {sb['cpu_s'] / sa['cpu_s']:.2f}x | {k10(sa['cpu_s'], sb['cpu_s'])} |")
    if a.get("local") and b.get("local"):
        la, lb = a["local"], b["local"]
        print(f"| local engine (tree) | {la['wall_s']:.0f} -> {lb['wall_s']:.0f} | {lb['wall_s'] / la['wall_s']:.2f}x | "
              f"{la['cpu_s']:.0f} -> {lb['cpu_s']:.0f} | {lb['cpu_s'] / la['cpu_s']:.2f}x | "
              f"{k10(la['cpu_s'], lb['cpu_s'])} |")
    pa, pb = _pairs(sa), _pairs(sb)
    if pa and pb:
        print(f"| candidate pairs | {pa} -> {pb} | {pb / pa:.2f}x | | | {k10(pa, pb)} |")
        if ca.get("align") and cb.get("align"):
            print(f"| align CPU per pair | | | {ca['align'] / pa * 1e3:.2f} -> {cb['align'] / pb * 1e3:.2f} ms | "
                  f"{cb['align'] / pb / (ca['align'] / pa):.2f}x | |")
    ha, hb = _shuffle_mb(sa), _shuffle_mb(sb)
    if ha and hb:
        print(f"| band-join shuffle MB | {ha:.0f} -> {hb:.0f} | {hb / ha:.2f}x | | | {k10(ha, hb)} |")


def projection(r: dict) -> None:
    s = r["spark"]["timing"]
    exec_s = sum(s.get(k, 0) for k in ("docs", "candidates", "align", "decide"))   # executor-parallel phases
    drv_s = sum(s.get(k, 0) for k in ("land_pairs", "land_decisions", "components", "network"))
    print(f"\nprojection from n={r['n']} ({r.get('corpus', 'classic')}) on 2 cores, linear in articles: executor "
          f"phases {exec_s:.0f}s = {2 * exec_s / r['n'] * 1e6 / 3600:.1f} core-hours per 1M articles; driver/landing "
          f"phases {drv_s / r['n'] * 1e6 / 3600:.2f} h per 1M (bounded by the store's bulk write)")
    if r["spark"].get("phase_cpu"):
        pc = r["spark"]["phase_cpu"]
        ex = sum(pc.get(k, 0) for k in ("docs", "candidates", "align", "decide"))
        print(f"  measured CPU of the process tree instead (the wall figure above assumes both cores busy): executor "
              f"phases {ex:.0f} CPU s = {ex / r['n'] * 1e6 / 3600:.2f} core-hours per 1M articles, the whole job "
              f"{r['spark']['cpu_s'] / r['n'] * 1e6 / 3600:.2f}")
    for big in (10_000_000, 100_000_000):
        ch = 2 * exec_s / r["n"] * big / 3600
        print(f"  {big // 1_000_000}M articles: {ch:.0f} core-hours of executor work -> {max(1, round(ch / 2 / 4))} "
              f"executors of 4 cores for ~2 h (band-join shuffle ~"
              f"{(_shuffle_mb(r['spark']) * 2**20 / r['n'] * big) / 2**30:.1f} GB); "
              f"landing {drv_s / r['n'] * big / 3600:.1f} h on one writer")


if __name__ == "__main__":
    sys.exit(main())
