"""What the actors component (actors, relations, loaded language) costs beside claims, in the same run.

The first ``--pages`` reuse-dev pages (HTML, real PTC/PolNeAR texts republished with furniture and copies) are
ingested once with ``--no-analyze`` (extraction, furniture, trace: the reference), then the analyze stage is
run on copies of that store: claims alone, claims + actors (one shared parse per paragraph), actors alone,
interleaved and repeated (the fastest run of each is kept: the machine is shared). Printed:
seconds, words/s over the English words analysed, and each row's time as a ratio to the reference ingest
measured in this run (absolute figures depend on the shared machine; ratios are what to compare).

Usage: ``nice -n 10 .venv/bin/python bench/actors_cost.py [--pages 150] [--workers 2]``
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_or_skip  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=150)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each analysis (interleaved; the fastest kept)")
    a = ap.parse_args(argv)
    reuse = shared_or_skip("reuse-dev")
    import newstrace
    from newstrace.analyze.stage import analyze_store
    from newstrace.store import Store

    files = sorted(p for p in (reuse / "pages").rglob("*") if p.is_file())[: a.pages]
    with tempfile.TemporaryDirectory() as d:
        base = str(Path(d) / "base.db")
        t0 = time.perf_counter()
        newstrace.ingest([str(f) for f in files], db=base, workers=a.workers, analyze=False)
        t_ingest = time.perf_counter() - t0
        with Store(base) as st:
            st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            words = sum(len((b or "").split()) for (b,) in st.conn.execute(
                "SELECT body FROM articles WHERE language IS NULL OR language LIKE 'en%'"))
            n = st.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        configs = {"analyze: claims": ("claims",), "analyze: claims + actors": None,
                   "analyze: actors alone": ("actors",)}
        best: dict[str, float] = {}
        order = list(configs) + list(reversed(configs))  # interleaved, twice: the minimum of each is kept
        for i, name in enumerate(order[: len(configs) * a.repeat]):
            db = str(Path(d) / f"run{i}.db")
            shutil.copy(base, db)
            with Store(db) as st:
                t0 = time.perf_counter()
                analyze_store(st, workers=a.workers, only=configs[name])
                best[name] = min(best.get(name, 1e9), time.perf_counter() - t0)
            Path(db).unlink()
        rows = [("ingest --no-analyze (reference)", t_ingest, None)] + [(k, best[k], None) for k in configs]
    print(f"{len(files)} files, {n} articles, {words} English words, {a.workers} workers\n")
    print("| step | seconds | English words/s | time / reference ingest |")
    print("|---|---|---|---|")
    for name, t, res in rows:
        print(f"| {name} | {t:.1f} | {words / t:,.0f} | {t / t_ingest:.2f} |")
    claims_t = rows[1][1]
    both_t = rows[2][1]
    print(f"\nactors' added cost beside claims: {both_t - claims_t:.1f}s "
          f"(claims + actors / claims = {both_t / claims_t:.2f}); "
          f"ingest with analysis / without: {(t_ingest + both_t) / t_ingest:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
