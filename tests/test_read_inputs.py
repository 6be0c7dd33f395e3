"""Readers and decoding: charset fallbacks, binary/empty/deep-nesting quarantine, JSONL with a bad line."""
import codecs
from pathlib import Path

from newstrace.extract.article import extract
from newstrace.read import read_path
from newstrace.read.charset import decode_bytes, sniff_binary
from newstrace.records import Article, Page, Problem

FIX = Path(__file__).parent / "fixtures" / "extract"

PARAS = ("<p>Die Bürgerinitiative aus Köln hat am Dienstag ihre Unterschriften übergeben, mehr als genug für "
         "einen Bürgerentscheid über die Zukunft des alten Güterbahnhofs im Süden der Stadt.</p>"
         "<p>Die Stadtverwaltung prüft nun, ob alle Unterschriften gültig sind; das Ergebnis soll "
         "in drei Wochen vorliegen, danach entscheidet der Rat über den Termin.</p>")


def _html(charset_decl: str) -> str:
    return (f'<html><head><meta charset="{charset_decl}"><title>Bürgerentscheid in Köln</title></head>'
            f"<body><article><h1>Bürgerentscheid in Köln</h1>{PARAS}</article></body></html>")


def _extract(raw: bytes, **kw):
    return extract(Page(source="t.html", url="https://koeln-blatt.example/a/1", raw=raw, **kw))


def test_latin1_declared_utf8_comes_out_right():
    raw = _html("utf-8").encode("latin-1")
    text, enc = decode_bytes(raw, "utf-8")
    assert enc in ("cp1252", "windows-1252") and "Bürgerinitiative" in text
    art = _extract(raw, content_type="text/html; charset=UTF-8")
    assert isinstance(art, Article)
    assert "Bürgerinitiative aus Köln" in art.body
    assert "\ufffd" not in art.body


def test_cp1252_curly_quotes_declared_utf8():
    raw = ("<html><head><meta charset='utf-8'></head><body><article><p>" + "\u201cWe will not give up,\u201d "
           "the chair of the tenants\u2019 association said after the vote on the rents in the eastern blocks. " * 3
           + "</p></article></body></html>").encode("cp1252")
    text, _ = decode_bytes(raw, "utf-8")
    assert "\u201cWe will not give up,\u201d" in text


def test_utf16_bom_page():
    raw = codecs.BOM_UTF16_LE + _html("utf-8").encode("utf-16-le")
    assert sniff_binary(raw) is None
    art = _extract(raw)
    assert isinstance(art, Article)
    assert "Güterbahnhofs" in art.body


def test_bom_wins_over_meta():
    raw = codecs.BOM_UTF8 + _html("iso-8859-1").encode("utf-8")
    text, enc = decode_bytes(raw, None)
    assert enc == "utf-8" and "Köln" in text


def test_binary_empty_and_zero_bytes_are_quarantined():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    noise = bytes((i * 7919 + 13) % 256 for i in range(16384))
    cases = {
        "png": png,
        "noise": noise,
        "zero": b"",
        "empty-body": b"<html><head><title>x</title></head><body>   </body></html>",
        "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    }
    reasons = {}
    for name, raw in cases.items():
        res = _extract(raw)
        assert isinstance(res, Problem), name
        reasons[name] = res.reason
    assert reasons["png"] == "binary" and reasons["noise"] == "binary" and reasons["pdf"] == "binary"
    assert reasons["zero"] == "empty-file"
    assert reasons["empty-body"] == "empty-body"
    cut = _extract(b"<html><head><title>Cut off in the head</title><meta name='description' content='x")
    assert isinstance(cut, Problem) and cut.reason == "no-body"


def test_deep_nesting_is_quarantined_not_a_crash():
    raw = ("<html><body>" + "<div>" * 10000 + "<p>deep text</p>" + "</div>" * 10000 + "</body></html>").encode()
    res = _extract(raw)
    assert isinstance(res, Problem)
    assert res.reason == "nesting-too-deep"


def test_truncated_html_still_ingested():
    raw = ("<html><head><title>Cut</title></head><body><article><h1>Cut</h1>" + PARAS
           + "<p>Der letzte Absatz bricht mitten im Satz ab, weil die Datei abgeschnitten").encode()
    art = _extract(raw)
    assert isinstance(art, Article)
    assert "bricht mitten im Satz ab" in art.body


def test_jsonl_with_a_non_json_line():
    recs = list(read_path(str(FIX / "export.jsonl")))
    assert [type(r).__name__ for r in recs] == ["Page", "Problem", "Page"]
    assert recs[1].reason == "bad-json" and recs[1].source.endswith(":2")
    first, second = extract(recs[0]), extract(recs[2])
    assert isinstance(first, Article) and isinstance(second, Article)
    # given fields win over extracted ones
    assert first.byline == "Given Author" and first.published == "2021-05-01"
    assert first.title == "First story"
    assert second.byline == "Ana Silva" and second.title == "Second story"
    assert second.site == "jsonl-site.example"


def _warc_record(url: str, html: bytes) -> bytes:
    import hashlib
    import base64

    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    digest = "sha1:" + base64.b32encode(hashlib.sha1(html).digest()).decode()
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2022-01-20T00:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{hashlib.md5(url.encode()).hexdigest()}>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nWARC-Payload-Digest: {digest}\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def test_warc_with_a_cut_gzip_member(tmp_path):
    import gzip

    page = ("<html><head><title>Kept</title></head><body><article><h1>Kept</h1>" + PARAS
            + "</article></body></html>").encode()
    first = gzip.compress(_warc_record("https://warc-site.example/a", page))
    second = gzip.compress(_warc_record("https://warc-site.example/b", page.replace(b"Kept", b"Lost")))
    f = tmp_path / "cut.warc.gz"
    f.write_bytes(first + second[: len(second) // 2])
    recs = list(read_path(str(f)))
    pages = [r for r in recs if isinstance(r, Page)]
    problems = [r for r in recs if isinstance(r, Problem)]
    assert [p.url for p in pages] == ["https://warc-site.example/a"]
    assert problems and all(p.reason for p in problems)
    art = extract(pages[0])
    assert isinstance(art, Article) and "Bürgerinitiative" in art.body and art.fetched_at.startswith("2022-01-20")


def test_corrupt_gzip_html_is_a_problem(tmp_path):
    import gzip

    f = tmp_path / "page.html.gz"
    f.write_bytes(gzip.compress(_html("utf-8").encode())[:-20])
    [rec] = list(read_path(str(f)))
    assert isinstance(rec, Problem) and rec.reason == "corrupt-gzip"
