"""``Page -> Article``: one lxml parse, our own look at the markup, then trafilatura on the same tree.

trafilatura does the body and the metadata it is good at; newstrace adds what it does not
give: canonical/og:url, hreflang alternates, original-source meta, the site's taxonomy,
media, outlinks with anchors, identifiers and credit statements. Bad pages return a
:class:`Problem` with a reason code instead of raising.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import re
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from ..read.charset import charset_from_content_type, decode_bytes, sniff_binary
from ..records import Article, Page, Problem
from . import credits as credits_mod
from . import dom as dom_mod
from . import furniture as furniture_mod
from . import identifiers as identifiers_mod
from . import layout as layout_mod
from . import mojibake as mojibake_mod
from . import publisher as publisher_mod
from .datewords import MONTHS
from . import page_text as page_text_mod
from . import taxonomy as taxonomy_mod
from . import tree_author as tree_author_mod
from .text import extract_text_page
from .urls import normalise_url, site_of

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

# htmldate's extensive search on pages with no date in their markup. Measured: +24/728 dated pages right
# on trafilatura-eval but wrong dates on 7 undated reuse-dev pages, overall date accuracy on
# trafilatura-eval 0.772 with it vs 0.766 without; it costs 3.5 ms of 33 ms per page (11% of extract()),
# which is the margin of the ingest-throughput target (>= 0.8x bare trafilatura). Off by default.
DATE_FALLBACK = False
# trafilatura's fast mode (no justext/readability fallback extraction). Measured in one run each:
# AEB body F1 0.969 with it vs 0.965 without (bare trafilatura 0.953); trafilatura-eval body F1 0.920 vs
# 0.925 (bare 0.921); ingest throughput 0.97x vs 0.77-0.80x bare trafilatura's pages/s.
TRAFILATURA_FAST = True
# trafilatura's byline search in the tree in one pass of our own (tree_author.py), same result; off: its XPaths
TREE_AUTHOR_ONE_PASS = True
# trafilatura's whole-page text measure (its recall-retry test) read from the tree without copying it (page_text.py)
TRAFILATURA_PAGE_TEXT = True
LANGUAGE_SAMPLE_CHARS = 1500  # enough text for py3langid to be sure; more only costs time
MAX_BYTES = 60_000_000  # larger pages are quarantined; 50 MB pages are still read
XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
MEDIA_EXT = re.compile(r"\.(mp4|webm|m4v|mov|mp3|m4a|ogg|oga|wav|flac)(\?|#|$)", re.I)
MEDIA_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>()\]]+\.(?:mp4|webm|m4v|mov|mp3|m4a|ogg|wav)\b(?:\?[^\s\"'<>()\]]*)?", re.I)
MEDIA_EXT_IN_TEXT = re.compile(r"\.(?:mp4|webm|m4v|mov|mp3|m4a|ogg|wav)\b", re.I)
MEDIA_EXT_LOWER = re.compile(r"\.(?:mp4|webm|m4v|mov|mp3|m4a|ogg|wav)(?!\w)")   # the same on ASCII-lower-cased text
# any player iframe, not only the known hosts: "/embed/<id>", "player.host", "/player/"; never ad slots
EMBED_PATH = re.compile(r"/embed(?:/|\b)|//player\.|/player/|/videos?/embed", re.I)
AD_URL = re.compile(r"//ads?\.|/ads?/|doubleclick|adserv|googlesyndication|/serve\?|[?&]zone=", re.I)
EMBED_HOSTS = ("youtube.com/embed", "player.vimeo.com", "youtube-nocookie.com", "rumble.com/embed",
               "bitchute.com/embed", "odysee.com/$/embed", "soundcloud.com", "dailymotion.com/embed")


def extract(page: Page) -> Article | Problem:
    """Extract one page. Never raises for bad input: returns a Problem with a reason code."""
    try:
        if page.text is not None and page.raw is None:
            return extract_text_page(page)
        return _extract_html(page)
    except RecursionError:
        return Problem(page.source, "extract", "nesting-too-deep", "recursion limit while walking the tree",
                       url=page.url, page_id=page.page_id)
    except Exception as e:  # noqa: BLE001 - one bad page must not stop a run; the reason is recorded
        log.debug("extract failed for %s", page.source, exc_info=True)
        return Problem(page.source, "extract", "extract-error", f"{type(e).__name__}: {e}"[:500],
                       url=page.url, page_id=page.page_id)


def html_parser() -> etree.HTMLParser:
    """An HTML parser whose elements are lxml.html's ``HtmlElement`` (what trafilatura takes) chosen in C:
    lxml.html's own parser asks a Python method for each element's class every time an element is touched
    (about a sixth of the CPU of a tree walk), only to give form fields their own classes, which neither
    newstrace nor trafilatura use."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    return parser


CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20))  # XML_INCOMPATIBLE's, as bytes
# charsets in which a C0 control character can only come from its own byte (ASCII supersets whose other bytes
# decode to U+0080 and above): for these the bytes tell whether XML_INCOMPATIBLE has anything to remove
C0_SAFE_CHARSETS = ("utf-8", "ascii", "cp125", "iso8859-", "koi8-")


def _may_hold_controls(data: bytes, encoding: str) -> bool:
    """False when the text decoded from ``data`` with ``encoding`` surely holds no character XML_INCOMPATIBLE
    removes: bytes.translate is ~4x quicker than the regex over the decoded page."""
    if not encoding.startswith(C0_SAFE_CHARSETS) or encoding.startswith(("utf-16", "utf-32", "utf-7")):
        return True
    return len(data.translate(None, CONTROL_BYTES)) != len(data)


def _repair_declared(page: Page) -> tuple[Page, bool]:
    """The page with the mojibake of its given metadata (JSONL title, byline, ...) repaired."""
    if not page.declared:
        return page, False
    fields, changed = mojibake_mod.repair_fields(page.declared)
    return (dataclasses.replace(page, declared=fields), True) if changed else (page, False)


def _problem(page: Page, reason: str, detail: str) -> Problem:
    return Problem(page.source, "extract", reason, detail, url=page.url or page.declared.get("path_url"),
                   page_id=page.page_id)


def _extract_html(page: Page) -> Article | Problem:
    import trafilatura

    page, declared_repaired = _repair_declared(page)

    data = page.raw or b""
    if not data.strip():
        return _problem(page, "empty-file", "no bytes" if not data else "only whitespace")
    if len(data) > MAX_BYTES:
        return _problem(page, "too-large", f"{len(data)} bytes (limit {MAX_BYTES})")
    binary = sniff_binary(data)
    if binary:
        return _problem(page, "binary", f"not HTML: {binary}")
    declared = page.declared.get("http_charset") or charset_from_content_type(page.content_type)
    text, encoding = decode_bytes(data, declared)
    # control characters are never text, and lxml refuses them when a node's text is rewritten
    if _may_hold_controls(data, encoding):
        text = XML_INCOMPATIBLE.sub("", text)
    # UTF-8 read as cp1252/Latin-1/cp1251 somewhere upstream ("thereâ€™s"): repaired before the parse, so
    # every span and offset refers to the repaired text
    utf8 = text.encode("utf-8", "surrogatepass")
    text, repaired = mojibake_mod.repair(text, utf8)
    if repaired:
        utf8 = text.encode("utf-8", "surrogatepass")
    if "<" not in text[:2048] and not re.search(r"<(html|body|p|div)\b", text[:65536], re.I):
        return _problem(page, "not-html", "no markup in the first bytes")
    parser = html_parser()
    try:
        tree = lxml.html.document_fromstring(utf8, parser=parser)
    except (etree.ParserError, ValueError) as e:
        return _problem(page, "unparsable", str(e)[:300])
    for err in parser.error_log:
        if "Excessive depth" in err.message:
            return _problem(page, "nesting-too-deep", f"element nesting deeper than 256 (line {err.line})")
    body_el = tree.find("body")
    if body_el is None or not any(t.strip() for t in body_el.itertext()):
        if re.search(r"<body\b", text, re.I):
            return _problem(page, "empty-body", "<body> has no visible text")
        return _problem(page, "no-body", "no <body> (cut off in the head?) and no visible text")

    head = _read_head(tree)
    path_url = page.declared.get("path_url")
    url = page.url or _page_url(head, path_url) or page.source
    url = normalise_url(url) or url
    base = url

    # everything trafilatura would prune away: links, media, identifiers, taxonomy labels
    # (shared by the identifier search, the media-file test and the prose-mention check: ASCII strings only)
    low = identifiers_mod.ascii_lower(text, utf8)
    marks: dict[str, Any] = {}   # what the pass over the <a>s saw for the taxonomy and the categories (below)
    outlinks, media_hrefs = _outlinks(tree, base, marks)
    media = _media(tree, base, text, media_hrefs, low)
    idents = identifiers_mod.find_identifiers(text, tree, low)
    # the non-blank text nodes, one XPath pass in C shared by the taxonomy's labels, the credit scan and the
    # lone-page model's markup cues (read again only when the layout pass below rebuilt part of the tree)
    nodes = dom_mod.text_nodes(tree)
    tax = taxonomy_mod.find_taxonomy(tree, head, nodes, tag_links=marks["tag_links"])

    # layout tables and <br><br> paragraphs into plain containers and <p>s, so blocks are paragraphs
    if any(layout_mod.normalise(tree).values()):
        nodes = dom_mod.text_nodes(tree)
    # a date the page states machine-readably wins over htmldate's reading (below): htmldate is not run then
    stated = page.declared.get("published") or head.get("published") or head.get("time_published")
    meta = _metadata(tree, url, date=not stated)
    # (trafilatura's page-text measure without its tree copy: page_text.py, same string)
    with page_text_mod.during() if TRAFILATURA_PAGE_TEXT else contextlib.nullcontext():
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
            favor_precision=False, fast=TRAFILATURA_FAST,
        )
    if doc is None or not (doc.text or "").strip():
        return _problem(page, "no-body", "no article text found")
    for k in ("title", "author", "date", "sitename", "description"):
        setattr(doc, k, getattr(meta, k))
    blocks = [b.strip() for b in (doc.text or "").split("\n") if b.strip()]

    # credit statements come out of the body into structured credits; credit lines outside the
    # article container (a "Source: X" box under it) are found by scanning the whole page
    page_credits = credits_mod.scan_tree(tree, base, nodes)
    sections = tax.get("sections", []) or _categories(tree, meta, marks["category_href"])
    if not (stated or doc.date) and DATE_FALLBACK:
        doc.date = _fallback_date(tree, url)
    if not doc.author:
        # trafilatura's byline search prunes the tree in place, not a deep copy of it (read later: lone-page cues)
        doc.author = _tree_author(tree)
    head["copyright_names"] = [c["name"] for c in page_credits if c["form"] == "copyright" and c.get("name")]
    site = page.declared.get("site") or site_of(url)

    blocks, block_credits = credits_mod.split_credits(blocks, outlinks, head)
    credits = credits_mod.merge(block_credits, credits_mod.page_credits(page_credits))
    canon = credits_mod.canonical_credit(url, head.get("canonical"))
    if canon:
        credits.append(canon)
    byline = page.declared.get("byline") or _byline(doc.author, head, text, site, low)
    # the site's own name, never the byline's or a credited source's ("Copyright © South Front" under a credit)
    publisher, publisher_from = (page.declared["publisher"], "given") if page.declared.get("publisher") else \
        publisher_mod.publisher(head, site, blocks, doc.sitename, _credited_names(credits) + [byline])
    own_names = {credits_mod.name_key(n) for n in (publisher, doc.sitename, head.get("og:site_name"), site) if n}
    blocks = credits_mod.attach_datelines(blocks, credits, own_names)

    title = page.declared.get("title") or _clean_title(doc.title, doc.sitename) or head.get("og:title")
    title = _strip_site_name(title, [publisher, doc.sitename, head.get("og:site_name")])
    # the headline is not body text (trafilatura keeps an <h1> that sits inside the article container)
    heads = {" ".join(t.split()).casefold() for t in (title, doc.title, head.get("og:title")) if t}
    while blocks and " ".join(blocks[0].split()).casefold() in heads:
        blocks = blocks[1:]
    # common kinds of furniture go even when the site has one page; site-learned furniture later
    # (``blocks`` keep them: the unstripped text is stored; the body is built without them)
    hints = furniture_mod.block_hints(blocks, nodes) if furniture_mod.LONE_HINTS else None
    body_blocks = furniture_mod.lone_page_body(blocks, hints)
    # identifiers only mentioned in the article's own prose (a quoted reporter's Twitter handle or
    # e-mail) are not the page's: they appear in the body and nowhere else on the page
    idents = identifiers_mod.drop_body_mentions(idents, text, "\n".join(body_blocks), low)
    credits += credits_mod.byline_credits(byline, own_names)
    # an Organization named as the author in JSON-LD that is not this site is the outlet credited
    credits += credits_mod.org_author_credits(head.get("ld_author_orgs", []), own_names)
    credits = credits_mod.drop_self_credits(credits, site, own_names)
    # a machine-readable publication date the page states (meta, JSON-LD, the article's <time datetime>)
    # wins over htmldate, whose original_date search can pick an older date elsewhere on the page
    published = stated
    from_text = not published   # htmldate's reading of the page, not a machine-readable date
    published = published or doc.date
    modified = page.declared.get("modified") or head.get("modified")
    language = page.declared.get("language") or _language(body_blocks, head.get("lang"))

    # an anchor text (one line) inside one of the body's blocks
    body_joined = "\n".join(body_blocks)
    for l in outlinks:
        l["in_body"] = bool(l.get("text")) and l["text"] in body_joined

    art = Article(
        page_id=page.page_id,
        url=url,
        source=page.source,
        site=site,
        canonical_url=head.get("canonical"),
        publisher=publisher,
        title=title,
        byline=byline,
        published=published,
        modified=modified,
        fetched_at=page.fetched_at,
        language=language,
        description=doc.description or head.get("description"),
        region=page.declared.get("region") or tax.get("region"),
        theme=page.declared.get("theme") or tax.get("theme"),
        sections=sections,
        # not trafilatura's tags: it also takes a sidebar's site-wide tag cloud for the article's tags
        tags=page.declared.get("tags") or tax.get("tags") or [],
        blocks=blocks,
        body="\n\n".join(body_blocks),
        credits=credits,
        identifiers=idents,
        media=media,
        outlinks=outlinks,
        alternates=head.get("alternates", []),
        original_source=head.get("original-source") or head.get("syndication-source"),
        extra={"encoding": encoding, "og_url": head.get("og:url"), "path_url": path_url,
               "published_precision": date_precision(published, text, url, read_from_text=from_text),
               "publisher_from": publisher_from},
    )
    record = credits_mod.original_source(credits)
    if record:
        art.extra["original_source"] = record
    if repaired or declared_repaired:
        art.extra["mojibake"] = repaired or {"repaired": True, "lines": 0, "fields": True}
    return art


def _metadata(tree, url: str, date: bool = True):
    """trafilatura's metadata (``extract_metadata``) for what newstrace takes from it -- title, author, date,
    site name, description -- without the parts it does not use (tags, licence: a tenth of extract()'s CPU).
    Read from the tree trafilatura is given, before it prunes its copy, so the values are those
    ``bare_extraction(with_metadata=True)`` gives. Two parts are left to the caller: the byline search in the
    tree when no meta/JSON-LD gives an author (:func:`_tree_author`, run last, on the tree itself), and, when
    ``date`` is false (the page states its date machine-readably, which wins), htmldate's date search."""
    from trafilatura import metadata as tm

    md = tm.examine_meta(tree)
    if md.author and " " not in md.author:
        md.author = None
    try:
        md = tm.extract_meta_json(tree, md)
    except Exception:  # noqa: BLE001 - trafilatura's JSON-LD reader must not cost the page (as in trafilatura)
        pass
    if not md.title:
        md.title = tm.extract_title(tree)
    if not md.url:
        md.url = tm.extract_url(tree, url)
    if date:
        params = _date_params()
        params["url"] = md.url
        md.date = tm.find_date(tree, **params)
    if not md.sitename:
        md.sitename = tm.extract_sitename(tree)
    if md.sitename:
        md.sitename = md.sitename.lstrip("@")
        if md.sitename and "." not in md.sitename and not md.sitename[0].isupper():
            md.sitename = md.sitename.title()
    elif md.url:
        m = tm.META_URL.match(md.url)
        if m:
            md.sitename = m[1]
    md.clean_and_trim()
    return md


def _tree_author(tree) -> str | None:
    """trafilatura's ``extract_author`` (byline elements by class and itemprop), pruning ``tree`` itself
    rather than a deep copy of it (the lone-page cues read the pruned tree afterwards, with either search). The same search in one
    pass over the elements (:mod:`.tree_author`) unless ``TREE_AUTHOR_ONE_PASS`` is off."""
    from trafilatura import metadata as tm

    author = tree_author_mod.find(tree) if TREE_AUTHOR_ONE_PASS else False
    if author is False:   # trafilatura's own expressions (see tree_author.py)
        from trafilatura.htmlprocessing import prune_unwanted_nodes

        subtree = prune_unwanted_nodes(tree, tm.AUTHOR_DISCARD_XPATHS)
        author = tm.extract_metainfo(subtree, tm.AUTHOR_XPATHS, len_limit=tree_author_mod.LEN_LIMIT)
    if author:
        author = tm.normalize_authors(None, author)
    md = tm.Document()
    md.author = author
    md.clean_and_trim()
    return md.author


def _categories(tree, md, category_href: bool = True) -> list[str]:
    """trafilatura's categories (JSON-LD articleSection, else category links), the sections of last resort:
    the links are read only when the page shows no sections of its own. ``category_href`` false: no ``<a>`` of the
    page has "/categor" in its href (seen by :func:`_outlinks`; nothing the extraction does later adds links), so
    none of trafilatura's six link XPaths (a walk of the tree each, one calling back into Python for every
    ``<div>``) can give a link its ``/categor(?:y|ies|s)?/`` test keeps: only its fallback, the head's
    section meta, is read (:func:`_category_meta`), the same list."""
    from trafilatura import metadata as tm

    if md.categories:
        return list(md.categories)
    if not category_href and _catstags_known():
        return _category_meta(tree)
    return list(tm.extract_catstags("category", tree) or [])


CATEGORY_HREF = "/categor"   # in every href trafilatura's category test keeps ("/" + "category".rstrip("y") + ...)
CATEGORY_META = etree.XPath('.//head//meta[@property="article:section" or contains(@name, "subject")][@content]')
_CATSTAGS: dict[str, bool] = {}


def _catstags_known() -> bool:
    """Whether the installed trafilatura's ``extract_catstags`` is the one :func:`_categories` shortcuts: its link
    test built as "/" + metatype.rstrip("y") + "(?:y|ies|s)?/", every category XPath ending in ``//a[@href]``, and
    the head-meta fallback above. Another version: its own function always runs."""
    if "ok" not in _CATSTAGS:
        try:
            import inspect

            from trafilatura import metadata as tm

            src = inspect.getsource(tm.extract_catstags)
            _CATSTAGS["ok"] = ('regexpr = "/" + metatype.rstrip("y") + "(?:y|ies|s)?/"' in src
                               and CATEGORY_META.path in src
                               and "return [r for r in dict.fromkeys(line_processing(x) for x in results if x) if r]" in src
                               and all(" ".join(x.path.split()).endswith("//a[@href]") for x in tm.CATEGORIES_XPATHS))
        except Exception:  # noqa: BLE001 - no source to read: trafilatura's own function runs
            _CATSTAGS["ok"] = False
    return _CATSTAGS["ok"]


def _category_meta(tree) -> list[str]:
    """``extract_catstags("category", tree)`` on a page with no category link: its fallback alone."""
    from trafilatura.utils import line_processing

    results = [el.attrib["content"] for el in CATEGORY_META(tree)]
    return [r for r in dict.fromkeys(line_processing(x) for x in results if x) if r]


# -- head: meta, links, JSON-LD -----------------------------------------------------------
def _read_head(tree) -> dict[str, Any]:
    out: dict[str, Any] = {"alternates": []}
    html_el = tree if tree.tag == "html" else tree.find(".//html")
    if html_el is not None and html_el.get("lang"):
        out["lang"] = html_el.get("lang").split("-")[0].lower()
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        val = (m.get("content") or "").strip()
        if not key or not val:
            continue
        if key in ("og:url", "og:title", "og:site_name", "application-name", "description", "author", "original-source",
                   "syndication-source", "keywords", "news_keywords"):
            out.setdefault(key, val)
        elif key in ("article:published_time", "datepublished", "date", "pubdate", "dc.date"):
            out.setdefault("published", val)
        elif key in ("article:modified_time", "datemodified", "og:updated_time", "last-modified"):
            out.setdefault("modified", val)
        elif key == "article:section":
            out.setdefault("meta_sections", []).append(val)
        elif key == "article:tag":
            out.setdefault("meta_tags", []).append(val)
        elif key in ("twitter:site", "twitter:creator"):
            out.setdefault("twitter_meta", []).append(val)
    for t in tree.iter("time"):
        dt = (t.get("datetime") or "").strip()
        hints = " ".join(filter(None, (t.get("class"), t.get("itemprop"), t.get("id")))).lower()
        if not re.match(r"\d{4}-\d{2}-\d{2}", dt) or re.search(r"updat|modif|edit", hints):
            continue
        if "datepublished" in hints or "publish" in hints or any(
                a.tag in ("article", "header") or "meta" in (a.get("class") or "").lower() for a in t.iterancestors()):
            out.setdefault("time_published", dt)
            break
    t = tree.find(".//title")
    if t is not None and t.text_content().strip():
        out["title"] = " ".join(t.text_content().split())
    for l in tree.iter("link"):
        rel = (l.get("rel") or "").lower().split()
        href = (l.get("href") or "").strip()
        if not href:
            continue
        if "canonical" in rel:
            out.setdefault("canonical", href)
        elif "alternate" in rel and l.get("hreflang"):
            out["alternates"].append({"lang": l.get("hreflang"), "href": href})
        elif "original-source" in rel or "syndication-source" in rel:
            out.setdefault(rel[0], href)
    for s in tree.iter("script"):
        if (s.get("type") or "").lower() != "application/ld+json" or not s.text:
            continue
        try:
            data = json.loads(s.text)
        except ValueError:
            continue
        for obj in _jsonld_objects(data):
            if obj.get("datePublished"):
                out.setdefault("published", str(obj["datePublished"]))
            if obj.get("dateModified"):
                out.setdefault("modified", str(obj["dateModified"]))
            pub = obj.get("publisher")
            if isinstance(pub, dict) and isinstance(pub.get("name"), str) and pub["name"].strip():
                out.setdefault("ld_publisher", pub["name"].strip())
            auth = obj.get("author")
            if auth:
                # an Organization author ("Patriot Herald", "X Newsroom") is kept: on a copy it names the source
                names = [a.get("name") if isinstance(a, dict) else a for a in (auth if isinstance(auth, list) else [auth])]
                names = [n for n in names if isinstance(n, str) and n.strip()]
                for a in (auth if isinstance(auth, list) else [auth]):
                    if isinstance(a, dict) and "organization" in str(a.get("@type", "")).lower() and \
                            isinstance(a.get("name"), str) and a["name"].strip():
                        out.setdefault("ld_author_orgs", []).append(a["name"].strip())
                if names:
                    out.setdefault("ld_author", "; ".join(names))
            if isinstance(obj.get("articleSection"), (str, list)):
                out.setdefault("ld_sections", obj["articleSection"] if isinstance(obj["articleSection"], list)
                               else [obj["articleSection"]])
            if isinstance(obj.get("keywords"), (str, list)):
                out.setdefault("ld_keywords", obj["keywords"])
    return out


def _jsonld_objects(data):
    if isinstance(data, list):
        for d in data:
            yield from _jsonld_objects(d)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _jsonld_objects(data["@graph"])


def _clean_title(title: str | None, sitename: str | None) -> str | None:
    if not title:
        return None
    title = title.strip()
    if sitename:
        for sep in (" | ", " - ", " – ", " — ", " :: ", " · ", " » "):
            if title.endswith(sep + sitename):
                title = title[: -len(sep + sitename)].strip()
            if title.startswith(sitename + sep):
                title = title[len(sitename + sep):].strip()
    return title or None


def _date_params() -> dict[str, Any]:
    """htmldate without its extensive search: that search guesses a date for undated pages from archive
    links ("/2021/06/") and copyright years ("2021-01-01"). Markup, URL and the usual visible date
    places are still read. Measured: trafilatura-eval 654/851 dates right against 632 with extensive
    search; reuse-dev 1186/1187 against 1081."""
    from datetime import datetime

    return {"original_date": True, "extensive_search": False,
            "max_date": datetime.now().astimezone().strftime("%Y-%m-%d")}


def _fallback_date(tree, url: str) -> str | None:
    """For a page with no date in its markup: htmldate's extensive search, kept only when the day is not the
    1st (a month taken from an archive link such as "/2021/06/", or a copyright year, comes out as the 1st).
    Measured on trafilatura-eval: 658/851 dates right against 654 without this fallback (value expected:
    625/728 against 601); reuse-dev loses 7 of 1187 (undated pages given a date). Also requiring the
    "latest" reading to agree gains 3 pages on trafilatura-eval for a second htmldate run: not worth it."""
    from htmldate import find_date

    try:
        first = find_date(tree, url=url, **{**_date_params(), "extensive_search": True})
    except Exception:  # noqa: BLE001 - a date guess must never cost the page
        return None
    if first and not first.endswith("-01"):
        return first
    return None


_MONTHS = MONTHS  # month names in the languages htmldate and the credit patterns read


def date_precision(published: str | None, html: str = "", url: str = "", read_from_text: bool = False) -> str | None:
    """How precise a stated publication date is: ``time`` (a time of day), ``day``, ``month`` or ``year``.
    A machine-readable date (meta, JSON-LD, a declared field) is as precise as it is written.  A date
    htmldate read from the page's text (``read_from_text``) counts as a day only when the page or its URL
    spells that day out: it reads a month ("July 2021", an archive link "/2021/07/") as the 1st, and a
    ``<time datetime="2021-07">`` as today's day of that month."""
    if not published:
        return None
    if len(published) > 10 and "T" in published:
        return "time"
    if re.fullmatch(r"\d{4}", published):
        return "year"
    if re.fullmatch(r"\d{4}-\d{2}", published):
        return "month"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", published[:10])
    if not m or not read_from_text:
        return "day"
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    pats = _day_patterns(y, mo, d)
    if url and any(p.search(url) for p in pats):
        return "day"
    return "day" if html and _spells_day(pats, y, html) else "month"


@functools.lru_cache(maxsize=256)
def _day_patterns(y: str, mo: int, d: int) -> tuple[re.Pattern, ...]:
    """The ways a page spells the day ``y-mo-d`` out (see :func:`date_precision`). The first three begin with
    the year, the next two end with a separator and the year (2 or 4 digits), the last two end with the year
    after words and runs of spaces: :func:`_spells_day` relies on it."""
    yy, mon, sep = rf"(?:{y}|{y[2:]})", _MONTHS[mo - 1], r"[-/.]"
    day = rf"0?{d}" if d < 10 else str(d)
    return tuple(re.compile(p, re.I) for p in (
        rf"(?<!\d){y}{sep}0?{mo}{sep}{day}(?!\d)", rf"(?<!\d){y}{mo:02d}{d:02d}(?!\d)",
        rf"{y}\s*年\s*0?{mo}\s*月\s*{day}\s*日",
        rf"(?<!\d){day}{sep}0?{mo}{sep}{yy}(?!\d)", rf"(?<!\d)0?{mo}{sep}{day}{sep}{yy}(?!\d)",
        rf"(?<![\w.]){day}(?:st|nd|rd|th|er|\.|º)?[\s\-/]+(?:of\s+|de\s+)?(?:{mon})\.?,?[\s\-/]+(?:de\s+)?{y}(?!\d)",
        rf"(?<!\w)(?:{mon})\.?\s+{day}(?:st|nd|rd|th)?(?!\d),?\s+{y}(?!\d)"))


SHORT_DATE_CHARS = 11   # the longest "05-06-2021" / "06/05/2021" form (the 4th and 5th patterns)
# the most characters of the 6th and 7th patterns that are not runs of spaces, "-" or "/": day 2, suffix 2,
# "of"/"de" 2, the longest month name 10, "." and "," 2, "de" 2 (with room to spare)
WORDY_DATE_CHARS = 24


def _spells_day(pats: tuple[re.Pattern, ...], y: str, text: str) -> bool:
    """``any(p.search(text) for p in pats)`` without running the patterns from every position of a whole
    page (their leading look-behinds make the regex engine try each one, ~10 ms per pattern on a large page):
    every match holds the year, so each pattern is tried only at the starts the year's occurrences allow —
    at the year (patterns 1-3); up to 11 characters before a 2-digit year with a separator before it
    (4-5); before a year, back over at most ``WORDY_DATE_CHARS`` characters besides runs of spaces, "-" and
    "/" (6-7). The same answer as searching the whole text."""
    starts, short, wordy = pats[:3], pats[3:5], pats[5:]
    j = text.find(y)
    while j != -1:
        if any(p.match(text, j) for p in starts):
            return True
        lo, budget, k = j, WORDY_DATE_CHARS, j - 1
        while k >= 0:
            ch = text[k]
            if not (ch.isspace() or ch in "-/"):   # (\s is str.isspace)
                budget -= 1
                if budget < 0:
                    break
            lo = k
            k -= 1
        if any(p.match(text, i) for i in range(lo, j) for p in wordy):
            return True
        j = text.find(y, j + 1)
    y2 = y[2:]
    j = text.find(y2)
    while j != -1:
        if j and text[j - 1] in "-/." or j >= 3 and text[j - 2:j] == y[:2] and text[j - 3] in "-/.":
            if any(p.match(text, i) for i in range(max(0, j + 2 - SHORT_DATE_CHARS), j) for p in short):
                return True
        j = text.find(y2, j + 1)
    return False


def _page_url(head: dict[str, Any], path_url: str | None) -> str | None:
    """The page's own URL. og:url and canonical usually agree; when a copy's canonical points at the
    site it copied from (a credit, not this page's address), og:url or the mirrored path wins."""
    og, canon = head.get("og:url"), head.get("canonical")
    cands = [u for u in (og, canon) if u and u.startswith(("http://", "https://"))]
    if path_url and path_url.startswith(("http://", "https://")):
        same = [u for u in cands if site_of(u) == site_of(path_url)]
        return same[0] if same else path_url
    if og and canon and site_of(og) != site_of(canon):
        return og
    return canon or og or path_url


def _slug(name: str) -> str:
    return credits_mod._slug(name)


def _credited_names(credits: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in credits if c.get("name") and c["form"] in credits_mod.ORIGINAL_FORMS]


def _strip_site_name(title: str | None, names: list[str | None]) -> str | None:
    """"Site :: Headline", "Headline | Site": the site's name is not part of the headline."""
    if not title:
        return title
    for name in {n.strip() for n in names if n and n.strip()}:
        t = _clean_title(title, name)
        if t and t != title:
            return t
    return title


def _byline(author: str | None, head: dict[str, Any], page_text: str = "", site: str = "",
            low: str | None = None) -> str | None:
    a = author
    if not a:
        # like trafilatura, a one-word meta author is a user name ("Manniac"), unless it is a domain;
        # an author that is just the site's own name ("oe24.at", "LA NACION" on lanacion.com.ar) is no byline
        own = _slug(site) if site and site not in ("unknown", "local") else ""
        for cand in (head.get("ld_author"), head.get("author")):
            c = (cand or "").strip()
            if c and own and _slug(c) == own:
                continue
            if c and (" " in c or (credits_mod.DOMAIN_NAME.match(c) and credits_mod.DOMAIN_BYLINE_SUFFIX.search(c))):
                a = c
                break
    if not a:
        return None
    a = re.sub(r"^\s*(?:by|author|written by|posted by)\s*:?\s+", "", a.strip(), flags=re.I)
    # trafilatura title-cases author strings and rewrites punctuation: "valley-record.example" comes
    # back "Valley-Record Example", "Signal & Noise" as "Signal; Noise": take the page's own spelling
    dom = a.lower().replace(" ", ".")
    if credits_mod.DOMAIN_NAME.match(dom) and credits_mod.DOMAIN_BYLINE_SUFFIX.search(dom) and \
            _written_as_domain(dom, page_text, low):
        return dom  # written as a domain in the byline or the author meta
    if ";" in a:
        words = re.findall(r"\w+", a)
        if words:
            pat = re.compile(r"\b" + r"(?:\s*(?:&amp;|&|\+)?\s*)".join(map(re.escape, words)) + r"\b")
            m = _search_at(pat, words[0], page_text)
            if m and "&" in m.group(0):
                return " ".join(m.group(0).replace("&amp;", "&").split())
    return a or None


# the characters other than ASCII letters that re.IGNORECASE matches to an ASCII letter (i, s, k)
IGNORECASE_ODD = ("\u0130", "\u0131", "\u017f", "\u212a")


def _written_as_domain(dom: str, page_text: str, low: str | None = None) -> bool:
    """Whether the page writes ``dom`` as a byline or author meta: ``>dom<``, ``by dom``, ``content="dom"``
    (case-insensitive). Tried only at ``dom``'s occurrences in ``low`` (the page with ASCII letters lower-cased,
    same length) rather than from every position of the page (a few ms on a large page): a match ends its
    ``>``/``by``/``content="`` where the run of spaces before ``dom`` starts. The same answer as searching the page."""
    pat = re.compile(r"(?:>|\bby\s+|content=[\"'])\s*" + re.escape(dom) + r"\s*(?:<|[\"'])", re.I)
    if not dom.isascii() or low is None or len(low) != len(page_text) or any(c in page_text for c in IGNORECASE_ODD):
        return pat.search(page_text) is not None
    j = low.find(dom)
    while j != -1:
        k = j
        while k > 0 and page_text[k - 1].isspace():   # (\s is str.isspace)
            k -= 1
        if any(pat.match(page_text, i) for i in (k - 1, k - 2, k - len('content="')) if i >= 0):
            return True
        j = low.find(dom, j + 1)
    return False


def _search_at(pat: re.Pattern, first: str, text: str) -> re.Match | None:
    """``pat.search(text)`` for a pattern whose every match starts with the literal ``first``: tried only where
    ``first`` occurs (str.find), not at every position of a whole page."""
    i = text.find(first)
    while i != -1:
        m = pat.match(text, i)
        if m:
            return m
        i = text.find(first, i + 1)
    return None


def _language(blocks: list[str], declared: str | None) -> str | None:
    text = " ".join(blocks)[:LANGUAGE_SAMPLE_CHARS]
    if len(text) < 40:
        return declared
    try:
        from . import langid

        lang, _score = langid.classify(text)
        return lang
    except Exception:  # noqa: BLE001
        return declared


# -- links and media ----------------------------------------------------------------------
# an absolute http(s) ASCII URL that urljoin would give back unchanged (no brackets, tab, line break or ";", no
# empty query or fragment): taken as it is, without urllib's parse and rebuild (a tenth of extract()'s own time)
PLAIN_ABSOLUTE = re.compile(r"https?://[^/\[\]\s]")
URL_REBUILT = re.compile(r"[\t\r\n\[\];]|\?#|[?#]$")


# a root-relative path ("/2021/06/x.html?a=1") with no dot segment: urljoin gives the base's origin + it
PLAIN_ROOTED = re.compile(r"/(?![/\\])")
ORIGIN = re.compile(r"https?://[^/?#\[\]\s@]+(?=[/?#]|$)")


def join_url(base: str, href: str, origin: str | None = None) -> str:
    """``urljoin(base, href)``, quicker for the common absolute and root-relative links (``origin``: the
    base's ``scheme://host``, from :func:`url_origin`). Raises ValueError as urljoin does."""
    if href.isascii() and not URL_REBUILT.search(href):
        if PLAIN_ABSOLUTE.match(href):
            return href
        if origin and PLAIN_ROOTED.match(href) and "/." not in href and "\\" not in href:
            return origin + href
    return urljoin(base, href)


def url_origin(base: str) -> str | None:
    """``scheme://host`` of a plain http(s) base URL (lower-case scheme and host, as urljoin keeps them
    only when they already are), else None: the slow path then."""
    m = ORIGIN.match(base)
    return m.group(0) if m and base.isascii() and m.group(0) == m.group(0).lower() else None


def _outlinks(tree, base: str, marks: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The page's links with their anchor texts, and the hrefs of links to media files (for :func:`_media`):
    one pass over the ``<a>`` elements. ``marks`` (a dict to fill) gets what the same pass sees for other steps:
    ``tag_links``, the ``<a>``s the taxonomy's ``TAG_LINKS`` XPath gives (rel "tag" or holding " tag"), in
    document order, and ``category_href``, whether any href holds "/categor" (:func:`_categories`)."""
    seen, out, media, joined = set(), [], [], {}
    tag_links, category_href = [], False
    origin = url_origin(base)
    for a in tree.iter("a"):
        raw_href = a.get("href")
        rel = a.get("rel")
        if rel is not None and (rel == "tag" or " tag" in rel):
            tag_links.append(a)
        if raw_href and MEDIA_EXT.search(raw_href):
            media.append(raw_href)
        if raw_href and not category_href and CATEGORY_HREF in raw_href:
            category_href = True
        href = (raw_href or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        full = joined.get(href, False)   # (a page links the same href many times: menus, share bars)
        if full is False:
            try:
                full = join_url(base, href, origin)
            except ValueError:  # e.g. "http://[not-an-ip]/": one bad href must not lose the page
                full = None
            joined[href] = full
        if full is None or not full.startswith(("http://", "https://")):
            continue
        # (an <a> with no child element: its text is its own)
        text = " ".join(("".join(a.itertext()) if len(a) else a.text or "").split())[:300]
        key = (full, text)
        if key in seen:
            continue
        seen.add(key)
        out.append({"href": full, "text": text, "in_body": False})
    if marks is not None:
        marks["tag_links"], marks["category_href"] = tag_links, category_href
    return out, media


def _media(tree, base: str, html_text: str, media_hrefs: list[str], low: str | None = None) -> list[dict[str, Any]]:
    out, seen = [], set()
    origin = url_origin(base)

    def add(kind: str, url: str | None):
        if not url:
            return
        try:
            url = join_url(base, url.strip(), origin)
        except ValueError:  # malformed bracketed host
            return
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            out.append({"type": kind, "url": url})

    for el in tree.iter("video", "audio", "source", "iframe", "embed"):
        src = el.get("src") or el.get("data-src")
        if el.tag == "iframe":
            if src and (any(h in src for h in EMBED_HOSTS) or EMBED_PATH.search(src)) and not AD_URL.search(src):
                add("embed", src)
            continue
        kind = "audio" if el.tag == "audio" or (el.getparent() is not None and el.getparent().tag == "audio") else "video"
        add(kind, src)
    for href in media_hrefs:
        add("audio" if re.search(r"\.(mp3|m4a|ogg|oga|wav|flac)", href, re.I) else "video", href)
    # (cheap: the slow URL pattern runs only on pages naming a media file; ``low``: the page with its ASCII letters
    # lower-cased, same length, where a case-sensitive search does what MEDIA_EXT_IN_TEXT does on the page)
    if MEDIA_EXT_LOWER.search(low) if low is not None and len(low) == len(html_text) else \
            MEDIA_EXT_IN_TEXT.search(html_text):
        for m in MEDIA_URL_IN_TEXT.finditer(html_text):
            add("audio" if re.search(r"\.(mp3|m4a|ogg|wav)", m.group(0), re.I) else "video", m.group(0))
    for img in _article_images(tree):
        add("image", img)
    return out


# the <img>s inside an article container, in document order: one XPath in C (an image inside nested containers
# once), the images the containers' own ``iter("img")`` give, first times in the same order
ARTICLE_IMAGES = etree.XPath("//img[ancestor::article or ancestor::main or ancestor::figure"
                             " or ancestor-or-self::*[@itemprop='articleBody']]")


def _article_images(tree):
    """Images inside the article (figure/article/main), not logos or sidebar thumbnails."""
    for img in ARTICLE_IMAGES(tree):
        src = img.get("src") or img.get("data-src")
        if not src:
            continue
        cls = " ".join([img.get("class") or "", img.getparent().get("class") or ""]).lower()
        if any(w in cls for w in ("logo", "avatar", "thumb", "icon", "sidebar", "related")):
            continue
        yield src
