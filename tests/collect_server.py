"""A fixture web server for the collector: several fake news sites behind one loopback port, chosen by the
Host header, with a log of every request (host, path, start, end, conditional headers) from which tests and
bench/collect.py check politeness. Sites misbehave on purpose: slow and failing answers, gzip bombs,
endless redirects, a 20 MB "article", wrong content types, broken feeds, a robots.txt that never answers.

Only 127.0.0.1 is ever bound or contacted; the collector reaches the fake host names through its resolver
map (``resolver()``), with ``resolve_only`` so that a name outside the map fails instead of asking DNS.
"""
from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ("harbour council budget river school minister strike court forest election road clinic farmers "
         "energy prices union festival storm bridge hospital teachers report survey coast police").split()


def article_html(site: str, slug: str, n: int = 5) -> bytes:
    """A plain news article with a body trafilatura extracts (distinct text per page)."""
    seed = int(hashlib.sha1(f"{site}/{slug}".encode()).hexdigest(), 16)
    paras = []
    for i in range(n):
        words = [WORDS[(seed >> (j % 60) ^ (i * 7 + j)) % len(WORDS)] for j in range(40)]
        paras.append(f"<p>{slug.replace('-', ' ').title()} paragraph {i + 1}: " + " ".join(words) + ".</p>")
    return (f"<!doctype html><html><head><title>{slug} | {site}</title><meta charset=utf-8></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About</a> <a href='/tag/news'>News</a></nav>"
            f"<article><h1>{slug.replace('-', ' ').title()}</h1><p class=byline>By Ana Reporter</p>"
            + "".join(paras) + "</article><footer>Contact us</footer></body></html>").encode()


def rss(base: str, links: list[tuple[str, str | None]]) -> bytes:
    items = "".join(f"<item><title>t</title><link>{base}{p}</link>"
                    + (f"<pubDate>{d}</pubDate>" if d else "") + "</item>" for p, d in links)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>feed</title>'
            f"<link>{base}/</link>{items}</channel></rss>").encode()


def atom(base: str, paths: list[str]) -> bytes:
    entries = "".join(f'<entry><title>t</title><link rel="alternate" href="{base}{p}"/>'
                      f"<updated>2026-11-20T10:00:00Z</updated></entry>" for p in paths)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>a</title>'
            f'<link rel="self" href="{base}/atom.xml"/>{entries}</feed>').encode()


def urlset(base: str, paths: list[str], news_dates: dict[str, str] | None = None) -> bytes:
    out = []
    for p in paths:
        loc = p if p.startswith("http") else base + p
        d = (news_dates or {}).get(p)
        news = (f"<news:news><news:publication><news:name>x</news:name><news:language>en</news:language>"
                f"</news:publication><news:publication_date>{d}</news:publication_date><news:title>t</news:title>"
                "</news:news>") if d else ""
        out.append(f"<url><loc>{loc}</loc>{news}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(out) + "</urlset>").encode()


def sitemap_index(base: str, paths: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths) + "</sitemapindex>").encode()


class Site:
    """Routes of one fake host: path -> (status, headers, body) or a callable(handler)."""

    def __init__(self, name: str):
        self.name = name
        self.routes: dict[str, object] = {}
        self.articles: set[str] = set()  # paths listed in its feeds/sitemaps that are article pages
        self.not_articles: set[str] = set()  # listed or linked pages that must never be fetched

    def add(self, path: str, body: bytes | object, ctype: str = "text/html; charset=utf-8", status: int = 200,
            headers: dict | None = None) -> None:
        if callable(body):
            self.routes[path] = body
        else:
            self.routes[path] = (status, {"Content-Type": ctype, **(headers or {})}, body)

    def article(self, path: str) -> None:
        self.articles.add(path)
        self.add(path, article_html(self.name, path.strip("/").replace("/", "-").replace(".html", "")))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "fixture"

    def log_message(self, *a):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        srv = self.server
        start = time.monotonic()
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        entry = {"host": host, "path": self.path, "start": start, "end": None, "status": None,
                 "inm": self.headers.get("If-None-Match"), "ims": self.headers.get("If-Modified-Since"),
                 "ua": self.headers.get("User-Agent")}
        with srv.lock:
            srv.log.append(entry)
        site = srv.sites.get(host)
        route = site.routes.get(self.path) if site else None
        try:
            if route is None:
                self._send(404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>")
            elif callable(route):
                route(self)
            else:
                status, headers, body = route
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self._send(304, {"ETag": etag}, b"")
                else:
                    self._send(status, headers, body)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            entry["aborted"] = True  # the client gave up (a timeout, a size limit): its end is not the server's
        finally:
            entry["end"] = time.monotonic()

    def _send(self, status: int, headers: dict, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        with self.server.lock:
            for e in reversed(self.server.log):
                if e["path"] == self.path and e["status"] is None:
                    e["status"] = status
                    break


# -- misbehaviours ----------------------------------------------------------------------------------------------
def slow_loris(h: Handler) -> None:
    """Headers at once, then one byte every 0.3 s for ever (until the client gives up)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    h.wfile.write(b"<html><body><p>")
    for _ in range(200):
        time.sleep(0.3)
        h.wfile.write(b"x")
        h.wfile.flush()


def never_answers(h: Handler) -> None:
    time.sleep(60)


def big_article(h: Handler) -> None:
    """20 MB of HTML, no Content-Length (close-delimited), so only a streaming bound stops it."""
    h._send(200, {"Content-Type": "text/html"}, b"", length=False)
    chunk = b"<p>" + b"word " * 2000 + b"</p>\n"
    for _ in range(20_000_000 // len(chunk) + 1):
        h.wfile.write(chunk)


BOMB = gzip.compress(b"\0" * 60_000_000, compresslevel=9)


def gzip_bomb(h: Handler) -> None:
    h._send(200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, BOMB)


def reset(h: Handler) -> None:
    """Close the connection with a TCP reset, before any answer."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def flaky(times: int, status: int = 503, headers: dict | None = None):
    """Fails ``times`` times with ``status``, then serves an article."""
    count = {"n": 0}

    def route(h: Handler) -> None:
        count["n"] += 1
        if count["n"] <= times:
            h._send(status, {"Content-Type": "text/plain", **(headers or {})}, b"busy")
        else:
            h._send(200, {"Content-Type": "text/html; charset=utf-8"}, article_html("flaky", h.path.strip("/")))
    return route


def redirect(to: str, status: int = 301):
    def route(h: Handler) -> None:
        h._send(status, {"Location": to}, b"")
    return route


def endless(prefix: str):
    def route(h: Handler) -> None:
        n = int(h.path.rsplit("/", 1)[1])
        h._send(302, {"Location": f"{prefix}{n + 1}"}, b"")
    return route


class Fixture:
    """The server plus the sites; ``port`` is bound on 127.0.0.1 by the OS."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.lock = threading.Lock()
        self.httpd.log = []
        self.httpd.sites = {}
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def log(self) -> list[dict]:
        return self.httpd.log

    @property
    def sites(self) -> dict[str, Site]:
        return self.httpd.sites

    def base(self, host: str, scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}"

    def add(self, site: Site) -> Site:
        self.httpd.sites[site.name] = site
        return site

    def resolver(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {name: "127.0.0.1" for name in self.httpd.sites}
        out.update(extra or {})
        return out

    def start(self) -> "Fixture":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def generic_site(fx: Fixture, name: str, n: int, crawl_delay: float | None = None) -> Site:
    """robots.txt (+ Sitemap), a home page announcing an RSS feed, a sitemap; ``n`` articles in both."""
    s = fx.add(Site(name))
    base = fx.base(name)
    paths = [f"/2026/12/{name.split('.')[0]}-story-{i}.html" for i in range(n)]
    for p in paths:
        s.article(p)
    robots = "User-agent: *\nDisallow: /private/\n" + (f"Crawl-delay: {crawl_delay}\n" if crawl_delay else "")
    s.add("/robots.txt", (robots + f"Sitemap: {base}/sitemap.xml\n").encode(), "text/plain")
    s.add("/", (f"<html><head><link rel='alternate' type='application/rss+xml' href='{base}/feed.xml'></head>"
                "<body><a href='/about'>about</a></body></html>").encode())
    half = n // 2
    s.add("/feed.xml", rss(base, [(p, None) for p in paths[:half + 1]]), "application/rss+xml",
          headers={"ETag": f'"{name}-feed-1"'})
    s.add("/sitemap.xml", urlset(base, paths[half:]), "application/xml", headers={"ETag": f'"{name}-sm-1"'})
    return s


def hostile_fixture() -> Fixture:
    """The test sites. Each Site records the article paths its feeds and sitemaps list (``articles``) and the
    listed or linked pages that must never be requested (``not_articles``)."""
    fx = Fixture()
    P = fx.port
    # news-a: robots.txt (Crawl-delay, Disallow, Sitemap: index), RSS from the home page, index -> urlset + news
    a = fx.add(Site("news-a.test"))
    A = fx.base("news-a.test")
    for i in (1, 2, 3, 4, 6, 7):
        a.article(f"/2026/12/a{i}.html")
    a.add("/2026/12/a5.html", article_html("news-a.test", "2026-12-a5"))
    a.articles.add("/2026/12/a5.html")
    a.add("/old/a5", redirect(f"{A}/2026/12/a5.html"))
    a.add("/robots.txt", f"User-agent: *\nDisallow: /private/\nCrawl-delay: 0.2\nSitemap: {A}/sitemap_index.xml\n"
          .encode(), "text/plain")
    a.add("/", f"<html><head><link rel='alternate' type='application/rss+xml' href='{A}/feed.xml'></head><body>"
          "<a href='/about'>About</a> <a href='/tag/politics'>Politics</a></body></html>".encode())
    a.add("/feed.xml", rss(A, [("/2026/12/a1.html", "Tue, 01 Dec 2026 10:00:00 GMT"), ("/2026/12/a2.html", None),
                               ("/2026/12/a3.html", None), ("/tag/politics", None), ("/private/p1.html", None)]),
          "application/rss+xml", headers={"ETag": '"a-feed-1"'})
    a.add("/sitemap_index.xml", sitemap_index(A, ["/sitemap-articles.xml", "/sitemap-news.xml"]), "application/xml",
          headers={"ETag": '"a-index-1"'})
    a.add("/sitemap-articles.xml", urlset(A, ["/2026/12/a3.html", "/2026/12/a4.html", "/old/a5", "/category/world/",
                                               "/page/2", "/img/photo.jpg", "/author/jane", "/"]),
          "application/xml", headers={"ETag": '"a-sm-1"'})
    a.add("/sitemap-news.xml", urlset(A, ["/2026/12/a6.html", "/2026/12/a7.html"],
                                      {"/2026/12/a6.html": "2026-12-01T08:00:00Z", "/2026/12/a7.html": "2020-01-01"}),
          "application/xml", headers={"ETag": '"a-news-1"'})
    a.not_articles |= {"/tag/politics", "/category/world/", "/page/2", "/img/photo.jpg", "/author/jane", "/about",
                       "/private/p1.html"}
    for p in a.not_articles:
        a.add(p, b"<html><body>not an article</body></html>")
    # news-b: no robots.txt, Atom + JSON feeds from the home page, a guessed /sitemap.xml full of misbehaviour
    b = fx.add(Site("news-b.test"))
    B = fx.base("news-b.test")
    for p in ("/2026/b1.html", "/2026/b3.html"):
        b.article(p)
    b.add("/2026/b2.html", gzip.compress(article_html("news-b.test", "b2")), headers={"Content-Encoding": "gzip"})
    b.articles.add("/2026/b2.html")
    b.add("/2026/flaky.html", flaky(2, 503))
    b.add("/2026/busy.html", flaky(1, 429, {"Retry-After": "0"}))
    b.articles |= {"/2026/flaky.html", "/2026/busy.html"}
    b.add("/", f"<html><head><link rel='alternate' type='application/atom+xml' href='{B}/atom.xml'>"
          f"<link rel='alternate' type='application/feed+json' href='{B}/feed.json'></head><body></body></html>"
          .encode())
    b.add("/atom.xml", atom(B, ["/2026/b1.html", "/2026/b2.html"]), "application/atom+xml")
    b.add("/feed.json", ('{"version": "https://jsonfeed.org/version/1.1", "items": ['
                         f'{{"id": "3", "url": "{B}/2026/b3.html"}}, {{"id": "4", "url": "{B}/2026/flaky.html"}},'
                         f'{{"id": "5", "url": "{B}/2026/busy.html"}}]}}').encode(), "application/feed+json")
    bad = {"/2026/slow.html": slow_loris, "/2026/big.html": big_article, "/2026/bomb.html": gzip_bomb,
           "/2026/reset.html": reset, "/2026/down.html": flaky(10_000, 503),
           "/2026/loop/0": endless("/2026/loop/"), "/2026/cycle-a.html": redirect(f"{B}/2026/cycle-b.html"),
           "/2026/cycle-b.html": redirect(f"{B}/2026/cycle-a.html"),
           "/2026/internal.html": redirect(f"http://127.0.0.1:{P}/secret", 302)}
    for p, route in bad.items():
        b.add(p, route)
    for i in range(1, 40):
        b.add(f"/2026/loop/{i}", bad["/2026/loop/0"])
    b.add("/2026/report-file.html", b"%PDF-1.4 not html", "application/pdf")
    b.add("/sitemap.xml", urlset(B, [*bad, "/2026/report-file.html",
                                     f"http://metadata.news-b.test:{P}/latest/meta-data",
                                     f"http://gone.news-b.test:{P}/2026/gone.html"]), "application/xml")
    b.bad = {"/2026/slow.html": "timeout", "/2026/big.html": "too-large", "/2026/bomb.html": "decompression-bomb",
             "/2026/reset.html": "connection-reset", "/2026/down.html": "http-503",
             "/2026/loop/0": "too-many-redirects", "/2026/cycle-a.html": "redirect-loop",
             "/2026/report-file.html": "wrong-content-type", "/2026/internal.html": "private-address",
             f"http://metadata.news-b.test:{P}/latest/meta-data": "private-address",
             f"http://gone.news-b.test:{P}/2026/gone.html": "dns-failure"}
    # broken: a feed that is a web page, a sitemap that is not XML
    c = fx.add(Site("broken.test"))
    C = fx.base("broken.test")
    c.add("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {C}/sitemap.xml\n".encode(), "text/plain")
    c.add("/", f"<html><head><link rel='alternate' type='application/rss+xml' href='{C}/feed.xml'></head></html>"
          .encode())
    c.add("/feed.xml", b"<html><body><h1>Oops, our feed moved</h1></body></html>", "application/rss+xml")
    c.add("/sitemap.xml", b"<html><body>Sitemap temporarily unavailable", "application/xml")
    # slowrobots: robots.txt never answers, so nothing else on the host may be fetched
    d = fx.add(Site("slowrobots.test"))
    d.add("/robots.txt", never_answers)
    d.add("/", b"<html><head><link rel='alternate' type='application/rss+xml' href='/feed.xml'></head></html>")
    d.not_articles |= {"/", "/feed.xml"}
    # a local mirror addressed by IP and port (and the target of news-b's redirect into loopback)
    m = fx.add(Site("127.0.0.1"))
    M = fx.base("127.0.0.1")
    m.article("/world/m1")
    m.article("/world/m2")
    m.add("/", f"<html><head><link rel='alternate' type='application/rss+xml' href='{M}/feed.xml'></head></html>"
          .encode())
    m.add("/feed.xml", rss(M, [("/world/m1", None), ("/world/m2", None), ("/tag/x", None)]), "application/rss+xml")
    m.add("/secret", b"internal admin page")
    return fx
