"""The site's own taxonomy as shown on the page: sections (kicker, breadcrumb, "Filed under"),
"Region: ..." / "Theme: ..." labels, and tags (tag links, article:tag, keywords).

Unlabelled sections become ``region`` when they name a place (a small gazetteer of countries and
world regions) and ``theme`` otherwise; labelled ones are taken as labelled.
"""
from __future__ import annotations

import re
from typing import Any

from lxml import etree

from .dom import text_head, text_nodes as all_text_nodes

LABELS = {
    "region": re.compile(r"^\s*(region|regions|country|countries|location|geography|area)\s*:\s*(.+)$", re.I),
    "theme": re.compile(r"^\s*(theme|themes|topic|topics|subject|category|categories)\s*:\s*(.+)$", re.I),
    "tags": re.compile(r"^\s*(tags|tagged|keywords|tagged with)\s*:\s*(.+)$", re.I),
    "sections": re.compile(r"^\s*(filed under|posted in|section|sections|in)\s*:\s*(.+)$", re.I),
}
CLASS_HINTS = ("kicker", "breadcrumb", "filed", "taxonomy", "category", "categories", "post-cat", "section-label")
TAG_CLASS = ("tags", "tag-list", "post-tags", "entry-tags", "tagcloud-article")
CLASS_HINT = re.compile("|".join(map(re.escape, CLASS_HINTS)), re.I)
TAG_CLASS_HINT = re.compile("|".join(map(re.escape, TAG_CLASS)), re.I)
# containers of site-wide lists (tag clouds, most-read, archives): their tags are not the article's
SIDEBAR_HINTS = ("widget", "sidebar", "tagcloud", "tag-cloud", "wp-tag-cloud")
SIDEBAR_TAGS = ("aside", "nav")
TAG_LINKS = etree.XPath("//a[@rel='tag' or contains(@rel,' tag')]")   # compiled once
SKIP = {"home", "news", "homepage", "start", "accueil", "inicio", "startseite", "главная"}
PLACES = {w.strip().lower() for w in """
world, global, international, europe, eu, asia, africa, americas, america, usa, us, u.s., united states,
north america, south america, latin america, middle east, mena, near east, far east, oceania, australia, pacific,
caribbean, russia, russia and fsu, russia/cis, fsu, cis, eurasia, central asia, ukraine, china, india, japan, korea,
iran, iraq, syria, israel, palestine, turkey, germany, france, uk, united kingdom, britain, great britain, italy,
spain, poland, canada, mexico, brazil, venezuela, cuba, balkans, baltics, scandinavia, nordic, sub-saharan africa,
west africa, east africa, southeast asia, south asia, east asia, afghanistan, pakistan, yemen, saudi arabia, gulf,
lebanon, egypt, libya, europe & eurasia, asia-pacific, asia pacific, western europe, eastern europe, u.s. & canada,
national, local, us news, world news, europe news""".replace("\n", " ").split(",") if w.strip()}


def _split_items(s: str) -> list[str]:
    return [x.strip() for x in re.split(r"\s*(?:,|\||»|›|/(?=\s)|;|>)\s*", s) if x.strip()]


LABEL_START = re.compile(r"^\s*(?:" + "|".join(
    p.pattern.split("(", 1)[1].split(")", 1)[0] for p in LABELS.values()) + r")\s*:", re.I)


def _text_head(el, n: int = 40) -> str:
    return text_head(el, n)


def _in_sidebar(el) -> bool:
    for e in [el, *el.iterancestors()]:
        if e.tag in SIDEBAR_TAGS:
            return True
        cls = f"{e.get('class') or ''} {e.get('id') or ''}".lower()
        if any(h in cls for h in SIDEBAR_HINTS):
            return True
    return False


def _is_place(s: str) -> bool:
    t = s.lower().strip()
    return t in PLACES or any(t == p or t.startswith(p + " ") for p in PLACES if len(p) > 3) or "/" in t and any(
        part.strip() in PLACES for part in t.split("/"))


LABEL_WORDS = tuple(LABEL_START.pattern[len(r"^\s*(?:"):-len(r")\s*:")].split("|"))
LABEL_PREFIXES = {w[:i] for w in LABEL_WORDS for i in range(1, len(w) + 1)}
# a text node (first 40 characters, spaces collapsed, lower case) that can open a label: a label word followed by ":"
# or by nothing more in the node (the ":" then comes in a later node: "<b>Tags</b>: a, b"); not "India", "Interview"
LABEL_NODE = re.compile(r"(?:" + "|".join(LABEL_WORDS) + r") ?(?::|$)")


def _label_candidates(tree, text_nodes: list | None = None) -> set:
    """The elements whose text can open with a label: those holding (or ending in a child before) a text
    node that starts with a label word and then ":" or nothing more, or is the start of a label word. An element's text opens with its first
    non-blank text node, so every element :data:`LABEL_START` can match is here; one pass over the text
    nodes (in C, shared with the credit scan) instead of building the opening text of every element."""
    out = set()
    for t in all_text_nodes(tree) if text_nodes is None else text_nodes:
        q = " ".join(t.lstrip()[:40].split()).lower()
        if not (LABEL_NODE.match(q) or q in LABEL_PREFIXES):
            continue
        el = t.getparent()
        if el is None:
            continue
        if not t.is_text:
            el = el.getparent()  # a tail is text of the element around its element
        while el is not None and el not in out:
            out.add(el)
            el = el.getparent()
    return out


def find_taxonomy(tree, head: dict[str, Any], text_nodes: list | None = None,
                  tag_links: list | None = None) -> dict[str, Any]:
    """``tag_links``: ``TAG_LINKS(tree)`` when the caller has it (extraction's pass over the ``<a>``s collects it)."""
    out: dict[str, Any] = {"sections": [], "tags": []}
    # explicit labels anywhere in small text nodes: "Region: Europe", "Theme: Elections"
    cands = _label_candidates(tree, text_nodes)
    for el in tree.iter("span", "div", "p", "li", "dd", "small", "em", "strong", "td") if cands else ():
        if el not in cands or not LABEL_START.match(_text_head(el)):
            continue  # cheap test on the first characters before the element's whole text is built
        txt = " ".join("".join(el.itertext()).split())
        if not txt or len(txt) > 200:
            continue
        for key, pat in LABELS.items():
            m = pat.match(txt)
            if not m:
                continue
            # only the innermost element carrying the label
            if any(pat.match(" ".join("".join(c.itertext()).split())) for c in el if c.tag in ("span", "div", "p", "li")):
                continue
            value = m.group(2).strip()
            if key in ("region", "theme"):
                if key not in out:
                    # a "Region: X ... Theme: Y" on one line
                    other = "theme" if key == "region" else "region"
                    mm = re.split(r"\s+(?:theme|region|topic)\s*:\s*", value, flags=re.I)
                    out[key] = mm[0].strip(" ,|")
                    if len(mm) > 1 and other not in out:
                        out[other] = mm[1].strip(" ,|")
            elif key == "tags":
                out["tags"] = out["tags"] or _split_items(value)
            else:
                out["sections"] = out["sections"] or [x for x in _split_items(value) if x.lower() not in SKIP]
    # kicker / breadcrumb / filed-under containers found by class name
    if not out["sections"]:
        for el in tree.iter("div", "nav", "ol", "ul", "p", "span"):
            cls = el.get("class")
            if not cls or not CLASS_HINT.search(cls):
                continue
            items = [" ".join("".join(a.itertext()).split()) for a in el.iter("a")]
            items = [x for x in items if x and x.lower() not in SKIP and len(x) < 60]
            if items:
                out["sections"] = items
                break
    if not out["sections"]:
        out["sections"] = list(head.get("meta_sections") or head.get("ld_sections") or [])
    # tags: links marked rel=tag, then tag lists by class name, never a site-wide tag cloud in a sidebar
    if not out["tags"]:
        tags = [" ".join("".join(a.itertext()).split()) for a in (TAG_LINKS(tree) if tag_links is None else tag_links)
                if not _in_sidebar(a)]
        out["tags"] = list(dict.fromkeys(t for t in tags if t))
    if not out["tags"]:
        for el in tree.iter("div", "ul", "p", "span", "footer"):
            cls = el.get("class")
            if cls and TAG_CLASS_HINT.search(cls) and not _in_sidebar(el):
                items = [" ".join("".join(a.itertext()).split()) for a in el.iter("a")]
                items = [x for x in items if x and len(x) < 60]
                if items:
                    out["tags"] = items
                    break
    if not out["tags"]:
        out["tags"] = list(head.get("meta_tags") or [])
    if not out["tags"]:
        kw = head.get("news_keywords") or head.get("keywords") or head.get("ld_keywords")
        if isinstance(kw, str):
            out["tags"] = [k.strip() for k in kw.split(",") if k.strip()]
        elif isinstance(kw, list):
            out["tags"] = [str(k) for k in kw]
    # unlabelled sections: a place is the region, the rest the theme
    secs = out["sections"]
    if secs and "region" not in out:
        places = [s for s in secs if _is_place(s)]
        if places:
            out["region"] = places[0]
    if secs and "theme" not in out:
        rest = [s for s in secs if s != out.get("region")]
        if rest:
            out["theme"] = rest[0]
    out["tags"] = list(dict.fromkeys(out["tags"]))[:50]
    return out
