"""Page metadata used by the direction and credit decisions: dates, url keys, credit statements
(credits, canonical, byline, links to a page) and the names each site goes by."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property, lru_cache
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlsplit

from ..extract.urls import site_of as _site_of
from ..store import articles
from ..store.records import dumps, loads  # noqa: F401 - the trace's JSON codec
from ..extract.urls import url_key as _url_key

url_key = lru_cache(maxsize=262144)(_url_key)
site_of = lru_cache(maxsize=262144)(_site_of)

GENERIC_HOSTS = ("example", "com", "org", "net", "news", "info", "co", "uk", "de", "ru", "io")


@dataclass
class Meta:
    rid: int
    page_id: str
    url: str
    site: str
    canonical: str | None
    title: str | None
    byline: str | None
    published: str | None
    modified: str | None
    fetched_at: str | None
    language: str | None
    keys: set[str] = field(default_factory=set)        # url keys of this page (url, canonical on own site)
    body: str | None = None
    words: int = 0
    body_hash: str | None = None
    idents: set = field(default_factory=set)   # (kind, value) of money / account identifiers on the page
    credits: list[dict[str, Any]] = field(default_factory=list)   # {name, url, form, text}
    links: list[dict[str, Any]] = field(default_factory=list)     # {href, text, in_body}
    media: list[str] = field(default_factory=list)                # article image / video / embed urls
    when: datetime | None = None      # published (or modified) as UTC datetime
    when_exact: bool = False          # had a time of day
    precision: str | None = None      # time | day | month | year (see extract.article.date_precision)

    @property
    def key(self) -> str:
        return url_key(self.url) or self.url

    @cached_property
    def inbody_sites(self) -> dict[str, int]:
        """Site -> number of in-body links of this page to it."""
        d: dict[str, int] = {}
        for l in self.links:
            if l.get("in_body"):
                s = site_of(l["href"])
                d[s] = d.get(s, 0) + 1
        return d


def parse_when(s: str | None) -> tuple[datetime | None, bool]:
    if not s:
        return None, False
    s = s.strip()
    try:
        if len(s) == 10:
            d = date.fromisoformat(s)
            return datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc), False
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc), True
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
        if m:
            try:
                return datetime(int(m[1]), int(m[2]), int(m[3]), 12, tzinfo=timezone.utc), False
            except ValueError:
                return None, False
    return None, False


def load_meta(conn, keys: Iterable[int]) -> dict[int, Meta]:
    """What the decisions read about each page, by article key (in slices: every query below reads one slice)."""
    keys = list(keys)
    out: dict[int, Meta] = {}
    for c in articles.slices(keys):
        for r in articles.meta_rows(conn, c):
            m = Meta(r.key, r.page_id, r.url, r.site, r.canonical_url, r.title, r.byline, r.published, r.modified,
                     r.fetched_at, r.language)
            m.body = r.body
            m.words = r.words or 0
            m.body_hash = r.body_hash
            m.precision = r.precision
            m.keys = {k for k in (url_key(m.url),) if k}
            m.when, m.when_exact = parse_when(m.published)
            out[r.key] = m
        by_pid = {m.page_id: m for m in out.values() if m.rid in c}
        for pid, name, url, form, text in articles.credits_of(conn, c):
            by_pid[pid].credits.append({"name": name, "url": url, "form": form, "text": text})
        for pid, kind, value in articles.money_identifiers_of(conn, c):
            by_pid[pid].idents.add((kind, value))
        for pid, href, text, inb in articles.links_of(conn, c):
            by_pid[pid].links.append({"href": href, "text": text, "in_body": inb})
        for pid, url in articles.media_of(conn, c):
            by_pid[pid].media.append(url)
    return out


BYLINE_PREFIX = re.compile(r"^\s*(?:by|author|from)\b[:\s]*", re.I)


@lru_cache(maxsize=65536)
def norm_byline(b: str | None) -> str:
    return " ".join(re.findall(r"\w+", BYLINE_PREFIX.sub("", (b or "").lower())))


def norm_name(s: str | None) -> str:
    s = (s or "").lower().strip()
    s = re.sub(r"^(the|www\.)\s*", "", s)
    return re.sub(r"[\W_]+", "", s)


class SiteNames:
    """Which site a credited name means: the site's domain label(s) and the names it publishes under."""

    def __init__(self, conn):
        self.keys: dict[str, set[str]] = {}
        self.by_prefix: dict[str, set[str]] = {}
        # how many pages of each site carry each byline: a byline is at home on the site that uses it
        self.bylines: dict[tuple[str, str], int] = {}
        self.byline_sites: dict[str, set[str]] = {}
        for byline, site, n in articles.byline_counts(conn):
            b = norm_byline(byline)
            if b:
                self.bylines[(b, site)] = self.bylines.get((b, site), 0) + n
                self.byline_sites.setdefault(b, set()).add(site)
        for site, name in articles.site_names(conn):
            self._add(site, site)
            label = site.split(".")[0] if site.split(".")[-1] in GENERIC_HOSTS or len(site.split(".")) > 1 else site
            self._add(site, label)
            if name:
                self._add(site, name)

    def _add(self, site: str, name: str) -> None:
        k = norm_name(name)
        if len(k) >= 4:
            self.keys.setdefault(k, set()).add(site)
            self.by_prefix.setdefault(k[:4], set()).add(k)

    def sites_named(self, name: str | None, loose: bool = False) -> set[str]:
        n = norm_name(name)
        if not n:
            return set()
        if n in self.keys:
            return set(self.keys[n])
        out = set()
        for k, sites in self.keys.items():
            if len(k) >= 6 and (k in n if loose or len(n) <= len(k) + 12 else False):
                out |= sites
        return out


def credit_items(m: Meta, names: SiteNames) -> list[dict[str, Any]]:
    """Every statement on page ``m`` that credits some page or site: {name, url, form, text, sites, key}."""
    items = []
    for c in list(m.credits) + inline_credits(m.body or "", names, m.site):
        if c.get("form") == "copyright" and not c.get("url"):
            sites = names.sites_named(c.get("name"))
            if not sites or sites == {m.site}:
                continue
        items.append(dict(c))
    if m.canonical and site_of(m.canonical) != m.site:
        items.append({"name": None, "url": m.canonical, "form": "canonical", "text": None})
    if m.byline and not items:
        # a byline that is another outlet's name ("By Summit Times") credits it, when nothing else does;
        # a staff byline copied along with the text ("Summit Times Staff") is an author line, not a credit
        bl = BYLINE_PREFIX.sub("", m.byline)
        s = names.sites_named(bl) - {m.site} if norm_name(bl) in names.keys else set()
        if s:
            items.append({"name": m.byline, "url": None, "form": "byline", "text": m.byline})
    out = []
    for it in items:
        sites: set[str] = set()
        if it.get("url"):
            sites.add(site_of(it["url"]))
        if it.get("name"):
            sites |= names.sites_named(it["name"], loose=it.get("form") == "byline")
            if "." in it["name"]:
                sites.add(site_of("http://" + it["name"].strip().strip("()").split()[-1]))
        sites.discard("unknown")
        it["sites"] = sites
        it["key"] = url_key(it["url"]) if it.get("url") else None
        if it["sites"] == {m.site} and it.get("form") != "canonical":
            continue  # a page naming its own site
        out.append(it)
    return out


INLINE = re.compile(
    r"(?:the original source of this article is|originally (?:published|posted|appeared) (?:at|on|in|by)|"
    r"first (?:appeared|published) (?:at|on|in)|read the (?:full|rest of the|whole|original) (?:article|story) (?:at|on)|"
    r"continue reading (?:at|on)|republished (?:from|with permission from)|reprinted from|\(via|\bsource:|"
    r"\bvia:?)\s+", re.I)


# words every INLINE phrase contains, found with str.find (C speed) before the regex runs near them
INLINE_WORDS = ("original", "first ", "read the ", "continue reading", "republished", "reprinted", "via",
                "source:")


def _inline_matches(body: str):
    low = body.lower()
    starts = set()
    for w in INLINE_WORDS:
        i = low.find(w)
        while i >= 0:
            starts.add(max(0, i - 30))
            i = low.find(w, i + 1)
    seen = set()
    for st in sorted(starts):
        for mt in INLINE.finditer(body, st, min(len(body), st + 30 + 60)):
            if mt.start() not in seen:
                seen.add(mt.start())
                yield mt


def inline_credits(body: str, names: SiteNames, own: str) -> list[dict[str, Any]]:
    """Credit phrases left inside the body text ("... The original source of this article is X ...") whose
    following words are the name of a known site.  Only used as extra evidence next to stored credits."""
    out = []
    if not body:
        return out
    for mt in _inline_matches(body):
        nxt = body[mt.end():mt.end() + 80]
        n = norm_name(nxt)
        best = None
        for k in names.by_prefix.get(n[:4], ()):
            if len(k) >= 5 and n.startswith(k) and (best is None or len(k) > len(best[0])):
                best = (k, names.keys[k])
        if best and best[1] != {own}:
            # the name as written: as many words as the key needs
            words, acc = [], ""
            for w in nxt.split():
                words.append(w)
                acc += norm_name(w)
                if len(acc) >= len(best[0]):
                    break
            out.append({"name": " ".join(words).strip(" .,;:()"), "url": None, "form": "inline",
                        "text": body[mt.start():mt.end() + len(" ".join(words)) + 1].strip()})
    return out


def referral_sites(m: Meta, names: SiteNames) -> dict[str, str]:
    """Sites named as ``utm_source`` in this page's links other than its own: the site that wrote the link
    tagged it, so a page carrying the tag carries that site's text (a credit line copied along)."""
    out = {}
    for l in m.links:
        href = l.get("href") or ""
        if "utm_source=" not in href:
            continue
        for k, v in parse_qsl(urlsplit(href).query):
            if k == "utm_source":
                for s in names.sites_named(v) - {m.site}:
                    out.setdefault(s, href)
    return out


def link_keys(m: Meta) -> dict[str, dict[str, Any]]:
    """url key -> link, for every link of the page."""
    out = {}
    for l in m.links:
        k = url_key(l["href"])
        if k and k not in out:
            out[k] = l
    return out
