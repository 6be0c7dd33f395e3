"""Which page a copy was taken from when the same text is on several pages (origin and earlier copies):
the marks an intermediate page left (its byline, media it added, an excerpt it made) send a copy to it;
a shared omission, or nothing at all, leaves the copy attached to the origin.  Each row says why."""
from __future__ import annotations

import json

import pytest

from newstrace.store import Store
from newstrace.trace import trace_all

from test_trace import TEXTS, art, write

H = "harbour"
ORIGIN = "https://harbour-post.example/2021/05/04/ferry-terminal/"
IMG = "https://harbour-post.example/img/ferry.jpg"


def paras(idx=None) -> str:
    ps = TEXTS[H]["paragraphs"]
    return "\n\n".join(ps if idx is None else [ps[i] for i in idx])


def page(url, text, published, byline=None, media=(), credits=()):
    a = art(url, text, TEXTS[H]["title"], published, credits=credits, byline=byline)
    a.media = [{"type": "image", "url": m} for m in media]
    return a


def sources(db) -> dict[str, tuple[str, str, list]]:
    st = Store(db)
    rows = st.conn.execute(
        "SELECT c.url, s.url, k.kind, k.evidence FROM copies k JOIN articles c ON c.page_id = k.copy_id "
        "JOIN articles s ON s.page_id = k.source_id").fetchall()
    st.close()
    return {r[0]: (r[1], r[2], json.loads(r[3])) for r in rows}


def traced(tmp_path, arts) -> dict:
    db = str(tmp_path / "t.db")
    st = Store(db)
    write(st, arts)
    trace_all(st, rebuild=True, translate=False)
    st.close()
    return sources(db)


def why(row) -> str:
    return next(e["detail"] for e in row[2] if e["kind"] == "parent")


def test_copy_carrying_an_intermediate_pages_byline_is_its_chain(tmp_path):
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00", byline="Mara Olsen", media=[IMG])
    p = page("https://coast-daily.example/news/1", paras(), "2021-05-06T09:00:00+00:00", byline="Jon Pike", media=[IMG])
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00", byline="Jon Pike", media=[IMG])
    s = page("https://town-notes.example/s/3", paras(), "2021-05-10T09:00:00+00:00", byline="Ana Ruiz", media=[IMG])
    got = traced(tmp_path, [o, p, c, s])
    assert got[c.url][0] == p.url and got[c.url][1] == "chain"
    assert "byline" in why(got[c.url])
    # a copy with its own byline and nothing else to tell: the origin
    assert got[s.url][0] == ORIGIN
    assert got[p.url][0] == ORIGIN


def test_shared_omission_is_no_mark(tmp_path):
    # both later copies dropped the origin's image: copiers do that independently
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00", byline="Mara Olsen", media=[IMG])
    p = page("https://coast-daily.example/news/1", paras(), "2021-05-06T09:00:00+00:00", byline="Jon Pike")
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00", byline="Eli Fox")
    got = traced(tmp_path, [o, p, c])
    assert got[c.url][0] == ORIGIN and got[p.url][0] == ORIGIN
    assert "closest to the origin" in why(got[c.url])


def test_copy_of_an_excerpt_whole_goes_to_the_excerpt(tmp_path):
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    p = page("https://island-wire.example/a/1", paras([2, 3, 4]), "2021-05-06T09:00:00+00:00")
    c = page("https://quiet-reader.example/p/2", paras([2, 3, 4]), "2021-05-09T09:00:00+00:00")
    full = page("https://town-notes.example/s/3", paras(), "2021-05-10T09:00:00+00:00")
    got = traced(tmp_path, [o, p, c, full])
    assert got[p.url][:2] == (ORIGIN, "partial")
    assert got[c.url][0] == p.url and "excerpt" in why(got[c.url])
    assert got[full.url][0] == ORIGIN    # the whole text cannot come from the excerpt


def test_media_hotlinked_from_a_copying_site(tmp_path):
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    rehosted = "https://coast-daily.example/uploads/ferry-copy.jpg"
    p = page("https://coast-daily.example/news/1", paras(), "2021-05-06T09:00:00+00:00", media=[rehosted])
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00", media=[rehosted])
    got = traced(tmp_path, [o, p, c])
    assert got[c.url][0] == p.url
    assert any(e["kind"] == "media-hotlink" for e in got[c.url][2])


@pytest.mark.parametrize("credit_to", ["origin", "intermediate"])
def test_credit_decides_when_text_cannot(tmp_path, credit_to):
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    p = page("https://coast-daily.example/news/1", paras(), "2021-05-06T09:00:00+00:00")
    target = ORIGIN if credit_to == "origin" else p.url
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00",
             credits=[{"name": None, "url": target, "form": "source", "text": f"Source: {target}"}])
    got = traced(tmp_path, [o, p, c])
    assert got[c.url][0] == target
    assert "credits this page by link" in why(got[c.url])


def test_byline_at_home_on_one_site_orders_two_undated_pages(tmp_path):
    # the byline signs another article of harbour-post, none of coast-daily: coast-daily carries it
    o = page(ORIGIN, paras(), None, byline="Mara Olsen")
    other = art("https://harbour-post.example/2021/04/01/library/", "\n\n".join(TEXTS["library"]["paragraphs"]),
                TEXTS["library"]["title"], None, byline="By Mara Olsen")
    c = page("https://coast-daily.example/news/1", paras(), None, byline="Mara Olsen")
    got = traced(tmp_path, [c, o, other])
    assert got[c.url][0] == ORIGIN
    assert any(e["kind"] == "byline-home" for e in got[c.url][2])
    assert ORIGIN not in {k for k in got}


@pytest.mark.parametrize("tag", ["coast-daily", None])
def test_link_tagged_by_an_intermediate_site(tmp_path, tag):
    # coast-daily's credit link carries its own utm_source; a page carrying that tag took coast-daily's text
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    href = ORIGIN + (f"?utm_source={tag}&utm_medium=referral" if tag else "")
    line = {"name": "Harbour Post", "url": href, "form": "source", "text": "Source: Harbour Post"}
    p = page("https://coast-daily.example/news/1", paras(), "2021-05-06T09:00:00+00:00", credits=[line])
    p.outlinks = [{"href": href, "text": "Harbour Post", "in_body": False}]
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00", credits=[line])
    c.outlinks = [{"href": href, "text": "Harbour Post", "in_body": False}]
    got = traced(tmp_path, [o, p, c])
    if tag:
        assert got[c.url][0] == p.url and "tagged by coast-daily.example" in why(got[c.url])
        assert any(e["kind"] == "referral-tag" for e in got[c.url][2])
    else:
        assert got[c.url][0] == ORIGIN


@pytest.mark.parametrize("form", ["source", "read-more"])
def test_excerpt_copied_whole_outranks_a_credit_to_the_origin(tmp_path, form):
    # island-wire made an excerpt; quiet-reader has exactly that excerpt and names the origin.  Written
    # "Source: Harbour Post" the credit names the original source of a text taken from the excerpt; written
    # "Read more at Harbour Post" the page says it is itself an excerpt of the origin's page, so the credit
    # stands (two sites may well cut the same lede)
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    p = page("https://island-wire.example/a/1", paras([0, 1]), "2021-05-06T09:00:00+00:00")
    text = "Source: Harbour Post" if form == "source" else "Read more at Harbour Post"
    c = page("https://quiet-reader.example/p/2", paras([0, 1]), "2021-05-09T09:00:00+00:00",
             credits=[{"name": "Harbour Post", "url": ORIGIN, "form": form, "text": text}])
    got = traced(tmp_path, [o, p, c])
    assert got[p.url][:2] == (ORIGIN, "partial")
    if form == "source":
        assert got[c.url][:2] == (p.url, "chain") and "excerpt" in why(got[c.url])
    else:
        assert got[c.url][0] == ORIGIN and "credits this page" in why(got[c.url])


@pytest.mark.parametrize("precision", ["day", "month"])
def test_a_first_of_month_date_orders_pages_only_when_it_is_a_day(tmp_path, precision):
    # extraction says whether "2021-07-01" was spelled out on the page or is htmldate's reading of a month
    o = page(ORIGIN, paras(), "2021-07-01")
    o.extra = {"published_precision": precision}
    c = page("https://quiet-reader.example/p/2", paras(), "2021-07-12T09:00:00+00:00")
    c.extra = {"published_precision": "time"}
    got = traced(tmp_path, [o, c])
    if precision == "day":
        assert got[c.url][0] == ORIGIN
        assert any(e["kind"] == "dates" for e in got[c.url][2])
    else:   # a month is no evidence of order: the undated-looking page is taken for the copy
        assert got[ORIGIN][0] == c.url
        assert not any(e["kind"] == "dates" for e in got[ORIGIN][2])


def test_credit_carried_from_an_intro_the_intermediate_wrote(tmp_path):
    # town-notes rewrote the origin with an intro paragraph of its own (from another text) and a credit to
    # Harbour Post; quiet-reader took only that intro, credit line and all.  Harbour Post has none of
    # quiet-reader's text, so its credit came from town-notes: town-notes is no compilation of two sources
    intro = TEXTS["library"]["paragraphs"][0] + " " + TEXTS["library"]["paragraphs"][1]
    line = {"name": "Harbour Post", "url": None, "form": "source", "text": "Source: Harbour Post"}
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    e = page("https://town-notes.example/s/3", intro + "\n\n" + paras([0, 1, 2, 3, 4]), "2021-05-06", credits=[line])
    x = page("https://quiet-reader.example/p/2", intro, None, credits=[line])
    got = traced(tmp_path, [o, e, x])
    assert got[e.url][:2] == (ORIGIN, "edited")
    assert got[x.url][0] == e.url
    assert any(ev["kind"] == "credit-carried" for ev in got[x.url][2])


def test_copy_carrying_an_intermediate_pages_cut_is_its_chain(tmp_path):
    # island-wire left out paragraphs 2-3 of the origin; quiet-reader runs from paragraph 1 straight on to
    # paragraph 4, across that cut: it took island-wire's excerpt.  town-notes cut nothing inside: origin
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    p = page("https://island-wire.example/a/1", paras([0, 1, 4, 5]), "2021-05-06T09:00:00+00:00")
    c = page("https://quiet-reader.example/p/2", paras([0, 1, 4]), "2021-05-09T09:00:00+00:00")
    s = page("https://town-notes.example/s/3", paras([0, 1]), "2021-05-10T09:00:00+00:00")
    got = traced(tmp_path, [o, p, c, s])
    assert got[p.url][:2] == (ORIGIN, "partial")
    assert got[c.url][:2] == (p.url, "chain") and "cut" in why(got[c.url])
    assert got[s.url][0] == ORIGIN


def test_a_malformed_extra_column_costs_only_the_date_precision(tmp_path):
    o = page(ORIGIN, paras(), "2021-05-04T09:00:00+00:00")
    c = page("https://quiet-reader.example/p/2", paras(), "2021-05-09T09:00:00+00:00")
    db = str(tmp_path / "t.db")
    st = Store(db)
    write(st, [o, c])
    with st.conn:
        st.conn.execute("UPDATE articles SET extra = '{not json' WHERE url = ?", (c.url,))
    trace_all(st, rebuild=True, translate=False)
    st.close()
    assert sources(db)[c.url][0] == ORIGIN


@pytest.mark.parametrize("when, copy_is_timed", [("2021-05-04T13:00:00+05:00", True),
                                                 ("2021-05-04T10:00:00+05:00", False)])
def test_a_day_only_date_is_read_as_midday_in_the_timed_pages_offset(tmp_path, when, copy_is_timed):
    # nothing but the dates to go by, on one day: "2021-05-04" stands for its midday, and with its site's
    # UTC offset unknown it is read in the other page's offset (13:00+05:00 is after that midday, 10:00
    # before it; read as midday UTC both would come before)
    day_only = page(ORIGIN, paras(), "2021-05-04")
    timed = page("https://quiet-reader.example/p/2", paras(), when)
    got = traced(tmp_path, [day_only, timed])
    if copy_is_timed:
        assert got[timed.url][0] == ORIGIN
    else:
        assert got[ORIGIN][0] == timed.url
