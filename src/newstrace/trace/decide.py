"""Decisions over one connected component of linked pages: who copied whom (direction with evidence
and confidence), the immediate source of each copy (chains, compilations), its kind, its credit
status and what it changed.  A pure function of the component, so incremental linking and a full
rebuild give the same answer.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from ..store.records import Copy, CopyKind, Credit, CreditForm, Credited, Evidence, EvidenceKind
from ..extract.credits import _slug
from .evidence import (Meta, SiteNames, credit_items, link_keys, norm_byline, parse_when, referral_sites, site_of,
                       url_key)

W_CREDIT_LINK = 4.0
W_CANONICAL = 4.0
W_HYPERLINK = 3.0
W_CREDIT_NAME = 2.5
W_COMPILATION = 3.0
W_CONTAINMENT = 2.0
W_INBODY_SITE = 1.0
W_DATES = 1.5
W_CONTAINMENT_XLING = 0.5   # coverage between languages is noisy (0.7-0.9 for complete translations)
W_DATES_XLING = 3.0         # dates days apart between languages: more than every weak cue together
STRONG_REFS = ("credit-link", "canonical", "hyperlink", "credit-name", "referral-tag")
W_HEADLINE = 2.0
COV_TIE = 0.03
WHOLE = 0.97      # a page reproduced whole
EXCERPT = 0.9     # ... while being only part of another
W_HOTLINK = 3.0
W_BYLINE_HOME = 1.0
W_CREDIT_CARRIED = 2.0
CUT_RUN_ON = 2    # words: consecutive spans with at most this between them run on
BYLINE_SITES_MAX = 5
TIE_WORDS = 30


@dataclass
class View:
    """A linked pair seen from page ``c`` towards page ``p``."""

    c: int
    p: int
    cov_c: float
    cov_p: float
    shared: int
    spans: list            # [c_start, c_end, p_start, p_end]
    wspans: list
    subs: list             # [[word in p, word in c]]
    monotonic: bool
    whole_p: float         # share of spans that are whole paragraphs of p
    uncovered_c: list      # paragraphs of c mostly not aligned: [[index, text]]
    uncovered_p: list
    method: str = "align"
    paras_p: int = 0


def view(res: dict, a: int, b: int, c: int) -> View:
    """``res`` is the stored result of pair (a, b) with a < b; give it from c's side."""
    if c == a:
        return View(a, b, res["coverage_a"], res["coverage_b"], res["shared_words"], res["spans"], res["wspans"],
                    [[y, x] for x, y in res.get("substitutions", [])], res.get("monotonic", True),
                    res.get("whole_b", 0.0), res.get("uncovered_a", []), res.get("uncovered_b", []),
                    res.get("method", "align"), res.get("paras_b", 0))
    return View(b, a, res["coverage_b"], res["coverage_a"], res["shared_words"],
                [[s[2], s[3], s[0], s[1]] for s in res["spans"]], [[s[2], s[3], s[0], s[1]] for s in res["wspans"]],
                [list(x) for x in res.get("substitutions", [])], res.get("monotonic", True),
                res.get("whole_a", 0.0), res.get("uncovered_b", []), res.get("uncovered_a", []),
                res.get("method", "align"), res.get("paras_a", 0))


@dataclass
class Edge:
    copy: int
    source: int
    score: float
    evidence: list = field(default_factory=list)


def _refs(m: Meta, other: Meta, items: list[dict], lkeys: dict, ctx: dict | None = None) -> list[dict]:
    """Evidence on page m that it took its text from page ``other``."""
    ev = []
    okeys = other.keys
    for it in items:
        if it.get("key") and it["key"] in okeys:
            ev.append({"kind": "canonical" if it["form"] == "canonical" else "credit-link",
                       "detail": f"{it['form']}: {it.get('url')}", "w": W_CANONICAL if it["form"] == "canonical" else W_CREDIT_LINK})
        elif other.site in it["sites"] and it["form"] != "canonical":
            ev.append({"kind": "credit-name", "detail": f"{it['form']}: {it.get('name') or it.get('url')}",
                       "w": W_CREDIT_NAME * (0.6 if it["form"] == "byline" else 1.0)})
    if m.canonical and not any(e["kind"] == "canonical" for e in ev):
        ck = url_key(m.canonical)
        if ck and ck != m.key and ck in okeys:   # a second URL of one site pointing to its main one
            ev.append({"kind": "canonical", "detail": f"canonical: {m.canonical}", "w": W_CANONICAL})
    if not any(e["kind"] in ("credit-link", "canonical") for e in ev):
        for k in okeys:
            if k in lkeys:
                ev.append({"kind": "hyperlink", "detail": lkeys[k]["href"], "w": W_HYPERLINK})
                break
    ref = (ctx or {}).get("referrals", {}).get(m.rid, {})
    if other.site in ref:
        ev.append({"kind": "referral-tag", "detail": f"carries a link tagged by {other.site}: {ref[other.site]}",
                   "w": W_HYPERLINK})
    site_pages = (ctx or {}).get("site_pages")
    if other.site != m.site and site_pages is not None:
        # the other site's donation / account identifiers carried inside this page's text
        for ident in sorted(m.idents & other.idents):
            if site_pages(ident, m.site) == 1 and site_pages(ident, other.site) >= 2:
                ev.append({"kind": "foreign-identifiers", "detail": f"{ident[0]} {ident[1]} of {other.site}",
                           "w": W_HYPERLINK})
                break
    hot = _hotlinks(m, other)
    if hot:
        ev.append({"kind": "media-hotlink", "detail": f"{len(hot)} media served from {other.site}: {hot[0]}",
                   "w": W_HOTLINK})
    if other.site != m.site and not ev:
        n = m.inbody_sites.get(other.site)
        if n:
            ev.append({"kind": "inbody-links", "detail": f"{n} in-body links to {other.site}", "w": W_INBODY_SITE})
    return ev


def _site(href: str) -> str:
    return site_of(href)


def pair_edge(a: Meta, b: Meta, va: View, ctx: dict) -> Edge:
    """Direction of a linked pair: positive score = a copied b."""
    ev_a = _refs(a, b, ctx["items"][a.rid], ctx["lkeys"][a.rid], ctx)
    ev_b = _refs(b, a, ctx["items"][b.rid], ctx["lkeys"][b.rid], ctx)
    ev = [dict(e, dir="copy") for e in ev_a] + [dict(e, dir="source", w=-e["w"]) for e in ev_b]
    # containment: one body (nearly) inside the other
    # (only a clear excerpt counts: a copy whose page kept some furniture is not "bigger" than its source)
    xling = _xling(a, b, va)
    w_cont = W_CONTAINMENT_XLING if xling else W_CONTAINMENT
    if va.cov_c >= 0.85 and va.cov_p <= 0.85 and va.cov_c - va.cov_p >= 0.12:
        ev.append({"kind": "containment", "detail": f"{va.cov_c:.2f} of copy in source, {va.cov_p:.2f} of source in copy",
                   "w": w_cont})
    elif va.cov_p >= 0.85 and va.cov_c <= 0.85 and va.cov_p - va.cov_c >= 0.12:
        ev.append({"kind": "containment", "detail": f"{va.cov_p:.2f} of one in the other, {va.cov_c:.2f} back",
                   "w": -w_cont})
    if a.rid in ctx["compilations"] and b.rid in ctx["compilations"][a.rid]:
        ev.append({"kind": "compilation", "detail": "draws on several unrelated sources", "w": W_COMPILATION})
    if b.rid in ctx["compilations"] and a.rid in ctx["compilations"][b.rid]:
        ev.append({"kind": "compilation", "detail": "the other page draws on several sources", "w": -W_COMPILATION})
    # a headline that wraps the other one ("BREAKING: <headline>", "<headline> - what it means") is the rewrite
    ta, tb = _norm_title(a.title), _norm_title(b.title)
    if ta and tb and ta != tb and min(len(ta), len(tb)) >= 12:
        if tb in ta:
            ev.append({"kind": "headline", "detail": f"{a.title!r} extends {b.title!r}", "w": W_HEADLINE})
        elif ta in tb:
            ev.append({"kind": "headline", "detail": f"{b.title!r} extends {a.title!r}", "w": -W_HEADLINE})
    home = _byline_home(a, b, ctx.get("names"))
    if home:
        ev.append(home)
    for x, y, sign in ((a, b, 1), (b, a, -1)):
        carried = _carried_credit(x, y, ctx)
        if carried:
            ev.append({"kind": "credit-carried", "w": sign * W_CREDIT_CARRIED,
                       "detail": f"credits {carried} as the other page does, but {carried} has none of its text"})
    if a.when and b.when and not _approx(a) and not _approx(b):
        hours = (a.when - b.when).total_seconds() / 3600
        if not (a.when_exact and b.when_exact) and abs(hours) < 24:
            hours = 0.0
        if hours:
            w = W_DATES_XLING if xling and abs(hours) >= 24 else W_DATES
            ev.append({"kind": "dates", "detail": f"{a.published} vs {b.published}",
                       "w": w if hours > 0 else -w})
    for x, y, sign in ((a, b, 1), (b, a, -1)):
        # a copy's credit block dates its original ("South Front 15 June 2021"): when the credited page
        # states no usable date of its own, that date orders the pair
        d = _credited_date(x, y)
        if d and x.when and (not y.when or _approx(y)) and not _approx(x):
            days = (x.when - d).days
            if days >= 1:
                ev.append({"kind": "credited-date", "w": sign * W_DATES,
                           "detail": f"{x.published} vs {y.site}'s date {d.date()} as the copy's credit gives it"})
    score = sum(e["w"] for e in ev)
    if xling:
        score = _days_rule(a, b, ev, score)
    return Edge(a.rid, b.rid, score, ev)


def _xling(a: Meta, b: Meta, va: View) -> bool:
    return va.method == "translation" or bool(a.language and b.language and a.language != b.language)


def _days_rule(a: Meta, b: Meta, ev: list[dict], score: float) -> float:
    """Between languages no page is a copy of a page dated a day or more after it, unless a credit, link or
    canonical on it says so (the evidence then says which).  Positive score = a copied b."""
    if not (a.when and b.when) or _approx(a) or _approx(b):
        return score
    hours = (a.when - b.when).total_seconds() / 3600
    if abs(hours) < 24:
        return score
    later_copy = 1 if hours > 0 else -1        # the direction the dates give
    refs = [e for e in ev if e["kind"] in STRONG_REFS and (e["w"] > 0) == (later_copy < 0)]
    if refs:   # the earlier page credits the later one: misdated, its credit decides and the row says why
        ev.append({"kind": "dates", "w": 0, "detail": f"dated before its source, but its {refs[0]['kind']} "
                   f"({refs[0]['detail']}) names it"})
        return -later_copy * max(abs(refs[0]["w"]), -later_copy * score)
    if score * later_copy <= 0:
        ev.append({"kind": "dates", "w": 0, "detail": "dates a day or more apart decide between languages "
                   "(no credit, link or canonical says otherwise)"})
        return later_copy * max(abs(score), W_DATES_XLING)
    return score


def _credited_date(x: Meta, y: Meta) -> datetime | None:
    """The date page ``x``'s original-source record gives page ``y`` (its URL is y's page, or its name y's site)."""
    if not x.source_date:
        return None
    day, name, url = x.source_date
    if url and (url_key(url) in y.keys or url_key(url) == y.key) or (name and _slug(name) == _slug(y.site)) or \
            (url and site_of(url) == y.site):
        when, _ = parse_when(day)
        return when
    return None


def _byline_home(a: Meta, b: Meta, names: SiteNames | None) -> dict | None:
    """Two pages with one byline: the site that signs its other articles with it wrote it, the other page
    carries it (a byline on more than BYLINE_SITES_MAX sites is generic: "Editorial Board")."""
    if names is None or a.site == b.site:
        return None
    v = norm_byline(a.byline)
    if not v or v != norm_byline(b.byline) or len(names.byline_sites.get(v, ())) > BYLINE_SITES_MAX:
        return None
    na, nb = names.bylines.get((v, a.site), 1) - 1, names.bylines.get((v, b.site), 1) - 1
    if nb >= 1 and na == 0:
        return {"kind": "byline-home", "detail": f"byline {a.byline!r} signs {nb} other page(s) of {b.site}, none of {a.site}",
                "w": W_BYLINE_HOME}
    if na >= 1 and nb == 0:
        return {"kind": "byline-home", "detail": f"byline {b.byline!r} signs {na} other page(s) of {a.site}, none of {b.site}",
                "w": -W_BYLINE_HOME}
    return None


def _carried_credit(x: Meta, y: Meta, ctx: dict) -> str | None:
    """A site x credits whose pages in this story share none of x's text, while y shares x's text and credits
    that site too: x carries y's credit line (an intro y wrote, with y's credit, taken on by x)."""
    adj, by_site, y_sites = ctx["adj"], ctx["by_site"], ctx["credited_sites"][y.rid]
    for it in ctx["items"][x.rid]:
        for s in sorted(it["sites"]):
            if s in (x.site, y.site) or s not in y_sites:
                continue
            pages = by_site.get(s, set())
            if pages and not (pages & adj.get(x.rid, set())) and (pages & adj.get(y.rid, set())):
                return s
    return None


@lru_cache(maxsize=65536)
def _norm_title(t: str | None) -> str:
    return " ".join(re.findall(r"\w+", (t or "").lower()))


def _approx(m: Meta) -> bool:
    """A date that stands for a month or a year is not evidence of order.  Extraction records the precision
    (a day htmldate read from a page's text counts only when the page spells it out); for articles stored
    before it did, a bare first-of-month date is taken for a month (htmldate's reading of "July 2021")."""
    if m.precision is not None:
        return m.precision in ("month", "year")
    return not m.when_exact and (m.published or "")[8:10] == "01"


def _credits_besides(a: Meta, b: Meta, ctx: dict) -> bool:
    """Does page a credit anybody other than a third page of this story?"""
    third = ctx["by_site"]
    for it in ctx["items"][a.rid]:
        if it.get("key") and it["key"] in ctx["keys"] and it["key"] not in b.keys:
            continue
        if it["sites"] and all(third.get(s, set()) - {a.rid, b.rid} for s in it["sites"]) \
                and not (it["sites"] & {b.site}):
            continue
        return True
    return False


def _tiebreak(a: Meta, b: Meta, va: View, ctx: dict) -> float:
    """Weak order when the evidence is balanced: the page crediting anybody, the undated one, the more contained,
    the later on the same day, the later fetched."""
    # a credit to a third page of the story says this page is a copy of that one, nothing about its order
    # with another copy of it
    ca, cb = _credits_besides(a, b, ctx), _credits_besides(b, a, ctx)
    if ca != cb:
        return 0.5 if ca else -0.5
    da, db = a.when is not None and not _approx(a), b.when is not None and not _approx(b)
    if da != db:  # the page without a (reliable) date is the copy more often than not
        return 0.3 if db else -0.3
    if abs(va.cov_c - va.cov_p) > 0.02:
        return 0.1 if va.cov_c > va.cov_p else -0.1
    if da and db and a.when_exact != b.when_exact:
        # the same day, one with a time and one without: a day-only date stands for its midday, so a
        # time after midday is more likely the later page
        ta = a.when if a.when_exact else _local_midday(a, b)
        tb = b.when if b.when_exact else _local_midday(b, a)
        if ta != tb:
            return 0.07 if ta > tb else -0.07
    if a.fetched_at and b.fetched_at and a.fetched_at != b.fetched_at:
        return 0.05 if a.fetched_at > b.fetched_at else -0.05
    return 0.01 if a.rid > b.rid else -0.01


def _local_midday(day_only: Meta, timed: Meta) -> datetime:
    """A day-only date (a local date, its site's UTC offset unknown) read as midday in the timed page's
    offset: sites that copy each other more often share a region than not, and UTC is no better a guess."""
    d = day_only.when
    try:
        tz = datetime.fromisoformat((timed.published or "").replace("Z", "+00:00")).tzinfo or timezone.utc
    except ValueError:
        tz = timezone.utc
    return datetime(d.year, d.month, d.day, 12, tzinfo=tz).astimezone(timezone.utc)


def _compilations(comp: list[int], views: dict[tuple[int, int], View], adj: dict[int, set]) -> dict[int, set]:
    """Pages whose aligned text comes in disjoint regions from partners that are not linked to each other."""
    out = {}
    for c in comp:
        nb = sorted(adj.get(c, ()))
        if len(nb) < 2:
            continue
        groups = _region_groups(c, nb, views, adj, nonempty=True)
        if len(groups) >= 2:   # c draws on several unrelated groups: each group is a source region
            out[c] = set(nb)
    return out


def _cover(spans: list) -> list[tuple[int, int]]:
    """Merged, sorted [start, end) word intervals of c covered by spans."""
    out: list[tuple[int, int]] = []
    for s0, s1 in sorted((s[0], s[1]) for s in spans if s[1] > s[0]):
        if out and s0 <= out[-1][1]:
            if s1 > out[-1][1]:
                out[-1] = (out[-1][0], s1)
        else:
            out.append((s0, s1))
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    i = j = n = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            n += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return n


def decide(comp: list[int], pairs: dict[tuple[int, int], dict], meta: dict[int, Meta], names: SiteNames,
           site_pages=None) -> dict:
    """Return {'copies': [Copy], 'roots': set of article keys, 'parents': ...} for one component."""
    views: dict[tuple[int, int], View] = {}
    adj: dict[int, set] = {}
    for (a, b), res in pairs.items():
        views[(a, b)] = view(res, a, b, a)
        views[(b, a)] = view(res, a, b, b)
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    ctx = {"items": {r: credit_items(meta[r], names) for r in comp},
           "lkeys": {r: link_keys(meta[r]) for r in comp}, "site_pages": site_pages, "names": names}
    ctx["compilations"] = _compilations(comp, views, adj)
    ctx["keys"] = {k: r for r in comp for k in meta[r].keys}
    ctx["referrals"] = {r: referral_sites(meta[r], names) for r in comp}
    ctx["by_site"] = {}
    for r in comp:
        ctx["by_site"].setdefault(meta[r].site, set()).add(r)
    ctx["adj"] = adj
    ctx["credited_sites"] = {r: {s for it in ctx["items"][r] for s in it["sites"]} for r in comp}
    # 1. pairwise directions
    edges = []
    for (a, b) in pairs:
        e = pair_edge(meta[a], meta[b], views[(a, b)], ctx)
        if e.score == 0:
            t = _tiebreak(meta[a], meta[b], views[(a, b)], ctx)
            e.score = t
            e.evidence.append({"kind": "tiebreak", "detail": "no decisive evidence", "w": t})
        if e.score < 0:  # b copied a: the same evidence, worded from b's side
            e2 = pair_edge(meta[b], meta[a], views[(b, a)], ctx)
            if e2.score <= 0:
                e2.score = -e.score
                e2.evidence.append({"kind": "tiebreak", "detail": "no decisive evidence", "w": e2.score})
            e = e2
        edges.append(e)
    # 2. a DAG: strongest edges first, an edge closing a cycle is turned round
    edges.sort(key=lambda e: (-e.score, e.copy, e.source))
    out_edges: dict[int, dict[int, Edge]] = {r: {} for r in comp}

    def reaches(x: int, y: int) -> bool:
        stack, seen = [x], {x}
        while stack:
            n = stack.pop()
            if n == y:
                return True
            for s in out_edges[n]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        return False
    for e in edges:
        if reaches(e.source, e.copy):
            e = Edge(e.source, e.copy, -e.score, e.evidence + [{"kind": "order", "detail": "reversed to keep the order acyclic", "w": 0}])
        out_edges[e.copy][e.source] = e
    # ancestors count: the fewer, the closer to the origin
    anc_n = {}
    for r in comp:
        stack, seen = list(out_edges[r]), set(out_edges[r])
        while stack:
            n = stack.pop()
            for s in out_edges[n]:
                if s not in seen:
                    seen.add(s)
                    stack.append(s)
        anc_n[r] = len(seen)
    # 3. immediate source(s) of each copy
    parents: dict[int, list[tuple[int, bool]]] = {}
    reasons: dict[tuple[int, int], str] = {}
    for c in sorted(comp, key=lambda r: anc_n[r]):
        srcs = list(out_edges[c])
        if not srcs:
            continue
        groups = _region_groups(c, srcs, views, adj) if c in ctx["compilations"] else [srcs]
        comp_kind = len(groups) >= 2
        chosen = []
        for g in groups:
            p, why = _pick_parent(c, g, views, meta, ctx, anc_n, out_edges[c])
            chosen.append((p, comp_kind))
            reasons[(c, p)] = why
        parents[c] = chosen
    # 4. origin of every copy (follow first parents; compilations follow each)
    def origin_of(p: int, seen=None) -> int:
        seen = seen or set()
        while p in parents and p not in seen:
            seen.add(p)
            p = parents[p][0][0]
        return p
    rows = []
    for c, plist in parents.items():
        for p, is_comp in plist:
            e = out_edges[c][p]
            v = views[(c, p)]
            o = origin_of(p)
            mc, mp = meta[c], meta[p]
            if v.method == "translation" or (mc.language and mp.language and mc.language != mp.language and v.method != "align"):
                kind = "translation"
            elif mc.site == mp.site and v.cov_c >= 0.8 and v.cov_p >= 0.8:
                kind = "duplicate"
            elif is_comp:
                kind = "compilation"
            elif p in parents:
                kind = "chain"
            else:
                kind = _kind(v)
            ancestors = _ancestors(p, parents)
            # a compilation's credits to its other sources are not "wrong"
            others_ok = {meta[q].site for q2, _ in plist for q in [q2] + _ancestors(q2, parents)}
            credited, credited_to = _credit(mc, [meta[x] for x in [p] + ancestors], ctx["items"][c], ctx["lkeys"][c],
                                            others_ok)
            conf = 1 / (1 + math.exp(-abs(e.score)))
            rows.append(Copy(
                mc.page_id, mp.page_id, meta[o].page_id, CopyKind(kind),
                f"{mc.language or 'und'}-{mp.language or 'und'}", v.spans, v.shared, round(v.cov_c, 4),
                round(v.cov_p, 4), credited, credited_to, round(conf, 3),
                [Evidence(EvidenceKind(x["kind"]), x["detail"], round(x["w"], 2)) for x in e.evidence]
                + [Evidence(EvidenceKind.PARENT, reasons[(c, p)], 0)],
                _changes(mc, mp, v), copy_hash=mc.body_hash, source_hash=mp.body_hash))
    roots = {r for r in comp if r not in parents}
    return {"copies": rows, "roots": roots, "parents": parents}


def _ancestors(p: int, parents: dict) -> list[int]:
    out, seen = [], {p}
    stack = [p]
    while stack:
        n = stack.pop()
        for q, _ in parents.get(n, []):
            if q not in seen:
                seen.add(q)
                out.append(q)
                stack.append(q)
    return out


def _region_groups(c: int, srcs: list[int], views, adj, nonempty: bool = False) -> list[list[int]]:
    """Partners of c grouped by the region of c they cover: partners whose regions overlap by 30% of the
    smaller one, or that are linked to each other, are one group (``nonempty``: groups covering nothing
    are dropped)."""
    regions = {p: _cover(views[(c, p)].wspans) for p in srcs}
    size = {p: sum(e - s for s, e in r) for p, r in regions.items()}
    parent = {p: p for p in srcs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for i, p in enumerate(srcs):
        linked = adj.get(p, ())
        for q in srcs[i + 1:]:
            if find(p) == find(q):
                continue
            if q in linked or _overlap(regions[p], regions[q]) >= 0.3 * (min(size[p], size[q]) or 1):
                parent[find(p)] = find(q)
    g: dict[int, list[int]] = {}
    for p in srcs:
        g.setdefault(find(p), []).append(p)
    groups = sorted(g.values(), key=lambda x: min(x))
    if nonempty:
        groups = [x for x in groups if sum(size[p] for p in x) > 0]
    return groups


def _pick_parent(c: int, cands: list[int], views, meta, ctx, anc_n, edges: dict) -> tuple[int, str]:
    """The immediate source of copy c among ``cands`` (one source region of c), and why that one."""
    every = list(edges)   # all pages c copies (a compilation's other regions too)
    # a text found in its own language is copied from that page, not from a translation of it
    # (an edited English copy is also "similar" to the German translation of its English origin)
    same_lang = [p for p in cands if views[(c, p)].method != "translation"]
    if same_lang:
        cands = same_lang
    if len(cands) == 1:
        return cands[0], "the only page it copies"
    if not same_lang:
        return _pick_translated(c, cands, views, meta, ctx, anc_n, edges)
    best = max(views[(c, p)].cov_c for p in cands)
    # a few words more in common (a headline or a furniture line left in both copies' bodies) is a tie
    n = max(1, meta[c].words)
    tie = max(COV_TIE, min(0.1, TIE_WORDS / n))
    tied = [p for p in cands if views[(c, p)].cov_c >= best - tie]
    if len(tied) > 1:
        fewest = min(len(views[(c, p)].subs) for p in tied)
        tied = [p for p in tied if len(views[(c, p)].subs) == fewest]
    if len(tied) == 1:
        return tied[0], "shares the most text with it"

    def decisive(p: int) -> bool:
        """c came after p by evidence, not by a tie-break (two copies of one text need not be in series)."""
        return not any(x["kind"] in ("tiebreak", "order") for x in edges[p].evidence)
    items = ctx["items"][c]
    lk = ctx["lkeys"][c]

    def credited(p: int) -> str | None:
        if any(it.get("key") and it["key"] in meta[p].keys for it in items):
            return "credits this page by link"
        if any(k in lk for k in meta[p].keys):
            return "links to this page"
        # a site name is ambiguous when c copies two pages of that site (a compilation's other section)
        if sum(any(meta[q].site in it["sites"] for it in items) for q in every) == 1 and \
                any(meta[p].site in it["sites"] for it in items):
            return "credits this site by name"
        return None
    # 1. a link tagged by one of their sites carried along, or a credit to one of them that is itself a
    # copy: the copier says (or shows) where it took the text
    ref = ctx["referrals"][c]
    tagged = [p for p in tied if meta[p].site in ref]
    if len(tagged) == 1:
        return tagged[0], f"carries a link tagged by {meta[tagged[0]].site}"
    for p in tied:
        why = credited(p) if anc_n[p] > 0 else None
        if why:
            return p, why
    # 2. changes an intermediate page made (its byline, its choice of images, its headline) carried on by
    # the copy: it copied that edition (crediting the origin, as the intermediate page may, does not
    # contradict this)
    shared = {p: _shared_changes(meta[c], meta[p], [meta[q] for q in tied if q != p]) if anc_n[p] == 0 or decisive(p)
              else [] for p in tied}
    top = [p for p in tied if shared[p]]
    if len(top) == 1:
        return top[0], "carries this page's own " + " and ".join(shared[top[0]]) + ", unlike the other pages it matches"
    # ... or a cut it made inside the text: the copy runs on where the other pages have text between (a
    # shared gap in the middle is a mark; a shared ending is not, every excerpt has one)
    cuts = {p: _cuts(views[(c, p)]) for p in tied}
    least = min(cuts.values())
    fewest = [p for p in tied if cuts[p] == least]
    if len(fewest) == 1 and max(cuts.values()) > least and (anc_n[fewest[0]] == 0 or decisive(fewest[0])):
        return fewest[0], "runs on where the other pages it matches have text between: it carries this page's cut"
    # 3. the copy reproduces one candidate whole that is itself only an excerpt of another: it took the
    # excerpt (two pages choosing the very same paragraphs of a longer text independently is the rarer
    # event).  This outranks a credit to the longer page, which a copier of the excerpt keeps or writes
    # for the original source; but a copy that itself says its text goes on elsewhere ("Read more at
    # ...", "Continue reading at ...") presents itself as the maker of an excerpt of the page it credits,
    # so for it the credit comes first.
    def whole_excerpt(ps: list[int]) -> list[int]:
        whole = [p for p in ps if views[(c, p)].cov_p >= WHOLE and views[(c, p)].cov_c >= WHOLE
                 and (anc_n[p] == 0 or decisive(p))]
        if whole and len(whole) < len(ps) and any(views[(c, p)].cov_p < EXCERPT for p in ps):
            return whole
        return ps
    excerpt_maker = any(cr.get("form") == "read-more" for cr in meta[c].credits)
    if not excerpt_maker:
        tied = whole_excerpt(tied)
        if len(tied) == 1:
            return tied[0], "reproduces this page whole, which is itself an excerpt"
    # 4. explicit credit to one of them
    for p in tied:
        why = credited(p)
        if why:
            return p, why
    # 5. an image or video hotlinked from one candidate's own site that no other candidate shows
    hot = {p: set(h) for p in tied if (h := _hotlinks(meta[c], meta[p]))}
    if len(hot) == 1:
        (p, urls), = hot.items()
        if not any(urls & set(meta[q].media) for q in tied if q != p):
            return p, "shows media served from this site"
    # 6. (see 3) for a copy that says it is an excerpt
    if excerpt_maker:
        tied = whole_excerpt(tied)
        if len(tied) == 1:
            return tied[0], "reproduces this page whole, which is itself an excerpt"
    # 7. otherwise the one closest to the origin
    return min(tied, key=lambda p: (anc_n[p], meta[p].when is None, meta[p].when or 0, p)), \
        "the same text is on several pages: the one closest to the origin"


def _pick_translated(c: int, cands: list[int], views, meta, ctx, anc_n, edges: dict) -> tuple[int, str]:
    """The parent of a translation: a page in the language it was translated from, normally the story's
    origin.  Coverage between languages is noise (a half translation is "contained" in a full sibling), so a
    sibling translation is the parent only when the page says so: a credit or link to it, or that sibling's
    own headline, byline or media carried along."""
    items, lk = ctx["items"][c], ctx["lkeys"][c]
    for p in cands:
        if any(it.get("key") and it["key"] in meta[p].keys for it in items):
            return p, "credits this page by link"
        if any(k in lk for k in meta[p].keys):
            return p, "links to this page"
    named = [p for p in cands if any(meta[p].site in it["sites"] for it in items)]
    if len(named) == 1:
        return named[0], "credits this site by name"
    marks = {p: _shared_changes(meta[c], meta[p], [meta[q] for q in cands if q != p]) for p in cands}
    top = [p for p in cands if marks[p] and not any(x["kind"] in ("tiebreak", "order") for x in edges[p].evidence)]
    if len(top) == 1:
        return top[0], "carries this translation's own " + " and ".join(marks[top[0]]) + ", unlike the other pages it matches"
    p = min(cands, key=lambda p: (anc_n[p], meta[p].when is None, meta[p].when or 0, -views[(c, p)].cov_c, p))
    return p, "a translation: the page closest to the story's origin among those it matches"


def _cuts(v: View) -> int:
    """Places where copy c's text runs on (consecutive aligned spans) while page p has text between them
    (more than a few words) or goes elsewhere: gaps in p that c does not show."""
    ws = sorted(v.wspans)
    n = 0
    for (c0, c1, p0, p1), (d0, d1, q0, q1) in zip(ws, ws[1:]):
        if d0 - c1 <= CUT_RUN_ON and not (0 <= q0 - p1 <= CUT_RUN_ON):
            n += 1
    return n


def _shared_changes(c: Meta, p: Meta, others: list[Meta]) -> list[str]:
    """Marks page p's own edition left that page c carries too and none of the other candidates has: a
    byline or headline of p's, media p added.  (Dropping things is what every copier does, so a shared
    omission is no mark.)"""
    out = []
    for name, attr, f in (("byline", "byline", norm_byline),
                          ("headline", "title", lambda t: " ".join((t or "").lower().split()))):
        v = f(getattr(c, attr))
        if v and v == f(getattr(p, attr)) and all(f(getattr(o, attr)) != v for o in others):
            out.append(name)
    added = set(c.media) & set(p.media)
    for o in others:
        added -= set(o.media)
    if added:
        out.append("media")
    return out


def _hotlinks(m: Meta, other: Meta) -> list[str]:
    """Media of page m served from the other page's own site (a copy showing its source's image)."""
    if other.site == m.site:
        return []
    return [u for u in m.media if _site(u) == other.site]


def _kind(v: View) -> str:
    if v.cov_c >= 0.97 and v.cov_p >= 0.97 and not v.subs and v.monotonic:
        return "full"
    if v.cov_c >= 0.9 and not v.subs and v.monotonic and v.whole_p >= 0.8:
        return "partial" if v.cov_p < 0.97 else "full"
    if v.cov_p < 0.6 and v.cov_c >= 0.9 and v.monotonic:
        return "partial"
    return "edited"


def _credit(c: Meta, story: list[Meta], items: list[dict], lkeys: dict, not_wrong: set) -> tuple[Credited, Credit | None]:
    """name | link | name+link | none | wrong, and what was credited."""
    story_keys = set().union(*(m.keys for m in story)) if story else set()
    story_sites = {m.site for m in story}
    has_name = has_link = False
    found = None
    for it in items:
        link_ok = bool(it.get("key")) and (it["key"] in story_keys or (it["form"] != "canonical" and _site(it["url"]) in story_sites))
        name_ok = bool(it.get("name")) and bool(it["sites"] & story_sites) and it["form"] != "canonical"
        if link_ok or name_ok:
            has_link |= link_ok
            has_name |= name_ok
            if found is None:
                found = {"name": it.get("name"), "url": it.get("url"), "form": it.get("form")}
    for k, l in lkeys.items():
        if k in story_keys and not has_link:
            has_link = True
            if found is None:
                found = {"name": None, "url": l["href"], "form": "link"}
            from .evidence import norm_name
            if l.get("text") and any(norm_name(m.site.split(".")[0]) in norm_name(l["text"]) or
                                     (len(norm_name(l["text"])) >= 6 and norm_name(l["text"]) in
                                      norm_name(m.title or "") + "|" + norm_name(m.site)) for m in story):
                has_name = True
    if has_name and has_link:
        return Credited.NAME_LINK, _credit_of(found)
    if has_link:
        return Credited.LINK, _credit_of(found)
    if has_name:
        return Credited.NAME, _credit_of(found)
    others = [it for it in items if it["sites"] and not (it["sites"] & (story_sites | not_wrong)) and it["sites"] != {c.site}]
    if others:
        return Credited.WRONG, _credit_of(others[0])
    return Credited.NONE, None


def _credit_of(it: dict | None) -> Credit | None:
    return Credit(it.get("name"), it.get("url"), CreditForm(it.get("form"))) if it else None


def _changes(c: Meta, p: Meta, v: View) -> dict:
    ch: dict[str, Any] = {}
    tc, tp = (c.title or "").strip(), (p.title or "").strip()
    if tc and tp and " ".join(tc.lower().split()) != " ".join(tp.lower().split()):
        ch["headline"] = {"from": tp, "to": tc}
    ch["added"] = v.uncovered_c
    ch["removed"] = v.uncovered_p
    ch["substitutions"] = [{"from": x, "to": y} for x, y in v.subs]
    return ch
