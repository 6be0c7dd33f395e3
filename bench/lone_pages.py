"""Lone pages: every page of reuse-dev and of trafilatura-eval as if it were the only page of its site.

A page ingested into its own empty store is extracted, written, and then relearned as a site of one page:
``furniture.learn`` needs ``MIN_PAGES`` pages, so nothing is learned and the store's body is
``furniture.lone_page_body(blocks)`` — exactly the body ``extract()`` already built. So instead of one
SQLite store per page, this bench calls ``newstrace.extract.article.extract`` on each page directly (in a
pool of ``--workers`` processes); the same page ingested alone gives the same body (checked by
``tests/test_extract_lone_page.py::test_store_of_one_page_keeps_the_extracted_body``).

Three systems, same run, same pages:
- **today's code, lone**: the lone-page model off (``furniture.LONE_MODEL = False``: only the common-kind
  patterns, as before issue 10);
- **newstrace, lone**: the shipped lone-page model (``extract/models/lone_furniture.json``);
- **per-site learned**: the whole data set ingested into one store (``newstrace.ingest``), so sites with
  three or more pages learn their furniture from their siblings (reuse-dev: 40 sites of ~30 pages).

Scores (whitespace-normalised, case-folded substring matching):
- reuse-dev: bodies keeping a furniture sentence (a sentence of 4+ words of the site's furniture in
  ``gold/sites.jsonl``, or of the furniture a copy carried in, found in the body); article sentences lost
  (sentences of 3+ words of the gold body not found in the body, over all sentences); publisher right (equal to
  the site's ``name``); original source right (copies whose gold credit names a source: our
  ``extra.original_source`` names it — same name — or links its site);
- trafilatura-eval: ``without`` snippets kept and ``with`` snippets lost, over all snippets.
Rows are given for the held-out half (what the model was not fitted on: reuse-dev sites and
trafilatura-eval pages whose ``heldout()`` is true) and for all pages.

    .venv/bin/python bench/lone_pages.py [--limit N] [--workers 2] [--no-per-site] [--heldout-only] [--no-off]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SHARED, norm_ws, progress, table  # noqa: E402

SENT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def heldout(key: str) -> bool:
    """The half of the data the lone-page model is evaluated on and never fitted on: a reuse-dev site or a
    trafilatura-eval URL whose SHA-1 starts with an even hex digit... (fixed, data-independent split)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[0], 16) % 2 == 0


def sentences(text: str, min_words: int) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n", text or ""):
        for s in SENT.split(para):
            s = norm_ws(s).casefold()
            if len(s.split()) >= min_words:
                out.append(s)
    return out


# -- data -------------------------------------------------------------------------------------------------
def load_reuse(limit: int | None):
    d = SHARED / "reuse-dev"
    if not (d / "gold" / "pages.jsonl").exists():
        return []
    sites = {r["domain"]: r for r in map(json.loads, open(d / "gold" / "sites.jsonl", encoding="utf-8"))}
    items = []
    for r in map(json.loads, open(d / "gold" / "pages.jsonl", encoding="utf-8")):
        if r["kind"] == "bad" or r.get("body") is None:
            continue
        furn = [f["text"] for f in sites[r["site"]]["furniture"]]
        ff = r.get("foreign_furniture") or []
        furn += [f["text"] for f in (ff if isinstance(ff, list) else [ff])]
        cr = r.get("credit") if isinstance(r.get("credit"), dict) else None
        items.append({"set": "reuse-dev", "path": str(d / r["file"]), "url": r["url"], "key": r["site"],
                      "body": r["body"], "furniture": furn, "site_name": sites[r["site"]]["name"],
                      "credit": cr if cr and cr.get("type") not in (None, "none") and cr.get("name") else None})
    return items[:limit] if limit else items


def load_traf(limit: int | None):
    d = SHARED / "trafilatura-eval"
    if not (d / "evaldata.json").exists():
        return []
    data = json.load(open(d / "evaldata.json", encoding="utf-8"))
    items = []
    for url, g in data.items():
        p = d / "html" / g["file"]
        if not p.exists() and (d / "html" / (g["file"] + ".gz")).exists():
            p = d / "html" / (g["file"] + ".gz")
        if p.exists():
            items.append({"set": "trafilatura-eval", "path": str(p), "url": url, "key": url,
                          "with": g["with"], "without": g["without"]})
    return items[:limit] if limit else items


# -- extraction ------------------------------------------------------------------------------------------
_SEEN: dict = {}


def _extract_one(args):
    path, url, model_on = args
    from newstrace.extract import furniture
    from newstrace.extract.article import extract
    from newstrace.read import read_path
    from newstrace.records import Article, Page

    furniture.LONE_MODEL = model_on
    # the markup cues extraction gave the lone-page model, kept for bench/fit_lone_furniture.py
    if not getattr(furniture.lone_page_body, "recording", False):
        body_of = furniture.lone_page_body

        def recording(blocks, hints=None):
            _SEEN["hints"] = hints
            return body_of(blocks, hints)
        recording.recording = True
        furniture.lone_page_body = recording
    _SEEN.clear()
    pages = [p for p in read_path(path) if isinstance(p, Page)]
    if not pages:
        return None
    page = pages[0]
    if page.url is None and url:
        import dataclasses

        page = dataclasses.replace(page, url=url)
    a = extract(page)
    seen = dict(_SEEN)
    if not isinstance(a, Article):
        return None
    return {"body": a.body, "blocks": a.blocks, "hints": seen.get("hints"), "publisher": a.publisher, "site": a.site,
            "original_source": a.extra.get("original_source"), "publisher_from": a.extra.get("publisher_from")}


def extract_all(items, model_on: bool, workers: int):
    with mp.get_context("fork").Pool(workers) as pool:
        return pool.map(_extract_one, [(it["path"], it["url"], model_on) for it in items], chunksize=8)


def per_site(items, workers: int):
    from common import newstrace_ingest

    arts, _ = newstrace_ingest([it["path"] for it in items], workers=workers)
    return [({"body": arts[it["path"]]["body"]} if it["path"] in arts else None) for it in items]


# -- scores ----------------------------------------------------------------------------------------------
def score_reuse(items, results):
    from newstrace.extract.credits import name_key
    from newstrace.extract.urls import site_of

    kept = lost = total = pub = pub_n = src_ok = src_n = bodies = 0
    for it, res in zip(items, results):
        bodies += 1
        body = norm_ws(res["body"]).casefold() if res else ""
        furn = {s for f in it["furniture"] for s in sentences(f, 4)}
        kept += any(s in body for s in furn)
        gold = sentences(it["body"], 3)
        total += len(gold)
        lost += sum(s not in body for s in gold)
        if res and "publisher" in res:
            pub_n += 1
            pub += (res["publisher"] or "").casefold() == it["site_name"].casefold()
            if it["credit"]:
                src_n += 1
                rec = res.get("original_source") or {}
                want_site = it["credit"].get("credited_site")
                src_ok += bool(rec) and (name_key(rec.get("name")) == name_key(it["credit"]["name"])
                                         or bool(rec.get("url")) and site_of(rec["url"]) == want_site)
    return {"bodies": bodies, "furniture kept": kept / bodies if bodies else 0, "sentences lost": lost / total if total else 0,
            "publisher": pub / pub_n if pub_n else None, "source": src_ok / src_n if src_n else None, "source_n": src_n}


def score_traf(items, results):
    w_lost = w_tot = wo_kept = wo_tot = 0
    for it, res in zip(items, results):
        body = norm_ws(res["body"]) if res else ""
        w_tot += len(it["with"])
        w_lost += sum(norm_ws(s) not in body for s in it["with"]) if body else len(it["with"])
        wo_tot += len(it["without"])
        wo_kept += sum(norm_ws(s) in body for s in it["without"]) if body else 0
    return {"pages": len(items), "without kept": wo_kept / wo_tot if wo_tot else 0, "wo_kept": wo_kept,
            "wo_tot": wo_tot, "with lost": w_lost / w_tot if w_tot else 0, "w_lost": w_lost, "w_tot": w_tot}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="only the first N pages of each set")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-per-site", action="store_true", help="skip the per-site-learned ingest")
    ap.add_argument("--heldout-only", action="store_true", help="only the held-out half's pages (half the time)")
    ap.add_argument("--no-off", action="store_true", help="skip the model-off row (today's code before issue 10)")
    args = ap.parse_args(argv)
    reuse, traf = load_reuse(args.limit), load_traf(args.limit)
    if args.heldout_only:
        reuse, traf = [it for it in reuse if heldout(it["key"])], [it for it in traf if heldout(it["key"])]
    if not reuse and not traf:
        print(f"skipped: neither reuse-dev nor trafilatura-eval under {SHARED}")
        return 0
    systems = ([] if args.no_off else [("today's code, lone page", "off")]) + [("newstrace, lone page", "on")]
    if not args.no_per_site:
        systems.append(("per-site learned (one store)", "store"))
    res: dict[str, dict[str, list]] = {}
    for label, how in systems:
        res[label] = {}
        for name, items in (("reuse-dev", reuse), ("trafilatura-eval", traf)):
            if not items:
                continue
            progress(f"lone pages: {label}: {name}, {len(items)} pages ...")
            res[label][name] = per_site(items, args.workers) if how == "store" else \
                extract_all(items, how == "on", args.workers)

    def pct(x):
        return "" if x is None else f"{100 * x:.2f}%"

    for part, keep in (("held-out half", True),) + ((("all pages", None),) if not args.heldout_only else ()):
        if reuse:
            idx = [i for i, it in enumerate(reuse) if keep is None or heldout(it["key"]) == keep]
            rows = []
            for label, _ in systems:
                s = score_reuse([reuse[i] for i in idx], [res[label]["reuse-dev"][i] for i in idx])
                rows.append([label, s["bodies"], pct(s["furniture kept"]), pct(s["sentences lost"]), pct(s["publisher"]),
                             f"{pct(s['source'])} of {s['source_n']}" if s["source"] is not None else ""])
            print(table(["system", "bodies", "bodies keeping a furniture sentence", "article sentences lost",
                         "publisher right", "original source right"], rows,
                        title=f"reuse-dev, {part} (sites{' the model was not fitted on' if keep else ''})"))
            print()
        if traf:
            idx = [i for i, it in enumerate(traf) if keep is None or heldout(it["key"]) == keep]
            rows = []
            for label, _ in systems:
                s = score_traf([traf[i] for i in idx], [res[label]["trafilatura-eval"][i] for i in idx])
                rows.append([label, s["pages"], f"{pct(s['without kept'])} ({s['wo_kept']}/{s['wo_tot']})",
                             f"{pct(s['with lost'])} ({s['w_lost']}/{s['w_tot']})"])
            print(table(["system", "pages", "`without` snippets kept", "`with` snippets lost"], rows,
                        title=f"trafilatura-eval, {part} (pages{' the model was not fitted on' if keep else ''})"))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
