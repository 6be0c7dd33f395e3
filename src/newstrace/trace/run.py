"""The trace driver: one run is a sequence of phases over the store, each reading and writing only through
store/ modules.  Articles go through index and align in batches of ``cfg.chunk``; translate, decide and
network then work on what changed.

    start    drop a killed run's unfinished index rows, list pending articles, record what must be decided
    index    tokenise a batch, index it (in memory or stored), look its candidate pairs up   (indexing.py)
    align    align the candidates not aligned yet on the same bodies, write the pairs        (aligning.py)
    translate  cross-language pairs for the new and undecided articles                      (translating.py)
    decide   decide every component touched, replace its copies and stories                  (deciding.py)
    network  site copy-flows, identifier edges and operator groups                           (network.py)
"""
from __future__ import annotations

import gc
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..store import articles, decisions, network as network_store, pairs, shared, trace_index
from ..store.records import ArticleKey, PendingDoc
from . import aligning, deciding, indexing, network, translating, workers
from .config import TraceConfig
from .docs import DocCache


@dataclass
class Run:
    """What one run knows while its phases work."""
    store: Any
    cfg: TraceConfig
    full_decide: bool
    pending: list[PendingDoc] = field(default_factory=list)
    dirty: set[ArticleKey] = field(default_factory=set)      # left undecided by a killed run (-1: all)
    new: set[ArticleKey] = field(default_factory=set)        # indexed by this run
    docs: DocCache | None = None
    pool: Any = None
    counts: dict[str, Any] = field(default_factory=lambda: defaultdict(int))
    timing: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))   # this process's CPU seconds

    @property
    def conn(self):
        return self.store.conn

    @staticmethod
    def clock() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def lap(self, phase: str, since: tuple[float, float]) -> tuple[float, float]:
        """Add the wall and CPU seconds since ``since`` (a ``clock()``) to ``phase``; the clock now."""
        now = self.clock()
        self.timing[phase] += now[0] - since[0]
        self.cpu[phase] += now[1] - since[1]
        return now

    @contextmanager
    def timed(self, phase: str):
        t, c = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.timing[phase] += time.perf_counter() - t
            self.cpu[phase] += time.process_time() - c


def run(store, cfg: TraceConfig, rebuild: bool, full_decide: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    r = Run(store, cfg, full_decide)
    gc_was = gc.isenabled()
    gc.disable()   # many long-lived numpy-backed objects: the cyclic collector only costs time here
    old_cache = trace_index.page_cache(r.conn, -cfg.cache_kb)   # the band index outgrows a 2 MB page cache
    old_mmap = trace_index.memory_map(r.conn, cfg.mmap_mb << 20)
    try:
        with r.timed("start"):
            start(r, rebuild)
        r.pool = workers.pool(store, cfg, len(r.pending))
        try:
            idx = indexing.IndexPhase(r)
            aligner = aligning.AlignPhase(r, idx)
            for batch in idx.batches(meanwhile=aligner.flush):
                aligner.align(batch)
            aligner.flush()
            if cfg.translate:
                with r.timed("translate"):
                    r.counts["translation_links"] = translating.run(r)
            deciding.run(r, meanwhile=idx.finish)
        finally:
            r.docs = None
            workers.close(r.pool)
        with r.timed("sites"):
            r.counts.update(network.run(r.conn))
    finally:
        trace_index.page_cache(r.conn, old_cache)
        trace_index.memory_map(r.conn, old_mmap)
        if gc_was:
            gc.enable()
    r.counts["seconds"] = round(time.perf_counter() - t0, 2)
    r.counts["timing"] = {k: round(v, 2) for k, v in r.timing.items()}
    r.counts["cpu"] = {k: round(v, 2) for k, v in r.cpu.items()}
    return dict(r.counts)


def start(r: Run, rebuild: bool) -> None:
    """Clear everything for a rebuild; drop a killed run's unfinished index rows; list the pending articles;
    record, before any pair changes, what this run must decide (all, or its articles)."""
    conn = r.conn
    with conn:
        if rebuild:
            trace_index.clear(conn)
            pairs.clear(conn)
            shared.clear(conn)
            decisions.clear(conn)
            decisions.clear_undecided(conn)
            network_store.clear(conn)
        trace_index.drop_unfinished(conn)
        articles.fold_bylines(conn)   # byline statistics the decide phase reads, updated by the new articles
    r.pending = trace_index.pending(conn)
    r.dirty = decisions.undecided(conn)
    if decisions.ALL in r.dirty:
        r.full_decide = True
    with conn:
        decisions.mark_undecided(conn, [decisions.ALL] if r.full_decide else [p.key for p in r.pending])
    r.docs = DocCache(r.cfg.doc_cache)
    aligning.reset()
    r.counts["indexed"] = len(r.pending)
    r.counts.update(candidates=0, aligned=0, linked=0)
