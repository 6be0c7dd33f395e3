"""Shared helpers for the extraction benchmarks: data location, scorers, the two systems, tables.

The two systems compared everywhere, in the same process and on the same bytes:

- **trafilatura**: bare ``trafilatura.extract(html)`` with its defaults (the library as a user would
  call it), optionally with other keyword settings for reference rows;
- **newstrace**: the whole ingest pipeline (``newstrace.ingest`` -> readers -> extraction in a process
  pool -> SQLite -> per-site furniture relearning) into a temporary database; the bodies are then
  read back from the store, so credit removal and site-furniture learning are included.

Scorer for AEB (``shingle_tp_fp_fn`` / ``aeb_metrics``): the method of
scrapinghub/article-extraction-benchmark ``evaluate.py``, re-implemented here:
tokens are ``\\w+`` runs (case kept), shingles are 4-token n-grams (a text shorter than 4 tokens is
one shingle of what it has), counted as multisets; per document TP = sum of min(count_true,
count_pred), FP = surplus predicted, FN = missing true, then (TP, FP, FN) is normalised to sum 1 so
every document weighs the same. Precision is the mean over documents with TP+FP > 0 of
TP/(TP+FP) (1.0 when FP = FN = 0, 0.0 when TP = FP = 0), recall likewise over documents with
TP+FN > 0, and F1 is the harmonic mean of those two means (not a mean of per-document F1s).
Confidence intervals are 1.96 x the standard deviation over bootstrap resamples of documents.
"""
from __future__ import annotations

import gzip
import json
import os
import random
import re
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
AEB_REFERENCE_F1 = 0.958  # trafilatura, as published by scrapinghub/article-extraction-benchmark

if str(ROOT / "src") not in sys.path:  # runnable from a checkout without an editable install
    sys.path.insert(0, str(ROOT / "src"))


# -- data ------------------------------------------------------------------------------------
def shared_or_skip(name: str) -> Path:
    """The folder ``../shared/data/<name>``, or print why and exit 0 when it is absent."""
    p = SHARED / name
    if not p.exists():
        print(f"skipped: evaluation data {p} not present (set NEWSTRACE_SHARED_DATA to its folder)")
        sys.exit(0)
    return p


def read_bytes(path: str | Path) -> bytes:
    path = str(path)
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    with open(path, "rb") as fh:
        return fh.read()


def load_aeb(folder: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """AEB documents: ``[{id, path, url, gold}]`` in id order."""
    gt = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    docs = []
    for doc_id in sorted(gt):
        path = folder / "html" / f"{doc_id}.html.gz"
        if path.exists():
            docs.append({"id": doc_id, "path": str(path), "url": gt[doc_id].get("url"),
                         "gold": gt[doc_id].get("articleBody") or ""})
    return docs[:limit] if limit else docs


# -- AEB scorer (method of scrapinghub/article-extraction-benchmark evaluate.py) --------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    out: Counter = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        sh = tuple(tokens[i:i + n])
        if sh:
            out[sh] += 1
    return out


def shingle_tp_fp_fn(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    t, p = _shingles(true, n), _shingles(pred, n)
    tp = fp = fn = 0.0
    for key in t.keys() | p.keys():
        a, b = t.get(key, 0), p.get(key, 0)
        tp += min(a, b)
        fp += max(0, b - a)
        fn += max(0, a - b)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def doc_f1(tpfpfn: tuple[float, float, float]) -> float:
    p, r = _precision(*tpfpfn), _recall(*tpfpfn)
    return 2 * p * r / (p + r) if p + r else 0.0


def aeb_metrics(tp_fp_fns: list[tuple[float, float, float]]) -> dict[str, float]:
    ps = [_precision(*x) for x in tp_fp_fns if x[0] + x[1] > 0]
    rs = [_recall(*x) for x in tp_fp_fns if x[0] + x[2] > 0]
    p = statistics.mean(ps) if ps else 0.0
    r = statistics.mean(rs) if rs else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def aeb_metrics_ci(tp_fp_fns: list[tuple[float, float, float]], n_bootstrap: int = 1000,
                   seed: int = 0) -> dict[str, float]:
    """Metrics plus ``<name>_ci`` = 1.96 x stdev over bootstrap resamples (seeded, so reproducible)."""
    m = aeb_metrics(tp_fp_fns)
    if n_bootstrap and len(tp_fp_fns) > 1:
        rng = random.Random(seed)
        n = len(tp_fp_fns)
        vals: dict[str, list[float]] = {}
        for _ in range(n_bootstrap):
            bm = aeb_metrics([tp_fp_fns[rng.randrange(n)] for _ in range(n)])
            for k, v in bm.items():
                vals.setdefault(k, []).append(v)
        for k, v in vals.items():
            m[f"{k}_ci"] = 1.96 * statistics.stdev(v)
    return m


# -- trafilatura-eval scorer (method of adbar/trafilatura tests/eval_common.py) -------------------
def norm_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], result: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn): a 'with' snippet found is a TP, a 'without' snippet found is a FP;
    whitespace-normalised substring matching, as trafilatura's own evaluation does."""
    if isinstance(result, str) and result:
        r = norm_ws(result)
        tp = sum(1 for w in item["with"] if norm_ws(w) in r)
        fp = sum(1 for w in item["without"] if norm_ws(w) in r)
    else:
        tp = fp = 0
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


# -- the two systems -----------------------------------------------------------------------------
def bare_trafilatura(html: bytes | str, **kw) -> str:
    """``trafilatura.extract(html)`` with its defaults unless ``kw`` says otherwise; '' on failure."""
    import trafilatura

    try:
        return trafilatura.extract(html, **kw) or ""
    except Exception as e:  # noqa: BLE001 - a crash counts as an empty extraction, as upstream does
        print(f"  trafilatura raised {type(e).__name__}: {e}", file=sys.stderr)
        return ""


def newstrace_ingest(paths: Iterable[str], workers: int | None = None,
                     db_dir: str | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Run the whole newstrace ingest on ``paths`` into a temporary SQLite file.

    Returns ({source path: stored article dict}, ingest summary). The article dicts are read back
    from the store after furniture relearning, so ``body`` is what a user of the database gets.
    """
    import newstrace

    paths = [str(p) for p in paths]
    with tempfile.TemporaryDirectory(prefix="newstrace-bench-", dir=db_dir) as tmp:
        db = os.path.join(tmp, "bench.db")
        summary = newstrace.ingest(paths, db=db, workers=workers, link=False, analyze=False)
        arts = {a["source"]: a for a in newstrace.articles(db)}
    return arts, summary


# -- output ----------------------------------------------------------------------------------------
def table(headers: list[str], rows: list[list[Any]], title: str | None = None) -> str:
    """A plain Markdown table (floats to 3 decimals)."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3f}"
        return "" if v is None else str(v)

    cells = [[fmt(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = []
    if title:
        lines.append(title)
        lines.append("")
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    return "\n".join(lines)


def trafilatura_version() -> str:
    from importlib.metadata import version

    return version("trafilatura")


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


__all__ = [
    "AEB_REFERENCE_F1", "ROOT", "SHARED", "aeb_metrics", "aeb_metrics_ci", "bare_trafilatura", "doc_f1",
    "load_aeb", "newstrace_ingest", "norm_ws", "progress", "read_bytes", "shared_or_skip",
    "shingle_tp_fp_fn", "snippet_counts", "table", "trafilatura_version",
]
