"""Extraction: ``Page -> Article`` (trafilatura for body and metadata, newstrace for the rest)."""
from .article import extract

__all__ = ["extract"]
