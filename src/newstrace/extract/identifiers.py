"""Identifiers on a page, by kind: donation accounts, crypto addresses, social handles, e-mails,
analytics and ad ids. Found in markup (hrefs, scripts, attributes) and in the visible text.

Kinds: paypal, patreon, buymeacoffee, kofi, crypto, instagram, facebook, twitter, telegram, vk,
youtube, gab, email, analytics, gtm, adsense, disqus.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

HANDLE = r"([A-Za-z0-9_.\-]{2,64})"
URL_PATTERNS: list[tuple[str, re.Pattern]] = [(k, re.compile(p, re.I)) for k, p in [
    ("paypal", r"paypal\.me/" + HANDLE),
    ("paypal", r"paypal\.com/paypalme/" + HANDLE),
    ("patreon", r"patreon\.com/(?:c/|join/)?" + HANDLE),
    ("buymeacoffee", r"buymeacoffee\.com/" + HANDLE),
    ("kofi", r"ko-fi\.com/" + HANDLE),
    ("instagram", r"instagram\.com/" + HANDLE),
    ("facebook", r"facebook\.com/(?!sharer|share|dialog|plugins|tr\b|profile\.php)" + HANDLE),
    ("twitter", r"(?:twitter|x)\.com/(?!intent|share|home|search|hashtag)" + HANDLE),
    ("telegram", r"(?:t\.me|telegram\.me)/(?!share)" + HANDLE),
    ("vk", r"vk\.com/(?!share)" + HANDLE),
    ("youtube", r"youtube\.com/(?:c/|channel/|user/|@)" + HANDLE),
    ("gab", r"gab\.com/" + HANDLE),
    ("disqus", r"//" + r"([a-z0-9\-]{2,64})" + r"\.disqus\.com/(?:embed|count)\.js"),
]]
# the host names (lower case; found followed by "/") each URL pattern reads
URL_PROBES = [("paypal.me",), ("paypal.com/paypalme",), ("patreon.com",), ("buymeacoffee.com",), ("ko-fi.com",),
              ("instagram.com",), ("facebook.com",), ("twitter.com", "x.com"), ("t.me", "telegram.me"), ("vk.com",),
              ("youtube.com",), ("gab.com",), ()]  # disqus is read by DISQUS
DISQUS = re.compile(r"//([a-z0-9\-]{2,64})\.disqus\.com/(?:embed|count)\.js", re.I)
TEXT_PATTERNS: list[tuple[str, re.Pattern]] = [(k, re.compile(p)) for k, p in [
    # literal first so the regex engine can jump to candidates; the word boundary before the match
    # is checked in code (``_starts_word``)
    ("analytics", r"(UA-\d{4,10}-\d{1,4})\b"),
    ("analytics", r"(G-[A-Z0-9]{8,12})\b"),
    ("gtm", r"(GTM-[A-Z0-9]{4,9})\b"),
    ("adsense", r"(ca-pub-\d{10,20})\b"),
    ("crypto", r"(bc1[ac-hj-np-z02-9]{11,71})\b"),
    ("crypto", r"(0x[a-fA-F0-9]{40})\b"),
]]
TEXT_PROBES = ["UA-", "G-", "GTM-", "ca-pub-", "bc1", "0x"]  # case-sensitive, as the patterns
DOT_SLASH = re.compile(r"\.(?:com|me)/")
HOST_READERS: dict[str, list[tuple[str, re.Pattern]]] = {}
for (_kind, _pat), _probe in zip(URL_PATTERNS, URL_PROBES):
    for _host in _probe:
        _key = "paypal.com/" if _host == "paypal.com/paypalme" else _host + "/"
        HOST_READERS.setdefault(_key, []).append((_kind, _pat))
# the same hosts keyed by the letter before their ".com/" / ".me/" and that ending: a ".com/" found in the page is
# checked against the one or two hosts that can end there, not all fourteen
HOSTS_BY_END: dict[tuple[str, str], list[tuple[str, list[tuple[str, re.Pattern]]]]] = {}
for _key, _readers in HOST_READERS.items():
    _name, _dot, _end = _key[:-1].rpartition(".")
    HOSTS_BY_END.setdefault((_name[-1], "." + _end + "/"), []).append((_key, _readers))
# the characters whose str.lower() is not one character or is ASCII while they are not: without them, lower-casing
# only the ASCII letters (bytes.lower) leaves every ASCII needle where str.lower would
LOWER_ODD = ("\u0130", "\u212a")


def ascii_lower(text: str, utf8: bytes | None = None) -> str:
    """``text.lower()`` as far as the searches for ASCII strings here and in :func:`drop_body_mentions` can tell:
    ASCII letters lower-cased (through the UTF-8 bytes, ``utf8`` when the caller has them), every other character
    as it is, same length. A page holding one of the two characters str.lower treats otherwise gets str.lower."""
    if text.isascii():
        return text.lower()
    if any(c in text for c in LOWER_ODD):
        return text.lower()
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    return utf8.lower().decode("utf-8", "surrogatepass")
# legacy (base58) Bitcoin addresses look like any long token, so they are read only in the few hundred
# characters after a "BTC" / "bitcoin" / "wallet" mention (and must pass the checksum)
BASE58_ADDRESS = re.compile(r"[13](?<![0-9A-Za-z][13])[a-km-zA-HJ-NP-Z1-9]{25,34}\b")
BASE58_CUES = ("btc", "bitcoin", "wallet")
BASE58_WINDOW = 300
# "Twitter @handle", "Instagram: @handle": found from the "@" backwards (one cheap scan of the page)
AT_HANDLE = re.compile(r"(?<![A-Za-z0-9_.%+\-])@([A-Za-z0-9_.]{2,40})")
HANDLE_NETWORK = re.compile(r"\b(Instagram|Twitter|X|Telegram|Gab|VK|Facebook)\s*:?\s*$", re.I)
# the platform named a few words before the handle, in the same text: "follow us on Instagram at @name",
# "find me on Telegram — @name"; ("X" only right before the handle: as a word it is too common)
HANDLE_NETWORK_NEAR = re.compile(r"\b(Instagram|Twitter|Telegram|Gab|VK|Facebook|TikTok|Threads|Gettr|Truth Social|"
                                 r"Parler|Rumble|Odysee)\b[^@<>\n.!?;]{0,30}$", re.I)
HANDLE_WINDOW = 48
# the page speaks of its own account: "follow us", "find us on", "our Instagram" (not "our reporter ... @jane")
SELF_CUE = re.compile(r"\b(?:follow|join|find|visit|contact|reach)\s+us\b|\bour\s+(?:instagram|twitter|telegram|facebook|"
                      r"tiktok|channel|account|page)\b", re.I)
DOMAIN_PART = r"([A-Za-z0-9\-]{1,63}(?:(?:\.|\s*\[dot\]\s*|\s*\(dot\)\s*|\s+dot\s+)[A-Za-z0-9\-]{1,63})+)\b"
# plain addresses: a match starts only where a run of address characters starts (no rescans inside a word)
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]{1,64})@" + DOMAIN_PART)
# obfuscated: "user [at] domain [dot] example", "user (at) domain (dot) example", "user at domain dot example"
EMAIL_OBFUSCATED = re.compile(
    r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]{1,64})\s*(?:\[at\]|\(at\)|\s+at\s+(?=[a-z0-9\-]+\s+(?:dot|\[dot\])))\s*"
    + DOMAIN_PART, re.I)


def _starts_word(text: str, i: int) -> bool:
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


def _positions(text: str, ch: str) -> list[int]:
    out, i = [], text.find(ch)
    while i != -1:
        out.append(i)
        i = text.find(ch, i + 1)
    return out


EMAIL_WINDOW = 64 + 1  # an address's user part is at most 64 characters before its "@"


# the characters around an "at"/"dot" that make it an obfuscation spot: "[at]", "(at)", " dot ", "[dot]", "(dot)"
AT_AROUND = ("[]", "()")
DOT_AROUND = (" " + " ", "[]", "()")


def _obfuscation_spots(low: str) -> list[int]:
    """The sorted starts of "[at]", "(at)", " dot ", "[dot]" and "(dot)" in ``low``: three scans, for "at]", "at)"
    and "dot" (each spot is the character before one of them), instead of five."""
    spots = set()
    for needle, around in (("at]", AT_AROUND), ("at)", AT_AROUND), ("dot", DOT_AROUND)):
        k = len(needle) if needle == "dot" else 2
        for q in _positions(low, needle):
            if q and low[q - 1] + low[q + k:q + k + 1] in around:
                spots.add(q - 1)
    return sorted(spots)


def _emails(text: str, low: str, ats: list[int]):
    """Plain addresses around each "@"; obfuscated ones around each "[at]"/"(at)"/" at x dot"."""
    last_end = -1
    n = len(text)
    for i in ats:
        if i < last_end or i == 0 or i + 1 >= n:
            continue
        before, after = text[i - 1], text[i + 1]
        if not (before.isalnum() or before in "._%+-") or not after.isalnum():
            continue  # "@media", "@2x", " @ "
        for m in EMAIL.finditer(text, max(0, i - EMAIL_WINDOW), i + 300):
            if m.start() <= i < m.end():
                last_end = m.end()
                yield m
                break
    if len(low) != len(text):
        yield from EMAIL_OBFUSCATED.finditer(text)
        return
    spots = _obfuscation_spots(low)
    last_end = -1
    for p in spots:
        if p < last_end:
            continue
        for m in EMAIL_OBFUSCATED.finditer(text, max(0, p - EMAIL_WINDOW - 70), p + 300):
            if m.start() <= p < m.end():
                last_end = m.end()
                yield m
                break
# kinds an article may mention about someone else (a reporter's handle or e-mail)
MENTION_KINDS = {"instagram", "twitter", "facebook", "telegram", "vk", "youtube", "gab", "email", "tiktok", "threads",
                 "gettr", "truthsocial", "parler", "rumble", "odysee"}
LD_JSON = re.compile(r"<script[^>]+application/ld\+json[^>]*>.*?</script>", re.I | re.S)
PAYPAL_CONTEXT = re.compile(r"paypal", re.I)
SKIP_HANDLES = {"share", "sharer", "intent", "home", "login", "signup", "about", "privacy", "terms", "p", "watch",
                "embed", "plugins", "pages", "groups", "hashtag", "search", "i", "status", "wp-content", "help"}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _b58_ok(addr: str) -> bool:
    n = 0
    for ch in addr:
        if ch not in B58:
            return False
        n = n * 58 + B58.index(ch)
    raw = n.to_bytes(25, "big") if n.bit_length() <= 200 else b""
    return len(raw) == 25 and hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


def _bech32_ok(addr: str) -> bool:
    addr = addr.lower()
    hrp, _, data = addr.rpartition("1")
    if hrp != "bc" or len(data) < 6 or any(c not in BECH32 for c in data):
        return False
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp] + [BECH32.index(c) for c in data]:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk in (1, 0x2BC830A3)


def _crypto_ok(v: str) -> bool:
    if v.lower().startswith("bc1"):
        return _bech32_ok(v)
    if v.startswith("0x"):
        return True
    return _b58_ok(v)


def find_identifiers(html_text: str, tree=None, low: str | None = None) -> list[dict[str, Any]]:
    """All identifiers in the page source (markup, scripts and text), deduplicated by (kind, value). ``low``:
    ``html_text.lower()`` when the caller has it (extraction shares it with :func:`drop_body_mentions`)."""
    found: dict[tuple[str, str], str] = {}

    def add(kind: str, value: str, where: str):
        value = value.strip().strip(".")
        if not value:
            return
        if kind in ("instagram", "twitter", "telegram", "facebook", "vk", "gab", "patreon", "youtube", "tiktok",
                    "threads", "gettr", "truthsocial", "parler", "rumble", "odysee",
                    "buymeacoffee", "kofi", "paypal", "disqus"):
            if value.lower() in SKIP_HANDLES:
                return
            value = value.lstrip("@")
            if kind != "paypal":
                value = value.lower() if kind in ("instagram", "telegram", "disqus", "tiktok", "threads") else value
        found.setdefault((kind, value), where)

    low = html_text.lower() if low is None else low
    # account hosts found with str.find (fast) in the lower-cased page; each hit is read by its own
    # pattern at that spot. Lower-casing can change the length of some non-ASCII text: then regexes.
    same_len = len(low) == len(html_text)
    if same_len:
        # every ".com/" and ".me/" once, then which account host ends there
        for d in DOT_SLASH.finditer(low):
            end, start = d.end(), d.start()
            if start == 0:
                continue
            for host, readers in HOSTS_BY_END.get((low[start - 1], d.group()), ()):
                i = end - len(host)
                if i < 0 or not low.startswith(host, i):
                    continue
                if host == "x.com/" and i > 0 and (low[i - 1].isalnum() or low[i - 1] in "-."):
                    continue  # "fox.com/", "box.com/" are not x.com
                for kind, pat in readers:
                    m = pat.match(html_text, i)
                    if m:
                        add(kind, m.group(1), "link")
    else:
        for (kind, pat), probe in zip(URL_PATTERNS, URL_PROBES):
            for m in pat.finditer(html_text) if probe else ():
                if not (m.group(0)[:2].lower() == "x." and not _starts_word(html_text, m.start())):
                    add(kind, m.group(1), "link")
    if ".disqus.com" in low:
        for m in DISQUS.finditer(html_text):
            add("disqus", m.group(1), "link")
    for (kind, pat), probe in zip(TEXT_PATTERNS, TEXT_PROBES):
        j = html_text.find(probe)  # (every match starts with its probe: the pattern reads on from the first)
        if j < 0:
            continue
        for m in pat.finditer(html_text, j):
            if not _starts_word(html_text, m.start()):
                continue
            v = m.group(1)
            if kind == "crypto" and not _crypto_ok(v):
                continue
            add(kind, v, "text")
    if same_len:
        cues = sorted(i for c in BASE58_CUES for i in _positions(low, c))
        seen_end = -1
        for i in cues:
            start = max(i, seen_end)
            for m in BASE58_ADDRESS.finditer(html_text, start, i + BASE58_WINDOW):
                if _b58_ok(m.group(0)):
                    add("crypto", m.group(0), "text")
            seen_end = i + BASE58_WINDOW
    else:
        for m in BASE58_ADDRESS.finditer(html_text):
            if _b58_ok(m.group(0)):
                add("crypto", m.group(0), "text")
    ats = _positions(html_text, "@")
    for i in ats:
        if i > 0 and (html_text[i - 1].isalnum() or html_text[i - 1] in "_.%+-"):
            continue
        m = AT_HANDLE.match(html_text, i)
        if not m:
            continue
        net = HANDLE_NETWORK.search(html_text, max(0, i - 16), i) or \
            HANDLE_NETWORK_NEAR.search(html_text, max(0, i - HANDLE_WINDOW), i)
        if net:
            kind = {"x": "twitter", "truth social": "truthsocial"}.get(net.group(1).lower(), net.group(1).lower())
            before = re.split(r"[.!?\n<>]", html_text[max(0, i - HANDLE_WINDOW - 16):i])[-1]  # this sentence
            add(kind, m.group(1), "text-self" if SELF_CUE.search(before) else "text")
    for m in _emails(html_text, low, ats):
        user, dom = m.group(1), m.group(2)
        dom = re.sub(r"\s*(?:\[dot\]|\(dot\)|\bdot\b)\s*", ".", dom).strip(".").lower()
        if "." not in dom or dom.split(".")[-1].isdigit() or dom.endswith((".png", ".jpg", ".gif", ".svg", ".webp", ".js", ".css")):
            continue
        email = f"{user}@{dom}".lower()
        ctx = html_text[max(0, m.start() - 80): m.start()]
        add("paypal" if PAYPAL_CONTEXT.search(ctx) else "email", email, "text")
    # an address given as the PayPal account is not also a contact e-mail
    paypal = {v.lower() for (k, v) in found if k == "paypal"}
    for key in [key for key in found if key[0] == "email" and key[1].lower() in paypal]:
        del found[key]
    return [{"kind": k, "value": v, "where": w} for (k, v), w in sorted(found.items())]


def drop_body_mentions(idents: list[dict[str, Any]], page_text: str, body_text: str,
                       low_page: str | None = None) -> list[dict[str, Any]]:
    """Identifiers that occur only inside the article's prose ("Follow Jane on Twitter @jane", a quoted
    reporter's e-mail) name someone the article talks about, not the page's owner: drop those whose
    every occurrence in the page source is accounted for by occurrences in the body text."""
    low_body = body_text.lower()
    if not body_text or not any(i["kind"] in MENTION_KINDS and i["value"].lower() in low_body for i in idents):
        return idents
    # JSON-LD repeats the article text (articleBody, description): not another occurrence
    if "ld+json" in page_text:
        low_page = LD_JSON.sub(" ", page_text).lower()
    elif low_page is None:   # (``low_page``: ``page_text.lower()`` when the caller has it)
        low_page = page_text.lower()
    out = []
    for i in idents:
        v = i["value"].lower()
        if i["kind"] not in MENTION_KINDS or i.get("where") == "text-self":
            # ad/analytics ids and donation accounts are the page's own, never prose mentions; so is a
            # handle the page gives as its own ("follow us on Instagram at @name"), even inside the body
            out.append(i)
            continue
        in_body = low_body.count(v)
        if in_body and low_page.count(v) <= in_body:
            continue
        out.append(i)
    return out
