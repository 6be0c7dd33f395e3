"""Pathological pages: peak memory and outcome of ``newstrace ingest`` (default settings: all cores) on
pages built to hurt — beside normal pages in the same run, and optionally beside another version of the code.

Pages (generated in a temporary folder, deterministic):

- ``varied-50mb.html``: 50 MB of varied paragraphs, links and tables (no repetition to collapse);
- ``repetitive-50mb.html``: one paragraph repeated to 50 MB;
- ``text-20mb.jsonl``: one JSONL record whose ``text`` is 20 MB of varied prose;
- ``deep.html``: 100,000 nested ``<div>``s; ``wide.html``: one ``<div>`` with 150,000 ``<p>`` children;
  ``wide-huge.html``: one with 600,000 (over the tag limit);
- the first ``--limit`` (default 100) pages of ``../shared/data/reuse-dev/pages`` as normal pages (skipped
  with a message when absent; the pathological pages are still measured).

Reported: wall seconds, peak RSS of the ingest process tree (sum of VmRSS of the process and its children,
sampled every 50 ms from /proc; target <= 1.5 GB on 2 cores), and per page what newstrace stored (an article
and its length, or the problem reason). ``--baseline-ref REF`` also runs the code of git commit REF (from a
``git worktree`` in a temporary folder) on the same pages, in the same run: the issue-17 report measured
4.9 GB and 60 s for one 50 MB page before the per-page limits; running it needs that much free memory.

Usage: ``.venv/bin/python bench/pathological.py [--limit 100] [--baseline-ref 1c8dc46]``
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, SHARED, progress, table  # noqa: E402
from throughput import run_sampled  # noqa: E402

WORDS = ("council harbour bridge engineers span buses residents decade vote rebuild ferry tolls mayor budget contract "
         "steel rust inspection river traffic closure detour protest petition funding minister election court ruling "
         "appeal witness report agency figures inflation wages union strike hospital school teachers police").split()
TARGET_MB = 1536


def _prose(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.08 else "") for _ in range(n_words))


def make_pages(out: Path) -> dict[str, str]:
    """Write the pathological pages; returns {file name: what it is}."""
    rng = random.Random(17)
    site = out / "pathological.example"
    site.mkdir(parents=True)
    head = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{t}</title></head><body><article><h1>{t}</h1>'
    with open(site / "varied-50mb.html", "w") as fh:
        fh.write(head.format(t="Varied fifty megabytes"))
        n = 0
        while n < 50_000_000:
            kind = rng.random()
            if kind < 0.7:
                s = f"<p>{_prose(rng, rng.randint(20, 120))} <a href=\"/n/{rng.randint(1, 10**6)}\">more</a></p>\n"
            else:
                s = "<table>" + "".join(f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.randint(0, 10**6)}</td></tr>"
                                        for _ in range(rng.randint(3, 30))) + "</table>\n"
            fh.write(s)
            n += len(s)
        fh.write("</article></body></html>")
    para = "<p>" + _prose(random.Random(1), 80) + "</p>\n"
    with open(site / "repetitive-50mb.html", "w") as fh:
        fh.write(head.format(t="Repetitive fifty megabytes"))
        fh.write(para * (50_000_000 // len(para)))
        fh.write("</article></body></html>")
    with open(out / "text-20mb.jsonl", "w") as fh:
        text = "Twenty megabytes of text\n\n" + "\n\n".join(_prose(rng, 150) for _ in range(20_000_000 // 1000))
        fh.write(json.dumps({"url": "https://pathological.example/text-20mb", "text": text[:20_000_000]}) + "\n")
    (site / "deep.html").write_text(head.format(t="Deep") + "<div>" * 100_000 + "<p>" + _prose(rng, 200) +
                                    "</p>" + "</div>" * 100_000 + "</article></body></html>")
    (site / "wide.html").write_text(head.format(t="Wide") + "<div>" + "".join(
        f"<p>{rng.choice(WORDS)} {i}</p>" for i in range(150_000)) + "</div></article></body></html>")
    (site / "wide-huge.html").write_text(head.format(t="Wide huge") + "<div>" + "<p>w</p>" * 600_000 +
                                         "</div></article></body></html>")
    return {"varied-50mb.html": "50 MB varied page", "repetitive-50mb.html": "50 MB repetitive page",
            "text-20mb.jsonl": "20 MB JSONL text", "deep.html": "100k nested divs",
            "wide.html": "150k sibling paragraphs", "wide-huge.html": "600k sibling paragraphs"}


def run_ingest(src: Path, inputs: list[str], db: str) -> dict:
    """``newstrace ingest`` with default settings from the source tree ``src``; wall time, peak tree RSS."""
    cmd = [sys.executable, "-m", "newstrace.cli", "ingest", *inputs, "--db", db, "--no-progress"]
    t0 = time.perf_counter()
    rc, _, err, peak = run_sampled(cmd, {**os.environ, "PYTHONPATH": str(src)})
    return {"exit": rc, "seconds": time.perf_counter() - t0, "peak_mb": peak / 1024, "stderr": err[-1500:]}


def outcomes(db: str, names: dict[str, str]) -> dict[str, str]:
    """Per pathological file: the stored article's length, else the problem reasons recorded for it."""
    out = {}
    if not os.path.exists(db):
        return {n: "-" for n in names}
    c = sqlite3.connect(db)
    for name in names:
        arts = c.execute("SELECT length(body) FROM articles WHERE source LIKE ?", (f"%{name}%",)).fetchall()
        probs = [r[0] for r in c.execute("SELECT reason FROM problems WHERE source LIKE ?", (f"%{name}%",))]
        parts = [f"article, {arts[0][0]:,} chars"] if arts else []
        parts += probs
        out[name] = " + ".join(parts) or "nothing stored"
    c.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=100, help="normal reuse-dev pages beside them (default 100)")
    ap.add_argument("--baseline-ref", help="also run the code of this git commit (needs ~5 GB free memory)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newstrace-patho-") as tmp:
        tmp = Path(tmp)
        progress("pathological: writing the pages ...")
        names = make_pages(tmp / "in")
        inputs = [str(tmp / "in")]
        normal = SHARED / "reuse-dev" / "pages"
        if normal.exists():
            sys.path.insert(0, str(ROOT / "src"))
            from newstrace.read import iter_inputs

            files = list(iter_inputs([str(normal)]))[: args.limit]
            inputs += files
        else:
            files = []
            print(f"note: {normal} not present: pathological pages only (set NEWSTRACE_SHARED_DATA)")
        versions = [("this tree", ROOT / "src")]
        if args.baseline_ref:
            wt = tmp / "baseline"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(wt), args.baseline_ref],
                           check=True, capture_output=True)
            versions.append((f"commit {args.baseline_ref}", wt / "src"))
        rows, outs = [], {}
        try:
            for label, src in versions:
                db = str(tmp / f"{len(outs)}.db")
                progress(f"pathological: ingest with {label} ...")
                r = run_ingest(src, inputs, db)
                outs[label] = outcomes(db, names)
                c = sqlite3.connect(db)
                arts = c.execute("SELECT count(*) FROM articles").fetchone()[0] if r["exit"] == 0 else "-"
                c.close()
                rows.append([label, r["exit"], f"{r['seconds']:.1f}", f"{r['peak_mb']:.0f}",
                             "yes" if r["peak_mb"] <= TARGET_MB else "NO", arts])
                if r["exit"] != 0:
                    print(f"{label}: ingest exited {r['exit']}:\n{r['stderr']}")
        finally:
            if args.baseline_ref:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "baseline")],
                               capture_output=True)
    print(table(["code", "exit", "wall s", "peak RSS tree MB", f"<= {TARGET_MB} MB", "articles stored"], rows,
                title=f"newstrace ingest, default settings ({os.cpu_count()} cores), {len(names)} pathological "
                      f"pages + {len(files)} reuse-dev pages"))
    print()
    labels = list(outs)
    print(table(["page", "what", *labels], [[n, w, *[outs[l][n] for l in labels]] for n, w in names.items()],
                title="What each version stored for each pathological page"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
