"""Regenerate ``analyze/data/actors_base.csv``: ``python -m newstrace.analyze.build_base_table``.

Sources (cited in each row's ``source``): countries, ISO codes and official names from pycountry (ISO 3166-1,
Debian iso-codes); capitals, demonyms and alternative spellings from the countryinfo package (its data comes
from mledoze/countries, ODbL); a short hand list of major international and US organisations and the usual
seats of power (``ORGS`` / ``SEATS`` below; names and acronyms as the organisations use them). The two
packages are needed only to regenerate the file: the table ships with newstrace and is read at run time.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "actors_base.csv"

# (actor_id, name, kind, aliases)
ORGS = [
    ("united-nations", "United Nations", "org", ["UN", "U.N.", "the United Nations"]),
    ("un-security-council", "UN Security Council", "org", ["United Nations Security Council", "U.N. Security Council",
                                                          "Security Council", "UNSC"]),
    ("nato", "NATO", "org", ["North Atlantic Treaty Organization", "the Atlantic alliance"]),
    ("european-union", "European Union", "org", ["EU", "E.U.", "the European Union"]),
    ("european-commission", "European Commission", "org", ["the Commission"]),
    ("g20", "G20", "org", ["G-20", "Group of Twenty"]),
    ("g7", "G7", "org", ["G-7", "Group of Seven"]),
    ("who", "World Health Organization", "org", ["WHO"]),
    ("imf", "International Monetary Fund", "org", ["IMF"]),
    ("world-bank", "World Bank", "org", []),
    ("opec", "OPEC", "org", ["Organization of the Petroleum Exporting Countries"]),
    ("osce", "OSCE", "org", ["Organization for Security and Co-operation in Europe"]),
    ("african-union", "African Union", "org", ["AU"]),
    ("arab-league", "Arab League", "org", ["League of Arab States"]),
    ("asean", "ASEAN", "org", ["Association of Southeast Asian Nations"]),
    ("icc", "International Criminal Court", "org", ["ICC"]),
    ("iaea", "IAEA", "org", ["International Atomic Energy Agency"]),
    ("cia", "CIA", "org", ["Central Intelligence Agency"]),
    ("fbi", "FBI", "org", ["Federal Bureau of Investigation"]),
    ("nsa", "NSA", "org", ["National Security Agency"]),
    ("us-justice-department", "US Department of Justice", "org", ["Department of Justice", "Justice Department", "DOJ"]),
    ("us-state-department", "US Department of State", "org", ["State Department", "Department of State", "State Dept"]),
    ("pentagon", "US Department of Defense", "org", ["Department of Defense", "Defense Department", "DoD"]),
    ("epa", "Environmental Protection Agency", "org", ["EPA"]),
    ("us-congress", "US Congress", "org", ["Congress"]),
    ("us-senate", "US Senate", "org", ["Senate"]),
    ("us-house", "US House of Representatives", "org", ["House of Representatives"]),
    ("us-supreme-court", "US Supreme Court", "org", ["Supreme Court"]),
    ("democratic-party", "Democratic Party", "org", ["Democrats", "Dems", "Democratic party"]),
    ("republican-party", "Republican Party", "org", ["Republicans", "GOP", "Republican party"]),
    ("dnc", "Democratic National Committee", "org", ["DNC"]),
    ("rnc", "Republican National Committee", "org", ["RNC"]),
    ("associated-press", "Associated Press", "org", ["AP", "the Associated Press"]),
    ("reuters", "Reuters", "org", []),
    ("afp", "Agence France-Presse", "org", ["AFP"]),
    ("upi", "United Press International", "org", ["UPI"]),
    ("tass", "TASS", "org", ["ITAR-TASS"]),
    ("ria-novosti", "RIA Novosti", "org", ["RIA"]),
    ("rt", "RT", "org", ["Russia Today", "RT America"]),
    ("sputnik", "Sputnik", "org", []),
    ("xinhua", "Xinhua", "org", ["Xinhua News Agency"]),
    ("cnn", "CNN", "org", []),
    ("bbc", "BBC", "org", ["British Broadcasting Corporation"]),
    ("fox-news", "Fox News", "org", []),
    ("washington-post", "The Washington Post", "org", ["Washington Post"]),
    ("new-york-times", "The New York Times", "org", ["New York Times", "NYT"]),
    ("hamas", "Hamas", "org", []),
    ("hezbollah", "Hezbollah", "org", ["Hizbollah", "Hizballah"]),
    ("islamic-state", "Islamic State", "org", ["ISIS", "ISIL", "IS", "Daesh"]),
    ("al-qaeda", "al-Qaeda", "org", ["al Qaeda", "Al-Qaida"]),
    ("hts", "Hay'at Tahrir al-Sham", "org", ["HTS", "Tahrir al-Sham", "al-Nusra Front", "Jabhat al-Nusra", "Nusra Front"]),
    ("taliban", "Taliban", "org", []),
    ("muslim-brotherhood", "Muslim Brotherhood", "org", []),
]

# seat of power -> the country (ISO alpha-2) whose government it stands for
SEATS = {"White House": "US", "Kremlin": "RU", "Downing Street": "GB", "Élysée": "FR", "Elysee": "FR",
         "Elysee Palace": "FR", "Zhongnanhai": "CN", "Quai d'Orsay": "FR", "Foggy Bottom": "US",
         "Capitol Hill": "US", "Blue House": "KR", "Bundeskanzleramt": "DE"}

# usual short names pycountry's common names miss
EXTRA = {"US": ["U.S.", "US", "USA", "U.S.A.", "America", "United States"], "GB": ["Britain", "UK", "U.K.",
         "Great Britain", "United Kingdom"], "RU": ["Russia"], "KR": ["South Korea"], "KP": ["North Korea",
         "N. Korea", "DPRK"], "IR": ["Iran"], "SY": ["Syria"], "VE": ["Venezuela"], "BO": ["Bolivia"],
         "TW": ["Taiwan"], "VN": ["Vietnam"], "LA": ["Laos"], "MD": ["Moldova"], "TZ": ["Tanzania"],
         "CZ": ["Czech Republic", "Czechia"], "MM": ["Burma", "Myanmar"], "CD": ["DR Congo", "DRC"],
         "PS": ["Palestine"], "CI": ["Ivory Coast"], "TR": ["Turkey", "Türkiye"], "NL": ["Holland"],
         "AE": ["UAE", "U.A.E."]}


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def rows():
    import pycountry
    from countryinfo import CountryInfo

    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        aliases = {c.name, getattr(c, "official_name", c.name), c.alpha_3, *EXTRA.get(c.alpha_2, [])}
        capital = demonym = ""
        try:
            info = CountryInfo(c.alpha_2)
            capital = info.capital() or ""
            demonym = info.demonym() or ""
            aliases |= {a for a in info.alt_spellings() if a.isascii() and len(a) > 3}
        except Exception:  # countryinfo lacks a few territories
            pass
        if c.alpha_2 in EXTRA:
            name = EXTRA[c.alpha_2][0] if c.alpha_2 not in ("US", "GB") else {"US": "United States",
                                                                            "GB": "United Kingdom"}[c.alpha_2]
        aliases.discard(name)
        seats = [s for s, cc in SEATS.items() if cc == c.alpha_2]
        yield {"actor_id": slug(name), "name": name, "kind": "country", "aliases": ";".join(sorted(aliases)),
               "capital": capital, "demonym": demonym, "seats": ";".join(seats), "code": c.alpha_2,
               "source": "pycountry ISO 3166-1; countryinfo (mledoze/countries)"}
    for aid, name, kind, aliases in ORGS:
        yield {"actor_id": aid, "name": name, "kind": kind, "aliases": ";".join(aliases), "capital": "",
               "demonym": "", "seats": "", "code": "", "source": "newstrace hand list (organisations' own names)"}


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = list(rows())
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    print(f"wrote {len(data)} rows to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
