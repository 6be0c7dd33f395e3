"""trafilatura's byline search in the tree (``metadata.extract_author``'s element part), in one pass.

trafilatura prunes comment boxes, sidebars, ``<time>`` and ``<figure>`` out of the tree
(``AUTHOR_DISCARD_XPATHS``), then tries three XPath expressions (``AUTHOR_XPATHS``) for elements whose
``rel``/``id``/``class``/``itemprop`` name an author, and takes the first one whose text is 3-119
characters. Its expressions test attributes with EXSLT ``re:test``, which calls back into Python for every
element and every test: about 17 µs per element, 7 ms on an average page, more than any step of
newstrace's own. :func:`find` makes the same choice from one walk over the elements with the same
regular expressions, and prunes (the same deletions, in the same order) only when a candidate was found.

The expressions are copied from trafilatura (``SOURCE``): when the installed trafilatura's differ, or the
page has a ``<rel>`` element (``rel='me'`` reads a child element's text), trafilatura's own code runs.
tests/test_extract_speed.py checks both give the same author on every test page.
"""
from __future__ import annotations

import re

# trafilatura's expressions this module implements, as trafilatura 2.3 writes them (whitespace collapsed)
SOURCE = (
    "//*[self::a or self::address or self::div or self::link or self::p or self::span or self::strong][ "
    "@rel='author' or @id='author' or @class='author' or @itemprop='author name' or rel='me' or "
    "@data-testid='AuthorCard' or @data-testid='AuthorURL' or re:test(@class, 'author-?name|AuthorName|authorName')]"
    "|//author",
    "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][ @class='byline' or "
    "@class='username' or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or "
    "re:test(@id, 'author|zuozhe|bianji|xiaobian') or re:test(@class, "
    "'author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name')]",
    "//*[ contains(@data-component, 'Byline') or contains(@itemprop, 'author') or re:test(@id, '[Aa]uthor') or "
    "re:test(@class, '[Aa]uthor|screenname|writer|[Bb]yline')]",
    ".//*[self::a or self::div or self::section or self::span][ @id='comments' or @class='comments' or "
    "@class='title' or @class='date' or re:test(@id, '^comments|comment-?list|ProductReviews') or "
    "re:test(@class, '^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer') or contains(@data-component, 'Figure')]",
    "//time|//figure",
)
TAGS0 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
TAGS1 = frozenset({"a", "div", "h3", "h4", "p", "span"})
DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
CLASS0 = re.compile("author-?name|AuthorName|authorName")
ID1 = re.compile("author|zuozhe|bianji|xiaobian")
CLASS1 = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
ID2 = re.compile("[Aa]uthor")
CLASS2 = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
DISCARD_CLASS = re.compile("^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
                           "article-(?:share|support)|print|category|meta-date|meta-reviewer")
LEN_LIMIT = 120  # as article._tree_author asks trafilatura (extract_metainfo's len_limit)

_SAME = None


def same_as_installed() -> bool:
    """Whether the installed trafilatura's expressions are the ones this module implements."""
    global _SAME
    if _SAME is None:
        from trafilatura import metadata as tm

        paths = [" ".join(x.path.split()) for x in (*tm.AUTHOR_XPATHS, *tm.AUTHOR_DISCARD_XPATHS)]
        _SAME = paths == [" ".join(s.split()) for s in SOURCE]
    return _SAME


def _attached(el, root) -> bool:
    top = el
    for top in el.iterancestors():
        pass
    return top is root


def find(tree) -> str | None | bool:
    """The text of the element trafilatura's byline search takes (before its ``normalize_authors``), None
    when there is none, or False when this page needs trafilatura's own code (see the module's note).
    Prunes ``tree`` as trafilatura's search prunes its copy, whether or not a candidate is found: later readers
    of the tree (the lone-page model's markup cues) see what they saw when trafilatura's code pruned it."""
    if not same_as_installed():
        return False
    found: tuple[list, list, list] = ([], [], [])
    discard, discard_tags = [], []
    for el in tree.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in ("time", "figure"):
            discard_tags.append(el)
        elif tag == "rel":
            return False
        attrs = el.attrib
        if not attrs:
            if tag == "author":
                found[0].append(el)
            continue
        cls, ident, prop = attrs.get("class"), attrs.get("id"), attrs.get("itemprop")
        if tag == "author" or tag in TAGS0 and (
                attrs.get("rel") == "author" or ident == "author" or cls == "author" or prop == "author name"
                or attrs.get("data-testid") in ("AuthorCard", "AuthorURL") or cls and CLASS0.search(cls)):
            found[0].append(el)
        if tag in TAGS1 and (cls in ("byline", "username", "byl", "BBL") or prop and "author" in prop
                             or ident and ID1.search(ident) or cls and CLASS1.search(cls)):
            found[1].append(el)
        comp = attrs.get("data-component")
        if comp and "Byline" in comp or prop and "author" in prop or ident and ID2.search(ident) or \
                cls and CLASS2.search(cls):
            found[2].append(el)
        if tag in DISCARD_TAGS and el is not tree and (
                ident == "comments" or cls in ("comments", "title", "date") or ident and DISCARD_ID.search(ident)
                or cls and DISCARD_CLASS.search(cls) or comp and "Figure" in comp):
            discard.append(el)
    from trafilatura.utils import trim
    from trafilatura.xml import delete_element

    # pruned whether or not a candidate was found, as trafilatura's search does: the caller's later reads of the
    # tree (the lone-page model's markup cues) must see the same tree
    for el in discard:   # trafilatura's prune_unwanted_nodes: each expression's matches, in document order
        delete_element(el)
    for el in discard_tags:
        if _attached(el, tree):   # (the second expression runs after the first one's deletions)
            delete_element(el)
    if not any(found):
        return None
    pruned = bool(discard or discard_tags)
    for results in found:
        for el in results:
            if pruned and not _attached(el, tree):
                continue
            content = trim(" ".join(el.itertext()))
            if content and 2 < len(content) < LEN_LIMIT:
                return content
    return None
