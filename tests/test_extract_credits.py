"""Credit statements -> structured credits (with links), and their removal from the body."""
from pathlib import Path

import pytest

from newstrace.extract import credits as cr
from newstrace.extract.article import extract
from newstrace.records import Article, Page

FIX = Path(__file__).parent / "fixtures" / "extract"


@pytest.mark.parametrize("line, form, name", [
    ("The original source of this article is Riverside Echo", "original-source", "Riverside Echo"),
    ("The original source of this article is Riverside Echo. Copyright © Jo Bell, Riverside Echo, 2021",
     "original-source", "Riverside Echo"),
    ("Originally published at Riverside Echo", "originally-published", "Riverside Echo"),
    ("This article was originally published on riverside-echo.example.", "originally-published",
     "riverside-echo.example"),
    ("This article first appeared on Riverside Echo.", "first-appeared", "Riverside Echo"),
    ("Republished from Riverside Echo", "republished", "Riverside Echo"),
    ("Source: RIVERSIDE ECHO", "source", "RIVERSIDE ECHO"),
    ("(via Riverside Echo)", "via", "Riverside Echo"),
    ("h/t Riverside Echo", "h/t", "Riverside Echo"),
    ("Continue reading at Riverside Echo", "read-more", "Riverside Echo"),
    ("Read the full article at Signal & Noise", "read-more", "Signal & Noise"),
    ("© 2004–2021 Riverside Echo", "copyright", "Riverside Echo"),
    ("© 2021 Riverside Echo. All rights reserved.", "copyright", "Riverside Echo"),
])
def test_credit_patterns(line, form, name):
    got = cr.parse_credit(line)
    assert got is not None, line
    assert got["form"] == form
    assert got["name"] == name


@pytest.mark.parametrize("line", [
    "The source said the talks had broken down on Tuesday night after the minister left the room.",
    "First published on Nov 20, 2019 01:38 pm",
    "h/t 1",
    "https://example.org/photo.jpg",  # "ht" + "tps://" is not a hat tip
    "Read more about the budget in our explainer on the city's finances and what it means for you.",
    "Originally, the plan was to open the bridge in May.",
])
def test_prose_is_not_a_credit(line):
    assert cr.parse_credit(line) is None


def test_unnamed_credit_takes_its_link_a_named_one_only_a_link_on_its_name():
    outlinks = [{"href": "https://a.example/story", "text": "Source"},
                {"href": "https://own.example/tag/global/", "text": "Global"}]
    blocks, credits = cr.split_credits(["Para one " * 20, "Source", "Read the full article at Global Dispatch"],
                                       outlinks, {})
    assert blocks == ["Para one " * 20]
    assert credits[0]["url"] == "https://a.example/story"
    assert credits[1]["name"] == "Global Dispatch" and credits[1]["url"] is None


def test_byline_naming_an_outlet_is_a_credit_but_not_a_person_or_own_staff():
    own = {"harbor lamp", "harbor-lamp.example"}
    assert cr.byline_credit("Summit Times", own)["name"] == "Summit Times"
    assert cr.byline_credit("summit-times.example", own)["form"] == "byline"
    assert cr.byline_credit("Mara Lindqvist", own) is None
    assert cr.byline_credit("Harbor Lamp", own) is None
    assert cr.byline_credit("Summit Times Staff", own) is None
    assert cr.byline_credit("ed.cara", own) is None  # a user name, not a domain
    assert [c["name"] for c in cr.byline_credits("Jane Roe; Associated Press", own)] == ["Associated Press"]
    assert cr.byline_credits("Harbor Lamp Sport", own) == []  # the site's own desk


def test_source_given_as_a_url():
    got = cr.parse_credit("Source: https://riverside-echo.example/story")
    assert got["name"] is None and got["url"] == "https://riverside-echo.example/story"


def test_copyright_holder_is_cut_at_the_sentence_end():
    got = cr.parse_credit("© 2019 Associated Press. All Rights Reserved. This material may not be published, "
                          "broadcast, rewritten, or redistributed.")
    assert got["name"] == "Associated Press"
    assert cr.parse_credit("Copyright 2019 Barron's, Inc.")["name"] == "Barron's"


def test_page_credits_links_canonical_and_self_copyright():
    raw = (FIX / "copy_with_credits.html").read_bytes()
    art = extract(Page(source="copy_with_credits.html", url=None, raw=raw))
    assert isinstance(art, Article)
    # the page's own address is og:url, not the canonical that points at the site it copied from
    assert art.site == "harbor-lamp.example"
    assert art.publisher == "Harbor Lamp"
    forms = {c["form"]: c for c in art.credits}
    assert forms["originally-published"]["name"] == "Riverside Echo"
    # the link on the credited name is kept, without its utm_ parameters
    assert forms["originally-published"]["url"] == "https://riverside-echo.example/2021/03/bridge-repairs-delayed/"
    # the "Source:" box after the article container is found too
    assert forms["source"]["url"] == "http://riverside-echo.example/2021/03/bridge-repairs-delayed"
    assert forms["canonical"]["url"].startswith("https://riverside-echo.example/")
    # the site's own copyright line is not a credit
    assert "copyright" not in forms
    assert "Originally published" not in art.body
    assert "Source:" not in art.body
    assert art.body.startswith("The repairs to the old swing bridge")


def test_organization_author_credits_another_outlet_not_its_own_staff():
    own = {"harbor lamp", "harbor-lamp.example"}
    got = cr.org_author_credits(["Signal & Noise", "Harbor Lamp Newsroom", "Editorial Board", "Harbor Lamp"], own)
    assert [c["name"] for c in got] == ["Signal & Noise"]
