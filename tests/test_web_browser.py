"""``newstrace serve`` in a real browser: Debian's chromium driven by playwright walks home -> story -> copy vs
source -> site -> search on a real uvicorn server, checks what is shown, takes screenshots, and checks that
nothing from the hostile fixture pages runs (no dialog, no global set, no console error, no script element)."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    from test_web import build_db  # same database (ingest samples + hostile fixtures, then trace)

    return build_db(tmp_path_factory.mktemp("webb"))


@pytest.fixture(scope="module")
def server(db):
    """A real uvicorn on 127.0.0.1 and a free port, in a thread; stopped at the end."""
    with running(db) as base:
        yield base


@contextlib.contextmanager
def running(db):
    """``newstrace serve db`` on a real uvicorn (127.0.0.1, a free port) in a thread, for the ``with`` block."""
    import uvicorn

    from newstrace.web.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning", lifespan="off"))
    th = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not th.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        th.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("screenshots")
    yield d
    target = os.environ.get("NEWSTRACE_SCREENSHOTS")
    if target:
        out = ROOT / "screenshots" if target.lower() in ("1", "true", "yes") else Path(target)
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(d.glob("*.png")):
            shutil.copy(f, out / f.name)


class Watch:
    """Everything a page could do if hostile content ran: dialogs, console errors, uncaught errors."""

    def __init__(self, page):
        self.dialogs, self.console, self.errors = [], [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def assert_quiet(self, where: str):
        assert not self.dialogs, (where, self.dialogs)
        assert not self.errors, (where, self.errors)
        assert not self.console, (where, self.console)


NOTHING_RAN = """() => ({
  pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
  scripts: document.scripts.length,
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))
             .filter(n => n.startsWith('on')).length,
  iframes: document.querySelectorAll('iframe, object, embed, img').length,
  badLinks: [...document.querySelectorAll('a[href], a[*|href]')]
             .map(a => new URL(a.getAttribute('href') || a.getAttributeNS('http://www.w3.org/1999/xlink', 'href'),
                               location.href).href)
             .filter(h => !/^https?:/i.test(h)),
})"""


def check_nothing_ran(page, watch: Watch, where: str):
    r = page.evaluate(NOTHING_RAN)
    assert r == {"pwned": None, "scripts": 0, "handlers": 0, "iframes": 0, "badLinks": []}, (where, r)
    watch.assert_quiet(where)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _q(db, sql, params=()):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, params).fetchall()
    finally:
        c.close()


def test_walk_home_story_copy_site_search(browser, server, shots, db):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    watch = Watch(page)

    page.goto(server + "/")
    assert page.title() == "newstrace: overview · newstrace"
    n_articles = _q(db, "SELECT COUNT(*) FROM articles")[0][0]
    assert f"{n_articles}\narticles" in page.inner_text(".cards") or f"{n_articles} articles" in page.inner_text(".cards")
    assert page.locator("h2", has_text="Biggest stories").count() == 1
    page.screenshot(path=str(shots / "1-home.png"), full_page=True)
    check_nothing_ran(page, watch, "home")

    # home -> biggest story
    (sid, title, size), = _q(db, "SELECT story_id, title, size FROM stories ORDER BY size DESC, story_id LIMIT 1")
    page.locator(f'a[href="/story/{sid}"]').first.click()
    page.wait_for_url(re.compile(f"/story/{sid}$"))
    assert page.title().startswith("Story: ")
    assert page.locator("h1").inner_text() == title
    assert page.locator("figure.timeline svg a.dot").count() == size
    assert page.locator("li.member").count() == size
    tl = page.locator("figure.timeline > svg").bounding_box()
    assert tl["width"] > 400 and tl["height"] > 60  # the timeline is drawn, not collapsed
    page.screenshot(path=str(shots / "2-story.png"), full_page=True)
    check_nothing_ran(page, watch, "story")

    # story -> copy vs source
    link = page.locator("a.cmp").first
    for kind in ("edited", "partial", "translation", "full"):  # prefer a copy that changed something
        cand = page.locator(f"li.member:has(> .mhead .kind-{kind}) > .mlink a.cmp")
        if cand.count():
            link = cand.first
            break
    href = link.get_attribute("href")
    copy_id, source_id = href.split("/")[2:4]
    link.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    assert page.title().startswith("Copy vs source: ")
    sides = page.locator(".sidebyside .side")
    assert sides.count() == 2
    assert page.locator(".sidebyside mark.aligned").count() >= 2
    first_mark = page.locator(".sidebyside .side").first.locator("mark.aligned").first
    bg = first_mark.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet loaded under the CSP
    verdict = page.locator(".verdicts").inner_text()
    assert re.search(r"Credit found|No credit|Wrong credit", verdict)
    assert re.search(r"Headline (changed|unchanged)", verdict)
    page.screenshot(path=str(shots / "3-copy-vs-source.png"), full_page=True)
    check_nothing_ran(page, watch, "copy")

    # copy -> its site
    site = _q(db, "SELECT site FROM articles WHERE page_id=?", (copy_id,))[0][0]
    page.locator(".sidebyside .side").first.locator(f'a[href="/site/{quote(site, safe="")}"]').click()
    page.wait_for_url(re.compile("/site/"))
    assert page.locator("h1").inner_text() == site
    assert page.locator("figure.network svg circle").count() >= 2  # the site and at least one neighbour
    assert page.locator("table.list tr", has_text="copies from").count() + \
        page.locator("table.list tr", has_text="copied by").count() >= 1
    page.screenshot(path=str(shots / "4-site.png"), full_page=True)
    check_nothing_ran(page, watch, "site")

    # site -> search through the header box
    page.fill("header input[name=q]", "harbour fire")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=harbour"))
    assert page.title() == "Search: harbour fire · newstrace"
    results = page.locator("ol.results > li")
    assert results.count() >= 2
    assert page.locator("ol.results .snippet mark").count() >= 2
    page.screenshot(path=str(shots / "5-search.png"), full_page=True)
    check_nothing_ran(page, watch, "search")
    # a filter narrows the results
    page.goto(server + "/search?q=harbour+fire&site=mirrorpwn.example")
    assert page.locator("ol.results > li").count() == 1
    ctx.close()


def test_hostile_content_executes_nothing(browser, server, shots, db):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    watch = Watch(page)
    hostile = [p for (p,) in _q(db, "SELECT page_id FROM articles WHERE site LIKE '%evil%' OR site LIKE '%pwn%'")]
    assert len(hostile) == 4
    paths = [f"/article/{p}" for p in hostile]
    paths += [f"/story/{s}" for (s,) in _q(db, "SELECT DISTINCT story_id FROM story_members WHERE page_id IN (%s)"
                                             % ",".join("?" * len(hostile)), hostile)]
    paths += [f"/copy/{c}/{s}" for c, s in _q(db, "SELECT copy_id, source_id FROM copies WHERE copy_id IN (%s)"
                                               % ",".join("?" * len(hostile)), hostile)]
    paths += [f"/site/{quote(s, safe='')}" for (s,) in _q(db, "SELECT site FROM sites WHERE site LIKE '%evil%' "
                                                               "OR site LIKE '%pwn%'")]
    paths += ["/search?q=__pwned", "/search?q=script+window", "/problems", "/", "/stories", "/sites"]
    assert any(p.startswith("/copy/") for p in paths) and any(p.startswith("/story/") for p in paths)
    for i, path in enumerate(paths):
        page.goto(server + path)
        # interact the way a reader would: hover and click everything that looks hostile
        for sel in ("h1", ".unsafe-url", "article.body p", ".sidebyside mark"):
            loc = page.locator(sel)
            for k in range(min(loc.count(), 3)):
                loc.nth(k).hover()
        for k in range(min(page.locator(".unsafe-url").count(), 3)):
            page.locator(".unsafe-url").nth(k).click()
            assert page.url == server + path or page.url.startswith(server)  # not a link: no navigation
        page.wait_for_timeout(100)
        check_nothing_ran(page, watch, path)
        if path.startswith(("/article/", "/copy/")) and i < 8:
            page.screenshot(path=str(shots / f"hostile-{i:02d}.png"), full_page=True)
    # the hostile markup is visible as text
    page.goto(server + f"/article/{_q(db, 'SELECT page_id FROM articles WHERE url LIKE ?', ('%harbour-fire',))[0][0]}")
    body = page.inner_text("article.body")
    assert "<script>window.__pwned='text'; alert('text')</script>" in body
    assert "<svg onload=alert('svg-text')>" in body
    assert "<script>window.__pwned='og'</script>" in page.locator("h1").inner_text()
    page.goto(server + f"/article/{_q(db, 'SELECT page_id FROM articles WHERE url LIKE ?', ('javascript:%',))[0][0]}")
    assert page.locator("a[href^='javascript']").count() == 0
    assert "javascript:alert('jsonl-url')" in page.locator(".unsafe-url").first.inner_text()
    check_nothing_ran(page, watch, "javascript-url article")
    ctx.close()
