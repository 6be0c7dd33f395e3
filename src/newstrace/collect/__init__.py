"""collect: sites, feeds, sitemaps and URL lists -> polite fetches -> WARC files -> ingest.

``collect(targets, warc_dir, db)`` discovers article URLs (``discover``), fetches them under robots.txt and
per-host limits (``crawler``, ``fetch``, ``net``), writes WARC/1.1 (``warcwrite``), keeps its state in the
store (``store.crawl``: a killed run resumes, a daily run fetches only what is new), then ingests the new
WARC files with the ordinary pipeline, so each page's fetch time is its WARC-Date.
"""
from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, Iterable

from ..store import Store
from ..store import crawl as cs
from .config import CollectConfig
from .crawler import Crawler
from .targets import parse_targets
from .warcwrite import cut_to

__all__ = ["collect", "CollectConfig"]


def collect(targets: Iterable[str] | str, warc_dir: str, db: str = "news.db", since: str | None = None,
            max_pages: int | None = None, config: CollectConfig | None = None, progress: bool = False,
            ingest: bool = True, workers: int | None = None) -> dict[str, Any]:
    """Collect ``targets`` (sites, URLs, URL list files) into WARC files under ``warc_dir`` and the store at
    ``db``. ``since`` (ISO date) skips URLs whose feed/sitemap date is older; ``max_pages`` bounds the pages
    fetched by this run (the rest stay queued for the next). Returns a summary dict."""
    if isinstance(targets, str):
        targets = [targets]
    seeds = parse_targets(list(targets))
    if not seeds:
        raise ValueError("[E152] nothing to collect: give sites, URLs or URL list files")
    cfg = config or CollectConfig()
    since_iso = _since(since)
    os.makedirs(warc_dir, exist_ok=True)
    store = Store(db)
    cut = _recover(store)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="page", desc="collect", dynamic_ncols=True, file=sys.stderr)
    crawler = Crawler(store, seeds, warc_dir, cfg, since=since_iso, max_pages=max_pages, bar=bar)
    try:
        crawler.plan()
        asyncio.run(crawler.run())
    finally:
        crawler.close()
        if bar is not None:
            bar.close()
    c = crawler.counts
    summary: dict[str, Any] = {
        "db": db, "warc_dir": warc_dir, "seeds": len(seeds), "hosts": len(crawler.hosts),
        "requests": c["requests"], "pages_fetched": c["pages_fetched"], "bytes": c["bytes"],
        "urls_listed": c["urls_listed"], "urls_new": c["urls_new"], "not_modified": c["not_modified"],
        "unchanged_feeds": c["unchanged_feeds"], "redirects": c["redirects"], "retries": c["retries"],
        "left_for_next_run": c["left_for_next_run"], "bytes_cut_from_killed_run": cut,
        "skipped_links": {k[6:]: v for k, v in c.items() if k.startswith("links_")},
        "new_problems": sum(crawler.reasons.values()), "problems_by_reason": dict(crawler.reasons.most_common()),
        "url_states": cs.url_states(store.conn, [s.id for s in seeds]),
    }
    paths = cs.uningested_warcs(store.conn)
    store.close()
    summary["warc_files"] = paths
    if ingest and paths:
        from ..pipeline import ingest as run_ingest

        summary["ingest"] = run_ingest(paths, db=db, workers=workers, progress=progress)
        with Store(db) as st, st.conn:
            cs.mark_ingested(st.conn, paths)
    return summary


def _recover(store: Store) -> int:
    """Cut WARC files a killed run left open back to their committed length; returns the bytes dropped."""
    dropped = 0
    for row in cs.open_warcs(store.conn):
        dropped += cut_to(row["path"], row["committed"])
        with store.conn:
            cs.close_warc(store.conn, row["path"])
    return dropped


def _since(value: str | None) -> str | None:
    if not value:
        return None
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise ValueError(f"[E153] --since wants an ISO date (2026-11-01), not {value!r}") from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
