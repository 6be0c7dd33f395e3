"""A light tokenizer and sentence splitter for the claims tagger's fast path (no spaCy, no model).

When claims are the only component of the analyze stage nothing needs a tagger or a parser, and spaCy's
import, pipeline load and ``Doc``/``Token`` objects cost more than the claims kernel itself (~0.9 s of CPU
to start a process, about a third of a 100-page ingest). :func:`tokenize` makes a :class:`Doc` with the few
attributes the claims code reads (``text``, ``idx``, ``lower_``, ``whitespace_``, ``is_sent_start``,
``is_punct``, ...) and says it has no tags and no parse (``has_annotation`` is false), so
:mod:`.features`, :mod:`.claims`, :mod:`.sources` and :mod:`.voice` take their tokens-only branches and the
tagger its fast model (trained on this tokenizer's output: ``bench/claims_train.py --fast``).

Tokens: whitespace-separated chunks with leading quotes/brackets/currency and trailing punctuation split off,
English clitics (``'s``, ``n't``, ``'re``, ...) split, dashes (``—``, ``--``) split; a final period stays on
abbreviations ("Mr.", "U.S.", "Jan.", initials). Sentences end after ``. ! ? …`` (with the closing quotes and
brackets that follow).
"""
from __future__ import annotations

import functools
import re
import unicodedata

_CHUNK = re.compile(r"\S+")
_LEAD = set("\"“‘«‹„([{¿¡'`$£€*#")
_TRAIL = set("\"”’»›)]}.,;:!?'…*")
_DASH = re.compile(r"(—|–|--+|…|\.\.\.+)")
_CLITIC = re.compile(r"(?i)^(.+?)(n[’']t|[’'](?:s|re|ve|ll|d|m))$")
_ABBREV = frozenset("""mr mrs ms dr sr jr st sen rep gov gen col lt sgt capt adm maj pres sec prof rev hon
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun inc corp co ltd
vs etc vol ca approx dept est fig univ assn bros mt ft ave blvd rd""".split())
# spaCy's English stop words (spacy/lang/en/stop_words.py, MIT), "us" left out ("US" is a name): a capitalised
# word that is one of these is no proper noun for the tokens-only name finder (sources.name_runs)
STOP_WORDS = frozenset("""
'd 'll 'm 're 's 've a about above across after afterwards again against all almost alone along already also
although always am among amongst amount an and another any anyhow anyone anything anyway anywhere are around
as at back be became because become becomes becoming been before beforehand behind being below beside besides
between beyond both bottom but by ca call can cannot could did do does doing done down due during each eight
either eleven else elsewhere empty enough even ever every everyone everything everywhere except few fifteen
fifty first five for former formerly forty four from front full further get give go had has have he hence her
here hereafter hereby herein hereupon hers herself him himself his how however hundred i if in indeed into is
it its itself just keep last latter latterly least less made make many may me meanwhile might mine more
moreover most mostly move much must my myself n't name namely neither never nevertheless next nine no nobody
none noone nor not nothing now nowhere n‘t n’t of off often on once one only onto or other others otherwise
our ours ourselves out over own part per perhaps please put quite rather re really regarding same say see seem
seemed seeming seems serious several she should show side since six sixty so some somehow someone something
sometime sometimes somewhere still such take ten than that the their them themselves then thence there
thereafter thereby therefore therein thereupon these they third this those though three through throughout
thru thus to together too top toward towards twelve twenty two under unless until up upon used using various
very via was we well were what whatever when whence whenever where whereafter whereas whereby wherein
whereupon wherever whether which while whither who whoever whole whom whose why will with within without would
yet you your yours yourself yourselves ‘d ‘ll ‘m ‘re ‘s ‘ve ’d ’ll ’m ’re ’s ’ve""".split())
_END = frozenset({".", "!", "?", "…", "...", "?!", "!?"})
_CLOSE = frozenset({"\"", "”", "’", "»", "›", ")", "]", "}", "'"})


@functools.lru_cache(maxsize=65536)
def _is_punct(text: str) -> bool:
    return all(unicodedata.category(c)[0] == "P" for c in text)


class Token:
    __slots__ = ("doc", "i", "text", "idx", "lower_", "whitespace_", "is_sent_start")
    tag_ = ""
    dep_ = ""
    pos_ = ""

    def __init__(self, doc, i, text, idx, ws):
        self.doc, self.i, self.text, self.idx, self.lower_, self.whitespace_ = doc, i, text, idx, text.lower(), ws
        self.is_sent_start = i == 0

    def __len__(self):
        return len(self.text)

    @property
    def is_punct(self) -> bool:
        return _is_punct(self.text)

    @property
    def is_space(self) -> bool:
        return self.text.isspace()

    @property
    def is_digit(self) -> bool:
        return self.text.isdigit()

    @property
    def is_alpha(self) -> bool:
        return self.text.isalpha()

    @property
    def is_upper(self) -> bool:
        return self.text.isupper()

    @property
    def head(self):
        return self

    @property
    def sent(self):
        for s in self.doc.sents:
            if s.start <= self.i < s.end:
                return s
        raise IndexError(self.i)

    def __repr__(self):
        return self.text


class Span:
    __slots__ = ("doc", "start", "end")

    def __init__(self, doc, start, end):
        self.doc, self.start, self.end = doc, start, end

    def __iter__(self):
        return iter(self.doc.tokens[self.start:self.end])

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, i):
        return self.doc.tokens[self.start:self.end][i]

    @property
    def start_char(self) -> int:
        return self.doc.tokens[self.start].idx if self.end > self.start else 0

    @property
    def end_char(self) -> int:
        if self.end <= self.start:
            return 0
        t = self.doc.tokens[self.end - 1]
        return t.idx + len(t.text)

    @property
    def text(self) -> str:
        return self.doc.text[self.start_char:self.end_char]

    @property
    def root(self):
        return self.doc.tokens[self.start]

    def __repr__(self):
        return self.text


class Doc:
    """A tokenized paragraph with sentence starts, no tags and no parse (``has_annotation`` is false)."""

    __slots__ = ("text", "tokens", "_sents")

    def __init__(self, text: str):
        self.text = text
        self.tokens: list[Token] = []
        self._sents = None

    def __iter__(self):
        return iter(self.tokens)

    def __len__(self):
        return len(self.tokens)

    def __getitem__(self, i):
        if isinstance(i, slice):
            a, b, _ = i.indices(len(self.tokens))
            return Span(self, a, max(a, b))
        return self.tokens[i]

    def has_annotation(self, attr: str) -> bool:
        return attr == "SENT_START"

    @property
    def sents(self):
        if self._sents is None:
            starts = [t.i for t in self.tokens if t.is_sent_start]
            self._sents = [Span(self, a, b) for a, b in zip(starts, starts[1:] + [len(self.tokens)])]
        return iter(self._sents)


def _split_chunk(w: str) -> list[str]:
    """One whitespace-free chunk -> its tokens."""
    lead, trail = [], []
    while len(w) > 1 and w[0] in _LEAD:
        lead.append(w[0])
        w = w[1:]
    while len(w) > 1 and w[-1] in _TRAIL:
        if w[-1] == ".":
            core = w[:-1]
            if core.lower().lstrip("(") in _ABBREV or (len(core) == 1 and core.isalpha()) or \
                    ("." in core and any(c.isalpha() for c in core) and not core.endswith(".")):
                break  # "Mr.", "J.", "U.S.", "a.m." keep their period
            if core.endswith(".."):
                trail.append(w[-3:]) if w.endswith("...") else trail.append(w[-1])
                w = w[:-3] if w.endswith("...") else w[:-1]
                continue
        if w[-1] in "'’" and len(w) > 2 and w[-2] in "sS" and not lead:  # "the officials'" (a possessive)
            break
        trail.append(w[-1])
        w = w[:-1]
    mid = [w] if w else []
    m = _CLITIC.match(w)
    if m and any(c.isalpha() for c in m.group(1)):
        mid = [m.group(1), m.group(2)]
    return lead + mid + trail[::-1]


def tokenize(text: str) -> Doc:
    """Tokens and sentence starts of one paragraph."""
    doc = Doc(text)
    toks = doc.tokens
    pieces: list[tuple[str, int]] = []
    for m in _CHUNK.finditer(text):
        w, s = m.group(), m.start()
        if _DASH.search(w):
            parts = [p for p in _DASH.split(w) if p]
        else:
            parts = [w]
        for p in parts:
            for t in _split_chunk(p) if len(p) > 1 else (p,):
                i = text.find(t, s)
                pieces.append((t, i))
                s = i + len(t)
    n = len(pieces)
    for k, (t, i) in enumerate(pieces):
        nxt = pieces[k + 1][1] if k + 1 < n else len(text)
        toks.append(Token(doc, k, t, i, " " if nxt > i + len(t) else ""))
    ended = False
    prev = None
    for tok in toks:
        if ended and not (tok.text in _END or (tok.text in _CLOSE and prev.whitespace_ == "")):
            tok.is_sent_start = True
            ended = False
        if tok.text in _END:
            ended = True
        prev = tok
    return doc


class Pipeline:
    """``nlp.pipe``-like wrapper so the stage can use :func:`tokenize` where it would use a spaCy pipeline."""

    def __call__(self, text: str) -> Doc:
        return tokenize(text)

    def pipe(self, texts, batch_size: int = 0):
        for t in texts:
            yield tokenize(t)
