"""The analyze stage driver: which articles to analyse, one spaCy parse per paragraph shared by every
component, workers, and the writes (through store/ functions) with the state that makes it incremental.

Extension point (issue 14 adds actors, relations, loaded language here): a :class:`Component` is

- ``name``, ``version`` (bump it and every article is analysed again by that component), ``languages``;
- ``prepare(conn, art, parent) -> Plan`` in the main process: what to parse (``paragraphs=None``: all of
  them; a list of (offset, text): only those, e.g. what a copy added; ``[]``: nothing), whether the title is
  needed, and anything read from the store that ``write`` will need (``plan.data``); ``plan.skip`` says why
  an article is not analysed (language);
- ``analyse(art, parses, title_parse, plan) -> result`` in a worker (pure: no SQL), with the parses of the
  paragraphs it asked for;
- ``write(conn, art, result, plan) -> detail`` in the main process, inside the batch's transaction, through
  its store module. The driver records ``analysis_state`` (body hash, version, mode, detail) in the same
  transaction, so a killed run loses at most one batch and resumes with what is missing.

Articles that copy a pending article wait for a later round, so a copy always sees its source's results.
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from ..records import Problem
from ..store import claims as store_claims

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

BATCH = 16  # articles per worker task and per write transaction


@dataclass
class ArticleText:
    page_id: str
    url: str
    site: str
    title: str | None
    body: str
    body_hash: str | None
    language: str | None
    published: str | None = None
    publisher: str | None = None


@dataclass
class Plan:
    paragraphs: list[tuple[int, str]] | None = None  # None: all paragraphs of the body
    title: bool = True
    skip: str | None = None  # reason the component does not analyse this article
    mode: str = "analysed"  # analysed | carried (copy) | skipped
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Component:
    name: str
    version: str
    prepare: Callable[..., Plan]
    analyse: Callable[..., Any]
    write: Callable[..., dict]
    lemmas: bool = True  # the shared parse has lemmas when any planned component says it reads them
    ner: bool = True  # ... and named entities when any planned component reads them (NER is most of the parse)
    parse: bool = True  # False: the component also works on tokens and sentences only (no tagger, no parser)
    configure: Callable[..., "Component"] | None = None  # (conn) -> the component to run on that store
    order: int = 50  # components write in this order (claims 10 before actors 20: relation chains read claims)
    # the version recorded when a run makes no parse and the component ran its tokens-only model (claims alone,
    # ingest's default): a run with a parse (``newstrace analyze``, all components) analyses such articles again,
    # a run without one accepts both versions. None: the component gives the same results either way
    tokens_version: str | None = None


COMPONENTS: list[Component] = []


def register(component: Component) -> None:
    """Add (or replace, by name) a component of the analyze stage."""
    COMPONENTS[:] = [c for c in COMPONENTS if c.name != component.name] + [component]


def _components() -> list[Component]:
    """The registered components in their ``order`` (never the order their modules were imported or last
    re-registered in: the actors component reads the claims the claims component wrote for the same article)."""
    from . import claims_component  # noqa: F401 - registers itself
    from . import stage_actors  # noqa: F401 - registers itself

    return sorted(COMPONENTS, key=lambda c: c.order)


def check_only(only) -> tuple[str, ...] | None:
    """``only`` as a tuple of known component names (None: all); an unknown name is a ConfigError [E131]."""
    if not only:
        return None
    from .aliases import ConfigError

    known = [c.name for c in _components()]
    bad = [n for n in only if n not in known]
    if bad:
        raise ConfigError(f"[E131] unknown analyze component {', '.join(bad)} (known: {', '.join(known)})")
    return tuple(only)


def _work(task: list[tuple[ArticleText, dict[str, Plan]]]) -> list[tuple[str, dict[str, Any], str | None]]:
    """Parse what the components asked for (once per paragraph) and run them: (page_id, results, error)."""
    from .nlp import paragraphs, parse_paragraphs, parser, tokens

    comps = {c.name: c for c in COMPONENTS}
    wanted, titles = [], []
    for art, plans in task:
        offs: dict[int, str] = {}
        for p in plans.values():
            if p.skip:
                continue
            for off, text in (paragraphs(art.body) if p.paragraphs is None else p.paragraphs):
                offs[off] = text
        wanted.append(sorted(offs.items()))
        titles.append(art.title if any(p.title and not p.skip for p in plans.values()) and art.title else "")
    on = [comps[n] for _, plans in task for n, p in plans.items() if not p.skip]
    # a parse whenever a component of this run needs one (even if it skips this batch): which claims model
    # reads a paragraph depends on the components run, never on the batch
    full = any(comps[n].parse for _, plans in task for n in plans)
    lemmas, ner = any(c.lemmas for c in on), any(c.ner for c in on)
    parsed = parse_paragraphs(wanted, lemmas=lemmas, ner=ner, parse=full)
    nlp = parser(lemmas, ner) if full else tokens()
    title_docs = list(nlp.pipe(titles)) if any(titles) else [None] * len(titles)
    out = []
    for (art, plans), parses, tdoc in zip(task, parsed, title_docs):
        res: dict[str, Any] = {}
        err = None
        for name, p in plans.items():
            if p.skip:
                continue
            want = None if p.paragraphs is None else {o for o, _ in p.paragraphs}
            mine = [(o, d) for o, d in parses if want is None or o in want]
            try:
                res[name] = comps[name].analyse(art, mine, tdoc if p.title and art.title else None, p)
            except Exception as e:  # noqa: BLE001 - one article's failure is a Problem row, not a stopped run
                err = f"{name}: {type(e).__name__}: {e}"
        out.append((art.page_id, res, err))
    return out


def analyze_store(store, workers: int | None = None, page_ids=None, progress: bool = False,
                  only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Analyse every article whose body changed since its last analysis (all, the first time); ``only``
    names the components to run (default: all)."""
    from ..store.db import now_iso

    conn = store.conn
    comps = [c.configure(conn) if c.configure else c for c in _components() if only is None or c.name in only]
    parsed = any(c.parse for c in comps)  # this run parses (what _work decides the same way)
    version = {c.name: c.tokens_version if c.tokens_version and not parsed else c.version for c in comps}
    todo: dict[str, ArticleText] = {}
    for c in comps:
        accept = (c.version,) if parsed or not c.tokens_version else (c.version, c.tokens_version)
        for r in store_claims.pending_articles(conn, c.name, accept, page_ids):
            todo.setdefault(r["page_id"], ArticleText(**{k: r[k] for k in ArticleText.__dataclass_fields__}))
    counts = {"articles": 0, "analysed": 0, "carried": 0, "skipped": 0, "failed": 0, "words_parsed": 0}
    if not todo:
        return counts
    parents = store_claims.copy_parents(conn, list(todo))
    workers = workers or os.cpu_count() or 1
    rounds = _rounds(list(todo), parents)
    for ids in rounds:
        tasks = []
        for i in range(0, len(ids), BATCH):
            task = []
            for pid in ids[i:i + BATCH]:
                art = todo[pid]
                plans = {c.name: c.prepare(conn, art, parents.get(pid)) for c in comps}
                task.append((art, plans))
            tasks.append(task)
        for task, results in zip(tasks, _run(tasks, workers, comps)):
            plans_of = {art.page_id: (art, plans) for art, plans in task}
            problems = []
            with conn:
                ts = now_iso()
                for pid, res, err in results:
                    art, plans = plans_of[pid]
                    counts["articles"] += 1
                    if err:
                        counts["failed"] += 1
                        problems.append(Problem(source=art.url, stage="analyze", reason="analyze-failed",
                                                detail=err[:500], url=art.url, page_id=pid))
                        continue
                    for c in comps:
                        p = plans[c.name]
                        if p.skip:
                            detail = {"reason": p.skip}
                            mode = "skipped"
                        else:
                            detail = c.write(conn, art, res.get(c.name), p)
                            mode = p.mode
                        store_claims.set_state(conn, pid, c.name, art.body_hash, version[c.name], mode, detail, ts)
                    mode = plans[comps[0].name].mode if not plans[comps[0].name].skip else "skipped"
                    counts[mode] = counts.get(mode, 0) + 1
                    counts["words_parsed"] += sum(len(t.split()) for p in plans.values() if not p.skip
                                                  for _, t in (p.paragraphs if p.paragraphs is not None
                                                               else [(0, art.body)]))
            if problems:
                store.write_batch([], problems)
    return counts


def _rounds(ids: list[str], parents: dict) -> list[list[str]]:
    """Pending articles in rounds: a copy goes after its pending source (chains: one round per level)."""
    pending = set(ids)
    left = list(ids)
    out = []
    for _ in range(6):
        now = [i for i in left if not (i in parents and parents[i]["source_id"] in pending
                                       and parents[i]["source_id"] != i)]
        if not now:
            break
        out.append(now)
        pending -= set(now)
        left = [i for i in left if i in pending]
        if not left:
            return out
    if left:
        out.append(left)  # a cycle or a deep chain: analyse the rest without waiting
    return out


def _run(tasks, workers: int, comps: list[Component]):
    if workers > 1 and len(tasks) > 1 and hasattr(os, "fork"):
        from .nlp import parser, tokens

        if any(c.parse for c in comps):  # load once before forking
            parser(any(c.lemmas for c in comps), any(c.ner for c in comps))
        else:
            tokens()
        from .tagger import _tagger

        _tagger(not any(c.parse for c in comps))
        with mp.get_context("fork").Pool(min(workers, len(tasks))) as pool:
            yield from pool.imap(_work, tasks)
    else:
        for t in tasks:
            yield _work(t)
