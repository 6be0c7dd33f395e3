"""Site furniture: text a site repeats on many of its pages (banners, appeals, notices).

Two mechanisms:
- ``common_kind(block)``: the common kinds of furniture recognised on any page, so a site
  with one page still loses them (translate banners, share/crosspost notes, donation
  appeals, disclaimers, fair-use notices, newsletter boxes, cookie banners, comment notices);
- ``learn(site_pages)``: a block (normalised paragraph) found on at least ``MIN_SHARE`` of a
  site's pages, and on at least ``MIN_PAGES`` of them, is that site's furniture. The store
  relearns a site when its page count has grown, and recomputes the bodies from the kept
  unstripped blocks.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from bisect import bisect_right
from itertools import islice, repeat

MIN_PAGES = 3  # a block must repeat on this many pages of one site ...
MIN_SHARE = 0.5  # ... and on this share of them (when the site has more than MIN_PAGES pages)
MAX_FURNITURE_CHARS = 1500  # article paragraphs longer than this are never learned as furniture

# (kind, pattern[, cue words]): a pattern not anchored at the block's start (each top-level alternative opening
# with ^) is searched, which is slow, so it names the words it cannot match without (in the lower-cased block)
_COMMON = [
    ("translate", r"^(?:read this article in your language|translate this (?:article|page)|select language|"
                  r"this article is available in|lesen sie diesen artikel in ihrer sprache|lea este art[ií]culo en su "
                  r"idioma|lisez cet article dans votre langue|leggi questo articolo nella tua lingua)\b"),
    ("note", r"^(?:note to readers|dear readers?)\s*[:,-]?.{0,40}\b(?:share|crosspost|cross-post|forward)"),
    ("note", r"\b(?:crosspost|cross-post)\b.{0,80}\b(?:blog|forum|email lists?)\b", ("cross",)),
    ("donation", r"^(?:please )?(?:support|donate|help us|make a donation|become a (?:patron|member|supporter))\b.{0,400}"
                 r"\b(?:paypal|patreon|donat|bitcoin|btc|eth|subscribe|contribut|ko-fi|buy me a coffee)"),
    ("donation", r"^(?:donate|support us) (?:via|with|by|on) (?:paypal|patreon|crypto|bitcoin)"),
    ("disclaimer", r"^(?:disclaimer\s*:|the views (?:and opinions )?expressed (?:in this article|here|herein|by the author)"
                   r"|opinions expressed (?:in this|here))"),
    ("fairuse", r"^(?:fair use notice|this site contains copyrighted material|in accordance with title 17)"),
    ("newsletter", r"^(?:sign up for|subscribe to|get) (?:our|the) (?:free |daily |weekly )?(?:newsletter|e-?mail|updates)"),
    ("newsletter", r"^(?:subscribe|sign up)\b.{0,60}\b(?:newsletter|letter|briefing|digest|bulletin)\b.{0,200}$"),
    ("newsletter", r"^(?:abonnieren sie|abonniere|suscr[ií]base|suscr[ií]bete|abonnez-vous|iscriviti|inscreva-se|"
                   r"подпишитесь)\b.{0,250}$"),
    ("newsletter", r"^(?:enter your e-?mail|never miss a story|join our mailing list)"),
    ("cookie", r"^(?:we use cookies|this (?:web)?site uses cookies|by continuing to (?:use|browse))"),
    ("comments", r"^(?:please enable javascript to view the comments|comments are closed|leave a (?:comment|reply)"
                 r"|comment policy\s*:|comments are moderated|please keep (?:the )?(?:discussion|comments) civil)"),
    ("social", r"^(?:follow us|find us|join us) on (?:social media|telegram|twitter|facebook|gab|vk)\b"),
    # a taxonomy line the template prints inside the article ("Filed under: Politics, Europe")
    ("label", r"^(?:filed under|posted in|tags|tagged(?: with)?|categor(?:y|ies)|region|theme|topics?)\s*:\s*.{1,150}$"),
    # inline pointers to other articles: "READ ALSO: <headline>", "See also: ...", "Related: ..."
    ("related", r"^(?:read also|also read|see also|related(?: articles?| stories| posts?)?|recommended|"
                r"don'?t miss|more on this|you (?:may|might) also like)\s*[:\-–—»]\s*.{3,250}$"),
    ("share", r"^(?:share this(?: article| story)?|share on (?:facebook|twitter)|click to share)\b.{0,80}$"),
    # the furniture a republishing site wraps around an article (translation banner, social and membership
    # calls, "Articles by:", contact and media-inquiry lines, permission to cross-post, comment calls)
    ("translate", r"\barticles can be read in \d+ languages\b", ("languages",)),
    # (not "Follow <author> on Twitter @handle": reuse-dev's gold bodies keep an author's own line)
    ("social", r"^(?:visit and )?follow us on (?:instagram|twitter|telegram|facebook|x|gab|vk|tiktok|youtube)\b"),
    ("donation", r"^become a (?:member|patron|supporter) of\b.{0,80}$"),
    ("related", r"^articles? by\s*:.{1,120}$"),
    ("contact", r"^(?:for )?(?:media|press) inquir(?:y|ies)\s*:.{1,200}$|^contact(?: us)?\s*:\s*\S+@\S+.{0,150}$|"
                r"^contact(?: us)?\s*:\s*\S+\s*\[at\].{0,150}$"),
    ("comments", r"^(?:comment on .{1,60} on our facebook page|\d+ comments?\.? be the first to comment|be the first to comment)"),
    ("crosspost", r"\bgrants? permission to (?:cross-?post|republish|repost)\b", ("permission to",)),
    ("disclaimer", r"^the contents of this article are (?:of )?(?:the )?sole responsibility of the author|"
                   r"\bpublishes a wide range of (?:perspectives|views|opinions)\b",
     ("sole responsibility", "publishes a wide range")),
    ("about", r"^[\w&'’ .\-]{2,60} is an independent (?:news|media|research|non-?profit|online)\b.{0,60}"
              r"\b(?:founded|established|launched) in (?:19|20)\d\d\b.{0,300}$"),
    ("fairuse", r"\bcontains copyrighted material the use of which has not (?:always )?been",
     ("copyrighted material",)),
    ("crosspost", r"^(?:you (?:may|can) (?:republish|repost|share) this (?:article|story)|"
                  r"this (?:article|work) is licensed under (?:a )?creative commons)"),
    # read on trafilatura-eval's `without` snippets kept on lone pages of the fitting half (never the held-out
    # half): a line that is only a date/time stamp, a "related" heading, a reproduction notice, a photo credit
    ("related", r"^(?:auch interessant|das (?:thema )?könnte (?:dich|sie) auch interessieren|mehr zum thema|"
                r"lesen sie auch|weitere artikel|more from|more stories|more on this topic|you may also like|"
                r"recommended for you|related (?:articles?|stories|posts?|coverage)|read next|à lire aussi|"
                r"lire aussi|leer más|le puede interesar)\s*:?$"),
    ("newsletter", r"^get\b.{0,60}\b(?:by|via) e-?mail\b.{0,80}$"),
    ("copyright", r"^(?:vervielfältigung nur mit genehmigung|alle rechte vorbehalten|all rights reserved|"
                  r"tous droits réservés|todos los derechos reservados|nachdruck nur mit)\b.{0,100}$"),
    ("credit", r"^\(?(?:photo |image |bild)?(?:credit|beitragsbild|bildquelle|titelbild|fotos?|photos?)\s*:.{1,100}$"),
    ("standards", r"^our standards\s*:.{0,80}$"),
    # session 8, read on the short `without` blocks the lone-page model kept on the fitting half of
    # trafilatura-eval (never the held-out half): the same kinds in the languages news sites write them in
    ("related", r"^(?:auch lesen|lesen sie (?:auch|hier|mehr)|lies auch|mehr dazu|zum weiterlesen|le puede interesar|"
                r"te puede interesar|vea tambi[ée]n|ver tambi[ée]n|lea tambi[ée]n|lee tambi[ée]n|lire aussi|voir aussi|"
                r"leggi anche|czytaj (?:też|także|również)|zobacz (?:też|także|również)|leia tamb[ée]m|veja tamb[ée]m|"
                r"читайте также)\b(?:\s*[:\-–—»]|[^:\n.!?]{1,40}:)\s*.{0,250}$"),
    ("related", r"^(?:weitere (?:themen|artikel|nachrichten|beiträge)|zusatzinformationen|inhaltsverzeichnis|"
                r"notas relacionadas|noticias relacionadas|contenidos? relacionados?|art[ií]culos relacionados|"
                r"m[aá]s (?:noticias|sobre [^.!?]{1,40})|sur le même sujet|dans la même rubrique|articles? li[ée]s|"
                r"articoli correlati|powiązane artykuły|mat[ée]rias relacionadas|table of contents)\s*:?$"),
    ("newsletter", r"^(?:(?:jetzt )?zum newsletter anmelden|newsletter abonnieren|never miss\b.{0,60}"
                   r"\b(?:newsletter|sign(?:ing)? up|subscrib))\b.{0,120}$"),
    ("comments", r"^(?:(?:du musst|sie müssen) (?:eingeloggt|angemeldet) sein\b|um\b.{0,80}\bkommentieren zu können\b|"
                 r"you (?:must|need to) (?:be )?(?:logged in|log in|sign in) to (?:post a )?comment|"
                 r"verraten sie (?:uns )?(?:gerne )?in den kommentaren\b).{0,150}$"),
    ("share", r"^(?:teilen sie (?:dies|diesen (?:artikel|beitrag))(?: mit)?|teilen mit|diesen (?:artikel|beitrag) teilen|"
              r"compartir en|comparte (?:esta|este)|partager (?:sur|cet article)|condividi su|udostępnij)\s*:?.{0,60}$"),
    ("label", r"^(?:kategorien?|schlagw(?:ö|oe)rter|schlagworte|stichw(?:ö|oe)rter|etiquetas|categor[ií]as?|rubriques?|"
              r"tagi|kategori[ae]|news date)\s*:\s*.{1,150}$"),
    # a line that is only a date/time stamp (supersedes session 6's pattern: also "| 31. Dezember 2008",
    # "Aktualisiert am 17.01.2021.", "Dezember 2008")
    ("date", r"^(?:\|\s*)?(?:(?:letzte änderung|zuletzt aktualisiert|aktualisiert|stand|updated|last updated|published|"
             r"posted|publié|mis à jour|actualizado|publicado)\s*(?:on|am|le|el)?\s*:?\s*)?"
             r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.? [a-zäéû]+\.? \d{4}|[a-z]+\.? \d{1,2},? \d{4}|"
             r"(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february|"
             r"march|june|july|october|december|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
             r"noviembre|diciembre) \d{4})"
             r"(?:,?\s*(?:at|um|à|a las)?\s*\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?|uhr|h))?)?\.?"
             r"(?:\s*\|\s*.{0,80})?$"),
    ("copyright", r"^(?:materiał chroniony prawem autorskim|sofern nicht anders (?:ausgewiesen|angegeben|vermerkt)\b.{0,40}"
                  r"\b(?:cc|creative commons|lizenz)|(?:todos los )?derechos reservados)\b.{0,120}$"),
    ("advert", r"^\*?(?:anzeige|werbung|advertisement|publicidad|publicité|reklama|sponsored content|"
               r"gesponserter? (?:beitrag|inhalt))\s*[:\-–—.*]\s*\S.{0,150}$"),  # (a bare "Advertisement": the model's)
    ("donation", r"^(?:hazte (?:miembro|socio|suscriptor)|werde (?:jetzt )?(?:mitglied|abonnent|unterstützer)|"
                 r"jetzt (?:mitglied|abonnent) werden|unterstütze\b.{0,40}\bmit \d|wesprzyj nas)\b.{0,250}$"),
    # (\A, not ^: searched only where their cue words occur, see UNANCHORED_CUES)
    ("donation", r"\A.{0,200}\b(?:cancela cuando quieras|cancel (?:at )?any ?time|jederzeit kündbar)\b.{0,100}$",
     ("cancela cuando", "cancel any", "cancel at any", "jederzeit kündbar")),
    ("social", r"\A.{0,80}\bnuestro canal de (?:youtube|telegram|whatsapp)\b.{0,150}$", ("nuestro canal de",)),
    # a teaser: a block that ends with its "read more" link
    ("related", r"[\[(](?:czytaj więcej|więcej|weiterlesen|mehr|read more|more|leer más|lire la suite|leggi tutto)"
                r"[\])]\s*$",
     ("]", ")")),
    ("disclosure", r"^(?:this (?:post|article|page|story) (?:contains|may contain|includes) (?:affiliate links|references to "
                   r"products|sponsored)|(?:we|i) may (?:receive|earn) (?:a )?(?:small )?(?:compensation|commission) when"
                   r"|dieser (?:beitrag|artikel) enthält (?:affiliate-links|werbung))\b.{0,500}$"),
    ("social", r"^(?:síguenos|siguenos|folge uns|folgen sie uns|suivez-nous|seguici|śledź nas|obserwuj nas|siga-nos)\b"
               r".{0,150}$"),
    # session 12, read on the fitting half's kept `without` blocks (never the held-out half) and checked to match
    # no line of 131,381 news paragraphs that no lone-page score reads (parallel-news in 2-8 languages, PTC, PolNeAR
    # train): a line that is only a phone number, a figure caption ("Abbildung 4: …"), an agency sign-off ("aja/PAP")
    ("contact", r"^(?:tel(?:efon|ephone|éfono|efone)?|phone|fax|mobil|handy|telefax)\.?\s*:?\s*"
                r"\+?[\d(][\d\s()/+\-–.]{5,}\d$"),
    ("caption", r"^(?:abbildung|abb\.|figure|fig\.|grafik|rys\.|ryc\.|figura|ilustración|illustration)\s*\d+[a-z]?\s*"
                r"[:.]\s*\S.{0,300}$"),
    ("credit", r"^\(?[a-ząćęłńóśźż]{2,5}(?:\s*[/,]\s*[a-ząćęłńóśźż]{2,5})*\s*/\s*"
               r"(?:pap|dpa|afp|apa|kna|epd|reuters|ap|sda|ansa|efe|ddp|ipa|iar)\)?\.?$"),
    # a call to join the site's messenger channel ("¿Ya sabías que … tenemos canal de Telegram? Únete …")
    ("social", r"\b(?:canal|channel|kanal|chaîne|kanał)\w* (?:de |on |auf |sur |na )?(?:telegram|whatsapp|youtube)\b"
               r".{0,120}\b(?:únete|join|tritt|abonn|suscr|unisciti|dołącz|subscribe)",
     ("telegram", "whatsapp", "youtube")),
    # session 13: the post footer WordPress's sharing, likes, ratings and related-posts widgets (Jetpack) print under
    # every post, on millions of sites, in the UI strings of its translations ("Like this: Like Loading...",
    # "Gefällt mir: Gefällt mir Wird geladen …", "Rate this:", "Related"), and the author box of WordPress's own
    # themes ("Published by X … View all posts by X"): fixed wording, not read off any page's text
    ("share", r"^(?:like this|gefällt mir|me gusta|j[’']aime|mi piace|curtir isso|vind ik leuk|lubię to)\s*:"
              r"\s*(?:(?:like|liken|gefällt mir|me gusta|j[’']aime|mi piace|curtir|vind ik leuk|lubię to)\s*)?"
              r"(?:(?:loading|wird geladen|lade|cargando|chargement|caricamento|carregando|ładowanie|laden)\s*(?:…|\.\.\.)?)?$"),
    ("share", r"^(?:like|liken|gefällt mir|me gusta|j[’']aime|mi piace|curtir|vind ik leuk|lubię to)?\s*"
              r"(?:loading|wird geladen|lade|cargando|chargement|caricamento|carregando|ładowanie|laden)\s*(?:…|\.\.\.)$"),
    ("share", r"^(?:rate this|bewerten|califica esto|notez ceci|valuta|avalie isso|oceń)\s*:$"),
    ("related", r"^(?:related|ähnliche beiträge|verwandte beiträge|relacionado|similaire|correlati|podobne|"
                r"gerelateerd)$"),
    ("about", r"^(?:published by|veröffentlicht von|publicado por|publié par|pubblicato da|opublikowane przez)\s+"
              r"\S.{0,80}?\s(?:view all posts by|zeige alle beiträge von|alle beiträge von|ver todas las entradas de|"
              r"voir tous les articles de|visualizza tutti gli articoli di|ver todos os posts de|zobacz wszystkie wpisy)"
              r"\b.{0,80}$"),
]
COMMON = [(e[0], re.compile(e[1], re.I)) for e in _COMMON]


def norm(block: str) -> str:
    return " ".join(block.lower().split())


def block_hash(block: str) -> str:
    return hashlib.sha1(norm(block).encode("utf-8")).hexdigest()[:16]


# a donation appeal anywhere in a short block: a call to give next to a way to pay. Article prose
# about donations does not carry a PayPal address, a Patreon page or a wallet address.
DONATION_CALL = re.compile(
    r"\b(?:donat(?:e|ion|ions)|become a (?:patron|member|supporter)|support (?:us|our|independent)|"
    r"help (?:us|keep)|contribut(?:e|ion|ions)|chip in|spare a few|tip jar|buy us a coffee|"
    # the same call in German, Spanish, French, Italian, Portuguese, Russian
    r"unterstützen sie|spenden?|apóyenos|apóyanos|donar|donaci[oó]n|soutenez|faire un don|sostienici|"
    r"donazione|apoie|поддержите|пожертвова\w*)\b", re.I)
DONATION_MEANS = re.compile(
    r"paypal|patreon\.com|ko-fi\.com|buymeacoffee|\b(?:btc|eth|bitcoin|ethereum)\s*:|"
    r"\bbc1[ac-hj-np-z02-9]{11,71}\b|\b0x[a-fA-F0-9]{40}\b|\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b", re.I)
# each of DONATION_MEANS's forms needs one of these words, or (a legacy Bitcoin address) a 26+ character token:
# without them the regex (slow on a whole paragraph) need not run
MEANS_CUES = ("paypal", "patreon.com", "ko-fi.com", "buymeacoffee", "btc", "eth", "bitcoin", "bc1", "0x")


def has_donation_means(b: str, low: str | None = None) -> bool:
    """Whether the block names a way to pay (``low``: ``b.lower()`` when the caller has it). The same answer for a
    block and for its whitespace-normalised form (``" ".join(b.split())``): the cues and forms hold no space, and
    ``\\s`` is what str.split splits on."""
    low = b.lower() if low is None else low
    if not any(c in low for c in MEANS_CUES) and max(map(len, b.split()), default=0) < 26:
        return False
    return DONATION_MEANS.search(b) is not None


MAX_DONATION_CHARS = 700  # appeals are a few sentences; a longer paragraph is article text


LANGUAGE_NAMES = re.compile(
    r"\b(?:English|Deutsch|Español|Français|Italiano|Português|Nederlands|Polski|Русский|Українська|Türkçe|"
    r"العربية|中文|日本語)(?!\w)")
MAX_LANGUAGE_MENU_CHARS = 200  # a language menu is a short list of language names


def _top_level(pattern: str) -> list[str]:
    """A pattern's top-level alternatives."""
    parts, depth, cur, esc, cls = [], 0, [], False, False
    for ch in pattern:
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif cls:
            cls = ch != "]"
        elif ch == "[":
            cls = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    return parts + ["".join(cur)]


# the patterns anchored at the block's start are tried in one match (each alternative its own group, so the
# first in list order that matches wins, as in the loop); the others are searched one by one
_ANCHORED = {i for i, (_k, p) in enumerate(COMMON) if all(a.startswith("^") for a in _top_level(p.pattern))}
ANCHORED_ALL = re.compile("|".join(f"(?P<p{i}>{COMMON[i][1].pattern})" for i in sorted(_ANCHORED)), re.I)
# the cue words of each unanchored pattern, keyed by the pattern itself: a cheap `in` test before the search
UNANCHORED_CUES = {e[1]: e[2] for e in _COMMON if len(e) > 2}
UNANCHORED = [(i, k, p, UNANCHORED_CUES.get(p.pattern)) for i, (k, p) in enumerate(COMMON) if i not in _ANCHORED]
assert all(cues for *_, cues in UNANCHORED), "a new unanchored pattern needs its cue words"


def common_kind(block: str, means: bool | None = None) -> str | None:
    """The kind of common furniture this block is, or None. Long article paragraphs never match. ``means``:
    :func:`has_donation_means` of the block when the caller has it."""
    if len(block) > MAX_FURNITURE_CHARS:
        return None
    b = " ".join(block.split())
    if len(b) <= MAX_LANGUAGE_MENU_CHARS and len(LANGUAGE_NAMES.findall(b)) >= 3:
        return "translate"  # "... in your language: Deutsch | English | Español", in any language
    m = ANCHORED_ALL.match(b)
    first = int(m.lastgroup[1:]) if m else len(COMMON)
    low = b.lower()
    for i, kind, pat, cues in UNANCHORED:
        if i > first:
            break
        for c in cues:
            if c in low:
                if pat.search(b):
                    return kind
                break
    if m:
        return COMMON[first][0]
    if len(b) <= MAX_DONATION_CHARS and (has_donation_means(b) if means is None else means) and DONATION_CALL.search(b):
        return "donation"
    return None


def learn(pages_blocks: list[list[str]]) -> dict[str, tuple[str, int]]:
    """From the block lists of one site's pages, the furniture: ``{block_hash: (text, pages)}``."""
    n = len(pages_blocks)
    counts: Counter[str] = Counter()
    text: dict[str, str] = {}
    for blocks in pages_blocks:
        seen = set()
        for b in blocks:
            if len(b) > MAX_FURNITURE_CHARS:
                continue
            h = block_hash(b)
            if h not in seen:
                seen.add(h)
                counts[h] += 1
                text.setdefault(h, b)
    need = max(MIN_PAGES, int(n * MIN_SHARE + 0.999)) if n > MIN_PAGES else MIN_PAGES
    return {h: (text[h], c) for h, c in counts.items() if c >= need}


def strip(blocks: list[str], furniture_hashes: set[str], lone: bool = False) -> list[str]:
    """The body from a page's blocks: the site's learned furniture out, and the common kinds; a page of a
    site with too few pages to learn from (``lone``) is stripped by :func:`lone_page_body`."""
    if lone:
        return lone_page_body([b for b in blocks if block_hash(b) not in furniture_hashes])
    return [b for b in blocks if block_hash(b) not in furniture_hashes and not common_kind(b)]


# -- lone pages: furniture news sites share, from a model fitted on other sites' pages -------------------------
LONE_MODEL = True  # off only to measure today's behaviour beside it (bench/lone_pages.py)
LONE_WIDGETS = True  # WordPress's post-footer widgets cut out of a block's text (widget_cut)
LONE_HINTS = True  # the markup cues of each block (block_hints) as model features
WORD = re.compile(r"\w+", re.U)
URL_IN_TEXT = re.compile(r"https?://|www\.|\b[\w\-]+\.(?:com|org|net|ca|info|news|example)\b", re.I)
TLD_DOT = re.compile(r"\.(?:com|org|net|ca|info|news|example)\b", re.I)  # a cheap first test for URL_IN_TEXT
HANDLE_IN_TEXT = re.compile(r"(?<![\w.])@\w{2,}")
EMAIL_IN_TEXT = re.compile(r"\b[\w.+\-]+@[\w\-]+\.[\w.\-]+|\[at\]|\(at\)", re.I)
ENDS_SENTENCE = ".!?…\"”»)"
LEN_BUCKETS = (30, 60, 100, 160, 250, 400, 700, 1200)
OPENING_WORDS = 4  # the first words of a block, as their own features: furniture opens with its call
BODY_WORDS = 15  # words read from a block: furniture is short; a long paragraph's rest adds nothing


# HINT_KEY, HINT_SHORT_KEY and HINT_DEPTH were set by hand (session 7), not fitted. Measured in session 9 on the
# fitting half (lone_pages.heldout() false; the tree block_hints reads, recorded at extraction): with 24 and 8,
# 68.8% of trafilatura-eval's blocks are found by the long key, 8.4% by the short one, 22.7% not at all (a block
# that starts inside a text node: lines of a <pre> or <br> text, table rows, numbered list items); reuse-dev 95.9%
# / 3.9% / 0.3%. A key of 16 or 40 finds as many (by either key 77.3%, beside 77.2% with 24, trafilatura-eval), and
# the element found holds the block's first 60 characters within 3 levels for 73.0-73.2% of all blocks: the key
# length is not what leaves blocks without cues. HINT_DEPTH was not varied.
HINT_KEY = 24        # a block is found in the page by its first characters
HINT_SHORT_KEY = 8   # ... or, failing that, by fewer
HINT_DEPTH = 4       # the block's element and this many ancestors give its markup cues
HINT_TOKEN = re.compile(r"[a-z]{3,}")
HINT_TAGS = frozenset({"li", "figcaption", "figure", "aside", "footer", "header", "nav", "form", "blockquote", "h1",
                       "h2", "h3", "h4", "h5", "h6", "td", "dd", "small", "address", "label", "button"})


def _locate(blocks: list[str], text_nodes: list) -> list:
    """The element holding each block's first text (None when its start is not found in the page)."""
    index: dict[str, object] = {}
    short: dict[str, object] = {}  # by the first few characters: a block opening with a <b>Label:</b> node
    for t in text_nodes:
        k = t.strip()
        index.setdefault(k[:HINT_KEY], t)
        short.setdefault(k[:HINT_SHORT_KEY], t)
    out = []
    for b in blocks:
        if b.startswith("- "):
            b = b[2:]  # trafilatura's list-item mark
        t = index.get(b[:HINT_KEY]) or short.get(b[:HINT_SHORT_KEY])
        el = t.getparent() if t is not None else None
        if el is not None and not t.is_text:
            el = el.getparent()  # a tail is text of the element around its element
        out.append(el)
    return out


def block_hints(blocks: list[str], text_nodes: list) -> list[list[str]]:
    """Markup cues of each block, read from the page the blocks came from: the tag of the element that holds
    the block's first text and, up to ``HINT_DEPTH`` ancestors, the words of their class and id attributes
    ("related", "teaser", "author", "bio", "caption", "comment", "newsletter") and a few telling ancestor tags
    (li, figcaption, aside, footer). Site templates name their boxes in English words whatever the page's
    language, so the cues carry across sites. ``text_nodes``: the page's non-blank text nodes in document order
    (:func:`..dom.text_nodes`); a block whose start is not found gets no cues."""
    els = _locate(blocks, text_nodes)
    out = []
    seen: dict = {}
    for el in els:
        hints: list[str] = []
        if el is not None and isinstance(el.tag, str):
            hints.append("tag:" + el.tag)
        level = 0
        while el is not None and level <= HINT_DEPTH:
            tag = el.tag if isinstance(el.tag, str) else ""
            if level and tag in HINT_TAGS:
                hints.append("in:" + tag)
            words = seen.get(el)  # blocks of one container share its ancestors
            if words is None:
                attrs = ((el.get("class") or "") + " " + (el.get("id") or "")).lower()
                words = seen[el] = ["cls:" + w for w in HINT_TOKEN.findall(attrs)]
            hints += words
            el = el.getparent()
            level += 1
        out.append(list(dict.fromkeys(hints)))
    return out


LEN_LABELS = [f"len:{k}" for k in LEN_BUCKETS] + ["len:more"]
_ASCII_UPPER, _ASCII_LOWER = bytes(range(65, 91)), bytes(range(97, 123))
_HIGH = bytes(range(128, 256))


def _caps(head: str) -> bool:
    """More than 0.6 of the letters of ``head`` are capitals (str.isupper over str.isalpha, as counted by a walk).
    Without the walk when the ASCII letters, counted in C on the UTF-8 bytes, already rule it out: capitals are at
    most the ASCII ones plus every other character (``other``), letters at least the ASCII ones, so with
    2 * upper + 5 * other < 3 * lower the capitals fall short of 0.6 of the letters by at least 0.2 of a letter."""
    hb = head.encode("utf-8", "surrogatepass")
    upper = len(hb) - len(hb.translate(None, _ASCII_UPPER))
    lower = len(hb) - len(hb.translate(None, _ASCII_LOWER))
    other = len(head) - len(hb.translate(None, _HIGH))   # characters that are not ASCII
    if 2 * upper + 5 * other < 3 * lower:
        return False
    letters = sum(map(str.isalpha, head))
    return bool(letters) and sum(map(str.isupper, head)) > 0.6 * letters


def block_features(blocks: list[str], hints: list[list[str]] | None = None,
                   kinds: list[str | None] | None = None) -> list[list[str]]:
    """Sparse features of each block of one page, for the lone-page model: its words and opening words, its
    position counted from the head and from the tail of the body, its length, shape cues, and (``hints``, from
    :func:`block_hints`) the markup it sat in. ``kinds``, when given, gets each block's :func:`common_kind`."""
    n = len(blocks)
    out = []
    for i, b in enumerate(blocks):
        low = b.lower()
        words = [m.group() for m in islice(WORD.finditer(low, 0, 600), BODY_WORDS)]
        f = ["w:" + w for w in words]
        f += [f"o{j}:{w}" for j, w in enumerate(words[:OPENING_WORDS])]
        if len(words) >= 2:
            f.append(f"o01:{words[0]}_{words[1]}")
        f.append(f"head:{i}" if i < 3 else f"tail:{n - 1 - i}" if n - 1 - i < 3 else "mid")
        f.append(f"rel:{min(4, int(5 * i / n))}")
        size = len(b)
        f.append(LEN_LABELS[bisect_right(LEN_BUCKETS, size)])
        if len(words) <= 12 and size:
            f.append("short")
        at = "@" in b
        if ("://" in b or "www." in low or TLD_DOT.search(b)) and URL_IN_TEXT.search(b):
            f.append("has:url")
        if at and HANDLE_IN_TEXT.search(b):
            f.append("has:handle")
        if (at or "(at)" in low or "[at]" in low) and EMAIL_IN_TEXT.search(b):
            f.append("has:email")
        means = has_donation_means(b, low)
        if means:
            f.append("has:payment")
        end = b.rstrip()
        if end.endswith(":"):
            f.append("ends:colon")
        if not end or end[-1] not in ENDS_SENTENCE:
            f.append("ends:noperiod")
        if _caps(b[:200]):
            f.append("caps")
        kind = common_kind(b, means)
        if kinds is not None:
            kinds.append(kind)
        if kind:
            f.append("kind:" + kind)
        if hints:
            f += hints[i]
        out.append(list(dict.fromkeys(f)))  # each feature once
    return out


_LONE = None


def _lone_model() -> dict:
    global _LONE
    if _LONE is None:
        import json
        from importlib import resources

        _LONE = json.loads(resources.files(__package__).joinpath("models/lone_furniture.json").read_text("utf-8"))
    return _LONE


def lone_scores(blocks: list[str], hints: list[list[str]] | None = None) -> list[tuple[float, bool]]:
    """Each block's furniture score from the model (above its threshold: furniture), and whether a
    common-kind pattern matches it."""
    m = _lone_model()
    w, b = m["weights"], m["bias"]
    kinds: list[str | None] = []
    feats = block_features(blocks, hints, kinds)
    return [(b + sum(map(w.get, fs, repeat(0.0))), kind is not None) for fs, kind in zip(feats, kinds)]


# an author box at the foot of the body: "Jane Roe is a reporter at X ...", "Max Muster ist Redakteur bei ..."
# (read on the fitting half of trafilatura-eval; only the last block, never mid-article prose)
TAIL_BIO = re.compile(
    r"(?-i:[A-ZÄÖÜÉ][\w.\-’']+(?: [A-ZÄÖÜÉ][\w.\-’']+){1,3}) (?:is|ist|es|est|jest) (?:the |a |an |der |die |ein |eine |"
    r"el |la |le |un |une )?(?:[\w\-]+ ){0,3}?(?:founder|co-founder|head|editor|reporter|correspondent|writer|journalist|"
    r"author|columnist|contributor|freelancer?|redakteur(?:in)?|autor(?:in)?|korrespondent(?:in)?|journalist(?:in)?|"
    r"chefredakteur(?:in)?|volontär(?:in)?|periodista|redactor(?:a)?|corresponsal|escritor(?:a)?|journaliste|"
    r"rédact(?:eur|rice)|dziennikar(?:z|ka)|redaktor(?:ka)?)\b", re.I)
TAIL_BIO_BLOCKS = 1
MAX_BIO_CHARS = 500


def tail_bio(blocks: list[str]) -> set[int]:
    """Indexes of the author boxes among the last blocks of a body."""
    n = len(blocks)
    return {i for i in range(max(1, n - TAIL_BIO_BLOCKS), n)
            if len(blocks[i]) <= MAX_BIO_CHARS and TAIL_BIO.match(blocks[i])}


# the same widgets run into a block's text where the page gave trafilatura one undivided block ("… the article's
# last sentence. Bewerten: Teilen Sie dies mit: Twitter Facebook E-Mail … Gefällt mir: Liken Lade … Veröffentlicht
# von …"): the sharing widget (its heading and one or more services), a rating heading before it, or the likes
# widget (its heading and its loading line); two services at least, so "Wir teilen mit: Facebook hat …" stays. WordPress appends them after the post, so what follows in the block
# is the post's footer (likes, related posts, author box), never its text.
_SHARE_LABEL = (r"(?:share this|teilen mit|teilen sie dies mit|compartir esto|partager(?: cette entrée)?|condividi|"
                r"compartilhe isso|udostępnij to|dit delen)\s*:")
_SERVICES = (r"(?:twitter|facebook|e-?mail|linkedin|pinterest|drucken|print|imprimir|imprimer|stampa|telegram|whatsapp|"
             r"reddit|tumblr|google\+?|pocket|skype|mehr|more|más|plus|altro|mais|więcej|meer|x)")
_LIKE_LABEL = r"(?:like this|gefällt mir|me gusta|j[’']aime|mi piace|curtir isso|vind ik leuk|lubię to)\s*:"
_LOADING = r"(?:loading|wird geladen|lade|cargando|chargement|caricamento|carregando|ładowanie|laden)\s*(?:…|\.\.\.)"
WIDGET_RUN = re.compile(
    r"(?<!\w)(?:(?:rate this|bewerten|califica esto|notez ceci|valuta|avalie isso|oceń)\s*:\s*)?"
    rf"(?:{_SHARE_LABEL}(?:\s+{_SERVICES}\b){{2,}}|{_LIKE_LABEL}\s+(?:\S+\s+){{0,3}}?{_LOADING})", re.I)
WIDGET_CUES = ("share this", "teilen", "compartir", "partager", "condividi", "compartilhe", "udostępnij", "dit delen",
               "like this", "gefällt mir", "me gusta", "aime", "mi piace", "curtir", "vind ik leuk", "lubię")


def widget_cut(block: str) -> str:
    """The block without a run of WordPress's post-footer widgets and everything after it ("" when the run opens
    the block)."""
    low = block.lower()
    if not any(c in low for c in WIDGET_CUES):
        return block
    m = WIDGET_RUN.search(block)
    return block if m is None else block[:m.start()].rstrip()


def lone_page_body(blocks: list[str], hints: list[list[str]] | None = None) -> list[str]:
    """The body of a page seen alone (no sibling pages of its site): its blocks without the furniture news
    sites share — the common kinds, and the blocks the lone-page model (fitted on other sites' pages; see
    models/lone_furniture.json ``fitted_on``) scores above its threshold. A pure function of the blocks,
    called by extraction and by the store's relearning for sites with fewer than ``MIN_PAGES`` pages."""
    if not LONE_MODEL:
        return [b for b in blocks if not common_kind(b)]
    t = _lone_model()["threshold"]
    bio = tail_bio(blocks)
    kept = [b for i, (b, (score, common)) in enumerate(zip(blocks, lone_scores(blocks, hints)))
            if score <= t and not common and i not in bio]
    return [c for c in map(widget_cut, kept) if c] if LONE_WIDGETS else kept
