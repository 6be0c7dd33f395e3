"""Plain-text / Markdown page dumps: metadata lines, links, bare media links, credits."""
from pathlib import Path

from newstrace.extract.article import extract
from newstrace.read import read_path
from newstrace.records import Article

FIX = Path(__file__).parent / "fixtures" / "extract"


def test_markdown_dump():
    [page] = list(read_path(str(FIX / "dump.md"), url="https://valley-wire.example/2021/03/wind-farm"))
    art = extract(page)
    assert isinstance(art, Article)
    assert art.title == "Wind farm plan splits the valley"
    assert art.byline == "Tomas Ekberg"
    assert art.region == "Europe" and art.theme == "Energy"
    assert art.published == "2021-03-03"
    assert art.site == "valley-wire.example"
    # [anchor](url) becomes an outlink and plain anchor text in the body
    assert {"href": "https://county.example/reports/energy-2021.pdf", "text": "county energy report",
            "in_body": True} in art.outlinks
    assert "county energy report which says" in art.body
    assert "](" not in art.body
    # a bare .mp4 link in the text is media
    assert {"type": "video", "url": "https://media.valley-wire.example/clips/ridge-flyover.mp4"} in art.media
    # the credit line leaves the body, with its link
    assert [(c["form"], c["name"], c["url"]) for c in art.credits] == [
        ("source", "Mountain Courier", "https://mountain-courier.example/wind-farm-ridge")]
    assert "Region:" not in art.body and "By Tomas" not in art.body and "Source:" not in art.body
    assert len(art.body.split("\n\n")) == 3


def test_markdown_emphasis_is_not_text(tmp_path):
    f = tmp_path / "note.md"
    f.write_text("Harbour fees rise\n\n*By Ana Silva*\n\n**Update:** the harbour board has raised mooring fees by "
                 "a tenth for the coming season, its _first_ rise in six years, citing repairs to the north quay "
                 "and the cost of dredging the channel.\n", encoding="utf-8")
    [page] = list(read_path(str(f), url="https://harbour-news.example/fees"))
    art = extract(page)
    assert art.byline == "Ana Silva"
    assert art.body.startswith("Update: the harbour board")
    assert "*" not in art.body and " first rise" in art.body
