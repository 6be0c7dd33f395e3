"""Neural check of a static (``tok``) translation pair on a few aligned sentences, not on whole bodies.

With the static encoder on (``NEWSTRACE_XLING_TOK=1``) every article is encoded with e5's piece table and
candidates are aligned and scored in that space (translate._tok_pairs). A pair whose static score falls in the
unsure band (``translate.UNSURE``) used to be re-decided by encoding *both whole bodies* with the pair's neural
encoder (USE or multilingual-e5), which is where the time went (e5 costs ~0.2 CPU s a sentence). Here the
static alignment is kept and only its :data:`CHECK_UNITS` most similar aligned sentence pairs are encoded
neurally: a translation's aligned sentences are translations of each other and come out near in the neural
space; two articles on the same event aligned by shared names and numbers do not. The pair is kept when the
mean centred neural cosine of those sentence pairs reaches :data:`CHECK_SIM` of its encoder (centred with the
packaged per-language means, as the ledes are); its spans and coverage are those of the static alignment.

With :data:`CHECK_ALL` every static pair from the band's floor up is checked (none is kept on its static score
alone). Pairs involving a language the static table serves badly (``translate.STATIC_WEAK_LANGS``) are looked
for by the neural staged path as well. ``NEWSTRACE_XLING_CHECK=full`` restores the whole-body re-check. The
static path stays opt-in: on parallel-news test it gives pairs P 0.985 R 0.960 (gate 0.98 / 0.98) and direction
P 0.968 for German (gate 0.97); see bench/README "Unsure pairs: a few sentences".
"""
from __future__ import annotations

import os

import numpy as np

from . import translate as tr
from . import xling_encoders as enc

CHECK_UNITS = 3  # aligned sentence pairs encoded per unsure pair; set by hand (cost 2 x this many sentences)
# mean centred neural cosine of those pairs from which the pair is kept; chosen on parallel-news dev only
# (bench/trace_xling_check.py --dev-per-pair 4: 744 articles, 635 band pairs; best F1, lowest on ties; a first
# fit on 2 documents per pair gave 0.42 / 0.32 and let false pairs through; bench/README "Unsure pairs: a few
# sentences")
CHECK_SIM: dict[str, float] = {"use": 0.46, "e5": 0.36}


def mode() -> str:
    """``units`` (default): the check on a few aligned sentences; ``full``: both bodies encoded in full."""
    m = os.environ.get("NEWSTRACE_XLING_CHECK", "units").lower()
    return "full" if m == "full" else "units"


def unit_pairs(space, da: int, db: int, k: int = CHECK_UNITS) -> list[tuple[int, int, float]]:
    """The ``k`` most similar unit pairs of the static alignment of documents ``da``, ``db`` (row indices into
    each document's units, static similarity), most similar first."""
    A = space.M[space.rows(da)]
    B = space.M[space.rows(db)]
    S = np.einsum("ij,kj->ik", A, B)
    al = tr.align_pair(S, tr.PARAMS[space.encoder])
    best = sorted(((float(S[i, j]), i, j) for i, j in al), reverse=True)[:k]
    return [(i, j, s) for s, i, j in best]


def greedy_pairs(space, da: int, db: int, k: int = CHECK_UNITS) -> list[tuple[int, int, float]]:
    """The ``k`` most similar unit pairs of documents ``da``, ``db`` in the static space, one-to-one (no
    similarity floor: for a pair the static alignment leaves empty)."""
    S = np.einsum("ij,kj->ik", space.M[space.rows(da)], space.M[space.rows(db)])
    out, ua, ub = [], set(), set()
    for flat in np.argsort(-S, axis=None):
        i, j = divmod(int(flat), S.shape[1])
        if i in ua or j in ub:
            continue
        out.append((i, j, float(S[i, j])))
        ua.add(i)
        ub.add(j)
        if len(out) == k:
            break
    return out


def sims(store, unsure: dict, bodies: dict, k: int = CHECK_UNITS) -> dict:
    """Per unsure pair key ((a_id, b_id) -> static result): {"encoder", "sims" (neural cosine of each checked
    unit pair), "static" (their static similarities)}; a pair without a neural encoder or aligned units is left
    out. Sentences of all pairs are encoded in one batch per encoder (identical sentences once)."""
    space = tr.load_space(store, "tok")
    if space is None:
        return {}
    plan: dict[tuple[str, str], tuple[str, list, str | None, str | None, list]] = {}
    texts: dict[str, list[str]] = {}
    for key, r in unsure.items():
        a, b = key
        la, lb = enc.norm_lang(r["lang_a"]), enc.norm_lang(r["lang_b"])
        name = enc.neural_encoder(la, lb)
        if name is None or a not in space.index or b not in space.index:
            continue
        da, db = space.index[a], space.index[b]
        ups = unit_pairs(space, da, db, k) or (greedy_pairs(space, da, db, k) if r.get("rescue") else [])
        if not ups:
            continue
        ba, bb = bodies.get(a, ""), bodies.get(b, "")
        sa, sb = space.spans[da], space.spans[db]
        items = [(ba[sa[i][0]:sa[i][1]], bb[sb[j][0]:sb[j][1]], s) for i, j, s in ups]
        plan[key] = (name, items, la, lb, [(sa[i], sb[j]) for i, j, _ in ups])
        texts.setdefault(name, [])
        for ta, tb, _ in items:
            texts[name] += [ta, tb]
    vecs: dict[str, dict[str, np.ndarray]] = {}
    for name, ts in texts.items():
        uniq = list(dict.fromkeys(ts))
        try:
            V = enc.encode(name, uniq)
        except Exception:  # noqa: BLE001 - an encoder failure leaves its pairs unchecked (not kept)
            continue
        vecs[name] = dict(zip(uniq, V))
    from .xling_cheap import _centred

    out = {}
    for key, (name, items, la, lb, units) in plan.items():
        got = vecs.get(name)
        if got is None:
            continue
        A = _centred(name, np.stack([got[ta] for ta, _, _ in items]), la)
        B = _centred(name, np.stack([got[tb] for _, tb, _ in items]), lb)
        out[key] = {"encoder": name, "sims": [round(float(x), 4) for x in (A * B).sum(1)],
                    "static": [round(s, 4) for _, _, s in items],
                    "units": units}
    return out


# the same for a rescued pair (its unit pairs are the static space's best, unaligned, so chance pairs of two
# articles on one event come closer): chosen on parallel-news dev by the same rule
RESCUE_SIM: dict[str, float] = {"use": 0.32, "e5": 0.50}


def keep(info: dict, rescue: bool = False) -> bool:
    th = (RESCUE_SIM if rescue else CHECK_SIM)[info["encoder"]]
    return bool(info["sims"]) and float(np.mean(info["sims"])) >= th


def check(store, unsure: dict, bodies: dict, floor: float) -> dict:
    """The unsure pairs the neural check keeps, as their static results with the check in ``evidence`` and a
    score of at least ``floor`` (the static threshold: a kept pair is a pair)."""
    out = {}
    for key, r in unsure.items():  # no neural encoder for the pair: the static score decides
        if enc.neural_encoder(enc.norm_lang(r["lang_a"]), enc.norm_lang(r["lang_b"])) is None and r["score"] >= floor:
            out[key] = r
    for key, info in sims(store, unsure, bodies).items():
        if not keep(info, bool(unsure[key].get("rescue"))):
            continue
        r = dict(unsure[key])
        r["evidence"] = dict(r["evidence"], neural_check={"encoder": info["encoder"], "sims": info["sims"],
                                                          "rescue": bool(r.pop("rescue", False))})
        r["score"] = round(max(r["score"], floor), 4)
        if not r["pairs"]:  # a rescued pair the static alignment left empty: the checked sentences that agree
            r["pairs"] = sorted([a0, a1, b0, b1, x] for ((a0, a1), (b0, b1)), x in zip(info["units"], info["sims"])
                                if x >= CHECK_SIM[info["encoder"]])
        out[key] = r
    return out


# the static pairs scoring above the unsure band are checked too (the static score alone then decides nothing):
# on parallel-news dev the check kept all of a seeded sample of 150 of them (all gold; dev has no negative above
# the band), and on bench/trace_xling_speed.py corpus (a) the unchecked ones held false pairs (P 0.862 at 1,000)
CHECK_ALL = True
# fingerprint candidates the static search did not reach are checked too (see :func:`rescue_pairs`). Off: on
# parallel-news dev (2 per pair) it checked 235 pairs (~1,400 sentences) to find 6 of 509 gold, and on corpus (a)
# of bench/trace_xling_speed.py it multiplied the check's neural sentences
RESCUE = False


def rescue_pairs(store, reached: set, query: set[str] | None, bodies: dict) -> dict:
    """Static results of the fingerprint candidates (xling_cheap: rare numbers and names shared across
    languages) that the static nearest-neighbour search did not reach (``reached``: pairs scored there), each
    marked ``rescue`` so that :func:`check` decides it on its best unit pairs even when the static alignment is
    empty (Japanese, a partial translation whose sentences are crowded out of the nearest neighbours)."""
    from ..store import articles
    from . import xling_cheap as cheap

    if not RESCUE:
        return {}
    space = tr.load_space(store, "tok")
    if space is None:
        return {}
    ranks = cheap.fingerprint_ranks(store, query, {"tok"})
    keys = sorted(k for k in cheap.fingerprint_candidates(ranks) if k not in reached
                  and k[0] in space.index and k[1] in space.index)
    if not keys:
        return {}
    bodies.update(articles.bodies_by_page(store.conn, {p for k in keys for p in k} - set(bodies)))
    links = tr._links(store, sorted({p for k in keys for p in k}))
    tr.ensure_knn(space, {space.index[p] for k in keys for p in k})
    out = {}
    for a, b in keys:
        da, db = space.index[a], space.index[b]
        r = tr.score_pair(space, da, db, bodies.get(a, ""), bodies.get(b, ""), links[a], links[b])
        r.update(a_id=a, b_id=b, lang_a=space.langs[da], lang_b=space.langs[db], encoder="tok", rescue=True)
        out[(a, b)] = r
    return out
