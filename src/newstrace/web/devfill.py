"""A naive stand-in for the trace stage, for developing and testing the web UI only.

``fill_naive(db)`` fills copies, stories, story_members, site_edges and site_groups of a *small*
database (all pairs are compared, O(n^2)) with word-overlap links, difflib spans, date order for
direction and a plain name/link credit check. It is NOT newstrace's tracer (``newstrace.trace``
is); the web tests use it only while ``from newstrace.trace import trace_all`` does not import.
"""
from __future__ import annotations

import difflib
import json
import re
import sqlite3
from collections import defaultdict
from datetime import datetime
from itertools import combinations

WORD = re.compile(r"\w+", re.UNICODE)
STRONG_IDS = {"paypal", "patreon", "adsense", "analytics", "gtm", "kofi", "buymeacoffee", "crypto"}


def _words(s: str) -> set[str]:
    w = [x.lower() for x in WORD.findall(s or "")]
    return {" ".join(w[i:i + 3]) for i in range(max(0, len(w) - 2))}


def _when(s: str | None) -> datetime:
    try:
        return datetime.fromisoformat((s or "").replace("Z", "+00:00")[:19])
    except ValueError:
        return datetime.max


def spans_between(copy: str, source: str, min_len: int = 40) -> list[list[int]]:
    sm = difflib.SequenceMatcher(None, copy, source, autojunk=False)
    return [[a, a + n, b, b + n] for a, b, n in sm.get_matching_blocks() if n >= min_len]


def fill_naive(db: str, threshold: float = 0.2) -> dict[str, int]:
    c = sqlite3.connect(db)
    c.row_factory = sqlite3.Row
    arts = {r["page_id"]: dict(r) for r in c.execute(
        "SELECT page_id, site, url, title, body, published, language FROM articles")}
    credits = defaultdict(list)
    for r in c.execute("SELECT page_id, name, url, form FROM credits"):
        credits[r["page_id"]].append(dict(r))
    names = {r[0]: (r[1] or r[0]) for r in c.execute("SELECT site, name FROM sites")}
    sh = {p: _words(a["body"]) for p, a in arts.items()}
    links = []
    for a, b in combinations(sorted(arts), 2):
        if not sh[a] or not sh[b]:
            continue
        inter = len(sh[a] & sh[b])
        if inter / min(len(sh[a]), len(sh[b])) < threshold:
            continue
        pa, pb = arts[a], arts[b]
        copy, src = (b, a) if (_when(pa["published"]), a) <= (_when(pb["published"]), b) else (a, b)
        links.append((copy, src))
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for cp, sr in links:
        parent[find(cp)] = find(sr)
    comps = defaultdict(list)
    for cp, sr in links:
        comps[find(cp)].append((cp, sr))
    with c:
        for t in ("copies", "stories", "story_members", "site_edges", "site_groups"):
            c.execute(f"DELETE FROM {t}")
        edges = defaultdict(lambda: [0, 0])
        for root, pairs in comps.items():
            members = {p for pr in pairs for p in pr}
            origin = min(members, key=lambda p: (_when(arts[p]["published"]), p))
            sid = "s" + origin[:12]
            odate = _when(arts[origin]["published"])
            credited_n = 0
            for cp, sr in pairs:
                ca, sa = arts[cp], arts[sr]
                spans = spans_between(ca["body"], sa["body"])
                covc = sum(s[1] - s[0] for s in spans) / max(1, len(ca["body"]))
                covs = sum(s[3] - s[2] for s in spans) / max(1, len(sa["body"]))
                kind = "full" if covc > 0.9 and covs > 0.9 else "partial" if covs < 0.6 else "edited"
                if ca["site"] == sa["site"]:
                    kind = "duplicate"
                if (ca["language"] or "") != (sa["language"] or ""):
                    kind = "translation"
                by_name = [x for x in credits[cp] if x["name"] and x["name"].lower() == names[sa["site"]].lower()]
                by_link = [x for x in credits[cp] if x["url"] and sa["site"] in x["url"]]
                credited = ("name+link" if by_name and by_link else "name" if by_name else "link" if by_link
                            else "wrong" if credits[cp] else "none")
                credited_to = (by_name or by_link or credits[cp] or [None])[0]
                credited_n += credited in ("name", "link", "name+link")
                ev = [{"kind": "date", "detail": f"{sa['published']} before {ca['published']}"}]
                changes = {"headline": None if ca["title"] == sa["title"] else {"from": sa["title"], "to": ca["title"]},
                           "added": [], "removed": [], "substitutions": []}
                c.execute("INSERT OR REPLACE INTO copies VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          (cp, sr, origin, kind, f"{ca['language']}-{sa['language']}", json.dumps(spans),
                           sum(len(ca["body"][s[0]:s[1]].split()) for s in spans), covc, covs, credited,
                           json.dumps(credited_to), 0.6, json.dumps(ev), json.dumps(changes), sid, None))
                e = edges[(ca["site"], sa["site"])]
                e[0] += 1
                e[1] += credited in ("name", "link", "name+link")
            dates = [arts[p]["published"] for p in members if arts[p]["published"]]
            c.execute("INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?,?,?,?)",
                      (sid, origin, arts[origin]["title"], len(members), len({arts[p]["site"] for p in members}),
                       json.dumps(sorted({arts[p]["language"] or "" for p in members})),
                       min(dates) if dates else None, max(dates) if dates else None, credited_n / len(pairs)))
            par = {cp: sr for cp, sr in pairs}
            for p in members:
                lag = (_when(arts[p]["published"]) - odate).total_seconds() / 3600 if odate != datetime.max else None
                c.execute("INSERT OR REPLACE INTO story_members VALUES (?,?,?,?,?,?,?)",
                          (sid, p, "origin" if p == origin else "copy",
                           None if p == origin else c.execute("SELECT kind FROM copies WHERE copy_id=? AND source_id=?",
                                                              (p, par.get(p))).fetchone()[0] if p in par else "chain",
                           par.get(p), arts[p]["published"], lag))
        for (a, b), (n, k) in edges.items():
            if a != b:
                c.execute("INSERT OR REPLACE INTO site_edges VALUES (?,?,?,?,?,?)",
                          (a, b, "copy", n, 1, json.dumps({"copies": n, "credit_rate": k / n})))
        ids = defaultdict(set)
        for r in c.execute("SELECT DISTINCT a.site, i.kind, i.value FROM identifiers i "
                           "JOIN articles a ON a.page_id = i.page_id"):
            ids[(r[1], r[2])].add(r[0])
        pair_ids = defaultdict(list)
        for (k, v), sites in ids.items():
            for a, b in combinations(sorted(sites), 2):
                pair_ids[(a, b)].append({"kind": k, "value": v, "strong": k in STRONG_IDS})
        group = {s: s for s in names}
        for (a, b), vals in pair_ids.items():
            strong = any(v["strong"] for v in vals)
            c.execute("INSERT OR REPLACE INTO site_edges VALUES (?,?,?,?,?,?)",
                      (a, b, "identifier", len(vals), int(strong), json.dumps({"shared": vals})))
            if strong:
                ga, gb = group[a], group[b]
                for s, g in group.items():
                    if g == gb:
                        group[s] = ga
        for s, g in group.items():
            c.execute("INSERT OR REPLACE INTO site_groups VALUES (?,?,?)", (s, "g-" + g, "[]"))
    n = {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("copies", "stories", "site_edges")}
    c.close()
    return n
