"""The outlet's own voice: sentences outside every attribution, with modality, predictions, questions and
conditionals marked (rules over the spaCy parse; no labelled data for these exists here, so they are
rules, stated plainly, and their output is evidence to check, not a verdict).

- modality: ``negated`` (a negation on the main verb), ``possible`` (may, might, could, perhaps,
  possibly), ``probable`` (likely, probably, expected to, should, would), else ``certain``;
- prediction: the future marker ("will", "is likely to", "could be expected", "is set to", "is going to",
  "expected to", "forecast") with the time horizon when the sentence states one ("in the coming weeks",
  "next year", "by 2030", "within two days", "tomorrow");
- question: ends with "?"; conditional: an "if" / "unless" / "provided that" clause.
"""
from __future__ import annotations

import re

_POSSIBLE = {"may", "might", "could", "perhaps", "possibly", "maybe", "can"}
_NEG = {"not", "n't", "n’t", "never", "no"}
_PROBABLE = {"likely", "probably", "should", "would", "presumably", "apparently", "reportedly", "allegedly"}
_PREDICT = re.compile(
    r"\b(will|won't|shall|(?:is|are|was|were)\s+(?:un)?likely\s+to|could\s+be\s+expected|(?:is|are)\s+expected\s+to|"
    r"expected\s+to|(?:is|are)\s+set\s+to|(?:is|are)\s+going\s+to|(?:is|are)\s+poised\s+to|forecasts?|"
    r"predicts?|(?:is|are)\s+due\s+to)\b", re.I)
_HORIZON = re.compile(
    r"\b(in\s+the\s+(?:coming|next)\s+(?:few\s+)?(?:days|weeks|months|years|decades?)|"
    r"(?:next|this\s+coming)\s+(?:week|month|year|decade|spring|summer|autumn|fall|winter|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)|by\s+(?:the\s+end\s+of\s+)?(?:19|20)\d\d|"
    r"by\s+(?:the\s+end\s+of\s+)?(?:next\s+)?(?:week|month|year)|within\s+(?:\w+\s+)?(?:days?|weeks?|months?|years?)|"
    r"tomorrow|soon|in\s+(?:19|20)\d\d)\b", re.I)
_COND = re.compile(r"(?:^|[\s,;(])(if|unless|provided\s+that|in\s+case)\s", re.I)


def modality(sent) -> str:
    words = {t.lower_ for t in sent}
    if sent.doc.has_annotation("DEP"):
        neg = any(t.dep_ == "neg" and t.head.dep_ in ("ROOT", "aux", "auxpass") or (t.dep_ == "neg" and
                                                                                 t.head == sent.root) for t in sent)
    else:  # tokens only: a negation word of the sentence
        neg = bool(words & _NEG)
    if neg:
        return "negated"
    if words & _POSSIBLE:
        return "possible"
    if words & _PROBABLE or re.search(r"\bexpected\s+to\b", sent.text, re.I):
        return "probable"
    return "certain"


def voice(sent) -> dict:
    """Modality, prediction (its cue), horizon, question and conditional of one sentence (a spaCy Span)."""
    text = sent.text
    m = _PREDICT.search(text)
    h = _HORIZON.search(text) if m else None
    return {
        "modality": modality(sent),
        "prediction": m.group(0) if m else None,
        "horizon": h.group(0) if h else None,
        "question": text.rstrip().rstrip("\"”»’'").endswith("?"),
        "conditional": bool(_COND.search(text)),
    }
