"""Actor pages in a real browser: Debian chromium (playwright) walks article -> actor -> related actor on a
real uvicorn server over a database built the real way (ingest JSONL: the analyze stage finds the actors), and checks that
nothing from a hostile article (a script in its text and in an actor's name) runs."""
from __future__ import annotations

import json
import os
import re

import pytest

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
    import newstrace

    d = tmp_path_factory.mktemp("actorsweb")
    src = d / "pages.jsonl"
    src.write_text("\n".join(json.dumps(p) for p in PAGES) + "\n")
    path = str(d / "actors.db")
    newstrace.ingest([str(src)], db=path, link=False, workers=1)  # analysis (claims, actors) on by default
    return path


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
