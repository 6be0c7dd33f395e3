"""Claims on the web pages: the article page's highlighted source / cue / content, and a story's claims with
their spread (pages carrying each, first seen, dropped, changed source or cue, added by a copy).

Reads through store/claims.py; builds plain dicts and text segments that the templates print escaped
(Jinja2 autoescape: page text is never markup).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from ..store import claims as store_claims
from ..store import web as store_web

_RANK = {"cue": 3, "source": 2, "content": 1}


def article_claims(conn, page_id: str, body: str) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """(the page's claims, the body's paragraphs as [{text, cls}] segments with claim roles marked)."""
    claims = store_claims.article_claims(conn, page_id)
    cls = [""] * len(body)
    rank = [0] * len(body)
    for c in claims:
        if c["part"] != "body" or c["kind"] == "assertion":
            continue
        for role in ("content", "source", "cue"):
            sp = c[role]
            if not sp:
                continue
            for i in range(max(0, sp["start"]), min(len(body), sp["end"])):
                if _RANK[role] >= rank[i]:
                    cls[i], rank[i] = role, _RANK[role]
    paras = []
    for m in re.finditer(r"[^\n]+", body):
        segs: list[dict[str, Any]] = []
        for i in range(m.start(), m.end()):
            if segs and segs[-1]["cls"] == cls[i]:
                segs[-1]["text"] += body[i]
            else:
                segs.append({"text": body[i], "cls": cls[i]})
        if any(s["text"].strip() for s in segs):
            paras.append(segs)
    return claims, paras


def _label(c: dict[str, Any]) -> tuple[str, str]:
    return ((c.get("source_name") or (c["source"] or {}).get("text") or "").strip(),
            ((c["cue"] or {}).get("text") or "").strip().lower())


def story_spread(conn, story_id: str, page_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per claim of the story: its text on the first page carrying it, the pages carrying it, who
    dropped it (a copy whose parent carries it, itself without it), who changed its source or cue, and
    whether a copy added it (not on the story's origin). ``page_ids``, the story's members when the caller
    has them: a story none of whose pages has a claim is answered without reading its pages."""
    if page_ids is not None and not store_web.pages_with_claims(conn, page_ids):
        return []
    pages = store_claims.story_pages(conn, story_id)
    if not pages:
        return []
    info = {p["page_id"]: dict(p) for p in pages}
    origin = next((p["page_id"] for p in pages if p["role"] == "origin"), pages[0]["page_id"])
    by_key: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    # only the pages that have claims are read (each read takes the page's body): one probe for all of them
    for c in store_claims.story_claim_rows(conn, store_web.pages_with_claims(conn, list(info))):
        by_key[c["claim_key"]].append((info[c["page_id"]], c))
    out = []
    for key, items in by_key.items():
        items.sort(key=lambda pc: (pc[0]["published"] or "9999", pc[0]["url"] or ""))
        first_page, first = items[0]
        carriers = {p["page_id"] for p, _ in items}
        base = _label(first)
        changed = [{"url": p["url"], "site": p["site"], "page_id": p["page_id"], "source": _label(c)[0],
                    "cue": _label(c)[1]} for p, c in items[1:] if _label(c) != base]
        dropped = [{"url": p["url"], "site": p["site"], "page_id": pid} for pid, p in info.items()
                   if pid not in carriers and p["parent_id"] in carriers and p["language"] == first_page["language"]]
        out.append({
            "claim_key": key, "kind": first["kind"], "source": first["source"], "cue": first["cue"],
            "content": first["content"], "source_name": first["source_name"], "source_type": first["source_type"],
            "chain": first["chain"], "first_seen": {"url": first_page["url"], "site": first_page["site"],
                                                    "page_id": first_page["page_id"],
                                                    "published": first_page["published"]},
            "pages": [{"url": p["url"], "site": p["site"], "page_id": p["page_id"], "origin": c["origin"],
                       "published": p["published"]} for p, c in items],
            "dropped_by": dropped, "changed_by": changed,
            "added_by_copy": origin not in carriers and first_page["page_id"] != origin,
        })
    out.sort(key=lambda r: (-len(r["pages"]), r["claim_key"]))
    return out
