"""Storage: SQLite (WAL, FTS5) behind :class:`Store`."""
from .db import Store

__all__ = ["Store"]
