"""The ingest run: read -> extract (process pool) -> store, then per-site furniture relearning.

Pages are written in batches, one transaction each; a page whose ``page_id`` is already stored
is skipped before extraction, so a killed run resumes where it stopped and a repeated run
changes nothing.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
from collections import Counter
from typing import Any, Iterable, Iterator

from .extract import extract
from .read import iter_inputs, read_path
from .records import Article, Page, Problem, page_identity
from .store import Store
from .store.articles import stored_read_keys
from .store.db import open_readonly

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

BATCH = int(os.environ.get("NEWSTRACE_BATCH", "64"))  # pages per transaction


# Per-page limits that bound the memory and time of one extraction (bench/pathological.py measures them):
# a page over MAX_PAGE_BYTES or with more than MAX_TAGS tags is a `too-large` problem (parsing it would take
# about 100x its size in memory); a text over MAX_TEXT_CHARS is cut there, with a `text-cut` problem saying
# so; pages over LARGE_PAGE_BYTES are extracted one at a time across the workers; workers are replaced after
# WORKER_TASKS pages, so the memory a large page left fragmented goes back to the system.
MAX_PAGE_BYTES = int(os.environ.get("NEWSTRACE_MAX_PAGE_BYTES", str(8 * 1024 * 1024)))
MAX_TAGS = int(os.environ.get("NEWSTRACE_MAX_TAGS", "400000"))
MAX_TEXT_CHARS = int(os.environ.get("NEWSTRACE_MAX_TEXT_CHARS", "300000"))   # ~50k words: 6x a long read
LARGE_PAGE_BYTES = 1024 * 1024
WORKER_TASKS = 500
_LARGE = None   # a process-shared semaphore, made before the pool forks


class Interrupted(Exception):
    """Ctrl-C during a run: the message says where it stopped; what was written is kept."""


def _page_meta(page: Page, art: Article | None) -> dict[str, Any]:
    url_key, page_id = page_identity(page, art)
    return {
        "page_id": page_id, "url_key": url_key, "content_sha": page.content_sha, "read_key": page.read_key,
        "url": page.url or page.declared.get("path_url"), "source": page.source,
        "fetched_at": page.fetched_at, "content_type": page.content_type,
        "size": len(page.raw) if page.raw is not None else len(page.text or ""),
    }


def _too_large(page: Page) -> Problem | None:
    """A `too-large` problem when extracting the page would cost more than the per-page limits allow."""
    url = page.url or page.declared.get("path_url")
    if page.raw is not None:
        if len(page.raw) > MAX_PAGE_BYTES:
            return Problem(page.source, "extract", "too-large", f"{len(page.raw)} bytes of HTML (limit "
                           f"NEWSTRACE_MAX_PAGE_BYTES={MAX_PAGE_BYTES})", url=url)
        tags = page.raw.count(b"<")
        if tags > MAX_TAGS:
            return Problem(page.source, "extract", "too-large", f"about {tags} tags (limit NEWSTRACE_MAX_TAGS="
                           f"{MAX_TAGS}): parsing it would take too much memory and time", url=url)
    return None


def _cut_text(page: Page, art: Article) -> Problem | None:
    """Cut an article's paragraphs at MAX_TEXT_CHARS, saying so in a `text-cut` problem."""
    total = sum(len(b) + 2 for b in art.blocks)
    if total <= MAX_TEXT_CHARS:
        return None
    kept, n = [], 0
    for b in art.blocks:
        if n + len(b) > MAX_TEXT_CHARS:
            if not kept:
                kept.append(b[:MAX_TEXT_CHARS])
            break
        kept.append(b)
        n += len(b) + 2
    # the body keeps what extraction made of the kept blocks: its furniture stays out (the body's blocks are
    # the blocks extraction kept, in order)
    body_blocks = art.body.split("\n\n") if art.body else []
    body, j = [], 0
    for orig, b in zip(art.blocks, kept):
        if j < len(body_blocks) and body_blocks[j] == orig:
            body.append(b)
            j += 1
    art.blocks = kept
    art.body = "\n\n".join(body or kept)
    return Problem(page.source, "extract", "text-cut", f"text of {total} characters cut to {len(art.body)} "
                   f"(limit NEWSTRACE_MAX_TEXT_CHARS={MAX_TEXT_CHARS})", url=art.url)


def _work(page: Page) -> tuple[dict[str, Any], Article | None, list[Problem]]:
    big = _too_large(page)
    if big is not None:
        return _page_meta(page, None), None, [big]
    if page.text is not None and len(page.text) > 2 * MAX_TEXT_CHARS:
        page.text = page.text[: 2 * MAX_TEXT_CHARS]   # the cut below says so; no need to split 20 MB first
    size = len(page.raw) if page.raw is not None else len(page.text or "")
    lock = _LARGE if size > LARGE_PAGE_BYTES else None
    if lock is not None:
        lock.acquire()
    try:
        res = extract(page)
    finally:
        if lock is not None:
            lock.release()
    if isinstance(res, Problem):
        return _page_meta(page, None), None, [res]
    cut = _cut_text(page, res)
    return _page_meta(page, res), res, [cut] if cut else []


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops them and reports where it stopped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


KEY_CHUNK = 64    # pages whose read keys are looked up in the store at once


class ReadKeys:
    """The read keys (read URL + content) met before: this run's in memory, the store's looked up a chunk of
    pages at a time (``store.articles.stored_read_keys``), so a run's memory and start-up do not grow with the
    store. Its own read-only connection: the pages are read in the pool's feeding thread."""

    def __init__(self, db: str):
        self.db, self.run, self.conn = db, set(), None

    def unread(self, recs: list[tuple[Page, dict]], counts: Counter) -> Iterator[Page]:
        """The pages of ``recs`` (each with the reading counts as they were when it was read) read neither before
        nor earlier in this run, in order; ``counts`` shows each page's reading counts when it is handed on, so
        the progress follows the pages extracted, not the look-ahead."""
        if not recs:
            return
        if self.conn is None:
            self.conn = open_readonly(self.db)
        stored = stored_read_keys(self.conn, {r.read_key for r, _ in recs} - self.run)
        for rec, at in recs:
            key = rec.read_key
            if key in self.run or key in stored:
                counts["skipped_known"] += 1
                continue
            self.run.add(key)
            dict.update(counts, at)   # (set, not add: Counter.update would add)
            yield rec

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _pages(paths: list[str], url: str | None, known: ReadKeys, counts: Counter) -> Iterator[Page | Problem]:
    buf: list[tuple[Page, dict]] = []
    read = {"files": 0, "pages_read": 0, "bytes_done": 0}   # the reading counts, ahead of ``counts`` by the buffer
    try:
        for path in iter_inputs(paths):
            read["files"] += 1
            for rec in read_path(path, url=url):
                if isinstance(rec, Problem):
                    yield rec
                    continue
                read["pages_read"] += 1
                buf.append((rec, {**read, "file": path, "pos": _offset(rec.source)}))
                if len(buf) >= KEY_CHUNK:
                    yield from known.unread(buf, counts)
                    buf = []
            read["bytes_done"] += _size(path)
        yield from known.unread(buf, counts)
        dict.update(counts, read, pos=0)
    finally:
        known.close()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _offset(source: str) -> int:
    """Position inside an archive (``a.warc.gz#1234``), for the progress of one large file."""
    _, sep, tail = source.rpartition("#")
    return int(tail) if sep and tail.isdigit() else 0


def ingest(
    paths: Iterable[str] | str,
    db: str = "news.db",
    url: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    link: bool = True,
    analyze: bool | str | tuple[str, ...] | None = "claims",
    progress_tty: bool | None = None,
) -> dict[str, Any]:
    """Ingest files or folders into the database at ``db``. Returns a summary dict.

    ``url`` gives the URL of a single text/HTML file. ``workers`` defaults to the number of cores.
    ``link`` also traces the new articles against the store (copies, stories) when trace is available.
    ``progress`` reports on stderr: a bar on a terminal, a line every 10 s otherwise (``progress_tty``
    forces one or the other). Ctrl-C raises :class:`Interrupted` saying where the run stopped.
    ``analyze`` then runs the analyze stage on new or changed bodies, copies after their sources: ``"claims"``
    (the default) claims alone with the tokens-only model, no spaCy parse (spaCy's NER alone costs more than the
    whole ingest: bench/README "Claims (issue 13)"); ``"all"`` or True every component (claims on the parse,
    actors, relations, loaded language); ``"none"``, False or None nothing; a tuple of component names those
    only. What ingest leaves out, ``newstrace analyze`` (:func:`newstrace.analyze.stage.analyze_store`) does.
    """
    global _LARGE
    only = analysis_components(analyze)   # an unknown component name fails before any page is read
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
    known = ReadKeys(str(db))
    bar = None
    if progress:
        from .progress import Progress

        bar = Progress(sum(_size(f) for f in iter_inputs(paths)), tty=progress_tty)

    def results() -> Iterator[tuple[dict, Article | None, list[Problem]] | Problem]:
        global _LARGE
        src = _pages(paths, url, known, counts)
        pages_only = (r for r in src if not _is_problem(r, pending))
        if workers > 1:
            _warm_up()  # forked workers inherit the loaded modules and models instead of loading their own
            # what is loaded now is out of the collector's way while the pool runs: its full passes in the workers
            # no longer walk the modules and models (nor touch, so copy, the memory they share with this process)
            gc.freeze()
            try:
                ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
                _LARGE = ctx.BoundedSemaphore(1)
                with ctx.Pool(workers, initializer=_worker_init, maxtasksperchild=WORKER_TASKS) as pool:
                    yield from pool.imap(_work, pages_only, chunksize=4)
            finally:
                gc.unfreeze()   # (a process that ingests again later collects them as before)
        else:
            yield from map(_work, pages_only)

    pending: list[Problem] = []
    batch: list = []
    new: Counter = Counter()
    phase = "reading and extracting pages"
    try:
        for meta, art, probs in results():
            batch.append((meta, art, probs))
            for p in probs:
                reasons[p.reason] += 1
            if bar is not None:
                bar.update(counts["bytes_done"] + counts["pos"], counts["pages_read"],
                           sum(reasons.values()) + len(pending))
            if len(batch) >= BATCH:
                new.update(store.write_batch(batch, _drain(pending, reasons)))
                batch = []
        new.update(store.write_batch(batch, _drain(pending, reasons)))
        phase = "relearning site furniture"
        if bar is not None:
            bar.update(counts["bytes_done"], counts["pages_read"], sum(reasons.values()))
            bar.phase(f"ingest: {counts['pages_read']} pages read; relearning site furniture")
        store.relearn_furniture()
        summary: dict[str, Any] = {
            "db": db,
            "files": counts["files"],
            "pages_read": counts["pages_read"],
            "new_pages": new["pages"],
            "new_articles": new["articles"],
            # read the same way before (skipped before extraction), or the same page (URL and content) read
            # from another path, folder, symlink or archive
            "skipped_already_stored": counts["skipped_known"] + new["already_stored"],
            "new_problems": new["problems"],
            "problems_met": sum(reasons.values()),
            "problems_by_reason": dict(reasons.most_common()),
        }
        if link:
            from .trace import link_new

            phase = "linking the new articles (trace)"
            if bar is not None:
                bar.phase(f"trace: linking {new['articles']} new articles against the store")
            summary["trace"] = link_new(store)
            if bar is not None:
                bar.phase("trace: done")
        if only != ():
            from .analyze.stage import analyze_store

            what = "all analyses" if only is None else ", ".join(only)
            phase = f"analysing the new articles ({what})"
            if bar is not None:
                bar.phase(f"analyze: {what} of new and changed articles")
            summary["analyze"] = analyze_store(store, workers=workers, only=only)
    except KeyboardInterrupt:
        where = (f"while {phase}, in {counts['file'] or 'the inputs'}, after {counts['pages_read']} pages read "
                 f"and {new['pages']} new pages stored" if phase.startswith("reading") else f"while {phase}, "
                 f"after all {counts['pages_read']} pages were read and stored")
        raise Interrupted(f"ingest interrupted {where}. Everything stored so far is kept; run the same command "
                          "again to resume (stored pages are skipped).") from None
    finally:
        if bar is not None:
            bar.close()
    summary["store"] = store.stats()
    store.close()
    return summary


def analysis_components(analyze: bool | str | tuple[str, ...] | list[str] | None) -> tuple[str, ...] | None:
    """``ingest``'s ``analyze`` as the analyze stage's ``only``: None for every component, ``()`` for none, else
    the component names (an unknown name is a ConfigError [E131])."""
    from .analyze.stage import check_only

    if analyze is None or analyze is False or analyze == "none":
        return ()
    if analyze is True or analyze == "all":
        return None
    return check_only((analyze,) if isinstance(analyze, str) else tuple(analyze))


# one small page that takes extraction down its lazy paths (a mojibake repair, htmldate's date search, the byline
# search in the tree, the lone-page model): what it imports, loads and compiles, the forked workers inherit
WARM_UP_PAGE = (
    b"<html><head><title>Warm up | Example</title></head><body><div class='post'><h1>Warm up</h1>"
    b"<p class='byline'>Jane Roe</p><p>The council met on 15 June 2021 and there\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s "
    b"a plan for the old bridge, its members said after a long evening of debate in the town hall.</p>"
    b"<p>Follow us on Instagram at @example. Region: Europe</p><p>Source: Example Wire</p>"
    b"<a href='https://www.paypal.me/example'>Donate</a></div></body></html>")


def _warm_up() -> None:
    """Before the pool forks: import what extraction imports lazily (trafilatura, htmldate, ftfy), load the
    language-id and lone-page models and fill the regex caches, once, by extracting a small page, instead of
    in every worker (and again in each replacement worker)."""
    import trafilatura  # noqa: F401

    try:
        from .extract import langid

        langid.classify("warm up the language identifier")   # the model from its cached copy (extract/langid.py)
    except Exception:  # noqa: BLE001 - language id is optional
        pass
    extract(Page("warm-up", "https://example.org/2021/06/15/warm-up.html", raw=WARM_UP_PAGE))


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
