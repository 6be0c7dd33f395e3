"""Actor ids across documents.

Within an article ``actors.group_in_doc`` joins a surname to the full name the article gives. An article that
names a person only by surname ("Trump") is joined here to the full name most often seen with that surname in
the other articles ("Donald Trump"), when one exists; otherwise the surname stays its own actor. Countries,
organisations and metonymic capitals already carry alias-table ids. The id is stable: a slug of the key.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable


def surname_index(keys: Iterable[str]) -> dict[str, str]:
    """{"person:trump": "person:donald-trump"} from the multi-word person keys seen (most frequent wins)."""
    by_last: dict[str, Counter] = defaultdict(Counter)
    for k in keys:
        if k.startswith("person:") and "-" in k[7:]:
            by_last[k.rsplit("-", 1)[-1]][k] += 1
    return {f"person:{last}": c.most_common(1)[0][0] for last, c in by_last.items()}


def resolve(key: str, index: dict[str, str]) -> str:
    return index.get(key, key)


def actor_id(key: str) -> str:
    """The public actor id of a key (``person:donald-trump`` -> ``donald-trump``)."""
    return key.split(":", 1)[1] if key.startswith("person:") else key
