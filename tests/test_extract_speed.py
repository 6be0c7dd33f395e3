"""Extraction's faster paths give the records the slower ones give: the same body, metadata, identifiers,
outlinks and media on every test page, and the one-pass byline search (extract/tree_author.py) the author
trafilatura's own XPath search takes, including where its pruning changes the answer."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import lxml.html
import pytest

from newstrace.extract import article as A
from newstrace.extract import tree_author
from newstrace.records import Article, Page

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p for d in (ROOT / "tests" / "fixtures", ROOT / "src" / "newstrace" / "samples")
               for p in d.rglob("*.htm*"))


def _record(path: Path) -> dict:
    art = A.extract(Page(source=str(path), url=None, raw=path.read_bytes()))
    return dataclasses.asdict(art) if isinstance(art, Article) else {"problem": art.reason}


def test_there_are_pages_to_compare():
    assert len(PAGES) >= 20


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_records_identical_to_the_slow_paths(path, monkeypatch):
    fast = _record(path)
    monkeypatch.setattr(A, "TREE_AUTHOR_ONE_PASS", False)
    monkeypatch.setattr(A, "TRAFILATURA_PAGE_TEXT", False)
    slow = _record(path)
    assert fast == slow


def _doc(body: str):
    return lxml.html.document_fromstring(f"<html><head><title>t</title></head><body>{body}</body></html>",
                                         parser=A.html_parser())


def _both(body: str):
    """(one pass, trafilatura's XPaths) on two copies of the same tree."""
    tree = _doc(body)
    a, b = copy.deepcopy(tree), copy.deepcopy(tree)
    A.TREE_AUTHOR_ONE_PASS = True
    try:
        fast = A._tree_author(a)
        A.TREE_AUTHOR_ONE_PASS = False
        slow = A._tree_author(b)
    finally:
        A.TREE_AUTHOR_ONE_PASS = True
    return fast, slow


def _both_trees(body: str):
    """The two trees after each search: the lone-page cues read the tree after the byline search."""
    tree = _doc(body)
    a, b = copy.deepcopy(tree), copy.deepcopy(tree)
    A.TREE_AUTHOR_ONE_PASS = True
    try:
        A._tree_author(a)
        A.TREE_AUTHOR_ONE_PASS = False
        A._tree_author(b)
    finally:
        A.TREE_AUTHOR_ONE_PASS = True
    return lxml.html.tostring(a), lxml.html.tostring(b)


CASES = {
    "class author": "<div><span class='author'>Jane Roe</span><p>text</p></div>",
    "no byline": "<div><p>Only text here, no byline anywhere.</p></div>",
    "byline in a comment box (pruned)": "<div id='comments'><span class='byline'>Troll Person</span></div>"
                                        "<div class='post-author'>Jane Roe</div>",
    "time inside the byline (pruned, tail kept)": "<p class='byline'>By Jane Roe<time>2021-06-15</time> and "
                                                  "John Doe</p>",
    "figure before the byline": "<figure><figcaption class='author'>Photo: Agency Person</figcaption></figure>"
                                "<span class='author-name'>Jane Roe</span>",
    "second expression only": "<h4 class='submitted-by'>Max Muster</h4>",
    "third expression only (any element)": "<li class='articleAuthor'>Ana Gómez</li>",
    "itemprop": "<em itemprop='author'>Li Wei</em>",
    "author element": "<author>Pat Doe</author>",
    "too short then a good one": "<span class='author'>JR</span><a rel='author' href='/x'>Jane Roe</a>",
    "too long": "<div class='author'>" + "word " * 40 + "</div>",
    "sidebar wrapping": "<div class='sidebar'><p class='byline'>Someone Else</p></div><p class='byline'>Jane Roe</p>",
    "nested discards": "<div class='comments'><div class='quote'><span class='author'>A B</span></div></div>"
                       "<span data-component='Byline'>Jane Roe</span>",
    "data-testid": "<a data-testid='AuthorURL' href='/a'>Jane Roe</a>",
    "id author": "<p id='authorBox'>By Jane Roe</p>",
    "rel element (trafilatura's own code)": "<div><rel>me</rel>Jane Roe</div>",
    "empty class": "<span class=''>x</span><span class='writer'>Jane Roe</span>",
    "no byline, discardable classes": "<div class='post category-news'><div class='sidebar'><p>aside</p></div>"
                                      "<div class='inner'><p>Only text here.</p></div></div>",
}


@pytest.mark.parametrize("name", CASES)
def test_one_pass_byline_search_matches_trafilatura(name):
    fast, slow = _both(CASES[name])
    assert fast == slow


@pytest.mark.parametrize("name", CASES)
def test_one_pass_byline_search_leaves_the_same_tree(name):
    # with or without a byline found, the tree later readers see is the one trafilatura's code leaves
    fast, slow = _both_trees(CASES[name])
    assert fast == slow


def test_one_pass_byline_search_reads_trafilatura_expressions():
    # the expressions implemented are the installed trafilatura's; otherwise its own code runs
    assert tree_author.same_as_installed()
    assert tree_author.find(_doc("<div><rel>me</rel></div>")) is False


def test_pruning_changes_the_answer_the_same_way():
    # the byline inside the comment box is not taken; the <time> inside the byline is dropped, its tail kept
    assert _both(CASES["byline in a comment box (pruned)"])[0] == "Jane Roe"
    fast, _slow = _both(CASES["time inside the byline (pruned, tail kept)"])
    assert "2021" not in fast and "John Doe" in fast


# -- date precision: the day patterns tried only where the year occurs, same answer as searching everywhere --
def _precision_searching_everywhere(published: str, html: str) -> str:
    """date_precision's answer for a date read from the text, as main computed it (every pattern searched
    over the whole page)."""
    import re

    y, mo, d = published[:4], int(published[5:7]), int(published[8:10])
    yy, mon, sep = rf"(?:{y}|{y[2:]})", A._MONTHS[mo - 1], r"[-/.]"
    day = rf"0?{d}" if d < 10 else str(d)
    pats = (rf"(?<!\d){y}{sep}0?{mo}{sep}{day}(?!\d)", rf"(?<!\d){day}{sep}0?{mo}{sep}{yy}(?!\d)",
            rf"(?<!\d)0?{mo}{sep}{day}{sep}{yy}(?!\d)", rf"(?<!\d){y}{mo:02d}{d:02d}(?!\d)",
            rf"(?<![\w.]){day}(?:st|nd|rd|th|er|\.|º)?[\s\-/]+(?:of\s+|de\s+)?(?:{mon})\.?,?[\s\-/]+(?:de\s+)?{y}(?!\d)",
            rf"(?<!\w)(?:{mon})\.?\s+{day}(?:st|nd|rd|th)?(?!\d),?\s+{y}(?!\d)",
            rf"{y}\s*年\s*0?{mo}\s*月\s*{day}\s*日")
    return "day" if any(re.search(p, html, re.I) for p in pats) else "month"


def _written(rnd, published: str) -> str:
    """The date written one of the ways pages write it (sometimes a day or a year off), amid other text."""
    y, mo, d = published[:4], int(published[5:7]), int(published[8:10])
    if rnd.random() < 0.3:
        d = max(1, min(28, d + rnd.choice([-1, 1, 10])))
    if rnd.random() < 0.2:
        y = str(int(y) + rnd.choice([-1, 1]))
    mon = rnd.choice(A._MONTHS[mo - 1].split("|"))
    mon = rnd.choice([mon, mon.upper(), mon.title()])
    dd, mm, yy = rnd.choice([str(d), f"{d:02d}"]), rnd.choice([str(mo), f"{mo:02d}"]), rnd.choice([y, y[2:]])
    s = rnd.choice(["-", "/", "."])
    w = rnd.choice([" ", "  ", "\n", " \t ", "-", "/", " - ", "\u00a0", "\u2003"])
    form = rnd.choice([
        f"{y}{s}{mm}{s}{dd}", f"{dd}{s}{mm}{s}{yy}", f"{mm}{s}{dd}{s}{yy}", f"{y}{mo:02d}{d:02d}",
        f"{dd}{rnd.choice(['', 'st', 'th', '.', 'º'])}{w}{rnd.choice(['', 'of ', 'de '])}{mon}"
        f"{rnd.choice(['', '.', ',', '.,'])}{w}{rnd.choice(['', 'de '])}{y}",
        f"{mon}{rnd.choice(['', '.'])}{w}{dd}{rnd.choice(['', 'st', 'nd'])}{rnd.choice(['', ','])}{w}{y}",
        f"{y}年{mo}月{dd}日"])
    return rnd.choice(["", "a", "1", ".", " ", "x.", "20", "<p>"]) + form + rnd.choice(["", "0", " ", "a", "</p>", "5"])


def test_date_precision_same_as_searching_the_whole_page():
    import random

    rnd = random.Random(5)
    days = 0
    for _ in range(1500):
        published = f"{rnd.randint(2019, 2022)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        html = " filler ".join(_written(rnd, published) for _ in range(rnd.randint(1, 3)))
        want = _precision_searching_everywhere(published, html)
        days += want == "day"
        assert A.date_precision(published, html, "", read_from_text=True) == want, (published, html)
    assert 0.2 < days / 1500 < 0.8   # both answers are exercised


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_date_precision_on_the_test_pages(path):
    import re

    html = path.read_text("utf-8", "replace")
    dates = {f"{a}-{b}-{c}" for a, b, c in re.findall(r"(20[12]\d)-(\d\d)-(\d\d)", html)} | {"2025-03-06", "2021-06-15"}
    for published in sorted(dates):
        if 1 <= int(published[5:7]) <= 12 and 1 <= int(published[8:10]) <= 31:
            assert A.date_precision(published, html, "", True) == _precision_searching_everywhere(published, html)


def test_control_characters_found_from_the_bytes_where_the_charset_allows():
    # every C0 byte of an ASCII-superset charset decodes to itself, and nothing else decodes to one
    for enc in ("utf-8", "cp1252", "iso8859-1", "iso8859-15", "cp1251", "koi8-r", "ascii"):
        for b in range(256):
            try:
                ch = bytes([b]).decode(enc)
            except UnicodeDecodeError:
                continue
            assert bool(A.XML_INCOMPATIBLE.search(ch)) == (bytes([b]) in A.CONTROL_BYTES), (enc, b)
    clean, dirty = "<p>caf\u00e9 \u2019ok\u2019</p>".encode(), "<p>a\x01b\x1fc</p>".encode()
    assert not A._may_hold_controls(clean, "utf-8")
    assert A._may_hold_controls(dirty, "utf-8")
    # EBCDIC and UTF-16 decode other bytes to control characters: the regex decides there
    assert A._may_hold_controls("-".encode("cp037"), "cp037")
    assert "\x05" == "-".encode("ascii").decode("cp037")
    assert A._may_hold_controls(clean, "utf-16-le")


def test_a_page_with_control_characters_still_loses_them():
    raw = b"<html><body><article><p>The council voted\x01 on the plan\x0b after a long debate about the old " \
          b"bridge and its repairs, which the members said had waited for years.</p></article></body></html>"
    art = A.extract(Page(source="ctl.html", url="https://example.org/a", raw=raw))
    assert isinstance(art, Article) and "\x01" not in art.body and "\x0b" not in art.body and "voted" in art.body


# -- trafilatura's page-text measure read from the tree, same string as its copy-and-rewrite --
def _html2txt_both(tree):
    import importlib

    from newstrace.extract import page_text

    baseline = importlib.import_module("trafilatura.baseline")
    return page_text.html2txt(tree), baseline.html2txt(tree)


PAGE_TEXT_CASES = {
    "deleted between texts": "<div>foo<script>x()</script>bar<p>para</p>tail</div>",
    "first child deleted": "<p><style>p{}</style>after style</p><p>two</p>",
    "deleted runs": "<div><span>a</span><aside>no</aside><footer>no</footer> kept tail<b>b</b></div>",
    "footer div by class or id order": "<div id='main' class='site-footer'>ok?</div><div class='footer' id='x'>gone</div>",
    "cookie banner": "<div class='CookieBanner'>accept</div><section id='onetrust-x'>gone</section><p>text</p>",
    "control characters and soft hyphens": "<p>soft\u00adhyphen\u200b zero</p><span>in\u00adline</span>",
    "blocks glued": "<div>one</div><div>two</div><span>three</span><span>four</span><br>five",
    "nested deletions": "<aside><script>a</script>x</aside>y<template><p>t</p></template>z",
}


@pytest.mark.parametrize("name", PAGE_TEXT_CASES)
def test_page_text_same_as_trafilatura(name):
    fast, slow = _html2txt_both(_doc(PAGE_TEXT_CASES[name]))
    assert fast == slow


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_text_same_as_trafilatura_on_the_test_pages(path):
    tree = lxml.html.document_fromstring(path.read_bytes(), parser=A.html_parser())
    fast, slow = _html2txt_both(tree)
    assert fast == slow


def test_page_text_leaves_trafilatura_as_it_was():
    import importlib

    from newstrace.extract import page_text

    core = importlib.import_module("trafilatura.core")
    before = core.html2txt
    with page_text.during():
        assert core.html2txt is page_text.html2txt
    assert core.html2txt is before


# -- issue 10s, session 12: byline domains, media and images, taxonomy label candidates ---------------
def _domain_searching_everywhere(dom: str, text: str) -> bool:
    import re

    return re.search(r"(?:>|\bby\s+|content=[\"'])\s*" + re.escape(dom) + r"\s*(?:<|[\"'])", text, re.I) is not None


def test_written_as_domain_same_as_searching_the_page():
    import random

    from newstrace.extract.identifiers import ascii_lower

    rnd = random.Random(12)
    pieces = ["<span>", ">", "by", "By", "BY", "content=\"", "content='", "CONTENT=\"", " ", "  ", "\n", "\u00a0", "x",
              "nearby", "abby", "\"", "'", "<", "</a>", "\u017f", "\u212a", "é", "ж", "."]
    for _ in range(3000):
        dom = rnd.choice(["john.li", "JOHN.LI", "news.example", "valley-record.example", "kis.me"]).lower()
        spelled = rnd.choice([dom, dom.upper(), dom.title(), dom.replace("s", "\u017f"), dom.replace("k", "\u212a")])
        text = "".join(rnd.choice(pieces + [spelled] * 4) for _ in range(rnd.randint(1, 14)))
        want = _domain_searching_everywhere(dom, text)
        assert A._written_as_domain(dom, text, ascii_lower(text)) == want, (dom, text)
        assert A._written_as_domain(dom, text) == want
    assert A._written_as_domain("john.li", "<p>By  John.Li</p>", "<p>by  john.li</p>")
    assert not A._written_as_domain("john.li", "<p>nearby john.li</p>", "<p>nearby john.li</p>")


def _images_by_container(tree):
    out = []
    for container in tree.xpath("//article|//main|//*[@itemprop='articleBody']|//figure"):
        out += [img for img in container.iter("img")]
    return list(dict.fromkeys(out))


IMAGE_CASES = [
    "<article><img src='a.jpg'><figure><img src='b.jpg'></figure><img src='c.jpg'></article><img src='no.jpg'>",
    "<figure><img src='a.jpg'></figure><main><div><img src='b.jpg'></div></main><aside><img src='x.jpg'></aside>",
    "<div itemprop='articleBody'><p><img src='a.jpg'></p></div><img itemprop='articleBody' src='self.jpg'>",
    "<img src='out.jpg'><div><article><figure><img src='deep.jpg'></figure></article></div>",
]


@pytest.mark.parametrize("html", IMAGE_CASES)
def test_article_images_as_the_containers_give_them(html):
    tree = _doc(html)
    assert A.ARTICLE_IMAGES(tree) == _images_by_container(tree)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_media_and_labels_on_the_test_pages(path):
    from newstrace.extract import taxonomy
    from newstrace.extract.dom import text_nodes
    from newstrace.extract.identifiers import ascii_lower

    raw = path.read_bytes()
    tree = lxml.html.document_fromstring(raw, parser=A.html_parser())
    assert A.ARTICLE_IMAGES(tree) == _images_by_container(tree)
    text = raw.decode("utf-8", "replace")
    base = "https://example.org/a/b.html"
    hrefs = A._outlinks(tree, base)[1]
    assert A._media(tree, base, text, hrefs, ascii_lower(text)) == A._media(tree, base, text, hrefs)
    # every element whose opening text is a label is a candidate (the candidates only spare the regex)
    cands = taxonomy._label_candidates(tree, text_nodes(tree))
    for el in tree.iter("span", "div", "p", "li", "dd", "small", "em", "strong", "td"):
        if taxonomy.LABEL_START.match(taxonomy._text_head(el)):
            assert el in cands


@pytest.mark.parametrize("html", [
    "<div><b>Tags</b>: one, two</div>", "<p>Region : Europe</p>", "<span>Ta<i>gs</i>: x</span>",
    "<li>Tagged with: a</li>", "<div>Filed <b>under</b>: Politics</div>", "<p>In: World</p>",
    "<div>  categories\n : Sport</div>", "<p><b>Topics</b> : a</p>",
])
def test_label_candidates_hold_every_label(html):
    from newstrace.extract import taxonomy

    tree = _doc(html)
    cands = taxonomy._label_candidates(tree)
    labelled = [el for el in tree.iter("span", "div", "p", "li", "dd", "small", "em", "strong", "td")
                if taxonomy.LABEL_START.match(taxonomy._text_head(el))]
    assert labelled and all(el in cands for el in labelled)


@pytest.mark.parametrize("html", ["<p>India: a report</p>", "<p>Interview: the mayor</p>", "<div>Topical news</div>"])
def test_no_label_candidates_where_a_word_only_starts_like_a_label(html):
    from newstrace.extract import taxonomy

    tree = _doc(html)
    assert not set(tree.find("body").iter()) & taxonomy._label_candidates(tree)
