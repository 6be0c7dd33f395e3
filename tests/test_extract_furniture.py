"""Site furniture: common kinds on a single page; blocks learned across a site's pages and removed."""
import sqlite3
from pathlib import Path

import pytest

import newstrace
from newstrace.extract import furniture as fm
from newstrace.extract import layout

FIX = Path(__file__).parent / "fixtures" / "extract"


@pytest.mark.parametrize("block, kind", [
    ("Read this article in your language English · Français · Deutsch", "translate"),
    ("Note to readers: please click the share buttons above. Forward this article to your email lists.", "note"),
    ("We do not accept advertising or corporate money. Please help keep independent media independent. "
     "Donate via PayPal: give@north-star.example.", "donation"),
    ("Can you spare a few dollars? Become a patron: patreon.com/northstar. BTC: "
     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "donation"),
    ("Disclaimer: The contents of this article are of sole responsibility of the author(s).", "disclaimer"),
    ("Fair use notice: This site contains copyrighted material the use of which has not always been authorized.",
     "fairuse"),
    ("We use cookies to ensure that we give you the best experience on our website.", "cookie"),
    ("Comments are moderated and will be published after review.", "comments"),
    ("READ ALSO: Council votes on the budget", "related"),
    ("Filed under: Politics, Europe", "label"),
    # the same kinds in other languages
    ("Lesen Sie diesen Artikel in Ihrer Sprache: Deutsch | English | Español", "translate"),
    ("Lea este artículo en su idioma: Español | English | Deutsch", "translate"),
    ("Unterstützen Sie uns auf patreon.com/nordlicht oder spendieren Sie uns einen Kaffee auf ko-fi.com/nordlicht.",
     "donation"),
    ("Suscríbase al boletín semanal: cada domingo, las historias más importantes de Europa.", "newsletter"),
    ("Subscribe to the Harbour weekly letter: every Sunday, the stories that mattered.", "newsletter"),
    # pointers, headings, notices and calls as sites print them in German, Spanish, Polish ...
    ("Lesen Sie auch: Stadtrat beschließt neuen Haushalt", "related"),
    ("TE PUEDE INTERESAR: El concejo aprueba el presupuesto", "related"),
    ("Noticias relacionadas", "related"),
    ("Weitere Nachrichten", "related"),
    ("Jetzt zum Newsletter anmelden und nichts verpassen", "newsletter"),
    ("Sie müssen angemeldet sein, um einen Kommentar zu schreiben.", "comments"),
    ("Teilen mit: Facebook, X, WhatsApp", "share"),
    ("Schlagwörter: Haushalt, Stadtrat", "label"),
    ("Zuletzt aktualisiert am 03.02.2022.", "date"),
    ("| 4. März 2019", "date"),
    ("März 2019", "date"),
    ("Anzeige: Jetzt Tickets sichern", "advert"),
    ("Hazte socio y apoya el periodismo local", "donation"),
    ("Periodismo sin miedo. Cancela cuando quieras.", "donation"),
    ("Folgen Sie uns auf Instagram und Facebook", "social"),
    ("Materiał chroniony prawem autorskim.", "copyright"),
    ("Der Stadtrat tagte bis in die Nacht, die Opposition verließ den Saal. [weiterlesen]", "related"),
    ("This article contains affiliate links: we may earn a commission when you buy through them.", "disclosure"),
    # session 12: a line that is only a phone number, a figure caption, an agency sign-off, a join-our-channel call
    ("Telefon: +49 - (40) - 300 30 - 1141", "contact"),
    ("Tel.: 030 / 1234 567", "contact"),
    ("Abbildung 4: klassische Schwachschicht im Schneeprofil.", "caption"),
    ("Figure 2. Turnout by district, 2019-2022", "caption"),
    ("aja/PAP", "credit"),
    ("(mb/dpa)", "credit"),
    ("¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular en este enlace.", "social"),
    # session 13: WordPress's post-footer widgets as separate blocks, and its themes' author box
    ("Like this:", "share"),
    ("Gefällt mir: Gefällt mir Wird geladen …", "share"),
    ("Like Loading...", "share"),
    ("Me gusta Cargando...", "share"),
    ("Bewerten:", "share"),
    ("Ähnliche Beiträge", "related"),
    ("Related", "related"),
    ("Published by Jane Roe View all posts by Jane Roe", "about"),
    ("Veröffentlicht von Cem Basman Life is not digital. Zeige alle Beiträge von Cem Basman", "about"),
])
def test_common_kinds_on_any_page(block, kind):
    assert fm.common_kind(block) == kind


@pytest.mark.parametrize("block", [
    "The charity said donations had fallen by a third since the spring, and it would cut its opening hours.",
    "Related to the budget row, the mayor also announced a review of parking charges in the old town.",
    "Readers who follow us on social media will have seen the pictures of the flood on Sunday morning.",
    "When it was done, John Doe had sent the money through PayPal to an account he did not recognise.",
    "Werbung ist für die Verlage die wichtigste Einnahme, sagte der Sprecher.",
    "Mehr dazu sagte der Minister – wie immer – nichts.",
    "Weitere Themen der Sitzung waren die Finanzen und der Verkehr.",
    "Im März 2019 hatte der Rat den Plan noch abgelehnt.",
    "Telefon und Internet fielen am Dienstag in 300 Haushalten aus, teilte der Anbieter mit.",
    "Figure skating returns to the city rink on 12 March after two years.",
    "The ministry said its YouTube channel had been hacked; it asked viewers not to join any live stream.",
    "Die dpa berichtete zuerst über den Fall.",
])
def test_article_prose_is_not_furniture(block):
    assert fm.common_kind(block) is None


def test_learn_needs_repetition_across_pages():
    pages = [["appeal text", f"story {i}"] for i in range(4)]
    learned = fm.learn(pages)
    texts = {t for t, _ in learned.values()}
    assert texts == {"appeal text"}
    assert fm.learn(pages[:2]) == {}  # fewer than MIN_PAGES pages prove nothing


def test_site_furniture_learned_over_three_pages_and_stripped(tmp_path):
    db = str(tmp_path / "f.db")
    newstrace.ingest([str(FIX / "lantern")], db=db, workers=1, link=False)
    con = sqlite3.connect(db)
    furniture = [r[0] for r in con.execute("SELECT text FROM furniture WHERE site='lantern-gazette.example'")]
    assert any(t.startswith("The Lantern Gazette is written by volunteers") for t in furniture)
    bodies = [r for r in con.execute("SELECT body, raw_body FROM articles")]
    assert len(bodies) == 3
    for body, raw in bodies:
        assert "written by volunteers" not in body
        assert "Note to readers" not in body  # common kind, gone even before learning
        assert "written by volunteers" in raw  # the unstripped text is kept
        assert len(body.split("\n\n")) == 2


def test_layout_table_and_double_breaks_become_paragraphs():
    import lxml.html

    html = ("<html><body><table><tr><td><a href='/'>Home</a><br><a href='/x'>X</a><div>menu</div></td>"
            "<td><div class='story'>First paragraph of the story.<br><br>Second paragraph, "
            "<b>bold</b> part.<br>same paragraph<br><br>Third.</div></td></tr></table></body></html>")
    tree = lxml.html.document_fromstring(html)
    counts = layout.normalise(tree)
    assert counts["layout_tables"] == 1 and counts["break_paragraphs"] >= 1
    assert tree.find(".//table") is None
    paras = [" ".join(p.text_content().split()) for p in tree.iter("p")]
    assert paras == ["First paragraph of the story.", "Second paragraph, bold part.same paragraph", "Third."]


def test_data_table_is_left_alone():
    import lxml.html

    tree = lxml.html.document_fromstring(
        "<html><body><table><tr><td>Team</td><td>Points</td></tr><tr><td>North</td><td>12</td></tr></table></body></html>")
    assert layout.unwrap_layout_tables(tree) == 0
    assert tree.find(".//table") is not None


def test_author_box_at_the_foot_of_a_lone_page_goes_not_the_same_words_mid_article():
    prose = ["The council met on Tuesday to weigh the cost of a new sea wall after a winter of floods. " * 2,
             "Jane Roe is a former reporter who now runs the harbour museum, and she told the council it was late."]
    for bio in ("Jane Roe is a staff reporter at the Harbour Gazette, covering the coast and its towns.",
                "Max Muster ist Redakteur bei der Hafenzeitung und schreibt über die Küste."):
        assert fm.tail_bio(prose + [bio]) == {2}
        body = fm.lone_page_body(prose + [bio])
        assert bio not in body and prose[1] in body
    # a name + "is a ... reporter" in the article's own prose stays, unless it is the body's last block
    assert fm.tail_bio(prose + [prose[0]]) == set()


def test_donation_means_given_to_common_kind_is_what_it_would_find():
    """block_features reads has_donation_means once and hands it to common_kind, which reads the block with its
    whitespace normalised: the same answer on blocks with runs of spaces, tabs, line breaks and no-break spaces
    around payment forms, and the same kind."""
    import random

    from newstrace.extract import furniture as fm

    parts = ["Please donate", "via PayPal", "paypal.me/someone", "BTC", ":", "bitcoin :", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
             "0x" + "ab" * 20, "support us", "Patreon.com/x", "ko-fi.com/y", "eth\n:", "word", "Thanks!", "Spenden Sie"]
    spaces = [" ", "  ", "\t", "\n", "\xa0", "\u2003"]
    rng = random.Random(10)
    for _ in range(3000):
        b = "".join(rng.choice(parts) + rng.choice(spaces) for _ in range(rng.randint(1, 8)))
        means = fm.has_donation_means(b)
        assert means == fm.has_donation_means(" ".join(b.split())) == fm.has_donation_means(b, b.lower())
        assert fm.common_kind(b, means) == fm.common_kind(b)


def test_caps_bound_answers_as_the_walk():
    """_caps's shortcut on ASCII counts gives the walk's answer (str.isupper > 0.6 of str.isalpha), also with
    capitals that are no letters (Roman numerals, circled letters), accents, CJK and digits."""
    import random

    from newstrace.extract import furniture as fm

    alphabet = "aaaabcxyzAAABCXYZ  .,1ÄäÉéßΣσЖжⅠⅡⒶⓐ中ǅ\u0130"
    rng = random.Random(10)
    for _ in range(20000):
        head = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        letters = sum(map(str.isalpha, head))
        assert fm._caps(head) == bool(letters and sum(map(str.isupper, head)) > 0.6 * letters), repr(head)
    assert fm._caps("BREAKING NEWS: A B") and not fm._caps("Breaking news from the coast")


def test_wordpress_widget_run_is_cut_out_of_an_undivided_block_on_a_lone_page():
    """A page whose text trafilatura returns as one block keeps its article text and loses the sharing / likes /
    rating widgets WordPress prints after the post, with the post footer that follows them."""
    article = ("Ich würde ja in smarte und wirtschaftliche Elektro-Zapfsäulen investieren. Wundere mich, dass es sie "
               "noch nicht mit Service gibt.")
    footer = (" Bewerten: Teilen Sie dies mit: Twitter Facebook E-Mail LinkedIn Drucken WhatsApp Gefällt mir: Liken "
              "Lade … Veröffentlicht von Cem Basman Zeige alle Beiträge von Cem Basman")
    assert fm.widget_cut(article + footer) == article
    assert fm.lone_page_body([article + footer]) == [article]
    likes = "Fotostrecke Teilen mit: Facebook Google Gefällt mir: Gefällt mir Wird geladen... Related Posts"
    assert fm.widget_cut("Walter: PENTAX Z-1. " + likes) == "Walter: PENTAX Z-1. Fotostrecke"
    assert fm.widget_cut("Like this: Like Loading...") == ""
    # prose that says "teilen mit:" or names one service is left whole, as is a block with no widget
    for prose in ("Die Behörden teilen mit: Facebook hat die Seite gesperrt.", "Sie teilen mit: Facebook, Google, X.",
                  "Wir teilen mit: Die Stadt baut eine neue Brücke.", article):
        assert fm.widget_cut(prose) == prose
        assert fm.lone_page_body([prose]) == [prose]
    fm.LONE_WIDGETS = False
    try:
        assert fm.lone_page_body([article + footer]) == [article + footer]
    finally:
        fm.LONE_WIDGETS = True
