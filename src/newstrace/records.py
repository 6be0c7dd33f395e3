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
    def page_id(self) -> str:
        return content_hash(self.url or self.source, self.raw, self.text)


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
