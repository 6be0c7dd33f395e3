"""The Spark engine (newstrace spark ingest|trace) on local[2]: the same copies, stories and site network as the
local engine, and a job killed mid-way resumes after its last complete phase.  Real Spark (pyspark, the
machine's Java), real SQLite stores."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java for pyspark", allow_module_level=True)

from newstrace.pipeline import ingest as local_ingest  # noqa: E402
from newstrace.spark import ingest as spark_ingest, trace as spark_trace  # noqa: E402
from newstrace.trace.config import TraceConfig  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "newstrace" / "samples"
INPUTS = [str(SAMPLES / d) for d in ("sites", "archives", "exports")]
REUSE = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuse-dev"

QUERIES = {
    "copies": "SELECT copy_id, source_id, origin_id, kind, language_pair, spans, shared_words, coverage_copy, "
              "coverage_source, credited, credited_to, confidence, evidence, changes, story_id, copy_hash, "
              "source_hash FROM copies ORDER BY copy_id, source_id",
    "stories": "SELECT * FROM stories ORDER BY story_id",
    "members": "SELECT * FROM story_members ORDER BY story_id, page_id",
    "pairs": "SELECT a, b, a_hash, b_hash, linked, method, result FROM trace_pairs ORDER BY a, b",
    "site_edges": "SELECT site_a, site_b, kind, weight, strong, detail FROM site_edges ORDER BY 1, 2, 3",
    "site_groups": "SELECT * FROM site_groups ORDER BY 1",
    "articles": "SELECT aid, page_id, body_hash FROM articles ORDER BY aid",
}


def results(db: str) -> dict[str, list]:
    c = sqlite3.connect(db)
    try:
        return {k: c.execute(q).fetchall() for k, q in QUERIES.items()}
    finally:
        c.close()


def assert_same(a: dict, b: dict) -> None:
    for k in QUERIES:
        assert a[k] == b[k], f"{k} differ: {len(a[k])} vs {len(b[k])} rows"


def local_rebuild(db: str, tmp_path) -> dict[str, list]:
    """The local engine's ``trace_all(rebuild=True)`` on a copy of the store ``db`` (the reference of a Spark
    trace of the same store: a rebuild reuses the store's translation vectors, which a first run computes)."""
    from newstrace.store import Store
    from newstrace.trace import trace_all

    ref = str(tmp_path / "ref.db")
    shutil.copy(db, ref)
    with Store(ref) as st:
        trace_all(st, rebuild=True)
    return results(ref)


@pytest.fixture(scope="module")
def spark():
    from newstrace.spark.session import session
    s = session("local[2]", partitions=4)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def local_db(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("local") / "local.db")
    local_ingest(INPUTS, db=db, analyze=False, workers=2)
    return db


def test_spark_ingest_matches_local_on_samples(spark, local_db, tmp_path):
    db = str(tmp_path / "spark.db")
    s = spark_ingest(INPUTS, db, str(tmp_path / "run"), spark=spark)
    ref = results(local_db)
    got = results(db)
    assert ref["copies"] and ref["stories"] and ref["site_edges"]   # the samples have copies to compare
    assert_same(ref, got)
    assert s["trace"]["copies"] == len(ref["copies"])
    # every phase left its output; a second run skips them all and changes nothing
    again = spark_ingest(INPUTS, db, str(tmp_path / "run"), spark=spark)
    assert {"extract", "land"} <= set(again["skipped"])
    assert {"docs", "candidates", "align", "land_pairs", "components", "decide", "land_decisions",
            "network"} <= set(again["trace"]["skipped"])
    assert_same(ref, results(db))


def test_run_dir_of_another_job_is_refused(spark, local_db, tmp_path):
    db = str(tmp_path / "x.db")
    shutil.copy(local_db, db)
    with pytest.raises(ValueError, match="E030"):
        spark_ingest(INPUTS[:1], db, str(tmp_path / "run"), spark=spark, trace=False)
        spark_ingest(INPUTS[1:], db, str(tmp_path / "run"), spark=spark, trace=False)


def test_killed_trace_job_resumes(spark, local_db, tmp_path):
    """SIGKILL the whole job (driver and JVM) once its align phase is complete, run the same command again:
    the complete phases are skipped, the rest run, and the result is the local engine's."""
    db = str(tmp_path / "store.db")
    shutil.copy(local_db, db)
    c = sqlite3.connect(db)
    with c:   # the Spark trace rebuilds: start from a store without decisions to see them made
        for t in ("copies", "stories", "story_members", "trace_pairs"):
            c.execute(f"DELETE FROM {t}")
    c.close()
    ref = local_rebuild(db, tmp_path)
    run = tmp_path / "run"
    env = dict(os.environ, NEWSTRACE_SPARK_PARTITIONS="4")
    p = subprocess.Popen([sys.executable, "-m", "newstrace.cli", "spark", "trace", "--db", db, "--run-dir", str(run)],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not (run / "align" / "_SUCCESS").exists():
            assert p.poll() is None, "the job ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.2)
        os.killpg(p.pid, signal.SIGKILL)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    assert not (run / "land_decisions.done").exists()
    assert results(db)["copies"] == []
    s = spark_trace(db, str(run), spark=spark)
    assert {"docs", "candidates", "align"} <= set(s["skipped"])
    assert "decide" in s["timing"]
    assert_same(ref, results(db))


@pytest.mark.slow
def test_spark_matches_local_on_reuse_dev(spark, tmp_path):
    if not (REUSE / "pages").is_dir():
        pytest.skip("../shared/data/reuse-dev is absent")
    a, b = str(tmp_path / "local.db"), str(tmp_path / "spark.db")
    local_ingest([str(REUSE / "pages")], db=a, analyze=False, workers=2)
    spark_ingest([str(REUSE / "pages")], b, str(tmp_path / "run"), spark=spark, config=TraceConfig())
    ref = results(a)
    assert len(ref["copies"]) > 100
    assert_same(ref, results(b))


def test_components_by_joins_give_the_same_result(spark, local_db, tmp_path, monkeypatch):
    """Past ``DRIVER_GRAPH`` linked pairs the components are found by iterative joins and grouped by a
    DataFrame aggregation instead of on the driver: the same copies and stories."""
    import newstrace.spark.trace as st

    monkeypatch.setattr(st, "DRIVER_GRAPH", 0)
    db = str(tmp_path / "store.db")
    shutil.copy(local_db, db)
    ref = local_rebuild(db, tmp_path)
    s = spark_trace(db, str(tmp_path / "run"), spark=spark)
    assert s["phase_info"]["components"]["on"] == "spark" and s["phase_info"]["components"]["rounds"] >= 2
    assert_same(ref, results(db))


def _cross_batch_copies(db: str, first_max: int) -> int:
    """Copies whose copy came in the second batch and whose source was stored before it."""
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT COUNT(*) FROM copies c JOIN articles x ON x.page_id = c.copy_id "
                         "JOIN articles y ON y.page_id = c.source_id WHERE x.aid > ? AND y.aid <= ?",
                         (first_max, first_max)).fetchone()[0]
    finally:
        c.close()


def _incremental_matches_local(spark, tmp_path, first: list[str], second: list[str]) -> dict:
    """The first batch ingested (and traced) locally; then the second batch ingested by the local engine
    (its incremental trace) on one copy of that store and by the Spark engine (incremental Spark trace) on
    another: the same copies, stories, pairs and site network."""
    a, b = str(tmp_path / "local.db"), str(tmp_path / "spark.db")
    local_ingest(first, db=a, analyze=False, workers=2)
    shutil.copy(a, b)
    first_max = sqlite3.connect(a).execute("SELECT MAX(aid) FROM articles").fetchone()[0]
    local_ingest(second, db=a, analyze=False, workers=2)
    s = spark_ingest(second, b, str(tmp_path / "run"), spark=spark)
    assert s["trace"].get("incremental") and "rebuilt" not in s["trace"]
    assert s["trace"]["pending"] == s["new_articles"] > 0
    ref = results(a)
    assert_same(ref, results(b))
    assert _cross_batch_copies(a, first_max) > 0   # the new batch was linked against the stored articles
    return s


def test_incremental_spark_run_matches_local_on_samples(spark, tmp_path):
    s = _incremental_matches_local(spark, tmp_path, INPUTS[:1], INPUTS[1:])
    # the new articles were looked up in the stored index: its rows for their keys joined the band shuffle
    assert s["trace"]["phase_info"]["candidates"]["stored_rows"] > 0


@pytest.mark.slow
def test_incremental_spark_run_matches_local_on_reuse_dev(spark, tmp_path):
    """reuse-dev split into two batches (alternate files in path order: every site in both)."""
    if not (REUSE / "pages").is_dir():
        pytest.skip("../shared/data/reuse-dev is absent")
    files = sorted(str(p) for p in (REUSE / "pages").rglob("*") if p.is_file())
    _incremental_matches_local(spark, tmp_path, files[0::2], files[1::2])


def test_incremental_trace_without_new_articles_changes_nothing(spark, local_db, tmp_path):
    db = str(tmp_path / "store.db")
    shutil.copy(local_db, db)
    before = results(db)
    s = spark_trace(db, str(tmp_path / "run"), spark=spark, incremental=True)
    assert s["incremental"] and s["pending"] == 0
    assert_same(before, results(db))
