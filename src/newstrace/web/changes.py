"""How a story's copies changed actors' names and loaded words (issue 14's "a story shows how copies changed
actors' names and loaded words"): for each copy link of the story whose two pages the actors stage analysed, the
actors the copy names with words its source never used for them, and the loaded-language spans (technique,
words, who says them) the copy added or dropped. Plain dicts; the template prints them escaped."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..store import web as sw

LIMIT = 50   # copies listed on the story page (the counts cover all)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def empty() -> dict[str, Any]:
    """Nothing compared (a store the actors stage has not run on)."""
    return {"copies": [], "compared": 0, "renamed": 0, "loaded_added": 0, "loaded_dropped": 0, "total": 0}


def story_changes(conn, members: list[dict[str, Any]], limit: int = LIMIT) -> dict[str, Any]:
    """``members``: the story's members in page order, each copy with its ``link`` (copy_id, source_id).
    Returns {copies: [{page_id, site, source_id, source_site, renamed: [{actor_id, name, source_words (every
    word the source names it with), copy_words (the copy's words the source never used)}], loaded_added:
    [{technique, text, speaker}], loaded_dropped: [...]}], compared, renamed, loaded_added, loaded_dropped,
    total}: the first ``limit`` copies with a change, and how many copy links
    were compared and changed in each way."""
    pairs = [(m["page_id"], m["link"]["source_id"]) for m in members if m["role"] != "origin" and m.get("link")]
    pages = list(dict.fromkeys(p for pair in pairs for p in pair))
    out = empty()
    if not pairs:
        return out
    analysed = sw.actors_analysed(conn, pages)
    pairs = [(c, s) for c, s in pairs if c in analysed and s in analysed]
    if not pairs:
        return out
    wanted = list(dict.fromkeys(p for pair in pairs for p in pair))
    # page -> actor -> normalised words -> the words as written
    words: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    names: dict[str, str] = {}
    for page_id, actor_id, text, name in sw.actor_texts_of(conn, wanted):
        words[page_id][actor_id].setdefault(_norm(text), text)
        names[actor_id] = name or text
    loaded: dict[str, dict[tuple[str, str, str], dict[str, str]]] = defaultdict(dict)
    for page_id, technique, text, speaker in sw.loaded_words_of(conn, wanted):
        loaded[page_id].setdefault((technique, _norm(text), speaker),
                                   {"technique": technique, "text": text, "speaker": speaker})
    site = {m["page_id"]: m.get("site") for m in members}
    for copy_id, source_id in pairs:
        out["compared"] += 1
        renamed = []
        for actor_id, cw in words[copy_id].items():
            sw_ = words[source_id].get(actor_id)
            new = [t for k, t in cw.items() if sw_ and k not in sw_]
            if sw_ and new:
                renamed.append({"actor_id": actor_id, "name": names.get(actor_id, actor_id),
                                "source_words": list(sw_.values()), "copy_words": new})
        added = [v for k, v in loaded[copy_id].items() if k not in loaded[source_id]]
        dropped = [v for k, v in loaded[source_id].items() if k not in loaded[copy_id]]
        out["renamed"] += bool(renamed)
        out["loaded_added"] += bool(added)
        out["loaded_dropped"] += bool(dropped)
        if renamed or added or dropped:
            out["total"] += 1
            if len(out["copies"]) < limit:
                out["copies"].append({"page_id": copy_id, "site": site.get(copy_id), "source_id": source_id,
                                      "source_site": site.get(source_id), "renamed": renamed,
                                      "loaded_added": added, "loaded_dropped": dropped})
    return out
