"""Data for each page of ``newstrace serve``: plain dicts read from the database, the same for the HTML page
and its ``.json`` twin (a view may add ``_html`` extras, such as SVG geometry, that the JSON leaves out).

Every function takes a :class:`Reader` and request parameters and returns a :class:`Page`, or raises
:class:`NotFound` / :class:`BadRequest`.
"""
from __future__ import annotations

import json
import re
import os
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..store import backend
from ..store import furniture
from ..store import web as sw
from ..store.records import CREDITED, CopyKind
from . import claims as web_claims
from . import svg
from .text import (MARK_CLOSE, MARK_OPEN, fts_query, mark_substitutions, segments, snippet_segments, spans_ranges,
                   split_gaps)

PAGE_SIZE = 50
RANK_WINDOW = 2000     # search ranks at most this many of the most recently stored matches
ID_SAMPLE = 1000       # a site's identifiers are counted over its latest this many articles
COPY_KINDS = tuple(k.value for k in CopyKind)
LOW_CONFIDENCE = 0.7   # a copy call below this confidence is shown as uncertain (ties broken on weak evidence)


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


class Moved(Exception):
    """The thing asked for lives at another id now (a story whose origin changed): redirect there."""

    def __init__(self, old: str, new: str):
        super().__init__(f"{old} is now {new}")
        self.old, self.new = old, new


@dataclass
class Page:
    template: str
    title: str
    data: dict[str, Any]
    table: tuple[list[str], list[dict[str, Any]]] | None = None  # CSV twin: (columns, rows)
    html: dict[str, Any] = field(default_factory=dict)           # extras only the HTML page uses


class Reader:
    """Read-only access to a newstrace database: one ``mode=ro`` connection per thread, so requests
    served from the thread pool never share a connection, and an ingest may write meanwhile (WAL)."""

    def __init__(self, path: str):
        self.is_pg = backend.is_url(path)          # a postgresql:// URL (store/backend.py) or a file
        self.path = str(path) if self.is_pg else str(Path(path).resolve())
        if not self.is_pg and not Path(self.path).exists():
            raise FileNotFoundError(f"[E002] no database at {path}")
        self._local = threading.local()
        self._tables: set[str] | None = None
        self._cache: dict[str, tuple[float, Any]] = {}
        self._recent: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def conn(self):
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sw.open_reader(self.path)
            self._local.conn = c
        return c

    def version(self) -> tuple:
        """Changes whenever a writer commits (the WAL grows or is checkpointed into the main file)."""
        if self.is_pg:
            return backend.change_token(self.conn())
        m = os.stat(self.path)
        try:
            w = os.stat(self.path + "-wal")
            wal = (w.st_mtime_ns, w.st_size)
        except FileNotFoundError:
            wal = None
        return (m.st_mtime_ns, m.st_size, wal)

    def cached(self, key: str, make):
        """``make()``, remembered until the database changes (corpus-wide aggregates of the home page, the
        language list of the search form): exact after every commit, free while nothing is written."""
        v = self.version()
        hit = self._cache.get(key)
        if hit is not None and hit[0] == v:
            return hit[1]
        value = make()
        self._cache[key] = (v, value)
        return value

    def cached_trace(self, key: str, make):
        """``make()`` of something read only from copies, stories, site_groups and articles' site, language and
        date (the copies and stories lists' columns), kept across commits that leave them alone, such as an ingest
        adding articles: on SQLite a database change is looked into by the count of those writes (migration 0093,
        kept by triggers) and the store's creation time; on PostgreSQL, and on a store without that count, the
        same as :meth:`cached`. The count is read before ``make()``, so a write landing meanwhile is counted after
        and makes it again next time."""
        v = self.version()
        hit = self._cache.get(key)
        if hit is not None and hit[0][0] == v:
            return hit[1]
        n = self._trace_count()
        if hit is not None and n is not None and hit[0][1] == n:
            self._cache[key] = ((v, n), hit[1])
            return hit[1]
        value = make()
        self._cache[key] = ((v, n), value)
        return value

    def _trace_count(self) -> tuple[int, str] | None:
        if self.is_pg or not self.has("change_counts"):
            return None
        return sw.trace_change_count(self.conn())

    def recent(self, key: str, make, keep: int = 32):
        """``make()`` for one of many keys (a story), remembered until the database changes; only the ``keep``
        most recently used keys are kept."""
        v = self.version()
        with self._recent_lock:
            hit = self._recent.get(key)
            if hit is not None and hit[0] == v:
                self._recent.move_to_end(key)
                return hit[1]
        value = make()
        with self._recent_lock:
            self._recent[key] = (v, value)
            self._recent.move_to_end(key)
            while len(self._recent) > keep:
                self._recent.popitem(last=False)
        return value

    def tables(self) -> set[str]:
        if self._tables is None or not {"stories", "copies"} <= self._tables:
            self._tables = sw.table_names(self.conn())
        return self._tables

    def has(self, *names: str) -> bool:
        return set(names) <= self.tables()


def _j(s: Any, default: Any) -> Any:
    if s is None or s == "":
        return default
    try:
        return json.loads(s)
    except (TypeError, ValueError):
        return default


def _rate(n_credited: int, n: int) -> float | None:
    return round(n_credited / n, 4) if n else None


def _int_arg(params: dict[str, str], name: str, default: int, lo: int = 1, hi: int = 10_000) -> int:
    v = params.get(name)
    if v in (None, ""):
        return default
    try:
        x = int(v)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {v!r}")
    if not lo <= x <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return x


# -- home ------------------------------------------------------------------------------------------------
def home(db: Reader, params: dict[str, str]) -> Page:
    """The overview: counts, credit by status, biggest and newest stories, top originators and amplifiers."""
    return Page("home.html", "newstrace: overview", db.cached("home", lambda: _home_data(db)))


def _home_data(db: Reader) -> dict[str, Any]:
    c = db.conn()
    counts = {t: sw.count_rows(c, t) if db.has(t) else 0 for t in sw.COUNTED}
    biggest = newest = originators = amplifiers = []
    credit: dict[str, int] = {}
    if db.has("stories"):
        biggest = sw.biggest_stories(c)
        newest = sw.newest_stories(c)
        for s in biggest + newest:
            s["languages"] = _j(s["languages"], [])
    if db.has("site_edges"):
        originators = sw.top_originators(c)
        amplifiers = sw.top_amplifiers(c)
    if db.has("copies"):
        credit = sw.credit_counts(c)
    n = sum(credit.values())
    data = {"counts": counts, "credit": {"by_status": credit, "copies": n,
                                         "rate": _rate(sum(credit.get(k, 0) for k in CREDITED), n)},
            "biggest_stories": biggest, "newest_stories": newest,
            "top_originators": originators, "top_amplifiers": amplifiers,
            "traced": db.has("stories") and counts["stories"] > 0}
    return data


# -- lists -----------------------------------------------------------------------------------------------
STORY_FILTERS = ("site", "lang", "group", "from", "to", "min_size")
SITE_FILTERS = ("q", "group", "min_pages")
COPY_FILTERS = ("kind", "credited", "site", "source_site", "lang", "from", "to", "max_confidence")


def _filters(params: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    f = {k: (params.get(k) or "").strip() for k in names}
    for k in ("from", "to"):
        if f.get(k) and not DATE.match(f[k]):
            raise BadRequest(f"{k} must be a date YYYY-MM-DD, got {f[k]!r}")
    for k in ("min_size", "min_pages"):
        if f.get(k) and not f[k].isdigit():
            raise BadRequest(f"{k} must be a whole number")
    if f.get("max_confidence"):
        try:
            float(f["max_confidence"])
        except ValueError:
            raise BadRequest("max_confidence must be a number")
    return {k: v for k, v in f.items() if v}


def _sort(params: dict[str, str], allowed: dict[str, str], default: str) -> str:
    sort = params.get("sort") or default
    if sort not in allowed:
        raise BadRequest(f"sort must be one of {', '.join(allowed)}")
    return sort


def _listing(page: int, total: int) -> dict[str, Any]:
    last = _pages(total)
    return {"page": page, "total": total, "last_page": last, "more": page < last,
            "page_numbers": sorted({1, last, *range(max(1, page - 3), min(last, page + 3) + 1)})}


def stories(db: Reader, params: dict[str, str]) -> Page:
    """Stories, filtered (origin site, language, operator group, first-seen dates, size), with totals, facets and page numbers."""
    page = _int_arg(params, "page", 1)
    sort = _sort(params, sw.STORY_LIST_SORTS, "size")
    f = _filters(params, STORY_FILTERS)
    rows, total, facets = [], 0, {"site": [], "languages": []}
    if db.has("stories"):
        c = db.conn()
        from . import copyindex   # totals and facets from columns built once per database change

        index = db.cached_trace("story-index", lambda: copyindex.build_stories(c))
        total, facets = index.summary(f)
        rows = sw.story_rows_by_ids(c, index.page(f, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE))
    for r in rows:
        r["languages"] = ",".join(_j(r["languages"], []))
    cols = ["story_id", "title", "size", "sites", "languages", "first_seen", "last_seen", "credit_rate",
            "origin_id", "origin_site"]
    return Page("stories.html", f"Stories ({total:,}, page {page})",
                {"stories": rows, "sort": sort, "filters": f, "facets": facets, **_listing(page, total)},
                (cols, rows))


def sites(db: Reader, params: dict[str, str]) -> Page:
    """Sites, filtered (name, operator group, pages), with totals and page numbers."""
    page = _int_arg(params, "page", 1)
    sort = _sort(params, sw.SITE_SORTS, "pages")
    f = _filters(params, SITE_FILTERS)
    grouped = db.has("site_groups")
    total = sw.site_count(db.conn(), f, grouped)
    rows = sw.site_rows(db.conn(), f, grouped, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    facets = sw.site_facets(db.conn(), f, grouped)
    return Page("sites.html", f"Sites ({total:,}, page {page})",
                {"sites": rows, "sort": sort, "filters": f, "facets": facets, **_listing(page, total)},
                (["site", "name", "pages", "group_id"], rows))


def copies(db: Reader, params: dict[str, str]) -> Page:
    """Every copy link, filtered by kind, credit, copying or copied site, language, date and confidence."""
    if not db.has("copies"):
        raise NotFound("this database has not been traced (no copies table)")
    page = _int_arg(params, "page", 1)
    sort = _sort(params, sw.COPY_SORTS, "newest")
    f = _filters(params, COPY_FILTERS)
    c = db.conn()
    # filters, totals, facets and the page cut from columns held in memory (web/copyindex.py), rebuilt once per
    # database change; only the page's rows are read
    from . import copyindex

    index = db.cached_trace("copy-index", lambda: copyindex.build(c))
    total, facets = index.summary(f)
    rows = sw.copy_rows_by_keys(c, index.page(f, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE))
    cols = ["copy_id", "source_id", "story_id", "kind", "credited", "confidence", "coverage_copy", "language_pair",
            "copy_site", "copy_title", "copy_published", "source_site", "source_published"]
    return Page("copies.html", f"Copies ({total:,}, page {page})",
                {"copies": rows, "sort": sort, "filters": f, "facets": facets, **_listing(page, total)},
                (cols, rows))


def export(db: Reader, params: dict[str, str], what: str) -> tuple[list[str], Any]:
    """(columns, row iterator) of a whole filtered list: stories, sites, copies or search (no page cut). The rows
    are read on a connection of their own, closed when the last row is sent."""
    cols, rows = _export(db, params, what, sw.open_reader(db.path))
    return cols, rows


def _closing(conn, rows):
    try:
        yield from rows
    finally:
        conn.close()


def _export(db: Reader, params: dict[str, str], what: str, c) -> tuple[list[str], Any]:
    try:
        cols, rows = _export_rows(db, params, what, c)
    except Exception:
        c.close()
        raise
    return cols, _closing(c, rows)


def _export_rows(db: Reader, params: dict[str, str], what: str, c) -> tuple[list[str], Any]:
    if what == "stories" and db.has("stories"):
        f, sort = _filters(params, STORY_FILTERS), _sort(params, sw.STORY_LIST_SORTS, "size")
        return (["story_id", "title", "size", "sites", "languages", "first_seen", "last_seen", "credit_rate",
                 "origin_id", "origin_site"], sw.iter_stories(c, f, sort))
    if what == "sites":
        f, sort = _filters(params, SITE_FILTERS), _sort(params, sw.SITE_SORTS, "pages")
        return ["site", "name", "pages", "group_id"], sw.iter_sites(c, f, db.has("site_groups"), sort)
    if what == "copies" and db.has("copies"):
        f, sort = _filters(params, COPY_FILTERS), _sort(params, sw.COPY_SORTS, "newest")
        return (["copy_id", "source_id", "story_id", "kind", "credited", "confidence", "coverage_copy",
                 "language_pair", "copy_site", "copy_title", "copy_published", "source_site", "source_published"],
                sw.iter_copies(c, f, sort))
    if what == "members" and db.has("stories"):
        sid = (params.get("story") or "").strip()
        if not sid:
            raise BadRequest("give the story, e.g. /export/members.csv?story=st-...")
        if sw.story(c, sid) is None:
            raise NotFound(f"no story {sid!r}")
        return STORY_COLS, sw.iter_story_members(c, sid)
    if what == "search":
        f = _filters(params, ("site", "from", "to", "lang", "kind"))
        fq = fts_query(params.get("q") or "")
        cols = ["page_id", "title", "site", "url", "published", "language"]
        traced = db.has("copies", "stories")
        if fq:
            return cols, sw.iter_search(c, fq, f, traced)
        return cols, sw.iter_filtered_articles(c, f, traced)
    raise NotFound(f"nothing to export as {what!r}")


# -- story -----------------------------------------------------------------------------------------------
STORY_COLS = ["page_id", "role", "kind", "parent_id", "site", "url", "title", "language", "when", "lag_hours",
              "credited", "confidence"]


def _story_rows(db: Reader, story_id: str) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    """The connection, the story row (languages parsed) and its members as stored; a story id that no longer
    exists redirects to the story now holding its page (_moved_story), a database never traced is NotFound."""
    if not db.has("stories"):
        raise NotFound("this database has not been traced (no stories table)")
    c = db.conn()
    s = sw.story(c, story_id)
    if s is None:
        _moved_story(db, story_id)
    s["languages"] = _j(s["languages"], [])
    return c, s, sw.story_members(c, story_id)


def _story_core(db: Reader, story_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The story row, every member (origin first, then by lag, undated last) with its date, the copy link it is
    drawn from (JSON columns left unparsed) and its flags. Cheap per member:
    the page draws only one page of them."""
    c, s, members = _story_rows(db, story_id)
    members.sort(key=lambda m: (m["role"] != "origin", m["lag_hours"] is None, m["lag_hours"] or 0.0, m["page_id"]))
    by_pair: dict[tuple[str, str], dict[str, Any]] = {}
    first_link: dict[str, dict[str, Any]] = {}
    for l in sw.story_link_briefs(c, story_id):
        by_pair[(l["copy_id"], l["source_id"])] = l
        first_link.setdefault(l["copy_id"], l)
    for m in members:
        m["when"] = m["published"] or m["article_published"]
        link = by_pair.get((m["page_id"], m["parent_id"])) if m["parent_id"] else None
        if link is None and m["role"] != "origin":
            link = first_link.get(m["page_id"])
        m["link"] = link
        # dated before its origin: backdated or a wrong date (trace/network.py first_seen leaves it out too)
        m["backdated"] = (m["role"] != "origin" and m["when"] is not None and m["lag_hours"] is not None
                          and m["lag_hours"] < svg.BACKDATED_HOURS)
    return s, members


def _story_whole(db: Reader, story_id: str) -> dict[str, Any]:
    """What a story page shows whatever its members page is: the story row, every member in order with its brief
    link, counts by kind and credit, honest first/last seen, backdated / undated / uncertain members, sites sharing
    an operator, the timeline, claims and shared items. Kept per story until the database changes
    (:meth:`Reader.recent`), so paging through a big story reads and draws it once."""
    s, members = _story_core(db, story_id)
    c = db.conn()
    credited = Counter((m["link"] or {}).get("credited") or "unknown" for m in members if m["role"] != "origin")
    kinds = Counter("origin" if m["role"] == "origin" else (m["kind"] or "copy") for m in members)
    # first/last seen from the dated pages that are not backdated (a copy claiming a date before its origin
    # is shown with a warning, never as the story's start)
    honest = sorted(t for t in (svg.parse_when(m["when"]) for m in members if not m["backdated"]) if t)
    whole = {"story": s, "members": members,
             "page_of": {m["page_id"]: i // PAGE_SIZE + 1 for i, m in enumerate(members)},
             "site_of": {m["page_id"]: m["site"] for m in members},
             "kinds": dict(kinds), "credit": dict(credited), "shared_operators": [], "groups": None,
             "first_seen": _day_time(honest[0]) if honest else None,
             "last_seen": _day_time(honest[-1]) if honest else None,
             "backdated": [{"page_id": m["page_id"], "site": m["site"], "when": m["when"],
                            "lag_hours": m["lag_hours"]} for m in members if m["backdated"]],
             "undated": [m["page_id"] for m in members if not m["when"]],
             "uncertain": [m["page_id"] for m in members if _uncertain(m["link"])],
             "timeline": svg.timeline(members)}
    if db.has("site_groups"):
        gs = sw.groups_of_sites(c, [m["site"] for m in members])
        by_group = defaultdict(set)
        for site_, g in gs.items():
            by_group[g].add(site_)
        whole["shared_operators"] = [{"group_id": g, "sites": sorted(v)} for g, v in sorted(by_group.items())
                                     if len(v) > 1]
        whole["groups"] = gs
    if db.has("claims"):
        whole["claims"] = web_claims.story_spread(c, story_id, [m["page_id"] for m in members])
    if db.has("actor_mentions", "flags", "analyze_actors_done"):
        from . import changes

        whole["actor_changes"] = changes.story_changes(c, members) \
            if db.cached("rows:analyze_actors_done", lambda: sw.has_rows(c, "analyze_actors_done")) else changes.empty()
        if db.has("analysis_state"):
            pending = _actors_pending(c, [m["page_id"] for m in members])
            if pending:
                whole["actor_changes"]["pending"] = {"pages": len(pending), "of": len(members),
                                                     "note": NOT_ANALYSED}
    if db.has("shared_items"):
        whole["shared_items"] = sw.shared_items_of(c, [m["page_id"] for m in members]) \
            if db.cached("rows:shared_items", lambda: sw.has_rows(c, "shared_items")) else []
    return whole


def story(db: Reader, params: dict[str, str], story_id: str) -> Page:
    """A story: counts of its members by kind and credit, honest first/last seen, backdated, undated and
    uncertain members, sites sharing an operator, the spread timeline, and the provenance tree one page of
    members at a time (the whole member list: /export/members.csv?story=...)."""
    page = _int_arg(params, "page", 1)
    whole = db.recent(f"story:{story_id}", lambda: _story_whole(db, story_id))
    s, members = whole["story"], whole["members"]
    c = db.conn()
    listing = _listing(page, len(members))
    if page > listing["last_page"]:
        raise NotFound(f"the story has {len(members)} members: no page {page}")
    # this page's members, copied: the kept story is shared by every request
    shown = [dict(m) for m in members[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
    full = sw.copy_links(c, [(m["link"]["copy_id"], m["link"]["source_id"]) for m in shown if m["link"]])
    for m in shown:
        if m["link"] is not None:
            link = full.get((m["link"]["copy_id"], m["link"]["source_id"]), m["link"])
            m["link"] = dict(link, evidence=_j(link.get("evidence"), []), credited_to=_j(link.get("credited_to"), None))
    # a compilation draws on sources that may sit in other stories: all of its copy links, named
    every = defaultdict(list)
    for r in sw.all_sources_of(c, [m["page_id"] for m in shown if m["role"] != "origin"]):
        every[r["copy_id"]].append(r)
    for m in shown:
        used = m["link"]["source_id"] if m["link"] else None
        m["other_sources"] = [{"page_id": r["source_id"], "site": r["site"], "title": r["title"],
                               "story_id": r["story_id"]} for r in every.get(m["page_id"], [])
                              if r["source_id"] != used]
    # provenance tree of this page's members: a member under its parent when the parent is on this page too;
    # else at the top, naming its parent and the page it is on
    origin = s["origin_id"]
    page_of, site_of = whole["page_of"], whole["site_of"]
    here = {m["page_id"] for m in shown}
    children = defaultdict(list)
    tops = []
    for m in shown:
        p = m["parent_id"]
        if m["page_id"] == origin:
            continue
        if p in here and p != m["page_id"]:
            children[p].append(m)
        elif page == 1 and origin in here and p not in page_of:
            children[origin].append(m)     # a parent outside the story: hung off the origin, as before
        else:
            if p in page_of and p not in here:
                m["parent_elsewhere"] = {"page_id": p, "site": site_of.get(p), "page": page_of[p]}
            (children[origin] if origin in here else tops).append(m)
    seen: set[str] = set()

    def tree(pid: str, depth: int) -> list[dict[str, Any]]:
        out = []
        for ch in children.get(pid, []):
            if ch["page_id"] in seen or depth > 50:
                continue
            seen.add(ch["page_id"])
            out.append({"member": ch, "children": tree(ch["page_id"], depth + 1)})
        return out

    roots = []
    if origin in here:
        seen.add(origin)
        roots.append({"member": next(m for m in shown if m["page_id"] == origin), "children": tree(origin, 0)})
    for m in tops:
        if m["page_id"] not in seen:
            seen.add(m["page_id"])
            roots.append({"member": m, "children": tree(m["page_id"], 1)})
    orphans = [m for m in shown if m["page_id"] not in seen]  # cycles, if any: listed flat
    if whole["groups"] is not None:
        for m in shown:
            m["group_id"] = whole["groups"].get(m["site"])
    json_members = [{k: v for k, v in m.items() if k != "article_published"} for m in shown]
    sid = s["story_id"]
    data = {"story": s, "members": json_members, "members_total": len(members), **listing,
            "members_export": {"csv": f"/export/members.csv?story={sid}", "json": f"/export/members.json?story={sid}"},
            **{k: whole[k] for k in ("kinds", "credit", "shared_operators", "first_seen", "last_seen", "backdated",
                                     "undated", "uncertain")}}
    table = [{**{k: m.get(k) for k in STORY_COLS}, "credited": (m["link"] or {}).get("credited"),
              "confidence": (m["link"] or {}).get("confidence")} for m in shown]
    html = {"roots": roots, "orphans": orphans, "timeline": whole["timeline"]}
    for k in ("claims", "actor_changes", "shared_items"):
        if k in whole:
            data[k] = whole[k]
    return Page("story.html", f"Story: {s['title'] or story_id} ({s['size']} pages, {s['sites']} sites)"
                + (f", members page {page}" if page > 1 else ""), data, (STORY_COLS, table), html)


def _moved_story(db: Reader, story_id: str) -> None:
    """Raise :class:`Moved` to the story that holds the page an old story id was named after, else NotFound.

    A story id hashes its origin page (trace/network.py ``story_id``); when an earlier origin arrives, a re-trace
    names the grown story after the new origin and the old id disappears. The old origin is then a copy in the
    grown story, so hashing every copy member finds it: no table to keep, exact for any database, computed once
    per database change."""
    from ..trace.network import story_id as sid_of

    if re.fullmatch(r"st-[0-9a-f]{12}", story_id):
        aliases = db.cached("story-aliases", lambda: {sid_of(p): p for p in sw.copy_member_pages(db.conn())})
        page = aliases.get(story_id)
        now = sw.story_of_page(db.conn(), page) if page else None
        if now and now != story_id:
            raise Moved(story_id, now)
    raise NotFound(f"no story {story_id!r}")


# -- copy vs source --------------------------------------------------------------------------------------
def compare(db: Reader, params: dict[str, str], copy_id: str, source_id: str) -> Page:
    """A copy against its source: aligned passages, added and removed text, substitutions, credit and evidence."""
    if not db.has("copies"):
        raise NotFound("this database has not been traced (no copies table)")
    link = sw.copy_link(db.conn(), copy_id, source_id)
    if link is None:
        raise NotFound(f"no copy link from {copy_id!r} to {source_id!r}")
    cp = sw.article_brief(db.conn(), copy_id)
    src = sw.article_brief(db.conn(), source_id)
    if cp is None or src is None:
        raise NotFound("one of the two articles is not in the database")
    for k in ("spans", "evidence", "changes", "credited_to"):
        link[k] = _j(link[k], None)
    # the spans index into the body versions the copy names (a body rewritten since is kept while named)
    for art, k in ((cp, "copy_hash"), (src, "source_hash")):
        art["body"] = furniture.body_at(db.conn(), art["page_id"], link.get(k)) or art["body"]
    cr, sr = spans_ranges(link["spans"])
    copy_segs = segments(cp["body"], cr, "added")
    src_segs = segments(src["body"], sr, "removed")
    others = sw.other_sources(db.conn(), copy_id, source_id)
    # a compilation's passages from its other sources are theirs, not "added": named by site and title
    other_ranges = []
    for o in others:
        o["spans"] = _j(o.pop("spans", None), [])
        o_cr, _ = spans_ranges(o["spans"])
        o["label"] = f"{o['site'] or '?'}: {o['title'] or o['source_id']}"
        other_ranges += [(a, b, {"source_id": o["source_id"], "site": o["site"], "title": o["title"]})
                         for a, b, _ in o_cr]
        del o["spans"]
    copy_segs = split_gaps(copy_segs, other_ranges, "other")
    changes = link["changes"] if isinstance(link["changes"], dict) else {}
    substituted = mark_substitutions(copy_segs, src_segs, changes.get("substitutions"))
    added = sum(len(s["text"]) for s in copy_segs if s["cls"] == "added")
    from_others = sum(len(s["text"]) for s in copy_segs if s["cls"] == "other")
    removed = sum(len(s["text"]) for s in src_segs if s["cls"] == "removed")
    credits = sw.credits(db.conn(), copy_id)
    cross = _cross_language(link, cp, src)
    headline_changed = (cp["title"] or "").strip() != (src["title"] or "").strip()
    data = {"link": link, "copy": cp, "source": src, "credits_on_copy": credits,
            "cross_language": cross,
            "headline": {"changed": headline_changed and not cross, "translated": headline_changed and cross,
                         "before": src["title"], "after": cp["title"]},
            "added_chars": added, "removed_chars": removed, "from_other_sources_chars": from_others,
            "substituted_words_marked": substituted, "other_sources": others,
            "evidence_against": _against(link["evidence"]), "uncertain": _uncertain(link),
            "segments": {"copy": copy_segs, "source": src_segs}}
    return Page("compare.html", f"Copy vs source: {cp['site']} ← {src['site']}: {cp['title'] or copy_id}", data)


def _day_time(t) -> str:
    """A UTC instant as ``YYYY-MM-DD HH:MM UTC`` (one format everywhere, no offsets)."""
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _against(evidence: Any) -> int:
    """How many evidence items weigh against the call (negative weight)."""
    return sum(1 for e in evidence or [] if isinstance(e, dict) and isinstance(e.get("weight"), (int, float))
               and e["weight"] < 0)


def _uncertain(link: dict[str, Any] | None) -> bool:
    c = (link or {}).get("confidence")
    return isinstance(c, (int, float)) and c < LOW_CONFIDENCE


def _cross_language(link: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when the two pages are in different languages (a translation): words are not compared then."""
    pair = link.get("language_pair") or ""
    if "-" in pair:
        x, _, y = pair.partition("-")
        if x and y:
            return x != y
    return bool(a.get("language") and b.get("language") and a["language"] != b["language"]) \
        or link.get("kind") == "translation"


# -- article ---------------------------------------------------------------------------------------------
# what a page says of actors, relations and loaded language the actors stage has not run on yet (ingest runs
# claims alone by default; `newstrace analyze` runs the rest), instead of an empty list read as "none found"
NOT_ANALYSED = "not analysed yet - run `newstrace analyze`"


def _actors_pending(conn, page_ids: list[str]) -> set[str]:
    from ..store import claims as store_claims

    return store_claims.unanalysed(conn, page_ids, "actors")


def article(db: Reader, params: dict[str, str], page_id: str) -> Page:
    """An article: text, metadata, credits, identifiers, media, outlinks, where it came from and went, its stories."""
    c = db.conn()
    a = sw.article_full(c, page_id)
    if a is None:
        raise NotFound(f"no article {page_id!r}")
    for k in ("sections", "tags", "alternates", "extra"):
        a[k] = _j(a[k], None)
    a.pop("blocks", None)
    a.pop("raw_body", None)
    a["paragraphs"] = [p for p in re.split(r"\n\s*\n", a["body"] or "") if p.strip()]
    credits = sw.credits(c, page_id)
    idents = sw.identifiers_of(c, page_id)
    media = sw.media_of(c, page_id)
    outlinks = sw.outlinks_of(c, page_id)
    came_from = went_to = stories_in = []
    if db.has("copies"):
        came_from = sw.sources_of(c, page_id)
        went_to = sw.copies_of(c, page_id)
    if db.has("story_members"):
        stories_in = sw.stories_of_page(c, page_id)
    data = {"article": a, "credits": credits, "identifiers": idents, "media": media, "outlinks": outlinks,
            "came_from": came_from, "went_to": went_to, "stories": stories_in}
    if db.has("actor_mentions", "analysis_state") and _actors_pending(c, [page_id]):
        data["actors_pending"] = NOT_ANALYSED   # not "None found": the actors stage has not read this body
    elif db.has("actor_mentions"):
        from ..store import actors as store_actors

        items = store_actors.article_items(db.conn(), page_id)
        seen: dict[str, dict[str, Any]] = {}
        for m in items["mentions"]:
            e = seen.setdefault(m["actor_id"], {"actor_id": m["actor_id"], "name": m["name"] or m["text"],
                                                "kind": m["kind"], "mentions": 0, "as": set()})
            e["mentions"] += 1
            e["as"].add(m["text"] + (" (government)" if m["metonymy"] == "gov" else ""))
        data["actors"] = [{**e, "as": sorted(e["as"])} for e in sorted(seen.values(), key=lambda e: -e["mentions"])]
        data["flags"] = items["flags"]
        data["relations"] = items["relations"]
    html = {}
    if db.has("claims"):
        data["claims"], html["claim_paragraphs"] = web_claims.article_claims(db.conn(), page_id, a["body"] or "")
    if db.has("shared_items"):
        data["shared_items"] = sw.shared_items_of(c, [page_id])
    return Page("article.html", f"{a['title'] or page_id} ({a['site']})", data, None, html)


# -- actor -----------------------------------------------------------------------------------------------
def actor(db: Reader, params: dict[str, str], actor_id: str) -> Page:
    """An actor across documents: aliases with evidence, roles over time, relations and who asserts them,
    the sites that write about it most, loaded terms used next to it."""
    if not db.has("actors"):
        raise NotFound("no actors analysed in this database (run `newstrace actors`)")
    from ..store import actors as store_actors

    a = store_actors.actor_page(db.conn(), actor_id)
    if a is None:
        raise NotFound(f"no actor {actor_id!r}")
    rows = [{"subject": r["subject"], "type": r["type"], "object": r["object"], "negated": r["negated"],
             "modality": r["modality"], "chain": " > ".join(r["chain"]), "url": r["url"],
             "evidence": r["evidence"]["text"]} for r in a["relations"]]
    return Page("actor.html", f"{a['name']} ({a['kind']})", a,
                table=(["subject", "type", "object", "negated", "modality", "chain", "url", "evidence"], rows))


# -- site ------------------------------------------------------------------------------------------------
def site(db: Reader, params: dict[str, str], domain: str) -> Page:
    """A site: articles, languages, identifiers, its roles (originator, copier, credit rates), neighbours, group."""
    c = db.conn()
    srow = sw.site(c, domain)
    if srow is None:
        raise NotFound(f"no site {domain!r}")
    recent = sw.recent_articles(c, domain)
    idents = sw.site_identifiers(c, domain, ID_SAMPLE)
    languages = sw.site_languages(c, domain)
    roles: dict[str, Any] = {}
    edges: list[dict[str, Any]] = []
    neighbours: list[dict[str, Any]] = []
    group: dict[str, Any] | None = None
    n_neighbours = 0
    if db.has("site_edges"):
        # a big site has an edge to most others: every edge is counted (roles below), the heaviest
        # SITE_NEIGHBOURS are listed with their evidence (JSON parsed for those only), the CSV twin lists all
        edges = sw.site_edges(c, domain)
        for e in edges:
            raw = e["detail"] or ""
            e["detail"] = raw
            other = e["site_b"] if e["site_a"] == domain else e["site_a"]
            if e["kind"] == "copy":
                direction = "copies from" if e["site_a"] == domain else "copied by"
            elif e["kind"] == "shared":   # pages of both carry the same posts, quotes or captions (weak)
                direction = "shares posts, quotes or captions with"
            else:
                direction = "shares identifiers with"
            neighbours.append({"site": other, "kind": e["kind"], "direction": direction, "weight": e["weight"],
                               "strong": bool(e["strong"]),
                               "credit_rate": _credit_rate(raw, e["weight"]) if e["kind"] == "copy" else None,
                               "_edge": e})
        neighbours.sort(key=lambda n: (-(n["weight"] or 0), n["site"], n["kind"]))
        n_neighbours = len(neighbours)
        for i, n in enumerate(neighbours[:SITE_NEIGHBOURS]):
            d = _j(n["_edge"]["detail"], {})
            d = d if isinstance(d, dict) else {}
            n["evidence"] = d
            n["identifiers"] = _edge_identifiers(d) if n["kind"] != "copy" else []
            # example pairs (two URL lookups each) for the 15 strongest edges
            n["examples"] = _edge_examples(db, d, 3) if n["kind"] == "copy" and i < 15 else []
    if db.has("copies", "stories"):
        # stories whose origin is on the site: counted from the stories list's in-memory columns (one pass per
        # database change, warmed at start) instead of a probe per article of the site
        from . import copyindex

        originated = db.cached_trace("story-index", lambda: copyindex.build_stories(c)).originated_by(domain)
        if db.has("site_edges"):
            # copy flows between sites come from the network trace built (one row per site pair, with counts);
            # walking a 13k-article site's copies one index probe at a time costs ~50 ms
            out_e = [e for e in edges if e["kind"] == "copy" and e["site_a"] == domain and e["site_b"] != domain]
            in_e = [e for e in edges if e["kind"] == "copy" and e["site_b"] == domain and e["site_a"] != domain]

            def credited(e):
                m = _CREDITED_N.search(e["detail"])
                if m:
                    return float(m.group(1))
                return round((_credit_rate(e["detail"], e["weight"]) or 0) * (e["weight"] or 0))

            made_n = int(sum(e["weight"] or 0 for e in out_e))
            made_cr = sum(credited(e) for e in out_e)
            taken_n = int(sum(e["weight"] or 0 for e in in_e))
            taken_cr = sum(credited(e) for e in in_e)
            kinds = Counter()
            for e in out_e:
                m = _KINDS.search(e["detail"])
                for k, n in (_j(m.group(0)[m.group(0).index("{"):], {}) if m else {}).items():
                    if isinstance(n, (int, float)):
                        kinds[k] += n
        else:
            made = sw.copies_made_by_site(c, domain)
            taken = sw.copies_taken_from_site(c, domain)
            made_n = sum(r["n"] for r in made if r["kind"] != "duplicate")
            made_cr = sum(r["n"] for r in made if r["kind"] != "duplicate" and r["credited"] in CREDITED)
            taken_n = sum(r["n"] for r in taken)
            taken_cr = sum(r["n"] for r in taken if r["credited"] in CREDITED)
            kinds = Counter()
            for r in made:
                kinds[r["kind"]] += r["n"]
        roles = {"stories_originated": originated, "copies_made": made_n, "copies_made_by_kind": dict(kinds),
                 "credit_rate_when_copying": _rate(made_cr, made_n),
                 "copied_by_others": taken_n, "credited_by_copiers": _rate(taken_cr, taken_n)}
    if db.has("site_groups"):
        g = sw.group_of(c, domain)
        if g:
            group = {"group_id": g["group_id"], "evidence": _j(g["evidence"], []),
                     "members": sw.group_members(c, g["group_id"])}
    for n in neighbours:
        n.pop("_edge", None)
    shown = neighbours[:SITE_NEIGHBOURS]
    net_edges = [{"site_a": (n["site"] if n["direction"] == "copied by" else domain) if n["kind"] == "copy"
                  else domain,
                  "site_b": (domain if n["direction"] == "copied by" else n["site"]) if n["kind"] == "copy"
                  else n["site"],
                  "kind": n["kind"], "weight": n["weight"], "strong": n["strong"], "credit_rate": n["credit_rate"]}
                 for n in neighbours]
    data = {"site": srow, "articles": srow["pages"], "languages": languages, "identifiers": idents,
            "identifiers_over_latest": min(ID_SAMPLE, srow["pages"] or 0),
            "roles": roles, "neighbours": shown, "neighbours_total": n_neighbours,
            "neighbours_csv": f"/site/{quote(domain, safe='')}.csv", "group": group, "recent_articles": recent}
    cols = ["site", "kind", "direction", "weight", "strong", "credit_rate"]
    return Page("site.html", f"Site: {domain}", data, (cols, neighbours),
                {"network": svg.network(domain, net_edges)})


SITE_NEIGHBOURS = 50   # neighbours listed on a site page, heaviest first (the CSV twin has them all)
_KINDS = re.compile(r'"kinds"\s*:\s*\{[^{}]*\}')


def _credit_rate(detail: str, weight: Any) -> float | None:
    """A copy edge's credit rate out of its detail JSON (``credit_rate``, else ``credited`` / weight), without
    parsing the rest (example pairs)."""
    m = _CREDIT_RATE.search(detail or "")
    if m:
        return float(m.group(1))
    m = _CREDITED_N.search(detail or "")
    if m and weight:
        return float(m.group(1)) / weight
    return None


def _edge_examples(db: Reader, d: dict[str, Any], limit: int = 5) -> list[dict[str, Any]]:
    """Example copy pairs of a copy edge as page ids (trace stores them as URLs or ids)."""
    out = []
    for ex in (d.get("examples") or [])[:limit]:
        if isinstance(ex, dict):
            cid, sid = ex.get("copy_id"), ex.get("source_id")
            if not (cid and sid) and ex.get("copy_url") and ex.get("source_url"):
                cid = sw.page_id_by_url(db.conn(), ex["copy_url"])
                sid = sw.page_id_by_url(db.conn(), ex["source_url"])
        elif isinstance(ex, (list, tuple)) and len(ex) >= 2:
            cid, sid = ex[0], ex[1]
        else:
            continue
        if cid and sid:
            out.append({"copy_id": cid, "source_id": sid})
    return out


def _edge_identifiers(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Shared identifiers of an identifier edge: ``{strong: [...], weak: [...]}`` or a flat ``shared`` list."""
    out = []
    for key, strong in (("strong", True), ("weak", False), ("shared", None), ("identifiers", None)):
        for i in d.get(key) or []:
            if isinstance(i, dict):
                out.append({"kind": i.get("kind"), "value": i.get("value"),
                            "strong": strong if strong is not None else bool(i.get("strong"))})
    return out


# -- search ----------------------------------------------------------------------------------------------
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def search(db: Reader, params: dict[str, str]) -> Page:
    """Full-text search with filters (site, dates, language, kind), plus identifier values and credited names matching."""
    q = (params.get("q") or "").strip()
    f = {k: (params.get(k) or "").strip() for k in ("site", "from", "to", "lang", "kind")}
    page = _int_arg(params, "page", 1, hi=RANK_WINDOW // PAGE_SIZE)
    for k in ("from", "to"):
        if f[k] and not DATE.match(f[k]):
            raise BadRequest(f"{k} must be a date YYYY-MM-DD, got {f[k]!r}")
    if f["kind"] and f["kind"] not in COPY_KINDS + ("origin", "copy"):
        raise BadRequest(f"kind must be one of origin, copy, {', '.join(COPY_KINDS)}")
    traced = db.has("copies", "stories")
    filters = {k: v for k, v in f.items() if v}
    fq = fts_query(q)
    rows: list[dict[str, Any]] = []
    window = None
    more = False
    total = None
    facets: dict[str, list[dict[str, Any]]] = {"site": [], "lang": []}
    if fq:
        # a filter costs one articles row per match walked, so filtered searches rank a smaller window
        limit = RANK_WINDOW if not filters else RANK_WINDOW // 2
        try:
            # Ranking every match of a common word costs ~2 us per match (bm25 over 50k matches ~100 ms), so
            # step 1 takes the RANK_WINDOW most recently stored matches (after filters) with their rank, in
            # rowid order, which stops early; exact when fewer match. Step 2 fetches snippets for one page.
            hits = sw.search_ids(db.conn(), fq, filters, traced, limit)   # store/search.py: FTS5 or PostgreSQL
            window = limit if len(hits) >= limit else None
            total = len(hits)                    # every match when fewer than the window, else the window
            facets = sw.search_facets(db.conn(), [h[0] for h in hits])
            hits.sort(key=lambda h: (h[1], -h[0]))
            more = len(hits) > page * PAGE_SIZE
            ids = [h[0] for h in hits[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]]
            rows = sw.search_rows(db.conn(), fq, ids, MARK_OPEN, MARK_CLOSE)
        except sw.SearchError as e:
            raise BadRequest(f"search query not understood: {e}")
    elif filters:
        rows = sw.filtered_articles(db.conn(), filters, traced, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        for r in rows:
            r["snippet"] = (r["snippet"] or "") + "…"
    for r in rows:
        r["snippet_parts"] = snippet_segments(r["snippet"])
        r["snippet"] = "".join(p["text"] for p in r["snippet_parts"])
    # one text copied by many sites is one story: results of a story already listed on this page go under it
    groups: list[dict[str, Any]] = []
    if rows and db.has("story_members"):
        story_of = sw.stories_of_pages(db.conn(), [r["page_id"] for r in rows])
        at: dict[str, dict[str, Any]] = {}
        for r in rows:
            s = story_of.get(r["page_id"])
            r["story_id"] = s["story_id"] if s else None
            if s and s["story_id"] in at:
                at[s["story_id"]]["more"].append(r)
            else:
                g = {"story": s, "first": r, "more": []}
                groups.append(g)
                if s:
                    at[s["story_id"]] = g
    else:
        groups = [{"story": None, "first": r, "more": []} for r in rows]
    id_hits, credit_hits = [], []
    if q and page == 1 and len(q) >= 3:
        kinds = db.cached("identifier_kinds", lambda: sw.identifier_kinds(db.conn()))
        id_hits = sw.identifier_matches(db.conn(), kinds, q)
        credit_hits = sw.credit_name_matches(db.conn(), q)
    cols = ["page_id", "title", "site", "url", "published", "language", "snippet"]
    langs = db.cached("languages", lambda: sw.languages(db.conn()))
    data = {"q": q, "filters": f, "fts_query": fq, "page": page, "results": rows, "more": more, "total": total,
            "facets": facets, "ranked_within_latest": window, "identifiers": id_hits, "credited_names": credit_hits}
    if total is not None:
        data.update({k: v for k, v in _listing(page, total).items() if k in ("last_page", "page_numbers")})
    title = f"Search: {q}" if q else "Search"
    return Page("search.html", title, data, (cols, rows), {"languages": langs, "kinds": ("origin", "copy") + COPY_KINDS,
                                                             "groups": groups})


# -- problems --------------------------------------------------------------------------------------------
def problems(db: Reader, params: dict[str, str]) -> Page:
    """Recorded problems (pages that could not be read or extracted) by reason, newest first."""
    page = _int_arg(params, "page", 1)
    reason = (params.get("reason") or "").strip()
    by_reason = sw.problems_by_reason(db.conn())
    rows = sw.problem_page(db.conn(), reason or None, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    cols = ["problem_id", "source", "stage", "reason", "detail", "url", "page_id", "seen_at"]
    return Page("problems.html", f"Problems ({sum(r['n'] for r in by_reason)})",
                {"by_reason": by_reason, "reason": reason, "problems": rows, "page": page,
                 "more": len(rows) == PAGE_SIZE}, (cols, rows))


# -- pivots ----------------------------------------------------------------------------------------------
def identifier(db: Reader, params: dict[str, str]) -> Page:
    """An identifier value (analytics id, ad account, payment address, e-mail ...): every site and page carrying
    it, first and last seen."""
    kind = (params.get("kind") or "").strip()
    value = (params.get("value") or "").strip()
    if not kind or not value:
        raise BadRequest("give kind and value, e.g. /identifier?kind=analytics&value=UA-1234-1")
    page = _int_arg(params, "page", 1)
    c = db.conn()
    # a value on every page (a theme's tag manager) aggregates ~100k rows: remembered until the database changes
    # (and worked out in the background at start for the values on the most pages: warm_identifiers)
    sites_ = [dict(r) for r in db.cached(f"identifier-sites:{kind}\x00{value}",
                                         lambda: sw.identifier_sites(c, kind, value))]
    if not sites_:
        raise NotFound(f"no page carries {kind} {value!r}")
    total = sum(s["pages"] for s in sites_)
    # a value on a large share of all pages: walking the articles in date order finds a page of it sooner than
    # reading every page carrying it costs (walk ~ (offset + 50) * articles / total probes, read ~ total)
    articles = db.cached("count:articles", lambda: sw.count_rows(c, "articles"))
    offset = (page - 1) * PAGE_SIZE
    common = total * total > (offset + PAGE_SIZE) * articles
    pages = sw.identifier_pages(c, kind, value, PAGE_SIZE, offset, common=common)
    groups = sw.groups_of_sites(c, [s["site"] for s in sites_]) if db.has("site_groups") else {}
    for s in sites_:
        s["group_id"] = groups.get(s["site"])
    data = {"kind": kind, "value": value, "sites": sites_, "pages": pages, "total_pages": total,
            "first_seen": min((s["first_seen"] for s in sites_ if s["first_seen"]), default=None),
            "last_seen": max((s["last_seen"] for s in sites_ if s["last_seen"]), default=None),
            "page": page, "pages_total": _pages(total), "more": page * PAGE_SIZE < total}
    return Page("identifier.html", f"Identifier {kind}: {value}", data,
                (["page_id", "site", "title", "url", "published", "fetched_at", "where"], pages))


COMMON_IDENTIFIER = 0.05   # identifier values on at least this share of all pages are aggregated at start


def warm_identifiers(db: Reader, limit: int = 20, floor: int = 1000) -> int:
    """Work out the sites table of the identifier values on the most pages (at least COMMON_IDENTIFIER of all
    pages and ``floor`` pages, at most ``limit`` values): each costs one probe per page carrying it, seconds for
    a value on every page, so the first visitor of such a value does not wait for it. Returns how many."""
    c = db.conn()
    articles = db.cached("count:articles", lambda: sw.count_rows(c, "articles"))
    done = 0
    for kind, value in sw.common_identifiers(c, max(floor, int(COMMON_IDENTIFIER * articles)))[:limit]:
        db.cached(f"identifier-sites:{kind}\x00{value}", lambda: sw.identifier_sites(c, kind, value))
        done += 1
    return done


def credited(db: Reader, params: dict[str, str]) -> Page:
    """A credited name: every page whose credit line names it."""
    name = (params.get("name") or "").strip()
    if not name:
        raise BadRequest("give name, e.g. /credited?name=Reuters")
    rows = sw.credited_pages(db.conn(), name)
    if not rows:
        raise NotFound(f"no page credits {name!r}")
    sites_ = Counter(r["site"] for r in rows)
    return Page("credited.html", f"Credited: {name}", {"name": name, "pages": rows,
                                                        "sites": [{"site": s, "pages": n} for s, n in
                                                                  sites_.most_common()]},
                (["page_id", "site", "title", "published", "form", "url"], rows))


def group(db: Reader, params: dict[str, str], group_id: str) -> Page:
    """An operator group: its sites, the identifiers they share (the evidence), the stories they originated or
    amplified, and how they credit when they copy."""
    if not db.has("site_groups"):
        raise NotFound("this database has no operator groups (run `newstrace trace`)")
    c = db.conn()
    members = sw.group_sites(c, group_id)
    if not members:
        raise NotFound(f"no operator group {group_id!r}")
    names = [m["site"] for m in members]
    shared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in members:
        for ev in _j(m.pop("evidence"), []) or []:
            if not isinstance(ev, dict):
                continue
            for i in ev.get("shared") or []:
                if isinstance(i, dict) and i.get("kind") and i.get("value"):
                    shared[(i["kind"], i["value"])].update({m["site"], ev.get("with") or m["site"]})
    evidence = [{"kind": k, "value": v, "sites": sorted(s)} for (k, v), s in sorted(shared.items())]
    edges = []
    for e in sw.edges_among(c, names) if db.has("site_edges") else []:
        d = _j(e["detail"], {})
        edges.append({"site_a": e["site_a"], "site_b": e["site_b"], "kind": e["kind"], "weight": e["weight"],
                      "strong": bool(e["strong"]), "credit_rate": d.get("credit_rate") if isinstance(d, dict) else None})
    # one pass over every story membership of the group's pages: remembered per group until the database changes
    originated, amplified, n_orig, n_ampl = db.cached(f"group-stories:{group_id}", lambda: _group_stories(c, names)) \
        if db.has("stories", "story_members") else ([], [], 0, 0)
    credit = {r["credited"] or "unknown": r["n"] for r in sw.credit_by_sites(c, names)} if db.has("copies") else {}
    n = sum(credit.values())
    data = {"group_id": group_id, "sites": members, "shared_identifiers": evidence, "edges": edges,
            "originated": originated, "amplified": amplified, "stories_originated": n_orig,
            "stories_amplified": n_ampl, "stories_list": f"/stories?group={quote(group_id, safe='')}",
            "credit": {"by_status": credit, "copies": n, "rate": _rate(sum(credit.get(k, 0) for k in CREDITED), n)}}
    return Page("group.html", f"Operator group {group_id} ({len(members)} sites)", data,
                (["site", "name", "pages"], members))


GROUP_STORIES = 20   # the newest stories a group originated and amplified, listed (with the totals)


def _group_stories(c, sites: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
    """(newest stories originated, newest amplified, how many originated, how many amplified) by these sites:
    one pass over their story memberships; a story counts once per role, the newest member date first."""
    newest: dict[str, dict[str, tuple]] = {"origin": {}, "copy": {}}
    for story_id, site_, role, kind, when in sw.memberships_of_sites(c, sites):
        by = newest["origin" if role == "origin" else "copy"]
        key = (when or "", story_id)
        if story_id not in by or key > by[story_id][0]:
            by[story_id] = (key, site_, kind)
    picked = {r: sorted(by.items(), key=lambda x: x[1][0], reverse=True)[:GROUP_STORIES]
              for r, by in newest.items()}
    info = sw.stories_by_ids(c, [sid for rows in picked.values() for sid, _ in rows])
    lists = {r: [{**info.get(sid, {"story_id": sid, "title": None, "size": None, "first_seen": None}),
                  "site": v[1], "role": r, "kind": v[2], "when": v[0][0] or None} for sid, v in rows]
             for r, rows in picked.items()}
    return lists["origin"], lists["copy"], len(newest["origin"]), len(newest["copy"])


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


# -- captured copy and story bundle ----------------------------------------------------------------------
def _capture_record(db: Reader, page_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from . import capture as cap

    c = db.conn()
    p = sw.page_row(c, page_id)
    if p is None:
        raise NotFound(f"no page {page_id!r}")
    got = cap.captured(sw.page_sources(c, page_id), p.get("content_sha"))
    return p, got


def capture(db: Reader, params: dict[str, str], page_id: str) -> Page:
    """A page as captured: capture time, every source it was read from (WARC file, offset and record id), whether
    the bytes there still match what was ingested, a link to the sanitised copy, and the extracted text."""
    p, got = _capture_record(db, page_id)
    a = sw.article_brief(db.conn(), page_id) or {}
    paragraphs = [x for x in re.split(r"\n\s*\n", a.get("body") or "") if x.strip()]
    html_ok = got.get("raw") is not None and "html" in ((p.get("content_type") or "text/html").lower())
    data = {"page": {k: v for k, v in p.items()}, "captured_at": got.get("warc_date") or p.get("fetched_at"),
            "record_id": got.get("record_id"), "source": got.get("source"), "verified": got.get("verified"),
            "sources": got["sources"], "sanitised_copy": f"/capture/{page_id}/page" if html_ok else None,
            "raw_html_stored": False, "extracted_text": paragraphs}
    return Page("capture.html", f"Captured copy: {p.get('title') or p.get('url') or page_id}", data)


def capture_document(db: Reader, page_id: str) -> str:
    """The sanitised captured page as a whole HTML document (served under the sandbox CSP)."""
    from . import capture as cap

    p, got = _capture_record(db, page_id)
    if got.get("raw") is None:
        why = "; ".join(s["missing"] for s in got["sources"] if s.get("missing")) or "no source recorded"
        raise NotFound(f"the captured bytes cannot be read back ({why}); the extracted text is on "
                       f"/capture/{page_id}")
    body, _ = cap.sanitise(got["raw"], p.get("content_type"))
    return cap.document(body, {"url": p.get("url") or p.get("read_url"),
                               "captured_at": got.get("warc_date") or p.get("fetched_at"),
                               "source": got.get("source"), "record_id": got.get("record_id"),
                               "back": f"/capture/{page_id}"})


BUNDLE_CAPTURES = 100   # captured copies read back into a story bundle (the first members, origin first)


def story_bundle(db: Reader, story_id: str) -> bytes:
    """One zip for a story: members, copy links with aligned passages and evidence, and the captures (extracted
    text, sources, WARC record ids and the sanitised copy where the bytes can still be read back)."""
    import csv
    import io
    import zipfile

    from . import capture as cap

    c, s, members = _story_rows(db, story_id)
    links = sw.bundle_copies(c, story_id)
    bodies = sw.bodies(c, [m["page_id"] for m in members] + [l["source_id"] for l in links])
    passages, evidence = [], []
    for l in links:
        for k in ("spans", "evidence", "changes", "credited_to"):
            l[k] = _j(l[k], None)
        cb = (bodies.get(l["copy_id"]) or {}).get("body") or ""
        sb = (bodies.get(l["source_id"]) or {}).get("body") or ""
        for i, sp in enumerate(l["spans"] or []):
            try:
                a, b, x, y = (int(v) for v in sp[:4])
            except (TypeError, ValueError):
                continue
            passages.append({"copy_id": l["copy_id"], "source_id": l["source_id"], "passage": i + 1,
                             "copy_start": a, "copy_end": b, "source_start": x, "source_end": y,
                             "copy_text": cb[a:b], "source_text": sb[x:y]})
        for e in l["evidence"] or []:
            if isinstance(e, dict):
                evidence.append({"copy_id": l["copy_id"], "source_id": l["source_id"], "kind": e.get("kind"),
                                 "weight": e.get("weight"), "detail": json.dumps(e.get("detail"), ensure_ascii=False)})

    def table(cols, rows) -> str:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in cols])
        return buf.getvalue()

    captures = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, m in enumerate(members):
            pid = m["page_id"]
            p = sw.page_row(c, pid) or {}
            srcs = sw.page_sources(c, pid)
            rec: dict[str, Any] = {"page_id": pid, "url": m["url"], "site": m["site"], "fetched_at": m["fetched_at"],
                                   "sources": " | ".join(x["source"] for x in srcs), "record_id": None,
                                   "warc_date": None, "read_back": "not tried (bundle cap)", "sanitised_copy": None}
            if i < BUNDLE_CAPTURES:
                got = cap.captured(srcs, p.get("content_sha"))
                rec["record_id"], rec["warc_date"] = got.get("record_id"), got.get("warc_date")
                if got.get("raw") is not None:
                    body, _ = cap.sanitise(got["raw"], p.get("content_type"))
                    name = f"captures/{pid}.html"
                    z.writestr(name, cap.document(body, {"url": m["url"], "source": got.get("source"),
                                                         "captured_at": got.get("warc_date") or m["fetched_at"],
                                                         "record_id": got.get("record_id"),
                                                         "back": f"/capture/{pid}"}))
                    rec["sanitised_copy"], rec["read_back"] = name, "ok" if got.get("verified") else "ok (unverified)"
                else:
                    rec["read_back"] = "; ".join(x["missing"] for x in got["sources"] if x.get("missing")) or "no source"
            b = bodies.get(pid) or {}
            z.writestr(f"captures/{pid}.txt", f"URL: {m['url']}\nSite: {m['site']}\nTitle: {m['title']}\n"
                                              f"Published: {m['published'] or m['article_published'] or '?'}\n"
                                              f"Captured: {rec['warc_date'] or m['fetched_at'] or '?'}\n"
                                              f"Source: {rec['sources']}\nWARC record: {rec['record_id'] or '-'}\n\n"
                                              + (b.get("body") or ""))
            captures.append(rec)
        z.writestr("story.json", json.dumps({"story": s, "members": members, "copies": links}, ensure_ascii=False,
                                            indent=1, default=str))
        z.writestr("members.csv", table(["page_id", "role", "kind", "parent_id", "site", "url", "title", "language",
                                         "published", "lag_hours", "fetched_at"], members))
        z.writestr("copies.csv", table(["copy_id", "source_id", "origin_id", "kind", "language_pair", "credited",
                                        "confidence", "coverage_copy", "coverage_source", "shared_words"], links))
        z.writestr("passages.csv", table(["copy_id", "source_id", "passage", "copy_start", "copy_end", "source_start",
                                          "source_end", "copy_text", "source_text"], passages))
        z.writestr("evidence.csv", table(["copy_id", "source_id", "kind", "weight", "detail"], evidence))
        z.writestr("captures.csv", table(["page_id", "url", "site", "fetched_at", "sources", "record_id", "warc_date",
                                          "read_back", "sanitised_copy"], captures))
        z.writestr("README.txt", f"newstrace story bundle: {story_id} ({s['title'] or ''})\n\n"
                   "story.json     the story, its members and its copy links in full (spans, evidence, changes)\n"
                   "members.csv    one row per member page\ncopies.csv     one row per copy link\n"
                   "passages.csv   aligned passages of each copy link (text of both sides, character offsets)\n"
                   "evidence.csv   the evidence items behind each copy call (negative weight: against)\n"
                   "captures.csv   where each page was captured (sources, WARC record id) and whether its bytes "
                   "could be read back\ncaptures/      extracted text of each member (.txt) and, where the captured "
                   f"bytes could be read back, a sanitised copy (.html, inert); read back for the first "
                   f"{BUNDLE_CAPTURES} members\n")
    return out.getvalue()


# -- the whole network and a story's spread --------------------------------------------------------------
NETWORK_FILTERS = ("kind", "credit", "strong", "min_weight", "group")
MAX_NETWORK_EDGES = 1500   # the heaviest edges drawn; the rest counted (filters or min_weight show them)


_CREDIT_RATE = re.compile(r'"credit_rate"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)')
_CREDITED_N = re.compile(r'"credited"\s*:\s*(\d+(?:\.\d+)?)')


def _network_base(db: Reader) -> dict[str, Any]:
    """Every edge (credit rate parsed out of its detail), the operator groups and a layout of every site with an
    edge: computed once per database change (the layout does not move when filters change)."""
    c = db.conn()
    edges = []
    for e in sw.all_site_edges(c):
        detail = e.pop("detail") or ""
        cr = None
        if e["kind"] == "copy":   # two numbers out of a detail that also holds example pairs: no full parse
            m = _CREDIT_RATE.search(detail)
            if m:
                cr = float(m.group(1))
            else:
                m = _CREDITED_N.search(detail)
                if m and e["weight"]:
                    cr = float(m.group(1)) / e["weight"]
        e = {**e, "strong": bool(e["strong"]), "credit_rate": cr}
        e["cls"] = svg.edge_class(e)
        edges.append(e)
    groups = sw.all_site_groups(c) if db.has("site_groups") else {}
    sites = sorted({s for e in edges for s in (e["site_a"], e["site_b"])})
    pos = svg.layout(sites, [(e["site_a"], e["site_b"], float(e["weight"] or 0)) for e in edges], groups)
    sizes = Counter(groups.values())
    rank = {g: i for i, (g, _) in enumerate(sorted(sizes.items(), key=lambda x: (-x[1], x[0])))}
    return {"edges": edges, "groups": groups, "pos": pos, "pages": sw.site_page_counts(c, sites),
            "group_rank": rank, "group_sizes": dict(sizes), "node_memo": {}}


def network(db: Reader, params: dict[str, str]) -> Page:
    """The whole site network: every site with a copy flow or shared identifiers, coloured by operator group;
    edges filterable by kind (copy, identifier), credit (credited, uncredited, unknown), strength, weight and
    group."""
    if not db.has("site_edges"):
        raise NotFound("this database has no site network (run `newstrace trace`)")
    f = {k: (params.get(k) or "").strip() for k in NETWORK_FILTERS}
    if f["kind"] and f["kind"] not in ("copy", "identifier"):
        raise BadRequest("kind must be copy or identifier")
    if f["credit"] and f["credit"] not in ("credited", "uncredited", "unknown"):
        raise BadRequest("credit must be credited, uncredited or unknown")
    if f["strong"] and f["strong"] not in ("0", "1"):
        raise BadRequest("strong must be 0 or 1")
    try:
        min_w = float(f["min_weight"]) if f["min_weight"] else 0.0
    except ValueError:
        raise BadRequest("min_weight must be a number")
    base = db.cached("network-base", lambda: _network_base(db))
    groups = base["groups"]
    keep = base["edges"]   # heaviest first; each filter one pass over what is left
    if f["kind"]:
        keep = [e for e in keep if e["kind"] == f["kind"]]
    if f["credit"]:
        keep = [e for e in keep if e["kind"] != "copy" or e["cls"] == f["credit"]]
    if f["strong"] == "1":
        keep = [e for e in keep if e["kind"] != "identifier" or e["strong"]]
    if min_w:
        keep = [e for e in keep if (e["weight"] or 0) >= min_w]
    if f["group"]:
        keep = [e for e in keep if f["group"] in (groups.get(e["site_a"]), groups.get(e["site_b"]))]
    cut = max(0, len(keep) - MAX_NETWORK_EDGES)
    keep = keep[:MAX_NETWORK_EDGES]       # heaviest first
    shown = sorted({s for e in keep for s in (e["site_a"], e["site_b"])})
    geo = svg.whole_network(base["pos"], keep, groups, base["pages"], base["group_rank"],
                            size=svg.network_canvas(len(base["pos"])), sites=shown, memo=base["node_memo"])
    legend_groups = [{"group_id": g, "colour": svg.GROUP_COLOURS[i], "sites": base["group_sizes"][g]}
                     for g, i in sorted(base["group_rank"].items(), key=lambda x: x[1])
                     if i < len(svg.GROUP_COLOURS)]
    kinds = Counter(e["cls"] for e in keep)
    nodes = [{"site": v["site"], "group_id": v["group_id"], "pages": base["pages"].get(v["site"]),
              "x": v["x"], "y": v["y"]} for v in geo["nodes"]]
    data = {"filters": {k: v for k, v in f.items() if v}, "sites": len(shown),
            "sites_in_network": len(base["pos"]), "edges": len(keep), "edges_not_drawn": cut,
            "edges_by_class": dict(kinds), "groups": legend_groups,
            "operator_groups": len(base["group_sizes"]), "nodes": nodes,
            "edge_list": [{k: e[k] for k in ("site_a", "site_b", "kind", "weight", "strong", "credit_rate")}
                          for e in keep]}
    cols = ["site_a", "site_b", "kind", "weight", "strong", "credit_rate"]
    return Page("network.html", f"Site network ({len(shown):,} sites, {len(keep):,} edges)", data,
                (cols, data["edge_list"]), {"net": geo})


def spread(db: Reader, params: dict[str, str], story_id: str) -> Page:
    """A story's spread replayed over time: a sequence of frames (no script), each the sites that carry the story
    by then and who copied whom; ``?step=N`` shows one frame large with links to the previous and next."""
    s, members = _story_core(db, story_id)
    step = _int_arg(params, "step", 0, lo=0, hi=svg.MAX_FRAMES)
    frames = svg.spread_frames(members, size=480 if step else 280)
    if step > len(frames):
        raise BadRequest(f"step must be between 1 and {len(frames)}")
    backdated = [{"page_id": m["page_id"], "site": m["site"], "when": m["when"], "lag_hours": m["lag_hours"]}
                 for m in members if m["backdated"]]
    data = {"story": s, "frames": [{k: v for k, v in fr.items() if k not in ("nodes", "lines", "size", "width")}
                                   for fr in frames], "step": step or None, "backdated": backdated}
    shown = [frames[step - 1]] if step else frames
    return Page("spread.html", f"Spread of: {s['title'] or story_id}", data, None, {"frames": shown})
