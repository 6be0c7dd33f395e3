"""Shared items (trace/shared.py, store/shared.py): pages that carry the same embedded post, quoted statement
or wire caption without one taking it from the other are linked as ``shared``, not as copies; a copy that
also embeds the post stays a copy; short pages that are mostly such a passage are found.

Articles are written straight into a Store: three unrelated texts of tests/fixtures/trace/texts.json, and a
post, a statement and a caption written for these tests.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.store import shared as shared_store
from newstrace.trace import link_new, trace_all
from newstrace.trace.exports import build_graph
from newstrace.trace.shared import items

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "trace" / "texts.json").read_text())

POST = ("The new ferry timetable starts on Monday and every crossing will run on time, we promise our "
        "passengers across the whole bay pic.twitter.com/Qx7fLm2Ab9")
AUTHOR = "— Bay Ferries Authority (@BayFerriesAuth) May 3, 2021"
STATUS = "https://twitter.com/BayFerriesAuth/status/1389214473918218241"
STATEMENT = ("“We will not let the coastline be sold off piece by piece while families who have lived here for "
             "generations are priced out of their own towns,” said Maria Delgado, the regional governor.")
CAPTION = ("Workers unload crates of fish at the old harbour on Tuesday morning, a day after the storm tore "
           "through the coastal towns. (AP Photo/Jane Rowe)")


def body(key: str, extra: list[str], at: int = 2) -> str:
    ps = list(TEXTS[key]["paragraphs"])
    return "\n\n".join(ps[:at] + extra + ps[at:])


def art(url: str, text: str, title: str, published: str, links=()) -> Article:
    site = url.split("/")[2]
    return Article(page_id=content_hash(url, text), url=url, source=url, site=site, publisher=site, title=title,
                   published=published, body=text, blocks=text.split("\n\n"), language="en",
                   outlinks=[dict(x) for x in links], fetched_at="2021-05-10T00:00:00Z")


def write(store: Store, arts: list[Article]) -> None:
    store.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at},
                        a, []) for a in arts])


EMBED = [POST, AUTHOR]
LINK = [{"href": STATUS, "text": "May 3, 2021", "in_body": True}]
SHORT = ("Passengers asked us about the timetable. Here is what the operator said this morning, in full:\n\n"
         + POST + "\n" + AUTHOR)


def corpus() -> dict[str, Article]:
    a = {
        "harbour": art("https://harbour-post.example/ferry", body("harbour", EMBED), TEXTS["harbour"]["title"],
                       "2021-05-04T09:00:00+00:00", LINK),
        "orchard": art("https://valley-farmer.example/frost", body("orchard", EMBED + [STATEMENT], 1),
                       TEXTS["orchard"]["title"], "2021-05-04T11:00:00+00:00", LINK),
        "library": art("https://town-notes.example/library", body("library", [STATEMENT, CAPTION], 3),
                       TEXTS["library"]["title"], "2021-05-05T08:00:00+00:00"),
        "caption": art("https://island-wire.example/storm", body("harbour_other_outlet", [CAPTION], 1),
                       TEXTS["harbour_other_outlet"]["title"], "2021-05-05T10:00:00+00:00"),
        "short": art("https://quiet-reader.example/p/9", SHORT, "Timetable", "2021-05-04T12:00:00+00:00"),
    }
    # a real copy of the harbour page (its post included): still a copy
    a["copy"] = art("https://coast-daily.example/news/77", a["harbour"].body, "Ferry terminal approved",
                    "2021-05-04T15:00:00+00:00")
    return a


def _traced(tmp_path, incremental: bool = False) -> Store:
    return _trace_into(Store(str(tmp_path / "s.db")), incremental)


def _trace_into(st: Store, incremental: bool = False) -> Store:
    """The corpus written into ``st`` and traced: page by page with link_new, or at once with a rebuild."""
    arts = list(corpus().values())
    if incremental:
        for x in arts:
            write(st, [x])
            link_new(st)
    else:
        write(st, arts)
        trace_all(st, rebuild=True, translate=False)
    return st


def _pairs(st: Store) -> dict[frozenset, list[dict]]:
    out: dict[frozenset, list[dict]] = {}
    for r in shared_store.iter_export(st.conn):
        out.setdefault(frozenset((r["a_url"], r["b_url"])), []).append(r)
    return out


def _copies(st: Store) -> set[tuple[str, str]]:
    url = dict(st.conn.execute("SELECT page_id, url FROM articles").fetchall())
    return {(url[c], url[s]) for c, s in st.conn.execute("SELECT copy_id, source_id FROM copies")}


U = {k: v.url for k, v in corpus().items()}


def test_items_found_in_a_body():
    b = "Intro line.\n\n" + POST + "\n" + AUTHOR + "\n\n" + STATEMENT + "\n\n" + CAPTION
    its = items(b)
    kinds = [i.kind for i in its]
    assert kinds == ["post", "quote", "caption"]
    post, quote, cap = its
    assert b[post.start:post.end].startswith("The new ferry timetable") and b[post.start:post.end].endswith("2021")
    assert post.author == "Bay Ferries Authority (@BayFerriesAuth)" and post.url == "https://pic.twitter.com/Qx7fLm2Ab9"
    assert quote.named_speaker() == "Maria Delgado"
    assert cap.author == "AP Photo/Jane Rowe"
    assert items("Nothing quoted here, just a plain sentence about the harbour and its ferries.") == []


def test_shared_items_are_not_copies(tmp_path):
    st = _traced(tmp_path)
    got = _pairs(st)
    copies = _copies(st)
    post_pair = got[frozenset((U["harbour"], U["orchard"]))]
    assert [r["item"]["kind"] for r in post_pair] == ["post"]
    item = post_pair[0]["item"]
    assert item["url"] == STATUS and item["author"] == "Bay Ferries Authority (@BayFerriesAuth)"
    # spans point at the post in both bodies
    arts = corpus()
    r = post_pair[0]
    a_body = arts["harbour"].body if r["a_url"] == U["harbour"] else arts["orchard"].body
    b_body = arts["orchard"].body if r["a_url"] == U["harbour"] else arts["harbour"].body
    for s in r["spans"]:
        assert a_body[s[0]:s[1]] in POST + "\n" + AUTHOR and b_body[s[2]:s[3]] in POST + "\n" + AUTHOR
    quote = got[frozenset((U["orchard"], U["library"]))]
    assert [x["item"]["kind"] for x in quote] == ["quote"] and quote[0]["item"]["speaker"] == "Maria Delgado"
    cap = got[frozenset((U["library"], U["caption"]))]
    assert [x["item"]["kind"] for x in cap] == ["caption"] and cap[0]["item"]["author"] == "AP Photo/Jane Rowe"
    # none of these pairs is a copy, either way
    for x, y in (("harbour", "orchard"), ("orchard", "library"), ("library", "caption"), ("short", "orchard")):
        assert (U[x], U[y]) not in copies and (U[y], U[x]) not in copies
    # the copy that also embeds the post stays a copy of its source, and is no shared pair with it
    assert (U["copy"], U["harbour"]) in copies
    assert frozenset((U["copy"], U["harbour"])) not in got


def test_short_page_mostly_a_post_is_found(tmp_path):
    st = _traced(tmp_path)
    got = _pairs(st)
    n = len(SHORT.split())
    assert 25 <= n <= 50
    for other in ("harbour", "orchard"):
        rows = got.get(frozenset((U["short"], U[other])))
        assert rows and rows[0]["item"]["kind"] == "post"
    assert not any(U["short"] in (c, s) for c, s in _copies(st))


def test_incremental_equals_rebuild(tmp_path):
    a = _traced(tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path)
    b = _traced(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path, incremental=True)
    strip = (lambda st: sorted((r["a_url"], r["b_url"], r["item"]["key"], json.dumps(r["spans"]))
                               for r in shared_store.iter_export(st.conn)))
    assert strip(a) and strip(a) == strip(b)
    assert _copies(a) == _copies(b)


def test_export_and_network(tmp_path):
    from newstrace.export import iter_rows, _csv

    st = _traced(tmp_path)
    rows = list(iter_rows(st, "shared"))
    assert rows and all({"a_url", "b_url", "item", "spans"} <= set(r) for r in rows)
    assert all({"kind", "url"} <= set(r["item"]) and ("author" in r["item"] or "speaker" in r["item"]) for r in rows)
    fh = io.StringIO()
    assert _csv(iter(rows), fh) == len(rows)
    back = list(csv.DictReader(io.StringIO(fh.getvalue())))
    assert json.loads(back[0]["item"])["kind"] == rows[0]["item"]["kind"]
    edges = {(a, b, k): (w, s) for a, b, k, w, s, _ in st.conn.execute(
        "SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges")}
    sh = {(a, b): ws for (a, b, k), ws in edges.items() if k == "shared"}
    assert ("harbour-post.example", "valley-farmer.example") in sh
    assert all(strong == 0 for _, strong in sh.values())
    # shared edges never join operator groups
    groups = dict(st.conn.execute("SELECT site, group_id FROM site_groups").fetchall())
    assert groups["harbour-post.example"] != groups["valley-farmer.example"]
    g = build_graph(st)
    assert any(d.get("kind") == "shared" for _, _, d in g.edges(data=True))


def test_rebuild_clears_and_changed_body_drops(tmp_path):
    st = _traced(tmp_path)
    assert _pairs(st)
    # the short page's body changes: its old rows go, the new body is aligned again
    arts = corpus()
    new = art(U["short"], "A different note about the weather in the valley, nothing to do with ferries or "
                          "timetables, and far too short to share anything with the other pages of this test.",
              "Timetable", "2021-05-04T12:00:00+00:00")
    with st.conn:
        st.conn.execute("UPDATE articles SET body = ?, body_hash = ? WHERE page_id = ?",
                        (new.body, "changed", arts["short"].page_id))
    trace_all(st, rebuild=False, translate=False)
    assert not any(U["short"] in k for k in _pairs(st))


def test_article_and_story_pages_show_shared_items(tmp_path):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from newstrace.web.app import create_app

    st = Store(str(tmp_path / "w.db"))
    arts = corpus()
    # hostile text inside the shared post: shown escaped, never executed
    evil = POST.replace("we promise", "<script>alert(1)</script> we promise")
    for k in ("harbour", "orchard", "copy"):
        arts[k] = art(arts[k].url, arts[k].body.replace(POST, evil), arts[k].title, arts[k].published,
                      LINK if k != "copy" else ())
    write(st, list(arts.values()))
    trace_all(st, rebuild=True, translate=False)
    pid = dict(st.conn.execute("SELECT url, page_id FROM articles").fetchall())
    sid = st.conn.execute("SELECT story_id FROM story_members WHERE page_id = ?", (pid[U["harbour"]],)).fetchone()[0]
    st.close()
    with TestClient(create_app(str(tmp_path / "w.db")), raise_server_exceptions=False) as c:
        page = c.get(f"/article/{pid[U['orchard']]}").text
        assert "Shared items" in page and "Bay Ferries Authority (@BayFerriesAuth)" in page
        assert f'href="/article/{pid[U["harbour"]]}"' in page
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
        story = c.get(f"/story/{sid}").text
        assert "Shared items" in story and f'href="/article/{pid[U["orchard"]]}"' in story


def test_site_page_names_a_shared_edge(tmp_path):
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    from newstrace.web.app import create_app

    _traced(tmp_path).close()
    with TestClient(create_app(str(tmp_path / "s.db")), raise_server_exceptions=False) as c:
        r = c.get("/site/harbour-post.example")
        assert r.status_code == 200 and "shares posts, quotes or captions with" in r.text


@pytest.mark.parametrize("incremental", [False, True])
def test_same_shared_items_on_postgresql(tmp_path, pg_url, incremental):
    lite = _traced(tmp_path)
    pg = _trace_into(Store(pg_url), incremental)
    rows = (lambda st: sorted(json.dumps(r, sort_keys=True) for r in shared_store.iter_export(st.conn)))
    assert rows(lite) and rows(lite) == rows(pg)
    assert _copies(lite) == _copies(pg)
    edges = (lambda st: sorted(tuple(r) for r in st.conn.execute(
        "SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges WHERE kind = 'shared'")))
    assert edges(lite) and edges(lite) == edges(pg)
    pg.close()
