"""Token features of the claims tagger (a linear-chain CRF), computed from one spaCy parse per paragraph.

The same function feeds training (``bench/claims_train.py`` over PolNeAR train) and tagging
(:mod:`.claims`), so the model only ever sees features made the same way. Features are lexical (word,
shape, quote state across the paragraph and from the previous one), part of speech, the dependency links
to reporting cues (subject of a cue, inside its complement). No named-entity types: the claims parse has no
NER (it was ~2/3 of the parse's time).
"""
from __future__ import annotations

import functools
import re

# reporting verbs (inflected forms) and nominal cues; the CRF learns their weight, these only flag them
_CUE_VERBS = """say said says saying tell told tells telling report reported reports reporting claim claimed claims
add added adds adding note noted notes noting state stated states explain explained explains warn warned warns
argue argued argues insist insisted insists confirm confirmed confirms deny denied denies announce announced
announces acknowledge acknowledged acknowledges admit admitted admits believe believed believes think thought
thinks write wrote writes written suggest suggested suggests ask asked asks tweet tweeted tweets reveal revealed
reveals declare declared declares allege alleged alleges stress stressed stresses predict predicted predicts
describe described describes accuse accused accuses call called calls estimate estimated estimates show showed
shows found find finds learn learned learns recall recalled recalls told continue continued continues
emphasize emphasized emphasizes contend contended contends assert asserted asserts maintain maintained
maintains concede conceded concedes point pointed points agree agreed agrees criticize criticized
criticizes blast blasted blasts urge urged urges promise promised promises vow vowed vows complain
complained complains reply replied replies respond responded responds indicate indicated indicates
argues mention mentioned mentions quip quipped quips joke joked jokes recount recounted recounts""".split()
CUE_VERBS = frozenset(_CUE_VERBS)
NOMINAL_CUES = frozenset("""statement interview remarks comments report letter speech tweet post op-ed
testimony memo release briefing poll survey study analysis filing complaint lawsuit view views opinion
accusation claim claims""".split())
OPEN_QUOTES = {"“", "«", "„", "``", "‘", "‹"}
CLOSE_QUOTES = {"”", "»", "''", "’", "›"}
STRAIGHT = {'"'}
_SHAPE = re.compile(r"[A-Z]+|[a-z]+|[0-9]+")


def is_quote(text: str) -> bool:
    return text in OPEN_QUOTES or text in CLOSE_QUOTES or text in STRAIGHT


@functools.lru_cache(maxsize=65536)
def shape(w: str) -> str:
    return _SHAPE.sub(lambda m: "X" if m.group()[0].isupper() else ("x" if m.group()[0].islower() else "d"), w)[:6]


_QUOTES = OPEN_QUOTES | CLOSE_QUOTES | STRAIGHT


def quote_depths(doc, carried: int = 0, texts: list[str] | None = None) -> tuple[list[int], int]:
    """Quote depth of each token (0 = outside quotes) and the depth left open at the paragraph's end.

    A paragraph that opens a quote its predecessor left open continues that quote (the convention for
    quotes running over paragraphs): ``carried`` is the previous paragraph's open depth. ``texts``: the
    tokens' texts when the caller has them already (speed only).
    """
    if texts is None:
        texts = [t.text for t in doc]
    depth = 0
    out = []
    n = len(texts)
    for i, t in enumerate(texts):
        if t not in _QUOTES:
            out.append(depth)
            continue
        if i == 0 and carried and t in OPEN_QUOTES | STRAIGHT:
            depth = 1
            out.append(depth)
            continue
        if t in STRAIGHT:
            depth = 0 if depth else 1
            out.append(max(depth, 1))
            continue
        if t in OPEN_QUOTES and not (t == "‘" and doc[i].whitespace_ == "" and i + 1 < n and doc[i + 1].is_digit):
            depth = min(depth + 1, 2)
            out.append(depth)
            continue
        if t in CLOSE_QUOTES and depth:
            out.append(depth)
            depth -= 1
            continue
        out.append(depth)
    return out, depth


def _cue_links(doc) -> tuple[list[str], list[int]]:
    """Per token: its relation to a reporting cue (subj / comp / obj / '') and the cue's distance."""
    rel = [""] * len(doc)
    dist = [99] * len(doc)
    for tok in doc:
        low = tok.lower_
        if not ((low in CUE_VERBS and tok.pos_ in ("VERB", "AUX")) or (low == "according" and tok.i + 1 < len(doc)
                                                                   and doc[tok.i + 1].lower_ == "to")):
            continue
        for child in tok.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                tag = "subj"
            elif child.dep_ in ("ccomp", "xcomp", "parataxis", "advcl"):
                tag = "comp"
            elif child.dep_ in ("dobj", "prep", "pobj", "dative"):
                tag = "obj"
            else:
                continue
            for t in child.subtree:
                if not rel[t.i]:
                    rel[t.i] = tag
        # a cue inside a parenthetical ("..., he said, ...") governs its head clause
        if tok.dep_ in ("parataxis", "advcl", "ccomp") and tok.head.i != tok.i:
            for t in tok.head.subtree:
                if not rel[t.i] and not (tok.left_edge.i <= t.i <= tok.right_edge.i):
                    rel[t.i] = "host"
        for t in doc[max(0, tok.i - 12): tok.i + 13]:
            dist[t.i] = min(dist[t.i], abs(t.i - tok.i))
    return rel, dist


def _bucket(d: int) -> str:
    return "0" if d == 0 else "1" if d == 1 else "2-3" if d <= 3 else "4-7" if d <= 7 else "8-12" if d <= 12 else "far"


def token_features(doc, carried: int = 0, quotes: tuple[list[int], int] | None = None
                   ) -> tuple[list[list[str]], int]:
    """CRF features of each token of one paragraph's parse (crfsuite attribute names: ``key:value`` for a
    string, ``key`` for a flag that is on), and the quote depth left open. ``quotes``: the paragraph's
    :func:`quote_depths` when the caller has them already."""
    toks = list(doc)
    texts = [t.text for t in toks]
    depths, left_open = quotes if quotes is not None else quote_depths(doc, carried, texts)
    n = len(toks)
    has_dep = doc.has_annotation("DEP")
    rel, dist = _cue_links(doc) if has_dep else ([""] * n, [99] * n)
    lows = [t.lower_ for t in toks]
    starts = [t.is_sent_start for t in toks]
    poss = [t.pos_ for t in toks]
    qs = [str(min(d, 2)) for d in depths]
    cues = [w in CUE_VERBS for w in lows]
    # the window features of each token, made once per (offset, token) rather than per use
    win = {}
    for k in (-2, -1, 1, 2):
        win[k] = [[f"{k}:w:{w}", f"{k}:pos:{p}", f"{k}:q:{q}"] for w, p, q in zip(lows, poss, qs)]
    base = []
    for i, tok in enumerate(toks):
        low = lows[i]
        text = texts[i]
        q = qs[i]
        f = ["b", "w:" + low, "sh:" + shape(text), "pos:" + poss[i], "tag:" + tok.tag_, "q:" + q,
             "suf3:" + low[-3:]]
        if text in _QUOTES:
            f.append("qc")
        if cues[i]:
            f.append("cue")
        if low in NOMINAL_CUES:
            f.append("ncue")
        if starts[i]:
            f.append("ss")
        if i + 1 == n or starts[i + 1]:
            f.append("se")
        if has_dep:
            h = tok.head.i
            hl = lows[h]
            r = rel[i] or "-"
            f += ["dep:" + tok.dep_, "hw:" + (hl if hl in CUE_VERBS else poss[h]), "rel:" + r,
                  "dist:" + _bucket(dist[i]), f"rel|q:{r}|{q}"]
        for k in (-2, -1, 1, 2):
            j = i + k
            if 0 <= j < n:
                f += win[k][j]
                if k == -1 or k == 1:
                    if cues[j]:
                        f.append(f"{k}:cue")
                    f.append(f"{k}:w|w:{lows[j]}|{low}")
            else:
                f.append(f"{k}:pad")
        base.append(f)
    return base, left_open
