"""Markup normalisation before body extraction, for two old-web layouts extractors read badly:

- **layout tables**: a page laid out with ``<table>`` (menu cell, content cell, footer row) is not a data
  table; extracting it as a table glues menu, article and footer into one "row" block. A table whose
  cells hold block elements (div, p, headings, lists, forms, other tables) or long runs of text is turned
  into plain ``div``s so the article inside is read like any other container. Data tables (short cell
  texts, no blocks inside) are left alone.
- **``<br><br>`` paragraphs**: text whose paragraphs are separated by double line breaks instead of
  ``<p>`` elements. Each run between double breaks (or between block children) becomes a ``<p>``, so
  paragraphs, and the furniture lines between them, come out as separate blocks.

Both work in place on an lxml HTML tree and never raise on odd markup.
"""
from __future__ import annotations

from lxml import etree

BLOCK_TAGS = frozenset({
    "div", "p", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "form", "figure", "article",
    "section", "aside", "header", "footer", "nav", "blockquote", "pre", "hr", "main", "address", "fieldset",
    "iframe", "video", "audio", "center",
})
# a cell with more text than this is page layout, not data (data cells hold a figure, a name, a date)
LAYOUT_CELL_CHARS = 400
# containers whose text children may be <br><br>-separated paragraphs
BREAK_CONTAINERS = ("div", "td", "th", "section", "article", "main", "font", "p", "blockquote", "center", "span")
TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")


def _is_layout_table(table) -> bool:
    for cell in table.iter("td", "th"):
        # only this table's own cells, not those of a nested table
        owner = next((a for a in cell.iterancestors("table")), None)
        if owner is not table:
            continue
        for child in cell:
            if isinstance(child.tag, str) and child.tag in BLOCK_TAGS:
                return True
        if len(cell.text_content()) > LAYOUT_CELL_CHARS:
            return True
    return False


def unwrap_layout_tables(tree) -> int:
    """Turn layout tables into divs (innermost first). Returns how many were unwrapped."""
    tables = list(tree.iter("table"))
    n = 0
    for table in reversed(tables):
        if not _is_layout_table(table):
            continue
        for el in table.iter(*TABLE_PARTS):
            owner = next((a for a in el.iterancestors("table")), None)
            if owner is table:
                el.tag = "div"
        table.tag = "div"
        n += 1
    return n


def _has_double_break(el) -> bool:
    prev_br = False
    for child in el:
        if not isinstance(child.tag, str):
            prev_br = False
            continue
        if child.tag == "br":
            if prev_br:
                return True
            prev_br = not (child.tail or "").strip()
        else:
            prev_br = False
    return False


def break_paragraphs(tree) -> int:
    """Wrap ``<br><br>``-separated runs into ``<p>`` elements. Returns how many containers were rebuilt."""
    targets = [el for el in tree.iter(*BREAK_CONTAINERS) if _has_double_break(el)]
    done = 0
    for el in targets:
        tag, text, children = el.tag, el.text, list(el)
        tails = [c.tail for c in children]
        try:
            _rebuild(el)
            done += 1
        except ValueError:  # text lxml will not store (control characters): put the container back as it was
            for c in list(el):
                el.remove(c)
            el.tag, el.text = tag, text
            for c, t in zip(children, tails):
                c.tail = t
                el.append(c)
    return done


def _rebuild(el) -> None:
    children = list(el)
    text = el.text
    el.text = None
    for c in children:
        el.remove(c)
    if el.tag == "p":
        el.tag = "div"  # paragraphs cannot nest
    state = {"p": None, "breaks": 0}

    def para():
        if state["p"] is None:
            state["p"] = etree.SubElement(el, "p")
        return state["p"]

    def flush():
        state["p"] = None
        state["breaks"] = 0

    def pending_break():
        if state["breaks"] >= 2:
            flush()
        elif state["breaks"] == 1 and state["p"] is not None:
            etree.SubElement(state["p"], "br")
        state["breaks"] = 0

    def add_text(t: str | None):
        if not t:
            return
        if not t.strip():
            if state["p"] is not None:
                _append_text(state["p"], t)
            return
        pending_break()
        _append_text(para(), t)

    add_text(text)
    for c in children:
        tail = c.tail
        c.tail = None
        if isinstance(c.tag, str) and c.tag == "br":
            state["breaks"] += 1
        elif isinstance(c.tag, str) and c.tag in BLOCK_TAGS:
            flush()
            el.append(c)
        else:
            pending_break()
            para().append(c)
        add_text(tail)


def _append_text(p, t: str) -> None:
    if len(p):
        last = p[-1]
        last.tail = (last.tail or "") + t
    else:
        p.text = (p.text or "") + t


def normalise(tree) -> dict[str, int]:
    """Both passes; returns counts for the record."""
    return {"layout_tables": unwrap_layout_tables(tree), "break_paragraphs": break_paragraphs(tree)}
