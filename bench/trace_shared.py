"""Shared-sources benchmark: pages that carry the same embedded post, quoted statement or wire caption
without copying each other must be linked as ``shared`` and never as copies; true copies that embed posts
must stay copies; short pages that are mostly such an item must be found.

Fixtures are built from real texts in ../shared/data (nothing here is written by hand but the glue):
  - base articles: PolNeAR train texts (unrelated articles, tweets markup removed), one per page;
  - posts: the real tweets embedded in PolNeAR (train+dev ``<tweet>`` markup: text, author, id) and in PTC
    (lines ending in "— Name (@handle) Month D, YYYY"); each page shows the text and the author line, half
    of them link the status URL (as an embed's date does);
  - statements: real quotations of 15+ words from PolNeAR dev texts, each page with its own attribution;
  - captions: a real first sentence of a PolNeAR dev article with a wire credit "(AP Photo/…)" (the credit's
    photographer names are generated);
  - each item goes into 2-4 otherwise unrelated pages (1 in 5 groups has a short page: a 10-25-word intro
    and the item, 25-80 words); true copies (full, first half, edited) of pages that embed a post; short
    pages (25-45 words) that are a passage of another page (a brief: a few words of intro and the passage).
Scored: shared-item pairs reported as ``shared`` (either order), shared-item pairs reported as copies (either
direction), true copies found as (copy, source) and not reported shared, short pages found as copies; beside it, the current code path
(shared detection and winnowed anchors switched off in this process).

    nice -n 10 .venv/bin/python bench/trace_shared.py [--groups 150] [--seed 9]
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSTRACE_SHARED_DATA", ROOT.parent / "shared" / "data"))
TARGETS = {"shared_recall": 0.95, "shared_as_copies": 0, "copy_recall": 0.98}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
AUTHOR_LINE = re.compile(r"(.*?)\s*[—–]\s*([^—–()\n]{1,60}?)\s*\(@(\w{1,30})\)\s*([A-Z][a-z]+ \d{1,2}, \d{4})\s*$")


def _tweet_attrs(tag: str) -> dict:
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


def load_posts() -> list[dict]:
    out, seen = [], set()
    for split in ("train", "dev"):
        for f in sorted((DATA / "polnear" / "data" / split / "text").glob("*.txt")):
            for tag, text in re.findall(r"(<tweet[^>]*>)(.*?)</tweet>", f.read_text(errors="replace"), re.S):
                at = _tweet_attrs(tag)
                text = " ".join(text.split())
                m = AUTHOR_LINE.match(text)
                handle = (at.get("author") or "").lstrip("@")
                tid = at.get("id") or at.get("tweet_id")
                if m:
                    body, name, handle, day = m.group(1), m.group(2), m.group(3), m.group(4)
                else:
                    body, name, day = text, handle, None
                    dt = at.get("datetime") or ""
                    if re.match(r"\d{4}-\d{2}-\d{2}", dt):
                        y, mo, d = dt[:10].split("-")
                        day = f"{MONTHS[int(mo) - 1]} {int(d)}, {y}"
                if not handle or not day or len(body.split()) < 8 or body in seen:
                    continue
                seen.add(body)
                out.append({"kind": "post", "text": body, "author_line": f"— {name} (@{handle}) {day}",
                            "url": f"https://twitter.com/{handle}/status/{tid}" if tid else None,
                            "author": f"{name} (@{handle})"})
    for f in sorted((DATA / "ptc").glob("*-articles/*.txt")):
        lines = [x.strip() for x in f.read_text(errors="replace").splitlines()]
        for i, ln in enumerate(lines):
            m = AUTHOR_LINE.match(ln)
            if not m:
                continue
            body = m.group(1) or (lines[i - 1] if i else "")
            if len(body.split()) < 8 or body in seen:
                continue
            seen.add(body)
            out.append({"kind": "post", "text": body, "author_line": f"— {m.group(2)} (@{m.group(3)}) {m.group(4)}",
                        "url": None, "author": f"{m.group(2)} (@{m.group(3)})"})
    return out


def load_statements() -> list[dict]:
    out = []
    for f in sorted((DATA / "polnear" / "data" / "dev" / "text").glob("*.txt")):
        t = re.sub(r"<tweet[^>]*>.*?</tweet>\.?", "", f.read_text(errors="replace"), flags=re.S)
        for q in re.findall(r"“([^”\n]{60,400})”", t):
            q = q.strip().rstrip(",")
            if 15 <= len(q.split()) <= 70:
                out.append({"kind": "quote", "text": q})
    return out


def load_captions(rng: random.Random) -> list[dict]:
    names = ["Evan Vucci", "Carolyn Kaster", "John Locher", "Matt Rourke", "Susan Walsh", "Alex Brandon",
             "Gerald Herbert", "Charlie Neibergall", "Mary Altaffer", "Paul Sancya"]
    out = []
    for f in sorted((DATA / "polnear" / "data" / "dev" / "text").glob("*.txt")):
        paras = [p.strip() for p in f.read_text(errors="replace").split("\n\n") if p.strip()]
        for para in paras[1:4]:   # a sentence describing a scene, as a caption would
            first = re.split(r"(?<=[.!?])\s+", para)[0]
            if 15 <= len(first.split()) <= 40 and not re.search(r"[<“”\"]", first):
                credit = rng.choice(["AP Photo/", "AP Photo/", "AFP Photo/", "Reuters/"]) + rng.choice(names)
                out.append({"kind": "caption", "text": f"{first} ({credit})", "author": credit})
                break
    return out


def load_bases() -> list[tuple[str, str, list[str]]]:
    meta = {}
    for line in open(DATA / "polnear" / "data" / "metadata.tsv", encoding="utf-8"):
        c = line.rstrip("\n").split("\t")
        if len(c) > 7:
            meta[c[1]] = (c[4], c[5], c[7])
    out = []
    for f in sorted((DATA / "polnear" / "data" / "train" / "text").glob("*.txt")):
        t = re.sub(r"<tweet[^>]*>.*?</tweet>\.?", "", f.read_text(errors="replace"), flags=re.S)
        paras = [" ".join(p.split()) for p in t.split("\n\n") if len(p.split()) >= 8]
        if len(paras) >= 5 and 150 <= sum(len(p.split()) for p in paras) <= 1500 and "pic.twitter" not in t:
            pub, day, title = meta.get(f.stem, ("site", "2016-09-01", f.stem))
            out.append((f.stem, title, paras))
    return out


ATTRIB = ["“{q},” {s} said.", "{s} said: “{q}”", "In a statement, {s} said: “{q}.”", "“{q},” {s} told reporters.",
          "“{q},” according to {s}."]
LEAD = ["{n} wrote on Twitter:", "In a post on Twitter, {n} said:", "{n} tweeted:", ""]


def render(item: dict, rng: random.Random, link: bool) -> list[str]:
    if item["kind"] == "post":
        name = item["author"].split(" (@")[0]
        lead = rng.choice(LEAD).format(n=name)
        ps = [lead] if lead else []
        if rng.random() < 0.5:
            ps.append(item["text"] + "\n" + item["author_line"])
        else:
            ps.append(item["text"] + " " + item["author_line"])
        return ps
    if item["kind"] == "quote":
        return [rng.choice(ATTRIB).format(q=item["text"].rstrip("."), s=item["speaker"])]
    return [item["text"]]


def build(groups: int, seed: int):
    rng = random.Random(seed)
    posts, quotes, caps = load_posts(), load_statements(), load_captions(rng)
    bases = load_bases()
    rng.shuffle(posts), rng.shuffle(quotes), rng.shuffle(caps), rng.shuffle(bases)
    speakers = ["Sen. Mark Warner", "the governor", "Rep. Nancy Pelosi", "a White House spokeswoman", "Paul Ryan",
                "Mike Pence", "the campaign", "Tim Kaine"]
    for q in quotes:
        q["speaker"] = rng.choice(speakers)
    n_post, n_quote = int(groups * 0.5), int(groups * 0.3)
    chosen = posts[:n_post] + quotes[:n_quote] + caps[:groups - n_post - n_quote]
    pages: dict[str, dict] = {}
    base_i = 0
    gold_shared: set[frozenset] = set()
    gold_items: dict[frozenset, dict] = {}
    embedded: list[str] = []   # pages carrying a post (for true copies)
    t0 = 1_470_000_000
    for g, item in enumerate(chosen):
        k = rng.choice([2, 2, 3, 4])
        short = rng.random() < 0.2
        urls = []
        for j in range(k):
            if base_i >= len(bases):
                base_i = 0
            stem, title, paras = bases[base_i]
            base_i += 1
            site = f"site{rng.randrange(40):02d}.example"
            url = f"https://{site}/{g}/{j}/{stem[:30]}"
            link = item["kind"] == "post" and item.get("url") and rng.random() < 0.5
            ins = render(item, rng, bool(link))
            if short and j == 0:
                words = " ".join(paras[0].split()[:rng.randrange(10, 26)]).rstrip(",;") + "."
                body_ps = [words] + ins
            else:
                at = rng.randrange(1, len(paras))
                body_ps = paras[:at] + ins + paras[at:]
            when = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t0 + g * 86400 + j * 3600))
            pages[url] = {"url": url, "site": site, "title": title, "body": "\n\n".join(body_ps), "published": when,
                          "links": [{"href": item["url"], "text": "date", "in_body": True}] if link else []}
            urls.append(url)
            if item["kind"] == "post" and not short:
                embedded.append(url)
        for x, y in itertools.combinations(urls, 2):
            gold_shared.add(frozenset((x, y)))
            gold_items[frozenset((x, y))] = item
    # true copies of pages that embed a post
    gold_copies: list[tuple[str, str, str]] = []
    rng.shuffle(embedded)
    for i, src in enumerate(embedded[: max(10, len(embedded) // 2)]):
        s = pages[src]
        ps = s["body"].split("\n\n")
        kind = ["full", "half", "edited"][i % 3]
        if kind == "half":
            ps = ps[: max(3, (len(ps) + 1) // 2)]
            if not any("(@" in p for p in ps):
                ps = s["body"].split("\n\n")
        elif kind == "edited":
            ps = [p.replace(" the ", " this ", 1) if n % 2 == 0 else p for n, p in enumerate(ps)]
            if len(ps) > 6:
                ps = ps[:3] + ps[4:]
        site = f"copier{i % 7}.example"
        url = f"https://{site}/c/{i}"
        when = time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                             time.gmtime(time.mktime(time.strptime(s["published"][:19], "%Y-%m-%dT%H:%M:%S")) + 2 * 86400))
        pages[url] = {"url": url, "site": site, "title": s["title"], "body": "\n\n".join(ps), "published": when,
                      "links": s["links"]}
        gold_copies.append((url, src, kind))
        # the copy carries its source's post: it shares it with the other pages of the item (not with its source)
        for p in [p for p in list(gold_shared) if src in p]:
            other = next(iter(p - {src}))
            gold_shared.add(frozenset((url, other)))
            gold_items[frozenset((url, other))] = gold_items[p]
    # short pages (25-45 words) that are mostly a passage of another page (no item in it): copies
    plain = [u for u in pages if u.startswith("https://site") and not any(u in p for p in gold_shared)]
    plain += [u for u in pages if u.startswith("https://site") and u not in plain]
    for i, src in enumerate(plain[:30]):
        words = [w for p in pages[src]["body"].split("\n\n")[1:] for w in p.split()
                 if "“" not in p and '"' not in p and "(@" not in p][:200]
        if len(words) < 60:
            continue
        n = rng.randrange(22, 38)
        at = rng.randrange(0, len(words) - n)
        intro = rng.choice(["From elsewhere today:", "Worth reading:", "Via another outlet:", "In brief:"])
        body = intro + " " + " ".join(words[at:at + n]) + " " + rng.choice(["More to come.", "Read the rest.", ""])
        url = f"https://briefs{i % 5}.example/b/{i}"
        when = time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                             time.gmtime(time.mktime(time.strptime(pages[src]["published"][:19], "%Y-%m-%dT%H:%M:%S")) + 86400))
        pages[url] = {"url": url, "site": url.split("/")[2], "title": "Brief", "body": body.strip(),
                      "published": when, "links": []}
        gold_copies.append((url, src, "short"))
    return pages, gold_shared, gold_items, gold_copies


def trace(pages: dict, current_code: bool) -> tuple[set, set, dict]:
    sys.path.insert(0, str(ROOT / "src"))
    from newstrace.records import Article, content_hash
    from newstrace.store import Store
    from newstrace.trace import aligning, index, text, trace_all

    saved = (aligning.classify, text.anchor_keys, index.anchor_keys)
    if current_code:   # the code path before shared items: no classification, no winnowed anchors
        import numpy as np

        aligning.classify = lambda a, b, al: (al.linked, None)
        text.anchor_keys = index.anchor_keys = lambda ng: np.zeros(0, dtype=np.int64)
    try:
        with tempfile.TemporaryDirectory() as td:
            st = Store(str(Path(td) / "s.db"))
            arts = []
            for p in pages.values():
                a = Article(page_id=content_hash(p["url"], p["body"]), url=p["url"], source=p["url"], site=p["site"],
                            publisher=p["site"], title=p["title"], published=p["published"], body=p["body"],
                            blocks=p["body"].split("\n\n"), language="en", outlinks=p["links"],
                            fetched_at="2020-01-01T00:00:00Z")
                arts.append(({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at}, a, []))
            st.write_batch(arts)
            t = time.perf_counter()
            summary = trace_all(st, rebuild=True, translate=False)
            summary["trace_s"] = round(time.perf_counter() - t, 2)
            q = st.conn.execute
            url = dict(q("SELECT page_id, url FROM articles").fetchall())
            copies = {(url[c], url[s]) for c, s in q("SELECT copy_id, source_id FROM copies")}
            shared = {}
            for r in q("SELECT pa.url, pb.url, s.kind, s.url, s.author, s.speaker FROM shared_items s "
                       "JOIN articles pa ON pa.aid = s.a JOIN articles pb ON pb.aid = s.b"):
                shared.setdefault(frozenset((r[0], r[1])), []).append(
                    {"kind": r[2], "url": r[3], "author": r[4], "speaker": r[5]})
            st.close()
    finally:
        aligning.classify, text.anchor_keys, index.anchor_keys = saved
    return copies, shared, summary


def score(gold_shared, gold_items, gold_copies, copies, shared) -> dict:
    n = len(gold_shared)
    found = [p for p in gold_shared if p in shared]
    as_copy = [p for p in gold_shared if any((x, y) in copies for x, y in itertools.permutations(p))]
    by_kind = {}
    for kind in ("post", "quote", "caption"):
        ps = [p for p in gold_shared if gold_items[p]["kind"] == kind]
        by_kind[kind] = (sum(p in shared for p in ps), len(ps))
    right_kind = sum(any(r["kind"] == gold_items[p]["kind"] for r in shared[p]) for p in found)
    posts = [p for p in found if gold_items[p]["kind"] == "post"]
    right_url = sum(any(r["url"] == gold_items[p]["url"] for r in shared[p]) for p in posts if gold_items[p]["url"])
    with_url = sum(1 for p in posts if gold_items[p]["url"])
    right_author = sum(any(r["author"] == gold_items[p]["author"] for r in shared[p]) for p in posts)
    quotes = [p for p in found if gold_items[p]["kind"] == "quote"]
    right_speaker = sum(any((r["speaker"] or "").lower() in gold_items[p]["speaker"].lower() and r["speaker"]
                            for r in shared[p]) for p in quotes)
    cp = sum((c, s) in copies for c, s, k in gold_copies if k != "short")
    shorts = [(c, s) for c, s, k in gold_copies if k == "short"]
    cp_short = sum(x in copies for x in shorts)
    cp_shared = sum(frozenset((c, s)) in shared for c, s, _ in gold_copies)
    gold_pages = {x for p in gold_shared for x in p} | {x for c, s, _ in gold_copies for x in (c, s)}
    gold_cp = {(c, s) for c, s, _ in gold_copies}
    false_copies = [c for c in copies if c not in gold_cp]
    extra_shared = [p for p in shared if p not in gold_shared]
    return {"shared pairs (gold)": n, "shared recall": len(found) / n if n else 0.0,
            "shared pairs reported as copies": len(as_copy),
            **{f"shared recall {k} ({t})": (f / t if t else 0.0) for k, (f, t) in by_kind.items()},
            "item kind right (found)": right_kind / len(found) if found else 0.0,
            "post URL right (found, gold URL known)": right_url / with_url if with_url else 0.0,
            "post author right (found)": right_author / len(posts) if posts else 0.0,
            "quote speaker named right (found)": right_speaker / len(quotes) if quotes else 0.0,
            "true copies embedding posts (gold)": len(gold_copies) - len(shorts),
            "copy recall (copy, source)": cp / (len(gold_copies) - len(shorts)),
            f"short pages (25-45 words) found as copies ({len(shorts)})": cp_short / len(shorts) if shorts else 0.0,
            "true copies reported shared": cp_shared, "other copy rows (false)": len(false_copies),
            "shared rows outside gold": len(extra_shared), "pages": len(gold_pages)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--groups", type=int, default=150)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--show", type=int, default=0, help="print this many missed shared pairs")
    args = ap.parse_args()
    if not (DATA / "polnear" / "data").is_dir() or not (DATA / "ptc").is_dir():
        print(f"skip: {DATA}/polnear or ptc not found (set NEWSTRACE_SHARED_DATA)")
        return 0
    pages, gs, gi, gc = build(args.groups, args.seed)
    kinds = {}
    for it in gi.values():
        kinds[it["kind"]] = kinds.get(it["kind"], 0) + 1
    print(f"fixtures: {len(pages)} pages, {len(gs)} shared-item pairs {kinds}, "
          f"{sum(k != 'short' for _, _, k in gc)} true copies embedding posts, "
          f"{sum(k == 'short' for _, _, k in gc)} short pages that are a passage of another page")
    res = {}
    for name, cur in (("newstrace", False), ("current code", True)):
        copies, shared, summ = trace(pages, cur)
        res[name] = score(gs, gi, gc, copies, shared)
        res[name]["trace seconds"] = summ["trace_s"]
        if name == "newstrace" and args.show:
            for p in [p for p in gs if p not in shared][: args.show]:
                print("missed", gi[p]["kind"], sorted(p), gi[p]["text"][:80])
    keys = list(res["newstrace"])
    print(f"\n| {'metric':44} | {'newstrace':>10} | {'current code':>12} | target |")
    print(f"|{'-' * 46}|{'-' * 12}|{'-' * 14}|--------|")
    tgt = {"shared recall": "0.95", "shared pairs reported as copies": "0", "copy recall (copy, source)": "0.98",
           "true copies reported shared": "0"}
    for k in keys:
        a, b = res["newstrace"][k], res["current code"][k]
        f = (lambda v: f"{v:.4f}" if isinstance(v, float) else str(v))
        if k.startswith(("shared recall", "item kind", "post ", "quote ")) and k != "shared pairs reported as copies":
            b = "n/a"
        print(f"| {k:44} | {f(a):>10} | {f(b):>12} | {tgt.get(k, ''):>6} |")
    ok = (res["newstrace"]["shared recall"] >= 0.95 and res["newstrace"]["shared pairs reported as copies"] == 0
          and res["newstrace"]["copy recall (copy, source)"] >= 0.98)
    print("\nDone-when (shared sources):", "met" if ok else "NOT met",
          "(thresholds and rules were set on tests/test_trace_shared.py and reuse-dev, not on these fixtures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
