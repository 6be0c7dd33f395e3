"""Token features of the claims tagger (a linear-chain CRF), computed from one spaCy parse per paragraph.

The same function feeds training (``bench/claims_train.py`` over PolNeAR train) and tagging
(:mod:`.claims`), so the model only ever sees features made the same way. Features are lexical (word,
shape, quote state across the paragraph and from the previous one), part of speech, the dependency links
to reporting cues (subject of a cue, inside its complement) and named-entity types.
"""
from __future__ import annotations

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


def shape(w: str) -> str:
    return _SHAPE.sub(lambda m: "X" if m.group()[0].isupper() else ("x" if m.group()[0].islower() else "d"), w)[:6]


def quote_depths(doc, carried: int = 0) -> tuple[list[int], int]:
    """Quote depth of each token (0 = outside quotes) and the depth left open at the paragraph's end.

    A paragraph that opens a quote its predecessor left open continues that quote (the convention for
    quotes running over paragraphs): ``carried`` is the previous paragraph's open depth.
    """
    depth = 0
    out = []
    first = True
    for tok in doc:
        t = tok.text
        if first and carried and t in OPEN_QUOTES | STRAIGHT:
            depth = 1
            out.append(depth)
            first = False
            continue
        first = False
        if t in STRAIGHT:
            depth = 0 if depth else 1
            out.append(max(depth, 1))
            continue
        if t in OPEN_QUOTES and not (t == "‘" and tok.whitespace_ == "" and tok.i + 1 < len(doc) and doc[tok.i + 1].is_digit):
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


def token_features(doc, carried: int = 0) -> tuple[list[dict[str, object]], int]:
    """CRF feature dicts for each token of one paragraph's parse, and the quote depth left open."""
    depths, left_open = quote_depths(doc, carried)
    has_dep = doc.has_annotation("DEP")
    rel, dist = _cue_links(doc) if has_dep else ([""] * len(doc), [99] * len(doc))
    n = len(doc)
    base = []
    for tok in doc:
        low = tok.lower_
        f = {
            "b": 1.0,
            "w": low,
            "sh": shape(tok.text),
            "pos": tok.pos_,
            "tag": tok.tag_,
            "q": str(min(depths[tok.i], 2)),
            "qc": is_quote(tok.text),
            "cue": low in CUE_VERBS,
            "ncue": low in NOMINAL_CUES,
            "ent": tok.ent_type_ or "-",
            "ss": tok.is_sent_start,
            "se": tok.i + 1 == n or doc[tok.i + 1].is_sent_start,
            "suf3": low[-3:],
        }
        if has_dep:
            f["dep"] = tok.dep_
            f["hw"] = tok.head.lower_ if tok.head.lower_ in CUE_VERBS else tok.head.pos_
            f["rel"] = rel[tok.i] or "-"
            f["dist"] = _bucket(dist[tok.i])
            f["rel|q"] = f"{f['rel']}|{f['q']}"
        base.append(f)
    feats = []
    for i, f in enumerate(base):
        d = dict(f)
        for k in (-2, -1, 1, 2):
            j = i + k
            if 0 <= j < n:
                g = base[j]
                d[f"{k}:w"] = g["w"]
                d[f"{k}:pos"] = g["pos"]
                d[f"{k}:q"] = g["q"]
                if abs(k) == 1:
                    d[f"{k}:cue"] = g["cue"]
                    d[f"{k}:w|w"] = f"{g['w']}|{f['w']}"
            else:
                d[f"{k}:pad"] = True
        feats.append(d)
    return feats, left_open
