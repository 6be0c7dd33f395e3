"""Trace: find copies between stored articles, decide origin and credit, build stories and the site network.

``link_new(store)`` indexes the articles not indexed yet (or whose body changed), aligns them with their
LSH candidates among everything stored, and re-decides only the components they touch.
``trace_all(store, rebuild=False)`` does the same for the whole store (``rebuild`` drops the index first
and re-aligns every candidate pair).  Pairs already aligned on the same two bodies are never re-aligned.
"""
from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from typing import Any, Iterable

import numpy as np

from ..store import articles, decisions, pairs
from ..store.records import Pair, PairMethod
from .align import align
from .decide import decide
from .evidence import SiteNames, dumps, load_meta
from .graph import components
from .index import (MemIndex, boilerplate_keys, candidates, doc_row, drop_unfinished, masks_of, now_iso, pending_docs,
                    store_index, write_bands, write_docs)
from .network import rebuild_sites, stories_of
from .text import features_many, pack_docs, pack_for_alignment, tokenize, unpack_docs, unpack_for_alignment

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

CHUNK = 4000
MEM_INDEX = True   # an empty index is built in memory (False: always through SQLite, as incremental runs do)
DOC_CACHE = 16000
CACHE_KB = 262144      # SQLite page cache while looking new articles up in the stored index
MEM_CACHE_KB = 32768   # ... and while building the index in memory

__all__ = ["link_new", "trace_all"]


def link_new(store, translate: bool | None = None) -> dict[str, Any]:
    """Link the articles added since the last trace against everything stored.
    ``translate=False`` (or NEWSTRACE_NO_TRANSLATE=1) skips the cross-language stage."""
    return _run(store, rebuild=False, full_decide=False, translate=_want_translate(translate))


def trace_all(store, rebuild: bool = False, translate: bool | None = None) -> dict[str, Any]:
    """(Re)build copy links, stories and the site network for the whole store."""
    return _run(store, rebuild=rebuild, full_decide=True, translate=_want_translate(translate))


def _want_translate(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    return os.environ.get("NEWSTRACE_NO_TRANSLATE", "") in ("", "0")


def _clear(conn) -> None:
    with conn:
        for t in ("trace_bands", "trace_docs", "trace_pairs", "copies", "stories", "story_members",
                  "site_edges", "site_groups", "trace_dirty", "trace_unfinished"):
            conn.execute(f"DELETE FROM {t}")


def _run(store, rebuild: bool, full_decide: bool, translate: bool = True) -> dict[str, Any]:
    import gc

    gc_was = gc.isenabled()
    gc.disable()   # many long-lived numpy-backed objects: the cyclic collector only costs time here
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size=-{CACHE_KB}")   # the band index outgrows the default 2 MB page cache
    try:
        return _run_inner(store, rebuild, full_decide, translate)
    finally:
        conn.execute(f"PRAGMA cache_size={old_cache}")
        if gc_was:
            gc.enable()


def _run_inner(store, rebuild: bool, full_decide: bool, translate: bool) -> dict[str, Any]:
    conn = store.conn
    t0 = time.perf_counter()
    if rebuild:
        _clear(conn)
    drop_unfinished(conn)
    pend = pending_docs(conn)
    # components left undecided by a run killed before its decisions were written (-1: all of them), and
    # this run's articles, recorded before any pair changes
    dirty = {r[0] for r in conn.execute("SELECT rid FROM trace_dirty")}
    if -1 in dirty:
        full_decide = True
    with conn:
        if full_decide:
            conn.execute("INSERT OR IGNORE INTO trace_dirty VALUES (-1)")
        else:
            conn.executemany("INSERT OR IGNORE INTO trace_dirty VALUES (?)", [(r[0],) for r in pend])
    _DOCS.clear()
    _ALIGNED.clear()
    counts: dict[str, Any] = defaultdict(int)
    counts["indexed"] = len(pend)
    counts.update(candidates=0, aligned=0, linked=0)
    new_rids: set[int] = set()
    timing = defaultdict(float)
    # an empty index (a rebuild, a first trace): keep this run's band keys in memory and write them once at the
    # end; otherwise look new articles up in the stored index batch by batch
    mem = MemIndex() if MEM_INDEX and pend and conn.execute("SELECT 1 FROM trace_docs LIMIT 1").fetchone() is None \
        else None
    if mem is not None:   # no lookups in the stored index; the band table is appended to in key order
        conn.execute(f"PRAGMA cache_size=-{MEM_CACHE_KB}")
    site_of_pend = {r[0]: r[3] for r in pend}
    hash_of_pend = {r[0]: r[2] for r in pend}
    had_pairs = pairs.any_stored(conn)
    site_num: dict = {}
    seen_hash = defaultdict(int)
    for r in pend:
        seen_hash[r[2]] += 1
    dup = {h for h, c in seen_hash.items() if c > 1 and h}
    del seen_hash
    pool = _pool(store, len(pend))
    nwork = pool._processes if pool else 1
    done_pairs: list[Pair] = []   # aligned, not written yet
    try:
        for k in range(0, len(pend), CHUNK):
            chunk = pend[k:k + CHUNK]
            rids = [r[0] for r in chunk]
            info = {rid: (pid, bh, site) for rid, pid, bh, site in chunk}
            t = time.perf_counter()
            bodies = articles.bodies(conn, rids)
            job = _features_start([(rid, bodies.get(rid, "")) for rid in rids], pool)
            del bodies
            _write_pairs(conn, done_pairs)   # the previous batch's pairs, while the workers tokenise this one
            feats = _features_finish(job)
            for rid, d, _ in feats:
                _remember(rid, d)
            timing["tokenize"] += time.perf_counter() - t
            t = time.perf_counter()
            ts = now_iso()
            rows = [doc_row(rid, info[rid][0], info[rid][2], info[rid][1], d, ks, ts) for rid, d, ks in feats]
            if mem is not None:
                allk = np.concatenate([ks for _, _, ks in feats]) if feats else np.zeros(0, dtype=np.int64)
                allr = np.repeat(np.asarray(rids, dtype=np.int64), [len(ks) for _, _, ks in feats])
                sites = np.repeat(np.asarray([site_num.setdefault(info[r][2], len(site_num)) for r in rids],
                                             dtype=np.int32), [len(ks) for _, _, ks in feats])
                mem.add(allk, allr, sites)
                mem.update_boilerplate()
                timing["index"] += time.perf_counter() - t
                t = time.perf_counter()
                cands = mem.candidates(min(rids))
            else:
                changed = sorted(_indexed(conn, rids))
                if changed:  # a body changed: its old pairs are stale
                    with conn:
                        pairs.drop_touching(conn, changed)
                keys_of = store_index(conn, rows, {rid: ks for rid, _, ks in feats}, clear=bool(changed))
                timing["index"] += time.perf_counter() - t
                t = time.perf_counter()
                cands = candidates(conn, keys_of)
            if mem is not None:   # every article involved is one of this run's
                hashes = {x: hash_of_pend[x] for p in cands for x in p}
            else:
                hashes = articles.body_hashes(conn, {x for p in cands for x in p})
            # (a run starting without aligned pairs never meets a pair twice: no lookup)
            todo = sorted(cands - pairs.known(conn, cands, hashes) if had_pairs else cands)
            timing["candidates"] += time.perf_counter() - t
            counts["candidates"] += len(cands)
            counts["aligned"] += len(todo)
            t = time.perf_counter()
            involved = sorted({x for p in todo for x in p})
            docs = _docs_for(conn, involved)
            if mem is not None:
                boiler = mem.boiler
                site_of_rid = {r: site_of_pend.get(r) for r in involved}
            else:   # (masks look at passage keys only)
                boiler = boilerplate_keys(conn, [k for d in docs.values() for k in d.chunk_keys.ravel().tolist()])
                site_of_rid = _sites(conn, involved)
            masks = masks_of(docs, boiler)
            cnt = defaultdict(int)
            for r in involved:
                cnt[hashes.get(r)] += 1
            dups = dup | {h for h, c in cnt.items() if c > 1 and h}
            tasks = []
            for g in _pair_groups(todo, 2 * nwork):
                grids = {x for p in g for x in p}
                grids = sorted(r for r in grids if r in docs)
                ds = [docs[r] for r in grids]
                tasks.append((g, grids, pack_for_alignment(ds) if pool else ds,
                              {r: masks[r] for r in grids if masks.get(r) is not None},
                              {r: site_of_rid.get(r) for r in grids},
                              {r: hashes.get(r) for r in grids if hashes.get(r) in dups}))
            del docs, masks
            job = pool.map_async(_w_align, tasks, chunksize=1) if pool is not None and len(tasks) > 1 else None
            if mem is not None:
                write_docs(conn, rows)       # while the workers align
            for res_rows in (job.get() if job is not None else map(_w_align, tasks)):
                for a, b, linked, res in res_rows:
                    counts["linked"] += linked
                    done_pairs.append(Pair(a, b, hashes.get(a), hashes.get(b), bool(linked), PairMethod.ALIGN, res))
            del tasks
            for r in involved:
                d = _DOCS.get(r)
                if d is not None:
                    d.release()
            timing["align"] += time.perf_counter() - t
            new_rids.update(rids)
        _write_pairs(conn, done_pairs)
        _DOCS.clear()
        written: list[float] = []

        def store_mem_index() -> None:   # the band keys, while the workers decide (when there are workers)
            t = time.perf_counter()
            if mem is not None:
                write_bands(conn, mem.rows())
                mem.runs.clear()
            written.append(time.perf_counter() - t)
            timing["index"] += written[-1]
        if translate:
            t = time.perf_counter()
            # (with the articles of a killed run: their cross-language links may not have been made)
            if -1 in dirty:
                again = articles.all_keys(conn)
            else:
                again = dirty
            counts["translation_links"] = _translations(store, new_rids | again)
            timing["translate"] += time.perf_counter() - t
        t = time.perf_counter()
        if full_decide:
            comps = _components(conn, None)
        else:
            seeds = new_rids | {r[0] for r in conn.execute("SELECT rid FROM trace_dirty")}
            comps = _components(conn, seeds)
        counts["components"] = len(comps)
        # (a full decision replaces the old ones in the transaction that writes it: a run killed before
        # keeps them, and trace_dirty has the next run decide again)
        counts["copies"] = _decide_write(conn, comps, replace=not full_decide, pool=pool, path=store.path,
                                         meanwhile=store_mem_index, clear_all=full_decide)
        timing["decide"] += time.perf_counter() - t - sum(written)
    finally:
        _DOCS.clear()
        if pool is not None:
            pool.close()
            pool.join()
    t = time.perf_counter()
    net = rebuild_sites(conn)
    timing["sites"] += time.perf_counter() - t
    counts.update(net)
    counts["seconds"] = round(time.perf_counter() - t0, 2)
    counts["timing"] = {k: round(v, 2) for k, v in timing.items()}
    return dict(counts)


def _default_workers() -> int:
    """NEWSTRACE_TRACE_WORKERS, else 2 where there are 2+ cores.  bench/trace_scale.py on this 2-core machine,
    idle: 10k articles 3.6 s with 2 workers vs 4.9 s with 1, 40k 14.1 vs 19.6 s (2,828 vs 2,037 articles/s).
    With other jobs using 1-1.5 of the cores 2 workers were slower or even (40k 24.1 vs 23.4 s, 160k 119.6 vs
    99.1 s): the main process does about a third of the work itself (SQLite writes, the in-memory index,
    packing bodies for the workers), so on a busy shared machine set NEWSTRACE_TRACE_WORKERS=1."""
    env = os.environ.get("NEWSTRACE_TRACE_WORKERS", "").strip()
    return max(1, int(env)) if env else min(2, os.cpu_count() or 1)


WORKERS = _default_workers()
PAR_MIN = 300   # articles to index before a process pool pays off


def _pool(store, n: int):
    """A fork pool for tokenising, aligning and deciding, when the batch is big and the store is a file."""
    if WORKERS < 2 or n < PAR_MIN or not hasattr(os, "fork") or not os.path.exists(store.path):
        return None
    import multiprocessing as mp
    return mp.get_context("fork").Pool(WORKERS)


def _write_pairs(conn, rows: list[Pair]) -> None:
    if rows:
        with conn:
            pairs.write(conn, rows)
        rows.clear()


def _features_start(items: list[tuple[int, str]], pool):
    """Start (rid, body) -> (rid, Doc with signature and passage chunks, its unique band keys) in the pool's
    workers when there is one (the Docs come back packed into a few arrays); ``_features_finish`` waits."""
    if pool is None or len(items) < 2:
        return None, _w_features(items, packed=False)
    n = max(1, -(-len(items) // (pool._processes * 2)))
    parts = [items[i:i + n] for i in range(0, len(items), n)]
    return parts, pool.map_async(_w_features, parts, chunksize=1)


def _features_finish(job) -> list[tuple]:
    parts, res = job
    if parts is None:
        return res
    out = []
    for part, (rids, packed, cut, keys) in zip(parts, res.get()):
        for i, (rid, d) in enumerate(zip(rids, unpack_docs(packed, [b for _, b in part]))):
            out.append((rid, d, keys[cut[i]:cut[i + 1]]))
    return out


def _w_features(items: list[tuple[int, str]], packed: bool = True):
    docs = [tokenize(body) for _, body in items]
    pos, keys = features_many(docs)
    cut = np.searchsorted(pos, np.arange(len(docs) + 1), "left")
    if packed:
        return [rid for rid, _ in items], pack_docs(docs, bodies=False), cut, keys   # (the caller has the bodies)
    return [(rid, d, keys[cut[i]:cut[i + 1]]) for i, ((rid, _), d) in enumerate(zip(items, docs))]


_WCONN: dict[tuple, Any] = {}
_DOCS: dict[int, Any] = {}   # tokenised bodies of the current run (main process), oldest dropped first
_ALIGNED: dict[tuple, tuple] = {}   # alignment of two bodies carried by several pages (per process)
ALIGN_CACHE = 20000


def _remember(rid: int, d) -> None:
    _DOCS[rid] = d
    if len(_DOCS) > DOC_CACHE:
        for k in list(_DOCS)[:len(_DOCS) // 4]:
            del _DOCS[k]


def _docs_for(conn, rids: list[int]) -> dict[int, Any]:
    """Tokenised bodies (with passage chunks) of ``rids``: from this run's cache, else read and tokenised."""
    out = {r: _DOCS[r] for r in rids if r in _DOCS}
    miss = [r for r in rids if r not in out]
    if miss:
        bodies = articles.bodies(conn, miss)
        got = [(r, tokenize(bodies[r])) for r in miss if r in bodies]
        features_many([d for _, d in got])
        out.update(got)
    for r, d in out.items():
        _remember(r, d)
    return out


def _w_align(task) -> list[tuple]:
    """Align a group of pairs (the tokenised bodies come with the task).  Two bodies carried by several pages
    are aligned once per process: the result is a function of the two bodies and their masks."""
    group, rids, docs, masks, site_of_rid, dup_hash = task
    docs = dict(zip(rids, unpack_for_alignment(docs) if isinstance(docs, tuple) else docs))
    out = []
    for a, b in group:
        if a not in docs or b not in docs:
            continue
        ha, hb = dup_hash.get(a), dup_hash.get(b)
        ma, mb = masks.get(a), masks.get(b)
        key = None
        if (ha is not None or hb is not None) and ALIGN_CACHE > 0:
            key = (ha or a, hb or b, None if ma is None else ma.tobytes(), None if mb is None else mb.tobytes())
            hit = _ALIGNED.get(key)
        else:
            hit = None
        if hit is None:
            try:
                al = align(docs[a], docs[b], ma, mb)
            except Exception:  # noqa: BLE001 - one pair must not stop tracing; left unrecorded, retried next run
                log.warning("alignment failed for articles %s and %s", a, b, exc_info=True)
                continue
            hit = (al.linked, min(al.coverage_a, al.coverage_b), dumps(al.as_dict()) if al.linked else None)
            if key is not None:
                if len(_ALIGNED) >= ALIGN_CACHE:
                    _ALIGNED.clear()
                _ALIGNED[key] = hit
        linked, cov, res = hit
        if linked and site_of_rid.get(a) == site_of_rid.get(b) and cov < 0.5:
            linked = False  # one site's pages sharing some text: furniture, not a duplicate
        out.append((a, b, int(linked), res if linked else None))
    return out


def _pair_groups(pairs: list[tuple[int, int]], n: int) -> list[list[tuple[int, int]]]:
    """Split pairs into about n groups keeping pairs of one article together (fewer bodies to load twice)."""
    if not pairs:
        return []
    size = max(1, -(-len(pairs) // n))
    return [pairs[i:i + size] for i in range(0, len(pairs), size)]


def _sites(conn, rids) -> dict[int, str]:
    rids = list(rids)
    out = {}
    for k in range(0, len(rids), 900):
        c = rids[k:k + 900]
        out.update(conn.execute(f"SELECT rid, site FROM trace_docs WHERE rid IN ({','.join('?' * len(c))})", c).fetchall())
    return out


def _indexed(conn, rids: list[int]) -> set[int]:
    """The rids already in the index (their body changed since)."""
    out = set()
    for k in range(0, len(rids), 900):
        c = rids[k:k + 900]
        out.update(r[0] for r in conn.execute(f"SELECT rid FROM trace_docs WHERE rid IN ({','.join('?' * len(c))})", c))
    return out


def _translations(store, new_rids: set[int]) -> int:
    """Cross-language links from trace/translate.py."""
    if not new_rids:
        return 0
    from .translate import translation_pairs

    conn = store.conn
    rl = sorted(new_rids)
    pid_of = articles.page_ids(conn, rl)
    try:
        found = translation_pairs(store, [pid_of[r] for r in rl if r in pid_of]) or []
    except Exception:  # noqa: BLE001 - the cross-lingual stage must not stop same-language tracing
        log.warning("translation_pairs failed", exc_info=True)
        return 0
    rid_of = articles.keys_of(conn, {pid for t in found for pid in (t["a_id"], t["b_id"])})
    rows = []
    for t in found:
        if t["a_id"] not in rid_of or t["b_id"] not in rid_of:
            continue
        a, b = rid_of[t["a_id"]], rid_of[t["b_id"]]
        spans = [list(p) for p in t.get("pairs", [])]
        ca, cb = float(t.get("coverage_a") or 0), float(t.get("coverage_b") or 0)
        if a > b:
            a, b = b, a
            spans = [[p[2], p[3], p[0], p[1]] + p[4:] for p in spans]
            ca, cb = cb, ca
        res = {"spans": [p[:4] for p in spans], "wspans": [], "shared_words": 0, "coverage_a": ca, "coverage_b": cb,
               "longest": 0, "monotonic": True, "substitutions": [], "method": "translation",
               "similarity": [p[4] for p in spans if len(p) > 4], "score": t.get("score"),
               "uncovered_a": [], "uncovered_b": [], "whole_a": 0.0, "whole_b": 0.0}
        hs = articles.body_hashes(conn, [a, b])
        rows.append(Pair(a, b, hs.get(a), hs.get(b), True, PairMethod.TRANSLATION, dumps(res)))
    with conn:
        pairs.write_translations(conn, rows)
    return len(rows)


def _components(conn, seeds: set[int] | None) -> list[list[int]]:
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


DECIDE_BATCH = 600   # articles whose components are read and decided together (a few queries per batch)


def _decide_write(conn, comps: list[list[int]], replace: bool, pool=None, path: str | None = None,
                  meanwhile=None, clear_all: bool = False) -> int:
    """Decide every component and write copies, stories and members.  Components are read in batches (one
    query per table per batch) and, with a pool, decided in the workers; each is decided on its own, so the
    result does not depend on the batching nor on the number of workers."""
    ts = now_iso()
    batches, cur, size, dense = [], [], 0, 0
    for comp in comps:
        cur.append(comp)
        size += len(comp)
        dense += len(comp) ** 2   # (a dense component's pairs, parsed, take far more memory than its pages)
        if size >= DECIDE_BATCH or dense >= DECIDE_BATCH * 20:
            batches.append(cur)
            cur, size, dense = [], 0, 0
    if cur:
        batches.append(cur)
    if pool is not None and len(batches) > 1:
        results = pool.imap(_w_decide, [(path, b, replace, ts) for b in batches])
    else:
        ctx = _decide_ctx(conn)
        results = (_decide_batch(conn, ctx, b, replace, ts) for b in batches)
    if meanwhile is not None:
        meanwhile()
    # one transaction, written batch by batch as the workers hand results over (components are disjoint, so a
    # batch's deletions never touch another batch's new rows)
    n = 0
    with conn:
        if clear_all:
            decisions.clear(conn)
        for rows, dp in results:
            decisions.delete_for_pages(conn, dp)
            decisions.write(conn, rows)
            n += len(rows.copies)
        conn.execute("DELETE FROM trace_dirty")
    return n


def _decide_ctx(conn) -> dict:
    names = SiteNames(conn)
    cache_sp: dict = {}

    def site_pages(ident, site) -> int:
        """Pages of ``site`` carrying identifier ``ident`` (kind, value)."""
        k = (ident, site)
        if k not in cache_sp:
            cache_sp[k] = conn.execute(
                "SELECT count(*) FROM identifiers i JOIN articles a USING(page_id) WHERE i.kind=? AND i.value=? AND a.site=?",
                (ident[0], ident[1], site)).fetchone()[0]
        return cache_sp[k]
    return {"names": names, "site_pages": site_pages}


_WCTX: dict[tuple, dict] = {}


def _w_decide(task) -> tuple:
    path, comps, replace, ts = task
    conn = _wconn(path)
    key = (os.getpid(), path)
    if key not in _WCTX:
        _WCTX.clear()
        _WCTX[key] = _decide_ctx(conn)
    return _decide_batch(conn, _WCTX[key], comps, replace, ts)


def _wconn(path: str):
    import sqlite3
    key = (os.getpid(), path)
    if key not in _WCONN:
        for c in _WCONN.values():
            c.close()
        _WCONN.clear()
        _WCONN[key] = sqlite3.connect(path, timeout=60, check_same_thread=False)
    return _WCONN[key]


def _decide_batch(conn, ctx: dict, comps: list[list[int]], replace: bool, ts: str) -> tuple:
    """(encoded copies and stories, page ids whose old decisions go) for some components."""
    names, site_pages = ctx["names"], ctx["site_pages"]
    pairs_all = pairs.linked_within(conn, comps)
    meta_all = load_meta(conn, [r for comp in comps for r in comp])
    out_c, out_s, del_pids = [], [], []
    for comp, comp_pairs in zip(comps, pairs_all):
        meta = {r: meta_all[r] for r in comp if r in meta_all}
        if replace:
            del_pids.extend(meta[r].page_id for r in comp if r in meta)
        if not comp_pairs:
            continue
        comp = [r for r in comp if r in meta]
        try:
            d = decide(comp, comp_pairs, meta, names, site_pages)
        except Exception:  # noqa: BLE001 - one odd component must not stop the run
            log.warning("trace decision failed for a component of %d pages", len(comp), exc_info=True)
            continue
        out_s.extend(stories_of(d["copies"], meta))
        out_c.extend(d["copies"])
    return decisions.encode(out_c, out_s, ts), del_pids
