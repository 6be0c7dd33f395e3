"""Index phase: tokenise a batch of pending articles, index their MinHash band keys and look their candidate
pairs up.  A run that starts from an empty index (a rebuild, a first trace) keeps the band keys in memory
(``MemIndex``) and stores them once at the end (``finish``, while the workers decide); other runs index each
batch in the stored index (its small table of new band keys, merged when due) and look it up with SQL
(store/trace_index.py).  Candidates already aligned on the
same two bodies are dropped here."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..store import articles, pairs, shared, trace_index
from ..store.records import ArticleKey, IndexedDoc, PendingDoc
from . import workers
from .index import MAX_BUCKET, MemIndex, indexed_doc, item_keys_many, may_link, now_iso
from .text import features_many, tokenize


@dataclass
class Batch:
    keys: list[ArticleKey]
    docs: list[IndexedDoc]               # its trace_docs rows
    hashes: dict[ArticleKey, str]        # body hashes of every article of its candidate pairs
    todo: list[tuple[ArticleKey, ArticleKey]]   # candidate pairs to align
    items: dict[ArticleKey, np.ndarray]  # item keys of its articles (index.item_keys)


class IndexPhase:
    def __init__(self, r):
        self.r = r
        conn, pend = r.conn, r.pending
        self.mem = MemIndex() if r.cfg.mem_index and pend and trace_index.is_empty(conn) else None
        if self.mem is not None:   # no lookups in the stored index; the band table is appended to in key order
            trace_index.page_cache(conn, -r.cfg.mem_cache_kb)
        self.site_of_pend = {p.key: p.site for p in pend}
        self.hash_of_pend = {p.key: p.body_hash for p in pend}
        self.had_pairs = pairs.any_stored(conn)
        self.site_num: dict[str, int] = {}
        seen: dict[str | None, int] = defaultdict(int)
        for p in pend:
            seen[p.body_hash] += 1
        self.dup = {h for h, c in seen.items() if c > 1 and h}   # bodies carried by several pending pages
        self.nwork = r.cfg.workers if r.pool is not None else 1

    def batches(self, meanwhile=None) -> Iterator[Batch]:
        pend, n = self.r.pending, self.r.cfg.chunk
        for k in range(0, len(pend), n):
            yield self.batch(pend[k:k + n], meanwhile)

    def batch(self, chunk: list[PendingDoc], meanwhile=None) -> Batch:
        """Index one batch; ``meanwhile`` runs while the workers tokenise (the previous batch's pairs are
        written then)."""
        r, conn, mem = self.r, self.r.conn, self.mem
        keys = [p.key for p in chunk]
        info = {p.key: p for p in chunk}
        with r.timed("tokenize"):
            bodies = articles.bodies(conn, keys)
            job = workers.features_start([(k, bodies.get(k, "")) for k in keys], r.pool, self.nwork)
            del bodies
            if meanwhile is not None:
                meanwhile()
            feats = workers.features_finish(job)
            for k, d, _, _ in feats:
                r.docs.remember(k, d)
        t = r.clock()
        ts = now_iso()
        rows = [indexed_doc(k, info[k].page_id, info[k].site, info[k].body_hash, d, ks, ts) for k, d, ks, _ in feats]
        items = {k: ik for k, _, _, ik in feats}
        shared_keys = None
        if mem is not None:
            allk = np.concatenate([ks for _, _, ks, _ in feats]) if feats else np.zeros(0, dtype=np.int64)
            allr = np.repeat(np.asarray(keys, dtype=np.int64), [len(ks) for _, _, ks, _ in feats])
            sites = np.repeat(np.asarray([self.site_num.setdefault(info[k].site, len(self.site_num)) for k in keys],
                                         dtype=np.int32), [len(ks) for _, _, ks, _ in feats])
            mem.add(allk, allr, sites)
            mem.update_boilerplate()
            t = r.lap("index", t)
            cands = mem.candidates(min(keys))
            hashes = {x: self.hash_of_pend[x] for p in cands for x in p}   # every article is one of this run's
        else:
            changed = sorted(trace_index.indexed(conn, keys))
            keys_of = {k: ks for k, _, ks, _ in feats}
            bands = sorted((int(b), k) for k, ks in keys_of.items() for b in ks.tolist())
            with conn:
                if changed:  # a body changed: its old pairs are stale, the pages linked to it decided again
                    pairs.drop_touching(conn, changed)
                    shared.drop_touching(conn, changed)
                    trace_index.drop_bands(conn, [d.rid for d in rows])
                trace_index.write_docs(conn, rows)
                trace_index.write_item_keys(conn, [(k, ik.tobytes()) for k, ik in items.items()])
                trace_index.write_bands(conn, bands, new=True)
            t = r.lap("index", t)
            shared_keys = {}
            cands = trace_index.candidates(conn, keys_of, MAX_BUCKET, shared_keys)
            hashes = articles.body_hashes(conn, {x for p in cands for x in p})
        # (a run starting without aligned pairs never meets a pair twice: no lookup)
        todo = sorted(cands - pairs.known(conn, cands, hashes, among=keys) if self.had_pairs else cands)
        if r.cfg.precheck and self.had_pairs:   # (linking new articles onto a traced store only: a rebuild
            n = len(todo)                        # aligns every candidate, as the Spark trace does)
            todo = self.precheck(todo, rows, items, shared_keys)
            r.counts["prechecked"] += n - len(todo)
        r.lap("candidates", t)
        r.counts["candidates"] += len(cands)
        r.counts["aligned"] += len(todo)
        return Batch(keys, rows, hashes, todo, items)

    def precheck(self, todo: list[tuple[ArticleKey, ArticleKey]], rows: list[IndexedDoc],
                 items: dict[ArticleKey, np.ndarray], shared_keys: dict | None = None) -> list[tuple]:
        """The candidate pairs worth aligning (``index.may_link``): the batch's band and item keys are at hand,
        its partners' are read from trace_docs and trace_item_keys (a few bytes each, no body read or tokenised).
        A pair the lookup already saw sharing two keys or more is aligned without it (``may_link`` is true
        whenever two keys are common)."""
        if not todo:
            return todo
        sure = {p for p in todo if shared_keys and shared_keys.get(p, 0) >= 2}
        check = [p for p in todo if p not in sure]
        if not check:
            return todo
        have = {d.rid: (d.words, d.keys, None, d.minhash) for d in rows}
        miss = {x for p in check for x in p if x not in have}
        have.update(trace_index.words_and_keys(self.r.conn, miss))
        keys: dict[ArticleKey, np.ndarray | None] = {}
        its: dict[ArticleKey, np.ndarray | None] = dict(items)
        sigs: dict[ArticleKey, np.ndarray | None] = {}
        for k, (_, blob, iblob, sig) in have.items():
            ks = None if blob is None else np.frombuffer(blob, dtype=np.int64)
            if ks is not None and len(ks) > 1 and not (ks[1:] > ks[:-1]).all():
                ks = np.unique(ks)   # (features_many gives them sorted and unique; the Spark trace may not)
            keys[k] = ks
            sigs[k] = None if sig is None else np.frombuffer(sig, dtype=np.uint32)
            if k not in its:
                its[k] = None if iblob is None else np.frombuffer(iblob, dtype=np.int64)
        words = {k: v[0] or 0 for k, v in have.items()}
        return [(a, b) for a, b in todo if (a, b) in sure or may_link(
            keys.get(a), words.get(a, 0), keys.get(b), words.get(b, 0), its.get(a), its.get(b), sigs.get(a),
            sigs.get(b))]

    def boilerplate(self, docs: dict, involved: list[ArticleKey]) -> tuple[set[int], dict[ArticleKey, str]]:
        """Passage keys that are boilerplate, and the site of every involved article."""
        if self.mem is not None:
            return self.mem.boiler, {k: self.site_of_pend.get(k) for k in involved}
        boiler = trace_index.boilerplate_keys(self.r.conn, [k for d in docs.values() for k in d.chunk_keys.ravel().tolist()])
        return boiler, trace_index.sites(self.r.conn, involved)

    def store_docs(self, batch: Batch) -> None:
        """An in-memory run's trace_docs rows, listed as unfinished until ``finish`` stores the band keys."""
        if self.mem is not None:
            conn = self.r.conn
            with conn:
                trace_index.write_docs(conn, batch.docs)
                trace_index.write_item_keys(conn, [(k, ik.tobytes()) for k, ik in batch.items.items()])
                trace_index.mark_unfinished(conn, batch.keys)

    def finish(self) -> float:
        """Store an in-memory run's band keys in key order (one transaction), then its rows count as indexed;
        after an increment, merge its band table into the main one when due (``trace_index.merge_bands``).
        Returns the seconds it took."""
        t = time.perf_counter()
        conn = self.r.conn
        if self.mem is not None:
            with conn:
                trace_index.write_bands(conn, self.mem.rows())
                trace_index.clear_unfinished(conn)
            self.mem.runs.clear()
        elif self.r.pending:
            with conn:
                self.r.counts["bands_merged"] += trace_index.merge_bands(conn, self.r.cfg.merge_share)
        with conn:   # every pending article is indexed: the next run lists only what comes after
            trace_index.mark_indexed(conn, getattr(self.r.pending, "top", None))
        dt = time.perf_counter() - t
        self.r.timing["index"] += dt
        return dt


def fill_item_keys(conn, step: int = 2000) -> int:
    """Item keys (index.item_keys) for the indexed articles that have none (indexed before migration 0110, or
    by the Spark trace): until then the pre-check aligns every candidate pair they are in.  A one-off pass over
    their bodies; returns how many were filled."""
    rids = trace_index.without_item_keys(conn)
    for i in range(0, len(rids), step):
        chunk = rids[i:i + step]
        bodies = articles.bodies(conn, chunk)
        stored = trace_index.words_and_keys(conn, chunk)
        docs = [(k, tokenize(bodies[k])) for k in chunk if k in bodies and stored.get(k, (0, None))[1] is not None]
        features_many([d for _, d in docs])
        ks = [np.unique(np.frombuffer(stored[k][1], dtype=np.int64)) for k, _ in docs]
        cut = np.zeros(len(ks) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in ks], out=cut[1:])
        allk = np.concatenate(ks) if ks else np.zeros(0, dtype=np.int64)
        rows = [(k, ik.tobytes()) for (k, _), ik in zip(docs, item_keys_many([d for _, d in docs], allk, cut))]
        with conn:
            trace_index.write_item_keys(conn, rows)
    return len(rids)
