"""Trace stage: copies of each kind, direction, credit statuses, stories, site network, incremental = rebuild.

Articles are written straight into a Store from the texts in tests/fixtures/trace/texts.json.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.trace import link_new, trace_all
from newstrace.trace.align import align
from newstrace.trace.exports import export_graph, iter_trace_rows
from newstrace.trace.text import tokenize

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "trace" / "texts.json").read_text())
NAMES = {"harbour-post.example": "Harbour Post", "coast-daily.example": "Coast Daily",
         "island-wire.example": "Island Wire", "valley-farmer.example": "Valley Farmer",
         "town-notes.example": "Town Notes", "digest-hub.example": "Digest Hub",
         "quiet-reader.example": "Quiet Reader", "misdate-news.example": "Misdate News",
         "other-voice.example": "Other Voice", "event-herald.example": "Event Herald",
         "plain-copy.example": "Plain Copy"}


def body(key: str, idx=None) -> str:
    ps = TEXTS[key]["paragraphs"]
    return "\n\n".join(ps if idx is None else [ps[i] for i in idx])


def art(url: str, text: str, title: str, published: str | None, credits=(), links=(), identifiers=(),
        canonical=None, byline=None) -> Article:
    site = url.split("/")[2]
    return Article(page_id=content_hash(url, text), url=url, source=url, site=site, publisher=NAMES.get(site),
                   title=title, published=published, body=text, blocks=text.split("\n\n"), language="en",
                   credits=[dict(c) for c in credits], outlinks=[dict(l) for l in links],
                   identifiers=[dict(i) for i in identifiers], canonical_url=canonical, byline=byline,
                   fetched_at="2022-01-20T00:00:00Z")


def write(store: Store, arts: list[Article]) -> None:
    store.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at},
                        a, []) for a in arts])


H, O, L = "harbour", "orchard", "library"
URL = {
    "origin": "https://harbour-post.example/2021/05/04/ferry-terminal/",
    "full": "https://coast-daily.example/news/1001",
    "partial": "https://island-wire.example/a/ferry-excerpt",
    "edited": "https://town-notes.example/ferry-terminal-decision.html",
    "chain": "https://quiet-reader.example/p/77",
    "orchard": "https://valley-farmer.example/frost-blossom/",
    "compilation": "https://digest-hub.example/roundup/12",
    "duplicate": "https://harbour-post.example/print/ferry-terminal",
    "misdated": "https://misdate-news.example/frost",
    "wrong": "https://plain-copy.example/ferry",
    "library": "https://town-notes.example/library-reopens.html",
    "event": "https://event-herald.example/ferry-protest",
}


def edited_text() -> str:
    ps = list(TEXTS[H]["paragraphs"])
    ps[1] = ps[1].replace("which engineers described last spring as unsafe", "which inspectors called unsafe")
    ps[2] = ps[2].split(". ")[0] + "."                      # a sentence dropped
    ps[0] = ps[0].replace("residents", "locals")
    ps[3], ps[4] = ps[4], ps[3]                              # paragraphs swapped
    intro = ("Readers have asked us to follow the long story of the pier closely, so here is the latest news "
             "from the council chamber on a decision that will shape the seafront for decades to come.")
    return "\n\n".join([intro] + ps[:5])


def corpus() -> dict[str, Article]:
    a = {}
    a["origin"] = art(URL["origin"], body(H), TEXTS[H]["title"], "2021-05-04T09:00:00+00:00",
                      links=[{"href": "https://harbour-post.example/topic/ferries/", "text": "ferries", "in_body": True}])
    a["full"] = art(URL["full"], body(H), TEXTS[H]["title"], "2021-05-05T10:00:00+00:00",
                    credits=[{"name": "Harbour Post", "url": None, "form": "source", "text": "Source: Harbour Post"}])
    a["partial"] = art(URL["partial"], body(H, [0, 1]), TEXTS[H]["title"], "2021-05-06T08:00:00+00:00",
                       credits=[{"name": None, "url": "http://harbour-post.example/2021/05/04/ferry-terminal?utm_source=x",
                                 "form": "read-more", "text": "Read more"}])
    a["edited"] = art(URL["edited"], edited_text(), "SHOCK: " + TEXTS[H]["title"], "2021-05-07T12:00:00+00:00",
                      credits=[{"name": "Harbour Post", "url": URL["origin"], "form": "original-source",
                                "text": "The original source of this article is Harbour Post"}])
    # chain: copies the partial copy (same two paragraphs), credits the partial copy's site by name
    a["chain"] = art(URL["chain"], body(H, [0, 1]), TEXTS[H]["title"], "2021-05-09T08:00:00+00:00",
                     credits=[{"name": "Island Wire", "url": None, "form": "via", "text": "(via Island Wire)"}])
    a["orchard"] = art(URL["orchard"], body(O), TEXTS[O]["title"], "2021-04-20T06:00:00+00:00")
    a["compilation"] = art(URL["compilation"], body(H, [0, 1, 2]) + "\n\n" + body(O, [0, 1, 2]),
                           "Weekly roundup", "2021-05-10T18:00:00+00:00",
                           credits=[{"name": "Harbour Post", "url": None, "form": "source", "text": "Source: Harbour Post"},
                                    {"name": "Valley Farmer", "url": None, "form": "source", "text": "Source: Valley Farmer"}])
    a["duplicate"] = art(URL["duplicate"], body(H), TEXTS[H]["title"], "2021-05-04T09:00:00+00:00",
                         canonical=URL["origin"])
    # misdated: claims a date before its origin, but links to it as the original
    a["misdated"] = art(URL["misdated"], body(O), TEXTS[O]["title"], "2021-03-01T06:00:00+00:00",
                        credits=[{"name": "Valley Farmer", "url": URL["orchard"], "form": "originally-published",
                                  "text": "Originally published at Valley Farmer"}])
    a["wrong"] = art(URL["wrong"], body(H, [0, 1, 2, 3, 4, 5]), TEXTS[H]["title"], "2021-05-08T08:00:00+00:00",
                     credits=[{"name": "Other Voice", "url": "https://other-voice.example/", "form": "original-source",
                               "text": "The original source of this article is Other Voice"}])
    a["library"] = art(URL["library"], body(L), TEXTS[L]["title"], "2021-05-02T08:00:00+00:00")
    a["event"] = art(URL["event"], body("harbour_other_outlet"), TEXTS["harbour_other_outlet"]["title"],
                     "2021-05-04T18:00:00+00:00")
    return a


def rows(store: Store) -> dict[tuple[str, str], dict]:
    url = dict(store.conn.execute("SELECT page_id, url FROM articles").fetchall())
    out = {}
    for r in store.conn.execute("SELECT * FROM copies"):
        r = dict(r)
        out[(url[r["copy_id"]], url[r["source_id"]])] = dict(r, origin_url=url.get(r["origin_id"]))
    return out


@pytest.fixture
def traced(tmp_path):
    st = Store(tmp_path / "t.db")
    write(st, list(corpus().values()))
    res = trace_all(st, translate=False)
    yield st, res
    st.close()


def test_alignment_spans_and_tolerance():
    a, b = tokenize(edited_text()), tokenize(body(H))
    al = align(a, b)
    assert al.linked
    assert al.coverage_b > 0.7 and al.coverage_a > 0.7
    assert not al.monotonic                     # the swapped paragraphs
    assert ["locals", "residents"] in al.substitutions
    for cs, ce, ss, se in al.spans:             # spans point at the same text on both sides
        if "locals" not in a.body[cs:ce] and "inspectors" not in a.body[cs:ce]:
            assert a.body[cs:ce] == b.body[ss:se]


def test_kinds_sources_and_origins(traced):
    st, _ = traced
    r = rows(st)
    assert r[(URL["full"], URL["origin"])]["kind"] == "full"
    assert r[(URL["partial"], URL["origin"])]["kind"] == "partial"
    assert r[(URL["edited"], URL["origin"])]["kind"] == "edited"
    ch = r[(URL["chain"], URL["partial"])]
    assert ch["kind"] == "chain" and ch["origin_url"] == URL["origin"]
    assert (URL["chain"], URL["origin"]) not in r            # only the immediate parent is the source
    assert r[(URL["compilation"], URL["origin"])]["kind"] == "compilation"
    assert r[(URL["compilation"], URL["orchard"])]["kind"] == "compilation"
    assert r[(URL["duplicate"], URL["origin"])]["kind"] == "duplicate"
    for (c, s), x in r.items():
        assert json.loads(x["spans"]) and x["shared_words"] > 0 and 0 < x["confidence"] <= 1
        assert json.loads(x["evidence"])


def test_misdated_copy_is_still_the_copy(traced):
    st, _ = traced
    r = rows(st)
    assert (URL["misdated"], URL["orchard"]) in r
    assert (URL["orchard"], URL["misdated"]) not in r
    ev = {e["kind"] for e in json.loads(r[(URL["misdated"], URL["orchard"])]["evidence"])}
    assert "credit-link" in ev and "dates" in ev              # the date pointed the other way and lost


def test_credit_statuses(traced):
    st, _ = traced
    r = rows(st)
    assert r[(URL["full"], URL["origin"])]["credited"] == "name"
    assert r[(URL["partial"], URL["origin"])]["credited"] == "link"     # utm_, http://, no trailing slash
    assert r[(URL["edited"], URL["origin"])]["credited"] == "name+link"
    assert r[(URL["chain"], URL["partial"])]["credited"] == "name"
    assert r[(URL["wrong"], URL["origin"])]["credited"] == "wrong"
    assert json.loads(r[(URL["wrong"], URL["origin"])]["credited_to"])["name"] == "Other Voice"


def test_negatives_not_linked(traced):
    st, _ = traced
    r = rows(st)
    for c, s in r:
        assert URL["event"] not in (c, s)          # same event, other words
        assert URL["library"] not in (c, s)        # unrelated


def test_shared_furniture_does_not_link(tmp_path):
    st = Store(tmp_path / "f.db")
    appeal = TEXTS["appeal"]
    arts = []
    # furniture left in the bodies of several pages of two sister sites, around unrelated texts
    for i, key in enumerate([H, O, L]):
        for j, site in enumerate(["coast-daily.example", "island-wire.example"]):
            ps = TEXTS[key]["paragraphs"]
            text = "\n\n".join([ps[j], ps[j + 2], appeal, appeal.replace("Dear reader", "Friends")])
            arts.append(art(f"https://{site}/{key}/{i}", text, TEXTS[key]["title"], f"2021-05-0{i + 1}"))
    write(st, arts)
    trace_all(st, translate=False)
    assert st.conn.execute("SELECT count(*) FROM copies").fetchone()[0] == 0
    st.close()


def test_stories(traced):
    st, _ = traced
    origin_pid = st.conn.execute("SELECT page_id FROM articles WHERE url=?", (URL["origin"],)).fetchone()[0]
    s = st.conn.execute("SELECT * FROM stories WHERE origin_id=?", (origin_pid,)).fetchone()
    assert s is not None and s["size"] >= 7
    members = {r["url"]: dict(r) for r in st.conn.execute(
        "SELECT a.url, m.* FROM story_members m JOIN articles a USING(page_id) WHERE story_id=?", (s["story_id"],))}
    assert members[URL["origin"]]["role"] == "origin"
    assert members[URL["full"]]["lag_hours"] == pytest.approx(25.0)
    assert URL["compilation"] in members
    # the compilation is in the orchard story too
    orch = st.conn.execute("SELECT s.story_id FROM stories s JOIN articles a ON a.page_id=s.origin_id WHERE a.url=?",
                           (URL["orchard"],)).fetchone()[0]
    assert st.conn.execute("SELECT count(*) FROM story_members m JOIN articles a USING(page_id) "
                           "WHERE m.story_id=? AND a.url=?", (orch, URL["compilation"])).fetchone()[0] == 1
    ch = json.loads(st.conn.execute("SELECT changes FROM copies c JOIN articles a ON a.page_id=c.copy_id WHERE a.url=?",
                                    (URL["edited"],)).fetchone()[0])
    assert ch["headline"]["to"].startswith("SHOCK")
    assert ch["added"] and ch["added"][0][0] == 0                # the new intro paragraph
    assert {"from": "residents", "to": "locals"} in ch["substitutions"]


def _summary(store: Store) -> set:
    url = dict(store.conn.execute("SELECT page_id, url FROM articles").fetchall())
    return {(url[r[0]], url[r[1]], url.get(r[2]), r[3], r[4]) for r in
            store.conn.execute("SELECT copy_id, source_id, origin_id, kind, credited FROM copies")}


def test_incremental_equals_rebuild(tmp_path):
    arts = list(corpus().items())
    st = Store(tmp_path / "inc.db")
    first = dict(arts[:6])
    write(st, list(first.values()))
    r1 = link_new(st, translate=False)
    assert r1["indexed"] == 6
    write(st, [a for k, a in arts[6:]])
    r2 = link_new(st, translate=False)
    assert r2["indexed"] == len(arts) - 6
    r3 = link_new(st, translate=False)
    assert r3["indexed"] == 0 and r3["aligned"] == 0           # nothing new: nothing aligned again
    inc = _summary(st)
    stories_inc = st.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    trace_all(st, rebuild=True, translate=False)
    assert _summary(st) == inc
    assert st.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == stories_inc
    # the second batch did not re-align pairs of the first
    pairs = st.conn.execute("SELECT count(*) FROM trace_pairs").fetchone()[0]
    assert r1["aligned"] + r2["aligned"] == pairs
    st.close()


def _ids(*pairs):
    return [{"kind": k, "value": v, "where": "markup"} for k, v in pairs]


def test_operator_groups_strong_only(tmp_path):
    st = Store(tmp_path / "g.db")
    arts = []
    texts = [(key, i) for key in (O, L) for i in range(5)]  # H is the copied text below

    def page(site, n, ids, text=None, credits=()):
        key, i = texts[n]
        return art(f"https://{site}/p/{n}", text or TEXTS[key]["paragraphs"][i], f"t{n}", "2021-05-01T10:00:00+00:00",
                   identifiers=ids, credits=credits)
    # a-b share analytics, b-c crypto, c-d patreon: one group (chain of strong links)
    arts += [page("a-site.example", 0, _ids(("analytics", "UA-1111-1"))),
             page("b-site.example", 1, _ids(("analytics", "UA-1111-1"), ("crypto", "bc1qexampleaddr"))),
             page("c-site.example", 2, _ids(("crypto", "bc1qexampleaddr"), ("patreon", "cpatron"))),
             page("d-site.example", 3, _ids(("patreon", "cpatron")))]
    # e and f share only weak things: a theme, a CDN, the same social share handle
    arts += [page("e-site.example", 4, _ids(("theme", "newsmag-pro"), ("cdn", "cdn.themeforge.example"), ("twitter", "share"))),
             page("f-site.example", 5, _ids(("theme", "newsmag-pro"), ("cdn", "cdn.themeforge.example"), ("twitter", "share")))]
    # g copies a page of a-site with a-site's donation appeal inside: a-site's PayPal appears on one g page only
    src = page("a-site.example", 9, _ids(("analytics", "UA-1111-1"), ("paypal", "give@a-site.example")),
               text=body(H))
    cp = page("g-site.example", 9, _ids(("analytics", "UA-7777-1"), ("paypal", "give@a-site.example")), text=body(H))
    cp.published = "2021-05-03T10:00:00+00:00"
    others = [page("g-site.example", n, _ids(("analytics", "UA-7777-1"))) for n in (6, 7, 8)]
    arts += [src, cp] + others
    write(st, arts)
    res = trace_all(st, translate=False)
    groups = {}
    for site, gid in st.conn.execute("SELECT site, group_id FROM site_groups"):
        groups.setdefault(gid, set()).add(site)
    multi = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    assert multi == [["a-site.example", "b-site.example", "c-site.example", "d-site.example"]]
    assert res["foreign_identifiers_ignored"] >= 1
    weak = st.conn.execute("SELECT strong FROM site_edges WHERE kind='identifier' AND site_a='e-site.example' "
                           "AND site_b='f-site.example'").fetchone()
    assert weak is not None and weak[0] == 0
    flow = st.conn.execute("SELECT weight FROM site_edges WHERE kind='copy' AND site_a='g-site.example' "
                           "AND site_b='a-site.example'").fetchone()
    assert flow is not None and flow[0] == 1
    st.close()


def test_exports(traced, tmp_path):
    st, _ = traced
    copies = list(iter_trace_rows(st, "copies"))
    need = {"copy_url", "source_url", "origin_url", "kind", "language_pair", "spans", "shared_words", "coverage",
            "credited", "credited_to", "confidence", "evidence"}
    assert copies and need <= set(copies[0])
    assert all(c["language_pair"] == "en-en" for c in copies)
    stories = list(iter_trace_rows(st, "stories"))
    assert any(s["origin_url"] == URL["origin"] for s in stories)
    sites = list(iter_trace_rows(st, "sites"))
    assert {s["site"] for s in sites} >= {"harbour-post.example", "coast-daily.example"}
    for fmt in ("gexf", "graphml"):
        out = tmp_path / f"g.{fmt}"
        n = export_graph(st, fmt, str(out))
        assert n > 0 and out.stat().st_size > 0
    import networkx as nx
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert g.has_edge("coast-daily.example", "harbour-post.example")


def test_translation_hook(tmp_path, monkeypatch):
    """Pairs from trace/translate.py become 'translation' links, directed by the same evidence."""
    import sys
    import types

    st = Store(tmp_path / "x.db")
    en = art("https://harbour-post.example/en/ferry", body(H), TEXTS[H]["title"], "2021-05-04T09:00:00+00:00")
    de_text = ("Die regionale Hafenbehörde hat am Dienstagabend einem neuen Fährterminal am Ostpier zugestimmt.\n\n"
               "Die Vorstandsmitglieder sagten, das Terminal werde einen hölzernen Anleger ersetzen.")
    de = art("https://coast-daily.example/de/faehre", de_text, "Hafenbehörde genehmigt Fährterminal",
             "2021-05-06T09:00:00+00:00",
             credits=[{"name": "Harbour Post", "url": None, "form": "source", "text": "Quelle: Harbour Post"}])
    de.language = "de"
    write(st, [en, de])
    calls = []

    def translation_pairs(store, new_ids):
        calls.append(set(new_ids))
        a, b = sorted([en.page_id, de.page_id])
        la, lb = ("en", "de") if a == en.page_id else ("de", "en")
        sa, sb = (body(H), de_text) if a == en.page_id else (de_text, body(H))
        return [{"a_id": a, "b_id": b, "lang_a": la, "lang_b": lb, "score": 0.9, "coverage_a": 0.4, "coverage_b": 1.0,
                 "pairs": [[0, 50, 0, 60, 0.91]]}]
    fake = types.ModuleType("newstrace.trace.translate")
    fake.translation_pairs = translation_pairs
    monkeypatch.setitem(sys.modules, "newstrace.trace.translate", fake)
    res = trace_all(st, translate=True)
    assert calls and {en.page_id, de.page_id} <= calls[0]
    assert res["translation_links"] == 1
    r = rows(st)
    row = r[("https://coast-daily.example/de/faehre", "https://harbour-post.example/en/ferry")]
    assert row["kind"] == "translation" and row["language_pair"] == "de-en" and row["credited"] == "name"
    st.close()


def test_credited_source_date_orders_an_undated_source(tmp_path):
    """A copy's credit block dates its undated source ("Island Wire 15 June 2021"): that date orders the
    pair, where the undated page would otherwise be taken for the copy."""
    st = Store(tmp_path / "d.db")
    text = body(H)
    origin = art("https://island-wire.example/a/ferry", text, TEXTS[H]["title"], None)
    copy = art("https://coast-daily.example/news/2001", text, TEXTS[H]["title"], "2021-06-16")
    copy.extra["original_source"] = {"name": "Island Wire", "url": None, "date": "2021-06-15", "form": "dateline"}
    write(st, [origin, copy])
    trace_all(st, translate=False)
    rows = st.conn.execute("SELECT c.evidence, a.url FROM copies c JOIN articles a ON a.page_id = c.copy_id").fetchall()
    assert [r[1] for r in rows] == [copy.url]
    assert "credited-date" in {e["kind"] for e in json.loads(rows[0][0])}
    st.close()
