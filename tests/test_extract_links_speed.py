"""The pass over the ``<a>``s that also serves the taxonomy's tag links and the category shortcut, and the
obfuscated-e-mail spots from three scans: each gives what the step it spares gives."""
from __future__ import annotations

import random
from pathlib import Path

import lxml.html
import pytest

from newstrace.extract import article as A
from newstrace.extract import identifiers as I
from newstrace.extract import taxonomy

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p for d in (ROOT / "tests" / "fixtures", ROOT / "src" / "newstrace" / "samples")
               for p in d.rglob("*.htm*"))
BASE = "https://example.org/a/b.html"

CASES = [
    # tag links: rel exactly "tag", rel holding " tag", not "tagged"/"nofollow"; a link inside a link's text
    "<html><body><a rel='tag' href='/t/a'>A</a><a rel='nofollow tag' href='/t/b'>B</a><a rel='tags' href='/x'>x</a>"
    "<a rel='tag nofollow' href='/t/c'>C</a><a rel='Tag' href='/t/d'>D</a><a href='/t/e'>E</a></body></html>",
    # no category link, sections in the head's meta (trafilatura's fallback) and one in the body's meta
    "<html><head><meta property='article:section' content='World'><meta name='dc.subject' content='Europe'>"
    "</head><body><meta property='article:section' content='Not head'><div class='post-meta'>"
    "<a href='/tag/x/'>x</a></div><p>Text</p></body></html>",
    # a category link in a post-meta div: trafilatura's XPaths run
    "<html><head><meta property='article:section' content='World'></head><body><div class='post-meta'>"
    "<a href='/category/politics/'>Politics</a></div><p>Text</p></body></html>",
    # "/categor" in an href that the category test does not keep ("/categorical/"), and "/categories/"
    "<html><body><div class='entry-meta'><a href='/categorical/x'>x</a></div><span class='cat-links'>"
    "<a href='/categories/econ/'>Economy</a></span></body></html>",
    "<html><body><p>No links at all</p></body></html>",
]


def _trees():
    for html in CASES:
        yield lxml.html.document_fromstring(html, parser=A.html_parser())
    for p in PAGES:
        yield lxml.html.document_fromstring(p.read_bytes(), parser=A.html_parser())


def test_cases_hold_both_kinds():
    marks = [A._outlinks(t, BASE, m) and m for t in _trees() for m in [{}]]
    assert any(m["category_href"] for m in marks) and any(not m["category_href"] for m in marks)
    assert any(m["tag_links"] for m in marks)


@pytest.mark.parametrize("i", range(len(CASES) + len(PAGES)))
def test_tag_links_are_the_xpaths(i):
    tree = list(_trees())[i]
    marks: dict = {}
    A._outlinks(tree, BASE, marks)
    assert marks["tag_links"] == taxonomy.TAG_LINKS(tree)
    head = A._read_head(tree)
    assert taxonomy.find_taxonomy(tree, head, tag_links=marks["tag_links"]) == taxonomy.find_taxonomy(tree, head)


@pytest.mark.parametrize("i", range(len(CASES) + len(PAGES)))
def test_categories_as_trafilatura_gives_them(i):
    from trafilatura import metadata as tm

    assert A._catstags_known()
    tree = list(_trees())[i]
    marks: dict = {}
    A._outlinks(tree, BASE, marks)
    md = tm.Document()
    assert A._categories(tree, md, marks["category_href"]) == tm.extract_catstags("category", tree)
    if not marks["category_href"]:
        assert A._category_meta(tree) == tm.extract_catstags("category", tree)


def test_category_meta_is_the_fallback():
    tree = lxml.html.document_fromstring(CASES[1], parser=A.html_parser())
    assert A._category_meta(tree) == ["World", "Europe"]


def _spots_by_five_scans(low: str) -> list[int]:
    p = I._positions
    return sorted(set(p(low, "[at]") + p(low, "(at)") + p(low, " dot ") + p(low, "[dot]") + p(low, "(dot)")))


def test_obfuscation_spots_are_the_five_scans():
    rnd = random.Random(10)
    parts = ["[", "]", "(", ")", " ", "at", "dot", "a", "t", "d", "o", "x"]
    for _ in range(20000):
        s = "".join(rnd.choice(parts) for _ in range(rnd.randint(0, 14)))
        assert I._obfuscation_spots(s) == _spots_by_five_scans(s), s
    for p in PAGES:
        low = I.ascii_lower(p.read_text("utf-8", "replace"))
        assert I._obfuscation_spots(low) == _spots_by_five_scans(low)
    assert I._obfuscation_spots("x [at] y (dot) z dot w [dot]") == [2, 9, 16, 23]


def test_obfuscated_addresses_still_found():
    found = I.find_identifiers("<p>write to jane [at] example [dot] org or bob (at) news (dot) net</p>")
    assert {i["value"] for i in found if i["kind"] == "email"} == {"jane@example.org", "bob@news.net"}
