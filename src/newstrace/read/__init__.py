"""Readers: turn files and folders into :class:`Page` records (or :class:`Problem` records).

One module per format. Readers never parse article content; they only find pages,
their URL when the container states it, their bytes and declared metadata.
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Iterator

from ..records import Page, Problem
from .html import read_html_file
from .jsonl import read_jsonl
from .text import read_text_file
from .warc import read_warc

HTML_EXT = (".html", ".htm", ".xhtml", ".shtml")
TEXT_EXT = (".txt", ".md", ".markdown", ".text")
JSONL_EXT = (".jsonl", ".ndjson", ".json")
WARC_EXT = (".warc", ".arc")

__all__ = ["iter_inputs", "read_path", "kind_of", "open_maybe_gzip"]


def kind_of(path: str) -> str | None:
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for kind, exts in (("warc", WARC_EXT), ("html", HTML_EXT), ("jsonl", JSONL_EXT), ("text", TEXT_EXT)):
        if name.endswith(exts):
            return kind
    return None


def iter_inputs(paths: list[str]) -> Iterator[str]:
    """Expand files and folders (recursively, sorted) into input files newstrace can read."""
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    full = os.path.join(root, f)
                    if kind_of(full):
                        yield full
        else:
            yield p


def read_file_bytes(path: str, limit: int | None = None) -> bytes:
    """Whole file, gunzipped when it ends in .gz. Raises on corrupt gzip."""
    if path.lower().endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    with open(path, "rb") as fh:
        return fh.read() if limit is None else fh.read(limit)


def open_maybe_gzip(path: str):
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


def read_path(path: str, url: str | None = None, root: str | None = None) -> Iterator[Page | Problem]:
    """Yield the pages of one input file (problems instead where it cannot be read)."""
    kind = kind_of(path)
    if kind is None:
        yield Problem(path, "read", "unknown-format", "file name does not say HTML, WARC, JSONL or text")
        return
    try:
        if kind == "warc":
            yield from read_warc(path)
        elif kind == "jsonl":
            yield from read_jsonl(path)
        else:
            try:
                data = read_file_bytes(path)
            except (OSError, EOFError, zlib.error) as e:
                yield Problem(path, "read", "corrupt-gzip", f"{type(e).__name__}: {e}")
                return
            if kind == "html":
                yield read_html_file(path, data, url=url, root=root)
            else:
                yield read_text_file(path, data, url=url, root=root)
    except (OSError, EOFError, zlib.error) as e:
        yield Problem(path, "read", "unreadable", f"{type(e).__name__}: {e}")


def url_from_path(path: str, root: str | None = None) -> str:
    """Guess a URL for a mirrored file: ``.../pages/site.example/a/b.html`` -> ``https://site.example/a/b.html``.

    The first path component that looks like a host name starts the URL; otherwise a file:// URL.
    """
    p = Path(path).resolve()
    parts = p.parts
    for i, part in enumerate(parts[:-1]):
        if "." in part and not part.startswith(".") and _looks_like_host(part):
            rest = "/".join(parts[i + 1:])
            if rest.endswith(".gz"):
                rest = rest[:-3]
            return f"https://{part}/{rest}"
    return p.as_uri()


def _looks_like_host(part: str) -> bool:
    labels = part.lower().split(".")
    if len(labels) < 2 or not labels[-1].isalpha() or not (2 <= len(labels[-1]) <= 24):
        return False
    return all(lab and all(ch.isalnum() or ch == "-" for ch in lab) for lab in labels)
