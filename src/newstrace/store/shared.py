"""Table ``shared_items``: pairs of articles (a < b, by article key) whose only common text is a shared item —
an embedded post, a quoted statement, a wire caption (trace/shared.py) — one row per item, with its aligned
spans.  Kept apart from ``copies``: such pages are not copies of each other.  Written by the trace's align
phase with the pair it belongs to (a re-aligned pair's rows are replaced), cleared by a rebuild, dropped with
the pairs of a changed body; read by exports, the web and the site network.  Functions never commit.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

from . import network
from .articles import lookup, marks, slices
from .records import ArticleKey, dumps

COLUMNS = ("a", "b", "a_hash", "b_hash", "item_key", "kind", "url", "author", "speaker", "text", "spans",
           "shared_words")


def clear(conn) -> None:
    conn.execute("DELETE FROM shared_items")
    network.invalidate(conn)


def replace(conn, aligned: Iterable[tuple[ArticleKey, ArticleKey, str | None, str | None]],
            found: Iterable[tuple[ArticleKey, ArticleKey, dict]]) -> None:
    """The pairs ``aligned`` (a, b, a_hash, b_hash) were aligned again: their old rows go, and the shared
    items ``found`` among them (a, b, record from trace/shared.classify) are written."""
    aligned = list(aligned)
    hashes = {(a, b): (ha, hb) for a, b, ha, hb in aligned}
    network.shared_pairs_changed(conn, [(a, b) for a, b, _, _ in aligned])
    conn.executemany("DELETE FROM shared_items WHERE a = ? AND b = ?", [(a, b) for a, b, _, _ in aligned])
    rows = []
    for a, b, rec in found:
        ha, hb = hashes.get((a, b), (None, None))
        seen = set()
        for it in rec["items"]:
            if it["key"] in seen:
                continue
            seen.add(it["key"])
            spans = it.get("spans") or rec["spans"]
            rows.append((a, b, ha, hb, it["key"], it["kind"], it.get("url"), it.get("author"), it.get("speaker"),
                         it.get("text"), dumps(spans), int(it.get("words") or rec["shared_words"])))
    network.shared_changed(conn, sorted({(r[0], r[1]) for r in rows}))
    conn.executemany(
        f"INSERT INTO shared_items ({', '.join(COLUMNS)}) VALUES ({marks(list(COLUMNS))}) "
        "ON CONFLICT (a, b, item_key) DO UPDATE SET a_hash = excluded.a_hash, b_hash = excluded.b_hash, "
        "kind = excluded.kind, url = excluded.url, author = excluded.author, speaker = excluded.speaker, "
        "text = excluded.text, spans = excluded.spans, shared_words = excluded.shared_words", rows)


def with_links(conn, found: list[tuple[ArticleKey, ArticleKey, dict]]) -> list[tuple[ArticleKey, ArticleKey, dict]]:
    """Give posts found without a status URL the status link of their pages (an embed links its date to it)."""
    from ..trace.shared import add_link_urls

    want = {x for a, b, rec in found for x in (a, b)
            if any(it["kind"] == "post" and it.get("handle") for it in rec["items"])}
    if not want:
        return found
    pid = lookup(conn, "SELECT aid, page_id FROM articles WHERE aid IN ({})", want)
    links: dict[str, list[str]] = {}
    for c in slices(sorted(set(pid.values()))):
        for p, href in conn.execute(f"SELECT page_id, href FROM links WHERE page_id IN ({marks(c)}) "
                                    "AND href LIKE '%/status%' ORDER BY page_id, href", c):
            links.setdefault(p, []).append(href)
    for a, b, rec in found:
        hrefs = links.get(pid.get(a), []) + links.get(pid.get(b), [])
        if hrefs:
            add_link_urls(rec, hrefs)
    return found


def drop_touching(conn, keys: list[ArticleKey]) -> None:
    """Delete the rows of articles whose body changed (their pairs are aligned again)."""
    for c in slices(keys):
        ph = marks(c)
        network.shared_of_keys_changed(conn, ph, c + c)
        conn.execute(f"DELETE FROM shared_items WHERE a IN ({ph}) OR b IN ({ph})", c + c)


# -- reads ------------------------------------------------------------------------------------------------------
_SELECT = ("SELECT pa.url AS a_url, pb.url AS b_url, pa.page_id AS a_id, pb.page_id AS b_id, pa.site AS a_site, "
           "pb.site AS b_site, s.kind, s.url, s.author, s.speaker, s.text, s.spans, s.shared_words, s.item_key "
           "FROM shared_items s JOIN articles pa ON pa.aid = s.a JOIN articles pb ON pb.aid = s.b")


def _row(r) -> dict[str, Any]:
    d = dict(r)
    item = {"kind": d.pop("kind"), "url": d.pop("url"), "author": d.pop("author"), "speaker": d.pop("speaker"),
            "text": d.pop("text"), "key": d.pop("item_key")}
    d["item"] = item
    d["spans"] = json.loads(d["spans"]) if d.get("spans") else []
    return d


def iter_export(conn) -> Iterator[dict[str, Any]]:
    """Every shared-item row: a_url, b_url, item {kind, url, author, speaker, text, key}, spans [[a_start,
    a_end, b_start, b_end]] (character offsets in each page's body), shared_words, page ids and sites."""
    for r in conn.execute(_SELECT + " ORDER BY pa.url, pb.url, s.item_key"):
        yield _row(r)


def of_page(conn, page_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The shared items of one page, each seen from it: ``other_*`` is the page it shares the item with and
    ``spans`` are [this page's start, end, the other's start, end]."""
    out = []
    for r in conn.execute(_SELECT + " WHERE pa.page_id = ? OR pb.page_id = ? ORDER BY s.item_key, pa.url, pb.url "
                          "LIMIT ?", (page_id, page_id, limit)):
        d = _row(r)
        mine = "a" if d["a_id"] == page_id else "b"
        other = "b" if mine == "a" else "a"
        out.append({"item": d["item"], "other_id": d[other + "_id"], "other_url": d[other + "_url"],
                    "other_site": d[other + "_site"], "shared_words": d["shared_words"],
                    "spans": [s if mine == "a" else [s[2], s[3], s[0], s[1]] for s in d["spans"]]})
    return out


def site_pairs(conn) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(site of a, site of b, item key, item kind, a url, b url) of every row (for the site network)."""
    return conn.execute("SELECT pa.site, pb.site, s.item_key, s.kind, pa.url, pb.url FROM shared_items s "
                        "JOIN articles pa ON pa.aid = s.a JOIN articles pb ON pb.aid = s.b "
                        "ORDER BY pa.site, pb.site, s.item_key, pa.url, pb.url")
