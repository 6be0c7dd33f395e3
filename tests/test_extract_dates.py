"""A date htmldate reads from a page's text is trusted as a day only when the page spells that day out: it
reads a month ("July 2021", an archive link) as the 1st and ``<time datetime="2021-07">`` as today's day of
that month.  Machine-readable dates are as precise as they are written."""
from __future__ import annotations

import pytest

from newstrace.extract.article import date_precision, extract
from newstrace.records import Article, Page


@pytest.mark.parametrize("published, html, want", [
    ("2021-07-01", "<p class=date>Thursday, July 1, 2021</p>", "day"),
    ("2021-07-01", "<span>1st July 2021</span>", "day"),
    ("2021-07-01", "<span>1er juillet 2021</span>", "day"),
    ("2021-07-01", "<span>1. Juli 2021</span>", "day"),
    ("2021-07-01", "<time datetime='2021-07-01'>", "day"),
    ("2021-07-01", "<span>01/07/2021</span>", "day"),
    ("2021-07-01", "<a href='/2021/07/'>July 2021</a>", "month"),
    ("2021-07-01", "<p>11 July 2021, and the market 1, 2021</p>", "month"),
    ("2021-07-14", "<a>July 2021</a>", "month"),
    ("2021-07-01T09:30:00+02:00", "", "time"),
    (None, "", None),
])
def test_date_precision_of_a_date_read_from_text(published, html, want):
    assert date_precision(published, html, read_from_text=True) == want


@pytest.mark.parametrize("published, html, url, want", [
    ("2021-07-26", "<span>Monday 26th July, 2021</span>", "", "day"),
    ("2021-07-26", "<span>26.07.21</span>", "", "day"),
    ("2021-07-26", "<span>2021年7月26日</span>", "", "day"),
    ("2021-07-26", "<time datetime='2021-07'>July 2021</time>", "", "month"),
    ("2021-07-26", "", "https://harbour-post.example/2021/07/26/ferry/", "day"),
])
def test_any_day_read_from_text_must_be_on_the_page(published, html, url, want):
    assert date_precision(published, html, url, read_from_text=True) == want


@pytest.mark.parametrize("published, want", [("2021-07-01", "day"), ("2021-07", "month"), ("2021", "year"),
                                             ("2021-07-01T00:00:00Z", "time")])
def test_machine_readable_dates_are_as_precise_as_written(published, want):
    assert date_precision(published, "") == want


PAGE = """<html><head><title>Harbour council votes on ferry</title></head><body>
<nav><a href="/2021/07/">July 2021</a></nav><article><h1>Harbour council votes on ferry</h1>
<p class="date">{date}</p>
<p>The harbour council voted on Tuesday to move the ferry terminal to the north quay, ending a debate that
had run for more than two years and divided the town's fishing families.</p>
<p>Supporters said the new terminal would cut queues in the summer, while opponents warned that the north
quay was exposed to winter storms and that the move would cost far more than planned.</p>
<p>The council will publish the contracts next month, and work is expected to begin in the spring.</p>
</article></body></html>"""


@pytest.mark.parametrize("date, published, want", [
    ("Thursday, July 1, 2021", "2021-07-01", "day"),
    ('<time datetime="2021-07">July 2021</time>', None, "month"),     # htmldate fills in a day
    ('<meta property="article:published_time" content="2021-07">', "2021-07", "month"),
])
def test_extract_records_the_precision(date, published, want):
    art = extract(Page(source="p.html", url="https://harbour-post.example/news/ferry", raw=PAGE.format(date=date).encode()))
    assert isinstance(art, Article)
    if published:
        assert art.published == published
    assert art.published.startswith("2021-07")
    assert art.extra["published_precision"] == want
