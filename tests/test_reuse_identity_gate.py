"""reuse-dev ingested as files from three path spellings and as its WARC is the same store as one ingest:
1,195 articles and the same copies table (slow; skips without ../shared/data)."""
from __future__ import annotations

import os
import shutil

import newstrace
from newstrace.store import Store

from conftest import shared_data


def _copies(db: str) -> tuple[int, list]:
    with Store(db, readonly=True) as st:
        cols = [r[1] for r in st.conn.execute("PRAGMA table_info(copies)") if r[1] != "updated_at"]
        rows = st.conn.execute(f"SELECT {', '.join(cols)} FROM copies ORDER BY copy_id, source_id").fetchall()
        return st.stats()["articles"], [tuple(r) for r in rows]


def test_reuse_dev_files_three_ways_and_warc_are_one_store(tmp_path, monkeypatch):
    data = shared_data("reuse-dev")
    one = str(tmp_path / "one.db")
    newstrace.ingest([str(data / "pages")], db=one, analyze=False)
    n, want = _copies(one)
    assert n == 1195 and want
    many = str(tmp_path / "many.db")
    shutil.copy(one, many)   # the first ingest, then more of the same
    monkeypatch.chdir(data / "pages")
    assert newstrace.ingest(["."], db=many, analyze=False)["new_pages"] == 0
    os.symlink(data / "pages", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    assert newstrace.ingest(["link/"], db=many, analyze=False)["new_pages"] == 0
    s = newstrace.ingest([str(data / "pages.warc.gz")], db=many, analyze=False)
    assert s["new_articles"] == 0 and s["new_problems"] == 0
    assert _copies(many) == (1195, want)
