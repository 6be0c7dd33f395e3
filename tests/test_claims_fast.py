"""The claims tagger's tokens-only path: the light tokenizer (offsets, clitics, abbreviations, sentences), the
fast model on hand-written sentences, and the analyze stage running claims alone without loading spaCy."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from newstrace.analyze.claims import analyse
from newstrace.analyze.claims_tokens import tokenize
from newstrace.analyze.nlp import parse_bodies

ROOT = Path(__file__).resolve().parents[1]


def fast_claims(body: str, outlet: str | None = "Test Outlet"):
    return [c for c in analyse(body, parse_bodies([body], parse=False)[0], outlet=outlet) if c.kind != "assertion"]


def test_tokens_map_back_to_the_text_and_split_clitics_quotes_and_sentences():
    text = ("“We didn't win,” Sen. Bernie Sanders told U.S. reporters at 3 p.m. on Jan. 5. "
            "\"It's over.\" He left—quietly...  Next?")
    doc = tokenize(text)
    words = [t.text for t in doc]
    assert all(text[t.idx:t.idx + len(t.text)] == t.text for t in doc)
    assert all(t.text for t in doc)
    assert words[:6] == ["“", "We", "did", "n't", "win", ","]
    for kept in ("Sen.", "U.S.", "p.m.", "Jan."):
        assert kept in words
    assert "—" in words and "quietly" in words
    sents = [s.text for s in doc.sents]
    assert sents == ["“We didn't win,” Sen. Bernie Sanders told U.S. reporters at 3 p.m. on Jan. 5.",
                     "\"It's over.\"", "He left—quietly...", "Next?"]
    assert not doc.has_annotation("DEP") and not doc.has_annotation("TAG")


def test_fast_path_finds_source_cue_and_quoted_content():
    body = "“We will not back down from this fight,” Maria Lopez said on Tuesday."
    cs = fast_claims(body)
    assert cs, "no claim found"
    c = cs[0]
    assert c.kind == "direct"
    assert "Lopez" in c.source.text and c.cue.text == "said"
    assert "back down" in c.content.text
    assert body[c.content.start:c.content.end] == c.content.text


def test_fast_path_resolves_a_pronoun_to_the_person_named_before():
    body = ("Senator Maria Lopez visited the flooded town on Monday.\n\n"
            "She said that the state would pay for the repairs before winter.")
    c = [c for c in fast_claims(body) if c.source and c.source.text == "She"][0]
    assert c.source_name == "Maria Lopez"
    assert c.source_type == "person"
    assert "repairs" in c.content.text


def test_fast_path_according_to_takes_the_name_up_to_the_punctuation():
    body = "The ministry will cut the budget by a tenth, according to Reuters news agency, in March."
    c = [c for c in fast_claims(body) if c.cue and c.cue.text.lower() == "according to"][0]
    assert c.source.text == "Reuters news agency"
    assert c.kind == "according-to"


def test_stage_with_claims_alone_stores_claims_without_loading_spacy(tmp_path):
    """Claims are the only component: the stage tokenizes with claims_tokens, never imports spaCy, and stores
    claims whose spans index the stored body (a subprocess: other tests have spaCy loaded already)."""
    code = r'''
import json, sys
from newstrace.analyze import stage
from newstrace.records import Article, content_hash
from newstrace.store import Store
from newstrace.store import claims as sc
body = ("“We will not back down from this fight,” Maria Lopez said on Tuesday.\n\n"
        "She said that the state would pay for the repairs before winter.")
url = "https://example.org/a"
a = Article(page_id=content_hash(url, body), url=url, source=url, site="example.org", title="Repairs",
            published="2021-05-04T08:00:00Z", body=body, blocks=body.split("\n\n"), language="en",
            fetched_at="2022-01-20T00:00:00Z")
st = Store(sys.argv[1])
st.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at}, a, [])])
res = stage.analyze_store(st, workers=1, only=("claims",))
rows = sc.article_claims(st.conn, a.page_id)
ok = bool(rows) and all(r["content"] is None or body[r["content"]["start"]:r["content"]["end"]] ==
                        r["content"]["text"] for r in rows)
print(json.dumps({"spacy": "spacy" in sys.modules, "analysed": res["analysed"], "ok": ok,
                  "kinds": sorted({r["kind"] for r in rows})}))
'''
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.db")], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["spacy"] is False
    assert res["analysed"] == 1 and res["ok"]
    assert "direct" in res["kinds"]


def test_cli_analyze_only_claims_leaves_other_components_pending(tmp_path, capsys):
    from newstrace.cli import main
    from newstrace.records import Article, content_hash
    from newstrace.store import Store
    from newstrace.store import claims as sc

    body = "“The bridge will reopen in May,” Maria Lopez said on Tuesday."
    url = "https://example.org/b"
    a = Article(page_id=content_hash(url, body), url=url, source=url, site="example.org", title="Bridge",
                published="2021-05-04T08:00:00Z", body=body, blocks=[body], language="en",
                fetched_at="2022-01-20T00:00:00Z")
    db = tmp_path / "c.db"
    with Store(db) as st:
        st.write_batch([({"page_id": a.page_id, "url": a.url, "source": a.source, "fetched_at": a.fetched_at},
                         a, [])])
    assert main(["analyze", "--db", str(db), "--only", "claim", "--workers", "1"]) != 0  # a typo: nothing run
    assert "[E131]" in capsys.readouterr().err
    with Store(db) as st:
        assert sc.state_of(st.conn, a.page_id, "claims") is None
    assert main(["analyze", "--db", str(db), "--only", "claims", "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["analysed"] == 1
    with Store(db) as st:
        assert sc.state_of(st.conn, a.page_id, "claims") is not None
        assert sc.state_of(st.conn, a.page_id, "actors") is None
        assert any(r["kind"] == "direct" for r in sc.article_claims(st.conn, a.page_id))


def test_cli_ingest_analyze_only_claims(tmp_path):
    from newstrace.cli import main
    from newstrace.store import Store
    from newstrace.store import claims as sc

    d = tmp_path / "pages" / "harbour-post.example"
    d.mkdir(parents=True)
    paras = ["The harbour board approved the new ferry terminal on Tuesday after a two-year review of the plans.",
             "“The terminal will open next spring and it will carry twice as many passengers,” board chair Maria "
             "Lopez said after the vote.",
             "She said that the cost would be shared between the town and the regional government."]
    (d / "ferry.html").write_text("<html><head><title>Ferry terminal approved</title></head><body><article>"
                                  "<h1>Ferry terminal approved</h1>" + "".join(f"<p>{p}</p>" for p in paras) +
                                  "</article></body></html>", encoding="utf-8")
    db = str(tmp_path / "n.db")
    assert main(["ingest", str(tmp_path / "pages"), "--db", db, "--no-progress", "--analyze-only", "claims",
                 "--workers", "1"]) == 0
    with Store(db) as st:
        pid = st.conn.execute("SELECT page_id FROM articles").fetchone()[0]
        assert sc.state_of(st.conn, pid, "claims") is not None
        assert sc.state_of(st.conn, pid, "actors") is None
        rows = sc.article_claims(st.conn, pid)
    assert any(r["kind"] == "direct" and "twice as many" in r["content"]["text"] for r in rows)


def test_lemmatizer_word_lists_as_sets_give_the_shipped_lemmas():
    import spacy

    from newstrace.analyze.nlp import MODEL, english

    text = ("The officials were stepping down after ministers had denied the reports. She says the agencies "
            "studied better ways; the children's geese ran faster than the oxen, and analyses were written.")
    ours, shipped = english()(text), spacy.load(MODEL)(text)
    table = english().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(v, frozenset) for v in table.values())
    assert [(t.lemma_, t.pos_, str(t.morph)) for t in ours] == [(t.lemma_, t.pos_, str(t.morph)) for t in shipped]
    assert {"step", "deny", "study", "child", "goose", "analysis", "write"} <= {t.lemma_ for t in ours}


def test_second_pass_gives_a_sentence_without_cue_its_cue_source_and_content():
    from newstrace.analyze.claims import second_cues

    rates = {"believe": 0.8, "said": 0.95, "the": 0.01}
    doc = tokenize("Officials in the region believe that the attack was planned. The storm passed.")
    labels = second_cues(doc, ["O"] * len(doc), rates)
    by = {r: " ".join(t.text for t, lab in zip(doc, labels) if lab.endswith(r)) for r in ("SRC", "CUE", "CON")}
    assert by == {"SRC": "Officials in the region", "CUE": "believe",
                  "CON": "that the attack was planned"}
    # content before the cue: "..., Minister Jones said."; no name or pronoun before the cue: no claim
    assert second_cues(tokenize("The talks will resume, the minister said."), ["O"] * 9, rates) == ["O"] * 9
    doc = tokenize("The talks will resume next week, Minister Jones said.")
    labels = second_cues(doc, ["O"] * len(doc), rates)
    assert [t.text for t, lab in zip(doc, labels) if lab.endswith("CUE")] == ["said"]
    assert " ".join(t.text for t, lab in zip(doc, labels) if lab.endswith("CON")) == "The talks will resume next week"
    # a sentence the tagger gave a cue, or a word under the rate, is left alone
    doc = tokenize("He said that they believe it.")
    tagged = ["B-SRC", "B-CUE", "B-CON", "I-CON", "I-CON", "I-CON", "I-CON", "O"]
    assert second_cues(doc, tagged, rates) == tagged
    assert second_cues(doc, ["O"] * len(doc), rates, rate_min=0.99) == ["O"] * len(doc)


def test_second_pass_gives_a_bare_cue_the_rest_of_its_sentence():
    from newstrace.analyze.claims import second_cues

    doc = tokenize("The minister warned on Monday about rising prices in the capital.")
    labels = ["O"] * len(doc)
    labels[1], labels[2] = "B-SRC", "B-CUE"
    out = second_cues(doc, labels, {})
    assert " ".join(t.text for t, lab in zip(doc, out) if lab.endswith("CON")) == \
        "on Monday about rising prices in the capital"
    assert [lab for lab in out if lab.endswith(("SRC", "CUE"))] == ["B-SRC", "B-CUE"]


def test_content_running_over_its_own_cue_is_cut_to_the_quote():
    from newstrace.analyze.claims import Claim, Span, _cut_own_cue

    def claim(body, content, cue):
        a, b = body.index(content), body.index(cue)
        return Claim(kind="direct", content=Span(a, a + len(content), content), cue=Span(b, b + len(cue), cue))

    body = '"We are ready for the party," Paris said about all the activity.'
    c = claim(body, '"We are ready for the party," Paris said about all the activity', "said")
    _cut_own_cue([c], body)
    assert body[c.content.start:c.content.end] == '"We are ready for the party,"'
    body = 'She hit back, saying, "It is over. We won."'
    c = claim(body, 'back, saying, "It is over. We won."', "saying")
    _cut_own_cue([c], body)
    assert body[c.content.start:c.content.end] == '"It is over. We won."'
    # a quote split by its cue stays one content ("A," she said. "B"); an apostrophe is no closing quote
    body = '"We don\'t know," she said. "Nobody does."'
    c = claim(body, body, "said")
    _cut_own_cue([c], body)
    assert (c.content.start, c.content.end) == (0, len(body))
    body = '"We don\'t know it said nothing'
    c = claim(body, body, "said")
    _cut_own_cue([c], body)
    assert (c.content.start, c.content.end) == (0, len(body))


def test_cue_rate_features_flag_learned_cue_words_and_can_be_switched_off(monkeypatch):
    from newstrace.analyze import features

    doc = tokenize("Critics fear that the plan will fail.")
    monkeypatch.setattr(features, "RATES_OVERRIDE", {"fear": 0.7})
    monkeypatch.setitem(features.RATE_FEATURES, "fast", True)
    on, _ = features.fast_token_features(doc)
    assert "cr:6" in on[1] and "cue" in on[1] and "-1:cr:6" in on[2]
    assert any(f.startswith("cd:R") for f in on[3])  # "that" is right of the learned cue
    monkeypatch.setitem(features.RATE_FEATURES, "fast", False)
    off, _ = features.fast_token_features(doc)
    assert not any(f.startswith(("cr:", "-1:cr:")) for f in off[1] + off[2]) and "cue" not in off[1]


def test_source_less_own_voice_stays_the_outlets_and_a_headline_needs_a_reporting_verb():
    from newstrace.analyze.claims import Claim, Span, _headline_cue, _outlet_voiced

    body = "A further escalation could be expected in the coming weeks.\n\nWork is expected to begin in May."
    cs = analyse(body, parse_bodies([body], parse=False)[0])
    assert [c.kind for c in cs] == ["assertion", "assertion"]
    sp = lambda t, s: Span(t.index(s), t.index(s) + len(s), s)  # noqa: E731
    t = "Work is expected to begin in May, officials said."
    inside = Claim(kind="indirect", cue=sp(t, "is expected"), content=sp(t, "Work is expected to begin in May"))
    assert _outlet_voiced(inside)
    assert not _outlet_voiced(Claim(kind="indirect", source=sp(t, "officials"), cue=sp(t, "said"),
                                    content=sp(t, "Work is expected to begin in May")))
    assert not _outlet_voiced(Claim(kind="direct", content=Span(0, 9, '"We won."')))
    title = "Ferry terminal approved"
    assert not _headline_cue(Claim(kind="indirect", source=sp(title, "Ferry terminal"), cue=sp(title, "approved")))
    title = "Mayor says ferry will run"
    assert _headline_cue(Claim(kind="indirect", source=sp(title, "Mayor"), cue=sp(title, "says"),
                               content=sp(title, "ferry will run")))
