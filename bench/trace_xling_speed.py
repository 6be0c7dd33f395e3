"""Multilingual trace throughput with translation on, as a ratio to bare trafilatura, beside another checkout.

Two corpora of stored articles (texts, no HTML: this measures the trace, not extraction):

(a) mixed: English news (reuse-dev gold bodies: originals and their same-language copies) plus parallel-news
    (multi-way newstest 2008-2013: cs de en es fr hu it ru, cs and hu outside USE's languages) so that about one
    article in ten has a translation in the store (a document in two random languages of its versions); the
    rest of the parallel-news part is single versions in any of the 8 languages.
(b) worst case: every story is an original with 5 translations (6 of the 8 languages, 2 of them outside USE's;
    the multi-way data has no more languages than these 8).

Each (corpus, code) runs in its own child process from a fresh store: ``trace_all(rebuild=True,
translate=True)`` with 2 workers; encoders load inside the timed run and nothing is cached between runs (the
model-load time is in both). Quality in the same run: translation pairs stored (method ``translation``) against
gold (versions of one document). Reference speed: bare ``trafilatura.extract(html)`` on reuse-dev pages in this
process (one core). Ratio = articles traced per second / trafilatura pages per second.

    nice -n 10 .venv/bin/python bench/trace_xling_speed.py [--a 1000] [--b-stories 20] [--ref-src /tmp/main/src]
        [--ref-env NEWSTRACE_XLING_TOK=0] [--ref-timeout 1200]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
MULTIWAY = ("news-test2008", "newssyscomb2009", "newstest2009", "newstest2010", "newstest2011", "newstest2012",
            "newstest2013")


def parallel_docs(multiway_only: bool = True) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for line in open(DATA / "parallel-news" / "wmt-newstest-2008-2015-sgm" / "docs.jsonl", encoding="utf-8"):
        r = json.loads(line)
        if multiway_only and r["testset"] not in MULTIWAY:
            continue
        text = r["text"].replace("\r", "")
        sep = "\n\n" if r["para_mode"] == "paragraphs" else "\n"
        paras = [" ".join(p.split()) for p in text.split(sep) if p.strip()]
        if paras:
            out[r["doc_id"]][r["lang"]] = paras
    return dict(sorted(out.items()))


def english_docs() -> list[dict]:
    """Real English news texts: reuse-dev gold bodies (originals and their same-language copies), then PolNeAR
    and PTC articles (train and dev)."""
    out = []
    for line in open(DATA / "reuse-dev" / "gold" / "pages.jsonl", encoding="utf-8"):
        r = json.loads(line)
        if r.get("body"):
            out.append({"url": r["url"], "lang": "en", "doc": None, "site": r["site"],
                        "paras": [p for p in r["body"].split("\n") if p.strip()]})
    for split in ("train", "dev"):
        for f in sorted((DATA / "polnear" / "data" / split / "text").glob("*.txt")):
            paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", f.read_text(encoding="utf-8", errors="replace"))
                     if p.strip()]
            if paras:
                site = f.name.split("_")[0] + ".example"
                out.append({"url": f"https://{site}/{f.stem}", "lang": "en", "doc": None, "site": site,
                            "paras": paras})
    for sub in ("train-articles", "dev-articles"):
        for f in sorted((DATA / "ptc" / sub).glob("*.txt")):
            lines = [" ".join(x.split()) for x in f.read_text(encoding="utf-8", errors="replace").splitlines()]
            paras = [x for x in lines if x]
            if len(paras) >= 2:
                out.append({"url": f"https://ptc-{sub[:3]}.example/{f.stem}", "lang": "en", "doc": None,
                            "site": f"ptc-{sub[:3]}.example", "paras": paras})
    return out


def english_copy(rng: random.Random, base: dict, k: int) -> dict:
    """A reuse-dev-style same-language copy of a real English article on another site: whole (60%), its first
    2-4 paragraphs (20%) or edited (a paragraph dropped, two swapped; 20%)."""
    ps = list(base["paras"])
    r = rng.random()
    if r >= 0.6 and len(ps) > 3:
        if r < 0.8:
            ps = ps[:rng.randint(2, min(4, len(ps)))]
        else:
            del ps[rng.randrange(len(ps))]
            i = rng.randrange(len(ps) - 1)
            ps[i], ps[i + 1] = ps[i + 1], ps[i]
    site = f"en-copy{rng.randrange(200):03d}.example"
    return {"url": f"https://{site}/{k}", "lang": "en", "doc": None, "site": site, "paras": ps}


def corpus_a(n: int, seed: int = 1, english_only: bool = False) -> list[dict]:
    """About 90% English: n/20 parallel-news documents in two random languages of their versions (n/10 articles
    with a translation), n/40 single versions in another language than English, the rest real English articles
    and, past the ~2,600 real ones, reuse-dev-style copies of them on other sites. ``english_only``: the same
    size in English only (the English part, then more copies), the cost of the trace without any translation."""
    rng = random.Random(seed)
    par = parallel_docs()
    ids = list(par)
    rng.shuffle(ids)
    eng = english_docs()
    rng.shuffle(eng)
    pages: list[dict] = []
    n_trans = 0 if english_only else n // 10  # articles with a translation in the store
    k = 0
    while len(pages) < n_trans and k < len(ids):
        d = ids[k]
        k += 1
        langs = sorted(par[d])
        if len(langs) < 2:
            continue
        for lang in rng.sample(langs, 2):
            pages.append({"url": f"https://{lang}-news.example/{d}", "lang": lang, "doc": d, "site": f"{lang}-news.example",
                          "paras": par[d][lang]})
    if not english_only:
        rest = [d for d in parallel_docs(multiway_only=False) if d not in set(ids[:k])]
        more = parallel_docs(multiway_only=False)
        rng.shuffle(rest)
        for d in rest[:max(1, n // 40)]:
            lang = rng.choice(sorted(set(more[d]) - {"en"}) or ["en"])
            pages.append({"url": f"https://{lang}-single.example/{d}", "lang": lang, "doc": d + "#single",
                          "site": f"{lang}-single.example", "paras": more[d][lang]})
    base = eng[:max(0, n - len(pages))]
    pages += base
    j = 0
    while len(pages) < n and base:
        pages.append(english_copy(rng, base[j % len(base)], j))
        j += 1
    return pages


def corpus_b(stories: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    par = parallel_docs()
    ids = [d for d, v in par.items() if len(v) >= 6]
    rng.shuffle(ids)
    pages = []
    for d in ids[:stories]:
        for lang in rng.sample(sorted(par[d]), 6):
            pages.append({"url": f"https://{lang}-news.example/{d}", "lang": lang, "doc": d, "site": f"{lang}-news.example",
                          "paras": par[d][lang]})
    return pages


def worker(pages_file: str, out_file: str) -> None:
    from newstrace.records import Article
    from newstrace.store import Store
    from newstrace.trace import TraceConfig, trace_all
    from newstrace.trace import xling_encoders as enc
    pages = json.loads(Path(pages_file).read_text())
    with tempfile.TemporaryDirectory() as wd:
        st = Store(Path(wd) / "x.db")
        items = []
        for p in pages:
            pid = hashlib.sha1(p["url"].encode()).hexdigest()
            art = Article(page_id=pid, url=p["url"], source="bench", site=p["site"], language=p["lang"],
                          blocks=list(p["paras"]), body="\n\n".join(p["paras"]))
            items.append(({"page_id": pid, "url": p["url"], "source": "bench"}, art, []))
        for k in range(0, len(items), 500):
            st.write_batch(items[k:k + 500])
        t = time.perf_counter()
        translate = os.environ.get("BENCH_TRANSLATE", "1") != "0"
        summary = trace_all(st, rebuild=True, translate=translate, config=TraceConfig(workers=2))
        dt = time.perf_counter() - t
        url = {r[0]: r[1] for r in st.conn.execute("SELECT aid, url FROM articles")}
        found = [sorted((url[a], url[b])) for a, b in st.conn.execute(
            "SELECT a, b FROM trace_pairs WHERE method = 'translation' AND linked = 1")]
        st.close()
    Path(out_file).write_text(json.dumps({"seconds": dt, "found": found, "timing": summary.get("timing"),
                                          "enc": {k: dict(v) for k, v in enc.STATS.items()}}))


def run_code(src: str, pages: list[dict], timeout: float, extra_env: dict | None = None) -> dict | None:
    with tempfile.TemporaryDirectory() as wd:
        pf, of = Path(wd) / "pages.json", Path(wd) / "out.json"
        pf.write_text(json.dumps(pages))
        env = dict(os.environ, PYTHONPATH=src, **(extra_env or {}))
        try:
            subprocess.run([sys.executable, __file__, "--worker", str(pf), str(of)], env=env, check=True,
                           timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return json.loads(of.read_text())


def gold_pairs(pages: list[dict]) -> set[tuple[str, str]]:
    by = defaultdict(list)
    for p in pages:
        if p["doc"]:
            by[p["doc"]].append(p)
    out = set()
    for ps in by.values():
        for i in range(len(ps)):
            for j in range(i + 1, len(ps)):
                if ps[i]["lang"] != ps[j]["lang"]:
                    out.add(tuple(sorted((ps[i]["url"], ps[j]["url"]))))
    return out


def trafilatura_rate(n: int) -> float:
    import trafilatura
    files = sorted((DATA / "reuse-dev" / "pages").rglob("*.html"))[:n]
    htmls = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    trafilatura.extract(htmls[0])
    t = time.perf_counter()
    for h in htmls:
        trafilatura.extract(h)
    return len(htmls) / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=int, default=1000, help="articles in corpus (a)")
    ap.add_argument("--b-stories", type=int, default=20, help="stories (6 articles each) in corpus (b)")
    ap.add_argument("--ref-src", help="another checkout's src/ (e.g. `git archive main src | tar -x -C /tmp/main`)")
    ap.add_argument("--ref-env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the reference run (e.g. NEWSTRACE_XLING_TOK=0: this branch without the "
                         "static encoder); without --ref-src the reference is this branch's code")
    ap.add_argument("--ref-timeout", type=float, default=1800.0, help="seconds before a reference run is given up")
    ap.add_argument("--traf-pages", type=int, default=100)
    ap.add_argument("--english", action="store_true",
                    help="also corpus (a)'s size in English only, and (a) itself with translation off (this branch)")
    ap.add_argument("--no-b", action="store_true", help="corpus (a) only")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    if not (DATA / "parallel-news").exists() or not (DATA / "reuse-dev").exists():
        print(f"skip: {DATA}/parallel-news or reuse-dev not present")
        return 0
    corpora = {"(a) mixed": corpus_a(args.a)}
    if args.english:
        corpora["(a) English only"] = corpus_a(args.a, english_only=True)
        corpora["(a) translation off"] = corpora["(a) mixed"]
    if not args.no_b:
        corpora["(b) worst case"] = corpus_b(args.b_stories)
    codes = {"this branch": str(ROOT / "src")}
    if args.ref_src or args.ref_env:
        codes["reference"] = args.ref_src or str(ROOT / "src")
    ref_env = dict(x.split("=", 1) for x in args.ref_env)
    rows = []
    traf = []
    for cname, pages in corpora.items():
        gold = gold_pairs(pages)
        langs = sorted({p["lang"] for p in pages})
        for label, src in codes.items():
            if cname != "(a) mixed" and cname.startswith("(a)") and label == "reference":
                continue  # the English-only and translation-off rows are this branch's
            env = dict(ref_env) if label == "reference" else {}
            if cname == "(a) translation off":
                env["BENCH_TRANSLATE"] = "0"
            traf.append(trafilatura_rate(args.traf_pages))
            res = run_code(src, pages, args.ref_timeout if label == "reference" else 1e9, env)
            traf.append(trafilatura_rate(args.traf_pages))
            tr_rate = (traf[-1] + traf[-2]) / 2
            if res is None:
                rows.append((cname, label, len(pages), len(langs), f"> {args.ref_timeout:.0f}", "-",
                             f"< {len(pages) / args.ref_timeout / tr_rate:.3f}", f"{tr_rate:.1f}", "-", "-", "-"))
                continue
            found = {tuple(x) for x in res["found"]}
            tp = len(found & gold)
            p = tp / len(found) if found else float("nan")
            r = tp / len(gold) if gold else float("nan")
            rate = len(pages) / res["seconds"]
            e = res["enc"]
            tm = res.get("timing") or {}
            rows.append((cname, label, len(pages), len(langs), f"{res['seconds']:.1f}", f"{rate:.2f}",
                         f"{rate / tr_rate:.3f}", f"{tr_rate:.1f}", f"{p:.3f}", f"{r:.3f} ({len(gold)})",
                         f"use {int(e['use']['texts'])} / e5 {int(e['e5']['texts'])}"
                         + (f" / tok {int(e['tok']['texts'])}" if "tok" in e else ""),
                         f"translate {tm.get('translate', 0):.0f} (use {e['use']['seconds']:.0f}, e5 "
                         f"{e['e5']['seconds']:.0f}" + (f", tok {e['tok']['seconds']:.0f}" if "tok" in e else "")
                         + f"), rest {sum(v for k, v in tm.items() if k != 'translate'):.0f}"))
            print(" | ".join(map(str, rows[-1])), flush=True)
    print("\n| corpus | code | articles | languages | trace s | articles/s | ratio to trafilatura | trafilatura "
          "pages/s (1 core, before/after mean) | translation P | R (gold) | sentences encoded | seconds by phase "
          "(encoders incl. model load) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(map(str, r)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
