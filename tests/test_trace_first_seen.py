"""A story's first seen (trace/network.py ``stories_of``) comes from its origin or the earliest credible date: a
copy dated more than an hour before its origin is a backdated copy, flagged on the story page and never the
story's start, credit or not."""
from __future__ import annotations

from newstrace.store.records import Copy, CopyKind, Credited
from newstrace.trace.evidence import Meta, parse_when
from newstrace.trace.network import stories_of


def meta(rid: int, site: str, published: str | None, fetched: str = "2025-03-20T00:00:00Z") -> Meta:
    m = Meta(rid, f"p{rid}", f"https://{site}/a{rid}", site, None, f"title {rid}", None, published, None, fetched,
             "en")
    m.when = parse_when(published)[0]
    return m


def link(copy: str, source: str, credited: Credited) -> Copy:
    return Copy(copy, source, "p1", CopyKind.FULL, "en-en", [[0, 10, 0, 10]], 50, 0.9, 0.9, credited, None, 0.9,
                [], {})


def story(metas: list[Meta], links: list[Copy]):
    (s,) = stories_of(links, {m.rid: m for m in metas})
    return s


def test_backdated_uncredited_copy_is_not_first_seen():
    origin = meta(1, "origin.example", "2025-03-10T09:00:00Z")
    backdated = meta(2, "copier.example", "2025-02-26T09:00:00Z")   # 12 days before its origin, no credit
    later = meta(3, "later.example", "2025-03-11T09:00:00Z")
    s = story([origin, backdated, later], [link("p2", "p1", Credited.NONE), link("p3", "p1", Credited.NONE)])
    assert s.first_seen == "2025-03-10T09:00:00Z"
    assert s.last_seen == "2025-03-11T09:00:00Z"
    lag = {m.page_id: m.lag_hours for m in s.members}
    assert lag["p2"] < -24 * 11   # still a member, its negative lag is what the story page flags


def test_crediting_copy_dated_earlier_is_still_not_first_seen():
    origin = meta(1, "origin.example", "2025-03-10T09:00:00Z")
    early = meta(2, "copier.example", "2025-02-26T09:00:00Z")   # credits a page that, by its date, was not out yet
    for credit in (Credited.NAME, Credited.LINK, Credited.NAME_LINK, Credited.WRONG, Credited.NONE):
        s = story([origin, early], [link("p2", "p1", credit)])
        assert s.first_seen == "2025-03-10T09:00:00Z", credit


def test_copy_within_the_hour_and_offsets_compared_as_instants():
    origin = meta(1, "origin.example", "2025-03-10T09:00:00+02:00")      # 07:00 UTC
    same_time = meta(2, "copier.example", "2025-03-10T06:30:00Z")        # 30 min earlier: clock skew, kept
    s = story([origin, same_time], [link("p2", "p1", Credited.NONE)])
    assert s.first_seen == "2025-03-10T06:30:00Z"
    later_text = meta(3, "x.example", "2025-03-10T08:00:00+05:00")       # 03:00 UTC, sorts after as text
    s = story([origin, later_text], [link("p3", "p1", Credited.NONE)])
    assert s.first_seen == "2025-03-10T09:00:00+02:00"                   # 4 h before its origin: backdated


def test_undated_origin_takes_the_earliest_copy_date():
    origin = meta(1, "origin.example", None, fetched="2025-03-20T00:00:00Z")
    copy = meta(2, "copier.example", "2025-03-12T10:00:00Z")
    s = story([origin, copy], [link("p2", "p1", Credited.NONE)])
    assert s.first_seen == "2025-03-12T10:00:00Z"
