"""The two constants of the claims missed-cue pass, swept on held-out PolNeAR **train** (never dev).

``claims.SOURCE_WINDOW`` (how many words before a new cue may be its source) and ``claims.MIN_CONTENT_WORDS``
(how many words a content needs, else the other side of the sentence, else none) are read by
``claims.second_cues`` and ``claims._bare_content``. The shipped tokens-only model (``claims_crf_fast``) was fitted
on train articles 0-319 (bench/README "Claims"), so later train articles are held out from it: the sweep is
scored on 320-399 (content / source / cue F1 at >= 50% overlap, the benchmark's scorer, bench/claims_polnear.py), one constant
at a time around the shipped pair, then the grid of the best values; the chosen pair and the shipped one are
confirmed on 480-559. The cue-rate file the pass reads was built from all 840 train articles (gold cues
only), so these articles are not wholly unseen by the pass: the choice is among settings, each scored the same way.

Since session 12 the shipped tokens-only model saw all 840 train articles: give a model fitted without the
scored articles with ``--fast-model`` (``claims_train.py --fast --keep-lexicon --holdout 160 --out F`` fits on
0-679) and ``--rates-from N`` (cue rates of train articles 0..N-1 only, for its features and the pass).
``--parse-taggers P0[:rates],tokens --cache DIR``: the parse path's tagger choice (parse model or the tokens-only
model on the parse's tokens). ``--short-sentences``: what the outlet-voice minimum of 3 tokens (``claims._assertions``) drops.
``--steps``: instead of the sweep, the post-tagger steps on and off on ``--choose`` (the missed-cue pass,
``claims._cut_own_cue``), how session 12 scored them.

Usage: ``nice -n 10 .venv/bin/python bench/claims_constants.py [--choose 320:400] [--confirm 480:560]
[--windows 3,4,6,8] [--mins 2,3,4,5] [--fast-model F --rates-from N] [--steps]``. (Session 11 also swept an inner-claim pass for nested
attributions here at commit 8e406f5, ``--nested``: it lost at every threshold and was removed; bench/README.)
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import table  # noqa: E402
from polnear_data import load  # noqa: E402


def _range(s: str) -> tuple[int, int]:
    a, b = s.split(":")
    return int(a), int(b)


def scores(items, window: int, min_words: int) -> tuple[float, float, float]:
    """Overlap F1 of content, source, cue on ``items`` [(doc, tokens-only paragraph docs)] with these constants."""
    import claims_polnear as cp

    from newstrace.analyze import claims

    old = claims.SOURCE_WINDOW, claims.MIN_CONTENT_WORDS
    claims.SOURCE_WINDOW, claims.MIN_CONTENT_WORDS = window, min_words
    try:
        sc = cp.score([(cp.system_items(d, ps), cp.gold_items(d)) for d, ps in items])
    finally:
        claims.SOURCE_WINDOW, claims.MIN_CONTENT_WORDS = old
    return tuple(sc[(r, "overlap", "all")][2] for r in cp.ROLES)


def _cache_tagger() -> None:
    """The tagger's input and output do not depend on the swept constants (the missed-cue pass runs after it):
    compute them once per paragraph (keyed by the paragraph's Doc, kept alive by the items) and reuse them."""
    from newstrace.analyze import claims

    feats_of: dict = {}
    labels_of: dict = {}
    token_features, tag = claims.token_features, claims.tag

    def cached_features(sdoc, carried=0, quotes=None):
        k = (id(sdoc), carried)
        if k not in feats_of:
            feats_of[k] = (sdoc, token_features(sdoc, carried, quotes))
        return feats_of[k][1]

    def cached_tag(feats, fast=False):
        k = (id(feats), fast)
        if k not in labels_of:
            labels_of[k] = (feats, tag(feats, fast=fast))
        return list(labels_of[k][1])

    claims.token_features, claims.tag = cached_features, cached_tag


def steps(rng: tuple[int, int]) -> int:
    """``--steps``: overlap F1 with the missed-cue pass and the own-cue cut on and off (tokens only)."""
    import claims_polnear as cp

    from newstrace.analyze import claims
    from newstrace.analyze.nlp import parse_bodies

    docs = load("train", rng[1])[rng[0]:]
    if not docs:
        print("PolNeAR train not found under ../shared/data/polnear: skipped.")
        return 0
    items = list(zip(docs, parse_bodies([d.text for d in docs], parse=False)))
    orig = claims.analyse
    rows = []
    for second, cut, voiced in ((True, False, False), (True, True, False), (False, True, False), (True, True, True)):
        claims.analyse = lambda *x, _s=second, _c=cut, _v=voiced, **k: orig(*x, **{**k, "second": _s, "cut": _c,
                                                                                   "voiced": _v})
        try:
            sc = cp.score([(cp.system_items(d, ps), cp.gold_items(d)) for d, ps in items])
        finally:
            claims.analyse = orig
        rows.append([f"missed-cue pass {'on' if second else 'off'}, own-cue cut {'on' if cut else 'off'}, "
                     f"source-less own-voice claims {'dropped' if voiced else 'kept'}",
                     *(f"{sc[(r, 'overlap', 'all')][2]:.4f}" for r in cp.ROLES)])
    print(f"PolNeAR train articles {rng[0]}-{rng[1] - 1}, tokens only\n")
    print(table(["steps", "content F1", "source F1", "cue F1"], rows))
    return 0


def parse_taggers(rng: tuple[int, int], arms: list[str], cache: str | None) -> int:
    """``--parse-taggers``: which tagger the parse path should run (``claims.PARSE_TAGGER``), on held-out train."""
    from pathlib import Path

    import claims_polnear as cp
    import claims_train

    from newstrace.analyze import claims, features, tagger

    docs = load("train")
    if not docs:
        print("PolNeAR train not found under ../shared/data/polnear: skipped.")
        return 0
    items = claims_train.parsed("train", docs, cache)[rng[0]:rng[1]]
    rows = []
    old = claims.PARSE_TAGGER, tagger.MODEL, dict(features.RATE_FEATURES)
    try:
        for arm in arms:
            model, _, opt = arm.partition(":")
            claims.PARSE_TAGGER = "tokens" if model == "tokens" else "parse"
            if model != "tokens":
                tagger.MODEL = Path(model)
            features.RATE_FEATURES["parse"] = opt == "rates"
            tagger._tagger.cache_clear()
            sc = cp.score([(cp.system_items(d, ps), cp.gold_items(d)) for d, ps in items])
            rows.append([arm, *(f"{sc[(r, 'overlap', 'all')][2]:.4f}" for r in cp.ROLES)])
    finally:
        claims.PARSE_TAGGER, tagger.MODEL = old[0], old[1]
        features.RATE_FEATURES.update(old[2])
        tagger._tagger.cache_clear()
    print(f"PolNeAR train articles {rng[0]}-{rng[1] - 1}, spaCy parses\n")
    print(table(["tagger on the parse", "content F1", "source F1", "cue F1"], rows))
    return 0


def short_sentences() -> int:
    """``--short-sentences``: the source of ``claims._assertions``' 3-token minimum (session 12)."""
    import collections

    from newstrace.analyze.claims import paragraphs
    from newstrace.analyze.claims_tokens import tokenize

    docs = load("train")
    if not docs:
        print("PolNeAR train not found under ../shared/data/polnear: skipped.")
        return 0
    n_all: collections.Counter = collections.Counter()
    n_out: collections.Counter = collections.Counter()
    ex: collections.Counter = collections.Counter()
    for d in docs:
        cov = set()
        for att in d.attributions:
            for frags in att.spans.values():
                for s, e in frags:
                    cov.update(range(s, e))
        for off, text in paragraphs(d.text):
            for sent in tokenize(text).sents:
                k = min(len(sent), 6)
                n_all[k] += 1
                if not any(i in cov for i in range(off + sent.start_char, off + sent.end_char)):
                    n_out[k] += 1
                    if k <= 3:
                        ex[(k, sent.text)] += 1
    print(f"PolNeAR train, {len(docs)} articles: sentences by token count (tokens-only splitter)\n")
    print(table(["tokens", "sentences", "outside every gold attribution", "most frequent outside"],
                [[str(k) if k < 6 else "6+", str(n_all[k]), str(n_out[k]),
                  "; ".join(t for (m, t), _ in ex.most_common() if m == k)[:160] if k <= 3 else ""]
                 for k in sorted(n_all)]))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--choose", default="320:400", help="train articles the sweep is scored on (held out)")
    ap.add_argument("--confirm", default="480:560", help="train articles the chosen pair is confirmed on")
    ap.add_argument("--windows", default="3,4,6,8")
    ap.add_argument("--mins", default="2,3,4,5")
    ap.add_argument("--fast-model", help="a tokens-only model fitted without the scored articles")
    ap.add_argument("--rates-from", type=int, help="cue rates from train articles 0..N-1 only")
    ap.add_argument("--steps", action="store_true", help="score the post-tagger steps on/off instead")
    ap.add_argument("--parse-taggers", help="MODEL[:rates],... on the spaCy parses of --choose: parse models "
                    "(':rates' when trained with the cue-rate features) and, as 'tokens', the --fast-model on the "
                    "parse's tokens (needs --cache)")
    ap.add_argument("--cache", help="claims_train.py's parse cache folder (train.spacy)")
    ap.add_argument("--short-sentences", action="store_true", help="what the outlet-voice minimum (3 tokens) "
                    "drops: PolNeAR train sentences outside every gold attribution by token count, with examples")
    a = ap.parse_args(argv)
    from pathlib import Path

    from newstrace.analyze import claims, features, tagger
    from newstrace.analyze.nlp import parse_bodies

    if a.fast_model:
        tagger.MODEL_FAST = Path(a.fast_model)
        tagger._tagger.cache_clear()
    if a.rates_from:
        import json

        import claims_train

        tmp = Path(f"/tmp/claims_cues_{os.getpid()}.json")
        tmp.write_text(json.dumps(claims_train.rates_from(claims_train.cue_counts(load("train", a.rates_from)).values())))
        features.CUE_RATES = tmp
        features.cue_rates.cache_clear()
    if a.steps:
        return steps(_range(a.choose))
    if a.short_sentences:
        return short_sentences()
    if a.parse_taggers:
        return parse_taggers(_range(a.choose), a.parse_taggers.split(","), a.cache)

    _cache_tagger()
    c0, c1 = _range(a.choose)
    f0, f1 = _range(a.confirm)
    docs = load("train", max(c1, f1))
    if not docs:
        print("PolNeAR train not found under ../shared/data/polnear: skipped.")
        return 0
    t = time.time()
    choose = docs[c0:c1]
    confirm = docs[f0:f1]
    items = list(zip(choose, parse_bodies([d.text for d in choose], parse=False)))
    shipped = (claims.SOURCE_WINDOW, claims.MIN_CONTENT_WORDS)
    windows = [int(x) for x in a.windows.split(",")]
    mins = [int(x) for x in a.mins.split(",")]
    print(f"PolNeAR train articles {c0}-{c1 - 1} (held out from the tokens-only model), tokens-only path; "
          f"shipped SOURCE_WINDOW {shipped[0]}, MIN_CONTENT_WORDS {shipped[1]}\n")
    seen: dict[tuple[int, int], tuple[float, float, float]] = {}

    def run(w: int, m: int) -> tuple[float, float, float]:
        if (w, m) not in seen:
            seen[(w, m)] = scores(items, w, m)
        return seen[(w, m)]

    rows = []
    for w in windows:
        rows.append(["SOURCE_WINDOW", str(w), str(shipped[1]), *(f"{x:.4f}" for x in run(w, shipped[1]))])
    for m in mins:
        rows.append(["MIN_CONTENT_WORDS", str(shipped[0]), str(m), *(f"{x:.4f}" for x in run(shipped[0], m))])
    print(table(["swept", "window", "min words", "content F1", "source F1", "cue F1"], rows))

    def key(wm):   # the mean of the three overlap F1s; ties go to the shipped pair, then to smaller values
        return (round(sum(seen[wm]) / 3, 4), wm == shipped, -wm[0], -wm[1])

    best_w = max((wm for wm in seen if wm[1] == shipped[1]), key=key)[0]
    best_m = max((wm for wm in seen if wm[0] == shipped[0]), key=key)[1]
    for w in {best_w, shipped[0]}:
        for m in {best_m, shipped[1]}:
            run(w, m)
    best = max(seen, key=key)
    print(f"\nbest by the mean of the three F1s on {c0}-{c1 - 1}: SOURCE_WINDOW {best[0]}, MIN_CONTENT_WORDS "
          f"{best[1]} ({' / '.join(f'{x:.4f}' for x in seen[best])}); shipped {shipped[0]}, {shipped[1]} "
          f"({' / '.join(f'{x:.4f}' for x in seen[shipped])})")
    items2 = list(zip(confirm, parse_bodies([d.text for d in confirm], parse=False)))
    rows = []
    for wm in dict.fromkeys([shipped, best]):
        rows.append([f"{wm[0]}, {wm[1]}" + (" (shipped)" if wm == shipped else " (best)"),
                     *(f"{x:.4f}" for x in scores(items2, *wm))])
    print(f"\nconfirmed on train articles {f0}-{f1 - 1}:\n")
    print(table(["window, min words", "content F1", "source F1", "cue F1"], rows))
    print(f"\n{time.time() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
