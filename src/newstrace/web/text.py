"""Small pure helpers for the web UI: safe URLs, highlighted segments, FTS5 query building.

Nothing here returns markup. Highlighting returns lists of plain-text segments with a class; the
templates write each segment through Jinja2's autoescape, so hostile page text stays text.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

_SAFE_URL = re.compile(r"^https?://[^\s\x00-\x20\x7f\\\"'<>`]+$", re.IGNORECASE)


def safe_url(u: Any) -> str | None:
    """``u`` if it is an absolute http(s) URL without whitespace, quotes or control characters, else None.

    Only such URLs are ever rendered as links; anything else (javascript:, data:, vbscript:, relative,
    protocol-relative, obfuscated with tabs or entities) is shown as text.
    """
    if not isinstance(u, str) or len(u) > 4000:
        return None
    return u if _SAFE_URL.match(u) else None


def segments(text: str, ranges: Iterable[tuple[int, int, int]], gap_class: str) -> list[dict[str, Any]]:
    """Cut ``text`` into segments: covered ranges ``(start, end, pair_index)`` get class ``aligned`` and
    their pair index; the text between them gets ``gap_class`` (``added`` or ``removed``), or no class
    when it is only whitespace/punctuation. Overlapping ranges are clipped; offsets are clamped."""
    n = len(text)
    out: list[dict[str, Any]] = []
    pos = 0
    for start, end, idx in sorted((max(0, min(n, int(s))), max(0, min(n, int(e))), i) for s, e, i in ranges):
        start = max(start, pos)
        if end <= start:
            continue
        if start > pos:
            out.append(_gap(text[pos:start], gap_class))
        out.append({"text": text[start:end], "cls": "aligned", "pair": idx})
        pos = end
    if pos < n:
        out.append(_gap(text[pos:], gap_class))
    return out


def _gap(t: str, cls: str) -> dict[str, Any]:
    return {"text": t, "cls": cls if re.search(r"\w", t) else "", "pair": None}


def spans_ranges(spans: Any) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """copies.spans ``[[copy_start, copy_end, source_start, source_end], ...]`` -> (copy ranges, source ranges)."""
    cr, sr = [], []
    for i, s in enumerate(spans or []):
        try:
            a, b, c, d = (int(x) for x in s[:4])
        except (TypeError, ValueError):
            continue
        cr.append((a, b, i))
        sr.append((c, d, i))
    return cr, sr


MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


def snippet_segments(snip: str | None) -> list[dict[str, Any]]:
    """FTS5 snippet() output with private-use markers -> [{text, hit}] segments."""
    out = []
    for part in re.split(f"({MARK_OPEN}.*?{MARK_CLOSE})", snip or "", flags=re.S):
        if not part:
            continue
        if part.startswith(MARK_OPEN) and part.endswith(MARK_CLOSE):
            out.append({"text": part[1:-1], "hit": True})
        else:
            out.append({"text": part.replace(MARK_OPEN, "").replace(MARK_CLOSE, ""), "hit": False})
    return out


def fts_query(q: str) -> str | None:
    """A user's search words -> a safe FTS5 query: each word or "quoted phrase" becomes a quoted FTS5
    string (AND of all), a trailing ``*`` on a word keeps prefix search. Never raises on odd input."""
    parts = []
    for m in re.finditer(r'"([^"]*)"|(\S+)', q or ""):
        phrase, word = m.group(1), m.group(2)
        if phrase is not None:
            words = re.findall(r"\w+", phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        prefix = word.endswith("*")
        for w in re.findall(r"\w+", word):
            parts.append(f'"{w}"' + ("*" if prefix else ""))
    return " ".join(parts[:32]) or None


def csv_cell(v: Any) -> Any:
    """Neutralise spreadsheet formulas in CSV cells (hostile titles like ``=HYPERLINK(...)``)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _word_re(w: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)", re.IGNORECASE)


def mark_substitutions(copy_segs: list[dict[str, Any]], src_segs: list[dict[str, Any]],
                       subs: Iterable[Any]) -> int:
    """Give every aligned segment ``parts`` ([{text, sub}]): on the copy side the substituted-in words, on the
    source side the substituted-out words, each part with ``sub`` naming the word on the other side. A word is
    marked in passage *i* only where that passage pair shows the swap (the other word on the other side and this
    word more often on this side than on the other). Returns how many words were marked."""
    pairs = []
    for p in subs or []:
        if isinstance(p, dict):
            a, b = p.get("from"), p.get("to")
        elif isinstance(p, (list, tuple)) and len(p) >= 2:
            a, b = p[0], p[1]
        else:
            continue
        if isinstance(a, str) and isinstance(b, str) and a.strip() and b.strip():
            pairs.append((a.strip(), b.strip()))
    src_by = {s["pair"]: s["text"] for s in src_segs if s["cls"] == "aligned"}
    copy_by = {s["pair"]: s["text"] for s in copy_segs if s["cls"] == "aligned"}
    marked = 0
    for segs, mine, theirs, side in ((copy_segs, copy_by, src_by, 1), (src_segs, src_by, copy_by, 0)):
        for s in segs:
            if s["cls"] != "aligned":
                continue
            hits: list[tuple[int, int, str]] = []
            other = theirs.get(s["pair"], "")
            for frm, to in pairs:
                word, was = (to, frm) if side == 1 else (frm, to)
                here = list(_word_re(word).finditer(s["text"]))
                if here and _word_re(was).search(other) and len(here) > len(_word_re(word).findall(other)):
                    hits += [(m.start(), m.end(), was) for m in here]
            parts, pos = [], 0
            for a, b, was in sorted(hits):
                if a < pos:
                    continue
                if a > pos:
                    parts.append({"text": s["text"][pos:a], "sub": None})
                parts.append({"text": s["text"][a:b], "sub": was})
                marked += 1
                pos = b
            if pos < len(s["text"]) or not parts:
                parts.append({"text": s["text"][pos:], "sub": None})
            s["parts"] = parts
    return marked


def split_gaps(segs: list[dict[str, Any]], ranges: Iterable[tuple[int, int, Any]], cls: str) -> list[dict[str, Any]]:
    """Re-class the parts of non-aligned segments that fall inside ``ranges`` ``(start, end, label)`` (offsets in
    the whole text): a compilation's passages taken from its other sources are not "added"."""
    ranges = sorted((int(a), int(b), lab) for a, b, lab in ranges if int(b) > int(a))
    if not ranges:
        return segs
    out, pos = [], 0
    for s in segs:
        start, end = pos, pos + len(s["text"])
        pos = end
        if s["cls"] == "aligned" or not any(a < end and b > start for a, b, _ in ranges):
            out.append(s)
            continue
        cur = start
        for a, b, lab in ranges:
            a, b = max(a, cur), min(b, end)
            if b <= a:
                continue
            if a > cur:
                out.append({"text": s["text"][cur - start:a - start], "cls": s["cls"], "pair": None})
            out.append({"text": s["text"][a - start:b - start], "cls": cls, "pair": None, "from": lab})
            cur = b
        if cur < end:
            out.append({"text": s["text"][cur - start:], "cls": s["cls"], "pair": None})
    return out
