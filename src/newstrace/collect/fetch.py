"""One HTTP exchange under limits: a whole-response deadline, a decoded-size bound, bounded decompression.

``fetch`` never raises for network behaviour: it returns an :class:`Exchange` whose ``error`` is a reason code
(dns-failure, connection-refused, connection-reset, tls-error, timeout, too-large, decompression-bomb,
corrupt-encoding, private-address, network-error) and whose ``retryable`` says whether another try may help.
The body is decoded here (gzip/deflate) with zlib's ``max_length``, so a gzip bomb costs at most the bound
in memory; WARC records then keep the decoded payload with the original encoding headers renamed, as
Common Crawl does, so every WARC reader sees the page itself.
"""
from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx

from .net import AddressRefused, DNSFailure

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class TooLarge(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


@dataclass
class Exchange:
    url: str
    started: datetime
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int | None = None
    reason_phrase: str = ""
    http_version: str = "HTTP/1.1"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: str | None = None  # reason code when no usable response came back
    detail: str = ""
    retryable: bool = False
    elapsed: float = 0.0
    wire_bytes: int = 0

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @property
    def warc_date(self) -> str:
        return self.started.strftime("%Y-%m-%dT%H:%M:%SZ")


class Decoder:
    """Content-Encoding decoding with a hard bound on the decoded size."""

    def __init__(self, encoding: str | None, limit: int):
        enc = (encoding or "identity").strip().lower()
        self.limit = limit
        self.size = 0
        self.wire = 0
        self.parts: list[bytes] = []
        if enc in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.z = zlib.decompressobj(zlib.MAX_WBITS)
            self.raw_deflate_fallback = True
        elif enc in ("identity", ""):
            self.z = None
        else:
            raise TooLarge("unsupported-encoding", f"Content-Encoding {encoding!r} was not asked for")
        self.encoding = enc

    def feed(self, data: bytes) -> None:
        self.wire += len(data)
        if self.z is None:
            self._take(data)
            return
        try:
            self._take(self.z.decompress(data, self.limit - self.size + 1))
            while self.z.unconsumed_tail:
                self._take(self.z.decompress(self.z.unconsumed_tail, self.limit - self.size + 1))
        except zlib.error as e:
            if self.encoding == "deflate" and self.size == 0 and getattr(self, "raw_deflate_fallback", False):
                self.raw_deflate_fallback = False  # servers send raw deflate as often as zlib-wrapped
                self.z = zlib.decompressobj(-zlib.MAX_WBITS)
                self.wire -= len(data)
                self.feed(data)
                return
            raise TooLarge("corrupt-encoding", f"{self.encoding} stream is corrupt: {e}") from e

    def _take(self, out: bytes) -> None:
        self.size += len(out)
        if self.size > self.limit:
            if self.z is not None and self.wire * 20 < self.size:
                raise TooLarge("decompression-bomb", f"{self.wire} bytes on the wire decoded past the "
                                                     f"{self.limit}-byte limit")
            raise TooLarge("too-large", f"body larger than the {self.limit}-byte limit")
        self.parts.append(out)

    def body(self) -> bytes:
        return b"".join(self.parts)


async def fetch(client: httpx.AsyncClient, url: str, user_agent: str, limit: int, timeout: float,
                extra_headers: dict[str, str] | None = None, accept: str = ACCEPT,
                body_types: tuple[str, ...] | None = None) -> Exchange:
    """GET ``url`` once (no redirect following). ``body_types``: content types whose body is read; for any
    other type of a 2xx answer the body is not downloaded and the exchange says wrong-content-type."""
    headers = {"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    headers.update(extra_headers or {})
    ex = Exchange(url=url, started=datetime.now(timezone.utc))
    t0 = time.monotonic()
    try:
        await asyncio.wait_for(_exchange(client, url, headers, limit, ex, body_types), timeout)
    except asyncio.TimeoutError:
        ex.error, ex.retryable = "timeout", True
        ex.detail = f"no complete response within {timeout:g} s" + (f" (HTTP {ex.status} headers came)"
                                                                     if ex.status else "")
        ex.status = None
    except TooLarge as e:
        ex.error, ex.detail = e.reason, str(e)
    except httpx.HTTPError as e:
        ex.error, ex.detail, ex.retryable = _network_reason(e)
        ex.status = None
    ex.elapsed = time.monotonic() - t0
    return ex


async def _exchange(client, url, headers, limit, ex: Exchange, body_types) -> None:
    req = client.build_request("GET", url, headers=headers)
    ex.request_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw]
    resp = await client.send(req, stream=True)
    try:
        ex.status = resp.status_code
        ex.reason_phrase = resp.reason_phrase
        ex.http_version = resp.http_version or "HTTP/1.1"
        ex.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw]
        if 200 <= resp.status_code < 300 and body_types is not None and ex.content_type not in body_types:
            ex.error, ex.detail = "wrong-content-type", f"Content-Type {ex.header('content-type')!r}"
            return
        if 300 <= resp.status_code < 400 or resp.status_code == 304:
            return  # a redirect's or not-modified's body is never needed
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not resp.headers.get("content-encoding"):
            raise TooLarge("too-large", f"Content-Length {declared} above the {limit}-byte limit")
        dec = Decoder(resp.headers.get("content-encoding"), limit)
        async for chunk in resp.aiter_raw():
            dec.feed(chunk)
        if dec.z is not None and not dec.z.eof and dec.wire:
            raise TooLarge("corrupt-encoding", f"{dec.encoding} stream ends early ({dec.wire} bytes)")
        ex.body, ex.wire_bytes = dec.body(), dec.wire
    finally:
        await resp.aclose()


def _network_reason(e: httpx.HTTPError) -> tuple[str, str, bool]:
    """(reason, detail, retryable) for an httpx error, looking through to what httpcore or the OS said."""
    chain, c = [], e
    while c is not None and len(chain) < 10:
        chain.append(c)
        c = c.__cause__ or c.__context__
    detail = f"{type(e).__name__}: {e}"
    for c in chain:
        if isinstance(c, AddressRefused):
            return "private-address", str(c), False
        if isinstance(c, DNSFailure):
            return "dns-failure", str(c), False
        if isinstance(c, ssl.SSLError):
            return "tls-error", f"{type(c).__name__}: {c}", False
        if isinstance(c, ConnectionRefusedError):
            return "connection-refused", f"{type(c).__name__}: {c}", True
        if isinstance(c, ConnectionResetError):
            return "connection-reset", f"{type(c).__name__}: {c}", True
    text = detail.lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return "tls-error", detail, False
    if isinstance(e, httpx.TimeoutException):
        return "timeout", detail, True
    if isinstance(e, httpx.ConnectError):
        if "refused" in text or "errno 111" in text:
            return "connection-refused", detail, True
        return "connect-failed", detail, True
    if isinstance(e, (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)):
        return "connection-reset", detail, True
    return "network-error", detail, True


def host_key(url: str) -> str:
    """host:port, the key of per-host politeness."""
    p = urlsplit(url)
    port = p.port or (443 if p.scheme == "https" else 80)
    return f"{(p.hostname or '').lower()}:{port}"
