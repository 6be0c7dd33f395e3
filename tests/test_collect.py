"""collect against fake sites on a loopback server (tests/collect_server.py): discovery, politeness from the
server's log, WARC validity re-read with fastwarc (written with warcio), every bad network behaviour a
problem, re-runs that fetch nothing new, kill-and-resume without loss or duplicates. No outside address is
ever contacted: the resolver map sends fixture names to 127.0.0.1 and ``resolve_only`` fails the rest."""
from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zlib
from collections import defaultdict

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from collect_server import Fixture, generic_site, hostile_fixture  # noqa: E402

from newstrace.collect import CollectConfig, collect  # noqa: E402
from newstrace.collect.discover import article_url  # noqa: E402
from newstrace.collect.fetch import Decoder, TooLarge  # noqa: E402

UA = "newstrace-test/1.0 (fixture)"
SITES = ["news-a.test", "news-b.test", "broken.test", "slowrobots.test"]


def config(fx: Fixture, **kw) -> CollectConfig:
    base = dict(user_agent=UA, delay=0.05, timeout=1.5, connect_timeout=1.0, backoff=0.05, max_backoff=0.2,
                resolve=fx.resolver({"metadata.news-b.test": "169.254.169.254"}), resolve_only=True)
    base.update(kw)
    return CollectConfig(**base)


def warc_records(folder: str) -> list[dict]:
    """Every record of the WARC files directly in ``folder``, read with fastwarc, digests verified."""
    from fastwarc.warc import ArchiveIterator

    out = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".warc.gz"):
            continue
        with open(os.path.join(folder, name), "rb") as fh:
            for rec in ArchiveIterator(fh, parse_http=False):
                body = rec.reader.read()
                out.append({"file": name, "type": rec.headers.get("WARC-Type"),
                            "version": rec.headers.version if hasattr(rec.headers, "version") else None,
                            "uri": rec.headers.get("WARC-Target-URI"), "date": rec.headers.get("WARC-Date"),
                            "headers": dict(rec.headers.items()), "body": body})
    return out


def paths_requested(fx: Fixture, host: str) -> list[str]:
    return [e["path"] for e in fx.log if e["host"] == host]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    fx = hostile_fixture().start()
    tmp = tmp_path_factory.mktemp("collect")
    db, warc = str(tmp / "news.db"), str(tmp / "warc")
    first = collect([fx.base(h) + "/" for h in SITES], warc, db=db, config=config(fx), workers=1)
    n_first = len(fx.log)
    second = collect([fx.base(h) + "/" for h in SITES], warc, db=db, config=config(fx), workers=1)
    yield {"fx": fx, "db": db, "warc": warc, "first": first, "second": second, "n_first": n_first}
    fx.stop()


def test_every_listed_article_fetched_and_no_other_page(crawl):
    fx = crawl["fx"]
    expected = {fx.base(h) + p for h in ("news-a.test", "news-b.test") for p in fx.sites[h].articles}
    pages = [r for r in warc_records(crawl["warc"]) if r["type"] == "response"]
    assert {r["uri"] for r in pages} == expected
    assert len(pages) == len(expected)  # each page archived once
    first_run = fx.log[:crawl["n_first"]]
    for host in ("news-a.test", "slowrobots.test"):
        asked = {e["path"] for e in first_run if e["host"] == host}
        assert not asked & fx.sites[host].not_articles, asked & fx.sites[host].not_articles
    # robots.txt that never answers: nothing but robots.txt was asked of that host
    assert set(paths_requested(fx, "slowrobots.test")) == {"/robots.txt"}
    # SSRF: the redirect into loopback and the sitemap entry on a link-local address never reached a socket
    assert "/secret" not in paths_requested(fx, "127.0.0.1")
    assert not paths_requested(fx, "metadata.news-b.test")


def test_warc_is_valid_for_the_other_library_and_keeps_the_evidence(crawl):
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    folders = [crawl["warc"], os.path.join(crawl["warc"], "diagnostics")]
    kinds = defaultdict(int)
    for folder in folders:
        for name in os.listdir(folder):
            if not name.endswith(".warc.gz"):
                continue
            with open(os.path.join(folder, name), "rb") as fh:
                raw = fh.read()
            assert raw.startswith(b"\x1f\x8b")
            assert gzip.decompress(raw).startswith(b"WARC/1.1\r\n")
            with open(os.path.join(folder, name), "rb") as fh:
                for rec in ArchiveIterator(fh, parse_http=False):
                    kinds[rec.headers.get("WARC-Type")] += 1
                    assert rec.verify_block_digest(consume=False), rec.headers.get("WARC-Target-URI")
            with open(os.path.join(folder, name), "rb") as fh:
                for rec in ArchiveIterator(fh, parse_http=True):
                    if rec.record_type == WarcRecordType.response:
                        assert rec.verify_payload_digest(consume=False)
                        assert rec.headers.get("WARC-Payload-Digest", "").startswith("sha1:")
    assert kinds["warcinfo"] >= 2
    assert kinds["request"] == kinds["response"]
    assert kinds["metadata"] == len([r for r in warc_records(crawl["warc"]) if r["type"] == "response"])
    recs = warc_records(crawl["warc"])
    fx = crawl["fx"]
    a5 = fx.base("news-a.test") + "/2026/12/a5.html"
    meta = next(r for r in recs if r["type"] == "metadata" and r["uri"] == a5).get("body").decode()
    assert f"redirect-chain: {fx.base('news-a.test')}/old/a5 (301) -> {a5} (200)" in meta
    assert "via: " + fx.base("news-a.test") + "/sitemap-articles.xml" in meta
    # the gzip-encoded article is archived decoded, its encoding header kept under another name
    b2 = next(r for r in recs if r["type"] == "response" and r["uri"].endswith("/2026/b2.html"))
    assert b"X-Crawler-Content-Encoding: gzip" in b2["body"] and b"<article>" in b2["body"]
    diag = warc_records(os.path.join(crawl["warc"], "diagnostics"))
    assert any(r["type"] == "response" and r["uri"].endswith("/old/a5") and b" 301 " in r["body"][:40]
               for r in diag)


def test_ingested_with_fetch_time(crawl):
    fx = crawl["fx"]
    con = sqlite3.connect(crawl["db"])
    rows = dict(con.execute("SELECT url, fetched_at FROM articles").fetchall())
    expected = {fx.base(h) + p for h in ("news-a.test", "news-b.test") for p in fx.sites[h].articles}
    assert set(rows) == expected
    dates = {r["uri"]: r["date"] for r in warc_records(crawl["warc"]) if r["type"] == "response"}
    assert all(rows[u] == dates[u] for u in expected)
    assert crawl["first"]["ingest"]["new_articles"] == len(expected)


def test_each_bad_network_behaviour_is_a_problem(crawl):
    fx = crawl["fx"]
    con = sqlite3.connect(crawl["db"])
    probs = {(u, r) for u, r in con.execute("SELECT url, reason FROM problems WHERE stage = 'collect'")}
    B = fx.base("news-b.test")
    for path, reason in fx.sites["news-b.test"].bad.items():
        url = path if path.startswith("http") else B + path
        either = {url, url.replace("cycle-a", "cycle-b")}  # both ends of the cycle are listed: either finds it
        assert any(u in either and r == reason for u, r in probs), (url, reason, sorted(probs))
    assert (fx.base("broken.test") + "/feed.xml", "broken-feed") in probs
    assert (fx.base("broken.test") + "/sitemap.xml", "broken-sitemap") in probs
    assert (fx.base("slowrobots.test") + "/robots.txt", "robots-unreachable") in probs
    # retried: the flaky pages were asked more than once and ended archived
    first = [e["path"] for e in fx.log[:crawl["n_first"]] if e["host"] == "news-b.test"]
    assert first.count("/2026/flaky.html") == 3
    assert first.count("/2026/down.html") == 3  # retries, then left for the next run
    states = dict(con.execute("SELECT url, state FROM crawl_urls"))
    assert states[B + "/2026/down.html"] == "retry" and states[B + "/2026/flaky.html"] == "fetched"
    assert states[f"http://127.0.0.1:{fx.port}/secret"] == "refused"
    assert states[B + "/2026/internal.html"] == "redirected"


def test_politeness_from_the_server_log(crawl):
    fx = crawl["fx"]
    by_host = defaultdict(list)
    for e in fx.log:
        by_host[e["host"]].append(e)
    assert all(e["ua"] == UA for e in fx.log)
    for host, entries in by_host.items():
        entries.sort(key=lambda e: e["start"])
        assert entries[0]["path"] == "/robots.txt" or host == "127.0.0.1", host
        gap = 0.2 if host == "news-a.test" else 0.05  # news-a's robots.txt asks Crawl-delay: 0.2
        for prev, nxt in zip(entries, entries[1:]):
            if prev["end"] is None or prev.get("aborted"):
                continue
            # one request at a time per host, and the pause between them respected
            assert nxt["start"] >= prev["end"] - 0.01, (host, prev["path"], nxt["path"])
            assert nxt["start"] - prev["start"] >= gap * 0.9, (host, prev["path"], nxt["path"])


def test_rerun_fetches_nothing_new_with_conditional_requests(crawl):
    fx, second = crawl["fx"], crawl["second"]
    rerun = fx.log[crawl["n_first"]:]
    assert second["pages_fetched"] == 0
    article_paths = set(fx.sites["news-a.test"].articles) | set(fx.sites["news-b.test"].articles)
    assert not [e for e in rerun if e["path"] in article_paths]
    feed = [e for e in rerun if e["host"] == "news-a.test" and e["path"] == "/feed.xml"]
    assert feed and feed[0]["inm"] == '"a-feed-1"' and feed[0]["status"] == 304
    assert second["not_modified"] >= 4


def test_problems_page_shows_fetch_problems(crawl):
    from newstrace.cli import main

    out = subprocess.run([sys.executable, "-m", "newstrace.cli", "serve", crawl["db"], "--get", "/problems.json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert '"collect"' in out.stdout and "decompression-bomb" in out.stdout and "robots-unreachable" in out.stdout
    assert main is not None


def test_since_skips_older_listed_urls(tmp_path):
    fx = hostile_fixture().start()
    try:
        s = collect([fx.base("news-a.test") + "/"], str(tmp_path / "w"), db=str(tmp_path / "n.db"),
                    since="2025-01-01", config=config(fx), ingest=False)
        asked = paths_requested(fx, "news-a.test")
        assert "/2026/12/a6.html" in asked and "/2026/12/a7.html" not in asked
        assert s["skipped_links"]["older_than_since"] == 1
    finally:
        fx.stop()


def test_site_given_by_ip_and_port_and_named_urls(tmp_path):
    fx = hostile_fixture().start()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    try:
        targets = [fx.base("127.0.0.1") + "/", f"https://tls.news-b.test:{fx.port}/2026/b1.html",
                   f"http://refused.test:{dead_port}/2026/x.html"]
        cfg = config(fx, resolve=fx.resolver({"tls.news-b.test": "127.0.0.1", "refused.test": "127.0.0.1"}))
        s = collect(targets, str(tmp_path / "w"), db=str(tmp_path / "n.db"), config=cfg, ingest=False)
        assert set(paths_requested(fx, "127.0.0.1")) == {"/robots.txt", "/", "/feed.xml", "/world/m1", "/world/m2",
                                                         "/sitemap.xml", "/sitemap_index.xml"}  # no robots: guesses
        assert s["problems_by_reason"].get("tls-error") and s["problems_by_reason"].get("connection-refused")
    finally:
        fx.stop()


def test_max_pages_then_resume_after_kill(tmp_path):
    """A run stopped by --max-pages and a run killed with SIGKILL both resume: every page archived exactly
    once, all ingested."""
    fx = Fixture()
    site = generic_site(fx, "bignews.test", 30)
    fx.start()
    db, warc = str(tmp_path / "n.db"), str(tmp_path / "w")
    try:
        s = collect([fx.base("bignews.test") + "/"], warc, db=db, config=config(fx), max_pages=5, ingest=False)
        assert s["pages_fetched"] == 5 and s["url_states"]["queued"] == 25
        cmd = [sys.executable, "-m", "newstrace.cli", "collect", fx.base("bignews.test") + "/", "--warc", warc,
               "--db", db, "--delay", "0.1", "--resolve", "bignews.test=127.0.0.1", "--resolve-only", "--no-progress",
               "--user-agent", UA]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [e for e in fx.log if e["path"] in site.articles]
            if len(done) >= 12:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        s = collect([fx.base("bignews.test") + "/"], warc, db=db, config=config(fx), workers=1)
        pages = [r for r in warc_records(warc) if r["type"] == "response"]
        uris = [r["uri"] for r in pages]
        assert sorted(uris) == sorted(fx.base("bignews.test") + p for p in site.articles)  # none lost, none twice
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 30
        counts = defaultdict(int)
        for e in fx.log:
            if e["path"] in site.articles:
                counts[e["path"]] += 1
        # at most the one request in flight at the kill is asked again
        assert sum(n - 1 for n in counts.values()) <= 1
    finally:
        fx.stop()


def test_bytes_a_killed_run_wrote_past_its_commit_are_cut(tmp_path):
    """A record written but never committed (the process died between the WARC write and the store
    transaction) is cut off by the next run, and its page fetched and archived once."""
    fx = Fixture()
    site = generic_site(fx, "cut.test", 4)
    fx.start()
    db, warc = str(tmp_path / "n.db"), str(tmp_path / "w")
    try:
        collect([fx.base("cut.test") + "/"], warc, db=db, config=config(fx), max_pages=3, ingest=False)
        con = sqlite3.connect(db)
        path, committed = con.execute("SELECT path, committed FROM crawl_warcs WHERE kind = 'pages'").fetchone()
        with open(path, "rb") as fh:
            first_page = fh.read()[con.execute("SELECT min(warc_offset) FROM crawl_urls WHERE state = 'fetched'")
                                   .fetchone()[0]:]
        with open(path, "ab") as fh:  # as if the 4th page had been written and the run killed before its commit
            fh.write(first_page[: len(first_page) // 2])
        with con:
            con.execute("UPDATE crawl_warcs SET closed = 0 WHERE path = ?", (path,))
        con.close()
        s = collect([fx.base("cut.test") + "/"], warc, db=db, config=config(fx), workers=1)
        assert s["bytes_cut_from_killed_run"] == len(first_page) // 2
        uris = sorted(r["uri"] for r in warc_records(warc) if r["type"] == "response")
        assert uris == sorted(fx.base("cut.test") + p for p in site.articles)
    finally:
        fx.stop()


def test_decoder_bounds_a_gzip_bomb_in_memory():
    bomb = gzip.compress(b"\0" * 50_000_000)
    dec = Decoder("gzip", 1_000_000)
    with pytest.raises(TooLarge) as e:
        dec.feed(bomb)
    assert e.value.reason == "decompression-bomb" and dec.size <= 1_000_001
    raw = zlib.compressobj(wbits=-15)
    data = raw.compress(b"<p>hello</p>") + raw.flush()
    dec = Decoder("deflate", 100)
    dec.feed(data)
    assert dec.body() == b"<p>hello</p>"


@pytest.mark.parametrize("url,ok", [
    ("http://127.0.0.1:8000/world/story-1", True), ("http://127.0.0.1:8000/tag/x", False),
    ("http://news.test:81/2026/a.html?utm_source=rss", True), ("http://news.test/category/world/", False),
    ("http://news.test/", False), ("http://news.test/img/a.jpg", False), ("http://news.test/login", False),
])
def test_article_url_filter(url, ok):
    assert (article_url(url) is not None) == ok


def test_url_lists_and_a_named_feed(tmp_path):
    """Text, CSV and JSONL URL lists are fetched as given; a named feed is read for its articles and, on the
    next run, re-visited alone."""
    fx = hostile_fixture().start()
    A, B = fx.base("news-a.test"), fx.base("news-b.test")
    (tmp_path / "urls.txt").write_text(f"# my list\n{A}/2026/12/a1.html\n\nnot a url\n{A}/2026/12/a2.html\n")
    (tmp_path / "urls.csv").write_text(f"title,url\nthree,{A}/2026/12/a3.html\n")
    (tmp_path / "urls.jsonl").write_text(json.dumps({"url": f"{A}/2026/12/a4.html"}) + "\nnot json\n")
    targets = [str(tmp_path / n) for n in ("urls.txt", "urls.csv", "urls.jsonl")] + [B + "/atom.xml"]
    db, warc = str(tmp_path / "n.db"), str(tmp_path / "w")
    try:
        collect(targets, warc, db=db, config=config(fx), ingest=False)
        uris = {r["uri"] for r in warc_records(warc) if r["type"] == "response"}
        assert uris == {f"{A}/2026/12/a{i}.html" for i in (1, 2, 3, 4)} | {B + "/2026/b1.html", B + "/2026/b2.html"}
        n = len(fx.log)
        s = collect(targets, warc, db=db, config=config(fx), ingest=False)
        assert [e["path"] for e in fx.log[n:] if e["path"] != "/robots.txt"] == ["/atom.xml"]
        assert s["pages_fetched"] == 0 and s["unchanged_feeds"] == 1
    finally:
        fx.stop()


def test_warc_files_rotate_by_size(tmp_path):
    fx = Fixture()
    site = generic_site(fx, "rotate.test", 8)
    fx.start()
    warc = str(tmp_path / "w")
    try:
        s = collect([fx.base("rotate.test") + "/"], warc, db=str(tmp_path / "n.db"),
                    config=config(fx, warc_max_bytes=5000), workers=1)
        files = [f for f in os.listdir(warc) if f.endswith(".warc.gz")]
        assert len(files) >= 3 and len(s["warc_files"]) == len(files)
        uris = sorted(r["uri"] for r in warc_records(warc) if r["type"] == "response")
        assert uris == sorted(fx.base("rotate.test") + p for p in site.articles)
        assert s["ingest"]["new_articles"] == 8
    finally:
        fx.stop()


def test_progress_bar_shows_pages_queues_and_problems(tmp_path, capfd):
    fx = Fixture()
    generic_site(fx, "bar.test", 3)
    fx.start()
    try:
        collect([fx.base("bar.test") + "/"], str(tmp_path / "w"), db=str(tmp_path / "n.db"), config=config(fx),
                progress=True, ingest=False)
        err = capfd.readouterr().err
        assert "collect" in err and "3page" in err.replace(" ", "") and "problems=0" in err
    finally:
        fx.stop()
