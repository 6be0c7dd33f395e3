"""Publisher from the page (kept apart from byline and original source), the original source as a structured
record (name, URL, date) in each credit form and language, and handles written in prose."""
from pathlib import Path

import pytest

from newstrace.extract import credits as cm
from newstrace.extract import publisher as pm
from newstrace.extract.article import extract
from newstrace.extract.identifiers import drop_body_mentions, find_identifiers
from newstrace.read import read_path
from newstrace.records import Article, Page

FIX = Path(__file__).parent / "fixtures" / "extract"


def _lone_text_page():
    [page] = list(read_path(str(FIX / "lone_republished.txt"), url="https://pacific-ledger.example/2021/06/sea-wall"))
    art = extract(page)
    assert isinstance(art, Article)
    return art


def test_lone_text_page_publisher_source_and_handles():
    art = _lone_text_page()
    # the site names itself in its furniture; the source's copyright line is not the publisher
    assert art.publisher == "Pacific Ledger" and art.extra["publisher_from"] == "page-text"
    assert art.byline == "Tide Watch"
    # the credit block names the source, its dateline gives the date
    assert art.extra["original_source"] == {"name": "Tide Watch", "url": None, "date": "2021-06-15",
                                            "form": "original-source"}
    assert "Tide Watch 15 June 2021" not in art.body and "Pacific Ledger, June 16, 2021" not in art.body
    got = {(i["kind"], i["value"]) for i in art.identifiers}
    assert ("instagram", "pacific_ledger_ex") in got and ("twitter", "PacLedgerEx") in got


@pytest.mark.parametrize("line, name, date", [
    ("The original source of this article is Mountain Courier", "Mountain Courier", None),
    ("First published at Mountain Courier on 15 June 2021", "Mountain Courier", "2021-06-15"),
    ("This article first appeared on Mountain Courier on June 15, 2021.", "Mountain Courier", "2021-06-15"),
    ("Originally appeared on Mountain Courier", "Mountain Courier", None),
    ("Originally published at Mountain Courier, 2021-06-15", "Mountain Courier", "2021-06-15"),
    ("Source: Mountain Courier, 15.06.2021", "Mountain Courier", "2021-06-15"),
    ("Publié initialement sur Le Courrier des Monts le 15 juin 2021", "Le Courrier des Monts", "2021-06-15"),
    ("Dieser Artikel ist zuerst erschienen bei Bergkurier am 15. Juni 2021",
     "Bergkurier", "2021-06-15"),
    ("Quelle: Bergkurier, 15. Juni 2021", "Bergkurier", "2021-06-15"),
    ("Publicado originalmente en El Correo del Monte el 15 de junio de 2021", "El Correo del Monte", "2021-06-15"),
    ("Fuente: El Correo del Monte", "El Correo del Monte", None),
    ("Pubblicato originariamente su Corriere dei Monti il 15 giugno 2021", "Corriere dei Monti", "2021-06-15"),
    ("Publicado originalmente em Correio da Serra em 15 de junho de 2021", "Correio da Serra", "2021-06-15"),
    ("Впервые опубликовано на Горный вестник 15 июня 2021", "Горный вестник", "2021-06-15"),
    ("Источник: Горный вестник", "Горный вестник", None),
])
def test_credit_forms_give_name_and_date(line, name, date):
    cr = cm.parse_credit(line)
    assert cr is not None and cr["name"] == name and cr.get("date") == date
    assert cm.original_source([cr])["date"] == date


def test_own_date_line_is_not_a_credit():
    assert cm.parse_credit("First published on Nov 20, 2019") is None


def test_dateline_gives_a_credited_source_its_date_and_leaves_the_body():
    credits = [{"name": "South Front", "url": "https://southfront.example/x", "form": "original-source", "text": "t"}]
    blocks = ["South Front 15 June 2021", "Para one of the article that is long enough.", "Para two.",
              "The original source of this article is South Front"]
    out = cm.attach_datelines(blocks, credits, {"global research"})
    assert credits[0]["date"] == "2021-06-15" and "South Front 15 June 2021" not in out
    rec = cm.original_source(credits)
    assert rec == {"name": "South Front", "url": "https://southfront.example/x", "date": "2021-06-15",
                   "form": "original-source"}
    # a dateline naming nobody credited stays (it may be the article's own text)
    assert cm.attach_datelines(["Jane Doe 15 June 2021", "x"], credits, set()) == ["Jane Doe 15 June 2021", "x"]


def test_html_credit_block_gives_structured_source():
    html = ("<html><head><title>Sea wall</title><meta property='og:site_name' content='Pacific Ledger'></head><body>"
            "<article><h1>Sea wall</h1>"
            + "".join(f"<p>Paragraph {i} of the article about the sea wall and what the council decided to do "
                      f"about the flooding of the lower streets this winter.</p>" for i in range(4))
            + "<p>First published at <a href='https://tide-watch.example/sea-wall'>Tide Watch</a> on 15 June 2021</p>"
            "</article></body></html>")
    art = extract(Page("x.html", "https://pacific-ledger.example/sea-wall", raw=html.encode()))
    assert art.publisher == "Pacific Ledger" and art.extra["publisher_from"] == "og:site_name"
    assert art.extra["original_source"] == {"name": "Tide Watch", "url": "https://tide-watch.example/sea-wall",
                                            "date": "2021-06-15", "form": "first-appeared"}


@pytest.mark.parametrize("lines, want", [
    (["All Pacific Ledger articles can be read in 51 languages by activating the menu."], "Pacific Ledger"),
    (["Become a Member of Pacific Ledger!"], "Pacific Ledger"),
    (["Comment on Pacific Ledger articles on our Facebook page"], "Pacific Ledger"),
    (["The views expressed do not necessarily reflect the views of Pacific Ledger."], "Pacific Ledger"),
    (["All content © Pacific Ledger unless otherwise noted."], "Pacific Ledger"),
    (["© 2021 Pacific Ledger. All rights reserved."], "Pacific Ledger"),
])
def test_publisher_statements(lines, want):
    assert pm.publisher({}, "pacific-ledger.example", lines) == (want, "page-text")


def test_publisher_host_is_last_resort_and_marked():
    assert pm.publisher({}, "pacific-ledger.example", ["Nothing about the site here."]) == \
        ("pacific-ledger.example", "host")


def test_publisher_is_not_the_credited_source():
    lines = ["Copyright © Tide Watch, 2021"]
    assert pm.publisher({}, "pacific-ledger.example", lines, not_names=["Tide Watch"]) == \
        ("pacific-ledger.example", "host")


def test_handles_in_prose_with_platform_nearby():
    got = {(i["kind"], i["value"]) for i in find_identifiers(
        "<p>Visit and follow us on Instagram at @pacific_ledger_ex.</p><p>Twitter: @PacLedgerEx</p>"
        "<p>Our channel: t.me/pacledger_news</p><p>He wrote @nobody_here yesterday.</p>")}
    assert ("instagram", "pacific_ledger_ex") in got and ("twitter", "PacLedgerEx") in got
    assert ("telegram", "pacledger_news") in got
    assert not any(v == "nobody_here" for _, v in got)


def test_own_handle_in_body_is_kept_but_a_reporters_is_not():
    page = ("<p>Follow us on Instagram at @pacific_ledger_ex for more.</p>"
            "<p>Our reporter Jane Roe is on Twitter at @janeroe_reports.</p>")
    idents = find_identifiers(page)
    body = "Follow us on Instagram at @pacific_ledger_ex for more.\n\nOur reporter Jane Roe is on Twitter at @janeroe_reports."
    kept = {(i["kind"], i["value"]) for i in drop_body_mentions(idents, page, body)}
    assert ("instagram", "pacific_ledger_ex") in kept and ("twitter", "janeroe_reports") not in kept
