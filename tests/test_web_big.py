"""Pages over big things stay bounded and complete: a story of 130 members shown 50 at a time with every member
reachable (pages, links to a parent on another page, the whole list streamed), an identifier on every page and
a rare one listed in the same order, an operator group's story counts, a site with more neighbours than listed.
A synthetic store written through the store's schema (the tables these pages read)."""
from __future__ import annotations

import csv
import io
import json
import random
import re
import sqlite3
import warnings

import pytest

from newstrace.store import Store

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app  # noqa: E402

N_SITES, N_MEMBERS, N_SINGLES = 70, 130, 170
SID = "st-000000000big"


def _build(db: str) -> None:
    rng = random.Random(5)
    st = Store(db)
    c = st.conn
    sites = [f"s{i:02d}.example" for i in range(N_SITES)]
    arts = []
    for i in range(N_MEMBERS + N_SINGLES):
        pid = f"p{i:04d}"
        site = sites[i % N_SITES]
        # some pages undated (fetch time only): the identifier lists order by publication date, else fetch time
        pub = None if i % 17 == 5 else f"2024-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}T{i % 24:02d}:00:00Z"
        arts.append((pid, site, pub, f"2025-01-{1 + i % 28:02d}T00:00:00Z"))
    with c:
        for pid, site, pub, fetched in arts:
            url = f"https://{site}/{pid}"
            c.execute("INSERT INTO pages (page_id, url, source, fetched_at, content_type, size, status, ingested_at) "
                      "VALUES (?,?,?,?,?,?,?,?)", (pid, url, "t", fetched, "text/html", 10, "article", fetched))
            c.execute("INSERT INTO articles (page_id, url, canonical_url, site, publisher, title, byline, published, "
                      "fetched_at, language, body, body_hash, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (pid, url, url, site, site, f"title {pid}", None, pub, fetched, "en", f"body of {pid}",
                       pid, "t"))
            c.execute("INSERT INTO identifiers VALUES (?,?,?,?)", (pid, "gtm", "GTM-EVERY", "markup"))
            if int(pid[1:]) % 23 == 0:
                c.execute("INSERT INTO identifiers VALUES (?,?,?,?)", (pid, "paypal", "rare@x.example", "markup"))
        # one big story: p0000 the origin, each copy's parent an earlier member (chains cross member pages)
        members = [a[0] for a in arts[:N_MEMBERS]]
        c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)",
                  (SID, members[0], "origin", None, None, "2024-01-01T00:00:00Z", 0.0))
        for k, pid in enumerate(members[1:], 1):
            parent = members[rng.randrange(0, k)]
            kind = rng.choice(["full", "partial", "edited"])
            credited = rng.choice(["name", "none", "link"])
            c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)",
                      (SID, pid, "copy", kind, parent, f"2024-01-{1 + k % 28:02d}T00:00:00Z", float(k)))
            c.execute("INSERT INTO copies (copy_id, source_id, origin_id, kind, language_pair, spans, shared_words, "
                      "coverage_copy, coverage_source, credited, credited_to, confidence, evidence, changes, "
                      "story_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (pid, parent, members[0], kind, "en-en", "[]", 10, 0.5, 0.5, credited, None, 0.9,
                       json.dumps([{"kind": "dates", "weight": 1.5}]), "{}", SID))
        c.execute("INSERT INTO stories VALUES (?,?,?,?,?,?,?,?,?)",
                  (SID, members[0], "the big story", N_MEMBERS, N_SITES, '["en"]', "2024-01-01T00:00:00Z",
                   "2024-02-01T00:00:00Z", 0.5))
        # small stories originated by the singles (two of them per story), for the group's counts
        singles = [a[0] for a in arts[N_MEMBERS:]]
        for j in range(0, len(singles) - 1, 2):
            o, cp = singles[j], singles[j + 1]
            sid = f"st-small{j:06d}"
            c.execute("INSERT INTO stories VALUES (?,?,?,?,?,?,?,?,?)",
                      (sid, o, f"small {j}", 2, 2, '["en"]', f"2024-03-{1 + j % 28:02d}", None, 0.0))
            c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)", (sid, o, "origin", None, None, None, 0.0))
            c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)",
                      (sid, cp, "copy", "full", o, f"2024-03-{1 + j % 28:02d}", 1.0))
        for i, s in enumerate(sites):
            c.execute("INSERT INTO sites(site, name, pages, furniture_pages, updated_at) VALUES (?,?,?,?,?)",
                      (s, s, sum(1 for a in arts if a[1] == s), 0, "2025-01-01"))
            # s00 copies from every other site: more neighbours than a site page lists
            if i:
                c.execute("INSERT INTO site_edges VALUES (?,?,?,?,?,?)",
                          ("s00.example", s, "copy", i, 1, json.dumps({"copies": i, "credited": i // 2,
                                                                       "credit_rate": (i // 2) / i,
                                                                       "kinds": {"full": i}, "examples": []})))
        for s in sites:
            c.execute("INSERT INTO site_groups VALUES (?,?,?)", (s, "op-big" if s in sites[:3] else "op-" + s, "[]"))
    st.close()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("big") / "big.db")
    _build(path)
    return path


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db, get_only=True), raise_server_exceptions=False) as c:
        yield c


def test_story_members_one_page_at_a_time_and_all_reachable(client):
    d = client.get(f"/story/{SID}.json").json()
    assert d["members_total"] == N_MEMBERS and len(d["members"]) == 50 and d["last_page"] == 3
    assert d["members"][0]["role"] == "origin"
    assert sum(d["kinds"].values()) == N_MEMBERS and sum(d["credit"].values()) == N_MEMBERS - 1
    seen = []
    for page in (1, 2, 3):
        dj = client.get(f"/story/{SID}.json?page={page}").json()
        seen += [m["page_id"] for m in dj["members"]]
        html = client.get(f"/story/{SID}?page={page}").text
        assert html.count('class="member role-') == len(dj["members"])
        # a member whose parent sits on another page links to it there
        for m in dj["members"]:
            if m.get("parent_elsewhere"):
                p = m["parent_elsewhere"]
                assert p["page"] != page and f'href="?page={p["page"]}#m-{p["page_id"]}"' in html
        assert "/export/members.csv?story=" in html
    assert len(seen) == len(set(seen)) == N_MEMBERS
    assert any(m.get("parent_elsewhere") for m in client.get(f"/story/{SID}.json?page=3").json()["members"])
    assert len(client.get(f"/story/{SID}?page=2").text) < len(client.get(f"/story/{SID}?page=1").text) * 2
    assert client.get(f"/story/{SID}?page=4").status_code == 404
    assert client.get(f"/story/{SID}?page=x").status_code == 400
    twin = list(csv.DictReader(io.StringIO(client.get(f"/story/{SID}.csv?page=3").text)))
    assert len(twin) == N_MEMBERS - 100


def test_whole_member_list_streamed(client, db):
    rows = list(csv.DictReader(io.StringIO(client.get(f"/export/members.csv?story={SID}").text)))
    assert len(rows) == N_MEMBERS and rows[0]["role"] == "origin"
    c = sqlite3.connect(db)
    want = dict(c.execute("SELECT copy_id, credited FROM copies WHERE story_id = ?", (SID,)).fetchall())
    c.close()
    assert {r["page_id"]: r["credited"] for r in rows if r["role"] == "copy"} == want
    lags = [float(r["lag_hours"]) for r in rows[1:]]
    assert lags == sorted(lags)
    js = client.get(f"/export/members.json?story={SID}").json()
    assert [r["page_id"] for r in js] == [r["page_id"] for r in rows]
    assert client.get("/export/members.csv").status_code == 400
    assert client.get("/export/members.csv?story=st-nope").status_code == 404


def _expected_pages(db: str, kind: str, value: str) -> list[str]:
    c = sqlite3.connect(db)
    rows = c.execute("SELECT a.page_id, COALESCE(a.published, a.fetched_at) FROM identifiers i JOIN articles a "
                     "ON a.page_id = i.page_id WHERE i.kind = ? AND i.value = ?", (kind, value)).fetchall()
    c.close()
    return [p for p, _ in sorted(rows, key=lambda r: (r[1], r[0]))]


@pytest.mark.parametrize("kind,value", [("gtm", "GTM-EVERY"), ("paypal", "rare@x.example")])
def test_identifier_pages_oldest_first_whatever_the_plan(client, db, kind, value):
    want = _expected_pages(db, kind, value)
    got = []
    page = 1
    while True:
        d = client.get(f"/identifier.json?kind={kind}&value={value}&page={page}").json()
        got += [p["page_id"] for p in d["pages"]]
        assert d["total_pages"] == len(want)
        if not d["more"]:
            break
        page += 1
    assert got == want                       # the walk (common value) and the join (rare) agree
    assert all(p["where"] == "markup" for p in d["pages"])


def test_group_counts_every_story_and_lists_the_newest(client, db):
    d = client.get("/group/op-big.json").json()
    c = sqlite3.connect(db)
    n = dict(c.execute("SELECT CASE WHEN m.role = 'origin' THEN 'o' ELSE 'c' END, COUNT(DISTINCT m.story_id) "
                       "FROM story_members m JOIN articles a ON a.page_id = m.page_id JOIN site_groups g "
                       "ON g.site = a.site WHERE g.group_id = 'op-big' GROUP BY 1").fetchall())
    c.close()
    assert d["stories_originated"] == n["o"] and d["stories_amplified"] == n["c"]
    assert len(d["originated"]) == min(20, n["o"]) and len(d["amplified"]) == min(20, n["c"])
    whens = [s["when"] or "" for s in d["originated"]]
    assert whens == sorted(whens, reverse=True)
    html = client.get("/group/op-big").text
    assert f"Stories originated ({n['o']})" in html


def test_site_lists_the_heaviest_neighbours_and_counts_all(client):
    d = client.get("/site/s00.example.json").json()
    assert d["neighbours_total"] == N_SITES - 1 and len(d["neighbours"]) == 50
    w = [n["weight"] for n in d["neighbours"]]
    assert w == sorted(w, reverse=True) and w[0] == N_SITES - 1
    assert d["roles"]["copies_made"] == sum(range(1, N_SITES))
    assert d["roles"]["copies_made_by_kind"] == {"full": sum(range(1, N_SITES))}
    assert abs(d["roles"]["credit_rate_when_copying"] - sum(i // 2 for i in range(1, N_SITES))
               / sum(range(1, N_SITES))) < 1e-3
    rows = list(csv.DictReader(io.StringIO(client.get("/site/s00.example.csv").text)))
    assert len(rows) == N_SITES - 1
    assert "every neighbour" in client.get("/site/s00.example").text


def test_spread_overview_is_light_and_steps_name_every_site(client):
    overview = client.get(f"/story/{SID}/spread").text
    step = client.get(f"/story/{SID}/spread?step=3").text
    frames = overview.count('class="frame"')
    assert frames >= 2
    # the overview draws an element of its own only for a site with pages new in that step (not every site in
    # every frame); a step shown large links every site
    drawn = len(re.findall(r'<a href="/site/', overview))
    assert drawn <= N_MEMBERS and drawn < frames * N_SITES / 3
    assert len(re.findall(r'<a href="/site/', step)) >= N_SITES


def test_copies_list_from_memory_matches_the_sql(tmp_path):
    """The copies list's totals, facets and pages (web/copyindex.py, in memory) equal what the SQL of
    store/web.py gives for the same filters and sorts, on the traced fixture database."""
    from collections import Counter

    from test_web import build_db

    from newstrace.store import web as sw
    from newstrace.web import views

    db = build_db(tmp_path)
    r = views.Reader(db)
    c = r.conn()
    some = c.execute("SELECT a.site, c.kind, c.credited, b.site, a.language, a.published FROM copies c "
                     "JOIN articles a ON a.page_id = c.copy_id JOIN articles b ON b.page_id = c.source_id "
                     "ORDER BY c.copy_id LIMIT 1").fetchone()
    filters = [{}, {"kind": some[1]}, {"credited": some[2]}, {"site": some[0]}, {"source_site": some[3]},
               {"lang": some[4]}, {"from": (some[5] or "2020-01-01")[:10]}, {"to": (some[5] or "2030-01-01")[:10]},
               {"max_confidence": "0.8"}, {"kind": "nope"}, {"kind": some[1], "lang": some[4]}]
    for f in filters:
        f = views._filters(f, views.COPY_FILTERS)
        sql_rows = list(sw.iter_copies(c, f, "newest"))
        d = views.copies(r, dict(f)).data
        assert d["total"] == len(sql_rows), f
        for name, col in (("kind", "kind"), ("credited", "credited"), ("site", "copy_site"),
                          ("source_site", "source_site")):
            want = Counter(x[col] for x in sql_rows)
            assert {e["value"]: e["n"] for e in d["facets"][name]} == dict(want.most_common(12)) or \
                len(want) > 12, (f, name)
        for sort in sw.COPY_SORTS:
            want = [(x["copy_id"], x["source_id"]) for x in sw.copy_rows(c, f, sort, 50, 0)]
            got = [(x["copy_id"], x["source_id"]) for x in views.copies(r, {**f, "sort": sort}).data["copies"]]
            assert got == want, (f, sort)


def test_stories_totals_and_facets_from_memory_match_the_sql(tmp_path):
    """The stories list's totals, facets and pages (web/copyindex.py StoryIndex) equal a count over the SQL's
    whole filtered list and the SQL's pages, for each filter and sort."""
    from collections import Counter

    from test_web import build_db

    from newstrace.store import web as sw
    from newstrace.web import views

    db = build_db(tmp_path)
    r = views.Reader(db)
    c = r.conn()
    site, first = c.execute("SELECT a.site, s.first_seen FROM stories s JOIN articles a ON a.page_id = s.origin_id "
                            "ORDER BY s.size DESC LIMIT 1").fetchone()
    group = (c.execute("SELECT group_id FROM site_groups WHERE site = ?", (site,)).fetchone() or [None])[0]
    filters = [{}, {"site": site}, {"lang": "en"}, {"lang": "de"}, {"lang": "xx"}, {"min_size": "3"},
               {"from": first[:10]}, {"to": first[:10]}, {"site": "nope.example"}]
    if group:
        filters.append({"group": group})
    for f in filters:
        want = list(sw.iter_stories(c, f, "size"))
        d = views.stories(r, dict(f)).data
        assert d["total"] == len(want), f
        sites = Counter(x["origin_site"] for x in want)
        assert {e["value"]: e["n"] for e in d["facets"]["site"]} == dict(sites.most_common(12)) or len(sites) > 12
        langs = Counter(l for x in want for l in json.loads(x["languages"]))
        assert {e["value"]: e["n"] for e in d["facets"]["lang"]} == dict(langs), f
        for sort in sw.STORY_LIST_SORTS:
            for page in (1, 2):
                sql = [x["story_id"] for x in sw.story_rows(c, f, sort, 50, (page - 1) * 50)]
                got = [x["story_id"] for x in views.stories(r, {**f, "sort": sort, "page": str(page)}).data["stories"]]
                assert got == sql, (f, sort, page)


def test_big_pages_on_postgresql(pg_url, client):
    """The same store on PostgreSQL (migration 0073's indexes, the member export, the walks, the in-memory
    lists): every changed page answers and says what SQLite says."""
    _build(pg_url)
    with TestClient(create_app(pg_url, get_only=True), raise_server_exceptions=False) as c:
        # the sites list's facets, search's total, facets and story of each result: as on SQLite
        for path in ("/sites.json?group=op-big", "/sites.json?min_pages=5&sort=site", "/search.json?q=body"):
            got, want = c.get(path).json(), client.get(path).json()
            for k in ("total", "facets", "sites"):
                assert got.get(k) == want.get(k), (path, k)
        got, want = c.get("/search.json?q=body").json()["results"], client.get("/search.json?q=body").json()["results"]
        lite = {r["page_id"]: r["story_id"] for r in want}
        both = [r for r in got if r["page_id"] in lite]
        assert both and all(r["story_id"] == lite[r["page_id"]] for r in both)
        assert c.get(f"/story/{SID}.json").json()["actor_changes"]["compared"] == 0
        d = c.get(f"/story/{SID}.json?page=3").json()
        assert d["members_total"] == N_MEMBERS and len(d["members"]) == N_MEMBERS - 100
        rows = list(csv.DictReader(io.StringIO(c.get(f"/export/members.csv?story={SID}").text)))
        assert len(rows) == N_MEMBERS and rows[0]["role"] == "origin"
        ids = [p["page_id"] for p in c.get("/identifier.json?kind=gtm&value=GTM-EVERY").json()["pages"]]
        assert ids == _expected_pages_pg(pg_url)[:50]
        g = c.get("/group/op-big.json").json()
        assert g["stories_originated"] > 0 and g["stories_amplified"] > 0
        assert c.get("/site/s00.example.json").json()["neighbours_total"] == N_SITES - 1
        for path in (f"/story/{SID}/spread", "/network", "/copies?kind=full", "/stories?group=op-big&sort=sites",
                     "/copies.json?sort=confidence&page=2"):
            assert c.get(path).status_code == 200, path


def _expected_pages_pg(url: str) -> list[str]:
    from newstrace.store import Store

    st = Store(url)
    try:
        rows = st.conn.execute("SELECT a.page_id, COALESCE(a.published, a.fetched_at) FROM identifiers i "
                               "JOIN articles a ON a.page_id = i.page_id WHERE i.kind = 'gtm'").fetchall()
    finally:
        st.close()
    return [r[0] for r in sorted(rows, key=lambda r: (r[1], r[0]))]


def test_common_identifiers_aggregated_ahead(db):
    """warm_identifiers works out the sites table of the values on the most pages before anyone asks; the page
    then says exactly what a cold reader computes."""
    from newstrace.web import views

    warm, cold = views.Reader(db), views.Reader(db)
    assert views.warm_identifiers(warm, floor=1) == 1          # GTM-EVERY is on every page; the PayPal one is rare
    assert any(k.startswith("identifier-sites:gtm") for k in warm._cache)
    assert not any(k.startswith("identifier-sites:paypal") for k in warm._cache)
    q = {"kind": "gtm", "value": "GTM-EVERY"}
    assert views.identifier(warm, dict(q)).data == views.identifier(cold, dict(q)).data


def test_site_counts_the_stories_it_originated(client, db):
    c = sqlite3.connect(db)
    for site, n in c.execute("SELECT a.site, COUNT(*) FROM stories s JOIN articles a ON a.page_id = s.origin_id "
                             "GROUP BY a.site ORDER BY 2 DESC LIMIT 3").fetchall():
        assert client.get(f"/site/{site}.json").json()["roles"]["stories_originated"] == n
    c.close()


def test_story_kept_per_story_pages_alike_and_fresh_after_a_write(tmp_path):
    """A story read once serves its other members pages (Reader.recent): each page, in any order and again, says
    exactly what a fresh reader says; a write to the database is seen on the next request; only the most recently
    used stories are kept."""
    from newstrace.web import views

    path = str(tmp_path / "kept.db")
    _build(path)
    kept = views.Reader(path)

    def fresh(page):
        return views.story(views.Reader(path), {"page": str(page)}, SID)

    for page in (2, 1, 3, 2, 1):
        got, want = views.story(kept, {"page": str(page)}, SID), fresh(page)
        assert got.data == want.data and got.table == want.table and got.html == want.html
    assert kept.recent(f"story:{SID}", lambda: None) is not None      # kept, not made again
    c = sqlite3.connect(path)
    with c:
        c.execute("UPDATE copies SET credited = 'none' WHERE story_id = ?", (SID,))
    c.close()
    after = views.story(kept, {"page": "2"}, SID)
    assert after.data["credit"] == {"none": N_MEMBERS - 1} and after.data == fresh(2).data
    for j in range(0, 2 * 40, 2):
        views.story(kept, {}, f"st-small{j:06d}")
    assert len(kept._recent) == 32 and f"story:{SID}" not in kept._recent


def test_list_columns_kept_while_only_articles_are_added(tmp_path, monkeypatch):
    """The copies and stories lists' in-memory columns are built again only when the trace tables (or an article's
    site, language, date) change, not on each commit of an ingest adding articles; after every commit the lists
    say what a fresh reader says."""
    from newstrace.web import copyindex, views

    path = str(tmp_path / "ingesting.db")
    _build(path)
    builds = {"copies": 0, "stories": 0}
    real_copies, real_stories = copyindex.build, copyindex.build_stories

    def count(name, real):
        def build(conn):
            builds[name] += 1
            return real(conn)
        return build

    monkeypatch.setattr(copyindex, "build", count("copies", real_copies))
    monkeypatch.setattr(copyindex, "build_stories", count("stories", real_stories))
    kept = views.Reader(path)
    queries = [("copies", {"kind": "full"}), ("copies", {"sort": "site", "page": "2"}), ("stories", {}),
               ("stories", {"group": "op-big"})]

    def same():
        for name, q in queries:
            assert getattr(views, name)(kept, dict(q)).data == getattr(views, name)(views.Reader(path), dict(q)).data

    same()
    assert builds == {"copies": 1 + 2, "stories": 1 + 2}     # the kept reader once, the fresh readers once each
    w = sqlite3.connect(path)
    for i in range(3):   # an ingest's commits: new articles, their credits and the sites' page counts
        with w:
            pid = f"new{i}"
            w.execute("INSERT INTO pages (page_id, url, source, fetched_at, content_type, size, status, ingested_at) "
                      "VALUES (?,?,?,?,?,?,?,?)", (pid, f"https://s01.example/{pid}", "t", "2025-02-01", "text/html",
                                                   10, "article", "2025-02-01"))
            w.execute("INSERT INTO articles (page_id, url, site, title, published, fetched_at, language, body) "
                      "VALUES (?,?,?,?,?,?,?,?)", (pid, f"https://s01.example/{pid}", "s01.example", pid,
                                                    "2025-02-01", "2025-02-01", "en", "a new body"))
            w.execute("UPDATE sites SET pages = pages + 1 WHERE site = 's01.example'")
        before = dict(builds)
        same()
        assert builds["copies"] - before["copies"] == 2 and builds["stories"] - before["stories"] == 2  # fresh only
    # a trace write (a copy link's credit), an operator group change, an article's date: built again, and right
    for sql in ("UPDATE copies SET credited = 'link' WHERE copy_id = 'p0003'",
                "UPDATE site_groups SET group_id = 'op-big' WHERE site = 's05.example'",
                "UPDATE articles SET published = '2030-01-01T00:00:00Z' WHERE page_id = 'p0004'"):
        with w:
            w.execute(sql)
        before = dict(builds)
        same()
        assert builds["copies"] - before["copies"] == 3 and builds["stories"] - before["stories"] == 3, sql
    w.close()
