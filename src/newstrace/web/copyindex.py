"""The copies list's filters, totals, facets and page cuts, answered from columns held in memory.

Counting a filtered view's facets walks every matching copy link and its article (~0.3-0.6 s at 80k links), and
a filter the indexes cannot serve (kind, credit, confidence) sorts them all to cut one page. Instead, once per
database change (``Reader.cached``), one pass reads each link's kind, credit, copy site, source site, language,
date and confidence into numpy columns, with the row order of each sort worked out in advance; a request then
costs a few vector comparisons, and only the 50 rows of its page are read back from the database. The filters
mean what the SQL of store/web.py ``_copy_where`` means (a missing date or confidence never matches a bound)
and the orders are ``COPY_SORTS``' (NULL first when ascending, last when descending, as SQLite orders).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..store import web as sw

FACETS = ("kind", "credited", "site", "source_site", "lang")


class CopyIndex:
    def __init__(self, rows: list[tuple], source_site: dict[str, str]):
        # rows: (copy_id, source_id, kind, credited, copy site, copy language, copy published, confidence);
        # links whose source page has no article are left out, as the list's inner join leaves them out
        rows = [r for r in rows if r[1] in source_site]
        self.keys = [(r[0], r[1]) for r in rows]
        self.n = len(rows)
        cols = {"kind": [r[2] for r in rows], "credited": [r[3] for r in rows], "site": [r[4] for r in rows],
                "source_site": [source_site[r[1]] for r in rows], "lang": [r[5] for r in rows]}
        self.codes: dict[str, np.ndarray] = {}
        self.labels: dict[str, list[Any]] = {}
        for name, values in cols.items():
            index: dict[Any, int] = {}
            self.codes[name] = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int32,
                                           count=self.n)
            self.labels[name] = list(index)
        pub = [r[6] for r in rows]
        self.has_pub = np.array([p is not None for p in pub], dtype=bool)
        self.pub = np.array([p or "" for p in pub], dtype=str) if rows else np.array([], dtype=str)
        self.conf = np.array([np.nan if r[7] is None else float(r[7]) for r in rows], dtype=float)
        self.months = Months(self.pub)
        # sort orders (COPY_SORTS): ranks of the text columns, NULL ("" / None) lowest
        pub_rank = _rank(pub)
        site_rank = _rank(cols["site"])
        key_rank = np.arange(self.n)   # rows arrive ordered by (copy_id, source_id)
        conf_key = np.where(np.isnan(self.conf), -np.inf, self.conf)
        self.orders = {
            "newest": np.lexsort((key_rank, -pub_rank)),
            "confidence": np.lexsort((key_rank, conf_key)),
            "site": np.lexsort((key_rank, -pub_rank, site_rank)),
        }

    def mask(self, f: dict[str, str]) -> np.ndarray:
        m = np.ones(self.n, dtype=bool)
        for name in FACETS:
            if f.get(name):
                try:
                    code = self.labels[name].index(f[name])
                except ValueError:
                    return np.zeros(self.n, dtype=bool)
                m &= self.codes[name] == code
        if f.get("from"):
            m &= self.has_pub & (self.pub >= f["from"])
        if f.get("to"):
            m &= self.has_pub & (self.pub < f["to"] + "\uffff")
        if f.get("max_confidence"):
            with np.errstate(invalid="ignore"):
                m &= self.conf <= float(f["max_confidence"])
        return m

    def summary(self, f: dict[str, str], limit: int = 12) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        """Total and facets (kind, credit, copying site, copied site, language) of the filtered copies."""
        m = self.mask(f)
        facets = {}
        for name in FACETS:
            labels = self.labels[name]
            counts = np.bincount(self.codes[name][m], minlength=len(labels)) if labels else np.zeros(0, int)
            top = sorted(((int(k), labels[i]) for i, k in enumerate(counts) if k),
                         key=lambda x: (-x[0], str(x[1])))[:limit]
            facets[name] = [{"value": v, "n": k} for k, v in top]
        facets["month"] = self.months.facet(m & self.has_pub, limit)
        return int(m.sum()), facets

    def page(self, f: dict[str, str], sort: str, limit: int, offset: int) -> list[tuple[str, str]]:
        """(copy_id, source_id) of one page of the filtered list in the order ``sort``."""
        order = self.orders[sort]
        sel = order[self.mask(f)[order]][offset:offset + limit]
        return [self.keys[i] for i in sel]


class Months:
    """Each row's calendar month (``YYYY-MM`` of a stored date), coded once per build: the date facet counts the
    latest months among a filter's rows with one bincount (its link filters from the month's first day to its
    last)."""

    def __init__(self, dates: np.ndarray):
        labels, self.code = (np.unique(dates.astype("U7"), return_inverse=True) if len(dates)
                             else ([], np.zeros(0, int)))
        self.labels = [str(v) for v in labels]
        self.ok = np.array([len(v) == 7 and v[4] == "-" for v in self.labels] or [False], dtype=bool)

    def facet(self, m: np.ndarray, limit: int) -> list[dict[str, Any]]:
        if not self.labels:
            return []
        counts = np.bincount(self.code[m], minlength=len(self.labels))
        return [{"value": self.labels[i], "n": int(counts[i])} for i in range(len(self.labels) - 1, -1, -1)
                if counts[i] and self.ok[i]][:limit]


def _rank(values: list[Any]) -> np.ndarray:
    """Each value's rank among the distinct values, NULL (None) and "" lowest, the rest in text order."""
    distinct = sorted({v or "" for v in values})
    at = {v: i for i, v in enumerate(distinct)}
    return np.fromiter((at[v or ""] for v in values), dtype=np.int64, count=len(values))


def build(conn) -> CopyIndex:
    rows = [tuple(r) for r in sw.copy_index_rows(conn)]
    return CopyIndex(rows, sw.sites_of_pages(conn, list({r[1] for r in rows})))


class StoryIndex:
    """The stories list's total and facets (origin site, language) for any filter, from columns held in memory
    (one pass over the stories and their origins' sites per database change). The filters mean what store/web.py
    ``_story_where`` means: a story's languages list holds the language, first seen within the dates (a story
    without one never matches a date), at least ``min_size`` pages, origin on the site or in the group."""

    def __init__(self, rows: list[tuple], groups: dict[str, str]):
        # rows: (origin site, languages JSON, first_seen, size, story_id, sites, credit_rate), by story_id
        import json

        self.n = len(rows)
        self.ids = [r[4] for r in rows]
        index: dict[Any, int] = {}
        self.site = np.fromiter((index.setdefault(r[0], len(index)) for r in rows), dtype=np.int32, count=self.n)
        self.sites = list(index)
        self.group = np.array([groups.get(s) or "" if s is not None else "" for s in self.sites] or [""],
                              dtype=object)
        langs: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            try:
                value = json.loads(r[1]) if r[1] else []
            except ValueError:
                value = []
            for lang in dict.fromkeys(v for v in value if isinstance(v, str)):
                langs.setdefault(lang, []).append(i)
        self.langs = {k: np.array(v, dtype=np.int64) for k, v in langs.items()}
        self.has_first = np.array([r[2] is not None for r in rows], dtype=bool)
        self.first = np.array([r[2] or "" for r in rows], dtype=str) if rows else np.array([], dtype=str)
        self.size = np.array([r[3] or 0 for r in rows], dtype=np.int64)
        self.months = Months(self.first)
        # the list's orders (store/web.py STORY_LIST_SORTS; NULL lowest, as SQLite orders)
        key = np.arange(self.n)
        first = _rank([r[2] for r in rows])
        n_sites = np.array([r[5] or 0 for r in rows], dtype=np.int64)
        credit = np.array([-np.inf if r[6] is None else float(r[6]) for r in rows], dtype=float)
        self.orders = {"size": np.lexsort((key, -self.size)), "newest": np.lexsort((key, -first)),
                       "oldest": np.lexsort((key, first)), "credit": np.lexsort((key, -self.size, credit)),
                       "sites": np.lexsort((key, -n_sites))}

    def mask(self, f: dict[str, str]) -> np.ndarray:
        m = np.ones(self.n, dtype=bool)
        if f.get("site"):
            code = self.sites.index(f["site"]) if f["site"] in self.sites else -1
            m &= self.site == code
        if f.get("group"):
            in_group = np.array([g == f["group"] for g in self.group], dtype=bool)
            m &= in_group[self.site] if self.n else m
        if f.get("lang"):
            has = np.zeros(self.n, dtype=bool)
            for lang, rows in self.langs.items():
                # the SQL matches '%"<lang>"%' with % and _ taken out of the asked value
                if lang == f["lang"].replace("%", "").replace("_", ""):
                    has[rows] = True
            m &= has
        if f.get("from"):
            m &= self.has_first & (self.first >= f["from"])
        if f.get("to"):
            m &= self.has_first & (self.first < f["to"] + "\uffff")
        if f.get("min_size"):
            m &= self.size >= int(f["min_size"])
        return m

    def summary(self, f: dict[str, str], limit: int = 12) -> tuple[int, dict[str, list[dict[str, Any]]]]:
        m = self.mask(f)
        counts = np.bincount(self.site[m], minlength=len(self.sites)) if self.sites else np.zeros(0, int)
        site_top = sorted(((int(k), self.sites[i]) for i, k in enumerate(counts) if k),
                          key=lambda x: (-x[0], str(x[1])))[:limit]
        lang_top = sorted(((int(m[rows].sum()), lang) for lang, rows in self.langs.items()), key=lambda x: (-x[0], x[1]))
        return int(m.sum()), {"site": [{"value": v, "n": k} for k, v in site_top],
                              "lang": [{"value": v, "n": k} for k, v in lang_top if k][:limit],
                              "month": self.months.facet(m & self.has_first, limit)}


    def originated_by(self, site: str) -> int:
        """How many stories have their origin on ``site``."""
        return int((self.site == self.sites.index(site)).sum()) if site in self.sites else 0

    def page(self, f: dict[str, str], sort: str, limit: int, offset: int) -> list[str]:
        """story_id of one page of the filtered list in the order ``sort``."""
        order = self.orders[sort]
        return [self.ids[i] for i in order[self.mask(f)[order]][offset:offset + limit]]


def build_stories(conn) -> StoryIndex:
    return StoryIndex([tuple(r) for r in sw.story_index_rows(conn)], sw.all_site_groups(conn)
                      if "site_groups" in sw.table_names(conn) else {})
