"""Small lxml helpers shared by the extract modules."""
from __future__ import annotations


def text_head(el, n: int) -> str:
    """The first ``n`` or so characters of an element's text, whitespace collapsed, without building
    the whole text of a large element."""
    out, size = [], 0
    for t in el.itertext():
        out.append(t)
        size += len(t)
        if size >= n:
            break
    return " ".join("".join(out).split())


_TEXT_NODES = None


def text_nodes(tree) -> list:
    """The non-blank text nodes of the tree (texts and tails), in document order: one pass in C that the
    taxonomy's label search and the credit-line scan share."""
    global _TEXT_NODES
    if _TEXT_NODES is None:
        from lxml import etree

        _TEXT_NODES = etree.XPath("//text()[normalize-space()]")
    return _TEXT_NODES(tree)
