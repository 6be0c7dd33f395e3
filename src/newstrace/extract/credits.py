"""Credit statements -> structured credits ``{name, url, form, text}``, taken out of the body.

A credit is a short line such as "The original source of this article is X", "Originally
published at X", "This article first appeared on X", "Republished from X", "Source: X",
"(via X)", "h/t X", "Continue reading at X", a copyright line, or head markup
(``original-source``/``syndication-source`` meta, a canonical URL on another site). A link on
the credited words is kept as the credit's URL.
"""
from __future__ import annotations

import re
from typing import Any

from .urls import site_of

NAME = r"(?P<name>[^\n]{2,120}?)"
END = r"\s*[.!]?\s*$"
# (form, pattern) - tried in order on one block; every pattern must match the whole block
PATTERNS: list[tuple[str, re.Pattern]] = [(f, re.compile(p, re.I)) for f, p in [
    ("original-source", r"^the original source of this article is " + NAME + r"(?:\s*[.]\s*(?P<rest>copyright.*))?" + END),
    ("originally-published", r"^(?:this (?:article|story|piece|post) (?:was )?)?originally (?:published|posted|appeared) (?:at|on|in|by) " + NAME + END),
    ("originally-published", r"^(?:this (?:article|story|piece|post) (?:was )?)?(?:originally |first )?(?:published|posted) (?:here|there)" + END),
    ("first-appeared", r"^(?:this (?:article|story|piece|post) )?(?:was )?first (?:appeared|published|posted) (?:at|on|in|by) " + NAME + END),
    ("republished", r"^(?:re-?published|reprinted|republished with permission|reposted|cross-?posted) (?:with permission )?(?:from|by) " + NAME + END),
    ("source", r"^(?:source|sources|quelle|fuente|источник)\s*[:\-–]\s*" + NAME + END),
    ("source", r"^source$"),
    ("via", r"^\(?\s*via\s+" + NAME + r"\s*\)?" + END),
    ("h/t", r"^\(?\s*(?:h/t|ht|hat tip)\s*[:\-]?\s*(?:to\s+)?" + NAME + r"\s*\)?" + END),
    ("read-more", r"^(?:continue reading|read (?:the )?(?:full|rest of the|whole) (?:article|story)|read more) (?:at|on) " + NAME + END),
    ("read-more", r"^read (?:the )?original (?:article|story|post)" + END),
    ("read-more", r"^(?:read more|continue reading|read the full (?:article|story))\s*(?:…|\.\.\.|»|>>|→)?\s*$"),
    ("copyright", r"^(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}\s*,?\s*)?" + NAME + r"(?:,?\s*\d{4})?" + END),
]]
GENERIC_NAMES = {"here", "this link", "the original", "link"}


def _links_in(block: str, outlinks: list[dict[str, Any]], used: set[int]) -> list[tuple[int, dict]]:
    hits = []
    for i, l in enumerate(outlinks):
        t = l.get("text") or ""
        if i in used or not t or len(t) > len(block) + 5:
            continue
        if t in block:
            hits.append((i, l))
    return hits


def split_credits(blocks: list[str], outlinks: list[dict[str, Any]], head: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Return (blocks without credit lines, credits). Only short blocks can be credit lines."""
    kept, credits, used = [], [], set()
    n = len(blocks)
    for idx, b in enumerate(blocks):
        if len(b) > 300:
            kept.append(b)
            continue
        cr = parse_credit(b)
        if cr is None:
            kept.append(b)
            continue
        # the link on the credited words (or on "here", "Source", "Read more", ...)
        hits = _links_in(b, outlinks, used)
        if hits:
            named = [h for h in hits if cr.get("name") and h[1]["text"] in cr["name"]]
            i, link = (named or hits)[0]
            used.add(i)
            cr["url"] = link["href"]
        cr["position"] = "top" if idx < 2 else ("bottom" if idx >= n - 3 else "inline")
        if cr["form"] == "read-more" and not cr.get("name") and not cr.get("url"):
            continue  # a bare "Read more…": not body, not a credit
        credits.append(cr)
    for key, form in (("original-source", "meta-original-source"), ("syndication-source", "meta-syndication-source")):
        if head.get(key):
            credits.append({"name": None, "url": head[key], "form": form, "text": None, "position": "head"})
    return kept, credits


def parse_credit(block: str) -> dict[str, Any] | None:
    b = " ".join(block.split())
    for form, pat in PATTERNS:
        m = pat.match(b)
        if not m:
            continue
        name = (m.groupdict().get("name") or "").strip(" .,:;()\"'“”") or None
        if name and name.lower() in GENERIC_NAMES:
            name = None
        if name and form == "copyright":
            # "© 2021 Jane Doe, Some Site" -> the last comma part is the outlet
            name = name.split(",")[-1].strip() or name
        if name and (len(name.split()) > 10 or name.endswith("?")):
            return None  # a sentence, not a name
        return {"name": name, "url": None, "form": form, "text": b}
    return None


def canonical_credit(page_url: str, canonical: str | None) -> dict[str, Any] | None:
    """A canonical URL on another site is a machine-readable credit."""
    if canonical and canonical.startswith("http") and site_of(canonical) != site_of(page_url):
        return {"name": None, "url": canonical, "form": "canonical", "text": None, "position": "head"}
    return None
