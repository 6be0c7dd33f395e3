"""``newstrace`` command: collect, ingest, trace, stats, show, copies, sites, export, serve, demo.

Each subcommand is a thin wrapper over a plain function of the package.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from . import __version__


DB_HELP = ("SQLite database file, or a PostgreSQL database as postgresql://[user@host[:port]]/dbname "
           "(default: $NEWSTRACE_DB, else news.db)")


def _add_db(p: argparse.ArgumentParser, positional: bool = False) -> None:
    if positional:
        p.add_argument("db", nargs="?", default=os.environ.get("NEWSTRACE_DB", "news.db"), help=DB_HELP)
    else:
        p.add_argument("--db", default=os.environ.get("NEWSTRACE_DB", "news.db"), help=DB_HELP)


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
    p.add_argument("--no-progress", action="store_true", help="no progress report")
    p.add_argument("--progress", choices=["auto", "bar", "lines"], default="auto",
                   help="progress as a bar (terminal) or a plain line every 10 s (logs); auto: bar on a terminal")
    p.add_argument("--no-trace", action="store_true", help="do not link new articles against the store")
    p.add_argument("--analyze", choices=["claims", "all", "none"], default="claims",
                   help="the analysis run on new articles: claims alone (default; the tokens-only model, no "
                   "spaCy parse, so ingest stays fast), all (claims on the parse, actors, relations, loaded "
                   "language) or none; `newstrace analyze` later runs whatever was left out")
    p.add_argument("--no-analyze", action="store_true", help="same as --analyze none")
    p.add_argument("--analyze-only", action="append", metavar="COMPONENT",
                   help="run only this analyze component (claims, actors; repeatable); wins over --analyze")

    p = sub.add_parser("analyze", help="run every analysis not yet done on the articles' current bodies (claims "
                       "on the parse, actors, relations, loaded language)")
    _add_db(p)
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--only", action="append", metavar="COMPONENT",
                   help="run only this component (claims, actors; repeatable). Claims alone need no parse")

    p = sub.add_parser("collect", help="fetch sites, feeds, sitemaps or URL lists politely into WARC, then ingest")
    p.add_argument("targets", nargs="+", metavar="SITES_OR_URLS", help="sites (https://site/), URLs, URL list files")
    p.add_argument("--warc", required=True, metavar="DIR", help="folder for the WARC files (diagnostics/ inside)")
    _add_db(p)
    p.add_argument("--since", help="skip URLs a feed or sitemap dates before this ISO date")
    p.add_argument("--max-pages", type=int, default=None, help="fetch at most N pages now (the rest stay queued)")
    p.add_argument("--user-agent", help="User-Agent header (its first word is the robots.txt token)")
    p.add_argument("--delay", type=float, default=None, help="seconds between requests to one host (default 1)")
    p.add_argument("--host-concurrency", type=int, default=None, help="requests in flight per host (default 1)")
    p.add_argument("--allow-private", action="store_true",
                   help="also fetch loopback/private addresses nobody named (redirects, feed links)")
    p.add_argument("--resolve", action="append", default=[], metavar="HOST=IP", help="resolve HOST to IP")
    p.add_argument("--resolve-only", action="store_true", help="with --resolve: never ask DNS")
    p.add_argument("--no-ingest", action="store_true", help="only write the WARC files")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--strict", action="store_true", help="exit 3 when any fetch had a problem")

    p = sub.add_parser("trace", help="(re)build copy links, stories and the site network for the whole store")
    _add_db(p)
    p.add_argument("--rebuild", action="store_true", help="drop all links and align every candidate pair again")

    p = sub.add_parser("stats", help="counts of what the database holds")
    _add_db(p)

    p = sub.add_parser("show", help="one article as JSON")
    p.add_argument("url", help="article URL (or page id)")
    _add_db(p)

    p = sub.add_parser("copies", help="copies made of one page and the sources it copied, with kind, credit, lag")
    p.add_argument("url", help="article URL (any spelling of it, or its canonical URL, or a page id)")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = sub.add_parser("sites", help="the sites in the database with their counts and roles in the copy network")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = sub.add_parser("export", help="export a table as JSONL, CSV or Parquet (graph: GEXF or GraphML)")
    p.add_argument("what", choices=["articles", "problems", "copies", "stories", "sites", "graph", "claims",
                                  "actors", "relations", "flags", "actors-graph", "shared"])
    _add_db(p)
    p.add_argument("--format", default="jsonl", choices=["jsonl", "csv", "parquet", "gexf", "graphml"])
    p.add_argument("-o", "--output", help="output file (default: stdout for jsonl/csv)")

    p = sub.add_parser("actors", help="find actors, relations and loaded language in stored articles (incremental)")
    _add_db(p)
    p.add_argument("--aliases", metavar="FILE", help="CSV or YAML alias file; its rows win over the shipped table. "
                   "The store keeps it: later runs (ingest, analyze, actors) use it until replaced or --no-aliases")
    p.add_argument("--no-aliases", action="store_true", help="forget the store's alias file (shipped table only)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")

    p = sub.add_parser("serve", help="read-only web UI and JSON API over a database")
    _add_db(p, positional=True)
    p.add_argument("--db", dest="db_opt", default=None, help="same as the positional DB (a file or postgresql:// URL)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--get", metavar="PATH", help="answer one request in-process, print it and exit")

    p = sub.add_parser("demo", help="ingest the bundled sample pages into a fresh database and report")
    p.add_argument("--db", default="demo.db")

    from .spark.cli import add_parser as add_spark   # newstrace spark ingest|trace (issue 12)
    add_spark(sub, _add_db)
    return ap


# Exit statuses (README "Exit statuses"): 0 done; 1 nothing found (show, copies) or an error answer (serve
# --get); 2 usage or input error (E001 input not found, E002 no database); 3 --strict and an input had a
# problem; 4 the database cannot be opened or written (E003-E006); 130 interrupted by Ctrl-C (E007)
EXIT_NOT_FOUND, EXIT_USAGE, EXIT_STRICT, EXIT_DATABASE, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from .analyze.aliases import ConfigError
    from .pipeline import Interrupted
    from .store import StoreError
    from .store.backend import database_errors
    from .store.db import database_error

    _main_only_sigint()
    try:
        return COMMANDS[args.cmd](args)
    except StoreError as e:
        print(f"newstrace: {e}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, FileNotFoundError) else EXIT_DATABASE
    except FileNotFoundError as e:
        print(f"newstrace: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as e:  # a user file (e.g. --aliases) that cannot be used, with its code
        print(f"newstrace: {e}", file=sys.stderr)
        return EXIT_USAGE
    except database_errors() as e:   # e.g. the disk filled up, the mount turned read-only, the server went away
        print(f"newstrace: {database_error(getattr(args, 'db', '?'), e)}", file=sys.stderr)
        return EXIT_DATABASE
    except Interrupted as e:
        print(f"\nnewstrace: [E007] {e}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"\nnewstrace: [E007] {args.cmd} interrupted; everything written so far is kept (each write is one "
              "transaction); run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0


def _main_only_sigint() -> None:
    """Ctrl-C reaches every process of the group: forked workers (extraction, trace) inherit this handler
    and ignore it, so only the main process stops, reports where, and ends its pools."""
    import signal

    main_pid = os.getpid()

    def on_sigint(signum, frame):
        if os.getpid() == main_pid:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)


def cmd_ingest(args) -> int:
    from .pipeline import ingest

    summary = ingest(args.paths, db=args.db, url=args.url, workers=args.workers, progress=not args.no_progress,
                     progress_tty={"auto": None, "bar": True, "lines": False}[args.progress],
                     link=not args.no_trace,
                     analyze="none" if args.no_analyze else tuple(args.analyze_only or ()) or args.analyze)
    print(format_summary(summary))
    if args.strict and summary["problems_met"]:
        return EXIT_STRICT
    return 0


def format_summary(s: dict) -> str:
    """The ingest report: what this run added ("new") apart from what the store holds in all ("store total")."""
    lines = [
        f"database        {s['db']}",
        f"files read      {s['files']}",
        f"pages read      {s['pages_read']}  (already stored, skipped: {s['skipped_already_stored']})",
        f"new articles    {s['new_articles']}  (new pages {s['new_pages']})",
        f"problems        {s['problems_met']} met in this run, {s['new_problems']} new",
    ]
    for reason, n in s["problems_by_reason"].items():
        lines.append(f"  {reason:<22} {n}")
    if "analyze" in s:
        lines.append("analyze         " + ", ".join(f"{k} {v}" for k, v in s["analyze"].items()))
    if "trace" in s:
        t = s["trace"]
        lines.append(f"trace (new)     {t.get('indexed', 0)} articles indexed, {t.get('aligned', 0)} pairs aligned, "
                     f"{t.get('linked', 0)} linked, {t.get('copies', 0)} copy rows decided")
    st = s["store"]
    lines.append(f"store total     {st['articles']} articles on {st['sites']} sites, {st['problems']} problems, "
                 f"{st.get('copies', 0)} copies in {st.get('stories', 0)} stories, {st.get('copy_edges', 0)} "
                 f"copy edges between sites, {st['credits']} credits, {st['identifiers']} identifiers, "
                 f"{st['furniture_blocks']} furniture blocks")
    return "\n".join(lines)


def _analyze_only(names) -> tuple[str, ...] | None:
    from .analyze.stage import check_only

    return check_only(names)


def cmd_analyze(args) -> int:
    from .analyze.stage import analyze_store
    from .store import Store

    _require_db(args.db)
    with Store(args.db) as st:
        res = analyze_store(st, workers=args.workers, only=_analyze_only(args.only))
    print(json.dumps(res, indent=2))
    return 0


def cmd_collect(args) -> int:
    from .collect import CollectConfig, collect

    cfg = CollectConfig(allow_private=args.allow_private, resolve_only=args.resolve_only,
                        resolve=dict(r.split("=", 1) for r in args.resolve if "=" in r))
    for opt, attr in (("user_agent", "user_agent"), ("delay", "delay"), ("host_concurrency", "host_concurrency")):
        if getattr(args, opt) is not None:
            setattr(cfg, attr, getattr(args, opt))
    try:
        s = collect(args.targets, args.warc, db=args.db, since=args.since, max_pages=args.max_pages, config=cfg,
                    progress=not args.no_progress and sys.stderr.isatty(), ingest=not args.no_ingest)
    except ValueError as e:
        print(f"newstrace: {e}", file=sys.stderr)
        return 2
    print(format_collect_summary(s))
    return 3 if args.strict and s["new_problems"] else 0


def format_collect_summary(s: dict) -> str:
    lines = [f"requests        {s['requests']} to {s['hosts']} hosts ({s['not_modified']} not modified, "
             f"{s['retries']} retries, {s['redirects']} redirects)",
             f"pages fetched   {s['pages_fetched']}  ({s['bytes']} bytes; new URLs listed {s['urls_new']}, "
             f"left for the next run {s['left_for_next_run']})",
             f"fetch problems  {s['new_problems']}"]
    lines += [f"  {r:<22} {n}" for r, n in s["problems_by_reason"].items()]
    lines.append("URL states      " + ", ".join(f"{k} {v}" for k, v in sorted(s["url_states"].items())))
    lines.append(f"WARC files      {len(s['warc_files'])} new in {s['warc_dir']}")
    if "ingest" in s:
        lines.append(format_summary(s["ingest"]))
    return "\n".join(lines)


def cmd_trace(args) -> int:
    from .store import Store
    from .trace import trace_all

    with Store(args.db) as st:
        print("trace: indexing, aligning and deciding every article of the store", file=sys.stderr)
        try:
            res = trace_all(st, rebuild=args.rebuild)
        except KeyboardInterrupt:
            from .pipeline import Interrupted

            raise Interrupted("trace interrupted; the copies and stories stored before are kept, and the next "
                              "`newstrace trace` (or ingest) finishes what this run left undecided.") from None
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
        return EXIT_NOT_FOUND
    art.pop("blocks", None)
    print(json.dumps(art, indent=2, ensure_ascii=False))
    return 0


def cmd_export(args) -> int:
    from .export import export

    _require_db(args.db)
    if args.what in ("actors", "relations", "flags", "actors-graph"):
        missing, total = _not_analysed(args.db, "actors")
        if missing and missing == total:   # an empty export would read as "none found"
            print(f"newstrace: {args.what}: {total} article{'s' if total != 1 else ''} not analysed yet - run "
                  f"`newstrace analyze --db {args.db}` (ingest runs claims alone by default)", file=sys.stderr)
            return EXIT_NOT_FOUND
        if missing:
            print(f"newstrace: {args.what}: {missing} of {total} articles not analysed yet - run "
                  f"`newstrace analyze --db {args.db}`; exporting the rest", file=sys.stderr)
    n = export(args.db, args.what, args.format, args.output)
    print(f"exported {n} {args.what} rows", file=sys.stderr)
    return 0


def _not_analysed(db: str, component: str) -> tuple[int, int]:
    """(articles the component has not analysed on their current body, articles)."""
    from .store import Store
    from .store.claims import unanalysed_count

    with Store(db, readonly=True) as st:
        return unanalysed_count(st.conn, component)


def cmd_copies(args) -> int:
    from .store import Store, provenance

    with Store(args.db, readonly=True) as st:
        found = provenance.versions(st.conn, args.url)
        out = [{**v, "sources": provenance.sources_of(st.conn, v["page_id"]),
                "copies": provenance.copies_of(st.conn, v["page_id"])} for v in found]
    if args.json:
        print(json.dumps({"url": args.url, "versions": out}, indent=2, ensure_ascii=False))
    else:
        print(format_copies(args.url, out))
    return 0 if out else EXIT_NOT_FOUND


def format_copies(url: str, versions: list[dict]) -> str:
    if not versions:
        return f"no article for {url}"
    lines = []
    for i, v in enumerate(versions):
        label = f"version {i + 1} of {len(versions)} (latest first)" if len(versions) > 1 else "page"
        lines.append(f"{label}: {v['url']}  [{v['site']}]  published {v['published'] or '?'}  id {v['page_id']}")
        lines.append(f"  title: {v['title'] or ''}")
        for what, rows, lag in (("copied from", v["sources"], "lag after it"), ("copied by", v["copies"],
                                                                                "its lag")):
            lines.append(f"  {what} ({len(rows)}):" + ("" if rows else " none"))
            for r in rows:
                h = "?" if r["lag_hours"] is None else f"{r['lag_hours']:+.1f} h"
                lines.append(f"    {r['kind']:<12} credit {r['credited'] or 'none':<10} {lag} {h:>9}  {r['url']}")
    return "\n".join(lines)


def cmd_sites(args) -> int:
    from .store import Store, sites

    with Store(args.db, readonly=True) as st:
        rows = sites.listing(st.conn)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    cols = ("site", "articles", "copies_made", "copied_from_it", "identifier_links", "operator_group", "role")
    table = [[str(r[c] if r[c] is not None else "") for c in cols] for r in rows]
    widths = [max([len(c)] + [len(t[i]) for t in table]) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for t in table:
        print("  ".join(x.ljust(w) for x, w in zip(t, widths)))
    print(f"{len(rows)} sites")
    return 0


def cmd_serve(args) -> int:
    from .web.app import serve

    if args.db_opt:
        args.db = args.db_opt
    _require_db(args.db)
    return serve(args.db, host=args.host, port=args.port, get=args.get)


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args.db)


def cmd_actors(args) -> int:
    from .analyze import stage_actors
    from .store import Store

    _require_db(args.db)
    with Store(args.db) as st:
        counts = stage_actors.run(st, args.aliases, workers=args.workers, drop_aliases=args.no_aliases)
    print(json.dumps(counts, indent=2))
    return 0


def _require_db(path: str) -> None:
    """An SQLite file must exist (a PostgreSQL URL is checked when the store opens it: E002 or E006)."""
    from .store.backend import is_url

    if not is_url(path) and not os.path.exists(path):
        raise FileNotFoundError(f"[E002] no database at {path} (run `newstrace ingest PATH --db {path}` first)")


COMMANDS = {
    "ingest": cmd_ingest, "collect": cmd_collect, "trace": cmd_trace, "stats": cmd_stats, "show": cmd_show, "copies": cmd_copies,
    "sites": cmd_sites, "export": cmd_export, "serve": cmd_serve, "demo": cmd_demo, "analyze": cmd_analyze, "actors": cmd_actors,
    "spark": lambda args: __import__("newstrace.spark.cli", fromlist=["run"]).run(args),
}

if __name__ == "__main__":
    sys.exit(main())
