"""Actors, their mentions, roles, stated aliases, relations and flags (tables ``actors``, ``actor_mentions``,
``actor_roles``, ``actor_aliases``, ``relations``, ``flags``, ``analyze_actors_done``; migrations 0023-0025), and
the user alias file the store analyses with (``actor_alias_file``, migration 0061).

Written by the analyze stage's actors step (``analyze/stage_actors.py``) one article at a time: everything the
article had is replaced in the caller's transaction, so a re-analysed body never leaves old rows behind.
Read by web/ (actor and article pages), ``newstrace export actors|relations|flags`` and the GEXF graph.
Spans are character offsets into the stored ``articles.body`` of that article.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable


_PER_ARTICLE = ("actor_mentions", "actor_roles", "actor_aliases", "relations", "flags")


def person_ids(conn: sqlite3.Connection) -> list[str]:
    """Actor ids of every stored person mention (one per mention: frequencies matter for surname grouping)."""
    return [r[0] for r in conn.execute("SELECT actor_id FROM actor_mentions WHERE kind = 'person' "
                                       "ORDER BY aid, start, end_")]


def write(conn: sqlite3.Connection, aid: int, body_hash: str | None, ts: str, actors: Iterable[dict],
          mentions: Iterable[dict], roles: Iterable[dict], aliases: Iterable[dict], relations: Iterable[dict],
          flags: Iterable[dict]) -> None:
    """Replace one article's rows (the caller holds the transaction)."""
    for t in _PER_ARTICLE:
        conn.execute(f"DELETE FROM {t} WHERE aid = ?", (aid,))
    for a in actors:
        old = conn.execute("SELECT aliases FROM actors WHERE actor_id = ?", (a["actor_id"],)).fetchone()
        names = set(json.loads(old[0])) if old else set()
        names |= set(a.get("aliases") or [])
        names.discard(a["name"])
        conn.execute("INSERT INTO actors(actor_id, name, kind, aliases) VALUES (?,?,?,?) "
                     "ON CONFLICT(actor_id) DO UPDATE SET aliases = excluded.aliases, "
                     "name = CASE WHEN length(excluded.name) > length(actors.name) AND actors.kind = 'person' "
                     "THEN excluded.name ELSE actors.name END",
                     (a["actor_id"], a["name"], a["kind"], json.dumps(sorted(names))))
    conn.executemany("INSERT OR REPLACE INTO actor_mentions(aid, start, end_, text, actor_id, kind, metonymy) "
                     "VALUES (?,?,?,?,?,?,?)",
                     [(aid, m["start"], m["end"], m["text"], m["actor_id"], m["kind"], m.get("metonymy"))
                      for m in mentions])
    conn.executemany("INSERT INTO actor_roles(aid, actor_id, role, start, end_, how, date) VALUES (?,?,?,?,?,?,?)",
                     [(aid, r["actor_id"], r["role"], r["start"], r["end"], r["how"], r.get("date")) for r in roles])
    conn.executemany("INSERT INTO actor_aliases(aid, actor_id, name, alias, kind, start, end_, evidence, date) "
                     "VALUES (?,?,?,?,?,?,?,?,?)",
                     [(aid, a["actor_id"], a["name"], a["alias"], a["kind"], a["start"], a["end"], a["evidence"],
                       a.get("date")) for a in aliases])
    conn.executemany("INSERT INTO relations(aid, subject, type, object, negated, modality, start, end_, evidence, "
                     "chain) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [(aid, r["subject"], r["type"], r["object"], int(r["negated"]), r["modality"], r["start"],
                       r["end"], r["evidence"], json.dumps(r["chain"])) for r in relations])
    conn.executemany("INSERT INTO flags(aid, technique, start, end_, text, speaker, source, quote_start, quote_end) "
                     "VALUES (?,?,?,?,?,?,?,?,?)",
                     [(aid, f["technique"], f["start"], f["end"], f["text"], f["speaker"], f.get("source"),
                       f.get("quote_start"), f.get("quote_end")) for f in flags])
    conn.execute("INSERT OR REPLACE INTO analyze_actors_done(aid, body_hash, analysed_at) VALUES (?,?,?)",
                 (aid, body_hash, ts))


# -- reads ----------------------------------------------------------------------------------------------
def _rows(cur) -> list[dict[str, Any]]:
    cols = [d[0].rstrip("_") for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def live_names(conn: sqlite3.Connection, actor_id: str | None = None) -> dict[str, set[str]]:
    """{actor id: the names the stored articles use for it now}: its mention texts (a capital standing for the
    government excepted) and the stated aliases. Read from the per-article rows, which a re-analysis replaces,
    so a name an older analysis gave (the ``actors`` row's accumulated ``aliases``) is not shown once no
    article uses it any more."""
    where, params = ("WHERE actor_id = ?", (actor_id,)) if actor_id else ("", ())
    out: dict[str, set[str]] = {}
    m_where = f"{where} AND" if where else "WHERE"
    for a, t in conn.execute(f"SELECT DISTINCT actor_id, text FROM actor_mentions {m_where} "
                             "(metonymy IS NULL OR metonymy <> 'gov')", params):
        out.setdefault(a, set()).add(t)
    for a, n, al in conn.execute(f"SELECT DISTINCT actor_id, name, alias FROM actor_aliases {where}", params):
        out.setdefault(a, set()).update((n, al))
    return out


def actor_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every actor some stored article still names, with its aliases, roles (with dates) and mention count,
    most mentioned first."""
    out = []
    roles: dict[str, list] = {}
    for r in conn.execute("SELECT DISTINCT actor_id, role, date FROM actor_roles ORDER BY date, actor_id, role"):
        roles.setdefault(r[0], []).append({"role": r[1], "date": r[2]})
    names = live_names(conn)
    for r in conn.execute("SELECT a.actor_id, a.name, a.kind, count(m.aid) FROM actors a "
                          "LEFT JOIN actor_mentions m ON m.actor_id = a.actor_id GROUP BY a.actor_id, a.name, a.kind "
                          "ORDER BY count(m.aid) DESC, a.actor_id"):
        if r[3] == 0 and r[0] not in names:
            continue  # no article names it any more (an older analysis did)
        out.append({"actor_id": r[0], "name": r[1], "kind": r[2],
                    "aliases": sorted(names.get(r[0], set()) - {r[1]}), "roles": roles.get(r[0], []),
                    "mentions": r[3]})
    return out


def relation_rows(conn: sqlite3.Connection, actor_id: str | None = None) -> list[dict[str, Any]]:
    """Relations with the article URL, evidence span and chain (of one actor, as subject or object, if given)."""
    where, params = ("WHERE r.subject = ? OR r.object = ?", (actor_id, actor_id)) if actor_id else ("", ())
    cur = conn.execute(
        "SELECT ar.url, ar.page_id, ar.site, r.subject, r.type, r.object, r.negated, r.modality, r.start, r.end_, "
        "r.evidence, r.chain, sa.name AS subject_name, oa.name AS object_name FROM relations r "
        "JOIN articles ar ON ar.aid = r.aid LEFT JOIN actors sa ON sa.actor_id = r.subject "
        f"LEFT JOIN actors oa ON oa.actor_id = r.object {where} "
        "ORDER BY ar.url, r.start, r.end_, r.subject, r.type, r.object, r.negated, r.modality", params)
    out = []
    for d in _rows(cur):
        out.append({"url": d["url"], "page_id": d["page_id"], "site": d["site"], "subject": d["subject"],
                    "subject_name": d["subject_name"], "type": d["type"], "object": d["object"],
                    "object_name": d["object_name"], "negated": bool(d["negated"]), "modality": d["modality"],
                    "evidence": {"start": d["start"], "end": d["end"], "text": d["evidence"]},
                    "chain": json.loads(d["chain"])})
    return out


def flag_rows(conn: sqlite3.Connection, aid: int | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE f.aid = ?", (aid,)) if aid is not None else ("", ())
    cur = conn.execute("SELECT ar.url, f.technique, f.start, f.end_, f.text, f.speaker, f.source, f.quote_start, "
                       f"f.quote_end FROM flags f JOIN articles ar ON ar.aid = f.aid {where} "
                       "ORDER BY ar.url, f.start, f.end_, f.technique, f.speaker, f.source", params)
    return [{"url": d["url"], "technique": d["technique"], "span": {"start": d["start"], "end": d["end"],
             "text": d["text"]}, "speaker": d["speaker"] if d["speaker"] == "outlet" else
             (d["source"] or "quoted source"), "quoted": d["speaker"] != "outlet",
             "quote": ({"start": d["quote_start"], "end": d["quote_end"]} if d["quote_start"] is not None else None)}
            for d in _rows(cur)]


def actor(conn: sqlite3.Connection, actor_id: str) -> dict[str, Any] | None:
    r = conn.execute("SELECT actor_id, name, kind FROM actors WHERE actor_id = ?", (actor_id,)).fetchone()
    if r is None:
        return None
    names = live_names(conn, actor_id).get(actor_id)
    if names is None:
        return None  # no stored article names it any more
    return {"actor_id": r[0], "name": r[1], "kind": r[2], "aliases": sorted(names - {r[1]})}


def actor_page(conn: sqlite3.Connection, actor_id: str) -> dict[str, Any] | None:
    """What the actor page shows: aliases with evidence, roles over time, relations, sites, loaded terms."""
    a = actor(conn, actor_id)
    if a is None:
        return None
    a["stated_aliases"] = _rows(conn.execute(
        "SELECT ar.url, x.name, x.alias, x.kind, x.evidence, x.date FROM actor_aliases x JOIN articles ar "
        "ON ar.aid = x.aid WHERE x.actor_id = ? ORDER BY x.date, ar.url, x.start, x.alias, x.kind", (actor_id,)))
    a["roles"] = _rows(conn.execute(
        "SELECT x.role, x.date, ar.url, x.how FROM actor_roles x JOIN articles ar ON ar.aid = x.aid "
        "WHERE x.actor_id = ? ORDER BY x.date, ar.url, x.start, x.role, x.how", (actor_id,)))
    a["relations"] = relation_rows(conn, actor_id)
    a["sites"] = _rows(conn.execute(
        "SELECT ar.site, count(*) AS mentions, count(DISTINCT ar.aid) AS articles FROM actor_mentions m "
        "JOIN articles ar ON ar.aid = m.aid WHERE m.actor_id = ? GROUP BY ar.site ORDER BY mentions DESC, ar.site "
        "LIMIT 20",
        (actor_id,)))
    a["articles"] = _rows(conn.execute(
        "SELECT DISTINCT ar.page_id, ar.url, ar.title, ar.site FROM actor_mentions m JOIN articles ar "
        "ON ar.aid = m.aid WHERE m.actor_id = ? ORDER BY ar.url, ar.page_id LIMIT 200", (actor_id,)))
    # loaded terms in the same sentence-sized neighbourhood (200 characters) as a mention of the actor
    a["loaded_terms"] = _rows(conn.execute(
        "SELECT f.technique, lower(f.text) AS term, count(*) AS uses FROM flags f JOIN actor_mentions m "
        "ON m.aid = f.aid AND abs(f.start - m.start) < 200 WHERE m.actor_id = ? "
        "GROUP BY f.technique, lower(f.text) ORDER BY uses DESC, f.technique, term LIMIT 30", (actor_id,)))
    return a


def article_items(conn: sqlite3.Connection, page_id: str) -> dict[str, Any]:
    """Mentions (with actor names), relations and flags of one article, for its page."""
    r = conn.execute("SELECT aid FROM articles WHERE page_id = ?", (page_id,)).fetchone()
    if r is None:
        return {"mentions": [], "flags": [], "relations": []}
    aid = r[0]
    mentions = _rows(conn.execute(
        "SELECT m.start, m.end_, m.text, m.actor_id, m.kind, m.metonymy, a.name FROM actor_mentions m "
        "LEFT JOIN actors a ON a.actor_id = m.actor_id WHERE m.aid = ? ORDER BY m.start, m.end_", (aid,)))
    rel = _rows(conn.execute("SELECT subject, type, object, negated, modality, start, end_, evidence, chain "
                             "FROM relations WHERE aid = ? "
                             "ORDER BY start, end_, subject, type, object, negated, modality", (aid,)))
    for x in rel:
        x["chain"] = json.loads(x["chain"])
    return {"mentions": mentions, "flags": flag_rows(conn, aid), "relations": rel}


def graph_edges(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Relation counts per (subject, type, object) for the actors graph."""
    return _rows(conn.execute("SELECT subject, object, type, count(*) AS weight, sum(negated) AS negated "
                              "FROM relations GROUP BY subject, object, type"))


def alias_file(conn) -> dict[str, Any] | None:
    """The stored user alias file: {name, format, sha1, content, stored_at}, or None."""
    r = conn.execute("SELECT name, format, sha1, content, stored_at FROM actor_alias_file WHERE id = 1").fetchone()
    return dict(zip(("name", "format", "sha1", "content", "stored_at"), r)) if r else None


def set_alias_file(conn, name: str, fmt: str, sha1: str, content: str, ts: str) -> None:
    """Keep (or replace) the store's user alias file (the caller holds the transaction)."""
    conn.execute("INSERT INTO actor_alias_file(id, name, format, sha1, content, stored_at) VALUES (1,?,?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET name = excluded.name, format = excluded.format, "
                 "sha1 = excluded.sha1, content = excluded.content, stored_at = excluded.stored_at",
                 (name, fmt, sha1, content, ts))


def drop_alias_file(conn) -> bool:
    """Forget the store's user alias file; whether there was one."""
    return conn.execute("DELETE FROM actor_alias_file WHERE id = 1").rowcount > 0
