"""Storage: SQLite (WAL, FTS5) behind :class:`Store`."""
from .db import DatabaseNotFound, Store, StoreError, open_readonly

__all__ = ["Store", "StoreError", "DatabaseNotFound", "open_readonly"]
