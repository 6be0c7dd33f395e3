"""Attributed claims of one article: who says what, on whose authority (a pure kernel, no SQL, no pool).

Input: the article's paragraphs (character offsets into the stored body) and one spaCy parse of each, or
tokens only (:mod:`.claims_tokens`, when no component of the stage needs a parse: claims alone).
Steps:
1. the CRF tagger (:mod:`.tagger`, trained on PolNeAR train) labels source / cue / content tokens (the parse
   model on a parse, the tokens-only model on tokens);
2. rules where they beat the tagger on PolNeAR dev (``bench/claims_polnear.py --ablate`` measures each):
   a quoted passage next to a reporting verb is content, "according to X" is cue + source; a second pass
   gives a sentence left without a cue the first word that is mostly a cue in PolNeAR train, and a cue
   without content the rest of its sentence (:func:`second_cues`, chosen on held-out train);
3. spans are grouped into claims: each cue takes the nearest source and content of its sentence (then of
   its paragraph); a quote that runs on over the next paragraph is the same claim's content;
4. pronoun and nominal sources are resolved to the named source before them (:mod:`.sources`), typed,
   and nested claims form a chain (outlet -> "told CNN" / the outer claim -> source).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .features import (CLOSE_QUOTES, CUE_VERBS, NOMINAL_CUES, OPEN_QUOTES, STRAIGHT, cue_rates,
                       fast_token_features, quote_depths, token_features)
from .sources import Mentions, resolve, source_type
from .tagger import tag
from .voice import voice


@dataclass
class Span:
    start: int
    end: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class Claim:
    """One attribution (or, kind ``assertion``, one sentence in the outlet's own voice)."""

    kind: str  # direct | indirect | according-to | nominal | assertion
    source: Span | None = None
    cue: Span | None = None
    content: Span | None = None
    source_name: str | None = None  # resolved named source ("He" -> "Pat Caddell")
    source_type: str | None = None  # person | organisation | news outlet | government body | anonymous
    chain: list[str] = field(default_factory=list)  # outer -> inner authorities, the outlet first
    nested_in: int | None = None  # index of the enclosing claim
    modality: str | None = None  # certain | probable | possible | negated
    prediction: str | None = None  # the prediction cue ("will", "is likely to") when the sentence predicts
    horizon: str | None = None  # the stated time horizon of a prediction
    question: bool = False
    conditional: bool = False
    where: str = "body"  # body | title (a headline attribution; spans into the title)
    origin: str = "analysed"  # analysed | carried (from the copy's source) | translated

    def as_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("source", "cue", "content"):
            d[k] = getattr(self, k).as_dict() if getattr(self, k) else None
        return d

    def extent(self) -> tuple[int, int]:
        parts = [s for s in (self.source, self.cue, self.content) if s]
        return min(s.start for s in parts), max(s.end for s in parts)


ROLES = {"SRC": "source", "CUE": "cue", "CON": "content"}
_CLAUSE_WORDS = frozenset("""who which that whose where when while and but because as if is are was were has have
had will would could should may might can""".split())
_OUTLET_OBJ = re.compile(r"\b(?:told|to|with|on)\s+(?:the\s+)?$", re.I)


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-empty lines of a body (the stored body joins paragraphs with blank lines)."""
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]


def _runs(sdoc, labels: list[str], off: int, text: str) -> list[tuple[str, Span, int]]:
    """Token label runs -> (role, span into the body, first token index)."""
    out = []
    cur = None
    for tok, lab in zip(sdoc, labels):
        role = lab[2:] if lab != "O" else None
        if role and cur and cur[0] == role and not lab.startswith("B-"):
            cur[2] = tok.i
            continue
        if cur:
            out.append(cur)
        cur = [role, tok.i, tok.i] if role else None
    if cur:
        out.append(cur)
    spans = []
    for role, a, b in out:
        s, e = off + sdoc[a].idx, off + sdoc[b].idx + len(sdoc[b].text)
        spans.append((ROLES[role], Span(s, e, text[s:e]), a))
    return spans


def apply_rules(sdoc, labels: list[str]) -> list[str]:
    """Rules that beat the tagger on PolNeAR dev (bench/claims_polnear.py --no-rules shows the difference):
    "according to X": the two words are the cue and the noun phrase X (its ``pobj`` subtree) the source."""
    labels = list(labels)
    parsed = sdoc.has_annotation("DEP")
    for tok in sdoc:
        if tok.lower_ != "according" or tok.i + 1 >= len(sdoc) or sdoc[tok.i + 1].lower_ != "to":
            continue
        to = sdoc[tok.i + 1]
        if parsed:
            objs = [c for c in to.children if c.dep_ == "pobj"]
            if not objs:
                continue
            sub = [t for t in objs[0].subtree if t.i > to.i]
            if not sub:
                continue
            a, b = sub[0].i, sub[-1].i
        else:  # tokens only: X runs to the next punctuation or clause word of the sentence, at most 13 tokens
            # (measured on PolNeAR train, 394 gold "according to" sources, `bench/claims_train.py --cap`: source
            # overlap F1 0.853 at 9 tokens, 0.860 from 11 tokens to no cap: punctuation and clause words end the
            # run first; gold sources: median 4 tokens, 90th percentile 10)
            a = b = to.i + 1
            if a >= len(sdoc) or sdoc[a].is_punct or sdoc[a].is_sent_start:
                continue
            while b + 1 < len(sdoc) and b - a < 12 and not sdoc[b + 1].is_sent_start and \
                    not sdoc[b + 1].is_punct and sdoc[b + 1].lower_ not in _CLAUSE_WORDS:
                b += 1
        while b > a and (sdoc[b].is_punct or sdoc[b].dep_ in ("relcl", "acl")):
            b -= 1
        labels[tok.i], labels[to.i] = "B-CUE", "I-CUE"
        for i in range(a, b + 1):
            labels[i] = "B-SRC" if i == a else "I-SRC"
        for t in tok.sent:  # the sentence's other "sources" are the reported clause
            if labels[t.i].endswith("SRC") and not a <= t.i <= b:
                labels[t.i] = "I-CON" if t.i and labels[t.i - 1].endswith("CON") else "B-CON"
    return labels


_PRONOUNS = frozenset("i he she we they it you who".split())
CUE_RATE_MIN = 0.5  # a word opens a missed cue when at least this share of its train occurrences are in a cue
# the missed-cue pass (second_cues, _bare_content): a new cue's source is at most SOURCE_WINDOW words right before
# it; a content needs at least MIN_CONTENT_WORDS words (else the other side of the sentence, else none). Both
# swept on held-out PolNeAR **train** (bench/claims_constants.py: articles 320-399 for the choice, 480-559 to
# confirm; the tokens-only model was fitted on 0-319), tokens-only path, never on dev: see bench/README "Claims".
# Session 11, overlap F1 content / source / cue on 320-399: window 3 / 4 / 6 / 8 -> 0.5972 / 0.6220 / 0.6372,
# 0.5983 / 0.6234 / 0.6367, 0.5983 / 0.6240 / 0.6376, 0.5978 / 0.6243 / 0.6374; min words 2 / 3 / 4 / 5 -> content
# 0.5972 / 0.5983 / 0.5980 / 0.5979 (source, cue unchanged): 6 and 3 are the best mean, on a flat plateau (every
# setting within 0.002); on 480-559: 0.6133 / 0.6091 / 0.6122
SOURCE_WINDOW = 6
MIN_CONTENT_WORDS = 3


def second_cues(sdoc, labels: list[str], rates: dict[str, float], rate_min: float = CUE_RATE_MIN) -> list[str]:
    """A second pass for sentences the tagger left without a cue (its recall is the weak part: on held-out
    PolNeAR train ~28% of gold cues sit in such sentences): the sentence's first unlabelled word whose train
    cue rate is at least ``rate_min`` becomes the cue; when the sentence has no source or content labels
    either, it needs a name or pronoun right before it (the source), and the words after it to the sentence end are the content ("X said that ...") — or, with fewer than
    MIN_CONTENT_WORDS words after it, the words from the sentence start to the source before it ("..., X said.") — and the
    name, pronoun or short noun phrase right before it the source. A sentence with a cue and no content gets
    the same content (:func:`_bare_content`)."""
    labels = list(labels)
    for sent in sdoc.sents:
        idx = list(range(sent.start, sent.end))
        if any(labels[i].endswith("CUE") for i in idx):
            if not any(labels[i].endswith("CON") for i in idx):
                _bare_content(sdoc, sent, labels)
            continue
        cue = next((i for i in idx if labels[i] == "O" and rates.get(sdoc[i].lower_, 0.0) >= rate_min), None)
        if cue is None:
            continue
        labels[cue] = "B-CUE"
        if any(labels[i] != "O" for i in idx if i != cue):
            continue  # the tagger found a source or content: grouping ties them to the cue
        # source: up to SOURCE_WINDOW words right before the cue, back to punctuation or a clause word
        a = cue
        while a - 1 >= sent.start and cue - (a - 1) <= SOURCE_WINDOW and not sdoc[a - 1].is_punct and \
                sdoc[a - 1].lower_ not in _CLAUSE_WORDS:
            a -= 1
        if any(sdoc[i].text[:1].isupper() or sdoc[i].lower_ in _PRONOUNS for i in range(a, cue)):
            for i in range(a, cue):
                labels[i] = "B-SRC" if i == a else "I-SRC"
        else:  # no name or pronoun: no new claim ("an escalation could be expected" stays the outlet's voice)
            labels[cue] = "O"
            continue
        words = [i for i in range(cue + 1, sent.end) if not sdoc[i].is_punct or sdoc[i].text in OPEN_QUOTES]
        if len(words) >= MIN_CONTENT_WORDS:
            lo, hi = words[0], words[-1]
        else:
            before = [i for i in range(sent.start, a) if not sdoc[i].is_punct or sdoc[i].text in OPEN_QUOTES]
            if len(before) < MIN_CONTENT_WORDS:
                continue
            lo, hi = before[0], before[-1]
            while hi > lo and sdoc[hi].is_punct and sdoc[hi].text not in CLOSE_QUOTES:
                hi -= 1
        for i in range(lo, hi + 1):
            if labels[i] == "O":
                labels[i] = "B-CON" if i == lo else "I-CON"
    return labels


def _bare_content(sdoc, sent, labels: list[str]) -> None:
    """A sentence with a cue but no content: the words after its last cue run to the sentence end (3+ words),
    else the words before its first source or cue."""
    idx = range(sent.start, sent.end)
    last = max(i for i in idx if labels[i].endswith("CUE"))
    first = min(i for i in idx if labels[i] != "O")
    words = [i for i in range(last + 1, sent.end) if labels[i] == "O" and
             (not sdoc[i].is_punct or sdoc[i].text in OPEN_QUOTES)]
    if len(words) < MIN_CONTENT_WORDS:
        words = [i for i in range(sent.start, first) if not sdoc[i].is_punct or sdoc[i].text in OPEN_QUOTES]
        if len(words) < MIN_CONTENT_WORDS:
            return
    for i in range(words[0], words[-1] + 1):
        if labels[i] == "O":
            labels[i] = "B-CON" if i == words[0] else "I-CON"


def extend_to_clause(sdoc, labels: list[str]) -> list[str]:
    """A content that stops short of its sentence's edge, with only unlabelled words in between, runs to the
    edge: "Clinton's van was ..., another source said" (the tagger often starts such contents late)."""
    labels = list(labels)
    for sent in sdoc.sents:
        idx = [t.i for t in sent if not t.is_punct and not t.is_space]
        if not idx:
            continue
        roles = [labels[i][2:] if labels[i] != "O" else "" for i in range(sent.start, sent.end)]
        if "CUE" not in roles or "CON" not in roles:
            continue
        first_con = sent.start + roles.index("CON")
        first_cue = sent.start + roles.index("CUE")
        if first_con < first_cue and first_con > idx[0] and all(labels[i] == "O" for i in range(idx[0], first_con)):
            for i in range(idx[0], first_con):
                labels[i] = "B-CON" if i == idx[0] else "I-CON"
            labels[first_con] = "I-CON"
        last_con = sent.start + len(roles) - 1 - roles[::-1].index("CON")
        last_cue = sent.start + len(roles) - 1 - roles[::-1].index("CUE")
        if last_con > last_cue and last_con < idx[-1] and all(labels[i] == "O" for i in range(last_con + 1, idx[-1] + 1)):
            for i in range(last_con + 1, idx[-1] + 1):
                labels[i] = "I-CON"
    return labels


CONTENT_GAP = 0  # see merge_content_gaps


def merge_content_gaps(sdoc, labels: list[str], max_gap: int) -> list[str]:
    """Two content runs of one sentence with at most ``max_gap`` unlabelled tokens and no source or cue between
    them become one run (the tagger sometimes breaks a content in two, and each half then misses the >= 50%
    overlap)."""
    if max_gap <= 0:
        return labels
    labels = list(labels)
    for sent in sdoc.sents:
        last_con = None
        for i in range(sent.start, sent.end):
            lab = labels[i]
            if lab.endswith("CON"):
                if last_con is not None and 0 < i - last_con - 1 <= max_gap:
                    for j in range(last_con + 1, i):
                        labels[j] = "I-CON"
                    labels[i] = "I-CON"
                elif last_con is not None and i == last_con + 1 and lab == "B-CON":
                    labels[i] = "I-CON"
                last_con = i
            elif lab != "O":
                last_con = None
    return labels


def _sent_of(sdoc, i: int) -> int:
    return sdoc[i].sent.start


def _sent_starts(sdoc) -> list[int]:
    """The index of each token's sentence's first token."""
    out = []
    for sent in sdoc.sents:
        out.extend([sent.start] * (sent.end - sent.start))
    return out


def kind_of(cue: Span | None, content: Span | None) -> str:
    """Attribution type as the benchmark splits it: direct (quoted content), according-to, nominal, indirect."""
    ct = (content.text.strip() if content else "")
    if ct[:1] in OPEN_QUOTES | STRAIGHT | {"'"}:
        return "direct"
    cw = cue.text.lower().split() if cue else []
    if cw[:2] == ["according", "to"]:
        return "according-to"
    if cw and any(w.strip(".,:") in NOMINAL_CUES for w in cw) and not any(w in CUE_VERBS for w in cw):
        return "nominal"
    return "indirect"


def _group(runs: list[tuple[str, Span, int, int]]) -> list[Claim]:
    """Tie sources and contents to cues: the nearest cue of the same sentence whose slot is free, then of the
    paragraph. A content split by its own cue ("quote," she said, "quote") becomes one span; a source or content
    no cue can take stays a claim of its own (joined with the other role of its sentence when free)."""
    cues = [r for r in runs if r[0] == "cue"]
    claims: list[Claim] = [Claim(kind="indirect", cue=span) for _, span, _, _ in cues]
    sent_of: list[int] = [sent for _, _, _, sent in cues]
    loose: list[tuple[Claim, int]] = []
    for role, span, _, sent in runs:
        if role == "cue":
            continue
        best, bd = None, None
        for ci, (_, cspan, _, csent) in enumerate(cues):
            cur = getattr(claims[ci], role)
            split = cur is not None and role == "content" and (
                min(cur.end, span.end) <= cspan.start < max(cur.start, span.start))
            if cur is not None and not split:
                continue
            d = (0 if csent == sent else 1, abs(cspan.start - span.start))
            if bd is None or d < bd:
                best, bd = ci, d
        if best is not None:
            cur = getattr(claims[best], role)
            if cur is None:
                setattr(claims[best], role, span)
            else:
                claims[best].content = Span(min(cur.start, span.start), max(cur.end, span.end), "")
            continue
        mate = next((c for c, s_ in loose if s_ == sent and getattr(c, role) is None), None)
        if mate is not None:
            setattr(mate, role, span)
        else:
            c = Claim(kind="indirect")
            setattr(c, role, span)
            loose.append((c, sent))
    _ = sent_of
    return claims + [c for c, _ in loose]


_CLOSE_AT = re.compile(r"[”»›\"’](?=[\s,.;:!?]|$)")  # a closing quote (not the apostrophe of "don’t")


def _quoted(text: str) -> bool:
    return text.lstrip(_LEAD)[:1] in OPEN_QUOTES | STRAIGHT | {"'"}


def _has_quote(text: str) -> bool:
    return any(ch in _QUOTE_CHARS for ch in text)


_LEAD = " \t,;:.!?—–-"  # what may stand between a cue and the quote it introduces
_QUOTE_CHARS = frozenset("“”«»„‹›\"")


def _cut_own_cue(claims: list[Claim], body: str) -> None:
    """A content that runs over its own cue is cut to its quoted side when the other side has no quote at all:
    '"We are ready," Paris said about the work' -> the quote ("A," she said. "B" stays one content)."""
    for c in claims:
        con, cue = c.content, c.cue
        if con is None or cue is None or not (con.start < cue.start and cue.end < con.end):
            continue
        left, right = body[con.start:cue.start], body[cue.end:con.end]
        if _quoted(left) and not _has_quote(right):
            lo = con.start + len(left) - len(left.lstrip())
            ends = [m.end() for m in _CLOSE_AT.finditer(left, 1)]
            if not ends:
                continue
            c.content = Span(lo, con.start + ends[-1], "")
        elif _quoted(right) and not _has_quote(left):
            c.content = Span(cue.end + len(right) - len(right.lstrip(_LEAD)), con.end, "")


def _outlet_voiced(c: Claim) -> bool:
    """No source and either no cue or a cue inside its own content ("A further escalation could be expected in
    the coming weeks", "Work is expected to begin in the autumn"): the outlet's own statement or prediction,
    left to its voice (:func:`_assertions`) rather than made a source-less attribution. (PolNeAR counts some of
    these as attributions; bench/README "Claims", session 12, gives the cost.)"""
    if c.source is not None or c.where != "body":
        return False
    if c.cue is None:
        return not _quoted(c.content.text) if c.content else False
    return c.content is not None and c.content.start <= c.cue.start and c.cue.end <= c.content.end


def _headline_cue(c: Claim) -> bool:
    """A headline is an attribution only with a reporting verb, "according to" or a quote ("Ferry terminal
    approved" is not one)."""
    words = c.cue.text.lower().split() if c.cue else []
    return any(w.strip(".,:") in CUE_VERBS for w in words) or words[:2] == ["according", "to"] or \
        bool(c.content and _quoted(c.content.text))


def _text_fill(claims: list[Claim], body: str) -> None:
    for c in claims:
        for k in ("source", "cue", "content"):
            s = getattr(c, k)
            if s is not None and not s.text:
                s.text = body[s.start:s.end]


def _chain(claims: list[Claim], body: str, outlet: str | None) -> None:
    """Nesting: a claim whose cue sits inside (or in the sentence of) an outer claim's content is carried by
    it; "told CNN" / "in an interview with CNN" makes the outlet an intermediate authority."""
    for i, c in enumerate(claims):
        if c.kind == "assertion":
            continue
        for j, o in enumerate(claims):
            if j == i or o.kind == "assertion" or not o.content or not c.cue or o.cue is None:
                continue
            if o.content.start <= c.cue.start < o.content.end + 2 and o.cue.start < c.cue.start and \
                    (c.source is None or o.content.start <= c.source.start):
                if c.nested_in is None:
                    c.nested_in = j
    for c in claims:
        if c.kind == "assertion":
            continue
        inner = c.source_name or (c.source.text if c.source else None)
        via = _outlet_after_cue(c, body) if c.where == "body" else None
        chain = [x for x in (via, inner) if x]
        c.chain = chain
    for c in claims:  # outer chains, innermost last (depth is small: walk up)
        seen = 0
        o = c
        while o.nested_in is not None and seen < 5:
            o = claims[o.nested_in]
            outer = o.source_name or (o.source.text if o.source else None)
            if outer:
                c.chain = [x for x in o.chain if x not in c.chain] + c.chain if o.chain else [outer] + c.chain
            seen += 1
    if outlet:
        for c in claims:
            if c.kind != "assertion":
                c.chain = [outlet] + [x for x in c.chain if x != outlet]


_OUTLET_NAME = re.compile(
    r"\s*(?:(?:told|to|with)\s+)?(?:an?\s+interview\s+with\s+|the\s+)?((?:[A-Z][\w.&'’-]*\s*)+)")


def _outlet_after_cue(c: Claim, body: str) -> str | None:
    """The outlet a source spoke to: "X told CNN", "in an interview with The Washington Post"."""
    if c.cue is None:
        return None
    tail = body[c.cue.start:c.cue.end + 80]
    m = re.search(r"\b(?:told|interview with|in an interview with|speaking to|speaking with)\s+(?:the\s+)?"
                  r"((?:[A-Z][\w.&'’-]*)(?:\s+(?:[A-Z][\w.&'’-]*|of))*)", tail)
    if not m:
        return None
    # the name ends at its sentence's end ("told POLITICO. Such ...", "told USA Today.\n\nFigueroa said")
    name = re.split(r"(?<=\w\w)\.\s|\n", m.group(1))[0]
    name = re.sub(r"(?:’s|'s)$", "", name.strip().rstrip(".,;:"))
    name = re.sub(r"\s+of$", "", name)
    return name if source_type(name, None) == "news outlet" else None


# Which tagger reads a parsed paragraph: "parse" (claims_crf over the parse features) or "tokens" (the
# tokens-only model over its own features of the parse's tokens; the parse still serves the rules and sources).
# Session 12, held-out PolNeAR train 680-839 on the spaCy parses, both models fitted on 0-679 the way the shipped
# ones are (claims_train.py --holdout 160), content / source / cue overlap F1: parse model 0.6606 / 0.6982 /
# 0.6897 (with the cue-rate features 0.6626 / 0.7067 / 0.6905), tokens-only model with them 0.6717 / 0.7026 /
# 0.6923: "tokens" (bench/README "Claims", session 12)
PARSE_TAGGER = "tokens"


def _features(sdoc, carried: int, quotes) -> tuple[list, int, bool]:
    """The tagger's features of one paragraph, what it leaves open, and whether the tokens-only model reads them."""
    if sdoc.has_annotation("DEP") and PARSE_TAGGER == "parse":
        feats, left = token_features(sdoc, carried, quotes)
        return feats, left, False
    feats, left = fast_token_features(sdoc, carried, quotes)
    return feats, left, True


def analyse(body: str, parses: list[tuple[int, Any]], outlet: str | None = None,
            title: str | None = None, title_parse: Any = None, assertions: bool = True,
            rules: bool = True, extend: bool = True, second: bool | str = True, cut: bool = True,
            voiced: bool = True) -> list[Claim]:
    """Claims of one article. ``parses``: (offset of the paragraph in ``body``, its spaCy Doc or tokens-only
    :class:`.claims_tokens.Doc`), in order. ``second``: the missed-cue pass (:func:`second_cues`; a path:
    another cue-rate file; False: off)."""
    claims: list[Claim] = []
    mentions = Mentions()
    carried = 0
    prev_end = 0
    open_claim: Claim | None = None
    for off, sdoc in parses:
        quotes = quote_depths(sdoc, carried)
        feats, left_open, fast = _features(sdoc, carried, quotes)
        labels = tag(feats, fast=fast)
        if rules:
            labels = apply_rules(sdoc, labels)
        if second:  # chosen on held-out train (both models)
            labels = second_cues(sdoc, labels, cue_rates(second if isinstance(second, str) else None))
        if extend:
            labels = extend_to_clause(sdoc, labels)
        labels = merge_content_gaps(sdoc, labels, CONTENT_GAP)
        runs = _runs(sdoc, labels, off, body)
        if runs:
            sent_start = _sent_starts(sdoc)
            runs = [(role, span, ti, sent_start[ti]) for role, span, ti in runs]
        para = _group(runs)
        if cut:
            _cut_own_cue(para, body)
        # a quote continued from the previous paragraph with no cue of its own belongs to the open claim
        if carried and open_claim is not None and open_claim.content is not None and para \
                and para[0].cue is None and para[0].content is not None and para[0].content.start <= off + 1 \
                and open_claim.content.end >= prev_end - 2 and sdoc[0].text in OPEN_QUOTES | STRAIGHT:
            c0 = para.pop(0)
            open_claim.content = Span(open_claim.content.start if open_claim.content else c0.content.start,
                                      c0.content.end, "")
        _text_fill(para, body)
        mentions.add_doc(sdoc, off, quotes[0])
        for c in sorted(para, key=lambda c: c.source.start if c.source else 0):
            c.kind = kind_of(c.cue, c.content)
            resolve(c, mentions, body)
            mentions.add_claim(c)
        claims.extend(para)
        if para:
            open_claim = para[-1]
        carried = left_open
        prev_end = off + len(sdoc.text)
    _text_fill(claims, body)
    claims = [c for c in claims if c.cue is not None or c.content is not None or c.source is not None]
    if voiced:
        claims = [c for c in claims if not _outlet_voiced(c)]
    if title and title_parse is not None:
        feats, _, fast = _features(title_parse, 0, None)
        tl = _group([(r, s, ti, _sent_of(title_parse, ti)) for r, s, ti in
                     _runs(title_parse, tag(feats, fast=fast), 0, title)])
        _text_fill(tl, title)
        for c in tl:
            if c.cue is not None and (c.source or c.content) and (not voiced or _headline_cue(c)):
                c.kind = kind_of(c.cue, c.content)
                c.where = "title"
                resolve(c, Mentions(), title)
                claims.append(c)
    _chain(claims, body, outlet)
    if assertions:
        claims.extend(_assertions(body, parses, claims))
    return claims


# The outlet's voice needs 3 tokens: on PolNeAR train (`bench/claims_constants.py --short-sentences`, session 12)
# the 783 sentences of 1-2 tokens outside every gold attribution are furniture (URLs, list numbers, time stamps,
# "ABSTRACT.", "CORRECTION:", "TWITTER.", "Getty.") bar a rare "Why?"; 3-token ones are a mix of labels ("FULL
# TEXT.", "[Reuters]") and real statements ("Rubio disagreed.", "Close call."), so they are kept.
MIN_ASSERTION_TOKENS = 3


def _assertions(body: str, parses: list[tuple[int, Any]], claims: list[Claim]) -> list[Claim]:
    """Sentences outside every attribution: the outlet's own voice, with modality and predictions."""
    taken = sorted(c.extent() for c in claims if c.where == "body")
    out = []
    for off, sdoc in parses:
        for sent in sdoc.sents:
            s, e = off + sent.start_char, off + sent.end_char
            if len(sent) < MIN_ASSERTION_TOKENS or any(a < e and s < b for a, b in taken):
                continue
            v = voice(sent)
            out.append(Claim(kind="assertion", content=Span(s, e, body[s:e]), **v))
    return out
