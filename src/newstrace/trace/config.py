"""One object with every setting of a trace run (no module-global settings): ``TraceConfig()`` reads the
environment (NEWSTRACE_TRACE_WORKERS, NEWSTRACE_NO_TRANSLATE) when it is made; tests and benchmarks pass their own."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def default_workers() -> int:
    """NEWSTRACE_TRACE_WORKERS, else 2 where there are 2+ cores.  bench/trace_scale.py on this 2-core machine,
    idle: 10k articles 3.6 s with 2 workers vs 4.9 s with 1, 40k 14.1 vs 19.6 s (2,828 vs 2,037 articles/s).
    With other jobs using 1-1.5 of the cores 2 workers were slower or even (40k 24.1 vs 23.4 s, 160k 119.6 vs
    99.1 s): the main process does about a third of the work itself (SQLite writes, the in-memory index,
    packing bodies for the workers), so on a busy shared machine set NEWSTRACE_TRACE_WORKERS=1."""
    env = os.environ.get("NEWSTRACE_TRACE_WORKERS", "").strip()
    if env and not env.isdigit():
        raise ValueError(f"[E020] NEWSTRACE_TRACE_WORKERS must be a whole number, got {env!r}")
    return max(1, int(env)) if env else min(2, os.cpu_count() or 1)


def default_translate() -> bool:
    return os.environ.get("NEWSTRACE_NO_TRANSLATE", "") in ("", "0")


@dataclass(frozen=True)
class TraceConfig:
    chunk: int = 4000            # articles indexed, looked up and aligned per batch
    mem_index: bool = True       # an empty index is built in memory (False: always through the stored index)
    doc_cache: int = 16000       # tokenised bodies kept in the main process
    cache_kb: int = 262144       # SQLite page cache while looking new articles up in the stored index
    mem_cache_kb: int = 32768    # ... and while building the index in memory
    mmap_mb: int = 2047          # SQLite reads the store through a memory map of up to this size (its maximum):
                                 # a band-index lookup then costs no read() copy per page (about half the CPU
                                 # of candidate lookups at 40k articles, bench/incremental.py's corpus)
    workers: int = field(default_factory=default_workers)
    par_min: int = 300           # articles to index before a process pool pays off
    align_cache: int = 20000     # alignments of bodies carried by several pages, kept per process
    precheck: bool = True        # candidate pairs sharing one band key between long bodies are not aligned
                                 # (trace/index.py may_link); False: every candidate is aligned
    merge_share: float = 0.25    # an increment's band keys (trace_bands_new) are merged into trace_bands once they
                                 # are this share of the indexed articles (store/trace_index.py merge_bands; 0:
                                 # after every increment; set by hand, see bench/README "band table of increments")
    decide_batch: int = 600      # articles whose components are read and decided together
    translate: bool = field(default_factory=default_translate)   # the cross-language phase
