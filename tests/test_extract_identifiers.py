"""Identifiers by kind, from markup and text; crypto checksums; obfuscated e-mails; prose mentions."""
from pathlib import Path

from newstrace.extract import identifiers as idm
from newstrace.extract.article import extract
from newstrace.records import Article, Page

FIX = Path(__file__).parent / "fixtures" / "extract"


def _pairs(idents):
    return {(i["kind"], i["value"]) for i in idents}


def test_fixture_page_identifiers_by_kind():
    raw = (FIX / "identifiers.html").read_bytes()
    art = extract(Page(source="identifiers.html", url="https://quill-post.example/news/budget", raw=raw))
    assert isinstance(art, Article)
    got = _pairs(art.identifiers)
    for want in [
        ("analytics", "G-QP12AB34CD"), ("analytics", "UA-1234567-2"), ("gtm", "GTM-QP9XK2"),
        ("adsense", "ca-pub-1234567890123456"), ("paypal", "quillpostfund"), ("patreon", "quillpost"),
        ("instagram", "quillpost_news"), ("twitter", "QuillPostNews"), ("telegram", "quillpost_channel"),
        ("facebook", "quillpostpage"), ("crypto", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        ("crypto", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("crypto", "0x52908400098527886E0F7030069857D2E4169EE7"),
        ("email", "newsdesk@quill-post.example"), ("disqus", "quillpost-ex"),
    ]:
        assert want in got, want
    # a base58 string with a broken checksum is not an address
    assert ("crypto", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") not in got
    # share links are not accounts
    assert ("twitter", "intent") not in got
    # a reporter's handle mentioned only in the article prose is not the site's identifier
    assert not any(v.lower() == "inesvarga_reports" for _, v in got)


def test_crypto_checksums():
    assert idm._crypto_ok("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    assert not idm._crypto_ok("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")
    assert idm._crypto_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    assert not idm._crypto_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr")


def test_obfuscated_and_paypal_emails():
    got = _pairs(idm.find_identifiers("Contact: tips [at] north-star [dot] example. "
                                      "Donate via PayPal: give@north-star.example. Mail give@north-star.example"))
    assert ("email", "tips@north-star.example") in got
    # an address given as the PayPal account is not also listed as a contact e-mail
    assert ("paypal", "give@north-star.example") in got
    assert ("email", "give@north-star.example") not in got


def test_body_mentions_dropped_only_when_nowhere_else():
    idents = [{"kind": "twitter", "value": "janedoe", "where": "text"},
              {"kind": "twitter", "value": "ownsite", "where": "text"},
              {"kind": "crypto", "value": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "where": "text"}]
    page = "<p>Follow Jane on Twitter @janedoe.</p><footer>Twitter @ownsite</footer> @ownsite 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    body = "Follow Jane on Twitter @janedoe. Twitter @ownsite 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    kept = {i["value"] for i in idm.drop_body_mentions(idents, page, body)}
    assert kept == {"ownsite", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}


def test_more_account_kinds_and_lookalikes():
    got = _pairs(idm.find_identifiers(
        '<a href="https://ko-fi.com/lanternfund">Ko-fi</a> <a href="https://www.buymeacoffee.com/lantern">coffee</a> '
        '<a href="https://vk.com/lanterngazette">VK</a> <a href="https://www.youtube.com/@lanterngazette">YouTube</a> '
        '<a href="https://gab.com/lanterngazette">Gab</a> <a href="https://www.fox.com/shows/">Fox</a> '
        '<a href="https://x.com/lanterngz">X</a> <a href="https://twitter.com/share?u=1">share</a>'))
    for want in [("kofi", "lanternfund"), ("buymeacoffee", "lantern"), ("vk", "lanterngazette"),
                 ("youtube", "lanterngazette"), ("gab", "lanterngazette"), ("twitter", "lanterngz")]:
        assert want in got, want
    assert not any(k == "twitter" and v.lower() in ("shows", "share") for k, v in got)


def test_legacy_bitcoin_address_needs_a_cue():
    addr = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    assert ("crypto", addr) in _pairs(idm.find_identifiers(f"Bitcoin: {addr}"))
    assert ("crypto", addr) not in _pairs(idm.find_identifiers(f"session token {addr} expired"))


def test_ascii_lower_finds_what_str_lower_finds():
    """Lower-casing only ASCII letters (through the UTF-8 bytes) leaves every ASCII string the identifier search
    and the prose-mention check look for where str.lower leaves it, and the identifiers are the same; the two
    characters str.lower treats otherwise (İ, the Kelvin sign) get str.lower."""
    import random

    alphabet = "aAbBkKtTcC.@/[]() :-_0123456789ÄäÉéΣσЖж\u0130\u212a\u017f\u0131"
    rng = random.Random(10)
    needles = (".com/", ".me/", "btc", "bitcoin", "wallet", "[at]", "(at)", " dot ", "[dot]", "(dot)", ".disqus.com")
    for _ in range(5000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        t += rng.choice(["", " BTC ", " Bitcoin", " WALLET ", "X.COM/Name", "Instagram.com/Someone", "j [AT] x DOT org"])
        low = idm.ascii_lower(t)
        assert len(low) == len(t) or low == t.lower()
        if len(t.lower()) == len(t):
            for n in needles:
                assert idm._positions(low, n) == idm._positions(t.lower(), n)
        assert idm.find_identifiers(t, None, low) == idm.find_identifiers(t, None, t.lower())
    assert idm.ascii_lower("FOLLOW \u212a") == "follow \u212a".lower()


def test_every_account_host_is_read_from_its_ending():
    """Each host of the URL patterns is found through HOSTS_BY_END (letter before the dot, ".com/" or ".me/")."""
    for key in idm.HOST_READERS:
        name, _, end = key[:-1].rpartition(".")
        assert key in [h for h, _ in idm.HOSTS_BY_END[(name[-1], "." + end + "/")]]
    page = " ".join(f'<a href="https://www.{k.upper()}{"c/" if "youtube" in k else ""}someone_{i}">x</a>'
                    for i, k in enumerate(idm.HOST_READERS))
    kinds = {i["kind"] for i in idm.find_identifiers(page)}
    assert kinds == {k for k, _ in idm.URL_PATTERNS if k != "disqus"}
