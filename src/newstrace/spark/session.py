"""The Spark session of a newstrace job, and the run directory's phase bookkeeping.

Every phase writes its output under ``<run dir>/<phase>/`` (Parquet, Spark's ``_SUCCESS`` marker written
last) or, for a phase that lands rows in the store, a ``<phase>.done`` file written after the store's
transaction committed.  A phase whose output is complete is skipped, so a killed job run again resumes
after the last complete phase.  ``phases.jsonl`` records what each phase did and how long it took.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from contextlib import contextmanager
from typing import Any


def session(master: str | None = None, app: str = "newstrace", partitions: int | None = None,
            ui: bool = False, memory: str | None = None):
    """A SparkSession; ``master`` defaults to NEWSTRACE_SPARK_MASTER or local[2].  Under spark-submit the
    master and resources come from the command line (a master given here is ignored then)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)       # executors run this interpreter (local mode)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    b = SparkSession.builder.appName(app)
    if not _under_submit():
        b = b.master(master or os.environ.get("NEWSTRACE_SPARK_MASTER") or "local[2]")
        b = b.config("spark.driver.memory", memory or os.environ.get("NEWSTRACE_SPARK_MEMORY", "2g"))
    b = (b.config("spark.sql.shuffle.partitions", str(partitions or int(os.environ.get("NEWSTRACE_SPARK_PARTITIONS", "8"))))
         .config("spark.ui.enabled", "true" if ui else "false")
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.python.worker.reuse", "true")
         .config("spark.sql.adaptive.enabled", "true")
         .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR"))
    s = b.getOrCreate()
    s.sparkContext.setLogLevel("ERROR")
    return s


def store_identity(db: str) -> str:
    """What job.json records of a store: the absolute path of an SQLite file, a PostgreSQL URL without its
    password."""
    from ..store import backend

    return backend.redact(db) if backend.is_url(db) else os.path.abspath(db)


def _under_submit() -> bool:
    """spark-submit starts the Python driver from the JVM, which passes its gateway port."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


class RunDir:
    """Phase outputs and markers under one folder."""

    def __init__(self, path: str, identity: dict[str, Any] | None = None):
        self.path = os.path.abspath(path)
        os.makedirs(self.path, exist_ok=True)
        self.log_path = os.path.join(self.path, "phases.jsonl")
        if identity is not None:
            self._check(identity)

    def _check(self, identity: dict[str, Any]) -> None:
        """A run directory belongs to one job (store, inputs, settings): resuming another job's phases would
        mix two corpora, so a different job refuses with a coded message."""
        f = os.path.join(self.path, "job.json")
        if os.path.exists(f):
            with open(f) as fh:
                old = json.load(fh)
            if old != json.loads(json.dumps(identity)):
                raise ValueError(f"[E030] run directory {self.path} belongs to another job ({old}); give a new "
                                 "--run-dir, or delete it to start over")
        else:
            with open(f + ".tmp", "w") as fh:
                json.dump(identity, fh, sort_keys=True)
            os.replace(f + ".tmp", f)

    def out(self, phase: str) -> str:
        return os.path.join(self.path, phase)

    def complete(self, phase: str) -> bool:
        return (os.path.exists(os.path.join(self.out(phase), "_SUCCESS"))
                or os.path.exists(os.path.join(self.path, phase + ".done")))

    def mark(self, phase: str, info: dict[str, Any] | None = None) -> None:
        f = os.path.join(self.path, phase + ".done")
        with open(f + ".tmp", "w") as fh:
            json.dump(info or {}, fh)
        os.replace(f + ".tmp", f)

    def clear(self, phase: str) -> None:
        """Drop a half-written phase output (a killed job's) before it is made again."""
        shutil.rmtree(self.out(phase), ignore_errors=True)

    def log(self, rec: dict[str, Any]) -> None:
        with open(self.log_path, "a") as fh:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")

    def records(self) -> list[dict[str, Any]]:
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as fh:
            return [json.loads(x) for x in fh if x.strip()]

    @contextmanager
    def phase(self, name: str, summary: dict[str, Any], spark=None):
        """Run a phase unless it is complete; yields True when it must run.  Times it and logs it."""
        if self.complete(name):
            summary.setdefault("skipped", []).append(name)
            self.log({"phase": name, "skipped": True, "at": time.time()})
            yield False
            return
        self.clear(name)
        if spark is not None:
            spark.sparkContext.setJobGroup(name, name)
        t = time.perf_counter()
        info: dict[str, Any] = {}
        summary.setdefault("phase_info", {})[name] = info
        yield True
        dt = round(time.perf_counter() - t, 3)
        summary.setdefault("timing", {})[name] = dt
        self.log({"phase": name, "seconds": dt, "at": time.time(), **info})
