"""``newstrace spark ingest|trace``: the CLI of the Spark engine (pyspark imported only when it runs)."""
from __future__ import annotations

import json
import os
import sys


def add_parser(sub, add_db) -> None:
    p = sub.add_parser("spark", help="run ingest or trace on Apache Spark (local[2] by default, or spark-submit)")
    ss = p.add_subparsers(dest="spark_cmd", required=True)
    q = ss.add_parser("ingest", help="read and extract on Spark, land in the store, then trace on Spark")
    q.add_argument("inputs", nargs="+", help="files or folders (HTML trees, WARC, JSONL, text)")
    q.add_argument("--url", help="URL of a single text/HTML input")
    q.add_argument("--no-trace", action="store_true", help="stop after landing the pages (and relearning furniture)")
    _common(q, add_db)
    q = ss.add_parser("trace", help="rebuild copies, stories and the site network of a store on Spark")
    q.add_argument("--incremental", action="store_true",
                   help="link the articles not traced yet against what is stored (as a local `newstrace trace`) "
                        "instead of rebuilding")
    _common(q, add_db)


def _common(p, add_db) -> None:
    add_db(p)
    p.add_argument("--run-dir", required=True, help="folder of the job's Parquet phase outputs (re-run: resume)")
    p.add_argument("--master", help="Spark master (default NEWSTRACE_SPARK_MASTER or local[2]; ignored under "
                                    "spark-submit)")
    p.add_argument("--no-translate", action="store_true", help="skip the cross-language phase")


def run(args) -> int:
    from ..trace.config import TraceConfig

    cfg = TraceConfig(translate=False) if args.no_translate else TraceConfig()
    if args.spark_cmd == "ingest":
        from .ingest import ingest
        s = ingest(args.inputs, args.db, args.run_dir, url=args.url, master=args.master, trace=not args.no_trace,
                   config=cfg)
    else:
        from .trace import trace
        from ..store import backend
        if not backend.is_url(args.db) and not os.path.exists(args.db):
            raise FileNotFoundError(f"[E002] no database at {args.db}")
        s = trace(args.db, args.run_dir, master=args.master, config=cfg, incremental=args.incremental)
    json.dump(s, sys.stdout, indent=1, default=str)
    print()
    return 0
