"""Language-independent evidence for a translated copy: shared numbers, names and links."""
from __future__ import annotations

import re
import unicodedata

_NUM = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
# a capitalised word in Latin, Greek or Cyrillic script (names survive translation in these scripts)
_NAME = re.compile(r"(?<![\w])([A-ZÀ-ÖØ-ÞĀ-ſΑ-ΩА-ЯЁЄІЇҐ][\w'’-]{3,})")
_SENT_START = re.compile(r"(?:^|[.!?:;\"«»“”„()\[\]–—-]\s*)$")


def numbers(text: str) -> set[str]:
    """Digit strings with separators removed ('3,1' and '3.1' both give '31'), digits of any script as ASCII
    ('१००' gives '100'); single digits are too common."""
    text = unicodedata.normalize("NFKC", text)
    out = set()
    for m in _NUM.finditer(text):
        d = "".join(str(unicodedata.decimal(ch)) for ch in m.group() if ch.isdecimal())  # '१००' -> '100'
        d = d.lstrip("0") or "0"
        if len(d) >= 2:
            out.add(d)
    return out


def names(text: str) -> set[str]:
    """Lower-cased 5-letter stems of capitalised words that do not start a sentence."""
    out = set()
    for m in _NAME.finditer(text):
        before = text[max(0, m.start() - 3):m.start()]
        if m.start() == 0 or _SENT_START.search(before):
            continue
        out.add(m.group(1).lower()[:5])
    return out


def overlap(a: set[str], b: set[str]) -> float | None:
    """|a & b| / min(|a|, |b|), or None when either side has nothing to compare."""
    if not a or not b:
        return None
    return len(a & b) / min(len(a), len(b))


def jaccard(a: set[str], b: set[str]) -> float | None:
    if not a and not b:
        return None
    return len(a & b) / len(a | b)
