"""Typed relations between actors in one article, PLOVER/POLECAT-like, with negation, modality and chain.

A relation is a verb (or "call on", "break with", "impose sanctions on" ...) from the lexicon below whose
subject and object are actor mentions (found through the dependency parse: subject, passive agent, direct
object, prepositional object, the object of a controlled verb "vowed to kick X out"). Negation comes from
"not"/"never"/"no" on the verb or a governing "declined/refused/failed to"; modality from modal auxiliaries
and "vow/pledge/plan to" (``intended``) or "may/could/reportedly/apparently" (``possible``). The chain says
who asserts it: the outlet, or the outlet then the named speaker when the relation sits inside reported
speech or a quotation ("Pence said Trump was mocking Clinton" -> outlet > Mike Pence). In the analyze stage the
claims step's attributions of the article replace it where a claim's content holds the relation
(``stage_actors._claims_chains``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .actors import DocActors, Mention, in_line
from .flags import quote_source, quote_spans

TYPES = ("consult", "support", "aid", "cooperate", "accuse", "reject", "threaten", "demand", "assault", "sanction")

# verb lemmas per type, after the PLOVER codebook's event categories (CONSULT; SUPPORT, the verbal side of
# COOPERATE; AID; COOPERATE; ACCUSE/DISAPPROVE; REJECT; THREATEN; DEMAND; ASSAULT/FIGHT; SANCTION incl. the
# coercive and reduce-relations acts) and their usual English verbs; a verb is listed where its subject acts on
# its object in that way in most news uses
VERBS = {
    "consult": {"meet", "visit", "host", "phone", "consult", "confer", "negotiate", "welcome",
                "telephone", "greet", "huddle", "dine"},
    "support": {"support", "endorse", "back", "praise", "defend", "applaud", "hail", "champion", "commend",
                "laud", "congratulate", "thank", "embrace", "vouch", "salute", "honor", "honour", "compliment",
                "favor", "favour"},
    "aid": {"supply", "fund", "finance", "arm", "aid", "donate", "equip", "bankroll", "sponsor", "help", "assist",
            "subsidize", "subsidise", "rescue", "train", "shelter", "harbor", "harbour"},
    "cooperate": {"cooperate", "collude", "ally", "partner", "collaborate", "normalize", "normalise", "coordinate",
                  "conspire", "team"},
    "accuse": {"accuse", "condemn", "criticize", "criticise", "denounce", "blame", "sue", "slam", "blast", "mock",
               "rebuke", "chastise", "fault", "attack", "disparage", "smear", "insult", "ridicule", "lambaste",
               "castigate", "vilify", "disagree", "charge", "indict", "decry", "deride", "berate", "assail",
               "scold", "censure", "reprimand", "excoriate", "bash", "belittle", "lampoon", "taunt", "demonize",
               "demonise", "impeach", "prosecute", "scapegoat", "libel", "slander", "defame",
               "admonish", "upbraid", "chide", "vilify", "badmouth", "skewer", "pillory", "lambast", "flay",
               "challenge"},
    "reject": {"reject", "refuse", "veto", "rebuff", "dismiss", "spurn", "snub", "oppose", "block", "defy",
               "repudiate", "disown", "shun", "renounce", "disavow", "overrule"},
    "threaten": {"threaten", "warn", "menace", "intimidate", "blackmail", "bully", "coerce"},
    "demand": {"urge", "demand", "press", "pressure", "order", "request", "implore", "summon", "instruct",
               "subpoena", "beg", "exhort", "petition", "nudge", "lobby"},
    "assault": {"assault", "strike", "bomb", "shell", "kill", "invade", "shoot", "raid", "abuse", "fight",
                "hit", "torture", "murder", "assassinate", "arrest", "detain", "occupy", "kick", "stab",
                "massacre", "execute", "ambush", "kidnap", "abduct", "capture", "rape", "slaughter", "besiege",
                "shoot", "wound", "injure", "hack", "punch", "bombard", "annex", "jail", "imprison"},
    "sanction": {"sanction", "embargo", "expel", "blacklist", "boycott", "ban", "punish", "penalize", "penalise",
                 "deport", "suspend", "fine", "bar", "evict"},
}
LEMMA_TYPE = {lemma: typ for typ, lemmas in VERBS.items() for lemma in lemmas}
# (verb lemma, preposition) pairs whose prepositional object is the target
PREP_PAIRS = {("call", "on"): "demand", ("break", "with"): "accuse", ("side", "with"): "support",
              ("talk", "with"): "consult", ("talk", "to"): "consult", ("speak", "with"): "consult",
              ("meet", "with"): "consult", ("cooperate", "with"): "cooperate", ("work", "with"): "cooperate",
              ("collude", "with"): "cooperate", ("disagree", "with"): "accuse", ("fight", "against"): "assault",
              ("retaliate", "against"): "assault", ("impose", "on"): "sanction", ("impose", "against"): "sanction",
              ("lash", "at"): "accuse", ("file", "against"): "accuse", ("rail", "against"): "accuse",
              ("normalize", "with"): "cooperate", ("agree", "with"): "cooperate", ("fire", "at"): "assault",
              ("breakfast", "with"): "consult", ("discuss", "with"): "consult", ("chat", "with"): "consult",
              ("talk", "about"): None, ("call", "for"): "demand",
              ("provide", "to"): "aid", ("give", "to"): "aid", ("send", "to"): "aid", ("sell", "to"): "aid",
              ("supply", "to"): "aid", ("donate", "to"): "aid", ("lend", "to"): "aid", ("ship", "to"): "aid",
              ("deliver", "to"): "aid", ("team", "with"): "cooperate", ("ally", "with"): "cooperate",
              ("partner", "with"): "cooperate", ("coordinate", "with"): "cooperate", ("conspire", "with"): "cooperate",
              ("collaborate", "with"): "cooperate", ("negotiate", "with"): "consult", ("confer", "with"): "consult",
              ("sit", "with"): "consult", ("dine", "with"): "consult", ("speak", "to"): "consult",
              ("appeal", "to"): "demand", ("plead", "with"): "demand", ("stand", "by"): "support",
              ("stand", "with"): "support", ("vouch", "for"): "support", ("campaign", "for"): "support",
              ("vote", "for"): "support", ("vote", "against"): "reject", ("campaign", "against"): "accuse",
              ("protest", "against"): "accuse", ("complain", "about"): "accuse", ("turn", "on"): "accuse",
              ("lash", "out"): "accuse", ("withdraw", "from"): "reject", ("pull", "out"): "reject",
              ("declare", "on"): "assault", ("open", "on"): "assault", ("crack", "on"): "assault",
              ("go", "after"): "accuse", ("hit", "at"): "accuse", ("lash", "against"): "accuse",
              ("crack", "down"): "assault", ("side", "against"): "reject"}
PACTS = {"deal", "agreement", "accord", "pact", "treaty", "truce", "ceasefire", "alliance", "partnership",
         "memorandum"}
# verbs of giving: aid only when what is given is aid ("provided weapons to X", "gave $5 million to X")
GIVE = {"provide", "give", "send", "sell", "ship", "deliver", "lend", "offer", "transfer", "grant", "supply",
        "donate"}
AID_NOUNS = {"weapon", "arm", "money", "aid", "assistance", "fund", "funding", "loan", "troop", "equipment",
             "supply", "food", "dollar", "cash", "intelligence", "help", "support", "ammunition", "missile",
             "million", "billion", "grant", "donation", "subsidy", "shelter", "training", "backing", "tank",
             "jet", "vaccine", "medicine", "oil", "gas", "credit", "relief", "contribution"}


# verbs that stop or cut what ``AID_NOUNS`` name: the one deprived of it is sanctioned
AID_CUTS = {"cut", "halt", "suspend", "freeze", "withhold", "slash", "stop", "end", "withdraw", "revoke"}


def _gives_aid(verb) -> bool:
    return verb.lemma_.lower() in ("supply", "donate") or any(
        c.dep_ in ("dobj", "obj") and (c.lemma_.lower() in AID_NOUNS or c.like_num or c.text == "$"
                                       or any(x.text == "$" or x.like_num for x in c.lefts))
        for c in verb.children)


# a light verb's object noun that carries the relation: "made a condemnation of X", "imposed sanctions against X"
NOUN_TYPE = {"sanction": "sanction", "condemnation": "accuse", "criticism": "accuse", "accusation": "accuse",
             "threat": "threaten", "ultimatum": "threaten", "attack": "assault", "strike": "assault",
             "lawsuit": "accuse", "suit": "accuse", "support": "support", "aid": "aid", "endorsement": "support",
             "weapon": "aid", "arm": "aid", "money": "aid", "assistance": "aid", "fund": "aid", "loan": "aid",
             "war": "assault", "raid": "assault", "ban": "sanction", "embargo": "sanction", "tariff": "sanction",
             "complaint": "accuse", "charge": "accuse", "ultimatums": "threaten", "demand": "demand",
             "praise": "support", "backing": "support", "talk": "consult", "meeting": "consult",
             "warning": "threaten", "offensive": "assault", "airstrike": "assault", "bombing": "assault",
             "invasion": "assault", "assault": "assault", "crackdown": "assault", "rebuke": "accuse",
             "denunciation": "accuse", "swipe": "accuse", "jab": "accuse", "aim": "accuse", "call": "consult",
             "conversation": "consult", "negotiation": "consult", "agreement": "cooperate", "deal": "cooperate",
             "pact": "cooperate", "treaty": "cooperate", "cooperation": "cooperate", "alliance": "cooperate",
             "weight": "support"}
# verbs that carry no relation of their own and hand it to their object noun ("launched an offensive against X",
# "made a condemnation of X", "issued a warning to X", "held talks with X"); an evaluating verb does not ("the
# U.N. condemned the attack on Ukraine" is no U.N. attack)
LIGHT_VERBS = {"launch", "carry", "conduct", "make", "issue", "impose", "file", "lodge", "hold", "have", "give",
               "provide", "offer", "send", "express", "voice", "level", "mount", "stage", "wage", "deliver",
               "extend", "pledge", "lend", "bring", "announce", "escalate", "intensify", "continue", "begin",
               "start", "open", "unleash", "take", "hurl", "sign", "reach", "seal", "strike", "conclude",
               "step", "ramp", "renew", "resume", "order", "authorize", "authorise", "approve", "threaten",
               "vow", "plan", "put", "slap", "place", "enter", "forge", "agree", "pursue", "ship", "supply", "throw",
               "sell", "transfer", "grant", "donate", "pour", "funnel", "channel"}
# verbs whose object is the subject of their infinitive: "called on Obama to retaliate", "urged X to act"
OBJECT_CONTROL = {"urge", "call", "ask", "order", "press", "pressure", "force", "push", "encourage", "tell"}
SPEECH = {"say", "tell", "add", "write", "claim", "insist", "declare", "state", "argue", "report", "maintain",
          "allege", "announce", "tweet", "stress", "note", "believe", "think", "suggest", "contend", "assert"}
NEG_GOVERNORS = {"decline", "refuse", "fail", "reject", "deny", "avoid", "prevent", "stop", "permit"}
INTEND = {"vow", "pledge", "plan", "intend", "promise", "threaten", "aim", "seek", "want", "hope", "prepare",
          "set", "schedule", "expect", "slate", "due", "poised", "ready", "willing", "eager", "determined"}
POSSIBLE_WORDS = {"may", "might", "could", "can", "apparently", "reportedly", "allegedly", "possibly", "perhaps",
                  "likely", "appear", "seem"}
INTEND_AUX = {"will", "would", "shall", "'ll", "going"}


@dataclass
class Relation:
    subject: str  # actor key
    subject_name: str
    type: str
    object: str
    object_name: str
    negated: bool
    modality: str  # asserted | possible | intended
    start: int  # evidence: the sentence
    end: int
    evidence: str
    chain: list[str] = field(default_factory=lambda: ["outlet"])
    subject_span: tuple[int, int] = (0, 0)
    object_span: tuple[int, int] = (0, 0)

    def as_dict(self) -> dict:
        return asdict(self)


# heads that stand for the actor named in their compound or possessor: "the Trump administration", "CIA
# operatives", "Russia's government"
AGENT_HEADS = {"administration", "government", "campaign", "team", "regime", "operative", "official", "force",
               "troop", "agent", "spokesman", "spokeswoman", "spokesperson", "leader", "leadership",
               "authority", "ministry", "military", "army", "police", "diplomat", "lawmaker", "prosecutor",
               "lawyer", "attorney", "envoy", "delegation", "militant", "fighter", "soldier", "navy",
               "jet", "warplane", "intelligence", "service", "office", "aide", "staff", "camp"}
# nominal objects whose possessor is the target: "condemned North Korea's latest test"
TARGET_HEADS = {"test", "launch", "program", "programme", "action", "behavior", "behaviour", "policy", "move",
                "decision", "conduct", "aggression", "annexation", "invasion", "occupation", "plan", "claim",
                "attack", "interference", "meddling", "role", "support", "nuclear", "missile", "election",
                "campaign", "investigation", "probe", "report", "statement", "comment", "remark", "lie",
                "violation", "crime", "activity", "involvement", "presence", "regime", "government",
                "administration", "leadership", "leader", "forces", "troops", "request", "proposal", "offer",
                "demand", "bid", "plea", "appeal", "invitation", "idea", "suggestion", "initiative", "overture",
                "nomination", "candidacy", "agenda", "rhetoric", "tactic", "tweet", "speech", "handling",
                "stance", "position", "view", "approach", "response", "call", "ultimatum", "threat", "retweet", "post",
                "word", "behavior", "record", "advice", "argument", "bill", "legislation"}
# a possessor's own act asked for: "called for Comey's resignation", "demanded Trump's apology" -> demand of him
OWN_ACTS = {"resignation", "apology", "testimony", "withdrawal", "departure", "cooperation", "compliance",
            "retreat", "exit", "recusal", "surrender", "return", "disarmament"}
# agent nouns that state a relation of the one they describe: "X, a staunch supporter of Y", "X is a critic of
# Y" (the guide's types: support = endorse/back/defend; accuse = criticise; aid = fund/supply)
AGENT_NOUNS = {"supporter": "support", "backer": "support", "defender": "support", "champion": "support",
               "admirer": "support", "endorser": "support", "critic": "accuse", "detractor": "accuse",
               "accuser": "accuse", "funder": "aid", "financier": "aid", "donor": "aid", "sponsor": "aid",
               "supplier": "aid", "ally": "cooperate", "partner": "cooperate", "foe": "accuse", "enemy": "accuse",
               "adversary": "accuse", "nemesis": "accuse"}
# "call X a liar": a naming verb whose predicate noun carries the valence (VADER: most negative word <= -1 ->
# accuse, most positive >= 1 and no negative word -> support; 1 is VADER's smallest clearly valenced score,
# not fitted)
NAMING_VERBS = {"call", "label", "brand", "dub", "describe", "deride", "denounce", "term", "portray", "paint"}
PRONOUNS = {"he", "she", "they", "him", "her", "them"}
# nouns whose to-infinitive is their possessor's (or their governing verb's subject's) act: "his intention to
# vote for X", "Russia's decision to back Y"
INTENT_NOUNS = {"intention", "intent", "plan", "decision", "promise", "pledge", "vow", "bid", "effort", "move",
                "attempt", "refusal", "willingness", "readiness", "desire", "commitment", "determination",
                "threat", "offer", "push", "campaign"}
# prepositions whose gerund takes the clause's subject: "after backing Obama, Cuban ...", "by funding X, Y ..."
AFTER_PREPS = {"after", "before", "by", "while", "since", "upon", "without", "despite", "besides"}
# adjectives that state a relation toward their prepositional object: "X was sharply critical of Y"
ADJ_REL = {("critical", "of"): "accuse", ("supportive", "of"): "support", ("hostile", "to"): "accuse",
           ("hostile", "toward"): "accuse", ("opposed", "to"): "reject"}
RELATIVE = {"who", "whom", "which", "that"}
# verbs of asking with an object and its infinitive: "asked Congress to act", "told Comey to drop it"
ASK_VERBS = {"ask", "tell", "order", "force", "push", "press", "pressure", "urge", "implore", "beg", "instruct",
             "direct", "command", "compel", "require"}


def _mention_of(tok, acts: DocActors, doc, resolve: dict | None = None, agent: bool = False) -> Mention | None:
    """The actor a token stands for: its mention, a resolved nominal or pronoun, or the named compound or
    possessor of an agent head ("the Trump administration") or, as a target only (``agent`` False), of a
    possessed act ("rejected Russia's request"; "Trump's views have hurt X" does not make Trump the actor)."""
    m = acts.mention_at(tok.i, doc)
    if m is not None:
        return m
    if resolve is not None and tok.i in resolve:
        return resolve[tok.i]
    if tok.pos_ == "NOUN":  # "another Connecticut lawmaker, Sen. Joe Lieberman": the named apposition
        for c in tok.children:
            if c.dep_ == "appos" and c.i > tok.i:
                m = acts.mention_at(c.i, doc)
                if m is not None:
                    return m
        if tok.dep_ == "appos" and tok.head.i < tok.i:  # "Fethullah Gulen, the preacher whom ...": Gulen
            m = acts.mention_at(tok.head.i, doc)
            if m is not None:
                return m
    lem = tok.lemma_.lower()
    for c in tok.children:  # "the Trump administration" -> Trump; "CNN's Jim Acosta" stays on the head
        if c.dep_ in ("compound", "poss", "nmod") and c.i < tok.i:
            m = acts.mention_at(c.i, doc)
            if m is not None and (lem in AGENT_HEADS or (c.dep_ == "poss" and lem in TARGET_HEADS and not agent)):
                return m
    return None


def _title_heads(acts: DocActors) -> dict[str, list[Mention]]:
    """Person mentions by the title words the text gives them ("President Obama" -> president: [Obama])."""
    out: dict[str, list[Mention]] = {}
    by_key = {}
    for m in acts.mentions:
        by_key.setdefault(m.key, m)
    for r in acts.roles:
        m = by_key.get(r.key)
        if m is None:
            continue
        for w in r.role.lower().replace("-", " ").split():
            out.setdefault(w, []).append(m)
    return out


def _resolve_nominals(doc, acts: DocActors) -> dict[int, Mention]:
    """Token -> mention for nominals and pronouns standing for a named actor:

    - "the president" / "the senator" / "the congressman" (a definite, unmodified title noun) -> the person the
      text gave that title, the most recent one before it (any one when only one has it);
    - "X said he/she/they ..." -> X (the subject of the reporting verb governing the pronoun's clause);
    """
    out: dict[int, Mention] = {}
    titles = _title_heads(acts)
    quotes = quote_spans(doc.text)
    for tok in doc:
        low = tok.lower_
        if tok.pos_ == "PRON" and low in PRONOUNS and tok.dep_ in ("nsubj", "nsubjpass"):
            h = tok.head
            while h.dep_ in ("ccomp", "conj") and h.head.i != h.i and h.head.lemma_ not in SPEECH:
                h = h.head
            if h.dep_ == "ccomp" and h.head.lemma_ in SPEECH:
                for s in h.head.children:
                    if s.dep_ == "nsubj":
                        m = acts.mention_at(s.i, doc)
                        if m is not None and (m.kind != "place" if low in ("he", "she", "him", "her")
                                                 else m.kind != "person"):
                            out[tok.i] = m
        if tok.pos_ == "PRON" and tok.i not in out and tok.dep_ not in ("poss", "expl"):
            m = _pronoun_antecedent(tok, doc, acts, quotes)
            if m is not None:
                out[tok.i] = m
        if tok.pos_ == "PRON":
            continue
        if tok.pos_ != "NOUN" or not any(c.lower_ == "the" and c.dep_ == "det" for c in tok.children):
            continue
        if any(c.dep_ in ("amod", "compound", "poss") for c in tok.children if c.i < tok.i):
            continue
        cands = [m for m in titles.get(low, []) if m.start < tok.idx] or titles.get(low, [])
        names = {m.key for m in cands}
        if cands and (len(names) == 1 or any(m.start < tok.idx for m in cands)):
            before = [m for m in cands if m.start < tok.idx]
            out[tok.i] = max(before, key=lambda m: m.start) if before else cands[0]
    return out


def _pronoun_antecedent(tok, doc, acts: DocActors, quotes) -> Mention | None:
    """The actor a pronoun stands for when the text leaves one candidate: "I"/"me" inside a quotation -> the
    quote's named speaker; "he/she/him/her" -> the only person named in its sentence before it and the
    sentence before; "they/them" -> the only organisation, group or government named there. None when
    there is more than one candidate (or none)."""
    low = tok.lower_
    if low in ("i", "me"):
        for a, b in quotes:
            if a <= tok.idx < b:
                src = quote_source(doc, a, b)
                if src:
                    last = src.split()[-1].casefold()
                    for m in acts.mentions:
                        if m.kind == "person" and (m.name.casefold() == src.casefold()
                                                   or m.name.split()[-1].casefold() == last):
                            return m
        return None
    if low in ("he", "she", "him", "her"):
        want = ("person",)
    elif low in ("they", "them"):
        want = ("org", "group", "place")
    else:
        return None
    sent = tok.sent
    start = doc[sent.start - 1].sent.start_char if sent.start > 0 else sent.start_char
    cands = [m for m in acts.mentions if start <= m.start < tok.idx and m.kind in want
             and (m.kind != "place" or m.metonymy == "gov")]
    keys = {m.key for m in cands}
    if len(keys) != 1:
        return None
    return cands[-1]


def _subjects(verb):
    if verb.dep_ == "xcomp" and verb.head.lemma_ in OBJECT_CONTROL:
        h = verb.head
        ctrl = [c for c in h.children if c.dep_ in ("dobj", "obj")]
        ctrl += [p for c in h.children if c.dep_ == "prep" and c.lower_ == "on" for p in c.children if p.dep_ == "pobj"]
        if ctrl:
            return ctrl
    out = [c for c in verb.children if c.dep_ in ("nsubj",)]
    if len(out) > 1:  # two subjects of one verb is a misparse ("in Salem, New Hampshire, Trump went"): the nearest
        out = [min(out, key=lambda c: abs(verb.i - c.i))]
    if verb.dep_ == "relcl" and (not out or all(c.lower_ in ("which", "who", "that") for c in out)):
        out = [verb.head]  # "The U.N., which imposed sanctions": the relative clause's head
        if verb.head.dep_ == "appos" and verb.head.pos_ == "NOUN":
            out = [verb.head.head]  # "Murray Clark, a former chair who is supporting Brooks": the named one
    if not out and verb.dep_ == "acl" and verb.head.lemma_.lower() in INTENT_NOUNS and any(
            c.tag_ == "TO" for c in verb.children):
        # "stated his intention to vote for Clinton", "Russia's decision to back X": the noun's possessor, else
        # the subject of the verb that governs the noun
        poss = [c for c in verb.head.children if c.dep_ == "poss" and c.pos_ != "PRON"]
        gov = _governing_verb(verb.head)
        if poss or gov is None or gov.i == verb.i:
            return poss
        if verb.head.head.lower_ == "for" and verb.head.head.head.i == gov.i:
            # "blasted the FBI for its decision not to indict Clinton": the one blamed decided
            blamed = [c for c in gov.children if c.dep_ in ("dobj", "obj")]
            if blamed:
                return blamed
        return _subjects(gov)
    if not out and verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.lower_ == "for" and \
            verb.head.head.lemma_.lower() in ("call", "push", "press", "argue", "advocate", "campaign", "lobby"):
        return _subjects(verb.head.head)  # "called for cutting off aid to X": the one who calls for it
    if not out and verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.lower_ in AFTER_PREPS and \
            verb.head.head.pos_ in ("VERB", "AUX"):
        return _subjects(verb.head.head)  # "after backing Obama, Cuban is ...": the clause's subject acts
    if not out and verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.pos_ in ("PROPN", "NOUN") and \
            verb.i > 0 and verb.doc[verb.left_edge.i - 1].text == ",":
        out = [verb.head]  # "Donald Trump, attacking CNN again, spoke": a participle set off by a comma
    if not out and verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.lower_ == "for":
        # "ridiculed Trump, Carson and Fiorina for criticizing Obama": the one blamed or praised acts
        h = verb.head.head
        while h.dep_ in ("conj", "appos") and h.head.i != h.i:
            h = h.head
        if h.pos_ in ("VERB", "AUX"):
            h = next((c for c in h.children if c.dep_ in ("dobj", "obj")), None)
        if h is not None and h.dep_ in ("dobj", "obj"):
            return [h, *h.conjuncts, *[c for c in h.children if c.dep_ == "appos"],
                    *[cc for c in h.children if c.dep_ == "appos" for cc in c.conjuncts]]
    if not out and verb.dep_ == "xcomp":
        h = verb.head
        if h.pos_ == "ADJ" and h.dep_ in ("acomp", "ROOT", "conj") and h.head.pos_ in ("VERB", "AUX"):
            h = h.head  # "Trump is likely / due / ready to meet Putin": the copula's subject
        raised = [c for c in h.children if c.dep_ == "nsubjpass"]
        if raised and h.tag_ == "VBN" or raised and h.pos_ == "AUX":
            return raised + [cc for r in raised for cc in r.conjuncts]  # "is set / expected to meet"
        if h is not verb.head:
            return _subjects(h)
    out += [a for c in verb.children if c.dep_ == "agent" for a in c.children if a.dep_ == "pobj"]
    if not out and verb.dep_ in ("xcomp", "conj", "advcl") and verb.head.pos_ in ("VERB", "AUX"):
        inherited = _subjects(verb.head)
        if inherited or verb.dep_ != "advcl" or verb.head.dep_ != "acl":
            return inherited
    if not out and verb.dep_ == "advcl" and verb.head.dep_ == "acl" and verb.head.head.head.pos_ in ("VERB", "AUX"):
        return _subjects(verb.head.head.head)  # "X took the victory restoring ..., vowing to ...": X
    return out + [cc for s in out for cc in s.conjuncts]


def _objects(verb, typ_from_prep: dict):
    objs = []
    light = [NOUN_TYPE[c.lemma_.lower()] for c in verb.children
             if c.dep_ in ("dobj", "obj") and c.lemma_.lower() in NOUN_TYPE and _light(verb, c)]
    if light:  # "issued a warning to North Korea", "imposed sanctions on Iran" with the phrase on the verb
        joint = light[0] in ("consult", "cooperate")
        objs += [(o, ("noun", light[0])) for c in verb.children if c.dep_ in ("prep", "dative") and c.pos_ == "ADP"
                 and c.lower_ in (("with", "to") if joint else ("against", "on", "to", "at", "behind"))
                 for o in c.children
                 if o.dep_ == "pobj"]
    if verb.dep_ == "acl" and verb.tag_ == "VBN":
        objs.append((verb.head, None))  # "Hillary Clinton, endorsed by Barack Obama": the participle's head
    for c in verb.children:
        if c.dep_ in ("dobj", "obj") and c.lemma_.lower() in NOUN_TYPE and _light(verb, c):
            joint = NOUN_TYPE[c.lemma_.lower()] in ("consult", "cooperate")  # "held talks with X", not "of X"
            for p in c.children:
                if not joint and verb.lemma_.lower() in RECEIVE and p.lower_ in ("of", "from"):
                    continue  # "had the backing of X": X gives it (``_received``), X is no target
                if p.dep_ == "prep" and p.lower_ in (("with", "to") if joint else ("of", "against", "on", "for", "to",
                                                                                  "at", "behind")):
                    objs += [(o, ("noun", NOUN_TYPE[c.lemma_.lower()])) for o in p.children if o.dep_ == "pobj"]
        if c.dep_ in ("dobj", "obj") and c.lower_ in RELATIVE and verb.dep_ == "relcl":
            objs.append((verb.head, None))  # "Donald Trump, whom Hillary Clinton criticized": the clause's head
            continue
        if c.dep_ in ("dobj", "obj", "dative") and c.pos_ != "ADP" or (c.dep_ == "nsubjpass"):
            objs.append((c, None))
        elif c.dep_ == "prep" or c.dep_ == "dative" and c.pos_ == "ADP":  # "gave money to X": dative "to"
            for p in c.children:
                if p.dep_ == "pobj":
                    objs.append((p, c.lower_))
    if not any(prep is None for _, prep in objs):
        # "supporting lying CNN": a participle before the object parsed as a controlled verb taking it
        for c in verb.children:
            if c.dep_ == "xcomp" and c.tag_ == "VBG" and c.lemma_.lower() not in LEMMA_TYPE:
                for part in [c, *c.conjuncts]:
                    objs += [(o, None) for o in part.children
                             if o.dep_ in ("dobj", "obj") and o.i == part.i + 1 + sum(
                                 1 for x in o.lefts if x.dep_ in ("compound", "det", "amod"))]
    return objs + [(cc, prep) for o, prep in objs for cc in o.conjuncts]


def _light(verb, noun) -> bool:
    """``verb`` hands its relation to its object ``noun``: a light verb ("launched an offensive", "imposed
    sanctions", "held talks") whose noun is not another actor's act ("condemned Russia's attack": Russia's)."""
    return verb.lemma_.lower() in LIGHT_VERBS and not any(
        x.dep_ == "poss" and x.pos_ != "PRON" for x in noun.children)


def _negated(verb) -> bool:
    if any(c.dep_ == "neg" or c.lower_ in ("never", "no") for c in verb.children):
        return True
    h = verb
    while h.dep_ in ("xcomp", "ccomp") and h.head.i != h.i:
        h = h.head
        if h.lemma_ in NEG_GOVERNORS or any(c.dep_ == "neg" for c in h.children):
            return True
    return False


def _modality(verb) -> str:
    toks = list(verb.children)
    h = verb
    while h.dep_ in ("xcomp",) and h.head.i != h.i:
        h = h.head
        if h.lemma_ in INTEND or h.lower_ in INTEND:
            return "intended"
        if h.lemma_ in POSSIBLE_WORDS:
            return "possible"  # "is likely to meet"
        toks += list(h.children)
    words = {t.lower_ for t in toks} | {t.lemma_ for t in toks}
    if words & POSSIBLE_WORDS or any(t.dep_ == "mark" and t.lower_ in ("if", "unless", "whether")
                                     for t in toks):
        return "possible"  # "even if Iran were arming the Houthis": a condition, not an assertion
    if words & INTEND_AUX:
        return "intended"
    return "asserted"


def _chain(verb, doc, acts: DocActors, quotes) -> list[str]:
    for a, b in quotes:
        if a <= verb.idx < b:
            src = quote_source(doc, a, b)
            return ["outlet", src] if src else ["outlet", "unnamed"]
    h = verb
    while h.head.i != h.i:
        if h.dep_ in ("ccomp", "xcomp", "advcl", "conj", "relcl") or h.dep_ == "ROOT":
            parent = h.head if h.head.i != h.i else h
            if parent.lemma_ in SPEECH and parent.i != verb.i:
                for s in parent.children:
                    if s.dep_ == "nsubj":
                        m = _mention_of(s, acts, doc)
                        if m is not None:
                            return ["outlet", m.key]
                        return ["outlet", "unnamed" if s.pos_ != "PRON" else s.lower_]
        h = h.head
    return ["outlet"]


# nouns that carry a relation by themselves: "talks with X", "a call from X", "sanctions against X", "Russia's
# attack on Ukraine" (subject: the possessor, else the subject of the verb governing the noun)
NOUN_REL = {"meeting": "consult", "talk": "consult", "call": "consult", "visit": "consult", "summit": "consult",
            "negotiation": "consult", "condemnation": "accuse", "criticism": "accuse", "accusation": "accuse",
            "lawsuit": "accuse", "sanction": "sanction", "embargo": "sanction", "attack": "assault",
            "strike": "assault", "invasion": "assault", "assault": "assault", "airstrike": "assault",
            "threat": "threaten", "ultimatum": "threaten", "endorsement": "support", "support": "support",
            "aid": "aid", "funding": "aid", "cooperation": "cooperate", "alliance": "cooperate",
            "agreement": "cooperate", "deal": "cooperate", "impeachment": "accuse", "swipe": "accuse",
            "jab": "accuse", "broadside": "accuse", "tirade": "accuse", "rant": "accuse", "diatribe": "accuse",
            "indictment": "accuse",
            "prosecution": "accuse"}
NOUN_PREPS = {"with", "against", "on", "of", "from", "to", "for", "at", "into", "behind"}
RECEIVE = {"receive", "get", "take", "have"}  # "received a call from X": X is the subject


def _governing_verb(tok):
    h, n = tok, 0
    while h.head.i != h.i and n < 4:
        h = h.head
        n += 1
        if h.pos_ in ("VERB", "AUX"):
            return h
    return None


def _headline_relations(acts: DocActors) -> list[Relation]:
    """Relations of the title-case lines, from their sentence-case re-parse (``DocActors.lines``), in
    article offsets."""
    out = []
    for off, sub in acts.lines:
        for r in find_relations(sub, DocActors(in_line(acts.mentions, off, sub), acts.roles, [])):
            r.start, r.end = r.start + off, r.end + off
            r.subject_span = (r.subject_span[0] + off, r.subject_span[1] + off)
            r.object_span = (r.object_span[0] + off, r.object_span[1] + off)
            out.append(r)
    return out


def find_relations(doc, acts: DocActors) -> list[Relation]:
    quotes = quote_spans(doc.text)
    resolve = _resolve_nominals(doc, acts)
    out: list[Relation] = []
    seen = set()

    def add(subj: Mention, typ: str, obj: Mention, verb) -> None:
        if subj.key == obj.key or "literal" in (subj.metonymy, obj.metonymy):
            return  # a capital read as the place ("visited London"), not its government, is no party
        if _dateline(subj, doc.text) or _dateline(obj, doc.text):
            return  # "INDIANAPOLIS - Ted Cruz ...": the dateline is where the story was filed
        sent = verb.sent
        key = (subj.key, typ, obj.key, sent.start)
        if key in seen:
            return
        seen.add(key)
        out.append(Relation(subj.key, subj.name, typ, obj.key, obj.name, _negated(verb), _modality(verb),
                            sent.start_char, sent.end_char, sent.text, _chain(verb, doc, acts, quotes),
                            (subj.start, subj.end), (obj.start, obj.end)))

    heads = [(off, off + len(sub.text)) for off, sub in acts.lines]
    for verb in doc:
        if heads and any(a <= verb.idx < b for a, b in heads):
            continue  # a title-case line: read from its re-parse below
        if verb.pos_ == "NOUN":
            _noun_relations(verb, doc, acts, resolve, add)
            _agent_noun(verb, doc, acts, resolve, add)
        if verb.pos_ in ("ADJ", "VERB") and verb.lower_ in {a for a, _ in ADJ_REL}:
            _adjective_relations(verb, doc, acts, resolve, add)
        if verb.pos_ != "VERB":
            continue
        lem = verb.lemma_.lower()
        base_type = LEMMA_TYPE.get(lem)
        if lem in ("sign", "reach", "strike", "conclude", "seal", "agree") and (any(
                c.dep_ in ("dobj", "obj", "prep") and (c.lemma_.lower() in PACTS or any(
                    p.lemma_.lower() in PACTS for p in c.children if p.dep_ == "pobj")) for c in verb.children)
                or verb.dep_ == "relcl" and verb.head.lemma_.lower() in PACTS):
            # "Russia and China signed a deal", "reached an agreement with X", "an agreement she had struck with
            # X" (a pact struck is no blow)
            base_type = "cooperate"
        if lem in AID_CUTS and any(c.dep_ in ("dobj", "obj") and c.lemma_.lower() in AID_NOUNS for c in verb.children):
            base_type = "sanction"  # "cut off aid to Guatemala": stopping aid is a sanction (PLOVER's SANCTION)
        if verb.dep_ == "xcomp" and verb.head.lemma_ in OBJECT_CONTROL:
            continue  # "called on Obama to retaliate against Russia": asked for, not asserted
        if verb.dep_ == "xcomp" and verb.head.lemma_ in ("vow", "threaten") and base_type:
            continue  # "vowed to kick X out": the vow's threaten relation, not an assault
        joint = [NOUN_TYPE[c.lemma_.lower()] for c in verb.children if c.dep_ in ("dobj", "obj")
                 and NOUN_TYPE.get(c.lemma_.lower()) in ("consult", "cooperate") and _light(verb, c)]
        if base_type in ("consult", "cooperate") or lem in ("talk", "speak") or joint:
            # "Trump and Putin met", "X and Y held talks": a joint subject of a meeting verb (or of a light verb
            # with a joint noun) with no object meets itself
            if not any(c.dep_ in ("dobj", "obj") and c.lemma_.lower() not in PACTS and not joint
                       or (c.dep_ == "prep" and c.lower_ in ("with", "to")) for c in verb.children) and not any(
                    p.dep_ == "prep" and p.lower_ in ("with", "to") for c in verb.children if c.dep_ in ("dobj", "obj")
                    for p in c.children):
                subs = [m for m in (_mention_of(t, acts, doc, resolve, True) for t in _subjects(verb)) if m is not None]
                for i in range(1, len(subs)):
                    add(subs[0], base_type or (joint[0] if joint else "consult"), subs[i], verb)
        if lem in RECEIVE or lem in ("accept", "obtain", "secure", "win"):
            _received(verb, doc, acts, resolve, add)
        for subj_tok in _subjects(verb):
            subj = _mention_of(subj_tok, acts, doc, resolve, True)
            if subj is None:
                continue
            if lem in NAMING_VERBS:
                _named_as(verb, subj, doc, acts, resolve, add)
            if lem == "call" and not any(c.dep_ in ("dobj", "obj") for c in verb.children):
                for o in verb.children:  # "Mr. Obama called Naghmeh Abedini" parsed as a naming's predicate
                    obj = _mention_of(o, acts, doc, resolve) if o.dep_ == "oprd" and o.pos_ == "PROPN" else None
                    if obj is not None and obj.kind in ("person", "org") and _phoned(verb, o, obj):
                        add(subj, "consult", obj, verb)
            if lem == "discuss":  # "discussed the controversy with Hugh Hewitt": the "with" hung on the object
                for o in verb.children:
                    for p in (o.children if o.dep_ in ("dobj", "obj") else ()):
                        for x in (p.children if p.dep_ == "prep" and p.lower_ == "with" else ()):
                            obj = _mention_of(x, acts, doc, resolve) if x.dep_ == "pobj" else None
                            if obj is not None and obj.key != subj.key:
                                add(subj, "consult", obj, verb)
            if lem in ("call", "demand", "urge", "seek", "press", "push"):
                _asked_acts(verb, subj, doc, acts, resolve, add)
            targets = _objects(verb, PREP_PAIRS)
            # controlled verbs: "vowed to kick X", "called on X to retaliate against Y"
            for c in verb.children:
                if c.dep_ == "xcomp":
                    for o, prep in _objects(c, PREP_PAIRS):
                        if not (isinstance(prep, tuple) and prep[0] == "noun"):
                            targets.append((o, ("xcomp", c.lemma_.lower(), prep)))
                # "calls for X to testify", "urged that X resign": the clause's subject is asked
                if lem in ("call", "urge", "press", "ask", "demand") and c.dep_ in ("advcl", "ccomp") and (
                        lem != "call" or any(m.lower_ == "for" for m in c.children if m.dep_ == "mark")):
                    targets += [(n, ("demand",)) for n in c.children if n.dep_ == "nsubj"]
            for obj_tok, prep in targets:
                obj = _mention_of(obj_tok, acts, doc, resolve)
                if obj is None or obj.key == subj.key:
                    continue
                typ = None
                if isinstance(prep, tuple) and prep[0] == "noun":
                    typ = prep[1]
                elif isinstance(prep, tuple) and prep[0] == "demand":
                    typ = "demand"
                elif isinstance(prep, tuple):
                    _, inner, inner_prep = prep
                    if lem in ("vow", "threaten") and (inner in LEMMA_TYPE or inner_prep):
                        typ = "threaten"
                    else:
                        continue  # "called on Obama to retaliate against Russia": Obama is the target
                elif prep is None:
                    typ = base_type
                    if lem == "call" and any(c.dep_ == "prt" for c in verb.children):
                        typ = None
                    if typ is None and lem in ASK_VERBS and obj_tok.dep_ in ("dobj", "obj") and any(
                            c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX") and c.tag_ == "VB" and any(
                                x.tag_ == "TO" for x in c.children) for c in verb.children):
                        typ = "demand"  # "asked Congress to act", "told Comey to drop it"
                    if typ is None and _phoned(verb, obj_tok, obj):
                        typ = "consult"  # "Mr. Obama called Naghmeh Abedini": a telephone call
                    if lem == "welcome" and acts.mention_at(obj_tok.i, doc) is None:
                        typ = "support"  # "welcomed Obama's decision": approval, not a visit
                    if lem == "attack":
                        typ = _attack_type(subj, obj)
                    if typ == "consult" and obj.kind in ("place", "country") and obj.metonymy != "gov":
                        typ = None  # "planned to visit the United States": a place, not a party met
                else:
                    prt = {c.lower_ for c in verb.children if c.dep_ == "prt"}
                    if prt - {prep} and (lem, prep) in PREP_PAIRS or lem == "call" and prep == "for" and any(
                            c.dep_ in ("dobj", "obj") for c in verb.children):
                        continue  # "break down walls with X", "called it a rough week for X": not the phrasal verb
                    typ = PREP_PAIRS.get((lem, prep), base_type if prep in ("against", "with", "on", "to") and
                                         base_type in ("accuse", "assault", "sanction", "threaten", "cooperate",
                                                       "consult") else None)
                    if lem == "impose" and prep in ("on", "against"):
                        typ = "sanction"
                    if typ == "aid" and lem in GIVE and not _gives_aid(verb):
                        typ = None  # "sent the report to the Justice Department" is no aid
                if typ in ("accuse", "assault") and lem == "attack":
                    typ = _attack_type(subj, obj)
                if typ is None:
                    continue
                add(subj, typ, obj, verb)
    _hyphen_relations(doc, acts, resolve, add, heads)
    return out + _headline_relations(acts)


def _agrees(pron: str, m: Mention) -> bool:
    """A possessive pronoun can stand for the mention: his/her a person, its/their an organisation, a group or a
    government (one named person is no "their")."""
    if pron in ("his", "her"):
        return m.kind == "person"
    return pron in ("its", "their") and m.kind != "person"


def _phoned(verb, obj_tok, obj: Mention) -> bool:
    """"X called Y" with a person (or organisation) Y as the only complement: a call, not a naming ("called Y a
    liar"), a phrasal verb ("called off", "called on"), a request ("called Y to ...") or a participle ("a man
    called Y")."""
    if verb.lemma_.lower() != "call" or obj.kind not in ("person", "org") or \
            obj_tok.dep_ not in ("dobj", "obj", "oprd") or \
            verb.dep_ in ("acl", "amod") or verb.tag_ == "VBN":
        return False
    return not any(c.dep_ in ("oprd", "xcomp", "ccomp", "prt", "attr", "nsubjpass", "dative") and c.i != obj_tok.i or
                   c.dep_ in ("dobj", "obj") and c.i != obj_tok.i or c.dep_ == "prep" and c.lower_ in ("as", "for")
                   for c in verb.children)


def _adjective_relations(adj, doc, acts: DocActors, resolve: dict, add) -> None:
    """"Bolton and Gorka were sternly critical of Republicans", "opposed to electing Trump": an adjective of
    ``ADJ_REL`` predicated of its subject, toward its prepositional object (or the object of a gerund there)."""
    if adj.dep_ not in ("acomp", "ROOT", "conj", "amod") or adj.dep_ == "amod" and adj.head.dep_ != "appos":
        return
    for p in adj.children:
        typ = ADJ_REL.get((adj.lower_, p.lower_)) if p.dep_ == "prep" else None
        if typ is None:
            continue
        objs = [o for o in p.children if o.dep_ == "pobj"]
        objs += [o for g in p.children if g.dep_ == "pcomp" for o in g.children if o.dep_ in ("dobj", "obj")]
        if adj.dep_ == "amod":
            subs = [adj.head.head]  # "X, critical of Y, ..."
        else:
            h = adj.head if adj.dep_ != "ROOT" else adj
            while h.dep_ == "conj" and h.head.i != h.i and h.pos_ == "ADJ":
                h = h.head
            h = h.head if h.pos_ == "ADJ" and h.dep_ == "acomp" else h
            subs = [c for c in h.children if c.dep_ in ("nsubj", "nsubjpass")]
            subs += [cc for c in subs for cc in c.conjuncts]
        for st in subs:
            subj = _mention_of(st, acts, doc, resolve, True)
            for o in objs + [cc for o in objs for cc in o.conjuncts]:
                obj = _mention_of(o, acts, doc, resolve)
                if subj is not None and obj is not None:
                    add(subj, typ, obj, adj.head if adj.head.pos_ in ("VERB", "AUX") else adj)


def _dateline(m: Mention, text: str) -> bool:
    """An upper-case place opening a line ("INDIANAPOLIS - ", "WASHINGTON (AP) --"): a dateline, no party."""
    line_start = text.rfind("\n", 0, m.start) + 1
    return m.kind in ("place", "country") and m.text.isupper() and len(m.text) > 3 and \
        not text[line_start:m.start].strip(" \t\"'\u201c")


def _attack_type(subj: Mention, obj: Mention) -> str:
    """"attack" is physical when a state is the attacker, or a state or place is the target of a non-person
    ("Russia attacked Ukraine", "ISIS attacked Iraq"); verbal otherwise ("Trump attacked CNN")."""
    state = lambda m: m.kind in ("place", "country") or m.metonymy == "gov"  # noqa: E731
    return "assault" if state(subj) or (state(obj) and subj.kind != "person") else "accuse"


def _received(verb, doc, acts: DocActors, resolve: dict, add) -> None:
    """"The Houthis receive weapons from Iran", "won the backing of X": the giver aids (or supports) the
    receiver."""
    receivers = [m for m in (_mention_of(t, acts, doc, resolve, True) for t in _subjects(verb)) if m is not None]
    for c in verb.children:
        if c.dep_ not in ("dobj", "obj"):
            continue
        lem = c.lemma_.lower()
        if lem in ("support", "backing", "endorsement", "praise"):
            typ = "support"
        elif lem in AID_NOUNS or lem in ("aid", "arm") or c.like_num or any(x.text == "$" for x in c.lefts):
            typ = "aid"
        else:
            continue
        givers = [o for p in [*verb.children, *c.children] if p.dep_ == "prep" and p.lower_ in (
            ("from",) if p.head is verb else ("from", "of")) for o in p.children if o.dep_ == "pobj"]
        givers += [x for x in c.children if x.dep_ == "poss"]
        for g in givers + [cc for g in givers for cc in g.conjuncts]:
            giver = _mention_of(g, acts, doc, resolve)
            if giver is not None:
                for r in receivers:
                    add(giver, typ, r, verb)


def _named_as(verb, subj: Mention, doc, acts: DocActors, resolve: dict, add) -> None:
    """"called Hillary Clinton a liar", "branded CNN fake news": by the valence of the predicate noun phrase."""
    from .flags import vader

    lex = vader()
    for o in verb.children:
        if o.dep_ not in ("dobj", "obj"):
            continue
        obj = _mention_of(o, acts, doc, resolve)
        preds = [c for c in verb.children if c.dep_ in ("oprd", "xcomp") and c.pos_ in ("NOUN", "PROPN", "ADJ")]
        if obj is None and verb.lemma_.lower() in ("call", "label", "brand", "dub") and o.pos_ == "NOUN":
            # "called CNN fake news" parsed as one noun phrase: its leading name is the object, the rest the label
            lead = [c for c in o.lefts if c.dep_ in ("nmod", "compound", "npadvmod") and c.i == o.left_edge.i]
            obj = _mention_of(lead[0], acts, doc, resolve) if lead else None
            preds = [o] if obj is not None else []
        if obj is None or obj.key == subj.key:
            continue
        preds += [p for c in verb.children if c.dep_ == "prep" and c.lower_ == "as" for p in c.children
                  if p.dep_ == "pobj"]
        for pr in preds:
            vals = [lex.get(t.lower_, 0.0) for t in pr.subtree if acts.mention_at(t.i, doc) is None]
            if vals and min(vals) <= -1.0:
                add(subj, "accuse", obj, verb)
            elif vals and max(vals) >= 1.0 and min(vals) >= 0 and verb.lemma_.lower() in ("call", "describe",
                                                                                        "term", "dub"):
                add(subj, "support", obj, verb)


def _asked_acts(verb, subj: Mention, doc, acts: DocActors, resolve: dict, add) -> None:
    """"called for Comey's resignation", "demanded Trump's apology": asked of the possessor of his own act."""
    nouns = [c for c in verb.children if c.dep_ in ("dobj", "obj")]
    nouns += [o for c in verb.children if c.dep_ == "prep" and c.lower_ == "for" for o in c.children
              if o.dep_ == "pobj"]
    for n in nouns:
        if n.lemma_.lower() not in OWN_ACTS:
            continue
        for x in n.children:
            who = x if x.dep_ == "poss" else None
            if x.dep_ == "prep" and x.lower_ in ("of", "from", "by"):
                who = next((o for o in x.children if o.dep_ == "pobj"), None)
            m = _mention_of(who, acts, doc, resolve) if who is not None else None
            if m is not None:
                add(subj, "demand", m, verb)


def _hyphen_relations(doc, acts: DocActors, resolve: dict, add, skip=()) -> None:
    """"the Iran-backed Houthis", "a Kremlin-funded outlet called RT": a mention joined by a hyphen to a
    participle of a relation verb, modifying a named actor."""
    for m in acts.mentions:
        if any(a <= m.start < b for a, b in skip):
            continue
        t = next((x for x in doc if x.idx >= m.end), None)
        if t is None or t.text != "-" or t.idx != m.end or t.i + 1 >= len(doc):
            continue
        part = doc[t.i + 1]
        typ = LEMMA_TYPE.get(part.lemma_.lower()) or LEMMA_TYPE.get(part.lower_[:-2] if part.lower_.endswith("ed")
                                                                   else "")
        if typ is None or not part.lower_.endswith(("ed", "en")):
            continue
        head = part.head
        while head.dep_ in ("amod", "compound", "punct", "npadvmod") and head.i != head.head.i and head.i < head.head.i:
            head = head.head
        if head.i <= part.i:
            continue
        obj = _mention_of(head, acts, doc, resolve)
        j = part.i + 1
        while obj is None and j < len(doc) and j <= part.i + 3 and doc[j].pos_ in ("ADJ", "PROPN", "NOUN"):
            obj = acts.mention_at(j, doc)  # "the Iran-backed Houthis" however the phrase is parsed
            j += 1
        if obj is None:
            nxt = [x for x in head.children if x.dep_ in ("appos", "acl", "oprd") or x.lower_ == "called"]
            obj = next((o for x in nxt for o in [_mention_of(x, acts, doc, resolve)] if o is not None), None)
        if obj is not None:
            add(m, typ, obj, part)


def _agent_noun(noun, doc, acts: DocActors, resolve: dict, add) -> None:
    """"Mike Pence, a staunch supporter of Donald Trump", "X is a fierce critic of Y"."""
    typ = AGENT_NOUNS.get(noun.lemma_.lower())
    if typ is None:
        return
    if noun.dep_ == "appos":
        who = noun.head
    elif noun.dep_ == "attr" and noun.head.lemma_ == "be":
        who = next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
        if who is None:  # "Rhonda Hughes, 43, is a supporter of X" parsed without a subject: the name just before
            j = noun.head.i - 1
            while j > noun.head.sent.start and (doc[j].is_punct or doc[j].like_num):
                j -= 1
            who = doc[j] if j < noun.head.i - 1 and acts.mention_at(j, doc) is not None else None
    else:
        return
    subj = _mention_of(who, acts, doc, resolve) if who is not None else None
    if subj is None:
        return
    objs = [o for p in noun.children if p.dep_ == "prep" and p.lower_ == "of" for o in p.children
            if o.dep_ == "pobj"]
    objs += [x for x in noun.children if x.dep_ == "poss" and x.pos_ != "PRON"]
    for o in objs + [cc for o in objs for cc in o.conjuncts]:
        obj = _mention_of(o, acts, doc, resolve)
        if obj is not None:
            add(subj, typ, obj, noun.head if noun.head.pos_ in ("VERB", "AUX") else noun)


def _noun_relations(noun, doc, acts: DocActors, resolve: dict, add) -> None:
    """Relations carried by a noun: its prepositional object is the target; the subject is its possessor or
    the subject of the verb it depends on ("received a call from X" turns round: X called the receiver)."""
    typ = NOUN_REL.get(noun.lemma_.lower())
    if typ is None or acts.mention_at(noun.i, doc) is not None:
        return
    if typ in ("consult", "cooperate"):  # "talks between X and Y", "a deal between X and Y": both take part
        for p in noun.children:
            if p.dep_ == "prep" and p.lower_ == "between":
                parts = [o for o in p.children if o.dep_ == "pobj"]
                parts = [m for m in (_mention_of(t, acts, doc, resolve) for t in parts + [c for o in parts
                                                                                      for c in o.conjuncts])
                         if m is not None]
                for other in parts[1:]:
                    add(parts[0], typ, other, _governing_verb(noun) or noun)
    objs = [(p.lower_, o) for p in noun.children if p.dep_ == "prep" and p.lower_ in NOUN_PREPS
            for o in [o for o in p.children if o.dep_ == "pobj"] + [cc for o in p.children if o.dep_ == "pobj"
                                                                     for cc in o.conjuncts]]
    if not objs:
        return
    verb = _governing_verb(noun)
    poss = [c for c in noun.children if c.dep_ == "poss"]
    poss += [c for c in noun.children if c.dep_ == "compound" and c.i < noun.i and not poss]  # "U.S. airstrikes"
    subjects = [m for m in (_mention_of(c, acts, doc, resolve) for c in poss) if m is not None]
    pron = next((c.lower_ for c in poss if c.pos_ == "PRON"), None)
    if typ == "aid" and verb is not None and verb.lemma_.lower() in AID_CUTS:
        typ = "sanction"  # "cutting off aid to Guatemala"
    if not subjects and verb is not None and pron is not None:
        # "his attacks on X": the verb's subject or object that the possessive pronoun can stand for ("berated
        # the Democrats in their assault on Y": the Democrats; "demand Ford ... for her accusations": nobody)
        cands = [m for m in (_mention_of(t, acts, doc, resolve, True) for t in _subjects(verb) + [
            c for c in verb.children if c.dep_ in ("dobj", "obj")]) if m is not None]
        subjects = [m for m in cands if _agrees(pron, m)][:1]
        if not subjects:
            return
    if not subjects and verb is not None and noun.dep_ in ("dobj", "nsubj", "pobj", "attr", "appos", "conj"):
        subjects = [m for m in (_mention_of(t, acts, doc, resolve, True) for t in _subjects(verb)) if m is not None]
    if not subjects and verb is not None:  # "X is pictured meeting with Y"
        subjects = [m for m in (_mention_of(t, acts, doc, resolve) for t in verb.children if t.dep_ == "nsubjpass")
                    if m is not None]
    for prep, o in objs:
        obj = _mention_of(o, acts, doc, resolve)
        if obj is None:
            continue
        if prep == "from" and typ == "consult" and verb is not None and verb.lemma_ in RECEIVE:
            for receiver in subjects:
                add(obj, typ, receiver, verb)  # "he received a call from Trump": Trump called him
            continue
        if prep == "from" or (prep == "of" and typ in ("consult", "cooperate")):
            continue
        if prep == "of" and verb is not None and verb.lemma_ in RECEIVE and not poss:
            continue  # "received the endorsement of X": X endorses (``_received``), X is not endorsed
        for subj in subjects:  # "his attacks on Sarah Sanders": words, as the verb "attack" is read
            kind = _attack_type(subj, obj) if noun.lemma_.lower() in ("attack", "assault") else typ
            add(subj, kind, obj, verb if verb is not None else noun)
