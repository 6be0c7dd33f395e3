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
    """{site: furniture blocks learned} for the sites relearned; one transaction per site."""
    out = {}
    for site, npages in furniture_store.sites_to_relearn(conn, force):
        if npages < fm.MIN_PAGES and not force:
            # nothing can be learned from fewer pages, and the bodies are the lone-page bodies extraction
            # already made (furniture.lone_page_body of the same blocks): recorded as seen, not computed again
            with conn:
                furniture_store.replace_learned(conn, site, {}, npages,
                                                datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
            out[site] = 0
            continue
        rows = furniture_store.site_bodies(conn, site)
        learned = fm.learn([blocks for _, blocks, _, _ in rows])
        hashes = set(learned)
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with conn:
            furniture_store.replace_learned(conn, site, learned, npages, ts)
            for page_id, blocks, body, body_hash in rows:
                new = "\n\n".join(fm.strip(blocks, hashes, lone=npages < fm.MIN_PAGES))
                if new != body:
                    furniture_store.replace_body(conn, page_id, body, body_hash, new, content_hash(new), ts)
        out[site] = len(learned)
    return out
