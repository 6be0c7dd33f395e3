"""The actors component of the analyze stage (``stage.py``): actors, relations and flags of stored articles.

Registered after claims, so it runs in ``ingest`` (unless ``--no-analyze``), ``newstrace analyze`` and, alone,
``newstrace actors``; incremental like every component (``analysis_state``: an article is analysed again only
when its body hash or the component version changes; a user alias file's hash is part of the version). The
user alias file is kept in the store (``newstrace actors --aliases FILE`` stores it, ``--no-aliases`` forgets it):
every later run on that store, ``ingest`` and ``analyze`` included, analyses with the stored copy (``configure``),
so leaving ``--aliases`` out never silently changes the results.
prepare: English articles ask for every paragraph (the driver parses each paragraph once for all components);
other languages are skipped with the reason. analyse (worker): the paragraph parses joined into one Doc over
the body (``join_docs``), then ``analyse_doc``. write (main process): relation chains from the claims the
claims step has just written for the article, surnames resolved across documents (``group.py``), rows
replaced through ``store/actors.py``.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from . import actors as actors_mod
from . import aliases, flags, group, relations
from .stage import Component, Plan, register

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

def analyse_doc(doc, date: str | None, table: aliases.AliasTable) -> dict[str, Any]:
    """Rows for one parsed article: mentions, actors, roles, aliases, relations, flags (keys before grouping)."""
    acts = actors_mod.analyse(doc, table, date)
    rels = relations.find_relations(doc, acts)
    fl = flags.flag_doc(doc)
    return {
        "mentions": [m.as_dict() for m in acts.mentions],
        "roles": [vars(r) for r in acts.roles],
        "aliases": [vars(a) for a in acts.aliases],
        "relations": [r.as_dict() for r in rels],
        "flags": [f.as_dict() for f in fl],
    }


def to_rows(res: dict[str, Any], index: dict[str, str]) -> dict[str, list[dict]]:
    """Keys resolved to public actor ids (surnames through ``index``), ready for ``store.actors.write``."""
    aid_of = lambda k: group.actor_id(group.resolve(k, index))  # noqa: E731
    actors_by: dict[str, dict] = {}
    for m in res["mentions"]:
        a = actors_by.setdefault(aid_of(m["key"]), {"actor_id": aid_of(m["key"]), "name": m["name"],
                                                   "kind": m["kind"], "aliases": set()})
        if m["metonymy"] != "gov":
            a["aliases"].add(m["text"])
        if len(m["name"]) > len(a["name"]) and m["kind"] == "person":
            a["name"] = m["name"]
    for al in res["aliases"]:
        aid = aid_of(al["key"])
        a = actors_by.setdefault(aid, {"actor_id": aid, "name": al["name"], "kind": "org", "aliases": set()})
        a["aliases"] |= {al["name"], al["alias"]}
    for a in actors_by.values():
        a["aliases"] = sorted(a["aliases"])
    mentions = [{**m, "actor_id": aid_of(m["key"])} for m in res["mentions"]]
    roles = [{**r, "actor_id": aid_of(r["key"])} for r in res["roles"]]
    als = [{**a, "actor_id": aid_of(a["key"])} for a in res["aliases"]]
    rels = [{**r, "subject": aid_of(r["subject"]), "object": aid_of(r["object"]),
             "chain": ["outlet"] + [aid_of(x) if not x.startswith(("unnamed", "he", "she", "they")) else x
                                    for x in r["chain"][1:]]} for r in res["relations"]]
    return {"actors": list(actors_by.values()), "mentions": mentions, "roles": roles, "aliases": als,
            "relations": rels, "flags": res["flags"]}


# -- the component of the analyze stage (stage.py) ----------------------------------------------------
NAME = "actors"
ORDER = 20  # after the claims component (10): write() reads the claims it wrote for the same article
VERSION = "5"  # bump when the rules or models change: every article is analysed again
_ALIAS: tuple[str, str, str] | None = None  # (name, format, content) of the user alias file in use
_INDEX: dict[int, dict[str, str]] = {}  # id(conn) -> surname index, made at each run's start, kept up by write()


def _english(lang: str | None) -> bool:
    return not lang or lang.lower().startswith("en")


def _table() -> aliases.AliasTable:
    return aliases.load_text(_ALIAS[2], _ALIAS[1], _ALIAS[0]) if _ALIAS else aliases.load(None)


def version() -> str:
    """The component version: the rules' and, with a user alias file, the file's content hash."""
    if not _ALIAS:
        return VERSION
    return VERSION + "+" + hashlib.sha1(_ALIAS[2].encode("utf-8")).hexdigest()[:10]


def _use(alias: tuple[str, str, str] | None) -> Component:
    global _ALIAS
    if alias:
        aliases.load_text(alias[2], alias[1], alias[0])  # a bad file is a coded error (E140-E142) before anything runs
    _ALIAS = alias
    comp = Component(NAME, version(), prepare, analyse, write, configure=configure, order=ORDER)
    register(comp)
    return comp


def configure(conn) -> Component:
    """Before a run on a store: analyse with the alias file the store keeps (none: the base table only), and
    load the flag models once in the parent process so forked workers share them."""
    from ..store import actors as sa

    f = sa.alias_file(conn)
    flags.preload()
    _INDEX.pop(id(conn), None)   # rebuilt from this store: an id may be a closed connection's, to another store
    return _use((f["name"], f["format"], f["content"]) if f else None)


def store_alias_file(conn, path: str | None, drop: bool = False) -> dict[str, Any] | None:
    """``--aliases FILE``: validate it and keep its content in the store (replacing any); ``drop``: forget it.
    Returns what the store keeps now."""
    from ..store import actors as sa
    from ..store.db import now_iso

    if path:
        p = Path(path)
        content = aliases.read_user_text(p)
        fmt = aliases.file_format(p)
        aliases.load_text(content, fmt, str(p))
        with conn:
            sa.set_alias_file(conn, p.name, fmt, hashlib.sha1(content.encode("utf-8")).hexdigest(), content,
                              now_iso())
    elif drop:
        with conn:
            sa.drop_alias_file(conn)
    return sa.alias_file(conn)


def join_docs(body: str, parses: list) -> Any:
    """One Doc over the whole body from the driver's per-paragraph parses: the text between paragraphs
    becomes whitespace tokens, so character offsets are offsets into ``body``."""
    import numpy as np
    from spacy.tokens import Doc

    if not parses:
        return None
    docs, pos = [], 0
    vocab = parses[0][1].vocab
    for off, d in sorted(parses, key=lambda x: x[0]):
        if off < pos:
            continue
        if off > pos:
            gap = body[pos:off]
            g = Doc(vocab, words=[gap], spaces=[False], sent_starts=[True], pos=["SPACE"], tags=["_SP"],
                    deps=["dep"], heads=[0], lemmas=[gap])
            g.tensor = np.zeros((1, d.tensor.shape[1] if d.tensor is not None and d.tensor.ndim == 2 else 0),
                                dtype="float32")
            docs.append(g)
        docs.append(d)
        pos = off + len(d.text)
    return Doc.from_docs(docs, ensure_whitespace=False)


def prepare(conn, art, parent) -> Plan:
    if not _english(art.language):
        return Plan(skip=f"language {art.language} (actors are analysed in English only)", mode="skipped")
    return Plan(paragraphs=None, title=False)


def analyse(art, parses, title_parse, plan: Plan) -> dict[str, Any] | None:
    doc = join_docs(art.body, parses)
    if doc is None:
        return None
    return analyse_doc(doc, (art.published or "")[:10] or None, _table())


def _claims_chains(rels: list[dict], mentions: list[dict], claims: list[dict]) -> None:
    """Each relation's chain from the innermost claim whose content holds its subject and object (the claims
    step ran first in the same transaction): outlet, then each level's source as an actor key (the mention
    its source span overlaps) or the source's words ("officials", "unnamed sources")."""
    body = [c for c in claims if c.get("part") != "title" and c.get("kind") != "assertion"
            and c.get("content_start") is not None]

    def key_of(c: dict) -> str | None:
        a, b = c.get("source_start"), c.get("source_end")
        if a is not None and b is not None:
            for m in mentions:
                if m["start"] < b and a < m["end"]:
                    return m["key"]
        name = (c.get("source_name") or "").strip()
        return name or None

    by_idx = {c.get("idx"): c for c in claims}
    for r in rels:
        lo = min(r["subject_span"][0], r["object_span"][0])
        hi = max(r["subject_span"][1], r["object_span"][1])
        best = None
        for c in body:
            if c["content_start"] <= lo and hi <= c["content_end"] and (
                    best is None or c["content_end"] - c["content_start"] < best["content_end"] - best["content_start"]):
                best = c
        if best is None:
            continue
        levels, c, seen = [], best, set()
        while c is not None and c.get("idx") not in seen:
            seen.add(c.get("idx"))
            k = key_of(c)
            if k and k not in levels:
                levels.insert(0, k)
            c = by_idx.get(c.get("nested_in")) if c.get("nested_in") is not None else None
        if levels:
            r["chain"] = ["outlet", *levels]


def _index(conn) -> dict[str, str]:
    from ..store import actors as sa

    if id(conn) not in _INDEX:
        _INDEX[id(conn)] = group.surname_index(("person:" + k) for k in sa.person_ids(conn))
    return _INDEX[id(conn)]


def write(conn, art, res: dict[str, Any] | None, plan: Plan) -> dict[str, Any]:
    from ..store import actors as sa
    from ..store import claims as store_claims
    from ..store.articles import keys_of
    from ..store.db import now_iso

    aid = keys_of(conn, [art.page_id]).get(art.page_id)
    res = res or {"mentions": [], "roles": [], "aliases": [], "relations": [], "flags": []}
    claims = store_claims.claim_rows(conn, art.page_id)
    if claims:
        _claims_chains(res["relations"], res["mentions"], claims)
    index = _index(conn)
    index.update(group.surname_index(m["key"] for m in res["mentions"]))
    rows = to_rows(res, index)
    sa.write(conn, aid, art.body_hash, now_iso(), **rows)
    return {"mentions": len(rows["mentions"]), "actors": len(rows["actors"]), "relations": len(rows["relations"]),
            "flags": len(rows["flags"]), "chains_from_claims": bool(claims)}


register(Component(NAME, VERSION, prepare, analyse, write, configure=configure, order=ORDER))


def run(store, alias_file: str | None = None, workers: int | None = None, page_ids=None,
        drop_aliases: bool = False) -> dict[str, Any]:
    """``newstrace actors``: the analyze stage with the actors component only; ``alias_file`` is stored first
    (and used from then on by every run on this store), ``drop_aliases`` forgets the stored one."""
    from .stage import analyze_store

    kept = store_alias_file(store.conn, alias_file, drop_aliases)
    counts = analyze_store(store, workers=workers, page_ids=page_ids, only=(NAME,))
    return {**counts, "alias_file": {k: kept[k] for k in ("name", "sha1", "stored_at")} if kept else None}
