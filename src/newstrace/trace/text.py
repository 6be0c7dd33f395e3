"""Word tokens, word n-gram hashes and MinHash signatures of article bodies (numpy, no Python loops per shingle).

A :class:`Doc` keeps, for one body, the normalised word hashes with their character offsets and
paragraph numbers, and the hashes of every word n-gram.  Document signatures use the n-grams inside
paragraphs; paragraph signatures use the first ``PARA_PERMS`` permutations of the same family, so one
(n-gram x permutation) matrix gives both.  Hashes are xxhash-based and stable across processes, so
signatures and band keys can be persisted and compared between runs.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import xxhash

WORD = re.compile(r"\w+", re.UNICODE)
NGRAM = 5            # words per shingle (LSH) and per alignment seed
PERMS = 64           # document MinHash permutations
DOC_BANDS, DOC_ROWS = 16, 4        # 16 x 4 = 64: P(candidate) ~ 0.5 at Jaccard 0.5, ~0.99 at 0.75
PARA_PERMS = 6
PARA_BANDS, PARA_ROWS = 2, 3       # per passage chunk: ~0.4 at Jaccard 0.6, 1.0 at verbatim
PARA_MIN_SHINGLES = 6              # shorter chunks get no passage-level bands
CHUNK_DIV, CHUNK_MIN, CHUNK_MAX = 16, 8, 48   # content-defined passage chunks, in shingles
MASK63 = (1 << 63) - 1
ANCHOR_WORDS, ANCHOR_WINDOW = 8, 12   # winnowed 8-word anchors: any passage of 8 + 12 - 1 = 19 words two bodies
#                                       share gives both one common key (short pages, embedded posts, quotes)

_rng = np.random.default_rng(20240611)
_A = (_rng.integers(1, 2**63, size=PERMS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(1, 2**63, size=PERMS, dtype=np.uint64)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_P = np.uint64(0x100000001B3)
_BAND_SALT = _rng.integers(1, 2**63, size=64, dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 wrap-around is intended)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _MIX1
    x = x ^ (x >> np.uint64(27))
    x = x * _MIX2
    return x ^ (x >> np.uint64(31))


_word_cache: dict[str, int] = {}
_WORD_CHARS: list = []


def _word_chars() -> np.ndarray:
    """Boolean table over the Basic Multilingual Plane: does WORD's ``\\w`` match the code point."""
    if not _WORD_CHARS:
        allc = "".join(map(chr, range(0x10000)))
        t = np.zeros(0x10000, dtype=bool)
        t[[m.start() for m in re.finditer(r"\w", allc)]] = True
        _WORD_CHARS.append(t)
    return _WORD_CHARS[0]


def _is_word(cp: np.ndarray) -> np.ndarray:
    t = _word_chars()
    if not len(cp) or int(cp.max()) < 0x10000:
        return t[cp]
    w = t[np.minimum(cp, 0xFFFF)]
    for k in np.flatnonzero(cp >= 0x10000).tolist():   # astral code points (emoji, rare scripts)
        w[k] = WORD.match(chr(int(cp[k]))) is not None
    return w


def word_edges(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) code-point offsets of the words of ``text``: the runs of word characters, which are exactly
    the WORD matches of the lowered text (``Doc`` offsets; several bodies joined by a newline, which no word
    crosses, give every body's words in one call)."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    edge = np.diff(_is_word(cp).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return (edge == 1).nonzero()[0], (edge == -1).nonzero()[0]


def _word_hash(w: str) -> int:
    return xxhash.xxh64_intdigest(w.encode("utf-8", "surrogatepass"))


def normalise_word(w: str) -> str:
    w = w.casefold()
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    return w


class Doc:
    """One tokenised body: word hashes and n-gram hashes (numpy); character offsets and paragraph numbers
    of the words are computed on first use (only bodies that get aligned need them)."""

    __slots__ = ("body", "wh", "ng", "chunks", "chunk_keys", "sig", "_starts", "_ends", "_para", "_pspans",
                 "sorted_ng", "_pstat")

    def __init__(self, body: str, low: str | None, wh: np.ndarray):
        self.body, self.wh = body, wh   # (the lowered text is not kept: recomputed for offsets)
        self.ng = ngram_hashes(wh)
        self.chunks = None
        self.chunk_keys = None
        self.sig = None
        self._starts = self._ends = self._para = self._pspans = None
        self.sorted_ng = None   # (order, sorted values, unique values, first index, count) for alignment seeds
        self._pstat = None

    def __getstate__(self):   # sent to alignment workers: what cannot be recomputed cheaply
        return self.body, self.wh, self.chunks, self.chunk_keys, self.sig

    def __setstate__(self, st) -> None:
        body, wh, chunks, chunk_keys, sig = st
        self.__init__(body, None, wh)
        self.chunks, self.chunk_keys, self.sig = chunks, chunk_keys, sig

    @property
    def low(self) -> str:
        return _lower(self.body)

    def release(self) -> None:
        """Drop what alignment computed (offsets, sorted n-grams): kept in a cache, the Doc stays small."""
        self._starts = self._ends = self._para = self.sorted_ng = self._pstat = None

    @property
    def n(self) -> int:
        return len(self.wh)

    def _offsets(self) -> None:
        # the runs of word characters are exactly the WORD matches of the lowered text; found with numpy over
        # the body's code points, which have the same word characters (``_lower`` keeps a character whose lower
        # case is longer, and lowering keeps whether a character is one: tests/test_trace_align_property.py)
        self._starts, self._ends = word_edges(self.body)

    @property
    def starts(self) -> np.ndarray:
        if self._starts is None:
            self._offsets()
        return self._starts

    @property
    def ends(self) -> np.ndarray:
        if self._ends is None:
            self._offsets()
        return self._ends

    @property
    def para(self) -> np.ndarray:
        """The paragraph number of every word (computed on first use: alignment needs it, item keys do not)."""
        if self._para is None:
            pstarts = np.asarray([s for s, _ in self.para_spans], dtype=np.int64)
            self._para = (np.searchsorted(pstarts, self.starts, side="right") - 1).astype(np.int32)
        return self._para

    @property
    def para_stats(self) -> tuple:
        """(paragraphs, words per paragraph, first word, end word of each paragraph, first words of the
        paragraphs after the first one holding words: where the paragraph number changes)."""
        if self._pstat is None:
            para = self.para
            npara = int(para[-1]) + 1 if len(para) else 0
            tot = np.bincount(para, minlength=npara)
            ar = np.arange(npara)
            first = np.searchsorted(para, ar, "left")
            last = np.searchsorted(para, ar, "right")
            change = (para[1:] != para[:-1]).nonzero()[0] + 1
            self._pstat = (npara, tot, first.tolist(), last.tolist(), change)
        return self._pstat

    @property
    def para_spans(self) -> list[tuple[int, int]]:
        if self._pspans is None:
            out, pos = [], 0
            for chunk in self.body.split("\n\n"):
                out.append((pos, pos + len(chunk)))
                pos += len(chunk) + 2
            self._pspans = out
        return self._pspans

    def word(self, i: int) -> str:
        return normalise_word(self.body[self.starts[i]:self.ends[i]])

    def words_between(self, i: int, j: int) -> str:
        return " ".join(self.word(k) for k in range(i, j))


def tokenize(body: str) -> Doc:
    body = body or ""
    low = _lower(body)
    return Doc(body, low, word_hashes(low))


def _lower(body: str) -> str:
    low = body.lower()
    if len(low) != len(body):   # a few characters change length when lowered: keep offsets exact
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in body)
    return low


def word_hashes(low: str) -> np.ndarray:
    words = WORD.findall(low)
    try:   # every word seen before (the usual case): no list in between
        return np.fromiter(map(_word_cache.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        pass
    hs = list(map(_word_cache.get, words))
    if None in hs:
        for k, w in enumerate(words):
            if hs[k] is None:
                h = _word_hash(normalise_word(w))
                if len(_word_cache) < 1_000_000:
                    _word_cache[w] = h
                hs[k] = h
    return np.array(hs, dtype=np.uint64)


def ngram_hashes(wh: np.ndarray, n: int = NGRAM) -> np.ndarray:
    m = len(wh) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    g = wh[:m].copy()
    with np.errstate(over="ignore"):
        for k in range(1, n):
            g = g * _P + wh[k:k + m]
        return _mix(g)


def chunk_bounds(ng: np.ndarray) -> np.ndarray:
    """Content-defined passage chunks over the n-gram sequence: a chunk ends after an n-gram whose hash
    hits the divisor (at least CHUNK_MIN, at most CHUNK_MAX n-grams).  The same text gives the same
    chunks wherever it stands and however the page was cut into paragraphs."""
    m = len(ng)
    if m == 0:
        return np.zeros(1, dtype=np.int64)
    hit = (((ng >> np.uint64(40)) % np.uint64(CHUNK_DIV)) == 0).nonzero()[0] + 1
    bounds = [0]
    last = 0
    for x in hit.tolist():
        while x - last > CHUNK_MAX:
            last += CHUNK_MAX
            bounds.append(last)
        if x - last >= CHUNK_MIN:
            bounds.append(x)
            last = x
    while m - last > CHUNK_MAX:
        last += CHUNK_MAX
        bounds.append(last)
    if m > last:
        bounds.append(m)
    return np.asarray(bounds, dtype=np.int64)


def signatures(doc: Doc) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """(document MinHash of PERMS uint32 or None when too short, [passage-chunk MinHash of PARA_PERMS])."""
    ng = doc.ng
    if len(ng) < 2:
        doc.chunks = []
        return None, []
    with np.errstate(over="ignore"):
        h = (ng[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    sig = h.min(axis=0).astype(np.uint32)
    bounds = chunk_bounds(ng)
    sizes = np.diff(bounds)
    ok = np.flatnonzero(sizes >= PARA_MIN_SHINGLES)
    paras = []
    doc.chunks = []
    if len(ok):
        red = np.minimum.reduceat(h[:, :PARA_PERMS], bounds[:-1], axis=0)
        paras = [red[i].astype(np.uint32) for i in ok]
        doc.chunks = [(int(bounds[i]), int(bounds[i + 1])) for i in ok]
    return sig, paras


def band_keys(sig: np.ndarray | None, paras: list[np.ndarray]) -> np.ndarray:
    """63-bit band keys: document bands first, then PARA_BANDS per passage chunk, in chunk order
    (distinct salts, so a document key never equals a chunk key)."""
    out = []
    if sig is not None:
        s = sig.astype(np.uint64).reshape(DOC_BANDS, DOC_ROWS)
        out.append(_combine(s, _BAND_SALT[:DOC_BANDS]))
    if paras:
        p = np.stack(paras).astype(np.uint64).reshape(len(paras), PARA_BANDS, PARA_ROWS)
        out.append(_combine(p.reshape(-1, PARA_ROWS), np.tile(_BAND_SALT[32:32 + PARA_BANDS], len(paras))))
    if not out:
        return np.zeros(0, dtype=np.int64)
    keys = np.concatenate(out)
    return (keys & np.uint64(MASK63)).astype(np.int64)


def anchor_grams(ng: np.ndarray) -> np.ndarray:
    """The hash of the ANCHOR_WORDS-word gram starting at every word (uint64; its anchor key is the value & MASK63)."""
    m = len(ng) - (ANCHOR_WORDS - NGRAM)
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix(ng[:m] * _P + ng[ANCHOR_WORDS - NGRAM:ANCHOR_WORDS - NGRAM + m] + _BAND_SALT[63])


def anchor_keys(ng: np.ndarray) -> np.ndarray:
    """Winnowed passage anchors: the minimum of every window of ANCHOR_WINDOW consecutive 8-word gram hashes
    (unique, as 63-bit keys).  Whatever surrounds it, a passage of at least ANCHOR_WORDS + ANCHOR_WINDOW - 1
    words gives the same minimum in both bodies, so a short page that is mostly a passage of a long one, or
    two pages carrying the same post or statement, become candidates (content-defined chunks need a longer
    passage to line up).  Bodies shorter than one window give their minimum."""
    g = anchor_grams(ng)
    m = len(g)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if m <= ANCHOR_WINDOW:
        w = g.min(keepdims=True)
    else:
        w = np.lib.stride_tricks.sliding_window_view(g, ANCHOR_WINDOW).min(axis=1)
    return np.unique((w & np.uint64(MASK63)).astype(np.int64))


def _combine(rows: np.ndarray, salt: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        k = salt.copy()
        for j in range(rows.shape[1]):
            k = _mix(k * _P + rows[:, j])
        return k


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    return float((a == b).mean())


BLOCK_NGRAMS = 40000   # n-grams hashed together (64 uint64 columns each: ~20 MB)


def features_many(docs: list[Doc]) -> tuple[np.ndarray, np.ndarray]:
    """``signatures`` + ``band_keys`` for many tokenised bodies at once (numpy over all their n-grams
    instead of a few small arrays per body).  Sets doc.sig, doc.chunks and doc.chunk_keys exactly as
    ``index.doc_keys`` does and returns (doc positions, keys): each doc's unique band keys, sorted by
    doc position then key."""
    nng = np.fromiter((len(d.ng) for d in docs), dtype=np.int64, count=len(docs))
    pos_out, key_out = [], []
    ok = []
    for i, d in enumerate(docs):
        if nng[i] < 2:
            d.sig, d.chunks, d.chunk_keys = None, [], np.zeros((0, PARA_BANDS), dtype=np.int64)
        else:
            ok.append(i)
    blocks, cur, size = [], [], 0
    for i in ok:
        cur.append(i)
        size += int(nng[i])
        if size >= BLOCK_NGRAMS:
            blocks.append(cur)
            cur, size = [], 0
    if cur:
        blocks.append(cur)
    for block in blocks:
        bl = np.asarray(block, dtype=np.int64)
        lens = nng[bl]
        starts = np.zeros(len(bl), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        ng = np.concatenate([docs[i].ng for i in block])
        with np.errstate(over="ignore"):   # (PERMS, n-grams): reducing along the last axis is much faster
            h = _A[:, None] * ng[None, :]
            h += _B[:, None]
        # min(x >> 32) == min(x) >> 32: shift only the minima
        sig = (np.minimum.reduceat(h, starts, axis=1) >> np.uint64(32)).T.astype(np.uint32)
        bounds = [chunk_bounds(docs[i].ng) for i in block]
        nchunk = np.fromiter((len(b) - 1 for b in bounds), dtype=np.int64, count=len(bounds))
        cstart = np.concatenate([b[:-1] + s for b, s in zip(bounds, starts.tolist())])
        csize = np.concatenate([b[1:] - b[:-1] for b in bounds])
        cdoc = np.repeat(np.arange(len(block)), nchunk)
        good = csize >= PARA_MIN_SHINGLES
        red = (np.minimum.reduceat(h[:PARA_PERMS], cstart, axis=1) >> np.uint64(32)).T[good].astype(np.uint32)
        del h
        pdoc = cdoc[good]
        dk = _combine(sig.astype(np.uint64).reshape(-1, DOC_ROWS), np.tile(_BAND_SALT[:DOC_BANDS], len(block)))
        pk = _combine(red.astype(np.uint64).reshape(-1, PARA_ROWS), np.tile(_BAND_SALT[32:32 + PARA_BANDS], len(red)))
        dk = (dk & np.uint64(MASK63)).astype(np.int64)
        pk = (pk & np.uint64(MASK63)).astype(np.int64)
        pk2 = pk.reshape(-1, PARA_BANDS)
        cs_local = (cstart - starts[cdoc])[good]
        ce_local = cs_local + csize[good]
        first = np.searchsorted(pdoc, np.arange(len(block)), "left")
        last = np.searchsorted(pdoc, np.arange(len(block)), "right")
        spans = list(zip(cs_local.tolist(), ce_local.tolist()))
        for j, i, f, l in zip(range(len(block)), block, first.tolist(), last.tolist()):
            d = docs[i]
            d.sig = sig[j]
            d.chunks = spans[f:l]
            d.chunk_keys = pk2[f:l]
        pos_out.append(np.repeat(bl, DOC_BANDS))
        key_out.append(dk)
        pos_out.append(np.repeat(bl[pdoc], PARA_BANDS))
        key_out.append(pk)
        for i in block:
            ak = anchor_keys(docs[i].ng)
            pos_out.append(np.full(len(ak), i, dtype=np.int64))
            key_out.append(ak)
    if not key_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pos = np.concatenate(pos_out)
    keys = np.concatenate(key_out)
    o = np.lexsort((keys, pos))
    pos, keys = pos[o], keys[o]
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (pos[1:] != pos[:-1])
    return pos[keep], keys[keep]


def pack_docs(docs: list[Doc], bodies: bool = True) -> tuple:
    """Tokenised bodies as a few concatenated arrays: cheap to send to and from worker processes (pickling
    thousands of small arrays one by one costs more than tokenising)."""
    n = len(docs)
    nw = np.fromiter((len(d.wh) for d in docs), dtype=np.int64, count=n)
    nng = np.fromiter((len(d.ng) for d in docs), dtype=np.int64, count=n)
    nch = np.fromiter((-1 if d.chunks is None else len(d.chunks) for d in docs), dtype=np.int64, count=n)
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.zeros(0, dtype=dt))
    wh = cat([d.wh for d in docs], np.uint64)
    ng = cat([d.ng for d in docs], np.uint64)
    ch = [d for d in docs if d.chunks]
    bounds = np.asarray([c for d in ch for c in d.chunks], dtype=np.int64).reshape(-1, 2)
    ckeys = cat([np.asarray(d.chunk_keys, dtype=np.int64).reshape(-1, PARA_BANDS) for d in ch], np.int64)
    has_sig = np.fromiter((d.sig is not None for d in docs), dtype=bool, count=n)
    sigs = np.stack([d.sig for d in docs if d.sig is not None]) if has_sig.any() else np.zeros((0, PERMS), np.uint32)
    return ([d.body for d in docs] if bodies else None), nw, wh, nng, ng, nch, bounds, ckeys.reshape(-1, PARA_BANDS), \
        has_sig, sigs


def unpack_docs(p: tuple, bodies: list[str] | None = None) -> list[Doc]:
    """Docs from ``pack_docs`` (``bodies`` when they were packed without)."""
    packed, nw, wh, nng, ng, nch, bounds, ckeys, has_sig, sigs = p
    bodies = packed if bodies is None else bodies
    whs = np.split(wh, np.cumsum(nw)[:-1]) if len(nw) else []
    ngs = np.split(ng, np.cumsum(nng)[:-1]) if len(nng) else []
    cpos = np.concatenate(([0], np.cumsum(np.maximum(nch, 0))))
    spos = np.concatenate(([0], np.cumsum(has_sig)))
    b0, b1 = bounds[:, 0].tolist(), bounds[:, 1].tolist()
    out = []
    for i, body in enumerate(bodies):
        d = Doc.__new__(Doc)
        d.body, d.wh, d.ng = body, whs[i], ngs[i]
        d._starts = d._ends = d._para = d._pspans = d.sorted_ng = d._pstat = None
        if nch[i] < 0:
            d.chunks = d.chunk_keys = None
        else:
            f, l = int(cpos[i]), int(cpos[i + 1])
            d.chunks = list(zip(b0[f:l], b1[f:l]))
            d.chunk_keys = ckeys[f:l]
        d.sig = sigs[spos[i]] if has_sig[i] else None
        out.append(d)
    return out



def pack_for_alignment(docs: list[Doc]) -> tuple:
    """What alignment needs of many bodies (the text and its word hashes), packed for a worker process."""
    nw = np.fromiter((len(d.wh) for d in docs), dtype=np.int64, count=len(docs))
    wh = np.concatenate([d.wh for d in docs]) if docs else np.zeros(0, dtype=np.uint64)
    return [d.body for d in docs], nw, wh


def unpack_for_alignment(p: tuple) -> list[Doc]:
    """Docs from ``pack_for_alignment``, their n-gram hashes computed in one numpy pass."""
    bodies, nw, wh = p
    n = len(bodies)
    nng = np.maximum(nw - NGRAM + 1, 0)
    whs = np.split(wh, np.cumsum(nw)[:-1]) if n else []
    if n and nng.sum():
        g = ngram_hashes(wh)   # n-grams across two bodies are computed too, and left out below
        wstart = np.concatenate(([0], np.cumsum(nw)[:-1]))
        gstart = np.concatenate(([0], np.cumsum(nng)[:-1]))
        ngs = np.split(g[np.arange(int(nng.sum())) + np.repeat(wstart - gstart, nng)], np.cumsum(nng)[:-1])
    else:
        ngs = [np.zeros(0, dtype=np.uint64)] * n
    out = []
    for body, w, g in zip(bodies, whs, ngs):
        d = Doc.__new__(Doc)
        d.body, d.wh, d.ng = body, w, g
        d.chunks = d.chunk_keys = d.sig = None
        d._starts = d._ends = d._para = d._pspans = d.sorted_ng = d._pstat = None
        out.append(d)
    return out
