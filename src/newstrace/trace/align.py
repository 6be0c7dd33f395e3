"""Passage alignment of two bodies: aligned spans (char offsets in both), shared words, coverage.

Seeds are word n-grams occurring once in each body.  Consecutive seeds on one diagonal form runs;
runs on (nearly) the same diagonal separated by a short gap are merged into one segment, which makes
the alignment tolerant of substituted, inserted or dropped words.  Segments are chosen greedily by
length without overlap on either side, so reordered sentences and paragraphs still align.  Segments
are cut at paragraph boundaries of both bodies for display.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .text import NGRAM, Doc

MAX_GAP = 6           # words skipped in either body inside one segment (substitutions, small edits)
MAX_SKEW = 3          # diagonal change allowed inside one segment (inserted/dropped words)
MIN_SEGMENT = 10      # words: shorter common runs are phrases, not copying
MIN_SHARED = 30       # words aligned in total before two bodies count as linked
MIN_COVER = 0.08      # ... and share of the smaller body covered (or MIN_SHARED_ABS words)
MIN_SHARED_ABS = 120
MIN_DENSITY = 0.8     # matched words / segment length
MAX_REPEAT = 4        # n-grams repeated more often than this inside one body are not used as seeds


@dataclass
class Alignment:
    spans: list[list[int]] = field(default_factory=list)   # [a_start, a_end, b_start, b_end] char offsets
    wspans: list[list[int]] = field(default_factory=list)  # same in word indexes (end exclusive)
    shared_words: int = 0
    coverage_a: float = 0.0
    coverage_b: float = 0.0
    longest: int = 0
    monotonic: bool = True
    substitutions: list[list[str]] = field(default_factory=list)  # [a_word, b_word]
    whole_a: float = 0.0   # share of spans that are whole paragraphs of a
    whole_b: float = 0.0
    uncovered_a: list = field(default_factory=list)  # [[paragraph index, text]] mostly not aligned
    uncovered_b: list = field(default_factory=list)
    paras_a: int = 0
    paras_b: int = 0

    @property
    def linked(self) -> bool:
        return link_rule(self.shared_words, self.longest, max(self.coverage_a, self.coverage_b))

    def as_dict(self) -> dict:
        return {"spans": self.spans, "wspans": self.wspans, "shared_words": self.shared_words,
                "coverage_a": round(self.coverage_a, 4), "coverage_b": round(self.coverage_b, 4),
                "longest": self.longest, "monotonic": self.monotonic, "substitutions": self.substitutions,
                "whole_a": round(self.whole_a, 3), "whole_b": round(self.whole_b, 3),
                "uncovered_a": self.uncovered_a, "uncovered_b": self.uncovered_b,
                "paras_a": self.paras_a, "paras_b": self.paras_b}


def link_rule(shared: int, longest: int, cover: float) -> bool:
    """Do two bodies sharing ``shared`` aligned words (longest segment ``longest``, covering ``cover`` of the
    more covered body) count as linked?"""
    if longest < MIN_SEGMENT:
        return False
    if shared < MIN_SHARED:
        return shared >= MIN_SEGMENT + 5 and cover >= 0.5
    return cover >= MIN_COVER or shared >= MIN_SHARED_ABS


def _sorted(d: Doc, mask, fill) -> tuple:
    """(order, sorted n-grams, unique values, first position in sorted, count) of a body's n-grams, masked
    positions replaced by ``fill``; kept on the Doc when unmasked (a body aligned with several partners)."""
    if mask is None and d.sorted_ng is not None:
        return d.sorted_ng
    g = d.ng if mask is None else np.where(mask, fill, d.ng)
    o = np.argsort(g, kind="stable")
    sg = g[o]
    if len(sg):
        new = np.empty(len(sg), dtype=bool)
        new[0] = True
        np.not_equal(sg[1:], sg[:-1], out=new[1:])
        first = new.nonzero()[0]
    else:
        first = np.zeros(0, dtype=np.int64)
    cnt = np.append(first[1:], len(sg)) - first
    out = (o, sg, sg[first], first, cnt)
    if mask is None:
        d.sorted_ng = out
    return out


def seeds(a: Doc, b: Doc, mask_a=None, mask_b=None) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) word positions of n-grams shared by both bodies, sorted by i. N-grams that repeat inside a
    body pair every occurrence with every other (up to MAX_REPEAT each)."""
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(a.ng) == 0 or len(b.ng) == 0:
        return empty
    oa, sa, ua, fa, ca = _sorted(a, mask_a, np.uint64(0))
    ob, sb, ub, fb, cb = _sorted(b, mask_b, np.uint64(1))
    k = np.searchsorted(ub, ua)
    k[k == len(ub)] = 0
    hit = ub[k] == ua
    ia = hit.nonzero()[0]
    if len(ia) == 0:
        return empty
    ib = k[ia]
    na, nb = ca[ia], cb[ib]
    one = (na == 1) & (nb == 1)
    i = oa[fa[ia[one]]]
    j = ob[fb[ib[one]]]
    rep = (~one & (na <= MAX_REPEAT) & (nb <= MAX_REPEAT)).nonzero()[0]
    if len(rep):
        xi, yj = [i], [j]
        for r in rep.tolist():
            xs = oa[fa[ia[r]]:fa[ia[r]] + na[r]]
            ys = ob[fb[ib[r]]:fb[ib[r]] + nb[r]]
            xi.append(np.repeat(xs, len(ys)))
            yj.append(np.tile(ys, len(xs)))
        i, j = np.concatenate(xi), np.concatenate(yj)
    i = i.astype(np.int64, copy=False)
    j = j.astype(np.int64, copy=False)
    o = np.lexsort((j, i))
    return i[o], j[o]


def align(a: Doc, b: Doc, mask_a=None, mask_b=None) -> Alignment:
    """Align two bodies; n-grams under ``mask_a`` / ``mask_b`` (boilerplate) are not used as seeds."""
    res = Alignment()
    if a.n < NGRAM or b.n < NGRAM:
        return res
    i, j = seeds(a, b, mask_a, mask_b)
    if len(i) == 0:
        return res
    # runs of consecutive seeds on one diagonal
    d = j - i
    brk = np.ones(len(i), dtype=bool)
    o = np.lexsort((i, d))          # by diagonal, then position: runs are consecutive i on one diagonal
    i, j, d = i[o], j[o], d[o]
    brk = np.ones(len(i), dtype=bool)
    brk[1:] = (i[1:] - i[:-1] != 1) | (d[1:] != d[:-1])
    starts = brk.nonzero()[0]
    last = np.append(starts[1:], len(i)) - 1
    runs = sorted(zip(i[starts].tolist(), (i[last] + NGRAM).tolist(), j[starts].tolist(), (j[last] + NGRAM).tolist()))
    # merge runs into segments (ordered by a position, then allow small gaps / skews)
    segs: list[list[tuple[int, int, int, int]]] = []
    for r in runs:
        for seg in reversed(segs[-8:]):
            last = seg[-1]
            ga, gb = r[0] - last[1], r[2] - last[3]
            if -NGRAM < ga <= MAX_GAP and -NGRAM < gb <= MAX_GAP and abs(ga - gb) <= MAX_SKEW:
                seg.append(r)
                break
        else:
            segs.append([r])
    cand = []
    for s in segs:
        a0, a1 = s[0][0], max(r[1] for r in s)
        b0, b1 = s[0][2], max(r[3] for r in s)
        if b1 <= b0:
            continue
        matched, cur = 0, a0      # words of [a0, a1) under some run (runs come in order of their start)
        for r in s:
            if r[1] > cur:
                matched += r[1] - max(r[0], cur)
                cur = r[1]
        if matched < MIN_DENSITY * (a1 - a0):
            continue
        cand.append((min(a1 - a0, b1 - b0), a0, a1, b0, b1, s))
    cand.sort(key=lambda c: (-c[0], c[1]))
    used_a = np.zeros(a.n, dtype=bool)
    used_b = np.zeros(b.n, dtype=bool)
    chosen = []
    for ln, a0, a1, b0, b1, s in cand:
        if ln < MIN_SEGMENT:
            break
        if used_a[a0:a1].any() or used_b[b0:b1].any():
            # trim the overlapping ends once (a segment touching an earlier one), else drop
            free_a = (~used_a[a0:a1]).nonzero()[0]
            free_b = (~used_b[b0:b1]).nonzero()[0]
            if len(free_a) < MIN_SEGMENT or len(free_b) < MIN_SEGMENT:
                continue
            na0, na1 = a0 + int(free_a[0]), a0 + int(free_a[-1]) + 1
            nb0, nb1 = b0 + int(free_b[0]), b0 + int(free_b[-1]) + 1
            if used_a[na0:na1].any() or used_b[nb0:nb1].any():
                continue
            a0, a1, b0, b1 = na0, na1, nb0, nb1
            s = [(max(r[0], a0), min(r[1], a1), max(r[2], b0), min(r[3], b1)) for r in s
                 if min(r[1], a1) > max(r[0], a0) and min(r[3], b1) > max(r[2], b0)]
            if not s:
                continue
        used_a[a0:a1] = True
        used_b[b0:b1] = True
        chosen.append((a0, a1, b0, b1, s))
    if not chosen:
        return res
    chosen.sort()
    res.longest = max(min(c[1] - c[0], c[3] - c[2]) for c in chosen)
    na = int(used_a.sum())
    res.shared_words = na
    res.coverage_a = float(na) / a.n
    res.coverage_b = float(used_b.sum()) / b.n
    bs = [c[2] for c in chosen]
    res.monotonic = all(x < y for x, y in zip(bs, bs[1:]))
    subs = []
    for a0, a1, b0, b1, s in chosen:
        for x, y in zip(s, s[1:]):  # equal gaps between runs: substituted words
            ga, gb = y[0] - x[1], y[2] - x[3]
            if 0 < ga == gb <= 3:
                subs.append([a.words_between(x[1], y[0]), b.words_between(x[3], y[2])])
        for wa0, wa1, wb0, wb1 in _cut_paragraphs(a, b, a0, a1, b0, b1, s):
            res.wspans.append([wa0, wa1, wb0, wb1])
            res.spans.append([_left(a, wa0), _right(a, wa1 - 1), _left(b, wb0), _right(b, wb1 - 1)])
    res.substitutions = subs[:50]
    for d, used, side in ((a, used_a, "a"), (b, used_b, "b")):
        npara, tot, first, last, _ = d.para_stats
        cov = np.bincount(d.para, weights=used, minlength=npara)
        unc = ((tot > 0) & (cov < 0.5 * tot)).nonzero()[0][:8].tolist()
        setattr(res, "uncovered_" + side, [[k, _para_text(d, k)] for k in unc])
        setattr(res, "paras_" + side, int((tot > 0).sum()))
        k = 0 if side == "a" else 2
        whole = 0
        para = d.para
        for ws in res.wspans:
            pi = para[ws[k]]
            if abs(ws[k] - first[pi]) <= 1 and abs(ws[k + 1] - last[pi]) <= 1:
                whole += 1
        setattr(res, "whole_" + side, whole / len(res.wspans) if res.wspans else 0.0)
    return res


def _para_text(d: Doc, k: int) -> str:
    s, e = d.para_spans[k]
    t = d.body[s:e]
    return t if len(t) <= 160 else t[:157] + "..."


def _cut_paragraphs(a: Doc, b: Doc, a0: int, a1: int, b0: int, b1: int, runs) -> list[tuple[int, int, int, int]]:
    """Cut one segment where a paragraph ends in either body; b positions follow the local diagonal."""
    def b_of(ai: int) -> int:
        for r in runs:
            if r[0] <= ai < r[1]:  # (a trimmed run can be shorter on one side: stay inside the segment)
                return min(b1, max(b0, ai + (r[2] - r[0])))
        prev = [r for r in runs if r[1] <= ai]
        r = prev[-1] if prev else runs[0]
        return min(b1, max(b0, ai + (r[2] - r[0])))

    pa, pb = a.para_stats[4], b.para_stats[4]     # first words of paragraphs (where the paragraph changes)
    cuts_a = set(pa[np.searchsorted(pa, a0, "right"):np.searchsorted(pa, a1, "left")].tolist())
    for bj in pb[np.searchsorted(pb, b0, "right"):np.searchsorted(pb, b1, "left")].tolist():
        for r in runs:
            if r[2] < bj < r[3]:
                cuts_a.add(bj - (r[2] - r[0]))
                break
    pts = sorted(c for c in cuts_a if a0 < c < a1)
    out = []
    prev_a, prev_b = a0, b0
    for c in pts:
        cb = b_of(c)
        if cb <= prev_b:
            continue
        out.append((prev_a, c, prev_b, cb))
        prev_a, prev_b = c, cb
    if a1 > prev_a and b1 > prev_b:
        out.append((prev_a, a1, prev_b, b1))
    # drop pieces that are pure paragraph-boundary artefacts (one empty side)
    return [o for o in out if o[1] > o[0] and o[3] > o[2]]


def _left(d: Doc, w: int) -> int:
    """Start of word ``w``, extended over punctuation attached to it (opening quotes, brackets)."""
    x = int(d.starts[w])
    lo = int(d.ends[w - 1]) if w > 0 else 0
    while x > lo and not d.body[x - 1].isspace():
        x -= 1
    return x


def _right(d: Doc, w: int) -> int:
    """End of word ``w``, extended over attached punctuation (full stop, closing quotes)."""
    x = int(d.ends[w])
    hi = int(d.starts[w + 1]) if w + 1 < d.n else len(d.body)
    while x < hi and not d.body[x].isspace():
        x += 1
    return x
