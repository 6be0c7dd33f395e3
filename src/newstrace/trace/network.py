"""Stories (per component) and the site network (copy flows, shared identifiers, shared items, operator
groups)."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from ..store import network, shared as shared_store
from ..store.records import Copy, Credited, EdgeKind, Role, SiteEdge, SiteGroup, Story, StoryMember
from .evidence import Meta
from .graph import components

# identifier kinds that say "same operator": money, analytics/ad accounts, a private channel, a newsroom mailbox
STRONG_KINDS = {"paypal", "patreon", "analytics", "gtm", "adsense", "crypto", "telegram", "email",
                "buymeacoffee", "kofi"}
# everything else (social handles and share links, disqus, fonts, CDN, theme, jquery) is weak
GENERIC_EMAIL_DOMAINS = {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "protonmail.com", "proton.me",
                         "mail.ru", "yandex.ru", "gmx.de", "web.de", "icloud.com", "aol.com"}


def story_id(origin_page_id: str) -> str:
    return "st-" + hashlib.sha1(origin_page_id.encode()).hexdigest()[:12]


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
        stories.append(Story(sid, mo.page_id, mo.title, len(mem), len(sites), sorted(langs),
                             min(times) if times else None, max(times) if times else None,
                             round(credited / len(rs), 4) if rs else None, mem))
    return stories


def run(conn) -> dict[str, int]:
    """Network phase: recompute site_edges and site_groups from copies and identifiers."""
    # copy flows
    flows: dict[tuple[str, str], dict[str, Any]] = {}
    for cs, ss, kind, credited, cu, su in network.copy_flows(conn):
        if cs == ss:
            continue
        f = flows.setdefault((cs, ss), {"copies": 0, "credited": 0, "kinds": defaultdict(int), "examples": []})
        f["copies"] += 1
        f["credited"] += Credited.counts(credited)
        f["kinds"][kind] += 1
        if len(f["examples"]) < 3:
            f["examples"].append({"copy_url": cu, "source_url": su})
    # identifiers each site really owns: drop those only seen on pages that copy a page of a site carrying them
    site_pages = network.site_page_counts(conn)
    carriers: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for site, pid, kind, value in network.identifiers(conn):
        carriers[(kind, value)][site].add(pid)
    copied_from: dict[str, set[str]] = defaultdict(set)   # copy page -> sites of its source and origin
    for cid, ssite, osite in network.copy_sources(conn):
        copied_from[cid].add(ssite)
        if osite:
            copied_from[cid].add(osite)
    owned: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    foreign = 0
    for ident, by_site in carriers.items():
        kind, value = ident
        if kind == "email" and value.split("@")[-1].lower() in GENERIC_EMAIL_DOMAINS:
            pass
        for site, pids in by_site.items():
            others = set(by_site) - {site}
            suspect = others and all(copied_from.get(p, set()) & others for p in pids) and \
                len(pids) < max(2, 0.5 * site_pages.get(site, 1))
            if suspect:
                foreign += 1
                continue
            owned[site][ident] = len(pids)
    # identifier edges between sites
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for site, ids in owned.items():
        for ident in ids:
            holders[ident].append(site)
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for ident, sites in holders.items():
        if len(sites) < 2 or len(sites) > 50:
            continue
        sites = sorted(sites)
        for i, a in enumerate(sites):
            for b in sites[i + 1:]:
                shared[(a, b)].append(ident)
    edges: list[SiteEdge] = []
    for (a, b), f in sorted(flows.items()):
        detail = {"copies": f["copies"], "credited": f["credited"],
                  "credit_rate": round(f["credited"] / f["copies"], 4), "kinds": dict(f["kinds"]),
                  "examples": f["examples"], "direction": f"{a} copies from {b}"}
        edges.append(SiteEdge(a, b, EdgeKind.COPY, f["copies"], True, detail))
    strong_adj: dict[str, set[str]] = defaultdict(set)
    strong_ev: dict[tuple[str, str], list] = {}
    for (a, b), ids in sorted(shared.items()):
        strong = [i for i in ids if i[0] in STRONG_KINDS]
        detail = {"strong": [{"kind": k, "value": v} for k, v in sorted(strong)],
                  "weak": [{"kind": k, "value": v} for k, v in sorted(set(ids) - set(strong))]}
        edges.append(SiteEdge(a, b, EdgeKind.IDENTIFIER, len(ids), bool(strong), detail))
        if strong:
            strong_adj[a].add(b)
            strong_adj[b].add(a)
            strong_ev[(a, b)] = detail["strong"]
    # shared items: sites whose pages carry the same posts, quotes or captions (weak: never groups operators)
    items_of: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    examples: dict[tuple[str, str], list] = defaultdict(list)
    for sa, sb, key, kind, ua, ub in shared_store.site_pairs(conn):
        if sa == sb:
            continue
        k = (sa, sb) if sa < sb else (sb, sa)
        if key not in items_of[k] and len(examples[k]) < 3:
            examples[k].append({"item": key, "a_url": ua if sa < sb else ub, "b_url": ub if sa < sb else ua})
        items_of[k][key] = kind
    for (a, b), its in sorted(items_of.items()):
        kinds: dict[str, int] = defaultdict(int)
        for kind in its.values():
            kinds[kind] += 1
        edges.append(SiteEdge(a, b, EdgeKind.SHARED, len(its), False,
                              {"items": len(its), "kinds": dict(kinds), "examples": examples[(a, b)]}))
    # operator groups: connected components over strong identifier edges only
    groups: list[SiteGroup] = []
    ngroups = 0
    for comp in components(sorted(site_pages), lambda x: strong_adj.get(x, ())):
        gid = "op-" + hashlib.sha1("|".join(comp).encode()).hexdigest()[:10]
        ngroups += len(comp) > 1
        for x in comp:
            ev = [{"with": y, "shared": strong_ev.get(tuple(sorted((x, y))), [])} for y in sorted(strong_adj.get(x, ()))]
            groups.append(SiteGroup(x, gid, ev))
    with conn:
        network.write(conn, edges, groups)
    return {"copy_edges": len(flows), "identifier_edges": len(shared), "shared_edges": len(items_of),
            "operator_groups": ngroups,
            "foreign_identifiers_ignored": foreign}
