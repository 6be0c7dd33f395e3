"""Mojibake repair: UTF-8 text that was decoded with the wrong single-byte charset ("thereâ€™s",
"Ã©tÃ©", "Р В Р С•") is put back with ftfy, for every input (HTML, WARC, JSONL, text/Markdown).

ftfy's own test for bad text reads every character (tens of ms on a whole page), so a cheap regular
expression first finds the spots that can be mojibake at all: a character that a UTF-8 lead byte
becomes in cp1252/Latin-1 (``Ã``, ``â``, ``Ð``...) or in cp1251 (``Р``, ``С``), followed by one that a
continuation byte becomes. Only the lines holding such a spot go to ftfy, which decides (it leaves
"Ãœber" in a French sentence alone when the whole line does not re-decode as UTF-8 text that reads
better). Clean text never reaches ftfy's fixers, so it comes back unchanged, character for character.

ftfy is configured to fix the encoding only: no quote uncurling, no width or ligature folding, no
Unicode normalisation, no HTML unescaping, so the only changes are the repaired sequences.
"""
from __future__ import annotations

import re
from typing import Any

# a UTF-8 lead byte (0xC2-0xF4) as cp1252/Latin-1 shows it, then a continuation byte (0x80-0xBF) as
# cp1252 (its letters and punctuation for 0x80-0x9F), Latin-1 (C1 controls) or a lossy "?"/U+FFFD show it
_CONT_1252 = "\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a" \
             "\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\ufffd"
# the same continuation bytes as cp1251 shows them (Cyrillic pages read as windows-1251)
_CONT_1251 = "\u0402\u0403\u201a\u0453\u201e\u2026\u2020\u2021\u20ac\u2030\u0409\u2039\u040a\u040c\u040b\u040f" \
             "\u0452\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u2122\u0459\u203a\u045a\u045c\u045b\u045f\xa0" \
             "\u040e\u045e\u0408\xa4\u0490\xa6\xa7\u0401\xa9\u0404\xab\xac\xad\xae\u0407\xb0\xb1\u0406\u0456" \
             "\u0491\xb5\xb6\xb7\u0451\u2116\u0454\xbb\u0458\u0405\u0455\u0457"
SUSPECT = re.compile(f"[\xc2-\xf4][{_CONT_1252}]|[\u0420\u0421][{_CONT_1251}]")
# the same test in two cheaper steps (the alternation above costs ~25 ns a character on a whole page): is
# there a lead character at all, then a lead followed by any continuation (one class, a lookahead), checked
# against its own charset in code
_LEAD_CONT = re.compile(f"[\xc2-\xf4\u0420\u0421](?=[{_CONT_1252}{_CONT_1251}])")
_SET_1252, _SET_1251 = re.compile(f"[{_CONT_1252}]"), re.compile(f"[{_CONT_1251}]")


# the first test, on the page's UTF-8 bytes (which the parse needs anyway): what SUSPECT matches, as UTF-8 — a lead
# U+00C2-U+00F4 is C3 82-B4, Р/С are D0 A0/A1, and every continuation character of _CONT_1252 begins with one of
# C2 C5 C6 CB E2 EF, of _CONT_1251 with one of C2 D0 D1 D2 E2. It finds every spot SUSPECT finds (and a few more:
# "Ã" before any character beginning with those bytes), in one scan at bytes speed: a character class over the
# decoded text costs ~9 ns a character on a whole page, these literal-led patterns a fraction of that
_BYTES_1252 = re.compile(rb"\xc3[\x82-\xb4][\xc2\xc5\xc6\xcb\xe2\xef]")
_BYTES_1251 = re.compile(rb"\xd0[\xa0\xa1][\xc2\xd0\xd1\xd2\xe2]")


def _first_spot(text: str, utf8: bytes | None) -> int:
    """Where the first spot SUSPECT finds starts in ``text`` (-1 when none): the bytes test first; a page it
    passes is not read again."""
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    hits = [m.start() for m in (_BYTES_1252.search(utf8), _BYTES_1251.search(utf8)) if m]
    if not hits:
        return -1
    # no spot starts before the first byte hit: read on from its character
    return _suspect(text, len(utf8[:min(hits)].decode("utf-8", "surrogatepass")))


def _suspect(text: str, pos: int = 0) -> int:
    """Where the next spot that can be mojibake starts (what :data:`SUSPECT` finds), or -1."""
    while True:
        m = _LEAD_CONT.search(text, pos)
        if m is None:
            return -1
        i = m.start()
        cont = _SET_1251 if text[i] in "\u0420\u0421" else _SET_1252
        if cont.match(text, i + 1):
            return i
        pos = i + 1


def _config():
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_encoding=True, restore_byte_a0=True,
        replace_lossy_sequences=True, decode_inconsistent_utf8=True, fix_c1_controls=True,
        fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=False, remove_control_chars=False, normalization=None, explain=True)


_CONFIG = None
ENABLED = True  # off only to measure today's behaviour beside the repair (bench/mojibake.py)


def repair(text: str, utf8: bytes | None = None) -> tuple[str, dict[str, Any] | None]:
    """``(text, record)``: the text with its mojibake repaired, and what was done (None when nothing
    changed): lines repaired, characters before and after, and ftfy's steps for the first line, e.g.
    ``[["encode", "sloppy-windows-1252"], ["decode", "utf-8"]]``. ``utf8``: ``text.encode("utf-8",
    "surrogatepass")`` when the caller has it."""
    global _CONFIG
    if not ENABLED or not text or text.isascii():
        return text, None
    first = _first_spot(text, utf8)
    if first < 0:
        return text, None
    import ftfy

    if _CONFIG is None:
        _CONFIG = _config()
    out: list[str] = []
    pos, lines, steps = 0, 0, None
    i = first
    while i >= 0:
        start = text.rfind("\n", 0, i) + 1
        end = text.find("\n", i + 2)
        end = len(text) if end == -1 else end
        out.append(text[pos:start])
        line = text[start:end]
        fixed, explanation = ftfy.fix_and_explain(line, config=_CONFIG)
        if fixed != line:
            lines += 1
            if steps is None:
                steps = [list(s) for s in explanation or []]
        out.append(fixed)
        pos = end
        i = _suspect(text, end)
    out.append(text[pos:])
    if not lines:
        return text, None
    repaired = "".join(out)
    return repaired, {"repaired": True, "lines": lines, "chars_before": len(text), "chars_after": len(repaired),
                      "steps": steps}


def repair_fields(declared: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Given string metadata (a JSONL record's title, byline, ...) with its mojibake repaired; whether any
    field changed."""
    out, changed = dict(declared), False
    for k, v in declared.items():
        if isinstance(v, str):
            fixed, rec = repair(v)
            if rec:
                out[k], changed = fixed, True
    return out, changed
