"""Actors, aliases, metonymy, roles, relations and cross-document grouping on the hand-labelled set.

Usage: ``.venv/bin/python bench/actors_labelled.py [--limit N] [--errors KIND] [--half dev|test|all]``

The set (tests/data/actors, 62 PolNeAR/PTC dev articles, see its GUIDE.md) is split in two halves by
position: even rows are the *dev* half (the only one whose errors were looked at while writing the rules,
``--errors`` refuses the test half), odd rows the *test* half. Both are printed, with the issue's targets.
Each article is parsed as the analyze stage parses it (one parse per line, joined); predictions are kept inside the label windows.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402

import actors_gold  # noqa: E402

TARGETS = {"mentions": 0.85, "aliases": 0.80, "metonymy": 0.80, "roles": 0.75, "relations": 0.60,
           "attribution": 0.90}


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(s: str) -> str:
    s = s.strip().strip(".,;:'\"\u201c\u201d")
    for lead in ("the ", "The ", "a ", "an "):
        if s.startswith(lead):
            s = s[len(lead):]
    for tail in ("'s", "\u2019s"):
        if s.endswith(tail):
            s = s[: -len(tail)]
    return s.casefold()


def _tokens(s: str) -> set[str]:
    return {w for w in _norm(s).replace(",", " ").split() if w not in ("the", "a", "an", "of", "'s")}


def _last(s: str) -> str:
    w = _norm(s).split()
    return w[-1] if w else ""


def parse_all(docs, nlp, cache: Path | None):
    """spaCy parses of the articles as the analyze stage makes them (one parse per line, joined into one Doc
    over the whole text), kept in a DocBin at ``cache`` between runs when given."""
    from spacy.tokens import DocBin

    from newstrace.analyze.nlp import paragraphs, parse_paragraphs
    from newstrace.analyze.stage_actors import join_docs

    if cache and cache.exists():
        parsed = list(DocBin().from_disk(cache).get_docs(nlp.vocab))
        if len(parsed) == len(docs) and all(g.text.startswith(d.text) for d, g in zip(parsed, docs)):
            return parsed
    parses = parse_paragraphs([paragraphs(g.text) for g in docs], lemmas=True)  # the actors component reads lemmas
    parsed = [join_docs(g.text, p) for g, p in zip(docs, parses)]
    if cache:
        DocBin(docs=parsed).to_disk(cache)
    return parsed


def run(docs, nlp, table, cache: Path | None = None, chains: str = "claims"):
    """Actors and relations of each article; with ``chains='claims'`` the relations' chains come from the
    claims stage's attributions of the article, as in the analyze stage (else from the relation rules)."""
    from newstrace.analyze import actors, relations
    from newstrace.analyze.claims import analyse as analyse_claims
    from newstrace.analyze.claims_component import to_row
    from newstrace.analyze.nlp import paragraphs
    from newstrace.analyze.stage_actors import _claims_chains

    out = []
    for g, doc in zip(docs, parse_all(docs, nlp, cache)):
        acts = actors.analyse(doc, table, g.date)
        rels = relations.find_relations(doc, acts)
        if chains == "claims":
            parses = [(off, doc.char_span(off, off + len(t), alignment_mode="expand").as_doc())
                      for off, t in paragraphs(doc.text)]
            claims = [dict(to_row(c), idx=i) for i, c in enumerate(analyse_claims(doc.text, parses, outlet="outlet"))]
            dicts = [r.as_dict() for r in rels]
            _claims_chains(dicts, [m.as_dict() for m in acts.mentions], claims)
            for r, d in zip(rels, dicts):
                r.chain = d["chain"]
        out.append((g, doc, acts, rels))
    return out


def score(results, errors: str | None = None) -> dict:
    from newstrace.analyze import group

    c = defaultdict(int)
    pairs_pred, pairs_gold = [], []
    idx = group.surname_index(m.key for _, _, acts, _ in results for m in acts.mentions)
    err_lines = []
    for g, doc, acts, rels in results:
        inside = [m for m in acts.mentions if g.in_windows(m.start, m.end)]
        gold_sp = {(m.start, m.end): m for m in g.mentions}
        pred_sp = {}
        for m in inside:
            pred_sp[(m.start, m.end)] = m
        # mentions: exact spans (both sides already trimmed of the/'s)
        tp = [k for k in pred_sp if k in gold_sp]
        c["m_tp"] += len(tp)
        c["m_pred"] += len(pred_sp)
        c["m_gold"] += len(gold_sp)
        if errors == "mentions":
            for k in pred_sp.keys() - gold_sp.keys():
                err_lines.append(f"FP {g.doc[:30]} {pred_sp[k].text!r}")
            for k in gold_sp.keys() - pred_sp.keys():
                err_lines.append(f"FN {g.doc[:30]} {gold_sp[k].text!r}")
        for k in tp:
            pairs_pred.append((f"{g.doc}:{k}", group.resolve(pred_sp[k].key, idx)))
            pairs_gold.append((f"{g.doc}:{k}", gold_sp[k].actor))
        # metonymy: gov among capital/seat mentions; literal guard
        gold_gov = {k for k, m in gold_sp.items() if m.metonymy == "gov"}
        pred_gov = {k for k, m in pred_sp.items() if m.metonymy == "gov"}
        c["x_tp"] += len(gold_gov & pred_gov)
        c["x_pred"] += len(pred_gov)
        c["x_gold"] += len(gold_gov)
        lit = {k for k, m in gold_sp.items() if m.metonymy == "literal"}
        c["lit"] += len(lit)
        c["lit_ok"] += len(lit - pred_gov)
        if errors == "metonymy":
            for k in pred_gov - gold_gov:
                err_lines.append(f"FP {g.doc[:30]} {g.text[max(0, k[0]-40):k[1]+30]!r}")
            for k in gold_gov - pred_gov:
                err_lines.append(f"FN {g.doc[:30]} {g.text[max(0, k[0]-40):k[1]+30]!r}")
        # roles
        pr = [r for r in acts.roles if g.in_windows(r.start, r.end)]
        used = set()
        for r in pr:
            hit = None
            for i, (who, role) in enumerate(g.roles):
                if i in used or _last(who) not in (_last(r.actor), _last(doc.text[r.start:r.end])) and \
                        _last(who) != _last(r.actor):
                    continue
                a, b = _tokens(role), _tokens(r.role)
                if a and b and 2 * len(a & b) / (len(a) + len(b)) >= 0.5:
                    hit = i
                    break
            if hit is not None:
                used.add(hit)
                c["r_tp"] += 1
            elif errors == "roles":
                err_lines.append(f"FP {g.doc[:30]} {r.actor!r}: {r.role!r} ({r.how})")
        if errors == "roles":
            for i, (who, role) in enumerate(g.roles):
                if i not in used:
                    err_lines.append(f"FN {g.doc[:30]} {who!r}: {role!r}")
        c["r_pred"] += len(pr)
        c["r_gold"] += len(g.roles)
        # aliases
        pa = {frozenset((_norm(a.name), _norm(a.alias))) for a in acts.aliases if g.in_windows(a.start, a.end)}
        ga = {frozenset((_norm(n), _norm(al))) for n, al, _ in g.aliases}
        c["a_tp"] += len(pa & ga)
        c["a_pred"] += len(pa)
        c["a_gold"] += len(ga)
        if errors == "aliases":
            err_lines += [f"FP {g.doc[:30]} {sorted(x)}" for x in pa - ga]
            err_lines += [f"FN {g.doc[:30]} {sorted(x)}" for x in ga - pa]
        # relations: map predicted subject/object spans to gold actor ids through overlapping gold mentions
        def gold_id(span, key):
            for m in g.mentions:
                if m.start < span[1] and span[0] < m.end:
                    return m.actor
            return "?" + key
        gold_rel = defaultdict(list)
        for r in g.relations:
            gold_rel[(r["subject"], r["type"], r["object"])].append(r["chain"])
        pred_rel = {}
        for r in rels:
            if not g.in_windows(r.subject_span[0], r.subject_span[1]) or not g.in_windows(*r.object_span):
                continue
            k = (gold_id(r.subject_span, r.subject), r.type, gold_id(r.object_span, r.object))
            chain = ["outlet"] + [gold_id_by_key(g, x, acts) for x in r.chain[1:]]
            pred_rel.setdefault(k, chain)
        hits = pred_rel.keys() & gold_rel.keys()
        c["l_tp"] += len(hits)
        c["l_pred"] += len(pred_rel)
        c["l_gold"] += len(gold_rel)
        c["att_ok"] += sum(1 for k in hits if pred_rel[k] in gold_rel[k])
        if errors == "relations":
            err_lines += [f"FP {g.doc[:30]} {k} {pred_rel[k]}" for k in pred_rel.keys() - gold_rel.keys()]
            err_lines += [f"FN {g.doc[:30]} {k}" for k in gold_rel.keys() - pred_rel.keys()]
            err_lines += [f"CHAIN {g.doc[:30]} {k} {pred_rel[k]} gold {gold_rel[k]}" for k in hits
                          if pred_rel[k] not in gold_rel[k]]
    # pairwise grouping over gold mentions found exactly, across all documents
    tp = fp = fn = 0
    n = len(pairs_gold)
    by_pred, by_gold = defaultdict(list), defaultdict(list)
    for i, ((_, pk), (_, gk)) in enumerate(zip(pairs_pred, pairs_gold)):
        by_pred[pk].append(i)
        by_gold[gk].append(i)
    same_pred = sum(len(v) * (len(v) - 1) // 2 for v in by_pred.values())
    same_gold = sum(len(v) * (len(v) - 1) // 2 for v in by_gold.values())
    both = defaultdict(int)
    for (_, pk), (_, gk) in zip(pairs_pred, pairs_gold):
        both[(pk, gk)] += 1
    tp = sum(v * (v - 1) // 2 for v in both.values())
    fp, fn = same_pred - tp, same_gold - tp
    c["g_tp"], c["g_pred"], c["g_gold"] = tp, tp + fp, tp + fn
    c["n_found"] = n
    return {"counts": dict(c), "errors": err_lines}


def gold_id_by_key(g, key: str, acts) -> str:
    """A chain element (predicted actor key) as the gold id of a gold mention that a predicted mention with
    that key overlaps (the way subjects and objects are mapped), else the key itself."""
    for m in acts.mentions:
        if m.key == key:
            for gm in g.mentions:
                if gm.start < m.end and m.start < gm.end:
                    return gm.actor
    return key.split(":", 1)[-1] if key.startswith("person:") else key


def table_rows(name: str, c: dict) -> list[str]:
    rows = []
    for label, pre, target in (("actor mentions", "m", "mentions"), ("aliases / renamings", "a", "aliases"),
                               ("metonymy (gov)", "x", "metonymy"), ("roles", "r", "roles"),
                               ("relations (type, subject, object)", "l", "relations"),
                               ("cross-document grouping (pairwise)", "g", None)):
        p, r, f = prf(c[pre + "_tp"], c[pre + "_pred"], c[pre + "_gold"])
        t = f"≥ {TARGETS[target]:.2f}" if target else "—"
        rows.append(f"| {name} | {label} | {p:.3f} | {r:.3f} | **{f:.3f}** | {c[pre + '_gold']} | {t} |")
    lit = c["lit_ok"] / c["lit"] if c["lit"] else 0.0
    rows.append(f"| {name} | literal place uses not taken for governments | | | **{lit:.3f}** | {c['lit']} | all |")
    att = c["att_ok"] / c["l_tp"] if c["l_tp"] else 0.0
    rows.append(f"| {name} | attribution right, of relations found | | | **{att:.3f}** | {c['l_tp']} | ≥ 0.90 |")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--errors", choices=("mentions", "metonymy", "roles", "aliases", "relations"))
    ap.add_argument("--half", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--chains", choices=("claims", "rules"), default="claims",
                    help="relation chains from the claims stage (as shipped) or from the relation rules alone")
    ap.add_argument("--cache", type=Path, default=None, help="DocBin file keeping the parses between runs")
    a = ap.parse_args(argv)
    shared = shared_or_skip("ptc")
    shared_or_skip("polnear")
    shared = shared.parent
    from newstrace.analyze import aliases
    from newstrace.analyze.nlp import english

    docs = actors_gold.load(shared)
    halves = {"dev": docs[0::2], "test": docs[1::2]}
    if a.limit:
        halves = {k: v[: max(1, a.limit // 2)] for k, v in halves.items()}
    if a.errors and a.half != "dev":
        print("--errors shows the dev half only (the test half is not looked at)")
        a.half = "dev"
    nlp, table = english(), aliases.load(None)
    t0 = time.time()
    print("| half | item | precision | recall | F1 | gold | target |")
    print("|---|---|---|---|---|---|---|")
    words = 0
    pooled: list[dict] = []
    for name in (("dev", "test") if a.half == "all" else (a.half,)):
        cache = a.cache.with_suffix(f".{name}.spacy") if a.cache else None
        res = run(halves[name], nlp, table, cache, a.chains)
        words += sum(len(d) for _, d, _, _ in res)
        s = score(res, a.errors)
        print("\n".join(table_rows(f"{name} ({len(halves[name])} art.)", s["counts"])))
        pooled.append(s["counts"])
        if a.errors:
            print("\n" + "\n".join(s["errors"]))
    if len(pooled) == 2:  # both halves pooled (grouping pairs stay within each half)
        both = {k: pooled[0].get(k, 0) + pooled[1].get(k, 0) for k in set(pooled[0]) | set(pooled[1])}
        print("\n".join(r for r in table_rows(f"all ({sum(len(v) for v in halves.values())} art.)", both)
                        if "grouping" not in r))
    print(f"\nparsed and analysed {words} tokens in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
