"""PolNeAR reader shared by the claims benchmark and the claims model's training script.

``../shared/data/polnear/data/{train,dev}``: ``text/<name>.txt`` and ``attributions/<name>_<annotator>.ann``
(brat standoff: ``T`` lines Source / Cue / Content with character offsets into the text, possibly
discontinuous ``a b;c d``, and ``E`` lines tying one attribution's parts together). A few articles were
annotated by several annotators: the first annotator id in sorted order is used, so each article counts once.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from common import SHARED

POLNEAR = SHARED / "polnear" / "data"
ROLES = ("source", "cue", "content")


@dataclass
class Attribution:
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # role -> fragments
    kind: str = "Attribution"


@dataclass
class Doc:
    name: str
    text: str
    attributions: list[Attribution]


def _frags(s: str) -> list[tuple[int, int]]:
    out = []
    for part in s.split(";"):
        a, b = part.split()
        out.append((int(a), int(b)))
    return out


def read_ann(path: Path) -> list[Attribution]:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"T\d+\t", line):
            tid, mid, _txt = (line.split("\t") + ["", ""])[:3]
            typ, offs = mid.split(" ", 1)
            spans[tid] = (typ, _frags(offs))
        elif re.match(r"E\d+\t", line):
            events.append(line.split("\t")[1].split())
    out = []
    for ev in events:
        kind = ev[0].split(":")[0]
        if not kind.startswith("Attribution"):
            continue
        att = Attribution(kind=kind)
        for arg in ev[1:]:
            role, tid = arg.split(":")
            role = role.rstrip("0123456789").lower()
            if role in ROLES and tid in spans:
                att.spans.setdefault(role, []).extend(spans[tid][1])
        if "content" in att.spans or "cue" in att.spans:
            out.append(att)
    return out


def load(split: str, limit: int | None = None) -> list[Doc]:
    """Articles of ``split`` (train | dev), one annotation each, sorted by name."""
    base = POLNEAR / split
    if not base.exists():
        return []
    by_doc: dict[str, Path] = {}
    for f in sorted((base / "attributions").glob("*.ann")):
        name = f.stem.rsplit("_", 1)[0]
        by_doc.setdefault(name, f)
    docs = []
    for name, ann in sorted(by_doc.items()):
        txt = base / "text" / f"{name}.txt"
        if not txt.exists():
            continue
        docs.append(Doc(name, txt.read_text(encoding="utf-8"), read_ann(ann)))
        if limit and len(docs) >= limit:
            break
    return docs


if __name__ == "__main__":  # quick look
    for split in ("train", "dev"):
        ds = load(split)
        print(split, len(ds), sum(len(d.attributions) for d in ds), os.linesep)
