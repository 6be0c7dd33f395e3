"""AEB body extraction: newstrace vs bare trafilatura, same process, same pages.

Data: ``../shared/data/aeb`` (scrapinghub/article-extraction-benchmark: ``html/<id>.html.gz`` and
``ground-truth.json`` ``{id: {articleBody, url}}``). Skips with a message (exit 0) when absent.

Scorer: the upstream ``evaluate.py`` method, re-implemented in ``bench/common.py`` — 4-token
shingles (tokens = ``\\w+``) of predicted vs true body, per-document (TP, FP, FN) normalised to sum 1,
precision and recall averaged over documents, F1 = harmonic mean of the two averages, ±
1.96·stdev over 1000 bootstrap resamples.

Systems:
- ``trafilatura``: ``trafilatura.extract(html)`` with its defaults, html read as UTF-8 text as the
  upstream runner does;
- ``trafilatura (upstream runner)``: ``include_comments=False``, the setting of upstream's
  ``extractors/run_trafilatura.py`` that produced the published 0.958 (shown for reference);
- ``newstrace``: ``newstrace.ingest`` of the same ``.html.gz`` files into a temporary SQLite
  database (readers, extraction pool, store, site-furniture relearning), bodies read back from it.

Usage::

    .venv/bin/python bench/aeb.py              # table
    .venv/bin/python bench/aeb.py --diff 10    # plus the 10 documents where newstrace loses most
    .venv/bin/python bench/aeb.py --json out.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    AEB_REFERENCE_F1, aeb_metrics_ci, bare_trafilatura, doc_f1, load_aeb, newstrace_ingest, progress, read_bytes,
    shared_or_skip, shingle_tp_fp_fn, table, trafilatura_version,
)


def _html_text(path: str) -> str | bytes:
    data = read_bytes(path)
    try:
        return data.decode("utf-8")  # as upstream's runner reads the files
    except UnicodeDecodeError:
        return data


def run(limit: int | None = None, workers: int | None = None, upstream_row: bool = True,
        n_bootstrap: int = 1000) -> dict:
    """Score both systems on AEB. Returns {system: {metrics..., per_doc: {id: (tp, fp, fn)}}, ...}."""
    folder = shared_or_skip("aeb")
    docs = load_aeb(folder, limit)
    preds: dict[str, dict[str, str]] = {}
    timings: dict[str, float] = {}

    settings = [("trafilatura", {})]
    if upstream_row:
        settings.append(("trafilatura (upstream runner: include_comments=False)", {"include_comments": False}))
    for name, kw in settings:
        progress(f"aeb: {name} on {len(docs)} pages ...")
        t0 = time.perf_counter()
        preds[name] = {d["id"]: bare_trafilatura(_html_text(d["path"]), **kw) for d in docs}
        timings[name] = time.perf_counter() - t0

    progress(f"aeb: newstrace ingest of {len(docs)} pages ...")
    t0 = time.perf_counter()
    arts, summary = newstrace_ingest([d["path"] for d in docs], workers=workers)
    timings["newstrace"] = time.perf_counter() - t0
    preds["newstrace"] = {d["id"]: (arts.get(d["path"]) or {}).get("body") or "" for d in docs}

    results: dict = {"docs": docs, "summary": summary, "preds": preds}
    for name, p in preds.items():
        per = {d["id"]: shingle_tp_fp_fn(d["gold"], p[d["id"]]) for d in docs}
        m = aeb_metrics_ci(list(per.values()), n_bootstrap=n_bootstrap)
        m["per_doc"] = per
        m["empty"] = sum(1 for v in p.values() if not v.strip())
        m["seconds"] = timings[name]
        results[name] = m
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="only the first N documents (by id)")
    ap.add_argument("--workers", type=int, help="newstrace extraction processes (default: all cores)")
    ap.add_argument("--diff", type=int, default=0, metavar="N",
                    help="print the N documents where newstrace's F1 is furthest below trafilatura's")
    ap.add_argument("--no-upstream-row", action="store_true", help="skip the include_comments=False row")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--json", help="write the metrics and per-document scores here")
    args = ap.parse_args(argv)

    res = run(args.limit, args.workers, not args.no_upstream_row, args.bootstrap)
    systems = [k for k in res if k not in ("docs", "summary", "preds")]
    rows = []
    for name in systems:
        m = res[name]
        rows.append([name, f"{m['precision']:.3f} ± {m['precision_ci']:.3f}", f"{m['recall']:.3f} ± {m['recall_ci']:.3f}",
                     f"{m['f1']:.3f} ± {m['f1_ci']:.3f}", m["empty"], f"{m['seconds']:.1f}"])
    rows.append(["published reference: trafilatura (upstream README)", "", "", f"{AEB_REFERENCE_F1:.3f}", "", ""])
    n = len(res["docs"])
    print(table(["system", "precision", "recall", "F1", "empty bodies", "seconds"], rows,
                title=f"AEB body extraction, {n} pages (trafilatura {trafilatura_version()}; "
                      f"newstrace = full ingest to SQLite incl. furniture relearning)"))
    d = res["newstrace"]["f1"] - res["trafilatura"]["f1"]
    print(f"\nnewstrace F1 minus bare trafilatura F1 (same run): {d:+.4f}")
    s = res["summary"]
    print(f"newstrace ingest: {s.get('new_articles')} articles, {s.get('new_problems')} problems "
          f"{s.get('problems_by_reason') or ''}")

    if args.diff:
        tr, ns = res["trafilatura"]["per_doc"], res["newstrace"]["per_doc"]
        gaps = sorted(((doc_f1(ns[i]) - doc_f1(tr[i]), i) for i in tr), key=lambda x: x[0])
        print(f"\nDocuments where newstrace loses most (per-document F1):")
        docs = {x["id"]: x for x in res["docs"]}
        for gap, i in gaps[: args.diff]:
            if gap >= 0:
                break
            print(f"  {gap:+.3f}  {i[:16]}  trafilatura {doc_f1(tr[i]):.3f}  newstrace {doc_f1(ns[i]):.3f}  "
                  f"{docs[i]['url']}")
            _print_diff(res["preds"]["trafilatura"][i], res["preds"]["newstrace"][i])
        wins = sum(1 for g, _ in gaps if g > 1e-9)
        losses = sum(1 for g, _ in gaps if g < -1e-9)
        print(f"\nper-document: newstrace better on {wins}, worse on {losses}, equal on {len(gaps) - wins - losses}")

    if args.json:
        out = {k: {kk: vv for kk, vv in res[k].items()} for k in systems}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)
    return 0


def _print_diff(a: str, b: str, width: int = 160) -> None:
    """Paragraphs only one of the two systems kept."""
    pa = [x.strip() for x in a.split("\n") if x.strip()]
    pb = [x.strip() for x in b.split("\n") if x.strip()]
    norm = lambda s: " ".join(s.split())  # noqa: E731
    sb, sa = {norm(x) for x in pb}, {norm(x) for x in pa}
    for x in pa:
        if norm(x) not in sb:
            print(f"      only trafilatura: {x[:width]!r}")
    for x in pb:
        if norm(x) not in sa:
            print(f"      only newstrace:   {x[:width]!r}")


if __name__ == "__main__":
    sys.exit(main())
