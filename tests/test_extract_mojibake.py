"""Mojibake (UTF-8 decoded as cp1252/Latin-1/cp1251 upstream) is repaired at extraction for every input;
clean text comes back unchanged; the repair is recorded on the article."""
import json

import pytest

from newstrace.extract.article import extract
from newstrace.extract.mojibake import repair
from newstrace.read import read_path
from newstrace.records import Article

CLEAN = ("There’s no doubt we’re late — the council’s “final” budget, voted on 3 June, cuts the café grants. "
         "Der Bürgermeister sagte: „Wir müssen sparen.“ Москва — столица России. Ελληνικά κείμενα.")
PARAS = [
    "The harbour board has raised mooring fees by a tenth for the coming season — its first rise in six years, "
    "citing repairs to the north quay and the cost of dredging the channel that’s silted up since the storm.",
    "Fishermen say they’re already squeezed: “We can’t pay more,” said one skipper, whose boat has worked the "
    "bay for forty years. The board’s chair said the fees are still lower than at the neighbouring ports.",
]


def _garble_1252(s: str) -> str:
    return _sloppy_1252(s)


def _sloppy_1252(s: str) -> str:
    import ftfy.bad_codecs  # noqa: F401 - registers "sloppy-windows-1252" (cp1252 as browsers decode it)

    return s.encode("utf-8").decode("sloppy-windows-1252")


@pytest.mark.parametrize("garble", [
    lambda s: s.encode("utf-8").decode("latin-1"),  # UTF-8 read as ISO-8859-1
    _sloppy_1252,  # UTF-8 read as windows-1252
    lambda s: _sloppy_1252(_sloppy_1252(s)),  # twice
])
def test_repair_gives_back_the_original(garble):
    fixed, rec = repair(garble(PARAS[0]))
    assert fixed == PARAS[0] and rec and rec["repaired"]


def test_cp1251_cyrillic_is_repaired():
    ru = "Москва — столица России, «цитата» из доклада."
    fixed, rec = repair(ru.encode("utf-8").decode("cp1251"))
    assert fixed == ru and rec


def test_clean_text_is_unchanged():
    fixed, rec = repair(CLEAN)
    assert fixed == CLEAN and rec is None


def test_html_page_is_repaired_and_recorded(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    html = f"<html><head><title>Harbour fees rise</title></head><body><article><h1>Harbour fees rise</h1>{body}" \
           "</article></body></html>"
    f = tmp_path / "page.html"
    # the bytes of an export that was decoded as cp1252 and written back as UTF-8
    f.write_bytes(_garble_1252(html).encode("utf-8"))
    [page] = list(read_path(str(f), url="https://harbour.example/fees"))
    art = extract(page)
    assert isinstance(art, Article)
    assert "â€" not in art.body and "that’s silted" in art.body and "“We can’t pay more,”" in art.body
    assert art.extra["mojibake"]["repaired"] and art.extra["mojibake"]["steps"]


def test_jsonl_text_and_fields_are_repaired(tmp_path):
    f = tmp_path / "export.jsonl"
    rec = {"url": "https://harbour.example/fees", "title": _garble_1252("Harbour fees rise — again"),
           "text": _garble_1252("\n\n".join(PARAS))}
    f.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    [page] = list(read_path(str(f)))
    art = extract(page)
    assert isinstance(art, Article)
    assert art.title == "Harbour fees rise — again"
    assert art.body == "\n\n".join(PARAS)
    assert art.extra["mojibake"]["repaired"]


def test_markdown_dump_is_repaired(tmp_path):
    f = tmp_path / "dump.md"
    f.write_text(_garble_1252("# Harbour fees rise\n\n" + "\n\n".join(PARAS)), encoding="utf-8")
    [page] = list(read_path(str(f), url="https://harbour.example/fees"))
    art = extract(page)
    assert art.body == "\n\n".join(PARAS) and art.extra["mojibake"]["repaired"]


def test_clean_page_has_no_repair_record(tmp_path):
    f = tmp_path / "dump.md"
    f.write_text("# Harbour fees rise\n\n" + "\n\n".join(PARAS), encoding="utf-8")
    [page] = list(read_path(str(f), url="https://harbour.example/fees"))
    art = extract(page)
    assert art.body == "\n\n".join(PARAS) and "mojibake" not in art.extra


def test_bytes_first_test_finds_every_spot_the_character_test_finds():
    """The first spot found through the UTF-8 bytes is SUSPECT's first match, on random text made of leads,
    continuation characters of both charsets, Cyrillic, CJK and ASCII (and on the garbled samples)."""
    import random

    from newstrace.extract import mojibake as M

    alphabet = ("aZ <>\n" "ÂÃâäéöüßôõÿÀÁ" "РСрсДЖ" "\x80\x9d\xa0\xa9«»°" "ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›€™\ufffd"
                "ЂЃѓЉЊЌЋЏђљњќћџЎўЈҐЁЄЇІіґёєјЅѕї№" "中文\U0001f600")
    rng = random.Random(10)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(20000)]
    texts += [s.encode("utf-8").decode("cp1252", "replace") for s in ("thereʼs – “quoted” Été", "Größe", "Привет")]
    for t in texts:
        m = M.SUSPECT.search(t)
        assert M._first_spot(t, None) == (m.start() if m else -1), repr(t)
        assert M._first_spot(t, t.encode("utf-8", "surrogatepass")) == (m.start() if m else -1)
