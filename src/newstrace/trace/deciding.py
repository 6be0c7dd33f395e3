"""Decide phase: the connected components over linked pairs that this run touched (all of them for a full
decision) are read in batches and decided (trace/decide.py, in the workers when there is a pool); their copies
and stories replace the old ones in one transaction, written batch by batch as results come in, which also
empties the list of undecided articles.  A run killed before keeps every old decision and the next run decides
again.  Each component is decided on its own: the result depends neither on the batching nor on the workers."""
from __future__ import annotations

import logging
import os
import time
from collections import defaultdict

from ..records import Problem
from ..store import articles, backend, decisions, furniture, pairs, problems
from ..store.records import ArticleKey
from .decide import decide
from .evidence import SiteNames, load_meta
from .graph import components
from .index import now_iso
from .network import stories_of

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


def run(r, meanwhile=None) -> None:
    """Decide and write; ``meanwhile()`` runs once the workers are deciding (it returns the seconds it took,
    which count for its own phase)."""
    t, c = time.perf_counter(), time.process_time()
    conn = r.conn
    if r.full_decide:
        comps = components_of(conn, None)
    else:
        comps = components_of(conn, r.new | decisions.undecided(conn))
    r.counts["components"] = len(comps)
    ts = now_iso()
    batches = _batches(comps, r.cfg.decide_batch)
    replace = not r.full_decide
    if r.pool is not None and len(batches) > 1:
        results = r.pool.imap(_w_decide, [(r.store.path, b, replace, ts) for b in batches])
    else:
        ctx = _context(conn)
        results = (_decide_batch(conn, ctx, b, replace, ts) for b in batches)
    other = meanwhile() if meanwhile is not None else 0.0
    n = 0
    with conn:   # (components are disjoint: a batch's deletions never touch another batch's new rows)
        if r.full_decide:
            decisions.clear(conn)
        for rows, old, failed in results:
            decisions.delete_for_pages(conn, old)
            decisions.write(conn, rows)
            problems.write(conn, failed, ts)
            n += len(rows.copies)
            r.counts["components_failed"] += len(failed)
        decisions.clear_undecided(conn)
        furniture.prune_versions(conn)   # body versions no copy names any more
    r.counts["copies"] = n
    r.timing["decide"] += time.perf_counter() - t - other
    r.cpu["decide"] += time.process_time() - c


def components_of(conn, seeds: set[ArticleKey] | None) -> list[list[ArticleKey]]:
    """Connected components over linked pairs: all of them, or those touching ``seeds``."""
    adj: dict[int, set[int]] = defaultdict(set)
    if seeds is None:
        for a, b in pairs.linked_edges(conn):
            adj[a].add(b)
            adj[b].add(a)
        start = sorted(adj)
    else:
        start = sorted(seeds)
    nb = adj.__getitem__ if seeds is None else (lambda x: pairs.neighbours(conn, x))
    return [c for c in components(start, nb) if len(c) > 1 or seeds is not None]


def _batches(comps: list[list[ArticleKey]], size_max: int) -> list[list[list[ArticleKey]]]:
    batches, cur, size, dense = [], [], 0, 0
    for comp in comps:
        cur.append(comp)
        size += len(comp)
        dense += len(comp) ** 2   # (a dense component's pairs, parsed, take far more memory than its pages)
        if size >= size_max or dense >= size_max * 20:
            batches.append(cur)
            cur, size, dense = [], 0, 0
    if cur:
        batches.append(cur)
    return batches


def _context(conn) -> dict:
    names = SiteNames(conn)
    cache_sp: dict = {}

    def site_pages(ident, site) -> int:
        """Pages of ``site`` carrying identifier ``ident`` (kind, value)."""
        k = (ident, site)
        if k not in cache_sp:
            cache_sp[k] = articles.site_pages_with(conn, ident[0], ident[1], site)
        return cache_sp[k]
    return {"names": names, "site_pages": site_pages}


_WCONN: dict[tuple, object] = {}   # per worker process: its own connection (SQLite file or PostgreSQL)
_WCTX: dict[tuple, dict] = {}


def _w_decide(task) -> tuple:
    path, comps, replace, ts = task
    key = (os.getpid(), path)
    if key not in _WCONN:
        for c in _WCONN.values():
            c.close()
        _WCONN.clear()
        _WCONN[key] = backend.connect(path)
    conn = _WCONN[key]
    if key not in _WCTX:
        _WCTX.clear()
        _WCTX[key] = _context(conn)
    return _decide_batch(conn, _WCTX[key], comps, replace, ts)


def _decide_batch(conn, ctx: dict, comps: list[list[ArticleKey]], replace: bool, ts: str) -> tuple:
    """(encoded copies and stories, page ids whose old decisions go, Problems of components whose decision
    failed: they are left without copies, and their old ones go) for some components."""
    names, site_pages = ctx["names"], ctx["site_pages"]
    pairs_all = pairs.linked_within(conn, comps)
    meta_all = load_meta(conn, [r for comp in comps for r in comp])
    out_c, out_s, old, failed = [], [], [], []
    for comp, comp_pairs in zip(comps, pairs_all):
        meta = {r: meta_all[r] for r in comp if r in meta_all}
        if replace:
            old.extend(meta[r].page_id for r in comp if r in meta)
        if not comp_pairs:
            continue
        comp = [r for r in comp if r in meta]
        try:
            d = decide(comp, comp_pairs, meta, names, site_pages)
        except Exception as e:  # noqa: BLE001 - one odd component must not stop the run: recorded
            log.warning("trace decision failed for a component of %d pages", len(comp), exc_info=True)
            pids = sorted(meta[x].page_id for x in comp)
            failed.append(Problem(f"trace:component {pids[0]} ({len(pids)} pages)", "trace", "decide-failed",
                                  f"{type(e).__name__}: {e}; pages: {' '.join(pids[:50])}", page_id=pids[0]))
            continue
        out_s.extend(stories_of(d["copies"], meta))
        out_c.extend(d["copies"])
    return decisions.encode(out_c, out_s, ts), old, failed
