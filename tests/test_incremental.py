"""Incremental work (issue 11, item 5): furniture relearning, byline statistics and the site network after an
ingest in two batches equal what one ingest of everything gives, and what counting over every article gives."""
from __future__ import annotations

import random

from newstrace.extract import furniture as fm
from newstrace.records import Article, content_hash
from newstrace.store import Store, articles
from newstrace.trace import link_new

WORDS = ("council budget river bridge school election minister harbour storm festival museum railway hospital "
         "factory court farmers vote police market energy water housing union tax border trial drought").split()
SITES = [f"s{i}.example" for i in range(6)]
FURNITURE = "Subscribe to our newsletter for the best of the week."
HALF = "Read our coverage of the harbour strike in the special section."


def corpus(n: int, seed: int = 3) -> list[tuple]:
    rnd = random.Random(seed)
    out, origins = [], []
    for i in range(n):
        site = SITES[i % len(SITES)]
        if origins and rnd.random() < 0.4:
            o = rnd.choice(origins)
            ps = o[1][:rnd.randint(3, len(o[1]))]
            byline = o[2] if rnd.random() < 0.5 else f"Reporter {rnd.randint(1, 4)}"
            ids = [{"kind": "twitter", "value": o[0].split(".")[0], "where": "body"}] if rnd.random() < 0.5 else []
        else:
            ps = [" ".join(rnd.choice(WORDS) for _ in range(rnd.randint(25, 45))) + "." for _ in range(rnd.randint(4, 7))]
            byline = f"Reporter {rnd.randint(1, 4)}" if rnd.random() < 0.8 else None
            ids = []
            origins.append((site, ps, byline))
        blocks = list(ps)
        if site in SITES[:3]:
            blocks.append(FURNITURE)                        # furniture on every page of three sites
        if site == SITES[3] and (i // len(SITES)) % 5 < 2:
            blocks.insert(0, HALF)                          # on 40% of one site's pages: in and out as it grows
        ids += [{"kind": "analytics", "value": f"UA-{SITES.index(site) // 2}", "where": "markup"},
                {"kind": "twitter", "value": site.split(".")[0], "where": "markup"}]
        url = f"https://{site}/n/{i}"
        ts = f"2024-01-{1 + i // 40:02d}T{(i % 24):02d}:00:00+00:00"
        a = Article(page_id=content_hash(url, "\n\n".join(blocks)), url=url, source=url, site=site,
                    publisher=site.split(".")[0], title=ps[0][:40], byline=byline, published=ts, fetched_at=ts,
                    body="\n\n".join(blocks), blocks=blocks, language="en", identifiers=ids)
        out.append(({"page_id": a.page_id, "url": url, "source": "test", "fetched_at": ts}, a, []))
    return out


def ingest(db, items, steps):
    st = Store(db)
    for part in steps:
        st.write_batch(items[part])
        st.relearn_furniture()
        link_new(st, translate=False)
    return st


def snapshot(conn) -> dict:
    q = lambda sql: sorted(tuple(r) for r in conn.execute(sql).fetchall())  # noqa: E731
    return {
        "bodies": q("SELECT page_id, body, body_hash FROM articles"),
        "furniture": q("SELECT site, block_hash, text, pages FROM furniture"),
        "bylines": sorted(tuple(r) for r in articles.byline_counts(conn)),
        "copies": q("SELECT copy_id, source_id, origin_id, kind, credited, spans FROM copies"),
        "stories": q("SELECT * FROM stories"),
        "site_edges": q("SELECT * FROM site_edges"),
        "site_groups": q("SELECT * FROM site_groups"),
    }


def test_two_batches_equal_one_ingest(tmp_path):
    items = corpus(150)
    one = ingest(tmp_path / "one.db", items, [slice(0, None)])
    two = ingest(tmp_path / "two.db", items, [slice(0, 70), slice(70, 110), slice(110, None)])
    a, b = snapshot(one.conn), snapshot(two.conn)
    assert a["furniture"] and a["bylines"] and a["copies"] and a["site_edges"]
    for k in a:
        assert a[k] == b[k], k


def test_incremental_counts_equal_counts_over_every_article(tmp_path):
    items = corpus(120, seed=5)
    st = ingest(tmp_path / "s.db", items, [slice(0, 30), slice(30, 31), slice(31, 90), slice(90, None)])
    conn = st.conn
    by_site: dict[str, list[list[str]]] = {}
    for meta, a, _ in items:
        by_site.setdefault(a.site, []).append(a.blocks)
    learned = {(s, h, t, n) for s, pages in by_site.items() for h, (t, n) in fm.learn(pages).items()}
    assert learned == {tuple(r) for r in conn.execute("SELECT site, block_hash, text, pages FROM furniture")}
    full = sorted(tuple(r) for r in conn.execute(
        "SELECT byline, site, count(*) FROM articles WHERE byline IS NOT NULL AND byline != '' GROUP BY 1, 2"))
    assert sorted(tuple(r) for r in articles.byline_counts(conn)) == full
    # every body is what stripping the site's learned furniture from its blocks gives
    hashes: dict[str, set] = {}
    for s, h, _, _ in learned:
        hashes.setdefault(s, set()).add(h)
    bodies = dict(conn.execute("SELECT page_id, body FROM articles").fetchall())
    for meta, a, _ in items:
        lone = len(by_site[a.site]) < fm.MIN_PAGES
        assert bodies[a.page_id] == "\n\n".join(fm.strip(a.blocks, hashes.get(a.site, set()), lone=lone))


def test_an_older_store_is_counted_on_its_first_relearn(tmp_path):
    """A store whose counts were never kept (older version, or tables emptied) relearns from every page."""
    items = corpus(60, seed=9)
    st = ingest(tmp_path / "s.db", items, [slice(0, 40)])
    with st.conn:
        for t in ("furniture_counts", "furniture_state", "byline_counts", "incremental_marks"):
            st.conn.execute(f"DELETE FROM {t}")
    st.write_batch(items[40:])
    st.relearn_furniture()
    link_new(st, translate=False)
    ref = ingest(tmp_path / "ref.db", items, [slice(0, None)])
    a, b = snapshot(st.conn), snapshot(ref.conn)
    for k in ("bodies", "furniture", "bylines"):
        assert a[k] == b[k], k


def test_article_iteration_reads_a_page_at_a_time(tmp_path):
    items = corpus(40, seed=2)
    st = ingest(tmp_path / "s.db", items, [slice(0, None)])
    paged = [r["page_id"] for r in articles.iter_rows(st.conn, page=7)]
    assert paged == [r[0] for r in st.conn.execute("SELECT page_id FROM articles ORDER BY aid")]
    some = [r["page_id"] for r in articles.iter_rows(st.conn, "site = ?", (SITES[1],), page=3)]
    assert some == [a.page_id for _, a, _ in items if a.site == SITES[1]]
    assert [a["page_id"] for a in st.iter_articles(full=False)] == paged
