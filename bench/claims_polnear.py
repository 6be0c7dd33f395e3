"""Claims on PolNeAR dev: P/R/F1 of content, source and cue spans, exact and at >= 50% overlap, one-to-one,
per attribution type, beside textacy's direct-quotation extractor on the same spaCy parses; and, with
``--chains``, resolved pronoun/nominal sources and chains on the hand-labelled set tests/data/claims_chains.

Scoring: spans are compared after trimming surrounding whitespace and , . ; : characters; a discontinuous
gold span counts as its extent. Exact = same start and end. Overlap = the shared characters cover >= 50% of
each of the two spans. Matching is one-to-one per role (greedy on overlap, best pairs first). Per-type
recall uses the gold attribution's type, per-type precision the predicted claim's type (direct: quoted
content; according-to; nominal cue; indirect: the rest). The tagger was trained on PolNeAR train and its
regularisation chosen on dev token F1 (bench/claims_train.py): dev figures are choice-biased, not held-out.

References (published, not re-run here): BERT+CofeNet on PolNeAR content exact F1 72.9 (GPU);
Citron on PARC 3.0 content 56.7 exact / 83.2 overlap.

Two rows for newstrace: the tokens-only path (``claims_crf_fast``: what ``analyze`` runs when claims are the
only component, no tagger or parser) and the parse path (``claims_crf``: what it runs when another component,
issue 14's actors, has the text parsed anyway).

Usage: ``.venv/bin/python bench/claims_polnear.py [--limit N] [--chains] [--no-textacy] [--tokens-only]
[--cache DIR]``
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, table  # noqa: E402
from polnear_data import load  # noqa: E402

ROLES = ("content", "source", "cue")
TYPES = ("direct", "indirect", "according-to", "nominal")
LABELLED = ROOT / "tests" / "data" / "claims_chains"


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    strip = " \t\n,.;:"
    while s < e and text[s] in strip:
        s += 1
    while e > s and text[e - 1] in strip:
        e -= 1
    return s, e


def match(pred: list[tuple[int, int]], gold: list[tuple[int, int]], exact: bool) -> list[tuple[int, int]]:
    cands = []
    for i, (ps, pe) in enumerate(pred):
        for j, (gs, ge) in enumerate(gold):
            if exact:
                if (ps, pe) == (gs, ge):
                    cands.append((1.0, i, j))
                continue
            inter = min(pe, ge) - max(ps, gs)
            if inter <= 0:
                continue
            r = inter / max(pe - ps, ge - gs)
            if r >= 0.5:
                cands.append((r, i, j))
    cands.sort(reverse=True)
    used_p, used_g, pairs = set(), set(), []
    for _, i, j in cands:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


def prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> tuple[float, float, float]:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def gold_items(doc):
    from newstrace.analyze.claims import Span, kind_of

    out = []
    for att in doc.attributions:
        spans = {}
        for role in ROLES:
            fr = att.spans.get(role)
            if fr:
                s, e = trim(doc.text, min(a for a, _ in fr), max(b for _, b in fr))
                spans[role] = Span(s, e, doc.text[s:e])
        out.append((kind_of(spans.get("cue"), spans.get("content")), spans))
    return out


def system_items(doc, parses):
    from newstrace.analyze.claims import analyse

    out = []
    for c in analyse(doc.text, parses, assertions=False):
        if c.where != "body":
            continue
        spans = {}
        for role in ROLES:
            sp = getattr(c, role)
            if sp is not None:
                s, e = trim(doc.text, sp.start, sp.end)
                if e > s:
                    spans[role] = type(sp)(s, e, doc.text[s:e])
        out.append((c.kind, spans))
    return out


def textacy_items(doc, parses):
    from textacy.extract.triples import direct_quotations

    from newstrace.analyze.claims import Span
    from newstrace.analyze.nlp import english

    lemmatize = english().get_pipe("lemmatizer")  # textacy reads lemmas; the analyze stage's parse has none
    out = []
    for off, sd in parses:
        sd = lemmatize(sd)
        try:
            triples = list(direct_quotations(sd))
        except Exception:  # noqa: BLE001 - textacy raises on some docs; count them as nothing found
            continue
        for q in triples:
            spans = {}
            for role, toks in (("source", q.speaker), ("cue", q.cue), ("content", q.content)):
                toks = list(toks)
                if not toks:
                    continue
                s = off + min(t.idx for t in toks)
                e = off + max(t.idx + len(t.text) for t in toks)
                s, e = trim(doc.text, s, e)
                spans[role] = Span(s, e, doc.text[s:e])
            out.append(("direct", spans))
    return out


def score(all_docs: list[tuple[list, list]]) -> dict:
    """{(role, mode, type|'all'): (P, R, F1)} over the corpus."""
    cnt = defaultdict(lambda: [0, 0, 0, 0])  # tp_pred, n_pred, tp_gold, n_gold
    for pred, gold in all_docs:
        for role in ROLES:
            ps = [(k, sp[role]) for k, sp in pred if role in sp]
            gs = [(k, sp[role]) for k, sp in gold if role in sp]
            for mode in ("exact", "overlap"):
                pairs = match([(s.start, s.end) for _, s in ps], [(s.start, s.end) for _, s in gs], mode == "exact")
                mp = {i for i, _ in pairs}
                mg = {j for _, j in pairs}
                for t in ("all",) + TYPES:
                    c = cnt[(role, mode, t)]
                    c[0] += sum(1 for i, (k, _) in enumerate(ps) if i in mp and t in ("all", k))
                    c[1] += sum(1 for k, _ in ps if t in ("all", k))
                    c[2] += sum(1 for j, (k, _) in enumerate(gs) if j in mg and t in ("all", k))
                    c[3] += sum(1 for k, _ in gs if t in ("all", k))
    return {k: prf(*v) for k, v in cnt.items()} | {("n",) + k: v for k, v in cnt.items()}


def labelled_eval(docs_by_name: dict, parse) -> dict:
    """Resolved pronoun/nominal sources and chains on tests/data/claims_chains (see its GUIDE.md)."""
    from newstrace.analyze.claims import analyse

    def lw(s):
        import re as _re
        w = _re.sub(r"(?:’s|'s)$", "", (s or "").strip()).split()
        return w[-1].lower().strip(".,") if w else ""

    cache = {}

    def claims_of(name):
        if name not in cache:
            d = docs_by_name[name]
            cache[name] = analyse(d.text, parse([d.text])[0], assertions=False)
        return cache[name]

    res = {}
    src = [json.loads(x) for x in (LABELLED / "sources.jsonl").read_text().splitlines() if x.strip()]
    tp = n_pred = 0
    for it in src:
        if it["doc"] not in docs_by_name:
            continue
        hit = [c for c in claims_of(it["doc"]) if c.source and c.source.start < it["end"] and it["start"] < c.source.end]
        c = hit[0] if hit else None
        if c is None:
            continue
        if it["resolved"] is None:
            n_pred += 1
            tp += c.source_type == "anonymous" and not c.source_name
            continue
        if not c.source_name:
            continue
        n_pred += 1
        ok = {lw(it["resolved"])} | {lw(x) for x in it["any_of"]}
        tp += lw(c.source_name) in ok
    n = sum(1 for it in src if it["doc"] in docs_by_name)
    res["pronoun/nominal sources"] = prf(tp, n_pred, tp, n) + (n,)
    ch = [json.loads(x) for x in (LABELLED / "chains.jsonl").read_text().splitlines() if x.strip()]
    tp = n_pred = 0
    for it in ch:
        if it["doc"] not in docs_by_name:
            continue
        text = docs_by_name[it["doc"]].text
        s = text.find(it["snippet"])
        e = s + len(it["snippet"])
        hit = [c for c in claims_of(it["doc"]) if c.cue and c.cue.start < e and s < c.cue.end]
        if not hit:
            continue
        c = hit[0]
        n_pred += 1
        got = c.chain
        gold = it["chain"]

        def same(a, b):
            return lw(a) == lw(b) or a.split()[0].lower() == b.split()[0].lower()
        tp += len(got) == len(gold) and all(same(a, b) for a, b in zip(got, gold))
    n = sum(1 for it in ch if it["doc"] in docs_by_name)
    res["chains"] = prf(tp, n_pred, tp, n) + (n,)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--chains", action="store_true", help="also score the labelled chains/sources set")
    ap.add_argument("--no-textacy", action="store_true")
    ap.add_argument("--tokens-only", action="store_true", help="only the tokens-only path (no spaCy parse, no "
                    "textacy: the parse is most of the run's CPU)")
    ap.add_argument("--cache", help="folder of claims_train.py's pre-parsed dev.spacy + .keys (speed only: the "
                    "parse the analyze stage makes for claims, read instead of made)")
    a = ap.parse_args()
    docs = load("dev", a.limit)
    if not docs:
        print("PolNeAR dev not found under ../shared/data/polnear: skipped.")
        return 0
    from newstrace.analyze.nlp import parse_bodies

    t = time.time()
    # the claims parse of the analyze stage (no NER)
    if a.cache and not a.tokens_only:  # the same parse, made earlier by claims_train.py --cache (speed only)
        import claims_train

        parses = [ps for _, ps in claims_train.parsed("dev", docs, a.cache)]
    else:
        parses = [] if a.tokens_only else parse_bodies([d.text for d in docs], ner=False)
    words = sum(len(d.text.split()) for d in docs)
    t_parse = time.time() - t
    t = time.time()
    ours = [(system_items(d, p), gold_items(d)) for d, p in zip(docs, parses)]
    t_ours = time.time() - t
    t = time.time()
    toks = parse_bodies([d.text for d in docs], parse=False)  # claims alone: tokens and rule sentences only
    fast = [(system_items(d, p), gold_items(d)) for d, p in zip(docs, toks)]
    t_fast = time.time() - t
    systems = [("newstrace, tokens only (claims alone)", score(fast))]
    if not a.tokens_only:
        systems.append(("newstrace, parse (when actors parse)", score(ours)))
    tx_note = ""
    if not a.no_textacy and not a.tokens_only:
        try:
            systems.append(("textacy direct_quotations", score([(textacy_items(d, p), gold_items(d))
                                                                for d, p in zip(docs, parses)])))
        except ImportError:
            tx_note = "textacy is not installed (pip install textacy): its row is missing."
    print(f"PolNeAR dev: {len(docs)} articles, {words} words; parse {t_parse:.1f}s, claims on it {t_ours:.1f}s; "
          f"tokens only, tokenizing and claims {t_fast:.1f}s (one process)\n")
    rows = []
    for name, sc in systems:
        for role in ROLES:
            for mode in ("overlap", "exact"):
                p, r, f = sc[(role, mode, "all")]
                rows.append([name, role, mode, f"{p:.3f}", f"{r:.3f}", f"**{f:.3f}**" if mode == "overlap" else f"{f:.3f}"])
    rows.append(["BERT+CofeNet (published, GPU)", "content", "exact", "", "", "0.729"])
    rows.append(["Citron (published, PARC 3.0)", "content", "exact / overlap", "", "", "0.567 / 0.832"])
    print(table(["system", "span", "match", "P", "R", "F1"], rows))
    if tx_note:
        print("\n" + tx_note)
    print("\nPer attribution type (>= 50% overlap; recall by gold type, precision by predicted type):\n")
    rows = []
    for name, sc in systems:
        for t_ in TYPES:
            cells = [name, t_, str(sc[("n", "content", "overlap", t_)][3])]
            for role in ROLES:
                p, r, f = sc[(role, "overlap", t_)]
                cells.append(f"{p:.2f}/{r:.2f}/{f:.2f}")
            rows.append(cells)
    print(table(["system", "type", "gold n", "content P/R/F1", "source P/R/F1", "cue P/R/F1"], rows))
    if a.chains:
        by_name = {d.name: d for d in load("dev")}
        rows = []
        for what, parse in (("tokens only", False), ("parse", True))[:1 if a.tokens_only else 2]:
            res = labelled_eval(by_name, lambda b: parse_bodies(b, ner=False, parse=parse))
            rows += [[what, k, str(v[3]), f"{v[0]:.3f}", f"{v[1]:.3f}", f"{v[2]:.3f}"] for k, v in res.items()]
        print("\nLabelled set (tests/data/claims_chains; target F1 >= 0.8):\n")
        print(table(["input", "item", "n", "P", "R", "F1"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
