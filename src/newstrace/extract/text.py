"""Plain-text / Markdown page dumps -> Article.

A page saved as text keeps its furniture and its metadata in prose: a first line or ``# heading``
for the title, "By X" bylines, "Region: Europe" / "Theme: ..." labels, dates written out, and
``[anchor](url)`` links. Those lines become metadata; the paragraphs become blocks.
"""
from __future__ import annotations

import re

from ..records import Article, Page, Problem
from . import credits as credits_mod
from . import furniture as furniture_mod
from . import identifiers as identifiers_mod
from . import mojibake as mojibake_mod
from . import publisher as publisher_mod
from .urls import normalise_url, site_of

MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
MD_EMPHASIS = re.compile(r"(?<![\w*])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*])")
MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\s]+)\)")
BYLINE = re.compile(r"^(?:by|author:|written by|posted by)\s+(.{2,120})$", re.I)
LABEL = re.compile(r"^(region|theme|topic|tags|category|section|filed under)\s*:\s*(.+)$", re.I)
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE_PROSE = re.compile(
    rf"\b((?:{MONTHS}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+(?:{MONTHS})\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})\b", re.I)
MEDIA_URL = re.compile(r"https?://\S+?\.(?:mp4|webm|mov|m4v|mp3|m4a|ogg|wav)\b", re.I)


def _iso_date(s: str) -> str | None:
    try:
        import dateparser  # shipped with htmldate's dependencies
    except ImportError:  # pragma: no cover
        return s if re.match(r"\d{4}-\d{2}-\d{2}", s) else None
    if re.match(r"\d{4}-\d{2}-\d{2}$", s):
        return s
    d = dateparser.parse(s, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    return d.date().isoformat() if d else None


def extract_text_page(page: Page) -> Article | Problem:
    text = (page.text or "").replace("\r\n", "\n").replace("\r", "\n")
    # mojibake (UTF-8 read as cp1252 in an export: "weâ€™re") is repaired first: offsets refer to the repaired text
    text, repaired = mojibake_mod.repair(text)
    declared, fields_repaired = mojibake_mod.repair_fields(page.declared)
    page = Page(page.source, page.url, page.raw, page.text, page.content_type, page.fetched_at, declared)
    if not text.strip():
        return Problem(page.source, "extract", "empty-body", "text page has no content", url=page.url,
                       page_id=page.page_id)
    url = normalise_url(page.url or page.declared.get("path_url")) or page.source
    outlinks, media = [], []
    for m in MD_IMAGE.finditer(text):
        media.append({"type": "image", "url": m.group(2)})
    for m in MD_LINK.finditer(text):
        href = m.group(2)
        if href.startswith(("http://", "https://")):
            outlinks.append({"href": href, "text": " ".join(m.group(1).split()), "in_body": False})
    for m in MEDIA_URL.finditer(text):
        kind = "audio" if re.search(r"\.(mp3|m4a|ogg|wav)$", m.group(0), re.I) else "video"
        if all(x["url"] != m.group(0) for x in media):
            media.append({"type": kind, "url": m.group(0)})
    idents = identifiers_mod.find_identifiers(text)
    # paragraphs: blank-line separated; markdown link markup reduced to its anchor text
    # Markdown emphasis markers are not text: "*GRN Editor*", "**Update:**", "_note_"
    text = MD_EMPHASIS.sub(lambda m: m.group(2), text)
    # lines are kept inside a paragraph: "Region: Europe" and "Theme: Energy" may sit on adjacent lines
    paras = ["\n".join(" ".join(ln.split()) for ln in MD_LINK.sub(lambda m: m.group(1), MD_IMAGE.sub("", p)).split("\n"))
             for p in re.split(r"\n\s*\n", text)]
    paras = [p.strip() for p in paras if p.strip()]
    title = page.declared.get("title")
    byline = page.declared.get("byline")
    published = page.declared.get("published")
    meta: dict[str, str] = {}
    tags: list[str] = []
    blocks: list[str] = []
    for i, p in enumerate(paras):
        lines = [ln.strip() for ln in p.split("\n") if ln.strip()] if "\n" in p else [p]
        rest = []
        for ln in lines:
            ln2 = ln.lstrip("#*_ ").rstrip("*_ ")
            if title is None and i == 0 and not blocks and not rest and len(ln2) < 250:
                title = ln2
                continue
            m = BYLINE.match(ln2)
            if m and byline is None and len(blocks) < 3:
                byline = re.split(r"\s+(?:[|•·–—-]|on)\s+", m.group(1))[0].strip()
                d = DATE_PROSE.search(ln2)
                if d and not published:
                    published = _iso_date(d.group(1))
                continue
            m = LABEL.match(ln2)
            if m and len(ln2) < 200:
                key = m.group(1).lower()
                if key == "tags":
                    tags = [t.strip() for t in m.group(2).split(",") if t.strip()]
                else:
                    meta.setdefault({"topic": "theme", "category": "theme", "section": "theme",
                                     "filed under": "theme"}.get(key, key), m.group(2).strip())
                continue
            d = DATE_PROSE.fullmatch(ln2.strip(" .")) or (
                DATE_PROSE.search(ln2) if len(ln2) < 60 and not blocks else None)
            if d and not published and len(ln2) < 80:
                published = _iso_date(d.group(1))
                continue
            rest.append(ln)
        if rest:
            blocks.append(" ".join(" ".join(rest).split()))
    blocks, credits = credits_mod.split_credits(blocks, outlinks, {})
    site = page.declared.get("site") or site_of(url)
    credited = [c["name"] for c in credits if c.get("name") and c["form"] in credits_mod.ORIGINAL_FORMS]
    publisher, publisher_from = (page.declared["publisher"], "given") if page.declared.get("publisher") else \
        publisher_mod.publisher({"title": title}, site, blocks, None, credited + [byline])
    own = {credits_mod.name_key(n) for n in (publisher, site) if n}
    blocks = credits_mod.attach_datelines(blocks, credits, own)
    credits = credits_mod.drop_self_credits(credits, site, own)
    body_blocks = furniture_mod.lone_page_body(blocks)  # blocks keep the unstripped text
    if not body_blocks:
        return Problem(page.source, "extract", "no-body", "no paragraphs after metadata lines", url=url,
                       page_id=page.page_id)
    body_text = "\n\n".join(body_blocks)
    for l in outlinks:
        l["in_body"] = bool(l["text"]) and l["text"] in body_text
    lang = page.declared.get("language")
    if not lang:
        try:
            from . import langid

            lang = langid.classify(body_text[:3000])[0]
        except Exception:  # noqa: BLE001
            lang = None
    return Article(
        page_id=page.page_id, url=url, source=page.source, site=site, publisher=publisher, title=title, byline=byline, published=published,
        fetched_at=page.fetched_at, language=lang, region=page.declared.get("region") or meta.get("region"),
        theme=page.declared.get("theme") or meta.get("theme"), tags=page.declared.get("tags") or tags,
        blocks=blocks, body=body_text, credits=credits, identifiers=idents, media=media, outlinks=outlinks,
        extra={"format": "text", "publisher_from": publisher_from,
               **({"original_source": credits_mod.original_source(credits)} if credits_mod.original_source(credits) else {}),
               **({"mojibake": repaired or {"repaired": True, "lines": 0, "fields": True}}
                                    if repaired or fields_repaired else {})},
    )
