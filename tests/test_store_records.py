"""The store's typed records and the article key: one vocabulary, stable keys, decisions round-trip."""
from __future__ import annotations

import json
import sqlite3

import pytest

from newstrace.records import Article, content_hash
from newstrace.store import Store, articles, decisions
from newstrace.store.records import (CREDITED, Copy, CopyKind, Credit, CreditForm, Credited, Evidence,
                                     EvidenceKind, Role, Story, StoryMember)
from newstrace.store.schema import MIGRATIONS


def _art(i: int, site: str = "a.example") -> Article:
    url = f"https://{site}/{i}"
    text = f"Body number {i} of a test article."
    return Article(page_id=content_hash(url, text), url=url, source=url, site=site, body=text, blocks=[text])


def _write(st: Store, arts: list[Article]) -> None:
    st.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source}, a, []) for a in arts])


def test_credit_vocabulary_is_one_enum():
    assert {c.value for c in CREDITED} == {"name", "link", "name+link"}
    assert Credited.counts("name+link") and Credited.counts(Credited.LINK)
    assert not Credited.counts("none") and not Credited.counts("wrong") and not Credited.counts(None)
    with pytest.raises(ValueError):
        Credited("named")
    with pytest.raises(ValueError):
        CopyKind("verbatim")


def test_article_keys_are_given_once_and_survive_vacuum(tmp_path):
    st = Store(tmp_path / "k.db")
    arts = [_art(i) for i in range(6)]
    _write(st, arts)
    keys = articles.keys_of(st.conn, [a.page_id for a in arts])
    assert sorted(keys.values()) == list(range(1, 7))
    with st.conn:   # a page removed, the store compacted: the others keep their keys, a new one takes a fresh key
        st.conn.execute("DELETE FROM articles WHERE page_id = ?", (arts[2].page_id,))
    st.conn.execute("VACUUM")
    again = articles.keys_of(st.conn, [a.page_id for a in arts])
    assert again == {p: k for p, k in keys.items() if p != arts[2].page_id}
    new = _art(99)
    _write(st, [new])
    assert articles.keys_of(st.conn, [new.page_id])[new.page_id] == 7
    assert articles.page_ids(st.conn, [1, 7]) == {1: arts[0].page_id, 7: new.page_id}
    st.close()


def test_article_key_migration_keys_an_older_store_by_its_rowids(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    from newstrace.store.db import _split_sql
    for name, sql in MIGRATIONS:
        if name == "0015_article_key":
            break
        for stmt in _split_sql(sql):
            conn.execute(stmt)
        conn.execute("INSERT INTO migrations VALUES (?, 'x')", (name,))
    for i in (5, 9, 12):   # rowids with gaps, as deletions leave them
        conn.execute("INSERT INTO pages(page_id, source, status, ingested_at) VALUES (?, 's', 'article', 'x')", (f"p{i}",))
        conn.execute("INSERT INTO articles(rowid, page_id, url, site) VALUES (?, ?, 'u', 's')", (i, f"p{i}"))
    conn.commit()
    conn.close()
    st = Store(path)
    assert dict(st.conn.execute("SELECT page_id, aid FROM articles")) == {"p5": 5, "p9": 9, "p12": 12}
    _write(st, [_art(1)])
    assert articles.keys_of(st.conn, [_art(1).page_id])[_art(1).page_id] == 13
    st.close()


def test_decisions_encode_and_write_records(tmp_path):
    st = Store(tmp_path / "d.db")
    cp = Copy("c1", "s1", "s1", CopyKind.PARTIAL, "en-en", [[0, 10, 5, 15]], 2, 0.5, 0.25, Credited.NAME_LINK,
              Credit("Source Site", "https://s.example/1", CreditForm.VIA), 0.9,
              [Evidence(EvidenceKind.DATES, "2021 vs 2022", 1.5), Evidence(EvidenceKind.PARENT, "only source", 0)],
              {"added": []})
    story = Story("st-1", "s1", "T", 2, 2, ["en"], "2021", "2022", 1.0,
                  [StoryMember("st-1", "s1", Role.ORIGIN, None, None, "2021", 0.0),
                   StoryMember("st-1", "c1", Role.COPY, CopyKind.PARTIAL, "s1", "2022", 24.0)])
    cp.story_id = story.story_id
    with st.conn:
        decisions.write(st.conn, decisions.encode([cp], [story], "ts"))
    r = dict(st.conn.execute("SELECT * FROM copies").fetchone())
    assert (r["kind"], r["credited"], r["story_id"]) == ("partial", "name+link", "st-1")
    assert json.loads(r["credited_to"]) == {"name": "Source Site", "url": "https://s.example/1", "form": "via"}
    assert json.loads(r["evidence"]) == [{"kind": "dates", "detail": "2021 vs 2022", "weight": 1.5},
                                         {"kind": "parent", "detail": "only source", "weight": 0}]
    assert [tuple(m) for m in st.conn.execute("SELECT page_id, role, kind, parent_id FROM story_members ORDER BY role")] \
        == [("c1", "copy", "partial", "s1"), ("s1", "origin", None, None)]
    assert json.loads(st.conn.execute("SELECT languages FROM stories").fetchone()[0]) == ["en"]
    with st.conn:
        decisions.delete_for_pages(st.conn, ["c1"])
    assert [st.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in decisions.TABLES] == [0, 0, 0]
    st.close()


def test_an_article_inserted_without_its_key_gets_one(tmp_path):
    st = Store(tmp_path / "raw.db")
    _write(st, [_art(1)])
    with st.conn:
        st.conn.execute("INSERT INTO pages(page_id, source, status, ingested_at) VALUES ('raw', 's', 'article', 'x')")
        st.conn.execute("INSERT INTO articles(page_id, url, site) VALUES ('raw', 'u', 's')")
    assert articles.keys_of(st.conn, ["raw"]) == {"raw": 2}
    st.close()
