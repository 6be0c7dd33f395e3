"""Mojibake: real news texts in several languages garbled the ways it happens in practice, repaired by
newstrace's extraction (ftfy, ``newstrace.extract.mojibake``), beside today's behaviour (stored as read).

Texts: ``../shared/data/parallel-news/wmt-newstest-2008-2015-sgm`` (en, fr, de, cs, es, ru, hu, it, fi, hi:
real articles from WMT news test sets) and ``wmt21-newstest2021`` (ja), the first ``--per-lang`` documents of
each language (paragraphs as the data gives them).

Garbles (each the bytes of the UTF-8 text decoded with the wrong charset, as exports and old scrapes do):
- ``cp1252``: decoded as windows-1252 the way browsers and most tools do (undefined bytes kept as C1
  characters) — "thereâ€™s";
- ``latin-1``: decoded as ISO-8859-1 (C1 control characters in the text);
- ``cp1252, lossy``: Python's ``decode("cp1252", errors="replace")``: the bytes cp1252 leaves undefined
  (0x81, 0x8D, 0x8F, 0x90, 0x9D) are lost as U+FFFD, so e.g. a closing ``”`` cannot come back;
- ``cp1252 twice``: a garbled export garbled again;
- ``cp1251`` (ru only): UTF-8 read as windows-1251 (as browsers decode it) — "РњРѕСЃРєРІР°";
- ``some paragraphs``: every other paragraph garbled (a file assembled from two sources).

Scores: the share of garbled texts repaired exactly (equal to the original, character for character) and
the share with no mojibake left (no more sequences that ``mojibake.SUSPECT`` flags than the original has;
the lossy garble's lost characters stay lost, shown as U+FFFD), for newstrace and for today's
code (no repair: the garbled text as stored); and the share of the clean originals that came back changed.
Then copies: every clean text on one site and its ``cp1252`` garbled version on another, both ingested
as JSONL text pages into one store and traced (no translation stage): how many of the clean/garbled
pairs are found as copies, with the repair and without it (``mojibake.ENABLED = False`` = today's code),
in the same run.

    .venv/bin/python bench/mojibake.py [--per-lang 30] [--limit N] [--no-copies]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import SHARED, progress, table  # noqa: E402

SETS = [("parallel-news/wmt-newstest-2008-2015-sgm/docs.jsonl", ("en", "fr", "de", "cs", "es", "ru", "hu", "it",
                                                                  "fi", "hi")),
        ("parallel-news/wmt21-newstest2021/docs.jsonl", ("ja",))]


def load_texts(per_lang: int, limit: int | None) -> list[tuple[str, str, str]]:
    """[(doc key, language, text)]: real paragraphs joined by blank lines."""
    out = []
    for rel, langs in SETS:
        p = SHARED / rel
        if not p.exists():
            continue
        seen: dict[str, int] = {}
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                lang = r.get("lang")
                if lang not in langs or seen.get(lang, 0) >= per_lang:
                    continue
                paras = [" ".join(x.split()) for x in (r.get("text") or "").split("\n\n") if x.strip()]
                text = "\n\n".join(paras)
                if len(text) < 400 or text.isascii():
                    continue
                seen[lang] = seen.get(lang, 0) + 1
                out.append((f"{rel.split('/')[1]}:{r['doc_id']}:{lang}", lang, text))
    return out[:limit] if limit else out


def _sloppy(s: str) -> str:
    import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252

    return s.encode("utf-8").decode("sloppy-windows-1252")


def garbles(lang: str) -> dict:
    g = {
        "cp1252": _sloppy,
        "latin-1": lambda s: s.encode("utf-8").decode("latin-1"),
        "cp1252, lossy": lambda s: s.encode("utf-8").decode("cp1252", errors="replace"),
        "cp1252 twice": lambda s: _sloppy(_sloppy(s)),
        "some paragraphs": lambda s: "\n\n".join(_sloppy(p) if i % 2 == 0 else p for i, p in enumerate(s.split("\n\n"))),
    }
    if lang == "ru":
        g["cp1251"] = lambda s: s.encode("utf-8").decode("sloppy-windows-1251")
    return g


def score_repair(texts) -> list[list]:
    from newstrace.extract.mojibake import SUSPECT, repair

    def clean_of_mojibake(t: str, original: str) -> bool:  # no more suspect sequences than the original has
        return len(SUSPECT.findall(t)) <= len(SUSPECT.findall(original))

    rows: dict[str, list[int]] = {}
    for _, lang, text in texts:
        for name, fn in garbles(lang).items():
            bad = fn(text)
            if bad == text:
                continue
            fixed, _rec = repair(bad)
            r = rows.setdefault(name, [0, 0, 0, 0, 0])
            r[0] += 1
            r[1] += fixed == text
            r[2] += clean_of_mojibake(fixed, text)
            r[3] += bad == text  # today's code stores the garbled text: never equal
            r[4] += clean_of_mojibake(bad, text)
    out = []
    total = [0, 0, 0, 0, 0]
    for name, r in rows.items():
        total = [a + b for a, b in zip(total, r)]
        out.append([name, r[0], f"{r[1] / r[0]:.3f}", f"{r[3] / r[0]:.3f}", f"{r[2] / r[0]:.3f}", f"{r[4] / r[0]:.3f}"])
    out.append(["**all garbled texts**", total[0], f"**{total[1] / total[0]:.3f}**", f"{total[3] / total[0]:.3f}",
                f"{total[2] / total[0]:.3f}", f"{total[4] / total[0]:.3f}"])
    clean_changed = sum(repair(t)[0] != t for _, _, t in texts)
    out.append(["clean originals (must not change)", len(texts), f"unchanged {1 - clean_changed / len(texts):.3f}",
                "unchanged 1.000", "", ""])
    return out


def copies_found(texts, enabled: bool, tmp: str) -> tuple[int, int]:
    """(clean/garbled pairs linked as copies, pairs) with the repair on or off."""
    from newstrace.extract import mojibake
    from newstrace.pipeline import ingest
    from newstrace.store import Store
    from newstrace.trace import trace_all

    src = os.path.join(tmp, f"pages-{int(enabled)}.jsonl")
    with open(src, "w", encoding="utf-8") as fh:
        for i, (key, _lang, text) in enumerate(texts):
            title = text.split("\n\n")[0][:80]
            fh.write(json.dumps({"url": f"https://clean-wire.example/a/{i}", "title": title, "text": text,
                                 "published": "2021-06-01"}, ensure_ascii=False) + "\n")
            fh.write(json.dumps({"url": f"https://garbled-mirror.example/a/{i}", "title": _sloppy(title),
                                 "text": _sloppy(text), "published": "2021-06-02"}, ensure_ascii=False) + "\n")
    db = os.path.join(tmp, f"copies-{int(enabled)}.db")
    mojibake.ENABLED = enabled
    try:
        ingest([src], db=db, link=False, workers=1)
        st = Store(db)
        trace_all(st, rebuild=True, translate=False)
        url = dict(st.conn.execute("SELECT page_id, url FROM articles").fetchall())
        # a pair is found when the garbled page i is linked with the clean page i, either direction
        pairs = {frozenset((url[a], url[b])) for a, b in st.conn.execute("SELECT copy_id, source_id FROM copies")}
        st.close()
    finally:
        mojibake.ENABLED = True
    found = sum(frozenset((f"https://clean-wire.example/a/{i}", f"https://garbled-mirror.example/a/{i}")) in pairs
                for i in range(len(texts)))
    return found, len(texts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-lang", type=int, default=30, help="documents per language (default %(default)s)")
    ap.add_argument("--limit", type=int, help="only the first N documents in all")
    ap.add_argument("--no-copies", action="store_true", help="skip the copy-finding part (ingest + trace)")
    args = ap.parse_args(argv)
    texts = load_texts(args.per_lang, args.limit)
    if not texts:
        print(f"skipped: no parallel-news texts under {SHARED} (set NEWSTRACE_SHARED_DATA to its folder)")
        return 0
    langs = sorted({lang for _, lang, _ in texts})
    progress(f"mojibake: {len(texts)} texts in {len(langs)} languages ...")
    print(table(["garble", "texts", "newstrace: repaired exactly", "today: stored as read, equal",
                 "newstrace: no mojibake left", "today: no mojibake left"], score_repair(texts),
                title=f"Mojibake repair, {len(texts)} real news texts ({', '.join(langs)})"))
    if args.no_copies:
        return 0
    os.environ.setdefault("NEWSTRACE_NO_TRANSLATE", "1")
    with tempfile.TemporaryDirectory(prefix="newstrace-moji-") as tmp:
        rows = []
        for label, enabled in (("today's code (no repair)", False), ("newstrace (ftfy repair)", True)):
            progress(f"mojibake: copies, {label} ...")
            found, n = copies_found(texts, enabled, tmp)
            rows.append([label, n, found, f"{found / n:.3f}"])
    print()
    print(table(["system", "clean/garbled pairs", "found as copies", "share"], rows,
                title="Copies found between each clean text and its cp1252-garbled version (ingest + trace, same run)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
