"""What the user asked to collect: sites, single URLs (pages, feeds or sitemaps) and URL lists.

A URL whose path is empty or ``/`` is a site (``http://127.0.0.1:8000/``, a local mirror, is a site like any
other); a URL with a path is fetched as given (a page is archived, a feed or sitemap is read for its links);
an existing file is a URL list: text (one URL a line, ``#`` comments), CSV (a ``url`` column, else the first
cell that is a URL) or JSONL (``{"url": ...}``).
"""
from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Seed:
    id: str  # crawl_urls.seed
    kind: str  # site | url | list
    root: str  # the site's root URL, or the URL itself
    urls: list[str] = field(default_factory=list)  # a list's URLs


def parse_targets(args: list[str]) -> list[Seed]:
    seeds: list[Seed] = []
    for arg in args:
        if os.path.isfile(arg):
            urls = read_url_list(arg)
            seeds.append(Seed(f"list:{os.path.abspath(arg)}", "list", "", urls))
            continue
        url = arg if "://" in arg else f"https://{arg}"
        p = urlsplit(url)
        if p.scheme not in ("http", "https") or not p.hostname:
            raise ValueError(f"[E151] not a site, URL or URL list file: {arg}")
        if p.path in ("", "/") and not p.query:
            root = f"{p.scheme}://{p.netloc.lower()}/"
            seeds.append(Seed(root, "site", root))
        else:
            seeds.append(Seed(url, "url", url))
    return seeds


def read_url_list(path: str) -> list[str]:
    name = path.lower()
    out: list[str] = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        if name.endswith((".jsonl", ".ndjson")):
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("url"), str):
                    out.append(row["url"].strip())
        elif name.endswith(".csv"):
            rows = list(csv.reader(fh))
            head = [c.strip().lower() for c in rows[0]] if rows else []
            if "url" in head:
                col = head.index("url")
                out = [r[col].strip() for r in rows[1:] if col < len(r)]
            else:
                for r in rows:
                    first = next((c.strip() for c in r if _is_url(c.strip())), None)
                    if first:
                        out.append(first)
        else:
            out = [ln.strip() for ln in fh if _is_url(ln.strip())]
    return list(dict.fromkeys(u for u in out if _is_url(u)))


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://")) and bool(urlsplit(s).hostname)


def named_hosts(seeds: list[Seed]) -> set[tuple[str, int]]:
    """(host, port) pairs the user named: these may resolve to loopback or private addresses."""
    out = set()
    for s in seeds:
        for u in ([s.root] if s.root else []) + s.urls:
            p = urlsplit(u)
            if p.hostname:
                out.add((p.hostname.lower(), p.port or (443 if p.scheme == "https" else 80)))
    return out
