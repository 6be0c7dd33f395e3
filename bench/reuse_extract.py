"""Extraction quality on ../shared/data/reuse-dev: newstrace ingest scored against gold/.

    .venv/bin/python bench/reuse_extract.py [--data ../shared/data/reuse-dev] [--db /tmp/x.db] [--keep]
                                            [--dump-misses N]

Ingests ``pages/`` (and, separately, each file of ``warc-bad/``) through ``newstrace.ingest(link=False)``
into a temporary database and prints one row per metric with the target from issue 2 beside it.
Skips cleanly (message, exit 0) when the data set is absent.

How each metric is counted (pages are matched to gold by their file path = the article's ``source``):

- body P/R/F1: bag-of-tokens overlap of the whitespace-split body against gold ``body`` (the AEB scorer's
  token precision/recall), averaged over the ingestible pages with a gold body; a page we failed to ingest
  scores 0.
- title: exact match after whitespace collapsing. byline: case-insensitive match after collapsing and
  dropping a leading "By"; gold null must be null. published: the first 10 characters (date part) equal
  gold ``published``; gold null must be null (any date we give on such a page counts as wrong).
  site: equal to gold ``site``.
- region / theme: our value equals gold ``region`` / ``theme`` (the label as the page shows it),
  case-insensitive; gold null must be null. tags: the case-insensitive sets are equal.
- credits (per page, all ingestible non-bad pages): the credited *sites* we extract must equal the gold set.
  Gold set: {credit.credited_site} for a credit whose type is not "none" (type "wrong" included: the page
  still makes a credit statement); for compilations the sites of every listed source; empty for pages
  with no credit. Our credited sites are resolved without gold: a credit URL gives its registered domain;
  a credit name is resolved through the names sites give themselves in the corpus (``og:site_name`` /
  publisher of the ingested articles, case-insensitive, a leading "The" ignored), or through the domains
  of the corpus's sites spelled as names ("Citizen Sentinel" -> citizen-sentinel.example, letters and
  digits compared), or is itself a domain name. Compilation sources whose gold credit type is "none"
  are not expected. A credit that resolves to the page's own site is ignored (self-reference, e.g. a site's own
  copyright line). Unresolvable names count as a wrong extra site.
- identifiers: per page, our set of (kind, value) restricted to the gold kinds equals the gold
  ``identifiers`` set (values compared case-insensitively). Our kinds map onto gold kinds one to one;
  kinds gold does not have (gtm, vk, youtube, gab, kofi, buymeacoffee) are left out. Precision and recall
  over all (page, kind, value) triples are printed too.
- media: per page, the set of (type, url) equals gold ``media`` (article images, videos and embeds, not
  logos or thumbnails); precision/recall over all (page, type, url) triples too.
- furniture: the share of ingested bodies containing any furniture sentence of *any* site in
  ``gold/sites.jsonl`` (so another site's donation appeal carried by a copy counts). Furniture texts are
  split into sentences at ". ", "! ", "? " and ": " boundaries; sentences shorter than
  ``MIN_FURNITURE_SENTENCE`` characters (such as "Accept") are not used since they occur in normal prose.
  The same check on the gold bodies themselves is printed as a sanity row (must be 0).
- bad inputs: each ``gold/bad.jsonl`` row is handled as expected: "quarantine" = at least one problems row
  with a reason for that source and no article from it; "ingest" = an article from it. For warc-bad/
  files the first record of ``truncated.warc.gz`` must be an article and the rest a problem;
  ``bad-length.warc.gz`` must give a problem and no article.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "reuse-dev"
MIN_FURNITURE_SENTENCE = 25  # shorter furniture sentences ("Accept", "Contact:") also occur in prose
GOLD_KINDS = {"paypal", "patreon", "instagram", "twitter", "facebook", "telegram", "analytics", "adsense",
              "email", "crypto", "disqus"}
KIND_MAP = {k: k for k in GOLD_KINDS}  # our kind -> gold kind (same names); others are not scored

TARGETS = {
    "furniture": "< 2%", "credits": ">= 0.95", "identifiers": ">= 0.95", "bad": "all as expected",
}


def ws(s: str | None) -> str:
    return " ".join((s or "").split())


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    p, g = Counter(pred.split()), Counter(gold.split())
    if not p and not g:
        return 1.0, 1.0, 1.0
    inter = sum((p & g).values())
    prec = inter / sum(p.values()) if p else 0.0
    rec = inter / sum(g.values()) if g else 0.0
    f = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f


def host_site(url: str | None) -> str | None:
    if not url:
        return None
    try:
        h = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    return h.removeprefix("www.") or None


def name_key(name: str) -> str:
    n = ws(name).lower().strip(" .,:;()\"'“”")
    return re.sub(r"^the\s+", "", n)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?:])\s+", ws(text)) if s.strip()]


def ingest(paths: list[str], db: str) -> dict:
    import newstrace

    return newstrace.ingest(paths, db=db, link=False, analyze=False)


def load(db: str) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    arts = {}
    for r in con.execute("SELECT * FROM articles"):
        d = dict(r)
        pid = d["page_id"]
        d["tags"] = json.loads(d["tags"] or "[]")
        d["credits"] = [dict(x) for x in con.execute("SELECT name, url, form, text FROM credits WHERE page_id=?", (pid,))]
        d["identifiers"] = [dict(x) for x in con.execute("SELECT kind, value FROM identifiers WHERE page_id=?", (pid,))]
        d["media"] = [dict(x) for x in con.execute("SELECT type, url FROM media WHERE page_id=?", (pid,))]
        arts[d["source"]] = d
    probs: dict[str, list[dict]] = {}
    for r in con.execute("SELECT source, stage, reason, detail FROM problems"):
        probs.setdefault(r["source"], []).append(dict(r))
    con.close()
    return arts, probs


def evaluate(data: Path, tmp: str, db: str | None = None, sites: list[str] | None = None) -> dict:
    """Ingest (unless ``db`` exists) and score. ``sites`` limits the run to those sites' pages (and their
    bad pages; the warc-bad/ files are only read on a full run). Returns rows, metrics, misses, db."""
    db = db or os.path.join(tmp, "reuse.db")
    t0 = time.time()
    if not os.path.exists(db):
        ingest([str(data / "pages" / st) for st in sites] if sites else [str(data / "pages")], db)
    t_ingest = time.time() - t0
    arts_raw, probs_raw = load(db)
    # sources are file paths as given; key by path relative to the data folder
    def rel(src: str) -> str:
        src = src.split("#")[0] if "#" not in src else src
        try:
            return str(Path(src).resolve().relative_to(data.resolve()))
        except ValueError:
            return src
    arts = {rel(k): v for k, v in arts_raw.items()}
    probs = {rel(k): v for k, v in probs_raw.items()}

    gold = [json.loads(l) for l in open(data / "gold" / "pages.jsonl", encoding="utf-8")]
    site_rows = [json.loads(l) for l in open(data / "gold" / "sites.jsonl", encoding="utf-8")]
    bad = [json.loads(l) for l in open(data / "gold" / "bad.jsonl", encoding="utf-8")]
    if sites:
        gold = [g for g in gold if g["site"] in sites]
        bad = [b for b in bad if any(b["file"].startswith(f"pages/{st}/") for st in sites)]

    # gold-independent name -> site map: how sites name themselves in the corpus
    names: dict[str, Counter] = {}
    for art in arts.values():
        if art.get("publisher"):
            names.setdefault(name_key(art["publisher"]), Counter())[art["site"]] += 1
    name_site = {k: c.most_common(1)[0][0] for k, c in names.items()}
    # ... and the domains of the sites in the corpus, spelled as names ("Citizen Sentinel" = citizen-sentinel.example)
    slug = lambda x: re.sub(r"[^a-z0-9]", "", re.sub(r"^the\s+", "", x.lower()))  # noqa: E731
    corpus_sites = {art["site"] for art in arts.values()} | set(os.listdir(data / "pages"))  # folder names = hosts
    slug_site = {slug(st.rsplit(".", 1)[0]): st for st in corpus_sites}

    def resolve(cr: dict) -> str | None:
        s = host_site(cr.get("url"))
        if s:
            return s
        n = cr.get("name")
        if not n:
            return None
        k = name_key(n)
        if k in name_site:
            return name_site[k]
        if slug(k) in slug_site:
            return slug_site[slug(k)]
        if re.fullmatch(r"[a-z0-9\-]+(\.[a-z0-9\-]+)+", k):
            return k.removeprefix("www.")
        return "?" + k

    misses: dict[str, list] = {}

    def miss(metric: str, item):
        misses.setdefault(metric, []).append(item)

    rows: list[tuple[str, str, str]] = []
    scored = [g for g in gold if g["kind"] != "bad" or g.get("expected") == "ingest"]
    scored = [g for g in scored if g.get("body") is not None]
    P = R = F = 0.0
    acc = Counter()
    n = Counter()
    furn_sentences = set()
    for s in site_rows:
        for f in s["furniture"]:
            for sent in split_sentences(f["text"]):
                if len(sent) >= MIN_FURNITURE_SENTENCE:
                    furn_sentences.add(sent)
    furn_hits = furn_pages = gold_furn_hits = 0
    id_tp = id_fp = id_fn = 0
    media_tp = media_fp = media_fn = 0
    for g in scored:
        art = arts.get(g["file"])
        body = ws(art["body"]) if art else ""
        p, r, f = prf(body, ws(g["body"]))
        P, R, F = P + p, R + r, F + f
        if g["kind"] == "bad":
            continue
        if art is None:
            miss("missing", g["file"])
        art = art or {}

        def check(metric: str, ok: bool, ours, theirs):
            n[metric] += 1
            acc[metric] += bool(ok)
            if not ok:
                miss(metric, (g["file"], ours, theirs))

        check("title", ws(art.get("title")) == ws(g["title"]), art.get("title"), g["title"])
        bl = lambda x: re.sub(r"^by\s+", "", ws(x).lower()) or None  # noqa: E731
        check("byline", bl(art.get("byline")) == bl(g["byline"]), art.get("byline"), g["byline"])
        pub = (art.get("published") or "")[:10] or None
        check("published", pub == g["published"], art.get("published"), g["published"])
        check("site", art.get("site") == g["site"], art.get("site"), g["site"])
        low = lambda x: ws(x).lower() or None  # noqa: E731
        check("region", low(art.get("region")) == low(g["region"]), art.get("region"), g["region"])
        check("theme", low(art.get("theme")) == low(g["theme"]), art.get("theme"), g["theme"])
        check("tags", {t.lower() for t in art.get("tags") or []} == {t.lower() for t in g["tags"] or []},
              art.get("tags"), g["tags"])
        # credits
        c = g["credit"]
        if isinstance(c, list):
            want = {host_site(x["source_url"]) for x in c if x.get("type") not in (None, "none")}
        elif isinstance(c, dict) and c.get("type") not in (None, "none"):
            want = {c["credited_site"]}
        else:
            want = set()
        got = {resolve(cr) for cr in art.get("credits") or []} - {None, art.get("site"), g["site"]}
        check("credits", got == want, [(x["form"], x["name"], x["url"]) for x in art.get("credits") or []],
              (want, c if not isinstance(c, list) else [x["text"] for x in c]))
        # identifiers
        gid = {(k, v.lower()) for k, vs in (g["identifiers"] or {}).items() for v in vs}
        oid = {(KIND_MAP[i["kind"]], i["value"].lower()) for i in art.get("identifiers") or [] if i["kind"] in KIND_MAP}
        id_tp += len(gid & oid)
        id_fp += len(oid - gid)
        id_fn += len(gid - oid)
        check("identifiers", gid == oid, sorted(oid - gid), sorted(gid - oid))
        # media (article images, videos, embeds)
        gm = {(m["type"], m["url"]) for m in g["media"] or []}
        om = {(m["type"], m["url"]) for m in art.get("media") or []}
        media_tp, media_fp, media_fn = media_tp + len(gm & om), media_fp + len(om - gm), media_fn + len(gm - om)
        check("media", gm == om, sorted(om - gm), sorted(gm - om))
        # furniture
        if art:
            furn_pages += 1
            hit = [s for s in furn_sentences if s in body]
            if hit:
                furn_hits += 1
                miss("furniture", (g["file"], hit[:3]))
        gb = ws(g["body"])
        if any(s in gb for s in furn_sentences):
            gold_furn_hits += 1

    nb = len(scored)
    # bad inputs, pages/ part
    bad_ok = bad_n = reason_same = reason_n = 0
    for b in bad:
        if b["file"].startswith("warc-bad/"):
            continue
        bad_n += 1
        has_art = b["file"] in arts
        has_prob = bool(probs.get(b["file"]))
        if b["expected"] == "quarantine":
            reason_n += 1
            reason_same += any(p["reason"] == b["reason"] for p in probs.get(b["file"], []))
        ok = (has_art and not has_prob) if b["expected"] == "ingest" else (has_prob and not has_art)
        bad_ok += ok
        if not ok:
            miss("bad", (b["file"], b["defect"], b["expected"], "article" if has_art else probs.get(b["file"])))
    # warc-bad/: each file into its own database
    for name in [] if sites else sorted(os.listdir(data / "warc-bad")):
        wdb = os.path.join(tmp, name + ".db")
        ingest([str(data / "warc-bad" / name)], wdb)
        wa, wp = load(wdb)
        rows_b = [b for b in bad if b["file"] == f"warc-bad/{name}"]
        n_ingest = sum(b["expected"] == "ingest" for b in rows_b)
        n_quar = sum(b["expected"] == "quarantine" for b in rows_b)
        got_arts, got_probs = len(wa), sum(len(v) for v in wp.values())
        for b in rows_b:
            bad_n += 1
            if b["expected"] == "ingest":
                ok = got_arts >= 1 and got_arts == n_ingest
            else:
                ok = got_probs >= n_quar and all(p["reason"] for v in wp.values() for p in v)
            bad_ok += ok
            if not ok:
                miss("bad", (b["file"], b["defect"], b["expected"], f"{got_arts} articles", list(wp.values())))

    def line(metric: str, value: str, target: str = ""):
        rows.append((metric, value, target))

    line("pages ingested / gold ingestible", f"{sum(1 for g in scored if g['file'] in arts)} / {nb}", "")
    line("body token precision", f"{P / nb:.3f}", "")
    line("body token recall", f"{R / nb:.3f}", "")
    line("body token F1", f"{F / nb:.3f}", "")
    for m in ("title", "byline", "published", "site", "region", "theme", "tags"):
        line(f"{m} accuracy", f"{acc[m] / n[m]:.3f}  ({acc[m]}/{n[m]})", "as good as possible")
    line("credits accuracy", f"{acc['credits'] / n['credits']:.3f}  ({acc['credits']}/{n['credits']})",
         TARGETS["credits"])
    line("identifiers accuracy (page set equal)",
         f"{acc['identifiers'] / n['identifiers']:.3f}  ({acc['identifiers']}/{n['identifiers']})", TARGETS["identifiers"])
    line("identifiers precision", f"{id_tp / max(1, id_tp + id_fp):.3f}", "")
    line("identifiers recall", f"{id_tp / max(1, id_tp + id_fn):.3f}", "")
    line("media accuracy (page set equal)", f"{acc['media'] / n['media']:.3f}  ({acc['media']}/{n['media']})", "")
    line("media precision / recall",
         f"{media_tp / max(1, media_tp + media_fp):.3f} / {media_tp / max(1, media_tp + media_fn):.3f}", "")
    line("bodies with a furniture sentence", f"{furn_hits / max(1, furn_pages):.2%}  ({furn_hits}/{furn_pages})",
         TARGETS["furniture"])
    line("  (sanity: gold bodies with one)", f"{gold_furn_hits}", "0")
    line("bad inputs as expected", f"{bad_ok} / {bad_n}", f"{bad_n} / {bad_n}")
    line("  (quarantined pages whose reason code = gold's suggestion)", f"{reason_same} / {reason_n}", "info only")
    line("ingest seconds (pages/)", f"{t_ingest:.1f}", "")

    metrics = {
        "body_precision": P / nb, "body_recall": R / nb, "body_f1": F / nb,
        **{m: acc[m] / max(1, n[m]) for m in n},
        "identifiers_precision": id_tp / max(1, id_tp + id_fp), "identifiers_recall": id_tp / max(1, id_tp + id_fn),
        "furniture_share": furn_hits / max(1, furn_pages), "gold_furniture_hits": gold_furn_hits,
        "bad_ok": bad_ok, "bad_n": bad_n, "pages": nb,
    }
    return {"rows": rows, "metrics": metrics, "misses": misses, "db": db}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("REUSE_DEV", str(DEFAULT_DATA)))
    ap.add_argument("--db", default=None, help="reuse this database (ingest is skipped if it exists)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database")
    ap.add_argument("--dump-misses", type=int, default=0, help="print up to N misses per metric")
    ap.add_argument("--misses-file", default=None, help="write every miss as JSON to this file")
    a = ap.parse_args(argv)
    data = Path(a.data)
    if not (data / "gold" / "pages.jsonl").exists():
        print(f"reuse-dev not found at {data}; skipping")
        return 0

    tmp = tempfile.mkdtemp(prefix="reuse_extract_")
    res = evaluate(data, tmp, db=a.db)
    rows, misses, db = res["rows"], res["misses"], res["db"]
    w0 = max(len(r[0]) for r in rows) + 2
    w1 = max(len(r[1]) for r in rows) + 2
    print(f"reuse-dev extraction ({data})")
    print(f"{'metric'.ljust(w0)}{'newstrace'.ljust(w1)}target (issue 2)")
    print("-" * (w0 + w1 + 20))
    for m, v, t in rows:
        print(f"{m.ljust(w0)}{v.ljust(w1)}{t}")
    if a.dump_misses:
        for metric, items in misses.items():
            print(f"\n## misses: {metric} ({len(items)})")
            for it in items[: a.dump_misses]:
                print("  ", json.dumps(it, default=str, ensure_ascii=False)[:600])
    if a.misses_file:
        with open(a.misses_file, "w", encoding="utf-8") as fh:
            json.dump(misses, fh, default=str, ensure_ascii=False)
    if a.keep:
        print(f"\ndatabase kept: {db}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
