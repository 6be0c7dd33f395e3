"""From fetched feeds, sitemaps and home pages to the article URLs of a site.

trafilatura finds the links (``feeds.find_links`` for RSS/Atom/JSON Feed, ``feeds.determine_feed`` for the
feeds a home page announces, ``sitemaps.SitemapObject`` for sitemap indexes, urlsets and text sitemaps,
``extract_robots_sitemaps`` for robots.txt) and courlan judges them (``check_url`` strict: no media files,
no adult or spam hosts; ``is_navigation_page``: tag, category, author, paging; ``is_not_crawlable``: login,
contact, ...). Two gaps are filled here: both libraries reject hosts that are IP addresses or single labels
(``http://127.0.0.1:8000/``, a local mirror) and some odd names (``big.test``), and the host is the user's
choice anyway (links are kept to the named site's host or domain), so a URL is judged on its path and query
under a stand-in host; and
neither keeps the dates a feed or sitemap gives, which ``--since`` needs, so ``listed_dates`` reads them.
"""
from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import check_url, extract_domain, is_navigation_page, is_not_crawlable
from lxml import etree
from trafilatura.feeds import FeedParameters, determine_feed, find_links, is_potential_feed
from trafilatura.sitemaps import DETECT_SITEMAP_LINK, SITEMAP_FORMAT, SitemapObject, is_plausible_sitemap

STAND_IN = "stand-in-host.example.com"  # judged instead of an IP or single-label host
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/rdf+xml", "application/xml", "text/xml", "text/plain", "application/x-rss+xml")


def _courlan_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return False
    except ValueError:
        return "." in host


def article_url(url: str) -> str | None:
    """The cleaned URL when it can be an article page of a site, else None (home, navigation, media, ...)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path in ("", "/") and not parts.query:
        return None  # the home page
    stand_in = urlunsplit((parts.scheme, STAND_IN, parts.path, parts.query, parts.fragment))
    checked = check_url(stand_in, strict=True)
    if not checked or is_navigation_page(checked[0]) or is_not_crawlable(checked[0]):
        return None
    c = urlsplit(checked[0])
    return urlunsplit((parts.scheme, parts.netloc, c.path, c.query, ""))


def same_site(url: str, site: str) -> bool:
    """Same host, or (for named hosts) the same registered domain as courlan reads it (www., subdomains)."""
    a, b = urlsplit(url), urlsplit(site)
    if (a.hostname or "") == (b.hostname or ""):
        return True
    if not (_courlan_host(a.hostname or "") and _courlan_host(b.hostname or "")):
        return False
    da, db = extract_domain(url, fast=True), extract_domain(site, fast=True)
    return bool(da) and da == db


def home_feeds(html: str, base: str) -> list[str]:
    """Feed URLs a home page announces (``<link rel=alternate>``, else feed-looking ``<a>`` links)."""
    params = FeedParameters(base, urlsplit(base).hostname or "", base)
    return determine_feed(html, params)


def looks_like_feed(text: str) -> bool:
    t = text.lstrip()
    if t.startswith("{"):
        try:
            return isinstance(json.loads(t).get("items"), list)
        except (ValueError, AttributeError, RecursionError):
            return False
    return is_potential_feed(t) and not SITEMAP_FORMAT.match(t[:400]) or "<rss" in t[:400] or "<feed" in t[:400]


def looks_like_sitemap(text: str, url: str) -> bool:
    t = text.lstrip()
    return bool(SITEMAP_FORMAT.match(t)) and ("<urlset" in t[:2000] or "<sitemapindex" in t[:2000]) \
        or (not t.startswith("<") and is_plausible_sitemap(url, t) and "http" in t[:500])


def feed_links(text: str, base: str) -> list[str]:
    """Entry links of an RSS, Atom or JSON feed, absolute, in feed order."""
    params = FeedParameters(base, urlsplit(base).hostname or "", base)
    return list(dict.fromkeys(urljoin(base, link.strip()) for link in find_links(text.strip(), params) if link))


class _Collecting(SitemapObject):
    """trafilatura's sitemap parser, keeping every link (site scoping and filtering happen afterwards, on
    hosts trafilatura cannot judge too); a sitemap index's entries are sitemaps whatever their suffix."""

    index = False

    def handle_link(self, link: str) -> None:
        if link == self.current_url:
            return
        link = urljoin(self.base_url + "/", link.strip())
        if self.index or DETECT_SITEMAP_LINK.search(link):
            self.sitemap_urls.append(link)
        else:
            self.urls.append(link)


def sitemap_links(text: str, url: str) -> tuple[list[str], list[str]]:
    """(child sitemaps, page URLs) of a sitemap index, urlset, news sitemap or text sitemap."""
    p = urlsplit(url)
    sm = _Collecting(f"{p.scheme}://{p.netloc}", p.hostname or "", [])
    sm.current_url = url
    sm.content = text
    sm.index = "<sitemapindex" in text[:3000]  # read by handle_link during process()
    sm.process()
    return list(dict.fromkeys(sm.sitemap_urls)), list(dict.fromkeys(sm.urls))


_DATE_TAGS = ("lastmod", "publication_date", "pubDate", "published", "updated", "date")


def listed_dates(text: str, base: str) -> dict[str, str]:
    """{url: ISO date} from sitemap ``<lastmod>``/``<news:publication_date>``, RSS ``<pubDate>``, Atom
    ``<published>``/``<updated>``, JSON Feed ``date_published``. URLs without a date are absent."""
    t = text.lstrip()
    out: dict[str, str] = {}
    if t.startswith("{"):
        try:
            for it in json.loads(t).get("items", []):
                if isinstance(it, dict) and isinstance(it.get("url"), str):
                    d = _iso(it.get("date_published") or it.get("date_modified"))
                    if d:
                        out[urljoin(base, it["url"])] = d
        except (ValueError, AttributeError, RecursionError):
            pass
        return out
    try:
        root = etree.fromstring(t.encode("utf-8"), etree.XMLParser(recover=True, resolve_entities=False,
                                                                   no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return out
    if root is None:
        return out
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).localname not in ("url", "sitemap", "item", "entry"):
            continue
        link, date = None, None
        for ch in el.iter():
            if not isinstance(ch.tag, str):
                continue
            name = etree.QName(ch).localname
            if name in ("loc", "link") and link is None:
                link = (ch.text or "").strip() or ch.get("href")
            elif name in _DATE_TAGS and date is None:
                date = _iso(ch.text)
        if link and date:
            out[urljoin(base, link)] = date
    return out


def _iso(value) -> str | None:
    """A listed date as ISO 8601 UTC (``YYYY-MM-DDTHH:MM:SSZ``), or None when it cannot be read."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    from email.utils import parsedate_to_datetime

    dt = None
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(v)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
