"""Bytes -> text with the charset the page really uses.

Order: BOM (it wins over any declaration), then the declared charset (HTTP header, then
``<meta charset>``) when the bytes decode cleanly with it, then UTF-8, then cp1252. A page
declared UTF-8 but written in Latin-1/cp1252 therefore comes out with its accents right.
"""
from __future__ import annotations

import codecs
import re

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
MAGIC = (
    (b"\x89PNG", "png image"),
    (b"%PDF", "pdf document"),
    (b"GIF8", "gif image"),
    (b"\xff\xd8\xff", "jpeg image"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "riff media"),
    (b"\x00\x00\x00", "binary data"),
)


_CTRL = bytes(b for b in range(256) if b < 9 or 13 < b < 32 or b == 127)  # counted by deleting them (in C)
_HIGH = bytes(range(128, 256))


def sniff_binary(data: bytes) -> str | None:
    """A reason string when ``data`` is not text at all (image, PDF, random bytes), else None."""
    head = data[:8]
    for bom, _ in BOMS:
        if data.startswith(bom):
            return None
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    sample = data[:8192]
    if not sample:
        return None
    nul = sample.count(0)
    if nul > len(sample) * 0.01:
        return "binary data (NUL bytes)"
    ctrl = len(sample) - len(sample.translate(None, _CTRL))
    if ctrl > len(sample) * 0.05:
        return "binary data (control bytes)"
    # high-bit bytes that decode as neither UTF-8 nor plausible single-byte text
    try:
        sample.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        if e.start > len(sample) - 4:  # cut inside a multibyte sequence
            return None
    high = len(sample) - len(sample.translate(None, _HIGH))
    if high > len(sample) * 0.3:
        return "binary data (not text in any charset)"
    return None


def _normalise(enc: str | None) -> str | None:
    if not enc:
        return None
    try:
        return codecs.lookup(enc.strip().strip("\"'").lower()).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str]:
    """Return (text, encoding used)."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    candidates = []
    d = _normalise(declared)
    if d:
        candidates.append(d)
    m = META_CHARSET.search(data[:4096])
    if m:
        meta = _normalise(m.group(1).decode("ascii", "ignore"))
        if meta and meta not in candidates:
            candidates.append(meta)
    for enc in candidates + ["utf-8"]:
        if enc.startswith("utf-16") or enc.startswith("utf-32"):
            continue  # only with a BOM; a declared UTF-16 on ASCII bytes is a lie
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace"), "cp1252"


def charset_from_content_type(ct: str | None) -> str | None:
    if not ct:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", ct, re.I)
    return m.group(1) if m else None
