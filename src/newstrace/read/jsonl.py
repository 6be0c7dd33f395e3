"""JSONL exports: one page per line, ``{"url", "html" | "text", "site"?, "title"?, "byline"?, "published"?,
"fetched_at"?}``. Given fields win over extracted ones. A line that is not JSON becomes a Problem."""
from __future__ import annotations

import json
import zlib
from typing import Iterator

from ..records import Page, Problem

DECLARED = ("site", "title", "byline", "published", "modified", "language", "publisher", "region", "theme", "tags")


def read_jsonl(path: str) -> Iterator[Page | Problem]:
    from . import MAX_READ_BYTES, open_maybe_gzip

    try:
        fh = open_maybe_gzip(path)
        for lineno, line in enumerate(_lines(fh, MAX_READ_BYTES), 1):
            src = f"{path}:{lineno}"
            if line is None:
                yield Problem(src, "read", "too-large", f"line longer than {MAX_READ_BYTES} bytes "
                              "(limit NEWSTRACE_MAX_READ_BYTES)")
                continue
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except (ValueError, UnicodeDecodeError) as e:
                yield Problem(src, "read", "bad-json", str(e)[:300])
                continue
            if not isinstance(rec, dict):
                yield Problem(src, "read", "bad-json", "line is JSON but not an object")
                continue
            html, text = rec.get("html"), rec.get("text")
            if not isinstance(html, str) and not isinstance(text, str):
                yield Problem(src, "read", "no-content", "record has neither 'html' nor 'text'", url=rec.get("url"))
                continue
            declared = {k: rec[k] for k in DECLARED if rec.get(k) not in (None, "", [])}
            yield Page(
                source=src,
                url=rec.get("url") if isinstance(rec.get("url"), str) else None,
                raw=html.encode("utf-8", "surrogatepass") if isinstance(html, str) else None,
                text=text if not isinstance(html, str) else None,
                content_type="text/html; charset=utf-8" if isinstance(html, str) else "text/plain",
                fetched_at=rec.get("fetched_at"),
                declared=declared,
            )
    except (OSError, EOFError, zlib.error) as e:
        yield Problem(path, "read", "corrupt-gzip", f"{type(e).__name__}: {e}")


def _lines(fh, limit: int) -> Iterator[bytes | None]:
    """The file's lines, None for a line longer than ``limit`` (read past in chunks, never held whole)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
            continue
        yield line
