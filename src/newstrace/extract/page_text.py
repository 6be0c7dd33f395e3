"""trafilatura's whole-page text measure (``baseline.html2txt``) without copying and rewriting the tree.

When trafilatura's extraction comes out short, it compares its length with the page's text
(``core.trafilatura_sequence``: ``len(temp_text) < ESCALATION_PAGE_SHARE * len(html2txt(tree))``) to decide
whether to retry in recall mode. ``html2txt`` deep-copies the tree, deletes asides, footers, scripts, styles,
SVGs, templates and cookie banners (``BASIC_CLEAN_XPATH``, whose ``re:test`` calls back into Python for every
element), writes a space before the text and the tail of every block element, and joins the words: ~6 ms, on
half the pages, 7% of extract(). :func:`html2txt` gives the same string from one read-only walk: the text of the
deleted elements left out, their tails kept where trafilatura's ``delete_element`` moves them (onto the
previous sibling's tail or the parent's text, so the same characters meet), and the spaces and the control
character filter applied to the same slots. :func:`during` installs it for one ``bare_extraction`` call, so a
trafilatura used elsewhere in the process is left as it is. trafilatura's own function runs when its
cleaning expression or block list is not the one implemented here (tests/test_extract_speed.py compares the
two on every test page and on the trees extraction hands it).
"""
from __future__ import annotations

import contextlib
import re

from lxml import etree

SOURCE = (".//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|.//style|.//svg|"
          ".//template|.//*[re:test(@class, '{c}', 'i') or re:test(@id, '{c}', 'i')]")
DELETED_TAGS = frozenset({"aside", "fencedframe", "footer", "script", "style", "svg", "template"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "td", "th", "tr", "ul"})

_STATE: dict = {}


def _ready() -> bool:
    """Whether the installed trafilatura's cleaning expression and block list are the ones implemented here."""
    if "ok" not in _STATE:
        try:
            from trafilatura import settings

            baseline = _baseline()
            cookie = settings._COOKIE_CONSENT_RE
            ok = (" ".join(settings.BASIC_CLEAN_XPATH.path.split()) == SOURCE.format(c=cookie)
                  and set(baseline._BLOCK_ELEMS) == BLOCKS and hasattr(baseline, "html2txt"))
            _STATE["cookie"] = re.compile(cookie, re.I)
        except Exception:  # noqa: BLE001 - another trafilatura: its own function runs
            ok = False
        _STATE["ok"] = ok
    return _STATE["ok"]


def _baseline():
    """The module trafilatura.baseline (the package's attribute ``baseline`` is the function of that name)."""
    import importlib

    return importlib.import_module("trafilatura.baseline")


class _Fallback(Exception):
    pass


def _deleted(el, cookie) -> bool:
    tag = el.tag
    if tag in DELETED_TAGS:
        return True
    cls, ident = el.get("class"), el.get("id")
    if cls is None and ident is None:
        return False
    if tag == "div":
        # contains(@class|@id, 'footer'): the string of whichever attribute comes first in the element
        first = cls if ident is None else ident if cls is None else next(
            v for k, v in el.items() if k in ("class", "id"))
        if "footer" in first:
            return True
    return bool(cls and cookie.search(cls) or ident and cookie.search(ident))


def _printable(s: str) -> str:
    """trafilatura's remove_control_characters."""
    return s if s.isprintable() else "".join(c for c in s if c.isprintable() or c.isspace())


def _walk(el, out: list, cookie) -> None:
    """The text of ``el``'s content as trafilatura's cleaning and spacing leave it, onto ``out``. Each text slot
    (an element's text, a node's tail) gathers the tails of the deleted elements that follow it, as
    ``delete_element`` moves them there; a block element's slots then get their space and filter."""
    slot, block = el.text or "", el.tag in BLOCKS
    for kid in el:
        tag = kid.tag
        is_el = isinstance(tag, str)
        if is_el and _deleted(kid, cookie):
            if kid.tail:
                slot += kid.tail
            continue
        out.append((" " + _printable(slot) if slot else " ") if block else slot)
        if is_el:
            _walk(kid, out, cookie)
            block = tag in BLOCKS
        elif isinstance(kid, etree._Entity):
            raise _Fallback
        else:
            block = False
        slot = kid.tail or ""
    out.append((" " + _printable(slot) if slot else " ") if block else slot)


def html2txt(content, clean: bool = True) -> str:
    """``trafilatura.baseline.html2txt`` for an element (the tree is read, not copied or changed)."""
    baseline = _baseline()
    if not clean or not isinstance(content, etree._Element) or not _ready():
        return baseline.html2txt(content, clean)
    body = content.find(".//body")
    if body is None:
        body = content
    out: list[str] = []
    try:
        _walk(body, out, _STATE["cookie"])
    except (_Fallback, RecursionError):
        return baseline.html2txt(content, clean)
    return " ".join("".join(out).split())


@contextlib.contextmanager
def during():
    """trafilatura's core uses :func:`html2txt` inside this block (one extraction), its own outside it."""
    import importlib

    core = importlib.import_module("trafilatura.core")   # (the package's attribute `core` is a function)
    orig = getattr(core, "html2txt", None)   # (None: a trafilatura without it; its own code runs, unchanged)
    if orig is None or not _ready() or orig is not _STATE.setdefault("orig", orig):
        yield
        return
    core.html2txt = html2txt
    try:
        yield
    finally:
        core.html2txt = _STATE["orig"]
