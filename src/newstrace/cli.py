"""``newstrace`` command: ingest, trace, stats, show, export, serve, demo.

Each subcommand is a thin wrapper over a plain function of the package.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from . import __version__


def _add_db(p: argparse.ArgumentParser, positional: bool = False) -> None:
    if positional:
        p.add_argument("db", nargs="?", default=os.environ.get("NEWSTRACE_DB", "news.db"),
                       help="SQLite database file (default: news.db)")
    else:
        p.add_argument("--db", default=os.environ.get("NEWSTRACE_DB", "news.db"),
                       help="SQLite database file (default: news.db)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="newstrace", description="Trace how news content moves and what it claims.")
    ap.add_argument("--version", action="version", version=f"newstrace {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("ingest", help="read pages (HTML, WARC, JSONL, text) into the database")
    p.add_argument("paths", nargs="+", help="files or folders (recursively; .gz too)")
    _add_db(p)
    p.add_argument("--url", help="URL of a single HTML/text file given on the command line")
    p.add_argument("--workers", type=int, default=None, help="processes for extraction (default: all cores)")
    p.add_argument("--strict", action="store_true", help="exit 3 when any input had a problem")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-trace", action="store_true", help="do not link new articles against the store")
    p.add_argument("--no-analyze", action="store_true", help="skip the analyze stage (claims); run `analyze` later")

    p = sub.add_parser("analyze", help="analyse articles not analysed on their current body (claims)")
    _add_db(p)
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")

    p = sub.add_parser("trace", help="(re)build copy links, stories and the site network for the whole store")
    _add_db(p)
    p.add_argument("--rebuild", action="store_true", help="drop all links and align every candidate pair again")

    p = sub.add_parser("stats", help="counts of what the database holds")
    _add_db(p)

    p = sub.add_parser("show", help="one article as JSON")
    p.add_argument("url", help="article URL (or page id)")
    _add_db(p)

    p = sub.add_parser("export", help="export a table as JSONL, CSV or Parquet (graph: GEXF or GraphML)")
    p.add_argument("what", choices=["articles", "problems", "copies", "stories", "sites", "graph", "claims"])
    _add_db(p)
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv", "parquet", "gexf", "graphml"])
    p.add_argument("-o", "--output", help="output file (default: stdout for jsonl/csv)")

    p = sub.add_parser("serve", help="read-only web UI and JSON API over a database")
    _add_db(p, positional=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--get", metavar="PATH", help="answer one request in-process, print it and exit")

    p = sub.add_parser("demo", help="ingest the bundled sample pages into a fresh database and report")
    p.add_argument("--db", default="demo.db")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.cmd](args)
    except FileNotFoundError as e:
        print(f"newstrace: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def cmd_ingest(args) -> int:
    from .pipeline import ingest

    summary = ingest(args.paths, db=args.db, url=args.url, workers=args.workers,
                     progress=not args.no_progress and sys.stderr.isatty(), link=not args.no_trace,
                     analyze=not args.no_analyze)
    print(format_summary(summary))
    if args.strict and summary["new_problems"]:
        return 3
    return 0


def format_summary(s: dict) -> str:
    lines = [
        f"database        {s['db']}",
        f"files read      {s['files']}",
        f"pages read      {s['pages_read']}  (already stored, skipped: {s['skipped_already_stored']})",
        f"new articles    {s['new_articles']}",
        f"new problems    {s['new_problems']}",
    ]
    for reason, n in s["problems_by_reason"].items():
        lines.append(f"  {reason:<22} {n}")
    st = s["store"]
    lines.append(f"store now       {st['articles']} articles on {st['sites']} sites, {st['problems']} problems, "
                 f"{st['credits']} credits, {st['identifiers']} identifiers, {st['furniture_blocks']} furniture blocks")
    if "analyze" in s:
        lines.append("analyze         " + ", ".join(f"{k} {v}" for k, v in s["analyze"].items()))
    if "trace" in s:
        t = s["trace"]
        lines.append("trace           " + ", ".join(f"{k} {v}" for k, v in t.items() if not isinstance(v, dict)))
    return "\n".join(lines)


def cmd_analyze(args) -> int:
    from .analyze.stage import analyze_store
    from .store import Store

    _require_db(args.db)
    with Store(args.db) as st:
        res = analyze_store(st, workers=args.workers)
    print(json.dumps(res, indent=2))
    return 0


def cmd_trace(args) -> int:
    from .store import Store
    from .trace import trace_all

    with Store(args.db) as st:
        res = trace_all(st, rebuild=args.rebuild)
    print(json.dumps(res, indent=2))
    return 0


def cmd_stats(args) -> int:
    from .store import Store

    _require_db(args.db)
    with Store(args.db, readonly=True) as st:
        print(json.dumps(st.stats(), indent=2))
    return 0


def cmd_show(args) -> int:
    from .store import Store

    _require_db(args.db)
    with Store(args.db, readonly=True) as st:
        art = st.get_article(args.url)
    if art is None:
        print(json.dumps({"ok": False, "error": f"no article for {args.url}"}))
        return 1
    art.pop("blocks", None)
    print(json.dumps(art, indent=2, ensure_ascii=False))
    return 0


def cmd_export(args) -> int:
    from .export import export

    _require_db(args.db)
    n = export(args.db, args.what, args.format, args.output)
    print(f"exported {n} {args.what} rows", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from .web.app import serve

    _require_db(args.db)
    return serve(args.db, host=args.host, port=args.port, get=args.get)


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args.db)


def _require_db(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"[E002] no database at {path} (run `newstrace ingest PATH --db {path}` first)")


COMMANDS = {
    "ingest": cmd_ingest, "trace": cmd_trace, "stats": cmd_stats, "show": cmd_show, "export": cmd_export,
    "serve": cmd_serve, "demo": cmd_demo, "analyze": cmd_analyze,
}

if __name__ == "__main__":
    sys.exit(main())
