"""Extract phase run after each ingest: relearn the furniture of every site whose page count changed (a block
on >= 3 pages and >= half the site's pages is furniture) and strip it from the site's bodies again.

A body it changes is a new body version: in the same transaction the old body is kept (store/furniture.py)
when a stored copy's spans index into it, so those spans stay true; the changed body hash makes the next trace
index, align and decide the page again, and the copies it then writes name the new version."""
from __future__ import annotations

from datetime import datetime, timezone

from ..records import content_hash
from ..store import furniture as furniture_store
from . import furniture as fm


def relearn(conn, force: bool = False) -> dict[str, int]:
    """{site: furniture blocks learned} for the sites relearned; one transaction per site.

    A site's block counts are kept (store/furniture.py ``furniture_counts``) up to the article key its last
    relearn reached, so a relearn reads only the pages added since: it folds their blocks into the counts, takes
    the blocks now over the threshold, and strips the new pages; every page of the site is stripped again only
    when the learned set or the lone-page status changed (or the site was never counted, or ``force``).  The
    result is the same as learning from all the site's pages (tests/test_incremental.py)."""
    out = {}
    todo = furniture_store.sites_to_relearn(conn, force)
    lone = [(site, npages) for site, npages in todo if npages < fm.MIN_PAGES]
    if lone:
        # nothing can be learned from fewer pages, and the bodies are the lone-page bodies extraction
        # already made (furniture.lone_page_body of the same blocks and the markup cues only the page has, so
        # even ``force`` keeps them; re-extract to apply another model): recorded as seen, not computed again,
        # in one transaction for all of them (a commit per site cost a disk sync per site)
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with conn:
            for site, npages in lone:
                furniture_store.replace_learned(conn, site, {}, npages, ts)
                out[site] = 0
    for site, npages in todo:
        if npages < fm.MIN_PAGES:
            continue
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with conn:
            state = None if force else furniture_store.site_state(conn, site)
            if state is None:
                furniture_store.forget_counts(conn, site)
            mark, counted = state or (-1, 0)
            new = furniture_store.site_bodies_after(conn, site, mark)
            furniture_store.add_counts(conn, site, block_counts([blocks for _, _, blocks, _, _ in new]))
            n = counted + len(new)
            learned = furniture_store.counted_at_least(conn, site, need(n))
            hashes = set(learned)
            whole = (state is None or counted < fm.MIN_PAGES or npages < fm.MIN_PAGES
                     or hashes != furniture_store.learned_hashes(conn, site))
            rows = furniture_store.site_bodies(conn, site) if whole else [r[1:] for r in new]
            furniture_store.replace_learned(conn, site, learned, npages, ts)
            for page_id, blocks, body, body_hash in rows:
                stripped = "\n\n".join(fm.strip(blocks, hashes))
                if stripped != body:
                    furniture_store.replace_body(conn, page_id, body, body_hash, stripped, content_hash(stripped), ts)
            furniture_store.set_state(conn, site, max([mark] + [r[0] for r in new]), n)
        out[site] = len(learned)
    return out


def need(n: int) -> int:
    """Pages a block must be on to be the furniture of a site of ``n`` pages (as ``furniture.learn``)."""
    return max(fm.MIN_PAGES, int(n * fm.MIN_SHARE + 0.999)) if n > fm.MIN_PAGES else fm.MIN_PAGES


def block_counts(pages_blocks: list[list[str]]) -> dict[str, tuple[str, int]]:
    """{block hash: (first text, pages)} of the short blocks of some pages (each counted once per page)."""
    out: dict[str, tuple[str, int]] = {}
    for blocks in pages_blocks:
        for h in {fm.block_hash(b): b for b in reversed(blocks) if len(b) <= fm.MAX_FURNITURE_CHARS}.items():
            t, c = out.get(h[0], (h[1], 0))
            out[h[0]] = (t, c + 1)
    return out
