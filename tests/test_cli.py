"""The `newstrace` command: ingest, stats, show, export (jsonl/csv/parquet), --strict, demo.

Runs `cli.main([...])` in-process (stdout captured) over the bundled samples, and the installed
entry point once through a subprocess."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newstrace import cli
from newstrace.demo import samples_path

REQUIRED = ["url", "site", "publisher", "title", "byline", "published", "modified", "language", "region", "theme",
            "tags", "body", "credits", "identifiers", "media", "outlinks", "alternates"]
G1_URL = "https://globalreadernet.example/varonia-approves-valdren-dam-despite-fishermens-protests/5871201"
A_URL = "https://meridiancourier.example/environment/2025/03/04/valdren-dam-approved"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(argv))
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """A private copy of the bundled samples (so a test can add or leave out files)."""
    dst = tmp_path_factory.mktemp("cli") / "samples"
    with samples_path() as root:
        shutil.copytree(root, dst, ignore=shutil.ignore_patterns("_*", "__pycache__"))
    return dst


@pytest.fixture(scope="module")
def db(samples, tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("cli") / "news.db")
    rc, out, _ = run("ingest", str(samples), "--db", path, "--workers", "1", "--no-progress", "--no-trace")
    assert rc == 0, out
    assert "new articles    20" in out and "2 met in this run, 2 new" in out
    return path


def test_ingest_summary_and_rerun(db, samples):
    rc, out, _ = run("ingest", str(samples), "--db", db, "--workers", "1", "--no-progress", "--no-trace")
    assert rc == 0
    assert "new articles    0" in out
    assert "already stored, skipped: 21" in out
    assert "in this run, 0 new" in out   # not "new problems 2" again


def test_strict_exit_code(samples, tmp_path):
    bad_db = str(tmp_path / "strict.db")
    rc, out, _ = run("ingest", str(samples / "bad"), str(samples / "exports"), "--db", bad_db, "--workers", "1",
                     "--no-progress", "--no-trace", "--strict")
    assert rc != 0
    assert "corrupt-gzip" in out and "binary" in out
    # the good input in the same run was still stored
    rc, out, _ = run("stats", "--db", bad_db)
    assert json.loads(out)["articles"] == 2
    # without problems, --strict exits 0; without --strict, problems do not change the exit code
    rc, _, _ = run("ingest", str(samples / "exports"), "--db", str(tmp_path / "ok.db"), "--workers", "1",
                   "--no-progress", "--no-trace", "--strict")
    assert rc == 0
    rc, _, _ = run("ingest", str(samples / "bad"), "--db", str(tmp_path / "lenient.db"), "--workers", "1",
                   "--no-progress", "--no-trace")
    assert rc == 0


def test_stats(db):
    rc, out, _ = run("stats", "--db", db)
    assert rc == 0
    s = json.loads(out)
    assert (s["articles"], s["sites"], s["problems"]) == (20, 6, 2)
    assert s["problems_by_reason"] == {"binary": 1, "corrupt-gzip": 1}
    assert s["credits"] >= 10 and s["identifiers"] > 0 and s["furniture_blocks"] > 0


def test_missing_database_is_an_error_not_a_new_file(tmp_path):
    missing = tmp_path / "nope.db"
    rc, _, err = run("stats", "--db", str(missing))
    assert rc == 2 and "no database" in err
    assert not missing.exists()


def test_show_url_as_json(db):
    rc, out, _ = run("show", G1_URL, "--db", db)
    assert rc == 0
    a = json.loads(out)
    assert a["url"] == G1_URL and a["site"] == "globalreadernet.example"
    assert a["byline"] == "Ilse Varga"
    orig = [c for c in a["credits"] if c["form"] == "original-source"]
    assert [(c["name"], c["url"]) for c in orig] == [("Meridian Courier", A_URL)]
    assert "blocks" not in a
    rc, out, _ = run("show", "https://nowhere.example/x", "--db", db)
    assert rc == 1 and json.loads(out)["ok"] is False


def _check_rows(rows: list[dict], decode) -> None:
    assert len(rows) == 20
    for col in REQUIRED:
        assert col in rows[0], col
    by_url = {r["url"]: r for r in rows}
    g1 = by_url[G1_URL]
    assert g1["site"] == "globalreadernet.example" and g1["publisher"] == "Global Reader Network"
    assert g1["region"] == "Europe" and g1["theme"] == "Environment"
    assert any(c["form"] == "original-source" and c["url"] == A_URL for c in decode(g1["credits"]))
    assert any(i["kind"] == "paypal" for i in decode(g1["identifiers"]))
    assert "68-metre dam" in g1["body"]
    a = by_url[A_URL]
    assert decode(a["tags"]) == ["Valdren", "Dams", "Fisheries", "Energy"]
    assert any(l["href"].startswith("https://twitter.com/") for l in decode(a["outlinks"]))
    de = by_url["https://eurovoice-mirror.example/de/varonia-valdren-staudamm"]
    assert {x["lang"] for x in decode(de["alternates"])} >= {"de", "es"}
    d = by_url["https://northfielddispatch.example/environment/2025/03/12/sarvik-drone-survey"]
    assert any(m["url"].endswith(".mp4") for m in decode(d["media"]))


def test_export_jsonl_stdout_and_file(db, tmp_path):
    rc, out, err = run("export", "articles", "--db", db, "--format", "jsonl")
    assert rc == 0 and "exported 20 articles" in err
    _check_rows([json.loads(line) for line in out.splitlines()], lambda v: v)
    f = tmp_path / "a.jsonl"
    rc, out, _ = run("export", "articles", "--db", db, "--format", "jsonl", "-o", str(f))
    assert rc == 0 and out == ""
    assert len(f.read_text(encoding="utf-8").splitlines()) == 20


def test_export_csv(db, tmp_path):
    f = tmp_path / "a.csv"
    rc, _, _ = run("export", "articles", "--db", db, "--format", "csv", "-o", str(f))
    assert rc == 0
    with open(f, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    _check_rows(rows, json.loads)
    # multi-paragraph bodies survive the CSV round trip
    assert "\n\n" in rows[0]["body"]


def test_export_parquet(db, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    f = tmp_path / "a.parquet"
    rc, _, _ = run("export", "articles", "--db", db, "--format", "parquet", "-o", str(f))
    assert rc == 0
    table = pq.read_table(f)
    assert set(REQUIRED) <= set(table.column_names)
    _check_rows(table.to_pylist(), json.loads)


def test_export_problems(db):
    rc, out, _ = run("export", "problems", "--db", db, "--format", "jsonl")
    assert rc == 0
    probs = [json.loads(x) for x in out.splitlines()]
    assert sorted(p["reason"] for p in probs) == ["binary", "corrupt-gzip"]
    assert all(p["source"] and p["stage"] for p in probs)


def test_demo_through_the_installed_command(tmp_path):
    exe = Path(sys.executable).with_name("newstrace")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "newstrace.cli"]
    db = tmp_path / "demo.db"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    p = subprocess.run(cmd + ["demo", "--db", str(db)], capture_output=True, text=True, cwd=tmp_path, env=env,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "new articles    20" in p.stdout
    assert p.stdout.rstrip().splitlines()[-1].endswith(f"newstrace serve {db}")
    assert db.exists()


def test_ingest_one_text_dump_with_url(samples, tmp_path):
    """A page saved as Markdown-ish text, given as a file plus --url."""
    rec = [json.loads(x) for x in (samples / "exports" / "pinecrest-export.jsonl").read_text(encoding="utf-8").splitlines()]
    text = next(r["text"] for r in rec if "text" in r)
    f = tmp_path / "dump.md"
    f.write_text(text, encoding="utf-8")
    db = str(tmp_path / "t.db")
    url = "https://pinecrest-notes.example/2025/03/08/valdren-dam-approved"
    rc, out, _ = run("ingest", str(f), "--url", url, "--db", db, "--workers", "1", "--no-progress", "--no-trace")
    assert rc == 0 and "new articles    1" in out
    rc, out, _ = run("show", url, "--db", db)
    a = json.loads(out)
    assert (a["site"], a["byline"], a["published"]) == ("pinecrest-notes.example", "Harlan Pike", "2025-03-08")
    assert a["title"] == "Valdren dam approved over fishermen's objections"
    assert any(c["form"] == "republished" and c["name"] == "Global Reader Network" for c in a["credits"])
