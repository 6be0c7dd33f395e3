"""Analyze stage: claims stored with spans into the body, carried over copies (only added text analysed),
incremental re-runs, skipped languages, the CLI (ingest --no-analyze, analyze, export claims)."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from newstrace.analyze.stage import analyze_store
from newstrace.cli import main
from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.store import claims as sc
from newstrace.trace import link_new

TEXTS = json.loads((Path(__file__).parent / "fixtures" / "trace" / "texts.json").read_text())
PARAS = TEXTS["harbour"]["paragraphs"]
ORIGIN = "https://harbour-post.example/2021/05/04/ferry-terminal/"
FULL = "https://coast-daily.example/news/1001"
EDITED = "https://town-notes.example/ferry.html"
FRENCH = "https://journal.example/fr/port"


def art(url: str, text: str, published: str, language: str = "en", title: str = "Ferry terminal approved") -> Article:
    site = url.split("/")[2]
    return Article(page_id=content_hash(url, text), url=url, source=url, site=site, title=title,
                   published=published, body=text, blocks=text.split("\n\n"), language=language,
                   fetched_at="2022-01-20T00:00:00Z")


def build(tmp_path) -> Store:
    st = Store(tmp_path / "c.db")
    edited = list(PARAS)
    i = next(k for k, p in enumerate(edited) if " said " in p)
    edited[i] = edited[i].replace(" said ", " admitted that ", 1)
    edited.insert(0, "Readers in the lower town wrote to us all week about the pier.")
    arts = [art(ORIGIN, "\n\n".join(PARAS), "2021-05-04T08:00:00Z"),
            art(FULL, "\n\n".join(PARAS), "2021-05-04T12:00:00Z"),
            art(EDITED, "\n\n".join(edited), "2021-05-05T09:00:00Z"),
            art(FRENCH, "Le conseil a voté mardi soir. « Nous sommes prêts », a déclaré le maire.",
                "2021-05-05T09:00:00Z", language="fr", title="Le port")]
    st.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at}, a, [])
                    for a in arts])
    link_new(st, translate=False)
    return st


def pid(st, url):
    return st.get_article(url)["page_id"]


def test_copies_carry_their_source_claims_and_only_added_text_is_analysed(tmp_path):
    st = build(tmp_path)
    res = analyze_store(st, workers=1)
    assert res["articles"] == 4 and res["failed"] == 0
    o, f, e = pid(st, ORIGIN), pid(st, FULL), pid(st, EDITED)
    oc = sc.article_claims(st.conn, o)
    fc = sc.article_claims(st.conn, f)
    attributed = [c for c in oc if c["kind"] != "assertion"]
    assert len(attributed) >= 3
    # every span points into the stored body, and the full copy carries each claim with the same key
    body_f = st.get_article(FULL)["body"]
    for c in fc:
        for role in ("source", "cue", "content"):
            if c[role]:
                assert body_f[c[role]["start"]:c[role]["end"]] == c[role]["text"]
    assert {c["claim_key"] for c in oc} == {c["claim_key"] for c in fc}
    assert all(c["origin"] == "carried" and c["carried_from"] == o for c in fc)
    assert json.loads(sc.state_of(st.conn, f, "claims")["detail"])["paragraphs_analysed"] == 0
    # the edited copy: the intro and the changed paragraph were analysed, the rest carried
    ec = sc.article_claims(st.conn, e)
    detail = json.loads(sc.state_of(st.conn, e, "claims")["detail"])
    assert detail["paragraphs_analysed"] == 2 and detail["carried"] > 0
    admitted = [c for c in ec if c["cue"] and "admitted" in c["cue"]["text"]]
    assert admitted and admitted[0]["origin"] == "analysed"
    # ... and it is the origin's claim with a changed cue: same key
    assert admitted[0]["claim_key"] in {c["claim_key"] for c in oc}
    spread = sc.claim_pages(st.conn, admitted[0]["claim_key"])
    assert {p["url"] for p in spread} == {ORIGIN, FULL, EDITED}
    # French is not analysed (and says why)
    st_fr = sc.state_of(st.conn, pid(st, FRENCH), "claims")
    assert st_fr["mode"] == "skipped" and "language fr" in st_fr["detail"]


def test_rerun_is_incremental_and_a_changed_body_is_analysed_again(tmp_path):
    st = build(tmp_path)
    analyze_store(st, workers=1)
    assert analyze_store(st, workers=1)["articles"] == 0
    o = pid(st, ORIGIN)
    new_body = st.get_article(ORIGIN)["body"] + "\n\nThe mayor said the ferry would be free on Sundays."
    with st.conn:
        st.conn.execute("UPDATE articles SET body = ?, body_hash = ? WHERE page_id = ?",
                        (new_body, content_hash(new_body), o))
    res = analyze_store(st, workers=1)
    assert res["articles"] == 1
    assert any(c["content"] and "free on Sundays" in c["content"]["text"] for c in sc.article_claims(st.conn, o))


HTML = """<html><head><title>{t}</title></head><body><article><h1>{t}</h1>{p}</article></body></html>"""


def test_cli_ingest_no_analyze_then_analyze_and_export(tmp_path, capsys):
    d = tmp_path / "pages" / "harbour-post.example"
    d.mkdir(parents=True)
    (d / "ferry.html").write_text(HTML.format(t="Ferry terminal approved",
                                              p="".join(f"<p>{x}</p>" for x in PARAS)), encoding="utf-8")
    db = str(tmp_path / "n.db")
    assert main(["ingest", str(tmp_path / "pages"), "--db", db, "--no-progress", "--no-analyze", "--workers", "1"]) == 0
    with Store(db) as st:
        assert st.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
    assert main(["analyze", "--db", db, "--workers", "1"]) == 0
    out = tmp_path / "claims.jsonl"
    assert main(["export", "claims", "--db", db, "-o", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows and {"url", "kind", "source", "cue", "content", "source_name", "source_type", "chain", "modality",
                     "prediction"} <= set(rows[0])
    att = [r for r in rows if r["kind"] != "assertion" and r["cue"]]
    assert att and all(set(r["cue"]) == {"start", "end", "text"} for r in att)
    assert main(["export", "claims", "--db", db, "--format", "parquet", "-o", str(tmp_path / "c.parquet")]) == 0
    assert pq.read_table(tmp_path / "c.parquet").num_rows == len(rows)
    assert main(["export", "claims", "--db", db, "--format", "csv", "-o", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_text().count("\n") >= len(rows) + 1


def test_web_article_highlights_claims_escaped_and_story_shows_spread(tmp_path):
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*")
    from starlette.testclient import TestClient

    from newstrace.web.app import create_app

    st = build(tmp_path)
    hostile = art("https://evil.example/x", "“<script>alert(1)</script> is fine,” Mayor Tom Reed said on Monday.\n\n"
                  "Residents said <b>nothing</b> changed.", "2021-05-06T09:00:00Z")
    st.write_batch([({"page_id": hostile.page_id, "url": hostile.url, "source": hostile.source}, hostile, [])])
    analyze_store(st, workers=1)
    o, e, h = pid(st, ORIGIN), pid(st, EDITED), pid(st, "https://evil.example/x")
    story_id = st.conn.execute("SELECT story_id FROM story_members WHERE page_id = ?", (o,)).fetchone()[0]
    st.close()
    client = TestClient(create_app(str(tmp_path / "c.db")))
    page = client.get(f"/article/{h}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>nothing</b>" not in page
    assert 'class="cl-cue"' in page and 'class="cl-content"' in page and 'class="cl-source"' in page
    js = client.get(f"/article/{h}.json").json()
    claims = js["data"]["claims"] if "data" in js else js["claims"]
    assert any(c["cue"] and c["cue"]["text"] == "said" for c in claims)
    sj = client.get(f"/story/{story_id}.json").json()
    spread = sj["data"]["claims"] if "data" in sj else sj["claims"]
    admitted = [c for c in spread if any(ch["cue"] == "admitted" for ch in c["changed_by"])]
    assert admitted and len(admitted[0]["pages"]) == 3
    assert any(c["added_by_copy"] for c in spread) or all(len(c["pages"]) >= 2 for c in spread)
    html = client.get(f"/story/{story_id}").text
    assert "Claims and their spread" in html and "town-notes.example" in html
    _ = e


def test_components_write_claims_before_actors_whatever_was_imported_first():
    """The actors component reads the claims written for the same article (relation chains): a process that
    imported the actors module first (a script, a test) used to run actors first, and its relation chains then
    missed the claims (the reuse-dev gate in tests/test_postgres.py differed between backends when run alone)."""
    import subprocess
    import sys

    code = ("from newstrace.analyze import stage_actors\n"
            "from newstrace.analyze import stage\n"
            "print(','.join(c.name for c in stage._components()))\n"
            "stage_actors._use(None)\n"           # what configure() does at each run: register the actors again
            "stage.register([c for c in stage.COMPONENTS if c.name == 'claims'][0])\n"   # and the claims again
            "print(','.join(c.name for c in stage._components()))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.stdout.split() == ["claims,actors", "claims,actors"], run.stderr[-2000:]


def _pages(tmp_path) -> str:
    d = tmp_path / "pages" / "harbour-post.example"
    d.mkdir(parents=True)
    named = "Mayor Tom Reed met Prime Minister Anna Berg in Stockholm on Monday, the city council said."
    (d / "ferry.html").write_text(HTML.format(t="Ferry terminal approved",
                                              p="".join(f"<p>{x}</p>" for x in PARAS + [named])), encoding="utf-8")
    return str(tmp_path / "pages")


def _states(db: str) -> dict[str, set[str]]:
    """component -> the versions recorded in analysis_state."""
    with Store(db) as st:
        out: dict[str, set[str]] = {}
        for r in st.conn.execute("SELECT component, version FROM analysis_state"):
            out.setdefault(r[0], set()).add(r[1])
        return out


def test_ingest_analyses_claims_alone_by_default_and_analyze_completes_the_rest(tmp_path, capsys):
    """The product decision (issues 13/14): ingest's default analysis is claims alone (tokens-only model, no
    spaCy parse); `newstrace analyze` then runs actors and analyses the claims again on the parse; exports and
    web pages of actors say "not analysed yet" in between instead of an empty list."""
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*")
    from starlette.testclient import TestClient

    from newstrace.analyze.claims_component import TOKENS_VERSION, VERSION
    from newstrace.web.app import create_app

    db = str(tmp_path / "n.db")
    assert main(["ingest", _pages(tmp_path), "--db", db, "--no-progress", "--workers", "1"]) == 0
    assert _states(db) == {"claims": {TOKENS_VERSION}}      # claims alone, on the tokens-only model
    with Store(db) as st:
        n_claims = st.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        page = st.conn.execute("SELECT page_id FROM articles").fetchone()[0]
    assert n_claims > 0
    capsys.readouterr()
    # exports of actors/relations/flags say the store is not analysed for them (exit 1), not an empty file
    for what in ("actors", "relations", "flags"):
        out = tmp_path / f"{what}.jsonl"
        assert main(["export", what, "--db", db, "-o", str(out)]) == 1
        assert "not analysed yet - run `newstrace analyze" in capsys.readouterr().err
        assert not out.exists()
    # ... and so does the article page (HTML and JSON)
    client = TestClient(create_app(db))
    html = client.get(f"/article/{page}").text
    assert "not analysed yet - run `newstrace analyze`" in html and "<h2>Actors</h2>" not in html
    assert "<h2>Loaded language</h2>" not in html
    js = client.get(f"/article/{page}.json").json()
    data = js.get("data", js)
    assert data["actors_pending"] and "actors" not in data
    client.close()

    # a claims-only run accepts its own results: nothing to do
    with Store(db) as st:
        assert analyze_store(st, workers=1, only=("claims",))["articles"] == 0
    # `newstrace analyze`: every analysis not yet done -- actors, and claims again on the parse path
    assert main(["analyze", "--db", db, "--workers", "1"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["articles"] == 1 and res["failed"] == 0
    states = _states(db)
    assert states["claims"] == {VERSION} and states["actors"]
    assert main(["analyze", "--db", db, "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 0     # incremental: nothing left
    # a later claims-only run (ingest's default) keeps the parse-path claims
    with Store(db) as st:
        assert analyze_store(st, workers=1, only=("claims",))["articles"] == 0
    assert _states(db)["claims"] == {VERSION}
    out = tmp_path / "actors.jsonl"
    assert main(["export", "actors", "--db", db, "-o", str(out)]) == 0
    assert "not analysed" not in capsys.readouterr().err
    assert "Tom Reed" in out.read_text()
    client = TestClient(create_app(db))
    html = client.get(f"/article/{page}").text
    assert "not analysed yet" not in html and "<h2>Actors</h2>" in html
    client.close()


def test_ingest_analyze_switch(tmp_path, capsys):
    """--analyze claims|all|none, --no-analyze (= none), --analyze-only (an alias kept), an unknown component."""
    from newstrace.analyze.claims_component import TOKENS_VERSION, VERSION

    pages = _pages(tmp_path)
    cases = {"all": ["--analyze", "all"], "none": ["--analyze", "none"], "no": ["--no-analyze"],
             "claims": ["--analyze", "claims"], "only": ["--analyze-only", "claims"],
             "only-actors": ["--analyze-only", "actors"]}
    got = {}
    for name, flags in cases.items():
        db = str(tmp_path / f"{name}.db")
        assert main(["ingest", pages, "--db", db, "--no-progress", "--workers", "1", "--no-trace", *flags]) == 0
        got[name] = _states(db)
    assert got["all"]["claims"] == {VERSION} and got["all"]["actors"]
    assert got["none"] == got["no"] == {}
    assert got["claims"] == got["only"] == {"claims": {TOKENS_VERSION}}
    assert set(got["only-actors"]) == {"actors"}
    capsys.readouterr()
    db = str(tmp_path / "bad.db")
    assert main(["ingest", pages, "--db", db, "--no-progress", "--workers", "1", "--analyze-only", "verbs"]) == 2
    assert "[E131]" in capsys.readouterr().err
    with Store(db) as st:   # it failed before reading anything
        assert st.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0


def test_story_page_says_actors_not_analysed_until_they_are(tmp_path):
    import warnings

    warnings.filterwarnings("ignore", message=".*httpx.*")
    from starlette.testclient import TestClient

    from newstrace.web.app import create_app

    st = build(tmp_path)
    analyze_store(st, workers=1, only=("claims",))
    o = pid(st, ORIGIN)
    story_id = st.conn.execute("SELECT story_id FROM story_members WHERE page_id = ?", (o,)).fetchone()[0]
    size = st.conn.execute("SELECT COUNT(*) FROM story_members WHERE story_id = ?", (story_id,)).fetchone()[0]
    client = TestClient(create_app(str(tmp_path / "c.db")))
    html = client.get(f"/story/{story_id}").text
    assert f"{size} of {size} pages of this story: not analysed yet - run `newstrace analyze`" in html
    client.close()
    analyze_store(st, workers=1)
    st.close()
    client = TestClient(create_app(str(tmp_path / "c.db")))
    html = client.get(f"/story/{story_id}").text
    assert "not analysed yet" not in html
    client.close()
