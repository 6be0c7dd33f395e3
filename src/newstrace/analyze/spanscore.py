"""The SemEval-2020 Task 11 / EMNLP-2019 FLC span scorer with partial-overlap credit.

Per article, spans of one label that overlap are merged (as the task's gold is). A predicted span s earns
|s ∩ t| / |s| from every gold span t of the same label (precision), a gold span t earns |s ∩ t| / |t| from
every predicted s (recall); both are summed over all articles and divided by the number of predicted and
gold spans. With ``labels=False`` every span counts as one label (task SI, span identification).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

Span = tuple[str, str, int, int]  # (article id, label, start, end), end exclusive


def _merge(spans: Iterable[Span], labels: bool) -> dict[tuple[str, str], list[tuple[int, int]]]:
    by = defaultdict(list)
    for art, lab, a, b in spans:
        if b > a:
            by[(art, lab if labels else "*")].append((a, b))
    out = {}
    for k, v in by.items():
        v.sort()
        merged = [list(v[0])]
        for a, b in v[1:]:
            if a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out[k] = [tuple(x) for x in merged]
    return out


def score(pred: Iterable[Span], gold: Iterable[Span], labels: bool = True) -> dict[str, float]:
    """Precision, recall, F1 and span counts."""
    P, G = _merge(pred, labels), _merge(gold, labels)
    n_p = sum(len(v) for v in P.values())
    n_g = sum(len(v) for v in G.values())
    p_sum = r_sum = 0.0
    for key, ps in P.items():
        for a, b in ps:
            for c, d in G.get(key, ()):
                inter = min(b, d) - max(a, c)
                if inter > 0:
                    p_sum += inter / (b - a)
                    r_sum += inter / (d - c)
    p = p_sum / n_p if n_p else 0.0
    r = r_sum / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f, "n_pred": n_p, "n_gold": n_g}
