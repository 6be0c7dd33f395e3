"""Claims through copies (a pure kernel): a copy's claims are its source's claims carried over the text it
took, and only what the copy added is analysed.

Same-language copies: each paragraph of the copy is looked up verbatim in the source body; a source claim is
carried when its whole extent (source, cue and content, across paragraphs too) reads the same at the shifted
place in the copy, so a carried claim never lands on text the copy does not carry. Copy paragraphs not
found in the source (an added intro, an edited sentence, "said" changed to "admitted") are returned for
analysis; the claims found there are matched to the source's by their content (see :func:`link_changed`),
which is how a changed source or cue shows in the spread.

Translations (``kind == 'translation'``): the aligned sentence pairs of the trace carry each attributed claim
whose cue or content lies in an aligned source sentence; the claim's content on the copy is the aligned
sentence (source and cue are not located in the other language), its resolved source and chain are the
source's. Claims are analysed in English only; other languages get claims this way or none.
"""
from __future__ import annotations

import re
from typing import Any

ROLES = ("source", "cue", "content")


def _extent(c: dict[str, Any]) -> tuple[int, int] | None:
    pts = [(c[f"{r}_start"], c[f"{r}_end"]) for r in ROLES if c.get(f"{r}_start") is not None]
    if not pts:
        return None
    return min(s for s, _ in pts), max(e for _, e in pts)


def _paragraphs(body: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", body)]


def _shift(c: dict[str, Any], d: int, page_id: str, from_id: str) -> dict[str, Any]:
    out = dict(c)
    for r in ROLES:
        if out.get(f"{r}_start") is not None:
            out[f"{r}_start"] += d
            out[f"{r}_end"] += d
    out.update(page_id=page_id, origin="carried", carried_from=from_id)
    return out


def carry_same_language(src_id: str, src_body: str, src_title: str | None, src_claims: list[dict[str, Any]],
                        copy_id: str, copy_body: str, copy_title: str | None
                        ) -> tuple[list[dict[str, Any]], list[tuple[int, str]], bool]:
    """(claims carried onto the copy, copy paragraphs to analyse as (offset, text), analyse the title?)."""
    deltas: list[tuple[int, int, int]] = []  # source region [s, e) -> shift
    fresh: list[tuple[int, str]] = []
    for off, text in _paragraphs(copy_body):
        pos = src_body.find(text) if len(text.strip()) > 0 else -1
        if pos >= 0:
            deltas.append((pos, pos + len(text), off - pos))
        else:
            fresh.append((off, text))
    carried = []
    title_same = (copy_title or "") == (src_title or "")
    for c in src_claims:
        if c.get("part") == "title":
            if title_same:
                carried.append(_shift(c, 0, copy_id, src_id))
            continue
        ext = _extent(c)
        if ext is None:
            continue
        a, b = ext
        for s, e, d in deltas:
            if s <= a < e and copy_body[a + d:b + d] == src_body[a:b]:
                carried.append(_shift(c, d, copy_id, src_id))
                break
    return carried, fresh, not title_same


def carry_translation(src_id: str, src_claims: list[dict[str, Any]], copy_id: str,
                      pairs: list[list[int]]) -> list[dict[str, Any]]:
    """Attributed claims of the source onto the aligned sentences of a translation."""
    out = []
    for c in src_claims:
        if c.get("part") != "body" or c["kind"] == "assertion":
            continue
        anchor = c.get("cue_start") if c.get("cue_start") is not None else c.get("content_start")
        if anchor is None:
            continue
        for cs, ce, ss, se in pairs:
            if ss <= anchor < se:
                d = dict(c)
                for r in ROLES:
                    d[f"{r}_start"] = d[f"{r}_end"] = None
                d.update(content_start=cs, content_end=ce, page_id=copy_id, origin="translated", carried_from=src_id)
                out.append(d)
                break
    return out


def _words(s: str) -> set[str]:
    return set(re.findall(r"\w+", s.lower()))


def link_changed(new: list[dict[str, Any]], copy_body: str, src_claims: list[dict[str, Any]], src_body: str
                 ) -> None:
    """Give a claim found in the copy's own text the key of the source claim whose content it rewrites
    (>= 60% of the source content's words), so the spread shows a changed source or cue, not a new claim."""
    for c in new:
        if c["kind"] == "assertion" or c.get("content_start") is None or c.get("part") != "body":
            continue
        cw = _words(copy_body[c["content_start"]:c["content_end"]])
        best, bs = None, 0.6
        for s in src_claims:
            if s["kind"] == "assertion" or s.get("content_start") is None or s.get("part") != "body":
                continue
            sw = _words(src_body[s["content_start"]:s["content_end"]])
            if not sw:
                continue
            j = len(cw & sw) / max(len(sw), len(cw))
            if j >= bs:
                best, bs = s, j
        if best is not None:
            c["claim_key"] = best["claim_key"]
            c["carried_from"] = best["page_id"]
