"""Spark trace: the local trace's phases (trace/run.py) as Spark jobs over Parquet, calling the same kernels.

    docs        executors read article bodies by key range through the store, tokenise them and compute their
                MinHash signature and band keys (``trace.text.tokenize`` / ``features_many``: the local index's
                keys); each article gets its batch number (its rank // ``TraceConfig.chunk``)
    candidates  the LSH band self-join on DataFrames: a pair is a candidate when the two articles share a band
                key held by at most ``MAX_BUCKET`` articles at the later one's batch, as the local in-memory
                index answers batch by batch (trace/index.py ``MemIndex``); boilerplate keys (3+ articles of one
                site) with the batch from which they count.  Skew guard: keys are counted first (a combinable
                aggregation), members past the cap never enter the join, so no join key holds more than
                ``MAX_BUCKET`` rows however many sites carry a story
    align       candidate pairs in ``mapPartitions``, grouped by batch and first article: bodies read through the
                store, tokenised, boilerplate masks (``index.masks_of``), then the local align worker
                (``trace.aligning._w_align``: alignment plus the same-site rule)
    land_pairs  the driver writes trace_docs, trace_bands and trace_pairs through the store (one transaction)
    translate   the local translate phase (``trace.translating.run``) on the driver: its encoders and vector
                index live in the store
    components  connected components over linked pairs by iterative min-label propagation (DataFrame joins
                until no label changes: GraphFrames needs Maven, unreachable here, and the join is a few lines)
    decide      components in ``mapPartitions``, batched as locally (``deciding._batches``) and decided by the
                local kernel (``deciding._decide_batch``: ``decide`` + ``stories_of``), metadata read through
                the store; large components go to partitions of their own
    land_decisions  copies, stories and members replace the old ones (one transaction), as the local decide
    network     the local network phase (``trace.network.run``) on the driver (sites x sites: small)

Every phase's output is Parquet under the run directory (or a ``.done`` marker for a landing), so a killed job
resumes after its last complete phase.  The result equals ``trace_all(rebuild=True)`` with the same
``TraceConfig`` (tests/test_spark.py checks copies and stories).
"""
from __future__ import annotations

import json

import os
import pickle
import time
from collections import defaultdict
from types import SimpleNamespace
from typing import Any, Iterator

from ..trace.config import TraceConfig
from ..trace.index import MAX_BUCKET, now_iso
from .session import RunDir

RANGE = 2000          # articles per docs task range
ALIGN_GROUP = 1500    # candidate pairs aligned together (their bodies read and tokenised once)
BIG_COMPONENT = 200   # components of more pages than this are decided in a partition of their own

_CONN: dict[tuple, Any] = {}   # one store connection per executor process and store


def _conn(db: str):
    """A read-only store connection of this executor process."""
    from ..store import Store

    key = (os.getpid(), db)
    if key not in _CONN:
        _CONN.clear()
        _CONN[key] = Store(db, readonly=True)
    return _CONN[key].conn


# -- docs ---------------------------------------------------------------------------------------------------
def _docs_task(ranges: Iterator[tuple[int, int, int]], db: str, chunk: int) -> Iterator[tuple]:
    """Rows of ``DOCS`` for key ranges (lo, hi, rank of the range's first article)."""
    import numpy as np

    from ..store import spark as sstore
    from ..trace.text import features_many, tokenize

    conn = _conn(db)
    for lo, hi, rank in ranges:
        rows = list(sstore.articles_between(conn, lo, hi))
        docs = [tokenize(r[4]) for r in rows]
        pos, keys = features_many(docs)
        cut = np.searchsorted(pos, np.arange(len(docs) + 1), "left")
        for i, (aid, pid, bh, site, _) in enumerate(rows):
            d = docs[i]
            yield (int(aid), pid, site, bh, int(d.n), d.sig.tobytes() if d.sig is not None else None,
                   len(d.chunks or []), keys[cut[i]:cut[i + 1]].astype(np.int64).tolist(), (rank + i) // chunk)


DOCS = ("aid LONG, page_id STRING, site STRING, body_hash STRING, words LONG, minhash BINARY, paragraphs INT, "
        "keys ARRAY<LONG>, batch INT")


def docs_phase(spark, rd: RunDir, db: str, conn, cfg: TraceConfig, summary: dict) -> None:
    from ..store import spark as sstore

    with rd.phase("docs", summary, spark) as todo:
        if not todo:
            return
        lo, hi, n = sstore.key_range(conn)
        counts = sstore.counts_by_range(conn, lo, RANGE)   # the rank of each range's first article, so each
        ranges, rank = [], 0                               # article's batch is known without a global sort
        for g in range(len(range(lo, hi + 1, RANGE))):
            a = lo + g * RANGE
            ranges.append((a, min(a + RANGE - 1, hi), rank))
            rank += counts.get(g, 0)
        sc = spark.sparkContext
        d = db
        chunk = cfg.chunk if cfg.mem_index else 1   # (a stored-index run looks every article up on its own)
        rdd = sc.parallelize(ranges, max(1, min(len(ranges), sc.defaultParallelism * 4))) \
            .mapPartitions(lambda it: _docs_task(it, d, chunk))
        spark.createDataFrame(rdd, DOCS).write.parquet(rd.out("docs"))
        summary["phase_info"]["docs"]["articles"] = n


# -- candidates ---------------------------------------------------------------------------------------------
def candidates_phase(spark, rd: RunDir, summary: dict, cap: bool = True) -> None:
    """``cap=False`` (benchmarks only) joins every bucket whole, to measure what the skew guard saves."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with rd.phase("candidates", summary, spark) as todo:
        if not todo:
            return
        docs = spark.read.parquet(rd.out("docs"))
        m = docs.select("aid", "site", "batch", F.explode("keys").alias("key"))
        kb = m.groupBy("key", "batch").count()
        upto = Window.partitionBy("key").orderBy("batch").rowsBetween(Window.unboundedPreceding, Window.currentRow)
        kb = (kb.withColumn("cum", F.sum("count").over(upto))
              .withColumn("tot", F.sum("count").over(Window.partitionBy("key"))).filter("tot >= 2").cache())
        ok = kb.filter(f"cum <= {MAX_BUCKET}" if cap else "true").select("key", "batch")
        kept = m.join(ok, ["key", "batch"])
        x, y = kept.alias("x"), kept.alias("y")
        cand = (x.join(y, (F.col("x.key") == F.col("y.key")) & (F.col("x.aid") < F.col("y.aid")))
                .select(F.col("x.aid").alias("a"), F.col("y.aid").alias("b"), F.col("y.batch").alias("batch"),
                        F.col("y.batch").alias("_b"), F.col("x.key").alias("key"))
                .join(ok.withColumnRenamed("batch", "_b"), ["key", "_b"])   # the bucket at b's batch
                .select("a", "b", "batch").distinct())
        # boilerplate: a key counts from the batch where some site's third article carrying it arrives
        third = Window.partitionBy("key", "site").orderBy("aid")
        boiler = (m.join(kb.filter("tot >= 3").select("key").distinct(), "key")
                  .withColumn("n", F.row_number().over(third)).filter("n = 3")
                  .groupBy("key").agg(F.min("batch").alias("bb")))
        bk = m.join(boiler, "key").groupBy("aid").agg(F.collect_list(F.struct("key", "bb")).alias("bk"))
        info = docs.select("aid", "site", "body_hash").join(bk, "aid", "left")
        ia = info.select(*[F.col(c).alias(c + "_a") for c in info.columns])
        ib = info.select(*[F.col(c).alias(c + "_b") for c in info.columns])
        out = cand.join(ia, cand.a == ia.aid_a).join(ib, cand.b == ib.aid_b).drop("aid_a", "aid_b")
        out.write.parquet(rd.out("candidates"))
        # the skew guard, measured: buckets over the cap and the pairs a whole join of them would make
        sizes = kb.groupBy("key").agg(F.max("tot").alias("tot"))
        st = sizes.agg(F.count("*").alias("keys"), F.max("tot").alias("largest"),
                       F.sum(F.when(F.col("tot") > MAX_BUCKET, 1).otherwise(0)).alias("over_cap"),
                       F.sum(F.col("tot") * (F.col("tot") - 1) / 2).alias("pairs_uncapped")).first()
        kb.unpersist()
        summary["phase_info"]["candidates"].update(
            shared_keys=int(st["keys"] or 0), largest_bucket=int(st["largest"] or 0),
            buckets_over_cap=int(st["over_cap"] or 0), bucket_pairs_uncapped=int(st["pairs_uncapped"] or 0),
            candidates=spark.read.parquet(rd.out("candidates")).count())


# -- align --------------------------------------------------------------------------------------------------
def _align_groups(rows: Iterator) -> Iterator[list]:
    cur: list = []
    for r in rows:
        if cur and (r.batch != cur[0].batch or len(cur) >= ALIGN_GROUP):
            yield cur
            cur = []
        cur.append(r)
    if cur:
        yield cur


def _align_task(rows: Iterator, db: str) -> Iterator[tuple]:
    from ..store import articles
    from ..trace.aligning import _w_align
    from ..trace.index import masks_of
    from ..trace.text import features_many, tokenize

    conn = _conn(db)
    for grp in _align_groups(rows):
        k = grp[0].batch
        keys = sorted({x for r in grp for x in (r.a, r.b)})
        bodies = articles.bodies(conn, keys)
        docs = {x: tokenize(bodies[x]) for x in keys if x in bodies}
        features_many(list(docs.values()))
        boiler = {int(e["key"]) for r in grp for e in (r.bk_a or []) + (r.bk_b or []) if e["bb"] <= k}
        masks = masks_of(docs, boiler)
        site_of, hashes = {}, {}
        for r in grp:
            site_of[r.a], site_of[r.b] = r.site_a, r.site_b
            hashes[r.a], hashes[r.b] = r.body_hash_a, r.body_hash_b
        dk = sorted(docs)
        res, failed = _w_align(([(r.a, r.b) for r in grp], dk, [docs[x] for x in dk],
                                {x: masks[x] for x in dk if masks.get(x) is not None}, site_of, {}, 0))
        for a, b, linked, result, sh in res:   # sh: shared items of an unlinked pair (trace/shared.py)
            yield (a, b, hashes.get(a), hashes.get(b), bool(linked), "align", result, None,
                   json.dumps(sh) if sh is not None else None)
        for a, b, why in failed:
            yield (a, b, hashes.get(a), hashes.get(b), False, "align", None, why, None)
        for d in docs.values():
            d.release()


PAIRS = ("a LONG, b LONG, a_hash STRING, b_hash STRING, linked BOOLEAN, method STRING, result STRING, "
         "failed STRING, shared STRING")


def align_phase(spark, rd: RunDir, db: str, summary: dict) -> None:
    with rd.phase("align", summary, spark) as todo:
        if not todo:
            return
        c = spark.read.parquet(rd.out("candidates"))
        n = max(1, spark.sparkContext.defaultParallelism * 4)
        d = db
        rdd = (c.repartitionByRange(n, "batch", "a").sortWithinPartitions("batch", "a", "b").rdd
               .mapPartitions(lambda it: _align_task(it, d)))
        spark.createDataFrame(rdd, PAIRS).write.parquet(rd.out("align"))
        p = spark.read.parquet(rd.out("align"))
        summary["phase_info"]["align"].update(aligned=p.count(), linked=p.filter("linked").count(),
                                              failed=p.filter("failed IS NOT NULL").count())


# -- landing the index and the pairs --------------------------------------------------------------------------
def land_pairs_phase(spark, rd: RunDir, store, ts: str, summary: dict) -> None:
    import numpy as np

    from ..records import Problem
    from ..store import articles, decisions, pairs, problems, shared, trace_index
    from ..store.records import IndexedDoc, Pair, PairMethod

    with rd.phase("land_pairs", summary, spark) as todo:
        if not todo:
            return
        conn = store.conn
        docs = spark.read.parquet(rd.out("docs"))
        al = spark.read.parquet(rd.out("align"))
        with conn:
            trace_index.clear(conn)
            pairs.clear(conn)
            shared.clear(conn)
            decisions.mark_undecided(conn, [decisions.ALL])   # a job killed from here on: every component
            buf = []
            for r in docs.toLocalIterator():
                buf.append(IndexedDoc(r.aid, r.page_id, r.site, r.body_hash, r.words, r.minhash, r.paragraphs, ts,
                                       np.asarray(r.keys, dtype=np.int64).tobytes()))
                if len(buf) >= 5000:
                    trace_index.write_docs(conn, buf)
                    buf = []
            trace_index.write_docs(conn, buf)
            bands = (docs.select("aid", __import__("pyspark.sql.functions", fromlist=["explode"]).explode("keys")
                                 .alias("key")).orderBy("key", "aid"))
            trace_index.write_bands(conn, ((int(r.key), int(r.aid)) for r in bands.toLocalIterator()))
            buf, failed, found = [], [], []
            for r in al.toLocalIterator():
                if r.failed is not None:
                    failed.append((r.a, r.b, r.failed))
                    continue
                buf.append(Pair(r.a, r.b, r.a_hash, r.b_hash, r.linked, PairMethod.ALIGN, r.result))
                if r.shared is not None:
                    found.append((r.a, r.b, json.loads(r.shared)))
                if len(buf) >= 5000:
                    pairs.write(conn, buf)
                    shared.replace(conn, [(p.a, p.b, p.a_hash, p.b_hash) for p in buf], shared.with_links(conn, found))
                    buf, found = [], []
            pairs.write(conn, buf)
            shared.replace(conn, [(p.a, p.b, p.a_hash, p.b_hash) for p in buf], shared.with_links(conn, found))
            if failed:
                pid = articles.page_ids(conn, {x for a, b, _ in failed for x in (a, b)})
                problems.write(conn, [Problem(f"trace:pair {pid.get(a)} {pid.get(b)}", "trace", "align-failed", why,
                                              page_id=pid.get(a)) for a, b, why in failed], ts)
        rd.mark("land_pairs")


def translate_phase(store, rd: RunDir, cfg: TraceConfig, summary: dict) -> None:
    from ..store import decisions
    from ..trace import translating

    with rd.phase("translate", summary) as todo:
        if not todo:
            return
        n = 0
        if cfg.translate:
            r = SimpleNamespace(store=store, conn=store.conn, dirty={decisions.ALL}, new=set(),
                                counts=defaultdict(int))
            n = translating.run(r)
            summary["phase_info"]["translate"].update(r.counts)
        summary["phase_info"]["translate"]["translation_links"] = n
        rd.mark("translate", {"translation_links": n})


# -- components ---------------------------------------------------------------------------------------------
def components_phase(spark, rd: RunDir, conn, summary: dict) -> None:
    from pyspark.sql import functions as F

    from ..store import spark as sstore

    with rd.phase("components", summary, spark) as todo:
        if not todo:
            return
        al = spark.read.parquet(rd.out("align")).filter("linked").select("a", "b")
        tr = [(int(a), int(b)) for a, b in sstore.translation_edges(conn)]
        if tr:
            al = al.union(spark.createDataFrame(tr, "a LONG, b LONG"))
        e = al.select(F.col("a").alias("src"), F.col("b").alias("dst")) \
            .union(al.select(F.col("b").alias("src"), F.col("a").alias("dst"))).distinct().cache()
        lab = e.select(F.col("src").alias("node")).distinct().withColumn("label", F.col("node")).localCheckpoint()
        rounds = 0
        while True:
            rounds += 1
            nb = e.join(lab, e.dst == lab.node).groupBy("src").agg(F.min("label").alias("m"))
            new = (lab.join(nb, lab.node == nb.src, "left")
                   .select("node", F.least("label", F.coalesce("m", "label")).alias("label")).localCheckpoint())
            changed = new.alias("n").join(lab.alias("o"), "node").filter("n.label != o.label").count()
            lab = new
            if changed == 0:
                break
        lab.write.parquet(rd.out("components"))
        e.unpersist()
        summary["phase_info"]["components"]["rounds"] = rounds


# -- decide ------------------------------------------------------------------------------------------------
_CTX: dict[tuple, dict] = {}


def _decide_task(rows: Iterator, db: str, ts: str) -> Iterator[tuple]:
    from ..trace import deciding

    conn = _conn(db)
    key = (os.getpid(), db)
    if key not in _CTX:
        _CTX.clear()
        _CTX[key] = deciding._context(conn)
    comps = [list(r.comp) for r in rows]
    for batch in deciding._batches(comps, 600):
        t = time.perf_counter()
        enc, _, failed = deciding._decide_batch(conn, _CTX[key], batch, False, ts)
        dt = time.perf_counter() - t
        for kind, rs in (("copy", enc.copies), ("story", enc.stories), ("member", enc.members), ("problem", failed)):
            for x in rs:
                yield (kind, pickle.dumps(x, protocol=5))
        yield ("timing", pickle.dumps((max(len(c) for c in batch), sum(len(c) for c in batch), dt)))


def decide_phase(spark, rd: RunDir, db: str, ts: str, cfg: TraceConfig, summary: dict) -> None:
    from pyspark.sql import functions as F

    with rd.phase("decide", summary, spark) as todo:
        if not todo:
            return
        lab = spark.read.parquet(rd.out("components"))
        comps = lab.groupBy("label").agg(F.sort_array(F.collect_list("node")).alias("comp"), F.count("*").alias("n"))
        n = max(1, spark.sparkContext.defaultParallelism * 4)
        big = comps.filter(f"n > {BIG_COMPONENT}").select("label").orderBy("label").collect()
        slot = {r.label: n + i for i, r in enumerate(big)}   # a partition each for the large components
        sb = spark.sparkContext.broadcast(slot)
        d, t = db, ts
        rdd = (comps.rdd.map(lambda r: (sb.value.get(r.label, hash(r.label) % n), r))
               .partitionBy(n + len(slot), lambda k: k).values()
               .mapPartitions(lambda it: _decide_task(sorted(it, key=lambda r: r.comp[0]), d, t)))
        spark.createDataFrame(rdd, "kind STRING, payload BINARY").write.parquet(rd.out("decide"))
        timing = [pickle.loads(r.payload) for r in
                  spark.read.parquet(rd.out("decide")).filter("kind = 'timing'").collect()]
        if timing:
            big_t = max(timing, key=lambda x: x[0])
            summary["phase_info"]["decide"].update(components=comps.count(), largest_component=big_t[0],
                                                   largest_batch_seconds=round(big_t[2], 3))


def land_decisions_phase(spark, rd: RunDir, store, ts: str, summary: dict) -> None:
    from ..store import decisions, furniture, problems
    from ..store.decisions import Encoded

    with rd.phase("land_decisions", summary, spark) as todo:
        if not todo:
            return
        got: dict[str, list] = defaultdict(list)
        for r in spark.read.parquet(rd.out("decide")).toLocalIterator():
            if r.kind != "timing":
                got[r.kind].append(pickle.loads(r.payload))
        conn = store.conn
        with conn:
            decisions.clear(conn)
            decisions.write(conn, Encoded(got["copy"], got["story"], got["member"]))
            problems.write(conn, got["problem"], ts)
            decisions.clear_undecided(conn)
            furniture.prune_versions(conn)
        info = {"copies": len(got["copy"]), "stories": len(got["story"]), "components_failed": len(got["problem"])}
        summary["phase_info"]["land_decisions"].update(info)
        summary.update(info)
        rd.mark("land_decisions", info)


def network_phase(store, rd: RunDir, summary: dict) -> None:
    from ..trace import network

    with rd.phase("network", summary) as todo:
        if todo:
            info = network.run(store.conn)
            summary["phase_info"]["network"].update(info)
            rd.mark("network", info)


def trace(db: str, run_dir: str, master: str | None = None, config: TraceConfig | None = None, spark=None,
          store=None, cap: bool = True) -> dict[str, Any]:
    """``newstrace spark trace``: rebuild copies, stories and the site network of the store at ``db`` with
    Spark (the result of ``trace_all(rebuild=True, config=config)``).  Returns a summary with the seconds of
    each phase and the phases skipped because a killed job had completed them."""
    from ..store import Store
    from ..store import spark as sstore
    from .session import session

    cfg = config or TraceConfig()
    own_store = store is None
    store = store or Store(db)
    try:
        lo, hi, n = sstore.key_range(store.conn)
        rd = RunDir(run_dir, {"job": "trace", "db": os.path.abspath(db), "articles": n, "keys": [lo, hi],
                              "chunk": cfg.chunk, "mem_index": cfg.mem_index, "translate": cfg.translate,
                              "cap": cap})
        ts_file = os.path.join(rd.path, "started_at")
        if not os.path.exists(ts_file):
            with open(ts_file, "w") as fh:
                fh.write(now_iso())
        with open(ts_file) as fh:
            ts = fh.read().strip()
        own = spark is None
        spark = spark or session(master)
        summary: dict[str, Any] = {"run_dir": rd.path, "articles": n}
        t0 = time.perf_counter()
        from ..store import articles as store_articles
        with store.conn:   # byline statistics the decide phase reads, as the local trace's start phase folds them
            store_articles.fold_bylines(store.conn)
        try:
            docs_phase(spark, rd, db, store.conn, cfg, summary)
            candidates_phase(spark, rd, summary, cap)
            align_phase(spark, rd, db, summary)
            land_pairs_phase(spark, rd, store, ts, summary)
            translate_phase(store, rd, cfg, summary)
            components_phase(spark, rd, store.conn, summary)
            decide_phase(spark, rd, db, ts, cfg, summary)
            land_decisions_phase(spark, rd, store, ts, summary)
            network_phase(store, rd, summary)
        finally:
            if own:
                spark.stop()
        summary["seconds"] = round(time.perf_counter() - t0, 2)
        return summary
    finally:
        if own_store:
            store.close()
