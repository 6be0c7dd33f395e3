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
