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
            pass
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
