"""Spark ingest: read -> extract on executors, then land in the store in input order.

    extract   input files sharded across tasks (one file per task at most: a WARC or JSONL file is read
              whole by its task); each page through ``pipeline._work`` (the local extraction: limits,
              trafilatura, credits, identifiers ...) in ``mapPartitions``; Parquet rows
              (file number, record number, read key, pickled result)
    land      the driver writes the rows in (file, record) order through ``Store.write_batch``, exactly as
              the local ingest does, so every page gets the same article key as in a local run; pages
              read before (same read key) are skipped; then furniture relearning (``Store.relearn_furniture``)
"""
from __future__ import annotations

import os
import pickle
from collections import Counter
from typing import Any, Iterable, Iterator

from .session import RunDir, store_identity as _where

BATCH = 64   # pages per store transaction (as pipeline.BATCH)


def _extract_files(files: Iterable[tuple[int, str]], url: str | None, known: set[str]) -> Iterator[tuple]:
    """(file_no, rec_no, read_key, kind, payload) for every record of the files (executor side)."""
    from ..pipeline import _warm_up, _work
    from ..read import read_path
    from ..records import Problem

    _warm_up()
    for file_no, path in files:
        for rec_no, rec in enumerate(read_path(path, url=url)):
            if isinstance(rec, Problem):
                yield (file_no, rec_no, None, "problem", pickle.dumps(rec, protocol=5))
                continue
            if rec.read_key in known:
                yield (file_no, rec_no, rec.read_key, "known", None)
                continue
            try:
                res = _work(rec)
            except Exception as e:  # noqa: BLE001 - one page must not stop the job: recorded
                res = ({}, None, [Problem(rec.source, "extract", "extract-failed", f"{type(e).__name__}: {e}",
                                          url=rec.url)])
                yield (file_no, rec_no, rec.read_key, "failed", pickle.dumps(res, protocol=5))
                continue
            yield (file_no, rec_no, rec.read_key, "page", pickle.dumps(res, protocol=5))


SCHEMA = "file_no INT, rec_no INT, read_key STRING, kind STRING, payload BINARY"


def extract_phase(spark, rd: RunDir, paths: list[str], url: str | None, known: set[str], summary: dict) -> None:
    from ..read import iter_inputs

    with rd.phase("extract", summary, spark) as todo:
        if not todo:
            return
        files = list(enumerate(iter_inputs(paths)))
        sc = spark.sparkContext
        n = max(1, min(len(files), sc.defaultParallelism * 4))
        kb = sc.broadcast(known)
        u = url
        rdd = sc.parallelize(files, n).mapPartitions(lambda it: _extract_files(it, u, kb.value))
        spark.createDataFrame(rdd, SCHEMA).write.parquet(rd.out("extract"))
        summary["phase_info"]["extract"]["files"] = len(files)


def _rows_in_order(spark, path: str) -> Iterator:
    df = spark.read.parquet(path).orderBy("file_no", "rec_no")
    return df.toLocalIterator(prefetchPartitions=True)


def land_phase(spark, rd: RunDir, store, summary: dict) -> None:
    """Write the extracted pages through the store, in input order (idempotent: a re-run skips what is
    stored, so a job killed while landing lands the rest)."""
    with rd.phase("land", summary, spark) as todo:
        if not todo:
            return
        known = store.known_read_keys()
        counts: Counter = Counter()
        new: Counter = Counter()
        reasons: Counter = Counter()
        pending: list = []
        batch: list = []
        for r in _rows_in_order(spark, rd.out("extract")):
            if r.kind == "problem":
                p = pickle.loads(r.payload)
                pending.append(p)
                reasons[p.reason] += 1
                continue
            counts["pages_read"] += 1
            if r.read_key in known:
                counts["skipped_known"] += 1
                continue
            known.add(r.read_key)
            meta, art, probs = pickle.loads(r.payload)
            for p in probs:
                reasons[p.reason] += 1
            if r.kind == "failed":
                pending.extend(probs)
                continue
            batch.append((meta, art, probs))
            if len(batch) >= BATCH:
                new.update(store.write_batch(batch, pending))
                batch, pending = [], []
        new.update(store.write_batch(batch, pending))
        info = {"pages_read": counts["pages_read"], "new_pages": new["pages"], "new_articles": new["articles"],
                "skipped_already_stored": counts["skipped_known"] + new["already_stored"],
                "new_problems": new["problems"], "problems_by_reason": dict(reasons.most_common())}
        summary["phase_info"]["land"].update(info)
        summary.update(info)
        rd.mark("land", info)
    with rd.phase("relearn", summary) as todo:
        if todo:
            store.relearn_furniture()
            rd.mark("relearn")


def ingest(paths: Iterable[str] | str, db: str, run_dir: str, url: str | None = None, master: str | None = None,
           trace: bool = True, spark=None, **trace_opts) -> dict[str, Any]:
    """``newstrace spark ingest``: extract on Spark, land in the store at ``db``, then (``trace``) the Spark
    trace: incremental when the store was traced before (the new pages linked against what is stored, as a
    local ingest does), else a whole one.  Returns a summary (phases run and skipped, seconds per phase)."""
    from ..store import Store
    from .session import session

    if isinstance(paths, str):
        paths = [paths]
    paths = [os.path.abspath(p) for p in paths]
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(f"[E001] input not found: {p}")
    rd = RunDir(run_dir, {"job": "ingest", "db": _where(db), "inputs": paths, "url": url})
    own = spark is None
    spark = spark or session(master)
    summary: dict[str, Any] = {"db": db, "run_dir": rd.path}
    store = Store(db)
    try:
        extract_phase(spark, rd, paths, url, store.known_read_keys(), summary)
        land_phase(spark, rd, store, summary)
        if trace:
            from .trace import trace as spark_trace
            trace_opts.setdefault("incremental", None)
            summary["trace"] = spark_trace(db, os.path.join(rd.path, "trace"), spark=spark, store=store,
                                           **trace_opts)
        summary["store"] = store.stats()
    finally:
        store.close()
        if own:
            spark.stop()
    return summary
