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


__all__ = ["__version__", "ingest", "articles", "article"]
