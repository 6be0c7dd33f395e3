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
from .session import RunDir, store_identity as _where

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


# -- Arrow helpers ------------------------------------------------------------------------------------------
def _table(batches) -> Any:
    """The record batches a mapInArrow task receives, as one pyarrow Table (None when there are none)."""
    import pyarrow as pa

    bs = [b for b in batches if b.num_rows]
    return pa.Table.from_batches(bs) if bs else None


def read_local(path: str, columns: list[str] | None = None, filter=None):
    """A phase's Parquet output read on the driver with pyarrow (no Spark job, no row-by-row conversion)."""
    import pyarrow.dataset as ds

    return ds.dataset(path, format="parquet").to_table(columns=columns, filter=filter)


def _tasks(spark, items: int) -> int:
    return max(1, min(items, spark.sparkContext.defaultParallelism * 4))


# -- docs ---------------------------------------------------------------------------------------------------
DOCS = ("aid LONG, page_id STRING, site STRING, body_hash STRING, words LONG, minhash BINARY, paragraphs INT, "
        "keys ARRAY<LONG>, batch INT")


def _docs_arrow(batches, db: str, chunk: int, only=None):
    """mapInArrow: key ranges (lo, hi, rank of the range's first article) -> one Arrow batch of ``DOCS`` rows
    per range (keys as an Arrow list column built from the numpy arrays: no Python row per key).  ``only``
    (an incremental run): a broadcast sorted array of the keys to index; other articles of a range are
    skipped."""
    import numpy as np
    import pyarrow as pa

    from ..store import spark as sstore
    from ..trace.text import features_many, tokenize

    conn = _conn(db)
    for b in batches:
        for lo, hi, rank in zip(*(b.column(i).to_pylist() for i in range(3))):
            rows = list(sstore.articles_between(conn, lo, hi))
            if only is not None:
                want = only.value
                rows = [r for r in rows if want[min(np.searchsorted(want, r[0]), len(want) - 1)] == r[0]]
            if not rows:
                continue
            docs = [tokenize(r[4]) for r in rows]
            pos, keys = features_many(docs)
            cut = np.searchsorted(pos, np.arange(len(docs) + 1), "left").astype(np.int32)
            yield pa.RecordBatch.from_arrays([
                pa.array([int(r[0]) for r in rows], pa.int64()),
                pa.array([r[1] for r in rows], pa.string()),
                pa.array([r[3] for r in rows], pa.string()),
                pa.array([r[2] for r in rows], pa.string()),
                pa.array([int(d.n) for d in docs], pa.int64()),
                pa.array([d.sig.tobytes() if d.sig is not None else None for d in docs], pa.binary()),
                pa.array([len(d.chunks or []) for d in docs], pa.int32()),
                pa.ListArray.from_arrays(pa.array(cut), pa.array(keys.astype(np.int64))),
                pa.array((rank + np.arange(len(rows))) // chunk, pa.int32()),
            ], names=["aid", "page_id", "site", "body_hash", "words", "minhash", "paragraphs", "keys", "batch"])


def docs_phase(spark, rd: RunDir, db: str, conn, cfg: TraceConfig, summary: dict,
               pending: list[int] | None = None) -> None:
    """``pending`` (an incremental run): only these articles (sorted keys), ranked among themselves, as the
    local run batches its pending articles."""
    import numpy as np

    from ..store import spark as sstore

    with rd.phase("docs", summary, spark) as todo:
        if not todo:
            return
        if pending is not None:
            _docs_pending(spark, rd, db, cfg, summary, np.asarray(pending, dtype=np.int64))
            return
        lo, hi, n = sstore.key_range(conn)
        par = spark.sparkContext.defaultParallelism
        size = max(200, min(RANGE, -(-(hi - lo + 1) // (par * 4))))   # >= 4 tasks per core on small stores
        counts = sstore.counts_by_range(conn, lo, size)   # the rank of each range's first article, so each
        ranges, rank = [], 0                              # article's batch is known without a global sort
        for g in range(len(range(lo, hi + 1, size))):
            a = lo + g * size
            ranges.append((a, min(a + size - 1, hi), rank))
            rank += counts.get(g, 0)
        d = db
        chunk = cfg.chunk if cfg.mem_index else 1   # (a stored-index run looks every article up on its own)
        rdf = spark.sparkContext.parallelize(ranges, _tasks(spark, len(ranges))).toDF("lo LONG, hi LONG, rank LONG")
        rdf.mapInArrow(lambda it: _docs_arrow(it, d, chunk), DOCS).write.parquet(rd.out("docs"))
        summary["phase_info"]["docs"].update(articles=n, ranges=len(ranges))


def _docs_pending(spark, rd: RunDir, db: str, cfg: TraceConfig, summary: dict, keys) -> None:
    """The docs of an incremental run: ranges of RANGE pending articles (their first rank known: no global
    sort), each task skipping the stored articles of its key range."""
    par = spark.sparkContext.defaultParallelism
    size = max(200, min(RANGE, -(-len(keys) // (par * 4))))
    ranges = [(int(keys[i]), int(keys[min(i + size, len(keys)) - 1]), i) for i in range(0, len(keys), size)]
    d, chunk = db, cfg.chunk
    only = spark.sparkContext.broadcast(keys)
    rdf = spark.sparkContext.parallelize(ranges, _tasks(spark, max(1, len(ranges)))).toDF("lo LONG, hi LONG, rank LONG")
    rdf.mapInArrow(lambda it: _docs_arrow(it, d, chunk, only), DOCS).write.parquet(rd.out("docs"))
    summary["phase_info"]["docs"].update(articles=len(keys), ranges=len(ranges), incremental=True)


# -- candidates ---------------------------------------------------------------------------------------------
CANDS = "kind INT, a LONG, b LONG, batch INT"
PAIR, BOILER, STATS = 0, 1, 2   # kinds of candidates rows: (a, b, batch of b); (key, -, first batch); stats


def _runs(x) -> Any:
    """Start index of each run of equal values of the sorted array x."""
    import numpy as np

    return np.flatnonzero(np.r_[True, x[1:] != x[:-1]]) if len(x) else np.zeros(0, dtype=np.int64)


def _cands_arrow(batches, cap: bool):
    """mapInArrow over (key, aid, site, batch[, w]) rows partitioned by key and sorted by (key, aid): every row of
    a key is in this task.  Per key (numpy over the whole partition, no Python per row): the members counted by
    batch, kept while a bucket has at most MAX_BUCKET members at a batch (the members of a batch are counted
    together, as MemIndex answers a batch at once), every pair of kept members (a < b, with b's batch);
    boilerplate keys (a site's third article carrying the key) with the batch from which they count.
    An incremental run adds the stored articles' rows (batch -1, before every new one): one row per stored
    member of a key with at most MAX_BUCKET stored members, else one row per (key, site) with its count ``w``
    (aid -1); pairs of two stored articles are not made again."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t = _table(batches)
    if t is None:
        return
    key = t.column("key").to_numpy()
    aid = t.column("aid").to_numpy()
    batch = t.column("batch").to_numpy().astype(np.int64)
    w = t.column("w").to_numpy().astype(np.int64) if "w" in t.column_names else np.ones(len(key), np.int64)
    site = pc.dictionary_encode(t.column("site").combine_chunks().fill_null("")).indices.to_numpy()
    n = len(key)
    cw = np.r_[0, np.cumsum(w)]                       # members (weights) before each row
    gs = _runs(key)                                   # groups (one per key)
    ge = np.r_[gs[1:], n]
    tot = cw[ge] - cw[gs]                             # members of each key
    gid = np.repeat(np.arange(len(gs)), ge - gs)
    # members counted up to and including a row's batch: the end of its (key, batch) run
    kbs = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (batch[1:] != batch[:-1])])
    kbe = np.r_[kbs[1:], n]
    cum = np.repeat(cw[kbe], kbe - kbs) - cw[gs[gid]]
    keep = (tot[gid] >= 2) & ((cum <= MAX_BUCKET) if cap else True)
    m = np.bincount(gid, weights=keep, minlength=len(gs)).astype(np.int64)   # kept prefix of each group
    outs = []
    for size in np.unique(m[m >= 2]).tolist():
        starts = gs[m == size]
        i, j = np.triu_indices(size, 1)
        ia = (starts[:, None] + i[None, :]).ravel()
        ib = (starts[:, None] + j[None, :]).ravel()
        new = batch[ib] >= 0                          # (b is the later one: a pair of two stored articles is old)
        outs.append((aid[ia][new], aid[ib][new], batch[ib][new]))
    if outs:
        a_, b_, bt = (np.concatenate([o[k] for o in outs]) for k in range(3))
        yield pa.RecordBatch.from_arrays([pa.array(np.zeros(len(a_), np.int32)), pa.array(a_), pa.array(b_),
                                          pa.array(bt.astype(np.int32))], names=["kind", "a", "b", "batch"])
    # boilerplate: the row of a (key, site) in aid order at which its members reach three
    o = np.lexsort((aid, site, key))
    ks, ss, wo = key[o], site[o], w[o]
    rs = np.flatnonzero(np.r_[True, (ks[1:] != ks[:-1]) | (ss[1:] != ss[:-1])])
    cwo = np.cumsum(wo)
    upto = cwo - np.repeat(cwo[rs] - wo[rs], np.diff(np.r_[rs, n]))   # members of its (key, site) up to a row
    third = o[(upto >= 3) & (upto - wo < 3)]
    if len(third):
        tk, tb = key[third], batch[third]
        oo = np.lexsort((tb, tk))
        tk, tb = tk[oo], tb[oo]
        f = _runs(tk)
        yield pa.RecordBatch.from_arrays([pa.array(np.ones(len(f), np.int32)), pa.array(tk[f]),
                                          pa.array(np.full(len(f), -1, np.int64)), pa.array(tb[f].astype(np.int32))],
                                         names=["kind", "a", "b", "batch"])
    shared = tot >= 2   # the skew guard, measured: keys shared, largest, over the cap, pairs of a whole join
    st = [int(shared.sum()), int(tot[shared].max()) if shared.any() else 0, int((tot > MAX_BUCKET).sum()), int((tot * (tot - 1) // 2)[shared].sum())]
    yield pa.RecordBatch.from_arrays([pa.array([STATS, STATS], pa.int32()), pa.array(st[0::2], pa.int64()),
                                      pa.array(st[1::2], pa.int64()), pa.array([0, 1], pa.int32())],
                                     names=["kind", "a", "b", "batch"])


def candidates_phase(spark, rd: RunDir, summary: dict, cap: bool = True, conn=None) -> None:
    """``cap=False`` (benchmarks only) pairs every bucket whole, to measure what the skew guard saves.  One
    shuffle (the exploded keys by key); duplicate pairs (several shared keys) are dropped by the align task.
    ``conn`` (an incremental run): the stored index's rows of the new articles' keys join the shuffle."""
    import pyarrow.dataset as ds
    from pyspark.sql import functions as F

    with rd.phase("candidates", summary, spark) as todo:
        if not todo:
            return
        docs = spark.read.parquet(rd.out("docs"))
        m = docs.select(F.explode("keys").alias("key"), "aid", "site", "batch")
        if conn is not None:
            m = m.withColumn("w", F.lit(1).cast("long")).unionByName(_stored_rows(spark, rd, conn, summary))
        c = cap
        (m.repartition(int(spark.conf.get("spark.sql.shuffle.partitions")), "key").sortWithinPartitions("key", "aid")
         .mapInArrow(lambda it: _cands_arrow(it, c), CANDS).write.parquet(rd.out("candidates")))
        st = read_local(rd.out("candidates"), filter=ds.field("kind") == STATS).to_pylist()
        agg = {0: [0, 0], 1: [0, 0]}
        for r in st:
            x = agg[r["batch"]]
            if r["batch"] == 0:
                x[0] += r["a"]
                x[1] = max(x[1], r["b"])
            else:
                x[0] += r["a"]
                x[1] += r["b"]
        summary["phase_info"]["candidates"].update(
            shared_keys=agg[0][0], largest_bucket=agg[0][1], buckets_over_cap=agg[1][0],
            bucket_pairs_uncapped=agg[1][1])


def _stored_rows(spark, rd: RunDir, conn, summary: dict):
    """(key, aid, site, batch -1, w) of the stored index for the keys of this run's docs (read on the driver
    through the store, written as Parquet beside the phase's output)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from ..store import spark as sstore

    keys = pc.unique(read_local(rd.out("docs"), ["keys"]).column("keys").combine_chunks().flatten()).to_numpy()
    k, r, s, w = sstore.stored_band_rows(conn, keys.tolist(), MAX_BUCKET)
    path = rd.out("candidates") + "_stored"
    if os.path.exists(path):
        import shutil
        shutil.rmtree(path)
    os.makedirs(path)
    pq.write_table(pa.table({"key": pa.array(k, pa.int64()), "aid": pa.array(r, pa.int64()),
                             "site": pa.array(s, pa.string()), "batch": pa.array(np.full(len(k), -1), pa.int32()),
                             "w": pa.array(w, pa.int64())}), os.path.join(path, "part-0.parquet"))
    summary["phase_info"]["candidates"].update(new_keys=len(keys), stored_rows=len(k))
    return spark.read.parquet(path)


# -- align --------------------------------------------------------------------------------------------------
def _align_arrow(batches, db: str, boil, pending=None) -> Iterator:
    """mapInArrow over candidate pairs range-partitioned by (batch, a) and sorted by (batch, a, b): duplicates
    dropped, groups of at most ALIGN_GROUP pairs of one batch; per group the bodies read through the store,
    tokenised, boilerplate masks (the boilerplate keys the group's bodies carry that count at its batch),
    then the local align worker (``trace.aligning._w_align``: alignment plus the same-site rule).  ``pending``
    (an incremental run, sorted keys of its articles): the passage keys of the stored articles of a group are
    also looked up in the stored index (boilerplate among stored articles only; a key that new articles make
    boilerplate is carried by one of them, so it is among the candidates phase's boilerplate rows)."""
    import numpy as np
    import pyarrow as pa

    from ..store import spark as sstore
    from ..trace.aligning import _w_align
    from ..trace.index import masks_of
    from ..trace.text import features_many, tokenize

    t = _table(batches)
    if t is None:
        return
    a, b, bt = (t.column(c).to_numpy() for c in ("a", "b", "batch"))
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (bt[1:] != bt[:-1])]
    a, b, bt = a[keep], b[keep], bt[keep]
    bkeys, bfrom = boil.value
    conn = _conn(db)
    cols = {k: [] for k in ("a", "b", "a_hash", "b_hash", "linked", "method", "result", "failed", "shared")}
    starts = _runs(bt).tolist() + [len(bt)]
    bounds = []
    for s, e in zip(starts[:-1], starts[1:]):
        bounds.extend((x, min(x + ALIGN_GROUP, e)) for x in range(s, e, ALIGN_GROUP))
    for s, e in bounds:
        k = int(bt[s])
        ga, gb = a[s:e].tolist(), b[s:e].tolist()
        keys = sorted(set(ga) | set(gb))
        info = sstore.align_inputs(conn, keys)
        docs = {x: tokenize(info[x][2]) for x in keys if x in info}
        masks = {}
        if len(bkeys) or pending is not None:   # (alignment reads no signature: the keys are recomputed only
            _, dkeys = features_many(list(docs.values()))   # for boilerplate masks)
            uk = np.unique(dkeys)
            boiler: set[int] = set()
            if len(bkeys):
                i = np.minimum(np.searchsorted(bkeys, uk), len(bkeys) - 1)
                boiler = set(uk[(bkeys[i] == uk) & (bfrom[i] <= k)].tolist())
            if pending is not None:
                pk = pending.value
                old = [d for x, d in docs.items() if pk[min(np.searchsorted(pk, x), len(pk) - 1)] != x and d.chunks]
                if old:
                    ck = np.unique(np.concatenate([np.asarray(d.chunk_keys, dtype=np.int64).ravel() for d in old]))
                    boiler |= sstore.stored_boilerplate(conn, ck.tolist())
            masks = masks_of(docs, boiler)
        site_of = {x: info[x][0] for x in docs}
        h = {x: v[1] for x, v in info.items()}
        dk = sorted(docs)
        res, failed = _w_align((list(zip(ga, gb)), dk, [docs[x] for x in dk],
                                {x: masks[x] for x in dk if masks.get(x) is not None}, site_of, {}, 0))
        for x, y, linked, result, sh in res:   # sh: shared items of an unlinked pair (trace/shared.py)
            for c, v in zip(cols, (x, y, h.get(x), h.get(y), bool(linked), "align", result, None,
                                   json.dumps(sh) if sh is not None else None)):
                cols[c].append(v)
        for x, y, why in failed:
            for c, v in zip(cols, (x, y, h.get(x), h.get(y), False, "align", None, why, None)):
                cols[c].append(v)
        for d in docs.values():
            d.release()
        if len(cols["a"]) >= 5000:
            yield _pairs_batch(cols)
            cols = {c: [] for c in cols}
    if cols["a"]:
        yield _pairs_batch(cols)


def _pairs_batch(cols: dict) -> Any:
    import pyarrow as pa

    types = {"a": pa.int64(), "b": pa.int64(), "linked": pa.bool_()}
    return pa.RecordBatch.from_arrays([pa.array(v, types.get(c, pa.string())) for c, v in cols.items()],
                                      names=list(cols))


PAIRS = ("a LONG, b LONG, a_hash STRING, b_hash STRING, linked BOOLEAN, method STRING, result STRING, "
         "failed STRING, shared STRING")


def align_phase(spark, rd: RunDir, db: str, summary: dict, pending=None) -> None:
    """``pending``: an incremental run's articles (a broadcast sorted key array), see ``_align_arrow``."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    with rd.phase("align", summary, spark) as todo:
        if not todo:
            return
        bo = read_local(rd.out("candidates"), ["a", "batch"], ds.field("kind") == BOILER).sort_by("a")
        boil = spark.sparkContext.broadcast((bo.column("a").to_numpy(), bo.column("batch").to_numpy()))
        c = spark.read.parquet(rd.out("candidates")).filter(f"kind = {PAIR}").select("a", "b", "batch")
        d = db
        (c.repartitionByRange(_tasks(spark, 1 << 30), "batch", "a").sortWithinPartitions("batch", "a", "b")
         .mapInArrow(lambda it: _align_arrow(it, d, boil, pending), PAIRS).write.parquet(rd.out("align")))
        p = read_local(rd.out("align"), ["linked", "failed"])
        summary["phase_info"]["align"].update(
            aligned=p.num_rows, linked=int(pc.sum(p.column("linked")).as_py() or 0),
            failed=int(np.sum(~p.column("failed").is_null().to_numpy(zero_copy_only=False))),
            boilerplate_keys=bo.num_rows)


# -- landing the index and the pairs --------------------------------------------------------------------------
def land_pairs_phase(spark, rd: RunDir, store, ts: str, summary: dict, pending: list[int] | None = None) -> None:
    """trace_docs, trace_bands, trace_pairs and shared items replace the old ones in one transaction: the
    Parquet outputs read on the driver with pyarrow, written with COPY on PostgreSQL.  An incremental run
    (``pending``: its articles) adds its rows to the stored ones (new keys: COPY appends without conflicts)
    and marks its articles undecided instead of every component."""
    import numpy as np

    from ..records import Problem
    from ..store import articles, decisions, pairs, problems, shared, trace_index
    from ..store import spark as sstore
    from ..store.records import IndexedDoc, Pair, PairMethod

    with rd.phase("land_pairs", summary, spark) as todo:
        if not todo:
            return
        conn = store.conn
        docs = read_local(rd.out("docs"), ["aid", "page_id", "site", "body_hash", "words", "minhash", "paragraphs",
                                           "keys"])
        kl = docs.column("keys").combine_chunks()
        flat = kl.flatten().to_numpy()
        off = kl.offsets.to_numpy()
        aid = docs.column("aid").to_numpy()
        info = {"docs": docs.num_rows, "bands": len(flat)}
        with conn:
            if pending is None:
                trace_index.clear(conn)
                pairs.clear(conn)
                shared.clear(conn)
            decisions.mark_undecided(conn, [decisions.ALL] if pending is None else pending)   # a job killed
            # from here on: every component (or the new articles') decided again by the next run
            for s in range(0, docs.num_rows, 5000):
                part = docs.slice(s, 5000).to_pydict()
                rows = [IndexedDoc(x, pid, site, bh, w, mh, par, ts, flat[off[s + i]:off[s + i + 1]].tobytes())
                        for i, (x, pid, site, bh, w, mh, par) in enumerate(zip(
                            part["aid"], part["page_id"], part["site"], part["body_hash"], part["words"],
                            part["minhash"], part["paragraphs"]))]
                trace_index.drop_item_keys(conn, part["aid"])   # (rewritten rows: their old item keys go)
                sstore.bulk(conn, "trace_docs", trace_index.DOC_COLS, rows, trace_index.write_docs)
            owner = np.repeat(aid, np.diff(off))
            o = np.lexsort((owner, flat))   # by key, then article: the table fills in key order
            ks, os_ = flat[o].tolist(), owner[o].tolist()
            for s in range(0, len(ks), 200_000):
                sstore.bulk(conn, "trace_bands", None, list(zip(ks[s:s + 200_000], os_[s:s + 200_000])),
                            trace_index.write_bands)
            del ks, os_, o, owner, flat
            al = read_local(rd.out("align"))
            failed, found, buf = [], [], []
            for rb in al.to_batches(20_000):
                for r in rb.to_pylist():
                    if r["failed"] is not None:
                        failed.append((r["a"], r["b"], r["failed"]))
                        continue
                    p = Pair(r["a"], r["b"], r["a_hash"], r["b_hash"], r["linked"], PairMethod.ALIGN, r["result"])
                    buf.append(p)
                    if r["shared"] is not None:
                        found.append((p, json.loads(r["shared"])))
                sstore.bulk(conn, "trace_pairs", None, buf, pairs.write, row=Pair.row)
                if found:   # (the table was emptied: only the pairs with shared items are written)
                    shared.replace(conn, [(p.a, p.b, p.a_hash, p.b_hash) for p, _ in found],
                                   shared.with_links(conn, [(p.a, p.b, rec) for p, rec in found]))
                info["pairs"] = info.get("pairs", 0) + len(buf)
                buf, found = [], []
            if failed:
                pid = articles.page_ids(conn, {x for a, b, _ in failed for x in (a, b)})
                problems.write(conn, [Problem(f"trace:pair {pid.get(a)} {pid.get(b)}", "trace", "align-failed", why,
                                              page_id=pid.get(a)) for a, b, why in failed], ts)
        summary["phase_info"]["land_pairs"].update(info)
        rd.mark("land_pairs", info)


def translate_phase(store, rd: RunDir, cfg: TraceConfig, summary: dict, new: set | None = None,
                    dirty: set | None = None) -> None:
    """The local translate phase for every article (a rebuild) or an incremental run's ``new`` and ``dirty``
    (left undecided before it) articles."""
    from ..store import decisions
    from ..trace import translating

    with rd.phase("translate", summary) as todo:
        if not todo:
            return
        n = 0
        if cfg.translate:
            r = SimpleNamespace(store=store, conn=store.conn, dirty={decisions.ALL} if new is None else set(dirty or ()),
                                new=set(new or ()), counts=defaultdict(int))
            n = translating.run(r)
            summary["phase_info"]["translate"].update(r.counts)
        summary["phase_info"]["translate"]["translation_links"] = n
        rd.mark("translate", {"translation_links": n})


# -- components ---------------------------------------------------------------------------------------------
DRIVER_GRAPH = int(os.environ.get("NEWSTRACE_SPARK_DRIVER_GRAPH", 20_000_000))   # edges solved on the driver


def _components_driver(a, b, path: str) -> int:
    """Connected components of the edges (a[i], b[i]) on the driver (scipy's union-find over a sparse
    matrix: milliseconds for millions of edges, where each round of the join costs a Spark job); the
    (node, label = smallest node of its component) rows written as the phase's Parquet."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    k = len(a)
    g = coo_matrix((np.ones(k, dtype=np.int8), (inv[:k], inv[k:])), shape=(len(nodes), len(nodes)))
    n, lab = connected_components(g, directed=False)
    low = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(low, lab, nodes)
    os.makedirs(path, exist_ok=True)
    pq.write_table(pa.table({"node": nodes.astype(np.int64), "label": low[lab]}), os.path.join(path, "part-0.parquet"))
    open(os.path.join(path, "_SUCCESS"), "w").close()
    return n


def components_phase(spark, rd: RunDir, conn, summary: dict, seeds: set | None = None) -> None:
    """Linked pairs (and linked translation pairs) -> (node, label).  Up to ``DRIVER_GRAPH`` edges the graph
    is solved on the driver (two int64 columns: 320 MB at the limit); beyond it by iterative min-label
    propagation with DataFrame joins (GraphFrames needs Maven, unreachable here)."""
    import numpy as np
    import pyarrow.dataset as ds
    from pyspark.sql import functions as F

    from ..store import spark as sstore

    with rd.phase("components", summary, spark) as todo:
        if not todo:
            return
        if seeds is not None:   # an incremental run: the components its articles touch, from the stored pairs
            _components_seeded(conn, seeds, rd.out("components"), summary)
            return
        tr = [(int(a), int(b)) for a, b in sstore.translation_edges(conn)]
        n_edges = ds.dataset(rd.out("align"), format="parquet").count_rows(filter=ds.field("linked"))
        if n_edges + len(tr) <= DRIVER_GRAPH:
            t = read_local(rd.out("align"), ["a", "b"], ds.field("linked"))
            a, b = t.column("a").to_numpy(), t.column("b").to_numpy()
            if tr:
                a = np.concatenate([a, np.array([x for x, _ in tr], np.int64)])
                b = np.concatenate([b, np.array([y for _, y in tr], np.int64)])
            n = _components_driver(a, b, rd.out("components"))
            summary["phase_info"]["components"].update(on="driver", edges=len(a), components=n)
            return
        al = spark.read.parquet(rd.out("align")).filter("linked").select("a", "b")
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
        summary["phase_info"]["components"].update(on="spark", rounds=rounds)


def _components_seeded(conn, seeds: set, path: str, summary: dict) -> None:
    """The local decide phase's components of an incremental run (``deciding.components_of``: the stored
    linked pairs walked from the new and undecided articles, single articles included) as (node, label)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..trace import deciding

    comps = deciding.components_of(conn, set(seeds))
    node = [x for c in comps for x in c]
    label = [c[0] for c in comps for _ in c]
    os.makedirs(path, exist_ok=True)
    pq.write_table(pa.table({"node": pa.array(node, pa.int64()), "label": pa.array(label, pa.int64())}),
                   os.path.join(path, "part-0.parquet"))
    open(os.path.join(path, "_SUCCESS"), "w").close()
    summary["phase_info"]["components"].update(on="driver", seeds=len(seeds), components=len(comps))


# -- decide ------------------------------------------------------------------------------------------------
_CTX: dict[tuple, dict] = {}


def _decide_task(comps: list[list[int]], db: str, ts: str, replace: bool = False) -> Iterator[tuple]:
    """Components (sorted node lists) of one partition, batched and decided by the local kernel; ``replace``
    (an incremental run): the page ids whose old decisions go too ("old" rows)."""
    from ..trace import deciding

    conn = _conn(db)
    key = (os.getpid(), db)
    if key not in _CTX:
        _CTX.clear()
        _CTX[key] = deciding._context(conn)
    for batch in deciding._batches(sorted(comps, key=lambda c: c[0]), 600):
        t = time.perf_counter()
        enc, old, failed = deciding._decide_batch(conn, _CTX[key], batch, replace, ts)
        dt = time.perf_counter() - t
        for kind, rs in (("copy", enc.copies), ("story", enc.stories), ("member", enc.members), ("problem", failed),
                         ("old", old)):
            for x in rs:
                yield (kind, pickle.dumps(x, protocol=5))
        yield ("timing", pickle.dumps((max(len(c) for c in batch), sum(len(c) for c in batch), dt)))


def _components_local(path: str) -> list[list[int]]:
    """The components of the phase's (node, label) Parquet as sorted node lists, read on the driver."""
    import numpy as np

    t = read_local(path, ["node", "label"])
    node, lab = t.column("node").to_numpy(), t.column("label").to_numpy()
    o = np.lexsort((node, lab))
    node, lab = node[o], lab[o]
    cut = _runs(lab).tolist() + [len(lab)]
    return [node[i:j].tolist() for i, j in zip(cut[:-1], cut[1:])]


def decide_phase(spark, rd: RunDir, db: str, ts: str, cfg: TraceConfig, summary: dict,
                 replace: bool = False) -> None:
    """Components over ``BIG_COMPONENT`` pages get a partition each, the rest are spread by their first
    node.  Up to ``DRIVER_GRAPH`` nodes the components are grouped on the driver (one Spark job: the decide
    tasks); beyond, by a DataFrame aggregation."""
    import pyarrow.dataset as ds
    from pyspark.sql import functions as F

    with rd.phase("decide", summary, spark) as todo:
        if not todo:
            return
        n = max(1, spark.sparkContext.defaultParallelism * 4)
        d, t, rp = db, ts, replace
        if ds.dataset(rd.out("components"), format="parquet").count_rows() <= DRIVER_GRAPH:
            comps = _components_local(rd.out("components"))
            parts: list[list] = [[] for _ in range(n)]
            for c in comps:
                if len(c) > BIG_COMPONENT:
                    parts.append([c])
                else:
                    parts[c[0] % n].append(c)
            parts = [p for p in parts if p]
            n_comps = len(comps)
            del comps
            rdd = (spark.sparkContext.parallelize(parts, max(1, len(parts)))
                   .mapPartitions(lambda it: _decide_task([c for p in it for c in p], d, t, rp)))
        else:
            lab = spark.read.parquet(rd.out("components"))
            comps = lab.groupBy("label").agg(F.sort_array(F.collect_list("node")).alias("comp"),
                                             F.count("*").alias("n")).cache()
            big = comps.filter(f"n > {BIG_COMPONENT}").select("label").orderBy("label").collect()
            slot = {r.label: n + i for i, r in enumerate(big)}   # a partition each for the large components
            sb = spark.sparkContext.broadcast(slot)
            n_comps = comps.count()
            rdd = (comps.rdd.map(lambda r: (sb.value.get(r.label, hash(r.label) % n), list(r.comp)))
                   .partitionBy(n + len(slot), lambda k: k).values()
                   .mapPartitions(lambda it: _decide_task(list(it), d, t, rp)))
        spark.createDataFrame(rdd, "kind STRING, payload BINARY").write.parquet(rd.out("decide"))
        timing = [pickle.loads(x) for x in read_local(rd.out("decide"), ["payload"], ds.field("kind") == "timing")
                  .column("payload").to_pylist()]
        summary["phase_info"]["decide"]["components"] = n_comps
        if timing:
            big_t = max(timing, key=lambda x: x[0])
            summary["phase_info"]["decide"].update(largest_component=big_t[0],
                                                   largest_batch_seconds=round(big_t[2], 3))


def land_decisions_phase(spark, rd: RunDir, store, ts: str, summary: dict, replace: bool = False) -> None:
    """Every decision replaced (COPY on PostgreSQL), or (``replace``, an incremental run) the decisions of the
    decided components' pages replaced, as the local decide phase writes them."""
    from ..store import backend, decisions, furniture, problems
    from ..store import spark as sstore
    from ..store.decisions import Encoded

    with rd.phase("land_decisions", summary, spark) as todo:
        if not todo:
            return
        got: dict[str, list] = defaultdict(list)
        t = read_local(rd.out("decide"))
        for kind, payload in zip(t.column("kind").to_pylist(), t.column("payload").to_pylist()):
            if kind != "timing":
                got[kind].append(pickle.loads(payload))
        del t
        conn = store.conn
        with conn:
            if replace:
                decisions.delete_for_pages(conn, got["old"])
                decisions.write(conn, Encoded(got["copy"], got["story"], got["member"]))
            elif backend.dialect(conn) == backend.POSTGRESQL:
                decisions.clear(conn)   # emptied, then COPY (clear() invalidated the network's incremental
                # state, so the next network run is a whole one: no dirty marks needed)
                sstore.bulk(conn, "copies", decisions.COPY_COLS, got["copy"], None)
                sstore.bulk(conn, "stories", None, got["story"], None)
                sstore.bulk(conn, "story_members", None, got["member"], None)
            else:
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
          store=None, cap: bool = True, incremental: bool | None = False) -> dict[str, Any]:
    """``newstrace spark trace``: rebuild copies, stories and the site network of the store at ``db`` with
    Spark (the result of ``trace_all(rebuild=True, config=config)``), or (``incremental``) link the articles
    not traced yet against what is stored (the result of the local engine's incremental ``trace_all``).
    ``incremental=None``: incremental when the store was traced before (its index is not empty), as an
    ingest traces; a resumed job keeps the mode its run directory recorded.  Returns a summary with the
    seconds of each phase and the phases skipped because a killed job had completed them."""
    from ..store import Store
    from ..store import spark as sstore
    from .session import session

    cfg = config or TraceConfig()
    own_store = store is None
    store = store or Store(db)
    try:
        lo, hi, n = sstore.key_range(store.conn)
        inc, why = _mode(store.conn, run_dir, incremental)
        rd = RunDir(run_dir, {"job": "trace", "db": _where(db), "articles": n, "keys": [lo, hi],
                              "chunk": cfg.chunk, "mem_index": cfg.mem_index, "translate": cfg.translate,
                              "cap": cap, **({"incremental": True} if inc else {})})
        ts_file = os.path.join(rd.path, "started_at")
        if not os.path.exists(ts_file):
            with open(ts_file, "w") as fh:
                fh.write(now_iso())
        with open(ts_file) as fh:
            ts = fh.read().strip()
        own = spark is None
        spark = spark or session(master)
        summary: dict[str, Any] = {"run_dir": rd.path, "articles": n}
        if why:
            summary["rebuilt"] = why
        t0 = time.perf_counter()
        from ..store import articles as store_articles
        with store.conn:   # byline statistics the decide phase reads, as the local trace's start phase folds them
            store_articles.fold_bylines(store.conn)
        try:
            if inc:
                _incremental(spark, rd, db, store, ts, cfg, cap, summary)
            else:
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


def _mode(conn, run_dir: str, incremental: bool | None) -> tuple[bool, str | None]:
    """Whether this job links new articles against the stored ones (see ``trace``); why an incremental run
    asked for rebuilds instead."""
    from ..store import decisions, trace_index

    if incremental is None:
        f = os.path.join(run_dir, "job.json")
        if os.path.exists(f):
            with open(f) as fh:
                return bool(json.load(fh).get("incremental")), None
        incremental = not trace_index.is_empty(conn)
    if not incremental:
        return False, None
    # what the incremental phases do not reproduce of the local engine: a changed body (its old pairs and
    # bands are dropped batch by batch there) and a killed rebuild (every component undecided) -> a rebuild
    if os.path.exists(os.path.join(run_dir, "pending.json")):
        return True, None
    changed = trace_index.indexed(conn, [p.key for p in trace_index.pending(conn)])
    if changed:
        return False, f"{len(changed)} stored articles changed body: rebuilt"
    if decisions.ALL in decisions.undecided(conn):
        return False, "a killed rebuild left every component undecided: rebuilt"
    return True, None


def _incremental(spark, rd: RunDir, db: str, store, ts: str, cfg: TraceConfig, cap: bool, summary: dict) -> None:
    """The phases of an incremental run: the articles not indexed yet (listed once, in ``pending.json``, with
    those a killed local run left undecided: a resumed job works on the same ones), their docs, candidates
    against the stored index and among themselves, alignment, their rows added to the store, then the
    components they touch decided again and replaced."""
    import numpy as np

    from ..store import decisions, trace_index

    conn = store.conn
    f = os.path.join(rd.path, "pending.json")
    if not os.path.exists(f):
        with conn:
            trace_index.drop_unfinished(conn)   # (a killed local run's index rows without band keys)
        job = {"pending": [p.key for p in trace_index.pending(conn)], "undecided": sorted(decisions.undecided(conn))}
        with open(f + ".tmp", "w") as fh:
            json.dump(job, fh)
        os.replace(f + ".tmp", f)
    with open(f) as fh:
        job = json.load(fh)
    pending, dirty = job["pending"], set(job["undecided"])
    summary.update(incremental=True, pending=len(pending))
    if pending:
        docs_phase(spark, rd, db, conn, cfg, summary, pending)
        candidates_phase(spark, rd, summary, cap, conn)
        pb = spark.sparkContext.broadcast(np.asarray(pending, dtype=np.int64))
        align_phase(spark, rd, db, summary, pb)
        land_pairs_phase(spark, rd, store, ts, summary, pending)
    translate_phase(store, rd, cfg, summary, set(pending), dirty)
    components_phase(spark, rd, conn, summary, set(pending) | dirty)
    decide_phase(spark, rd, db, ts, cfg, summary, replace=True)
    land_decisions_phase(spark, rd, store, ts, summary, replace=True)
