"""Table family ``copies``, ``stories``, ``story_members`` (and ``trace_dirty``): the trace's decisions (written by the decide phase,
read by web/, export and the network phase).

Functions take the connection first and typed records (store/records.py); they never commit: the caller wraps
a phase's writes in one ``with conn:`` transaction, so a killed run leaves the old decisions whole.
"""
from __future__ import annotations

import json
from typing import Iterable, NamedTuple

from . import network
from .articles import marks
from .records import ArticleKey, Copy, Story, dumps

TABLES = ("copies", "stories", "story_members")


COPY_COLS = ("copy_id,source_id,origin_id,kind,language_pair,spans,shared_words,coverage_copy,coverage_source,"
             "credited,credited_to,confidence,evidence,changes,story_id,updated_at,copy_hash,source_hash")


def copy_row(c: Copy, ts: str) -> tuple:
    """A ``copies`` row (``COPY_COLS``)."""
    return (c.copy_id, c.source_id, c.origin_id, c.kind.value, c.language_pair, dumps(c.spans), c.shared_words,
            c.coverage_copy, c.coverage_source, c.credited.value,
            dumps(c.credited_to.as_dict()) if c.credited_to else None, c.confidence,
            dumps([{"kind": e.kind.value, "detail": e.detail, "weight": e.weight} for e in c.evidence]),
            dumps(c.changes), c.story_id, ts, c.copy_hash, c.source_hash)


def story_row(s: Story) -> tuple:
    """A ``stories`` row (columns in table order)."""
    return (s.story_id, s.origin_id, s.title, s.size, s.sites, json.dumps(s.languages), s.first_seen, s.last_seen,
            s.credit_rate)


class Encoded(NamedTuple):
    """Decisions as rows, encoded where they were made (a trace worker), so the writer only inserts."""
    copies: list[tuple]
    stories: list[tuple]
    members: list[tuple]


def encode(copies: Iterable[Copy], stories: Iterable[Story], ts: str) -> Encoded:
    stories = list(stories)
    return Encoded([copy_row(c, ts) for c in copies], [story_row(s) for s in stories],
                   [(m.story_id, m.page_id, m.role.value, m.kind.value if m.kind else None, m.parent_id,
                     m.published, m.lag_hours) for s in stories for m in s.members])


def write(conn, rows: Encoded) -> None:
    """Insert (or replace) encoded copies and stories with their members (the copies noted for the network)."""
    network.copies_changed(conn, [(r[0], r[1]) for r in rows.copies])
    conn.executemany(f"INSERT OR REPLACE INTO copies ({COPY_COLS}) VALUES ({marks(COPY_COLS.split(','))})", rows.copies)
    conn.executemany("INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?,?,?,?)", rows.stories)
    conn.executemany("INSERT OR REPLACE INTO story_members VALUES (?,?,?,?,?,?,?)", rows.members)


def clear(conn) -> None:
    """Every decision (a full decision replaces them all in its transaction; the network is then rebuilt)."""
    for t in TABLES:
        conn.execute(f"DELETE FROM {t}")
    network.invalidate(conn)


# ``trace_dirty``: the articles whose components still have to be decided, recorded before a run changes
# pairs and emptied in the transaction that writes its decisions (ALL: every component)
ALL = -1


def undecided(conn) -> set[ArticleKey]:
    return {r[0] for r in conn.execute("SELECT rid FROM trace_dirty")}


def mark_undecided(conn, keys: Iterable[ArticleKey]) -> None:
    conn.executemany("INSERT OR IGNORE INTO trace_dirty VALUES (?)", [(k,) for k in keys])


def clear_undecided(conn) -> None:
    conn.execute("DELETE FROM trace_dirty")


def delete_for_pages(conn, page_ids: list[str]) -> None:
    """Copies touching these pages, and the stories they are members of."""
    for k in range(0, len(page_ids), 900):
        c = page_ids[k:k + 900]
        ph = ",".join("?" * len(c))
        sids = [r[0] for r in conn.execute(f"SELECT DISTINCT story_id FROM story_members WHERE page_id IN ({ph})", c)]
        network.copies_of_pages_changed(conn, ph, c + c)
        conn.execute(f"DELETE FROM copies WHERE copy_id IN ({ph}) OR source_id IN ({ph})", c + c)
        for j in range(0, len(sids), 900):
            s = sids[j:j + 900]
            sp = ",".join("?" * len(s))
            conn.execute(f"DELETE FROM story_members WHERE story_id IN ({sp})", s)
            conn.execute(f"DELETE FROM stories WHERE story_id IN ({sp})", s)


# -- reads for exports (trace/exports.py) -------------------------------------------------------------------
def copies_with_urls(conn) -> Iterable:
    """Every copies row with copy_url, source_url, origin_url, copy_site and source_site, by story."""
    return conn.execute("""
        SELECT c.*, ca.url AS copy_url, sa.url AS source_url, oa.url AS origin_url,
               ca.site AS copy_site, sa.site AS source_site
        FROM copies c JOIN articles ca ON ca.page_id = c.copy_id JOIN articles sa ON sa.page_id = c.source_id
        LEFT JOIN articles oa ON oa.page_id = c.origin_id ORDER BY c.story_id, c.copy_id, c.source_id""")


def stories_with_urls(conn) -> list:
    """Every stories row with origin_url, by first sighting."""
    return conn.execute("SELECT s.*, a.url AS origin_url FROM stories s JOIN articles a ON a.page_id = s.origin_id "
                        "ORDER BY s.first_seen, s.story_id").fetchall()


def members_with_urls(conn, story_id: str) -> list:
    """A story's members (page_id, url, site, role, kind, parent_id, published, lag_hours): origin first."""
    return conn.execute(
        "SELECT m.page_id, a.url, a.site, m.role, m.kind, m.parent_id, m.published, m.lag_hours "
        "FROM story_members m JOIN articles a ON a.page_id = m.page_id WHERE m.story_id = ? "
        "ORDER BY m.role DESC, m.lag_hours IS NULL, m.lag_hours, a.url, m.page_id", (story_id,)).fetchall()


def all_copies(conn) -> list:
    """Every copies row, by story."""
    return conn.execute("SELECT * FROM copies ORDER BY story_id, copy_id, source_id").fetchall()


def all_stories(conn) -> list:
    """Every stories row, by first sighting."""
    return conn.execute("SELECT * FROM stories ORDER BY first_seen, story_id").fetchall()


def members(conn, story_id: str) -> list:
    """A story's story_members rows, origin first, then by lag."""
    return conn.execute("SELECT * FROM story_members WHERE story_id=? ORDER BY role DESC, lag_hours, page_id",
                        (story_id,)).fetchall()


def credited(conn, copy_id: str, source_id: str) -> str | None:
    r = conn.execute("SELECT credited FROM copies WHERE copy_id=? AND source_id=?", (copy_id, source_id)).fetchone()
    return r[0] if r else None
