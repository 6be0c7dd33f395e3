"""Claims kernel on hand-written sentences (the real spaCy model and the shipped CRF, no mocks)."""
from __future__ import annotations

import pytest

from newstrace.analyze.claims import analyse
from newstrace.analyze.nlp import parse_bodies
from newstrace.analyze.voice import voice


def claims_of(body: str, outlet: str | None = "Test Outlet"):
    return analyse(body, parse_bodies([body], ner=False)[0], outlet=outlet)  # the stage's claims parse: no NER


def attributed(cs):
    return [c for c in cs if c.kind != "assertion"]


def test_direct_quote_told_outlet_makes_a_chain():
    body = "“We were there under legitimate pretenses,” Figueroa told USA Today."
    cs = attributed(claims_of(body))
    assert cs, "no claim found"
    c = cs[0]
    assert c.kind == "direct"
    assert c.source.text == "Figueroa"
    assert "told" in c.cue.text
    assert "legitimate pretenses" in c.content.text
    assert body[c.content.start:c.content.end] == c.content.text
    assert c.chain == ["Test Outlet", "USA Today", "Figueroa"]



def test_outlet_told_ends_at_its_sentence():
    """An outlet named last in its sentence stops there: "told USA Today." then a new paragraph."""
    body = ("“We were there under legitimate pretenses,” Figueroa told USA Today.\n\n"
            "Figueroa said the campaign planned to bus in supporters.")
    c = [c for c in attributed(claims_of(body)) if c.cue and "told" in c.cue.text][0]
    assert c.chain == ["Test Outlet", "USA Today", "Figueroa"]


def test_they_prefers_the_group_that_was_the_subject():
    body = ("Democrats said the hearing was a mistake.\n\n"
            "Democrats noted that the witness had already spoken to the House Oversight Committee in a closed "
            "session.\n\nThey said that the committee was wasting time.")
    c = [c for c in attributed(claims_of(body)) if c.source and c.source.text == "They"][0]
    assert c.source_name == "Democrats"

def test_pronoun_source_resolves_to_the_person_named_before():
    body = ("Senator Maria Lopez visited the flooded town on Monday.\n\n"
            "She said that the state would pay for the repairs before winter.")
    cs = attributed(claims_of(body))
    c = [c for c in cs if c.source and c.source.text == "She"][0]
    assert c.source_name == "Maria Lopez"
    assert c.source_type == "person"
    assert c.kind == "indirect"


def test_according_to_and_anonymous_sources():
    body = ("The ministry will cut the budget by a tenth, according to Reuters.\n\n"
            "The plan was drafted in secret, officials said.")
    cs = attributed(claims_of(body))
    acc = [c for c in cs if c.cue and c.cue.text.lower().startswith("according")]
    assert acc and acc[0].source.text == "Reuters" and acc[0].source_type == "news outlet"
    assert acc[0].kind == "according-to"
    anon = [c for c in cs if c.source and c.source.text == "officials"]
    assert anon and anon[0].source_type == "anonymous" and anon[0].source_name is None


def test_outlet_voice_sentences_are_assertions_with_modality():
    body = ("A further escalation could be expected in the coming weeks.\n\n"
            "The bridge will not reopen.\n\n"
            "Is the council ready?")
    cs = claims_of(body)
    by = {c.content.text: c for c in cs if c.kind == "assertion"}
    esc = by["A further escalation could be expected in the coming weeks."]
    assert esc.modality == "possible" and esc.prediction and esc.horizon == "in the coming weeks"
    assert by["The bridge will not reopen."].modality == "negated"
    assert by["Is the council ready?"].question is True


@pytest.mark.parametrize("text,cond", [("If the rain continues, the dam may fail.", True),
                                       ("The dam held through the night.", False)])
def test_conditionals(text, cond):
    from newstrace.analyze.nlp import english

    sent = next(english()(text).sents)
    assert voice(sent)["conditional"] is cond


def test_stage_parse_has_lemmas_only_when_a_component_asks():
    """The claims parse leaves the lemmatizer out (POS from the tag table); a component reading lemmas gets them."""
    from newstrace.analyze.nlp import parse_paragraphs

    text = "The officials were saying it."
    [[(_, fast)]] = parse_paragraphs([[(0, text)]])
    [[(_, full)]] = parse_paragraphs([[(0, text)]], lemmas=True)
    assert [t.pos_ for t in fast][2:4] == ["AUX", "VERB"]
    assert not fast[3].lemma_
    assert [t.lemma_ for t in full][2:4] == ["be", "say"]


def test_claims_parse_has_no_ner_and_names_come_from_proper_nouns():
    """The claims parse leaves NER out; names (typed by rules and the actor table) still resolve sources."""
    from newstrace.analyze.nlp import parse_paragraphs
    from newstrace.analyze.sources import name_runs

    text = "Sen. Bernie Sanders met officials of the World Bank in Kenya on Monday."
    [[(_, doc)]] = parse_paragraphs([[(0, text)]], ner=False)
    assert not doc.has_annotation("ENT_IOB")
    got = {doc[a:b].text: label for a, b, label in name_runs(doc)}
    assert got.get("Bernie Sanders") == "PERSON"
    assert got.get("Kenya") == "GPE"
    assert got.get("World Bank") == "ORG"
    assert "Monday" not in got


def test_claims_do_not_depend_on_whether_another_component_asked_for_ner():
    """The driver adds NER to the shared parse when the actors component runs; claims read no entities, so
    the same body gives the same claims either way."""
    body = ("Governor Ann Whitfield visited the plant on Tuesday.\n\n"
            "She said that the state would cover the losses.\n\n"
            "The plant will reopen in May, according to the Associated Press.")
    with_ner = analyse(body, parse_bodies([body], ner=True)[0], outlet="X")
    without = analyse(body, parse_bodies([body], ner=False)[0], outlet="X")
    assert [c.as_dict() for c in with_ner] == [c.as_dict() for c in without]
    she = [c for c in without if c.source and c.source.text == "She"][0]
    assert she.source_name == "Ann Whitfield"
