"""newstrace: how news content moves and what it claims.

Public API::

    import newstrace
    summary = newstrace.ingest(["pages/"], db="news.db")
    for article in newstrace.articles("news.db"):
        ...
"""
from __future__ import annotations

from typing import Any, Iterator

__version__ = "0.1.0"


def ingest(paths, db: str = "news.db", **kw) -> dict[str, Any]:
    """Read files/folders into the database ``db``; see :func:`newstrace.pipeline.ingest`."""
    from .pipeline import ingest as _ingest

    return _ingest(paths, db=db, **kw)


def articles(db: str = "news.db", site: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield stored articles as dicts (credits, identifiers, media and outlinks included)."""
    from .store import Store

    with Store(db, readonly=True) as st:
        where, params = ("site=?", (site,)) if site else ("", ())
        yield from st.iter_articles(full=True, where=where, params=params)


def article(url: str, db: str = "news.db") -> dict[str, Any] | None:
    """One stored article by URL (or page id), or None."""
    from .store import Store

    with Store(db, readonly=True) as st:
        return st.get_article(url)


def claims(url: str, db: str = "news.db") -> list[dict[str, Any]]:
    """Claims of one stored article (by URL or page id): kind, source / cue / content as {start, end, text}
    into the stored body (or title, ``part='title'``), resolved source and type, chain, modality, prediction,
    origin (analysed | carried | translated) and ``claim_key`` (the same claim on every page carrying it)."""
    from .store import Store
    from .store.claims import article_claims

    with Store(db, readonly=True) as st:
        art = st.get_article(url)
        return article_claims(st.conn, art["page_id"]) if art else []


def analyze(db: str = "news.db", workers: int | None = None) -> dict[str, Any]:
    """Run the analyze stage over a store built with ``--no-analyze`` (or after a model update)."""
    from .analyze.stage import analyze_store
    from .store import Store

    with Store(db) as st:
        return analyze_store(st, workers=workers)


__all__ = ["__version__", "ingest", "articles", "article", "claims", "analyze"]
