"""Collector speed and politeness on the loopback fixture server (tests/collect_server.py), beside bare httpx.

Rows (each collect run is ``newstrace collect`` in a child process, pages archived to WARC, ingest off):

- one host at the polite default (1 request at a time, ``--delay`` seconds apart, robots.txt first);
- ``--hosts`` hosts (default 200) in parallel, same politeness per host, 32 requests in flight overall;
- reference: bare ``httpx.AsyncClient`` GETs of the same article URLs (no robots, no delay, no WARC), in a
  child process, sequential for the one-host row and 32 at a time for the many-host row.

Times are read from the server's own log (first request start to last request end of that run), so child
start-up and imports are not counted on either side. Politeness is checked from the same log: per host, the
largest number of requests in flight and the smallest gap between request starts, against the limits.

Then kill-and-resume: the many-host collect is killed with SIGKILL part-way and run again; reported are
article URLs requested twice (at most those in flight at the kill), pages in the WARC files twice (must be
0) and pages missing (must be 0).

No data is read from ../shared/data: the fixture sites are generated. ``--limit`` lowers page counts.
Usage: ``.venv/bin/python bench/collect.py [--limit N] [--hosts 200] [--pages-per-host 3] [--delay 1.0]``
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "src"))
from collect_server import Fixture, generic_site  # noqa: E402

UA = "newstrace-bench/1.0"


def collect_cmd(fx: Fixture, hosts: list[str], warc: str, db: str, delay: float) -> list[str]:
    cmd = [sys.executable, "-m", "newstrace.cli", "collect", *[fx.base(h) + "/" for h in hosts], "--warc", warc,
           "--db", db, "--delay", str(delay), "--no-ingest", "--no-progress", "--resolve-only",
           "--user-agent", UA]
    for h in hosts:
        cmd += ["--resolve", f"{h}=127.0.0.1"]
    return cmd


def window(entries: list[dict]) -> float:
    return max(e["end"] or e["start"] for e in entries) - min(e["start"] for e in entries)


def politeness(entries: list[dict], delay: float) -> dict:
    by_host = defaultdict(list)
    for e in entries:
        by_host[e["host"]].append(e)
    worst_inflight, min_gap, violations = 0, float("inf"), 0
    for es in by_host.values():
        es.sort(key=lambda e: e["start"])
        for i, e in enumerate(es):
            inflight = sum(1 for o in es[:i] if (o["end"] or float("inf")) > e["start"])
            worst_inflight = max(worst_inflight, inflight + 1)
        for a, b in zip(es, es[1:]):
            gap = b["start"] - a["start"]
            min_gap = min(min_gap, gap)
            violations += gap < delay * 0.9
    return {"hosts": len(by_host), "max_in_flight": worst_inflight, "min_gap_s": min_gap,
            "gaps_under_90pct": violations}


def run_collect(fx: Fixture, hosts: list[str], delay: float, tmp: str, tag: str) -> tuple[list[dict], dict]:
    start = len(fx.log)
    warc, db = os.path.join(tmp, f"{tag}-warc"), os.path.join(tmp, f"{tag}.db")
    out = subprocess.run(collect_cmd(fx, hosts, warc, db, delay), capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        sys.exit(f"collect failed: {out.stderr[-2000:]}")
    return fx.log[start:], {"warc": warc, "db": db, "stdout": out.stdout}


def run_bare(fx: Fixture, urls: list[str], concurrency: int, hosts: list[str]) -> list[dict]:
    start = len(fx.log)
    payload = json.dumps({"urls": urls, "concurrency": concurrency, "resolve": {h: "127.0.0.1" for h in hosts},
                          "port": fx.port})
    out = subprocess.run([sys.executable, __file__, "--child-bare"], input=payload, capture_output=True,
                         text=True, timeout=3600)
    if out.returncode != 0:
        sys.exit(f"bare httpx failed: {out.stderr[-2000:]}")
    return fx.log[start:]


def child_bare() -> None:
    """Plain httpx over the same loopback port: fixture host names are sent as Host headers to 127.0.0.1."""
    import httpx

    job = json.loads(sys.stdin.read())

    async def main():
        sem = asyncio.Semaphore(job["concurrency"])
        async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
            async def one(url):
                host = url.split("//", 1)[1].split(":", 1)[0]
                async with sem:
                    r = await client.get(url.replace(host, "127.0.0.1", 1), headers={"Host": f"{host}:{job['port']}",
                                                                                     "User-Agent": "bare-httpx"})
                    return len(r.content)
            await asyncio.gather(*(one(u) for u in job["urls"]))
    asyncio.run(main())


def warc_page_uris(folder: str) -> list[str]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".warc.gz"):
            with open(os.path.join(folder, name), "rb") as fh:
                for rec in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=False):
                    out.append(rec.headers.get("WARC-Target-URI"))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="at most N pages on the one-host row, N hosts")
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--pages-per-host", type=int, default=3)
    ap.add_argument("--one-host-pages", type=int, default=20)
    ap.add_argument("--delay", type=float, default=1.0, help="the polite default per-host delay (seconds)")
    ap.add_argument("--child-bare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_bare:
        child_bare()
        return 0
    one_pages = min(args.one_host_pages, args.limit or args.one_host_pages)
    n_hosts = min(args.hosts, args.limit or args.hosts)
    fx = Fixture()
    one = generic_site(fx, "solo.test", one_pages)
    many = [generic_site(fx, f"site{i:03d}.test", args.pages_per_host) for i in range(n_hosts)]
    fx.start()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # one host, polite default
        log, _ = run_collect(fx, ["solo.test"], args.delay, tmp, "one")
        pages = [e for e in log if e["path"] in one.articles]
        bare = run_bare(fx, sorted(fx.base("solo.test") + p for p in one.articles), 1, ["solo.test"])
        pol1 = politeness(log, args.delay)
        rows.append(("1 host, polite default", len(pages), len(log), window(log), len(bare), window(bare), pol1))
        # many hosts in parallel
        names = [s.name for s in many]
        log, info = run_collect(fx, names, args.delay, tmp, "many")
        arts = {s.name: s.articles for s in many}
        pages = [e for e in log if e["path"] in arts.get(e["host"], ())]
        urls = sorted(fx.base(s.name) + p for s in many for p in s.articles)
        bare = run_bare(fx, urls, 32, names)
        poln = politeness(log, args.delay)
        rows.append((f"{n_hosts} hosts in parallel", len(pages), len(log), window(log), len(bare), window(bare),
                     poln))
        # kill and resume
        warc, db = os.path.join(tmp, "kill-warc"), os.path.join(tmp, "kill.db")
        start = len(fx.log)
        proc = subprocess.Popen(collect_cmd(fx, names, warc, db, args.delay), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        target = max(1, len(urls) // 2)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(1 for e in fx.log[start:] if e["path"] in arts.get(e["host"], ())) >= target:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = sum(1 for e in fx.log[start:] if e["path"] in arts.get(e["host"], ()))
        out = subprocess.run(collect_cmd(fx, names, warc, db, args.delay), capture_output=True, text=True,
                             timeout=3600)
        asked = Counter(fx.base(e["host"]) + e["path"] for e in fx.log[start:] if e["path"] in arts.get(e["host"], ()))
        archived = Counter(warc_page_uris(warc))
    fx.stop()

    print(f"## Collector on the loopback fixture server (delay {args.delay:g} s per host, 1 request in flight "
          "per host, 32 overall)\n")
    print("| run | article pages | requests (all) | seconds (server log) | pages/s | bare httpx pages/s "
          "(same URLs) | ratio | polite ceiling (requests/s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, req, secs, bn, bsecs, pol in rows:
        ps, bps = n / secs if secs else 0, bn / bsecs if bsecs else 0
        ceiling = pol["hosts"] / args.delay
        print(f"| {name} | {n} | {req} | {secs:.2f} | {ps:.2f} | {bps:.1f} | {ps / bps if bps else 0:.4f} | "
              f"{ceiling:.0f} |")
    print("\n## Politeness, from the server's log\n")
    print("| run | hosts | max requests in flight on one host (limit 1) | smallest gap between request starts "
          "on one host (s) | gaps under 90% of the delay |")
    print("|---|---|---|---|---|")
    for name, *_, pol in rows:
        print(f"| {name} | {pol['hosts']} | {pol['max_in_flight']} | {pol['min_gap_s']:.3f} | "
              f"{pol['gaps_under_90pct']} |")
    print("\n## Kill (SIGKILL) and resume, many-host run\n")
    print("| article URLs | requested before the kill | requested twice | archived twice | missing from WARC |")
    print("|---|---|---|---|---|")
    print(f"| {len(urls)} | {killed_at} | {sum(1 for n in asked.values() if n > 1)} | "
          f"{sum(1 for n in archived.values() if n > 1)} | {len(set(urls) - set(archived))} |")
    if out.returncode != 0:
        print(f"\nresume run exited {out.returncode}: {out.stderr[-500:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
