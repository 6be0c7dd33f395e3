"""Tokenised bodies of the current run in the main process (oldest dropped first), so a body indexed in one
batch is not read and tokenised again when a later batch aligns against it."""
from __future__ import annotations

from ..store import articles
from ..store.records import ArticleKey
from .text import Doc, features_many, tokenize


class DocCache:
    def __init__(self, size: int):
        self.size = size
        self.docs: dict[ArticleKey, Doc] = {}

    def remember(self, key: ArticleKey, d: Doc) -> None:
        self.docs[key] = d
        if len(self.docs) > self.size:
            for k in list(self.docs)[:len(self.docs) // 4]:
                del self.docs[k]

    def get(self, key: ArticleKey) -> Doc | None:
        return self.docs.get(key)

    def for_keys(self, conn, keys: list[ArticleKey]) -> dict[ArticleKey, Doc]:
        """Tokenised bodies (with passage chunks) of ``keys``: from the cache, else read and tokenised."""
        out = {r: self.docs[r] for r in keys if r in self.docs}
        miss = [r for r in keys if r not in out]
        if miss:
            bodies = articles.bodies(conn, miss)
            got = [(r, tokenize(bodies[r])) for r in miss if r in bodies]
            features_many([d for _, d in got])
            out.update(got)
        for r, d in out.items():
            self.remember(r, d)
        return out
