"""HTML files: bytes as saved; the URL is found later in the page (canonical, og:url) or guessed from the path."""
from __future__ import annotations

import os

from ..records import Page


def read_html_file(path: str, data: bytes, url: str | None = None, root: str | None = None) -> Page:
    from . import url_from_path

    st = os.stat(path)
    return Page(
        source=path,
        url=url,
        raw=data,
        declared={"path_url": url_from_path(path, root), "file_mtime": st.st_mtime},
    )
