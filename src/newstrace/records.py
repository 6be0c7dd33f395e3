"""The records that flow between stages: read -> extract -> store -> trace/serve.

Plain dataclasses, picklable, so the same stage functions run in a local process
pool or inside a Spark ``mapPartitions``.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def content_hash(*parts: bytes | str | None) -> str:
    """Stable sha1 over the given parts (the primary key of pages)."""
    h = hashlib.sha1()
    for p in parts:
        if p is None:
            p = b""
        if isinstance(p, str):
            p = p.encode("utf-8", "surrogatepass")
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


@dataclass
class Page:
    """One captured page as a reader found it. Readers never parse article content."""

    source: str  # where it came from: a file path, "archive.warc.gz#1234", "export.jsonl:17"
    url: str | None
    raw: bytes | None = None  # HTML bytes as served
    text: str | None = None  # a text/Markdown dump instead of HTML
    content_type: str | None = None  # HTTP Content-Type, when known
    fetched_at: str | None = None  # ISO 8601 crawl time, when known
    declared: dict[str, Any] = field(default_factory=dict)  # given metadata (JSONL fields); wins over extraction

    @property
    def content_sha(self) -> str:
        """The page's bytes (or text) alone: the same whatever path, folder, symlink or archive held them."""
        return content_hash(self.raw, self.text)

    @property
    def read_url(self) -> str:
        """The URL the reader found: the container's (WARC, JSONL, ``--url``), else the mirrored path's."""
        return self.url or self.declared.get("path_url") or self.source

    @property
    def read_key(self) -> str:
        """Key of (read URL, content): a page read the same way again is skipped before extraction."""
        return content_hash(self.read_url, self.content_sha)

    @property
    def page_id(self) -> str:
        """Identity before extraction (the read URL plus content); :func:`page_identity` refines the URL
        with the page's canonical once extraction has read it."""
        return page_id_of(self.read_url, self.content_sha)


def page_id_of(url: str, content_sha: str) -> str:
    """A page is its URL plus its content: never the path it was read from."""
    return content_hash("page", url, content_sha)


def page_identity(page: "Page", article: "Article | None") -> tuple[str, str]:
    """(identity key, page_id). The URL is the canonical one when the page states one on its own site, else
    the URL extraction settled on (the container's, or the mirrored path's); its key ignores scheme, www.,
    a trailing slash or ``.html`` (mirrors add one to ``/a/b/``), fragments and tracking parameters. Since
    the content must be the same bytes too, that leniency cannot merge two different pages: the same bytes
    read as a file from any path spelling, through a symlink, from a copied folder or from a WARC get one
    page_id; changed bytes at the same URL get another one (a new version of the page)."""
    from .extract.urls import site_of

    url = article.url if article is not None else page.read_url
    canon = article.canonical_url if article is not None else None
    if canon and canon.startswith(("http://", "https://")) and site_of(canon) == site_of(url):
        url = canon
    key = identity_key(url)
    return key, page_id_of(key, page.content_sha)


def identity_key(url: str) -> str:
    """The URL part of a page's identity (see :func:`page_identity`)."""
    from .extract.urls import url_key

    key = url_key(url) or url
    path, q, query = key.partition("?")
    for ext in (".html", ".htm"):
        if path.endswith(ext):
            path = path[: -len(ext)]
            break
    return path + q + query


@dataclass
class Problem:
    """Input that could not be (fully) used, with a reason code a user can search for."""

    source: str
    stage: str  # read | extract | store | trace
    reason: str  # short code: corrupt-gzip, binary-data, no-body, too-deep, ...
    detail: str = ""
    url: str | None = None
    page_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Article:
    """A page after extraction. ``blocks`` are the paragraphs before furniture stripping."""

    page_id: str
    url: str
    source: str
    site: str
    canonical_url: str | None = None
    publisher: str | None = None
    title: str | None = None
    byline: str | None = None
    published: str | None = None
    modified: str | None = None
    fetched_at: str | None = None
    language: str | None = None
    description: str | None = None
    region: str | None = None
    theme: str | None = None
    sections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # body paragraphs before site-furniture removal
    body: str = ""  # paragraphs joined by "\n\n", furniture removed
    credits: list[dict[str, Any]] = field(default_factory=list)  # {name, url, form, text}
    identifiers: list[dict[str, Any]] = field(default_factory=list)  # {kind, value, where}
    media: list[dict[str, Any]] = field(default_factory=list)  # {type, url}
    outlinks: list[dict[str, Any]] = field(default_factory=list)  # {href, text, in_body}
    alternates: list[dict[str, Any]] = field(default_factory=list)  # {lang, href}
    original_source: str | None = None  # original-source / syndication-source meta
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
