"""``newstrace serve``: every page, its JSON and CSV twins, the error shape, security headers and escaping of
hostile page content (tests/fixtures/hostile), over a database built the real way (ingest + trace)."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import sqlite3
import warnings
from pathlib import Path

import pytest

import newstrace
from newstrace.store import Store
from newstrace.web import text as wtext

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app, serve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "newstrace" / "samples"
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
_BUILT: dict[str, str] = {}


def build_db(path: Path) -> str:
    """Ingest the bundled samples and the hostile fixtures, then trace them (the real path). One per session."""
    if "db" in _BUILT:
        return _BUILT["db"]
    db = str(path / "web.db")
    newstrace.ingest([str(SAMPLES), str(HOSTILE)], db=db, link=False, workers=1)
    from newstrace.trace import trace_all

    saved = os.environ.get("NEWSTRACE_XLING_E5")
    os.environ["NEWSTRACE_XLING_E5"] = "0"  # USE covers the fixtures' en/de/es: skip loading e5 (restored below)
    try:
        st = Store(db)
        trace_all(st)
        st.close()
    finally:
        if saved is None:
            os.environ.pop("NEWSTRACE_XLING_E5", None)
        else:
            os.environ["NEWSTRACE_XLING_E5"] = saved
    _BUILT["db"] = db
    return db


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return build_db(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        yield c


def _q(db: str, sql: str, params=()) -> list[tuple]:
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()


def _seg(s: str) -> str:
    from urllib.parse import quote

    return quote(s, safe="")


def all_pages(db: str) -> list[tuple[str, bool]]:
    """(path, has CSV twin) for every page of the site over this database."""
    pages = [("/", False), ("/stories", True), ("/stories?sort=newest", True), ("/sites", True),
             ("/problems", True), ("/copies", True), ("/copies?kind=full", True), ("/stories?lang=de", True),
             ("/search?q=harbour", True), ("/search?q=dam&lang=en", True), ("/search", True)]
    pages += [(f"/story/{s}", True) for (s,) in _q(db, "SELECT story_id FROM stories")]
    pages += [(f"/copy/{c}/{s}", False) for c, s in _q(db, "SELECT copy_id, source_id FROM copies")]
    pages += [(f"/article/{p}", False) for (p,) in _q(db, "SELECT page_id FROM articles")]
    pages += [(f"/site/{_seg(s)}", True) for (s,) in _q(db, "SELECT site FROM sites")]
    pages += [(f"/identifier?kind={_seg(k)}&value={_seg(v)}", True)
              for k, v in _q(db, "SELECT DISTINCT kind, value FROM identifiers LIMIT 20")]
    pages += [(f"/group/{_seg(g)}", True) for (g,) in _q(db, "SELECT DISTINCT group_id FROM site_groups")]
    pages += [(f"/credited?name={_seg(n)}", True) for (n,) in _q(db, "SELECT DISTINCT name FROM credits "
                                                                    "WHERE name != '' LIMIT 5")]
    return pages


def twin(path: str, ext: str) -> str:
    base, _, query = path.partition("?")
    base = "/index" if base == "/" else base
    return f"{base}.{ext}" + (f"?{query}" if query else "")


def title_of(page: str) -> str:
    m = re.search(r"<title>(.*?)</title>", page, re.S)
    assert m, "page has no <title>"
    return html.unescape(m.group(1))


def test_database_is_traced(db):
    # the pages below are only meaningful if trace produced stories, copies and a network
    assert _q(db, "SELECT COUNT(*) FROM stories")[0][0] >= 3
    assert _q(db, "SELECT COUNT(*) FROM copies")[0][0] >= 5
    assert _q(db, "SELECT COUNT(*) FROM site_edges")[0][0] >= 3


def test_every_html_page_has_json_and_csv_twins(client, db):
    pages = all_pages(db)
    assert len(pages) > 40
    for path, has_csv in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "built-in method" not in r.text and "bound method" not in r.text, path  # template/dict mix-ups
        t = title_of(r.text)
        assert t.endswith("· newstrace") and len(t) > len(" · newstrace") + 3, (path, t)
        j = client.get(twin(path, "json"))
        assert j.status_code == 200, twin(path, "json")
        assert j.headers["content-type"].startswith("application/json")
        data = j.json()
        assert data["ok"] is True
        assert t == data["title"] + " · newstrace", path  # the twin describes the same page
        c = client.get(twin(path, "csv"))
        if has_csv:
            assert c.status_code == 200, twin(path, "csv")
            assert c.headers["content-type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(c.text)))
            assert rows and rows[0], path
        else:
            assert c.status_code == 404 and c.json()["ok"] is False


def test_pages_link_to_each_other(client, db):
    home = client.get("/").text
    story = re.search(r'href="(/story/[^"]+)"', home).group(1)
    page = client.get(story).text
    cmp_link = re.search(r'href="(/copy/[0-9a-f]+/[0-9a-f]+)"', page).group(1)
    assert re.search(r'href="/article/[0-9a-f]+"', page) and re.search(r'href="/site/[^"]+"', page)
    cmp_page = client.get(cmp_link).text
    copy_id, source_id = cmp_link.split("/")[2:4]
    assert f'href="/article/{copy_id}"' in cmp_page and f'href="/article/{source_id}"' in cmp_page
    art = client.get(f"/article/{copy_id}").text
    assert f'href="/copy/{copy_id}/{source_id}"' in art  # where it came from
    src = client.get(f"/article/{source_id}").text
    assert f'href="/copy/{copy_id}/{source_id}"' in src  # where it went


def test_home_summarises_corpus(client, db):
    d = client.get("/index.json").json()
    assert d["counts"]["articles"] == _q(db, "SELECT COUNT(*) FROM articles")[0][0]
    assert d["counts"]["stories"] == _q(db, "SELECT COUNT(*) FROM stories")[0][0]
    assert d["counts"]["problems"] == _q(db, "SELECT COUNT(*) FROM problems")[0][0] >= 3
    assert d["biggest_stories"][0]["size"] == _q(db, "SELECT MAX(size) FROM stories")[0][0]
    assert d["top_amplifiers"] and d["top_originators"]
    n = _q(db, "SELECT COUNT(*) FROM copies WHERE kind != 'duplicate'")[0][0]
    ok = _q(db, "SELECT COUNT(*) FROM copies WHERE kind != 'duplicate' AND credited IN ('name','link','name+link')")[0][0]
    assert d["credit"]["rate"] == pytest.approx(ok / n, abs=1e-4)
    assert client.get("/.json").json() == d


def test_story_page_shows_tree_timeline_and_languages(client, db):
    (sid, size), = _q(db, "SELECT story_id, size FROM stories ORDER BY size DESC, story_id LIMIT 1")
    page = client.get(f"/story/{sid}").text
    assert "<svg" in page and page.count('<a class="dot') == size  # one timeline mark per member
    assert page.count('class="member role-') == size  # every member in the provenance tree
    d = client.get(f"/story/{sid}.json").json()
    assert len(d["members"]) == size
    for m in d["members"]:
        assert f'href="/article/{m["page_id"]}"' in page
        if m["role"] == "copy" and m["link"]:
            assert f'/copy/{m["page_id"]}/{m["link"]["source_id"]}' in page
    langs = {m["language"] for m in d["members"]}
    for lang in langs:
        assert f'<span class="lang" title="language">{lang}</span>' in page


def test_compare_page_highlights_spans(client, db):
    rows = _q(db, "SELECT copy_id, source_id, spans, credited, kind FROM copies")
    for copy_id, source_id, spans, credited, kind in rows:
        spans = json.loads(spans)
        d = client.get(f"/copy/{copy_id}/{source_id}.json").json()
        body = _q(db, "SELECT body FROM articles WHERE page_id=?", (copy_id,))[0][0]
        segs = d["segments"]["copy"]
        assert "".join(s["text"] for s in segs) == body  # segments cover the body exactly, in order
        aligned = [s for s in segs if s["cls"] == "aligned"]
        assert aligned
        ordered = sorted(spans)
        if all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])):  # no overlap: one mark per span, exact text
            assert len(aligned) == len([s for s in spans if s[1] > s[0]])
            for s in aligned:
                sp = spans[s["pair"]]
                assert s["text"] == body[sp[0]:sp[1]]
        page = client.get(f"/copy/{copy_id}/{source_id}").text
        src_aligned = [s for s in d["segments"]["source"] if s["cls"] == "aligned"]
        assert page.count('<mark class="aligned') == len(aligned) + len(src_aligned) + 1  # +1: the legend
        if kind == "duplicate":
            assert "no credit is expected" in page
        elif credited in ("none", None):
            assert "No credit" in page
        elif credited == "wrong":
            assert "Wrong credit" in page
        else:
            assert "Credit found" in page


def test_segments_and_safe_url_units():
    t = "aaaa bbbb cccc dddd"
    segs = wtext.segments(t, [(5, 9, 0), (7, 12, 1), (-3, 2, 2), (15, 99, 3)], "added")
    assert "".join(s["text"] for s in segs) == t
    assert [s["cls"] for s in segs if s["cls"]] == ["aligned", "added", "aligned", "aligned", "added", "aligned"]
    for bad in ("javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x",
                "data:text/html,<script>", "vbscript:x", "//evil.example/x", "/relative", "http://a b",
                'https://a.example/"onmouseover="x', "https://a.example/<script>", None, 3):
        assert wtext.safe_url(bad) is None, bad
    assert wtext.safe_url("https://a.example/x?y=1#z") == "https://a.example/x?y=1#z"
    assert wtext.csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    for q in ('"', 'a" OR "b', "NEAR(a b)", "a AND", "*", "(", "title:x", "^a", "-a", ""):
        fq = wtext.fts_query(q)
        assert fq is None or '""' not in fq


def test_site_roles_agree_with_copies(client, db):
    # the site page reads copy flows from site_edges; they must agree with the copies table itself
    for (site,) in _q(db, "SELECT site FROM sites"):
        d = client.get(f"/site/{_seg(site)}.json").json()
        made = _q(db, "SELECT COUNT(*) FROM copies c JOIN articles a ON a.page_id = c.copy_id JOIN articles s "
                      "ON s.page_id = c.source_id WHERE a.site = ? AND s.site != ?", (site, site))[0][0]
        taken = _q(db, "SELECT COUNT(*) FROM copies c JOIN articles a ON a.page_id = c.copy_id JOIN articles s "
                       "ON s.page_id = c.source_id WHERE s.site = ? AND a.site != ?", (site, site))[0][0]
        assert d["roles"]["copies_made"] == made, site
        assert d["roles"]["copied_by_others"] == taken, site
        origin = _q(db, "SELECT COUNT(*) FROM stories s JOIN articles a ON a.page_id = s.origin_id WHERE a.site = ?",
                    (site,))[0][0]
        assert d["roles"]["stories_originated"] == origin


def test_search_filters(client, db):
    d = client.get("/search.json?q=harbour").json()
    assert d["results"] and all("harbour" in (r["snippet"] + (r["title"] or "")).lower() for r in d["results"])
    assert all(re.search("harbour", p["text"], re.I) for r in d["results"] for p in r["snippet_parts"] if p["hit"])
    sites = {r["site"] for r in client.get("/search.json?q=the").json()["results"]}
    assert len(sites) > 1
    one = sorted(sites)[0]
    d = client.get(f"/search.json?q=the&site={_seg(one)}").json()
    assert d["results"] and {r["site"] for r in d["results"]} == {one}
    d = client.get("/search.json?q=valdren&lang=de").json()
    assert d["results"] and {r["language"] for r in d["results"]} == {"de"}
    d = client.get("/search.json?q=the&from=2025-03-08&to=2025-03-10").json()
    assert d["results"] and all("2025-03-08" <= r["published"][:10] <= "2025-03-10" for r in d["results"])
    kinds = {k for (k,) in _q(db, "SELECT DISTINCT kind FROM copies")}
    for k in kinds:
        ids = {p for (p,) in _q(db, "SELECT copy_id FROM copies WHERE kind=?", (k,))}
        got = {r["page_id"] for r in client.get(f"/search.json?q=the&kind={k}").json()["results"]}
        assert got <= ids
    # odd FTS syntax never becomes a 500
    for q in ('"', 'a" OR', "NEAR(", "*", "title:x", "'); DROP TABLE articles; --"):
        r = client.get("/search.json", params={"q": q})
        assert r.status_code in (200, 400) and "ok" in r.json()
    # filters without words list matching articles
    d = client.get(f"/search.json?site={_seg(one)}").json()
    assert d["results"] and {r["site"] for r in d["results"]} == {one}


def test_error_shape_and_status(client):
    for path, status in [("/story/nope.json", 404), ("/article/nope.json", 404), ("/site/nope.example.json", 404),
                         ("/copy/a/b.json", 404), ("/nothing/here.json", 404), ("/search.json?from=2025-13", 400),
                         ("/problems.json?page=x", 400), ("/stories.json?sort=evil", 400),
                         ("/article/x.csv", 404)]:
        r = client.get(path)
        assert r.status_code == status, path
        assert r.json() == {"ok": False, "error": r.json()["error"], "status": status}, path
        assert r.json()["error"]
    r = client.get("/story/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "404" in title_of(r.text)
    r = client.get("/story/nope", headers={"accept": "application/json"})
    assert r.json()["ok"] is False and r.json()["status"] == 404


def test_security_headers_everywhere(client):
    for path in ("/", "/index.json", "/stories.csv", "/static/style.css", "/story/nope", "/nope.json"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'none'" in csp and "default-src 'none'" in csp and "img-src 'self' data:" in csp
        assert "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff"


ON_ATTR = re.compile(r"<[a-zA-Z][^>]*\s(on[a-z]+)\s*=", re.S)
ATTR_URL = re.compile(r'\s(?:href|src|action|xlink:href|poster|formaction)\s*=\s*"([^"]*)"', re.I)


def test_hostile_pages_are_escaped(client, db):
    hostile = [p for (p,) in _q(db, "SELECT page_id FROM articles WHERE site LIKE '%evil%' OR site LIKE '%pwn%'")]
    assert len(hostile) == 4
    for path, _ in all_pages(db):
        page = client.get(path).text
        assert "<script" not in page.lower(), path
        assert "<iframe" not in page.lower() and "<img" not in page.lower(), path
        assert not ON_ATTR.search(page), (path, ON_ATTR.search(page))
        for url in ATTR_URL.findall(page):
            url = html.unescape(url)
            assert url.startswith(("/", "#", "http://", "https://")), (path, url)
            assert not url.startswith("//"), (path, url)
    # the hostile text is shown as text
    shown = [client.get(f"/article/{pid}").text for pid in hostile]
    assert all("&lt;" in page for page in shown)
    assert sum("&lt;script&gt;window.__pwned=" in page for page in shown) == 3
    assert any("&lt;b onmouseover=alert(&#39;b&#39;)&gt;" in page for page in shown)
    art = client.get(f"/article/{_q(db, 'SELECT page_id FROM articles WHERE url LIKE ?', ('javascript:%',))[0][0]}")
    assert 'class="unsafe-url"' in art.text and "javascript:alert(&#39;jsonl-url&#39;)" in art.text
    # the hostile site name works as a path and stays text
    site = _q(db, "SELECT site FROM sites WHERE site LIKE 'pwn%'")[0][0]
    r = client.get(f"/site/{_seg(site)}")
    assert r.status_code == 200 and "&lt;svg onload=" in r.text
    # CSV twins neutralise formulas; JSON carries raw strings (served as application/json with nosniff)
    probs = client.get("/problems").text
    assert "hostile-onerror=alert(1).html.gz" in probs and "bad-json" in probs


def test_reads_while_ingest_writes_and_never_writes(client, db, tmp_path):
    before = client.get("/index.json").json()["counts"]["problems"]
    w = sqlite3.connect(db, timeout=5)
    w.execute("BEGIN IMMEDIATE")
    w.execute("INSERT INTO problems VALUES ('web-test', 'x', 'read', 'test', '', NULL, NULL, '2030-01-01T00:00:00Z')")
    # a write transaction is open: pages still answer, without the uncommitted row
    assert client.get("/index.json").json()["counts"]["problems"] == before
    assert client.get("/problems").status_code == 200
    w.commit()
    assert client.get("/index.json").json()["counts"]["problems"] == before + 1
    w.execute("DELETE FROM problems WHERE problem_id='web-test'")
    w.commit()
    w.close()
    reader = client.app.state.reader
    with pytest.raises(sqlite3.OperationalError):
        reader.conn().execute("CREATE TABLE web_should_not_exist (a)")


def test_serve_get_prints_one_answer(db, capsys):
    assert serve(db, get="/index.json") == 0
    out = capsys.readouterr().out
    assert json.loads(out)["ok"] is True
    assert serve(db, get="/story/nope.json") == 1
    assert json.loads(capsys.readouterr().out)["status"] == 404


def test_cli_serve_get(db, capsys):
    from newstrace.cli import main

    assert main(["serve", db, "--get", "/stories.csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("story_id,title,size")


def test_untraced_and_old_databases(tmp_path):
    # a database ingested without trace, and one whose schema predates the trace tables, still serve every page
    db = str(tmp_path / "plain.db")
    newstrace.ingest([str(SAMPLES)], db=db, link=False, workers=1)
    old = str(tmp_path / "old.db")
    c = sqlite3.connect(db)
    c.execute("VACUUM INTO ?", (old,))
    c.close()
    c = sqlite3.connect(old)
    for t in ("copies", "stories", "story_members", "site_edges", "site_groups"):
        c.execute(f"DROP TABLE {t}")
    c.commit()
    c.close()
    for path in (db, old):
        with TestClient(create_app(path), raise_server_exceptions=False) as cl:
            home = cl.get("/")
            assert home.status_code == 200 and "newstrace trace" in home.text
            pid, site = _q(path, "SELECT page_id, site FROM articles LIMIT 1")[0]
            for p in ("/stories", "/sites", "/problems", "/search?q=dam", f"/article/{pid}", f"/site/{site}",
                      "/index.json", f"/site/{site}.json"):
                assert cl.get(p).status_code == 200, (path, p)
            r = cl.get("/story/x.json")
            assert r.status_code == 404 and r.json()["ok"] is False


def test_internal_error_has_the_same_shape(db, monkeypatch):
    from newstrace.web import views

    def broken(reader, params):
        raise RuntimeError("boom <script>")

    monkeypatch.setattr(views, "home", broken)
    with TestClient(create_app(db), raise_server_exceptions=False) as cl:
        r = cl.get("/index.json")
        assert r.status_code == 500
        assert r.json() == {"ok": False, "error": "internal error: RuntimeError", "status": 500}
        h = cl.get("/")
        assert h.status_code == 500 and "<script" not in h.text and "content-security-policy" in h.headers
        r = cl.post("/stories.json")
        assert r.status_code == 405 and r.json()["ok"] is False and r.json()["status"] == 405
