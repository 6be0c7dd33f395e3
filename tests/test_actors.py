"""Actors, metonymy, roles, stated aliases, relations and flags: on sentences parsed by the shipped spaCy
pipeline, through the store (ingest -> ``newstrace actors`` -> exports), and the span scorer."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

import newstrace
from newstrace.analyze import actors, aliases, relations, spanscore
from newstrace.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent


def analyse(nlp, table, text, date=None):
    doc = nlp(text)
    return doc, actors.analyse(doc, table, date)


def test_capital_as_government_and_literal_place(nlp, table):
    doc, a = analyse(nlp, table, "Moscow said on Friday it would respond. The talks were held in London. "
                                 "The White House spokesman declined to comment.")
    by = {m.text: m for m in a.mentions}
    assert by["Moscow"].metonymy == "gov" and by["Moscow"].key == "russia"
    assert by["London"].metonymy == "literal" and by["London"].key != "united-kingdom"
    assert by["White House"].metonymy == "gov" and by["White House"].key == "united-states"


def test_dateline_is_literal(nlp, table):
    doc, a = analyse(nlp, table, "WASHINGTON (AP) — Senators met on Tuesday.")
    assert [m.metonymy for m in a.mentions if m.text == "WASHINGTON"] == ["literal"]


def test_surname_joins_full_name_and_acronym_joins_name(nlp, table):
    doc, a = analyse(nlp, table, "Angela Merkel met the Alliance to Reclaim Our Schools (AROS) on Monday. "
                                 "Merkel praised AROS.")
    keys = {m.text: m.key for m in a.mentions}
    assert keys["Merkel"] == keys["Angela Merkel"]
    assert keys["AROS"] == keys["Alliance to Reclaim Our Schools"]
    assert ("Alliance to Reclaim Our Schools", "AROS", "acronym") in {(x.name, x.alias, x.kind) for x in a.aliases}


def test_stated_alias_kept_with_evidence_and_date(nlp, table):
    text = "Fighters of Jabhat Fateh al-Sham, formerly known as Nusra Front, took the town."
    doc, a = analyse(nlp, table, text, "2016-08-01")
    al = [x for x in a.aliases if x.kind == "formerly"]
    assert al and al[0].alias == "Nusra Front" and "Jabhat Fateh al-Sham" in al[0].name
    assert text[al[0].start:al[0].end] == al[0].evidence and al[0].date == "2016-08-01"


def test_roles_from_premodifier_and_apposition(nlp, table):
    doc, a = analyse(nlp, table, "White House press secretary Josh Earnest spoke. Scott Pruitt, the attorney "
                                 "general of Oklahoma, disagreed.", "2016-09-27")
    roles = {(r.actor, r.role) for r in a.roles}
    assert ("Josh Earnest", "White House press secretary") in roles
    assert any(actor == "Scott Pruitt" and "attorney general" in role for actor, role in roles)
    assert all(r.date == "2016-09-27" for r in a.roles)


def test_relation_typed_with_negation_modality_and_chain(nlp, table):
    text = ("Rep. Adam Schiff urged Barack Obama to act. Barack Obama did not threaten Russia. "
            "Mike Pence said Donald Trump mocked Hillary Clinton.")
    doc, a = analyse(nlp, table, text)
    rels = {(r.subject_name, r.type, r.object_name): r for r in relations.find_relations(doc, a)}
    assert ("Adam Schiff", "demand", "Barack Obama") in rels
    neg = rels[("Barack Obama", "threaten", "Russia")]
    assert neg.negated and neg.modality == "asserted"
    mock = rels[("Donald Trump", "accuse", "Hillary Clinton")]
    assert mock.chain[0] == "outlet" and len(mock.chain) == 2 and "pence" in mock.chain[1]
    assert text[mock.start:mock.end] == mock.evidence


def test_user_alias_file_wins_over_base(tmp_path):
    f = tmp_path / "aliases.csv"
    f.write_text("actor_id,name,kind,aliases\nkremlin-team,Kremlin team,org,Russia;Moscow team\n")
    t = aliases.load(str(f))
    assert t.lookup("Russia").actor_id == "kremlin-team"
    assert aliases.load(None).lookup("Russia").actor_id == "russia"
    y = tmp_path / "aliases.yaml"
    y.write_text("- {actor_id: hts, name: HTS, kind: org, aliases: [Jabhat al-Nusra, al-Nusra Front]}\n")
    assert aliases.load(str(y)).lookup("al-Nusra Front").actor_id == "hts"


def test_bad_alias_file_is_a_coded_error(tmp_path):
    with pytest.raises(aliases.ConfigError, match=r"\[E140\]"):
        aliases.read_user_file(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("actor_id,kind\nx,org\n")
    with pytest.raises(aliases.ConfigError, match=r"\[E142\]"):
        aliases.read_user_file(bad)


def test_span_scorer_partial_overlap_credit():
    gold = [("1", "Loaded_Language", 0, 10)]
    pred = [("1", "Loaded_Language", 5, 15), ("1", "Doubt", 0, 10)]
    s = spanscore.score(pred, gold)
    assert s["p"] == pytest.approx(0.5 / 2) and s["r"] == pytest.approx(0.5)
    assert spanscore.score(pred, gold, labels=False)["r"] == pytest.approx(1.0)


ARTICLES = [
    {"url": "https://a.example/1", "site": "a.example", "title": "Moscow warns Kyiv",
     "published": "2024-03-01",
     "text": "Moscow warns Kyiv\n\nRussian President Vladimir Putin threatened Ukraine on Friday, the Kremlin "
             "said. Putin met Chinese President Xi Jinping in Beijing. \"These vile thugs will pay,\" Putin said. "
             "The talks took place in Beijing."},
    {"url": "https://b.example/2", "site": "b.example", "title": "Xi and Putin",
     "published": "2024-03-02",
     "text": "Xi and Putin\n\nChinese President Xi Jinping praised Vladimir Putin during the visit. Xi said "
             "China supports Russia. Washington condemned Moscow, calling the meeting a disgraceful spectacle."},
]


def ingest_pages(d: Path, pages: list[dict]) -> str:
    """A store at ``d`` built the real way: the pages as JSONL through ingest with every analysis (``--analyze all``;
    ingest's default is claims alone)."""
    src = d / "pages.jsonl"
    src.write_text("\n".join(json.dumps(a) for a in pages) + "\n")
    db = str(d / "a.db")
    newstrace.ingest([str(src)], db=db, link=False, workers=1, analyze="all")
    return db


@pytest.fixture(scope="module")
def actors_db(tmp_path_factory):
    db = ingest_pages(tmp_path_factory.mktemp("actors"), ARTICLES)
    assert cli(["actors", "--db", db]) == 0
    return db


def _export(db, what, fmt, tmp_path):
    out = tmp_path / f"{what}.{fmt}"
    assert cli(["export", what, "--db", db, "--format", fmt, "-o", str(out)]) == 0
    return out


def test_actors_across_documents_share_one_id(actors_db, tmp_path):
    rows = [json.loads(x) for x in _export(actors_db, "actors", "jsonl", tmp_path).read_text().splitlines()]
    by = {r["actor_id"]: r for r in rows}
    assert {"actor_id", "name", "kind", "aliases", "roles"} <= set(rows[0])
    putin = by["vladimir-putin"]
    assert putin["mentions"] >= 4  # "Vladimir Putin" and "Putin" in both articles are one actor
    assert any("President" in r["role"] for r in putin["roles"])
    assert "russia" in by and by["russia"]["kind"] == "place"


def test_relations_export_has_evidence_and_chain(actors_db, tmp_path):
    rows = [json.loads(x) for x in _export(actors_db, "relations", "jsonl", tmp_path).read_text().splitlines()]
    assert rows and {"url", "subject", "type", "object", "negated", "modality", "evidence", "chain"} <= set(rows[0])
    meet = [r for r in rows if r["type"] == "consult" and r["subject"] == "vladimir-putin"]
    assert meet and meet[0]["object"] == "xi-jinping" and meet[0]["chain"] == ["outlet"]
    ev = meet[0]["evidence"]
    from newstrace.store import Store

    with Store(actors_db, readonly=True) as st:
        body = st.conn.execute("SELECT body FROM articles WHERE url = ?", (meet[0]["url"],)).fetchone()[0]
    assert body[ev["start"]:ev["end"]] == ev["text"]
    assert any(r["subject"] == "united-states" and r["type"] == "accuse" and r["object"] == "russia"
               for r in rows)  # "Washington condemned Moscow": both capitals read as governments
    said = [r for r in rows if r["subject"] == "china" and r["object"] == "russia"]
    assert said and said[0]["chain"] == ["outlet", "xi-jinping"]  # "Xi said China supports Russia"


def test_flags_export_csv_and_parquet(actors_db, tmp_path):
    from newstrace.analyze import flags

    if flags.tagger() is None:
        pytest.skip("flags model not shipped in this checkout (python -m newstrace.analyze.train_flags)")
    out = _export(actors_db, "flags", "csv", tmp_path)
    rows = list(csv.DictReader(out.open()))
    assert rows and {"url", "technique", "span", "speaker"} <= set(rows[0])
    quoted = [r for r in rows if "thugs" in r["span"]]
    assert quoted and all(r["speaker"] != "outlet" for r in quoted)  # loaded word inside a quote: the source's
    import pyarrow.parquet as pq

    t = pq.read_table(_export(actors_db, "flags", "parquet", tmp_path))
    assert t.num_rows == len(rows)


def test_actor_graph_gexf(actors_db, tmp_path):
    import networkx as nx

    g = nx.read_gexf(_export(actors_db, "actors-graph", "gexf", tmp_path))
    assert g.has_node("vladimir-putin") and g.has_edge("vladimir-putin", "xi-jinping")


def test_actors_step_is_incremental(actors_db, capsys):
    capsys.readouterr()
    assert cli(["actors", "--db", actors_db]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 0


def test_labelled_set_matches_its_texts():
    shared = ROOT.parent / "shared" / "data"
    if not (shared / "ptc").exists() or not (shared / "polnear").exists():
        pytest.skip("../shared/data absent")
    sys.path.insert(0, str(ROOT / "bench"))
    import actors_gold

    docs = actors_gold.load(shared)
    assert len(docs) >= 60
    assert all(d.text[m.start:m.end] == m.text for d in docs for m in d.mentions)


def test_ingest_runs_actors_with_claims_and_only_new_bodies(tmp_path):
    """The analyze stage (ingest --analyze all) runs actors beside claims; a later ingest analyses only the
    new article; relation chains come from the article's claims."""
    from newstrace.analyze.stage import analyze_store
    from newstrace.store import Store

    src = tmp_path / "one.jsonl"
    src.write_text(json.dumps(ARTICLES[1]) + "\n")
    db = str(tmp_path / "i.db")
    newstrace.ingest([str(src)], db=db, link=False, workers=1, analyze="all")
    with Store(db) as st:
        modes = dict(st.conn.execute("SELECT component, mode FROM analysis_state").fetchall())
        assert modes == {"claims": "analysed", "actors": "analysed"}
        rels = [tuple(r) for r in st.conn.execute("SELECT subject, object, chain FROM relations")]
        assert ("china", "russia", '["outlet", "xi-jinping"]') in rels
        detail = json.loads(st.conn.execute("SELECT detail FROM analysis_state WHERE component = 'actors'")
                            .fetchone()[0])
        assert detail["chains_from_claims"] is True
    src2 = tmp_path / "two.jsonl"
    src2.write_text(json.dumps(ARTICLES[0]) + "\n")
    newstrace.ingest([str(src2)], db=db, link=False, workers=1, analyze="all")
    with Store(db) as st:
        assert st.conn.execute("SELECT count(DISTINCT aid) FROM actor_mentions").fetchone()[0] == 2
        assert analyze_store(st, workers=1)["articles"] == 0  # nothing changed: nothing analysed again


def test_non_english_article_is_skipped_with_reason(tmp_path):
    from newstrace.store import Store

    src = tmp_path / "fr.jsonl"
    src.write_text(json.dumps({"url": "https://c.example/fr", "site": "c.example", "language": "fr",
                               "text": "Le Kremlin a condamné Washington lundi, selon un communiqué publié par le ministère des "
                                       "Affaires étrangères. Le président a déclaré que la décision était "
                                       "inacceptable et que la Russie répondrait. Les diplomates se sont "
                                       "réunis à Paris pour discuter de la situation."}) + "\n")
    db = str(tmp_path / "fr.db")
    newstrace.ingest([str(src)], db=db, link=False, workers=1, analyze="all")
    with Store(db) as st:
        mode, detail = st.conn.execute("SELECT mode, detail FROM analysis_state WHERE component = 'actors'").fetchone()
    assert mode == "skipped" and "English only" in json.loads(detail)["reason"]


def test_place_in_an_agreement_name_or_on_a_line_of_its_own_is_literal(nlp, table):
    _, a = analyse(nlp, table, "He was a central broker of the Paris climate agreement.")
    assert [m.metonymy for m in a.mentions if m.text == "Paris"] == ["literal"]
    _, a = analyse(nlp, table, "States that sued:\nWashington\nMaryland")
    assert [m.metonymy for m in a.mentions if m.text == "Washington"] == ["literal"]


def test_relations_through_titles_pronouns_nouns_and_relative_clauses(nlp, table):
    def rels(text):
        doc, a = analyse(nlp, table, text)
        return {(r.subject, r.type, r.object, r.negated) for r in relations.find_relations(doc, a)}

    assert ("person:barack-obama", "threaten", "russia", True) in rels(
        "President Barack Obama spoke on Monday. This week, the president declined to threaten Moscow.")
    assert any(r[:3] == ("person:donald-trump", "consult", "person:rex-tillerson") for r in rels(
        "Rex Tillerson said he received a call from Donald Trump around noon."))
    assert any(r[1:3] == ("sanction", "north-korea") for r in rels(
        "The U.N., which in March imposed harsh economic sanctions against North Korea, met again."))
    assert any(r[:3] == ("person:kamala-harris", "demand", "person:william-barr") for r in rels(
        "Kamala Harris calls for William Barr to testify on the report."))
    assert any(r[:3] == ("person:donald-trump", "consult", "person:vladimir-putin") for r in rels(
        "Donald Trump and Vladimir Putin met in Helsinki on Monday."))


def test_title_case_headline_is_read_in_sentence_case(nlp, table):
    """"Trump Criticizes Clinton" is one PERSON to the tagger; re-parsed with the relation verb lower-cased,
    the headline gives two mentions and the relation between them; a title-case paragraph of several sentences
    is left alone."""
    text = "Trump Criticizes Clinton Over Emails\nDonald Trump spoke in Ohio. Hillary Clinton answered him."
    doc, a = analyse(nlp, table, text)
    head = [m.text for m in a.mentions if m.end <= text.index("\n")]
    assert head == ["Trump", "Clinton"]
    rels = {(r.subject, r.type, r.object) for r in relations.find_relations(doc, a)}
    assert ("person:donald-trump", "accuse", "person:hillary-clinton") in rels
    assert actors.title_case_lines("Angela Merkel Met Leaders. Merkel Praised Them.") == []
    assert actors.truecase("Trump Slams The Press Over Comey\nthe press and Comey", 0, 32) == \
        "Trump slams the press over Comey"


def test_acronym_before_its_name_aid_only_when_given_and_joint_relations(nlp, table):
    _, a = analyse(nlp, table, "The AROS (Alliance to Reclaim Our Schools) met on Monday.")
    assert ("Alliance to Reclaim Our Schools", "AROS", "acronym") in {(x.name, x.alias, x.kind) for x in a.aliases}

    def rels(text):
        doc, a = analyse(nlp, table, text)
        return {(r.subject, r.type, r.object) for r in relations.find_relations(doc, a)}

    assert ("iran", "aid", "hezbollah") in {(s.split(":")[-1], t, o.split(":")[-1]) for s, t, o in rels(
        "Iran provided weapons to Hezbollah.")}
    assert not any(t == "aid" for _, t, _ in rels("Robert Mueller sent the report to William Barr."))
    assert ("person:donald-trump", "consult", "person:kim-jong-un") in rels(
        "The talks between Donald Trump and Kim Jong Un ended early.")
    assert ("russia", "cooperate", "china") in rels("Russia and China signed a deal.")
    assert not rels("Donald Trump signed the bill.")
    # a capital read as the place is no party: "visited London" is not a meeting with the British government
    assert not any(o == "united-kingdom" or o == "london" for _, _, o in rels("Donald Trump visited London."))
    assert ("person:donald-trump", "accuse", "russia") in rels("Donald Trump criticized Moscow.")
    doc, a = analyse(nlp, table, "Even if Iran were arming the Houthis, nothing would change.")
    assert [(r.type, r.modality) for r in relations.find_relations(doc, a)] == [("aid", "possible")]


def test_pronoun_resolves_only_when_one_candidate_is_named(nlp, table):
    def rels(text):
        doc, a = analyse(nlp, table, text)
        return {(r.subject, r.type, r.object) for r in relations.find_relations(doc, a)}

    assert ("person:nancy-pelosi", "accuse", "person:mitch-mcconnell") in rels(
        "Nancy Pelosi spoke on Tuesday. She criticized Mitch McConnell.")
    # two people named before "she": no guess
    assert not any(o == "person:mitch-mcconnell" for _, _, o in rels(
        "Nancy Pelosi met Elizabeth Warren on Tuesday. She criticized Mitch McConnell."))


def test_alias_file_is_kept_by_the_store(tmp_path, capsys):
    """`actors --aliases FILE` stores the file; a later run without it (and ingest's analyze stage) uses the
    stored copy instead of silently going back to the base table; --no-aliases forgets it."""
    from newstrace.store import Store

    src = tmp_path / "pages.jsonl"
    src.write_text(json.dumps(ARTICLES[1]) + "\n")
    db = str(tmp_path / "a.db")
    newstrace.ingest([str(src)], db=db, link=False, workers=1, analyze="all")
    f = tmp_path / "mine.csv"
    f.write_text("actor_id,name,kind,aliases\nkremlin-team,Kremlin team,org,Russia;Moscow\n")

    def ids():  # whom the name "Russia" stands for
        with Store(db, readonly=True) as st:
            return {r[0] for r in st.conn.execute("SELECT actor_id FROM actor_mentions WHERE text = 'Russia'")}

    capsys.readouterr()
    assert cli(["actors", "--db", db, "--aliases", str(f)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["articles"] == 1 and out["alias_file"]["name"] == "mine.csv"
    assert ids() == {"kremlin-team"}
    f.unlink()  # the store has its own copy: the file need not stay where it was
    assert cli(["actors", "--db", db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["articles"] == 0 and out["alias_file"]["name"] == "mine.csv"  # nothing re-analysed
    src2 = tmp_path / "more.jsonl"
    src2.write_text(json.dumps({"url": "https://c.example/3", "site": "c.example", "title": "A deal",
                                "published": "2024-03-03", "text": "A deal\n\nRussia signed a trade deal with "
                                "China on Monday, officials said. The deal covers gas."}) + "\n")
    newstrace.ingest([str(src2)], db=db, link=False, workers=1, analyze="all")  # ingest analyses with the stored file too
    with Store(db, readonly=True) as st:
        n = st.conn.execute("SELECT count(DISTINCT aid) FROM actor_mentions WHERE text = 'Russia'").fetchone()[0]
    assert n == 2 and ids() == {"kremlin-team"}
    assert cli(["actors", "--db", db, "--no-aliases"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["articles"] == 2 and out["alias_file"] is None
    assert ids() == {"russia"}


def test_reanalysed_article_leaves_no_old_actor_or_name(tmp_path):
    """An older analysis read "Trump" as an organisation; the new one reads the same text as the person. The
    actors export and the actor page then show only what the stored articles say now."""
    from newstrace.store import Store
    from newstrace.store import actors as sa

    def write(actor_id, kind, texts):
        mentions = [{"start": i * 10, "end": i * 10 + len(t), "text": t, "actor_id": actor_id, "kind": kind,
                     "metonymy": None} for i, t in enumerate(texts)]
        sa.write(st.conn, 1, "h", "2024-01-01", [{"actor_id": actor_id, "name": texts[0], "kind": kind,
                                                   "aliases": texts}], mentions, [], [], [], [])

    with Store(str(tmp_path / "s.db")) as st:
        write("trump", "org", ["Trump", "-Trump"])
        write("donald-trump", "person", ["Donald Trump", "Trump"])
        rows = {r["actor_id"]: r for r in sa.actor_rows(st.conn)}
        assert set(rows) == {"donald-trump"} and rows["donald-trump"]["aliases"] == ["Trump"]
        assert sa.actor(st.conn, "trump") is None
        assert sa.actor(st.conn, "donald-trump")["aliases"] == ["Trump"]
