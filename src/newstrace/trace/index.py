"""The candidate index's pure parts: per-article MinHash signature and LSH band keys (document and
paragraph level; stored by store/trace_index.py), boilerplate masks, and ``MemIndex``, the band index of a run
built in memory.

New (or changed) articles are indexed, then looked up against every stored band key; a pair is
a candidate when it shares a document band or a paragraph band.  Bands shared by very many
articles (boilerplate paragraphs that escaped furniture removal) are ignored.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import numpy as np

from ..store.records import IndexedDoc
from .align import MIN_SHARED
from .shared import EDGE_WORDS, items_cached
from .text import (ANCHOR_WORDS, DOC_BANDS, DOC_ROWS, MASK63, NGRAM, PARA_BANDS, Doc, anchor_grams, anchor_keys,
                   band_keys, signatures, word_edges)

log = logging.getLogger(__name__)

MAX_BUCKET = 60      # a band key shared by more articles than this is boilerplate, not copying
PRECHECK_WORDS = 2 * MIN_SHARED   # bodies this long link on >= MIN_SHARED aligned words only (align.link_rule)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def doc_keys(doc: Doc) -> np.ndarray:
    """Band keys of a tokenised body (document bands, then PARA_BANDS per passage chunk, then its winnowed
    passage anchors); sets doc.chunks and doc.chunk_keys ([n_chunks, PARA_BANDS])."""
    sig, paras = signatures(doc)
    keys = band_keys(sig, paras)
    nd = DOC_BANDS if sig is not None else 0
    doc.chunk_keys = keys[nd:].reshape(-1, PARA_BANDS)
    doc.sig = sig
    if sig is None:
        return keys
    return np.concatenate([keys, anchor_keys(doc.ng)])


def masks_of(docs: dict[int, Doc], boiler: set[int]) -> dict[int, np.ndarray | None]:
    """Per body, a boolean mask over doc.ng of the n-grams inside boilerplate passage chunks (None when
    there are none); one lookup of all the bodies' passage keys."""
    out: dict[int, np.ndarray | None] = {r: None for r in docs}
    if not boiler:
        return out
    barr = np.fromiter(boiler, dtype=np.int64, count=len(boiler))
    barr.sort()
    have = [(r, d) for r, d in docs.items() if d.chunks]
    if not have:
        return out
    ck = np.concatenate([np.asarray(d.chunk_keys, dtype=np.int64).reshape(-1, PARA_BANDS) for _, d in have])
    idx = np.minimum(np.searchsorted(barr, ck), len(barr) - 1)
    hit = (barr[idx] == ck).any(axis=1)
    pos = 0
    for r, d in have:
        n = len(d.chunks)
        h = hit[pos:pos + n]
        pos += n
        if h.any():
            m = np.zeros(len(d.ng), dtype=bool)
            for i in np.flatnonzero(h).tolist():
                s, e = d.chunks[i]
                m[s:e] = True
            out[r] = m
    return out


def indexed_doc(key: int, pid: str, site: str, bh: str | None, d: Doc, keys: np.ndarray, ts: str | None) -> IndexedDoc:
    """The ``trace_docs`` row of a tokenised body and its band keys."""
    return IndexedDoc(key, pid, site, bh, d.n, d.sig.tobytes() if d.sig is not None else None, len(d.chunks or []), ts,
                      np.asarray(keys, dtype=np.int64).tobytes())


def may_link(keys_a: np.ndarray | None, words_a: int, keys_b: np.ndarray | None, words_b: int,
             items_a: np.ndarray | None = None, items_b: np.ndarray | None = None,
             sig_a: np.ndarray | None = None, sig_b: np.ndarray | None = None) -> bool:
    """The pre-check before a candidate pair is aligned (its bodies read and tokenised): False when the two
    articles share a single band key (sorted unique keys, as trace_docs keeps them), both bodies have
    PRECHECK_WORDS words or more, their document signatures agree on no band (``sig_a``, ``sig_b``: the
    stored MinHash; a document band in common means similar bodies, whatever their phrases), and that key is
    not one of either article's item keys (``item_keys``: in or next to a post, quote or caption, which a pair
    may share without linking; None: not known, aligned).  Bodies that long link on MIN_SHARED aligned words or
    more, and a common passage of 30 words gives on average about 3.5 common anchors (one per 6.5 8-word grams)
    plus passage bands; one common key is an 8-word phrase two texts happen to share.  Shorter bodies (a
    21-word page copied whole into a long one shares one key: the only one-key copy of reuse-dev) and unknown
    keys are always aligned."""
    if keys_a is None or keys_b is None or min(words_a, words_b) < PRECHECK_WORDS:
        return True
    small, big = (keys_a, keys_b) if len(keys_a) <= len(keys_b) else (keys_b, keys_a)
    if not len(small) or not len(big):
        return True   # (no keys: it was no candidate through them; align as before)
    at = np.minimum(np.searchsorted(big, small), len(big) - 1)
    common = small[big[at] == small]
    if len(common) != 1 or items_a is None or items_b is None:
        return True
    if doc_bands_agree(sig_a, sig_b):
        return True
    return bool(np.isin(common, items_a).any() or np.isin(common, items_b).any())


def doc_bands_agree(sig_a: np.ndarray | None, sig_b: np.ndarray | None) -> bool:
    """Whether two stored document MinHash signatures agree on a whole band (similar bodies)."""
    return sig_a is not None and sig_b is not None and len(sig_a) == len(sig_b) == DOC_BANDS * DOC_ROWS \
        and bool((sig_a.reshape(DOC_BANDS, DOC_ROWS) == sig_b.reshape(DOC_BANDS, DOC_ROWS)).all(axis=1).any())


def item_keys(doc: Doc, keys: np.ndarray) -> np.ndarray:
    """The keys among ``keys`` (a tokenised body's band keys, after ``features_many``) that cover a word in or
    within EDGE_WORDS + 1 words of one of its items (trace/shared.py: posts, quotes, captions): a winnowed anchor
    whose 8-word gram touches one, a passage chunk's bands when the chunk does (document bands: ``may_link``
    compares signatures).  Sorted int64."""
    its = items_cached(doc.body)
    if not its or not len(keys) or doc.n == 0:
        return np.zeros(0, dtype=np.int64)
    starts, ends = doc.starts, doc.ends
    near = np.zeros(doc.n + 1, dtype=np.int64)   # +1 / -1 at the edges of the words near an item
    pad = EDGE_WORDS + 1
    for it in its:
        w0 = int(np.searchsorted(ends, it.start, "right"))
        w1 = int(np.searchsorted(starts, it.end, "left"))
        if w1 > w0:
            near[max(0, w0 - pad)] += 1
            near[min(doc.n, w1 + pad)] -= 1
    cover = np.concatenate(([0], np.cumsum(near[:-1]) > 0)).cumsum()   # cover[j]: words near items among [0, j)
    out = []
    g = anchor_grams(doc.ng)
    if len(g):
        p = np.arange(len(g))
        hit = cover[np.minimum(p + ANCHOR_WORDS, doc.n)] - cover[p] > 0
        out.append((g[hit] & np.uint64(MASK63)).astype(np.int64))
    if doc.chunks:
        ch = np.asarray(doc.chunks, dtype=np.int64).reshape(-1, 2)
        hit = cover[np.minimum(ch[:, 1] - 1 + NGRAM, doc.n)] - cover[ch[:, 0]] > 0
        out.append(np.asarray(doc.chunk_keys, dtype=np.int64).reshape(-1, PARA_BANDS)[hit].ravel())
    cand = np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
    return np.intersect1d(cand, keys)


def item_keys_many(docs: list[Doc], keys: np.ndarray, cut: np.ndarray) -> list[np.ndarray]:
    """``item_keys`` of many tokenised bodies at once, the same keys as ``item_keys`` of each (``keys`` and
    ``cut`` as ``features_many`` returns them: body i's band keys are keys[cut[i]:cut[i + 1]]).  The bodies
    with items are read together: one pass over all their characters for the word offsets (joined by a
    newline, which no word crosses), numpy over all their anchors and passage chunks, then one membership
    test per body."""
    empty = np.zeros(0, dtype=np.int64)
    out = [empty] * len(docs)
    its = [items_cached(d.body) if d.n and cut[i + 1] > cut[i] else [] for i, d in enumerate(docs)]
    sel = [i for i, x in enumerate(its) if x]
    if not sel:
        return out
    texts = [docs[i].body for i in sel]
    nb = len(sel)
    coff = np.zeros(nb + 1, dtype=np.int64)
    np.cumsum([len(x) + 1 for x in texts], out=coff[1:])
    gst, gen = word_edges("\n".join(texts))   # every body's word offsets, in one run
    nw = np.fromiter((docs[i].n for i in sel), dtype=np.int64, count=nb)
    woff = np.zeros(nb + 1, dtype=np.int64)
    np.cumsum(nw, out=woff[1:])
    if len(gst) != woff[-1]:   # (cannot happen: the runs of word characters are the WORD matches)
        return [item_keys(d, keys[cut[i]:cut[i + 1]]) for i, d in enumerate(docs)]
    # words in or within EDGE_WORDS + 1 words of an item (clipped to its own body)
    idoc = np.fromiter((j for j, i in enumerate(sel) for _ in its[i]), dtype=np.int64)
    ist = np.fromiter((it.start for i in sel for it in its[i]), dtype=np.int64, count=len(idoc)) + coff[idoc]
    ien = np.fromiter((it.end for i in sel for it in its[i]), dtype=np.int64, count=len(idoc)) + coff[idoc]
    w0, w1 = np.searchsorted(gen, ist, "right"), np.searchsorted(gst, ien, "left")
    ok = w1 > w0
    pad = EDGE_WORDS + 1
    near = np.zeros(woff[-1] + 1, dtype=np.int64)
    np.add.at(near, np.maximum(w0[ok] - pad, woff[idoc[ok]]), 1)
    np.add.at(near, np.minimum(w1[ok] + pad, woff[idoc[ok] + 1]), -1)
    cover = np.concatenate(([0], np.cumsum(near[:-1]) > 0)).cumsum()   # cover[j]: words near items before j
    cand_doc, cand = [], []
    # winnowed anchors whose 8-word gram touches such a word (every 8-word gram of the bodies, as anchor_grams)
    nng = np.fromiter((len(docs[i].ng) for i in sel), dtype=np.int64, count=nb)
    m = np.maximum(nng - (ANCHOR_WORDS - NGRAM), 0)
    if m.sum():
        ng = np.concatenate([docs[i].ng for i in sel])
        gstart = np.zeros(nb, dtype=np.int64)
        np.cumsum(nng[:-1], out=gstart[1:])
        gd, gp = _gather(gstart, m)    # (body, position in the joined n-grams) of every 8-word gram
        p = gp - gstart[gd]            # its first word in its body
        g = anchor_grams(ng)[gp]       # (grams across two bodies are computed too, and not used)
        wp = woff[gd] + p
        hit = cover[np.minimum(wp + ANCHOR_WORDS, woff[gd + 1])] - cover[wp] > 0
        cand_doc.append(gd[hit])
        cand.append((g[hit] & np.uint64(MASK63)).astype(np.int64))
    # passage chunks that touch one: all their bands
    nch = np.fromiter((len(docs[i].chunks or ()) for i in sel), dtype=np.int64, count=nb)
    if nch.sum():
        ch = np.asarray([c for i in sel for c in (docs[i].chunks or ())], dtype=np.int64).reshape(-1, 2)
        cd = np.repeat(np.arange(nb), nch)
        ck = np.concatenate([np.asarray(docs[i].chunk_keys, dtype=np.int64).reshape(-1, PARA_BANDS) for i in sel
                             if len(docs[i].chunks or ())])
        hit = cover[np.minimum(woff[cd] + ch[:, 1] - 1 + NGRAM, woff[cd + 1])] - cover[woff[cd] + ch[:, 0]] > 0
        cand_doc.append(np.repeat(cd[hit], PARA_BANDS))
        cand.append(ck[hit].ravel())
    if not cand:
        return out
    cd_all, ck_all = np.concatenate(cand_doc), np.concatenate(cand)
    o = np.argsort(cd_all, kind="stable")
    cd_all, ck_all = cd_all[o], ck_all[o]
    bounds = np.searchsorted(cd_all, np.arange(nb + 1), "left").tolist()
    for j, i in enumerate(sel):
        c = ck_all[bounds[j]:bounds[j + 1]]
        k = keys[cut[i]:cut[i + 1]]   # (sorted and unique)
        if not len(c):
            continue
        at = np.minimum(np.searchsorted(k, c), len(k) - 1)
        out[i] = np.unique(c[k[at] == c])
    return out


def _gather(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(query number, position) for every position in [starts[q], starts[q] + counts[q])."""
    tot = int(counts.sum())
    q = np.repeat(np.arange(len(counts)), counts)
    off = np.arange(tot) - np.repeat(np.cumsum(counts) - counts, counts)
    return q, starts[q] + off


class MemIndex:
    """The band index of the articles indexed in this run, in memory: sorted (key, rid, site) runs merged
    like a log-structured tree (few runs, each merge sorts at most twice the newest run).  Used when a run
    starts from an empty index (``trace_all(rebuild=True)``, a first trace): ``add`` a batch, then
    ``candidates`` and ``boilerplate`` answer exactly what the SQL index would answer at that point, and
    ``rows`` gives everything for one sorted bulk write at the end."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.boiler: set[int] = set()
        self._boiler_arr = np.zeros(0, dtype=np.int64)
        self._q = np.zeros(0, dtype=np.int64)
        self._bounds: list = []
        self._total = np.zeros(0, dtype=np.int64)

    def add(self, keys: np.ndarray, rids: np.ndarray, sites: np.ndarray) -> None:
        """Add a batch (its rids larger than those added before: articles come in key order) and look its
        keys up in every run, for ``candidates`` and ``update_boilerplate``."""
        o = np.lexsort((rids, keys))
        self.runs.append((keys[o], rids[o].astype(self._rid_type(rids)), sites[o].astype(np.int32)))
        while len(self.runs) >= 2 and len(self.runs[-2][0]) <= len(self.runs[-1][0]) * 1.5:
            self._merge_last()
        q = self.runs[-1][0] if len(self.runs[-1][0]) == len(keys) else np.sort(keys)
        q = q[np.concatenate(([True], q[1:] != q[:-1]))] if len(q) else q
        self._q, self._bounds = q, []
        self._total = np.zeros(len(q), dtype=np.int64)
        for k, _, _ in self.runs:   # one binary search per key and run; a second one only for the keys found
            lo = np.searchsorted(k, q, "left")
            found = np.flatnonzero(k[np.minimum(lo, len(k) - 1)] == q) if len(k) else np.zeros(0, dtype=np.int64)
            cnt = np.zeros(len(q), dtype=np.int64)
            cnt[found] = np.searchsorted(k, q[found], "right") - lo[found]
            self._bounds.append((lo, cnt))
            self._total += cnt

    @staticmethod
    def _rid_type(rids: np.ndarray):
        return np.int32 if not len(rids) or int(rids.max()) < 2**31 else np.int64

    def _merge_last(self) -> None:
        # the older run's rids are all smaller: a stable sort by key keeps (key, rid) order, and timsort
        # merges two sorted runs in linear time
        (k1, r1, s1), (k2, r2, s2) = self.runs[-2], self.runs[-1]
        k = np.concatenate((k1, k2))
        o = np.argsort(k, kind="stable")
        self.runs[-2:] = [(k[o], np.concatenate((r1, r2))[o], np.concatenate((s1, s2))[o])]

    def _members(self, want: np.ndarray):
        """(query number, rid, site) of every member of the last batch's keys selected by ``want``."""
        qs, rs, ss = [], [], []
        for (k, r, s), (lo, cnt) in zip(self.runs, self._bounds):
            qi, p = _gather(lo, np.where(want, cnt, 0))
            qs.append(qi)
            rs.append(r[p])
            ss.append(s[p])
        return np.concatenate(qs), np.concatenate(rs), np.concatenate(ss)

    def candidates(self, min_rid: int) -> set[tuple[int, int]]:
        """Pairs (a < b, b >= min_rid) sharing a key of the batch just added (the one from min_rid on) whose
        bucket holds at most MAX_BUCKET articles."""
        if not len(self._q):
            return set()
        qi, rid, _ = self._members((self._total >= 2) & (self._total <= MAX_BUCKET))
        o = np.lexsort((rid, qi))
        qi, rid = qi[o], rid[o].astype(np.int64)
        out = []
        n = len(qi)
        for d in range(1, MAX_BUCKET):
            if d >= n:
                break
            same = qi[d:] == qi[:-d]
            if not same.any():
                break
            a, b = rid[:-d][same], rid[d:][same]
            keep = b >= min_rid
            if keep.any():
                out.append((a[keep] << 32) | b[keep])
        if not out:
            return set()
        codes = np.sort(np.concatenate(out))
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
        aa, bb = (codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist()
        return set(zip(aa, bb))

    def update_boilerplate(self, min_pages: int = 3) -> None:
        """Add the keys of the batch just added now carried by ``min_pages`` articles of one site."""
        q = self._q
        want = self._total >= min_pages
        if len(self._boiler_arr):
            want &= ~np.isin(q, self._boiler_arr)
        if not want.any():
            return
        qi, _, site = self._members(want)
        o = np.lexsort((site, qi))
        qi, site = qi[o], site[o]
        start = np.ones(len(qi), dtype=bool)
        start[1:] = (qi[1:] != qi[:-1]) | (site[1:] != site[:-1])
        gid = np.cumsum(start) - 1
        size = np.bincount(gid)
        hit = np.unique(qi[start][size >= min_pages])
        if len(hit):
            self.boiler.update(q[hit].tolist())
            self._boiler_arr = np.fromiter(self.boiler, dtype=np.int64, count=len(self.boiler))
            self._boiler_arr.sort()

    def rows(self, step: int = 200000):
        """All (key, rid) rows in (key, rid) order, in slices (for executemany)."""
        while len(self.runs) > 1:
            self._merge_last()
        if not self.runs:
            return
        k, r, _ = self.runs[0]
        for i in range(0, len(k), step):
            yield from zip(k[i:i + step].tolist(), r[i:i + step].tolist())
