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

from .datewords import DATE_IN_TEXT, parse_day
from .dom import text_head
from .urls import normalise_url, site_of

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
    ("h/t", r"^\(?\s*(?:h/t|ht\b|hat tip)\s*[:\-]?\s*(?:to\s+)?" + NAME + r"\s*\)?" + END),
    ("read-more", r"^(?:continue reading|read (?:the )?(?:full|rest of the|whole) (?:article|story)|read more) (?:at|on) " + NAME + END),
    ("read-more", r"^read (?:the )?original (?:article|story|post)" + END),
    ("read-more", r"^(?:read more|continue reading|read the full (?:article|story))\s*(?:…|\.\.\.|»|>>|→)?\s*$"),
    # the same statements in French, German, Spanish, Italian, Portuguese, Dutch and Russian
    ("originally-published", r"^(?:(?:cet|l') ?article (?:a été )?)?(?:publié|paru) (?:à l'origine|initialement|d'abord|"
                             r"pour la première fois|originellement) (?:sur|dans|par|chez) " + NAME + END),
    ("originally-published", r"^(?:dieser (?:artikel|beitrag) )?(?:ist |wurde )?(?:zuerst|ursprünglich|erstmals) "
                             r"(?:erschienen|veröffentlicht|publiziert) (?:bei|auf|in|im|von) " + NAME + END),
    ("originally-published", r"^(?:este (?:artículo|articulo) (?:fue )?)?(?:publicado|publicada) (?:originalmente|"
                             r"inicialmente|por primera vez|primero) (?:en|por) " + NAME + END),
    ("originally-published", r"^(?:questo articolo (?:è stato )?)?(?:pubblicato|apparso) (?:originariamente|originalmente|"
                             r"inizialmente|per la prima volta) (?:su|da|in|sul|sulla) " + NAME + END),
    ("originally-published", r"^(?:este artigo (?:foi )?)?(?:publicado|publicada) (?:originalmente|inicialmente|"
                             r"pela primeira vez) (?:em|no|na|por|pelo|pela) " + NAME + END),
    ("originally-published", r"^(?:oorspronkelijk|eerder|eerst) (?:gepubliceerd|verschenen) (?:op|in|bij|door) " + NAME + END),
    ("originally-published", r"^(?:впервые |первоначально )?(?:опубликовано|опубликована|опубликован) "
                             r"(?:впервые |первоначально )?(?:на|в|во) " + NAME + END),
    ("original-source", r"^(?:source originale|fuente original|fonte originale|fonte original|originalquelle|"
                        r"первоисточник|оригинал)\s*[:\-–]\s*" + NAME + END),
    ("copyright", r"^(?:copyright|©|\(c\))\s*(?:©\s*)?(?:\d{4}(?:\s*[-–—]\s*\d{4})?\s*,?\s*)?" + NAME
                  + r"(?:,?\s*\d{4}(?:\s*[-–—]\s*\d{4})?)?" + END),
]]
GENERIC_NAMES = {"here", "this link", "the original", "link"}
# a credit line is short; longer elements are paragraphs that merely mention a source
MAX_CREDIT_CHARS = 300
# cheap test on the first characters of an element before its whole text is built
CREDIT_START = re.compile(
    r"^\W{0,3}(?:the original|originally|this (?:article|story|piece|post)|first (?:appeared|published|posted)|"
    r"re-?published|reprinted|reposted|cross-?posted|sources?\b|quelle|fuente|источник|via\b|h/t|ht\b|hat tip|"
    r"continue reading|read\b|copyright|©|\(c\)|published|posted|"
    r"cet article|l'article|publié|paru|dieser|zuerst|ursprünglich|erstmals|este|publicad[oa]|questo|pubblicato|apparso|"
    r"oorspronkelijk|eerder|eerst|впервые|первоначально|опубликован|source originale|fuente original|fonte original|"
    r"originalquelle|первоисточник|оригинал)", re.I)
SCAN_TAGS = ("p", "div", "span", "em", "i", "b", "strong", "small", "li", "td", "font", "footer", "section",
             "aside", "blockquote", "cite", "dd", "h4", "h5", "h6")
# not in menus, forms or links, and not in figures: "Source: Getty Images" under a photo credits the photo
SKIP_ANCESTORS = {"nav", "script", "style", "noscript", "form", "button", "select", "textarea", "a", "figure"}
# words that make a byline an outlet rather than a person ("By Summit Times", "By Reuters")
OUTLET_WORDS = re.compile(
    r"\b(?:news|times|post|herald|journal|record|report|tribune|daily|media|gazette|monitor|chronicle|courier|"
    r"ledger|digest|review|wire|press|sentinel|insider|voice|dispatch|bulletin|beacon|observer|agency|network|"
    r"reuters|associated press|afp|bloomberg|upi|tass|xinhua|telegraph|guardian|star|standard|magazine|"
    r"examiner|inquirer|mirror|express|independent)\b", re.I)
CORPORATE = re.compile(r"^(?:inc|llc|ltd|limited|corp|corporation|co|gmbh|ag|s\.?a|plc|pty|l\.?p)\.?$", re.I)
DATE_LIKE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[:/.]\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
                       r"[a-z]*\.?\s+\d{1,2}\b", re.I)
# a byline that is a domain must end in a common suffix ("ed.cara" is a user name, not a site)
DOMAIN_BYLINE_SUFFIX = re.compile(r"\.(?:com|org|net|news|info|co|io|media|tv|press|example|[a-z]{2})$", re.I)
ROLE_WORDS = re.compile(r"\b(?:reporter|correspondent|writer|contributor|columnist|editor|editorial|staff|team|desk|"
                        r"newsroom|board)s?\b",
                        re.I)
DOMAIN_NAME = re.compile(r"^(?:www\.)?[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9\-]+)*\.[a-z]{2,24}$", re.I)


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
            # a named credit takes only a link on its name; an unnamed one ("Source", "Read more") any link
            named = [h for h in hits if cr.get("name") and _anchor_names(h[1]["text"], cr["name"])]
            pick = named or (hits if not cr.get("name") else [])
            if pick:
                i, link = pick[0]
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
        date = None
        if name and form != "copyright":
            # "First published at X on 15 June 2021", "Quelle: X, 15. Juni 2021": the date the source gave it
            name, date = split_date(name)
            if not name:
                return None  # "First published on Nov 20, 2019": the page's own date, not a credit
        if name:
            name = re.split(r"(?<!\b[A-Z])\.\s+(?=[A-Z])", name)[0].strip() or None  # "Futurism. Read the original"
        if name and form == "copyright":
            # the holder ends at the first sentence end or "All rights reserved"
            name = re.split(r"(?<!\b[A-Z])\.\s|\s[|–—]\s|\s-\s|[.,]?\s*\ball rights reserved\b", name, flags=re.I)[0]
            # "© 2021 Jane Doe, Some Site" -> the last comma part is the outlet; "Barron's, Inc" -> Barron's
            parts = [p.strip(" .") for p in name.split(",") if p.strip(" .") and not CORPORATE.match(p.strip(" ."))]
            name = parts[-1] if parts else None
        if name and (len(name.split()) > 10 or name.endswith("?")):
            return None  # a sentence, not a name
        if name and (DATE_LIKE.search(name) or not re.search(r"[^\W\d_]{2}", name)):
            return None  # "First published on Nov 20, 2019", "h/t 1": a date or a number, not a source
        out = {"name": name, "url": None, "form": form, "text": b}
        if name and re.match(r"^(?:https?://|www\.)\S+$", name, re.I):
            out.update(name=None, url=name if name.lower().startswith("http") else "https://" + name)
        if date:
            out["date"] = date
        return out
    return None


# the words between a credited name and its date: "X on 15 June", "X, 15 June", "X am 15. Juni", "X le 15 juin"
DATE_JOIN = re.compile(r"(?:\s*[,|–—\-]\s*|\s+)(?:(?:on|am|le|el|il|em|op|в|on the)\s+)?$", re.I)


def split_date(name: str) -> tuple[str | None, str | None]:
    """``("X", "2021-06-15")`` for "X on 15 June 2021"; the name unchanged and None when it ends in no date."""
    m = None
    for m in DATE_IN_TEXT.finditer(name):
        pass
    if m is None or name[m.end():].strip(" .,)") != "":
        return name, None
    day = parse_day(m.group(0))
    if not day:
        return name, None
    head = DATE_JOIN.sub("", name[:m.start()]).strip(" ,.;:()\"'“”") or None
    return head, day


# a dateline naming a source and a date on its own line: "South Front 15 June 2021", "Reuters, June 15, 2021"
DATELINE = re.compile(r"^(?P<name>[^\n]{2,60}?)" + r"(?:\s*[,|–—\-]\s*|\s+)(?P<date>" + DATE_IN_TEXT.pattern + r")\s*\.?$",
                      re.I)
DATELINE_WINDOW = 5  # datelines sit among the first or the last few paragraphs
ORIGINAL_FORMS = ("original-source", "originally-published", "first-appeared", "republished", "meta-original-source",
                  "meta-syndication-source", "source", "read-more", "via", "canonical")


def attach_datelines(blocks: list[str], credits: list[dict[str, Any]], own_names: set[str]) -> list[str]:
    """Datelines among the first and last paragraphs that name a credited source ("South Front 15 June
    2021" beside "The original source of this article is South Front") give that credit its date; those
    that name the page's own site ("Global Research, June 16, 2021") are its own dateline. Both leave the
    body; the blocks without them are returned."""
    named = {name_key(c["name"]): c for c in credits if c.get("name") and c["form"] in ORIGINAL_FORMS}
    n = len(blocks)
    drop = set()
    for i, b in enumerate(blocks):
        if DATELINE_WINDOW <= i < n - DATELINE_WINDOW or len(b) > 100:
            continue
        m = DATELINE.match(" ".join(b.split()))
        if not m:
            continue
        key = name_key(m.group("name"))
        day = parse_day(m.group("date"))
        if not day:
            continue
        if key in named:
            named[key].setdefault("date", day)
            drop.add(i)
        elif key in own_names:
            drop.add(i)
    return [b for i, b in enumerate(blocks) if i not in drop] if drop else blocks


def original_source(credits: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The structured original source ``{name, url, date, form}``: the first credit of the strongest form
    that names or links somebody (a credit statement before a bare "Source:", head markup last)."""
    for form in ORIGINAL_FORMS:
        for c in credits:
            if c["form"] == form and (c.get("name") or c.get("url")):
                return {"name": c.get("name"), "url": c.get("url"), "date": c.get("date"), "form": form}
    return None


def canonical_credit(page_url: str, canonical: str | None) -> dict[str, Any] | None:
    """A canonical URL on another site is a machine-readable credit."""
    if canonical and canonical.startswith("http") and site_of(canonical) != site_of(page_url):
        return {"name": None, "url": canonical, "form": "canonical", "text": None, "position": "head"}
    return None


def _text_head(el, n: int = 80) -> str:
    return text_head(el, n)


SCAN_SET = frozenset(SCAN_TAGS)


def _lead_candidates(tree, text_nodes: list | None = None, depth: int = 3):
    """The elements whose lead text (their own text, or their first child's, a few levels down) opens like a
    credit line, in document order, found from the text
    nodes (one pass in C) rather than by building the lead text of every element: a text node that opens
    like a credit, its element, and up to ``depth`` ancestors it is reached from by first children whose
    own text is blank."""
    from .dom import text_nodes as all_text_nodes

    seen = set()
    for t in all_text_nodes(tree) if text_nodes is None else text_nodes:
        if not t.is_text or not CREDIT_START.match(t.strip()):
            continue
        el = t.getparent()
        chain = [el]
        for _ in range(depth):
            up = el.getparent()
            if up is None or up[0] is not el or (up.text or "").strip():
                break
            chain.append(up)
            el = up
        for el in reversed(chain):
            if el not in seen:
                seen.add(el)
                yield el


def scan_tree(tree, base: str | None = None, text_nodes: list | None = None) -> list[dict[str, Any]]:
    """Credit lines anywhere in the page (also outside the article container: a "Source: X" box after
    the article, a credit in the footer of the post). Each is the innermost element whose whole text is
    a credit statement; a link inside it becomes the credit's URL. Document order. ``text_nodes``: the
    page's non-blank text nodes (:func:`..dom.text_nodes`) when the caller has them."""
    from urllib.parse import urljoin

    found: list[tuple[Any, dict[str, Any]]] = []
    for el in _lead_candidates(tree, text_nodes):
        if el.tag not in SCAN_SET or not CREDIT_START.match(_text_head(el)):
            continue
        if any(a.tag in SKIP_ANCESTORS for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > MAX_CREDIT_CHARS:
            continue
        cr = parse_credit(text)
        if cr is None:
            continue
        anchors = []
        for a in el.iter("a"):
            href = (a.get("href") or "").strip()
            if href and not href.startswith(("#", "javascript:", "mailto:")):
                anchors.append((urljoin(base, href) if base else href, " ".join(a.text_content().split())))
        if anchors:
            named = [h for h, t in anchors if cr.get("name") and _anchor_names(t, cr["name"])]
            cr["url"] = (named or [anchors[0][0]])[0]
        found.append((el, cr))
    # innermost only: an element whose descendant is itself a credit line is a wrapper
    inner = {id(el) for el, _ in found}
    wrappers = set()
    for el, _ in found:
        for anc in el.iterancestors():
            if id(anc) in inner:
                wrappers.add(id(anc))
    out = []
    for el, cr in found:
        if id(el) in wrappers:
            continue
        if cr["form"] == "read-more" and not cr.get("name") and not cr.get("url"):
            continue
        cr["position"] = "page"
        out.append(cr)
    return out


def page_credits(scanned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The scanned lines that are credits. A copyright line found outside the article text is the
    site's own footer ("© 2019 Cable News Network", "© Hearst"), which names the publisher, not a
    source; copyright lines inside the article text are handled with the body blocks."""
    return [c for c in scanned if c["form"] != "copyright"]


def byline_credits(byline: str | None, own_names: set[str]) -> list[dict[str, Any]]:
    """Byline entries that name an outlet ("By Summit Times", "By summit-times.example", "Jane Roe;
    Associated Press") rather than a person credit that outlet, unless the outlet is the page's own
    site or its staff."""
    out = []
    own_slugs = {_slug(n) for n in own_names if n}
    for part in re.split(r"\s*;\s*", " ".join((byline or "").split())):
        if not part or len(part) > 60 or ROLE_WORDS.search(part):
            continue
        if "," in part or " and " in part or name_key(part) in own_names:
            continue
        if any(s and _slug(part).startswith(s) for s in own_slugs):
            continue  # "Telegraph Sport" on telegraph.co.uk
        if (DOMAIN_NAME.match(part) and DOMAIN_BYLINE_SUFFIX.search(part)) or (
                OUTLET_WORDS.search(part) and not DOMAIN_NAME.match(part)):
            out.append({"name": part, "url": None, "form": "byline", "text": None, "position": "byline"})
    return out


def org_author_credits(orgs: list[str], own_names: set[str]) -> list[dict[str, Any]]:
    """Organizations given as the article's author (JSON-LD ``author.@type = Organization``) that are not the
    site itself, its staff or a board: the outlet the article is credited to."""
    own_slugs = {_slug(n) for n in own_names if n}
    out = []
    for o in orgs:
        o = " ".join(o.split())
        if not o or len(o) > 80 or ROLE_WORDS.search(o) or name_key(o) in own_names:
            continue
        if any(s and _slug(o).startswith(s) for s in own_slugs):
            continue
        out.append({"name": o, "url": None, "form": "byline", "text": None, "position": "byline"})
    return out


def byline_credit(byline: str | None, own_names: set[str]) -> dict[str, Any] | None:
    """The first outlet credit in a byline (see :func:`byline_credits`), or None."""
    found = byline_credits(byline, own_names)
    return found[0] if found else None


def name_key(name: str | None) -> str:
    n = " ".join((name or "").lower().split()).strip(" .,:;()\"'“”")
    return re.sub(r"^the\s+", "", n)


def drop_self_credits(credits: list[dict[str, Any]], page_site: str, own_names: set[str]) -> list[dict[str, Any]]:
    """Credits that point back at the page's own site (its copyright line, its own "Read more" links) and
    duplicates (same name and URL) go; the rest keep their order."""
    out, seen = [], set()
    site_slug = _slug(page_site) if page_site not in ("unknown", "local") else ""
    for cr in credits:
        if cr.get("url"):
            cr["url"] = normalise_url(cr["url"]) or cr["url"]
        url_site = site_of(cr["url"]) if cr.get("url") else None
        name = name_key(cr.get("name"))
        own_url = url_site is not None and url_site == page_site
        own_name = bool(name) and (name in own_names or name == page_site or bool(site_slug)
                                   and _slug(name).startswith(site_slug))
        if (own_url and (not name or own_name)) or (own_name and not cr.get("url")):
            continue
        if own_url and cr["form"] in ("read-more", "source") and not name:
            continue
        if own_url and name and not own_name:
            cr["url"] = None  # a link to one of our own pages is not where the named outlet is
        key = (name, cr.get("url"))
        if key in seen:
            continue
        seen.add(key)
        out.append(cr)
    return out


def merge(block_credits: list[dict[str, Any]], page_credits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Credits from body blocks and from the page scan describe the same lines: keep one per text,
    preferring the page scan's (its link is the one inside the element)."""
    by_text = {" ".join((c.get("text") or "").split()).lower(): c for c in page_credits if c.get("text")}
    out = list(page_credits)
    for c in block_credits:
        t = " ".join((c.get("text") or "").split()).lower()
        if t and t in by_text:
            if not by_text[t].get("url") and c.get("url"):
                by_text[t]["url"] = c["url"]
            by_text[t]["position"] = c.get("position", by_text[t].get("position"))
            continue
        out.append(c)
    return out


def _slug(name: str) -> str:
    """"Citizen Sentinel" and "citizen-sentinel.example" both give "citizensentinel" (the domain without its
    suffix): most outlets' domains spell their name."""
    n = name.lower().strip()
    if DOMAIN_NAME.match(n):
        n = n.removeprefix("www.").split(".")[0]  # the name label: "lanacion.com.ar" -> "lanacion"
    n = re.sub(r"^the\s+", "", n)
    return re.sub(r"[^a-z0-9]", "", n)


def _anchor_names(anchor: str | None, name: str) -> bool:
    """The link is on the credited name (the whole of it, give or take "the" and punctuation)."""
    return bool(anchor) and name_key(anchor) == name_key(name)
