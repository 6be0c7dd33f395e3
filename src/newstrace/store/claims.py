"""Claims and analysis state (migrations 0020_claims, 0021_analysis_state): every SQL statement of the
analyze stage, its exports, the API and the web pages about claims, as small functions over a connection.

A claim row keeps character offsets only; texts are sliced from the stored body (or title) when read, so a
span always points into the body it was made on (a changed body is analysed again and its rows replaced).
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Iterator

_COLS = ("page_id", "idx", "kind", "part", "source_start", "source_end", "cue_start", "cue_end", "content_start",
         "content_end", "source_name", "source_type", "chain", "nested_in", "modality", "prediction", "horizon",
         "question", "conditional", "origin", "claim_key", "carried_from")


def pending_articles(conn: sqlite3.Connection, component: str, version: str | tuple[str, ...],
                     page_ids: Iterable[str] | None = None) -> list[sqlite3.Row]:
    """Articles the component has not analysed on their current body (or analysed with another version than
    ``version``, or than any of the tuple's)."""
    versions = (version,) if isinstance(version, str) else tuple(version)
    sql = ("SELECT a.page_id, a.url, a.site, a.title, a.body, a.body_hash, a.language, a.published, a.publisher "
           "FROM articles a LEFT JOIN analysis_state s ON s.page_id = a.page_id AND s.component = ? "
           f"WHERE s.page_id IS NULL OR s.body_hash IS NOT a.body_hash OR s.version NOT IN "
           f"({', '.join('?' * len(versions))}) "
           "ORDER BY a.aid")     # the order articles are analysed in: the same on both backends
    rows = conn.execute(sql, (component, *versions)).fetchall()
    if page_ids is not None:
        want = set(page_ids)
        rows = [r for r in rows if r["page_id"] in want]
    return rows


def copy_parents(conn: sqlite3.Connection, page_ids: Iterable[str]) -> dict[str, sqlite3.Row]:
    """Each page's immediate source in the copies table (the one sharing most words), with the aligned spans."""
    out: dict[str, sqlite3.Row] = {}
    for pid in page_ids:
        r = conn.execute("SELECT copy_id, source_id, kind, spans FROM copies WHERE copy_id = ? "
                         "ORDER BY shared_words DESC, source_id LIMIT 1", (pid,)).fetchone()
        if r is not None:
            out[pid] = r
    return out


def article_texts(conn: sqlite3.Connection, page_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT page_id, url, site, title, body, body_hash, language, published FROM articles "
                        "WHERE page_id = ?", (page_id,)).fetchone()


# components that also mark an article done in a table of their own (aid, body_hash): the actors step writes
# analyze_actors_done beside analysis_state (stores built row by row, e.g. tests, may have only that table)
_DONE_TABLES = {"actors": "analyze_actors_done"}


def _done_join(component: str) -> tuple[str, str]:
    t = _DONE_TABLES.get(component)
    if t is None:
        return "", "s.page_id IS NULL"
    return (f" LEFT JOIN {t} d ON d.aid = a.aid AND d.body_hash IS a.body_hash",
            "s.page_id IS NULL AND d.aid IS NULL")


def unanalysed_count(conn: sqlite3.Connection, component: str) -> tuple[int, int]:
    """(articles the component has not analysed, or skipped with its reason, on their current body; all articles)."""
    join, missing = _done_join(component)
    r = conn.execute(
        f"SELECT COUNT(*), SUM(CASE WHEN {missing} THEN 1 ELSE 0 END) FROM articles a LEFT JOIN analysis_state s "
        f"ON s.page_id = a.page_id AND s.component = ? AND s.body_hash IS a.body_hash{join}", (component,)).fetchone()
    return int(r[1] or 0), int(r[0] or 0)


def unanalysed(conn: sqlite3.Connection, page_ids: Iterable[str], component: str) -> set[str]:
    """Which of these pages the component has not analysed (or skipped) on their current body."""
    join, missing = _done_join(component)
    ids = list(dict.fromkeys(page_ids))
    out: set[str] = set()
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out.update(r[0] for r in conn.execute(
            "SELECT a.page_id FROM articles a LEFT JOIN analysis_state s ON s.page_id = a.page_id AND s.component = ? "
            f"AND s.body_hash IS a.body_hash{join} WHERE a.page_id IN ({', '.join('?' * len(part))}) AND {missing}",
            (component, *part)))
    return out


def state_of(conn: sqlite3.Connection, page_id: str, component: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM analysis_state WHERE page_id = ? AND component = ?",
                        (page_id, component)).fetchone()


def claim_rows(conn: sqlite3.Connection, page_id: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM claims WHERE page_id = ? ORDER BY idx", (page_id,)).fetchall()
    return [_row(r) for r in rows]


def replace_claims(conn: sqlite3.Connection, page_id: str, rows: list[dict[str, Any]]) -> None:
    """Drop the page's claims and write ``rows`` (call inside the transaction that also sets the state)."""
    conn.execute("DELETE FROM claims WHERE page_id = ?", (page_id,))
    conn.executemany(
        f"INSERT INTO claims ({', '.join(_COLS)}) VALUES ({', '.join('?' * len(_COLS))})",
        [tuple(json.dumps(r.get(c) or []) if c == "chain" else r.get(c) for c in _COLS) for r in rows])


def set_state(conn: sqlite3.Connection, page_id: str, component: str, body_hash: str | None, version: str,
              mode: str, detail: dict[str, Any], at: str) -> None:
    conn.execute("INSERT INTO analysis_state (page_id, component, body_hash, version, mode, detail, analysed_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (page_id, component) DO UPDATE SET "
                 "body_hash = excluded.body_hash, version = excluded.version, mode = excluded.mode, "
                 "detail = excluded.detail, analysed_at = excluded.analysed_at",
                 (page_id, component, body_hash, version, mode, json.dumps(detail), at))


def state_counts(conn: sqlite3.Connection, component: str) -> dict[str, int]:
    return {r[0]: r[1] for r in conn.execute(
        "SELECT mode, COUNT(*) FROM analysis_state WHERE component = ? GROUP BY mode", (component,))}


def _row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["chain"] = json.loads(d.get("chain") or "[]")
    d["question"] = bool(d.get("question"))
    d["conditional"] = bool(d.get("conditional"))
    return d


def _span(text: str | None, s: int | None, e: int | None) -> dict[str, Any] | None:
    if s is None or e is None or text is None:
        return None
    return {"start": s, "end": e, "text": text[s:e]}


def with_texts(d: dict[str, Any], title: str | None, body: str | None) -> dict[str, Any]:
    """A claim row with ``source``/``cue``/``content`` as {start, end, text} into its body (or title)."""
    text = title if d.get("part") == "title" else body
    out = {k: v for k, v in d.items() if not k.endswith(("_start", "_end"))}
    for role in ("source", "cue", "content"):
        out[role] = _span(text, d.get(f"{role}_start"), d.get(f"{role}_end"))
    return out


def article_claims(conn: sqlite3.Connection, page_id: str) -> list[dict[str, Any]]:
    """The page's claims with their texts, in body order."""
    a = conn.execute("SELECT title, body FROM articles WHERE page_id = ?", (page_id,)).fetchone()
    if a is None:
        return []
    return [with_texts(d, a["title"], a["body"]) for d in claim_rows(conn, page_id)]


def iter_export(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Rows of ``newstrace export claims``: url, kind, source, cue, content ({start, end, text} or null), the
    resolved source and its type, chain, modality, prediction and horizon, question, conditional, origin."""
    cur = conn.execute("SELECT a.url, a.title, a.body, c.* FROM claims c JOIN articles a ON a.page_id = c.page_id "
                       "ORDER BY c.page_id, c.idx")
    for r in cur:
        d = _row(r)
        url, title, body = d.pop("url"), d.pop("title"), d.pop("body")
        t = with_texts(d, title, body)
        yield {"url": url, "kind": t["kind"], "part": t["part"], "source": t["source"], "cue": t["cue"],
               "content": t["content"], "source_name": t["source_name"], "source_type": t["source_type"],
               "chain": t["chain"], "modality": t["modality"], "prediction": t["prediction"],
               "horizon": t["horizon"], "question": t["question"], "conditional": t["conditional"],
               "origin": t["origin"], "claim_key": t["claim_key"], "carried_from": t["carried_from"],
               "page_id": t["page_id"], "idx": t["idx"]}


def claim_pages(conn: sqlite3.Connection, claim_key: str) -> list[dict[str, Any]]:
    """Every page carrying one claim (by claim_key), with its site, date and the source/cue texts it uses."""
    rows = conn.execute(
        "SELECT c.*, a.url, a.site, a.published, a.language, a.title, a.body FROM claims c "
        "JOIN articles a ON a.page_id = c.page_id WHERE c.claim_key = ? "
        "ORDER BY a.published, a.url, c.page_id, c.idx",
        (claim_key,)).fetchall()
    out = []
    for r in rows:
        d = _row(r)
        body, title = d.pop("body"), d.pop("title")
        t = with_texts(d, title, body)
        out.append(t)
    return out


def story_pages(conn: sqlite3.Connection, story_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT m.page_id, m.role, m.parent_id, m.kind, a.url, a.site, a.published, a.language "
                        "FROM story_members m JOIN articles a ON a.page_id = m.page_id WHERE m.story_id = ? "
                        "ORDER BY m.published, a.url, m.page_id", (story_id,)).fetchall()


def story_claim_rows(conn: sqlite3.Connection, page_ids: list[str]) -> list[dict[str, Any]]:
    """Attributed claims (not assertions) of the given pages, with texts: by page (in the order given), then
    by idx.  A few queries per 500 pages, not two per page (each one a round trip on PostgreSQL)."""
    from .articles import marks, slices

    by_page: dict[str, list[dict[str, Any]]] = {}
    for part in slices(list(dict.fromkeys(page_ids)), 500):
        for r in conn.execute(f"SELECT * FROM claims WHERE page_id IN ({marks(part)}) AND kind != 'assertion' "
                              "ORDER BY page_id, idx", part):
            by_page.setdefault(r["page_id"], []).append(_row(r))
    texts: dict[str, tuple] = {}
    for part in slices(sorted(by_page), 500):
        texts.update((r["page_id"], (r["title"], r["body"])) for r in conn.execute(
            f"SELECT page_id, title, body FROM articles WHERE page_id IN ({marks(part)})", part))
    return [with_texts(d, *texts[pid]) for pid in page_ids if pid in texts for d in by_page.get(pid, [])]
