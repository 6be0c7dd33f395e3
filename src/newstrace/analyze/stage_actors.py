"""The actors step of the analyze stage: actors, relations and flags of stored articles, incrementally.

``analyse_doc(doc, date, table)`` is the per-article kernel over one shared spaCy parse (plain, picklable
inputs and outputs). ``run(store)`` analyses every article whose stored body changed since its last analysis
(``store.actors.pending``) and writes its rows, one transaction per batch. English only: spaCy's packaged
English pipeline is the one shipped; articles in other languages are skipped and recorded as problems
(``actors-language``) so the skip is visible.
"""
from __future__ import annotations

import logging
from typing import Any

from . import actors as actors_mod
from . import aliases, flags, group, relations

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

BATCH = 32


def analyse_doc(doc, date: str | None, table: aliases.AliasTable, claims: list[dict] | None = None) -> dict[str, Any]:
    """Rows for one parsed article: mentions, actors, roles, aliases, relations, flags (keys before grouping)."""
    acts = actors_mod.analyse(doc, table, date)
    rels = relations.find_relations(doc, acts)
    if claims:
        for r in rels:
            r.chain = relations.chain_from_claims(r, claims)
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


def run(store, alias_file: str | None = None, limit: int | None = None, docs_for=None) -> dict[str, int]:
    """Analyse pending articles of ``store`` (a ``newstrace.store.Store``); returns counts.

    ``docs_for(texts)`` may supply the spaCy parses (the analyze driver shares one parse per article with
    the claims step); by default the shipped English pipeline parses here.
    """
    from ..store import actors as sa
    from ..store.db import now_iso
    from .nlp import english

    conn = store.conn
    table = aliases.load(alias_file)
    todo = sa.pending(conn, limit)
    counts = {"articles": 0, "skipped_language": 0, "mentions": 0, "relations": 0, "flags": 0}
    if not todo:
        return counts
    index = group.surname_index(("person:" + k) for k in sa.person_ids(conn))
    parse = docs_for or (lambda texts: english().pipe(texts, batch_size=8))
    for start in range(0, len(todo), BATCH):
        batch = sa.article_inputs(conn, [a for a, _ in todo[start:start + BATCH]])
        english_rows = [r for r in batch if (r["language"] or "en").startswith("en")]
        results = []
        for r, doc in zip(english_rows, parse([r["body"] for r in english_rows])):
            res = analyse_doc(doc, (r["published"] or "")[:10] or None, table)
            index.update(group.surname_index(m["key"] for m in res["mentions"]))
            results.append((r, res))
        ts = now_iso()
        with conn:
            for r in batch:
                if r not in english_rows:
                    sa.write(conn, r["aid"], r["body_hash"], ts, [], [], [], [], [], [])
                    counts["skipped_language"] += 1
            for r, res in results:
                rows = to_rows(res, index)
                sa.write(conn, r["aid"], r["body_hash"], ts, **rows)
                counts["articles"] += 1
                counts["mentions"] += len(rows["mentions"])
                counts["relations"] += len(rows["relations"])
                counts["flags"] += len(rows["flags"])
    return counts
