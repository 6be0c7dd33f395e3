"""Table family ``site_edges``, ``site_groups``: the site network (written by the trace's network phase from
copies and identifiers, read by web/ and export).  Functions never commit."""
from __future__ import annotations

from typing import Iterable, Iterator

from .articles import lookup, marks, slices
from .records import SiteEdge, SiteGroup, dumps

TABLES = ("site_edges", "site_groups")
# what the network phase last read (migration 0070): an incremental run updates these and the edges they change
STATE = ("network_sites", "network_idents", "network_ident_failing", "network_copies", "network_shared",
         "network_dirty_copies", "network_dirty_shared")
MARK = "network"


def clear(conn) -> None:
    """The network and its state: the next network run rebuilds it all."""
    for t in TABLES + STATE:
        conn.execute(f"DELETE FROM {t}")
    invalidate(conn)


def invalidate(conn) -> None:
    """Forget the state (a rebuild of copies or shared items): the next network run is a whole one."""
    conn.execute("DELETE FROM incremental_marks WHERE name = ?", (MARK,))


def mark(conn) -> int | None:
    """The article key up to which the state counts articles; None: no state (rebuild the network)."""
    r = conn.execute("SELECT aid FROM incremental_marks WHERE name = ?", (MARK,)).fetchone()
    return r[0] if r else None


def top_aid(conn) -> int:
    return conn.execute("SELECT coalesce(max(aid), 0) FROM articles").fetchone()[0]


# -- what changed: written by the decide and align phases ------------------------------------------------------
def copies_changed(conn, keys: Iterable[tuple[str, str]]) -> None:
    """These copies rows were written (decisions.write)."""
    conn.executemany("INSERT OR IGNORE INTO network_dirty_copies VALUES (?,?)", keys)


def copies_of_pages_changed(conn, ph: str, params: list) -> None:
    """The copies rows touching these pages are about to go (decisions.delete_for_pages; ``ph`` its marks)."""
    conn.execute(f"INSERT INTO network_dirty_copies (copy_id, source_id) SELECT copy_id, source_id FROM copies "
                 f"WHERE copy_id IN ({ph}) OR source_id IN ({ph}) ON CONFLICT DO NOTHING", params)


def shared_changed(conn, pairs: Iterable[tuple[int, int]]) -> None:
    """Shared items were written for these article pairs (store/shared.py)."""
    conn.executemany("INSERT OR IGNORE INTO network_dirty_shared VALUES (?,?)", pairs)


def shared_pairs_changed(conn, pairs: Iterable[tuple[int, int]]) -> None:
    """The shared-item rows of these article pairs, if any, are about to go (shared.replace)."""
    conn.executemany("INSERT INTO network_dirty_shared (a, b) SELECT DISTINCT a, b FROM shared_items "
                     "WHERE a = ? AND b = ? ON CONFLICT DO NOTHING", pairs)


def shared_of_keys_changed(conn, ph: str, params: list) -> None:
    """The shared-item rows touching these articles are about to go (shared.drop_touching)."""
    conn.execute(f"INSERT INTO network_dirty_shared (a, b) SELECT DISTINCT a, b FROM shared_items "
                 f"WHERE a IN ({ph}) OR b IN ({ph}) ON CONFLICT DO NOTHING", params)


# -- whole-store reads (a rebuild) ---------------------------------------------------------------------------
def copy_flows(conn) -> Iterator[tuple[str, str, str, str, str, str]]:
    """(copy_id, source_id, copying site, source site, kind, credited) of every copy but duplicates, by copy and
    source."""
    return conn.execute(
        "SELECT c.copy_id, c.source_id, ca.site, sa.site, c.kind, c.credited FROM copies c "
        "JOIN articles ca ON ca.page_id = c.copy_id JOIN articles sa ON sa.page_id = c.source_id "
        "WHERE c.kind != 'duplicate' ORDER BY c.copy_id, c.source_id")


def site_page_counts(conn, top: int) -> dict[str, int]:
    return dict(conn.execute("SELECT site, count(*) FROM articles WHERE aid <= ? GROUP BY site", (top,)).fetchall())


def identifiers(conn, top: int) -> Iterator[tuple[str, str, str, str]]:
    """(site, page_id, kind, value) of every identifier on an article (up to key ``top``)."""
    return conn.execute("SELECT a.site, i.page_id, i.kind, i.value FROM identifiers i JOIN articles a "
                        "ON a.page_id = i.page_id WHERE a.aid <= ?", (top,))


def copy_sources(conn) -> Iterator[tuple[str, str, str | None]]:
    """(copy page_id, its source's site, its origin's site) of every copy."""
    return conn.execute(
        "SELECT c.copy_id, sa.site, oa.site FROM copies c JOIN articles sa ON sa.page_id = c.source_id "
        "LEFT JOIN articles oa ON oa.page_id = c.origin_id")


def shared_rows(conn) -> Iterator[tuple[int, int, str, str, str, str, str, str]]:
    """(a, b, item key, kind, site of a, site of b, url of a, url of b) of every shared-item row, by sites, item
    and urls."""
    return conn.execute("SELECT s.a, s.b, s.item_key, s.kind, pa.site, pb.site, pa.url, pb.url FROM shared_items s "
                        "JOIN articles pa ON pa.aid = s.a JOIN articles pb ON pb.aid = s.b "
                        "ORDER BY pa.site, pb.site, s.item_key, pa.url, pb.url")


def write_state(conn, sites: dict[str, int], idents: list[tuple], failing: list[tuple], flows: list[tuple],
                shared: list[tuple], top: int) -> None:
    """Replace the whole state (after a rebuild): network_sites, network_idents (kind, value, site, pages, copied,
    owned), network_ident_failing (kind, value, site, page_id), network_copies (copy_id, source_id, copy_site,
    source_site, kind, credited), network_shared (a, b, item_key, site_a, site_b, kind); the change lists
    emptied; the mark set to ``top``."""
    for t in STATE:
        conn.execute(f"DELETE FROM {t}")
    conn.executemany("INSERT INTO network_sites VALUES (?,?)", sorted(sites.items()))
    conn.executemany("INSERT INTO network_idents VALUES (?,?,?,?,?,?)", idents)
    put_failing(conn, failing)
    conn.executemany("INSERT INTO network_copies VALUES (?,?,?,?,?,?)", flows)
    conn.executemany("INSERT INTO network_shared VALUES (?,?,?,?,?,?)", shared)
    set_mark(conn, top)


def set_mark(conn, top: int) -> None:
    conn.execute("DELETE FROM network_dirty_copies")
    conn.execute("DELETE FROM network_dirty_shared")
    conn.execute("INSERT INTO incremental_marks (name, aid) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "aid = excluded.aid", (MARK, top))


# -- incremental reads and writes ------------------------------------------------------------------------------
def fold_sites(conn, mark: int, top: int) -> dict[str, tuple[int, int]]:
    """Count the articles stored after ``mark`` (up to ``top``) into network_sites: {site: (pages before,
    pages now)} of the sites that gained articles."""
    new = conn.execute("SELECT site, count(*) FROM articles WHERE aid > ? AND aid <= ? GROUP BY site",
                       (mark, top)).fetchall()
    if not new:
        return {}
    old = lookup(conn, "SELECT site, pages FROM network_sites WHERE site IN ({})", [s for s, _ in new])
    conn.executemany("INSERT INTO network_sites (site, pages) VALUES (?, ?) ON CONFLICT (site) DO UPDATE SET "
                     "pages = network_sites.pages + excluded.pages", new)
    return {s: (old.get(s, 0), old.get(s, 0) + n) for s, n in new}


def site_pages(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT site, pages FROM network_sites").fetchall())


def new_identifiers(conn, mark: int, top: int) -> list[tuple[str, str, str, str]]:
    """(site, kind, value, page_id) of the identifiers on the articles stored after ``mark`` (up to ``top``)."""
    return [tuple(r) for r in conn.execute(
        "SELECT a.site, i.kind, i.value, a.page_id FROM articles a JOIN identifiers i ON i.page_id = a.page_id "
        "WHERE a.aid > ? AND a.aid <= ?", (mark, top))]


def page_identifiers(conn, pids: Iterable[str], top: int) -> list[tuple[str, str, str, str]]:
    """(site, kind, value, page_id) carried by these pages (articles up to key ``top``)."""
    out = []
    for c in slices(sorted(set(pids))):
        out += [tuple(r) for r in conn.execute(
            f"SELECT a.site, i.kind, i.value, i.page_id FROM identifiers i JOIN articles a ON a.page_id = i.page_id "
            f"WHERE i.page_id IN ({marks(c)}) AND a.aid <= ?", c + [top])]
    return out


def ident_rows(conn, kind: str, value: str) -> dict[str, list]:
    """{site: [pages, copied, owned]} of one identifier's carrier sites."""
    return {s: [p, c, o] for s, p, c, o in conn.execute(
        "SELECT site, pages, copied, owned FROM network_idents WHERE kind = ? AND value = ?", (kind, value))}


def idents_crossing(conn, site: str, lo: float, hi: float) -> list[tuple[str, str]]:
    """(kind, value) of the site's identifiers on ``lo`` <= pages < ``hi`` of its articles."""
    return [tuple(r) for r in conn.execute(
        "SELECT kind, value FROM network_idents WHERE site = ? AND pages >= ? AND pages < ?", (site, lo, hi))]


def ident_pages(conn, kind: str, value: str, site: str, top: int) -> list[str]:
    """page_id of the site's articles (up to key ``top``) carrying the identifier."""
    return [r[0] for r in conn.execute(
        "SELECT a.page_id FROM identifiers i JOIN articles a ON a.page_id = i.page_id "
        "WHERE i.kind = ? AND i.value = ? AND a.site = ? AND a.aid <= ?", (kind, value, site, top))]


def iter_failing(conn, kind: str, value: str, site: str, chunk: int = 64) -> Iterator[str]:
    """The pages listed as failing the ``copied`` test for one network_idents row (migration 0163: a superset
    of its pages that copy no page of another carrier site; every page not listed passes), by page_id, read
    ``chunk`` rows at a time (a caller that stops early reads no more)."""
    last = ""
    while True:
        rows = [r[0] for r in conn.execute(
            "SELECT page_id FROM network_ident_failing WHERE kind = ? AND value = ? AND site = ? AND page_id > ? "
            "ORDER BY page_id LIMIT ?", (kind, value, site, last, chunk))]
        yield from rows
        if len(rows) < chunk:
            return
        last = rows[-1]


def put_failing(conn, rows: Iterable[tuple[str, str, str, str]]) -> None:
    """List (kind, value, site, page_id) as failing."""
    conn.executemany("INSERT INTO network_ident_failing VALUES (?,?,?,?) ON CONFLICT DO NOTHING", rows)


def drop_failing(conn, rows: Iterable[tuple[str, str, str, str]]) -> None:
    """Unlist (kind, value, site, page_id): these pages pass now."""
    conn.executemany("DELETE FROM network_ident_failing WHERE kind = ? AND value = ? AND site = ? AND page_id = ?",
                     rows)


def drop_failing_of(conn, kind: str, value: str, site: str) -> None:
    """Forget one row's failing pages (its ``copied`` flag is not kept any more)."""
    conn.execute("DELETE FROM network_ident_failing WHERE kind = ? AND value = ? AND site = ?", (kind, value, site))


def copied_from(conn, pids: Iterable[str]) -> dict[str, set[str]]:
    """{copy page: sites of its sources and origins} over these pages' copies rows."""
    out: dict[str, set[str]] = {}
    for c in slices(sorted(set(pids))):
        for cid, ss, os_ in conn.execute(
                f"SELECT c.copy_id, sa.site, oa.site FROM copies c JOIN articles sa ON sa.page_id = c.source_id "
                f"LEFT JOIN articles oa ON oa.page_id = c.origin_id WHERE c.copy_id IN ({marks(c)})", c):
            out.setdefault(cid, set()).add(ss)
            if os_:
                out[cid].add(os_)
    return out


def put_idents(conn, rows: list[tuple]) -> None:
    """Upsert network_idents rows (kind, value, site, pages, copied, owned)."""
    conn.executemany("INSERT INTO network_idents VALUES (?,?,?,?,?,?) ON CONFLICT (kind, value, site) DO UPDATE "
                     "SET pages = excluded.pages, copied = excluded.copied, owned = excluded.owned", rows)


def owned_idents(conn, site: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute("SELECT kind, value FROM network_idents WHERE site = ? AND owned = 1",
                                           (site,))]


def holders(conn, kind: str, value: str) -> int:
    """How many sites own the identifier."""
    return conn.execute("SELECT count(*) FROM network_idents WHERE kind = ? AND value = ? AND owned = 1",
                        (kind, value)).fetchone()[0]


def foreign_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM network_idents WHERE owned = 0").fetchone()[0]


def dirty_copies(conn) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute("SELECT copy_id, source_id FROM network_dirty_copies")]


def refresh_copies(conn, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Bring network_copies up to date for these copies keys; the (copy site, source site) pairs they were or
    are counted in."""
    want = set(keys)
    pairs: set[tuple[str, str]] = set()
    for c in slices(sorted({k[0] for k in want})):
        ph = marks(c)
        old = [tuple(r) for r in conn.execute(f"SELECT copy_id, source_id, copy_site, source_site FROM network_copies "
                                              f"WHERE copy_id IN ({ph})", c) if (r[0], r[1]) in want]
        pairs.update((r[2], r[3]) for r in old)
        conn.executemany("DELETE FROM network_copies WHERE copy_id = ? AND source_id = ?", [r[:2] for r in old])
        new = [tuple(r) for r in conn.execute(
            f"SELECT c.copy_id, c.source_id, ca.site, sa.site, c.kind, c.credited FROM copies c "
            f"JOIN articles ca ON ca.page_id = c.copy_id JOIN articles sa ON sa.page_id = c.source_id "
            f"WHERE c.copy_id IN ({ph}) AND c.kind != 'duplicate'", c)
            if (r[0], r[1]) in want and r[2] != r[3]]
        pairs.update((r[2], r[3]) for r in new)
        conn.executemany("INSERT INTO network_copies VALUES (?,?,?,?,?,?)", new)
    return pairs


def flow_rows(conn, a: str, b: str) -> list[tuple[str, str, str, str]]:
    """(copy_id, source_id, kind, credited) of site ``a``'s copies of site ``b``'s pages, by copy and source."""
    return [tuple(r) for r in conn.execute("SELECT copy_id, source_id, kind, credited FROM network_copies WHERE "
                                           "copy_site = ? AND source_site = ? ORDER BY copy_id, source_id", (a, b))]


def urls(conn, pids: Iterable[str]) -> dict[str, str]:
    return lookup(conn, "SELECT page_id, url FROM articles WHERE page_id IN ({})", sorted(set(pids)))


def dirty_shared(conn) -> list[tuple[int, int]]:
    return [tuple(r) for r in conn.execute("SELECT a, b FROM network_dirty_shared")]


def refresh_shared(conn, keys: list[tuple[int, int]]) -> set[tuple[str, str]]:
    """Bring network_shared up to date for these article pairs; the site pairs (a < b) they were or are in."""
    pairs: set[tuple[str, str]] = set()
    for a, b in keys:
        old = [tuple(r) for r in conn.execute("SELECT DISTINCT site_a, site_b FROM network_shared WHERE a = ? AND b = ?",
                                              (a, b))]
        conn.execute("DELETE FROM network_shared WHERE a = ? AND b = ?", (a, b))
        new = [tuple(r) for r in conn.execute(
            "SELECT s.a, s.b, s.item_key, pa.site, pb.site, s.kind FROM shared_items s JOIN articles pa ON pa.aid = s.a "
            "JOIN articles pb ON pb.aid = s.b WHERE s.a = ? AND s.b = ?", (a, b)) if r[3] != r[4]]
        conn.executemany("INSERT INTO network_shared VALUES (?,?,?,?,?,?)", new)
        pairs.update(tuple(sorted(r)) for r in old)
        pairs.update(tuple(sorted((r[3], r[4]))) for r in new)
    return pairs


def shared_pair_rows(conn, a: str, b: str) -> list[tuple[str, str, str, str, str, str]]:
    """(site of a, site of b, item key, kind, a url, b url) of the shared items between sites ``a`` and ``b``, in
    the order of a rebuild (by sites, item, urls)."""
    return conn.execute(
        "SELECT s.site_a, s.site_b, s.item_key, s.kind, pa.url, pb.url FROM network_shared s "
        "JOIN articles pa ON pa.aid = s.a JOIN articles pb ON pb.aid = s.b "
        "WHERE (s.site_a = ? AND s.site_b = ?) OR (s.site_a = ? AND s.site_b = ?) "
        "ORDER BY s.site_a, s.site_b, s.item_key, pa.url, pb.url", (a, b, b, a)).fetchall()


def strong_edges(conn) -> list[tuple[str, str, str]]:
    """(site_a, site_b, detail JSON) of the strong identifier edges."""
    return conn.execute("SELECT site_a, site_b, detail FROM site_edges WHERE kind = 'identifier' AND strong = 1 "
                        "ORDER BY site_a, site_b").fetchall()


def edge_counts(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT kind, count(*) FROM site_edges GROUP BY kind").fetchall())


def write(conn, edges: Iterable[SiteEdge], groups: Iterable[SiteGroup]) -> None:
    """Replace the whole network."""
    for t in TABLES:
        conn.execute(f"DELETE FROM {t}")
    put_edges(conn, edges)
    put_groups(conn, groups)


def put_edges(conn, edges: Iterable[SiteEdge]) -> None:
    conn.executemany("INSERT INTO site_edges VALUES (?,?,?,?,?,?)",
                     [(e.site_a, e.site_b, e.kind.value, e.weight, int(e.strong), dumps(e.detail)) for e in edges])


def drop_edges(conn, kind: str, pairs: Iterable[tuple[str, str]]) -> None:
    conn.executemany("DELETE FROM site_edges WHERE site_a = ? AND site_b = ? AND kind = ?",
                     [(a, b, kind) for a, b in pairs])


def put_groups(conn, groups: Iterable[SiteGroup]) -> None:
    conn.executemany("INSERT INTO site_groups VALUES (?,?,?)", [(g.site, g.group_id, dumps(g.evidence)) for g in groups])


def replace_groups(conn, groups: list[SiteGroup]) -> None:
    """Write the groups that differ from the stored ones."""
    have = {s: (g, e) for s, g, e in conn.execute("SELECT site, group_id, evidence FROM site_groups")}
    new = {g.site: (g.group_id, dumps(g.evidence)) for g in groups}
    conn.executemany("DELETE FROM site_groups WHERE site = ?", [(s,) for s in have if have[s] != new.get(s)])
    conn.executemany("INSERT INTO site_groups VALUES (?,?,?)",
                     [(s,) + v for s, v in sorted(new.items()) if have.get(s) != v])


# -- reads for exports and the graph (trace/exports.py) ------------------------------------------------------
def groups(conn) -> list[tuple[str, str, str]]:
    """(site, group_id, evidence JSON) of every site."""
    return conn.execute("SELECT site, group_id, evidence FROM site_groups").fetchall()


def edges(conn) -> list[tuple[str, str, str, float, int, str]]:
    """(site_a, site_b, kind, weight, strong, detail JSON), by kind and sites (the same order on both backends:
    a table's physical order is not)."""
    return conn.execute("SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges "
                        "ORDER BY kind, site_a, site_b").fetchall()


def sites(conn) -> list[tuple[str, str | None, int]]:
    """(site, name, pages) of every site, by site."""
    return conn.execute("SELECT site, name, pages FROM sites ORDER BY site").fetchall()
