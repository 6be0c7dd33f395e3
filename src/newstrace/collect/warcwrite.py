"""WARC/1.1 output through warcio: request, response and metadata records, one gzip member each, files
rotated by size.

Two series, laid out as Common Crawl does: ``DIR/*.warc.gz`` holds the pages (2xx HTML answers), which
``collect`` ingests; ``DIR/diagnostics/*.warc.gz`` holds everything else that was fetched (robots.txt,
feeds, sitemaps, home pages, redirects, error statuses) as the evidence of how each page was found. Payloads
are stored decoded, with ``Content-Encoding``/``Content-Length``/``Transfer-Encoding`` renamed to
``X-Crawler-*`` and a true ``Content-Length`` written.

Crash safety: after each page's records are written and flushed, the caller records the file's new length as
committed in the same transaction that marks the URL fetched (``store.crawl``). On the next start, bytes past
the committed length (a record whose URL was never marked) are cut off, so nothing is archived twice.
"""
from __future__ import annotations

import io
import os
from datetime import datetime, timezone

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .. import __version__
from .fetch import Exchange

RENAMED = {"content-encoding", "content-length", "transfer-encoding"}


class WarcSeries:
    """A rotating series of gzipped WARC files in one folder."""

    def __init__(self, folder: str, prefix: str, max_bytes: int, info: dict[str, str]):
        self.folder = folder
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info
        self.fh = None
        self.path: str | None = None
        self.writer: WARCWriter | None = None
        self.serial = 0
        os.makedirs(folder, exist_ok=True)

    def ensure_open(self) -> tuple[str | None, tuple[str, int] | None]:
        """Open the next file when none is open or the current one is full. Returns (the file just closed,
        (path, size) of the file just opened with its warcinfo record), either None, for the caller to
        register before any page record goes in."""
        if self.fh is not None and self.fh.tell() < self.max_bytes:
            return None, None
        closed = self.close()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        while True:
            path = os.path.join(self.folder, f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz")
            self.serial += 1
            if not os.path.exists(path):
                break
        self.fh = open(path, "xb")
        self.path = path
        self.writer = WARCWriter(self.fh, gzip=True, warc_version="WARC/1.1")
        self.writer.write_record(self.writer.create_warcinfo_record(os.path.basename(path), {
            "software": f"newstrace/{__version__} (warcio)", "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **self.info}))
        self.fh.flush()
        return closed, (path, self.fh.tell())

    def write(self, ex: Exchange, ip: str | None, metadata: dict[str, str] | None) -> tuple[str, int, int]:
        """Write request + response (+ metadata) for one exchange into the open file (``ensure_open`` first);
        returns (path, offset of the exchange's first record, file size after)."""
        w = self.writer
        offset = self.fh.tell()
        date = ex.warc_date
        split = _split(ex.url)
        req = w.create_warc_record(ex.url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders(
            f"GET {split} {ex.http_version}", ex.request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": date})
        headers = _archived_headers(ex.headers, len(ex.body))
        extra = {"WARC-Date": date}
        if ip:
            extra["WARC-IP-Address"] = ip
        resp = w.create_warc_record(ex.url, "response", payload=io.BytesIO(ex.body), http_headers=StatusAndHeaders(
            f"{ex.status} {ex.reason_phrase}".strip(), headers, protocol=ex.http_version),
            warc_headers_dict=extra)
        w.write_request_response_pair(req, resp)
        if metadata:
            body = "".join(f"{k}: {_one_line(v)}\r\n" for k, v in metadata.items()).encode("utf-8")
            meta = w.create_warc_record(ex.url, "metadata", payload=io.BytesIO(body),
                                        warc_content_type="application/warc-fields",
                                        warc_headers_dict={"WARC-Date": date,
                                                           "WARC-Refers-To": resp.rec_headers.get_header(
                                                               "WARC-Record-ID")})
            w.write_record(meta)
        self.fh.flush()
        return self.path, offset, self.fh.tell()

    def close(self) -> str | None:
        path = self.path
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        self.fh = self.writer = self.path = None
        return path


def cut_to(path: str, committed: int) -> int:
    """Drop bytes past ``committed`` (records a killed run wrote but never marked). Returns bytes dropped."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return 0
    if size > committed:
        with open(path, "r+b") as fh:
            fh.truncate(committed)
        return size - committed
    return 0


def _split(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


def _archived_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    out = [(f"X-Crawler-{k}" if k.lower() in RENAMED else k, v) for k, v in headers]
    out.append(("Content-Length", str(length)))
    return out


def _one_line(v) -> str:
    return str(v).replace("\r", " ").replace("\n", " ")
