"""trafilatura's own evaluation corpus: newstrace vs bare trafilatura, same process, same pages.

Data: ``../shared/data/trafilatura-eval`` (``evaldata.json`` ``{url: {file, with, without, title, author,
date, ...}}`` and ``html/<file>.gz``). Skips with a message (exit 0) when absent.

Body (as trafilatura's ``tests/eval_common.py`` scores it): per page every ``with`` snippet found in the
extracted text (whitespace-normalised substring) is a TP, missed a FN; every ``without`` snippet found is
a FP, absent a TN. Precision, recall, accuracy = (TP+TN)/all, F1, summed over the corpus.

Metadata (our own scoring; trafilatura's evaluation scores bodies only): over the pages annotated with
that field, a prediction is right when
- title: equal to the gold title after whitespace normalisation, case-insensitive;
- author: the same set of names (split on ``;`` ``,`` ``&`` ``and`` ``und``; a leading "By"/"Von"
  dropped; case-insensitive);
- date: the same ``YYYY-MM-DD`` (first 10 characters of the ISO date);
and an empty gold string means no value is expected, so only an empty prediction is right. The table
also gives accuracy on the pages where a value is expected.

Systems:
- ``trafilatura``: ``trafilatura.extract(html_bytes)`` with defaults for the body and
  ``trafilatura.extract_metadata(html_bytes)`` for title/author/date;
- ``trafilatura (eval setting)``: trafilatura's own evaluation setting (``include_comments=False,
  include_tables=True, include_formatting=False, fast=False``), body only, for reference;
- ``newstrace``: ``newstrace.ingest`` of the same ``.gz`` files into a temporary SQLite database; body,
  title, byline and published read back from the store.

Usage: ``.venv/bin/python bench/trafilatura_eval.py [--limit N] [--misses 10]``
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    bare_trafilatura, newstrace_ingest, norm_ws, progress, read_bytes, shared_or_skip, snippet_counts, table,
    trafilatura_version,
)

EVAL_SETTING = {"include_comments": False, "include_tables": True, "include_formatting": False, "fast": False}


def _norm_title(t: str | None) -> str:
    return norm_ws(t or "").casefold()


def _authors(a: str | None) -> frozenset[str]:
    a = norm_ws(a or "")
    a = re.sub(r"^(?:by|von|par|por|di|door)\s+", "", a, flags=re.I)
    parts = re.split(r"\s*(?:;|,|&|\band\b|\bund\b|\bet\b|\by\b)\s*", a, flags=re.I)
    return frozenset(p.casefold().strip(" .") for p in parts if p.strip(" ."))


def _date(d: str | None) -> str:
    return (d or "").strip()[:10]


FIELDS = {"title": _norm_title, "author": _authors, "date": _date}


def _as_text(v) -> str:
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v if x)
    return str(v or "")


def field_right(field: str, gold, pred) -> bool:
    f = FIELDS[field]
    gold, pred = _as_text(gold), _as_text(pred)
    if not gold.strip():
        return not (pred or "").strip()
    return bool(pred) and f(gold) == f(pred)


def run(limit: int | None = None, workers: int | None = None, eval_row: bool = True) -> dict:
    import trafilatura

    folder = shared_or_skip("trafilatura-eval")
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    items = []
    for url, item in data.items():
        path = folder / "html" / (item["file"] + ".gz")
        if not path.exists():
            path = folder / "html" / item["file"]
        if path.exists():
            items.append((url, item, str(path)))
    items = items[:limit] if limit else items

    out: dict = {"n": len(items), "items": items, "systems": {}}

    progress(f"trafilatura-eval: trafilatura on {len(items)} pages ...")
    t0 = time.perf_counter()
    tr: dict[str, dict] = {}
    for url, item, path in items:
        html = read_bytes(path)
        meta = {}
        try:
            doc = trafilatura.extract_metadata(html)
            if doc is not None:
                meta = {"title": doc.title, "author": doc.author, "date": doc.date}
        except Exception as e:  # noqa: BLE001
            progress(f"  extract_metadata raised {type(e).__name__}: {e}")
        tr[url] = {"body": bare_trafilatura(html), **meta}
    out["systems"]["trafilatura"] = {"preds": tr, "seconds": time.perf_counter() - t0}

    if eval_row:
        progress("trafilatura-eval: trafilatura (eval setting) ...")
        t0 = time.perf_counter()
        ev = {url: {"body": bare_trafilatura(read_bytes(path), **EVAL_SETTING)} for url, item, path in items}
        out["systems"]["trafilatura (eval setting, body only)"] = {"preds": ev, "seconds": time.perf_counter() - t0}

    progress(f"trafilatura-eval: newstrace ingest of {len(items)} pages ...")
    t0 = time.perf_counter()
    arts, summary = newstrace_ingest([p for _, _, p in items], workers=workers)
    ns = {}
    for url, item, path in items:
        a = arts.get(path) or {}
        ns[url] = {"body": a.get("body") or "", "title": a.get("title"), "author": a.get("byline"),
                   "date": a.get("published")}
    out["systems"]["newstrace"] = {"preds": ns, "seconds": time.perf_counter() - t0, "summary": summary}

    for name, s in out["systems"].items():
        tp = fp = fn = tn = 0
        for url, item, _ in items:
            a, b, c, d = snippet_counts(item, s["preds"][url]["body"])
            tp, fp, fn, tn = tp + a, fp + b, fn + c, tn + d
        s["body"] = {
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "accuracy": (tp + tn) / (tp + fp + fn + tn) if tp + fp + fn + tn else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
            "counts": (tp, fp, fn, tn),
        }
        for field in FIELDS:
            if not any(field in s["preds"][u] for u, _, _ in items):
                continue
            right = total = right_exp = total_exp = 0
            for url, item, _ in items:
                if field not in item:
                    continue
                ok = field_right(field, item[field], s["preds"][url].get(field))
                total += 1
                right += ok
                if _as_text(item[field]).strip():
                    total_exp += 1
                    right_exp += ok
            s[field] = {"accuracy": right / total if total else 0.0, "n": total,
                        "accuracy_expected": right_exp / total_exp if total_exp else 0.0, "n_expected": total_exp}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="only the first N pages of evaldata.json")
    ap.add_argument("--workers", type=int, help="newstrace extraction processes (default: all cores)")
    ap.add_argument("--no-eval-row", action="store_true", help="skip the trafilatura eval-setting row")
    ap.add_argument("--misses", type=int, default=0, metavar="N",
                    help="print N snippets newstrace misses (or wrongly keeps) that trafilatura gets right")
    args = ap.parse_args(argv)

    res = run(args.limit, args.workers, not args.no_eval_row)
    rows = []
    for name, s in res["systems"].items():
        b = s["body"]
        tp, fp, fn, tn = b["counts"]
        rows.append([name, b["precision"], b["recall"], b["accuracy"], b["f1"], f"{tp}/{fp}/{fn}/{tn}",
                     f"{s['seconds']:.1f}"])
    print(table(["system", "precision", "recall", "accuracy", "F1", "TP/FP/FN/TN", "seconds"], rows,
                title=f"trafilatura-eval body snippets (with / without), {res['n']} pages, "
                      f"trafilatura {trafilatura_version()}"))
    print()
    rows = []
    for name, s in res["systems"].items():
        if "title" not in s:
            continue
        row = [name]
        for f in FIELDS:
            row += [s[f]["accuracy"], s[f]["accuracy_expected"]]
        rows.append(row)
    any_s = next(s for s in res["systems"].values() if "title" in s)
    hdr = ["system"]
    for f in FIELDS:
        hdr += [f"{f} (n={any_s[f]['n']})", f"{f}, value expected (n={any_s[f]['n_expected']})"]
    print(table(hdr, rows, title="trafilatura-eval metadata accuracy (empty gold = no value expected)"))
    s = res["systems"]["newstrace"]["summary"]
    print(f"\nnewstrace ingest: {s.get('new_articles')} articles, {s.get('new_problems')} problems "
          f"{s.get('problems_by_reason') or ''}")
    d = res["systems"]["newstrace"]["body"]["f1"] - res["systems"]["trafilatura"]["body"]["f1"]
    print(f"newstrace body F1 minus bare trafilatura body F1 (same run): {d:+.4f}")

    if args.misses:
        tr, ns = res["systems"]["trafilatura"]["preds"], res["systems"]["newstrace"]["preds"]
        shown = 0
        for url, item, path in res["items"]:
            rt, rn = norm_ws(tr[url]["body"]), norm_ws(ns[url]["body"])
            for w in item["with"]:
                if norm_ws(w) in rt and norm_ws(w) not in rn and shown < args.misses:
                    shown += 1
                    print(f"  newstrace misses  {w[:80]!r}  ({os.path.basename(path)})")
            for w in item["without"]:
                if norm_ws(w) in rn and norm_ws(w) not in rt and shown < args.misses:
                    shown += 1
                    print(f"  newstrace keeps   {w[:80]!r}  ({os.path.basename(path)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
