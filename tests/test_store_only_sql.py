"""All SQL lives in src/newstrace/store/: a string literal elsewhere that reads like SQL fails this test.

``STILL_TO_MOVE`` lists the modules that read the store with their own SQL today; it is empty since web/ moved its
reads to store/web.py (issue 11, step 3) and may only stay so.  A new module never goes on it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "newstrace"
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET|CREATE\s+"
                 r"(TEMP\s+|UNIQUE\s+|VIRTUAL\s+)?(TABLE|INDEX|TRIGGER)|DROP\s+(TABLE|INDEX)|PRAGMA\s+\w+)", re.S)   # (upper case: prose is not SQL)
STILL_TO_MOVE: set[str] = set()


def sql_literals(path: Path) -> list[tuple[int, str]]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            out.add((node.lineno, node.value.strip()[:80]))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if SQL.search(text):
                out.add((node.lineno, text.strip()[:80]))
    return sorted({line: (line, text) for line, text in sorted(out)}.values())


def offenders() -> dict[str, list]:
    found = {}
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC).as_posix()
        if rel.startswith("store/"):
            continue
        hits = sql_literals(p)
        if hits:
            found[rel] = hits
    return found


def test_no_sql_outside_store():
    found = {k: v for k, v in offenders().items() if k not in STILL_TO_MOVE}
    assert not found, "SQL outside src/newstrace/store/ (write a function in a store module instead):\n" + "\n".join(
        f"  {k}:{line}: {text}" for k, hits in found.items() for line, text in hits)


def test_no_database_driver_outside_store():
    """Only store/ opens connections: no module elsewhere imports sqlite3 or psycopg."""
    found = []
    for p in sorted(SRC.rglob("*.py")):
        rel = p.relative_to(SRC).as_posix()
        if rel.startswith("store/"):
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{rel}:{node.lineno}: {n}" for n in names if n.split(".")[0] in ("sqlite3", "psycopg")]
    assert not found, "database drivers imported outside src/newstrace/store/:\n" + "\n".join(found)


def test_the_list_of_modules_still_to_move_only_shrinks():
    stale = STILL_TO_MOVE - set(offenders())
    assert not stale, f"no SQL left in {sorted(stale)}: remove them from STILL_TO_MOVE"


def test_the_detector_finds_sql(tmp_path):
    p = tmp_path / "m.py"
    p.write_text('q = "SELECT a FROM b"\nr = f"DELETE FROM {t}"\ns = "select the best pages from the list"\n'
                 'u = "Pragma: no-cache"\n')
    assert [line for line, _ in sql_literals(p)] == [1, 2]
