"""Plain-text / Markdown page dumps: a page saved as text. The URL comes from ``--url`` or the path."""
from __future__ import annotations

from ..records import Page
from .charset import decode_bytes


def read_text_file(path: str, data: bytes, url: str | None = None, root: str | None = None) -> Page:
    from . import url_from_path

    text, _enc = decode_bytes(data, None)
    return Page(source=path, url=url, text=text, declared={"path_url": url_from_path(path, root)})
