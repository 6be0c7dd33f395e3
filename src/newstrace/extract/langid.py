"""py3langid's model, loaded once per run from a decompressed copy kept in the user's cache.

py3langid ships its model as an LZMA-compressed npz and decompresses it on every first use: about 0.6 s of
CPU per ingest run (per process that loads it), a few ms per page on a run of a few hundred pages. The same
arrays are read from an uncompressed copy (made once, next to nothing else, in ``$XDG_CACHE_HOME/newstrace``
or ``~/.cache/newstrace``; ``NEWSTRACE_CACHE`` overrides) in under 0.1 s. The identifier is the same object
py3langid would build (same arrays, same class), installed as py3langid's own, so ``py3langid.classify``
everywhere uses it. Any failure (no cache folder, a py3langid whose loader changed) leaves py3langid to
load its model itself.
"""
from __future__ import annotations

import os
from pathlib import Path

_DONE = False


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
    return L.LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, tk_row=row)
