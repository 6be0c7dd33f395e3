"""The claims component of the analyze stage: attribution on originals, carry-over on copies.

prepare (main process): a copy whose source has been analysed gets the source's claims carried over the
text it took (:mod:`.carry`) and asks for a parse of only the paragraphs it added; a translation gets
them through the aligned sentences and asks for nothing; an article in another language than English
is skipped (claims are analysed in English only). analyse (worker): :func:`.claims.analyse`.
write (main process): store/claims.py.
"""
from __future__ import annotations

import json
from typing import Any

from ..store import claims as store_claims
from . import carry
from .claims import Claim, analyse as analyse_claims
from .stage import Component, Plan, register

NAME = "claims"
VERSION = "6"  # bump when the model or the rules change: every article is analysed again (6: session 12, the
# cue-rate features and the 840-article tokens-only model; also redoes stores where main recorded tokens-only
# claims as "5")
# recorded when claims ran alone (ingest's default: the tokens-only model, no spaCy parse); `newstrace analyze`
# (every component, so a parse) analyses those articles again with the parse-path model
TOKENS_VERSION = VERSION + "-tokens"


def _english(lang: str | None) -> bool:
    return not lang or lang.lower().startswith("en")


def prepare(conn, art, parent) -> Plan:
    if parent is not None:
        st = store_claims.state_of(conn, parent["source_id"], NAME)
        src = store_claims.article_texts(conn, parent["source_id"]) if st is not None and st["mode"] != "skipped" \
            else None
        if src is not None:
            src_claims = store_claims.claim_rows(conn, src["page_id"])
            pairs = json.loads(parent["spans"] or "[]")
            if parent["kind"] == "translation":
                rows = carry.carry_translation(src["page_id"], src_claims, art.page_id, pairs)
                return Plan(paragraphs=[], title=False, mode="carried",
                            data={"carried": rows, "src": src["page_id"], "fresh": 0})
            rows, fresh, title = carry.carry_same_language(src["page_id"], src["body"], src["title"], src_claims,
                                                           art.page_id, art.body, art.title)
            if not _english(art.language):
                fresh, title = [], False
            return Plan(paragraphs=fresh, title=title, mode="carried",
                        data={"carried": rows, "src": src["page_id"], "src_claims": src_claims,
                              "src_body": src["body"], "fresh": len(fresh)})
    if not _english(art.language):
        return Plan(skip=f"language {art.language} (claims are analysed in English only)", mode="skipped")
    return Plan()


def analyse(art, parses, title_parse, plan: Plan) -> list[dict[str, Any]]:
    claims = analyse_claims(art.body, parses, outlet=art.publisher or art.site, title=art.title,
                            title_parse=title_parse)
    return [to_row(c) for c in claims]


def to_row(c: Claim) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": c.kind, "part": c.where}
    for r in ("source", "cue", "content"):
        s = getattr(c, r)
        d[f"{r}_start"], d[f"{r}_end"] = (s.start, s.end) if s else (None, None)
    d.update(source_name=c.source_name, source_type=c.source_type, chain=c.chain, nested_in=c.nested_in,
             modality=c.modality, prediction=c.prediction, horizon=c.horizon, question=int(c.question),
             conditional=int(c.conditional), origin=c.origin, carried_from=None, claim_key=None)
    return d


def _pos(r: dict[str, Any]) -> tuple:
    starts = [r.get(f"{x}_start") for x in ("source", "cue", "content") if r.get(f"{x}_start") is not None]
    return (r.get("part") != "title", min(starts) if starts else 0)


def write(conn, art, rows: list[dict[str, Any]] | None, plan: Plan) -> dict[str, Any]:
    new = [dict(r) for r in (rows or [])]
    carried = [dict(r) for r in plan.data.get("carried", [])]
    if plan.data.get("src_claims") is not None:
        carry.link_changed(new, art.body, plan.data["src_claims"], plan.data["src_body"])
    # nested_in points at an index in its own list: keep it only inside the list it came from
    for r in carried:
        r["nested_in"] = None
    for i, r in enumerate(new):
        r["_n"] = i
    allr = sorted(carried + new, key=_pos)
    idx_of = {r["_n"]: i for i, r in enumerate(allr) if "_n" in r}
    for i, r in enumerate(allr):
        r["page_id"] = art.page_id
        r["idx"] = i
        r["claim_key"] = r.get("claim_key") or f"{art.page_id}:{i}"
        if "_n" in r:
            r["nested_in"] = idx_of.get(r["nested_in"]) if r.get("nested_in") is not None else None
            del r["_n"]
    store_claims.replace_claims(conn, art.page_id, allr)
    return {"carried": len(carried), "analysed": len(new), "carried_from": plan.data.get("src"),
            "paragraphs_analysed": plan.data.get("fresh") if plan.mode == "carried" else "all"}


register(Component(NAME, VERSION, prepare, analyse, write, lemmas=False, ner=False, parse=False, order=10,
                   tokens_version=TOKENS_VERSION))
