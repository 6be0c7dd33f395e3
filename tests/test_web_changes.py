"""Issue 16 item 7 (with issue 14's "a story shows how copies changed actors' names and loaded words"): the story
page lists, per copy link whose two pages the actors stage analysed, the actors the copy names with words its
source never used, and the loaded-language spans it added or dropped (with who says them); the article and actor
pages show the same analysis; page text escaped."""
from __future__ import annotations

import json
import sqlite3
import warnings

from newstrace.store import Store

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app  # noqa: E402

SID = "st-0000000000ch"
PAGES = {"p0": "a.example", "p1": "b.example", "p2": "c.example", "p3": "d.example"}
PARENT = {"p1": "p0", "p2": "p0", "p3": "p1"}
MENTIONS = {"p0": [("Vladimir Putin", "putin"), ("Moscow", "russia")],
            "p1": [("Vladimir Putin", "putin"), ("the dictator", "putin"), ("Moscow", "russia")],
            "p2": [("Putin", "putin")],
            "p3": [("Vladimir Putin", "putin"), ("the  Dictator", "putin"), ("Moscow", "russia")]}
FLAGS = {"p0": [("Loaded_Language", "brave", "outlet", None)],
         "p1": [("Loaded_Language", "regime", "outlet", None),
                ("Name_Calling,Labeling", "traitors", "quoted", "Navalny"),
                ("Loaded_Language", "<script>alert(1)</script>", "outlet", None)],
         "p3": [("Loaded_Language", "Regime", "outlet", None),
                ("Name_Calling,Labeling", "traitors", "quoted", "Navalny"),
                ("Loaded_Language", "<script>alert(1)</script>", "outlet", None)]}


def _build(path: str) -> None:
    st = Store(path)
    c = st.conn
    with c:
        for pid, site in PAGES.items():
            url = f"https://{site}/{pid}"
            c.execute("INSERT INTO pages (page_id, url, source, fetched_at, content_type, size, status, ingested_at) "
                      "VALUES (?,?,?,?,?,?,?,?)", (pid, url, "t", "2025-01-01", "text/html", 10, "article", "2025-01-01"))
            c.execute("INSERT INTO articles (page_id, url, site, title, published, fetched_at, language, body) "
                      "VALUES (?,?,?,?,?,?,?,?)", (pid, url, site, f"title {pid}", f"2025-01-0{1 + int(pid[1])}",
                                                    "2025-01-05", "en", f"body of {pid}"))
        aid = dict(c.execute("SELECT page_id, aid FROM articles").fetchall())
        c.execute("INSERT INTO stories VALUES (?,?,?,?,?,?,?,?,?)",
                  (SID, "p0", "a story", 4, 4, '["en"]', "2025-01-01", "2025-01-04", 0.0))
        c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)", (SID, "p0", "origin", None, None, "2025-01-01", 0.0))
        for pid, parent in PARENT.items():
            c.execute("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)",
                      (SID, pid, "copy", "edited", parent, f"2025-01-0{1 + int(pid[1])}", 24.0 * int(pid[1])))
            c.execute("INSERT INTO copies (copy_id, source_id, origin_id, kind, language_pair, spans, shared_words, "
                      "coverage_copy, coverage_source, credited, credited_to, confidence, evidence, changes, story_id) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      (pid, parent, "p0", "edited", "en-en", "[]", 10, 0.9, 0.9, "none", None, 0.9, "[]", "{}", SID))
        c.executemany("INSERT INTO actors (actor_id, name, kind) VALUES (?,?,?)",
                      [("putin", "Vladimir Putin", "person"), ("russia", "Russia", "country")])
        for pid, ms in MENTIONS.items():
            for i, (text, actor) in enumerate(ms):
                c.execute("INSERT INTO actor_mentions VALUES (?,?,?,?,?,?,?)",
                          (aid[pid], 10 * i, 10 * i + len(text), text, actor, "person", None))
        for pid, fs in FLAGS.items():
            for i, (tech, text, speaker, source) in enumerate(fs):
                c.execute("INSERT INTO flags VALUES (?,?,?,?,?,?,?,?,?)",
                          (aid[pid], tech, 100 + 10 * i, 100 + 10 * i + len(text), text, speaker, source, None, None))
        for pid in ("p0", "p1", "p3"):       # p2 was not analysed: never compared (no words is not "dropped")
            c.execute("INSERT INTO analyze_actors_done VALUES (?,?,?)", (aid[pid], None, "2025-01-05"))
    st.close()


def test_story_shows_how_copies_changed_actors_names_and_loaded_words(tmp_path):
    path = str(tmp_path / "changes.db")
    _build(path)
    with TestClient(create_app(path, get_only=True)) as cl:
        x = cl.get(f"/story/{SID}.json").json()["actor_changes"]
        assert (x["compared"], x["total"], x["renamed"], x["loaded_added"], x["loaded_dropped"]) == (2, 1, 1, 1, 1)
        (ch,) = x["copies"]
        assert (ch["page_id"], ch["source_id"], ch["site"], ch["source_site"]) == ("p1", "p0", "b.example", "a.example")
        assert ch["renamed"] == [{"actor_id": "putin", "name": "Vladimir Putin", "source_words": ["Vladimir Putin"],
                                  "copy_words": ["the dictator"]}]
        assert sorted((f["text"], f["speaker"]) for f in ch["loaded_added"]) == [
            ("<script>alert(1)</script>", "outlet"), ("regime", "outlet"), ("traitors", "Navalny")]
        assert [(f["text"], f["technique"]) for f in ch["loaded_dropped"]] == [("brave", "Loaded_Language")]
        html = cl.get(f"/story/{SID}").text
        assert "<mark>the dictator</mark>" in html and "<s>brave</s>" in html and "quoting Navalny" in html
        assert 'href="/actor/putin"' in html and 'href="/copy/p1/p0"' in html
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        # p3 repeats p1 (case and spaces aside): not listed
        assert "p3" not in json.dumps(x["copies"])
        # the same analysis on the article page (actors, loaded language and its speaker) and the actor page
        art = cl.get("/article/p1").text
        assert "<h2>Loaded language</h2>" in art and "<mark>regime</mark>" in art and "quoted: Navalny" in art
        assert 'href="/actor/putin"' in art and "the dictator" in art
        actor = cl.get("/actor/putin").text
        assert "<mark>regime</mark>" in actor and "b.example" in actor
        assert "&lt;script&gt;" in actor and "<script>alert" not in actor
    # a store the actors stage has not analysed: nothing compared, no section
    c = sqlite3.connect(path)
    with c:
        c.execute("DELETE FROM analyze_actors_done")
    c.close()
    with TestClient(create_app(path, get_only=True)) as cl:
        assert cl.get(f"/story/{SID}.json").json()["actor_changes"]["compared"] == 0
        assert 'id="actor-changes"' not in cl.get(f"/story/{SID}").text
