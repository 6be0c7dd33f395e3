"""Loaded language and the other PTC propaganda techniques as character spans ("flags").

A linear-chain CRF (CRFsuite, through python-crfsuite) tags each token of a spaCy sentence with BIO labels
over the 14 PTC techniques. Features: the word, its lemma, shape, affixes, POS/dependency, its VADER valence
bucket, whether it stands inside a quotation, the sentence's exclamations and capitals, and the same for two
tokens either side. The model file ``models/flags.crfsuite`` was fitted on PTC train only (371 articles,
``python -m newstrace.analyze.train_flags``); its settings were chosen on a held-out fifth of PTC train, never
on PTC dev, which is what ``bench/ptc_spans.py`` scores. See ``models/flags.json`` for the recorded figures.

A flag inside a quotation belongs to the quoted source, not to the outlet: ``speaker`` is ``"outlet"`` or
``"quoted"`` with the quote's span and the source named next to it when one is (``said X``, ``X said``).
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

MODELS = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODELS / "flags.crfsuite"

TECHNIQUES = (
    "Loaded_Language", "Name_Calling,Labeling", "Repetition", "Exaggeration,Minimisation", "Doubt",
    "Appeal_to_fear-prejudice", "Flag-Waving", "Causal_Oversimplification", "Slogans", "Appeal_to_Authority",
    "Black-and-White_Fallacy", "Thought-terminating_Cliches", "Whataboutism,Straw_Men,Red_Herring",
    "Bandwagon,Reductio_ad_hitlerum",
)
SHORT = {t: f"T{i}" for i, t in enumerate(TECHNIQUES)}  # CRF label alphabet stays small and ASCII
LONG = {v: k for k, v in SHORT.items()}

_QUOTES = re.compile(r"\"[^\"\n]{2,}?\"|\u201c[^\u201d\n]{2,}?\u201d|\u00ab[^\u00bb\n]{2,}?\u00bb|"
                     r"(?<![A-Za-z])'[^'\n]{6,}?'(?![A-Za-z])|\u2018[^\u2019\n]{6,}?\u2019(?![A-Za-z])")
_SPEECH = {"say", "tell", "add", "write", "claim", "insist", "declare", "state", "warn", "argue", "ask",
           "call", "tweet", "stress", "note", "explain", "allege", "announce", "reply", "respond", "accuse"}


@dataclass
class Flag:
    technique: str
    start: int
    end: int
    text: str
    speaker: str = "outlet"  # outlet | quoted
    source: str | None = None  # who is quoted, when the text names them next to the quote
    quote_start: int | None = None
    quote_end: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def vader() -> dict[str, float]:
    """VADER's word valences (vaderSentiment ships the lexicon file; -4 .. +4)."""
    import vaderSentiment

    path = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quotations (straight, curly, guillemets; single quotes only when long enough)."""
    return [(m.start(), m.end()) for m in _QUOTES.finditer(text)]


def _shape(w: str) -> str:
    s = re.sub(r"[A-Z]", "X", w)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    return re.sub(r"(.)\1{2,}", r"\1\1", s)


def _valence(lex: dict[str, float], tok) -> str:
    v = lex.get(tok.lower_)
    if v is None:
        v = lex.get(tok.lemma_.lower())
    if v is None:
        return "0"
    b = int(round(v))
    return f"{b:+d}" if b else "0"


def _bucket(rate: float | None) -> str:
    if rate is None:
        return "u"
    for cut, name in ((0.02, "0"), (0.06, "1"), (0.12, "2"), (0.25, "3"), (0.4, "4"), (0.6, "5")):
        if rate < cut:
            return name
    return "6"


def prior_of(prior: dict, tok) -> tuple[str, str]:
    """Bucketed train rates of the token's lower-case form being inside a Loaded_Language / Name_Calling span."""
    v = prior.get(tok.lower_) or prior.get(tok.lemma_.lower())
    if v is None:
        return "u", "u"
    return _bucket(v[0]), _bucket(v[1])


@functools.lru_cache(maxsize=1)
def word_prior() -> dict:
    """The shipped word prior: {word: [LL rate, NC rate, count]} from PTC train (``models/flags_prior.json``)."""
    p = MODELS / "flags_prior.json"
    return json.loads(p.read_text()) if p.exists() else {}


def sentence_features(sent, inquote: list[bool], prior: dict | None = None) -> list[list[str]]:
    """CRFsuite attribute lists for the tokens of one spaCy sentence (``inquote`` per token).

    ``prior`` maps a word to its rates of being inside LL / NC spans in training text the model did not see
    that word's label in (cross-fitted during training; the whole train set at run time).
    """
    lex = vader()
    prior = word_prior() if prior is None else prior
    toks = list(sent)
    n = len(toks)
    excl = any(t.text == "!" for t in toks)
    caps = sum(1 for t in toks if t.is_upper and len(t) > 2) >= 2
    base = []
    for i, t in enumerate(toks):
        low = t.lower_
        base.append({
            "w": low, "l": t.lemma_.lower(), "p": t.pos_, "v": _valence(lex, t), "s": _shape(t.text),
            "pr": prior_of(prior, t),
        })
    feats = []
    for i, t in enumerate(toks):
        b = base[i]
        f = [
            "bias", "w=" + b["w"], "l=" + b["l"], "p=" + b["p"], "t=" + t.tag_, "d=" + t.dep_,
            "s=" + b["s"], "suf3=" + b["w"][-3:], "pre3=" + b["w"][:3], "v=" + b["v"],
            "hl=" + t.head.lemma_.lower(), "hp=" + t.head.pos_,
            "pll=" + b["pr"][0], "pnc=" + b["pr"][1], "pllp=" + b["pr"][0] + b["p"],
        ]
        if inquote[i]:
            f.append("inq")
        if t.is_title:
            f.append("title")
        if t.is_upper and len(t) > 1:
            f.append("upper")
        if t.ent_type_:
            f.append("ent=" + t.ent_type_)
        if excl:
            f.append("excl")
        if caps:
            f.append("caps")
        if i == 0:
            f.append("BOS")
        if i == n - 1:
            f.append("EOS")
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                o = base[j]
                f += [f"{d}w=" + o["w"], f"{d}p=" + o["p"], f"{d}v=" + o["v"], f"{d}pll=" + o["pr"][0],
                      f"{d}pnc=" + o["pr"][1]]
                if abs(d) == 1:
                    f.append(f"{d}l=" + o["l"])
                    f.append(f"{d}ww=" + (o["w"] + "|" + b["w"] if d < 0 else b["w"] + "|" + o["w"]))
            else:
                f.append(f"{d}pad")
        feats.append(f)
    return feats


def doc_features(doc, prior: dict | None = None) -> tuple[list, list[list[list[str]]]]:
    """(sentences, their feature lists) for a parsed document."""
    quotes = quote_spans(doc.text)
    sents = [s for s in doc.sents if any(not t.is_space for t in s)]
    out = []
    for s in sents:
        inq = [any(a <= t.idx < b for a, b in quotes) for t in s]
        out.append(sentence_features(s, inq, prior))
    return sents, out


def decode(t, feats: list[list[str]], threshold: float | None) -> list[str]:
    """BIO labels for one sentence: Viterbi when ``threshold`` is None, else per-token marginals.

    With a threshold, a token goes to the technique whose B+I marginal is largest when that sum reaches
    the threshold (below 0.5 this finds more spans than Viterbi, which under-tags rare short spans).
    """
    best = t.tag(feats)
    if threshold is None:
        return best
    labels = [lab for lab in t.labels() if lab != "O"]
    techs = sorted({lab[2:] for lab in labels})
    out, prev = [], None
    for i in range(len(feats)):
        scored = []
        for tag in techs:
            pb = t.marginal("B-" + tag, i) if "B-" + tag in labels else 0.0
            pi = t.marginal("I-" + tag, i) if "I-" + tag in labels else 0.0
            scored.append((pb + pi, pb, pi, tag))
        tot, pb, pi, tag = max(scored)
        if tot >= threshold:
            out.append(("I-" if prev == tag and pi >= pb else "B-") + tag)
            prev = tag
        else:
            out.append("O")
            prev = None
    return out


def bio_to_spans(sent, labels: list[str]) -> list[tuple[str, int, int]]:
    """(technique, start, end) character spans from one sentence's BIO labels."""
    spans = []
    cur = None
    toks = list(sent)
    for t, lab in zip(toks, labels):
        if lab == "O":
            if cur:
                spans.append(cur)
            cur = None
            continue
        bi, tag = lab.split("-", 1)
        tech = LONG[tag]
        end = t.idx + len(t.text)
        if bi == "I" and cur and cur[0] == tech:
            cur = (tech, cur[1], end)
        else:
            if cur:
                spans.append(cur)
            cur = (tech, t.idx, end)
    if cur:
        spans.append(cur)
    return spans


_TRIM = " \n\t.,:;\"'\u201c\u201d\u2018\u2019"


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Span ends without whitespace or the punctuation PTC v2 trims (" ", newline, . , : ; and quotes)."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


@functools.lru_cache(maxsize=1)
def tagger():
    """The shipped CRF, opened once per process; None when the model file is absent."""
    if not MODEL_FILE.exists():
        return None
    import pycrfsuite

    t = pycrfsuite.Tagger()
    t.open(str(MODEL_FILE))
    return t


def model_info() -> dict:
    p = MODELS / "flags.json"
    return json.loads(p.read_text()) if p.exists() else {}


def flag_doc(doc, techniques: tuple[str, ...] | None = None) -> list[Flag]:
    """Flags of a parsed document (spaCy ``Doc``), each with its technique and who speaks it."""
    t = tagger()
    if t is None:
        return []
    text = doc.text
    quotes = quote_spans(text)
    sents, feats = doc_features(doc)
    flags = []
    threshold = model_info().get("threshold")
    for s, f in zip(sents, feats):
        labels = decode(t, f, threshold)
        for tech, a, b in bio_to_spans(s, labels):
            if techniques and tech not in techniques:
                continue
            a, b = trim(text, a, b)
            if b <= a:
                continue
            flags.append(_attribute(doc, Flag(tech, a, b, text[a:b]), quotes))
    return flags


def _attribute(doc, flag: Flag, quotes: list[tuple[int, int]]) -> Flag:
    for a, b in quotes:
        if a <= flag.start and flag.end <= b:
            flag.speaker, flag.quote_start, flag.quote_end = "quoted", a, b
            flag.source = quote_source(doc, a, b)
            break
    return flag


def quote_source(doc, a: int, b: int) -> str | None:
    """The named speaker of the quotation [a, b): the subject of a speech verb in the quote's sentence."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return None
    sent = span.sent
    for tok in sent:
        if tok.lemma_.lower() in _SPEECH and tok.pos_ == "VERB" and not (a <= tok.idx < b):
            for c in tok.children:
                if c.dep_ in ("nsubj", "nsubjpass") and not (a <= c.idx < b):
                    for ent in sent.ents:
                        if ent.start <= c.i < ent.end and ent.label_ in ("PERSON", "ORG", "GPE", "NORP"):
                            return ent.text
                    if c.pos_ == "PROPN":
                        return " ".join(x.text for x in c.subtree if x.pos_ == "PROPN") or c.text
    return None
