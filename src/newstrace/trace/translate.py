"""Translated copies (full or partial) between articles in different languages, at sentence and paragraph level.

Pipeline, incremental like the rest of trace/:

1. **Vectors**: every article body is cut into paragraphs (bodies are paragraphs joined by ``"\\n\\n"``) and
   each paragraph into sentences (:func:`unit_spans`; the units); each unit is encoded once with the packaged
   multilingual encoders its language needs (see :mod:`xling_encoders`) and stored in ``xling_vectors`` (one
   float16 blob per article and encoder), so new articles are compared with stored ones without re-encoding.
   Sentences rather than whole paragraphs: translations keep sentence boundaries, and a long paragraph's vector
   is a topic vector that another article on the same event comes close to.
2. **Candidates**: unit-vector nearest neighbours (top-8), per encoder space, with numpy on centred,
   normalised vectors: exact in blocks up to :data:`IVF_MIN_ROWS` stored units (each new unit against
   all stored units of other languages), and above that an inverted file (spherical k-means cells, ~2*sqrt(N)
   of them, 8 probed per query), so a full rebuild costs about N^1.5 rather than N^2. Vectors are centred per
   language (the mean vector of a language is estimated from the store, shrunk towards a packaged prior) which
   removes the large shared component of e5 and the language offset of both encoders. The same search gives
   each unit the mean similarity of its :data:`MARGIN_K` nearest units (its neighbourhood, for the margin).
3. **Alignment** of each candidate document pair: a monotone alignment of units (dynamic programme over the
   similarity matrix, gaps free, so a copy of a contiguous part of the source is found), plus reordered
   units that are each other's best match with a high similarity.
4. **Score**: coverage of the better-covered side by aligned units, each weighted by its similarity and by its
   ratio margin (its similarity over the mean of both units' neighbourhoods, Artetxe & Schwenk 2019: a sentence
   of another article on the same event is similar too, but well below the sentence's translations when the
   store holds some), times the strength of the chain (summed weights, full from :data:`EVIDENCE_FULL` on, so
   one or two matching units count little), plus evidence from numbers agreeing within aligned units, shared
   names and shared links. Aligned units are reported per pair of paragraphs holding them
   (:func:`paragraph_pairs`). The thresholds were chosen on the dev half of the parallel-news benchmark (see
   ``bench/trace_translate.py``), never on its test half.

Entry point: :func:`translation_pairs`.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..records import content_hash
from ..store import articles, vectors
from . import xling_encoders as enc
from . import xling_evidence as ev

log = logging.getLogger(__name__)

PARA_MIN_CHARS = 12
QUERY_BLOCK = 1024
TOP_K = 8  # nearest paragraphs per paragraph; a story translated into many languages needs more than 4
MAX_CANDIDATES_PER_DOC = 40
MARGIN_K = 4  # neighbourhood size of the ratio margin (Artetxe & Schwenk 2019)
PRIOR_WEIGHT = 300.0  # pseudo-count of the packaged prior mean vector per language

# Per-encoder calibration of centred cosine similarities (chosen on the dev split of parallel-news):
#   cand: a paragraph pair at least this similar makes its two documents a candidate pair
#   lo/hi: an aligned paragraph pair counts 0 at ``lo`` and fully from ``hi`` on (linear in between)
#   align: minimum similarity for the monotone alignment; reorder: minimum for an out-of-order mutual best pair
#   mlo/mhi: ratio margin of an aligned pair (its similarity over the mean similarity of both paragraphs' MARGIN_K
#     nearest neighbours in other languages): the pair counts nothing at ``mlo`` and fully from ``mhi`` on
PARAMS: dict[str, dict[str, float]] = {
    "use": {"cand": 0.42, "align": 0.42, "lo": 0.42, "hi": 0.54, "reorder": 0.54, "mlo": 0.75, "mhi": 0.95},
    "e5": {"cand": 0.34, "align": 0.34, "lo": 0.34, "hi": 0.54, "reorder": 0.54, "mlo": 0.75, "mhi": 0.95},
    "tok": {"cand": 0.15, "align": 0.18, "lo": 0.18, "hi": 0.38, "reorder": 0.38, "mlo": 0.75, "mhi": 0.95},
}
# decision threshold on ``score`` per encoder space; chosen on the dev split (best F1)
NUMBER_WEIGHT = 0.15  # how much agreeing (or disagreeing) numbers in aligned paragraphs move the score
EVIDENCE_FULL = 3.0  # summed pair weights at which the chain of aligned paragraphs counts fully
MIN_SCORE: dict[str, float] = {"use": 0.130, "e5": 0.105, "tok": 0.048}
# a ``tok`` pair scoring in [lo, hi) is unsure: both articles are encoded with the pair's neural encoder (USE or
# e5) and that space decides; from ``hi`` on the static score says yes, below ``lo`` no. Chosen on the dev split
# of parallel-news (2 documents per language pair, 395 articles, 509 gold pairs, 10,187 scored negatives): no
# negative scored 0.16 or more; 0.941 of gold pairs score 0.005 or more (the rest, mostly partial or edited
# translations between ja, hu, uk, is, are lost to this path); the band held 70 gold and 219 negative pairs.
UNSURE: dict[str, float] = {"lo": 0.005, "hi": 0.16}
# languages whose pairs the static path mostly misses (not even a candidate): on parallel-news dev (2 documents
# per language pair) 21 of the 30 gold pairs it cannot reach involve Japanese (bench/trace_xling_check.py); with
# the static encoder on, their pairs are looked for by the neural path as well (translation_pairs)
STATIC_WEAK_LANGS = frozenset({"ja"})

_MEANS_FILE = Path(__file__).with_name("xling_means.npz")
_prior_cache: dict[str, dict[str, np.ndarray]] | None = None


# -- paragraphs and vectors -----------------------------------------------------------------------
def paragraph_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the non-trivial paragraphs of a body, stripped of surrounding whitespace."""
    spans, pos = [], 0
    for part in body.split("\n\n"):
        start, end = pos, pos + len(part)
        pos = end + 2
        lead = len(part) - len(part.lstrip())
        trail = len(part) - len(part.rstrip())
        s, e = start + lead, end - trail
        text = body[s:e]
        if e - s < PARA_MIN_CHARS or not any(ch.isalpha() for ch in text):
            continue
        spans.append((s, e))
    return spans


# a sentence ends after . ! ? … (and any closing quotes or brackets) before white space, or after a CJK stop
_SENT_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)|[。！？]+[」』”’）]*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
UNIT_MIN_CHARS = 25  # a shorter piece ("Mr.", "U.S.", "Yes.") is joined to its neighbour; a CJK character counts 3
_ORDINAL = re.compile(r"(?<![\w.])\d{1,2}\.$")
_ORDINAL_NEXT = re.compile(
    r"\s+(?:Jan(?:uar|uary)?|Jänner|Feb(?:ruar)?|März|Maart|Mars|Marts|April|Mai|Mei|Maj|Juni|Juli|August|Augustus|"
    r"Sept(?:ember)?|Okt(?:ober)?|Oct(?:ober)?|Nov(?:ember)?|Dez(?:ember)?|Dec(?:ember)?|Jahrhundert|Jahrhunderts|"
    r"Lebensjahr|Platz|Runde|Spieltag|Stock|Mal|Klasse|Liga|Bundesliga)\b")
UNITS_VERSION = "sentences-2"  # stored vectors of another unit scheme are re-encoded


def _weight(text: str) -> int:
    return len(text) + 2 * len(_CJK.findall(text))


def unit_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the encoded units of a body: the sentences of its paragraphs. Translations keep
    sentence boundaries far more often than they keep a long paragraph's wording, and a sentence is compared with
    a sentence: two articles on the same event share a few facts, not every sentence of a paragraph."""
    out = []
    for ps, pe in paragraph_spans(body):
        text = body[ps:pe]
        pieces, pos = [], 0
        for m in _SENT_END.finditer(text):
            nxt = text[m.end():m.end() + 40].lstrip()[:1]
            if nxt.islower():  # "9 a.m. and", "etc. and": no sentence starts in lower case
                continue
            if _ORDINAL.search(text, 0, m.end()) and _ORDINAL_NEXT.match(text, m.end()):
                continue  # "am 24. März", "im 19. Jahrhundert": an ordinal, not a sentence end
            if m.end() > pos:
                pieces.append([pos, m.end()])
                pos = m.end()
        if pos < len(text):
            pieces.append([pos, len(text)])
        merged: list[list[int]] = []
        for a, b in pieces:
            if merged and _weight(text[merged[-1][0]:merged[-1][1]].strip()) < UNIT_MIN_CHARS:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        if len(merged) > 1 and _weight(text[merged[-1][0]:merged[-1][1]].strip()) < UNIT_MIN_CHARS:
            last = merged.pop()
            merged[-1][1] = last[1]
        for a, b in merged:
            seg = text[a:b]
            a += len(seg) - len(seg.lstrip())
            b -= len(seg) - len(seg.rstrip())
            if b > a:
                out.append((ps + a, ps + b))
    return out


def _doc_hash(body: str) -> str:
    return content_hash(UNITS_VERSION, body)


def _detect_lang(body: str) -> str | None:
    try:
        from ..extract import langid

        return langid.classify(body[:3000])[0]
    except Exception:  # noqa: BLE001
        return None


def active_encoders(store) -> set[str]:
    """The encoders that can find anything in this store: none while it holds one language (no
    cross-language pair exists, so nothing is encoded), USE once two languages it covers are present,
    e5 once a language outside USE's is present. Encoding is the costly part of this stage."""
    langs = {enc.norm_lang(x) for x in vectors.languages(store.conn)}
    langs.discard(None)
    if len(langs) < 2:
        return set()
    if enc.tok_enabled():
        return {"tok"}
    active = set()
    if len(langs & enc.USE_LANGS) >= 2:
        active.add("use")
    if langs - enc.USE_LANGS and enc.e5_enabled() and enc.available("e5"):
        active.add("e5")
    return active


def _stored_missing(store, active: set[str], new_ids: set[str]) -> bool:
    """True when an already stored article lacks vectors of an active encoder (the encoder has just
    become active), so every article must be encoded, not only the new ones."""
    for name in sorted(active):
        pids = vectors.without_vectors(store.conn, name, enc.USE_LANGS if name == "use" else None, len(new_ids) + 1)
        if any(p not in new_ids for p in pids):
            return True
    return False


def encode_units(items: list[tuple[str, list[str]]], spans: list[list[tuple[int, int]]],
                 strict: bool = False) -> dict:
    """Vectors of the units ``spans[i]`` of each (body, encoders) item: {(item index, encoder): rows}. An item
    without units gets an empty block of each of its encoders (stored as done, not tried again). An encoder that
    fails is logged and left out (it must not stop ingest), or its error propagates when ``strict``."""
    vecs: dict[tuple[int, str], np.ndarray] = {}
    for name in ("use", "e5", "tok"):
        texts, owners = [], []
        for i, (body, names) in enumerate(items):
            if name in names:
                texts += [body[s:e] for s, e in spans[i]]
                owners.append((i, len(spans[i])))
        if not owners:
            continue
        try:
            V = enc.encode(name, texts) if texts else np.zeros((0, enc.DIMS[name]), np.float32)
        except Exception as e:  # noqa: BLE001 - an encoder failure must not stop ingest
            if strict:
                raise
            log.warning("encoder %s failed on %d sentences: %s", name, len(texts), e)
            continue
        pos = 0
        for i, n in owners:
            vecs[(i, name)] = V[pos:pos + n]
            pos += n
    return vecs


def ensure_vectors(store, ids: set[str] | None = None, batch: int = 64, active: set[str] | None = None) -> int:
    """Encode articles whose vectors are missing or stale. Returns the number of articles (re-)encoded.
    ``active`` limits the encoders used (default: all that apply to each article's language)."""
    c = store.conn
    if ids is None:
        rows = vectors.vector_state(c, None)
    else:
        # plus articles whose stored vectors were made with another unit scheme (a store from an older version)
        rows = vectors.vector_state(c, list(set(ids) | vectors.other_units(c, UNITS_VERSION)))
    todo, current = [], []
    for r in rows:
        body = r["body"] or ""
        h = _doc_hash(body)
        lang = enc.norm_lang(r["language"]) or enc.norm_lang(_detect_lang(body)) if body.strip() else None
        need = [n for n in enc.encoders_for(lang) if active is None or n in active]
        have = set((r["encs"] or "").split(",")) - {""}
        if r["xhash"] == h and set(need) <= have:
            if r["units"] != UNITS_VERSION:   # made with this scheme before the column existed
                current.append(r["page_id"])
            continue
        todo.append((r["page_id"], lang, body, h, need))
    if current:
        with c:
            vectors.set_units(c, current, UNITS_VERSION)
    done = 0
    for k in range(0, len(todo), batch):
        part = todo[k:k + batch]
        spans = [unit_spans(body) for _, _, body, _, _ in part]
        vecs = encode_units([(body, need) for _, _, body, _, need in part], spans)
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with c:
            for i, (pid, lang, body, h, need) in enumerate(part):
                made = {name: vecs[(i, name)] for name in need if vecs.get((i, name)) is not None}
                vectors.replace(c, pid, made, lang, h, spans[i], ts, UNITS_VERSION)
                done += 1
    return done


# -- vector space of one encoder ----------------------------------------------------------------------
@dataclass
class Space:
    encoder: str
    ids: list[str]
    langs: list[str | None]
    spans: list[list[tuple[int, int]]]
    row0: np.ndarray  # first row of each document
    doc_of: np.ndarray  # document index of each row
    lang_of: np.ndarray  # language index of each row
    lang_names: list[str | None]
    M: np.ndarray  # centred, normalised float32 rows
    index: dict[str, int] = field(default_factory=dict)
    # mean similarity of each row's MARGIN_K nearest rows (other documents, languages that pair in this space);
    # NaN until computed
    knn: np.ndarray | None = None
    # kept between calls (see load_space): stored float16 rows, body hash per page, per-language sums and the
    # centring vectors in use, the inverted file (centroids, cell of each row, rows when built)
    raw: np.ndarray | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    lsum: dict = field(default_factory=dict)
    lcount: dict = field(default_factory=dict)
    mu: dict = field(default_factory=dict)
    ivf: tuple | None = None

    def rows(self, d: int) -> slice:
        return slice(int(self.row0[d]), int(self.row0[d + 1]))


def _prior(name: str) -> dict[str, np.ndarray]:
    global _prior_cache
    if _prior_cache is None:
        _prior_cache = {}
        if _MEANS_FILE.exists():
            with np.load(_MEANS_FILE) as z:
                for key in z.files:
                    e, _, lang = key.partition(":")
                    _prior_cache.setdefault(e, {})[lang] = z[key].astype(np.float32)
    return _prior_cache.get(name, {})


MEAN_TOL = 0.02  # re-centre every row when a language's mean vector moved this far since the last centring
_SPACES: dict[tuple[str, str], Space] = {}  # per process: (database file, encoder) -> space of the last call


def _read_rows(store, name: str, ids: list[str] | None):
    return vectors.rows(store.conn, name, ids)


def _centre(space: Space, rows: slice | None = None) -> None:
    """(Re)compute the centred, normalised rows from the stored ones with the centring vectors in ``space.mu``."""
    R = space.raw if rows is None else space.raw[rows]
    L = space.lang_of if rows is None else space.lang_of[rows]
    M = R.astype(np.float32)
    for li, l in enumerate(space.lang_names):
        sel = L == li
        if sel.any():
            M[sel] -= space.mu[l]
    M /= np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)
    if rows is None:
        space.M = M
    else:
        space.M = np.concatenate([space.M, M])


def _means(space: Space) -> dict:
    """Per language: the store's mean row shrunk towards the packaged prior (or the store-wide mean)."""
    prior = _prior(space.encoder)
    n_all = sum(space.lcount.values())
    g = prior.get("*")
    if g is None:
        g = (sum(space.lsum.values()) / max(n_all, 1)).astype(np.float32) if n_all else \
            np.zeros(enc.DIMS[space.encoder], np.float32)
    return {l: ((space.lsum[l] + PRIOR_WEIGHT * prior.get(l or "", g)) / (space.lcount[l] + PRIOR_WEIGHT)
                ).astype(np.float32) for l in space.lsum}


def _index_langs(space: Space, counts: np.ndarray) -> None:
    space.lang_names = sorted(set(space.langs), key=lambda x: x or "")
    lidx = {l: i for i, l in enumerate(space.lang_names)}
    space.lang_of = np.repeat(np.array([lidx[l] for l in space.langs], dtype=np.int32), counts)


def load_space(store, name: str) -> Space | None:
    """All stored vectors of one encoder, centred per language and normalised.

    Kept per process between calls on the same database file: a call reads only the vectors of articles it has
    not seen (incremental ingest does not re-read the whole store per batch), re-centres every row only when a
    language's mean moved by :data:`MEAN_TOL`, and keeps the inverted file until the store has doubled. Any
    article changed or removed since the last call means a full reload."""
    path = getattr(store, "path", None)
    key = (str(Path(path).resolve()), name) if path and path != ":memory:" else None
    cur = vectors.hashes(store.conn, name)
    if not cur:
        if key:
            _SPACES.pop(key, None)
        return None
    sp = _SPACES.get(key) if key else None
    if sp is not None and len(cur) >= len(sp.hashes) and all(cur.get(p) == h for p, h in sp.hashes.items()):
        new = sorted(p for p in cur if p not in sp.hashes)
        if new:
            _extend(sp, _read_rows(store, name, new))
        sp.knn = None
        return sp if sp.ids else None
    sp = Space(name, [], [], [], np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32), [],
               np.zeros((0, enc.DIMS[name]), np.float32))
    sp.raw = np.zeros((0, enc.DIMS[name]), np.float16)
    _extend(sp, _read_rows(store, name, None))
    if key:
        _SPACES[key] = sp
    return sp if sp.ids else None


def _extend(sp: Space, rows) -> None:
    ids, langs, spans, mats = [], [], [], []
    for r in rows:
        sp.hashes[r["page_id"]] = r["body_hash"]
        V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"])
        spn = [tuple(x) for x in json.loads(r["spans"])]
        if len(spn) != len(V) or not len(V):
            continue
        ids.append(r["page_id"])
        langs.append(r["lang"])
        spans.append(spn)
        mats.append(V)
    if not ids:
        return
    counts_new = np.array([len(m) for m in mats], dtype=np.int64)
    first = len(sp.M)
    d0 = len(sp.ids)
    sp.ids += ids
    sp.langs += langs
    sp.spans += spans
    sp.index.update({pid: d0 + i for i, pid in enumerate(ids)})
    sp.row0 = np.concatenate([sp.row0, sp.row0[-1] + np.cumsum(counts_new)])
    sp.doc_of = np.concatenate([sp.doc_of, np.repeat(np.arange(d0, d0 + len(ids)), counts_new)])
    R = np.concatenate(mats)
    sp.raw = np.concatenate([sp.raw, R])
    old_names = list(sp.lang_names)
    _index_langs(sp, np.diff(sp.row0))
    new_lang_of = sp.lang_of[first:]
    R32 = R.astype(np.float64)
    for li, l in enumerate(sp.lang_names):
        sel = new_lang_of == li
        if sel.any():
            sp.lsum[l] = sp.lsum.get(l, 0.0) + R32[sel].sum(0)
            sp.lcount[l] = sp.lcount.get(l, 0) + int(sel.sum())
    mu = _means(sp)
    moved = first == 0 or sp.lang_names != old_names or any(
        float(np.linalg.norm(mu[l] - sp.mu[l])) > MEAN_TOL for l in mu)
    if moved:
        sp.mu = mu
        _centre(sp)
        sp.ivf = None
    else:
        _centre(sp, slice(first, None))
        if sp.ivf is not None:
            cent, lab, built = sp.ivf
            add = np.argmax(sp.M[first:] @ cent.T, axis=1).astype(np.int32)
            sp.ivf = None if len(sp.M) > 2 * built else (cent, np.concatenate([lab, add]), built)
    sp.knn = None


def _pair_in_space(space: Space, la: str | None, lb: str | None) -> bool:
    if space.encoder == "tok":
        return la != lb
    return la != lb and enc.neural_encoder(la, lb) == space.encoder


# per encoder space: least summed nearest-neighbour similarity of a candidate pair per unit of its shorter side.
# ``tok`` only (its ``cand`` threshold is low, so two unrelated articles collect a few chance hits): on
# parallel-news dev (2 documents per language pair, 10,677 candidate pairs) 0.05 drops 55% of the candidates and
# none of the 467 gold pairs scoring above MIN_SCORE; on bench/trace_xling_speed's corpus (a) (500 articles) 45%.
CAND_DENSITY: dict[str, float] = {"tok": 0.05}
IVF_MIN_ROWS = 60_000  # below this, exact blocked search is cheaper than building the inverted file
IVF_NPROBE = 8


def _spherical_kmeans(X: np.ndarray, C: int, iters: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sample = X[rng.choice(len(X), size=min(len(X), 16 * C), replace=False)]
    cent = sample[rng.choice(len(sample), size=C, replace=False)].copy()
    for _ in range(iters):
        lab = np.argmax(sample @ cent.T, axis=1)
        new = np.zeros_like(cent)
        np.add.at(new, lab, sample)
        empty = np.linalg.norm(new, axis=1) < 1e-9
        new[empty] = sample[rng.choice(len(sample), size=int(empty.sum()))]
        cent = new / np.maximum(np.linalg.norm(new, axis=1, keepdims=True), 1e-9)
    return cent


def _search_exact(space: Space, qrows: np.ndarray, ok: np.ndarray, k: int):
    """Yield (query rows, top-k columns, their similarities) in blocks; every stored row of a language that pairs
    with the query's is scored. Query rows are taken one language at a time against those columns only (a store
    mostly in one language then scores its many rows against the few of other languages, not against all)."""
    qlang = space.lang_of[qrows]
    for li in np.unique(qlang):
        cols = np.nonzero(ok[li][space.lang_of])[0]
        q_l = qrows[qlang == li]
        if not len(cols):
            yield q_l, np.full((len(q_l), k), -1, dtype=np.int64), np.full((len(q_l), k), -1.0, np.float32)
            continue
        MC = space.M[cols]
        same_doc = bool(ok[li, li])  # only a space pairing a language with itself can meet the query's own rows
        for s in range(0, len(q_l), QUERY_BLOCK):
            qr = q_l[s:s + QUERY_BLOCK]
            S = space.M[qr] @ MC.T
            if same_doc:
                S[space.doc_of[qr][:, None] == space.doc_of[cols][None, :]] = -1.0
            kk = min(k, S.shape[1])
            top = np.argpartition(-S, kk - 1, axis=1)[:, :kk]
            vals = np.take_along_axis(S, top, axis=1)
            if kk < k:  # fewer columns than k: pad as 'no neighbour'
                top = np.concatenate([top, np.full((len(qr), k - kk), -1, dtype=top.dtype)], axis=1)
                vals = np.concatenate([vals, np.full((len(qr), k - kk), -1.0, vals.dtype)], axis=1)
            yield qr, np.where(top >= 0, cols[np.maximum(top, 0)], -1), vals


def _search_ivf(space: Space, qrows: np.ndarray, ok: np.ndarray, k: int, nprobe: int = IVF_NPROBE):
    """Inverted-file search: rows are bucketed by their nearest of ~2*sqrt(N) centroids and each query scores
    only the rows of its ``nprobe`` nearest buckets, so a full rebuild costs about N^1.5 instead of N^2."""
    N = len(space.M)
    if space.ivf is not None and len(space.ivf[1]) == N:
        cent, lab, _ = space.ivf  # kept from an earlier call (see load_space)
    else:
        C = int(min(4096, max(16, 2 * np.sqrt(N)), N))
        cent = _spherical_kmeans(space.M, C)
        lab = np.empty(N, dtype=np.int32)
        for s in range(0, N, 8192):
            lab[s:s + 8192] = np.argmax(space.M[s:s + 8192] @ cent.T, axis=1)
        space.ivf = (cent, lab, N)
    C = len(cent)
    nprobe = min(nprobe, C)
    order = np.argsort(lab, kind="stable")
    bounds = np.searchsorted(lab[order], np.arange(C + 1))
    probe = np.empty((len(qrows), nprobe), dtype=np.int32)
    for s in range(0, len(qrows), 8192):
        P = space.M[qrows[s:s + 8192]] @ cent.T
        probe[s:s + 8192] = np.argpartition(-P, nprobe - 1, axis=1)[:, :nprobe]
    best_c = np.full((len(qrows), k), -1, dtype=np.int64)
    best_v = np.full((len(qrows), k), -1.0, dtype=np.float32)
    for c in range(C):
        qi = np.nonzero((probe == c).any(axis=1))[0]
        members = order[bounds[c]:bounds[c + 1]]
        if not len(qi) or not len(members):
            continue
        qr = qrows[qi]
        S = space.M[qr] @ space.M[members].T
        S[~ok[space.lang_of[qr]][:, space.lang_of[members]]] = -1.0
        S[space.doc_of[qr][:, None] == space.doc_of[members][None, :]] = -1.0
        allv = np.concatenate([best_v[qi], S], axis=1)
        allc = np.concatenate([best_c[qi], np.broadcast_to(members, S.shape)], axis=1)
        top = np.argpartition(-allv, k - 1, axis=1)[:, :k]
        best_v[qi] = np.take_along_axis(allv, top, axis=1)
        best_c[qi] = np.take_along_axis(allc, top, axis=1)
    yield qrows, best_c, best_v


def _pairable(space: Space) -> np.ndarray:
    """Language-index pairs that may pair in this space."""
    L = len(space.lang_names)
    ok = np.zeros((L, L), dtype=bool)
    for i, a in enumerate(space.lang_names):
        for j, b in enumerate(space.lang_names):
            ok[i, j] = _pair_in_space(space, a, b)
    return ok


def _knn_array(space: Space) -> np.ndarray:
    if space.knn is None or len(space.knn) != len(space.M):
        space.knn = np.full(len(space.M), np.nan, dtype=np.float32)
    return space.knn


def _knn_mean(sims: np.ndarray) -> np.ndarray:
    """Mean of the MARGIN_K highest similarities per row (missing neighbours, -1, count as 0)."""
    k = min(MARGIN_K, sims.shape[1])
    top = -np.sort(-sims, axis=1)[:, :k]
    return np.maximum(top, 0.0).mean(axis=1)


def ensure_knn(space: Space, docs, ivf: bool | None = None) -> None:
    """Neighbourhood means (for the margin) of the rows of ``docs`` that do not have one yet: the rows of stored
    documents that only appear as candidates of new ones."""
    knn = _knn_array(space)
    rows = [np.arange(space.row0[d], space.row0[d + 1]) for d in sorted(set(docs))]
    rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    rows = rows[np.isnan(knn[rows])]
    if not len(rows):
        return
    if ivf is None:
        ivf = len(space.M) >= IVF_MIN_ROWS
    search = _search_ivf if ivf else _search_exact
    for qr, top, sims in search(space, rows, _pairable(space), MARGIN_K):
        knn[qr] = _knn_mean(sims)


def candidates(space: Space, query_docs: list[int], ivf: bool | None = None) -> dict[tuple[int, int], float]:
    """Document pairs (i < j) with paragraph nearest-neighbour hits; value = sum of hit similarities.

    Exact blocked search for stores up to :data:`IVF_MIN_ROWS` paragraphs, an inverted file above (or as
    ``ivf`` says)."""
    prm = PARAMS[space.encoder]
    if not query_docs:
        return {}
    qrows = np.concatenate([np.arange(space.row0[d], space.row0[d + 1]) for d in query_docs])
    if not len(qrows):
        return {}
    ok = _pairable(space)
    out: dict[tuple[int, int], float] = {}
    if ivf is None:
        ivf = len(space.M) >= IVF_MIN_ROWS
    search = _search_ivf if ivf else _search_exact
    knn = _knn_array(space)
    for qr, top, sims in search(space, qrows, ok, max(TOP_K, MARGIN_K)):
        knn[qr] = _knn_mean(sims)
        for r, (cols, vals) in enumerate(zip(top, sims)):
            qd = int(space.doc_of[qr[r]])
            for c, v in zip(cols, vals):
                if v < prm["cand"] or c < 0:
                    continue
                od = int(space.doc_of[c])
                key = (qd, od) if qd < od else (od, qd)
                out[key] = out.get(key, 0.0) + float(v)
    # the static space: a pair whose summed hit similarity is below CAND_DENSITY per unit of its shorter side
    # (one or two chance hits) is not aligned
    dens = CAND_DENSITY.get(space.encoder)
    if dens:
        units = np.diff(space.row0)
        out = {key: v for key, v in out.items() if v >= dens * min(units[key[0]], units[key[1]])}
    # keep the strongest candidates of each document
    per: dict[int, list[tuple[float, tuple[int, int]]]] = {}
    for key, v in out.items():
        for d in key:
            per.setdefault(d, []).append((v, key))
    keep = set()
    for d, lst in per.items():
        lst.sort(reverse=True)
        keep.update(key for _, key in lst[:MAX_CANDIDATES_PER_DOC])
    return {key: out[key] for key in keep}


# -- alignment ----------------------------------------------------------------------------------------
def monotone_align(S: np.ndarray, tau: float) -> list[tuple[int, int]]:
    """Order-preserving paragraph matches maximising the sum of (sim - tau) over matched pairs; gaps are free,
    so an excerpt (a contiguous or scattered part of either side) aligns as well as a full copy."""
    n, m = S.shape
    W = S - tau
    best = np.zeros((n + 1, m + 1), dtype=np.float64)
    for i in range(1, n + 1):
        diag = best[i - 1, :-1] + np.where(W[i - 1] > 0, W[i - 1], -np.inf)
        cand = np.maximum(best[i - 1, 1:], diag)
        best[i, 1:] = np.maximum.accumulate(cand)
    pairs = []
    i, j = n, m
    while i > 0 and j > 0:
        if best[i, j] == best[i - 1, j]:
            i -= 1
        elif best[i, j] == best[i, j - 1]:
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i -= 1
            j -= 1
    pairs.reverse()
    return pairs


def align_pair(S: np.ndarray, prm: dict[str, float]) -> list[tuple[int, int]]:
    pairs = monotone_align(S, prm["align"])
    used_a = {i for i, _ in pairs}
    used_b = {j for _, j in pairs}
    # reordered paragraphs: mutual best matches with a high similarity outside the monotone chain
    if S.size:
        ba = S.argmax(1)
        bb = S.argmax(0)
        for i, j in enumerate(ba):
            if i in used_a or j in used_b or bb[j] != i or S[i, j] < prm["reorder"]:
                continue
            pairs.append((i, int(j)))
            used_a.add(i)
            used_b.add(int(j))
    pairs.sort()
    return pairs


def _links(store, ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {i: set() for i in ids}
    for pid, href in articles.inbody_links(store.conn, ids):
        out[pid].add(href.split("#")[0].rstrip("/"))
    return out


@lru_cache(maxsize=4096)
def _doc_evidence(body: str) -> tuple[set[str], set[str]]:
    """Numbers and names of a whole body (a document is scored against up to MAX_CANDIDATES_PER_DOC others)."""
    return ev.numbers(body), ev.names(body)


@lru_cache(maxsize=4096)
def _paragraphs_cached(body: str) -> tuple[tuple[int, int], ...]:
    return tuple(paragraph_spans(body))


def _paragraph_of(units: list[tuple[int, int]], body: str) -> list[int]:
    """Index of the paragraph holding each unit (each unit its own paragraph when the body is not at hand)."""
    paras = _paragraphs_cached(body) if body else ()
    out, k = [], 0
    for s, e in units:
        while k < len(paras) and paras[k][1] < e:
            k += 1
        out.append(k if k < len(paras) and paras[k][0] <= s else -1 - len(out))
    return out


def paragraph_pairs(al, S, sa, sb, body_a: str, body_b: str) -> list[list]:
    """Aligned units grouped by the pair of paragraphs holding them: [a_start, a_end, b_start, b_end, sim] from
    the first to the last aligned unit of each paragraph pair (inside one paragraph on each side), mean sim."""
    pa, pb = _paragraph_of(sa, body_a), _paragraph_of(sb, body_b)
    groups: dict[tuple[int, int], list] = {}
    for i, j in al:
        g = groups.setdefault((pa[i], pb[j]), [sa[i][0], sa[i][1], sb[j][0], sb[j][1], []])
        g[0], g[1] = min(g[0], sa[i][0]), max(g[1], sa[i][1])
        g[2], g[3] = min(g[2], sb[j][0]), max(g[3], sb[j][1])
        g[4].append(float(S[i, j]))
    out = [[a0, a1, b0, b1, round(float(np.mean(v)), 4)] for a0, a1, b0, b1, v in groups.values()]
    return sorted(out)


def score_pair(space: Space, da: int, db: int, body_a: str, body_b: str,
               links_a: set[str] = frozenset(), links_b: set[str] = frozenset()) -> dict:
    prm = PARAMS[space.encoder]
    A = space.M[space.rows(da)]
    B = space.M[space.rows(db)]
    # einsum, not BLAS: for these small blocks BLAS threads cost more than the product (and thrash on a busy
    # machine: 1 ms instead of 30 us a pair)
    S = np.einsum("ij,kj->ik", A, B)
    al = align_pair(S, prm)
    knn = _knn_array(space)
    ka, kb = knn[space.rows(da)], knn[space.rows(db)]
    sa, sb = space.spans[da], space.spans[db]
    tot_a = sum(e - s for s, e in sa) or 1
    tot_b = sum(e - s for s, e in sb) or 1
    pairs, cov_a, cov_b, wcov_a, wcov_b, sims, num_agree, margins = [], 0, 0, 0.0, 0.0, [], [], []
    wsum = 0.0
    for i, j in al:
        s = float(S[i, j])
        w = min(1.0, max(0.0, (s - prm["lo"]) / (prm["hi"] - prm["lo"])))
        # ratio margin: a translation is (one of) the nearest paragraphs of both sides; a paragraph of another
        # article on the same event is similar too, but well below what the nearest paragraphs reach
        hood = (float(ka[i]) + float(kb[j])) / 2
        if hood == hood:  # not NaN
            m = s / max(hood, 1e-3)
            margins.append(m)
            w *= min(1.0, max(0.0, (m - prm["mlo"]) / (prm["mhi"] - prm["mlo"])))
        la, lb = sa[i][1] - sa[i][0], sb[j][1] - sb[j][0]
        cov_a += la
        cov_b += lb
        wcov_a += w * la
        wcov_b += w * lb
        wsum += w
        sims.append(s)
        na, nb = ev.numbers(body_a[sa[i][0]:sa[i][1]]), ev.numbers(body_b[sb[j][0]:sb[j][1]])
        jac = ev.jaccard(na, nb)
        if jac is not None:
            num_agree.append(jac)
    wa, wb = wcov_a / tot_a, wcov_b / tot_b
    # the copy is the side that is covered; a full translation is covered on both sides
    # strength: summed weights of the aligned pairs; a chain of several matching paragraphs is far less likely
    # by chance than one or two, whatever the share they cover
    strength = min(1.0, wsum / EVIDENCE_FULL)
    base = max(wa, wb) * strength
    (nums_a, names_a), (nums_b, names_b) = _doc_evidence(body_a), _doc_evidence(body_b)
    nums_doc = ev.overlap(nums_a, nums_b)
    names_doc = ev.overlap(names_a, names_b)
    shared_links = len((links_a & links_b) - {""})
    bonus = 0.0
    if num_agree:
        bonus += NUMBER_WEIGHT * (float(np.mean(num_agree)) - 0.5)
    if names_doc is not None and len(al):
        bonus += 0.1 * (names_doc - 0.3)
    if shared_links:
        bonus += 0.05
    score = max(0.0, min(1.0, base + bonus)) if al else 0.0
    return {
        "pairs": paragraph_pairs(al, S, sa, sb, body_a, body_b),
        "coverage_a": round(cov_a / tot_a, 4),
        "coverage_b": round(cov_b / tot_b, 4),
        "score": round(score, 4),
        "evidence": {
            "aligned": len(al), "units_a": len(sa), "units_b": len(sb),
            "mean_sim": round(float(np.mean(sims)), 4) if sims else 0.0,
            "mean_margin": round(float(np.mean(margins)), 4) if margins else None,
            "strength": round(strength, 4), "weighted_coverage_a": round(wa, 4), "weighted_coverage_b": round(wb, 4),
            "numbers_aligned": round(float(np.mean(num_agree)), 4) if num_agree else None,
            "numbers_shared": None if nums_doc is None else round(nums_doc, 4),
            "names_shared": None if names_doc is None else round(names_doc, 4),
            "links_shared": shared_links,
        },
    }


# -- entry point --------------------------------------------------------------------------------------
def staged_enabled() -> bool:
    """Cheap candidates first, full sentence encoding only for articles that have one (xling_cheap.py);
    NEWSTRACE_XLING_STAGED=0 encodes every article in full as before."""
    return os.environ.get("NEWSTRACE_XLING_STAGED", "1").lower() not in ("0", "off", "no", "false")


def _score_space(store, name: str, query: set[str] | None, min_score: dict, ivf, results: dict,
                 bodies: dict) -> None:
    """Candidates of the ``query`` articles (all when None) in one encoder's space, aligned and scored into
    ``results`` ((a_id, b_id) -> best result)."""
    space = load_space(store, name)
    if space is None:
        return
    if query is None:
        qdocs = list(range(len(space.ids)))
    else:
        qdocs = sorted(space.index[i] for i in query if i in space.index)
    cands = candidates(space, qdocs, ivf=ivf)
    if not cands:
        return
    ensure_knn(space, {d for key in cands for d in key}, ivf=ivf)
    need = {space.ids[d] for key in cands for d in key} - set(bodies)
    bodies.update(articles.bodies_by_page(store.conn, need))
    links = _links(store, sorted({space.ids[d] for key in cands for d in key}))
    for (da, db) in sorted(cands):
        ia, ib = space.ids[da], space.ids[db]
        if ia > ib:
            da, db, ia, ib = db, da, ib, ia
        try:
            r = score_pair(space, da, db, bodies.get(ia, ""), bodies.get(ib, ""), links[ia], links[ib])
        except Exception as e:  # noqa: BLE001 - one bad pair must not stop the run
            log.warning("translation alignment failed for %s / %s: %s", ia, ib, e)
            continue
        if r["score"] < min_score.get(name, 0.5) or not r["pairs"]:
            continue
        r.update(a_id=ia, b_id=ib, lang_a=space.langs[da], lang_b=space.langs[db], encoder=name)
        prev = results.get((ia, ib))
        if prev is None or prev["score"] < r["score"]:
            results[(ia, ib)] = r


def _tok_pairs(store, new_ids: set[str] | None, min_score: dict, ivf, results: dict, bodies: dict) -> None:
    """Every article encoded with the static table (cheap), candidates, alignment and scores in its space; the
    pairs whose score is unsure (:data:`UNSURE` around the threshold) are decided by the pair's neural encoder
    on both articles' full sentence vectors (only those articles are encoded with it)."""
    encode_ids = None if new_ids is None or _stored_missing(store, {"tok"}, new_ids) else new_ids
    ensure_vectors(store, encode_ids, active={"tok"})
    th = MIN_SCORE["tok"]  # the band is the library's, whatever the caller keeps (a benchmark keeps all scores)
    lo, hi = UNSURE["lo"], UNSURE["hi"]
    band = os.environ.get("NEWSTRACE_XLING_UNSURE")  # "lo,hi" (a benchmark's trade of speed for recall)
    if band:
        lo, hi = (float(x) for x in band.split(","))
    if hi <= lo:  # no band: the static score decides alone
        lo = hi = th
    keep = min_score.get("tok", th)
    found: dict[tuple[str, str], dict] = {}
    _score_space(store, "tok", new_ids, dict(min_score, tok=min(keep, lo)), ivf, found, bodies)
    unsure = {k: r for k, r in found.items() if lo <= r["score"] < hi}
    for k, r in found.items():
        if k not in unsure and r["score"] >= keep:
            results[k] = r
    from . import xling_check

    if xling_check.mode() == "units":  # a few aligned sentences per pair, not whole bodies (xling_check.py)
        reached = {k for k, r in found.items() if r["score"] >= lo}
        if xling_check.CHECK_ALL:  # every static pair from the band's floor up is checked: none kept unchecked
            for k in reached - set(unsure):
                results.pop(k, None)
                unsure[k] = found[k]
        unsure.update(xling_check.rescue_pairs(store, reached, new_ids, bodies))
        results.update(xling_check.check(store, unsure, bodies, max(th, keep)))
        return
    if not unsure:
        return
    from . import xling_cheap as cheap

    want: dict[str, set[str]] = {}
    for (a, b), r in unsure.items():
        name = enc.neural_encoder(enc.norm_lang(r["lang_a"]), enc.norm_lang(r["lang_b"]))
        if name is None:  # no neural encoder: the static score decides
            if r["score"] >= max(th, keep):
                results[(a, b)] = r
            continue
        want.setdefault(a, set()).add(name)
        want.setdefault(b, set()).add(name)
    if not want:
        return
    cheap.ensure_full(store, want)
    ids = set(want)
    checked: dict[tuple[str, str], dict] = {}
    for name in ("use", "e5"):
        if any(name in v for v in want.values()):
            _score_space(store, name, ids, min_score, ivf, checked, bodies)
    for k in unsure:
        r = checked.get(k)
        if r is not None:
            results[k] = r


def _staged_pairs(store, new_ids: set[str] | None, active: set[str], min_score: dict, ivf, results: dict,
                  bodies: dict, only: set[str] | None = None) -> None:
    """The neural path: cheap candidates first, full sentence encoding only for articles that have one
    (xling_cheap.py). With ``only`` (page ids), only pairs involving one of them are looked for and kept."""
    from . import xling_cheap as cheap
    # every article gets a row (language, fingerprint); ledes only the two sides of a gate pair
    cheap.register(store, None if new_ids is None or cheap.unregistered(store, new_ids) else new_ids)
    ranks = cheap.fingerprint_ranks(store, new_ids, active)
    if only is not None:
        ranks = {a: (lst if a in only else [x for x in lst if x[2] in only]) for a, lst in ranks.items()}
    langs = {r["page_id"]: enc.norm_lang(r["lang"]) for r in vectors.docs(store.conn)}
    # the second check (xling_cheap.passes): a pair of rare-token neighbours gets neural vectors only when its
    # share or its static lede similarity is high enough (static ledes only where the share does not decide)
    tok = cheap.TokLedes(store, langs) if cheap.check_on() else None
    cheap.ensure_ledes(store, None, active, want=cheap.gate(store, ranks, new_ids, active, tok))
    pairs = cheap.lede_candidates(store, active, new_ids) | cheap.fingerprint_candidates(ranks, tok)
    want: dict[str, set[str]] = {}
    for a, b in pairs:
        name = enc.pair_encoder(langs.get(a), langs.get(b))
        if name in active:
            want.setdefault(a, set()).add(name)
            want.setdefault(b, set()).add(name)
    made = cheap.ensure_full(store, want)
    # second round: ledes of the articles left out against the sentences of those encoded in full
    more: dict[str, set[str]] = {}
    for a, b in cheap.lede_full_candidates(store, active, new_ids, made):
        name = enc.pair_encoder(langs.get(a), langs.get(b))
        if name in active:
            more.setdefault(a, set()).add(name)
            more.setdefault(b, set()).add(name)
    for name, pids in cheap.ensure_full(store, more).items():
        made.setdefault(name, set()).update(pids)
    for name in ("use", "e5"):
        if name in active and enc.available(name):
            query = None if new_ids is None else new_ids | made.get(name, set())
            found: dict = {}
            _score_space(store, name, query, min_score, ivf, found, bodies)
            for k, r in found.items():
                if only is None or k[0] in only or k[1] in only:
                    prev = results.get(k)
                    if prev is None or prev["score"] < r["score"] or prev["encoder"] == "tok":
                        results[k] = r


def translation_pairs(store, new_ids: set[str] | None = None, min_score: float | dict | None = None,
                      ivf: bool | None = None) -> list[dict]:
    """Translated copies involving ``new_ids`` (all articles when None), against everything stored.

    Returns one dict per pair of articles in different languages: ``a_id``, ``b_id`` (a_id < b_id),
    ``lang_a``, ``lang_b``, ``pairs`` ([[a_start, a_end, b_start, b_end, sim], ...] character offsets of aligned
    paragraphs into each body), ``coverage_a``, ``coverage_b`` (share of each body's paragraph text aligned),
    ``score`` in [0, 1], ``encoder`` and ``evidence``. Pairs scoring below ``min_score`` (default
    :data:`MIN_SCORE`) are left out. ``ivf`` forces (True) or forbids (False) the inverted-file candidate
    search; by default it is used from :data:`IVF_MIN_ROWS` stored paragraphs on.
    """
    if min_score is None:
        min_score = MIN_SCORE
    if not isinstance(min_score, dict):
        min_score = {k: float(min_score) for k in enc.DIMS}
    active = active_encoders(store)
    if not active:
        return []
    if new_ids is not None:
        new_ids = set(new_ids)
    results: dict[tuple[str, str], dict] = {}
    bodies: dict[str, str] = {}
    if "tok" in active:
        _tok_pairs(store, new_ids, min_score, ivf, results, bodies)
        # the languages the static table serves badly: their pairs also go the neural way
        weak = {r["page_id"] for r in vectors.docs(store.conn) if enc.norm_lang(r["lang"]) in STATIC_WEAK_LANGS}
        if weak and staged_enabled():
            with enc.neural_only():
                neural = active_encoders(store)
                if neural:
                    _staged_pairs(store, weak if new_ids is None else new_ids, neural, min_score, ivf, results,
                                  bodies, only=weak)
    elif staged_enabled():
        _staged_pairs(store, new_ids, active, min_score, ivf, results, bodies)
    else:
        encode_ids = None if new_ids is None or _stored_missing(store, active, new_ids) else new_ids
        ensure_vectors(store, encode_ids, active=active)
        for name in ("use", "e5"):
            if name in active and enc.available(name):
                _score_space(store, name, new_ids, min_score, ivf, results, bodies)
    keys = ("a_id", "b_id", "lang_a", "lang_b", "pairs", "coverage_a", "coverage_b", "score", "encoder", "evidence")
    return [{k: r[k] for k in keys} for _, r in sorted(results.items())]


def encoding_stats() -> dict[str, dict[str, float]]:
    """Texts encoded, characters and seconds spent per encoder in this process (model loading included)."""
    return {k: dict(v) for k, v in enc.STATS.items()}
