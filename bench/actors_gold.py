"""Reader for the hand-labelled actors set (tests/data/actors: windows.json, labels.txt, GUIDE.md).

Each document's labels are written as surface strings in reading order; this module finds each mention in
the document's label windows (searching forward from the previous mention) and so turns the file into
character spans. A mention that cannot be found is an error in the labels, raised with its line number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "tests" / "data" / "actors"


@dataclass
class GoldMention:
    start: int
    end: int
    text: str
    kind: str
    actor: str
    metonymy: str | None  # "gov" | "literal" | None (not a capital or seat of power)


@dataclass
class GoldDoc:
    corpus: str
    doc: str
    date: str | None
    windows: list[tuple[int, int]]
    text: str
    mentions: list[GoldMention] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)  # (actor surface, role text)
    aliases: list[tuple[str, str, str]] = field(default_factory=list)  # (name, alias, kind)
    relations: list[dict] = field(default_factory=list)

    def in_windows(self, start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in self.windows)


def article_path(shared: Path, corpus: str, doc: str) -> Path:
    if corpus == "polnear":
        return shared / "polnear" / "data" / "dev" / "text" / f"{doc}.txt"
    return shared / "ptc" / "dev-articles" / f"{doc}.txt"


def load(shared: Path, here: Path = HERE) -> list[GoldDoc]:
    """The labelled documents, with article texts read from ``shared`` (../shared/data)."""
    sel = {f"{w['corpus']}/{w['doc']}": w for w in json.loads((here / "windows.json").read_text())}
    docs: list[GoldDoc] = []
    cur: GoldDoc | None = None
    pos = 0
    for n, raw in enumerate((here / "labels.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=== "):
            key = line[4:].strip()
            w = sel[key]
            text = article_path(shared, w["corpus"], w["doc"]).read_text(encoding="utf-8")
            cur = GoldDoc(w["corpus"], w["doc"], w.get("date"), [tuple(x) for x in w["windows"]], text)
            docs.append(cur)
            pos = 0
            continue
        tag, rest = line[0], [f.strip() for f in line[2:].split("|")]
        if tag == "M":
            surface, kind, actor = rest[:3]
            start = _find(cur, surface, pos)
            if start < 0:
                raise ValueError(f"labels.txt:{n}: {surface!r} not found in the windows after {pos}")
            cur.mentions.append(GoldMention(start, start + len(surface), surface, kind, actor,
                                            rest[3] if len(rest) > 3 else None))
            pos = start + len(surface)
        elif tag == "R":
            cur.roles.append((rest[0], rest[1]))
        elif tag == "A":
            cur.aliases.append((rest[0], rest[1], rest[2]))
        elif tag == "L":
            s, typ, o, neg, mod, chain = rest
            cur.relations.append(dict(subject=s, type=typ, object=o, negated=neg == "1", modality=mod,
                                      chain=chain.split(">")))
        else:
            raise ValueError(f"labels.txt:{n}: unknown line {line!r}")
    return docs


def _find(doc: GoldDoc, surface: str, pos: int) -> int:
    for a, b in doc.windows:
        if b <= pos:
            continue
        i = doc.text.find(surface, max(a, pos), b)
        if i >= 0:
            return i
    return -1
