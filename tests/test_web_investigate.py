"""Issue 16: what an investigation needs from ``newstrace serve`` -- readable diffs (substitutions shown and
marked, numbered passages linked between the sides, a compilation's other sources named, translations not
word-compared), honest timelines, pivots from identifiers and operator groups, facets and whole exports,
captured copies. Over the same database as tests/test_web.py (ingest samples + hostile fixtures, then trace)."""
from __future__ import annotations

import json
import re
import sqlite3
import warnings
from pathlib import Path

import pytest

from newstrace.web import text as wtext

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from newstrace.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


from test_web import _q, client, db  # noqa: E402,F401 - the same database and client fixtures


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


# -- 1. diffs --------------------------------------------------------------------------------------------
def test_substitutions_are_listed_and_marked_inside_the_passages(client, db):
    rows = [(c, s, json.loads(ch)) for c, s, ch in _q(db, "SELECT copy_id, source_id, changes FROM copies")]
    with_subs = [(c, s, ch["substitutions"]) for c, s, ch in rows if ch.get("substitutions")]
    assert with_subs, "the fixture database has a copy with substituted words"
    for copy_id, source_id, subs in with_subs:
        page = client.get(f"/copy/{copy_id}/{source_id}").text
        items = re.findall(r'<li class="substitution">(.*?)</li>', page, re.S)
        assert len(items) == len(subs)
        for item, sub in zip(items, subs):
            assert _text(item).strip() == f"substituted: {sub['from']} → {sub['to']}"
        # the copy's passages mark the words swapped in, the source's the words swapped out
        marked_copy = re.findall(r'<b class="sub" title="was: ([^"]*)">([^<]*)</b>', page)
        marked_src = re.findall(r'<b class="sub" title="became: ([^"]*)">([^<]*)</b>', page)
        assert {(w.lower(), was) for was, w in marked_copy} >= {(s["to"], s["from"]) for s in subs[:1]} or marked_copy
        assert {w.lower() for _, w in marked_copy} <= {s["to"].lower() for s in subs}
        assert {w.lower() for _, w in marked_src} <= {s["from"].lower() for s in subs}
        assert len(marked_copy) >= 1 and len(marked_src) >= 1
        d = client.get(f"/copy/{copy_id}/{source_id}.json").json()
        assert d["substituted_words_marked"] == len(marked_copy) + len(marked_src)


def test_mark_substitutions_only_where_the_pair_shows_the_swap():
    copy = "The government said so. The government agreed."
    src = "The ministry said so. The government agreed."
    cs = wtext.segments(copy, [(0, 23, 0), (24, len(copy), 1)], "added")
    ss = wtext.segments(src, [(0, 21, 0), (22, len(src), 1)], "removed")
    n = wtext.mark_substitutions(cs, ss, [{"from": "ministry", "to": "government"}])
    assert n == 2
    assert [p for p in cs[0]["parts"] if p["sub"]] == [{"text": "government", "sub": "ministry"}]
    assert not [p for p in cs[2]["parts"] if p["sub"]]  # passage 2 has "government" on both sides
    assert [p["text"] for p in ss[0]["parts"] if p["sub"]] == ["ministry"]
    for segs, text in ((cs, copy), (ss, src)):
        assert "".join(p["text"] for s in segs for p in (s.get("parts") or [s])) == text


def test_passages_are_numbered_and_linked_between_the_sides(client, db):
    copy_id, source_id = max(_q(db, "SELECT copy_id, source_id, spans FROM copies"),
                             key=lambda r: len(json.loads(r[2])))[:2]
    page = client.get(f"/copy/{copy_id}/{source_id}").text
    d = client.get(f"/copy/{copy_id}/{source_id}.json").json()
    pairs = [s["pair"] for s in d["segments"]["copy"] if s["cls"] == "aligned"]
    assert len(pairs) > 6   # more passages than tints: the numbers tell them apart
    for p in pairs:
        assert f'id="c{p}"' in page and f'id="s{p}"' in page
        assert f'<a class="pn" href="#s{p}"' in page and f'<a class="pn" href="#c{p}"' in page
        assert re.search(rf'<a class="pn" href="#s{p}"[^>]*>{p + 1}</a>', page)


def test_aligned_tints_are_far_from_added_and_removed():
    css = (ROOT / "src/newstrace/web/static/style.css").read_text()

    def rgb(h):
        h = h.lstrip("#")
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))

    def bg(sel):
        m = re.search(re.escape(sel) + r"\s*\{[^}]*background:(#[0-9a-fA-F]{6})", css)
        assert m, sel
        return rgb(m.group(1))

    ins, dele = bg("ins"), bg("del")
    tints = [bg("mark.aligned")] + [bg(f"mark.p{i}") for i in range(1, 6)]
    for t in tints:
        for other in (ins, dele):
            assert sum((a - b) ** 2 for a, b in zip(t, other)) ** .5 > 40, (t, other)


def test_compilation_names_its_other_source_and_does_not_call_its_text_added(client, db):
    (copy_id,), = _q(db, "SELECT copy_id FROM copies WHERE kind = 'compilation' GROUP BY copy_id "
                         "HAVING COUNT(*) > 1 LIMIT 1")
    links = _q(db, "SELECT source_id FROM copies WHERE copy_id = ?", (copy_id,))
    for (source_id,) in links:
        other = next(s for (s,) in links if s != source_id)
        site, title = _q(db, "SELECT site, title FROM articles WHERE page_id = ?", (other,))[0]
        page = client.get(f"/copy/{copy_id}/{source_id}").text
        others = _text(re.search(r'<p class="others">(.*?)</p>', page, re.S).group(1))
        assert site in others and title in others
        assert other[:10] + "<" not in page  # no bare hash as the name
        d = client.get(f"/copy/{copy_id}/{source_id}.json").json()
        from_other = [s for s in d["segments"]["copy"] if s["cls"] == "other"]
        assert from_other and all(s["from"]["source_id"] == other for s in from_other)
        assert d["from_other_sources_chars"] > 100
        # what the other source supplied is not counted as added
        added = "".join(s["text"] for s in d["segments"]["copy"] if s["cls"] == "added")
        assert all(s["text"] not in added for s in from_other)


def test_story_names_a_compilations_other_sources(client, db):
    (copy_id, story_id), = _q(db, "SELECT copy_id, MIN(story_id) FROM copies WHERE kind = 'compilation' "
                                  "GROUP BY copy_id HAVING COUNT(*) > 1 LIMIT 1")
    page = client.get(f"/story/{story_id}").text
    m = re.search(r"also draws on (.*?)</div>|also draws on (.*?)\n", page, re.S)
    assert m
    shown = _text(m.group(0))
    assert re.search(r"\b[0-9a-f]{10}\b", shown) is None
    assert ".example" in shown or "." in shown


def test_translations_are_not_word_compared(client, db):
    rows = _q(db, "SELECT copy_id, source_id, story_id FROM copies WHERE kind = 'translation'")
    assert rows
    for copy_id, source_id, story_id in rows:
        page = client.get(f"/copy/{copy_id}/{source_id}").text
        assert "0 shared words" not in page and "Headline changed" not in page
        assert "aligned by meaning across languages" in page
        assert "Headline in another language" in page
        story = client.get(f"/story/{story_id}").text
        assert "0 shared words" not in story


def test_german_ordinal_does_not_end_a_sentence():
    from newstrace.trace.translate import unit_spans

    body = ("Der Damm wurde am 24. März 2024 von der Regierung in Varonia genehmigt, trotz Protesten der Fischer. "
            "Die Fischer protestierten im 19. Jahrhundert schon einmal gegen einen Damm am selben Fluss.")
    units = [body[a:b] for a, b in unit_spans(body)]
    assert units == [body[:body.index(" Die") ], body[body.index("Die"):]]
    en = "The council of the town voted on the plan by 24. The mayor said the plan was fine and that work will start soon."
    assert len(unit_spans(en)) == 2


# -- 2. timelines ----------------------------------------------------------------------------------------
def test_ticks_are_calendar_true():
    from datetime import datetime, timedelta, timezone

    from newstrace.web import svg

    t0 = datetime(2025, 3, 6, 12, 0, tzinfo=timezone.utc)
    for t1 in (datetime(2025, 3, 6, 20, tzinfo=timezone.utc), datetime(2025, 3, 19, 3, tzinfo=timezone.utc),
               datetime(2025, 9, 6, tzinfo=timezone.utc), datetime(2031, 1, 1, tzinfo=timezone.utc)):
        ticks = svg.date_ticks(t0, t1)
        assert 2 <= len(ticks) <= 9
        for t, label in ticks:
            assert t0 <= t <= t1
            # the label names exactly the instant the tick stands at: parsing it back gives the same time
            fmt = {16: "%m-%d %H:%M", 10: "%Y-%m-%d", 7: "%Y-%m", 4: "%Y"}[len(label) if len(label) != 11 else 16]
            back = datetime.strptime(label if fmt != "%m-%d %H:%M" else f"{t.year}-{label}",
                                     "%Y-%m-%d %H:%M" if fmt == "%m-%d %H:%M" else fmt).replace(tzinfo=timezone.utc)
            assert back == t, (label, t)
        gaps = {(b - a) for (a, _), (b, _) in zip(ticks, ticks[1:])}
        assert max(gaps) - min(gaps) <= timedelta(days=3) or max(gaps).days > 360  # even steps (months, leap years vary)


def test_undated_pages_are_drawn_apart_and_backdated_copies_warned():
    from newstrace.web import svg

    members = [
        {"page_id": "o", "role": "origin", "kind": None, "site": "a.example", "when": "2025-03-06T12:00:00Z",
         "lag_hours": 0},
        {"page_id": "c1", "role": "copy", "kind": "full", "site": "b.example", "when": "2025-03-08T12:00:00Z",
         "lag_hours": 48, "parent_id": "o"},
        {"page_id": "c2", "role": "copy", "kind": "full", "site": "c.example", "when": None, "lag_hours": None,
         "parent_id": "o"},
        {"page_id": "c3", "role": "copy", "kind": "edited", "site": "d.example", "when": "2025-02-22T12:00:00Z",
         "lag_hours": -12 * 24, "parent_id": "o"},
    ]
    t = svg.timeline(members)
    by = {d["href"].rsplit("/", 1)[1]: d for d in t["dots"]}
    assert by["c2"]["x"] > t["right"] and not by["c2"]["dated"]          # not at the origin's date
    assert by["c2"]["x"] != by["o"]["x"]
    assert by["c3"]["x"] < by["o"]["x"] and by["c3"]["backdated"] and "BEFORE its origin" in by["c3"]["tip"]
    assert len(t["warnings"]) == 1
    assert not any(d["backdated"] for k, d in by.items() if k != "c3")
    assert {d["shape"] for d in t["dots"]} >= {"star", "circle", "diamond"}   # kinds differ by shape too


def test_story_warns_of_backdated_copy_and_does_not_start_there(client, db):
    rows = _q(db, "SELECT m.story_id, m.page_id, m.published FROM story_members m WHERE m.lag_hours < -1")
    assert rows, "the fixture database has a copy dated before its origin"
    for story_id, page_id, published in rows:
        page = client.get(f"/story/{story_id}").text
        d = client.get(f"/story/{story_id}.json").json()
        assert "backdated or a wrong date" in page and 'class="warn backdated"' in page
        assert page_id in [b["page_id"] for b in d["backdated"]]
        assert d["first_seen"] and not d["first_seen"].startswith(published[:10])
        assert 'class="warn"' in page and "⚠" in page


@pytest.fixture(scope="module")
def doctored(db, tmp_path_factory):
    """The same database with one copy call made weak (0.52) with counter-evidence, and one member undated."""
    import shutil

    path = str(tmp_path_factory.mktemp("doctored") / "d.db")
    src = sqlite3.connect(db)
    dst = sqlite3.connect(path)
    src.backup(dst)
    src.close()
    copy_id, source_id, story_id = dst.execute("SELECT copy_id, source_id, story_id FROM copies "
                                               "WHERE kind = 'full' ORDER BY copy_id LIMIT 1").fetchone()
    ev = [{"kind": "dates", "detail": "later", "weight": 1.5},
          {"kind": "containment", "detail": "source is mostly in the copy", "weight": -1.5}]
    dst.execute("UPDATE copies SET confidence = 0.52, evidence = ? WHERE copy_id = ? AND source_id = ?",
                (json.dumps(ev), copy_id, source_id))
    dst.execute("UPDATE story_members SET published = NULL WHERE page_id = ?", (copy_id,))
    dst.execute("UPDATE articles SET published = NULL WHERE page_id = ?", (copy_id,))
    dst.commit()
    dst.close()
    _ = shutil
    return path, copy_id, source_id, story_id


def test_low_confidence_and_counter_evidence_shown_as_such(doctored):
    path, copy_id, source_id, story_id = doctored
    with TestClient(create_app(path), raise_server_exceptions=False) as c:
        page = c.get(f"/copy/{copy_id}/{source_id}").text
        assert "uncertain call" in page
        assert re.search(r'<li class="against"><b class="against">against</b> <b>containment</b>', page)
        assert re.search(r'<li class="for"><b class="for">for</b> <b>dates</b>', page)
        assert "1 against" in _text(page)
        story = c.get(f"/story/{story_id}").text
        assert 'class="warn uncertain"' in story
        assert copy_id in c.get(f"/story/{story_id}.json").json()["uncertain"]
        # the undated copy sits in the "no date" column, not at the origin's date
        assert re.search(rf'<a class="dot undated" href="/article/{copy_id}"', story)
        assert ">no date</text>" in story


# -- 3. pivots -------------------------------------------------------------------------------------------
def test_identifier_page_lists_every_site_and_page_carrying_it(client, db):
    from urllib.parse import quote

    for kind, value, n in _q(db, "SELECT kind, value, COUNT(*) FROM identifiers GROUP BY kind, value "
                                 "ORDER BY COUNT(*) DESC LIMIT 5"):
        url = f"/identifier?kind={quote(kind)}&value={quote(value)}"
        d = client.get(url.replace("/identifier?", "/identifier.json?")).json()
        assert d["total_pages"] == n
        want = {s for (s,) in _q(db, "SELECT DISTINCT a.site FROM identifiers i JOIN articles a USING (page_id) "
                                     "WHERE i.kind = ? AND i.value = ?", (kind, value))}
        assert {s["site"] for s in d["sites"]} == want
        dates = [p for (p,) in _q(db, "SELECT COALESCE(a.published, a.fetched_at) FROM identifiers i JOIN articles a "
                                      "USING (page_id) WHERE i.kind = ? AND i.value = ?", (kind, value)) if p]
        assert d["first_seen"] == min(dates) and d["last_seen"] == max(dates)
        page = client.get(url).text
        for p in d["pages"]:
            assert f'href="/article/{p["page_id"]}"' in page
        # reached in one click from the page of every site carrying it and every page carrying it
        site_page = client.get(f"/site/{quote(d['sites'][0]['site'], safe='')}").text
        assert f'href="/identifier?kind={quote(kind)}&amp;value={quote(value)}"' in site_page.replace("%40", "@") \
            or f'href="/identifier?kind={quote(kind)}&amp;value={quote(value, safe="")}"' in site_page
        art = client.get(f"/article/{d['pages'][0]['page_id']}").text
        assert "/identifier?kind=" in art and html_unescape_has(art, value)


def html_unescape_has(page: str, value: str) -> bool:
    import html

    return value in html.unescape(page)


def test_search_finds_identifiers_and_credited_names(client, db):
    (value,), = _q(db, "SELECT value FROM identifiers WHERE value LIKE 'UA-%' LIMIT 1")
    d = client.get(f"/search.json?q={value[:7]}").json()
    assert value in [i["value"] for i in d["identifiers"]]
    assert "/identifier?kind=" in client.get(f"/search?q={value[:7]}").text
    (name,), = _q(db, "SELECT name FROM credits WHERE name IS NOT NULL AND name != '' GROUP BY name "
                      "ORDER BY COUNT(*) DESC LIMIT 1")
    d = client.get(f"/search.json?q={name}").json()
    assert name in [c["name"] for c in d["credited_names"]]
    c = client.get("/credited.json", params={"name": name}).json()
    assert len(c["pages"]) == _q(db, "SELECT COUNT(*) FROM credits WHERE name = ?", (name,))[0][0]


def test_group_pages_and_links(client, db):
    from urllib.parse import quote

    (gid, n), = _q(db, "SELECT group_id, COUNT(*) FROM site_groups GROUP BY group_id ORDER BY COUNT(*) DESC LIMIT 1")
    assert n >= 2
    d = client.get(f"/group/{gid}.json").json()
    assert len(d["sites"]) == n
    assert d["shared_identifiers"] and all(len(i["sites"]) >= 2 for i in d["shared_identifiers"])
    page = client.get(f"/group/{gid}").text
    assert "/identifier?kind=" in page
    assert f'href="/group/{gid}"' in client.get("/sites").text
    site = d["sites"][0]["site"]
    assert f'href="/group/{gid}"' in client.get(f"/site/{quote(site, safe='')}").text
    assert client.get("/group/nope").status_code == 404


def test_story_shows_sites_sharing_an_operator(client, db):
    rows = _q(db, "SELECT m.story_id, g.group_id, COUNT(DISTINCT a.site) FROM story_members m JOIN articles a "
                  "USING (page_id) JOIN site_groups g ON g.site = a.site GROUP BY m.story_id, g.group_id "
                  "HAVING COUNT(DISTINCT a.site) > 1")
    assert rows
    for story_id, gid, n in rows:
        d = client.get(f"/story/{story_id}.json").json()
        assert any(g["group_id"] == gid and len(g["sites"]) == n for g in d["shared_operators"])
        assert f'href="/group/{gid}"' in client.get(f"/story/{story_id}").text


# -- 5. facets, totals, page numbers, whole exports -------------------------------------------------------
def test_lists_have_totals_facets_and_whole_streamed_exports(client, db):
    import csv
    import io

    n_stories = _q(db, "SELECT COUNT(*) FROM stories")[0][0]
    d = client.get("/stories.json").json()
    assert d["total"] == n_stories and d["last_page"] == 1 and d["page_numbers"] == [1]
    de = [s for (s,) in _q(db, "SELECT story_id FROM stories WHERE languages LIKE '%\"de\"%'")]
    assert de and len(de) < n_stories
    assert sum(f["n"] for f in d["facets"]["lang"] if f["value"] == "de") == len(de)
    d = client.get("/stories.json?lang=de").json()
    assert d["total"] == len(de) and {s["story_id"] for s in d["stories"]} == set(de)
    page = client.get("/stories?lang=de").text
    assert re.search(r'href="/export/stories.csv\?lang=de&(amp;)?sort=size"', page)
    r = client.get("/export/stories.csv?lang=de&sort=size")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["story_id"] for x in rows} == set(de)
    # copies: every row of the filtered list, not the first page
    n_none = _q(db, "SELECT COUNT(*) FROM copies WHERE credited = 'none'")[0][0]
    d = client.get("/copies.json?credited=none").json()
    assert d["total"] == n_none
    assert {f["value"]: f["n"] for f in client.get("/copies.json").json()["facets"]["credited"]}["none"] == n_none
    j = client.get("/export/copies.json?credited=none").json()
    assert len(j) == n_none and all(x["credited"] == "none" for x in j)
    # sites: sorted, totals, export
    d = client.get("/sites.json?sort=site").json()
    assert [s["site"] for s in d["sites"]] == sorted(s["site"] for s in d["sites"])
    assert d["total"] == _q(db, "SELECT COUNT(*) FROM sites")[0][0]
    assert len(list(csv.DictReader(io.StringIO(client.get("/export/sites.csv").text)))) == d["total"]
    # search export: every match
    matches = _q(db, "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'dam'")[0][0]
    assert len(list(csv.DictReader(io.StringIO(client.get("/export/search.csv?q=dam").text)))) == matches
    assert client.get("/stories?sort=nope").status_code == 400
    assert client.get("/export/nope.csv").status_code == 404


def test_page_numbers():
    from newstrace.web.views import _listing

    x = _listing(7, 50 * 20 + 3)
    assert x["last_page"] == 21 and x["page_numbers"] == [1, 4, 5, 6, 7, 8, 9, 10, 21] and x["more"]


def test_dates_printed_one_way(client, db):
    """A time stamp prints as YYYY-MM-DD HH:MM UTC (offsets folded into UTC), a bare date as itself, on every
    page that lists dates; the JSON twins keep the stored value."""
    from newstrace.web.svg import show_when

    assert show_when("2021-01-04T19:45:00+01:00") == "2021-01-04 18:45 UTC"
    assert show_when("2021-01-08T22:58:00Z") == "2021-01-08 22:58 UTC"
    assert show_when("2021-01-08") == "2021-01-08" and show_when(None) == "" and show_when("soon") == "soon"
    stamped = _q(db, "SELECT page_id, published FROM articles WHERE published LIKE '____-__-__T%' LIMIT 1")
    assert stamped, "the fixture database has a page with a time stamp"
    pid, published = stamped[0]
    story = _q(db, "SELECT story_id FROM story_members WHERE page_id = ?", (pid,))
    kind, value = _q(db, "SELECT kind, value FROM identifiers LIMIT 1")[0]
    paths = [f"/article/{pid}", "/copies", "/stories", "/search?q=the", "/problems",
             f"/identifier?kind={kind}&value={value}"] + [f"/story/{s}" for (s,) in story]
    raw = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
    for path in paths:
        html = client.get(path).text
        shown = _text(re.sub(r"<(script|title|svg)\b.*?</\1>", "", html, flags=re.S))
        assert not raw.search(shown), (path, raw.search(shown).group(0))
    assert show_when(published) in _text(client.get(f"/article/{pid}").text)
    assert client.get(f"/article/{pid}.json").json()["article"]["published"] == published


def test_search_totals_facets_story_groups_and_export(client, db):
    """Search counts its matches, facets them by site and language (each facet a working filter), lists a story's
    other matching pages under its best match instead of repeating the text, and links the whole result's export."""
    matches = _q(db, "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'dam'")[0][0]
    d = client.get("/search.json?q=dam").json()
    assert d["total"] == matches and d["ranked_within_latest"] is None
    assert sum(x["n"] for x in d["facets"]["site"]) == matches == sum(x["n"] for x in d["facets"]["lang"])
    top = d["facets"]["site"][0]
    assert client.get(f"/search.json?q=dam&site={top['value']}").json()["total"] == top["n"]
    lang = d["facets"]["lang"][0]
    assert client.get(f"/search.json?q=dam&lang={lang['value']}").json()["total"] == lang["n"]
    story_of = {}
    for page_id, story_id in _q(db, "SELECT page_id, story_id FROM story_members"):
        story_of.setdefault(page_id, story_id)
    rows = d["results"]
    assert all(r["story_id"] == story_of.get(r["page_id"]) for r in rows)
    stories = [r["story_id"] for r in rows if r["story_id"]]
    assert len(stories) > len(set(stories)), "the fixture database has a story with several pages matching 'dam'"
    html = client.get("/search?q=dam").text
    ol = html[html.index('<ol class="results">'):html.index("</ol>")]
    assert ol.count("<li>") == len(set(stories)) + sum(1 for r in rows if not r["story_id"])
    assert ol.count('class="in-story"') == len(set(stories)) and "also matching here" in ol
    assert re.search(r'href="/export/search\.csv\?[^"]*q=dam', html)


def test_sites_list_facets_by_group_and_size(client, db):
    """The sites list counts its sites by operator group and by size; each facet value is a working filter."""
    d = client.get("/sites.json").json()
    groups = {}
    for (g,) in _q(db, "SELECT group_id FROM site_groups"):
        groups[g] = groups.get(g, 0) + 1
    assert {x["value"]: x["n"] for x in d["facets"]["group"]} == dict(sorted(groups.items(), key=lambda x: (-x[1], x[0]))[:12])
    for x in d["facets"]["group"][:3] + d["facets"]["min_pages"]:
        key = "group" if x in d["facets"]["group"] else "min_pages"
        assert client.get(f"/sites.json?{key}={x['value']}").json()["total"] == x["n"]
    assert d["facets"]["min_pages"][0] == {"value": "1", "n": _q(db, "SELECT COUNT(*) FROM sites WHERE pages >= 1")[0][0]}
    html = client.get("/sites").text
    assert '<aside class="facets">' in html and re.search(r'href="/sites\?[^"]*min_pages=1"', html)


def test_month_facet_on_stories_and_copies(client, db):
    """The stories and copies lists count their rows by calendar month (first seen; the copy's date), latest
    first; a month's link filters the list to exactly that month."""
    for path, sql in (("stories", "SELECT substr(first_seen, 1, 7) FROM stories WHERE first_seen IS NOT NULL"),
                      ("copies", "SELECT substr(a.published, 1, 7) FROM copies c JOIN articles a ON a.page_id = c.copy_id "
                                 "JOIN articles s ON s.page_id = c.source_id WHERE a.published IS NOT NULL")):
        want = {}
        for (m,) in _q(db, sql):
            want[m] = want.get(m, 0) + 1
        got = client.get(f"/{path}.json").json()["facets"]["month"]
        assert [x["value"] for x in got] == sorted(want, reverse=True)[:12]
        assert all(x["n"] == want[x["value"]] for x in got)
        m = got[0]
        assert client.get(f"/{path}.json?from={m['value']}-01&to={m['value']}-31").json()["total"] == m["n"]
        html = client.get(f"/{path}").text
        assert f"from={m['value']}-01&amp;to={m['value']}-31" in html and "<h3>Month</h3>" in html
