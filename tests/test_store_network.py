"""The site network updated incrementally (issue 11: incremental work grows with the batch): after every
ingest, the network phase's update of what changed gives the same site_edges, site_groups and network state
as a whole rebuild of the same store, on SQLite and on PostgreSQL."""
from __future__ import annotations

import hashlib
import json
import random
import sqlite3

import pytest
from test_incremental import SITES, WORDS, corpus
from test_trace_shared import corpus as shared_corpus, write as write_arts

from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.store import network as network_store
from newstrace.trace import link_new, network, trace_all

TABLES = {
    "site_edges": "SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges",
    "site_groups": "SELECT site, group_id, evidence FROM site_groups",
    "network_sites": "SELECT * FROM network_sites",
    "network_idents": "SELECT kind, value, site, pages, copied, owned FROM network_idents",
    "network_copies": "SELECT * FROM network_copies",
    "network_shared": "SELECT a, b, item_key, site_a, site_b, kind FROM network_shared",
}


FAILING = "SELECT kind, value, site, page_id FROM network_ident_failing"


def rows(conn) -> dict[str, list[tuple]]:
    return {k: sorted(tuple(r) for r in conn.execute(sql).fetchall()) for k, sql in TABLES.items()}


def check_failing(conn, want: set[tuple]) -> None:
    """The updated list of failing pages (network_ident_failing) against a rebuild's exact one (``want``): a
    superset; pages listed only for rows whose ``copied`` is 0; each such row lists at least one page that
    really fails (so ``copied`` stays right when the pages outside the list all pass)."""
    got = {tuple(r) for r in conn.execute(FAILING)}
    assert want <= got
    copied = {(k, v, s): c for k, v, s, c in conn.execute("SELECT kind, value, site, copied FROM network_idents")}
    assert all(copied[r[:3]] == 0 for r in got)
    assert {r[:3] for r in want} == {r[:3] for r in got} == {k for k, c in copied.items() if c == 0}


def digest(t: dict[str, list[tuple]]) -> str:
    """A store_identity-style hash of the sorted rows of the network tables."""
    return hashlib.sha256(json.dumps(t, sort_keys=True, default=str).encode()).hexdigest()


def rebuilt(conn, tmp_path) -> dict[str, list[tuple]]:
    """The same store's network rebuilt from scratch (on a copy: the store under test is left as it is)."""
    copy = sqlite3.connect(tmp_path / "rebuilt.db")
    conn.backup(copy)
    copy.close()
    st = Store(str(tmp_path / "rebuilt.db"))
    info = network.run(st.conn, full=True)
    assert info["network_rebuilt"] == 1
    out = rows(st.conn)
    check_failing(conn, {tuple(r) for r in st.conn.execute(FAILING)})
    st.close()
    (tmp_path / "rebuilt.db").unlink()
    return out


def page(site: str, i: int, text: str, ids=()) -> tuple:
    url = f"https://{site}/x/{i}"
    a = Article(page_id=content_hash(url, text), url=url, source=url, site=site, publisher=site.split(".")[0],
                title=text[:30], body=text, blocks=text.split("\n\n"), language="en",
                published=f"2024-03-01T{i % 24:02d}:00:00+00:00", fetched_at="2024-03-01T00:00:00+00:00",
                identifiers=[{"kind": "paypal", "value": v, "where": "markup"} for v in ids])
    return ({"page_id": a.page_id, "url": url, "source": "test", "fetched_at": a.fetched_at}, a, [])


def text(i: int) -> str:
    rnd = random.Random(1000 + i)
    return "\n\n".join(" ".join(rnd.choice(WORDS) for _ in range(40)) + "." for _ in range(5))


def test_each_update_equals_a_rebuild(tmp_path):
    items = corpus(180)
    st = Store(str(tmp_path / "s.db"))
    steps = [slice(0, 40), slice(40, 41), slice(41, 90), slice(90, 130), slice(130, 131), slice(131, None)]
    updated = 0
    for k, part in enumerate(steps):
        st.write_batch(items[part])
        st.relearn_furniture()
        info = link_new(st, translate=False)
        updated += not info["network_rebuilt"]
        got = rows(st.conn)
        assert got["site_edges"] and got["site_groups"]
        want = rebuilt(st.conn, tmp_path)
        for t in TABLES:
            assert got[t] == want[t], (k, t)
        assert digest(got) == digest(want)
    assert updated == len(steps) - 1      # only the first run rebuilt

    def edge(a, b):
        st.conn.commit()
        return st.conn.execute("SELECT strong FROM site_edges WHERE site_a = ? AND site_b = ? AND kind = 'identifier'",
                               (a, b)).fetchone()

    def step(batch):
        st.write_batch(batch)
        assert link_new(st, translate=False)["network_rebuilt"] == 0
        got = rows(st.conn)
        assert got == rebuilt(st.conn, tmp_path)
    # s5 copies three s0 pages with s0's PayPal account in them: foreign to s5 (few of its pages), no edge
    step([page("s0.example", i, text(i), ["pay@s0"]) for i in range(3)]
         + [page("s5.example", i, text(i), ["pay@s0"]) for i in range(3)])
    assert edge("s0.example", "s5.example") is None
    # then most of s5's pages carry it: s5 owns it, a strong edge, one operator group
    step([page("s5.example", 100 + i, text(100 + i), ["pay@s0"]) for i in range(40)])
    assert edge("s0.example", "s5.example")[0] == 1
    # a new site whose two pages copy s0's (account included) owns it at first (2 of its 2 pages) ...
    step([page("s6.example", i, text(i), ["pay@s0"]) for i in range(2)])
    assert edge("s0.example", "s6.example")[0] == 1
    # ... until it grows without it: then the account is foreign to it again (its threshold crossed)
    step([page("s6.example", 200 + i, text(200 + i)) for i in range(10)])
    assert edge("s0.example", "s6.example") is None

    def state(site):
        st.conn.commit()
        row = st.conn.execute("SELECT copied, owned FROM network_idents WHERE value = 'pay@s8' AND site = ?",
                              (site,)).fetchone()
        listed = st.conn.execute("SELECT count(*) FROM network_ident_failing WHERE value = 'pay@s8' AND site = ?",
                                 (site,)).fetchone()[0]
        return tuple(row), listed
    # s9 copies two s8 pages with an account in them that no other site carries yet: its pages fail the
    # copied test (no other carrier site) and are listed; s9 owns it
    step([page("s8.example", 300 + i, text(300 + i)) for i in range(6)]
         + [page("s9.example", 400 + i, text(400 + i)) for i in range(10)]
         + [page("s9.example", 330 + i, text(300 + i), ["pay@s8"]) for i in range(2)])
    assert state("s9.example") == ((0, 1), 2)
    # then s8 carries it too (a new carrier site): only the two listed pages are checked again, both copy s8
    # pages, so the account is foreign to s9 (and the list is empty)
    step([page("s8.example", 306, text(306), ["pay@s8"])])
    assert state("s9.example") == ((1, 0), 0)
    st.close()


def test_full_decision_and_rebuild_start_over(tmp_path):
    """A rebuild of copies (trace_all) forgets the state; the next run rebuilds the network."""
    items = corpus(80)
    st = Store(str(tmp_path / "s.db"))
    st.write_batch(items[:50])
    link_new(st, translate=False)
    assert network_store.mark(st.conn) is not None
    info = trace_all(st, rebuild=True, translate=False)
    assert info["network_rebuilt"] == 1
    st.write_batch(items[50:])
    assert link_new(st, translate=False)["network_rebuilt"] == 0
    assert rows(st.conn) == rebuilt(st.conn, tmp_path)
    st.close()


def test_shared_items_update_equals_rebuild(tmp_path):
    """Shared-item edges (embedded posts, quotes, captions) updated one article at a time."""
    st = Store(str(tmp_path / "s.db"))
    for a in shared_corpus().values():
        write_arts(st, [a])
        link_new(st, translate=False)
        got = rows(st.conn)
        assert got == rebuilt(st.conn, tmp_path)
    assert any(k == "shared" for _, _, k, *_ in got["site_edges"])
    st.close()


def test_postgresql_update_equals_sqlite_rebuild(tmp_path, pg_url):
    items = corpus(120)
    lite = Store(str(tmp_path / "lite.db"))
    lite.write_batch(items)
    trace_all(lite, rebuild=True, translate=False)
    pg = Store(pg_url)
    for part in (slice(0, 60), slice(60, 90), slice(90, None)):
        pg.write_batch(items[part])
        info = link_new(pg, translate=False)
    assert info["network_rebuilt"] == 0
    a, b = rows(lite.conn), rows(pg.conn)
    for t in ("site_edges", "site_groups"):
        assert a[t] and a[t] == b[t], t
    pg.close()
    lite.close()


@pytest.mark.parametrize("n", [len(SITES)])
def test_operator_groups_cover_every_site(tmp_path, n):
    st = Store(str(tmp_path / "s.db"))
    items = corpus(60)
    st.write_batch(items[:30])
    link_new(st, translate=False)
    st.write_batch(items[30:])
    link_new(st, translate=False)
    groups = dict(st.conn.execute("SELECT site, group_id FROM site_groups").fetchall())
    assert len(groups) == n
    # the corpus gives s0/s1, s2/s3, s4/s5 one analytics account each: three operator groups of two
    assert groups["s0.example"] == groups["s1.example"] != groups["s2.example"]
    st.close()


def test_failing_list_read_a_chunk_at_a_time(tmp_path):
    """network_ident_failing is read in page order, a chunk at a time: a reader that stops early reads no more."""
    st = Store(str(tmp_path / "s.db"))
    rows = [("paypal", "pay@x", "s1.example", f"p{i:03d}") for i in range(7)] + [("paypal", "pay@x", "s2.example", "p0")]
    network_store.put_failing(st.conn, rows)
    assert list(network_store.iter_failing(st.conn, "paypal", "pay@x", "s1.example", chunk=2)) == \
        [f"p{i:03d}" for i in range(7)]
    it = network_store.iter_failing(st.conn, "paypal", "pay@x", "s1.example", chunk=3)
    assert [next(it) for _ in range(2)] == ["p000", "p001"]
    network_store.drop_failing(st.conn, [rows[1], rows[5]])
    assert list(network_store.iter_failing(st.conn, "paypal", "pay@x", "s1.example", chunk=2)) == \
        ["p000", "p002", "p003", "p004", "p006"]
    st.close()
