"""Loaded language and propaganda-technique spans on PTC dev, with the SemEval-2020 Task 11 span scorer.

Usage: ``.venv/bin/python bench/ptc_spans.py [--limit N] [--cache FILE]``

Rows, all in the same run on the same spaCy parses of the 75 PTC dev articles:
- **newstrace CRF**: the shipped model (``analyze/models/flags.crfsuite``, fitted on PTC train only);
- **lexicon baseline**: every word whose rate of being inside a Loaded_Language / Name_Calling span in PTC train
  is at least 0.5 (seen ≥ 3 times) is flagged with that technique; adjacent flagged words form one span;
- the published best span F1 ≈ 0.52 (SemEval-2020 Task 11 SI, all techniques unlabelled, large transformer
  ensembles) as the reference.
Scorer (``newstrace.analyze.spanscore``): partial-overlap credit, per technique (labelled) and unlabelled; gold
from the PeerDA copy of the dev labels with span ends trimmed of whitespace and . , : ; quotes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402

PUBLISHED_SI_F1 = 0.52
LL, NC = "Loaded_Language", "Name_Calling,Labeling"


def lexicon_spans(docs: dict, prior: dict, threshold: float = 0.5, min_count: int = 3):
    out = []
    for art, doc in docs.items():
        cur = None
        for t in doc:
            v = prior.get(t.lower_)
            tech = None
            if v and v[2] >= min_count and max(v[0], v[1]) >= threshold and not t.is_punct:
                tech = LL if v[0] >= v[1] else NC
            if tech and cur and cur[1] == tech and t.idx - cur[3] <= 1:
                cur = (art, tech, cur[2], t.idx + len(t.text))
                continue
            if cur:
                out.append(cur)
            cur = (art, tech, t.idx, t.idx + len(t.text)) if tech else None
        if cur:
            out.append(cur)
    return out


def rows_for(name: str, pred, gold, spanscore) -> list[str]:
    sel = lambda xs, ts: [x for x in xs if x[1] in ts]  # noqa: E731
    out = []
    for label, ts, labelled in ((f"{LL} + {NC}", (LL, NC), True), (LL, (LL,), True), (NC, (NC,), True),
                                ("all 14 techniques (labelled)", None, True),
                                ("all techniques, unlabelled (task SI)", None, False)):
        p, g = (pred, gold) if ts is None else (sel(pred, ts), sel(gold, ts))
        s = spanscore.score(p, g, labels=labelled)
        ref = f"{PUBLISHED_SI_F1:.2f} (published best)" if not labelled else ("≥ 0.40 (target)" if ts == (LL, NC) else "")
        out.append(f"| {name} | {label} | {s['p']:.3f} | {s['r']:.3f} | **{s['f1']:.3f}** | {s['n_pred']} | "
                   f"{s['n_gold']} | {ref} |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None, help="DocBin file keeping the dev parses between runs")
    a = ap.parse_args(argv)
    shared_or_skip("ptc")
    from newstrace.analyze import flags, spanscore
    from newstrace.analyze import train_flags as tf

    if flags.tagger() is None:
        print(f"skipped: no shipped model at {flags.MODEL_FILE}")
        return 0
    texts, gold = tf.read_ptc("dev")
    if a.limit:
        keep = set(sorted(texts)[: a.limit])
        texts = {k: v for k, v in texts.items() if k in keep}
        gold = [g for g in gold if g[0] in keep]
    t0 = time.time()
    docs = tf.parse(texts, a.cache if not a.limit else None)
    t_parse = time.time() - t0
    t0 = time.time()
    pred = []
    for art, doc in docs.items():
        pred += [(art, f.technique, f.start, f.end) for f in flags.flag_doc(doc)]
    t_flag = time.time() - t0
    base = lexicon_spans(docs, flags.word_prior())
    words = sum(1 for d in docs.values() for t in d if not t.is_space)
    info = flags.model_info()
    print(f"PTC dev: {len(docs)} articles, {len(gold)} gold spans; model fitted on: {info.get('fitted_on')}; "
          f"settings chosen on: {info.get('chosen_on')}; threshold {info.get('threshold')}\n")
    print("| system | techniques | precision | recall | F1 | spans predicted | gold spans | reference |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows_for("newstrace CRF", pred, gold, spanscore)))
    print("\n".join(rows_for("lexicon baseline", base, gold, spanscore)))
    print(f"\nspeed (same run, one process): spaCy parse {words / t_parse:,.0f} words/s, flags on the parse "
          f"{words / max(t_flag, 1e-9):,.0f} words/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
