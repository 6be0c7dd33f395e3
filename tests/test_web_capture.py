"""The captured copy (``/capture/{id}`` and its sanitised page) and the story bundle: read back from the WARC
record by file and offset, a clear message when the file is gone, and a hostile capture that runs and loads
nothing in a real browser (every request the page makes is recorded; a second server stands in for the
remote host the hostile page points at)."""
from __future__ import annotations

import csv
import http.server
import io
import json
import os
import re
import shutil
import sqlite3
import threading
import warnings
import zipfile

import pytest

import newstrace
from newstrace.web.capture import CAPTURE_CSP, parse_source, sanitise

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PARA = ("The harbour authority said on Monday that the quay road would stay closed for another week while "
        "engineers check the walls of the old warehouses after the fire, and that ferries run as usual. ")


def hostile_html(remote: str) -> str:
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Quay road stays closed</title>
<meta http-equiv="refresh" content="0; url={remote}/refresh">
<base href="{remote}/base/">
<link rel="stylesheet" href="{remote}/style.css">
<link rel="preload" href="{remote}/preload.js" as="script">
<style>@import url("{remote}/import.css"); body {{ background: url({remote}/bg.png) }}</style>
<script>window.__pwned = 'inline'; fetch('{remote}/fetch');</script>
<script src="{remote}/remote.js"></script>
</head><body onload="window.__pwned='onload'" style="background-image:url({remote}/inline-bg.png)">
<article>
<h1 onmouseover="window.__pwned='h1'">Quay road stays closed</h1>
<p>{PARA * 3}</p>
<p style="background:url('{remote}/p.png')">{PARA * 2} <a href="javascript:window.__pwned='js-link'">statement</a>
 <a href="{remote}/story" onclick="window.__pwned='click'">more</a></p>
<img src="{remote}/img.png" srcset="{remote}/img2.png 2x" alt="the quay" onerror="window.__pwned='img'">
<picture><source srcset="{remote}/pic.webp"><img src="{remote}/pic.png"></picture>
<video poster="{remote}/poster.png" src="{remote}/v.mp4"></video>
<iframe srcdoc="&lt;script&gt;parent.__pwned='srcdoc'&lt;/script&gt;" src="{remote}/frame"></iframe>
<object data="{remote}/obj.swf"></object><embed src="{remote}/embed.swf">
<svg><image href="{remote}/svg.png"/><script>window.__pwned='svg'</script></svg>
<form action="{remote}/form"><input type="image" src="{remote}/input.png"><button formaction="{remote}/b">go</button></form>
<p>{PARA * 2}</p>
<table background="{remote}/table.png"><tr><td colspan="2" background="{remote}/td.png">cell</td></tr></table>
</article></body></html>"""


def warc_record(uri: str, html: str, rid: str, date: str = "2025-03-02T10:00:00Z") -> bytes:
    body = html.encode("utf-8")
    http_block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + \
        str(len(body)).encode() + b"\r\n\r\n" + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\nWARC-Date: {date}\r\n"
            f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http_block)}\r\n\r\n").encode()
    return head + http_block + b"\r\n\r\n"


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def remote():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


@pytest.fixture(scope="module")
def capdb(tmp_path_factory, remote):
    d = tmp_path_factory.mktemp("cap")
    warc = d / "crawl.warc"
    warc.write_bytes(warc_record("https://hostile.example/2025/03/02/quay", hostile_html(remote),
                                 "11111111-1111-4111-8111-111111111111")
                     + warc_record("https://gone.example/2025/03/02/quay-copy",
                                   "<html><body><article><h1>Gone</h1><p>" + PARA * 4 + "</p></article></body></html>",
                                   "22222222-2222-4222-8222-222222222222"))
    db = str(d / "cap.db")
    newstrace.ingest([str(warc)], db=db, link=False, analyze=False, workers=1)
    return db, warc


def _pid(db, like):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT page_id FROM articles WHERE url LIKE ?", (like,)).fetchone()[0]
    finally:
        c.close()


def test_parse_source():
    assert parse_source("/a/crawl.warc.gz#1234") == {"kind": "warc", "file": "/a/crawl.warc.gz", "offset": 1234}
    assert parse_source("/a/x.jsonl:7") == {"kind": "jsonl", "file": "/a/x.jsonl", "line": 7}
    assert parse_source("/a/page#frag.html") == {"kind": "file", "file": "/a/page#frag.html"}


def test_sanitise_leaves_nothing_live(remote):
    body, removed = sanitise(hostile_html(remote).encode())
    low = body.lower()
    for bad in ("<script", "<style", "<iframe", "<object", "<embed", "<svg", "<img", "<video", "<form", "<input",
                "<link", "<meta", "<base", "url(", "src=", "href=", "srcset", "poster", "background=", "style=",
                "srcdoc", "action="):
        assert bad not in low, bad
    assert not re.search(r"\son\w+\s*=", low)
    assert "Quay road stays closed" in body and "engineers check the walls" in body
    assert "[image: the quay]" in body
    assert 'title="link to javascript:window.__pwned=&#x27;js-link&#x27;"' in body   # target shown as text
    assert "colspan=\"2\"" in body
    assert removed["links"] == 2 and removed["images"] >= 2 and removed["elements"] >= 10


def test_capture_page_names_the_warc_record(capdb):
    db, warc = capdb
    pid = _pid(db, "%hostile.example%")
    with TestClient(create_app(db)) as c:
        r = c.get(f"/capture/{pid}.json")
        assert r.status_code == 200
        d = r.json()
        assert d["record_id"] == "<urn:uuid:11111111-1111-4111-8111-111111111111>"
        assert d["captured_at"] == "2025-03-02T10:00:00Z"
        assert d["source"] == f"{warc}#0"
        assert d["verified"] is True and d["raw_html_stored"] is False
        assert d["sanitised_copy"] == f"/capture/{pid}/page"
        assert any("engineers check the walls" in p for p in d["extracted_text"])
        h = c.get(f"/capture/{pid}")
        assert h.status_code == 200 and "urn:uuid:11111111-1111-4111-8111-111111111111" in h.text
        assert f'href="/capture/{pid}/page"' in h.text
        p = c.get(f"/capture/{pid}/page")
        assert p.status_code == 200
        assert p.headers["content-security-policy"] == CAPTURE_CSP
        assert p.headers["content-security-policy"].startswith("sandbox;")
        assert "<script" not in p.text.lower() and "Quay road stays closed" in p.text
        assert "urn:uuid:11111111" in p.text   # the banner names the record
        # the article page links its captured copy
        assert f'href="/capture/{pid}"' in c.get(f"/article/{pid}").text


def test_capture_when_the_file_is_gone_or_changed(capdb, tmp_path):
    db, warc = capdb
    pid = _pid(db, "%gone.example%")
    moved = tmp_path / "moved.warc"
    shutil.move(str(warc), moved)
    try:
        with TestClient(create_app(db)) as c:
            d = c.get(f"/capture/{pid}.json").json()
            assert d["sanitised_copy"] is None and d["record_id"] is None
            assert "no longer there" in d["sources"][0]["missing"]
            assert any("engineers check the walls" in p for p in d["extracted_text"])   # the text is still served
            assert "cannot be read back" in c.get(f"/capture/{pid}").text
            r = c.get(f"/capture/{pid}/page")
            assert r.status_code == 404 and "no longer there" in r.text
        # a different file in its place: the bytes no longer hash to what was ingested
        data = moved.read_bytes()
        warc.write_bytes(data.replace(b"Gone</h1>", b"Gon!</h1>"))
        with TestClient(create_app(db)) as c:
            d = c.get(f"/capture/{pid}.json").json()
            assert d["sanitised_copy"] is None
            assert "no longer match" in d["sources"][0]["missing"]
    finally:
        shutil.move(str(moved), warc)


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed")
def test_hostile_capture_runs_and_loads_nothing_in_a_browser(capdb, remote):
    from playwright.sync_api import sync_playwright

    from test_web_browser import running

    db, _ = capdb
    pid = _pid(db, "%hostile.example%")
    Recorder.hits.clear()
    with running(db) as server, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = b.new_page()
        requests, dialogs, errors = [], [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        for path in (f"/capture/{pid}", f"/capture/{pid}/page"):
            page.goto(server + path)
            page.wait_for_timeout(300)
            for sel in ("h1", "p", ".link", "td"):
                loc = page.locator(sel)
                for k in range(min(loc.count(), 3)):
                    loc.nth(k).hover()
                    loc.nth(k).click()
            page.wait_for_timeout(300)
            assert page.url == server + path   # no refresh, no link followed
            r = page.evaluate("() => ({pwned: typeof window.__pwned, scripts: document.scripts.length,"
                              " frames: document.querySelectorAll('iframe,object,embed,img,video,svg').length,"
                              " hrefs: [...document.querySelectorAll('[href],[src]')].map(e => e.getAttribute('href') || e.getAttribute('src'))})")
            assert r["pwned"] == "undefined" and r["scripts"] == 0 and r["frames"] == 0, (path, r)
            if path.endswith("/page"):   # the sanitised capture links only back to its record
                assert r["hrefs"] == [f"/capture/{pid}"], r["hrefs"]
            else:                        # the record page: site links and the page's own http(s) URL
                assert all(h.startswith(("/", "#", "https://hostile.example/")) for h in r["hrefs"]), r["hrefs"]
            assert "Quay road stays closed" in page.inner_text("body")
        b.close()
    assert all(u.startswith(server) for u in requests), [u for u in requests if not u.startswith(server)]
    assert Recorder.hits == [] and not dialogs and not errors


def test_story_bundle(tmp_path_factory):
    from test_web import build_db

    db = build_db(tmp_path_factory.mktemp("web"))
    c = sqlite3.connect(db)
    sid, n = c.execute("SELECT story_id, size FROM stories ORDER BY size DESC, story_id LIMIT 1").fetchone()
    c.close()
    with TestClient(create_app(db)) as cl:
        r = cl.get(f"/story/{sid}/bundle.zip")
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert f'href="/story/{sid}/bundle.zip"' in cl.get(f"/story/{sid}").text
        assert cl.get("/story/st-nope/bundle.zip").status_code == 404
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    assert {"story.json", "members.csv", "copies.csv", "passages.csv", "evidence.csv", "captures.csv",
            "README.txt"} <= names
    story = json.loads(z.read("story.json"))
    assert story["story"]["story_id"] == sid and len(story["members"]) == n
    members = list(csv.DictReader(io.StringIO(z.read("members.csv").decode())))
    assert len(members) == n
    passages = list(csv.DictReader(io.StringIO(z.read("passages.csv").decode())))
    assert passages and all(p["copy_text"] and p["source_text"] for p in passages)
    caps = list(csv.DictReader(io.StringIO(z.read("captures.csv").decode())))
    assert len(caps) == n and all(cp["sources"] for cp in caps)
    assert sum(1 for cp in caps if cp["sanitised_copy"]) >= 1
    for cp in caps:
        assert f"captures/{cp['page_id']}.txt" in names
        if cp["sanitised_copy"]:
            assert "<script" not in z.read(cp["sanitised_copy"]).decode().lower()
    assert list(csv.DictReader(io.StringIO(z.read("evidence.csv").decode())))
