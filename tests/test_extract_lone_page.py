"""A page seen alone (no sibling pages of its site): the furniture news sites share leaves its body by the
shipped lone-page model; per-site learning still decides when the site has siblings."""
import json
from importlib import resources
from pathlib import Path

from newstrace.extract import furniture as fm
from newstrace.extract.article import extract
from newstrace.pipeline import ingest
from newstrace.read import read_path
from newstrace.records import Article
from newstrace.store import Store

FIX = Path(__file__).parent / "fixtures" / "extract"
ARTICLE = [
    "The council of the three harbour towns met on Tuesday to weigh the cost of a new sea wall, after a winter in "
    "which the old one was breached twice and the lower streets flooded for days.",
    "Engineers put the cost at forty million, a sum the towns cannot raise alone; the regional government has "
    "offered half if the towns agree on one plan before the autumn.",
    "Residents of the lower streets said they had waited long enough. \"Every storm we move the furniture "
    "upstairs,\" said one shopkeeper, whose shop has flooded four times in ten years.",
]


def test_model_is_shipped_and_says_what_it_was_fitted_on():
    m = json.loads(resources.files("newstrace.extract").joinpath("models/lone_furniture.json").read_text("utf-8"))
    assert "reuse-dev" in m["fitted_on"] and "trafilatura-eval" in m["fitted_on"] and m["weights"]


def test_lone_text_page_loses_the_republishers_furniture():
    [page] = list(read_path(str(FIX / "lone_republished.txt"), url="https://pacific-ledger.example/2021/06/sea-wall"))
    art = extract(page)
    assert isinstance(art, Article)
    assert art.body.split("\n\n") == ARTICLE
    # the unstripped paragraphs are kept
    assert any(b.startswith("All Pacific Ledger articles can be read") for b in art.blocks)


def test_model_off_is_todays_behaviour():
    # "Advertisement" matches no common-kind pattern: only the model removes it
    blocks = ARTICLE[:2] + ["Advertisement", "Become a Member of Pacific Ledger"] + ARTICLE[2:]
    fm.LONE_MODEL = False
    try:
        assert fm.lone_page_body(blocks) == [b for b in blocks if not fm.common_kind(b)] == \
            ARTICLE[:2] + ["Advertisement"] + ARTICLE[2:]
    finally:
        fm.LONE_MODEL = True
    assert fm.lone_page_body(blocks) == ARTICLE


def test_store_of_one_page_keeps_the_extracted_body(tmp_path):
    """bench/lone_pages.py calls extract() per page instead of one store per page: the same body."""
    src = FIX / "lone_republished.txt"
    [page] = list(read_path(str(src), url="https://pacific-ledger.example/2021/06/sea-wall"))
    art = extract(page)
    db = tmp_path / "one.db"
    ingest([str(src)], db=str(db), url="https://pacific-ledger.example/2021/06/sea-wall", workers=1, link=False)
    with Store(str(db)) as st:
        [(body,)] = st.conn.execute("SELECT body FROM articles").fetchall()
    assert body == art.body


def test_per_site_learning_wins_with_siblings(tmp_path):
    """A block the lone-page model would drop stays when the site has siblings and does not repeat it."""
    pages = []
    lines = []
    for i in range(4):
        text = "\n\n".join([f"Harbour story {i}", ARTICLE[i % 3], "Advertisement" if i == 0 else
                            f"A paragraph only page {i} has, about the ferry timetable and the new quay lights."])
        lines.append(json.dumps({"url": f"https://pacific-ledger.example/a/{i}", "text": text}))
    f = tmp_path / "site.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "site.db"
    ingest([str(f)], db=str(db), workers=1, link=False)
    with Store(str(db)) as st:
        bodies = dict(st.conn.execute("SELECT url, body FROM articles").fetchall())
    assert "Advertisement" in bodies["https://pacific-ledger.example/a/0"]
    # alone, the same page loses it
    page = list(read_path(str(f)))[0]
    assert page.url.endswith("/a/0") and "Advertisement" not in extract(page).body


def test_text_cut_keeps_the_furniture_out_of_the_body(monkeypatch):
    """A page cut at the text limit keeps its furniture out of the body (it used to be the cut blocks)."""
    from newstrace import pipeline

    [page] = list(read_path(str(FIX / "lone_republished.txt"), url="https://pacific-ledger.example/2021/06/sea-wall"))
    art = extract(page)
    assert any(b.startswith("All Pacific Ledger articles can be read") for b in art.blocks)
    limit = sum(len(b) + 2 for b in art.blocks[:art.blocks.index(ARTICLE[1]) + 1])
    monkeypatch.setattr(pipeline, "MAX_TEXT_CHARS", limit)
    cut = pipeline._cut_text(page, art)
    assert cut is not None and cut.reason == "text-cut"
    assert art.body.split("\n\n") == ARTICLE[:2]
    assert any(b.startswith("All Pacific Ledger articles can be read") for b in art.blocks)


def test_block_hints_read_the_markup_each_block_sat_in():
    """The lone-page model's markup cues: the tag holding a block's first text and its ancestors' class/id words;
    a list item's "- " mark and a bold label opening the block still find it; text not on the page gets none."""
    import lxml.html

    from newstrace.extract import dom

    tree = lxml.html.document_fromstring(
        "<html><body><article class='post-content'><p>The harbour board met on Tuesday to vote on the sea wall.</p>"
        "<p><strong>Contact:</strong> harbour board office, Quay Street</p></article>"
        "<aside id='related-posts'><ul><li><a href='/x'>Ferry timetable changes for the winter season</a></li>"
        "</ul></aside></body></html>")
    blocks = ["The harbour board met on Tuesday to vote on the sea wall.",
              "Contact: harbour board office, Quay Street",
              "- Ferry timetable changes for the winter season",
              "A sentence the page does not hold at all."]
    hints = fm.block_hints(blocks, dom.text_nodes(tree))
    assert hints[0][0] == "tag:p" and {"cls:post", "cls:content"} <= set(hints[0])
    assert hints[1][0] == "tag:strong" and "cls:content" in hints[1]
    assert hints[2][0] == "tag:a" and {"in:li", "cls:related", "cls:posts"} <= set(hints[2])
    assert "cls:post" not in hints[2]
    assert hints[3] == []
    # the features carry them; without hints (a text page) they are absent
    assert "cls:related" in fm.block_features(blocks, hints)[2]
    assert not any(f.startswith(("cls:", "tag:", "in:")) for f in fm.block_features(blocks)[2])



def test_cross_validation_scores_each_fold_with_a_model_that_did_not_see_it():
    """bench/fit_lone_furniture.py --cv: a block told from article text only by a word is removed out of fold
    when the other fold's pages teach that word, and kept when the word occurs in its own fold only."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    import fit_lone_furniture as fl

    def pages(word_of_fold):
        out = []
        for i in range(60):
            key = f"https://example.org/{i}"
            art = [f"Paragraph {j} tells how three towns weighed the cost of a sea wall." for j in range(5)]
            # an article's sentence with one more word, anywhere on the page: only that word tells it apart
            word = word_of_fold[fl.fold(key)]
            furn = f"Paragraph {i % 5} tells how three towns weighed the cost {word} of a sea wall."
            item = {"set": "trafilatura-eval", "key": key, "with": art, "without": [furn]}
            out.append((item, {"blocks": art[:i % 6] + [furn] + art[i % 6:], "hints": None}))
        return out

    same = pages({0: "zzalpha", 1: "zzalpha"})
    assert {fl.fold(it["key"]) for it, _ in same} == {0, 1}
    kept, total, _, with_total = fl.cross_validate({"trafilatura-eval": same}, [0.0])[0.0]
    assert (kept, total, with_total) == (0, 60, 300)
    kept, total, _, _ = fl.cross_validate({"trafilatura-eval": pages({0: "zzalpha", 1: "zzbeta"})}, [0.0])[0.0]
    assert total == 60 and kept > 45  # (taught by the other fold, none is kept: the first case)
