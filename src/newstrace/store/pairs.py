"""Table family ``trace_pairs``: pairs of articles (a < b, by article key) aligned on two body versions, linked
or not (written by the align and translate phases, read by the decide phase to build components).

A pair is aligned again only when one of its two body hashes changed; translation links never replace an
aligned link, only an unlinked pair or an older translation link.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .articles import marks, slices
from .records import ArticleKey, Pair, PairMethod, loads


def clear(conn) -> None:
    conn.execute("DELETE FROM trace_pairs")


def write(conn, pairs: Iterable[Pair]) -> None:
    conn.executemany("INSERT OR REPLACE INTO trace_pairs VALUES (?,?,?,?,?,?,?)", [p.row() for p in pairs])


def write_translations(conn, pairs: Iterable[Pair]) -> None:
    conn.executemany(
        "INSERT INTO trace_pairs VALUES (?,?,?,?,?,?,?) ON CONFLICT(a, b) DO UPDATE SET "
        "a_hash=excluded.a_hash, b_hash=excluded.b_hash, linked=1, method='translation', result=excluded.result "
        "WHERE trace_pairs.linked = 0 OR trace_pairs.method = 'translation'", [p.row() for p in pairs])


def any_stored(conn) -> bool:
    return conn.execute("SELECT 1 FROM trace_pairs LIMIT 1").fetchone() is not None


def with_pairs(conn, keys: Iterable[ArticleKey]) -> set[ArticleKey]:
    """The articles among ``keys`` in at least one stored pair (two index probes each)."""
    out: set[ArticleKey] = set()
    for c in slices(sorted(set(keys))):
        ph = marks(c)
        out.update(r[0] for r in conn.execute(f"SELECT a FROM trace_pairs WHERE a IN ({ph}) UNION "
                                              f"SELECT b FROM trace_pairs WHERE b IN ({ph})", c + c))
    return out


def known(conn, pairs: set[tuple[ArticleKey, ArticleKey]], hashes: dict[ArticleKey, str],
          among: Iterable[ArticleKey] | None = None) -> set[tuple]:
    """The pairs already aligned on the same two bodies (nothing to redo).  ``among``: articles one of which is
    in every pair (a batch); a pair whose members among them are in no stored pair is not looked up (a new
    article's pairs: its candidates are read against a compact index, not the pairs' wide rows)."""
    if among is not None and pairs:
        batch = set(among)
        seen = with_pairs(conn, batch)
        pairs = {p for p in pairs if all(x in seen for x in p if x in batch)}
    if not pairs:
        return set()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _p (a INTEGER, b INTEGER)")
    conn.execute("DELETE FROM _p")
    conn.executemany("INSERT INTO _p VALUES (?,?)", list(pairs))
    done = set()
    for a, b, ha, hb in conn.execute(
            "SELECT t.a, t.b, t.a_hash, t.b_hash FROM trace_pairs t JOIN _p p ON p.a = t.a AND p.b = t.b"):
        if hashes.get(a) == ha and hashes.get(b) == hb:
            done.add((a, b))
    conn.execute("DELETE FROM _p")
    return done


def drop_touching(conn, keys: list[ArticleKey]) -> None:
    """Delete the pairs of articles whose body changed; the articles they were linked to are marked dirty
    (their components are decided again)."""
    for c in slices(keys):
        ph = marks(c)
        conn.execute(f"INSERT OR IGNORE INTO trace_dirty SELECT a FROM trace_pairs WHERE linked = 1 "
                     f"AND b IN ({ph}) UNION SELECT b FROM trace_pairs WHERE linked = 1 AND a IN ({ph})", c + c)
        conn.execute(f"DELETE FROM trace_pairs WHERE a IN ({ph}) OR b IN ({ph})", c + c)


def linked_edges(conn) -> Iterable[tuple[ArticleKey, ArticleKey]]:
    """Every linked (a, b)."""
    return conn.execute("SELECT a, b FROM trace_pairs WHERE linked = 1")


def neighbours(conn, x: ArticleKey) -> set[ArticleKey]:
    return {r[0] for r in conn.execute(
        "SELECT b FROM trace_pairs WHERE a = ? AND linked = 1 UNION SELECT a FROM trace_pairs WHERE b = ? AND linked = 1",
        (x, x))}


def linked_within(conn, comps: list[list[ArticleKey]]) -> list[dict[tuple[ArticleKey, ArticleKey], dict]]:
    """Per component, its linked pairs (both ends in it) in (a, b) order: {(a, b): alignment dict}."""
    comp_of = {r: i for i, comp in enumerate(comps) for r in comp}
    found: list[list] = [[] for _ in comps]
    for c in slices(sorted(comp_of)):
        for a, b, method, res in conn.execute(
                f"SELECT a, b, method, result FROM trace_pairs WHERE linked = 1 AND a IN ({marks(c)})", c):
            i = comp_of[a]
            if res and comp_of.get(b) == i:
                found[i].append((a, b, method, res))
    out = []
    for rows in found:
        d = {}
        for a, b, method, res in sorted(rows):
            r = loads(res)
            r.setdefault("method", PairMethod(method).value)
            d[(a, b)] = r
        out.append(d)
    return out
