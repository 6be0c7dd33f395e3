"""URL helpers: normalisation (courlan) and the registered domain of a URL (the 'site')."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit, parse_qsl, urlencode

TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "_ga")
MULTI_PART_SUFFIXES = {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp",
                       "com.br", "com.mx", "co.za", "com.tr", "com.ua", "com.ru", "co.in", "com.cn", "com.ar"}


def normalise_url(url: str | None) -> str | None:
    """Lower-case host, no fragment, no tracking parameters, no default port. Keeps the path as written."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url.strip()
    host = parts.hostname or ""
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", _strip_tracking(parts.query), ""))


def _strip_tracking(query: str) -> str:
    """The query string without tracking parameters (utm_*, fbclid, ...)."""
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                      if not k.lower().startswith(TRACKING)])


def url_key(url: str | None) -> str | None:
    """A comparison key: scheme, www., port, trailing slash, fragment and tracking parameters ignored."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _url_key_slow(url)
    query = _strip_tracking(parts.query) if parts.query else ""
    return host.removeprefix("www.") + (parts.path.rstrip("/") or "/") + ("?" + query if query else "")


def _url_key_slow(url: str) -> str | None:
    n = normalise_url(url)
    if not n:
        return None
    p = urlsplit(n)
    host = (p.hostname or "").removeprefix("www.")
    path = p.path.rstrip("/") or "/"
    return host + path + ("?" + p.query if p.query else "")


def site_of(url: str | None) -> str:
    """Registered domain: ``https://www.news.example.co.uk/a`` -> ``example.co.uk``; hosts of fictional
    ``.example`` sites keep their full name."""
    if not url:
        return "unknown"
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return "unknown"
    if not host:
        return "local" if url.startswith("file:") else "unknown"
    host = host.removeprefix("www.")
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    if ".".join(labels[-2:]) in MULTI_PART_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
