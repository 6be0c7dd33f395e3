"""Heads over multilingual-e5-small token states for loaded language, chosen on a held-out fifth of PTC train.

Usage: ``nice -n 10 .venv/bin/python bench/flags_e5_heads.py --states DIR [--layers 12] [--train-cache F]
[--dev-cache F] [--dev]``

Reads the states ``bench/flags_e5.py`` kept in ``--states`` (one .npy per article, ``L<layers>-<split>-<id>``);
uses every PTC train article that has states. The held-out fifth is ``train_flags --holdout``'s (every fifth
train article id, over all 371 ids); heads are fitted on the train articles outside it that have states.
Inputs: ``e5`` (the states), ``e5+facts`` (with ``train_flags.token_facts``: PTC-train word prior rates — for the
held-out fifth from the other four fifths, for those cross-fitted in 5 folds among themselves, so a token never
sees its own label —, VADER valence, case, POS). Heads: the
multinomial logistic head of ``train_flags.fit_head`` and a one-hidden-layer MLP (``train_flags.fit_mlp``).
Decoding: a token is flagged when P(LL)+P(NC) >= tau, runs of one technique form a span (``bench/flags_e5.py``).
Each head's L2/epochs and tau are chosen on the held-out fifth (LL+NC span F1, SemEval-2020 T11 partial overlap).
With ``--dev`` the chosen settings are refitted on every train article with states and scored once on PTC dev,
beside the shipped CRF on the same dev articles and the lexicon baseline of ``bench/ptc_spans.py``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402
from flags_e5 import score_llnc  # noqa: E402

TAUS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the CRF's marginals in the fused P(LL), P(NC)


def crf_marginals(work: Path, split: str, docs: dict, model: Path, prior: dict | None) -> dict:
    """{article: (tokens, 2) CRF marginals P(LL), P(NC)} over ``flags.doc_sents``, kept in ``work``."""
    import numpy as np
    import pycrfsuite

    from newstrace.analyze import flags
    from newstrace.analyze import train_flags as tf

    tagger, out = None, {}
    for art, doc in docs.items():
        f = work / f"crf-{split}-{art}.npy"
        if not f.exists():
            if tagger is None:
                tagger = pycrfsuite.Tagger()
                tagger.open(str(model))
            sents, feats = flags.doc_features(doc, prior, False)
            rows = []
            for sent, fs in zip(sents, feats):
                tagger.set(fs)
                rows.append(tf.crf_probs(tagger, len(fs)))
            np.save(f, np.concatenate(rows) if rows else np.zeros((0, 2), np.float32))
        out[art] = np.load(f)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--states", type=Path, required=True)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--train-cache", type=Path, default=None)
    ap.add_argument("--dev-cache", type=Path, default=None)
    ap.add_argument("--dev", action="store_true", help="refit the chosen heads and score PTC dev once")
    ap.add_argument("--heads", default="logreg,mlp")
    ap.add_argument("--l2", default="10,100,1000", help="logistic heads' L2 grid")
    ap.add_argument("--epochs", default="2,4,8", help="MLP heads' epoch grid")
    ap.add_argument("--weights", default=",".join(map(str, WEIGHTS)), help="CRF weights tried in the fusion")
    ap.add_argument("--inputs", default="e5,e5+facts")
    ap.add_argument("--crf-only", action="store_true", help="only fit the 4/5-train CRF and keep its marginals")
    ap.add_argument("--work", type=Path, default=Path("/tmp/newstrace-flags-fusion"),
                    help="keeps the 4/5-train CRF's marginals on the held-out fifth and the shipped CRF's on dev")
    a = ap.parse_args(argv)
    shared_or_skip("ptc")
    import numpy as np

    from newstrace.analyze import flags, spanscore
    from newstrace.analyze import train_flags as tf

    LL, NC = tf.LLNC
    ttexts, tgold = tf.read_ptc("train")
    tdocs = tf.parse(ttexts, a.train_cache)
    tvec = tf.read_states(a.states, a.layers, tdocs, "train")
    all_ids = sorted(tdocs)
    if a.crf_only:
        tvec = {}
    held = set(all_ids[::5]) & set(tvec)
    fit_ids = sorted(set(tvec) - held)
    if not a.crf_only and (len(held) < 3 or len(fit_ids) < 6):
        print(f"not enough states in {a.states}: {len(tvec)} train articles")
        return 0
    rest_ids = [i for i in all_ids if i not in set(all_ids[::5])]
    rest_prior = tf.compute_prior({j: tdocs[j] for j in rest_ids}, tgold)
    priors = {i: rest_prior for i in all_ids[::5]}  # the held-out fifth: the prior of the other four fifths
    for k in range(5):  # those four fifths: cross-fitted among themselves, a token never sees its own label
        part = set(rest_ids[k::5])
        pr = tf.compute_prior({j: tdocs[j] for j in rest_ids if j not in part}, tgold)
        priors.update({i: pr for i in part})

    def article(doc, vecs, gold, art, prior):
        sents = flags.doc_sents(doc)
        spans = [(tech, s, e) for g_art, tech, s, e in gold if g_art == art and tech in tf.LLNC]
        F, y = [], []
        for s in sents:
            F.append(tf.token_facts(s, prior))
            y += [0 if lab == "O" else (1 if flags.LONG[lab[2:]] == LL else 2) for lab in tf.token_labels(s, spans)]
        return sents, np.concatenate(vecs), np.concatenate(F), np.asarray(y)

    t0 = time.time()
    data = {("train", k): (tdocs[k],) + article(tdocs[k], tvec[k], tgold, k, priors[k]) for k in tvec}
    print(f"features for {len(data)} train articles in {time.time() - t0:.0f}s", file=sys.stderr)

    a.work.mkdir(parents=True, exist_ok=True)
    crf45 = a.work / "crf45.crfsuite"
    held_docs = {k: tdocs[k] for k in all_ids[::5]}
    if not all((a.work / f"crf-train-{k}.npy").exists() for k in held_docs):
        info = flags.model_info()  # the shipped CRF's settings, refitted on the other four fifths
        rest = {k: v for k, v in tdocs.items() if k not in set(all_ids[::5])}
        rg = [g for g in tgold if g[0] in rest]
        t0 = time.time()
        only = tf.LLNC if info.get("techniques") == "llnc" else None
        X, Y = tf.training_data(rest, rg, only, tf.cross_fitted_features(rest, rg))
        if not crf45.exists():
            tf.fit(X, Y, crf45, info.get("c1", 0.05), info.get("c2", 0.05), info.get("max_iterations", 100))
        print(f"4/5-train CRF fitted on {len(rest)} articles in {time.time() - t0:.0f}s", file=sys.stderr)
        crf_marginals(a.work, "train", held_docs, crf45, tf.compute_prior(rest, rg))
    crf_p = crf_marginals(a.work, "train", held_docs, crf45, None)
    if a.crf_only:
        return 0

    def X_of(key, variant):
        _, _, E, F, _ = data[key]
        return {"e5": E, "e5+facts": np.hstack([E, F])}[variant]

    def stack(keys, variant):
        return np.concatenate([X_of(k, variant) for k in keys]), np.concatenate([data[k][4] for k in keys])

    def score(keys, probs, tau, gold):
        return score_llnc([(k[1], data[k][0], data[k][1], probs[k]) for k in keys], tau, gold)

    def probs_of(hd, keys, variant):
        return {k: tf.apply_head(hd, X_of(k, variant)) for k in keys}

    def fit_any(kind, setting, keys, variant):
        X, y = stack(keys, variant)
        if kind == "logreg":
            return tf.fit_head(X, y, l2=setting, iters=200)
        return tf.fit_mlp(X, y, epochs=setting, seed=0)

    grid = {"logreg": tuple(map(float, a.l2.split(","))), "mlp": tuple(map(int, a.epochs.split(",")))}
    weights = tuple(map(float, a.weights.split(",")))
    H = [("train", k) for k in sorted(held)]
    Fk = [("train", k) for k in fit_ids]
    print(f"PTC train: {len(tvec)} of {len(tdocs)} articles with L{a.layers} states; heads fitted on {len(Fk)}, "
          f"chosen on the held-out fifth's {len(H)}\n")
    print("| head | input | setting | CRF weight | tau | held-out LL+NC P | R | **F1** |")
    print("|---|---|---|---|---|---|---|---|")
    best: dict = {}
    for kind in a.heads.split(","):
        for variant in a.inputs.split(","):
            t0 = time.time()
            fits = (tf.mlp_epochs(*stack(Fk, variant), seed=0) if kind == "mlp" else None)
            done = 0
            for setting in grid[kind]:
                if fits is None:
                    hd = fit_any(kind, setting, Fk, variant)
                else:  # one MLP run, read after each grid epoch count
                    while done < setting:
                        hd = next(fits)
                        done += 1
                pr = probs_of(hd, H, variant)
                for w in weights:
                    top = None
                    for tau in TAUS:
                        s, _ = score(H, {k: w * crf_p[k[1]] + (1 - w) * pr[k] for k in H}, tau, tgold)
                        if top is None or s["f1"] > top[0]["f1"]:
                            top = (s, tau)
                    s, tau = top
                    print(f"| {kind} | {variant} | {setting:g} | {w} | {tau} | {s['p']:.3f} | {s['r']:.3f} | "
                          f"**{s['f1']:.3f}** | ({time.time() - t0:.0f}s)", flush=True)
                    t0 = time.time()
                    key = (kind, variant, w > 0)
                    if key not in best or s["f1"] > best[key][0]:
                        best[key] = (s["f1"], setting, w, tau)
    print("\nchosen (F1, setting, CRF weight, tau): " + json.dumps({f"{k[0]} {k[1]}{' +CRF' if k[2] else ''}": v
                                                                  for k, v in best.items()}))
    if not a.dev:
        return 0
    dtexts, dgold = tf.read_ptc("dev")
    ddocs = tf.parse(dtexts, a.dev_cache)
    dvec = tf.read_states(a.states, a.layers, ddocs, "dev")
    full_prior = tf.compute_prior(tdocs, tgold)
    for k in dvec:
        data[("dev", k)] = (ddocs[k],) + article(ddocs[k], dvec[k], dgold, k, full_prior)
    D = [("dev", k) for k in sorted(dvec)]
    arts = set(dvec)
    gold = [x for x in dgold if x[0] in arts and x[1] in tf.LLNC]
    print(f"\nPTC dev: {len(D)} of {len(ddocs)} articles with states; heads refitted on all {len(tvec)} train "
          f"articles with states\n")
    print("| system | setting (chosen on held-out train) | LL+NC P | R | **F1** | LL F1 | NC F1 | spans |")
    print("|---|---|---|---|---|---|---|---|")

    def row(name, how, pred):
        s = spanscore.score(pred, gold)
        per = [spanscore.score([p for p in pred if p[1] == t], [g for g in gold if g[1] == t])["f1"] for t in tf.LLNC]
        print(f"| {name} | {how} | {s['p']:.3f} | {s['r']:.3f} | **{s['f1']:.3f}** | {per[0]:.3f} | {per[1]:.3f} | "
              f"{s['n_pred']} |", flush=True)

    T = [("train", k) for k in sorted(tvec)]
    crf_d = crf_marginals(a.work, "dev", {k: ddocs[k] for k in sorted(dvec)}, flags.MODEL_FILE, None)
    heads = {}
    for (kind, variant, fused), (f_sel, setting, w, tau) in best.items():
        if (kind, variant, setting) not in heads:
            heads[(kind, variant, setting)] = probs_of(fit_any(kind, setting, T, variant), D, variant)
        pr = heads[(kind, variant, setting)]
        _, pred = score(D, {k: w * crf_d[k[1]] + (1 - w) * pr[k] for k in D}, tau, dgold)
        row(f"{kind} over {variant}" + (" fused with the CRF" if fused else ""),
            f"{setting:g}, CRF weight {w}, tau {tau} (held-out F1 {f_sel:.3f})", pred)
    crf = [(k, f.technique, f.start, f.end) for k in sorted(dvec) for f in flags.flag_doc(ddocs[k])
           if f.technique in tf.LLNC]
    row("shipped CRF", f"threshold {flags.model_info().get('threshold')}", crf)
    import ptc_spans

    lexi = ptc_spans.lexicon_spans({k: ddocs[k] for k in dvec}, full_prior)
    row("lexicon baseline", "rate >= 0.5, seen >= 3", [x for x in lexi if x[1] in tf.LLNC])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
