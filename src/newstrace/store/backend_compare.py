"""Normalised exports of a store, to show that two stores (SQLite and PostgreSQL) hold the same results:
used by tests/test_postgres.py and bench/backends.py.

Normalising drops what differs by design between two runs (write timestamps) and nothing else; rows keep
the order the export gives them (ORDER BY clauses sort NULLs and text alike on both backends)."""
from __future__ import annotations

import json
from typing import Any

EXPORTS = ("articles", "problems", "copies", "stories", "sites", "claims", "actors", "relations", "flags")
VOLATILE = {"updated_at", "seen_at", "analysed_at", "ingested_at"}


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items() if k not in VOLATILE}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, float):
        return round(v, 9)
    return v


def normalised(db: str, what: str) -> list[str]:
    """The rows of ``newstrace export WHAT`` as canonical JSON lines."""
    from ..export import iter_rows
    from .db import Store

    with Store(db, readonly=True) as st:
        return [json.dumps(_clean(r), sort_keys=True, ensure_ascii=False) for r in iter_rows(st, what)]


def graph(db: str) -> str:
    """The site network as GEXF text without its date line."""
    import os
    import tempfile

    from ..export import export
    fd, path = tempfile.mkstemp(suffix=".gexf")
    os.close(fd)
    try:
        export(db, "graph", "gexf", path)
        with open(path, encoding="utf-8") as fh:
            return "\n".join(line for line in fh.read().splitlines() if "lastmodifieddate" not in line)
    finally:
        os.remove(path)


def differences(a: str, b: str, exports=EXPORTS) -> dict[str, tuple[int, int, list[tuple[str, str]]]]:
    """{export: (rows in a, rows in b, first differing (a line, b line) pairs)} for the exports that differ."""
    out = {}
    for what in exports:
        ra, rb = normalised(a, what), normalised(b, what)
        if ra != rb:
            pairs = [(x, y) for x, y in zip(ra, rb) if x != y][:3]
            out[what] = (len(ra), len(rb), pairs)
    return out
