"""Token features of the claims tagger (a linear-chain CRF), computed from one spaCy parse per paragraph.

The same function feeds training (``bench/claims_train.py`` over PolNeAR train) and tagging
(:mod:`.claims`), so the model only ever sees features made the same way. Features are lexical (word,
shape, quote state across the paragraph and from the previous one), part of speech, the dependency links
to reporting cues (subject of a cue, inside its complement). No named-entity types: the claims parse has no
NER (it was ~2/3 of the parse's time).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

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

CUE_RATES = Path(__file__).parent / "models" / "claims_cues.json"
# Learned cue words (session 12): each token's share of train occurrences inside a gold cue, bucketed, is a
# feature of itself and its neighbours, and a word with a rate of at least RATE_CUE_MIN counts as a reporting
# word for the link / nearest-cue features alongside the fixed list above (which misses most of PolNeAR's cues:
# "think", "wants", "poll", "shows", ...). Training reads out-of-fold rates (bench/claims_train.py), so the
# model does not learn to trust a rate that saw its own label. Per path: whether its shipped model was trained
# with them (bench/README "Claims", session 12, held-out train figures).
RATE_FEATURES = {"parse": False, "fast": True}
RATE_CUE_MIN = 0.3
RATES_OVERRIDE: dict[str, float] | None = None  # training only: the out-of-fold rates of the article at hand


@functools.lru_cache(maxsize=4)
def cue_rates(path: str | None = None) -> dict[str, float]:
    """Lowercased word -> share of its PolNeAR train occurrences inside a gold cue (words seen 3+ times, shares
    of 0.2 and more; ``bench/claims_train.py --cues`` writes it); empty when the file is absent."""
    f = Path(path) if path else CUE_RATES
    return json.loads(f.read_text()) if f.exists() else {}


_RATE_TABLES: list = [None, None]  # the rate table last read and (its reporting words, word -> bucket)


def _rates() -> tuple[frozenset, dict[str, str]]:
    """The reporting words (the fixed list and the learned ones) and word -> rate bucket of the current rate
    table (made once per table)."""
    rates = RATES_OVERRIDE if RATES_OVERRIDE is not None else cue_rates()
    if _RATE_TABLES[0] is not rates:
        words = CUE_VERBS | {w for w, r in rates.items() if r >= RATE_CUE_MIN}
        _RATE_TABLES[:] = [rates, (words, {w: _rate_bucket(r) for w, r in rates.items() if r >= 0.2})]
    return _RATE_TABLES[1]


def _rate_bucket(r: float) -> str:
    return "0" if r < 0.2 else "2" if r < 0.4 else "4" if r < 0.6 else "6" if r < 0.8 else "8"


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


def _cue_links(doc, cue_words: frozenset | set = CUE_VERBS) -> tuple[list[str], list[int]]:
    """Per token: its relation to a reporting cue (subj / comp / obj / '') and the cue's distance."""
    rel = [""] * len(doc)
    dist = [99] * len(doc)
    for tok in doc:
        low = tok.lower_
        if not ((low in cue_words and tok.pos_ in ("VERB", "AUX")) or (low == "according" and tok.i + 1 < len(doc)
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
    if not doc.has_annotation("DEP"):
        return fast_token_features(doc, carried, quotes)
    toks = list(doc)
    texts = [t.text for t in toks]
    depths, left_open = quotes if quotes is not None else quote_depths(doc, carried, texts)
    lows = [t.lower_ for t in toks]
    cue_words, rbs = _rate_words(lows, RATE_FEATURES["parse"])
    rel, dist = _cue_links(doc, cue_words)
    starts = [t.is_sent_start for t in toks]
    poss = [t.pos_ for t in toks]
    qs = [str(min(d, 2)) for d in depths]
    cues = [w in cue_words for w in lows]
    # the window features of each token, made once per (offset, token) rather than per use
    win = {}
    for k in (-2, -1, 1, 2):
        win[k] = [[f"{k}:w:{w}", f"{k}:pos:{p}", f"{k}:q:{q}"] for w, p, q in zip(lows, poss, qs)]
    if rbs:
        for k in (-2, -1, 1, 2):
            for w, b in zip(win[k], rbs):
                w.append(f"{k}:cr:{b}")
    base = []
    for i, tok in enumerate(toks):
        low = lows[i]
        text = texts[i]
        q = qs[i]
        f = ["b", "w:" + low, "sh:" + shape(text), "pos:" + poss[i], "tag:" + tok.tag_, "q:" + q,
             "suf3:" + low[-3:]]
        h = tok.head.i
        hl = lows[h]
        r = rel[i] or "-"
        f += ["dep:" + tok.dep_, "hw:" + (hl if hl in cue_words else poss[h]), "rel:" + r,
              "dist:" + _bucket(dist[i]), f"rel|q:{r}|{q}"]
        if rbs:
            f.append("cr:" + rbs[i])
        base.append(f)
    _flags_and_windows(base, texts, lows, cues, starts, win, (-2, -1, 1, 2))
    return base, left_open


def _rate_words(lows: list[str], on: bool) -> tuple[frozenset, list[str]]:
    """The reporting words (the fixed list, plus, when ``on``, the words with a train cue rate of at least
    RATE_CUE_MIN) and each token's cue-rate bucket (empty when off)."""
    if not on:
        return CUE_VERBS, []
    words, buckets = _rates()
    return words, [buckets.get(w, "0") for w in lows]


def _flags_and_windows(base: list[list[str]], texts: list[str], lows: list[str], cues: list[bool],
                       starts: list[bool], win: dict, offsets: tuple[int, ...]) -> None:
    """Each token's flags (quote character, cue, nominal cue, sentence start / end) and window features
    (``win[k][j]``: token j's features as seen from offset k; cue and word pair at ±1) appended to its list in
    ``base`` (one pass per offset over the paragraph)."""
    n = len(base)
    for i, f in enumerate(base):
        if texts[i] in _QUOTES:
            f.append("qc")
        if cues[i]:
            f.append("cue")
        if lows[i] in NOMINAL_CUES:
            f.append("ncue")
        if starts[i]:
            f.append("ss")
        if i + 1 == n or starts[i + 1]:
            f.append("se")
    for k in offsets:
        src = win[k]
        pad = f"{k}:pad"
        if k < 0:
            for f in base[:-k]:
                f.append(pad)
            for f, w in zip(base[-k:], src):
                f += w
        else:
            for f, w in zip(base, src[k:]):
                f += w
            for f in base[max(n - k, 0):]:
                f.append(pad)
        if k in (-1, 1):
            for i in range(max(0, -k), min(n, n - k)):
                j = i + k
                if cues[j]:
                    base[i].append(f"{k}:cue")
                base[i].append(f"{k}:w|w:{lows[j]}|{lows[i]}")


LEXICON = Path(__file__).parent / "models" / "claims_lex.json"


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    """Lowercased word -> its most frequent fine tag in the spaCy parses of PolNeAR train (words seen twice or
    more; ``bench/claims_train.py --fast`` writes it): a tagger's guess at no cost."""
    return json.loads(LEXICON.read_text()) if LEXICON.exists() else {}


def lex_tag(low: str, text: str, sent_start: bool, lex: dict[str, str]) -> str:
    t = lex.get(low)
    if t is not None:
        return t
    if text[:1].isupper():
        return "NNP"
    if any(c.isdigit() for c in text):
        return "CD"
    if not any(c.isalpha() for c in text):
        return "SYM"
    for suf, tg in (("ly", "RB"), ("ing", "VBG"), ("ed", "VBN"), ("s", "NNS")):
        if low.endswith(suf):
            return tg
    return "NN"


_CTX_WORDS = frozenset({"that", ",", ".", ":", "to", "on", "in", "the", "a", "he", "she", "they", "it", "this"})


def fast_token_features(doc, carried: int = 0, quotes: tuple[list[int], int] | None = None
                        ) -> tuple[list[list[str]], int]:
    """CRF features of a paragraph that was only tokenized and split into sentences (no tagger, no parser:
    :func:`newstrace.analyze.nlp.tokens`): words, shapes, quote state, a lexicon's guess at each word's tag,
    and where the nearest reporting word of the sentence lies (side, distance, what stands right before and
    after it, a comma in between) in place of the parse's links to it."""
    toks = list(doc)
    texts = [t.text for t in toks]
    depths, left_open = quotes if quotes is not None else quote_depths(doc, carried, texts)
    n = len(toks)
    lows = [t.lower_ for t in toks]
    starts = [t.is_sent_start for t in toks]
    qs = ["2" if d >= 2 else "1" if d else "0" for d in depths]
    cue_words, rbs = _rate_words(lows, RATE_FEATURES["fast"])
    cues = [w in cue_words or (w == "according" and i + 1 < n and lows[i + 1] == "to") for i, w in enumerate(lows)]
    lex = _lexicon()
    tags = [lex_tag(lows[i], texts[i], starts[i], lex) for i in range(n)]
    commas = [0] * (n + 1)  # commas before each token (prefix sums)
    for i, t in enumerate(texts):
        commas[i + 1] = commas[i] + (t == ",")
    # per sentence: each token's nearest cue word of the same sentence and the cue's construction, seen from
    # the token ("X said that", ", he said.", "said: "); whether the sentence has a quote
    extra: list[list[str]] = [[] for _ in range(n)]
    sides = ["-"] * n
    a = 0
    for b in range(1, n + 1):
        if b < n and not starts[b]:
            continue
        cidx = [i for i in range(a, b) if cues[i]]
        sq = "1" if any(texts[i] in _QUOTES for i in range(a, b)) else "0"
        ctx = {}
        for c in cidx:
            left = tags[c - 1] if c > a else "^"
            right = (lows[c + 1] if lows[c + 1] in _CTX_WORDS or texts[c + 1] in _QUOTES else tags[c + 1]) \
                if c + 1 < b else "$"
            ctx[c] = f"{left}|{right}"
        k = 0
        for i in range(a, b):
            if cidx:
                while k + 1 < len(cidx) and abs(cidx[k + 1] - i) < abs(cidx[k] - i):
                    k += 1
                c = cidx[k]
                side = "L" if i < c else "R" if i > c else "C"
                d = abs(i - c)
                sd = side + ("0" if d == 0 else "1" if d == 1 else "2-3" if d <= 3 else "4-7" if d <= 7 else
                             "8-12" if d <= 12 else "far")
                lo, hi = (i, c) if i < c else (c, i)
                extra[i] = [f"cx:{side}|{ctx[c]}", f"cm:{side}|{commas[hi] - commas[lo + 1] > 0}"]
            else:
                side = sd = "-"
            sides[i] = sd
            extra[i] += [f"cd|sq:{side}|{sq}", f"cd|q:{side}|{qs[i]}"]
        a = b
    if rbs:
        win = {k: [[f"{k}:w:{w}", f"{k}:q:{q}", f"{k}:t:{t}", f"{k}:cr:{b}"] for w, q, t, b in zip(lows, qs, tags, rbs)]
               for k in (-2, -1, 1, 2)}
    else:
        win = {k: [[f"{k}:w:{w}", f"{k}:q:{q}", f"{k}:t:{t}"] for w, q, t in zip(lows, qs, tags)] for k in (-2, -1, 1, 2)}
    win[-3] = [[f"-3:w:{w}"] for w in lows]
    win[3] = [[f"3:w:{w}"] for w in lows]
    base = []
    for i in range(n):
        low = lows[i]
        text = texts[i]
        sd = sides[i]
        f = ["b", "w:" + low, "sh:" + shape(text), "q:" + qs[i], "suf3:" + low[-3:], "suf2:" + low[-2:],
             "cd:" + sd, "t:" + tags[i], f"cd|t:{sd}|{tags[i]}"]
        if rbs:
            f.append("cr:" + rbs[i])
        f += extra[i]
        base.append(f)
    _flags_and_windows(base, texts, lows, cues, starts, win, (-3, -2, -1, 1, 2, 3))
    return base, left_open
