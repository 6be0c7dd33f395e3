"""WARC / WARC.gz archives via fastwarc: response and resource records, HTTP headers parsed.

A record whose payload is shorter than its declared length, or whose payload digest does
not match, is a Problem; reading goes on with the next record when the stream allows.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Iterator

from ..records import Page, Problem


def _payload_digest_ok(declared: str | None, payload: bytes) -> bool | None:
    if not declared or ":" not in declared:
        return None
    algo, value = declared.split(":", 1)
    if algo.lower() != "sha1":
        return None
    return base64.b32encode(hashlib.sha1(payload).digest()).decode() == value.strip().upper()


def read_warc(path: str) -> Iterator[Page | Problem]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    from . import MAX_READ_BYTES, ReadProblem, open_regular

    n = 0
    try:
        fh = open_regular(path)
    except ReadProblem as e:
        yield Problem(path, "read", e.reason, str(e))
        return
    with fh:
        it = ArchiveIterator(
            fh, record_types=WarcRecordType.response | WarcRecordType.resource, parse_http=True,
            verify_digests=False,
        )
        try:
            for rec in it:
                n += 1
                src = f"{path}#{rec.stream_pos}"
                url = rec.headers.get("WARC-Target-URI")
                try:
                    payload = rec.reader.read(MAX_READ_BYTES + 1)
                    if len(payload) > MAX_READ_BYTES:
                        yield Problem(src, "read", "too-large", f"record payload over {MAX_READ_BYTES} bytes "
                                      "(limit NEWSTRACE_MAX_READ_BYTES)", url=url)
                        continue
                except Exception as e:  # noqa: BLE001 - a broken record must not stop the archive
                    yield Problem(src, "read", "corrupt-warc-record", f"{type(e).__name__}: {e}", url=url)
                    continue
                status = rec.http_headers.status_code if rec.http_headers is not None else None
                ctype = rec.http_content_type if rec.http_headers is not None else rec.headers.get("Content-Type")
                declared_len = rec.content_length
                if rec.http_headers is None and len(payload) < declared_len:
                    yield Problem(src, "read", "truncated-record", f"{len(payload)} of {declared_len} bytes", url=url)
                    continue
                ok = _payload_digest_ok(rec.headers.get("WARC-Payload-Digest"), payload)
                if ok is False:
                    yield Problem(src, "read", "truncated-record" if len(payload) < declared_len else "digest-mismatch",
                                  f"payload sha1 differs from WARC-Payload-Digest ({len(payload)} bytes read, "
                                  f"record says {declared_len})", url=url)
                    continue
                if status is not None and not (200 <= status < 300):
                    yield Problem(src, "read", "http-status", f"HTTP {status}", url=url)
                    continue
                yield Page(
                    source=src, url=url, raw=payload, content_type=ctype,
                    fetched_at=rec.headers.get("WARC-Date"),
                    declared={"http_charset": rec.http_charset} if rec.http_headers is not None else {},
                )
        except Exception as e:  # noqa: BLE001 - corrupt gzip member / garbage between records
            yield Problem(path, "read", "corrupt-warc", f"stopped after {n} records: {type(e).__name__}: {e}")
