"""``newstrace demo``: ingest the bundled sample pages into a fresh database and print what was found.

The samples (``newstrace/samples/``) are pages from five fictional news sites written for newstrace,
plus a WARC archive, a JSONL export and two broken files; see ``samples/_build.py`` for the corpus
and the stories it holds. The report is read straight from the database, so it shows what the
pipeline really stored.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import IO, Iterator

from .store import articles, decisions, furniture, network, problems

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

WIDTH = 100


@contextmanager
def samples_path() -> Iterator[Path]:
    """The bundled samples folder as a real directory (copied out when the package is not on disk)."""
    root = resources.files("newstrace").joinpath("samples")
    if isinstance(root, Path):
        if not root.is_dir():
            raise FileNotFoundError(f"[E003] bundled samples missing at {root} (was newstrace installed "
                                    "without its package data?)")
        yield root
        return
    tmp = Path(tempfile.mkdtemp(prefix="newstrace-samples-"))
    try:
        _copy_tree(root, tmp / "samples")
        yield tmp / "samples"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _copy_tree(src, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.is_dir():
            _copy_tree(item, dst / item.name)
        else:
            (dst / item.name).write_bytes(item.read_bytes())


def _short(s: str | None, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _table_rows(conn, table: str) -> int:
    return articles.count_rows(conn, table)


def run_demo(db_path: str = "demo.db", out: IO[str] | None = None, workers: int | None = None,
             trace: bool = True) -> int:
    """Delete and recreate ``db_path``, ingest the bundled samples, trace them when trace is available
    (and ``trace`` is true), and print a report. Returns 0 when everything ran, 1 when the trace stage failed."""
    from . import ingest
    from .cli import format_summary
    from .store import Store

    out = out or sys.stdout
    p = lambda *a: print(*a, file=out)  # noqa: E731
    rc = 0
    if os.path.isfile(db_path) and os.path.getsize(db_path):
        with open(db_path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                print(f"newstrace demo: {db_path} exists and is not an SQLite database; not deleting it",
                      file=sys.stderr)
                return 2
    elif os.path.exists(db_path) and not os.path.isfile(db_path):
        print(f"newstrace demo: {db_path} is not a file", file=sys.stderr)
        return 2
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(db_path + suffix):
            os.remove(db_path + suffix)

    with samples_path() as root:
        files = sorted(x for x in root.rglob("*") if x.is_file() and not x.name.startswith(("_", ".")))
        files = [x for x in files if "__pycache__" not in x.parts]
        p(f"newstrace demo: {len(files)} sample files from fictional news sites -> {db_path}")
        p("=" * WIDTH)
        # every analysis (ingest's default is claims alone), so the demo's web UI shows actors too
        summary = ingest([str(root)], db=db_path, workers=workers, link=False, analyze="all")
        p(format_summary(summary))
        root_s = str(root)

    # -- trace ------------------------------------------------------------------------------------
    p("")
    if not trace:
        p("trace: skipped")
    else:
        from .trace import trace_all

        try:
            with Store(db_path) as st:
                res = trace_all(st)
            p("trace: " + ", ".join(f"{k} {v}" for k, v in (res or {}).items() if not isinstance(v, (dict, list))))
        except Exception as e:  # noqa: BLE001 - report the failure, still show what was ingested
            log.debug("trace failed", exc_info=True)
            p(f"trace: FAILED ({type(e).__name__}: {_short(str(e), 200)})")
            rc = 1

    with Store(db_path, readonly=True) as st:
        _report(st, p, root_s)
    p("")
    p(f"Open the web UI on this database:  {_command()} serve {db_path}")
    return rc


def _command() -> str:
    """How to call newstrace from here: ``newstrace`` when it is on PATH, else the script next to
    this Python (``.venv/bin/newstrace``), relative to the current directory when it is below it."""
    script = Path(sys.executable).with_name("newstrace")
    found = shutil.which("newstrace")
    if found and (not script.exists() or Path(found).resolve() == script.resolve()):
        return "newstrace"
    if not script.exists():
        return "newstrace"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _report(st, p, root: str) -> None:
    c = st.conn
    stats = st.stats()

    def rel(src: str | None) -> str:
        if not src:
            return ""
        return src[len(root) + 1:] if src.startswith(root + os.sep) else src

    p("")
    p("Counts")
    p("-" * WIDTH)
    for k in ("pages", "articles", "sites", "credits", "identifiers", "media", "links", "furniture_blocks", "problems"):
        p(f"  {k:<18} {stats[k]}")
    for t in ("copies", "stories"):
        p(f"  {t:<18} {_table_rows(c, t)}")

    # -- articles -------------------------------------------------------------------------------
    p("")
    p("Articles (by published date)")
    p("-" * WIDTH)
    rows = articles.listing(c)
    for i, r in enumerate(rows, 1):
        tax = " / ".join(x for x in (r["region"], r["theme"]) if x) or "-"
        p(f"[{i:>2}] {r['published'] or '????-??-??'}  {r['language'] or '??'}  {r['site']:<28} {tax}")
        p(f"     {_short(r['title'], 90)}")
        p(f"     by {r['byline'] or '(no byline)'}  <{r['url']}>")
        src = rel(r["source"])
        if "#" in src or ".jsonl:" in src:
            p(f"     from {src}")

    # -- credits --------------------------------------------------------------------------------
    p("")
    p("Credits found (per page: form, name -> link; copies naming or linking their source)")
    p("-" * WIDTH)
    cr = articles.credit_listing(c)
    if not cr:
        p("  (none)")
    last = None
    for r in cr:
        if r["url"] != last:
            p(f"  {r['url']}")
            last = r["url"]
        p(f"      {r['form']:<22} {r['name'] or '-'}  ->  {r['curl'] or '(no link)'}")

    # -- identifiers ----------------------------------------------------------------------------
    p("")
    p("Identifiers by kind (value: sites carrying it)")
    p("-" * WIDTH)
    idents = articles.identifier_sites(c)
    kind = None
    for r in idents:
        if r["kind"] != kind:
            kind = r["kind"]
            p(f"  {kind}")
        p(f"      {r['value']:<46} {', '.join(sorted(r['sites'].split(',')))}")

    # -- furniture ------------------------------------------------------------------------------
    p("")
    p("Furniture learned per site (removed from bodies; the unstripped text is kept in raw_body)")
    p("-" * WIDTH)
    for site, _, pages in network.sites(c):
        fur = furniture.of_site(c, site)
        p(f"  {site} ({pages} pages): {len(fur)} repeated block(s)")
        for f in fur:
            p(f"      [{f['pages']}x] {_short(f['text'], 84)}")
    p("  (common kinds such as translate banners, 'Note to readers', donation appeals, disclaimers and")
    p("   fair-use notices are removed on every page, even on a site with a single page)")

    # -- problems -------------------------------------------------------------------------------
    p("")
    p("Problems (inputs that could not be used, and why; the run went on)")
    p("-" * WIDTH)
    probs = problems.by_source(c)
    if not probs:
        p("  (none)")
    for r in probs:
        p(f"  {rel(r['source'])}")
        p(f"      {r['stage']}/{r['reason']}: {_short(r['detail'], 80)}")

    # -- copies and stories (written by trace) --------------------------------------------------
    _report_trace(c, p)

    # -- sites sharing identifiers --------------------------------------------------------------
    p("")
    p("Sites sharing identifiers (a shared PayPal account or analytics id suggests one operator)")
    p("-" * WIDTH)
    shared = [r for r in idents if r["n"] > 1]
    if not shared:
        p("  (none)")
    groups: dict[tuple[str, ...], list[str]] = {}
    for r in shared:
        groups.setdefault(tuple(sorted(r["sites"].split(","))), []).append(f"{r['kind']} {r['value']}")
    for sites, vals in sorted(groups.items()):
        p(f"  {' + '.join(sites)}")
        for v in vals:
            p(f"      {v}")
    if _table_rows(c, "site_groups"):
        p("  operator groups (from trace):")
        by_group: dict[str, list[str]] = {}
        for gid, site in sorted((gid, site) for site, gid, _ in network.groups(c)):
            by_group.setdefault(gid, []).append(site)
        for g, sites in by_group.items():
            if len(sites) > 1:
                p(f"      {g}: {', '.join(sites)}")


def _report_trace(c, p) -> None:
    n_copies, n_stories = _table_rows(c, "copies"), _table_rows(c, "stories")
    if not n_copies and not n_stories:
        return

    def url_of(pid: str | None) -> str:
        if not pid:
            return "-"
        return articles.url_of(c, pid) or pid[:12]

    if n_copies:
        p("")
        p("Copies (copy <- source: kind, languages, coverage, credit, confidence)")
        p("-" * WIDTH)
        for r in decisions.all_copies(c):
            cov = r["coverage_source"]
            p(f"  {url_of(r['copy_id'])}")
            p(f"      <- {url_of(r['source_id'])}")
            extra = ""
            if r["origin_id"] and r["origin_id"] != r["source_id"]:
                extra = f"  origin {url_of(r['origin_id'])}"
            p(f"      {r['kind']}, {r['language_pair'] or '?'}, {r['shared_words']} shared words, "
              f"covers {cov * 100:.0f}% of source" if cov is not None else
              f"      {r['kind']}, {r['language_pair'] or '?'}, {r['shared_words']} shared words")
            p(f"      credited: {r['credited'] or '?'}; confidence {r['confidence'] if r['confidence'] is not None else '?'}"
              + extra)
    if n_stories:
        p("")
        p("Stories (origin first, then each copy with its lag)")
        p("-" * WIDTH)
        for s in decisions.all_stories(c):
            langs = ", ".join(json.loads(s["languages"] or "[]"))
            rate = f"{s['credit_rate'] * 100:.0f}%" if s["credit_rate"] is not None else "?"
            p(f"  {_short(s['title'], 80)}")
            p(f"      {s['size']} pages on {s['sites']} sites; languages {langs or '?'}; first seen "
              f"{s['first_seen'] or '?'}; credit rate {rate}")
            for m in decisions.members(c, s["story_id"]):
                lag = f"{m['lag_hours']:+.0f}h" if m["lag_hours"] is not None else ""
                cred = ""
                if m["role"] != "origin" and m["parent_id"]:
                    credited = decisions.credited(c, m["page_id"], m["parent_id"])
                    cred = f"credit {credited}" if credited else ""
                p(f"      {m['role']:<6} {m['kind'] or '':<12} {lag:>6}  {cred:<17} {url_of(m['page_id'])}")
