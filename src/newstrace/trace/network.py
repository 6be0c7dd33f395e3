"""Stories (per component) and the site network (copy flows, shared identifiers, shared items, operator
groups)."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from ..store import network, shared as shared_store
from ..store.records import Copy, Credited, EdgeKind, Role, SiteEdge, SiteGroup, Story, StoryMember
from .evidence import Meta, parse_when
from .graph import components

# identifier kinds that say "same operator": money, analytics/ad accounts, a private channel, a newsroom mailbox
STRONG_KINDS = {"paypal", "patreon", "analytics", "gtm", "adsense", "crypto", "telegram", "email",
                "buymeacoffee", "kofi"}
# everything else (social handles and share links, disqus, fonts, CDN, theme, jquery) is weak
GENERIC_EMAIL_DOMAINS = {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "protonmail.com", "proton.me",
                         "mail.ru", "yandex.ru", "gmx.de", "web.de", "icloud.com", "aol.com"}


def story_id(origin_page_id: str) -> str:
    return "st-" + hashlib.sha1(origin_page_id.encode()).hexdigest()[:12]


BACKDATED = timedelta(hours=1)   # a copy dated more than this before its origin claims an impossible date


def first_seen(origin: Meta, copies: list[tuple[str | None, datetime | None]]) -> str | None:
    """When a story was first seen: the earliest credible date among its origin and copies, as stored.

    ``copies`` holds (date as stored: published, else fetched; published as UTC datetime or None). The
    origin's date is credible. A copy dated more than an hour before its dated origin is a backdated copy (or a wrong date): the story page flags it and it is never the story's start,
    whether or not it credits its source (a credit to a page that, by its own date, did not exist yet is one
    more sign of backdating). A copy dated after the origin never moves the start. An undated origin (only its
    fetch time known) holds no copy back: it may well have been published before those copies."""
    o_str = origin.published or origin.fetched_at
    o_pub = origin.when if origin.published else None
    o_when = o_pub or _parsed(origin.fetched_at)
    best: tuple[datetime, str] | None = (o_when, o_str) if o_when and o_str else None
    for s, when in copies:
        when = when or _parsed(s)
        if not s or when is None:
            continue
        if o_pub is not None and when < o_pub - BACKDATED:
            continue   # backdated: flagged on the story page, never the story's start
        if best is None or when < best[0]:
            best = (when, s)
    if best is None:
        return o_str or min((s for s, _ in copies if s), default=None)
    return best[1]


def _parsed(s: str | None) -> datetime | None:
    return parse_when(s)[0]


def stories_of(copies: list[Copy], meta: dict[int, Meta]) -> list[Story]:
    """The stories of one component's copies (one per origin, members included); sets each copy's story_id."""
    by_pid = {m.page_id: m for m in meta.values()}
    by_origin: dict[str, list[Copy]] = defaultdict(list)
    for r in copies:
        by_origin[r.origin_id].append(r)
    stories = []
    for o, rs in sorted(by_origin.items(), key=lambda x: by_pid[x[0]].rid):
        mo = by_pid[o]
        sid = story_id(mo.page_id)
        seen = {o}
        mem = [StoryMember(sid, mo.page_id, Role.ORIGIN, None, None, mo.published, 0.0 if mo.when else None)]
        credited = 0
        langs = {mo.language or "und"}
        sites = {mo.site}
        times = [x for x in [mo.published or mo.fetched_at] if x]
        copy_dates: list[tuple[str | None, datetime | None]] = []
        for r in sorted(rs, key=lambda r: (by_pid[r.copy_id].when is None, by_pid[r.copy_id].when or 0,
                                           by_pid[r.copy_id].rid)):
            r.story_id = sid
            credited += Credited.counts(r.credited)
            if r.copy_id in seen:
                continue
            seen.add(r.copy_id)
            mc = by_pid[r.copy_id]
            lag = round((mc.when - mo.when).total_seconds() / 3600, 2) if mc.when and mo.when else None
            mem.append(StoryMember(sid, mc.page_id, Role.COPY, r.kind, r.source_id, mc.published, lag))
            langs.add(mc.language or "und")
            sites.add(mc.site)
            if mc.published or mc.fetched_at:
                times.append(mc.published or mc.fetched_at)
            copy_dates.append((mc.published or mc.fetched_at, mc.when))
        stories.append(Story(sid, mo.page_id, mo.title, len(mem), len(sites), sorted(langs),
                             first_seen(mo, copy_dates), max(times) if times else None,
                             round(credited / len(rs), 4) if rs else None, mem))
    return stories


def run(conn, full: bool = False) -> dict[str, int]:
    """Network phase: site_edges and site_groups from copies, identifiers and shared items.  A whole rebuild when
    asked, or when the store keeps no network state (first run; copies or shared items rebuilt); else an
    update of what changed since the last run (the copies rows and shared-item pairs noted as changed, the
    articles stored since), which gives the same rows as a rebuild."""
    m = network.mark(conn)
    with conn:
        if full or m is None:
            ngroups = _rebuild(conn)
        else:
            ngroups = _update(conn, m)
    n = network.edge_counts(conn)
    return {"copy_edges": n.get(EdgeKind.COPY.value, 0), "identifier_edges": n.get(EdgeKind.IDENTIFIER.value, 0),
            "shared_edges": n.get(EdgeKind.SHARED.value, 0), "operator_groups": ngroups,
            "foreign_identifiers_ignored": network.foreign_count(conn), "network_rebuilt": int(full or m is None)}


# -- one edge, one rule: the rebuild and the update call the same functions -------------------------------------
def _below(pages: int, site_pages: int) -> bool:
    """An identifier on fewer pages than this may be foreign to the site (carried in by copied text)."""
    return pages < max(2, 0.5 * site_pages)


def _copy_edge(a: str, b: str, rows: list, urls: dict[str, str]) -> SiteEdge:
    """Site ``a`` copies from site ``b``: rows (copy_id, source_id, kind, credited) by copy and source."""
    credited = sum(Credited.counts(r[3]) for r in rows)
    kinds: dict[str, int] = defaultdict(int)
    for r in rows:
        kinds[r[2]] += 1
    detail = {"copies": len(rows), "credited": credited, "credit_rate": round(credited / len(rows), 4),
              "kinds": dict(kinds), "examples": [{"copy_url": urls[c], "source_url": urls[s]} for c, s, _, _ in rows[:3]],
              "direction": f"{a} copies from {b}"}
    return SiteEdge(a, b, EdgeKind.COPY, len(rows), True, detail)


def _ident_edge(a: str, b: str, ids: list[tuple[str, str]]) -> SiteEdge:
    strong = [i for i in ids if i[0] in STRONG_KINDS]
    detail = {"strong": [{"kind": k, "value": v} for k, v in sorted(strong)],
              "weak": [{"kind": k, "value": v} for k, v in sorted(set(ids) - set(strong))]}
    return SiteEdge(a, b, EdgeKind.IDENTIFIER, len(ids), bool(strong), detail)


def _shared_edge(a: str, b: str, rows: list) -> SiteEdge:
    """Sites ``a`` < ``b`` whose pages share items: rows (site, site, item key, kind, url, url) by sites, item, urls."""
    items: dict[str, str] = {}
    examples: list[dict] = []
    for sa, sb, key, kind, ua, ub in rows:
        if key not in items and len(examples) < 3:
            examples.append({"item": key, "a_url": ua if sa < sb else ub, "b_url": ub if sa < sb else ua})
        items[key] = kind
    kinds: dict[str, int] = defaultdict(int)
    for kind in items.values():
        kinds[kind] += 1
    return SiteEdge(a, b, EdgeKind.SHARED, len(items), False,
                    {"items": len(items), "kinds": dict(kinds), "examples": examples})


def _groups(sites: list[str], strong_ev: dict[tuple[str, str], list]) -> tuple[list[SiteGroup], int]:
    """Operator groups: connected components over strong identifier edges only (every site has a row)."""
    strong_adj: dict[str, set[str]] = defaultdict(set)
    for a, b in strong_ev:
        strong_adj[a].add(b)
        strong_adj[b].add(a)
    groups: list[SiteGroup] = []
    ngroups = 0
    for comp in components(sorted(sites), lambda x: strong_adj.get(x, ())):
        gid = "op-" + hashlib.sha1("|".join(comp).encode()).hexdigest()[:10]
        ngroups += len(comp) > 1
        for x in comp:
            ev = [{"with": y, "shared": strong_ev.get(tuple(sorted((x, y))), [])} for y in sorted(strong_adj.get(x, ()))]
            groups.append(SiteGroup(x, gid, ev))
    return groups, ngroups


def _ident_pairs(holders: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """{(site, site): identifiers both own} over identifiers owned by 2 to 50 sites."""
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for ident, sites in holders.items():
        if len(sites) < 2 or len(sites) > 50:
            continue
        sites = sorted(sites)
        for i, a in enumerate(sites):
            for b in sites[i + 1:]:
                shared[(a, b)].append(ident)
    return shared


# -- the whole network -------------------------------------------------------------------------------------------
def _rebuild(conn) -> int:
    top = network.top_aid(conn)
    # copy flows (duplicates and copies within a site left out)
    flows: dict[tuple[str, str], list] = defaultdict(list)
    mirror = []
    for cid, sid, cs, ss, kind, credited in network.copy_flows(conn):
        if cs != ss:
            flows[(cs, ss)].append((cid, sid, kind, credited))
            mirror.append((cid, sid, cs, ss, kind, credited))
    urls = network.urls(conn, {x for rows in flows.values() for r in rows[:3] for x in r[:2]})
    edges = [_copy_edge(a, b, rows, urls) for (a, b), rows in sorted(flows.items())]
    # identifiers each site really owns: drop those only seen on pages that copy a page of a site carrying them
    site_pages = network.site_page_counts(conn, top)
    carriers: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for site, pid, kind, value in network.identifiers(conn, top):
        carriers[(kind, value)][site].add(pid)
    copied_from: dict[str, set[str]] = defaultdict(set)   # copy page -> sites of its source and origin
    for cid, ssite, osite in network.copy_sources(conn):
        copied_from[cid].add(ssite)
        if osite:
            copied_from[cid].add(osite)
    idents, failing, holders = [], [], defaultdict(list)
    for ident, by_site in carriers.items():
        for site, pids in by_site.items():
            below = _below(len(pids), site_pages[site])
            copied = None
            if below:
                others = set(by_site) - {site}
                fails = sorted(p for p in pids if not copied_from.get(p, set()) & others)
                copied = int(bool(others) and not fails)
                failing += [ident + (site, p) for p in fails]
            owned = not (below and copied)
            idents.append(ident + (site, len(pids), copied, int(owned)))
            if owned:
                holders[ident].append(site)
    ident_edges = [_ident_edge(a, b, ids) for (a, b), ids in sorted(_ident_pairs(holders).items())]
    edges += ident_edges
    # shared items: sites whose pages carry the same posts, quotes or captions (weak: never groups operators)
    by_pair: dict[tuple[str, str], list] = defaultdict(list)
    shared_mirror = []
    for a, b, key, kind, sa, sb, ua, ub in network.shared_rows(conn):
        if sa != sb:
            by_pair[(sa, sb) if sa < sb else (sb, sa)].append((sa, sb, key, kind, ua, ub))
            shared_mirror.append((a, b, key, sa, sb, kind))
    edges += [_shared_edge(a, b, rows) for (a, b), rows in sorted(by_pair.items())]
    groups, ngroups = _groups(list(site_pages), {(e.site_a, e.site_b): e.detail["strong"] for e in ident_edges
                                                 if e.strong})
    network.write(conn, edges, groups)
    network.write_state(conn, site_pages, idents, failing, mirror, shared_mirror, top)
    return ngroups


# -- what changed since the last run ----------------------------------------------------------------------------
def _update(conn, mark: int) -> int:
    top = network.top_aid(conn)
    grown = network.fold_sites(conn, mark, top)      # sites that gained articles: (pages before, now)
    site_pages = network.site_pages(conn)
    keys = network.dirty_copies(conn)
    # copy flows: the site pairs of the copies rows written or deleted since
    pairs = network.refresh_copies(conn, keys)
    flows = {p: network.flow_rows(conn, *p) for p in sorted(pairs)}
    urls = network.urls(conn, {x for rows in flows.values() for r in rows[:3] for x in r[:2]})
    network.drop_edges(conn, EdgeKind.COPY.value, pairs)
    network.put_edges(conn, [_copy_edge(a, b, rows, urls) for (a, b), rows in flows.items() if rows])
    # identifiers
    pairs = _update_identifiers(conn, mark, top, grown, site_pages, {k[0] for k in keys})
    owned: dict[str, set] = {}
    count: dict[tuple[str, str], int] = {}
    edges = []
    for a, b in sorted(pairs):
        for s in (a, b):
            if s not in owned:
                owned[s] = set(network.owned_idents(conn, s))
        ids = []
        for i in owned[a] & owned[b]:
            if i not in count:
                count[i] = network.holders(conn, *i)
            if 2 <= count[i] <= 50:
                ids.append(i)
        if ids:
            edges.append(_ident_edge(a, b, ids))
    network.drop_edges(conn, EdgeKind.IDENTIFIER.value, pairs)
    network.put_edges(conn, edges)
    # shared items: the site pairs of the article pairs aligned again or dropped
    pairs = network.refresh_shared(conn, network.dirty_shared(conn))
    network.drop_edges(conn, EdgeKind.SHARED.value, pairs)
    network.put_edges(conn, [_shared_edge(a, b, rows) for a, b in sorted(pairs)
                             for rows in [network.shared_pair_rows(conn, a, b)] if rows])
    # operator groups over every site (sites x strong edges: small)
    strong = {(a, b): json.loads(d)["strong"] for a, b, d in network.strong_edges(conn)}
    groups, ngroups = _groups(list(site_pages), strong)
    network.replace_groups(conn, groups)
    network.set_mark(conn, top)
    return ngroups


def _update_identifiers(conn, mark: int, top: int, grown: dict[str, tuple[int, int]], site_pages: dict[str, int],
                        copy_pages: set[str]) -> set[tuple[str, str]]:
    """Update network_idents for the articles stored since ``mark`` and the copies of ``copy_pages`` changed;
    the site pairs whose identifier edge may have changed.

    A site does not own an identifier (it is foreign) when it is on few of the site's pages (``_below``) and every
    one of them copies a page of another carrier site (``copied``).  ``copied`` is kept where it matters (below
    the threshold), with the pages that fail it listed (network_ident_failing: a superset of the failing pages;
    while ``copied`` is 0 it holds at least one page that really fails).  New pages and pages whose copies
    changed are checked on their own and listed or unlisted; the listed pages are checked again only when one of
    them may pass now (a new carrier site, or a listed page that passes now), in order, until one still fails
    (more other carrier sites never make a passing page fail).  All the site's pages are read only when the flag
    was not kept (the row has just fallen below the threshold)."""
    rows: dict[tuple[str, str], dict[str, list]] = {}      # identifier -> {site: [pages, copied, owned]}
    before: dict[tuple[str, str], set[str]] = {}           # identifier -> the sites owning it before

    def rows_of(ident):
        if ident not in rows:
            rows[ident] = network.ident_rows(conn, *ident)
            before[ident] = {s for s, r in rows[ident].items() if r[2]}
        return rows[ident]

    new_pages: dict[tuple, set[str]] = defaultdict(set)    # (identifier, site) -> its pages stored since
    changed_pages: dict[tuple, set[str]] = defaultdict(set)   # ... -> its pages whose copies changed
    every: set = set()     # (identifier, site) whose other carrier sites changed (only ever more of them)
    created: set = set()   # (identifier, site) new this run: all its pages are new pages
    for site, kind, value, pid in network.new_identifiers(conn, mark, top):
        new_pages[((kind, value), site)].add(pid)
    for (ident, site), pids in new_pages.items():
        rs = rows_of(ident)
        if site in rs:
            rs[site][0] += len(pids)
        else:            # a new carrier site: every other carrier's "other sites" changed
            every.update((ident, s) for s in rs)
            rs[site] = [len(pids), None, 0]
            created.add((ident, site))
    for site, kind, value, pid in network.page_identifiers(conn, copy_pages, top):   # their copies changed
        if site in rows_of((kind, value)):
            changed_pages[((kind, value), site)].add(pid)
    check = set(new_pages) | set(changed_pages) | every    # (identifier, site) whose owned flag may change
    for site, (p0, p1) in grown.items():          # a site's threshold rose: identifiers that crossed it
        lo, hi = max(2, 0.5 * p0), max(2, 0.5 * p1)
        if hi > lo:
            for kind, value in network.idents_crossing(conn, site, lo, hi):
                rows_of((kind, value))
                check.add(((kind, value), site))
    changed: dict[tuple[str, str], set[str]] = defaultdict(set)
    put, listed, unlisted = [], [], []
    for ident, site in sorted(check):
        rs = rows_of(ident)
        pages, copied, owned = rs[site]
        key = (ident, site)
        if not _below(pages, site_pages[site]):
            if copied == 0:
                network.drop_failing_of(conn, ident[0], ident[1], site)
            copied = None
        else:
            others = set(rs) - {site}
            if key in created or copied is None:     # all its pages are this run's, or the flag was not kept
                pids = (new_pages[key] if key in created
                        else network.ident_pages(conn, ident[0], ident[1], site, top))
                fails = sorted(p for p, ok in _copied(conn, pids, others).items() if not ok)
                listed += [ident + (site, p) for p in fails]
                copied = int(bool(others) and not fails)
            else:
                pids = new_pages.get(key, set()) | changed_pages.get(key, set())
                ok = _copied(conn, pids, others)
                fails = {p for p, v in ok.items() if not v}
                passes = {p for p, v in ok.items() if v}
                listed += [ident + (site, p) for p in sorted(fails)]
                if copied == 0:
                    # a changed page that passes now is unlisted (a no-op if it was not listed): then, or with a
                    # new carrier site, a listed page may pass now: the list is read in order, a chunk at a time,
                    # until one still fails (never the whole list for a row whose new pages merely pass or fail)
                    gone = passes & changed_pages.get(key, set())
                    unlisted += [ident + (site, p) for p in sorted(gone)]
                    if not fails and (key in every or gone):
                        copied = 1
                        for p in network.iter_failing(conn, ident[0], ident[1], site):
                            if p in passes:
                                continue
                            if _copied(conn, [p], others)[p]:
                                unlisted.append(ident + (site, p))
                            else:
                                copied = 0
                                break
                elif fails:
                    copied = 0
                copied = int(bool(others) and copied)
        now = int(not (copied and _below(pages, site_pages[site])))
        rs[site] = [pages, copied, now]
        put.append(ident + (site, pages, copied, now))
        if now != (site in before[ident]):
            changed[ident].add(site)
    network.put_idents(conn, put)
    network.drop_failing(conn, unlisted)
    network.put_failing(conn, listed)
    pairs: set[tuple[str, str]] = set()
    for ident, flipped in changed.items():
        old, new = before[ident], {s for s, r in rows[ident].items() if r[2]}
        ok_old, ok_new = 2 <= len(old) <= 50, 2 <= len(new) <= 50
        if ok_old and ok_new:         # the same edges but those of the sites that came or went
            pairs.update(tuple(sorted((s, t))) for s in flipped for t in old | new if t != s)
        else:
            for hs, ok in ((old, ok_old), (new, ok_new)):
                if ok:
                    hs = sorted(hs)
                    pairs.update((a, b) for i, a in enumerate(hs) for b in hs[i + 1:])
    return pairs


def _copied(conn, pids: set[str] | list[str], others: set[str]) -> dict[str, bool]:
    """{page: does it copy a page of one of the ``others`` sites (its source's or origin's site)?}"""
    cf = network.copied_from(conn, pids)
    return {p: bool(cf.get(p, set()) & others) for p in pids}
