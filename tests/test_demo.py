"""`newstrace demo`: the bundled fictional corpus goes through the real pipeline, and the report
shows what the database holds. These tests read the database the demo wrote."""
from __future__ import annotations

import io
import sqlite3

import pytest

import newstrace
from newstrace.demo import run_demo, samples_path
from newstrace.store import Store

A_URL = "https://meridiancourier.example/environment/2025/03/04/valdren-dam-approved"
B_URL = "https://meridiancourier.example/economy/2025/03/10/kessa-port-strike-second-week"
C_URL = "https://northfielddispatch.example/health/2025/03/06/nurse-led-triage-trial"
D_URL = "https://northfielddispatch.example/environment/2025/03/12/sarvik-drone-survey"
G1_URL = "https://globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201"
G2_URL = "https://globalreadernet.example/kessa-port-strike-enters-second-week/5871388"
G3_URL = "https://globalreadernet.example/drone-survey-illegal-logging-sarvik/5869950"
T1_URL = "https://truthwavedaily.example/2025/03/07/er-waits-halved-nurses-take-charge"
T2_URL = "https://truthwavedaily.example/2025/03/06/fishing-villages-betrayed-valdren-dam"
T3_URL = "https://truthwavedaily.example/2025/03/13/two-stories-they-buried"
P_TEXT_URL = "https://pinecrest-notes.example/2025/03/08/valdren-dam-approved"
E_DE_URL = "https://eurovoice-mirror.example/de/varonia-valdren-staudamm"
E_ES_URL = "https://eurovoice-mirror.example/es/northfield-triaje-enfermeras"
E_EN_URL = "https://eurovoice-mirror.example/en/kessa-port-strike"
WARC_URLS = {
    "https://meridiancourier.example/city/2025/03/11/tram-line-4-closed",
    "https://northfielddispatch.example/health/2025/03/06/nurse-led-triage-trial/amp",
    "https://globalreadernet.example/nurse-led-triage-halves-emergency-waits/5871044",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    buf = io.StringIO()
    rc = run_demo(db, out=buf, workers=1)
    return {"db": db, "rc": rc, "out": buf.getvalue()}


def foreign_credits(a: dict) -> list[dict]:
    """Credits naming or linking someone other than the page's own outlet (its own copyright footer and
    its own byline are no credit of a source)."""
    own = (a["publisher"] or "").lower()
    return [c for c in a["credits"]
            if c.get("form") != "byline"
            and not (own and own in (c.get("text") or c.get("name") or "").lower())
            and not (c.get("url") and a["site"] in c["url"])]


def art(demo, url):
    a = newstrace.article(url, db=demo["db"])
    assert a is not None, f"{url} not stored"
    return a


def rows(demo, sql, *params):
    with sqlite3.connect(demo["db"]) as c:
        c.row_factory = sqlite3.Row
        return [dict(r) for r in c.execute(sql, params)]


def test_demo_runs_and_ends_with_the_ui_command(demo):
    assert demo["rc"] == 0, demo["out"][-2000:]
    last = demo["out"].rstrip().splitlines()[-1]
    assert last.endswith(f"newstrace serve {demo['db']}")


def test_every_page_is_ingested_and_only_the_two_bad_files_fail(demo):
    with Store(demo["db"], readonly=True) as st:
        s = st.stats()
    # 15 good HTML files + 3 WARC records + 2 JSONL lines = 20 articles; the binary .html is a page that
    # failed extraction, the truncated .html.gz never became a page
    assert s["articles"] == 20
    assert s["pages"] == 21
    assert s["sites"] == 6
    assert s["problems"] == 2
    for needle in ("Articles", "Credits found", "Identifiers by kind", "Furniture learned", "Problems",
                   "Sites sharing identifiers"):
        assert needle in demo["out"]


def test_bad_files_are_problems_with_reasons(demo):
    probs = {r["source"].rsplit("/", 1)[-1]: r for r in rows(demo, "SELECT * FROM problems")}
    assert probs["truncated-download.html.gz"]["reason"] == "corrupt-gzip"
    assert probs["truncated-download.html.gz"]["stage"] == "read"
    assert probs["press-photo.html"]["reason"] == "binary"
    assert "png" in probs["press-photo.html"]["detail"]
    assert "corrupt-gzip" in demo["out"] and "bad/press-photo.html" in demo["out"]


def test_rerunning_ingest_on_the_samples_changes_nothing(demo):
    def snapshot():
        with Store(demo["db"], readonly=True) as st:
            s = st.stats()
            s["bodies"] = sorted(r[0] for r in st.conn.execute("SELECT body_hash FROM articles"))
        return s

    before = snapshot()
    with samples_path() as root:
        res = newstrace.ingest([str(root)], db=demo["db"], workers=1, link=False)
    assert res["new_articles"] == 0
    assert res["skipped_already_stored"] == res["pages_read"] == 21
    assert snapshot() == before


def test_origin_metadata(demo):
    a = art(demo, A_URL)
    assert a["title"] == "Varonia approves Valdren dam despite fishermen's protests"
    assert a["byline"] == "Ilse Varga"
    assert a["published"].startswith("2025-03-04")
    assert (a["language"], a["region"], a["theme"]) == ("en", "Europe", "Environment")
    assert a["tags"] == ["Valdren", "Dams", "Fisheries", "Energy"]
    assert a["publisher"] == "Meridian Courier"
    c = art(demo, C_URL)
    assert c["byline"] == "Dana Okafor" and c["published"].startswith("2025-03-06")
    assert (c["region"], c["theme"]) == ("North America", "Health")  # from the breadcrumb
    g = art(demo, G1_URL)
    assert (g["region"], g["theme"], g["published"]) == ("Europe", "Environment", "2025-03-05")


def test_site_furniture_is_learned_and_stripped_but_kept_in_raw_body(demo):
    learned = "independent, reader-funded research collective"
    grn = [a for a in newstrace.articles(demo["db"], site="globalreadernet.example")]
    assert len(grn) == 4
    for a in grn:
        assert learned not in a["body"]
        assert learned in a["raw_body"]
    fur = rows(demo, "SELECT site, text FROM furniture")
    assert any(learned in f["text"] and f["site"] == "globalreadernet.example" for f in fur)
    assert any("Courier Morning Brief" in f["text"] for f in fur)
    # one site's furniture is not another's: the shared paragraphs of copied articles are never furniture
    assert not any("Valdren" in f["text"] or "triage" in f["text"] for f in fur)


def test_common_furniture_never_reaches_a_body(demo):
    for a in newstrace.articles(demo["db"]):
        for phrase in ("Note to readers", "Fair use notice", "Disclaimer:", "Make a donation via PayPal",
                       "Select Language", "Read this article in your language"):
            assert phrase not in a["body"], (a["url"], phrase)


def test_common_furniture_is_kept_in_raw_body(demo):
    a = art(demo, G1_URL)
    assert "Note to readers" in a["raw_body"]


def test_translated_furniture_is_stripped(demo):
    for url in (E_DE_URL, E_ES_URL, E_EN_URL):
        body = art(demo, url)["body"]
        assert "patreon.com/eurovoicemirror" not in body
        assert "Eurovoice" not in body


def test_credit_with_link_found_and_taken_out_of_the_body(demo):
    a = art(demo, G1_URL)
    orig = [c for c in a["credits"] if c["form"] == "original-source"]
    assert [(c["name"], c["url"]) for c in orig] == [("Meridian Courier", A_URL)]
    assert any(c["form"] == "copyright" and c["name"] == "Meridian Courier" for c in a["credits"])
    assert "The original source of this article is" not in a["body"]
    assert "Copyright" not in a["body"]
    # the copy's text is there
    assert "68-metre dam on the upper Valdren" in a["body"]


def test_other_credit_forms(demo):
    def credit(url, form):
        cs = [c for c in art(demo, url)["credits"] if c["form"] == form]
        assert cs, (url, form, art(demo, url)["credits"])
        return cs[0]

    assert credit(G2_URL, "read-more")["url"] == B_URL
    g3 = credit(G3_URL, "originally-published")
    assert (g3["name"], g3["url"]) == ("Northfield Dispatch", D_URL)
    assert credit(P_TEXT_URL, "republished")["url"] == G1_URL
    assert credit(E_DE_URL, "source")["url"] == A_URL  # "Quelle: Meridian Courier"
    assert credit(E_EN_URL, "meta-original-source")["url"] == B_URL
    assert foreign_credits(art(demo, T1_URL)) == []  # the uncredited full copy
    assert foreign_credits(art(demo, T2_URL)) == []  # the edited copy


def test_compilation_has_one_source_credit_per_section(demo):
    cs = [c for c in art(demo, T3_URL)["credits"] if c["form"] == "source"]
    assert [c["name"] for c in cs] == ["Meridian Courier", "Northfield Dispatch"]
    assert cs[0]["url"] == B_URL


def test_compilation_second_credit_link(demo):
    # the share bar's "f" link (a substring of "Northfield") must not be taken for the credit's link
    cs = [c for c in art(demo, T3_URL)["credits"] if c["form"] == "source"]
    assert cs[1]["url"] == D_URL


def test_misdated_copy_keeps_its_own_earlier_date(demo):
    g3, d = art(demo, G3_URL), art(demo, D_URL)
    assert g3["published"] < d["published"][:10]  # the copy claims to be older than its origin


def test_identifiers_and_shared_operator(demo):
    def idents(url):
        return {(i["kind"], i["value"]) for i in art(demo, url)["identifiers"]}

    g, t = idents(G1_URL), idents(T1_URL)
    shared = g & t
    assert ("paypal", "donations@grn-media.example") in shared
    assert ("analytics", "UA-77123450-1") in shared
    assert ("adsense", "ca-pub-4417280093316652") in g
    assert any(k == "crypto" and v.startswith("bc1q") for k, v in g)
    assert ("telegram", "grn_dispatches") in g and ("patreon", "truthwavedaily") in t
    assert ("analytics", "G-MRDN4K7Q2Z") in idents(A_URL)
    assert {("analytics", "UA-58210374-1"), ("gtm", "GTM-NFD7K2Q")} <= idents(C_URL)
    # unrelated outlets share nothing
    assert not (idents(A_URL) & idents(C_URL))
    section = demo["out"].split("Sites sharing identifiers")[1]
    assert "globalreadernet.example + truthwavedaily.example" in section
    assert "donations@grn-media.example" in section


def test_media_alternates_and_languages(demo):
    d = art(demo, D_URL)
    media = {(m["type"], m["url"]) for m in d["media"]}
    mp4 = "https://media.northfielddispatch.example/video/sarvik-drone-survey-2025.mp4"
    assert ("video", mp4) in media
    assert any(t == "embed" and "youtube.com/embed" in u for t, u in media)
    assert ("video", mp4) in {(m["type"], m["url"]) for m in art(demo, G3_URL)["media"]}  # the bare link
    de = art(demo, E_DE_URL)
    assert {x["lang"] for x in de["alternates"]} == {"de", "en", "es", "x-default"}
    assert de["language"] == "de" and art(demo, E_ES_URL)["language"] == "es"
    assert art(demo, E_EN_URL)["original_source"] == B_URL


def test_warc_pages_are_ingested_with_fetch_times(demo):
    got = {r["url"]: r for r in rows(demo, "SELECT url, source, fetched_at FROM articles WHERE source LIKE '%.warc.gz#%'")}
    assert set(got) == WARC_URLS
    assert all(r["fetched_at"].startswith("2025-03-") for r in got.values())
    g4 = art(demo, "https://globalreadernet.example/nurse-led-triage-halves-emergency-waits/5871044")
    assert any(c["form"] == "first-appeared" and c["url"] == C_URL for c in g4["credits"])


def test_jsonl_text_page_metadata(demo):
    p = art(demo, P_TEXT_URL)
    assert p["title"] == "Valdren dam approved over fishermen's objections"
    assert p["byline"] == "Harlan Pike"
    assert p["published"] == "2025-03-08"  # "Posted on March 8, 2025"
    assert p["site"] == "pinecrest-notes.example"
    assert p["fetched_at"] == "2025-03-10T08:00:05Z"
    assert any(l["href"] == G1_URL and l["text"] == "Global Reader Network" for l in p["outlinks"])
    assert "](" not in p["body"] and "Region:" not in p["body"] and "By Harlan" not in p["body"]
    assert "Anton Reule" in p["body"]
    # the donation line matches a common kind: gone although the site has only two pages
    assert "buy me a coffee" not in p["body"]
    assert ("buymeacoffee", "pinecrestnotes") in {(i["kind"], i["value"]) for i in p["identifiers"]}


def test_jsonl_text_page_labels_on_consecutive_lines(demo):
    p = art(demo, P_TEXT_URL)
    assert (p["region"], p["theme"]) == ("Europe", "Environment")


def test_jsonl_text_page_has_no_markdown_emphasis(demo):
    assert "*GRN Editor" not in art(demo, P_TEXT_URL)["body"]


def test_jsonl_html_page(demo):
    p = art(demo, "https://pinecrest-notes.example/2025/03/09/spring-migration-notes")
    assert p["byline"] == "Harlan Pike" and p["published"].startswith("2025-03-09")
    assert "redwing" in p["body"]


def test_headline_not_repeated_in_body(demo):
    for url in (A_URL, T2_URL):
        a = art(demo, url)
        first = a["body"].split("\n\n")[0]
        assert first != a["title"]
        assert "Filed under:" not in a["body"]


def test_edited_copy_keeps_its_changes(demo):
    t2 = art(demo, T2_URL)
    assert t2["title"] == "Fishing villages betrayed as Valdren dam gets the green light"
    assert "rubber-stamped the construction" in t2["body"]
    assert "Opposition lawmakers" not in t2["body"]  # a dropped paragraph
    assert t2["published"].startswith("2025-03-06")


def test_trace_section_matches_the_database(demo):
    n = rows(demo, "SELECT count(*) AS n FROM copies")[0]["n"]
    if n:
        assert "Copies (copy <- source" in demo["out"]
        assert T1_URL in demo["out"].split("Copies (copy <- source")[1]
    else:
        assert "trace:" in demo["out"]


def test_demo_recreates_the_database(tmp_path):
    db = tmp_path / "d.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE junk (x)")
    out = io.StringIO()
    assert run_demo(str(db), out=out, workers=1, trace=False) == 0
    assert "trace: skipped" in out.getvalue()
    with sqlite3.connect(db) as c:
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "junk" not in tables and "articles" in tables
    assert foreign_credits(newstrace.article(A_URL, db=str(db))) == []  # an origin credits no one


# -- what trace makes of the demo corpus (runs only when the trace stage is in this build) ------------
G4_URL = "https://globalreadernet.example/nurse-led-triage-halves-emergency-waits/5871044"
AMP_URL = C_URL + "/amp"
STORIES = {  # origin -> the pages built as its copies (samples/_build.py)
    A_URL: {G1_URL, T2_URL, E_DE_URL, P_TEXT_URL},
    B_URL: {G2_URL, E_EN_URL, T3_URL},
    C_URL: {T1_URL, G4_URL, E_ES_URL, AMP_URL},
    D_URL: {G3_URL, T3_URL},
}
KINDS = {  # copy -> acceptable kinds
    G1_URL: {"full"}, G2_URL: {"partial"}, G3_URL: {"full"}, G4_URL: {"full"}, T1_URL: {"full"},
    T2_URL: {"edited"}, T3_URL: {"compilation"}, E_DE_URL: {"translation"}, E_ES_URL: {"translation"},
    E_EN_URL: {"full", "edited"}, P_TEXT_URL: {"chain"}, AMP_URL: {"duplicate"},
}
CREDITED = {G1_URL: "name+link", G2_URL: "name+link", G3_URL: "name+link", G4_URL: "name+link", T1_URL: "none",
            T2_URL: "none", T3_URL: "name+link", E_DE_URL: "name+link", E_ES_URL: "name+link", E_EN_URL: "link",
            P_TEXT_URL: "name+link"}


def _traced(demo):
    try:
        from newstrace.trace import trace_all  # noqa: F401
    except ImportError:
        pytest.skip("trace stage not in this build")
    return rows(demo, """SELECT c.kind, c.credited, ca.url AS copy_url, sa.url AS source_url, oa.url AS origin_url
                          FROM copies c JOIN articles ca ON ca.page_id=c.copy_id
                          JOIN articles sa ON sa.page_id=c.source_id LEFT JOIN articles oa ON oa.page_id=c.origin_id""")


def _story_of(demo, origin):
    got = rows(demo, """SELECT a.url FROM stories s JOIN story_members m USING(story_id)
                         JOIN articles a ON a.page_id=m.page_id
                         WHERE s.origin_id=(SELECT page_id FROM articles WHERE url=?)""", origin)
    return {r["url"] for r in got} - {origin}


@pytest.mark.parametrize("origin", [
    A_URL, B_URL, D_URL,
    C_URL,
])
def test_trace_finds_each_story_with_its_origin(demo, origin):
    _traced(demo)
    assert _story_of(demo, origin) == STORIES[origin]


TRACE_GAPS: dict[str, str] = {}  # copies whose expected kind/credit trace does not yet reach, with the reason


@pytest.mark.parametrize("copy_url", [
    pytest.param(u, marks=pytest.mark.xfail(reason=TRACE_GAPS[u], strict=False)) if u in TRACE_GAPS else u
    for u in KINDS])
def test_trace_kind_and_credit_of_each_copy(demo, copy_url):
    copies = [r for r in _traced(demo) if r["copy_url"] == copy_url]
    assert copies, f"{copy_url} not found as a copy"
    assert {r["kind"] for r in copies} <= KINDS[copy_url]
    if copy_url in CREDITED:
        assert {r["credited"] for r in copies} == {CREDITED[copy_url]}


def test_trace_misdated_copy_is_still_the_copy(demo):
    copies = [r for r in _traced(demo) if r["copy_url"] == G3_URL]
    assert copies and all(r["source_url"] == D_URL for r in copies)


def test_trace_groups_the_two_sites_of_one_operator(demo):
    _traced(demo)
    g = {r["site"]: r["group_id"] for r in rows(demo, "SELECT site, group_id FROM site_groups")}
    assert g["globalreadernet.example"] == g["truthwavedaily.example"]
    others = {g.get(s) for s in ("meridiancourier.example", "northfielddispatch.example", "eurovoice-mirror.example",
                                 "pinecrest-notes.example")}
    assert g["globalreadernet.example"] not in others


def test_demo_never_deletes_a_file_that_is_not_a_database(tmp_path):
    precious = tmp_path / "notes.txt"
    precious.write_text("my notes", encoding="utf-8")
    assert run_demo(str(precious), out=io.StringIO(), trace=False) == 2
    assert precious.read_text(encoding="utf-8") == "my notes"
