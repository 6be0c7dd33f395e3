"""One page is stored once however it arrives: its identity is its URL (canonical when known, else the
mirrored path's) plus its content, never the path as typed."""
from __future__ import annotations

import gzip
import os
import shutil
import sqlite3

import newstrace
from newstrace.store import Store
from newstrace.store.schema import MIGRATIONS

from test_pipeline import make_site
from test_read_inputs import _warc_record

SITE = "harbour-daily.example"


def _rows(db) -> dict:
    with Store(db, readonly=True) as st:
        q = st.conn.execute
        return {
            "pages": sorted(r[0] for r in q("SELECT page_id FROM pages")),
            "articles": sorted(r[0] for r in q("SELECT page_id FROM articles")),
            "credits": q("SELECT count(*) FROM credits").fetchone()[0],
            "identifiers": q("SELECT count(*) FROM identifiers").fetchone()[0],
            "site_pages": q("SELECT pages FROM sites").fetchall()[0][0],
            "copies": sorted(tuple(r) for r in q("SELECT copy_id, source_id, kind FROM copies")),
        }


def test_path_spellings_symlinks_and_copied_folders_are_one_page(tmp_path, monkeypatch):
    root = make_site(tmp_path / "in", 4)
    db = str(tmp_path / "a.db")
    first = newstrace.ingest([str(root)], db=db, workers=1)
    assert first["new_articles"] == 4
    want = _rows(db)
    monkeypatch.chdir(root)
    again = [newstrace.ingest(["."], db=db, workers=1)]                      # the same folder from inside
    monkeypatch.chdir(tmp_path)
    again.append(newstrace.ingest([f"in/{SITE}/../{SITE}"], db=db, workers=1))   # another spelling
    os.symlink(root, tmp_path / "link")
    again.append(newstrace.ingest([str(tmp_path / "link")], db=db, workers=1))   # through a symlink
    shutil.copytree(root, tmp_path / "copy" / "in")
    again.append(newstrace.ingest([str(tmp_path / "copy")], db=db, workers=1))   # a copied folder
    for s in again:
        assert s["new_articles"] == 0 and s["new_pages"] == 0 and s["new_problems"] == 0
        assert s["skipped_already_stored"] == 4
    assert _rows(db) == want
    with Store(db, readonly=True) as st:   # each re-read was known by its read URL and content before extraction
        assert st.conn.execute("SELECT count(*) FROM page_sources").fetchone()[0] == 4


def test_file_and_warc_of_the_same_bytes_are_one_page(tmp_path):
    root = make_site(tmp_path / "in", 3)
    # one page without a canonical: its file URL (mirrored path, .html added) and the WARC's differ in form
    bare = (root / SITE / "story-0.html").read_text().replace(f'<link rel="canonical" href="https://{SITE}/news/0/">',
                                                            "")
    (root / SITE / "story-0.html").write_text(bare)
    warc = tmp_path / "crawl.warc.gz"
    with open(warc, "wb") as fh:
        for i in range(3):
            url = f"https://{SITE}/story-{i}/" if i == 0 else f"https://{SITE}/news/{i}/?utm_source=feed"
            fh.write(gzip.compress(_warc_record(url, (root / SITE / f"story-{i}.html").read_bytes())))
    db = str(tmp_path / "a.db")
    newstrace.ingest([str(root)], db=db, workers=1)
    want = _rows(db)
    s = newstrace.ingest([str(warc)], db=db, workers=1)
    assert s["new_articles"] == 0 and s["skipped_already_stored"] == 3
    assert _rows(db) == want
    # and the other way round, both in one run
    db2 = str(tmp_path / "b.db")
    s = newstrace.ingest([str(warc), str(root)], db=db2, workers=2)
    assert s["new_articles"] == 3 and _rows(db2)["articles"] == want["articles"]


def test_a_changed_page_at_the_same_url_is_a_new_version(tmp_path):
    root = make_site(tmp_path / "v1", 2)
    db = str(tmp_path / "a.db")
    newstrace.ingest([str(root)], db=db, workers=1, link=False)
    v2 = make_site(tmp_path / "v2", 2)
    page = v2 / SITE / "story-1.html"
    page.write_text(page.read_text().replace("Paragraph 4 of story 1.", "Paragraph 4 of story 1, corrected."))
    s = newstrace.ingest([str(v2)], db=db, workers=1, link=False)
    assert s["new_articles"] == 1 and s["skipped_already_stored"] == 1
    with Store(db, readonly=True) as st:
        rows = st.conn.execute("SELECT url_key, count(*) FROM pages GROUP BY url_key ORDER BY 1").fetchall()
        assert [n for _, n in rows] == [1, 2]   # both versions kept, one URL
        assert "corrected" in st.get_article(f"https://{SITE}/news/1/")["body"]   # the latest by default


def _make_old_duplicates(db: str) -> None:
    """What an older version left: the same pages stored again under a path-as-typed page_id (no
    content_sha), traced as 'duplicate' copies of themselves, and migration 0013 not applied yet."""
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("BEGIN")
    c.execute("DROP TABLE page_sources")
    c.execute("DROP INDEX pages_url_key")
    c.execute("ALTER TABLE pages DROP COLUMN url_key")
    c.execute("ALTER TABLE pages DROP COLUMN content_sha")
    c.execute("INSERT INTO pages SELECT 'old-' || page_id, url, './' || source, fetched_at, content_type, size, "
              "status, ingested_at FROM pages")
    cols = [r[1] for r in c.execute("PRAGMA table_info(articles)")]
    sel = ", ".join("'old-' || page_id" if k == "page_id" else "aid + 1000" if k == "aid" else k for k in cols)
    c.execute(f"INSERT INTO articles ({', '.join(cols)}) SELECT {sel} FROM articles")
    for t in ("credits", "identifiers", "media", "links"):
        cols = [r[1] for r in c.execute(f"PRAGMA table_info({t})")]
        sel = ", ".join("'old-' || page_id" if k == "page_id" else f'"{k}"' for k in cols)
        c.execute(f"INSERT INTO {t} SELECT {sel} FROM {t}")
    c.execute("UPDATE sites SET pages = pages * 2")
    c.execute("INSERT INTO copies (copy_id, source_id, kind) SELECT 'old-' || page_id, page_id, 'duplicate' "
              "FROM articles WHERE page_id NOT LIKE 'old-%'")
    c.execute("DELETE FROM migrations WHERE name IN ('0012_page_identity', '0013_merge_duplicate_pages')")
    c.execute("COMMIT")
    c.close()


def test_migration_merges_duplicates_of_older_stores_and_re_reads_adopt_old_rows(tmp_path):
    root = make_site(tmp_path / "in", 4)
    db = str(tmp_path / "a.db")
    newstrace.ingest([str(root)], db=db, workers=1)
    want = _rows(db)
    with Store(db, readonly=True) as st:
        want_bodies = sorted(r[0] for r in st.conn.execute("SELECT raw_body FROM articles"))
    _make_old_duplicates(db)
    with Store(db) as st:   # opening migrates: duplicates merged, derived trace data cleared
        assert st.stats()["articles"] == 4 and st.stats()["copies"] == 0
        assert sorted(r[0] for r in st.conn.execute("SELECT raw_body FROM articles")) == want_bodies
        assert st.conn.execute("SELECT pages FROM sites").fetchone()[0] == 4
        assert st.conn.execute("SELECT count(*) FROM page_sources").fetchone()[0] == 8   # both sources kept
        from newstrace.trace import trace_all
        trace_all(st)
    after = _rows(db)
    assert after["copies"] == want["copies"]   # rebuilt the same (no fake duplicates)
    # the kept rows carry the older ids: a re-read adopts them instead of storing the pages again
    s = newstrace.ingest([str(root)], db=db, workers=1)
    assert s["new_articles"] == 0 and s["skipped_already_stored"] == 4
    s = newstrace.ingest([str(root)], db=db, workers=1)
    assert s["pages_read"] == 4 and s["skipped_already_stored"] == 4 and s["new_pages"] == 0
    assert len(_rows(db)["articles"]) == 4
    assert len(MIGRATIONS) == len({n for n, _ in MIGRATIONS})
