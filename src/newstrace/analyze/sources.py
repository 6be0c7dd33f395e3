"""Sources of claims: resolve pronouns and nominal descriptions to the named source, and type each source.

Resolution reads only what comes before the source in the article (names: runs of proper nouns in the
parse, typed by :func:`name_runs` without NER — NER is most of the parse's cost — and earlier claims' sources): "He stressed" -> the last person named before; "the agency" -> the last outlet or body
called an agency; "the governor" -> the last person named with that title; "the source" after "a source
said" stays unnamed (anonymous). Partial names take their earlier full form ("Mr. Obama" -> "Barack Obama").
Figures on the hand-labelled set tests/data/claims_chains are in bench/README.md.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

PERSON_PRONOUNS = {"he", "she", "him", "her", "i"}
GROUP_PRONOUNS = {"they", "we", "it"}
ANON_HEADS = set("""source sources official officials aide aides people person expert experts analyst analysts
critic critics observer observers diplomat diplomats insider insiders resident residents witness witnesses
someone somebody spokesman spokeswoman spokesperson staffer staffers members member insiders lawmakers
lawmaker democrats republicans voters supporters activists reports report investigators researchers
economists strategists advisers advisors operatives operative""".split())
TITLES = {
    "governor": ("gov.", "governor"), "senator": ("sen.", "senator"), "president": ("president", "pres."),
    "minister": ("minister",), "secretary": ("secretary", "sec."), "mayor": ("mayor",),
    "chairman": ("chairman", "chair"), "spokesman": ("spokesman",), "spokeswoman": ("spokeswoman",),
    "congressman": ("rep.", "congressman"), "congresswoman": ("rep.", "congresswoman"),
    "general": ("gen.", "general"), "judge": ("judge",), "candidate": ("candidate", "nominee"),
    "nominee": ("nominee", "candidate"), "chief": ("chief",), "director": ("director",),
}
OUTLETS = set(x.lower() for x in """Reuters|AP|Associated Press|AFP|Agence France-Presse|TASS|RIA Novosti|Interfax|
Xinhua|CNN|BBC|Fox|Fox News|NBC|NBC News|CBS|CBS News|ABC|ABC News|MSNBC|CNBC|NPR|PBS|Bloomberg|Politico|POLITICO|
Breitbart|Breitbart News|RT|RT America|Sputnik|Al Jazeera|Axios|Vox|BuzzFeed|HuffPost|The Huffington Post|
Huffington Post|Daily Caller|The Daily Caller|Drudge Report|InsideSources|Yonhap|Kyodo|Anadolu|IRNA|DPA|
EFE|ANSA|UPI|Newsmax|The Hill|Slate|Salon|Mediaite|The Intercept|Le Monde|Der Spiegel|Spiegel|Haaretz|
Izvestia|Kommersant|Pravda|NHK|CCTV|Global Times|Fars|Tasnim|PolitiFact|Politifact|Snopes""".replace("\n", "").split("|"))
OUTLET_WORDS = {"times", "post", "journal", "news", "herald", "tribune", "gazette", "daily", "press", "agency",
                "radio", "tv", "television", "network", "magazine", "newspaper", "wire", "telegraph", "guardian",
                "observer", "reporter", "chronicle", "sun", "mirror", "express", "standard", "today", "channel",
                "broadcasting", "newsweek", "examiner", "inquirer", "dispatch", "bulletin", "courier", "insider"}
GOV_WORDS = {"ministry", "department", "government", "administration", "kremlin", "pentagon", "congress",
             "senate", "parliament", "police", "court", "fbi", "cia", "nsa", "commission", "committee", "council",
             "embassy", "army", "military", "navy", "cabinet", "prosecutor", "prosecutors", "authorities",
             "secret service", "white house", "state department", "justice department", "u.n.", "un", "nato",
             "eu", "european commission", "duma", "bundestag", "office", "agency", "house", "legislature",
             "supreme court", "treasury", "sheriff", "regime", "ministry of defense", "defense ministry",
             "interior ministry", "foreign ministry", "mod", "commissioner"}
ORG_WORDS = {"inc", "inc.", "corp", "corp.", "company", "party", "campaign", "foundation", "institute", "university",
             "center", "centre", "association", "union", "group", "coalition", "organization", "organisation",
             "fund", "bank", "council", "society", "league", "club", "movement", "network", "poll", "survey"}
_DET = re.compile(r"^(?:the|a|an|some|several|many|two|three|four|one|other|another|his|her|their|its)\s+", re.I)


@dataclass
class Mention:
    pos: int
    text: str
    label: str  # PERSON | ORG | GPE | NORP | SOURCE:<type>
    salient: bool = False  # a sentence subject or a claim's source: what a later "he" most often means
    end: int = 0


FEMALE = set("""hillary melania ivanka kamala loretta donna ava nancy elizabeth sarah maria mary susan karen
linda patricia barbara jennifer jessica lisa michelle laura amy kelly kellyanne nikki condoleezza madeleine
angela theresa marine christine ursula julia anna olga irina tulsi debbie dianne jill gwen stacey huma
cheryl sheryl megyn gretchen ann anne jane janet judy katie kate emily emma olivia sophia rachel rebecca
samantha stephanie tina valerie victoria wendy yvonne zoe alicia carly cecile heidi hope jeanne joan
kirsten liz lynn marsha martha melanie melissa nina paula robin rosa ruth sandra sharon sheila suzanne
tammy teresa tracy virginia diane donna-marie jacqueline claire aung""".split())
MALE = set("""donald barack bill bernie jim mike michael tim joe john paul robert robby bob chris christopher
ted marco jeb ben rand rick reince steve stephen newt rudy eric jared mitch harry chuck kevin lindsey
vladimir sergei dmitry xi emmanuel boris recep bashar benjamin ali hassan mohammed ahmed george james
william richard thomas charles daniel matthew anthony mark donald steven andrew joshua kenneth brian ronald
edward jason jeffrey ryan jacob gary nicholas jonathan larry justin scott brandon frank gregory raymond
samuel patrick jack dennis jerry tyler aaron jose adam henry nathan douglas zachary peter kyle walter
ethan jeremy harold keith christian roger noah gerald carl terry sean austin arthur lawrence jesse dylan
bryan joe jordan billy bruce albert willie gabriel logan alan juan wayne roy ralph randy eugene vincent
russell elijah louis bobby philip johnny howard rush sean kerr luis norman david al hugh tom howard""".split())


def gender(name: str) -> str | None:
    """'m' / 'f' from an honorific or a common first name, else None (unknown: compatible with both)."""
    w = re.sub(r"[’']s$", "", name.strip()).split()
    if not w:
        return None
    h = w[0].lower().rstrip(".")
    if h in ("mr", "sen", "gov", "rep", "gen", "president", "senator") and h in ("mr",):
        return "m"
    if h in ("mrs", "ms", "miss", "madam"):
        return "f"
    if h in FEMALE:
        return "f"
    if h in MALE:
        return "m"
    return None


@dataclass
class Mentions:
    """What the article has named so far, in text order (entities and resolved claim sources)."""

    items: list[Mention] = field(default_factory=list)

    def add_doc(self, sdoc, off: int, depths: list[int] | None = None) -> None:
        for a, b, label in name_runs(sdoc, self):
            if depths is not None and depths[a]:  # named inside a quote: not who speaks
                continue
            span = sdoc[a:b]
            if sdoc.has_annotation("DEP"):
                root = span.root
                subj = root.dep_ in ("nsubj", "nsubjpass") or (root.dep_ == "appos" and
                                                              root.head.dep_ in ("nsubj", "nsubjpass"))
            else:  # tokens only: a name right before a verb (the tag lexicon's guess) or opening its sentence
                subj = sdoc[a].is_sent_start or (b < len(sdoc) and _verbish(sdoc[b]))
            self.items.append(Mention(off + span.start_char, span.text, label, subj, off + span.end_char))
        self.items.sort(key=lambda m: m.pos)

    def person_surname(self, word: str) -> bool:
        w = word.lower()
        return any(m.label in ("PERSON", "SOURCE:person") and _last_word(m.text) == w for m in self.items
                   if w in m.text.lower())  # (a cheap test first: the word must be in the mention's text)

    def add_claim(self, claim) -> None:
        # a source the tagger left without cue and content is no evidence of who speaks here
        if claim.source is not None and claim.source_name and (claim.cue is not None or claim.content is not None):
            self.items.append(Mention(claim.source.start, claim.source_name, "SOURCE:" + (claim.source_type or ""),
                                      True, claim.source.end))
            self.items.sort(key=lambda m: m.pos)

    def before(self, pos: int) -> list[Mention]:
        return self.items[:bisect.bisect_left(self._starts(), pos)]

    def _starts(self) -> list[int]:
        return [m.pos for m in self.items]

    def full_name(self, name: str, pos: int) -> str:
        """The latest earlier fuller form ending with the same word ("Obama" -> "Barack Obama"; "Clinton"
        -> "Bill Clinton" when Bill is the Clinton named last)."""
        name = _POSS.sub("", name.strip())
        last = _last_word(name)
        n_words = len(_strip_title(name).split())
        best = name
        for m in self.items:  # in text order
            if m.pos >= pos:
                break
            if m.label not in ("PERSON", "SOURCE:person"):
                continue
            t, tl, tn = _name_parts(m.text)
            if tl == last and n_words < tn <= 4:
                best = t
        return _strip_title(best)

    def person_before(self, pos: int, want: str | None) -> str | None:
        """The person a he/she at ``pos`` most likely means: the latest gender-compatible salient person
        (subject or source) of the last ~600 characters, else the latest compatible person named."""
        latest = None
        for m in reversed(self.before(pos)):
            if m.label not in ("PERSON", "SOURCE:person"):
                continue
            if latest is not None and pos - m.pos >= 600:
                break  # no salient one can qualify any more
            if m.salient and pos - m.pos < 600 or latest is None:
                full = self.full_name(m.text, pos)
                if want is not None and gender(full) not in (None, want):
                    continue
                if m.salient and pos - m.pos < 600:
                    return full
                latest = full
        return latest


@functools.lru_cache(maxsize=4096)
def _name_parts(text: str) -> tuple[str, str, int]:
    """(name without a possessive, its last word lower-cased, its word count)."""
    t = _POSS.sub("", text)
    return t, _last_word(t), len(t.split())


_POSS = re.compile(r"(?:’s|'s)$")


def _last_word(s: str) -> str:
    w = _POSS.sub("", s.strip()).split()
    return w[-1].strip(".,").lower() if w else ""


def _strip_title(s: str) -> str:
    return re.sub(r"^(?:Mr|Mrs|Ms|Dr|Sen|Gov|Rep|Gen|Pres|Sec)\.\s+", "", s.strip())


def source_type(text: str | None, label: str | None) -> str | None:
    """person | organisation | news outlet | government body | anonymous (None when there is no source)."""
    if not text:
        return None
    t = re.sub(r"(?:’s|'s)$", "", text.strip())
    low = t.lower()
    core = _DET.sub("", low)
    words = core.split()
    if low in OUTLETS or core in OUTLETS or (words and any(w in OUTLETS for w in [core.split(" ")[0]])
                                             and t[:1].isupper() and len(words) <= 3):
        return "news outlet"
    proper = any(w[:1].isupper() for w in _DET.sub("", t).split())
    if proper and words and (words[-1] in OUTLET_WORDS or "news" in words) and label != "PERSON":
        return "news outlet"
    if any(g in core for g in GOV_WORDS if " " in g) or any(w in GOV_WORDS for w in words):
        return "government body"
    if low in PERSON_PRONOUNS:
        return "person"
    if not proper:
        head = words[-1] if words else ""
        if head in ANON_HEADS or low.startswith(("a ", "an ", "some ", "several ", "many ", "one ", "two ",
                                                 "three ", "other ", "another ")):
            return "anonymous"
        if low in GROUP_PRONOUNS:
            return "organisation"
        if head in TITLES or head in ("president", "candidate", "nominee"):
            return "person"
        return "anonymous"
    if label == "PERSON":
        return "person"
    if label in ("ORG", "NORP") or any(w.strip(".") in ORG_WORDS for w in words):
        return "organisation"
    if label == "GPE":
        return "government body"
    if re.match(r"^(?:Mr|Mrs|Ms|Dr|Sen|Gov|Rep|Gen|President|Senator|Governor)\.?\s", t) or 1 < len(words) <= 3:
        return "person"
    return "person" if len(words) == 1 else "organisation"


def _ent_label(mentions: Mentions, span) -> str | None:
    for m in mentions.items:
        if m.pos <= span.start < m.pos + len(m.text) and not m.label.startswith("SOURCE"):
            return m.label
    return None


def resolve(claim, mentions: Mentions, body: str) -> None:
    """Set ``claim.source_name`` and ``claim.source_type`` from its source span and what came before."""
    s = claim.source
    if s is None:
        return
    text = s.text.strip()
    low = text.lower()
    pos = s.start
    if low in PERSON_PRONOUNS:
        claim.source_type = "person"
        claim.source_name = mentions.person_before(pos, {"he": "m", "him": "m", "she": "f", "her": "f"}.get(low))
        return
    if low in GROUP_PRONOUNS:
        groups = [m for m in mentions.before(pos) if m.label in ("ORG", "NORP") or m.label in (
            "SOURCE:organisation", "SOURCE:government body", "SOURCE:news outlet")]
        # like he/she: the latest salient group (a subject or a source) of the last ~600 characters first
        near = [m for m in groups if m.salient and pos - m.pos < 600]
        if near or groups:
            m = (near or groups)[-1]
            claim.source_name = m.text
            claim.source_type = source_type(m.text, m.label if not m.label.startswith("SOURCE") else None) \
                if not m.label.startswith("SOURCE:") else m.label[7:]
            return
        claim.source_type = "organisation"
        return
    core = _DET.sub("", low)
    words = core.split()
    head = words[-1] if words else ""
    definite = low.startswith(("the ", "this ", "that "))
    if definite and text[4:5].islower():
        if head in ANON_HEADS:
            claim.source_type = "anonymous"
            return
        if head.endswith("s") and head[:-1] in TITLES:
            head = head[:-1]
        found = _by_title(head, mentions, body, pos) if head in TITLES else None
        if found is None and head in {"agency", "newspaper", "paper", "outlet", "network", "broadcaster",
                                      "channel", "station", "magazine", "daily", "post"}:
            for m in reversed(mentions.before(pos)):
                if m.label == "SOURCE:news outlet" or (m.label == "ORG" and source_type(m.text, "ORG") == "news outlet"):
                    found = m.text
                    break
        if found is None and head in {"ministry", "department", "government", "administration", "campaign",
                                      "committee", "company", "group", "party", "court", "agency", "commission"}:
            for m in reversed(mentions.before(pos)):
                if m.label.startswith("SOURCE") or m.label == "ORG":
                    if head in m.text.lower() or source_type(m.text, "ORG") in ("government body", "organisation"):
                        found = m.text
                        break
        if found:
            claim.source_name = found
            claim.source_type = source_type(found, "PERSON" if head in TITLES else None)
            return
        claim.source_type = source_type(text, None)
        return
    inside = [m for m in mentions.items if not m.label.startswith("SOURCE") and s.start <= m.pos < s.end]
    person = [m for m in inside if m.label == "PERSON"]
    if person:  # "Presumptive Democratic presidential nominee Hillary Clinton", "Ilyse Hogue, president of X"
        end = s.start + len(s.text.rstrip(" ,.\u00a0"))
        head = [m for m in person if m.end >= end or body[m.end:m.end + 1] == ","] or [person[-1]]
        claim.source_type = "person"
        claim.source_name = mentions.full_name(re.sub(r"(?:’s|'s)$", "", head[0].text), pos)
        return
    label = _ent_label(mentions, s)
    claim.source_type = source_type(text, label)
    if claim.source_type == "anonymous":
        return
    name = re.sub(r"(?:’s|'s)$", "", text)
    if inside and inside[0].label in ("ORG", "NORP") and len(name.split()) > 4:
        name = inside[0].text
    if claim.source_type == "person":
        name = mentions.full_name(name, pos)
    claim.source_name = name


def _by_title(head: str, mentions: Mentions, body: str, pos: int) -> str | None:
    forms = TITLES[head]
    for m in reversed(mentions.before(pos)):
        if m.label not in ("PERSON", "SOURCE:person"):
            continue
        end = m.end or m.pos + len(m.text)
        around = (body[max(0, m.pos - 25): m.pos] + " " + body[end:end + 30]).lower()
        if any(re.search(r"(?<![a-z])" + re.escape(f) + r"(?![a-z])", around) for f in forms):
            return mentions.full_name(m.text, pos)
    return None


_HONORIFIC = {"mr", "mrs", "ms", "miss", "dr", "sen", "rep", "gov", "gen", "pres", "sec", "lt", "col", "adm", "sgt",
              "president", "senator", "governor", "secretary", "minister", "mayor", "chairman", "congressman",
              "congresswoman", "judge", "general", "director", "chief", "vice", "prime", "former", "presidential",
              "candidate", "nominee", "premier", "chancellor", "ambassador", "attorney", "speaker", "leader",
              "spokesman", "spokeswoman", "commissioner", "sheriff", "pope", "king", "queen", "prince", "lord",
              "sir", "dame", "rev", "professor", "prof", "democratic", "republican", "gop", "u.s.", "us"}
_PERSONAL = {"mr", "mrs", "ms", "miss", "dr", "sen", "rep", "gov", "gen", "president", "senator", "governor",
             "secretary", "minister", "mayor", "congressman", "congresswoman", "judge", "candidate", "nominee",
             "chancellor", "ambassador", "speaker", "spokesman", "spokeswoman", "sheriff", "pope", "king", "queen",
             "prince", "sir", "rev", "professor", "prof", "lt", "col", "adm", "sgt", "pres", "sec", "premier"}
_LINK = {"of", "for", "and", "&", "de", "al", "bin", "van", "von", "la", "le", "du"}
_NAME_STOP = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
              "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
              "i", "god", "internet", "web", "twitter", "facebook", "youtube"}


def _lexicon() -> dict[str, str]:
    from .features import _lexicon as lexicon

    return lexicon()


def _verbish(tok) -> bool:
    """A verb or modal by the tag lexicon (tokens only), or a reporting verb."""
    return tok.lower_ in _cue_verbs() or _lexicon().get(tok.lower_, "")[:2] in ("VB", "MD")


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from .claims_tokens import STOP_WORDS

    return STOP_WORDS


@functools.lru_cache(maxsize=1)
def _cue_verbs() -> frozenset:
    from .features import CUE_VERBS

    return CUE_VERBS


@functools.lru_cache(maxsize=1)
def _table():
    from .aliases import load

    return load(None)


def _name_label(words: list[str], tags: list[str], honorific: bool, mentions: Mentions | None) -> str | None:
    """PERSON / ORG / GPE / NORP of a run of proper nouns (what NER would say, by rules and the actor table)."""
    from .aliases import norm

    text = " ".join(words)
    low = [w.lower().strip(".") for w in words]
    table = _table()
    key = norm(text)
    e = table.by_name.get(key)
    if e is not None:
        return "GPE" if e.kind == "country" else "ORG"
    if key in table.capitals:
        return "GPE"
    if len(words) == 1 and table.demonyms.get(text.lower()):
        return "NORP"
    if honorific or low[0] in FEMALE or low[0] in MALE:
        if not any(w in ORG_WORDS or w in GOV_WORDS or w in OUTLET_WORDS for w in low[1:]):
            return "PERSON"
    if text.lower() in OUTLETS or any(w in ORG_WORDS or w in GOV_WORDS or w in OUTLET_WORDS for w in low) \
            or (len(words) == 1 and words[0].isupper() and len(words[0]) >= 2) or "of" in low:
        return "ORG"
    if len(words) == 1 and tags[0] == "NNPS":
        return "NORP"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words):
        return "PERSON"
    if len(words) == 1 and mentions is not None and mentions.person_surname(words[0]):
        return "PERSON"
    return None


def name_runs(sdoc, mentions: Mentions | None = None) -> list[tuple[int, int, str]]:
    """Named mentions of one parse without NER: maximal runs of proper nouns (NNP/NNPS; "of", "&" inside
    a run), a leading title or honorific left out ("Sen. Bernie Sanders" -> "Bernie Sanders", a person), typed
    PERSON / ORG / GPE / NORP by :func:`_name_label`; a lone name of unknown type counts as a person when it is
    the subject of a reporting verb ("Trump said"). Token ranges ``(start, end, label)``."""
    out = []
    toks = list(sdoc)
    n = len(toks)
    lows = [t.lower_ for t in toks]
    tagged = sdoc.has_annotation("TAG")
    if tagged:
        prop = [t.tag_ in ("NNP", "NNPS") and t.text[:1].isupper() for t in toks]
    else:  # tokens only: capitalised words that are no stop words; a sentence's first word only when the tag
        # lexicon (the parses of PolNeAR train) does not know it as a common word ("Officials said": NNS)
        stop = _stop_words()
        lex = _lexicon()
        prop = [t.text[:1].isupper() and not t.is_punct and (lows[i] not in stop or (t.is_upper and len(t) > 1))
                and not (t.is_sent_start and lex.get(lows[i], "NNP")[:3] != "NNP") for i, t in enumerate(toks)]
    i = 0
    while i < n:
        if not prop[i]:
            i += 1
            continue
        j = i
        while j + 1 < n:
            if prop[j + 1] or (lows[j + 1] in _LINK and j + 2 < n and prop[j + 2]):
                j += 1
            elif lows[j + 1] == "-" and j + 2 < n and not toks[j].whitespace_ and not toks[j + 1].whitespace_ \
                    and toks[j + 2].is_alpha:  # "Ban Ki-moon"
                j += 2
            else:
                break
        a, b = i, j + 1
        i = b
        honorific = False
        while a < b - 1 and lows[a].strip(".") in _HONORIFIC:
            honorific = honorific or lows[a].strip(".") in _PERSONAL
            a += 1
        if honorific and a < b - 3 and lows[a] == "of":  # "Secretary of State John Kerry"
            a += 2
        if a > 0 and lows[a - 1].strip(".") in _PERSONAL:
            honorific = True
        while b > a and lows[b - 1] in _LINK:
            b -= 1
        words = [x.text for x in toks[a:b]]
        if not words or words[0].lower() in _NAME_STOP or not any(c.isalpha() for c in words[0]):
            continue
        label = _name_label(words, [x.tag_ for x in toks[a:b]] if tagged else
                            [_lexicon().get(w, "NNP") if _lexicon().get(w) == "NNPS" else "NNP" for w in lows[a:b]],
                            honorific, mentions)
        if label is None and len(words) == 1 and (
                toks[a].dep_ == "nsubj" and lows[toks[a].head.i] in _cue_verbs() if tagged
                else b < n and lows[b] in _cue_verbs()):
            label = "PERSON"  # "Trump said"
        if label:
            out.append((a, b, label))
    return out
