"""The ingest run: read -> extract (process pool) -> store, then per-site furniture relearning.

Pages are written in batches, one transaction each; a page whose ``page_id`` is already stored
is skipped before extraction, so a killed run resumes where it stopped and a repeated run
changes nothing.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from collections import Counter
from typing import Any, Iterable, Iterator

from .extract import extract
from .read import iter_inputs, read_path
from .records import Article, Page, Problem
from .store import Store

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

BATCH = int(os.environ.get("NEWSTRACE_BATCH", "64"))  # pages per transaction


def _page_meta(page: Page) -> dict[str, Any]:
    return {
        "page_id": page.page_id, "url": page.url or page.declared.get("path_url"), "source": page.source,
        "fetched_at": page.fetched_at, "content_type": page.content_type,
        "size": len(page.raw) if page.raw is not None else len(page.text or ""),
    }


def _work(page: Page) -> tuple[dict[str, Any], Article | None, list[Problem]]:
    meta = _page_meta(page)
    res = extract(page)
    if isinstance(res, Problem):
        return meta, None, [res]
    return meta, res, []


def _pages(paths: list[str], url: str | None, known: set[str], counts: Counter) -> Iterator[Page | Problem]:
    for path in iter_inputs(paths):
        counts["files"] += 1
        for rec in read_path(path, url=url):
            if isinstance(rec, Problem):
                yield rec
                continue
            counts["pages_read"] += 1
            pid = rec.page_id
            if pid in known:
                counts["skipped_known"] += 1
                continue
            known.add(pid)
            yield rec


def ingest(
    paths: Iterable[str] | str,
    db: str = "news.db",
    url: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    link: bool = True,
    analyze: bool = True,
) -> dict[str, Any]:
    """Ingest files or folders into the database at ``db``. Returns a summary dict.

    ``url`` gives the URL of a single text/HTML file. ``workers`` defaults to the number of cores.
    ``link`` also traces the new articles against the store (copies, stories) when trace is available.
    ``analyze`` then runs the analyze stage (claims) on new or changed bodies, copies after their sources.
    """
    if isinstance(paths, str):
        paths = [paths]
    paths = list(paths)
    for p in paths:
        if not os.path.exists(p):
            raise FileNotFoundError(f"[E001] input not found: {p}")
    workers = workers or os.cpu_count() or 1
    store = Store(db)
    counts: Counter = Counter()
    reasons: Counter = Counter()
    known = store.known_page_ids()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="page", dynamic_ncols=True, file=sys.stderr, smoothing=0.1)

    def results() -> Iterator[tuple[dict, Article | None, list[Problem]] | Problem]:
        src = _pages(paths, url, known, counts)
        pages_only = (r for r in src if not _is_problem(r, pending))
        if workers > 1:
            _warm_up()  # forked workers inherit the loaded modules and models instead of loading their own
            ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
            with ctx.Pool(workers) as pool:
                yield from pool.imap(_work, pages_only, chunksize=4)
        else:
            yield from map(_work, pages_only)

    pending: list[Problem] = []
    batch: list = []
    try:
        for meta, art, probs in results():
            batch.append((meta, art, probs))
            if art is not None:
                counts["articles"] += 1
            for p in probs:
                reasons[p.reason] += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(problems=sum(reasons.values()) + len(pending), refresh=False)
            if len(batch) >= BATCH:
                store.write_batch(batch, _drain(pending, reasons))
                batch = []
        store.write_batch(batch, _drain(pending, reasons))
    finally:
        if bar is not None:
            bar.close()
    store.relearn_furniture()
    summary: dict[str, Any] = {
        "db": db,
        "files": counts["files"],
        "pages_read": counts["pages_read"],
        "new_articles": counts["articles"],
        "skipped_already_stored": counts["skipped_known"],
        "new_problems": sum(reasons.values()),
        "problems_by_reason": dict(reasons.most_common()),
    }
    if link:
        from .trace import link_new

        summary["trace"] = link_new(store)
    if analyze:
        from .analyze.stage import analyze_store

        summary["analyze"] = analyze_store(store, workers=workers)
    summary["store"] = store.stats()
    store.close()
    return summary


def _warm_up() -> None:
    """Import trafilatura and load the language-id model once, before the pool forks."""
    import trafilatura  # noqa: F401

    try:
        import py3langid

        py3langid.classify("warm up the language identifier")
    except Exception:  # noqa: BLE001 - language id is optional
        pass


def _is_problem(rec, pending: list[Problem]) -> bool:
    if isinstance(rec, Problem):
        pending.append(rec)
        return True
    return False


def _drain(pending: list[Problem], reasons: Counter) -> list[Problem]:
    out = pending[:]
    pending.clear()
    for p in out:
        reasons[p.reason] += 1
    return out
