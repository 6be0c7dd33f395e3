"""Exports: articles, problems (and, from trace, copies, stories, sites, graph) as JSONL, CSV or Parquet."""
from __future__ import annotations

import csv
import json
import sys
from typing import Any, Iterator

from .store import Store, problems

ARTICLE_FIELDS = ["url", "site", "publisher", "title", "byline", "published", "modified", "language", "region",
                  "theme", "sections", "tags", "description", "canonical_url", "original_source", "fetched_at",
                  "body", "credits", "identifiers", "media", "outlinks", "alternates", "page_id"]


def iter_rows(store: Store, what: str) -> Iterator[dict[str, Any]]:
    if what == "articles":
        for a in store.iter_articles(full=True):
            yield {k: a.get(k) for k in ARTICLE_FIELDS}
    elif what == "problems":
        for r in problems.iter_all(store.conn):
            yield dict(r)
    elif what == "claims":
        from .store.claims import iter_export

        yield from iter_export(store.conn)
    elif what in ("actors", "relations", "flags"):
        from .analyze.exports import iter_actor_rows

        yield from iter_actor_rows(store, what)
    else:
        from .trace.exports import iter_trace_rows

        yield from iter_trace_rows(store, what)


def export(db: str, what: str, fmt: str, output: str | None = None) -> int:
    with Store(db, readonly=True) as store:
        if what == "graph":
            from .trace.exports import export_graph

            return export_graph(store, fmt, output)
        if what == "actors-graph":
            from .analyze.exports import export_actor_graph

            return export_actor_graph(store, fmt, output)
        rows = iter_rows(store, what)
        if fmt == "jsonl":
            return _write_text(output, lambda fh: _jsonl(rows, fh))
        if fmt == "csv":
            return _write_text(output, lambda fh: _csv(rows, fh))
        if fmt == "parquet":
            if not output:
                raise SystemExit("newstrace: parquet needs -o FILE")
            return _parquet(rows, output)
        raise SystemExit(f"newstrace: format {fmt} does not apply to {what}")


def _write_text(output: str | None, fn) -> int:
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            return fn(fh)
    return fn(sys.stdout)


def _jsonl(rows, fh) -> int:
    n = 0
    for r in rows:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        n += 1
    return n


def _flat(v: Any) -> Any:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v


def _csv(rows, fh) -> int:
    w = None
    n = 0
    for r in rows:
        if w is None:
            w = csv.DictWriter(fh, fieldnames=list(r))
            w.writeheader()
        w.writerow({k: _flat(v) for k, v in r.items()})
        n += 1
    return n


def _parquet(rows, output: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = [{k: _flat(v) for k, v in r.items()} for r in rows]
    table = pa.Table.from_pylist(data) if data else pa.table({})
    pq.write_table(table, output)
    return len(data)
