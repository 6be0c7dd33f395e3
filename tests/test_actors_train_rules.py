"""Relation and alias rules written in session 13 against a hand-labelled sample of PolNeAR train sentences
(tests/data/actors/train_labels.txt, scored by bench/actors_train_relations.py). The sentences here are written
for each construction kind (not copied from the labelled set), with negatives where each rule must not fire."""
from __future__ import annotations

import pytest

from newstrace.analyze import actors, relations


def _rels(nlp, table, text):
    doc = nlp(text)
    a = actors.analyse(doc, table, None)
    return {(r.subject.split(":")[-1], r.type, r.object.split(":")[-1]) for r in relations.find_relations(doc, a)}


def _aliases(nlp, table, text):
    doc = nlp(text)
    return {(a.name, a.alias) for a in actors.analyse(doc, table, None).aliases}


REL_CASES = [
    # a gerund after a preposition takes the clause's subject
    ("Two years after backing Barack Obama, Mark Cuban is weighing the field.", ("mark-cuban", "support", "barack-obama")),
    # a relative clause on an apposition: the named one acts
    ("said Tom Miller, a former party chair who is supporting Susan Brooks.", ("tom-miller", "support", "susan-brooks")),
    # an intention noun's infinitive is its owner's act
    ("Joe Lieberman stated his intention to vote for Hillary Clinton.", ("joe-lieberman", "support", "hillary-clinton")),
    # blamed for its own decision: the one blamed decides
    ("Paul Ryan blasted the FBI for its decision not to indict Hillary Clinton.", ("fbi", "accuse", "hillary-clinton")),
    # adjectives of relation
    ("John Bolton and Sebastian Gorka were sternly critical of Hillary Clinton.", ("john-bolton", "accuse", "hillary-clinton")),
    ("John Bolton and Sebastian Gorka were sternly critical of Hillary Clinton.", ("sebastian-gorka", "accuse", "hillary-clinton")),
    # a telephone call, also when the name is parsed as a naming's predicate
    ("A year later, Barack Obama called Naghmeh Abedini.", ("barack-obama", "consult", "naghmeh-abedini")),
    # "discussed X with Y": the "with" hung on the object
    ("Dorothy Woods discussed the controversy with Hugh Hewitt on Thursday.", ("dorothy-woods", "consult", "hugh-hewitt")),
    # a named apposition stands for its noun
    ("Hillary Clinton attacked her chief political rival, Donald Trump, on Monday.", ("hillary-clinton", "accuse", "donald-trump")),
    # "X whom Y accuses", the relative clause's head an apposition of a name
    ("He discussed Fethullah Gulen, the preacher whom Recep Erdogan accuses of the coup.", ("recep-erdogan", "accuse", "fethullah-gulen")),
    # light "throw ... behind", nouns of verbal attack, a copula whose subject the parse lost
    ("Carly Fiorina threw her support behind Ted Cruz on Wednesday.", ("carly-fiorina", "support", "ted-cruz")),
    ("Hillary Clinton took a swipe at Donald Trump on Monday.", ("hillary-clinton", "accuse", "donald-trump")),
    ("In this small town, Rhonda Hughes, 43, is a fervent supporter of Donald Trump.", ("rhonda-hughes", "support", "donald-trump")),
    # agent nouns of hostility; stopping aid is a sanction; "their" stands for the group object, not the person
    ("Rashida Tlaib is a vociferous foe of Israel.", ("rashida-tlaib", "accuse", "israel")),
    ("Donald Trump has called for cutting off foreign aid to Guatemala.", ("donald-trump", "sanction", "guatemala")),
    ("Lindsey Graham berated the Democrats for their assault on Brett Kavanaugh.", ("democratic-party", "accuse", "brett-kavanaugh")),
]


@pytest.mark.parametrize("text,triple", REL_CASES)
def test_relation_constructions(nlp, table, text, triple):
    assert triple in _rels(nlp, table, text)


def test_no_phone_call(nlp, table):
    named = _rels(nlp, table, "Donald Trump called Hillary Clinton a liar.")
    assert ("donald-trump", "accuse", "hillary-clinton") in named  # a naming, not a call
    assert ("donald-trump", "consult", "hillary-clinton") not in named
    for text in ("Barack Obama met a man called Naghmeh Abedini.",  # a participle of naming
                 "Barack Obama called off his talk to Naghmeh Abedini's group."):  # a phrasal verb
        assert ("barack-obama", "consult", "naghmeh-abedini") not in _rels(nlp, table, text)


def test_lieberman_not_his_state(nlp, table):
    rels = _rels(nlp, table, "Another Connecticut former lawmaker, Sen. Joe Lieberman, stated his intention to vote "
                             "for Hillary Clinton.")
    assert ("joe-lieberman", "support", "hillary-clinton") in rels
    assert not any(s == "connecticut" for s, _, _ in rels)


@pytest.mark.parametrize("text,pair", [
    ("The conservative Swiss People's Party, or SVP, began to campaign on migration.", ("Swiss People's Party", "SVP")),
    ("Chelsea Manning - then known as Bradley Manning - gave the files to WikiLeaks.", ("Chelsea Manning", "Bradley Manning")),
    ("Obama spoke in Vietnam's Ho Chi Minh City, formerly Saigon.", ("Ho Chi Minh City", "Saigon")),
    ("J.J. Goldberg is editor at large of The Forward, an influential New York-based newspaper.",
     ("Forward", "New York-based newspaper")),
])
def test_alias_constructions(nlp, table, text, pair):
    assert pair in _aliases(nlp, table, text)


@pytest.mark.parametrize("text", [
    "It would renew the expiring Iran Sanctions Act, or ISA, which outlines sanctions.",  # a law
    "I filed my PFD (Personal Financial Disclosure) with the FEC, Trump said.",  # a document
    "In the rant, Trump also called Iowa Republican primary voters stupid.",  # a verb of naming
    "He opened the door to the extradition of Fethullah Gulen, the popular US-based preacher.",  # a person
])
def test_no_alias(nlp, table, text):
    assert not _aliases(nlp, table, text)


def test_aid_cut_is_no_aid(nlp, table):
    assert ("donald-trump", "aid", "guatemala") not in _rels(
        nlp, table, "Donald Trump has called for cutting off foreign aid to Guatemala.")


def test_possessive_pronoun_of_another(nlp, table):
    rels = _rels(nlp, table, "Lindsey Graham berated the Democrats for their assault on Brett Kavanaugh.")
    assert ("lindsey-graham", "accuse", "brett-kavanaugh") not in rels
