"""Actor pages in a real browser: Debian chromium (playwright) walks article -> actor -> related actor on a
real uvicorn server over a database built the real way (ingest JSONL: the analyze stage finds the actors), and checks that
nothing from a hostile article (a script in its text) runs; the same store's exports and actors graph."""
from __future__ import annotations

import json
import os
import re

import pytest

from test_actors import ingest_pages
from test_web_browser import CHROMIUM, Watch, browser, check_nothing_ran, server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed"),
]

PAGES = [
    {"url": "https://east.example/talks", "site": "east.example", "title": "Putin meets Xi in Beijing",
     "published": "2024-03-01",
     "text": "Putin meets Xi in Beijing\n\nRussian President Vladimir Putin met Chinese President Xi Jinping in "
             "Beijing on Friday. Putin praised Xi Jinping for his support. <script>window.__pwned=1</script> "
             "The talks took place in Beijing."},
    {"url": "https://west.example/reaction", "site": "west.example", "title": "Xi praises Putin",
     "published": "2024-03-02",
     "text": "Xi praises Putin\n\nChinese President Xi Jinping praised Vladimir Putin during the visit. "
             "Washington condemned the meeting."},
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return ingest_pages(tmp_path_factory.mktemp("actorsweb"), PAGES)  # ingest's analysis finds the actors


def test_walk_article_actor_related_actor(browser, server, db):  # noqa: F811
    import sqlite3

    c = sqlite3.connect(db)
    pid = c.execute("SELECT page_id FROM articles WHERE url = ?", (PAGES[0]["url"],)).fetchone()[0]
    c.close()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    watch = Watch(page)
    page.goto(f"{server}/article/{pid}")
    assert page.locator("h2", has_text="Actors").count() == 1
    check_nothing_ran(page, watch, "article")
    page.locator('ul.actors a[href="/actor/vladimir-putin"]').click()
    page.wait_for_url(re.compile("/actor/vladimir-putin$"))
    assert page.locator("h1").inner_text() == "Vladimir Putin"
    body = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "President" in body  # role with its date
    assert "east.example" in body and "west.example" in body  # sites writing about him
    check_nothing_ran(page, watch, "actor")
    page.locator('table a[href="/actor/xi-jinping"]').first.click()
    page.wait_for_url(re.compile("/actor/xi-jinping$"))
    assert page.locator("h1").inner_text() == "Xi Jinping"
    assert page.locator('a[href="/actor/vladimir-putin"]').count() >= 1  # and back through the relation
    check_nothing_ran(page, watch, "related actor")


def test_exports_and_graph_of_the_walked_store(db, tmp_path):
    """The same store through the CLI exports: actors with aliases and roles, the relation the walk follows
    (with evidence and chain), and the GEXF graph holding both actors and the edge between them."""
    import xml.etree.ElementTree as ET

    from test_actors import _export

    out = {kind: [json.loads(x) for x in _export(db, kind, "jsonl", tmp_path).read_text().splitlines() if x.strip()]
           for kind in ("actors", "relations")}
    ids = {a["actor_id"]: a for a in out["actors"]}
    assert {"vladimir-putin", "xi-jinping"} <= ids.keys()
    assert {"actor_id", "name", "kind", "aliases", "roles"} <= ids["vladimir-putin"].keys()
    assert any("President" in r["role"] for r in ids["vladimir-putin"]["roles"])
    rel = [r for r in out["relations"] if {r["subject"], r["object"]} == {"vladimir-putin", "xi-jinping"}]
    assert rel, out["relations"]
    for r in rel:
        ev = r["evidence"]
        body_url = {p["url"] for p in PAGES}
        assert r["url"] in body_url and ev["end"] > ev["start"] and ev["text"]
        assert r["chain"][0] == "outlet" and r["modality"] in ("asserted", "possible", "intended")
    g = _export(db, "actors-graph", "gexf", tmp_path)
    root = ET.parse(g).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    nodes = {n.get("id") for n in root.iterfind(".//g:node", ns)}
    edges = {(e.get("source"), e.get("target")) for e in root.iterfind(".//g:edge", ns)}
    assert {"vladimir-putin", "xi-jinping"} <= nodes
    assert ("vladimir-putin", "xi-jinping") in edges or ("xi-jinping", "vladimir-putin") in edges
