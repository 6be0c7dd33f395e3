"""The publisher: the name of the site a page is on, kept apart from its byline and its original source.

In order: a given publisher (JSONL), ``og:site_name``, JSON-LD ``publisher``, ``application-name``; the part
of the ``<title>`` or a footer "© Name" that spells the site's domain; then the statements a site makes
about itself in its furniture ("All X articles can be read in 51 languages", "Become a Member of X",
"Comment on X articles on our Facebook page", "X grants permission to cross-post", "do not necessarily
reflect the views of X", "All content © X"); trafilatura's site name when it is a real name; and as the
last resort the host name, marked ``host``. :func:`publisher` returns the name and where it came from.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

from . import credits as credits_mod

_W = r"[A-Z0-9][\w&'’.\-]*"
_NAME = rf"(?P<n>{_W}(?:\s+(?:{_W}|of|the|for|and|on|de|du|des|la|le|el|del|di|der|die|das|&)){{0,6}}?)"
# (pattern, needs the name to start with a capital) — the statement words match in any case
SELF_STATEMENTS = [re.compile(p) for p in (
    rf"(?i:\ball\s+){_NAME}(?i:\s+articles\s+(?:can|may)\s+be\s+read\s+in\s+\d+\s+languages)",
    rf"(?i:\bbecome\s+a\s+member\s+of\s+){_NAME}(?=\s*[!.:,]|\s*$)",
    rf"(?i:\bcomment\s+on\s+){_NAME}(?i:\s+articles\s+on\s+our\s+facebook)",
    rf"(?:^|(?<=[.!?]\s)){_NAME}(?i:\s+grants\s+permission\s+to\s+(?:cross-?post|republish|repost))",
    rf"(?i:\bnot\s+necessarily\s+reflect\s+(?:the\s+)?(?:views?|opinions?|positions?)\s+of\s+){_NAME}(?=\s*[.!,]|\s*$)",
    rf"(?:^|(?<=[.!?]\s)){_NAME}(?i:\s+will\s+not\s+be\s+(?:held\s+)?responsible\s+for\s+any\s+inaccurate)",
    rf"^{_NAME}(?i:\s+is\s+an\s+independent\s+(?:news|media|non-?profit|research|online))",
    rf"(?i:\ball\s+content\s+(?:©|copyright)\s*(?:\d{{4}}\s*)?){_NAME}(?=\s*(?i:unless|[.,]|all\s+rights|$))",
    rf"(?i:^(?:copyright\s*)?©\s*(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*,?\s*)?){_NAME}(?=\s*(?i:[.,|]|all\s+rights|$))",
)]
STATEMENT_CUES = ("articles can be read", "become a member", "articles on our facebook", "grants permission",
                  "necessarily reflect", "will not be", "is an independent", "©", "copyright")
GENERIC = {"the author", "the authors", "the author(s)", "this site", "this website", "our site", "us", "we"}


def _slug(name: str) -> str:
    return credits_mod._slug(name)


def statement_names(lines: Iterable[str]) -> list[str]:
    """Names the page's own furniture gives the site, in order (one per statement)."""
    out = []
    for line in lines:
        if len(line) > 1500:
            continue
        low = line.lower()
        if not any(c in low for c in STATEMENT_CUES):
            continue
        for pat in SELF_STATEMENTS:
            for m in pat.finditer(line):
                n = m.group("n").strip(" .,:;")
                if n and n.lower() not in GENERIC and len(n) <= 60:
                    out.append(n)
    return out


def publisher(head: dict[str, Any], site: str, lines: list[str], sitename: str | None = None,
              not_names: Iterable[str | None] = ()) -> tuple[str | None, str | None]:
    """``(name, how)`` with ``how`` one of og:site_name, json-ld, application-name, title, copyright,
    page-text, trafilatura, host; ``(None, None)`` when there is no site either. ``lines`` are the page's
    paragraphs (furniture included); ``not_names`` are names that are somebody else's (the byline, the
    original source: "Copyright © South Front" under a credit is the source's notice, not the site's)."""
    for key, how in (("og:site_name", "og:site_name"), ("ld_publisher", "json-ld"),
                     ("application-name", "application-name")):
        if head.get(key):
            return head[key], how
    want = _slug(site) if site and site not in ("unknown", "local") else ""
    if want:
        for cand in _title_affixes(head.get("title")):
            if _slug(cand) == want:
                return cand, "title"
        for cand in head.get("copyright_names", []):
            if _slug(cand) == want:
                return cand, "copyright"
    others = {credits_mod.name_key(n) for n in not_names if n}
    names = [n for n in statement_names(lines) if credits_mod.name_key(n) not in others]
    if names:
        votes = Counter(credits_mod.name_key(n) for n in names)
        spelled = {credits_mod.name_key(n): n for n in reversed(names)}
        # the name that spells the domain, else the one the page repeats most (first on a tie)
        best = next((k for k in votes if want and _slug(k) == want), None) or \
            max(votes, key=lambda k: (votes[k], -list(votes).index(k)))
        return spelled[best], "page-text"
    sn = (sitename or "").strip()
    if sn and (" " in sn or _slug(sn) == want) and not credits_mod.DOMAIN_NAME.match(sn):
        return sn, "trafilatura"
    if want:
        return site, "host"
    return None, None


TITLE_SEPARATORS = (" | ", " :: ", " - ", " – ", " — ", " · ", " » ")


def _title_affixes(title: str | None) -> list[str]:
    if not title:
        return []
    out = []
    for sep in TITLE_SEPARATORS:
        if sep in title:
            head_part, _, tail_part = title.partition(sep)
            out += [tail_part.rpartition(sep)[2].strip(), head_part.strip()]
    return [x for x in out if x and len(x) < 80]
