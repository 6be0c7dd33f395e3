"""The collector's settings in one object: politeness, limits, safety. Defaults are those of a polite
research crawler (one request at a time per host, one second apart, robots.txt obeyed)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import __version__

USER_AGENT = f"newstrace/{__version__} (research news collector; +https://pypi.org/project/newstrace/)"


@dataclass
class CollectConfig:
    user_agent: str = USER_AGENT
    delay: float = 1.0  # seconds between request starts on one host (robots.txt Crawl-delay raises it)
    max_delay: float = 30.0  # a Crawl-delay above this is capped here (and the cap recorded as a problem)
    host_concurrency: int = 1  # requests in flight per host
    total_concurrency: int = 32  # requests in flight overall
    timeout: float = 30.0  # whole response (headers and body), so a slow-loris server cannot hold a slot
    connect_timeout: float = 10.0
    max_bytes: int = 5_000_000  # decoded body; beyond it the response is dropped as too-large
    max_redirects: int = 10
    retries: int = 3  # tries per URL and run on 429, 5xx and network errors
    backoff: float = 2.0  # first pause after a retryable failure, doubled each time; Retry-After wins
    max_backoff: float = 120.0
    warc_max_bytes: int = 1_000_000_000  # rotate WARC files beyond this size
    allow_private: bool = False  # fetch loopback/private/link-local addresses the user did not name
    resolve: dict[str, str] = field(default_factory=dict)  # host -> IP (curl --resolve); tests map fixture hosts
    resolve_only: bool = False  # with ``resolve``: any other host is a dns-failure (tests never leave loopback)
    sitemap_guesses: tuple[str, ...] = ("sitemap.xml", "sitemap_index.xml")  # when robots.txt lists none
    max_sitemaps: int = 200  # per seed and run
