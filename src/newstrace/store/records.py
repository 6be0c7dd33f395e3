"""The typed rows of the trace's table families, defined once: every stage that writes or reads a copy, a
story, an aligned pair or a credit uses these classes and these vocabularies (enums), never a bare dict or a
spelled-out string.

Enums subclass ``str``, so a member is stored, compared and JSON-encoded as its plain value
(``Credited.NAME_LINK == "name+link"``); reading an unknown value from the database raises ``ValueError``.

Articles are named by their **article key** (``ArticleKey``, ``articles.aid``: an integer given once when the
article is stored and never changed, the same in every stage and every backend); pages and what the web
shows are named by ``page_id``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

import orjson

ArticleKey = int   # articles.aid (migration 0015_article_key)


class CopyKind(str, Enum):
    """How a copy relates to its immediate source (``copies.kind``)."""
    FULL = "full"
    PARTIAL = "partial"
    EDITED = "edited"
    COMPILATION = "compilation"
    CHAIN = "chain"
    DUPLICATE = "duplicate"       # two pages of one site carrying the same text
    TRANSLATION = "translation"


class Credited(str, Enum):
    """Whether a copy credits its source (``copies.credited``): the one credit vocabulary."""
    NAME = "name"
    LINK = "link"
    NAME_LINK = "name+link"
    NONE = "none"
    WRONG = "wrong"      # credits a site that is not in the copy's line of sources

    @classmethod
    def counts(cls, value: Any) -> bool:
        """True when ``value`` (a member or its stored string) credits the source correctly."""
        return value in CREDITED


CREDITED = frozenset({Credited.NAME, Credited.LINK, Credited.NAME_LINK})


class CreditForm(str, Enum):
    """How a page states a credit (``credits.form``, ``copies.credited_to.form``)."""
    ORIGINAL_SOURCE = "original-source"
    ORIGINALLY_PUBLISHED = "originally-published"
    FIRST_APPEARED = "first-appeared"
    REPUBLISHED = "republished"
    SOURCE = "source"
    VIA = "via"
    HAT_TIP = "h/t"
    READ_MORE = "read-more"
    COPYRIGHT = "copyright"
    META_ORIGINAL_SOURCE = "meta-original-source"
    META_SYNDICATION_SOURCE = "meta-syndication-source"
    CANONICAL = "canonical"
    BYLINE = "byline"
    INLINE = "inline"        # a credit phrase left inside the body (trace/evidence.inline_credits)
    LINK = "link"            # a plain link to a page of the story
    STATEMENT = "statement"  # a stored credit without a form (older stores)


class PairMethod(str, Enum):
    """How an aligned pair was found (``trace_pairs.method``)."""
    ALIGN = "align"
    TRANSLATION = "translation"


class EvidenceKind(str, Enum):
    """One reason in a copy's direction or parent decision (``copies.evidence[].kind``)."""
    CANONICAL = "canonical"
    CREDIT_LINK = "credit-link"
    CREDIT_NAME = "credit-name"
    HYPERLINK = "hyperlink"
    REFERRAL_TAG = "referral-tag"
    FOREIGN_IDENTIFIERS = "foreign-identifiers"
    MEDIA_HOTLINK = "media-hotlink"
    INBODY_LINKS = "inbody-links"
    CONTAINMENT = "containment"
    COMPILATION = "compilation"
    HEADLINE = "headline"
    CREDIT_CARRIED = "credit-carried"
    DATES = "dates"
    CREDITED_DATE = "credited-date"  # the original source's date as a copy's credit gives it
    BYLINE_HOME = "byline-home"
    TIEBREAK = "tiebreak"
    ORDER = "order"
    PARENT = "parent"


class Role(str, Enum):
    """A page's place in a story (``story_members.role``)."""
    ORIGIN = "origin"
    COPY = "copy"


@dataclass(frozen=True)
class Credit:
    """A credit statement: who a page names as its source, and how (``credits`` rows, ``copies.credited_to``)."""
    name: str | None
    url: str | None
    form: CreditForm

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "form": self.form.value}


@dataclass(frozen=True)
class Evidence:
    """One weighted reason of a decision (``copies.evidence``)."""
    kind: EvidenceKind
    detail: str
    weight: float


@dataclass
class Pair:
    """Two articles (a < b) aligned on two body versions (``trace_pairs``); ``result`` is the alignment as
    JSON text (spans a->b, coverage, ...; see trace/align.Alignment.as_dict) when ``linked``."""
    a: ArticleKey
    b: ArticleKey
    a_hash: str | None
    b_hash: str | None
    linked: bool
    method: PairMethod
    result: str | None

    def row(self) -> tuple:
        return (self.a, self.b, self.a_hash, self.b_hash, int(self.linked), self.method.value, self.result)


@dataclass
class Copy:
    """A page that copies another (``copies``): pages named by page_id, spans into both stored bodies."""
    copy_id: str
    source_id: str
    origin_id: str
    kind: CopyKind
    language_pair: str
    spans: list[list[int]]
    shared_words: int
    coverage_copy: float
    coverage_source: float
    credited: Credited
    credited_to: Credit | None
    confidence: float
    evidence: list[Evidence]
    changes: dict[str, Any]
    story_id: str | None = None
    copy_hash: str | None = None     # body versions the spans index into (articles.body_hash, body_versions)
    source_hash: str | None = None


@dataclass
class StoryMember:
    """A page of a story (``story_members``)."""
    story_id: str
    page_id: str
    role: Role
    kind: CopyKind | None
    parent_id: str | None
    published: str | None
    lag_hours: float | None


@dataclass
class Story:
    """An origin and every page copying it, directly or along a chain (``stories``)."""
    story_id: str
    origin_id: str
    title: str | None
    size: int
    sites: int
    languages: list[str]
    first_seen: str | None
    last_seen: str | None
    credit_rate: float | None
    members: list[StoryMember] = field(default_factory=list)


def dumps(x: Any) -> str:
    """Compact JSON of a record's JSON columns (orjson, several times faster than json on the trace's many small
    records; json for what orjson does not take, such as non-string keys)."""
    try:
        return orjson.dumps(x).decode()
    except TypeError:
        return json.dumps(x, ensure_ascii=False, separators=(",", ":"))


def loads(s: str | bytes) -> Any:
    return orjson.loads(s)


class PendingDoc(NamedTuple):
    """An article the trace has to index: new, or its body changed since it was indexed."""
    key: ArticleKey
    page_id: str
    body_hash: str | None
    site: str


class IndexedDoc(NamedTuple):
    """A ``trace_docs`` row: an article's MinHash signature and band keys (int64 bytes) as indexed."""
    rid: ArticleKey
    page_id: str
    site: str
    body_hash: str | None
    words: int
    minhash: bytes | None
    paragraphs: int
    indexed_at: str | None
    keys: bytes


class EdgeKind(str, Enum):
    """What joins two sites (``site_edges.kind``)."""
    COPY = "copy"              # site_a copies from site_b
    IDENTIFIER = "identifier"  # they share identifiers
    SHARED = "shared"          # their pages carry the same embedded posts, quotes or captions (weak, undirected)


@dataclass
class SiteEdge:
    """An edge of the site network (``site_edges``); ``detail`` is what the web and exports show."""
    site_a: str
    site_b: str
    kind: EdgeKind
    weight: float
    strong: bool
    detail: dict[str, Any]


@dataclass
class SiteGroup:
    """A site's operator group (sites joined by strong shared identifiers, ``site_groups``)."""
    site: str
    group_id: str
    evidence: list[dict[str, Any]]
