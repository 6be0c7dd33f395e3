"""Translate phase: cross-language pairs from trace/translate.py for this run's new articles and those a
killed run left undecided, written as ``Pair(method=TRANSLATION)`` records (they never replace an aligned
link)."""
from __future__ import annotations

import logging

from ..records import Problem
from ..store import articles, pairs, problems
from ..store.records import Pair, PairMethod, dumps
from .index import now_iso

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


def run(r) -> int:
    """Translation links made for the run's new and undecided articles."""
    keys = articles.all_keys(r.conn) if -1 in r.dirty else r.new | r.dirty
    if not keys:
        return 0
    from .translate import translation_pairs

    conn = r.conn
    kl = sorted(keys)
    pid_of = articles.page_ids(conn, kl)
    try:
        found = translation_pairs(r.store, [pid_of[k] for k in kl if k in pid_of]) or []
    except Exception as e:  # noqa: BLE001 - the cross-lingual stage must not stop same-language tracing: recorded
        log.warning("translation_pairs failed", exc_info=True)
        with conn:
            problems.write(conn, [Problem("trace:translate", "trace", "translate-failed",
                                          f"{type(e).__name__}: {e}; {len(kl)} articles not compared across "
                                          "languages (`trace --rebuild` compares them again)")], now_iso())
        r.counts["translate_failed"] = 1
        return 0
    key_of = articles.keys_of(conn, {pid for t in found for pid in (t["a_id"], t["b_id"])})
    rows = []
    for t in found:
        if t["a_id"] not in key_of or t["b_id"] not in key_of:
            continue
        rows.append(_pair(t, key_of[t["a_id"]], key_of[t["b_id"]], conn))
    with conn:
        pairs.write_translations(conn, rows)
    return len(rows)


def _pair(t: dict, a: int, b: int, conn) -> Pair:
    """A translation found by translate.py as a stored pair (a < b, spans a -> b)."""
    spans = [list(p) for p in t.get("pairs", [])]
    ca, cb = float(t.get("coverage_a") or 0), float(t.get("coverage_b") or 0)
    if a > b:
        a, b = b, a
        spans = [[p[2], p[3], p[0], p[1]] + p[4:] for p in spans]
        ca, cb = cb, ca
    res = {"spans": [p[:4] for p in spans], "wspans": [], "shared_words": 0, "coverage_a": ca, "coverage_b": cb,
           "longest": 0, "monotonic": True, "substitutions": [], "method": "translation",
           "similarity": [p[4] for p in spans if len(p) > 4], "score": t.get("score"),
           "uncovered_a": [], "uncovered_b": [], "whole_a": 0.0, "whole_b": 0.0}
    hs = articles.body_hashes(conn, [a, b])
    return Pair(a, b, hs.get(a), hs.get(b), True, PairMethod.TRANSLATION, dumps(res))
