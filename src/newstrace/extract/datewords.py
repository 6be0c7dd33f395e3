"""Dates written out in prose, in the languages the credit patterns cover (en, fr, de, es, it, pt, nl, ru):
"15 June 2021", "June 15, 2021", "15. Juni 2021", "15 de junio de 2021", "15 июня 2021", "2021-06-15",
"15.06.2021". Used for a credit line's date ("South Front 15 June 2021", "First published at X on ...").
"""
from __future__ import annotations

import re

MONTHS = (
    "january|janvier|januar|enero|gennaio|janeiro|januari|января|jan", "february|février|fevrier|februar|febrero|febbraio|fevereiro|februari|февраля|feb",
    "march|mars|märz|maerz|marzo|março|marco|maart|марта|mar", "april|avril|abril|aprile|апреля|apr",
    "may|mai|mayo|maggio|maio|mei|мая", "june|juin|juni|junio|giugno|junho|июня|jun",
    "july|juillet|juli|julio|luglio|julho|июля|jul", "august|août|aout|agosto|augustus|августа|aug",
    "september|septembre|septiembre|settembre|setembro|сентября|sept|sep", "october|octobre|oktober|octubre|ottobre|outubro|октября|oct|okt",
    "november|novembre|noviembre|novembro|ноября|nov", "december|décembre|decembre|dezember|diciembre|dicembre|dezembro|декабря|dec|dez|dic")
MONTH_NUMBER = {w: i + 1 for i, ws in enumerate(MONTHS) for w in ws.split("|")}
_MON = "|".join(sorted(MONTH_NUMBER, key=len, reverse=True))
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|º|\.)?"
_Y = r"(?P<y>(?:19|20)\d\d)"
# whole-string patterns, tried in order; each names its day, month (number or word) and year
DATE_TEXT = [re.compile(p, re.I) for p in (
    rf"{_Y}-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?:[T ][\d:.+\-Z]*)?",
    rf"(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./]{_Y}",
    rf"{_D}\s+(?:de\s+)?(?P<mw>{_MON})\.?,?\s+(?:de\s+)?{_Y}(?:\s*г\.?)?",
    rf"(?P<mw>{_MON})\.?\s+{_D},?\s+{_Y}",
)]
DATE_IN_TEXT = re.compile(
    rf"(?<!\w)(?:{_Y}-[01]?\d-[0-3]?\d|[0-3]?\d[./][01]?\d[./](?:19|20)\d\d|"
    rf"[0-3]?\d(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?(?:{_MON})\.?,?\s+(?:de\s+)?(?:19|20)\d\d|"
    rf"(?:{_MON})\.?\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d)(?!\w)", re.I)


def parse_day(s: str) -> str | None:
    """``YYYY-MM-DD`` for a date written as one of :data:`DATE_TEXT`, or None (also for impossible dates)."""
    s = " ".join(s.split()).strip(" .,;:()")
    for pat in DATE_TEXT:
        m = pat.fullmatch(s)
        if not m:
            continue
        g = m.groupdict()
        month = MONTH_NUMBER.get(g["mw"].lower()) if g.get("mw") else int(g["m"])
        day, year = int(g["d"]), int(g["y"])
        if month and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None
