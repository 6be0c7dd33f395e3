"""Storage: every SQL statement of newstrace lives in this package (SQLite today, WAL and FTS5).

Conventions for a table-family module (``articles.py``, ``pairs.py``, ``decisions.py``; claims, actors and
crawl follow the same shape):

- one module per family of tables, named after it; its docstring names the tables, who writes and who reads;
- small module-level functions taking the connection first: ``write(conn, records)``,
  ``delete_for_pages(conn, page_ids)``, ``linked_within(conn, comps)`` ... over the typed records of
  ``store/records.py`` (dataclasses with enum kinds, defined once); rows never leave the module as tuples
  a caller must know the column order of;
- functions never commit: the caller (a stage's phase) wraps what must be atomic in ``with conn:``;
- articles are named by their article key (``articles.aid``) inside stages, by ``page_id`` in what users see;
- lists of keys go through ``articles.slices`` / ``articles.marks`` (bound-parameter limits);
- schema changes are named migrations appended to ``schema.MIGRATIONS``.
"""
from . import (actors, articles, decisions, furniture, network, pairs, problems, provenance, sites, trace_index,  # noqa: F401
               vectors)
from .db import DatabaseNotFound, Store, StoreError, open_readonly

__all__ = ["Store", "StoreError", "DatabaseNotFound", "open_readonly", "actors", "articles", "decisions", "furniture", "network",
           "pairs", "problems", "provenance", "sites", "trace_index", "vectors"]
