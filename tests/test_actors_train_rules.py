"""Relation and alias rules written in session 13 against a hand-labelled sample of PolNeAR train sentences
(tests/data/actors/train_labels.txt, scored by bench/actors_train_relations.py): the negatives and the aliases;
the positive relation cases are in test_actors_constructions.py's REL_CASES (session 13 block). The sentences are
written for each construction kind (not copied from the labelled set)."""
from __future__ import annotations

import pytest

from newstrace.analyze import actors, relations


def _read(nlp, table, text) -> tuple[set, set]:
    """(relations as (subject id, type, object id), aliases as (name, alias)) of one text."""
    doc = nlp(text)
    found = actors.analyse(doc, table, None)
    triples = {(r.subject.split(":")[-1], r.type, r.object.split(":")[-1])
               for r in relations.find_relations(doc, found)}
    return triples, {(x.name, x.alias) for x in found.aliases}


def _rels(nlp, table, text):
    return _read(nlp, table, text)[0]


def _aliases(nlp, table, text):
    return _read(nlp, table, text)[1]




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


def test_title_abbreviation_is_no_country_code(nlp, table):
    """"Sen." matched Senegal through its code "SEN"; a code counts only when written in capitals."""
    doc = nlp("Sen. Joe Lieberman met officials from Senegal in Dakar.")
    found = actors.analyse(doc, table, None)
    assert not any(m.text.startswith("Sen.") for m in found.mentions)
    assert any(m.text == "Senegal" for m in found.mentions)
