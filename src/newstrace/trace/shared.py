"""Shared items: text two pages carry although neither took it from the other — an embedded post (a tweet or
other status with its author line, ``pic.twitter.com/…``), a quoted statement or speech, a wire photo caption.

``items(body)`` finds such passages in a body (character ranges with what is known of them: kind, the post's
URL and author, the quote's speaker, the caption's credit).  ``classify(a, b, al)`` looks at an alignment of
two bodies: the aligned words inside items (in either body) are set aside and the rest is judged by the same
link rule as a whole alignment (trace/align.py).  When the rest does not link the two pages but an item is
aligned, the pair is *shared*, not a copy: the result names the items and their aligned spans.  A copy that
also embeds a post keeps enough other text to link, so it stays a copy.  Pure functions of the two bodies.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from .align import Alignment, _left, _right, link_rule
from .text import Doc

MIN_ITEM_WORDS = 10   # aligned words inside items before a pair counts as sharing one
MIN_QUOTE_WORDS = 8   # a quotation shorter than this is a phrase, not a statement
EDGE_WORDS = 3        # aligned words next to an item that are its lead-in ("Trump wrote on Twitter:")

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
AUTHOR_LINE = re.compile(r"[—–-]{1,2}\s*([^\n()—–]{1,80}?)\s*\(@(\w{1,30})\)\s*(" + _MONTH + r"\s+\d{1,2},?\s+\d{4})?")
STATUS_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter\.com|x\.com)/(\w{1,30})/status(?:es)?/(\d{5,25})"
    r"|https?://(?:www\.)?instagram\.com/(?:p|reel)/[\w-]+"
    r"|https?://(?:www\.)?facebook\.com/[\w.-]+/(?:posts|videos)/[\w.-]+"
    r"|https?://(?:www\.)?t\.me/\w+/\d+"
    r"|https?://[\w.-]+/@(\w{1,30})/\d{6,25}", re.I)
_POST_HINTS = ("(@", "pic.twitter", "/status", "instagram.com/", "facebook.com/", "t.me/", "/@")
# (a post needs AUTHOR_LINE's "(@", or STATUS_URL's or PIC's "/")
PIC = re.compile(r"(?:https?://)?pic\.twitter\.com/\w+", re.I)
TCO = re.compile(r"https?://t\.co/\w+", re.I)
CAPTION_CREDIT = re.compile(
    r"\(((?:AP|AFP|UPI|EPA|Reuters|Getty Images|Getty|Bloomberg|Xinhua|Pool)[^()\n]{0,60}"
    r"|[^()\n]{0,40}(?:/AP|/AFP|/Reuters|/Getty Images|/EPA|/Bloomberg|/Xinhua|/Pool)(?: Photo)?[^()\n]{0,20})\)\s*$")
PHOTO_PREFIX = re.compile(r"^\s*(?:Photo|Image|Picture|Pictured|Caption)\s*[:|]", re.I)
_DQ = re.compile('"')
_ENOUGH_WORDS = re.compile(r"(?:\W*\w+\b){%d}" % MIN_QUOTE_WORDS)   # MIN_QUOTE_WORDS words or more (``\b``: whole words only)
_QUOTES = [("“", "”"), ("«", "»"), ("„", "“"), ("‘‘", "’’")]
_NAME = r"((?:(?:[A-Z][\w'’.-]*|de|van|von|al|bin)\s){0,4}[A-Z][\w'’-]+)"
_VERB = r"(?:said|says|told(?: [\w ]{1,30}?)?|wrote|added|stated|declared|explained|tweeted|posted|insisted|argued|" \
        r"continued|warned|noted|announced)"
SPEAKER_AFTER = re.compile(r"^\W{0,3}\s*(?:" + _VERB + r"\s+" + _NAME + r"|" + _NAME + r"\s+" + _VERB + r")\b")
SPEAKER_BEFORE = re.compile(_NAME + r",?\s+(?:[\w ]{0,40}?\s)?" + _VERB + r"(?: that)?[:,]?\s*$")
ACCORDING = re.compile(r"according to " + _NAME)
_TITLES = {"The", "A", "An", "In", "On", "He", "She", "They", "We", "I", "It", "But", "And", "This", "That",
           "Mr", "Mrs", "Ms", "Dr", "Sen", "Rep", "Gov", "Prof", "Gen", "Sir"}


@dataclass
class Item:
    kind: str              # post | quote | caption
    start: int             # character range in the body
    end: int
    url: str | None = None
    author: str | None = None     # a post's author line ("Name (@handle)"), a caption's credit
    handle: str | None = None
    speaker: str | None = None    # a quote's speaker when the sentence names one
    when: str | None = None
    context: tuple[str, str] | None = None   # a quote's sentence before and after it (speaker read on demand)

    def named_speaker(self) -> str | None:
        if self.speaker is None and self.context is not None:
            self.speaker = _speaker(*self.context)
            self.context = None
        return self.speaker

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "url": self.url, "author": self.author, "speaker": self.speaker}
        if self.when:
            d["date"] = self.when
        return d


def items(body: str) -> list[Item]:
    """The shared-item candidates of a body, in body order (posts, quotes, captions; overlaps merged into the
    post or caption that holds them)."""
    out: list[Item] = []
    body = body or ""
    # what the body holds at all, looked up once (most bodies have no post; a line is searched for what its
    # body holds only)
    posts = ("/" in body or "@" in body) and any(h in body for h in _POST_HINTS)   # (every hint has / or @)
    openers = [(o, c) for o, c in _QUOTES if o in body]
    dq = '"' in body
    prev_text: tuple[int, str] | None = None
    off = 0
    for ln in body.split("\n"):
        o, off = off, off + len(ln) + 1
        if not ln or ln.isspace():
            continue
        post = _post(o, ln, prev_text) if posts and any(h in ln for h in _POST_HINTS) else None
        if post is not None:
            out.append(post)
        else:
            cap = _caption(o, ln) if ln.rstrip().endswith(")") or PHOTO_PREFIX.match(ln) else None
            if cap is not None:
                out.append(cap)
            elif (dq and '"' in ln) or any(q in ln for q, _ in openers):
                out.extend(_quotes(o, ln, openers, dq))
        prev_text = (o, ln)
    if len(out) < 2:
        return out
    out.sort(key=lambda it: (it.start, -it.end))
    merged: list[Item] = []
    for it in out:
        if merged and it.start < merged[-1].end:
            last = merged[-1]
            if it.kind == "post" and last.kind != "post":   # a post swallows the quote its text holds
                it.start = min(it.start, last.start)
                it.end = max(it.end, last.end)
                merged[-1] = it
            else:
                last.end = max(last.end, it.end)
            continue
        merged.append(it)
    return merged


def _post(off: int, ln: str, prev: tuple[int, str] | None) -> Item | None:
    m = AUTHOR_LINE.search(ln)
    if m and not (m.group(3) or PIC.search(ln) or TCO.search(ln) or m.start() <= 2):
        m = None   # "- Name (@handle)" inside a sentence, with neither date, picture nor line of its own
    st = STATUS_URL.search(ln)
    pic = PIC.search(ln)
    if not (m or st or pic):
        return None
    start, end = off, off + len(ln)
    if m and not ln[:m.start()].strip() and prev is not None and prev[1].strip():
        start = prev[0]    # the author line on a line of its own: the post's text is the line before
    it = Item("post", start + (len(ln) - len(ln.lstrip()) if start == off else 0), end)
    if start != off:
        region = prev[1] + "\n" + ln
        st, pic = STATUS_URL.search(region), PIC.search(region)
    if m:
        it.author = f"{m.group(1).strip()} (@{m.group(2)})"
        it.handle = m.group(2)
        it.when = m.group(3)
    if st:
        it.url = st.group(0)
        it.handle = it.handle or st.group(1) or st.group(2)
    elif pic:
        p = pic.group(0)
        it.url = p if p.startswith("http") else "https://" + p
    return it


def _caption(off: int, ln: str) -> Item | None:
    if len(ln.split()) > 60:
        return None
    m = CAPTION_CREDIT.search(ln)
    if m:
        return Item("caption", off + len(ln) - len(ln.lstrip()), off + len(ln.rstrip()), author=m.group(1).strip())
    if PHOTO_PREFIX.search(ln):
        return Item("caption", off + len(ln) - len(ln.lstrip()), off + len(ln.rstrip()))
    return None


def _quotes(off: int, ln: str, openers: list[tuple[str, str]] = _QUOTES, dq: bool = True) -> list[Item]:
    spans: list[tuple[int, int]] = []
    for o, c in openers:
        i = 0
        while True:
            s = ln.find(o, i)
            if s < 0:
                break
            e = ln.find(c, s + len(o))
            e = len(ln) if e < 0 else e + len(c)   # a quote running to the end of its paragraph
            spans.append((s, e))
            i = e
    if dq and '"' in ln:
        pos = [m.start() for m in _DQ.finditer(ln)]
        for k in range(0, len(pos), 2):
            spans.append((pos[k], pos[k + 1] + 1 if k + 1 < len(pos) else len(ln)))
    out = []
    for s, e in sorted(spans):
        if not _ENOUGH_WORDS.match(ln, s, e):
            continue
        out.append(Item("quote", off + s, off + e, context=(ln[max(0, s - 120):s], ln[e:e + 120])))
    return out


def _speaker(before: str, after: str) -> str | None:
    for m, g in ((SPEAKER_AFTER.search(after[:120]), (1, 2)), (SPEAKER_BEFORE.search(before[-120:]), (1,)),
                 (ACCORDING.search(after[:120] + " " + before[-120:]), (1,))):
        if m:
            for k in g:
                name = m.group(k)
                if name and name.split()[0].strip(".") not in _TITLES or (name and len(name.split()) > 1):
                    return _clean_name(name)
    return None


def _clean_name(name: str) -> str | None:
    ws = name.split()
    while ws and ws[0].strip(".") in _TITLES:
        ws = ws[1:]
    return " ".join(ws) or None


def _word_mask(d: Doc, its: list[Item]) -> np.ndarray:
    m = np.zeros(d.n, dtype=np.int32)   # 0: no item, k: item k-1
    if not its or d.n == 0:
        return m
    st = d.starts
    for k, it in enumerate(its):
        i0, i1 = np.searchsorted(st, it.start, "left"), np.searchsorted(st, it.end, "left")
        m[i0:i1] = k + 1
    return m


_CACHE: dict[str, list[Item]] = {}   # items of the bodies seen lately (a body is aligned with several partners)


def items_cached(body: str) -> list[Item]:
    its = _CACHE.get(body)
    if its is None:
        if len(_CACHE) >= 2048:
            _CACHE.clear()
        its = _CACHE[body] = items(body)
    return its


def _runs(x: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, end) of the runs of True in x that do not cross a change of seg."""
    brk = np.ones(len(x), dtype=bool)
    brk[1:] = seg[1:] != seg[:-1]
    st = x & (brk | np.concatenate(([True], ~x[:-1])))
    en_next = np.concatenate((brk[1:], [True])) | np.concatenate((~x[1:], [True]))
    en = x & en_next
    return np.flatnonzero(st), np.flatnonzero(en) + 1


def classify(a: Doc, b: Doc, al: Alignment, its_a: list[Item] | None = None,
             its_b: list[Item] | None = None) -> tuple[bool, dict | None]:
    """(linked as a copy, shared-item record or None) for an alignment of a and b.  The record:
    {"items": [item dicts with "key" and their "spans"], "spans": [[a_start, a_end, b_start, b_end]],
    "shared_words": n}."""
    ws = [w for w in al.wspans if w[1] > w[0]]
    if not ws:
        return al.linked, None
    its_a = items_cached(a.body) if its_a is None else its_a
    its_b = items_cached(b.body) if its_b is None else its_b
    if not its_a and not its_b:
        return al.linked, None
    ma, mb = _word_mask(a, its_a), _word_mask(b, its_b)
    lens = np.asarray([w[1] - w[0] for w in ws], dtype=np.int64)
    seg = np.repeat(np.arange(len(ws)), lens)
    off = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    a0 = np.asarray([w[0] for w in ws], dtype=np.int64)[seg]
    b0 = np.asarray([w[2] for w in ws], dtype=np.int64)[seg]
    bl = np.asarray([max(w[3] - w[2], 1) for w in ws], dtype=np.int64)[seg]
    ii = a0 + off
    jj = np.minimum(b0 + np.minimum(off * bl // lens[seg], bl - 1), max(len(mb) - 1, 0))
    ia = ma[ii]
    ib = mb[jj] if len(mb) else np.zeros(len(ii), dtype=np.int32)
    inside = (ia > 0) | (ib > 0)
    if int(inside.sum()) < MIN_ITEM_WORDS - 2 * EDGE_WORDS:
        return al.linked, None
    same = seg[1:] == seg[:-1]
    for _ in range(EDGE_WORDS):   # the item's lead-in and tail aligned with it ("wrote on Twitter:") belong to it
        g = inside.copy()
        g[1:] |= inside[:-1] & same
        g[:-1] |= inside[1:] & same
        inside = g
    item_words = int(inside.sum())
    out = ~inside
    rest_words = int(out.sum())
    rs, re_ = _runs(out, seg)
    rest_longest = int((re_ - rs).max()) if len(rs) else 0
    na = a.n - int((ma > 0).sum())
    nb = b.n - int((mb > 0).sum())
    cov = max(rest_words / na if na > 0 else 0.0, rest_words / nb if nb > 0 else 0.0)
    if item_words < MIN_ITEM_WORDS or link_rule(rest_words, rest_longest, min(cov, 1.0)):
        return al.linked, None
    hit: dict[tuple[int, int], list] = {}
    spans = []
    for s, e in zip(*[x.tolist() for x in _runs(inside, seg)]):
        if e - s < 3:
            continue
        xa, xb = ia[s:e], ib[s:e]
        ka = int(np.bincount(xa[xa > 0]).argmax()) if (xa > 0).any() else 0
        kb = int(np.bincount(xb[xb > 0]).argmax()) if (xb > 0).any() else 0
        sp = [_left(a, int(ii[s])), _right(a, int(ii[e - 1])), _left(b, int(jj[s])), _right(b, int(jj[e - 1]))]
        spans.append(sp)
        hit.setdefault((ka, kb), []).append((sp, e - s))
    found = []
    for (ka, kb), sps in sorted(hit.items(), key=lambda x: x[1][0][0]):
        f = _merge(its_a[ka - 1] if ka else None, its_b[kb - 1] if kb else None, a.body, b.body, sps,
                   sum(w for _, w in sps))
        if f is not None:
            found.append(f)
    if not found or sum(f["words"] for f in found) < MIN_ITEM_WORDS:
        return al.linked, None
    return False, {"items": found, "spans": sorted(spans), "shared_words": item_words}


def _merge(x: Item | None, y: Item | None, body_a: str, body_b: str, sps: list, words: int) -> dict | None:
    """One item record from the item found on each side (either may be missing)."""
    its = [i for i in (x, y) if i is not None]
    if not its:
        return None
    kind = "post" if any(i.kind == "post" for i in its) else ("caption" if any(i.kind == "caption" for i in its)
                                                                 else "quote")
    for i in its:
        i.named_speaker()
    pick = (lambda f: next((getattr(i, f) for i in its if getattr(i, f)), None))
    sp = sps[0][0]
    text = body_a[sp[0]:sp[1]]
    for s, _ in sps[1:]:
        text += " " + body_a[s[0]:s[1]]
    d = {"kind": kind, "url": pick("url"), "author": pick("author"), "speaker": pick("speaker"),
         "handle": pick("handle"), "date": pick("when"), "text": text[:500], "words": words,
         "spans": [sp for sp, _ in sps]}
    d["key"] = item_key(d)
    return d


def item_key(d: dict) -> str:
    """A stable name for an item: its status URL, else its author line, else a hash of its words."""
    if d.get("url") and STATUS_URL.match(d["url"] or ""):
        return d["kind"] + ":" + d["url"].lower().replace("://www.", "://").replace("://mobile.", "://")
    if d.get("kind") == "post" and d.get("handle") and d.get("date"):
        return f"post:@{d['handle'].lower()} {d['date']}"
    words = " ".join(re.findall(r"\w+", (d.get("text") or "").lower())[:40])
    return d["kind"] + ":" + hashlib.sha1(words.encode()).hexdigest()[:16]


STATUS_OF_HANDLE = re.compile(r"(?:twitter\.com|x\.com)/(\w{1,30})/status(?:es)?/(\d{5,25})", re.I)


def add_link_urls(rec: dict, links: list[str]) -> None:
    """Give a post without a status URL in its text the status link of its page whose handle is the post's
    (an embedded tweet's date links to it)."""
    for it in rec["items"]:
        if it["kind"] != "post" or (it.get("url") and STATUS_URL.match(it["url"])) or not it.get("handle"):
            continue
        for href in links:
            m = STATUS_OF_HANDLE.search(href)
            if m and m.group(1).lower() == it["handle"].lower():
                it["url"] = href
                it["key"] = item_key(it)
                break
