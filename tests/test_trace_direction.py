"""Translation direction and parent (issue 9): the decision kernel over one story fanned out into several
languages — an original, translations two days later, one of them cut to its first half.  Cross-language
containment is weak and never outweighs dates days apart; a sibling translation is a parent only when the
page says so.  (The measured version on real translations: bench/trace_direction.py.)"""
from __future__ import annotations

from newstrace.store import Store
from newstrace.trace.decide import decide
from newstrace.trace.evidence import Meta, SiteNames, parse_when, url_key

ORIG, DE, FR, ES = 1, 2, 3, 4
LANG = {ORIG: "en", DE: "de", FR: "fr", ES: "es"}


def meta(rid, published, links=()):
    site = f"{LANG[rid]}-{'daily' if rid == ORIG else 'mirror'}.example"
    url = f"https://{site}/2019/story"
    m = Meta(rid, f"p{rid}", url, site, None, f"title {rid}", None, published, None, None, LANG[rid])
    m.keys = {url_key(url)}
    m.when, m.when_exact = parse_when(published)
    m.precision = "day"
    m.words = 400
    m.links = [{"href": h, "text": "", "in_body": True} for h in links]
    return m


def pair(cov_a, cov_b):
    """A translation pair as trace/translating.py stores it (a < b)."""
    return {"spans": [[0, 10, 0, 10]], "wspans": [], "shared_words": 0, "coverage_a": cov_a, "coverage_b": cov_b,
            "method": "translation", "substitutions": [], "uncovered_a": [], "uncovered_b": []}


def story(metas):
    # coverage between languages is noisy: the original is "contained" 0.89 in the French mirror (0.69 back),
    # the half Spanish translation 0.89 in the full German one (0.45 back)
    return {(ORIG, DE): pair(0.8, 0.85), (ORIG, FR): pair(0.89, 0.69), (ORIG, ES): pair(0.45, 0.86),
            (DE, FR): pair(0.82, 0.8), (DE, ES): pair(0.45, 0.89), (FR, ES): pair(0.44, 0.88)}


def decided(tmp_path, metas):
    st = Store(tmp_path / "t.db")
    try:
        out = decide(sorted(metas), story(metas), metas, SiteNames(st.conn))
    finally:
        st.close()
    return {c.copy_id: c for c in out["copies"]}


def test_fan_out_translations_all_come_from_the_original(tmp_path):
    metas = {ORIG: meta(ORIG, "2019-03-04"), DE: meta(DE, "2019-03-06"), FR: meta(FR, "2019-03-06"),
             ES: meta(ES, "2019-03-06")}
    rows = decided(tmp_path, metas)
    assert "p1" not in rows   # never a copy of a page dated two days after it
    assert {c: (r.source_id, r.origin_id) for c, r in rows.items()} == {p: ("p1", "p1") for p in ("p2", "p3", "p4")}
    assert all(r.kind == "translation" for r in rows.values())


def test_misdated_translation_that_links_its_original_says_why(tmp_path):
    metas = {ORIG: meta(ORIG, "2019-03-04"), DE: meta(DE, "2019-03-02", links=["https://en-daily.example/2019/story"]),
             FR: meta(FR, "2019-03-06"), ES: meta(ES, "2019-03-06")}
    rows = decided(tmp_path, metas)
    assert "p1" not in rows and rows["p2"].source_id == "p1"
    ev = [(e.kind, e.detail) for e in rows["p2"].evidence]
    assert ("hyperlink", "https://en-daily.example/2019/story") in ev
    assert any(k == "dates" and "dated before its source" in d for k, d in ev)


def test_sibling_translation_is_the_parent_only_when_the_page_says_so(tmp_path):
    metas = {ORIG: meta(ORIG, "2019-03-04"), DE: meta(DE, "2019-03-06"), FR: meta(FR, "2019-03-06"),
             ES: meta(ES, "2019-03-07", links=["https://de-mirror.example/2019/story"])}
    rows = decided(tmp_path, metas)
    assert rows["p4"].source_id == "p2" and rows["p4"].origin_id == "p1"
    assert rows["p3"].source_id == "p1"
