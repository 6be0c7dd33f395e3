"""Readers: turn files and folders into :class:`Page` records (or :class:`Problem` records).

One module per format. Readers never parse article content; they only find pages,
their URL when the container states it, their bytes and declared metadata.
"""
from __future__ import annotations

import errno
import gzip
import os
import stat
import time
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


# Per-read limits: a page file (after gunzip), a WARC record or a JSONL line larger than MAX_READ_BYTES is a
# `too-large` problem (a 50 MB page is still read); a read slower than READ_SECONDS is a `read-timeout`
MAX_READ_BYTES = int(os.environ.get("NEWSTRACE_MAX_READ_BYTES", str(64 * 1024 * 1024)))
READ_SECONDS = float(os.environ.get("NEWSTRACE_READ_SECONDS", "120"))
_CHUNK = 1 << 20


class ReadProblem(Exception):
    """A file that cannot be read as a page, with the reason code its Problem row carries."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def iter_inputs(paths: list[str]) -> Iterator[str]:
    """Expand files and folders (recursively, sorted) into input files newstrace can read. Symlinked folders
    are not followed; a directory inside a folder named like a page (``x.html``) is yielded as itself, so
    reading it reports a problem instead of walking into it."""
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for d in [d for d in dirs if kind_of(d)]:
                    dirs.remove(d)
                    files.append(d)
                for f in sorted(files):
                    full = os.path.join(root, f)
                    if kind_of(full):
                        yield full
        else:
            yield p


def open_regular(path: str):
    """Open a regular file for reading, or raise :class:`ReadProblem` saying why not. Opened non-blocking and
    checked on the descriptor, so a FIFO or device named ``*.html`` never blocks the run."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if os.path.islink(path):
            if e.errno == errno.ELOOP:
                raise ReadProblem("symlink-loop", f"symbolic links loop: {e.strerror}") from None
            if e.errno == errno.ENOENT:
                raise ReadProblem("broken-symlink", f"symbolic link to {os.readlink(path)!r}, which does not "
                                  "exist") from None
        if e.errno in (errno.EACCES, errno.EPERM):
            raise ReadProblem("permission-denied", str(e)) from None
        if e.errno == errno.EISDIR:
            raise ReadProblem("not-a-regular-file", "a directory named like a page") from None
        raise ReadProblem("unreadable", f"{type(e).__name__}: {e}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = ("a directory named like a page" if stat.S_ISDIR(mode) else "a FIFO (named pipe)"
                if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device" if
                stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise ReadProblem("not-a-regular-file", what)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_limited(fh, path: str, limit: int | None = None, seconds: float | None = None) -> bytes:
    """Read ``fh`` to the end in chunks, raising :class:`ReadProblem` past ``limit`` bytes (``too-large``;
    this bounds gzip bombs too) or ``seconds`` (``read-timeout``, a stalled network file system)."""
    limit = MAX_READ_BYTES if limit is None else limit
    deadline = time.monotonic() + (READ_SECONDS if seconds is None else seconds)
    parts, n = [], 0
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return b"".join(parts)
        n += len(chunk)
        if n > limit:
            gz = " after gunzip" if path.lower().endswith(".gz") else ""
            raise ReadProblem("too-large", f"more than {limit} bytes{gz} (limit NEWSTRACE_MAX_READ_BYTES={limit})")
        if time.monotonic() > deadline:
            raise ReadProblem("read-timeout", f"{n} bytes read in more than {READ_SECONDS:g} s")
        parts.append(chunk)


def read_file_bytes(path: str, limit: int | None = None) -> bytes:
    """Whole file, gunzipped when it ends in .gz, within the read limits. Raises on corrupt gzip."""
    fh = open_regular(path)
    if path.lower().endswith(".gz"):
        fh = gzip.GzipFile(fileobj=fh, mode="rb")
    with fh:
        return read_limited(fh, path, limit)


def open_maybe_gzip(path: str):
    fh = open_regular(path)
    return gzip.GzipFile(fileobj=fh, mode="rb") if path.lower().endswith(".gz") else fh


def read_path(path: str, url: str | None = None, root: str | None = None) -> Iterator[Page | Problem]:
    """Yield the pages of one input file (problems instead where it cannot be read). Whatever goes wrong
    with one file costs only that file."""
    kind = kind_of(path)
    if kind is None:
        yield Problem(path, "read", "unknown-format", "file name does not say HTML, WARC, JSONL or text")
        return
    try:
        open_regular(path).close()
        if kind == "warc":
            yield from read_warc(path)
        elif kind == "jsonl":
            yield from read_jsonl(path)
        else:
            try:
                data = read_file_bytes(path)
            except (EOFError, zlib.error, gzip.BadGzipFile) as e:
                yield Problem(path, "read", "corrupt-gzip", f"{type(e).__name__}: {e}")
                return
            if kind == "html":
                yield read_html_file(path, data, url=url, root=root)
            else:
                yield read_text_file(path, data, url=url, root=root)
    except ReadProblem as e:
        yield Problem(path, "read", e.reason, str(e))
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
    if kind_of(part) and labels[-1] != "md":   # a folder named like a page file (x.html) is no host
        return False
    return all(lab and all(ch.isalnum() or ch == "-" for ch in lab) for lab in labels)
