"""The crawl loop: per-host queues under robots.txt, a start-to-start delay and a concurrency limit per host,
a global concurrency limit, retries with backoff that pause the host, redirects followed hop by hop.

Jobs are ``home`` (a site's root page, read for the feeds it announces), ``feed``, ``sitemap``, ``page`` (an
article URL from a feed or sitemap: HTML only) and ``probe`` (a URL the user named: archived when HTML, read
for links when a feed or sitemap). Each host's robots.txt is fetched before any other request to it. Every
bad network behaviour becomes a ``Problem(stage="collect")``; nothing here raises for what a server does.
State changes go to the store as they happen (``store.crawl``), so a killed run resumes from them.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from ..records import Problem
from ..store import Store
from ..store import crawl as cs
from . import discover
from .config import CollectConfig
from .fetch import Decoder, Exchange, TooLarge, fetch, host_key
from .net import AddressPolicy, make_client
from .robots import Robots, agent_token
from .targets import Seed, named_hosts
from .warcwrite import WarcSeries

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

HTML_TYPES = ("text/html", "application/xhtml+xml")
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
HOST_ERRORS = {"dns-failure", "connection-refused", "connect-failed", "tls-error", "private-address"}


@dataclass
class Job:
    url: str
    kind: str  # home | feed | sitemap | page | probe
    seed: Seed
    via: str | None = None
    hops: list = field(default_factory=list)  # [[url, status], ...] redirects that led here
    attempts: int = 0
    scope: str | None = None  # the site whose pages a feed/sitemap may list


@dataclass
class Host:
    key: str
    base: str  # scheme://netloc of the first URL seen on it (where robots.txt is asked)
    delay: float
    queue: deque = field(default_factory=deque)
    active: int = 0
    next_start: float = 0.0
    last_start: float = 0.0
    robots: Robots | None = None
    robots_busy: bool = False
    blocked: tuple[str, str] | None = None  # (reason, detail): every URL on the host fails with it
    sites: list = field(default_factory=list)  # site seeds rooted here: sitemaps queued once robots is read


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Crawler:
    def __init__(self, store: Store, seeds: list[Seed], warc_dir: str, cfg: CollectConfig,
                 since: str | None = None, max_pages: int | None = None, bar=None):
        self.store, self.conn = store, store.conn
        self.seeds, self.cfg, self.since, self.max_pages, self.bar = seeds, cfg, since, max_pages, bar
        self.hosts: dict[str, Host] = {}
        self.scheduled: set[tuple[str, str]] = set()  # (kind, url) discovery jobs queued this run
        self.sitemaps_per_seed: Counter = Counter()
        self.counts: Counter = Counter()
        self.reasons: Counter = Counter()
        self.policy = AddressPolicy(named_hosts(seeds), cfg.allow_private, cfg.resolve, cfg.resolve_only)
        info = {"robots": "obey", "http-header-user-agent": cfg.user_agent}
        self.pages = WarcSeries(warc_dir, "newstrace", cfg.warc_max_bytes, info)
        self.diag = WarcSeries(f"{warc_dir}/diagnostics", "newstrace-diagnostics", cfg.warc_max_bytes, info)
        self.page_starts = 0

    # -- set-up ------------------------------------------------------------------------------------------------
    def plan(self) -> None:
        """Queue this run's jobs: each site's home page and known feeds and sitemaps, the URLs left queued by
        an earlier run, the URLs the user named that were never fetched."""
        now = _now()
        for s in self.seeds:
            if s.kind == "site":
                self._host(s.root).sites.append(s)
                self._discover(Job(s.root, "home", s, scope=s.root))
                for f in cs.seed_feeds(self.conn, s.id):
                    self._discover(Job(f["url"], f["kind"], s, scope=s.root))
            elif s.kind == "url":
                row = cs.url_row(self.conn, s.root)
                feed = cs.feed_row(self.conn, s.root)
                if feed is not None:
                    self._discover(Job(s.root, feed["kind"], s, scope=s.root))
                elif row is None:
                    with self.conn:
                        cs.add_urls(self.conn, [self._row(s.root, s, None)], now)
            else:
                with self.conn:
                    cs.add_urls(self.conn, [self._row(u, s, s.id) for u in s.urls], now)
        for r in cs.pending_urls(self.conn, [s.id for s in self.seeds]):
            seed = next(s for s in self.seeds if s.id == r["seed"])
            kind = "page" if seed.kind == "site" else "probe"
            self._enqueue(Job(r["url"], kind, seed, via=r["via"], hops=json.loads(r["hops"] or "[]"),
                              scope=seed.root or r["url"]))

    def _row(self, url: str, seed: Seed, via: str | None, date: str | None = None, hops=None) -> dict:
        return {"url": url, "seed": seed.id, "host": host_key(url), "via": via, "listed_date": date,
                "hops": hops or []}

    def _host(self, url: str) -> Host:
        key = host_key(url)
        h = self.hosts.get(key)
        if h is None:
            p = urlsplit(url)
            h = self.hosts[key] = Host(key, f"{p.scheme}://{p.netloc}", self.cfg.delay)
        return h

    def _enqueue(self, job: Job) -> None:
        self._host(job.url).queue.append(job)

    def _discover(self, job: Job) -> None:
        if (job.kind, job.url) in self.scheduled:
            return
        if job.kind == "sitemap":
            if self.sitemaps_per_seed[job.seed.id] >= self.cfg.max_sitemaps:
                return
            self.sitemaps_per_seed[job.seed.id] += 1
        self.scheduled.add((job.kind, job.url))
        self._enqueue(job)

    # -- the loop ----------------------------------------------------------------------------------------------
    async def run(self) -> None:
        cfg = self.cfg
        async with make_client(self.policy, cfg.connect_timeout, cfg.timeout, cfg.total_concurrency) as client:
            self.client = client
            tasks: set[asyncio.Task] = set()
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                wake = None
                for h in self.hosts.values():
                    while len(tasks) < cfg.total_concurrency and h.active < cfg.host_concurrency:
                        job = self._next_job(h)
                        if job is None:
                            break
                        if now < h.next_start:
                            wake = h.next_start if wake is None else min(wake, h.next_start)
                            break
                        h.next_start = now + h.delay
                        h.last_start = now
                        h.active += 1
                        if job.kind == "robots":
                            h.robots_busy = True
                        else:
                            h.queue.popleft()
                        if job.kind in ("page", "probe"):
                            self.page_starts += 1
                        tasks.add(asyncio.ensure_future(self._run(h, job)))
                if not tasks:
                    if wake is None:
                        break
                    await asyncio.sleep(max(0.0, wake - loop.time()))
                    continue
                timeout = None if wake is None else max(0.0, wake - loop.time())
                done, tasks = await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    t.result()  # programming errors surface; network behaviour never raises

    def _next_job(self, h: Host) -> Job | None:
        """The job to start next on this host: robots.txt first, then its queue (pages stop at --max-pages)."""
        if h.robots is None and h.blocked is None:
            return None if h.robots_busy else Job(f"{h.base}/robots.txt", "robots", Seed("", "", ""))
        if not h.queue:
            return None
        if h.queue[0].kind in ("page", "probe") and self.max_pages is not None \
                and self.page_starts >= self.max_pages:
            # leave pages queued in the store for the next run; discovery jobs behind them still run
            rest = [j for j in h.queue if j.kind not in ("page", "probe")]
            self.counts["left_for_next_run"] += len(h.queue) - len(rest)
            h.queue = deque(rest)
            return h.queue[0] if h.queue else None
        return h.queue[0]

    async def _run(self, h: Host, job: Job) -> None:
        try:
            if job.kind == "robots":
                await self._robots(h)
            else:
                await self._job(h, job)
        finally:
            h.active -= 1
            if self.cfg.host_concurrency == 1:  # one at a time: the delay is idle time between requests
                h.next_start = max(h.next_start, asyncio.get_running_loop().time() + h.delay)
            if job.kind == "robots":
                h.robots_busy = False
            self._progress()

    # -- robots.txt --------------------------------------------------------------------------------------------
    async def _robots(self, h: Host) -> None:
        url = f"{h.base}/robots.txt"
        ex = None
        for _ in range(5):  # RFC 9309: follow at least five redirects
            ex = await fetch(self.client, url, self.cfg.user_agent, self.cfg.max_bytes, self.cfg.timeout,
                             accept="text/plain,*/*;q=0.5")
            self.counts["requests"] += 1
            if ex.status is not None:
                self._diagnostic(ex)
            if ex.status in REDIRECT_STATUS and ex.header("location"):
                url = urljoin(url, ex.header("location"))
                continue
            break
        if ex.error is not None or ex.status is None or ex.status >= 500 or ex.status in REDIRECT_STATUS:
            # RFC 9309: an unreachable robots.txt is no permission; the host waits for the next run. A failure
            # of the connection itself (DNS, refused, TLS, private address) is filed under its own reason
            why = ex.error or f"HTTP {ex.status}"
            reason = ex.error if ex.error in HOST_ERRORS else "robots-unreachable"
            detail = f"robots.txt: {why}: {ex.detail}; every URL of {h.key} waits for the next run"
            h.blocked = (reason, detail)
            if reason != "private-address":
                self._problem(url, reason, detail)
            return
        if 400 <= ex.status < 500:
            h.robots = Robots(None, allow_all=True)
        else:
            h.robots = Robots(ex.body.decode("utf-8", "replace"), base=h.base)
        cd = h.robots.crawl_delay(self.cfg.user_agent)
        if cd is not None:
            if cd > self.cfg.max_delay:
                self._problem(url, "crawl-delay-capped", f"Crawl-delay {cd:g} s capped at {self.cfg.max_delay:g} s")
            h.delay = max(h.delay, min(cd, self.cfg.max_delay))
            h.next_start = max(h.next_start, h.last_start + h.delay)
        for s in h.sites:
            found = [u for u in h.robots.sitemaps if discover.same_site(u, s.root)]
            for u in found or [urljoin(s.root, g) for g in self.cfg.sitemap_guesses]:
                self._discover(Job(u, "sitemap", s, via=url if found else "guess", scope=s.root))

    # -- one job -----------------------------------------------------------------------------------------------
    async def _job(self, h: Host, job: Job) -> None:
        if h.blocked is not None:
            reason, detail = h.blocked
            self._fail(job, reason, detail, retry=reason != "private-address")
            return
        if not h.robots.allowed(job.url, self.cfg.user_agent):
            self._fail(job, "robots-disallowed", f"robots.txt disallows {agent_token(self.cfg.user_agent)} here")
            return
        extra = {}
        if job.kind in ("home", "feed", "sitemap"):
            row = cs.feed_row(self.conn, job.url)
            if row is not None and row["etag"]:
                extra["If-None-Match"] = row["etag"]
            if row is not None and row["last_modified"]:
                extra["If-Modified-Since"] = row["last_modified"]
        accept = discover.FEED_TYPES + HTML_TYPES if job.kind in ("feed", "sitemap") else None
        ex = await fetch(self.client, job.url, self.cfg.user_agent, self.cfg.max_bytes, self.cfg.timeout,
                         extra_headers=extra, body_types=HTML_TYPES if job.kind == "page" else None,
                         accept=", ".join(accept) if accept else
                         "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        self.counts["requests"] += 1
        if ex.error is None and ex.status is not None and (ex.status in RETRY_STATUS):
            ex.error, ex.retryable, ex.detail = f"http-{ex.status}", True, f"HTTP {ex.status} {ex.reason_phrase}"
        if ex.error is not None and ex.retryable and job.attempts + 1 < self.cfg.retries:
            if ex.status is not None:
                self._diagnostic(ex)
            job.attempts += 1
            pause = min(self.cfg.max_backoff, self.cfg.backoff * 2 ** (job.attempts - 1))
            pause = max(pause, min(self.cfg.max_backoff, _retry_after(ex.header("retry-after")) or 0.0))
            h.next_start = max(h.next_start, asyncio.get_running_loop().time() + pause)
            h.queue.appendleft(job)
            self.counts["retries"] += 1
            return
        if ex.error is not None:
            if ex.status is not None:
                self._diagnostic(ex)
            self._fail(job, ex.error, ex.detail, retry=ex.retryable)
            return
        if ex.status in REDIRECT_STATUS:
            self._diagnostic(ex)
            self._redirect(job, ex)
            return
        if ex.status == 304:
            self._diagnostic(ex)
            with self.conn:
                cs.save_feed(self.conn, job.url, job.seed.id, job.kind, _now(), 304)
            self.counts["not_modified"] += 1
            return
        if not 200 <= ex.status < 300:
            self._diagnostic(ex)
            if job.kind == "sitemap" and job.via == "guess" and ex.status == 404:
                return  # a guessed sitemap that is not there is no problem
            self._fail(job, f"http-{ex.status}", f"HTTP {ex.status} {ex.reason_phrase}")
            return
        if job.kind == "page" or (job.kind == "probe" and ex.content_type in HTML_TYPES):
            self._archive(job, ex)
        elif job.kind == "home":
            self._home(job, ex)
        else:
            self._links(job, ex)

    def _redirect(self, job: Job, ex: Exchange) -> None:
        loc = ex.header("location")
        if not loc:
            self._fail(job, "redirect-without-location", f"HTTP {ex.status} without a Location header")
            return
        target = urljoin(job.url, loc.strip()).split("#", 1)[0]
        hops = job.hops + [[job.url, ex.status]]
        chain = " -> ".join(f"{u} ({s})" for u, s in hops) + f" -> {target}"
        if urlsplit(target).scheme not in ("http", "https"):
            self._fail(job, "redirect-bad-scheme", chain)
            return
        if target in {u for u, _ in hops}:
            self._fail(job, "redirect-loop", chain)
            return
        if len(hops) >= self.cfg.max_redirects:
            self._fail(job, "too-many-redirects", f"more than {self.cfg.max_redirects} redirects: {chain}")
            return
        self.counts["redirects"] += 1
        nxt = Job(target, job.kind, job.seed, via=job.via, hops=hops, scope=job.scope)
        if job.kind in ("page", "probe"):
            with self.conn:
                cs.mark_url(self.conn, job.url, state="redirected", status=ex.status, fetched_at=ex.warc_date,
                            reason=None, redirect_to=target)
                new = cs.add_urls(self.conn, [self._row(target, job.seed, job.url, hops=hops)], _now())
            if new:
                self._enqueue(nxt)
                return
            # a URL known already (listed too, or reached another way): the page is stored once; a stored
            # redirect path from there that comes back into this chain is a loop
            path = cs.redirect_path(self.conn, target, self.cfg.max_redirects)
            seen = {u for u, _ in hops}
            if any(u in seen for u in path):
                self._fail(job, "redirect-loop", chain + "".join(f" -> {u}" for u in path[1:]))
            self.counts["redirect_to_known"] += 1
        else:
            self._discover(nxt)

    # -- outcomes ----------------------------------------------------------------------------------------------
    def _archive(self, job: Job, ex: Exchange) -> None:
        """A page: request, response and metadata records, then the URL marked fetched in the transaction
        that commits the WARC bytes holding it."""
        meta = {"fetch-time-ms": f"{ex.elapsed * 1000:.0f}", "collect-seed": job.seed.root or job.seed.id}
        if job.via:
            meta["via"] = job.via
        if job.hops:
            meta["redirect-chain"] = " -> ".join(f"{u} ({s})" for u, s in job.hops) + f" -> {job.url} ({ex.status})"
            meta["redirected-from"] = job.hops[0][0]
        path, offset, size = self._write(self.pages, "pages", ex, meta)
        with self.conn:
            cs.mark_url(self.conn, job.url, state="fetched", status=ex.status, fetched_at=ex.warc_date,
                        content_hash=hashlib.sha1(ex.body).hexdigest(), etag=ex.header("etag"),
                        last_modified=ex.header("last-modified"), warc_file=path, warc_offset=offset,
                        attempts=job.attempts + 1, reason=None)
            cs.commit_warc(self.conn, path, size)
        self.counts["pages_fetched"] += 1
        self.counts["bytes"] += len(ex.body)
        if self.bar is not None:
            self.bar.update(1)

    def _home(self, job: Job, ex: Exchange) -> None:
        self._diagnostic(ex)
        feeds = [] if ex.content_type not in HTML_TYPES else \
            discover.home_feeds(ex.body.decode("utf-8", "replace"), job.url)
        with self.conn:
            cs.save_feed(self.conn, job.url, job.seed.id, "home", _now(), ex.status, ex.header("etag"),
                         ex.header("last-modified"), hashlib.sha1(ex.body).hexdigest(), len(feeds))
        for f in feeds:
            self._discover(Job(f, "feed", job.seed, via=job.url, scope=job.scope))

    def _links(self, job: Job, ex: Exchange) -> None:
        """A feed or sitemap (or a named URL that turned out to be one): queue the article URLs it lists."""
        self._diagnostic(ex)
        body = ex.body
        if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served as application/gzip
            try:
                dec = Decoder("gzip", self.cfg.max_bytes)
                dec.feed(body)
                body = dec.body()
            except TooLarge as e:
                self._fail(job, e.reason, str(e))
                return
        text = body.decode("utf-8", "replace")
        digest = hashlib.sha1(body).hexdigest()
        old = cs.feed_row(self.conn, job.url)
        if old is not None and old["content_hash"] == digest:
            with self.conn:
                cs.save_feed(self.conn, job.url, job.seed.id, old["kind"], _now(), ex.status)
            self.counts["unchanged_feeds"] += 1
            return
        if discover.looks_like_sitemap(text, job.url):
            kind = "sitemap"
            children, links = discover.sitemap_links(text, job.url)
        elif discover.looks_like_feed(text):
            kind, children, links = "feed", [], discover.feed_links(text, job.url)
        else:
            reason = {"feed": "broken-feed", "sitemap": "broken-sitemap"}.get(job.kind, "wrong-content-type")
            if job.kind == "sitemap" and job.via == "guess":
                return  # a guessed /sitemap.xml answered with a page: nothing to read, nothing wrong
            self._fail(job, reason, f"not an RSS/Atom/JSON feed or sitemap (Content-Type {ex.content_type!r}, "
                                    f"{len(body)} bytes, starts {text[:60]!r})")
            return
        dates = discover.listed_dates(text, job.url)
        scope = job.scope or job.url
        rows, skipped = [], Counter()
        for link in links:
            if not discover.same_site(link, scope):
                skipped["other_site"] += 1
                continue
            clean = discover.article_url(link)
            if clean is None:
                skipped["not_article"] += 1
                continue
            date = dates.get(link)
            if self.since and date and date < self.since:
                skipped["older_than_since"] += 1
                continue
            rows.append(self._row(clean, job.seed, job.url, date))
        with self.conn:
            new = cs.add_urls(self.conn, rows, _now())
            cs.save_feed(self.conn, job.url, job.seed.id, kind, _now(), ex.status, ex.header("etag"),
                         ex.header("last-modified"), digest, len(rows))
            if job.kind == "probe":
                cs.mark_url(self.conn, job.url, state="feed", status=ex.status, fetched_at=ex.warc_date)
        self.counts.update({f"links_{k}": v for k, v in skipped.items()})
        self.counts["urls_listed"] += len(rows)
        self.counts["urls_new"] += len(new)
        for u in new:
            self._enqueue(Job(u, "page", job.seed, via=job.url, scope=scope))
        for c in children:
            if not discover.same_site(c, scope):
                self.counts["links_other_site"] += 1
                continue
            if self.since and dates.get(c) and dates[c] < self.since:
                continue
            self._discover(Job(c, "sitemap", job.seed, via=job.url, scope=scope))

    def _fail(self, job: Job, reason: str, detail: str, retry: bool = False, record: bool = True) -> None:
        """A job that came to nothing. Pages keep a state (``retry``: tried again by the next run). After
        redirects, the problem is filed under the URL as listed, the chain in its detail."""
        origin = job.hops[0][0] if job.hops else job.url
        if job.hops:
            detail = f"{detail} (after redirects: " + " -> ".join(f"{u} ({s})" for u, s in job.hops) + \
                f" -> {job.url})"
        if job.kind in ("page", "probe"):
            state = "retry" if retry else ("refused" if reason == "private-address" else
                                           "disallowed" if reason == "robots-disallowed" else "failed")
            with self.conn:
                cs.mark_url(self.conn, job.url, state=state, attempts=job.attempts + 1, reason=reason,
                            fetched_at=_now())
                if record:
                    self._problem(origin, reason, detail)
        elif record:
            self._problem(origin, reason, detail)
        self.counts["failed"] += 1

    def _problem(self, url: str, reason: str, detail: str) -> None:
        self.reasons[reason] += 1
        self.store.write_batch([], [Problem(url, "collect", reason, detail, url=url)])

    def _diagnostic(self, ex: Exchange) -> None:
        self._write(self.diag, "diagnostics", ex, None)

    def _write(self, series: WarcSeries, kind: str, ex: Exchange, meta) -> tuple[str, int, int]:
        closed, opened = series.ensure_open()
        if closed or opened:
            with self.conn:
                if closed:
                    cs.close_warc(self.conn, closed)
                if opened:
                    cs.add_warc(self.conn, opened[0], kind, opened[1], _now())
        path, offset, size = series.write(ex, None, meta)
        if kind == "diagnostics":
            with self.conn:
                cs.commit_warc(self.conn, path, size)
        return path, offset, size

    def close(self) -> None:
        for series in (self.pages, self.diag):
            path = series.close()
            if path:
                with self.conn:
                    cs.close_warc(self.conn, path)

    def _progress(self) -> None:
        if self.bar is None:
            return
        queued = [len(h.queue) for h in self.hosts.values() if h.queue]
        self.bar.set_postfix(hosts=len(queued), longest_queue=max(queued, default=0),
                             problems=sum(self.reasons.values()), refresh=False)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        return max(0.0, parsedate_to_datetime(v).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None
