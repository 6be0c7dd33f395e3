"""Only regular files are read: FIFOs, directories named like pages, broken symlinks and symlink loops are
problems with a precise reason; per-read size limits; one unreadable file costs only itself."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest

from newstrace.store import Store

from test_pipeline import make_site

RUN = "import sys, json, newstrace; s = newstrace.ingest(sys.argv[1:-1], db=sys.argv[-1], workers=1, link=False); " \
      "print(json.dumps({k: s[k] for k in ('new_articles', 'problems_by_reason')}))"


def _ingest(tmp_path, *paths, env=None) -> dict:
    """Ingest in a child process with a timeout: the old reader blocked forever on a FIFO."""
    db = str(tmp_path / "a.db")
    r = subprocess.run([sys.executable, "-c", RUN, *map(str, paths), db], capture_output=True, text=True,
                       timeout=120, env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _problems(tmp_path) -> dict[str, tuple[str, str]]:
    with Store(tmp_path / "a.db", readonly=True) as st:
        rows = st.conn.execute("SELECT source, reason, detail FROM problems")
        return {os.path.basename(r[0]): (r[1], r[2]) for r in rows}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_directory_and_symlinks_named_like_pages(tmp_path):
    root = make_site(tmp_path / "in", 3)
    d = root / "harbour-daily.example"
    os.mkfifo(d / "pipe.html")
    (d / "folder.html").mkdir()
    (d / "folder.html" / "inner.html").write_bytes((d / "story-0.html").read_bytes().replace(b"Story 0", b"Inner"))
    os.symlink(d / "gone.html", d / "dangling.html")
    os.symlink(d / "loop-b.html", d / "loop-a.html")
    os.symlink(d / "loop-a.html", d / "loop-b.html")
    res = _ingest(tmp_path, root)
    assert res["new_articles"] == 3   # the good pages of the same batch are stored
    probs = _problems(tmp_path)
    assert probs["pipe.html"][0] == "not-a-regular-file" and "FIFO" in probs["pipe.html"][1]
    assert probs["folder.html"] == ("not-a-regular-file", "a directory named like a page")
    assert probs["dangling.html"][0] == "broken-symlink"
    assert probs["loop-a.html"][0] == "symlink-loop" and probs["loop-b.html"][0] == "symlink-loop"
    with Store(tmp_path / "a.db", readonly=True) as st:
        assert not st.conn.execute("SELECT 1 FROM pages WHERE url LIKE '%folder.html/%' OR url LIKE "
                                   "'https://folder.html%'").fetchone()
    # a FIFO named on the command line too, and a warc and a jsonl FIFO
    os.mkfifo(tmp_path / "x.warc.gz")
    os.mkfifo(tmp_path / "x.jsonl")
    res = _ingest(tmp_path, tmp_path / "x.warc.gz", tmp_path / "x.jsonl", d / "pipe.html")
    assert _problems(tmp_path)["x.warc.gz"][0] == "not-a-regular-file"
    assert _problems(tmp_path)["x.jsonl"][0] == "not-a-regular-file"


def test_read_size_limits(tmp_path):
    root = make_site(tmp_path / "in", 2)
    big = root / "harbour-daily.example" / "big.html"
    big.write_bytes(b"<html><body>" + b"<p>word word</p>" * 20000 + b"</body></html>")   # 320 kB
    bomb = root / "harbour-daily.example" / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b" " * 5_000_000))   # 5 kB on disk, 5 MB inflated
    (tmp_path / "lines.jsonl").write_text(
        json.dumps({"url": "https://j.example/a", "text": "long " * 100_000}) + "\n" +
        json.dumps({"url": "https://j.example/b", "text": "Short text. " * 30}) + "\n")
    res = _ingest(tmp_path, root, tmp_path / "lines.jsonl", env={"NEWSTRACE_MAX_READ_BYTES": "200000"})
    probs = _problems(tmp_path)
    assert probs["big.html"][0] == "too-large" and probs["bomb.html.gz"][0] == "too-large"
    assert "after gunzip" in probs["bomb.html.gz"][1]
    assert probs["lines.jsonl:1"][0] == "too-large"
    assert res["new_articles"] == 3   # the two pages and the short JSONL record


def test_per_page_limits_bound_one_page(tmp_path):
    """Pages that would cost too much to extract are `too-large`; a huge text is cut and says so (the old code
    kept a 50 MB repetitive page with a 369-character body and no problem, and a 20 MB JSONL text whole)."""
    root = make_site(tmp_path / "in", 2)
    d = root / "harbour-daily.example"
    para = "<p>The same paragraph about the harbour bridge, again and again, to fill the page.</p>\n"
    (d / "repetitive.html").write_text("<html><body><article>" + para * 4000 + "</article></body></html>")
    (d / "wide.html").write_text("<html><body><div>" + "<b>w</b>" * 15000 + "</div></body></html>")
    words = "council harbour bridge engineers span buses residents decade vote rebuild ferry tolls".split()
    text = "Long text\n\n" + "\n\n".join(" ".join(words[(i * j) % len(words)] for j in range(60)) + "."
                                        for i in range(600))
    (tmp_path / "t.jsonl").write_text(json.dumps({"url": "https://j.example/long", "text": text}) + "\n")
    res = _ingest(tmp_path, root, tmp_path / "t.jsonl",
                  env={"NEWSTRACE_MAX_PAGE_BYTES": "200000", "NEWSTRACE_MAX_TAGS": "20000",
                       "NEWSTRACE_MAX_TEXT_CHARS": "50000"})
    probs = _problems(tmp_path)
    assert probs["repetitive.html"][0] == "too-large" and "NEWSTRACE_MAX_PAGE_BYTES" in probs["repetitive.html"][1]
    assert probs["wide.html"][0] == "too-large" and "tags" in probs["wide.html"][1]
    assert probs["t.jsonl:1"][0] == "text-cut"
    assert res["new_articles"] == 3
    with Store(tmp_path / "a.db", readonly=True) as st:
        n = st.conn.execute("SELECT length(body) FROM articles WHERE url = 'https://j.example/long'").fetchone()[0]
    assert 40000 < n <= 50000 < len(text)
