"""py3langid's model, loaded once per run from a decompressed copy kept in the user's cache.

py3langid ships its model as an LZMA-compressed npz and decompresses it on every first use: about 0.6 s of
CPU per ingest run (per process that loads it), a few ms per page on a run of a few hundred pages. The same
arrays are read from an uncompressed copy (made once, next to nothing else, in ``$XDG_CACHE_HOME/newstrace``
or ``~/.cache/newstrace``; ``NEWSTRACE_CACHE`` overrides) in under 0.1 s. The identifier is built from the same arrays
py3langid would build, installed as py3langid's own, so ``py3langid.classify``
everywhere uses it. Any failure (no cache folder, a py3langid whose loader changed) leaves py3langid to
load its model itself.

The identifier installed is py3langid's class with one step done differently (:class:`_Identifier`): the walk of
its byte automaton, a Python loop over every byte of the text in py3langid (two thirds of its time per page), is
done for all positions at once in numpy. The automaton is Aho-Corasick over byte n-grams: the state after any text
is the state reached from the start by the last ``DFA_WINDOW`` bytes (its deepest state is that many bytes from the
start), so each position's state comes from ``DFA_WINDOW`` gathers. Same features, counted in the same order, scored
by py3langid's own arithmetic: the same answers (tests/test_extract_langid.py checks both the depth and answers).
"""
from __future__ import annotations

import os
from pathlib import Path

_DONE = False
DFA_WINDOW = 6   # the deepest state of py3langid 0.4's automaton is 6 bytes from its start (a test checks it)


def cache_dir() -> Path:
    base = os.environ.get("NEWSTRACE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "newstrace")
    return Path(base)


def ensure() -> None:
    """Install py3langid's identifier from the decompressed copy (made first when missing). Idempotent."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    try:
        from py3langid import langid as L

        if L.IDENTIFIER is None:
            L.IDENTIFIER = _load(L)
    except Exception:  # noqa: BLE001 - py3langid then loads its compressed model itself, as before
        pass


def classify(text: str) -> tuple[str, float]:
    """``py3langid.classify``, with the identifier installed from the decompressed copy first."""
    import py3langid

    ensure()
    return py3langid.classify(text)


def _load(L):
    import lzma
    import shutil
    import tempfile

    import numpy as np
    from py3langid import modelio

    src = Path(L.MODEL_DIR) / L.MODEL_FILE
    st = src.stat()
    plain = cache_dir() / f"py3langid-{st.st_size}-{st.st_mtime_ns}.npz"
    if not plain.exists():
        plain.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=plain.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, lzma.open(src) as inp:
                shutil.copyfileobj(inp, out, length=1 << 20)
            os.replace(tmp, plain)  # atomic: a concurrent run reads a whole file or makes its own
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    # as py3langid.modelio.load_model, from the plain npz
    with np.load(plain, allow_pickle=False) as data:
        ptc, pc, classes = data["ptc"], data["pc"], data["classes"].tolist()
        nextmove, row = modelio._to_array(data["nextmove"]), modelio._to_array(data["nextmove_row"])
        output = data["out_feat"].tolist()
    return _identifier_class(L)(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, tk_row=row)


_CLASS = None


def _identifier_class(L):
    """py3langid's ``LanguageIdentifier`` with the automaton walk over all byte positions at once (module doc)."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import numpy as np

    class _Identifier(L.LanguageIdentifier):
        __slots__ = ("_np_next", "_np_rowbase", "_np_out")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._np_next = np.frombuffer(self.tk_nextmove, dtype=np.dtype(self.tk_nextmove.typecode))
            self._np_rowbase = np.asarray(self.tk_row, dtype=np.intp) << 8
            self._np_out = np.asarray(self.tk_output, dtype=np.intp)

        def feature_counts(self, data: bytes):
            """The features the automaton passes over ``data`` and their counts, in order of first visit (as
            ``collections.Counter(...)`` in py3langid's ``visit_counts``), or None when there are none."""
            b = np.frombuffer(data, dtype=np.uint8)
            n = len(b)
            state = np.zeros(n, dtype=np.intp)
            for back in range(min(DFA_WINDOW, n) - 1, -1, -1):   # byte i - back of every position i at once
                state[back:] = self._np_next[self._np_rowbase[state[back:]] + b[:n - back]]
            feats = self._np_out[state]
            feats = feats[feats >= 0]
            if not len(feats):
                return None
            uniq, first, counts = np.unique(feats, return_index=True, return_counts=True)
            order = np.argsort(first, kind="stable")
            return uniq[order], counts[order].astype(np.float32)

        def _raw_score(self, text):
            found = self.feature_counts(text)
            if found is None:
                return super()._raw_score(text)
            idx, counts = found   # py3langid's _sparse_score on the same arrays
            return np.log1p(counts) @ self.nb_ptc[idx] + self.nb_pc

    _CLASS = _Identifier
    return _CLASS
