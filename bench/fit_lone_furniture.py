"""Fit the lone-page furniture model shipped as ``src/newstrace/extract/models/lone_furniture.json``.

Data (the fitting half only; ``bench/lone_pages.py`` scores the other half, ``lone_pages.heldout``):
- reuse-dev pages of the sites whose ``heldout(site)`` is false: each block newstrace extracts (before
  furniture removal) is article text when it is one of the gold body's paragraphs (whitespace-normalised),
  else furniture (banners, appeals, notices, related lists, captions: everything the gold body leaves out);
- trafilatura-eval pages whose ``heldout(url)`` is false: a block holding a ``without`` snippet and no ``with``
  snippet is furniture, one holding a ``with`` snippet and no ``without`` snippet is article text, the rest is
  not used.

Model: logistic regression over the sparse block features of ``furniture.block_features`` (the block's
words and opening words, its position from the head and the tail of the body, its length, and shape cues:
URLs, handles, e-mails, payment words, a common-kind pattern), fitted with L2-regularised gradient
descent in numpy (no extra dependency). Features seen on fewer than ``MIN_COUNT`` fitting blocks are
dropped. The threshold is the lowest score at which at most ``MAX_ARTICLE_LOSS`` of the fitting half's
article blocks of each data set would be removed. Prints what it fitted and its figures on the fitting half.

    .venv/bin/python bench/fit_lone_furniture.py [--out src/newstrace/extract/models/lone_furniture.json]
    .venv/bin/python bench/fit_lone_furniture.py --cv [--offsets 0,0.5,-0.5,-1] [--cache F] [--cues]

``--cv`` writes no model: it fits on one half of the fitting pages and scores the other with ``lone_pages.score_traf``
(2 folds, by the MD5 of the trafilatura-eval URL / the reuse-dev site, as session 9 did by hand), at the rule's
threshold and at each offset from it: the figure to compare a change of features or rule by before the held-out
half is scored once. ``--cache F`` keeps the extracted pages (a separate file from the plain fit's cache). ``--cues``
first prints, for markup and position cues (headings after the last long block, link-text blocks, bold blocks ...),
how many `without` and `with` snippets the fitting half's kept blocks they mark hold (``cue_table``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, norm_ws, progress  # noqa: E402
from lone_pages import extract_all, heldout, load_reuse, load_traf, score_traf  # noqa: E402

MIN_COUNT = 10  # features on fewer fitting blocks are dropped (3 kept site names: it overfitted)
L2 = 1e-3
MAX_ARTICLE_LOSS = 0.0005  # share of the fitting half's article blocks the threshold may remove
EPOCHS = 300


def labelled_blocks(workers: int):
    """[(set, blocks, labels, markup cues)] per fitting page (extracted here)."""
    reuse = [it for it in load_reuse(None) if not heldout(it["key"])]
    traf = [it for it in load_traf(None) if not heldout(it["key"])]
    progress(f"fit: extracting {len(reuse)} reuse-dev and {len(traf)} trafilatura-eval pages (fitting half) ...")
    return label_pages(reuse, extract_all(reuse, False, workers)) + label_pages(traf, extract_all(traf, False, workers))


def label_pages(items, results):
    """[(set, blocks, labels, markup cues)] of extracted pages; label 1 furniture, 0 article, None unknown."""
    out = []
    for it, res in zip(items, results):
        if not res:
            continue
        labels = []
        if it["set"] == "reuse-dev":
            paras = {norm_ws(p).casefold() for p in it["body"].split("\n\n")}
            body = norm_ws(it["body"]).casefold()
            for b in res["blocks"]:
                nb = norm_ws(b).casefold()
                labels.append(0 if nb in paras or (len(nb) > 80 and nb in body) else 1)
        else:
            for b in res["blocks"]:
                nb = norm_ws(b)
                w = any(norm_ws(s) in nb for s in it["with"])
                wo = any(norm_ws(s) in nb for s in it["without"])
                labels.append(1 if wo and not w else 0 if w and not wo else None)
        out.append((it["set"], res["blocks"], labels, res.get("hints")))
    return out


def fit(pages):
    from newstrace.extract.furniture import block_features

    rows, ys, sets = [], [], []
    for name, blocks, labels, hints in pages:
        for feats, y in zip(block_features(blocks, hints), labels):
            if y is not None:
                rows.append(feats)
                ys.append(y)
                sets.append(name)
    counts = Counter(f for r in rows for f in set(r))
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in counts.items() if c >= MIN_COUNT))}
    n, d = len(rows), len(vocab)
    idx = [np.array([vocab[f] for f in set(r) if f in vocab], dtype=np.int64) for r in rows]
    row_of = np.concatenate([np.full(len(ix), i) for i, ix in enumerate(idx)])
    col_of = np.concatenate(idx)
    y = np.array(ys, dtype=np.float64)
    # each data set weighs the same in the loss, whatever its number of blocks
    per = Counter(sets)
    sw = np.array([n / (len(per) * per[s]) for s in sets])
    w, b = np.zeros(d), 0.0
    gw2, gb2 = np.full(d, 1e-8), 1e-8
    lr = 0.5
    for ep in range(EPOCHS):
        z = np.bincount(row_of, weights=w[col_of], minlength=n) + b
        p = 1 / (1 + np.exp(-z))
        g = (p - y) * sw / n
        grad_w = np.bincount(col_of, weights=g[row_of], minlength=d) + L2 * w
        grad_b = g.sum()
        gw2 += grad_w ** 2
        gb2 += grad_b ** 2
        w -= lr * grad_w / np.sqrt(gw2)
        b -= lr * grad_b / np.sqrt(gb2)
    z = np.bincount(row_of, weights=w[col_of], minlength=n) + b
    # the threshold that keeps the article loss under MAX_ARTICLE_LOSS on each data set
    sa = np.array(sets)
    threshold = -np.inf
    for s in per:
        art = np.sort(z[(y == 0) & (sa == s)])
        threshold = max(threshold, float(art[min(int(len(art) * (1 - MAX_ARTICLE_LOSS)), len(art) - 1)]))
    flagged = z > threshold
    report = {s: {"furniture caught": float(flagged[(y == 1) & (np.array(sets) == s)].mean()),
                  "article removed": float(flagged[(y == 0) & (np.array(sets) == s)].mean()),
                  "blocks": int((np.array(sets) == s).sum())} for s in per}
    weights = {f: round(float(w[i]), 4) for f, i in vocab.items() if abs(w[i]) >= 1e-3}
    return {"bias": round(float(b), 4), "threshold": round(threshold, 4), "weights": weights}, report


def fold(key: str) -> int:
    """The cross-validation fold (0 or 1) of a fitting page's URL / site."""
    return int(hashlib.md5(key.encode("utf-8")).hexdigest()[0], 16) % 2


def cross_validate(extracted: dict, offsets: list[float]) -> dict[float, list[int]]:
    """Out-of-fold trafilatura-eval figures on the fitting half: {offset: [without kept, without, with lost, with]}.
    ``extracted``: {"trafilatura-eval"|"reuse-dev": [(item, extract result)]} of the fitting half's pages."""
    from newstrace.extract import furniture

    out = {o: [0, 0, 0, 0] for o in offsets}
    for k in (0, 1):
        train = []
        for name in ("reuse-dev", "trafilatura-eval"):
            sel = [x for x in extracted.get(name, []) if fold(x[0]["key"]) != k]
            train += label_pages([it for it, _ in sel], [r for _, r in sel])
        model, _ = fit(train)
        test = [x for x in extracted["trafilatura-eval"] if fold(x[0]["key"]) == k]
        for o in offsets:
            saved, furniture._LONE = furniture._LONE, dict(model, threshold=model["threshold"] + o)
            try:
                bodies = [{"body": "\n\n".join(furniture.lone_page_body(r["blocks"], r.get("hints")))} if r else None
                          for _, r in test]
            finally:
                furniture._LONE = saved
            s = score_traf([it for it, _ in test], bodies)
            for i, key in enumerate(("wo_kept", "wo_tot", "w_lost", "w_tot")):
                out[o][i] += s[key]
    return out


# markup and position cues read on the blocks the shipped code keeps (session 13): would dropping every kept block
# a cue marks remove `without` snippets without losing `with` ones? A heading is a block whose markup cues
# (furniture.block_hints) put its first text in an <h1>-<h6>; "long" is a block of LONG_BLOCK characters or more.
LONG_BLOCK = 200
_HEADING = ("tag:h1", "tag:h2", "tag:h3", "tag:h4", "tag:h5", "tag:h6", "in:h1", "in:h2", "in:h3", "in:h4", "in:h5",
            "in:h6")


def _cues():
    def head(h):
        return any(x in _HEADING for x in h)

    def after_long(body, i):
        longs = [j for j, b in enumerate(body) if len(b) >= LONG_BLOCK]
        return bool(longs) and i > longs[-1]

    def bold(h):
        return "tag:b" in h or "tag:strong" in h
    return {
        "heading after the last long block": lambda b, h, i: head(h[i]) and after_long(b, i),
        "heading with no block or a heading after it (orphaned: its section's links were dropped)":
            lambda b, h, i: head(h[i]) and (i == len(b) - 1 or head(h[i + 1])),
        "heading ending in ':'": lambda b, h, i: head(h[i]) and b[i].rstrip().endswith(":"),
        "a link's text (tag:a), under 200 characters": lambda b, h, i: "tag:a" in h[i] and len(b[i]) < 200,
        "the same after the last long block": lambda b, h, i: "tag:a" in h[i] and len(b[i]) < 200 and after_long(b, i),
        "bold / strong block after the last long block": lambda b, h, i: bold(h[i]) and after_long(b, i),
        "bold / strong block under 300 characters": lambda b, h, i: bold(h[i]) and len(b[i]) < 300,
        "under 120 characters after the last long block": lambda b, h, i: len(b[i]) < 120 and after_long(b, i),
    }


def cue_table(extracted: dict) -> list[str]:
    """Per cue, over the fitting half's kept blocks (shipped model and kinds): blocks it marks, the trafilatura-eval
    `without` / `with` snippets in them, and the reuse-dev blocks it marks that are gold article paragraphs."""
    from newstrace.extract import furniture

    def kept(r):
        hints = r.get("hints") or [[] for _ in r["blocks"]]
        by = dict(zip(r["blocks"], hints))
        body = furniture.lone_page_body(r["blocks"], r.get("hints"))
        return body, [by.get(b, []) for b in body]
    lines = ["cue | kept blocks marked (trafilatura-eval) | `without` snippets in them | `with` snippets in them | "
             "reuse-dev gold paragraphs marked"]
    for name, cue in _cues().items():
        n = wo = w = art = 0
        for setname in ("trafilatura-eval", "reuse-dev"):
            for it, r in extracted.get(setname, []):
                if not r:
                    continue
                body, hints = kept(r)
                for i, b in enumerate(body):
                    if not cue(body, hints, i):
                        continue
                    nb = norm_ws(b)
                    if setname == "trafilatura-eval":
                        n += 1
                        wo += sum(norm_ws(s) in nb for s in it["without"])
                        w += sum(norm_ws(s) in nb for s in it["with"])
                    else:
                        art += nb.casefold() in norm_ws(it["body"]).casefold()
        lines.append(f"{name} | {n} | {wo} | {w} | {art}")
    # where the `with` snippets the shipped code loses went: never in the extracted blocks, or removed as furniture
    gone = removed = 0
    for it, r in extracted.get("trafilatura-eval", []):
        if not r:
            continue
        blocks = norm_ws(" ".join(r["blocks"]))
        body = norm_ws("\n\n".join(furniture.lone_page_body(r["blocks"], r.get("hints"))))
        for s in it["with"]:
            if norm_ws(s) not in body:
                removed += norm_ws(s) in blocks
                gone += norm_ws(s) not in blocks
    lines.append(f"`with` snippets lost: {gone} never in the extracted blocks, {removed} removed as furniture")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "src" / "newstrace" / "extract" / "models" / "lone_furniture.json"))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--cache", help="keep the labelled blocks in this file (refits without extracting again)")
    ap.add_argument("--cv", action="store_true", help="2-fold cross-validation on the fitting half; writes no model")
    ap.add_argument("--offsets", default="0,0.5,-0.5,-1", help="--cv: threshold offsets from the rule's")
    ap.add_argument("--cues", action="store_true", help="--cv: also the markup/position cue table (cue_table)")
    args = ap.parse_args(argv)
    if args.cv:
        if args.cache and os.path.exists(args.cache):
            with open(args.cache, "rb") as fh:
                extracted = pickle.load(fh)
        else:
            extracted = {}
            for name, items in (("reuse-dev", load_reuse(None)), ("trafilatura-eval", load_traf(None))):
                items = [it for it in items if not heldout(it["key"])]
                progress(f"cv: extracting {len(items)} {name} pages (fitting half) ...")
                extracted[name] = list(zip(items, extract_all(items, False, args.workers)))
            if args.cache:
                with open(args.cache, "wb") as fh:
                    pickle.dump(extracted, fh)
        if not extracted.get("trafilatura-eval"):
            print("skipped: no trafilatura-eval data")
            return 0
        if args.cues:
            print("\n".join(cue_table(extracted)))
        res = cross_validate(extracted, [float(o) for o in args.offsets.split(",")])
        from newstrace.extract import furniture

        furniture.LONE_MODEL = False
        test = extracted["trafilatura-eval"]
        off = score_traf([it for it, _ in test],
                         [{"body": "\n\n".join(furniture.lone_page_body(r["blocks"]))} if r else None for _, r in test])
        furniture.LONE_MODEL = True
        print("2-fold cross-validation on the fitting half (trafilatura-eval, out of fold):")
        print(f"  common kinds alone (no model): `without` kept {100 * off['without kept']:.2f}% ({off['wo_kept']}/"
              f"{off['wo_tot']}), `with` lost {100 * off['with lost']:.2f}% ({off['w_lost']}/{off['w_tot']})")
        for o, (a, b, c, d) in res.items():
            print(f"  threshold {o:+.2f} from the rule: `without` kept {100 * a / b:.2f}% ({a}/{b}), "
                  f"`with` lost {100 * c / d:.2f}% ({c}/{d})")
        return 0
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as fh:
            pages = pickle.load(fh)
    else:
        pages = labelled_blocks(args.workers)
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump(pages, fh)
    if not pages:
        print("skipped: no reuse-dev / trafilatura-eval data")
        return 0
    model, report = fit(pages)
    model = {"fitted_on": "blocks newstrace extracts from the fitting half (lone_pages.heldout() false) of "
                          "reuse-dev (article = a gold body paragraph, furniture = any other block) and of "
                          "trafilatura-eval (furniture = holds a `without` snippet and no `with` snippet, article "
                          "= the reverse); bench/fit_lone_furniture.py",
             "max_article_loss_on_fitting_half": MAX_ARTICLE_LOSS, "fitting_report": report, **model}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(model, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))
    print(f"{len(model['weights'])} weights, threshold {model['threshold']} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
