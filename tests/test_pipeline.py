"""Ingest as a whole: idempotent re-runs, resume after SIGKILL, bad input recorded and never fatal."""
from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import newstrace
from newstrace.store import Store

PARA = ("The council of {town} voted on {n} March to rebuild the old harbour bridge, a project that has divided "
        "residents for a decade. Engineers said the span, built in 19{n2}, could no longer carry buses.")


def make_site(root: Path, n_pages: int, site: str = "harbour-daily.example") -> Path:
    d = root / site
    d.mkdir(parents=True, exist_ok=True)
    for i in range(n_pages):
        paras = "".join(
            f"<p>{PARA.format(town=f'Town{i}x{j}', n=j + 1, n2=10 + (i * 7 + j) % 89)} Paragraph {j} of story {i}.</p>"
            for j in range(5))
        html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Story {i} about bridge {i} | Harbour Daily</title>
<link rel="canonical" href="https://{site}/news/{i}/">
<meta property="og:site_name" content="Harbour Daily">
<meta property="article:published_time" content="2024-03-{(i % 27) + 1:02d}T10:00:00+00:00">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-HARB0R1234"></script>
</head><body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Story {i} about bridge {i}</h1><p class="byline">By Mara Olsen</p>
{paras}
<p>Note to readers: please click the share buttons above. Forward this article to your email lists.
Crosspost on your blog site, internet forums, etc.</p>
<p>Harbour Daily keeps the lights on with reader support: write to tips@{site} with news.</p>
</article><footer>© Harbour Daily</footer></body></html>"""
        (d / f"story-{i}.html").write_text(html, encoding="utf-8")
    return root


def counts(db: str) -> dict:
    with Store(db, readonly=True) as st:
        s = st.stats()
        s["bodies"] = sorted(r[0] for r in st.conn.execute("SELECT body_hash FROM articles"))
    return s


def test_ingest_twice_changes_nothing(tmp_path):
    make_site(tmp_path / "in", 8)
    db = str(tmp_path / "a.db")
    first = newstrace.ingest([str(tmp_path / "in")], db=db, workers=1, link=False)
    assert first["new_articles"] == 8
    before = counts(db)
    second = newstrace.ingest([str(tmp_path / "in")], db=db, workers=1, link=False)
    assert second["new_articles"] == 0 and second["skipped_already_stored"] == 8
    assert counts(db) == before


def test_rerun_skips_read_pages_chunk_by_chunk(tmp_path, monkeypatch):
    """Read keys are looked up in the store a chunk of pages at a time (issue 11: no run loads every key of the
    store), from the pool's feeding thread: more pages than a chunk, two workers, the same file read twice in
    one run, and a new page among the read ones."""
    from newstrace import pipeline
    from newstrace.store import Store as _Store

    monkeypatch.setattr(pipeline, "KEY_CHUNK", 5)
    monkeypatch.setattr(_Store, "known_read_keys", None)    # ingest must not read every key of the store
    make_site(tmp_path / "in", 12)
    db = str(tmp_path / "a.db")
    first = newstrace.ingest([str(tmp_path / "in"), str(tmp_path / "in" / "harbour-daily.example" / "story-3.html")],
                             db=db, workers=2, link=False)
    assert first["new_articles"] == 12 and first["skipped_already_stored"] == 1
    before = counts(db)
    make_site(tmp_path / "more", 13)
    new = tmp_path / "more" / "harbour-daily.example" / "story-12.html"
    second = newstrace.ingest([str(tmp_path / "in"), str(new)], db=db, workers=2, link=False)
    assert second["new_articles"] == 1 and second["skipped_already_stored"] == 12
    assert counts(db)["articles"] == before["articles"] + 1


def test_site_furniture_learned_and_raw_text_kept(tmp_path):
    make_site(tmp_path / "in", 6)
    db = str(tmp_path / "a.db")
    newstrace.ingest([str(tmp_path / "in")], db=db, workers=2, link=False)
    arts = list(newstrace.articles(db))
    assert len(arts) == 6
    for a in arts:
        assert "reader support" not in a["body"]  # repeated on every page of the site: learned furniture
        assert "Crosspost on your blog" not in a["body"]  # a common kind: gone even without learning
        assert "reader support" in a["raw_body"]  # the unstripped text is kept
        assert "Paragraph 4 of story" in a["body"]
        assert a["title"].startswith("Story ") and a["byline"] == "Mara Olsen"
        assert a["site"] == "harbour-daily.example" and a["publisher"] == "Harbour Daily"
        assert {"kind": "analytics", "value": "G-HARB0R1234", "where": "text"} in a["identifiers"]


def test_bad_inputs_are_recorded_and_the_run_goes_on(tmp_path):
    root = tmp_path / "in"
    make_site(root, 2)
    bad = root / "bad.example"
    bad.mkdir()
    (bad / "empty.html").write_bytes(b"")
    (bad / "binary.html").write_bytes(bytes(range(256)) * 40)
    (bad / "png.html").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500))
    (bad / "deep.html").write_text("<html><body>" + "<div>" * 10000 + "x" + "</div>" * 10000 + "</body></html>")
    (bad / "broken.html.gz").write_bytes(gzip.compress(b"<html><body><p>hello</p></body></html>")[:-12] + b"garbage!")
    (bad / "export.jsonl").write_text('{"url": "https://bad.example/ok", "text": "Title line\\n\\nBy Ann Lee\\n\\n'
                                      + ("Some text of a real paragraph here. " * 5) + '"}\nthis is not json\n')
    db = str(tmp_path / "a.db")
    s = newstrace.ingest([str(root)], db=db, workers=2, link=False)
    reasons = s["problems_by_reason"]
    assert s["new_articles"] == 3  # two site pages and the JSONL text page
    want = {"empty-file": 1, "binary": 2, "nesting-too-deep": 1, "corrupt-gzip": 1, "bad-json": 1}
    assert reasons == want
    with Store(db, readonly=True) as st:
        rows = st.conn.execute("SELECT source, stage, reason FROM problems").fetchall()
    assert all(r["source"] and r["stage"] and r["reason"] for r in rows)


def test_strict_exit_code(tmp_path):
    root = tmp_path / "in"
    make_site(root, 1)
    (root / "x.html").write_bytes(b"")
    env = dict(os.environ, PYTHONPATH=str(Path(newstrace.__file__).parent.parent))
    cmd = [sys.executable, "-m", "newstrace.cli", "ingest", str(root), "--db", str(tmp_path / "a.db"),
           "--no-trace", "--workers", "1"]
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    r = subprocess.run(cmd[:-3] + ["--db", str(tmp_path / "b.db"), "--no-trace", "--strict"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 3, r.stderr
    assert "empty-file" in r.stdout


def test_sigkill_mid_run_then_rerun_gives_same_counts(tmp_path):
    make_site(tmp_path / "in", 120)
    ref = str(tmp_path / "ref.db")
    newstrace.ingest([str(tmp_path / "in")], db=ref, workers=1, link=False)
    db = str(tmp_path / "killed.db")
    env = dict(os.environ, NEWSTRACE_BATCH="3", PYTHONPATH=str(Path(newstrace.__file__).parent.parent))
    proc = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "ingest", str(tmp_path / "in"), "--db", db,
                             "--no-trace", "--workers", "1", "--no-progress"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(db):
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
                con.close()
            except sqlite3.Error:
                stored = 0
        if stored >= 10:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    mid = counts(db)
    assert 0 < mid["articles"] < 120
    newstrace.ingest([str(tmp_path / "in")], db=db, workers=1, link=False)
    after, want = counts(db), counts(ref)
    for key in ("pages", "articles", "sites", "problems", "credits", "identifiers", "media", "links",
                "furniture_blocks", "bodies"):
        assert after[key] == want[key], key
