"""Align phase: align a batch's candidate pairs into character spans (in the workers when there is a pool) and
write them as ``Pair`` records (store/pairs.py) while the next batch is tokenised.  Two bodies carried by
several pages are aligned once per process."""
from __future__ import annotations

import logging
from collections import defaultdict

from ..records import Problem
from ..store import articles, pairs, problems
from ..store import shared as shared_store
from ..store.records import ArticleKey, Pair, PairMethod, dumps
from .align import align
from .index import masks_of, now_iso
from .shared import classify
from .text import pack_for_alignment, unpack_for_alignment

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

_ALIGNED: dict[tuple, tuple] = {}   # alignment of two bodies carried by several pages (per process)


def reset() -> None:
    _ALIGNED.clear()


class AlignPhase:
    def __init__(self, r, idx):
        self.r, self.idx = r, idx
        self.done: list[Pair] = []   # aligned, not written yet
        self.shared: list[tuple] = []   # (a, b, shared-item record) of pairs sharing only an item (trace/shared.py)

    def flush(self) -> None:
        """Write the pairs aligned so far and their shared items (one transaction)."""
        if self.done:
            conn = self.r.conn
            with conn:
                pairs.write(conn, self.done)
                shared_store.replace(conn, [(p.a, p.b, p.a_hash, p.b_hash) for p in self.done],
                                     shared_store.with_links(conn, self.shared))
            self.r.counts["shared"] += len(self.shared)
            self.done.clear()
            self.shared.clear()

    def align(self, batch) -> None:
        r, idx = self.r, self.idx
        with r.timed("align"):
            hashes = batch.hashes
            involved = sorted({x for p in batch.todo for x in p})
            docs = r.docs.for_keys(r.conn, involved)
            boiler, site_of = idx.boilerplate(docs, involved)
            masks = masks_of(docs, boiler)
            cnt: dict[str | None, int] = defaultdict(int)
            for k in involved:
                cnt[hashes.get(k)] += 1
            dups = idx.dup | {h for h, c in cnt.items() if c > 1 and h}
            tasks = []
            for g in pair_groups(batch.todo, 2 * idx.nwork):
                keys = sorted(k for k in {x for p in g for x in p} if k in docs)
                ds = [docs[k] for k in keys]
                tasks.append((g, keys, pack_for_alignment(ds) if r.pool else ds,
                              {k: masks[k] for k in keys if masks.get(k) is not None},
                              {k: site_of.get(k) for k in keys},
                              {k: hashes.get(k) for k in keys if hashes.get(k) in dups},
                              r.cfg.align_cache))
            del docs, masks
            job = r.pool.map_async(_w_align, tasks, chunksize=1) if r.pool is not None and len(tasks) > 1 else None
            idx.store_docs(batch)       # while the workers align
            failed = []
            for res_rows, fails in (job.get() if job is not None else map(_w_align, tasks)):
                for a, b, linked, res, sh in res_rows:
                    r.counts["linked"] += linked
                    self.done.append(Pair(a, b, hashes.get(a), hashes.get(b), bool(linked), PairMethod.ALIGN, res))
                    if sh is not None:
                        self.shared.append((a, b, sh))
                failed.extend(fails)
            if failed:
                record_failures(r, failed)
            del tasks
            for k in involved:
                d = r.docs.get(k)
                if d is not None:
                    d.release()
        r.new.update(batch.keys)


def record_failures(r, failed: list[tuple]) -> None:
    """Pairs whose alignment raised become Problem rows (the pair stays unaligned and is tried again by the
    next run that meets it)."""
    pid = articles.page_ids(r.conn, {x for a, b, _ in failed for x in (a, b)})
    r.counts["pairs_failed"] += len(failed)
    with r.conn:
        problems.write(r.conn, [Problem(f"trace:pair {pid.get(a)} {pid.get(b)}", "trace", "align-failed", why,
                                        page_id=pid.get(a)) for a, b, why in failed], now_iso())


def _w_align(task) -> tuple[list[tuple], list[tuple]]:
    """Align a group of pairs (the tokenised bodies come with the task): (a, b, linked, result, shared-item
    record or None) rows and
    (a, b, reason) of the pairs whose alignment failed.  Two bodies carried by several pages are aligned once
    per process: the result is a function of the two bodies and their masks."""
    group, keys, docs, masks, site_of, dup_hash, cache_size = task
    docs = dict(zip(keys, unpack_for_alignment(docs) if isinstance(docs, tuple) else docs))
    out, failed = [], []
    for a, b in group:
        if a not in docs or b not in docs:
            continue
        ha, hb = dup_hash.get(a), dup_hash.get(b)
        ma, mb = masks.get(a), masks.get(b)
        key = None
        if (ha is not None or hb is not None) and cache_size > 0:
            key = (ha or a, hb or b, None if ma is None else ma.tobytes(), None if mb is None else mb.tobytes())
            hit = _ALIGNED.get(key)
        else:
            hit = None
        if hit is None:
            try:
                al = align(docs[a], docs[b], ma, mb)
            except Exception as e:  # noqa: BLE001 - one pair must not stop tracing; recorded, retried next run
                log.warning("alignment failed for articles %s and %s", a, b, exc_info=True)
                failed.append((a, b, f"{type(e).__name__}: {e}"))
                continue
            try:   # a pair whose only common text is an embedded post, a quote or a caption is not a copy
                linked, sh = classify(docs[a], docs[b], al)
            except Exception:  # noqa: BLE001 - the plain alignment stands; logged
                log.warning("shared-item check failed for articles %s and %s", a, b, exc_info=True)
                linked, sh = al.linked, None
            hit = (linked, min(al.coverage_a, al.coverage_b), dumps(al.as_dict()) if linked else None, sh)
            if key is not None:
                if len(_ALIGNED) >= cache_size:
                    _ALIGNED.clear()
                _ALIGNED[key] = hit
        linked, cov, res, sh = hit
        if linked and site_of.get(a) == site_of.get(b) and cov < 0.5:
            linked = False  # one site's pages sharing some text: furniture, not a duplicate
        out.append((a, b, int(linked), res if linked else None, sh))
    return out, failed


def pair_groups(todo: list[tuple[ArticleKey, ArticleKey]], n: int) -> list[list[tuple[ArticleKey, ArticleKey]]]:
    """Split pairs into about n groups keeping pairs of one article together (fewer bodies to load twice)."""
    if not todo:
        return []
    size = max(1, -(-len(todo) // n))
    return [todo[i:i + size] for i in range(0, len(todo), size)]
