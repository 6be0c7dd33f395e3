"""The Spark engine: the same pipeline (read -> extract -> trace) as pyspark jobs that call the local pure
kernels, each phase's output Parquet under a run directory (a killed job resumes), results landed through the
store interface.  ``ingest`` (spark/ingest.py) and ``trace`` (spark/trace.py); pyspark is the ``spark`` extra."""
from __future__ import annotations


def ingest(*args, **kw):
    from .ingest import ingest as _ingest
    return _ingest(*args, **kw)


def trace(*args, **kw):
    from .trace import trace as _trace
    return _trace(*args, **kw)


__all__ = ["ingest", "trace"]
